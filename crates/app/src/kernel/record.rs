//! A reference to one record of any room, and the kinds of record a room declares. A reference
//! can only be made from a declared kind, and the kind carries its own link, so no code has to
//! guess which room shows a record.

use super::BoxFuture;
use crate::db::{Db, DbError};

/// What a room's lookup found for a typed reference (an ID number or an exact name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    One(i64, String),
    None,
    Many,
}

/// Finds one record of a facility by its ID number or exact name, for links made by people.
/// With a vendor's name (a vendor's person linking), only records of that vendor are found;
/// any other answers as if it did not exist.
pub type LookupFn =
    for<'a> fn(&'a Db, i64, &'a str, Option<&'a str>) -> BoxFuture<'a, Result<Lookup, DbError>>;

/// One kind of record, declared once by the room that owns it.
#[derive(Debug)]
pub struct RefKind {
    /// The stable name stored in other rooms' rows (e.g. checklist evidence): the owner's table.
    pub table: &'static str,
    /// The message key of the kind's name (台帳の機器, 接続点…).
    pub label_key: &'static str,
    /// The page of one record.
    pub href: fn(i64) -> String,
    /// How people link one by ID or name; `None` when it cannot be linked as evidence.
    pub lookup: Option<LookupFn>,
    /// Whether a link must say which record (a facility has only its one profile).
    pub needs_reference: bool,
}

impl PartialEq for RefKind {
    fn eq(&self, other: &Self) -> bool {
        self.table == other.table
    }
}

impl Eq for RefKind {}

/// A record named in a finding or a reason: its kind, ID and name as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRef {
    pub kind: &'static RefKind,
    pub id: i64,
    pub name: String,
}

impl RecordRef {
    pub fn new(kind: &'static RefKind, id: i64, name: impl Into<String>) -> RecordRef {
        RecordRef {
            kind,
            id,
            name: name.into(),
        }
    }

    pub fn href(&self) -> String {
        (self.kind.href)(self.id)
    }

    pub fn table(&self) -> &'static str {
        self.kind.table
    }
}

/// A link to an outside page, for an `href`: only http(s) URLs with a host, so a feed's
/// `javascript:` or `data:` link never becomes something a click runs. `None` otherwise.
pub fn outside_link(text: &str) -> Option<String> {
    let url = url::Url::parse(text.trim()).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty()))
        .then(|| url.to_string())
}

#[cfg(test)]
mod link_tests {
    use super::outside_link;

    #[test]
    fn only_web_links_become_links() {
        assert_eq!(
            outside_link("https://jvndb.jvn.jp/ja/contents/2019/JVNDB-2019-000001.html").as_deref(),
            Some("https://jvndb.jvn.jp/ja/contents/2019/JVNDB-2019-000001.html")
        );
        assert!(outside_link("http://example.com/a?b=c").is_some());
        for bad in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:x",
            "//evil.example",
            "https://",
            "file:///etc/passwd",
            "",
        ] {
            assert_eq!(outside_link(bad), None, "{bad}");
        }
    }
}

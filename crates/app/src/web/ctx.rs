//! What every page template receives: translator, signed-in user, CSRF token and the menu.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;

use super::session::Visitor;
use crate::i18n::{Lang, Tr};
use crate::users::model::{Actor, Role};
use crate::users::store::User;

#[derive(Debug, Clone)]
pub struct NavItem {
    pub id: &'static str,
    pub href: &'static str,
    pub label_key: &'static str,
}

impl NavItem {
    pub fn new(id: &'static str, href: &'static str, label_key: &'static str) -> NavItem {
        NavItem {
            id,
            href,
            label_key,
        }
    }
}

/// The ledger room's pages, shown as tabs under the menu.
pub static LEDGER_TABS: [NavItem; 6] = [
    NavItem {
        id: "ledger",
        href: "/ledger",
        label_key: crate::mkey!("tab-devices"),
    },
    NavItem {
        id: "systems",
        href: "/systems",
        label_key: crate::mkey!("tab-systems"),
    },
    NavItem {
        id: "segments",
        href: "/segments",
        label_key: crate::mkey!("tab-segments"),
    },
    NavItem {
        id: "diagram",
        href: "/diagram",
        label_key: crate::mkey!("tab-diagram"),
    },
    NavItem {
        id: "stocktake",
        href: "/stocktake",
        label_key: crate::mkey!("tab-stocktake"),
    },
    NavItem {
        id: "import",
        href: "/ledger/import",
        label_key: crate::mkey!("tab-import"),
    },
];

/// Page context, extracted in every handler.
#[derive(Clone)]
pub struct Ctx {
    pub tr: Tr,
    pub visitor: Visitor,
    pub csrf: String,
    pub path: String,
    /// Where the language switch returns to.
    pub back: String,
    pub active: &'static str,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let visitor = parts
            .extensions
            .get::<Visitor>()
            .cloned()
            .ok_or(StatusCode::INTERNAL_SERVER_ERROR)?;
        let mut c = Ctx::from_visitor(visitor, parts.uri.path());
        // The language switch returns to the same page, query included (the setup link's token).
        c.back = parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str().to_string())
            .unwrap_or_else(|| c.path.clone());
        Ok(c)
    }
}

impl Ctx {
    pub fn from_visitor(visitor: Visitor, path: &str) -> Ctx {
        Ctx {
            tr: crate::i18n::Tr::new(visitor.lang),
            csrf: visitor.csrf.clone(),
            visitor,
            path: path.to_string(),
            back: path.to_string(),
            active: "",
        }
    }

    pub fn active(mut self, id: &'static str) -> Ctx {
        self.active = id;
        self
    }

    pub fn t(&self, key: &str) -> String {
        self.tr.t(key)
    }

    pub fn t1(&self, key: &str, name: &str, value: &dyn std::fmt::Display) -> String {
        self.tr.t1(key, name, value)
    }

    pub fn t2(
        &self,
        key: &str,
        name1: &str,
        value1: &dyn std::fmt::Display,
        name2: &str,
        value2: &dyn std::fmt::Display,
    ) -> String {
        self.tr.t2(key, name1, value1, name2, value2)
    }

    /// "佐藤 花子（管理者）" in the header.
    pub fn signed_in_as(&self, user: &User) -> String {
        self.tr.t2(
            crate::mkey!("signed-in-as"),
            "name",
            &user.display_name,
            "role",
            &self.role_label(),
        )
    }

    pub fn lang(&self) -> &'static str {
        self.tr.lang.code()
    }

    pub fn is_ja(&self) -> bool {
        self.tr.lang == Lang::Ja
    }

    pub fn user(&self) -> Option<&User> {
        self.visitor.user()
    }

    /// The acting user; handlers behind a signed-in route always have one.
    pub fn actor(&self) -> Actor {
        self.visitor
            .actor()
            .unwrap_or_else(|| Actor::anonymous("anonymous", &self.visitor.ip, None))
    }

    /// The signed-in user's facility; every record a page shows belongs to it.
    pub fn facility_id(&self) -> Option<i64> {
        self.user().map(|u| u.facility_id)
    }

    pub fn role(&self) -> Option<Role> {
        self.user().map(|u| u.role)
    }

    pub fn can_edit(&self) -> bool {
        self.role().is_some_and(|r| r.can_edit())
    }

    pub fn is_admin(&self) -> bool {
        self.role().is_some_and(|r| r.is_admin())
    }

    /// The menu entry to highlight: the ledger's tabs all light up 台帳.
    pub fn nav_group(&self) -> &'static str {
        if LEDGER_TABS.iter().any(|t| t.id == self.active) {
            "ledger"
        } else {
            self.active
        }
    }

    /// The ledger's own tabs, on ledger pages only.
    pub fn tabs(&self) -> &'static [NavItem] {
        if self.nav_group() == "ledger" && !self.nav().is_empty() {
            &LEDGER_TABS
        } else {
            &[]
        }
    }

    pub fn nav(&self) -> Vec<NavItem> {
        match self.role() {
            Some(role) if !self.visitor.must_enrol_totp() => super::nav_items(role),
            _ => Vec::new(),
        }
    }

    pub fn role_label(&self) -> String {
        self.role()
            .map(|r| self.t(r.label_key()))
            .unwrap_or_default()
    }

    pub fn datetime(&self, stored: &str) -> String {
        self.tr.datetime(stored)
    }

    pub fn date(&self, stored: &str) -> String {
        self.tr.date(stored)
    }

    pub fn version(&self) -> &'static str {
        crate::VERSION
    }

    pub fn static_url(&self, file: &str) -> String {
        super::assets::url(file)
    }
}

/// Problems found in a submitted form, by field name, already translated.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors {
    errors: Vec<(String, String)>,
}

impl FieldErrors {
    pub fn from_keys(tr: &Tr, problems: &[(&str, &str)]) -> FieldErrors {
        FieldErrors {
            errors: problems
                .iter()
                .map(|(field, key)| (field.to_string(), tr.t(key)))
                .collect(),
        }
    }

    pub fn get(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn has(&self, field: &str) -> bool {
        self.errors.iter().any(|(f, _)| f == field)
    }

    pub fn any(&self) -> bool {
        !self.errors.is_empty()
    }
}

//! JVN iPedia vulnerability data, in the two XML shapes JVN and its MyJVN API publish:
//!
//! - **JVNRSS** (RSS 1.0 / RDF with the `sec:` module): `getVulnOverviewList` responses and the
//!   `jvndb_*.rdf` / `dataFeed_jvndb_rss` feeds. One `<item>` per vulnerability: title,
//!   summary, CVE references, versionless CPE 2.2 names, CVSS, dates.
//! - **VULDEF** 3.x: `getVulnDetailInfo` responses and the `jvndb_detail_*.xml` feeds. One
//!   `<Vulinfo>` per vulnerability, with the affected versions in words, the impact and the
//!   solution as well.
//!
//! JVN iPedia is where Japanese products (and Japanese text for foreign ones) appear first, so
//! mamori reads it beside NVD. Both shapes become the same [`Entry`]. Elements are matched by
//! namespace and local name, never by prefix, so a re-serialized file reads the same.
//!
//! Feeds come over the network, so the reader refuses any DTD (no entity is ever expanded and
//! nothing is fetched), caps the input size, and says where a problem is (line and column)
//! instead of panicking. A MyJVN error status (`retCd` other than 0) is an error carrying the
//! API's own message; the paging numbers of a good response are returned for the downloader.

use std::borrow::Cow;
use std::collections::HashSet;

/// Larger files are refused: a whole year of the detail feed is far below this.
pub const MAX_BYTES: usize = 512 * 1024 * 1024;
const MAX_NODES: u32 = 50_000_000;
/// How many broken attribute values (see [`Feed::notes`]) are mended before giving up.
const MAX_REPAIRS: usize = 8;

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const RSS: &str = "http://purl.org/rss/1.0/";
const DC: &str = "http://purl.org/dc/elements/1.1/";
const DCTERMS: &str = "http://purl.org/dc/terms/";
/// The `sec:` module; matched as a prefix of the namespace so that 3.x revisions also read.
const SEC: &str = "http://jvn.jp/rss/mod_sec/";
const VULDEF: &str = "http://jvn.jp/vuldef/";
const STATUS: &str = "http://jvndb.jvn.jp/myjvn/Status";
const XML: &str = "http://www.w3.org/XML/1998/namespace";

/// Which of the two shapes a document was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    /// JVNRSS: an overview list or the RSS data feed.
    Rss,
    /// VULDEF: detail information or the detail data feed.
    Vuldef,
}

/// MyJVN's paging numbers (`status:Status`), for a downloader that asks for the next page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// `totalRes`: how many entries match the query in all.
    pub total: u64,
    /// `totalResRet`: how many are in this response (the entry count when not stated).
    pub returned: u64,
    /// `firstRes`: the 1-based position of the first of them (1 when not stated, as in the
    /// data feeds, which hold everything).
    pub first: u64,
}

impl Paging {
    /// The `startItem` to ask for next, or None when this response reached the end.
    pub fn next_start(&self) -> Option<u64> {
        let next = self.first.checked_add(self.returned)?;
        (self.returned > 0 && next <= self.total).then_some(next)
    }
}

/// A CVSS score as JVN gives it (base scores only).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cvss {
    /// "3.0", "2.0", …
    pub version: String,
    /// The base score, None when missing or not a number from 0 to 10.
    pub score: Option<f32>,
    /// "Critical", "High", "Medium", "Low", "None" (as given).
    pub severity: String,
    /// e.g. `CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`.
    pub vector: String,
}

/// An affected product. JVN names products with CPE 2.2 URIs, usually without a version: the
/// affected versions are written in words (often Japanese) in VULDEF's `VersionNumber`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Cpe {
    /// As given, e.g. `cpe:/a:fortinet:fortiweb`; empty when an affected item names none.
    pub uri: String,
    /// The vendor's display name (`vendor` attribute, or VULDEF `Name`, often Japanese).
    pub vendor: String,
    /// The product's display name (`product` attribute, or VULDEF `ProductName`).
    pub product: String,
    /// One `VersionNumber` of a VULDEF affected item, e.g. "7.6.2より前のバージョン"; an item
    /// with several gives one `Cpe` each. Empty in JVNRSS, which has none.
    pub version: String,
}

impl Cpe {
    /// The URI as a well-formed CPE name, or None when it is empty or not a valid URI.
    pub fn wfn(&self) -> Option<crate::cpe::Wfn> {
        crate::cpe::parse_uri(&self.uri).ok()
    }
}

/// One vulnerability. Text is trimmed; list and break markup that JVN writes as escaped HTML
/// inside descriptions becomes line breaks (list items start with "・").
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    /// `JVNDB-2025-000001` (JVN's own feeds use `JVN#…` / `JVNVU#…`).
    pub id: String,
    pub title: String,
    /// The overview (RSS `description`, VULDEF `Overview`).
    pub summary: String,
    /// What an attacker could do (VULDEF `ImpactItem`; empty in JVNRSS).
    pub impact: String,
    /// What to do about it (VULDEF `SolutionItem`; empty in JVNRSS).
    pub solution: String,
    /// The JVN iPedia page. VULDEF has no link, so it is built from a `JVNDB-` id the way JVN
    /// iPedia publishes its pages.
    pub link: String,
    /// Newest CVSS version first (v3 before v2).
    pub cvss: Vec<Cvss>,
    pub cpes: Vec<Cpe>,
    /// From the references to CVE and NVD; only well-formed ids, each once.
    pub cve_ids: Vec<String>,
    /// `CWE-79`, also `CWE-Other` and `CWE-noinfo` as JVN writes them.
    pub cwes: Vec<String>,
    /// First published in JVN iPedia (`dcterms:issued`, `DateFirstPublished`). Dates are as
    /// given, except that a time without seconds gets `:00` so that RFC 3339 readers take it.
    pub published: String,
    /// Last updated (`dcterms:modified`, `DateLastUpdated`).
    pub modified: String,
    /// When the vulnerability was made public (VULDEF `DatePublic`; empty in JVNRSS).
    pub disclosed: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    pub kind: FeedKind,
    /// The document's own date: the RSS channel's `dc:date`, or for VULDEF (which has none)
    /// the newest `DateLastUpdated`; empty when there is none.
    pub timestamp: String,
    /// Present when the document carries a MyJVN status with its counts.
    pub paging: Option<Paging>,
    pub entries: Vec<Entry>,
    /// What had to be mended to read the file, with where. JVN's RSS data feed writes
    /// `retCd= 0` without quotes; such a value is read as if quoted rather than refusing the
    /// whole feed.
    pub notes: Vec<String>,
}

/// What kind of problem a document has, for the app to choose what to tell the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Over [`MAX_BYTES`].
    TooLarge,
    /// Not text in its declared encoding.
    NotText,
    /// A DTD or entity declaration, refused for safety.
    Dtd,
    /// Not well-formed XML (cut short, for one).
    Xml,
    /// Well-formed, but not JVNRSS or VULDEF (e.g. a MyJVN vendor list).
    NotJvn,
    /// MyJVN answered with an error status.
    MyJvn,
    /// JVN data with a missing or impossible value.
    Invalid,
}

/// What is wrong with a document, and where (a line and column, or an entry).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct JvnError {
    pub kind: ErrorKind,
    pub place: String,
    pub message: String,
}

fn error(kind: ErrorKind, place: impl Into<String>, message: impl Into<String>) -> JvnError {
    JvnError {
        kind,
        place: place.into(),
        message: message.into(),
    }
}

type Node<'a, 'input> = roxmltree::Node<'a, 'input>;

/// Reads a JVNRSS or VULDEF document, the shape chosen by its root element.
pub fn parse(bytes: &[u8]) -> Result<Feed, JvnError> {
    if bytes.len() > MAX_BYTES {
        return Err(error(
            ErrorKind::TooLarge,
            "file",
            format!(
                "the file is {} bytes; JVN files over {MAX_BYTES} bytes are not accepted",
                bytes.len()
            ),
        ));
    }
    let text = decode(bytes)?;
    let mut notes = Vec::new();
    let mut repaired: Option<String> = None;
    loop {
        let current = repaired.as_deref().unwrap_or(&text);
        let options = roxmltree::ParsingOptions {
            allow_dtd: false,
            nodes_limit: MAX_NODES,
            ..roxmltree::ParsingOptions::default()
        };
        match roxmltree::Document::parse_with_options(current, options) {
            Ok(doc) => return read(&doc, notes),
            Err(e) => {
                let fix = if notes.len() < MAX_REPAIRS {
                    quote_bare_value(current, &e)
                } else {
                    None
                };
                match fix {
                    Some((fixed, note)) => {
                        notes.push(note);
                        repaired = Some(fixed);
                    }
                    None => return Err(xml_error(current, &e)),
                }
            }
        }
    }
}

// ---- bytes to text ----

/// UTF-8 unless a byte-order mark or the XML declaration says otherwise (JVN sends UTF-8;
/// older tools saved Shift_JIS or EUC-JP copies).
fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, JvnError> {
    use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return decode_as(encoding, bytes.get(bom..).unwrap_or_default(), bom);
    }
    let Some(label) = declared_encoding(bytes) else {
        return decode_as(UTF_8, bytes, 0);
    };
    let encoding = Encoding::for_label(label.as_bytes()).ok_or_else(|| {
        error(
            ErrorKind::NotText,
            "line 1 (XML declaration)",
            format!("the declared encoding \"{label}\" is unknown"),
        )
    })?;
    // The declaration was read as ASCII, so the bytes cannot be UTF-16 whatever it says.
    if encoding == UTF_16LE || encoding == UTF_16BE {
        return decode_as(UTF_8, bytes, 0);
    }
    decode_as(encoding, bytes, 0)
}

fn decode_as<'b>(
    encoding: &'static encoding_rs::Encoding,
    body: &'b [u8],
    skipped: usize,
) -> Result<Cow<'b, str>, JvnError> {
    if encoding == encoding_rs::UTF_8 {
        return std::str::from_utf8(body).map(Cow::Borrowed).map_err(|e| {
            error(
                ErrorKind::NotText,
                format!("byte {}", skipped + e.valid_up_to()),
                "the file is not UTF-8 text; use the file as JVN publishes it",
            )
        });
    }
    encoding
        .decode_without_bom_handling_and_without_replacement(body)
        .ok_or_else(|| {
            error(
                ErrorKind::NotText,
                "file",
                format!(
                    "the file is not valid {} text, the encoding it declares",
                    encoding.name()
                ),
            )
        })
}

/// The `encoding` of an `<?xml …?>` declaration at the very start, if any.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = bytes.get(..bytes.len().min(300))?;
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let declaration = std::str::from_utf8(head.get(..end)?).ok()?;
    let after = declaration.get(declaration.find("encoding")? + "encoding".len()..)?;
    let value = after.trim_start().strip_prefix('=')?.trim_start();
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = value.get(1..)?;
    Some(value.get(..value.find(quote)?)?.trim().to_string())
}

// ---- XML errors and the one repair ----

/// Line and column (both from 1, the column in characters) of a byte offset, as roxmltree
/// counts them.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The byte offset of a roxmltree position.
fn offset_of(text: &str, pos: roxmltree::TextPos) -> Option<usize> {
    let mut line_start = 0;
    for _ in 1..pos.row {
        line_start += text.get(line_start..)?.find('\n')? + 1;
    }
    let line = text.get(line_start..)?;
    let skip = usize::try_from(pos.col).ok()?.checked_sub(1)?;
    let in_line = line
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(line.len()))
        .nth(skip)?;
    Some(line_start + in_line)
}

/// Mends an attribute value written without quotes (`retCd= 0`), as JVN's RSS data feed
/// does: only a plain token (letters, digits, `-._:+#`) right after `=`, followed by a space
/// or the end of the tag. Returns the mended text and a note saying where.
fn quote_bare_value(text: &str, e: &roxmltree::Error) -> Option<(String, String)> {
    let roxmltree::Error::InvalidChar2("a quote", _, pos) = e else {
        return None;
    };
    let at = offset_of(text, *pos)?;
    let before = text.get(..at)?;
    if !before
        .trim_end_matches([' ', '\t', '\r', '\n'])
        .ends_with('=')
    {
        return None;
    }
    let rest = text.get(at..)?;
    let len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || b"-._:+#".contains(b))
        .count();
    let after = rest.as_bytes().get(len);
    if len == 0 || !matches!(after, Some(b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/')) {
        return None;
    }
    let value = rest.get(..len)?;
    let fixed = format!("{before}\"{value}\"{}", rest.get(len..)?);
    let note = format!(
        "line {}, column {}: the attribute value {value} has no quotes; it was read as \"{value}\"",
        pos.row, pos.col
    );
    Some((fixed, note))
}

fn xml_error(text: &str, e: &roxmltree::Error) -> JvnError {
    use roxmltree::Error as X;
    let at = |(line, column): (usize, usize)| format!("line {line}, column {column}");
    match e {
        X::DtdDetected => error(
            ErrorKind::Dtd,
            at(position(text, text.find("<!DOCTYPE").unwrap_or(0))),
            "the document has a DTD (<!DOCTYPE …>), which can declare entities; DTDs and entity \
             declarations are refused for safety (JVN and MyJVN never send them)",
        ),
        X::UnexpectedEndOfStream | X::UnclosedRootNode => error(
            ErrorKind::Xml,
            at(position(text, text.len())),
            "the document ends before its elements are closed; the file is cut short (an \
             interrupted download?)",
        ),
        X::NoRootNode => error(
            ErrorKind::Xml,
            at(position(text, text.len())),
            "there is no XML element: the file is empty or not XML",
        ),
        X::NodesLimitReached => error(
            ErrorKind::TooLarge,
            "file",
            format!("the document has more than {MAX_NODES} XML nodes, more than any JVN file"),
        ),
        other => {
            let pos = other.pos();
            let message = other.to_string();
            let message = message
                .strip_suffix(&format!(" at {pos}"))
                .map(str::to_string)
                .unwrap_or(message);
            error(
                ErrorKind::Xml,
                format!("line {}, column {}", pos.row, pos.col),
                format!("not well-formed XML: {message}"),
            )
        }
    }
}

// ---- tree helpers ----

fn namespace_is(node: Node, namespace: &str) -> bool {
    node.tag_name().namespace().is_some_and(|ns| {
        if namespace == SEC {
            ns.starts_with(SEC)
        } else {
            ns == namespace
        }
    })
}

fn is(node: Node, namespace: &str, name: &str) -> bool {
    node.is_element() && node.tag_name().name() == name && namespace_is(node, namespace)
}

fn kids<'a, 'input>(
    node: Node<'a, 'input>,
    namespace: &'static str,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children().filter(move |c| is(*c, namespace, name))
}

fn kid<'a, 'input>(
    node: Node<'a, 'input>,
    namespace: &'static str,
    name: &'static str,
) -> Option<Node<'a, 'input>> {
    kids(node, namespace, name).next()
}

/// The element's own text (not that of child elements), trimmed.
fn text(node: Node) -> String {
    let mut all = String::new();
    for child in node.children().filter(Node::is_text) {
        all.push_str(child.text().unwrap_or(""));
    }
    all.trim().to_string()
}

fn kid_text(node: Node, namespace: &'static str, name: &'static str) -> String {
    kid(node, namespace, name).map(text).unwrap_or_default()
}

fn attr(node: Node, name: &str) -> String {
    node.attribute(name).unwrap_or("").trim().to_string()
}

fn first_filled(candidates: impl IntoIterator<Item = String>) -> String {
    candidates
        .into_iter()
        .find(|c| !c.is_empty())
        .unwrap_or_default()
}

// ---- the document ----

fn read(doc: &roxmltree::Document, notes: Vec<String>) -> Result<Feed, JvnError> {
    let root = doc.root_element();
    let where_is = |node: Node| {
        let pos = doc.text_pos_at(node.range().start);
        format!("line {}, column {}", pos.row, pos.col)
    };
    let status = root.descendants().find(|n| is(*n, STATUS, "Status"));
    if let Some(status) = status {
        let code = attr(status, "retCd");
        if !code.is_empty() && code != "0" {
            let message = attr(status, "errMsg");
            return Err(error(
                ErrorKind::MyJvn,
                format!("{} (status:Status)", where_is(status)),
                format!(
                    "MyJVN returned an error (retCd {code}, errCd \"{}\"): {}",
                    attr(status, "errCd"),
                    if message.is_empty() {
                        "no message given"
                    } else {
                        &message
                    }
                ),
            ));
        }
    }
    let (kind, entries) = if is(root, RDF, "RDF") {
        let mut entries = Vec::new();
        for (n, item) in kids(root, RSS, "item").enumerate() {
            entries.push(read_item(item, n + 1, &where_is)?);
        }
        (FeedKind::Rss, entries)
    } else if is(root, VULDEF, "VULDEF-Document") {
        let lang = root.attribute((XML, "lang")).unwrap_or("ja");
        let mut entries = Vec::new();
        for (n, info) in kids(root, VULDEF, "Vulinfo").enumerate() {
            entries.push(read_vulinfo(info, n + 1, lang, &where_is)?);
        }
        (FeedKind::Vuldef, entries)
    } else {
        let tag = root.tag_name();
        let namespace = tag
            .namespace()
            .map(|ns| format!(" in namespace {ns}"))
            .unwrap_or_default();
        let method = status
            .map(|s| attr(s, "method"))
            .filter(|m| !m.is_empty())
            .map(|m| format!(", a MyJVN {m} response"))
            .unwrap_or_default();
        return Err(error(
            ErrorKind::NotJvn,
            where_is(root),
            format!(
                "not a JVNRSS or VULDEF document (vulnerability overviews or details from \
                 MyJVN or the JVN iPedia data feeds): the root element is <{}>{namespace}{method}",
                tag.name()
            ),
        ));
    };
    let channel_date = kid(root, RSS, "channel")
        .map(|c| first_filled([kid_text(c, DC, "date"), kid_text(c, DCTERMS, "modified")]))
        .unwrap_or_default();
    let timestamp = if channel_date.is_empty() {
        newest(entries.iter().map(|e| e.modified.as_str()))
    } else {
        date(&channel_date)
    };
    let paging = status.and_then(|s| {
        let number = |name: &str| attr(s, name).parse::<u64>().ok();
        Some(Paging {
            total: number("totalRes")?,
            returned: number("totalResRet")
                .unwrap_or_else(|| u64::try_from(entries.len()).unwrap_or(u64::MAX)),
            first: number("firstRes").unwrap_or(1),
        })
    });
    Ok(Feed {
        kind,
        timestamp,
        paging,
        entries,
        notes,
    })
}

/// The latest of some dates (by the instant they name when they parse), or "".
fn newest<'d>(dates: impl Iterator<Item = &'d str>) -> String {
    dates
        .filter_map(|d| chrono::DateTime::parse_from_rfc3339(d).ok().map(|t| (t, d)))
        .max_by_key(|(t, _)| *t)
        .map(|(_, d)| d.to_string())
        .unwrap_or_default()
}

/// `2025-04-11T23:52+09:00` (W3C-DTF, as JVNRSS may write it) gets its seconds; anything else
/// stays as given.
fn date(text: &str) -> String {
    let text = text.trim();
    let b = text.as_bytes();
    let minutes_only = b.len() >= 17
        && b.get(..17).is_some_and(|head| head.is_ascii())
        && b.get(10) == Some(&b'T')
        && b.get(13) == Some(&b':')
        && matches!(b.get(16), Some(b'Z' | b'+' | b'-'));
    match (minutes_only, text.get(..16), text.get(16..)) {
        (true, Some(head), Some(zone)) => format!("{head}:00{zone}"),
        _ => text.to_string(),
    }
}

fn read_item(item: Node, n: usize, where_is: &dyn Fn(Node) -> String) -> Result<Entry, JvnError> {
    let id = kid_text(item, SEC, "identifier");
    if id.is_empty() {
        return Err(error(
            ErrorKind::Invalid,
            format!("item {n} ({})", where_is(item)),
            "the item has no sec:identifier (JVNDB-…): this RSS is not a JVN vulnerability feed",
        ));
    }
    let mut entry = Entry {
        id,
        title: kid_text(item, RSS, "title"),
        summary: prose(&kid_text(item, RSS, "description")),
        link: first_filled([
            kid_text(item, RSS, "link"),
            item.attribute((RDF, "about"))
                .unwrap_or("")
                .trim()
                .to_string(),
        ]),
        published: date(&first_filled([
            kid_text(item, DCTERMS, "issued"),
            kid_text(item, DC, "date"),
        ])),
        modified: date(&first_filled([
            kid_text(item, DCTERMS, "modified"),
            kid_text(item, DC, "date"),
        ])),
        ..Entry::default()
    };
    for reference in kids(item, SEC, "references") {
        add_reference(
            &mut entry,
            &attr(reference, "source"),
            &attr(reference, "id"),
        );
    }
    for cpe in kids(item, SEC, "cpe") {
        entry.cpes.push(Cpe {
            uri: text(cpe),
            vendor: attr(cpe, "vendor"),
            product: attr(cpe, "product"),
            version: String::new(),
        });
    }
    for cvss in kids(item, SEC, "cvss") {
        let kind = attr(cvss, "type");
        if kind.is_empty() || kind == "Base" {
            entry.cvss.push(Cvss {
                version: attr(cvss, "version"),
                score: score(&attr(cvss, "score")),
                severity: attr(cvss, "severity"),
                vector: attr(cvss, "vector"),
            });
        }
    }
    Ok(finish(entry))
}

fn read_vulinfo(
    info: Node,
    n: usize,
    lang: &str,
    where_is: &dyn Fn(Node) -> String,
) -> Result<Entry, JvnError> {
    let id = kid_text(info, VULDEF, "VulinfoID");
    if id.is_empty() {
        return Err(error(
            ErrorKind::Invalid,
            format!("Vulinfo {n} ({})", where_is(info)),
            "the entry has no VulinfoID (JVNDB-…)",
        ));
    }
    let Some(data) = kid(info, VULDEF, "VulinfoData") else {
        return Err(error(
            ErrorKind::Invalid,
            format!("Vulinfo {n} ({id}, {})", where_is(info)),
            "the entry has no VulinfoData",
        ));
    };
    let descriptions = |section: &'static str, item: &'static str| {
        kids(data, VULDEF, section)
            .flat_map(|s| kids(s, VULDEF, item))
            .flat_map(|i| kids(i, VULDEF, "Description"))
            .map(|d| prose(&text(d)))
            .filter(|d| !d.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut entry = Entry {
        link: page_link(&id, lang),
        id,
        title: kid_text(data, VULDEF, "Title"),
        summary: kid(data, VULDEF, "VulinfoDescription")
            .map(|d| prose(&kid_text(d, VULDEF, "Overview")))
            .unwrap_or_default(),
        impact: descriptions("Impact", "ImpactItem"),
        solution: descriptions("Solution", "SolutionItem"),
        published: date(&kid_text(data, VULDEF, "DateFirstPublished")),
        modified: date(&kid_text(data, VULDEF, "DateLastUpdated")),
        disclosed: date(&kid_text(data, VULDEF, "DatePublic")),
        ..Entry::default()
    };
    for item in kids(data, VULDEF, "Affected").flat_map(|a| kids(a, VULDEF, "AffectedItem")) {
        let vendor = kid_text(item, VULDEF, "Name");
        let product = kid_text(item, VULDEF, "ProductName");
        let mut uris: Vec<String> = kids(item, VULDEF, "Cpe").map(text).collect();
        if uris.is_empty() {
            uris.push(String::new());
        }
        let mut versions: Vec<String> = kids(item, VULDEF, "VersionNumber")
            .map(version_number)
            .filter(|v| !v.is_empty())
            .collect();
        if versions.is_empty() {
            versions.push(String::new());
        }
        for uri in &uris {
            for version in &versions {
                entry.cpes.push(Cpe {
                    uri: uri.clone(),
                    vendor: vendor.clone(),
                    product: product.clone(),
                    version: version.clone(),
                });
            }
        }
    }
    for cvss in kids(data, VULDEF, "Impact").flat_map(|i| kids(i, VULDEF, "Cvss")) {
        entry.cvss.push(Cvss {
            version: attr(cvss, "version"),
            score: score(&kid_text(cvss, VULDEF, "Base")),
            severity: kid_text(cvss, VULDEF, "Severity"),
            vector: kid_text(cvss, VULDEF, "Vector"),
        });
    }
    for related in kids(data, VULDEF, "Related").flat_map(|r| kids(r, VULDEF, "RelatedItem")) {
        let source = if attr(related, "type") == "cwe" {
            "CWE".to_string()
        } else {
            kid_text(related, VULDEF, "Name")
        };
        add_reference(&mut entry, &source, &kid_text(related, VULDEF, "VulinfoID"));
    }
    Ok(finish(entry))
}

/// A CVE id from a reference to CVE or NVD (`source="CVE"`, or VULDEF's "Common
/// Vulnerabilities and Exposures (CVE)"), a CWE from any reference named `CWE-…`. Other
/// references (vendor advisories, JVN, ICS-CERT, …) are left to the JVN page.
fn add_reference(entry: &mut Entry, source: &str, id: &str) {
    let id = id.trim();
    if source.contains("CVE") || source.contains("NVD") {
        let id = id.to_ascii_uppercase();
        if crate::kev::is_cve_id(&id) {
            entry.cve_ids.push(id);
        }
    } else if id.starts_with("CWE-") && !id.contains(char::is_whitespace) {
        entry.cwes.push(id.to_string());
    }
}

/// A VULDEF `VersionNumber`: words, or `RangeBegin` / `RangeEnd` with operators, written out
/// as e.g. ">= 1.0 < 2.0".
fn version_number(node: Node) -> String {
    let operator = |n: Node| match n.attribute("operator").map(str::trim) {
        Some("eq") => "=",
        Some("ne") => "!=",
        Some("gt") => ">",
        Some("ge") => ">=",
        Some("lt") => "<",
        Some("le") => "<=",
        _ => "",
    };
    let mut parts = vec![operator(node).to_string()];
    for child in node.children() {
        if child.is_text() {
            parts.push(child.text().unwrap_or("").trim().to_string());
        } else if is(child, VULDEF, "RangeBegin") || is(child, VULDEF, "RangeEnd") {
            parts.push(
                format!("{} {}", operator(child), text(child))
                    .trim()
                    .to_string(),
            );
        }
    }
    parts.retain(|p| !p.is_empty());
    parts.join(" ")
}

fn score(text: &str) -> Option<f32> {
    text.trim()
        .parse::<f32>()
        .ok()
        .filter(|s| (0.0..=10.0).contains(s))
}

/// `https://jvndb.jvn.jp/ja/contents/2025/JVNDB-2025-000001.html` for a JVNDB id, else "".
fn page_link(id: &str, lang: &str) -> String {
    let mut parts = id.split('-');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("JVNDB"), Some(year), Some(number), None)
            if year.len() == 4
                && year.bytes().all(|b| b.is_ascii_digit())
                && !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit()) =>
        {
            let lang = if lang.trim() == "en" { "en" } else { "ja" };
            format!("https://jvndb.jvn.jp/{lang}/contents/{year}/{id}.html")
        }
        _ => String::new(),
    }
}

/// Each CVE, CWE, CPE and score once, in document order; newest CVSS version first.
fn finish(mut entry: Entry) -> Entry {
    fn once<T: Clone + Eq + std::hash::Hash>(items: &mut Vec<T>) {
        let mut seen = HashSet::new();
        items.retain(|i| seen.insert(i.clone()));
    }
    once(&mut entry.cve_ids);
    once(&mut entry.cwes);
    entry
        .cpes
        .retain(|c| !(c.uri.is_empty() && c.vendor.is_empty() && c.product.is_empty()));
    once(&mut entry.cpes);
    let mut seen = HashSet::new();
    entry.cvss.retain(|c| {
        seen.insert((
            c.version.clone(),
            c.score.map(f32::to_bits),
            c.severity.clone(),
            c.vector.clone(),
        ))
    });
    entry
        .cvss
        .sort_by_key(|c| std::cmp::Reverse(version_key(&c.version)));
    entry
}

/// "3.1" → (3, 1); anything unreadable sorts last.
fn version_key(version: &str) -> (u32, u32) {
    let mut parts = version.trim().split('.');
    let major = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let minor = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (major, minor)
}

/// JVN writes lists and breaks inside descriptions as escaped HTML (`&lt;ul&gt;&lt;li&gt;…`).
/// Shown as text the tags are noise, and rendered as HTML they would be a way in for
/// scripts, so these few tags become line breaks (a list item starts a line with "・") and
/// any other `<` stays as text. Lines are trimmed and blank ones dropped.
fn prose(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('<') {
        out.push_str(rest.get(..at).unwrap_or(""));
        let tail = rest.get(at..).unwrap_or("");
        match markup(tail) {
            Some((len, replacement)) => {
                out.push_str(replacement);
                rest = tail.get(len..).unwrap_or("");
            }
            None => {
                out.push('<');
                rest = tail.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "・")
        .collect::<Vec<_>>()
        .join("\n")
}

/// The byte length of a list, paragraph or break tag at the start of `text`, and what it
/// becomes. JVN sometimes drops a `>` (`</li</ul>`): a tag cut by the next `<` still counts.
fn markup(text: &str) -> Option<(usize, &'static str)> {
    let bytes = text.as_bytes();
    let mut i = 1;
    let closing = bytes.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let start = i;
    while bytes.get(i).is_some_and(u8::is_ascii_alphabetic) {
        i += 1;
    }
    let name = text.get(start..i)?.to_ascii_lowercase();
    let replacement = match (name.as_str(), closing) {
        ("li", false) => "\n・",
        ("ul" | "ol" | "li" | "p" | "br" | "div", _) => "\n",
        _ => return None,
    };
    while bytes.get(i).is_some_and(|b| *b == b' ' || *b == b'/') {
        i += 1;
    }
    match bytes.get(i) {
        Some(b'>') => Some((i + 1, replacement)),
        Some(b'<') | None => Some((i, replacement)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS_ITEM: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns="http://purl.org/rss/1.0/" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
  xmlns:sec="http://jvn.jp/rss/mod_sec/3.0/" xmlns:status="http://jvndb.jvn.jp/myjvn/Status">
  <channel rdf:about="x"><title>t</title><dc:date>2025-04-13T12:00:23+09:00</dc:date></channel>
  <item rdf:about="https://jvndb.jvn.jp/ja/contents/2025/JVNDB-2025-000001.html">
    <title> FortiOS の脆弱性 </title>
    <description>説明&lt;ul&gt;&lt;li&gt;一&lt;/li&gt;&lt;li&gt;二&lt;/li&lt;/ul&gt;</description>
    <sec:identifier>JVNDB-2025-000001</sec:identifier>
    <sec:references source="CVE" id="cve-2024-21762">https://www.cve.org/</sec:references>
    <sec:references source="NVD" id="CVE-2024-21762">https://nvd.nist.gov/</sec:references>
    <sec:references source="CVE" id="CVE-24-1">bad</sec:references>
    <sec:references id="CWE-787" title="x">https://cwe.mitre.org/</sec:references>
    <sec:cpe version="2.2" vendor="Fortinet" product="FortiOS"> cpe:/o:fortinet:fortios </sec:cpe>
    <sec:cpe version="2.2" vendor="Fortinet" product="FortiOS">cpe:/o:fortinet:fortios</sec:cpe>
    <sec:cvss version="2.0" score="10.0" severity="High" vector="AV:N" type="Base"/>
    <sec:cvss version="3.1" score="9.8" severity="Critical" vector="CVSS:3.1/AV:N" type="Base"/>
    <sec:cvss version="3.1" score="9.0" severity="Critical" vector="CVSS:3.1/AV:N" type="Temporal"/>
    <dc:date>2025-04-11T23:52+09:00</dc:date>
  </item>
  <status:Status version="3.3" retCd="0" errCd="" errMsg="" totalRes="120" totalResRet="50" firstRes="1"/>
</rdf:RDF>"#;

    #[test]
    fn an_rss_item_reads_with_its_references_cpes_and_scores() {
        let feed = parse(RSS_ITEM.as_bytes()).expect("rss");
        assert_eq!(feed.kind, FeedKind::Rss);
        assert_eq!(feed.timestamp, "2025-04-13T12:00:23+09:00");
        let e = &feed.entries[0];
        assert_eq!(e.title, "FortiOS の脆弱性");
        assert_eq!(e.summary, "説明\n・一\n・二");
        assert_eq!(e.cve_ids, vec!["CVE-2024-21762"]);
        assert_eq!(e.cwes, vec!["CWE-787"]);
        assert_eq!(e.cpes.len(), 1, "the same CPE twice is kept once");
        assert_eq!(e.cpes[0].uri, "cpe:/o:fortinet:fortios");
        let wfn = e.cpes[0].wfn().expect("wfn");
        assert_eq!(wfn.vendor_product().as_deref(), Some("fortinet:fortios"));
        let versions: Vec<&str> = e.cvss.iter().map(|c| c.version.as_str()).collect();
        assert_eq!(versions, ["3.1", "2.0"], "newest first, base scores only");
        assert_eq!(e.cvss[0].score, Some(9.8));
        assert_eq!(
            e.published, "2025-04-11T23:52:00+09:00",
            "dc:date stands in"
        );
        assert_eq!(
            e.link,
            "https://jvndb.jvn.jp/ja/contents/2025/JVNDB-2025-000001.html"
        );
        let paging = feed.paging.expect("paging");
        assert_eq!((paging.total, paging.returned, paging.first), (120, 50, 1));
        assert_eq!(paging.next_start(), Some(51));
        assert!(feed.notes.is_empty());
    }

    #[test]
    fn paging_ends() {
        let last = Paging {
            total: 120,
            returned: 20,
            first: 101,
        };
        assert_eq!(last.next_start(), None);
        let empty = Paging {
            total: 0,
            returned: 0,
            first: 1,
        };
        assert_eq!(empty.next_start(), None);
    }

    #[test]
    fn an_unquoted_attribute_value_is_mended_with_a_note() {
        let broken = RSS_ITEM.replace(r#"retCd="0""#, "retCd= 0");
        let feed = parse(broken.as_bytes()).expect("mended");
        assert_eq!(feed.entries.len(), 1);
        assert_eq!(feed.notes.len(), 1);
        assert!(
            feed.notes[0].starts_with("line 21, column 39"),
            "{:?}",
            feed.notes
        );
        // A bare value that is not a plain token is still an error, with its place.
        let worse = RSS_ITEM.replace(r#"retCd="0""#, "retCd=<0");
        let e = parse(worse.as_bytes()).expect_err("not mended");
        assert_eq!(e.kind, ErrorKind::Xml);
        assert!(e.place.starts_with("line 21, column 38"), "{e}");
    }

    #[test]
    fn an_error_status_carries_myjvn_s_message() {
        let failed = RSS_ITEM.replace(
            r#"retCd="0" errCd="" errMsg="""#,
            r#"retCd="1" errCd="E102" errMsg="パラメタが不正です""#,
        );
        let e = parse(failed.as_bytes()).expect_err("status");
        assert_eq!(e.kind, ErrorKind::MyJvn);
        assert!(e.message.contains("パラメタが不正です"), "{e}");
        assert!(e.message.contains("E102"), "{e}");
        assert!(e.place.starts_with("line 21"), "{e}");
    }

    #[test]
    fn a_vuldef_entry_reads_versions_ranges_and_builds_its_link() {
        let xml = r#"<VULDEF-Document version="3.2" xmlns="http://jvn.jp/vuldef/" xml:lang="ja">
          <Vulinfo><VulinfoID>JVNDB-2018-009328</VulinfoID><VulinfoData>
            <Title>JP1/VERITAS 製品における複数の脆弱性</Title>
            <Affected><AffectedItem><Name>日立</Name><ProductName>JP1/VERITAS NetBackup</ProductName>
              <Cpe version="2.2">cpe:/a:hitachi:jp1_veritas_netbackup</Cpe>
              <VersionNumber>7.7</VersionNumber><VersionNumber>8.0</VersionNumber>
              <VersionNumber><RangeBegin operator="ge">1.0</RangeBegin><RangeEnd operator="lt">2.0</RangeEnd></VersionNumber>
            </AffectedItem><AffectedItem><Name>x</Name><ProductName>名前だけ</ProductName><VersionNumber/></AffectedItem></Affected>
            <Impact><Cvss version="2.0"><Severity type="Base">High</Severity><Base>10</Base><Vector>AV:N</Vector></Cvss>
              <Cvss version="3.0"><Severity type="Base">Critical</Severity><Base>9.8</Base><Vector>CVSS:3.0/AV:N</Vector></Cvss>
              <ImpactItem><Description>影響</Description></ImpactItem></Impact>
            <Solution><SolutionItem><Description>対策一</Description></SolutionItem><SolutionItem><Description>対策二</Description></SolutionItem></Solution>
            <Related><RelatedItem type="advisory"><Name>Common Vulnerabilities and Exposures (CVE)</Name><VulinfoID>CVE-2018-1234</VulinfoID></RelatedItem>
              <RelatedItem type="vendor"><Name>Support</Name><VulinfoID>CVE-2018-9999</VulinfoID></RelatedItem>
              <RelatedItem type="cwe"><Name>JVNDB</Name><VulinfoID>CWE-noinfo</VulinfoID></RelatedItem></Related>
            <DateFirstPublished>2018-11-15T16:17:27+09:00</DateFirstPublished>
            <DateLastUpdated>2018-11-20T12:12:04+09:00</DateLastUpdated>
            <DatePublic>2018-11-14T00:00:00+09:00</DatePublic>
          </VulinfoData></Vulinfo></VULDEF-Document>"#;
        let feed = parse(xml.as_bytes()).expect("vuldef");
        assert_eq!(feed.kind, FeedKind::Vuldef);
        assert_eq!(feed.timestamp, "2018-11-20T12:12:04+09:00");
        assert_eq!(feed.paging, None);
        let e = &feed.entries[0];
        let versions: Vec<&str> = e.cpes.iter().map(|c| c.version.as_str()).collect();
        assert_eq!(versions, ["7.7", "8.0", ">= 1.0 < 2.0", ""]);
        assert_eq!(e.cpes[3].uri, "", "a product named without a CPE is kept");
        assert_eq!(e.cpes[3].wfn(), None);
        assert_eq!(e.cvss[0].version, "3.0");
        assert_eq!(e.cvss[1].score, Some(10.0));
        assert_eq!(e.impact, "影響");
        assert_eq!(e.solution, "対策一\n対策二");
        assert_eq!(e.cve_ids, vec!["CVE-2018-1234"], "only CVE/NVD references");
        assert_eq!(e.cwes, vec!["CWE-noinfo"]);
        assert_eq!(e.disclosed, "2018-11-14T00:00:00+09:00");
        assert_eq!(
            e.link,
            "https://jvndb.jvn.jp/ja/contents/2018/JVNDB-2018-009328.html"
        );
    }

    #[test]
    fn shift_jis_is_read_when_declared() {
        let xml = r#"<?xml version="1.0" encoding="Shift_JIS"?>
<VULDEF-Document xmlns="http://jvn.jp/vuldef/"><Vulinfo><VulinfoID>JVNDB-2025-000001</VulinfoID>
<VulinfoData><Title>プラネックス製MZK-DP300Nにおける脆弱性</Title></VulinfoData></Vulinfo></VULDEF-Document>"#;
        let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(xml);
        assert!(!unmappable);
        let feed = parse(&bytes).expect("sjis");
        assert_eq!(
            feed.entries[0].title,
            "プラネックス製MZK-DP300Nにおける脆弱性"
        );
        // Shift_JIS bytes declared as UTF-8 are refused, saying where.
        let utf8_declared = xml.replace("Shift_JIS", "UTF-8");
        let (lying, _, _) = encoding_rs::SHIFT_JIS.encode(&utf8_declared);
        let e = parse(&lying).expect_err("not utf-8");
        assert_eq!(e.kind, ErrorKind::NotText);
        assert!(e.place.starts_with("byte "), "{e}");
        let e = parse(xml.replace("Shift_JIS", "x-unknown").as_bytes()).expect_err("label");
        assert!(e.message.contains("x-unknown"), "{e}");
    }

    #[test]
    fn odd_inputs_are_errors_not_panics() {
        for input in [
            &b""[..],
            b"   ",
            b"<",
            b"<?xml",
            b"<a",
            b"\xff\xfe",
            b"\xef\xbb\xbf",
            b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><item xmlns='http://purl.org/rss/1.0/'/></rdf:RDF>",
            b"<VULDEF-Document xmlns='http://jvn.jp/vuldef/'><Vulinfo/></VULDEF-Document>",
            b"<a b= c d= e f= g h= i j= k l= m n= o p= q r= s t= u/>",
        ] {
            assert!(parse(input).is_err(), "{:?}", String::from_utf8_lossy(input));
        }
        let e = parse(b"").expect_err("empty");
        assert_eq!(e.place, "line 1, column 1");
        let e = parse(b"<x xmlns='urn:x'/>").expect_err("other");
        assert_eq!(e.kind, ErrorKind::NotJvn);
        assert!(e.message.contains("<x> in namespace urn:x"), "{e}");
        // An empty but well-formed answer is an empty feed.
        let none = parse(b"<VULDEF-Document xmlns='http://jvn.jp/vuldef/'/>").expect("empty");
        assert!(none.entries.is_empty());
        assert_eq!(none.timestamp, "");
    }

    #[test]
    fn markup_in_text() {
        assert_eq!(prose("  a &lt; b  "), "a &lt; b");
        assert_eq!(
            prose("a < b <line> <li>x</li><BR/>y<br />z"),
            "a < b <line>\n・x\ny\nz"
        );
        assert_eq!(prose("<ul><li></li></ul>"), "");
        assert_eq!(prose("end<li"), "end");
        assert_eq!(prose("<"), "<");
    }

    #[test]
    fn dates_get_seconds() {
        assert_eq!(date("2025-04-11T23:52+09:00"), "2025-04-11T23:52:00+09:00");
        assert_eq!(date("2025-04-11T23:52Z"), "2025-04-11T23:52:00Z");
        assert_eq!(
            date("2025-04-11T23:52:01+09:00"),
            "2025-04-11T23:52:01+09:00"
        );
        assert_eq!(date(" 2025-04-11 "), "2025-04-11");
        assert_eq!(
            date("２０２５-04-11T23:52+09:00"),
            "２０２５-04-11T23:52+09:00"
        );
    }

    #[test]
    fn positions_round_trip() {
        let text = "ab\nçd=e\n";
        for offset in [0, 1, 3, 5, 6, text.len()] {
            let (row, col) = position(text, offset);
            let pos = roxmltree::TextPos::new(
                u32::try_from(row).expect("row"),
                u32::try_from(col).expect("col"),
            );
            assert_eq!(offset_of(text, pos), Some(offset));
        }
        assert_eq!(offset_of(text, roxmltree::TextPos::new(9, 1)), None);
    }
}

//! Product names from NVD's CPE dictionary, so staff can pick a device's CPE from a list instead
//! of typing `cpe:2.3:o:fortinet:fortios:*:…` by hand.
//!
//! Two sources give the same [`Item`]s:
//! - the official dictionary file, XML 2.3 (`official-cpe-dictionary_v2.3.xml`), read as a
//!   stream ([`read_xml`]): unpacked it is hundreds of megabytes (the 2015 one alone is 29 MB,
//!   today's over 500 MB), so items are handed to a callback one at a time and memory stays
//!   flat whatever the file's size;
//! - pages of the NVD CPE API 2.0 (`/rest/json/cpes/2.0`), one response at a time
//!   ([`parse_api_products`]); a page holds at most 10,000 products.
//!
//! The XML reader never reads a DTD and never expands an entity other than XML's five
//! predefined ones and character references: a document with a DOCTYPE is refused, since the
//! dictionary has none and a declared entity can expand to gigabytes or pull in local files.
//!
//! Every name is checked as a CPE 2.3 formatted string naming one product (part a, o or h, a
//! vendor and a product) and handed on in its normal binding, so equal names are equal strings.

use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use serde::Deserialize;

use crate::cpe::{self, Value};

/// One name of the dictionary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Item {
    /// The CPE 2.3 formatted string, e.g. `cpe:2.3:o:fortinet:fortios:5.2.3:*:*:*:*:*:*:*`.
    pub cpe23: String,
    /// NVD no longer uses the name (another replaced it); kept so old references still resolve.
    pub deprecated: bool,
    /// The English title (`en-US` in the XML, `en` in the API); empty when there is none.
    pub title_en: String,
    /// The Japanese title (`ja-JP` / `ja`), which NVD has for some products; often empty.
    pub title_ja: String,
}

/// What a file held, besides its items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// The dictionary's own date: `generator/timestamp` in the XML (e.g.
    /// `2015-10-14T03:50:00.163Z`), `timestamp` in an API response. Empty when absent.
    pub timestamp: String,
    /// `generator/product_version` in the XML (NVD's, e.g. "3.0"); the response's `version`
    /// (the API's, e.g. "2.0") in JSON. Empty when absent.
    pub product_version: String,
    /// How many items were read (and, for [`read_xml`], handed to the callback).
    pub items: usize,
    /// An API page's `(totalResults, startIndex, resultsPerPage)`: with `total` above
    /// `start + items`, more pages remain. None for the XML file, which is complete.
    pub paging: Option<(u64, u64, u64)>,
}

/// What is wrong with a dictionary file, and where: a byte offset in the (unpacked) XML or a
/// line and column in JSON, and the item, when the problem is inside one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct DictionaryError {
    pub place: String,
    pub message: String,
}

fn error(place: impl Into<String>, message: impl Into<String>) -> DictionaryError {
    DictionaryError {
        place: place.into(),
        message: message.into(),
    }
}

/// Checks a name and gives its normal binding. `what` names the item in messages.
fn checked_name(name: &str, what: &str) -> Result<String, String> {
    let wfn = cpe::parse_fs(name.trim())
        .map_err(|e| format!("{what} '{name}' is not a CPE 2.3 formatted string: {e}"))?;
    if !matches!(wfn.part, Value::Text(_)) {
        return Err(format!(
            "{what} '{name}' names no part; a dictionary name is an application (a), operating system (o) or hardware (h)"
        ));
    }
    if !matches!(wfn.vendor, Value::Text(_)) || !matches!(wfn.product, Value::Text(_)) {
        return Err(format!(
            "{what} '{name}' lacks a vendor or product; a dictionary name names one product"
        ));
    }
    Ok(wfn.to_fs())
}

// ---------------------------------------------------------------------------------------------
// XML 2.3

/// Where the reader is, for error messages.
struct Position {
    /// Items started so far; the current one when inside an item.
    index: usize,
    /// The current item's 2.2 name, if inside one.
    item: Option<String>,
}

impl Position {
    fn place(&self, byte: u64) -> String {
        match &self.item {
            Some(name) => format!("byte {byte}, item {} ({name})", self.index),
            None if self.index > 0 => format!("byte {byte}, after item {}", self.index),
            None => format!("byte {byte}"),
        }
    }
}

/// The text-bearing elements whose content is kept.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    TitleEn,
    TitleJa,
    Timestamp,
    ProductVersion,
    SchemaVersion,
    /// A title in another language, or text that is not wanted.
    Other,
}

/// The item being read.
#[derive(Default)]
struct Draft {
    cpe23: Option<String>,
    deprecated: bool,
    title_en: Option<String>,
    title_ja: Option<String>,
}

/// Reads the official CPE dictionary (XML, schema 2.3) from `input`, calling `on_item` for
/// each `cpe-item` in document order, and returns what the file says of itself.
///
/// The reader is a stream: give it a `BufReader` over the file, or over a
/// `flate2::bufread::GzDecoder` for the `.xml.gz` NVD publishes; nothing is kept between items.
///
/// An error of the callback stops the reading and is returned as it is, so the callback can
/// use the caller's own error type (anything a [`DictionaryError`] converts into, such as
/// `anyhow::Error`, or `DictionaryError` itself). Items before a bad one have already been
/// handed over: a caller storing them should do so in a transaction it can roll back.
pub fn read_xml<E: From<DictionaryError>>(
    input: impl BufRead,
    mut on_item: impl FnMut(Item) -> Result<(), E>,
) -> Result<Summary, E> {
    let mut reader = quick_xml::Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut summary = Summary::default();
    let mut at = Position {
        index: 0,
        item: None,
    };
    // Element depth: 1 inside the root.
    let mut depth = 0usize;
    let mut root_closed = false;
    let mut in_generator = false;
    // The item being read, and the depth of its element.
    let mut draft: Option<(Draft, usize)> = None;
    // The element whose text is being gathered, and the text so far.
    let mut field: Option<(Field, usize)> = None;
    let mut text = String::new();
    loop {
        let before = reader.buffer_position();
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(e) => {
                return Err(error(
                    at.place(reader.error_position()),
                    format!(
                        "{e}; the file may be cut short or not be the CPE dictionary (official-cpe-dictionary_v2.3.xml)"
                    ),
                )
                .into());
            }
        };
        match event {
            Event::DocType(_) => {
                return Err(error(
                    at.place(before),
                    "the document has a DOCTYPE; the CPE dictionary has none, and mamori does not read DTDs or entity declarations (they can expand without limit or pull in other files)",
                )
                .into());
            }
            Event::Start(start) | Event::Empty(start) if root_closed => {
                let name = local_name(&start);
                return Err(error(
                    at.place(before),
                    format!("element <{name}> after the end of <cpe-list>"),
                )
                .into());
            }
            Event::Start(start) => {
                depth += 1;
                let name = local_name(&start);
                if depth == 1 {
                    check_root(&name, &at, before)?;
                }
                match (name.as_str(), draft.is_some()) {
                    _ if depth == 1 => {}
                    ("generator", false) if depth == 2 => in_generator = true,
                    ("timestamp", false) if in_generator => {
                        field = Some((Field::Timestamp, depth));
                    }
                    ("product_version", false) if in_generator => {
                        field = Some((Field::ProductVersion, depth));
                    }
                    ("schema_version", false) if in_generator => {
                        field = Some((Field::SchemaVersion, depth));
                    }
                    ("cpe-item", false) => {
                        draft = Some((start_item(&start, &mut at, before)?, depth));
                    }
                    ("cpe-item", true) => {
                        return Err(error(at.place(before), "a cpe-item inside a cpe-item").into());
                    }
                    ("title", true) if field.is_none() => {
                        let lang = attribute(&start, "lang", &at, before)?;
                        field = Some((title_field(&lang), depth));
                    }
                    ("cpe23-item", true) => {
                        if let Some((item, _)) = draft.as_mut() {
                            take_cpe23(&start, item, &at, before)?;
                        }
                    }
                    _ => {}
                }
                if matches!(field, Some((_, d)) if d == depth) {
                    text.clear();
                }
            }
            Event::Empty(start) => {
                let name = local_name(&start);
                if depth == 0 {
                    check_root(&name, &at, before)?;
                    return Err(error(at.place(before), "the dictionary lists no items").into());
                }
                match (name.as_str(), draft.as_mut()) {
                    ("cpe23-item", Some((item, _))) => take_cpe23(&start, item, &at, before)?,
                    ("cpe-item", None) => {
                        start_item(&start, &mut at, before)?;
                        return Err(error(
                            at.place(before),
                            "the item is empty: it has no cpe-23:cpe23-item name",
                        )
                        .into());
                    }
                    _ => {}
                }
            }
            Event::Text(t) => {
                if field.is_some() {
                    text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if field.is_some() {
                    text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    Ok(None) => quick_xml::escape::resolve_xml_entity(&r).map(str::to_string),
                    Err(e) => {
                        return Err(error(
                            at.place(before),
                            format!("bad character reference &{};: {e}", &*r),
                        )
                        .into());
                    }
                };
                let Some(resolved) = resolved else {
                    return Err(error(
                        at.place(before),
                        format!(
                            "undefined entity &{}; (only XML's predefined entities and character references are read)",
                            &*r
                        ),
                    )
                    .into());
                };
                if field.is_some() {
                    text.push_str(&resolved);
                }
            }
            Event::End(_) => {
                if let Some((kind, field_depth)) = field
                    && field_depth == depth
                {
                    let value = text.trim().to_string();
                    match (kind, draft.as_mut()) {
                        (Field::TitleEn, Some((item, _))) => {
                            item.title_en.get_or_insert(value);
                        }
                        (Field::TitleJa, Some((item, _))) => {
                            item.title_ja.get_or_insert(value);
                        }
                        (Field::Timestamp, _) => summary.timestamp = value,
                        (Field::ProductVersion, _) => summary.product_version = value,
                        (Field::SchemaVersion, _) => check_schema(&value, &at, before)?,
                        _ => {}
                    }
                    field = None;
                    text.clear();
                }
                if depth == 2 {
                    in_generator = false;
                }
                if draft.as_ref().is_some_and(|(_, d)| *d == depth)
                    && let Some((item, _)) = draft.take()
                {
                    let item = finish_item(item, &at, before)?;
                    summary.items += 1;
                    on_item(item)?;
                    at.item = None;
                }
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    root_closed = true;
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
        buf.clear();
    }
    if !root_closed {
        let end = reader.buffer_position();
        return Err(error(
            at.place(end),
            if depth == 0 {
                "the file holds no <cpe-list>: it is empty or not the CPE dictionary".to_string()
            } else {
                format!(
                    "the file ends inside <cpe-list> after {} items: it is cut short (an interrupted download?)",
                    summary.items
                )
            },
        )
        .into());
    }
    if summary.items == 0 {
        return Err(error(
            at.place(reader.buffer_position()),
            "the dictionary lists no items",
        )
        .into());
    }
    Ok(summary)
}

/// The element's name without its namespace prefix (`cpe-23:cpe23-item` is `cpe23-item`):
/// the dictionary's prefixes are conventions, not fixed.
fn local_name(start: &BytesStart<'_>) -> String {
    start.local_name().as_ref().to_string()
}

fn check_root(name: &str, at: &Position, byte: u64) -> Result<(), DictionaryError> {
    if name == "cpe-list" {
        Ok(())
    } else {
        Err(error(
            at.place(byte),
            format!(
                "the document is <{name}>, not <cpe-list>: this is not the CPE dictionary (official-cpe-dictionary_v2.3.xml)"
            ),
        ))
    }
}

/// A 2.2 dictionary has no 2.3 names; say so once rather than failing on its first item.
fn check_schema(version: &str, at: &Position, byte: u64) -> Result<(), DictionaryError> {
    if version.is_empty() || version.starts_with("2.3") {
        Ok(())
    } else {
        Err(error(
            at.place(byte),
            format!(
                "schema_version is {version}; only the CPE 2.3 dictionary (official-cpe-dictionary_v2.3.xml) is read"
            ),
        ))
    }
}

fn title_field(lang: &str) -> Field {
    let lang = lang.to_ascii_lowercase();
    if lang == "en" || lang.starts_with("en-") {
        Field::TitleEn
    } else if lang == "ja" || lang.starts_with("ja-") {
        Field::TitleJa
    } else {
        Field::Other
    }
}

/// The value of the attribute with this local name (`xml:lang` is `lang`), or empty.
fn attribute(
    start: &BytesStart<'_>,
    local: &str,
    at: &Position,
    byte: u64,
) -> Result<String, DictionaryError> {
    for attr in start.attributes() {
        let attr = attr.map_err(|e| error(at.place(byte), format!("bad attribute: {e}")))?;
        if attr.key.local_name().as_ref() == local {
            return attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .map_err(|e| error(at.place(byte), format!("attribute {local}: {e}")));
        }
    }
    Ok(String::new())
}

fn start_item(
    start: &BytesStart<'_>,
    at: &mut Position,
    byte: u64,
) -> Result<Draft, DictionaryError> {
    at.index += 1;
    at.item = Some(String::new());
    let name = attribute(start, "name", at, byte)?;
    at.item = Some(if name.is_empty() {
        "no name".to_string()
    } else {
        name
    });
    let deprecated = attribute(start, "deprecated", at, byte)?;
    Ok(Draft {
        deprecated: matches!(deprecated.trim(), "true" | "1"),
        ..Draft::default()
    })
}

/// The item's 2.3 name. Only the first counts: `deprecated-by` names inside it are other
/// elements, and a second `cpe23-item` would make the item ambiguous.
fn take_cpe23(
    start: &BytesStart<'_>,
    item: &mut Draft,
    at: &Position,
    byte: u64,
) -> Result<(), DictionaryError> {
    if item.cpe23.is_some() {
        return Err(error(
            at.place(byte),
            "the item has two cpe-23:cpe23-item names",
        ));
    }
    let name = attribute(start, "name", at, byte)?;
    let name = checked_name(&name, "cpe23-item name").map_err(|m| error(at.place(byte), m))?;
    item.cpe23 = Some(name);
    Ok(())
}

fn finish_item(draft: Draft, at: &Position, byte: u64) -> Result<Item, DictionaryError> {
    let Some(cpe23) = draft.cpe23 else {
        return Err(error(
            at.place(byte),
            "the item has no cpe-23:cpe23-item name (a CPE 2.2 dictionary? use the 2.3 one)",
        ));
    };
    Ok(Item {
        cpe23,
        deprecated: draft.deprecated,
        title_en: draft.title_en.unwrap_or_default(),
        title_ja: draft.title_ja.unwrap_or_default(),
    })
}

// ---------------------------------------------------------------------------------------------
// API 2.0

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiResponse {
    results_per_page: Option<u64>,
    start_index: Option<u64>,
    total_results: Option<u64>,
    #[serde(default)]
    format: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    timestamp: String,
    products: Vec<ApiProduct>,
}

#[derive(Deserialize)]
struct ApiProduct {
    cpe: ApiCpe,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiCpe {
    cpe_name: String,
    #[serde(default)]
    deprecated: bool,
    #[serde(default)]
    titles: Vec<ApiTitle>,
}

#[derive(Deserialize)]
struct ApiTitle {
    #[serde(default)]
    title: String,
    #[serde(default)]
    lang: String,
}

/// Reads one response of the NVD CPE API 2.0 (`/rest/json/cpes/2.0`): its products, and its
/// timestamp and paging so the caller can ask for the next page.
pub fn parse_api_products(bytes: &[u8]) -> Result<(Summary, Vec<Item>), DictionaryError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let raw: ApiResponse = serde_json::from_slice(bytes).map_err(|e| {
        error(
            format!("line {}, column {}", e.line(), e.column()),
            format!(
                "{e}; the response may be cut short or not come from the CPE API (/rest/json/cpes/2.0)"
            ),
        )
    })?;
    if !raw.format.is_empty() && raw.format != "NVD_CPE" {
        return Err(error(
            "format",
            format!(
                "the response's format is {}, not NVD_CPE: it is not a CPE API response",
                raw.format
            ),
        ));
    }
    let mut items = Vec::with_capacity(raw.products.len());
    for (n, product) in raw.products.into_iter().enumerate() {
        let cpe = product.cpe;
        let place = format!("product {} ({})", n + 1, cpe.cpe_name);
        let cpe23 = checked_name(&cpe.cpe_name, "cpeName").map_err(|m| error(&place, m))?;
        let title = |kind: Field| {
            cpe.titles
                .iter()
                .find(|t| title_field(&t.lang) == kind)
                .map(|t| t.title.trim().to_string())
                .unwrap_or_default()
        };
        items.push(Item {
            cpe23,
            deprecated: cpe.deprecated,
            title_en: title(Field::TitleEn),
            title_ja: title(Field::TitleJa),
        });
    }
    let paging = match (raw.total_results, raw.start_index, raw.results_per_page) {
        (Some(total), Some(start), Some(per_page)) => Some((total, start, per_page)),
        _ => None,
    };
    Ok((
        Summary {
            timestamp: raw.timestamp,
            product_version: raw.version,
            items: items.len(),
            paging,
        },
        items,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<?xml version='1.0' encoding='UTF-8'?>
<cpe-list xmlns="http://cpe.mitre.org/dictionary/2.0" xmlns:cpe-23="http://scap.nist.gov/schema/cpe-extension/2.3">
  <generator>
    <product_name>National Vulnerability Database (NVD)</product_name>
    <product_version>3.0</product_version>
    <schema_version>2.3</schema_version>
    <timestamp>2015-10-14T03:50:00.163Z</timestamp>
  </generator>
  <cpe-item name="cpe:/o:fortinet:fortios:5.2.3">
    <title xml:lang="en-US">Fortinet FortiOS 5.2.3</title>
    <title xml:lang="ja-JP">フォーティネット FortiOS 5.2.3</title>
    <references><reference href="http://www.fortinet.com/">Vendor</reference></references>
    <cpe-23:cpe23-item name="cpe:2.3:o:fortinet:fortios:5.2.3:*:*:*:*:*:*:*"/>
  </cpe-item>
  <cpe-item name="cpe:/a:3com:tippingpoint_ips_tos:2.2.1" deprecated="true" deprecation_date="2010-12-28T17:36:01.163Z">
    <title xml:lang="en-US">3Com TippingPoint &amp; IPS &#x54;OS <![CDATA[2.2.1]]></title>
    <cpe-23:cpe23-item name="cpe:2.3:a:3com:tippingpoint_ips_tos:2.2.1:*:*:*:*:*:*:*">
      <cpe-23:deprecation date="2010-12-28T12:36:01.163-05:00">
        <cpe-23:deprecated-by name="cpe:2.3:o:3com:tippingpoint_ips_tos:2.2.1:*:*:*:*:*:*:*" type="NAME_CORRECTION"/>
      </cpe-23:deprecation>
    </cpe-23:cpe23-item>
  </cpe-item>
</cpe-list>
"#;

    fn read(xml: &str) -> Result<(Summary, Vec<Item>), DictionaryError> {
        let mut items = Vec::new();
        let summary = read_xml::<DictionaryError>(xml.as_bytes(), |item| {
            items.push(item);
            Ok(())
        })?;
        Ok((summary, items))
    }

    #[test]
    fn xml_items_titles_and_generator() {
        let (summary, items) = read(XML).expect("sample");
        assert_eq!(summary.timestamp, "2015-10-14T03:50:00.163Z");
        assert_eq!(summary.product_version, "3.0");
        assert_eq!((summary.items, summary.paging), (2, None));
        assert_eq!(
            items[0],
            Item {
                cpe23: "cpe:2.3:o:fortinet:fortios:5.2.3:*:*:*:*:*:*:*".into(),
                deprecated: false,
                title_en: "Fortinet FortiOS 5.2.3".into(),
                title_ja: "フォーティネット FortiOS 5.2.3".into(),
            }
        );
        assert!(items[1].deprecated);
        assert_eq!(items[1].title_en, "3Com TippingPoint & IPS TOS 2.2.1");
        assert_eq!(
            items[1].cpe23,
            "cpe:2.3:a:3com:tippingpoint_ips_tos:2.2.1:*:*:*:*:*:*:*"
        );
    }

    #[test]
    fn xml_errors_say_where() {
        let cut = &XML[..XML.len() - 40];
        let e = read(cut).expect_err("cut short");
        assert!(e.message.contains("cut short"), "{e}");
        assert!(e.place.contains("item 2"), "{e}");

        let bad = XML.replace("fortios:5.2.3:*", "forti*os:5.2.3:*");
        let e = read(&bad).expect_err("bad name");
        assert!(
            e.place.starts_with("byte ")
                && e.place.ends_with("item 1 (cpe:/o:fortinet:fortios:5.2.3)"),
            "{e}"
        );
        assert!(e.message.contains("not a CPE 2.3 formatted string"), "{e}");

        let no_part = XML.replace(
            "cpe:2.3:o:fortinet:fortios:5.2.3",
            "cpe:2.3:*:fortinet:fortios:5.2.3",
        );
        assert!(
            read(&no_part)
                .expect_err("part ANY")
                .message
                .contains("names no part")
        );

        let doctype = XML.replace(
            "<cpe-list ",
            "<!DOCTYPE cpe-list [<!ENTITY x \"xx\">]>\n<cpe-list ",
        );
        let e = read(&doctype).expect_err("doctype");
        assert!(e.message.contains("DOCTYPE"), "{e}");

        let entity = XML.replace("&amp;", "&x;");
        let e = read(&entity).expect_err("entity");
        assert!(e.message.contains("undefined entity &x;"), "{e}");
        assert!(e.place.contains("item 2"), "{e}");

        let e = read("<nmaprun/>").expect_err("other xml");
        assert!(e.message.contains("not <cpe-list>"), "{e}");
        assert!(
            read("")
                .expect_err("empty")
                .message
                .contains("no <cpe-list>")
        );
        assert!(read("<cpe-list></cpe-list>").is_err());
        let unclosed = XML.replace("</title>\n    <title", "\n    <title");
        assert!(read(&unclosed).is_err());
        let no23 = XML.replace(
            r#"<cpe-23:cpe23-item name="cpe:2.3:o:fortinet:fortios:5.2.3:*:*:*:*:*:*:*"/>"#,
            "",
        );
        let e = read(&no23).expect_err("no 2.3 name");
        assert!(e.message.contains("no cpe-23:cpe23-item"), "{e}");
        let old = XML.replace("<schema_version>2.3", "<schema_version>2.2");
        assert!(
            read(&old)
                .expect_err("2.2")
                .message
                .contains("schema_version is 2.2")
        );
    }

    #[test]
    fn the_callback_can_stop_the_reading() {
        #[derive(Debug)]
        enum Mine {
            Full,
            Dictionary(DictionaryError),
        }
        impl From<DictionaryError> for Mine {
            fn from(e: DictionaryError) -> Mine {
                Mine::Dictionary(e)
            }
        }
        let mut seen = 0;
        let result = read_xml(XML.as_bytes(), |_| {
            seen += 1;
            Err(Mine::Full)
        });
        assert!(matches!(result, Err(Mine::Full)));
        assert_eq!(seen, 1);
        let result = read_xml(&b"<x/>"[..], |_| Ok::<(), Mine>(()));
        assert!(matches!(result, Err(Mine::Dictionary(e)) if e.message.contains("not <cpe-list>")));
    }

    const JSON: &str = r#"{"resultsPerPage":2,"startIndex":0,"totalResults":1121454,"format":"NVD_CPE","version":"2.0","timestamp":"2023-07-31T18:32:08.920","products":[{"cpe":{"deprecated":false,"cpeName":"cpe:2.3:a:3com:3cdaemon:-:*:*:*:*:*:*:*","cpeNameId":"BAE41D20-D4AF-4AF0-AA7D-3BD04DA402A7","titles":[{"title":"3Com 3CDaemon","lang":"en"},{"title":"スリーコム 3CDaemon","lang":"ja"}]}},{"cpe":{"deprecated":true,"cpeName":"cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*","titles":[{"title":"Fortinet FortiOS 6.0.4","lang":"en"}]}}]}"#;

    #[test]
    fn api_products() {
        let (summary, items) = parse_api_products(JSON.as_bytes()).expect("json");
        assert_eq!(summary.timestamp, "2023-07-31T18:32:08.920");
        assert_eq!(summary.paging, Some((1_121_454, 0, 2)));
        assert_eq!((summary.items, items.len()), (2, 2));
        assert_eq!(items[0].title_ja, "スリーコム 3CDaemon");
        assert_eq!(items[0].cpe23, "cpe:2.3:a:3com:3cdaemon:-:*:*:*:*:*:*:*");
        assert!(items[1].deprecated && items[1].title_ja.is_empty());
    }

    #[test]
    fn api_errors_say_where() {
        let e = parse_api_products(&JSON.as_bytes()[..200]).expect_err("cut");
        assert!(e.place.starts_with("line 1, column"), "{e}");
        let bad = JSON.replace("cpe:2.3:o:fortinet", "cpe:/o:fortinet");
        let e = parse_api_products(bad.as_bytes()).expect_err("uri");
        assert!(e.place.starts_with("product 2 (cpe:/o:fortinet"), "{e}");
        let cves = r#"{"format":"NVD_CVE","products":[]}"#;
        assert!(parse_api_products(cves.as_bytes()).is_err());
        let e = parse_api_products(br#"{"vulnerabilities":[]}"#).expect_err("no products");
        assert!(e.message.contains("products"), "{e}");
    }
}

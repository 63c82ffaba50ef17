//! NVD vulnerability data in its two JSON shapes: the API 2.0 format (an API response page, a
//! yearly 2.0 feed file, or a single `cve` object) and the legacy 1.1 yearly feeds. Both become
//! the same records: descriptions, the best CVSS score, CWEs, references, dates, and the
//! `configurations` that say which products (CPE criteria with version ranges, AND/OR nodes)
//! are affected. Only the fields mamori uses are read, so a 70 MB yearly feed stays small in
//! memory.

use serde::Deserialize;

/// An AND/OR of nodes (2.0 `configurations[]`, or a 1.1 node with children).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Operator {
    #[default]
    Or,
    And,
}

impl Operator {
    fn of(text: &str) -> Operator {
        if text.eq_ignore_ascii_case("and") {
            Operator::And
        } else {
            Operator::Or
        }
    }
}

/// One CPE criterion with its optional version range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CpeMatch {
    pub vulnerable: bool,
    /// A CPE 2.3 formatted string, e.g. `cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*`.
    pub criteria: String,
    pub version_start_including: String,
    pub version_start_excluding: String,
    pub version_end_including: String,
    pub version_end_excluding: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    pub operator: Operator,
    pub negate: bool,
    pub matches: Vec<CpeMatch>,
}

/// Nodes joined by `operator`: e.g. FortiOS (node 1) AND FortiGate hardware (node 2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Configuration {
    pub operator: Operator,
    pub negate: bool,
    pub nodes: Vec<Node>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cvss {
    /// "4.0", "3.1", "3.0" or "2.0".
    pub version: String,
    pub score: f64,
    pub severity: String,
    pub vector: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cve {
    pub id: String,
    pub published: String,
    pub last_modified: String,
    /// The English description.
    pub description: String,
    /// The highest CVSS version present, NVD's own (Primary) score preferred.
    pub cvss: Option<Cvss>,
    pub cwes: Vec<String>,
    pub references: Vec<String>,
    pub configurations: Vec<Configuration>,
}

/// What a file held.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Feed {
    /// "2.0" or "1.1".
    pub format: &'static str,
    /// The feed's own timestamp (`timestamp` in 2.0, `CVE_data_timestamp` in 1.1); empty for
    /// a single CVE object.
    pub timestamp: String,
    pub cves: Vec<Cve>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct NvdError {
    pub place: String,
    pub message: String,
}

fn error(place: impl Into<String>, message: impl Into<String>) -> NvdError {
    NvdError {
        place: place.into(),
        message: message.into(),
    }
}

// ---- API 2.0 ----

#[derive(Deserialize)]
struct Wrapped20 {
    cve: Cve20,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Cve20 {
    id: String,
    published: String,
    last_modified: String,
    descriptions: Vec<LangValue>,
    metrics: Metrics20,
    weaknesses: Vec<Weakness20>,
    references: Vec<Reference>,
    configurations: Vec<Configuration20>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LangValue {
    lang: String,
    value: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Metrics20 {
    cvss_metric_v40: Vec<Metric20>,
    cvss_metric_v31: Vec<Metric20>,
    cvss_metric_v30: Vec<Metric20>,
    cvss_metric_v2: Vec<Metric20>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Metric20 {
    #[serde(rename = "type")]
    kind: String,
    cvss_data: CvssData,
    /// v2 keeps the severity beside `cvssData`.
    base_severity: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct CvssData {
    version: String,
    vector_string: String,
    base_score: f64,
    base_severity: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Weakness20 {
    description: Vec<LangValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Reference {
    url: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Configuration20 {
    operator: String,
    negate: bool,
    nodes: Vec<Node20>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Node20 {
    operator: String,
    negate: bool,
    cpe_match: Vec<Match20>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Match20 {
    vulnerable: bool,
    criteria: String,
    version_start_including: String,
    version_start_excluding: String,
    version_end_including: String,
    version_end_excluding: String,
}

impl From<Match20> for CpeMatch {
    fn from(m: Match20) -> CpeMatch {
        CpeMatch {
            vulnerable: m.vulnerable,
            criteria: m.criteria,
            version_start_including: m.version_start_including,
            version_start_excluding: m.version_start_excluding,
            version_end_including: m.version_end_including,
            version_end_excluding: m.version_end_excluding,
        }
    }
}

fn english(values: &[LangValue]) -> String {
    values
        .iter()
        .find(|v| v.lang == "en")
        .or(values.first())
        .map(|v| repair_mojibake(&v.value))
        .unwrap_or_default()
}

/// Undoes UTF-8 that was read as Windows-1252 somewhere upstream (NVD descriptions show
/// `â€“` for `–`, `Ã©` for `é`): each run of non-ASCII characters that Windows-1252 can
/// write is written back to bytes, and kept as those bytes' UTF-8 when they are valid UTF-8.
/// Text without such runs, and runs that are not mojibake, stay as they are.
pub fn repair_mojibake(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.is_empty() {
            return;
        }
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(run);
        match std::str::from_utf8(&bytes) {
            // Shorter once decoded: at least one multi-byte character was hidden in the run.
            Ok(fixed) if !unmappable && fixed.chars().count() < run.chars().count() => {
                out.push_str(fixed)
            }
            _ => out.push_str(run),
        }
        run.clear();
    };
    for c in text.chars() {
        let mut buffer = [0u8; 4];
        let in_1252 = !c.is_ascii() && {
            let (bytes, _, unmappable) =
                encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut buffer));
            !unmappable && bytes.len() == 1
        };
        if in_1252 {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// The newest CVSS version present; within it NVD's Primary score, else the first.
fn best_cvss(metrics: &Metrics20) -> Option<Cvss> {
    [
        &metrics.cvss_metric_v40,
        &metrics.cvss_metric_v31,
        &metrics.cvss_metric_v30,
        &metrics.cvss_metric_v2,
    ]
    .into_iter()
    .find(|list| !list.is_empty())
    .and_then(|list| list.iter().find(|m| m.kind == "Primary").or(list.first()))
    .map(|m| Cvss {
        version: m.cvss_data.version.clone(),
        score: m.cvss_data.base_score,
        severity: if m.cvss_data.base_severity.is_empty() {
            m.base_severity.clone()
        } else {
            m.cvss_data.base_severity.clone()
        },
        vector: m.cvss_data.vector_string.clone(),
    })
}

fn cwes_of(descriptions: impl Iterator<Item = String>) -> Vec<String> {
    let mut cwes: Vec<String> = descriptions
        .filter(|c| c.starts_with("CWE-") || c.starts_with("NVD-CWE-"))
        .collect();
    cwes.sort();
    cwes.dedup();
    cwes
}

impl From<Cve20> for Cve {
    fn from(c: Cve20) -> Cve {
        Cve {
            description: english(&c.descriptions),
            cvss: best_cvss(&c.metrics),
            cwes: cwes_of(
                c.weaknesses
                    .into_iter()
                    .flat_map(|w| w.description.into_iter().map(|d| d.value)),
            ),
            references: c.references.into_iter().map(|r| r.url).collect(),
            configurations: c
                .configurations
                .into_iter()
                .map(|conf| Configuration {
                    operator: Operator::of(&conf.operator),
                    negate: conf.negate,
                    nodes: conf
                        .nodes
                        .into_iter()
                        .map(|n| Node {
                            operator: Operator::of(&n.operator),
                            negate: n.negate,
                            matches: n.cpe_match.into_iter().map(CpeMatch::from).collect(),
                        })
                        .collect(),
                })
                .collect(),
            id: c.id,
            published: c.published,
            last_modified: c.last_modified,
        }
    }
}

// ---- legacy 1.1 feeds ----

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Item11 {
    cve: Cve11,
    configurations: Configurations11,
    impact: Impact11,
    published_date: String,
    last_modified_date: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Cve11 {
    #[serde(rename = "CVE_data_meta")]
    meta: Meta11,
    problemtype: Problemtype11,
    references: References11,
    description: Description11,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Meta11 {
    #[serde(rename = "ID")]
    id: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Problemtype11 {
    problemtype_data: Vec<Weakness20>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct References11 {
    reference_data: Vec<Reference>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Description11 {
    description_data: Vec<LangValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Configurations11 {
    nodes: Vec<Node11>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Node11 {
    operator: String,
    negate: bool,
    children: Vec<Node11>,
    cpe_match: Vec<Match11>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Match11 {
    vulnerable: bool,
    cpe23_uri: String,
    version_start_including: String,
    version_start_excluding: String,
    version_end_including: String,
    version_end_excluding: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Impact11 {
    base_metric_v3: BaseMetric11,
    base_metric_v2: BaseMetric11,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct BaseMetric11 {
    cvss_v3: CvssData,
    cvss_v2: CvssData,
    severity: String,
}

fn node_of(n: Node11) -> Node {
    Node {
        operator: Operator::of(&n.operator),
        negate: n.negate,
        matches: n
            .cpe_match
            .into_iter()
            .map(|m| CpeMatch {
                vulnerable: m.vulnerable,
                criteria: m.cpe23_uri,
                version_start_including: m.version_start_including,
                version_start_excluding: m.version_start_excluding,
                version_end_including: m.version_end_including,
                version_end_excluding: m.version_end_excluding,
            })
            .collect(),
    }
}

impl From<Item11> for Cve {
    fn from(item: Item11) -> Cve {
        let impact = item.impact;
        let cvss = if !impact.base_metric_v3.cvss_v3.version.is_empty() {
            let d = impact.base_metric_v3.cvss_v3;
            Some(Cvss {
                version: d.version,
                score: d.base_score,
                severity: d.base_severity,
                vector: d.vector_string,
            })
        } else if !impact.base_metric_v2.cvss_v2.version.is_empty() {
            let d = impact.base_metric_v2.cvss_v2;
            Some(Cvss {
                version: d.version,
                score: d.base_score,
                severity: impact.base_metric_v2.severity,
                vector: d.vector_string,
            })
        } else {
            None
        };
        Cve {
            id: item.cve.meta.id,
            published: item.published_date,
            last_modified: item.last_modified_date,
            description: english(&item.cve.description.description_data),
            cvss,
            cwes: cwes_of(
                item.cve
                    .problemtype
                    .problemtype_data
                    .into_iter()
                    .flat_map(|w| w.description.into_iter().map(|d| d.value)),
            ),
            references: item
                .cve
                .references
                .reference_data
                .into_iter()
                .map(|r| r.url)
                .collect(),
            // A 1.1 node with children is an AND (or OR) of them, like a 2.0 configuration.
            configurations: item
                .configurations
                .nodes
                .into_iter()
                .map(|n| {
                    if n.children.is_empty() {
                        Configuration {
                            operator: Operator::Or,
                            negate: false,
                            nodes: vec![node_of(n)],
                        }
                    } else {
                        Configuration {
                            operator: Operator::of(&n.operator),
                            negate: n.negate,
                            nodes: n.children.into_iter().map(node_of).collect(),
                        }
                    }
                })
                .collect(),
        }
    }
}

/// Which shape a JSON document has, from its first key: `{"id": …}` is one CVE object,
/// `{"CVE_data_type": …}` a 1.1 feed, anything else is read as a 2.0 response or feed (whose
/// keys start with `resultsPerPage`). Reading one key keeps this cheap on 70 MB feeds.
fn shape(text: &str) -> &'static str {
    let rest = text
        .trim_start()
        .strip_prefix('{')
        .unwrap_or("")
        .trim_start();
    let key = rest
        .strip_prefix('"')
        .and_then(|r| r.split('"').next())
        .unwrap_or("");
    if key == "id" {
        "cve"
    } else if key.starts_with("CVE_") {
        "1.1"
    } else {
        "2.0"
    }
}

fn json_error(e: &serde_json::Error) -> NvdError {
    error(
        format!("line {}, column {}", e.line(), e.column()),
        format!("{e}; the file may be cut short or not NVD data"),
    )
}

/// Reads NVD JSON (already decompressed) in any of its shapes.
pub fn parse(bytes: &[u8]) -> Result<Feed, NvdError> {
    let mut cves = Vec::new();
    let head = parse_each(bytes, |cve| {
        cves.push(cve);
        true
    })?;
    Ok(Feed {
        format: head.format,
        timestamp: head.timestamp,
        cves,
    })
}

/// What [`parse_each`] found besides the CVEs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    /// "2.0" or "1.1".
    pub format: &'static str,
    /// As [`Feed::timestamp`].
    pub timestamp: String,
    /// How many CVEs were handed over.
    pub count: usize,
}

/// Why a `parse_each` callback's `false` stopped the reading; never shown to a user as the
/// cause of a problem in the file.
const STOPPED: &str = "stopped by the reader";

/// Reads NVD JSON like [`parse`], handing each CVE to `each` as soon as it is read, so that a
/// caller can store CVEs while the rest of a 70 MB feed is still being read. `each` returns
/// false to stop (the result is then an error). A file cut short fails only at its end, after
/// the CVEs before the cut were handed over: a caller must not keep them.
pub fn parse_each(bytes: &[u8], each: impl FnMut(Cve) -> bool) -> Result<Head, NvdError> {
    let text =
        std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(|e| {
            error(
                format!("byte {}", e.valid_up_to()),
                "the file is not UTF-8 text",
            )
        })?;
    check_start(text)?;
    let mut de = serde_json::Deserializer::from_str(text);
    read_with(&mut de, shape(text), each)
}

/// How much of a stream [`parse_each_read`] looks at to tell the shape.
const HEAD_BYTES: usize = 64 * 1024;

/// Like [`parse_each`], reading from a stream (a file being unpacked), so that a feed is never
/// held whole in memory. An I/O error of the stream ends the reading with an error.
pub fn parse_each_read(
    mut reader: impl std::io::Read,
    each: impl FnMut(Cve) -> bool,
) -> Result<Head, NvdError> {
    use std::io::Read;
    let mut head = Vec::with_capacity(HEAD_BYTES);
    (&mut reader)
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|e| error("file", format!("cannot read: {e}")))?;
    let start = if head.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let shown = match std::str::from_utf8(&head[start..]) {
        Ok(text) => text,
        // The head may end inside a character; a real encoding problem fails in the parser.
        Err(e) => std::str::from_utf8(&head[start..start + e.valid_up_to()]).unwrap_or(""),
    };
    check_start(shown)?;
    let kind = shape(shown);
    let stream = std::io::BufReader::with_capacity(
        256 * 1024,
        std::io::Cursor::new(&head[start..]).chain(reader),
    );
    let mut de = serde_json::Deserializer::from_reader(stream);
    read_with(&mut de, kind, each)
}

fn check_start(text: &str) -> Result<(), NvdError> {
    if text.trim_start().starts_with('{') {
        Ok(())
    } else {
        Err(error(
            "file",
            "this is not NVD data (expected an API 2.0 response, a 2.0 or 1.1 yearly feed, or a CVE object)",
        ))
    }
}

/// The body shared by [`parse_each`] and [`parse_each_read`]: `kind` is what [`shape`] saw.
fn read_with<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    kind: &str,
    mut each: impl FnMut(Cve) -> bool,
) -> Result<Head, NvdError> {
    let mut count = 0;
    let mut bad_id: Option<NvdError> = None;
    let mut checked = |cve: Cve| {
        count += 1;
        if !crate::kev::is_cve_id(&cve.id) {
            bad_id = Some(error(
                format!("CVE {count} of the file"),
                format!("{:?} is not a CVE id like CVE-2018-13379", cve.id),
            ));
            return false;
        }
        each(cve)
    };
    let result = match kind {
        "1.1" => serde::de::DeserializeSeed::deserialize(
            Streamed::<Item11, _> {
                timestamp_key: "CVE_data_timestamp",
                items_key: "CVE_Items",
                each: &mut checked,
                item: std::marker::PhantomData,
            },
            &mut *de,
        )
        .map(|timestamp| ("1.1", timestamp)),
        "2.0" => serde::de::DeserializeSeed::deserialize(
            Streamed::<Wrapped20, _> {
                timestamp_key: "timestamp",
                items_key: "vulnerabilities",
                each: &mut checked,
                item: std::marker::PhantomData,
            },
            &mut *de,
        )
        .map(|timestamp| ("2.0", timestamp)),
        _ => Cve20::deserialize(&mut *de).map(|raw| {
            checked(Cve::from(raw));
            ("2.0", String::new())
        }),
    }
    .and_then(|found| de.end().map(|()| found));
    if let Some(e) = bad_id {
        return Err(e);
    }
    let (format, timestamp) = result.map_err(|e| json_error(&e))?;
    Ok(Head {
        format,
        timestamp,
        count,
    })
}

/// NVD items that become [`Cve`]s.
trait Item: for<'de> Deserialize<'de> {
    fn cve(self) -> Cve;
}

impl Item for Item11 {
    fn cve(self) -> Cve {
        Cve::from(self)
    }
}

impl Item for Wrapped20 {
    fn cve(self) -> Cve {
        Cve::from(self.cve)
    }
}

/// A feed object read key by key: its timestamp kept, its array of items handed over one by
/// one, every other key skipped.
struct Streamed<'f, I, F> {
    timestamp_key: &'static str,
    items_key: &'static str,
    each: &'f mut F,
    item: std::marker::PhantomData<I>,
}

impl<'de, I: Item, F: FnMut(Cve) -> bool> serde::de::DeserializeSeed<'de> for Streamed<'_, I, F> {
    type Value = String;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, I: Item, F: FnMut(Cve) -> bool> serde::de::Visitor<'de> for Streamed<'_, I, F> {
    type Value = String;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "an NVD feed object with {}", self.items_key)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<String, A::Error> {
        let mut timestamp = String::new();
        let mut saw_items = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == self.timestamp_key {
                timestamp = map.next_value::<Option<String>>()?.unwrap_or_default();
            } else if key == self.items_key {
                saw_items = true;
                map.next_value_seed(Items::<I, F> {
                    each: &mut *self.each,
                    item: std::marker::PhantomData,
                })?;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        if !saw_items {
            return Err(serde::de::Error::missing_field(self.items_key));
        }
        Ok(timestamp)
    }
}

struct Items<'f, I, F> {
    each: &'f mut F,
    item: std::marker::PhantomData<I>,
}

impl<'de, I: Item, F: FnMut(Cve) -> bool> serde::de::DeserializeSeed<'de> for Items<'_, I, F> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, I: Item, F: FnMut(Cve) -> bool> serde::de::Visitor<'de> for Items<'_, I, F> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of CVE items")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<I>()? {
            if !(self.each)(item.cve()) {
                return Err(serde::de::Error::custom(STOPPED));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CVE_20: &str = r#"{"id":"CVE-2024-21762","published":"2024-02-09T09:15:08.087","lastModified":"2025-01-01T00:00:00.000","descriptions":[{"lang":"es","value":"x"},{"lang":"en","value":"A out-of-bounds write in Fortinet FortiOS"}],
      "metrics":{"cvssMetricV31":[{"source":"psirt@fortinet.com","type":"Secondary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N","baseScore":9.6,"baseSeverity":"CRITICAL"}},{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L","baseScore":9.8,"baseSeverity":"CRITICAL"}}]},
      "weaknesses":[{"description":[{"lang":"en","value":"CWE-787"}]}],
      "configurations":[{"operator":"AND","nodes":[{"operator":"OR","negate":false,"cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*","versionStartIncluding":"7.4.0","versionEndExcluding":"7.4.3","matchCriteriaId":"X"}]},{"operator":"OR","negate":false,"cpeMatch":[{"vulnerable":false,"criteria":"cpe:2.3:h:fortinet:fortigate:-:*:*:*:*:*:*:*"}]}]}],
      "references":[{"url":"https://fortiguard.com/psirt/FG-IR-24-015"}]}"#;

    #[test]
    fn a_single_cve_object_reads_with_its_and_configuration() {
        let feed = parse(CVE_20.as_bytes()).expect("cve");
        let cve = &feed.cves[0];
        assert_eq!(cve.description, "A out-of-bounds write in Fortinet FortiOS");
        let cvss = cve.cvss.as_ref().expect("cvss");
        assert_eq!(
            (cvss.score, cvss.version.as_str()),
            (9.8, "3.1"),
            "NVD's Primary score"
        );
        assert_eq!(cve.cwes, vec!["CWE-787"]);
        let conf = &cve.configurations[0];
        assert_eq!(conf.operator, Operator::And);
        assert_eq!(conf.nodes.len(), 2);
        assert_eq!(conf.nodes[0].matches[0].version_end_excluding, "7.4.3");
        assert!(!conf.nodes[1].matches[0].vulnerable);
    }

    #[test]
    fn an_api_page_and_a_legacy_feed_read_alike() {
        let page = format!(
            r#"{{"resultsPerPage":1,"startIndex":0,"totalResults":1,"format":"NVD_CVE","version":"2.0","timestamp":"2024-03-01T00:00:00.000","vulnerabilities":[{{"cve":{CVE_20}}}]}}"#
        );
        let feed = parse(page.as_bytes()).expect("page");
        assert_eq!(
            (feed.format, feed.timestamp.as_str()),
            ("2.0", "2024-03-01T00:00:00.000")
        );
        let legacy = r#"{"CVE_data_type":"CVE","CVE_data_format":"MITRE","CVE_data_version":"4.0","CVE_data_numberOfCVEs":"1","CVE_data_timestamp":"2020-09-17T07:46Z","CVE_Items":[{"cve":{"CVE_data_meta":{"ID":"CVE-2018-13379"},"problemtype":{"problemtype_data":[{"description":[{"lang":"en","value":"CWE-22"}]}]},"references":{"reference_data":[{"url":"https://fortiguard.com/advisory/FG-IR-18-384"}]},"description":{"description_data":[{"lang":"en","value":"Path traversal in FortiOS"}]}},
          "configurations":{"CVE_data_version":"4.0","nodes":[{"operator":"OR","cpe_match":[{"vulnerable":true,"cpe23Uri":"cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*","versionStartIncluding":"6.0.0","versionEndIncluding":"6.0.4"}]},{"operator":"AND","children":[{"operator":"OR","cpe_match":[{"vulnerable":true,"cpe23Uri":"cpe:2.3:o:x:y:1.0:*:*:*:*:*:*:*"}]},{"operator":"OR","cpe_match":[{"vulnerable":false,"cpe23Uri":"cpe:2.3:h:x:z:-:*:*:*:*:*:*:*"}]}]}]},
          "impact":{"baseMetricV3":{"cvssV3":{"version":"3.1","vectorString":"CVSS:3.1/AV:N","baseScore":9.8,"baseSeverity":"CRITICAL"}}},"publishedDate":"2019-06-04T21:29Z","lastModifiedDate":"2020-09-16T14:15Z"}]}"#;
        let feed = parse(legacy.as_bytes()).expect("legacy");
        assert_eq!(feed.format, "1.1");
        let cve = &feed.cves[0];
        assert_eq!(cve.id, "CVE-2018-13379");
        assert_eq!(cve.configurations.len(), 2);
        assert_eq!(
            cve.configurations[0].nodes[0].matches[0].version_end_including,
            "6.0.4"
        );
        assert_eq!(cve.configurations[1].operator, Operator::And);
        assert_eq!(cve.configurations[1].nodes.len(), 2);
        assert_eq!(cve.cvss.as_ref().map(|c| c.score), Some(9.8));
    }

    #[test]
    fn broken_files_say_where() {
        let e = parse(&CVE_20.as_bytes()[..300]).expect_err("cut");
        assert!(e.place.starts_with("line "), "{e}");
        assert!(parse(b"{\"hello\": 1}").is_err());
        let bad = CVE_20.replace("CVE-2024-21762", "CVE-24-1");
        assert!(parse(bad.as_bytes()).is_err());
        assert!(parse(b"").is_err());
    }

    #[test]
    fn utf8_read_as_windows_1252_is_undone_and_nothing_else_changes() {
        assert_eq!(
            repair_mojibake("FortiOS 6.0.0 â€“ 6.0.4 allows â€œpath traversalâ€\u{9d}"),
            "FortiOS 6.0.0 – 6.0.4 allows “path traversal”"
        );
        assert_eq!(repair_mojibake("cafÃ© de ParÃ\u{AD}s"), "café de París");
        for kept in [
            "plain ASCII",
            "Münster naïve café",
            "日本語の説明",
            "© 2024 ACME™",
            "",
        ] {
            assert_eq!(repair_mojibake(kept), kept);
        }
    }
}

//! Which of a device's products a vulnerability names, and how sure we are: the matching rules,
//! as plain functions over a device's CPEs and a CVE's criteria (no database).
//!
//! A device lists what runs on it as CPE names. Its firmware CPE (the first operating system or
//! application) takes its version from the ledger's OS/firmware version, so the version is kept
//! in one place. A CVE names affected products as AND/OR configurations of CPE criteria with
//! version ranges. A match is:
//! - `Exact`: the device's version is inside a vulnerable range (or the criterion covers every
//!   version);
//! - `Product`: vendor and product agree but the version is unknown or cannot be compared;
//! - `Jvn`: a JVN entry names the vendor and product, without versions.
//!
//! Only `Exact` matches are put in front of people; the others are listed separately.

use std::cmp::Ordering;

use mamori_formats::cpe::{self, Attribute, Relation, Value, Wfn};
use mamori_formats::nvd;
use mamori_formats::version::{self, Range};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    /// JVN names the product without versions.
    Jvn,
    /// Vendor and product agree; the version is unknown or not comparable.
    Product,
    /// The device's version is in a vulnerable range.
    Exact,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Exact => "exact",
            Confidence::Product => "product",
            Confidence::Jvn => "jvn",
        }
    }

    pub fn parse(text: &str) -> Option<Confidence> {
        match text {
            "exact" => Some(Confidence::Exact),
            "product" => Some(Confidence::Product),
            "jvn" => Some(Confidence::Jvn),
            _ => None,
        }
    }

    pub fn is_high(self) -> bool {
        self == Confidence::Exact
    }
}

// ---------------------------------------------------------------------------------------------
// A CVE's configurations as stored (compact JSON in vuln_cves.configurations)

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCriterion {
    #[serde(rename = "v", default, skip_serializing_if = "is_false")]
    pub vulnerable: bool,
    #[serde(rename = "c")]
    pub criteria: String,
    #[serde(rename = "si", default, skip_serializing_if = "String::is_empty")]
    pub start_including: String,
    #[serde(rename = "se", default, skip_serializing_if = "String::is_empty")]
    pub start_excluding: String,
    #[serde(rename = "ei", default, skip_serializing_if = "String::is_empty")]
    pub end_including: String,
    #[serde(rename = "ee", default, skip_serializing_if = "String::is_empty")]
    pub end_excluding: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredNode {
    #[serde(rename = "and", default, skip_serializing_if = "is_false")]
    pub and: bool,
    #[serde(rename = "not", default, skip_serializing_if = "is_false")]
    pub negate: bool,
    #[serde(rename = "m")]
    pub criteria: Vec<StoredCriterion>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredConfig {
    #[serde(rename = "and", default, skip_serializing_if = "is_false")]
    pub and: bool,
    #[serde(rename = "not", default, skip_serializing_if = "is_false")]
    pub negate: bool,
    #[serde(rename = "n")]
    pub nodes: Vec<StoredNode>,
}

pub fn stored_configs(configs: &[nvd::Configuration]) -> Vec<StoredConfig> {
    configs
        .iter()
        .map(|c| StoredConfig {
            and: c.operator == nvd::Operator::And,
            negate: c.negate,
            nodes: c
                .nodes
                .iter()
                .map(|n| StoredNode {
                    and: n.operator == nvd::Operator::And,
                    negate: n.negate,
                    criteria: n
                        .matches
                        .iter()
                        .map(|m| StoredCriterion {
                            vulnerable: m.vulnerable,
                            criteria: m.criteria.clone(),
                            start_including: m.version_start_including.clone(),
                            start_excluding: m.version_start_excluding.clone(),
                            end_including: m.version_end_including.clone(),
                            end_excluding: m.version_end_excluding.clone(),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

/// The `vendor:product` keys a CVE's criteria name (the matching index), sorted and unique.
/// Criteria whose vendor or product is a pattern are left out: they cannot be looked up.
pub fn product_keys(configs: &[nvd::Configuration]) -> Vec<String> {
    let mut keys: Vec<String> = configs
        .iter()
        .flat_map(|c| c.nodes.iter())
        .flat_map(|n| n.matches.iter())
        .filter_map(|m| cpe::parse_fs(&m.criteria).ok()?.vendor_product())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

// ---------------------------------------------------------------------------------------------
// Devices

/// One of a device's CPEs with the version matching uses.
#[derive(Debug, Clone)]
pub struct DeviceCpe {
    pub wfn: Wfn,
    /// The 2.3 formatted string as the ledger holds it.
    pub name: String,
    /// The version compared with ranges: the CPE's own, or for the firmware CPE the ledger's
    /// OS/firmware version. None when unknown.
    pub version: Option<String>,
}

/// A device as matching sees it.
#[derive(Debug, Clone)]
pub struct DeviceProfile {
    pub id: i64,
    pub cpes: Vec<DeviceCpe>,
}

impl DeviceProfile {
    /// From the ledger's CPE field and OS/firmware version. Names that do not parse (the ledger
    /// refuses them, so only old data could hold one) are skipped.
    pub fn new(id: i64, cpes: &str, os_version: &str) -> DeviceProfile {
        let wfns: Vec<(String, Wfn)> = cpes
            .split_whitespace()
            .filter_map(|c| cpe::parse(c).ok().map(|w| (w.to_fs(), w)))
            .collect();
        let just: Vec<Wfn> = wfns.iter().map(|(_, w)| w.clone()).collect();
        let firmware = crate::ledger::api::firmware_cpe(&just);
        let cpes = wfns
            .into_iter()
            .enumerate()
            .map(|(i, (name, wfn))| {
                // One version per CPE, the update folded in (`9.0` + `r3` is `9.0r3`), so that
                // every writing of a release meets every writing of NVD's criteria.
                // A version of `-` (Windows 7 `-:sp1`) makes the update an edition of its own.
                let cell = if Some(i) == firmware { os_version } else { "" };
                let cpe_update = (!wfn.version.is_na()).then(|| wfn.update.plain()).flatten();
                let version = version::device_version(
                    cell,
                    wfn.version.plain().as_deref(),
                    cpe_update.as_deref(),
                )
                // Rows saved before versions were reconciled: the ledger's cell decides.
                .unwrap_or_else(|_| Some(cell.trim().to_string()));
                DeviceCpe { wfn, name, version }
            })
            .collect();
        DeviceProfile { id, cpes }
    }

    /// The `vendor:product` keys to look candidates up by.
    pub fn product_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .cpes
            .iter()
            .filter_map(|c| c.wfn.vendor_product())
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }
}

// ---------------------------------------------------------------------------------------------
// Matching

/// A criterion ready to compare: parsed once per CVE, used for every device.
#[derive(Debug, Clone)]
pub struct Criterion {
    pub vulnerable: bool,
    pub name: String,
    pub wfn: Option<Wfn>,
    pub range: Range,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub and: bool,
    pub negate: bool,
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub and: bool,
    pub negate: bool,
    pub nodes: Vec<Node>,
}

pub fn prepare(stored: &[StoredConfig]) -> Vec<Config> {
    stored
        .iter()
        .map(|c| Config {
            and: c.and,
            negate: c.negate,
            nodes: c
                .nodes
                .iter()
                .map(|n| Node {
                    and: n.and,
                    negate: n.negate,
                    criteria: n
                        .criteria
                        .iter()
                        .map(|m| Criterion {
                            vulnerable: m.vulnerable,
                            name: m.criteria.clone(),
                            wfn: cpe::parse_fs(&m.criteria).ok(),
                            range: Range {
                                start_including: m.start_including.clone(),
                                start_excluding: m.start_excluding.clone(),
                                end_including: m.end_including.clone(),
                                end_excluding: m.end_excluding.clone(),
                            },
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

/// Why a device matched: the criterion, the range and the version compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub confidence: Confidence,
    pub criterion: String,
    /// The range or version the criterion names, e.g. `>= 6.0.0, <= 6.0.4` ("" for all).
    pub range_text: String,
    /// The first version outside the range, when the criterion gives one.
    pub fixed_version: String,
    pub device_cpe: String,
    pub device_version: String,
    pub note: Note,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Note {
    None,
    /// The device has no version in the ledger.
    VersionUnknown,
    /// The versions are written in schemes that cannot be compared.
    VersionIncomparable,
    /// The CVE needs a particular hardware, and the device names none.
    PlatformUnchecked,
    /// KEV names the product; NVD's criteria for the CVE are not loaded.
    KevNameOnly,
    /// JVN names the product, without versions.
    JvnVersionless,
}

impl Note {
    pub fn as_str(self) -> &'static str {
        match self {
            Note::None => "",
            Note::VersionUnknown => "version-unknown",
            Note::VersionIncomparable => "version-incomparable",
            Note::PlatformUnchecked => "platform-unchecked",
            Note::KevNameOnly => "kev-name-only",
            Note::JvnVersionless => "jvn-versionless",
        }
    }

    pub fn parse(text: &str) -> Note {
        match text {
            "version-unknown" => Note::VersionUnknown,
            "version-incomparable" => Note::VersionIncomparable,
            "platform-unchecked" => Note::PlatformUnchecked,
            "kev-name-only" => Note::KevNameOnly,
            "jvn-versionless" => Note::JvnVersionless,
            _ => Note::None,
        }
    }
}

/// How one criterion relates to one device CPE.
fn match_criterion(c: &Criterion, d: &DeviceCpe) -> Option<(Confidence, Note)> {
    let crit = c.wfn.as_ref()?;
    // NVD writes one release as `9.0:r3` or as `9.0r3:*`, and devices hold theirs with the update
    // folded in: a criterion naming a version compares version and update together, as one.
    let crit_names_version = matches!(crit.version, Value::Text(_));
    for attribute in Attribute::ALL {
        if attribute == Attribute::Version
            || (attribute == Attribute::Update && (crit_names_version || d.wfn.update.is_any()))
        {
            continue;
        }
        if cpe::compare_values(crit.get(attribute), d.wfn.get(attribute)) == Relation::Disjoint {
            return None;
        }
    }
    let crit_version = crit_names_version
        .then(|| {
            crit.version
                .plain()
                .or_else(|| crit.version.as_text().map(str::to_string))
        })
        .flatten()
        .map(|v| match crit.update.plain() {
            Some(update) => version::with_update(&v, &update),
            None => v,
        });
    match (&crit.version, crit_version) {
        (Value::Na, _) => Some((Confidence::Exact, Note::None)),
        (Value::Any, _) if c.range.is_unbounded() => Some((Confidence::Exact, Note::None)),
        (Value::Any, _) => match &d.version {
            None => Some((Confidence::Product, Note::VersionUnknown)),
            Some(v) => match c.range.contains(v) {
                Some(true) => Some((Confidence::Exact, Note::None)),
                Some(false) => None,
                None => Some((Confidence::Product, Note::VersionIncomparable)),
            },
        },
        (Value::Text(_), Some(wanted)) => match &d.version {
            None => Some((Confidence::Product, Note::VersionUnknown)),
            Some(v) if crit.version.has_wildcards() => {
                let literal = Value::literal(v).ok()?;
                match cpe::compare_values(&crit.version, &literal) {
                    Relation::Superset | Relation::Equal => Some((Confidence::Exact, Note::None)),
                    _ => None,
                }
            }
            Some(v) => {
                let exact = Range {
                    start_including: wanted.clone(),
                    end_including: wanted.clone(),
                    ..Range::default()
                };
                // An open update (`9.0:*`) names every update of the release (`9.0R3`).
                let any_update = crit.update.is_any() && version::is_update_of(v, &wanted);
                match exact.contains(v) {
                    Some(true) => Some((Confidence::Exact, Note::None)),
                    _ if any_update => Some((Confidence::Exact, Note::None)),
                    Some(false) => None,
                    None if v.eq_ignore_ascii_case(&wanted) => {
                        Some((Confidence::Exact, Note::None))
                    }
                    None => None,
                }
            }
        },
        _ => None,
    }
}

/// The best vulnerable criterion of a node that the device meets, or (for a node of platform
/// criteria only) whether the device meets it at all.
struct NodeResult<'a> {
    confidence: Confidence,
    note: Note,
    vulnerable: Option<(&'a Criterion, &'a DeviceCpe)>,
}

fn eval_node<'a>(node: &'a Node, device: &'a DeviceProfile) -> Option<NodeResult<'a>> {
    let mut best: Option<NodeResult<'a>> = None;
    let mut worst_all: Option<NodeResult<'a>> = None;
    for c in &node.criteria {
        let found = device
            .cpes
            .iter()
            .filter_map(|d| match_criterion(c, d).map(|(conf, note)| (conf, note, d)))
            .max_by_key(|(conf, _, _)| *conf);
        match found {
            Some((confidence, note, d)) => {
                let result = NodeResult {
                    confidence,
                    note,
                    vulnerable: c.vulnerable.then_some((c, d)),
                };
                if node.and {
                    let keep_worst = worst_all.as_ref().is_none_or(|w| confidence < w.confidence);
                    if keep_worst {
                        let vulnerable = result
                            .vulnerable
                            .or(worst_all.as_ref().and_then(|w| w.vulnerable));
                        worst_all = Some(NodeResult {
                            vulnerable,
                            ..result
                        });
                    } else if let Some(w) = worst_all.as_mut()
                        && w.vulnerable.is_none()
                    {
                        w.vulnerable = result.vulnerable;
                    }
                } else if better(&result, best.as_ref()) {
                    best = Some(result);
                }
            }
            None if node.and => return negate(node.negate, None),
            None => {}
        }
    }
    negate(node.negate, if node.and { worst_all } else { best })
}

fn better(candidate: &NodeResult, current: Option<&NodeResult>) -> bool {
    match current {
        None => true,
        Some(current) => {
            (candidate.confidence, candidate.vulnerable.is_some())
                > (current.confidence, current.vulnerable.is_some())
        }
    }
}

fn negate<'a>(negated: bool, result: Option<NodeResult<'a>>) -> Option<NodeResult<'a>> {
    if !negated {
        return result;
    }
    match result {
        Some(_) => None,
        None => Some(NodeResult {
            confidence: Confidence::Exact,
            note: Note::None,
            vulnerable: None,
        }),
    }
}

/// A node that only names the platform a vulnerable product runs on (e.g. FortiGate models).
fn platform_parts(node: &Node) -> Option<Vec<String>> {
    if node.criteria.iter().any(|c| c.vulnerable) {
        return None;
    }
    let mut parts: Vec<String> = node
        .criteria
        .iter()
        .filter_map(|c| c.wfn.as_ref()?.part.plain())
        .collect();
    parts.dedup();
    Some(parts)
}

fn eval_config<'a>(config: &'a Config, device: &'a DeviceProfile) -> Option<NodeResult<'a>> {
    if config.negate {
        return None;
    }
    let mut combined: Option<NodeResult<'a>> = None;
    let mut platform_unchecked = false;
    for node in &config.nodes {
        let result = match eval_node(node, device) {
            Some(r) => Some(r),
            None => {
                // A platform the device does not describe at all (no hardware CPE) is not held
                // against it: people rarely know the CPE of their box, and the firmware version
                // is what decides. The match says the platform was not checked.
                let undescribed = platform_parts(node).is_some_and(|parts| {
                    !parts.is_empty()
                        && !device
                            .cpes
                            .iter()
                            .any(|d| d.wfn.part.plain().is_some_and(|p| parts.contains(&p)))
                });
                if undescribed {
                    platform_unchecked = true;
                    Some(NodeResult {
                        confidence: Confidence::Exact,
                        note: Note::PlatformUnchecked,
                        vulnerable: None,
                    })
                } else {
                    None
                }
            }
        };
        combined = match (config.and, combined, result) {
            (true, _, None) => return None,
            (true, None, Some(r)) => Some(r),
            (true, Some(c), Some(r)) => {
                let vulnerable = c.vulnerable.or(r.vulnerable);
                let (confidence, note) = if r.confidence < c.confidence {
                    (r.confidence, r.note)
                } else {
                    (c.confidence, c.note)
                };
                Some(NodeResult {
                    confidence,
                    note,
                    vulnerable,
                })
            }
            (false, c, None) => c,
            (false, c, Some(r)) => {
                if r.vulnerable.is_some() && better(&r, c.as_ref()) {
                    Some(r)
                } else {
                    c.or(Some(r))
                }
            }
        };
    }
    let mut result = combined?;
    result.vulnerable?;
    if platform_unchecked && result.note == Note::None {
        result.note = Note::PlatformUnchecked;
    }
    Some(result)
}

/// Whether a CVE's configurations name the device, and why.
pub fn match_device(configs: &[Config], device: &DeviceProfile) -> Option<Hit> {
    let mut best: Option<NodeResult> = None;
    for config in configs {
        if let Some(r) = eval_config(config, device)
            && best.as_ref().is_none_or(|b| r.confidence > b.confidence)
        {
            best = Some(r);
        }
    }
    let best = best?;
    let (criterion, device_cpe) = best.vulnerable?;
    Some(Hit {
        confidence: best.confidence,
        criterion: criterion.name.clone(),
        range_text: range_text(criterion),
        fixed_version: criterion.range.end_excluding.clone(),
        device_cpe: device_cpe.name.clone(),
        device_version: device_cpe.version.clone().unwrap_or_default(),
        note: best.note,
    })
}

/// A criterion's versions in a short neutral form: `>= 6.0.0, <= 6.0.4`, `= 9.0r3`, or "".
pub fn range_text(c: &Criterion) -> String {
    let r = &c.range;
    let mut parts: Vec<String> = Vec::new();
    if !r.start_including.is_empty() {
        parts.push(format!(">= {}", r.start_including));
    }
    if !r.start_excluding.is_empty() {
        parts.push(format!("> {}", r.start_excluding));
    }
    if !r.end_including.is_empty() {
        parts.push(format!("<= {}", r.end_including));
    }
    if !r.end_excluding.is_empty() {
        parts.push(format!("< {}", r.end_excluding));
    }
    if parts.is_empty()
        && let Some(w) = &c.wfn
        && let Value::Text(_) = w.version
    {
        let version = w.version.plain().unwrap_or_default();
        let update = w.update.plain().unwrap_or_default();
        return format!("= {version}{update}");
    }
    parts.join(", ")
}

/// A JVN entry's (versionless) product against a device: vendor and product agree.
pub fn match_product_only<'a>(key: &str, device: &'a DeviceProfile) -> Option<&'a DeviceCpe> {
    device
        .cpes
        .iter()
        .find(|d| d.wfn.vendor_product().as_deref() == Some(key))
}

/// KEV names products in words ("Fortinet", "FortiOS"); this is the `vendor:product` key they
/// would have as CPE names, for matching KEV entries whose NVD criteria are not loaded.
pub fn kev_product_key(vendor_project: &str, product: &str) -> String {
    let norm = |s: &str| {
        s.trim()
            .to_lowercase()
            .chars()
            .map(|c| if c.is_whitespace() { '_' } else { c })
            .collect::<String>()
    };
    format!("{}:{}", norm(vendor_project), norm(product))
}

// ---------------------------------------------------------------------------------------------
// Priorities

/// What decides a match's place in 「今すぐ対応」.
#[derive(Debug, Clone, Default)]
pub struct Priority {
    pub kev: bool,
    pub ransomware: bool,
    /// On an external connection point or internet-facing.
    pub facing: bool,
    /// CVSS base score times ten (0 when unknown).
    pub cvss_x10: i64,
}

/// KEV first (ransomware before others), then facing devices, then CVSS, highest first.
pub fn by_priority(a: &Priority, b: &Priority) -> Ordering {
    (b.kev, b.ransomware, b.facing, b.cvss_x10).cmp(&(a.kev, a.ransomware, a.facing, a.cvss_x10))
}

/// Worth an alert: an exact match that attackers use, that is critical, or that is high on a
/// device reachable from outside.
pub fn is_high_priority(confidence: Confidence, p: &Priority) -> bool {
    confidence.is_high() && (p.kev || p.cvss_x10 >= 90 || (p.facing && p.cvss_x10 >= 70))
}

// ---------------------------------------------------------------------------------------------
// Operating systems updated by one cumulative update a month

/// Windows gets one cumulative security update a month (the second Tuesday): a PC or server
/// updated on or after the day a CVE was published has that CVE's fix, whatever its version text
/// says. Appliances name an explicit version and are judged by it alone.
pub fn monthly_cumulative(cpe: &Wfn) -> bool {
    cpe.vendor.as_text() == Some("microsoft")
        && cpe.part.as_text() == Some("o")
        && cpe
            .product
            .as_text()
            .is_some_and(|p| p.starts_with("windows"))
}

/// End of support of the Windows releases NVD names as one product, from Microsoft's lifecycle
/// pages (learn.microsoft.com/lifecycle; extended support, without paid ESU). After it no
/// monthly update comes, so nothing published later is fixed by updating. Windows 10 and 11
/// releases end one by one: the ledger's サポート終了日 says it for them.
const WINDOWS_END_OF_SUPPORT: [(&str, &str); 7] = [
    ("windows_xp", "2014-04-08"),
    ("windows_server_2003", "2015-07-14"),
    ("windows_vista", "2017-04-11"),
    ("windows_7", "2020-01-14"),
    ("windows_server_2008", "2020-01-14"),
    ("windows_8.1", "2023-01-10"),
    ("windows_server_2012", "2023-10-10"),
];

/// The day support ends for the operating system `cpe` names, when it is a Windows release
/// with one end of support.
pub fn known_end_of_support(cpe: &Wfn) -> Option<&'static str> {
    if !monthly_cumulative(cpe) {
        return None;
    }
    let product = cpe.product.as_text()?;
    WINDOWS_END_OF_SUPPORT
        .iter()
        .find(|(p, _)| *p == product)
        .map(|(_, date)| *date)
}

/// Whether a device's monthly updates (applied up to `last_patched`) include the fix of a CVE
/// published on `published`: the update of that month came out no earlier than the CVE, and
/// support had not ended by then. Dates are `YYYY-MM-DD` (longer texts are cut to that).
pub fn fixed_by_monthly_update(last_patched: &str, published: &str, end_of_support: &str) -> bool {
    let day = |text: &str| text.get(..10).unwrap_or("").to_string();
    let (patched, published, end) = (day(last_patched), day(published), day(end_of_support));
    !patched.is_empty()
        && !published.is_empty()
        && patched >= published
        && (end.is_empty() || published <= end)
}

/// Which device CPEs name a Windows release (and its known end of support), parsed once each.
#[derive(Default)]
pub struct WindowsCpes(std::collections::HashMap<String, Option<Option<&'static str>>>);

impl WindowsCpes {
    /// `Some(end of support if known)` for a Windows CPE, `None` for anything else.
    pub fn of(&mut self, cpe: &str) -> Option<Option<&'static str>> {
        *self.0.entry(cpe.to_string()).or_insert_with(|| {
            let wfn = cpe::parse(cpe).ok()?;
            monthly_cumulative(&wfn).then(|| known_end_of_support(&wfn))
        })
    }
}

/// Whether a match on a device is fixed by the monthly updates the device has had: `windows`
/// is what [`WindowsCpes::of`] says of the matched CPE, `device` the ledger's 最終更新日 and
/// サポート終了日 (which, when given, wins over the known one), `published` the CVE's date.
pub fn updated_past(
    (last_patched, end_of_support): (&str, &str),
    windows: Option<Option<&str>>,
    published: Option<&str>,
) -> bool {
    match (windows, published) {
        (Some(known_end), Some(published)) => {
            let end = if end_of_support.is_empty() {
                known_end.unwrap_or("")
            } else {
                end_of_support
            };
            fixed_by_monthly_update(last_patched, published, end)
        }
        _ => false,
    }
}

/// Which one-line next step a match gets (a message key).
pub fn next_step_key(confidence: Confidence, note: Note, p: &Priority) -> &'static str {
    match (confidence, note) {
        (Confidence::Exact, _) if p.ransomware => crate::mkey!("vuln-step-ransomware"),
        (Confidence::Exact, _) if p.kev => crate::mkey!("vuln-step-kev"),
        (Confidence::Exact, _) if p.facing => crate::mkey!("vuln-step-facing"),
        (Confidence::Exact, _) => crate::mkey!("vuln-step-update"),
        (_, Note::VersionUnknown) => crate::mkey!("vuln-step-version"),
        (_, Note::VersionIncomparable) => crate::mkey!("vuln-step-compare"),
        _ => crate::mkey!("vuln-step-check"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crit(vulnerable: bool, criteria: &str, range: [&str; 4]) -> StoredCriterion {
        StoredCriterion {
            vulnerable,
            criteria: criteria.into(),
            start_including: range[0].into(),
            start_excluding: range[1].into(),
            end_including: range[2].into(),
            end_excluding: range[3].into(),
        }
    }

    fn or_config(criteria: Vec<StoredCriterion>) -> StoredConfig {
        StoredConfig {
            and: false,
            negate: false,
            nodes: vec![StoredNode {
                and: false,
                negate: false,
                criteria,
            }],
        }
    }

    const FORTIOS: &str = "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*";

    fn cve_2018_13379() -> Vec<Config> {
        prepare(&[or_config(vec![
            crit(true, FORTIOS, ["5.4.6", "", "5.4.12", ""]),
            crit(true, FORTIOS, ["5.6.3", "", "5.6.7", ""]),
            crit(true, FORTIOS, ["6.0.0", "", "6.0.4", ""]),
        ])])
    }

    #[test]
    fn firmware_version_comes_from_the_ledger() {
        let d = DeviceProfile::new(
            1,
            "cpe:2.3:h:fortinet:fortigate-60e:-:*:*:*:*:*:*:* cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*",
            "6.0.4",
        );
        assert_eq!(d.cpes[0].version, None);
        assert_eq!(d.cpes[1].version.as_deref(), Some("6.0.4"));
        let hit = match_device(&cve_2018_13379(), &d).expect("6.0.4 is affected");
        assert_eq!(hit.confidence, Confidence::Exact);
        assert_eq!(hit.range_text, ">= 6.0.0, <= 6.0.4");
        assert_eq!(hit.device_version, "6.0.4");

        let fixed = DeviceProfile::new(1, FORTIOS, "6.0.5");
        assert_eq!(match_device(&cve_2018_13379(), &fixed), None);
        let build = DeviceProfile::new(1, FORTIOS, "6.0.4 build0231");
        assert!(match_device(&cve_2018_13379(), &build).is_some());
    }

    #[test]
    fn unknown_version_is_a_product_match_only() {
        let d = DeviceProfile::new(1, FORTIOS, "");
        let hit = match_device(&cve_2018_13379(), &d).expect("product matches");
        assert_eq!(hit.confidence, Confidence::Product);
        assert_eq!(hit.note, Note::VersionUnknown);
        let other = DeviceProfile::new(1, "cpe:2.3:o:cisco:ios:*:*:*:*:*:*:*:*", "");
        assert_eq!(match_device(&cve_2018_13379(), &other), None);
        let words = DeviceProfile::new(1, FORTIOS, "R80.30");
        let hit = match_device(&cve_2018_13379(), &words).expect("incomparable");
        assert_eq!(hit.note, Note::VersionIncomparable);
    }

    #[test]
    fn and_configurations_need_the_platform_when_the_device_names_one() {
        let config = StoredConfig {
            and: true,
            negate: false,
            nodes: vec![
                StoredNode {
                    and: false,
                    negate: false,
                    criteria: vec![crit(
                        true,
                        "cpe:2.3:a:cisco:adaptive_security_appliance_software:*:*:*:*:*:*:*:*",
                        ["9.8", "", "", "9.8.4.20"],
                    )],
                },
                StoredNode {
                    and: false,
                    negate: false,
                    criteria: vec![crit(
                        false,
                        "cpe:2.3:h:cisco:asa_5506-x:-:*:*:*:*:*:*:*",
                        ["", "", "", ""],
                    )],
                },
            ],
        };
        let configs = prepare(&[config]);
        let asa = "cpe:2.3:a:cisco:adaptive_security_appliance_software:*:*:*:*:*:*:*:*";
        let on_5506 = DeviceProfile::new(
            1,
            &format!("{asa} cpe:2.3:h:cisco:asa_5506-x:-:*:*:*:*:*:*:*"),
            "9.8(4)15",
        );
        let hit = match_device(&configs, &on_5506).expect("on the named hardware");
        assert_eq!((hit.confidence, hit.note), (Confidence::Exact, Note::None));
        let on_other = DeviceProfile::new(
            1,
            &format!("{asa} cpe:2.3:h:cisco:asa_5585-x:-:*:*:*:*:*:*:*"),
            "9.8(4)15",
        );
        assert_eq!(match_device(&configs, &on_other), None);
        let unnamed = DeviceProfile::new(1, asa, "9.8(4)15");
        let hit = match_device(&configs, &unnamed).expect("hardware not described");
        assert_eq!(hit.note, Note::PlatformUnchecked);
        let patched = DeviceProfile::new(1, asa, "9.8(4)20");
        assert_eq!(match_device(&configs, &patched), None);
    }

    #[test]
    fn exact_versions_with_updates_join_for_pulse() {
        let configs = prepare(&[or_config(vec![crit(
            true,
            "cpe:2.3:a:pulsesecure:pulse_connect_secure:9.0:r3:*:*:*:*:*:*",
            ["", "", "", ""],
        )])]);
        let pcs = "cpe:2.3:a:pulsesecure:pulse_connect_secure:*:*:*:*:*:*:*:*";
        let hit = match_device(&configs, &DeviceProfile::new(1, pcs, "9.0R3")).expect("9.0R3");
        assert_eq!(hit.range_text, "= 9.0r3");
        assert_eq!(
            match_device(&configs, &DeviceProfile::new(1, pcs, "9.0R4")),
            None
        );
        let split = "cpe:2.3:a:pulsesecure:pulse_connect_secure:9.0:r3:*:*:*:*:*:*";
        assert!(match_device(&configs, &DeviceProfile::new(1, split, "")).is_some());
    }

    #[test]
    fn fixed_version_and_keys() {
        let configs = prepare(&[or_config(vec![crit(
            true,
            FORTIOS,
            ["7.4.0", "", "", "7.4.3"],
        )])]);
        let hit = match_device(&configs, &DeviceProfile::new(1, FORTIOS, "7.4.2")).expect("hit");
        assert_eq!(hit.fixed_version, "7.4.3");
        assert_eq!(
            DeviceProfile::new(1, FORTIOS, "").product_keys(),
            vec!["fortinet:fortios".to_string()]
        );
        assert_eq!(kev_product_key("Fortinet", "FortiOS"), "fortinet:fortios");
        assert_eq!(
            kev_product_key("Microsoft", "Internet Explorer"),
            "microsoft:internet_explorer"
        );
    }

    #[test]
    fn priorities_put_kev_first() {
        let kev = Priority {
            kev: true,
            cvss_x10: 50,
            ..Priority::default()
        };
        let facing = Priority {
            facing: true,
            cvss_x10: 98,
            ..Priority::default()
        };
        let plain = Priority {
            cvss_x10: 100,
            ..Priority::default()
        };
        let mut list = [plain.clone(), facing.clone(), kev.clone()];
        list.sort_by(by_priority);
        assert!(list[0].kev && list[1].facing && list[2].cvss_x10 == 100);
        assert!(is_high_priority(Confidence::Exact, &kev));
        assert!(!is_high_priority(Confidence::Product, &kev));
        assert!(is_high_priority(Confidence::Exact, &plain));
    }

    #[test]
    fn stored_configs_round_trip_compactly() {
        let stored = vec![or_config(vec![crit(
            true,
            FORTIOS,
            ["6.0.0", "", "6.0.4", ""],
        )])];
        let json = serde_json::to_string(&stored).expect("json");
        assert_eq!(
            json,
            r#"[{"n":[{"m":[{"v":true,"c":"cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*","si":"6.0.0","ei":"6.0.4"}]}]}]"#
        );
        let back: Vec<StoredConfig> = serde_json::from_str(&json).expect("back");
        assert_eq!(back, stored);
    }

    #[test]
    fn windows_updated_after_a_cve_has_its_fix_until_support_ends() {
        let win = cpe::parse("cpe:2.3:o:microsoft:windows_server_2019:-:*:*:*:*:*:*:*")
            .expect("test data");
        let win7 =
            cpe::parse("cpe:2.3:o:microsoft:windows_7:-:sp1:*:*:*:*:*:*").expect("test data");
        let forti = cpe::parse(FORTIOS).expect("test data");
        assert!(monthly_cumulative(&win) && monthly_cumulative(&win7));
        assert!(!monthly_cumulative(&forti));
        assert_eq!(known_end_of_support(&win7), Some("2020-01-14"));
        assert_eq!(known_end_of_support(&win), None);
        assert!(fixed_by_monthly_update(
            "2026-11-20",
            "2019-01-08T21:29:00",
            ""
        ));
        assert!(fixed_by_monthly_update("2019-01-08", "2019-01-08", ""));
        assert!(!fixed_by_monthly_update("2019-01-07", "2019-01-08", ""));
        assert!(!fixed_by_monthly_update("", "2019-01-08", ""));
        // Windows 7 updated in 2026 still lacks what was published after its support ended.
        assert!(fixed_by_monthly_update(
            "2026-11-20",
            "2019-06-11",
            "2020-01-14"
        ));
        assert!(!fixed_by_monthly_update(
            "2026-11-20",
            "2021-06-08",
            "2020-01-14"
        ));
    }
}

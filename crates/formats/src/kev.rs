//! CISA's Known Exploited Vulnerabilities catalog (KEV), in its JSON and CSV forms. KEV is the
//! list of vulnerabilities attackers are using now, and whether ransomware groups use them;
//! mamori puts these first. KEV names no CPEs: it is joined to NVD by CVE id.

use serde::Deserialize;

/// One entry of the catalog.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub cve_id: String,
    pub vendor_project: String,
    pub product: String,
    pub name: String,
    /// `YYYY-MM-DD`.
    pub date_added: String,
    pub short_description: String,
    pub required_action: String,
    /// `YYYY-MM-DD`: the date US federal agencies must have acted by.
    pub due_date: String,
    /// `knownRansomwareCampaignUse` is "Known".
    pub ransomware: bool,
    pub notes: String,
    pub cwes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    /// `catalogVersion` (e.g. "2025.08.25"); the CSV form has none, so the newest `dateAdded`
    /// stands in for it there.
    pub version: String,
    /// `dateReleased` (JSON only).
    pub released: String,
    pub entries: Vec<Entry>,
}

/// What is wrong with a feed, and where: a line and column (JSON), a row (CSV), or an entry
/// and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct KevError {
    pub place: String,
    pub message: String,
}

fn error(place: impl Into<String>, message: impl Into<String>) -> KevError {
    KevError {
        place: place.into(),
        message: message.into(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonCatalog {
    #[serde(default)]
    catalog_version: String,
    #[serde(default)]
    date_released: String,
    vulnerabilities: Vec<JsonEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonEntry {
    #[serde(rename = "cveID")]
    cve_id: String,
    #[serde(default)]
    vendor_project: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    vulnerability_name: String,
    #[serde(default)]
    date_added: String,
    #[serde(default)]
    short_description: String,
    #[serde(default)]
    required_action: String,
    #[serde(default)]
    due_date: String,
    #[serde(default)]
    known_ransomware_campaign_use: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    cwes: Vec<String>,
}

/// Reads the catalog in either form: JSON when it starts with `{`, else CSV.
pub fn parse(bytes: &[u8]) -> Result<Catalog, KevError> {
    let text =
        std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(|e| {
            error(
                format!("byte {}", e.valid_up_to()),
                "the file is not UTF-8 text; use the catalog as CISA publishes it",
            )
        })?;
    if text.trim_start().starts_with('{') {
        parse_json(text)
    } else {
        parse_csv(text)
    }
}

fn parse_json(text: &str) -> Result<Catalog, KevError> {
    let raw: JsonCatalog = serde_json::from_str(text).map_err(|e| {
        error(
            format!("line {}, column {}", e.line(), e.column()),
            format!(
                "{e}; the file may be cut short or not the KEV catalog (known_exploited_vulnerabilities.json)"
            ),
        )
    })?;
    let entries = raw
        .vulnerabilities
        .into_iter()
        .map(|e| Entry {
            cve_id: e.cve_id.trim().to_uppercase(),
            vendor_project: e.vendor_project,
            product: e.product,
            name: e.vulnerability_name,
            date_added: e.date_added,
            short_description: e.short_description,
            required_action: e.required_action,
            due_date: e.due_date,
            ransomware: e
                .known_ransomware_campaign_use
                .eq_ignore_ascii_case("known"),
            notes: e.notes,
            cwes: e.cwes,
        })
        .collect();
    checked(Catalog {
        version: raw.catalog_version,
        released: raw.date_released,
        entries,
    })
}

const CSV_COLUMNS: [&str; 11] = [
    "cveID",
    "vendorProject",
    "product",
    "vulnerabilityName",
    "dateAdded",
    "shortDescription",
    "requiredAction",
    "dueDate",
    "knownRansomwareCampaignUse",
    "notes",
    "cwes",
];

fn parse_csv(text: &str) -> Result<Catalog, KevError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| error("row 1", e.to_string()))?
        .clone();
    let mut at = [0usize; 11];
    for (n, column) in CSV_COLUMNS.iter().enumerate() {
        at[n] = headers.iter().position(|h| h == *column).ok_or_else(|| {
            error(
                "row 1",
                format!("no column {column}: this is not the KEV catalog CSV"),
            )
        })?;
    }
    let mut entries = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let row = n + 2;
        let record = record.map_err(|e| error(format!("row {row}"), e.to_string()))?;
        let get = |i: usize| {
            at.get(i)
                .and_then(|c| record.get(*c))
                .unwrap_or("")
                .to_string()
        };
        entries.push(Entry {
            cve_id: get(0).trim().to_uppercase(),
            vendor_project: get(1),
            product: get(2),
            name: get(3),
            date_added: get(4),
            short_description: get(5),
            required_action: get(6),
            due_date: get(7),
            ransomware: get(8).eq_ignore_ascii_case("known"),
            notes: get(9),
            cwes: get(10)
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect(),
        });
    }
    let version = entries
        .iter()
        .map(|e| e.date_added.replace('-', "."))
        .max()
        .unwrap_or_default();
    checked(Catalog {
        version,
        released: String::new(),
        entries,
    })
}

/// `CVE-2018-13379`: the year and at least four digits.
pub fn is_cve_id(text: &str) -> bool {
    let mut parts = text.split('-');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("CVE"), Some(year), Some(number), None)
            if year.len() == 4
                && year.bytes().all(|b| b.is_ascii_digit())
                && number.len() >= 4
                && number.bytes().all(|b| b.is_ascii_digit())
    )
}

fn is_date(text: &str) -> bool {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
}

/// Every entry has a well-formed CVE id and dates, and no CVE appears twice.
fn checked(catalog: Catalog) -> Result<Catalog, KevError> {
    if catalog.entries.is_empty() {
        return Err(error(
            "file",
            "the catalog lists no vulnerabilities; the file may be cut short",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (n, e) in catalog.entries.iter().enumerate() {
        let place = format!("entry {} ({})", n + 1, e.cve_id);
        if !is_cve_id(&e.cve_id) {
            return Err(error(place, "cveID is not a CVE id like CVE-2018-13379"));
        }
        if !is_date(&e.date_added) {
            return Err(error(place, "dateAdded is not a date like 2021-11-03"));
        }
        if !e.due_date.is_empty() && !is_date(&e.due_date) {
            return Err(error(place, "dueDate is not a date like 2022-05-03"));
        }
        if !seen.insert(e.cve_id.as_str()) {
            return Err(error(place, "this CVE is listed twice"));
        }
    }
    Ok(catalog)
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = r#"{"title":"CISA Catalog of Known Exploited Vulnerabilities","catalogVersion":"2025.08.25","dateReleased":"2025-08-25T17:04:19.9796Z","count":1,"vulnerabilities":[{"cveID":"CVE-2018-13379","vendorProject":"Fortinet","product":"FortiOS","vulnerabilityName":"Fortinet FortiOS SSL VPN Path Traversal Vulnerability","dateAdded":"2021-11-03","shortDescription":"…","requiredAction":"Apply updates per vendor instructions.","dueDate":"2022-05-03","knownRansomwareCampaignUse":"Known","notes":"https://nvd.nist.gov/vuln/detail/CVE-2018-13379","cwes":["CWE-22"]}]}"#;

    #[test]
    fn json_and_csv_read_the_same() {
        let json = parse(JSON.as_bytes()).expect("json");
        assert_eq!(json.version, "2025.08.25");
        let e = &json.entries[0];
        assert_eq!((e.cve_id.as_str(), e.ransomware), ("CVE-2018-13379", true));
        assert_eq!(e.due_date, "2022-05-03");
        let csv = "cveID,vendorProject,product,vulnerabilityName,dateAdded,shortDescription,requiredAction,dueDate,knownRansomwareCampaignUse,notes,cwes\nCVE-2018-13379,Fortinet,FortiOS,\"Fortinet FortiOS SSL VPN Path Traversal Vulnerability\",2021-11-03,\"…\",\"Apply updates per vendor instructions.\",2022-05-03,Known,\"https://nvd.nist.gov/vuln/detail/CVE-2018-13379\",CWE-22\n";
        let from_csv = parse(csv.as_bytes()).expect("csv");
        assert_eq!(from_csv.entries, json.entries);
        assert_eq!(from_csv.version, "2021.11.03");
    }

    #[test]
    fn broken_files_say_where() {
        let cut = &JSON[..JSON.len() / 2];
        let e = parse(cut.as_bytes()).expect_err("cut short");
        assert!(e.place.starts_with("line 1, column"), "{e}");
        let bad_id = JSON.replace("CVE-2018-13379", "CVE-18-1");
        let e = parse(bad_id.as_bytes()).expect_err("bad id");
        assert_eq!(e.place, "entry 1 (CVE-18-1)");
        let e = parse(b"a,b\n1,2\n").expect_err("other csv");
        assert!(e.message.contains("no column cveID"), "{e}");
        assert!(parse(b"\xff\xfe").is_err());
        assert!(parse(b"").is_err());
    }

    #[test]
    fn cve_ids() {
        assert!(is_cve_id("CVE-2024-21762"));
        assert!(is_cve_id("CVE-2021-1234567"));
        assert!(!is_cve_id("CVE-2024-217"));
        assert!(!is_cve_id("cve-2024-21762x"));
    }
}

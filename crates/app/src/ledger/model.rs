//! Devices and their rules. Plain data and checks, no I/O.

use std::net::IpAddr;

use mamori_formats::dates::parse_date;

/// A choice stored as a short code, shown through a message key.
pub type Choice = (&'static str, &'static str);

pub const KINDS: [Choice; 5] = [
    ("server", crate::mkey!("kind-server")),
    ("pc", crate::mkey!("kind-pc")),
    ("network", crate::mkey!("kind-network")),
    ("medical", crate::mkey!("kind-medical")),
    ("other", crate::mkey!("kind-other")),
];

pub const EXTERNAL_CONNECTIONS: [Choice; 4] = [
    ("none", crate::mkey!("external-none")),
    ("internet", crate::mkey!("external-internet")),
    ("vpn", crate::mkey!("external-vpn")),
    ("leased", crate::mkey!("external-leased")),
];

pub const REMOTE_MAINTENANCE: [Choice; 3] = [
    ("unknown", crate::mkey!("remote-unknown")),
    ("yes", crate::mkey!("remote-yes")),
    ("no", crate::mkey!("remote-no")),
];

pub const STATUSES: [Choice; 4] = [
    ("active", crate::mkey!("status-active")),
    ("spare", crate::mkey!("status-spare")),
    ("retiring", crate::mkey!("status-retiring")),
    ("retired", crate::mkey!("status-retired")),
];

/// How a field is entered and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text {
        max: usize,
        required: bool,
    },
    LongText,
    Date,
    IpList,
    MacList,
    /// Network ranges such as `192.168.10.0/24`, normalised to the network address.
    CidrList,
    /// CPE names (2.3 formatted strings or 2.2 URIs) separated by spaces or new lines, stored
    /// as 2.3 formatted strings.
    CpeList,
    Choice(&'static [Choice]),
    /// Links to other records, stored as space-separated ids of the named table.
    Ref {
        table: &'static str,
        multiple: bool,
    },
}

/// Every device field in form order: (column, message key, type).
pub const FIELDS: [(&str, &str, FieldType); 28] = [
    (
        "kind",
        crate::mkey!("device-kind"),
        FieldType::Choice(&KINDS),
    ),
    (
        "name",
        crate::mkey!("device-name"),
        FieldType::Text {
            max: 200,
            required: true,
        },
    ),
    (
        "asset_number",
        crate::mkey!("device-asset-number"),
        FieldType::Text {
            max: 100,
            required: false,
        },
    ),
    (
        "maker",
        crate::mkey!("device-maker"),
        FieldType::Text {
            max: 200,
            required: false,
        },
    ),
    (
        "model",
        crate::mkey!("device-model"),
        FieldType::Text {
            max: 200,
            required: false,
        },
    ),
    (
        "serial_number",
        crate::mkey!("device-serial"),
        FieldType::Text {
            max: 200,
            required: false,
        },
    ),
    (
        "os_name",
        crate::mkey!("device-os-name"),
        FieldType::Text {
            max: 200,
            required: false,
        },
    ),
    (
        "os_version",
        crate::mkey!("device-os-version"),
        FieldType::Text {
            max: 100,
            required: false,
        },
    ),
    ("cpes", crate::mkey!("device-cpes"), FieldType::CpeList),
    (
        "location",
        crate::mkey!("device-location"),
        FieldType::Text {
            max: 200,
            required: false,
        },
    ),
    (
        "department",
        crate::mkey!("device-department"),
        FieldType::Text {
            max: 100,
            required: false,
        },
    ),
    (
        "systems",
        crate::mkey!("device-systems"),
        FieldType::Ref {
            table: "systems",
            multiple: true,
        },
    ),
    (
        "manager",
        crate::mkey!("device-manager"),
        FieldType::Text {
            max: 100,
            required: false,
        },
    ),
    (
        "users",
        crate::mkey!("device-users"),
        FieldType::Text {
            max: 200,
            required: false,
        },
    ),
    (
        "maintenance_vendor",
        crate::mkey!("device-maintenance-vendor"),
        FieldType::Text {
            max: 200,
            required: false,
        },
    ),
    (
        "hostname",
        crate::mkey!("device-hostname"),
        FieldType::Text {
            max: 253,
            required: false,
        },
    ),
    (
        "ip_addresses",
        crate::mkey!("device-ip-addresses"),
        FieldType::IpList,
    ),
    (
        "mac_addresses",
        crate::mkey!("device-mac-addresses"),
        FieldType::MacList,
    ),
    (
        "segment",
        crate::mkey!("device-segment"),
        FieldType::Ref {
            table: "segments",
            multiple: false,
        },
    ),
    (
        "external_connection",
        crate::mkey!("device-external-connection"),
        FieldType::Choice(&EXTERNAL_CONNECTIONS),
    ),
    (
        "remote_maintenance",
        crate::mkey!("device-remote-maintenance"),
        FieldType::Choice(&REMOTE_MAINTENANCE),
    ),
    (
        "end_of_support",
        crate::mkey!("device-end-of-support"),
        FieldType::Date,
    ),
    (
        "last_patched",
        crate::mkey!("device-last-patched"),
        FieldType::Date,
    ),
    (
        "status",
        crate::mkey!("device-status"),
        FieldType::Choice(&STATUSES),
    ),
    (
        "last_confirmed",
        crate::mkey!("device-last-confirmed"),
        FieldType::Date,
    ),
    ("notes", crate::mkey!("device-notes"), FieldType::LongText),
    // Shown in lists and the audit trail but not typed in the form.
    (
        "created_at",
        crate::mkey!("created-at"),
        FieldType::Text {
            max: 0,
            required: false,
        },
    ),
    (
        "updated_at",
        crate::mkey!("last-updated"),
        FieldType::Text {
            max: 0,
            required: false,
        },
    ),
];

/// One field: (column, message key, type).
pub type Field = (&'static str, &'static str, FieldType);

/// A kind of ledger record: its table, its name in the audit trail, and its fields.
#[derive(Debug)]
pub struct RecordKind {
    pub table: &'static str,
    pub entity: &'static str,
    /// Where its pages are (`{base}/{id}` shows one record).
    pub base: &'static str,
    pub fields: &'static [Field],
    /// A field whose non-empty values must be unique within the facility.
    pub unique: Option<&'static str>,
    /// Rules across fields, applied after each field is checked.
    pub settle: Option<fn(&mut Values, &mut Problems)>,
}

pub static DEVICES: RecordKind = RecordKind {
    table: "devices",
    entity: "device",
    base: "/ledger",
    fields: &FIELDS,
    unique: Some("asset_number"),
    settle: Some(settle_firmware_version),
};

impl RecordKind {
    /// The fields a person edits (all but the timestamps).
    pub fn editable(&self) -> impl Iterator<Item = &'static Field> + use<> {
        self.fields
            .iter()
            .filter(|(name, _, _)| !name.ends_with("_at"))
    }

    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|(f, _, _)| *f == name)
    }

    /// The reference fields: (field, target table, multiple).
    pub fn refs(&self) -> impl Iterator<Item = (&'static str, &'static str, bool)> + use<> {
        self.fields.iter().filter_map(|(f, _, t)| match t {
            FieldType::Ref { table, multiple } => Some((*f, *table, *multiple)),
            _ => None,
        })
    }

    pub fn label_key(&self, field: &str) -> Option<&'static str> {
        self.fields
            .iter()
            .find(|(f, _, _)| *f == field)
            .map(|(_, k, _)| *k)
    }

    /// Checks typed values. Returns the cleaned values, or every problem.
    pub fn validate(&self, input: &dyn Fn(&str) -> String) -> Result<Values, Problems> {
        let (mut values, mut problems) = validate_fields(self.editable(), input);
        if let Some(settle) = self.settle
            && problems.is_empty()
        {
            settle(&mut values, &mut problems);
        }
        if problems.is_empty() {
            Ok(values)
        } else {
            Err(problems)
        }
    }
}

/// Every kind of ledger record.
pub fn kinds() -> [&'static RecordKind; 4] {
    [
        &DEVICES,
        &super::systems::SYSTEMS,
        &super::systems::SEGMENTS,
        &super::connections::CONNECTIONS,
    ]
}

pub fn kind_by_table(table: &str) -> Option<&'static RecordKind> {
    kinds().into_iter().find(|k| k.table == table)
}

pub fn kind_by_entity(entity: &str) -> Option<&'static RecordKind> {
    kinds().into_iter().find(|k| k.entity == entity)
}

/// The device fields a person edits (all but the timestamps).
pub fn editable_fields() -> impl Iterator<Item = &'static Field> {
    DEVICES.editable()
}

pub fn field_label_key(field: &str) -> Option<&'static str> {
    DEVICES.label_key(field)
}

pub fn choice_label_key(choices: &[Choice], value: &str) -> Option<&'static str> {
    choices.iter().find(|(v, _)| *v == value).map(|(_, k)| *k)
}

/// A ledger record as stored: the editable values by field name, plus identity and timestamps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub id: i64,
    pub facility_id: i64,
    pub kind: &'static RecordKind,
    /// Values of the editable fields, in field order.
    pub values: Values,
    pub created_at: String,
    pub updated_at: String,
}

impl PartialEq for RecordKind {
    fn eq(&self, other: &Self) -> bool {
        self.table == other.table
    }
}
impl Eq for RecordKind {}

/// Devices are the ledger's main records.
pub type Device = Record;

impl Default for Record {
    fn default() -> Self {
        Record {
            id: 0,
            facility_id: 0,
            kind: &DEVICES,
            values: Values::new(),
            created_at: String::new(),
            updated_at: String::new(),
        }
    }
}

impl Record {
    pub fn get(&self, field: &str) -> &str {
        self.values
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn name(&self) -> &str {
        self.get("name")
    }

    /// The label key of a choice field's value, if it is one.
    pub fn choice_key(&self, field: &str) -> Option<&'static str> {
        match self.kind.fields.iter().find(|(f, _, _)| *f == field)?.2 {
            FieldType::Choice(choices) => choice_label_key(choices, self.get(field)),
            _ => None,
        }
    }

    /// Key facts the checklist needs that are still empty, as field names.
    pub fn missing_key_fields(&self) -> Vec<&'static str> {
        ["os_version", "location", "manager"]
            .into_iter()
            .filter(|f| self.get(f).is_empty())
            .collect()
    }
}

/// A field a hospital added to a kind of record (保守契約番号, 導入日…), stored with the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomField {
    pub id: i64,
    pub table: String,
    pub name: String,
    /// One of [`CUSTOM_TYPES`].
    pub field_type: String,
}

pub const CUSTOM_TYPES: [Choice; 4] = [
    ("text", crate::mkey!("custom-type-text")),
    ("date", crate::mkey!("custom-type-date")),
    ("number", crate::mkey!("custom-type-number")),
    ("yesno", crate::mkey!("custom-type-yesno")),
];

pub const YES_NO: [Choice; 2] = [
    ("yes", crate::mkey!("answer-yes")),
    ("no", crate::mkey!("answer-no")),
];

impl CustomField {
    /// Its key among a record's values and in forms: `custom_12`.
    pub fn key(&self) -> &'static str {
        custom_key(self.id)
    }
}

/// `custom_<id>`, kept for the life of the program so it can sit among the fixed field names
/// (a hospital defines a handful of fields, so this stays small).
pub fn custom_key(id: i64) -> &'static str {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static KEYS: OnceLock<Mutex<HashMap<i64, &'static str>>> = OnceLock::new();
    let mut keys = KEYS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    keys.entry(id)
        .or_insert_with(|| Box::leak(format!("custom_{id}").into_boxed_str()))
}

/// The field id of a `custom_<id>` key.
pub fn custom_id(key: &str) -> Option<i64> {
    key.strip_prefix("custom_")?.parse().ok()
}

/// Checks typed values of user-defined fields, as [`RecordKind::validate`] does for the fixed
/// ones. Empty values are dropped.
pub fn validate_custom(
    fields: &[CustomField],
    input: &dyn Fn(&str) -> String,
) -> Result<Values, Problems> {
    let mut values = Vec::new();
    let mut problems = Vec::new();
    for field in fields {
        let key = field.key();
        let raw = input(key);
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let cleaned = match field.field_type.as_str() {
            "date" => match parse_date(raw) {
                Some(date) => date.format("%Y-%m-%d").to_string(),
                None => {
                    problems.push((key, crate::mkey!("date-invalid-ledger")));
                    raw.to_string()
                }
            },
            "number" => {
                let plain: String = raw.chars().filter(|c| *c != ',').collect();
                if plain.parse::<f64>().is_ok_and(f64::is_finite) {
                    plain
                } else {
                    problems.push((key, crate::mkey!("number-invalid")));
                    raw.to_string()
                }
            }
            "yesno" => {
                if choice_label_key(&YES_NO, raw).is_none() {
                    problems.push((key, crate::mkey!("choice-invalid")));
                }
                raw.to_string()
            }
            _ => {
                if raw.chars().count() > 1000 {
                    problems.push((key, crate::mkey!("field-too-long")));
                }
                raw.to_string()
            }
        };
        values.push((key, cleaned));
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(problems)
    }
}

/// User-defined values as stored in a record's `custom` column: `{"12": "value"}`.
pub fn custom_to_json(values: &[(&'static str, String)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = values
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .filter_map(|(k, v)| {
            Some((
                custom_id(k)?.to_string(),
                serde_json::Value::from(v.clone()),
            ))
        })
        .collect();
    if map.is_empty() {
        String::new()
    } else {
        serde_json::Value::Object(map).to_string()
    }
}

pub fn custom_from_json(text: &str) -> Values {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let mut values: Vec<(i64, String)> = map
        .into_iter()
        .filter_map(|(k, v)| Some((k.parse().ok()?, v.as_str()?.to_string())))
        .collect();
    values.sort();
    values
        .into_iter()
        .map(|(id, v)| (custom_key(id), v))
        .collect()
}

/// Field values by column name, in field order.
pub type Values = Vec<(&'static str, String)>;
/// Problems as (field, message key).
pub type Problems = Vec<(&'static str, &'static str)>;

/// Checks typed device values. Returns the cleaned values, or every problem.
pub fn validate(input: &dyn Fn(&str) -> String) -> Result<Values, Problems> {
    DEVICES.validate(input)
}

fn validate_fields(
    fields: impl Iterator<Item = &'static Field>,
    input: &dyn Fn(&str) -> String,
) -> (Values, Problems) {
    let mut values = Vec::new();
    let mut problems = Vec::new();
    for (field, _, kind) in fields {
        let raw = input(field);
        let raw = raw.trim();
        let cleaned = match *kind {
            FieldType::Text { max, required } => {
                if required && raw.is_empty() {
                    problems.push((*field, crate::mkey!("field-required")));
                } else if raw.chars().count() > max {
                    problems.push((*field, crate::mkey!("field-too-long")));
                }
                raw.to_string()
            }
            FieldType::LongText => {
                if raw.chars().count() > 4000 {
                    problems.push((*field, crate::mkey!("field-too-long")));
                }
                raw.to_string()
            }
            FieldType::Date => {
                if raw.is_empty() {
                    String::new()
                } else if let Some(date) = parse_date(raw) {
                    date.format("%Y-%m-%d").to_string()
                } else {
                    problems.push((*field, crate::mkey!("date-invalid-ledger")));
                    raw.to_string()
                }
            }
            FieldType::IpList => match normalize_ips(raw) {
                Some(list) => list,
                None => {
                    problems.push((*field, crate::mkey!("ip-invalid")));
                    raw.to_string()
                }
            },
            FieldType::MacList => match normalize_macs(raw) {
                Some(list) => list,
                None => {
                    problems.push((*field, crate::mkey!("mac-invalid")));
                    raw.to_string()
                }
            },
            FieldType::CidrList => match normalize_cidrs(raw) {
                Some(list) => list,
                None => {
                    problems.push((*field, crate::mkey!("cidr-invalid")));
                    raw.to_string()
                }
            },
            FieldType::CpeList => match normalize_cpes(raw) {
                Some(list) => list,
                None => {
                    problems.push((*field, crate::mkey!("cpe-invalid")));
                    raw.to_string()
                }
            },
            FieldType::Ref { multiple, .. } => {
                let ids: Vec<&str> = split_list(raw).collect();
                if ids
                    .iter()
                    .any(|id| id.parse::<i64>().map_or(true, |n| n <= 0))
                    || (!multiple && ids.len() > 1)
                {
                    problems.push((*field, crate::mkey!("ref-unknown")));
                    raw.to_string()
                } else {
                    let mut unique: Vec<&str> = Vec::new();
                    for id in ids {
                        if !unique.contains(&id) {
                            unique.push(id);
                        }
                    }
                    unique.join(" ")
                }
            }
            FieldType::Choice(choices) => {
                let value = if raw.is_empty() { choices[0].0 } else { raw };
                if choice_label_key(choices, value).is_none() {
                    problems.push((*field, crate::mkey!("choice-invalid")));
                }
                value.to_string()
            }
        };
        values.push((*field, cleaned));
    }
    (values, problems)
}

/// CPE names separated by white space (a CPE never holds an unquoted space, while `,` may be
/// quoted inside one), as 2.3 formatted strings; None if any is not a CPE name.
pub fn normalize_cpes(raw: &str) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    for part in raw.split_whitespace() {
        let name = mamori_formats::cpe::parse(part).ok()?.to_fs();
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Some(out.join(" "))
}

/// Index of the device's firmware CPE: the first operating system or application name. The
/// ledger's OS/firmware version belongs to it, so it is kept there and nowhere else.
pub fn firmware_cpe(cpes: &[mamori_formats::cpe::Wfn]) -> Option<usize> {
    cpes.iter()
        .position(|w| matches!(w.part.as_text(), Some("o" | "a")))
}

/// Keeps a device's firmware version in one place: a version typed into the firmware CPE moves
/// to the OS/firmware version field (refused if that field says otherwise), and the CPE keeps
/// `*`, so updating the version field is all a firmware update needs.
fn settle_firmware_version(values: &mut Values, problems: &mut Problems) {
    use mamori_formats::cpe::Value;
    let get = |values: &Values, f: &str| {
        values
            .iter()
            .find(|(k, _)| *k == f)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let cpes_text = get(values, "cpes");
    let mut cpes: Vec<mamori_formats::cpe::Wfn> = cpes_text
        .split_whitespace()
        .filter_map(|c| mamori_formats::cpe::parse(c).ok())
        .collect();
    let Some(i) = firmware_cpe(&cpes) else {
        return;
    };
    let Some(typed) = cpes[i].version.plain() else {
        return;
    };
    let os_version = get(values, "os_version");
    if os_version.is_empty() {
        set_value(values, "os_version", typed);
    } else if mamori_formats::version::compare(&os_version, &typed)
        != Some(std::cmp::Ordering::Equal)
        && !os_version.eq_ignore_ascii_case(&typed)
    {
        problems.push(("cpes", crate::mkey!("cpe-version-conflict")));
        return;
    }
    cpes[i].version = Value::Any;
    let joined: Vec<String> = cpes.iter().map(|w| w.to_fs()).collect();
    set_value(values, "cpes", joined.join(" "));
}

fn set_value(values: &mut Values, field: &'static str, value: String) {
    match values.iter_mut().find(|(k, _)| *k == field) {
        Some(slot) => slot.1 = value,
        None => values.push((field, value)),
    }
}

fn split_list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(|c: char| c.is_whitespace() || matches!(c, ',' | '、' | ';' | '，'))
        .filter(|s| !s.is_empty())
}

/// IP addresses separated by spaces, commas or 、; normalised; None if any is not an address.
pub fn normalize_ips(raw: &str) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    for part in split_list(raw) {
        let ip: IpAddr = part.parse().ok()?;
        let text = ip.to_string();
        if !out.contains(&text) {
            out.push(text);
        }
    }
    Some(out.join(" "))
}

/// Network ranges (`192.168.10.0/24`, `10.0.0.0/8`, or a single address meaning /32 or /128),
/// normalised to the network address; None if any is not one.
pub fn normalize_cidrs(raw: &str) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    for part in split_list(raw) {
        let net = Cidr::parse(part)?;
        let text = net.to_string();
        if !out.contains(&text) {
            out.push(text);
        }
    }
    Some(out.join(" "))
}

/// A network range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub network: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (text.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return None;
        }
        let network = match addr {
            IpAddr::V4(v4) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                IpAddr::V4((u32::from(v4) & mask).into())
            }
            IpAddr::V6(v6) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                IpAddr::V6((u128::from(v6) & mask).into())
            }
        };
        Some(Cidr { network, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        Cidr::parse(&format!("{ip}/{}", self.prefix)).is_some_and(|c| c == *self)
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// MAC addresses in any common notation (aa:bb:…, aa-bb-…, aabb.ccdd.eeff, aabbccddeeff),
/// normalised to `AA:BB:CC:DD:EE:FF`; None if any is not one.
pub fn normalize_macs(raw: &str) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    for part in split_list(raw) {
        let hex: String = part
            .chars()
            .filter(|c| !matches!(c, ':' | '-' | '.'))
            .collect();
        if hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let upper = hex.to_ascii_uppercase();
        let text = (0..6)
            .map(|i| &upper[i * 2..i * 2 + 2])
            .collect::<Vec<_>>()
            .join(":");
        if !out.contains(&text) {
            out.push(text);
        }
    }
    Some(out.join(" "))
}

/// A record of `kind` from typed values, checked as a form would be (for tests).
#[cfg(test)]
pub fn test_record(kind: &'static RecordKind, id: i64, pairs: &[(&str, &str)]) -> Record {
    let values = kind
        .validate(&|f| {
            pairs
                .iter()
                .find(|(k, _)| *k == f)
                .map(|(_, v)| v.to_string())
                .unwrap_or_default()
        })
        .expect("valid test record");
    Record {
        id,
        kind,
        values,
        ..Record::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> impl Fn(&str) -> String {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |field: &str| {
            owned
                .iter()
                .find(|(k, _)| k == field)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        }
    }

    #[test]
    fn a_device_is_cleaned() {
        let values = validate(&form(&[
            ("kind", "network"),
            ("name", " FortiGate 60E "),
            ("ip_addresses", "192.168.10.1, 10.0.0.1、192.168.10.1"),
            ("mac_addresses", "0090.0b12.3456 aa-bb-cc-dd-ee-ff"),
            ("end_of_support", "R8.3.31"),
            ("remote_maintenance", "yes"),
        ]))
        .expect("valid");
        let device = Device {
            values,
            ..Default::default()
        };
        assert_eq!(device.name(), "FortiGate 60E");
        assert_eq!(device.get("ip_addresses"), "192.168.10.1 10.0.0.1");
        assert_eq!(
            device.get("mac_addresses"),
            "00:90:0B:12:34:56 AA:BB:CC:DD:EE:FF"
        );
        assert_eq!(device.get("end_of_support"), "2026-03-31");
        assert_eq!(device.get("status"), "active", "first choice by default");
        assert_eq!(device.get("external_connection"), "none");
        assert_eq!(device.choice_key("kind"), Some("kind-network"));
        assert_eq!(
            device.missing_key_fields(),
            vec!["os_version", "location", "manager"]
        );
    }

    #[test]
    fn ranges_are_normalised_and_matched() {
        assert_eq!(
            normalize_cidrs("192.168.10.7/24, 10.0.0.0/8 192.168.10.0/24").as_deref(),
            Some("192.168.10.0/24 10.0.0.0/8")
        );
        assert_eq!(normalize_cidrs("10.1.2.3").as_deref(), Some("10.1.2.3/32"));
        assert_eq!(normalize_cidrs("10.0.0.0/33"), None);
        assert_eq!(normalize_cidrs("fd00::1/64").as_deref(), Some("fd00::/64"));
        let net = Cidr::parse("192.168.10.0/24").expect("range");
        assert!(net.contains("192.168.10.200".parse().expect("ip")));
        assert!(!net.contains("192.168.11.1".parse().expect("ip")));
        let all = Cidr::parse("0.0.0.0/0").expect("range");
        assert!(all.contains("8.8.8.8".parse().expect("ip")));
    }

    #[test]
    fn every_problem_is_named_by_field() {
        let problems = validate(&form(&[
            ("kind", "toaster"),
            ("ip_addresses", "192.168.1.300"),
            ("mac_addresses", "00:11:22"),
            ("last_patched", "yesterday"),
        ]))
        .expect_err("invalid");
        let fields: Vec<_> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            vec![
                "kind",
                "name",
                "ip_addresses",
                "mac_addresses",
                "last_patched"
            ]
        );
    }
}

//! Devices: their fields and choices (種別, 外部接続, リモート保守, 状態), and the firmware rule
//! that keeps the OS/firmware version in one place beside the device's CPE names.

use super::*;

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
    CREATED_AT,
    UPDATED_AT,
];

pub static DEVICES: RecordKind = RecordKind {
    table: "devices",
    entity: "device",
    base: "/ledger",
    fields: &FIELDS,
    unique: Some("asset_number"),
    settle: Some(settle_firmware_version),
};

/// The device fields a person edits (all but the timestamps).
pub fn editable_fields() -> impl Iterator<Item = &'static Field> {
    DEVICES.editable()
}

pub fn field_label_key(field: &str) -> Option<&'static str> {
    DEVICES.label_key(field)
}

/// Devices are the ledger's main records.
pub type Device = Record;

/// Checks typed device values. Returns the cleaned values, or every problem.
pub fn validate(input: &dyn Fn(&str) -> String) -> Result<Values, Problems> {
    DEVICES.validate(input)
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

/// Keeps a device's firmware version in one place: a version (and update) typed into the
/// firmware CPE moves to the OS/firmware version field (refused only if that field names another
/// release), and the CPE keeps `*`, so updating the version field is all a firmware update needs.
pub(super) fn settle_firmware_version(values: &mut Values, problems: &mut Problems) {
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
    let cpe_version = cpes[i].version.plain();
    let cpe_update = cpes[i].update.plain();
    if cpe_version.is_none() && cpe_update.is_none() {
        return;
    }
    let os_version = get(values, "os_version");
    // Vendor (9.0R3) and NVD (9.0:r3, 9.0r3:*) writings of one release agree; the more precise
    // one is kept in the version field, and the CPE leaves version and update open.
    match mamori_formats::version::device_version(
        &os_version,
        cpe_version.as_deref(),
        cpe_update.as_deref(),
    ) {
        Err(_) => {
            problems.push(("cpes", crate::mkey!("cpe-version-conflict")));
            return;
        }
        Ok(Some(version)) if version != os_version.trim() => {
            set_value(values, "os_version", version)
        }
        Ok(_) => {}
    }
    cpes[i].version = Value::Any;
    cpes[i].update = Value::Any;
    let joined: Vec<String> = cpes.iter().map(|w| w.to_fs()).collect();
    set_value(values, "cpes", joined.join(" "));
}

pub(super) fn set_value(values: &mut Values, field: &'static str, value: String) {
    match values.iter_mut().find(|(k, _)| *k == field) {
        Some(slot) => slot.1 = value,
        None => values.push((field, value)),
    }
}

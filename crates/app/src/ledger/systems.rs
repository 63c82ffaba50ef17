//! Medical information systems (医療情報システム: 電子カルテ, レセコン, PACS…) and network
//! segments. Devices link to both; the diagram and the checklist read them.

use askama::Template;
use axum::extract::State;

use super::model::{
    CREATED_AT, Choice, DEVICES, Field, FieldType, NAME, Record, RecordKind, TEXT, UPDATED_AT,
};
use super::pages::{Section, choice_label};
use super::store;
use crate::kernel::PageResult;
use crate::web::errors::render;
use crate::web::{AppState, Ctx};

pub const YES_NO_UNKNOWN: [Choice; 3] = [
    ("unknown", crate::mkey!("answer-unknown")),
    ("yes", crate::mkey!("answer-yes")),
    ("no", crate::mkey!("answer-no")),
];

pub const IMPORTANCE: [Choice; 3] = [
    ("other", crate::mkey!("importance-other")),
    ("important", crate::mkey!("importance-important")),
    ("essential", crate::mkey!("importance-essential")),
];

pub const SEGMENT_PURPOSES: [Choice; 6] = [
    ("other", crate::mkey!("segment-purpose-other")),
    ("emr", crate::mkey!("segment-purpose-emr")),
    ("medical", crate::mkey!("segment-purpose-medical")),
    ("office", crate::mkey!("segment-purpose-office")),
    ("guest", crate::mkey!("segment-purpose-guest")),
    ("management", crate::mkey!("segment-purpose-management")),
];

pub const SYSTEM_FIELDS: [Field; 10] = [
    ("name", crate::mkey!("system-name"), NAME),
    ("purpose", crate::mkey!("system-purpose"), TEXT),
    (
        "patient_data",
        crate::mkey!("system-patient-data"),
        FieldType::Choice(&YES_NO_UNKNOWN),
    ),
    (
        "sensitive_data",
        crate::mkey!("system-sensitive-data"),
        FieldType::Choice(&YES_NO_UNKNOWN),
    ),
    (
        "owner_department",
        crate::mkey!("system-owner-department"),
        TEXT,
    ),
    ("vendor", crate::mkey!("system-vendor"), TEXT),
    (
        "importance",
        crate::mkey!("system-importance"),
        FieldType::Choice(&IMPORTANCE),
    ),
    ("notes", crate::mkey!("device-notes"), FieldType::LongText),
    CREATED_AT,
    UPDATED_AT,
];

pub static SYSTEMS: RecordKind = RecordKind {
    table: "systems",
    entity: "system",
    base: "/systems",
    fields: &SYSTEM_FIELDS,
    unique: Some("name"),
    settle: None,
};

pub const SEGMENT_FIELDS: [Field; 8] = [
    ("name", crate::mkey!("segment-name"), NAME),
    ("cidrs", crate::mkey!("segment-cidrs"), FieldType::CidrList),
    (
        "vlan",
        crate::mkey!("segment-vlan"),
        FieldType::Text {
            max: 50,
            required: false,
        },
    ),
    (
        "purpose",
        crate::mkey!("segment-purpose"),
        FieldType::Choice(&SEGMENT_PURPOSES),
    ),
    (
        "reaches",
        crate::mkey!("segment-reaches"),
        FieldType::Ref {
            table: "segments",
            multiple: true,
        },
    ),
    ("notes", crate::mkey!("device-notes"), FieldType::LongText),
    CREATED_AT,
    UPDATED_AT,
];

pub static SEGMENTS: RecordKind = RecordKind {
    table: "segments",
    entity: "segment",
    base: "/segments",
    fields: &SEGMENT_FIELDS,
    unique: Some("name"),
    settle: None,
};

pub static SYSTEM_PAGES: Section = Section {
    kind: &SYSTEMS,
    base: "/systems",
    nav: "systems",
    list_key: crate::mkey!("systems-title"),
    new_key: crate::mkey!("system-new"),
    edit_key: crate::mkey!("system-edit"),
};

pub static SEGMENT_PAGES: Section = Section {
    kind: &SEGMENTS,
    base: "/segments",
    nav: "segments",
    list_key: crate::mkey!("segments-title"),
    new_key: crate::mkey!("segment-new"),
    edit_key: crate::mkey!("segment-edit"),
};

/// Whether a device's reference field names this record.
pub fn links_to(device: &Record, field: &str, id: i64) -> bool {
    device
        .get(field)
        .split(' ')
        .any(|part| part.parse::<i64>() == Ok(id))
}

/// The segment a device sits in: the one it names, else the first whose range holds one of its
/// addresses.
pub fn segment_of(device: &Record, segments: &[Record]) -> Option<i64> {
    if let Some(id) = device
        .get("segment")
        .split(' ')
        .find_map(|p| p.parse::<i64>().ok())
    {
        return Some(id);
    }
    let ips: Vec<std::net::IpAddr> = device
        .get("ip_addresses")
        .split(' ')
        .filter_map(|p| p.parse().ok())
        .collect();
    segments
        .iter()
        .find(|s| {
            s.get("cidrs")
                .split(' ')
                .filter_map(super::model::Cidr::parse)
                .any(|net| ips.iter().any(|ip| net.contains(*ip)))
        })
        .map(|s| s.id)
}

pub struct Row {
    pub id: i64,
    pub name: String,
    pub cells: Vec<String>,
    pub devices: usize,
    pub flagged: bool,
}

#[derive(Template)]
#[template(path = "ledger/records.html")]
struct ListPage<'a> {
    c: &'a Ctx,
    title: String,
    intro: String,
    empty: String,
    base: &'static str,
    new_label: String,
    headings: Vec<String>,
    rows: Vec<Row>,
    printed: String,
}

pub async fn list_systems(State(state): State<AppState>, c: Ctx) -> PageResult {
    list(&state, c, &SYSTEM_PAGES).await
}

pub async fn list_segments(State(state): State<AppState>, c: Ctx) -> PageResult {
    list(&state, c, &SEGMENT_PAGES).await
}

async fn list(state: &AppState, c: Ctx, section: &Section) -> PageResult {
    let c = c.active(section.nav);
    let facility_id = c.facility()?;
    let (records, devices) = tokio::try_join!(
        store::list_all(&state.db, section.kind, facility_id),
        store::list_all(&state.db, &DEVICES, facility_id),
    )?;
    let names = store::Names::of(&records);
    let is_systems = section.kind == &SYSTEMS;
    let headings = if is_systems {
        [
            "system-name",
            "system-purpose",
            "system-importance",
            "system-patient-data",
            "system-owner-department",
            "system-vendor",
            "system-devices",
        ]
        .to_vec()
    } else {
        [
            "segment-name",
            "segment-cidrs",
            "segment-vlan",
            "segment-purpose",
            "segment-reaches",
            "segment-devices",
        ]
        .to_vec()
    }
    .into_iter()
    .map(|k| c.t(k))
    .collect();
    let rows = records
        .iter()
        .map(|r| {
            let devices = devices
                .iter()
                .filter(|d| d.get("status") != "retired")
                .filter(|d| {
                    if is_systems {
                        links_to(d, "systems", r.id)
                    } else {
                        segment_of(d, &records) == Some(r.id)
                    }
                })
                .count();
            let cells = if is_systems {
                vec![
                    r.get("purpose").to_string(),
                    choice_label(&c, r, "importance"),
                    choice_label(&c, r, "patient_data"),
                    r.get("owner_department").to_string(),
                    r.get("vendor").to_string(),
                ]
            } else {
                vec![
                    r.get("cidrs").to_string(),
                    r.get("vlan").to_string(),
                    choice_label(&c, r, "purpose"),
                    names.list(r.get("reaches")),
                ]
            };
            Row {
                id: r.id,
                name: r.name().to_string(),
                cells,
                devices,
                flagged: is_systems && r.get("importance") == "essential",
            }
        })
        .collect();
    let (intro, empty) = if is_systems {
        ("systems-intro", "systems-empty")
    } else {
        ("segments-intro", "segments-empty")
    };
    render(&ListPage {
        c: &c,
        title: c.t(section.list_key),
        intro: c.t(intro),
        empty: c.t(empty),
        base: section.base,
        new_label: c.t(section.new_key),
        headings,
        rows,
        printed: c.datetime(&crate::db::now_text()),
    })
}

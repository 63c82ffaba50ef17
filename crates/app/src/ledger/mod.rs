//! Ledger room (台帳): the hospital's devices, medical information systems, network segments and
//! external connection points (checklist 2①②), with discovery, import/export, the network
//! diagram and the yearly stocktake.

pub mod api;
pub mod cards;
pub mod checklist_rules;
mod connection_sync;
pub mod connections;
pub mod diagram;
pub mod diagram_pages;
pub mod discovery;
pub mod discovery_pages;
pub mod discovery_run;
pub mod discovery_store;
pub mod export;
pub mod facts;
pub mod fields_pages;
pub mod import;
pub mod import_pages;
pub mod import_store;
pub mod import_synonyms;
pub mod inspection;
pub mod model;
pub mod pages;
pub mod records;
pub mod stocktake;
pub mod stocktake_pages;
pub mod store;
pub mod systems;

use crate::kernel::Access;
use crate::web::RouteTable;
use crate::web::ctx::NavItem;
use crate::web::room::{AuditLabels, MenuEntry, Room, TabGroup};

fn routes(table: RouteTable) -> RouteTable {
    let table = pages::routes(table);
    let table = discovery_pages::routes(table);
    let table = import_pages::routes(table);
    let table = stocktake_pages::routes(table);
    let table = diagram_pages::routes(table);
    fields_pages::routes(table)
}

static TABS: TabGroup = TabGroup {
    menu_id: "ledger",
    label_key: crate::mkey!("nav-ledger"),
    tabs: &[
        NavItem::new("ledger", "/ledger", crate::mkey!("tab-devices")),
        NavItem::new("systems", "/systems", crate::mkey!("tab-systems")),
        NavItem::new("segments", "/segments", crate::mkey!("tab-segments")),
        NavItem::new("diagram", "/diagram", crate::mkey!("tab-diagram")),
        NavItem::new("stocktake", "/stocktake", crate::mkey!("tab-stocktake")),
        NavItem::new("import", "/ledger/import", crate::mkey!("tab-import")),
    ],
};

/// The label of a changed field of a ledger entity.
fn field_label(entity: &str, field: &str) -> Option<&'static str> {
    match entity {
        "device" | "connection" | "system" | "segment" => {
            model::kind_by_entity(entity)?.label_key(field)
        }
        "scan" => Some(match field {
            "hosts" => crate::mkey!("scan-hosts"),
            _ => crate::mkey!("scan-command"),
        }),
        "discovery" => Some(crate::mkey!("ignore-reason")),
        "custom_field" => Some(match field {
            "record_table" => crate::mkey!("custom-kind"),
            "field_type" => crate::mkey!("custom-type"),
            _ => return None,
        }),
        "stocktake" => Some(match field {
            "confirmed" => crate::mkey!("stocktake-confirmed"),
            "missing" => crate::mkey!("stocktake-missing"),
            "disposed" => crate::mkey!("stocktake-disposed"),
            "unchecked" => crate::mkey!("stocktake-unchecked"),
            "cleared" => crate::mkey!("stocktake-clear"),
            _ => return None,
        }),
        "import" => Some(match field {
            "records" => crate::mkey!("import-records"),
            "new" => crate::mkey!("import-status-new"),
            "changed" => crate::mkey!("import-status-changed"),
            "unchanged" => crate::mkey!("import-status-unchanged"),
            _ => return None,
        }),
        _ => None,
    }
}

/// The label of a choice field's stored code in a ledger record (e.g. `no` → なし).
fn value_label(entity: &str, field: &str, value: &str) -> Option<&'static str> {
    let kind = model::kind_by_entity(entity)?;
    match kind.fields.iter().find(|(f, _, _)| *f == field)?.2 {
        model::FieldType::Choice(choices) => model::choice_label_key(choices, value),
        _ => None,
    }
}

pub static ROOM: Room = Room {
    id: "ledger",
    tables: &[
        "devices",
        "connection_points",
        "systems",
        "segments",
        "custom_fields",
        "scans",
        "discovery_ignores",
        "stocktakes",
        "stocktake_items",
    ],
    routes,
    menu: &[
        MenuEntry {
            id: "ledger",
            href: "/ledger",
            label_key: crate::mkey!("nav-ledger"),
            access: Access::Read,
            order: 10,
        },
        MenuEntry {
            id: "connections",
            href: "/connections",
            label_key: crate::mkey!("nav-connections"),
            access: Access::Read,
            order: 20,
        },
        MenuEntry {
            id: "discovery",
            href: "/discovery",
            label_key: crate::mkey!("nav-discovery"),
            access: Access::Read,
            order: 50,
        },
    ],
    tabs: Some(&TABS),
    cards: Some(cards::cards),
    audit: AuditLabels {
        entities: &[
            ("device", crate::mkey!("entity-device")),
            ("scan", crate::mkey!("entity-scan")),
            ("connection", crate::mkey!("entity-connection")),
            ("system", crate::mkey!("entity-system")),
            ("segment", crate::mkey!("entity-segment")),
            ("stocktake", crate::mkey!("entity-stocktake")),
            ("import", crate::mkey!("entity-import")),
            ("custom_field", crate::mkey!("entity-custom-field")),
            ("discovery", crate::mkey!("entity-discovery")),
        ],
        actions: &[
            ("start", crate::mkey!("action-start")),
            ("check", crate::mkey!("action-check")),
            ("finish", crate::mkey!("action-finish")),
        ],
        field: field_label,
        value: value_label,
        group: |_, _| None,
    },
    records: &[
        &records::DEVICE,
        &records::CONNECTION_POINT,
        &records::SYSTEM,
        &records::SEGMENT,
    ],
    facts: Some(facts::for_checklist),
    rules: &checklist_rules::RULES,
    ..Room::EMPTY
};

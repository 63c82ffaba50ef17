//! Checklist room (MHLW 「医療機関におけるサイバーセキュリティ対策チェックリスト」): item masters
//! as data per version and form, with our guidance per topic; yearly answers with evidence;
//! suggestions from the other rooms' data; the official-layout print, xlsx and the 立入検査 pack.

pub mod answer_store;
pub mod answers;
pub mod api;
pub mod evidence;
mod evidence_pages;
mod form_pages;
pub mod forms;
pub mod master;
pub mod pages;
pub mod print;
mod print_pages;
pub mod rules;
pub mod store;
pub mod view;
pub mod wording;
mod year_pages;

use crate::kernel::Access;
use crate::web::room::{AuditLabels, MenuEntry, Room};

fn field_label(entity: &str, field: &str) -> Option<&'static str> {
    if entity == "checklist" {
        return Some(match field {
            "items" => crate::mkey!("checklist-items"),
            "sha256" => crate::mkey!("checklist-sha256"),
            _ => return None,
        });
    }
    Some(match field {
        "answer1" => crate::mkey!("checklist-col-answer1"),
        "date1" => crate::mkey!("checklist-col-date1"),
        "target_date" => crate::mkey!("checklist-col-target-date"),
        "answer2" => crate::mkey!("checklist-col-answer2"),
        "date2" => crate::mkey!("checklist-col-date2"),
        "remarks" => crate::mkey!("checklist-col-remarks"),
        "confirmed_by" => crate::mkey!("checklist-col-confirmed-by"),
        "gate" => crate::mkey!("checklist-gate"),
        "version" => crate::mkey!("checklist-version"),
        "vendor" => crate::mkey!("checklist-vendor-name"),
        "system_name" => crate::mkey!("checklist-system-name"),
        "file" => crate::mkey!("checklist-file"),
        "sha256" => crate::mkey!("checklist-sha256"),
        "record" | "evidence" => crate::mkey!("checklist-evidence"),
        "text" => crate::mkey!("checklist-col-item"),
        _ => return None,
    })
}

pub static ROOM: Room = Room {
    id: "checklist",
    tables: &[
        "checklist_masters",
        "checklist_forms",
        "checklist_answers",
        "checklist_evidence",
        "checklist_files",
        "checklist_wording",
    ],
    routes: pages::routes,
    menu: &[MenuEntry {
        id: "checklist",
        href: "/checklist",
        label_key: crate::mkey!("nav-checklist"),
        access: Access::VendorSelf,
        order: 30,
    }],
    audit: AuditLabels {
        entities: &[
            ("checklist", crate::mkey!("entity-checklist")),
            ("checklist_form", crate::mkey!("entity-checklist-form")),
            ("checklist_answer", crate::mkey!("entity-checklist-answer")),
            (
                "checklist_evidence",
                crate::mkey!("entity-checklist-evidence"),
            ),
            (
                "checklist_wording",
                crate::mkey!("entity-checklist-wording"),
            ),
        ],
        actions: &[],
        field: field_label,
        value: |_, _, _| None,
        group: |_, _| None,
    },
    ..Room::EMPTY
};

//! Facility & people room: the hospital's profile and its security manager (checklist 1①).

pub mod api;
pub mod cards;
pub mod checklist_rules;
pub mod model;
pub mod pages;
pub mod store;

use crate::kernel::{BoxFuture, Lookup, RefKind, RoomError};
use crate::web::room::{AuditLabels, MenuEntry, Room};

/// The facility profile as other rooms refer to it (the checklist's evidence, its rule).
pub static PROFILE: RefKind = RefKind {
    table: "facilities",
    label_key: crate::mkey!("record-facility-profile"),
    href: |_| "/facility".to_string(),
    lookup: Some(|db, facility_id, _, vendor| {
        Box::pin(async move {
            // The hospital's own profile is no vendor's.
            if vendor.is_some() {
                return Ok(Lookup::None);
            }
            Ok(match store::get(db, facility_id).await? {
                Some(f) => Lookup::One(f.id, f.name),
                None => Lookup::None,
            })
        })
    }),
    needs_reference: false,
};

fn facts(
    db: &crate::db::Db,
    facility_id: i64,
) -> BoxFuture<'_, Result<Box<dyn std::any::Any + Send + Sync>, RoomError>> {
    Box::pin(async move {
        crate::kernel::facts::part(
            store::get(db, facility_id)
                .await
                .map(Option::unwrap_or_default),
        )
    })
}

pub static ROOM: Room = Room {
    id: "facility",
    tables: &["facilities"],
    routes: pages::routes,
    menu: &[MenuEntry {
        id: "facility",
        href: "/facility",
        label_key: crate::mkey!("nav-facility"),
        access: crate::kernel::Access::Read,
        order: 60,
    }],
    cards: Some(cards::cards),
    audit: AuditLabels {
        entities: &[("facility", crate::mkey!("entity-facility"))],
        actions: &[],
        field: |_, field| model::field_label_key(field),
        value: |_, _, _| None,
        group: |_, field| {
            field
                .starts_with("security_manager_")
                .then_some(crate::mkey!("sm-short"))
        },
    },
    records: &[&PROFILE],
    facts: Some(facts),
    rules: &checklist_rules::RULES,
    ..Room::EMPTY
};

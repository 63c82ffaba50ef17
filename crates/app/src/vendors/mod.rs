//! Vendors room (事業者): the vendors a hospital works with. Today it holds their names, which
//! vendor users and vendor checklists refer to; contracts, 責任分界, MDS/SDS and remote
//! maintenance windows come with the vendors issue.

pub mod api;
pub mod store;

use crate::web::room::{AuditLabels, Room};

pub static ROOM: Room = Room {
    id: "vendors",
    tables: &["vendors"],
    audit: AuditLabels {
        entities: &[("vendor", crate::mkey!("entity-vendor"))],
        actions: &[],
        field: |_, field| match field {
            "name" => Some(crate::mkey!("user-vendor")),
            _ => None,
        },
        value: |_, _, _| None,
        group: |_, _| None,
    },
    ..Room::EMPTY
};

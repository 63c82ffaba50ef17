//! The ledger's records as other rooms refer to them: each kind with its page, and how people
//! link one as checklist evidence (by ID number or exact name).

use crate::db::{Db, DbError};
use crate::kernel::{BoxFuture, Lookup, RefKind};

pub static DEVICE: RefKind = RefKind {
    table: "devices",
    label_key: crate::mkey!("entity-device"),
    href: |id| format!("/ledger/{id}"),
    lookup: Some(|db, facility_id, reference| lookup(db, "devices", facility_id, reference)),
    needs_reference: true,
};

pub static CONNECTION_POINT: RefKind = RefKind {
    table: "connection_points",
    label_key: crate::mkey!("entity-connection"),
    href: |id| format!("/connections/{id}"),
    lookup: Some(|db, facility_id, reference| {
        lookup(db, "connection_points", facility_id, reference)
    }),
    needs_reference: true,
};

pub static SYSTEM: RefKind = RefKind {
    table: "systems",
    label_key: crate::mkey!("entity-system"),
    href: |id| format!("/systems/{id}"),
    lookup: Some(|db, facility_id, reference| lookup(db, "systems", facility_id, reference)),
    needs_reference: true,
};

pub static SEGMENT: RefKind = RefKind {
    table: "segments",
    label_key: crate::mkey!("entity-segment"),
    href: |id| format!("/segments/{id}"),
    lookup: None,
    needs_reference: true,
};

/// One record of `table` (one of the ledger's own) by ID number or exact name.
fn lookup<'a>(
    db: &'a Db,
    table: &'static str,
    facility_id: i64,
    reference: &'a str,
) -> BoxFuture<'a, Result<Lookup, DbError>> {
    Box::pin(async move {
        let sql = format!(
            "SELECT id, name FROM {table} WHERE facility_id = $1 AND (name = $2 OR CAST(id AS TEXT) = $2) ORDER BY id LIMIT 2"
        );
        let found: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(facility_id)
            .bind(reference.trim().to_string())
            .fetch_all(db.pool())
            .await?;
        Ok(match found.as_slice() {
            [(id, name)] => Lookup::One(*id, name.clone()),
            [] => Lookup::None,
            _ => Lookup::Many,
        })
    })
}

//! The ledger's records as other rooms refer to them: each kind with its page, and how people
//! link one as checklist evidence (by ID number or exact name).

use crate::db::{Db, DbError};
use crate::kernel::{BoxFuture, Lookup, RefKind};

pub static DEVICE: RefKind = RefKind {
    table: "devices",
    label_key: crate::mkey!("entity-device"),
    href: |id| format!("/ledger/{id}"),
    lookup: Some(|db, facility_id, reference, vendor| {
        lookup(
            db,
            ("devices", "maintenance_vendor"),
            facility_id,
            reference,
            vendor,
        )
    }),
    needs_reference: true,
};

pub static CONNECTION_POINT: RefKind = RefKind {
    table: "connection_points",
    label_key: crate::mkey!("entity-connection"),
    href: |id| format!("/connections/{id}"),
    lookup: Some(|db, facility_id, reference, vendor| {
        lookup(
            db,
            ("connection_points", "managed_by"),
            facility_id,
            reference,
            vendor,
        )
    }),
    needs_reference: true,
};

pub static SYSTEM: RefKind = RefKind {
    table: "systems",
    label_key: crate::mkey!("entity-system"),
    href: |id| format!("/systems/{id}"),
    lookup: Some(|db, facility_id, reference, vendor| {
        lookup(db, ("systems", "vendor"), facility_id, reference, vendor)
    }),
    needs_reference: true,
};

pub static SEGMENT: RefKind = RefKind {
    table: "segments",
    label_key: crate::mkey!("entity-segment"),
    href: |id| format!("/segments/{id}"),
    lookup: None,
    needs_reference: true,
};

/// One record of `table` (one of the ledger's own) by ID number or exact name; for a vendor,
/// only one whose vendor column (保守業者, 事業者, 管理者) names that vendor.
fn lookup<'a>(
    db: &'a Db,
    (table, vendor_column): (&'static str, &'static str),
    facility_id: i64,
    reference: &'a str,
    vendor: Option<&'a str>,
) -> BoxFuture<'a, Result<Lookup, DbError>> {
    Box::pin(async move {
        let scope = if vendor.is_some() {
            format!(" AND TRIM({vendor_column}) = $3")
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT id, name FROM {table} WHERE facility_id = $1 AND (name = $2 OR CAST(id AS TEXT) = $2){scope} ORDER BY id LIMIT 2"
        );
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(facility_id)
            .bind(reference.trim().to_string());
        if let Some(vendor) = vendor {
            query = query.bind(vendor.trim().to_string());
        }
        let found: Vec<(i64, String)> = query.fetch_all(db.pool()).await?;
        Ok(match found.as_slice() {
            [(id, name)] => Lookup::One(*id, name.clone()),
            [] => Lookup::None,
            _ => Lookup::Many,
        })
    })
}

//! Vendors (事業者) in the database: for now their names, made on first use by a vendor user or a
//! vendor's checklist. Contracts, 責任分界 and remote maintenance come with the vendors issue.

use std::collections::HashMap;

use crate::db::audit::{self, Event};
use crate::db::{Db, DbResult, WriteTx, now_text, placeholders};
use crate::kernel::Actor;

/// The vendor record of this name (a vendor user's, a vendor checklist's), created on first use.
pub async fn for_name(
    w: &mut WriteTx,
    actor: &Actor,
    facility_id: i64,
    name: &str,
) -> DbResult<i64> {
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT id FROM vendors WHERE facility_id = $1 AND name = $2")
            .bind(facility_id)
            .bind(name.to_string())
            .fetch_optional(&mut *w.tx)
            .await?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO vendors (facility_id, name, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(facility_id)
    .bind(name.to_string())
    .bind(now_text())
    .fetch_one(&mut *w.tx)
    .await?;
    audit::append(
        w,
        actor,
        Event::new("create", "vendor", id)
            .label(name)
            .change("name", "", name),
    )
    .await?;
    Ok(id)
}

/// The names of these vendors, by ID.
pub async fn names(db: &Db, ids: &[i64]) -> DbResult<HashMap<i64, String>> {
    let mut ids: Vec<i64> = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT id, name FROM vendors WHERE id IN ({})",
        placeholders(db.backend(), 1, ids.len())
    );
    let mut query = sqlx::query_as::<_, (i64, String)>(sqlx::AssertSqlSafe(sql));
    for id in &ids {
        query = query.bind(*id);
    }
    Ok(query.fetch_all(db.pool()).await?.into_iter().collect())
}

/// The ID of the vendor of this name in a facility, if there is one.
pub async fn find(db: &Db, facility_id: i64, name: &str) -> DbResult<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM vendors WHERE facility_id = $1 AND name = $2")
            .bind(facility_id)
            .bind(name.to_string())
            .fetch_optional(db.pool())
            .await?,
    )
}

//! The facility profile in the database; every change is audited field by field.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::model::Facility;
use crate::db::audit::{self, Event, diff};
use crate::db::{Db, DbResult, WriteTx, now_text};
use crate::kernel::{Actor, Forbidden, Permission, RoomError};

const COLUMNS: &str = "id, name, founder, address, beds, director, security_manager_name, security_manager_role, security_manager_appointed_on, security_manager_approved_by, security_manager_approved_on, security_manager_scope, require_totp, updated_at";

fn from_row(row: &AnyRow) -> Result<Facility, sqlx::Error> {
    Ok(Facility {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        founder: row.try_get("founder")?,
        address: row.try_get("address")?,
        beds: row.try_get("beds")?,
        director: row.try_get("director")?,
        security_manager_name: row.try_get("security_manager_name")?,
        security_manager_role: row.try_get("security_manager_role")?,
        security_manager_appointed_on: row.try_get("security_manager_appointed_on")?,
        security_manager_approved_by: row.try_get("security_manager_approved_by")?,
        security_manager_approved_on: row.try_get("security_manager_approved_on")?,
        security_manager_scope: row.try_get("security_manager_scope")?,
        require_totp: row.try_get::<i64, _>("require_totp")? != 0,
        updated_at: row.try_get("updated_at")?,
    })
}

pub async fn get(db: &Db, id: i64) -> DbResult<Option<Facility>> {
    let sql = format!("SELECT {COLUMNS} FROM facilities WHERE id = $1");
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .as_ref()
        .map(from_row)
        .transpose()?)
}

/// The facility of a single-hospital installation (the first one), if set up.
pub async fn first(db: &Db) -> DbResult<Option<Facility>> {
    let sql = format!("SELECT {COLUMNS} FROM facilities ORDER BY id LIMIT 1");
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_optional(db.pool())
        .await?
        .as_ref()
        .map(from_row)
        .transpose()?)
}

pub async fn insert(w: &mut WriteTx, actor: &Actor, name: &str) -> DbResult<i64> {
    let now = now_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO facilities (name, created_at, updated_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(name.to_string())
    .bind(now.clone())
    .bind(now)
    .fetch_one(&mut *w.tx)
    .await?;
    audit::append(
        w,
        actor,
        Event::new("create", "facility", id)
            .label(name)
            .change("name", "", name),
    )
    .await?;
    Ok(id)
}

#[derive(Debug, thiserror::Error)]
pub enum FacilityError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("the facility was changed by someone else meanwhile")]
    Conflict,
    #[error("facility not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

impl From<sqlx::Error> for FacilityError {
    fn from(e: sqlx::Error) -> Self {
        FacilityError::Db(e.into())
    }
}

/// Saves the profile. `seen_updated_at` is the version the user edited: if someone saved in
/// between, nothing is written and the user is asked to look again.
pub async fn update(
    db: &Db,
    actor: &Actor,
    new: &Facility,
    seen_updated_at: &str,
) -> Result<bool, FacilityError> {
    actor.require(Permission::Edit)?;
    if actor.facility_id != Some(new.id) {
        return Err(FacilityError::NotFound);
    }
    let mut w = db.write().await?;
    let sql = format!("SELECT {COLUMNS} FROM facilities WHERE id = $1");
    let current = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(new.id)
        .fetch_optional(&mut *w.tx)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()?
        .ok_or(FacilityError::NotFound)?;
    if current.updated_at != seen_updated_at {
        return Err(FacilityError::Conflict);
    }
    let changes = diff(&current.audit_values(), &new.audit_values());
    if changes.is_empty() {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE facilities SET name = $1, founder = $2, address = $3, beds = $4, director = $5, security_manager_name = $6, security_manager_role = $7, security_manager_appointed_on = $8, security_manager_approved_by = $9, security_manager_approved_on = $10, security_manager_scope = $11, updated_at = $12 WHERE id = $13",
    )
    .bind(new.name.clone())
    .bind(new.founder.clone())
    .bind(new.address.clone())
    .bind(new.beds)
    .bind(new.director.clone())
    .bind(new.security_manager_name.clone())
    .bind(new.security_manager_role.clone())
    .bind(new.security_manager_appointed_on.clone())
    .bind(new.security_manager_approved_by.clone())
    .bind(new.security_manager_approved_on.clone())
    .bind(new.security_manager_scope.clone())
    .bind(now_text())
    .bind(new.id)
    .execute(&mut *w.tx)
    .await?;
    audit::commit_with(
        w,
        actor,
        Event::new("update", "facility", new.id)
            .label(new.name.clone())
            .changes(changes),
    )
    .await?;
    Ok(true)
}

/// Whether every user must use two-factor authentication (administrators only).
pub async fn set_require_totp(db: &Db, actor: &Actor, required: bool) -> Result<(), FacilityError> {
    actor.require(Permission::Administer)?;
    let id = actor.facility_id.ok_or(FacilityError::NotFound)?;
    let current = get(db, id).await?.ok_or(FacilityError::NotFound)?;
    if current.require_totp == required {
        return Ok(());
    }
    let mut w = db.write().await?;
    sqlx::query("UPDATE facilities SET require_totp = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(required))
        .bind(now_text())
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
    let text = |b: bool| if b { "yes" } else { "no" };
    audit::commit_with(
        w,
        actor,
        Event::new("update", "facility", id)
            .label(current.name)
            .change("require_totp", text(current.require_totp), text(required)),
    )
    .await?;
    Ok(())
}

/// Every facility's ID (one today; a hospital group later).
pub async fn ids(db: &Db) -> DbResult<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM facilities ORDER BY id")
        .fetch_all(db.pool())
        .await?)
}

impl From<FacilityError> for RoomError {
    fn from(e: FacilityError) -> Self {
        match e {
            FacilityError::NotFound => RoomError::NotFound,
            FacilityError::Forbidden(_) => RoomError::Forbidden,
            FacilityError::Conflict => RoomError::Conflict,
            other => RoomError::internal(other),
        }
    }
}

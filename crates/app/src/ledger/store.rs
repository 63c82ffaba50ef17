//! Devices in the database; every change is audited field by field.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::model::{Device, editable_fields};
use crate::db::audit::{self, Event, diff};
use crate::db::{Db, DbError, now_text};
use crate::users::model::{Actor, Forbidden, Permission};

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("{field}: {key}")]
    Invalid {
        field: &'static str,
        key: &'static str,
    },
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("the device was changed by someone else meanwhile")]
    Conflict,
    #[error("device not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for LedgerError {
    fn from(e: sqlx::Error) -> Self {
        LedgerError::Db(e.into())
    }
}

fn columns() -> String {
    let editable: Vec<&str> = editable_fields().map(|(f, _, _)| *f).collect();
    format!(
        "id, facility_id, {}, created_at, updated_at",
        editable.join(", ")
    )
}

fn from_row(row: &AnyRow) -> Result<Device, sqlx::Error> {
    let mut values = Vec::new();
    for (field, _, _) in editable_fields() {
        values.push((*field, row.try_get::<String, _>(*field)?));
    }
    Ok(Device {
        id: row.try_get("id")?,
        facility_id: row.try_get("facility_id")?,
        values,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// List filters; empty strings mean "any".
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: String,
    pub department: String,
    pub status: String,
    /// Words matched against name, hostname, IP, asset number, location.
    pub text: String,
}

pub async fn list(db: &Db, facility_id: i64, filter: &Filter) -> Result<Vec<Device>, LedgerError> {
    let mut sql = format!("SELECT {} FROM devices WHERE facility_id = $1", columns());
    let mut binds: Vec<String> = Vec::new();
    for (column, value) in [
        ("kind", &filter.kind),
        ("department", &filter.department),
        ("status", &filter.status),
    ] {
        if !value.is_empty() {
            binds.push(value.clone());
            sql.push_str(&format!(" AND {column} = ${}", binds.len() + 1));
        }
    }
    for word in filter.text.split_whitespace().take(5) {
        binds.push(format!("%{}%", word.to_lowercase()));
        let n = binds.len() + 1;
        sql.push_str(&format!(
            " AND (LOWER(name) LIKE ${n} OR LOWER(hostname) LIKE ${n} OR ip_addresses LIKE ${n} OR LOWER(asset_number) LIKE ${n} OR LOWER(location) LIKE ${n})"
        ));
    }
    sql.push_str(" ORDER BY kind, name, id");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(facility_id);
    for b in binds {
        query = query.bind(b);
    }
    let rows = query.fetch_all(db.pool()).await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

pub async fn get(db: &Db, facility_id: i64, id: i64) -> Result<Device, LedgerError> {
    let sql = format!(
        "SELECT {} FROM devices WHERE id = $1 AND facility_id = $2",
        columns()
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(facility_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(LedgerError::NotFound)?;
    Ok(from_row(&row)?)
}

/// Departments in use, for the filter menu.
pub async fn departments(db: &Db, facility_id: i64) -> Result<Vec<String>, LedgerError> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT department FROM devices WHERE facility_id = $1 AND department <> '' ORDER BY department",
    )
    .bind(facility_id)
    .fetch_all(db.pool())
    .await?)
}

async fn asset_number_taken(
    w: &mut crate::db::WriteTx,
    facility_id: i64,
    asset_number: &str,
    except: i64,
) -> Result<bool, sqlx::Error> {
    if asset_number.is_empty() {
        return Ok(false);
    }
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM devices WHERE facility_id = $1 AND asset_number = $2 AND id <> $3",
    )
    .bind(facility_id)
    .bind(asset_number.to_string())
    .bind(except)
    .fetch_optional(&mut *w.tx)
    .await?;
    Ok(found.is_some())
}

fn facility_of(actor: &Actor) -> Result<i64, LedgerError> {
    actor.facility_id.ok_or(LedgerError::NotFound)
}

/// Registers a device from cleaned values (see [`super::model::validate`]).
pub async fn create(
    db: &Db,
    actor: &Actor,
    values: &[(&'static str, String)],
) -> Result<i64, LedgerError> {
    actor.require(Permission::Edit)?;
    let facility_id = facility_of(actor)?;
    let device = Device {
        values: values.to_vec(),
        ..Device::default()
    };
    let mut w = db.write().await?;
    if asset_number_taken(&mut w, facility_id, device.get("asset_number"), 0).await? {
        return Err(LedgerError::Invalid {
            field: "asset_number",
            key: crate::mkey!("asset-number-taken"),
        });
    }
    let names: Vec<&str> = values.iter().map(|(f, _)| *f).collect();
    let placeholders: Vec<String> = (0..values.len() + 3)
        .map(|i| format!("${}", i + 1))
        .collect();
    let sql = format!(
        "INSERT INTO devices (facility_id, {}, created_at, updated_at) VALUES ({}) RETURNING id",
        names.join(", "),
        placeholders.join(", ")
    );
    let now = now_text();
    let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).bind(facility_id);
    for (_, v) in values {
        query = query.bind(v.clone());
    }
    let id = query
        .bind(now.clone())
        .bind(now)
        .fetch_one(&mut *w.tx)
        .await?;
    let empty: Vec<(&str, String)> = Vec::new();
    let changes = diff(&empty, values);
    audit::append(
        &mut w,
        actor,
        Event::new("create", "device", id)
            .label(device.name())
            .changes(changes),
    )
    .await?;
    w.commit().await?;
    Ok(id)
}

/// Saves edits. `seen_updated_at` is the version the user edited; a newer save in between is a
/// conflict and nothing is written.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: i64,
    values: &[(&'static str, String)],
    seen_updated_at: &str,
) -> Result<bool, LedgerError> {
    actor.require(Permission::Edit)?;
    let facility_id = facility_of(actor)?;
    let mut w = db.write().await?;
    let sql = format!(
        "SELECT {} FROM devices WHERE id = $1 AND facility_id = $2",
        columns()
    );
    let current = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(facility_id)
        .fetch_optional(&mut *w.tx)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()?
        .ok_or(LedgerError::NotFound)?;
    if current.updated_at != seen_updated_at {
        return Err(LedgerError::Conflict);
    }
    let new = Device {
        values: values.to_vec(),
        ..Device::default()
    };
    if asset_number_taken(&mut w, facility_id, new.get("asset_number"), id).await? {
        return Err(LedgerError::Invalid {
            field: "asset_number",
            key: crate::mkey!("asset-number-taken"),
        });
    }
    let changes = diff(&current.values, values);
    if changes.is_empty() {
        return Ok(false);
    }
    let sets: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, (f, _))| format!("{f} = ${}", i + 1))
        .collect();
    let n = values.len();
    let sql = format!(
        "UPDATE devices SET {}, updated_at = ${} WHERE id = ${} AND facility_id = ${}",
        sets.join(", "),
        n + 1,
        n + 2,
        n + 3
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (_, v) in values {
        query = query.bind(v.clone());
    }
    query
        .bind(now_text())
        .bind(id)
        .bind(facility_id)
        .execute(&mut *w.tx)
        .await?;
    audit::append(
        &mut w,
        actor,
        Event::new("update", "device", id)
            .label(new.name())
            .changes(changes),
    )
    .await?;
    w.commit().await?;
    Ok(true)
}

/// What the dashboard and, later, the checklist need to know about the ledger.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Devices not retired.
    pub in_use: i64,
    pub by_kind: Vec<(&'static str, i64)>,
    /// In-use devices lacking OS/firmware version, location or manager.
    pub missing_key_fields: i64,
    /// In-use devices not confirmed (stocktake) within the last 12 months.
    pub not_confirmed_12_months: i64,
}

pub async fn summary(db: &Db, facility_id: i64) -> Result<Summary, LedgerError> {
    let devices = list(db, facility_id, &Filter::default()).await?;
    let in_use: Vec<&Device> = devices
        .iter()
        .filter(|d| d.get("status") != "retired")
        .collect();
    let year_ago = (chrono::Utc::now() - chrono::Duration::days(365))
        .format("%Y-%m-%d")
        .to_string();
    Ok(Summary {
        in_use: in_use.len() as i64,
        by_kind: super::model::KINDS
            .iter()
            .map(|(kind, _)| {
                (
                    *kind,
                    in_use.iter().filter(|d| d.get("kind") == *kind).count() as i64,
                )
            })
            .collect(),
        missing_key_fields: in_use
            .iter()
            .filter(|d| !d.missing_key_fields().is_empty())
            .count() as i64,
        not_confirmed_12_months: in_use
            .iter()
            .filter(|d| {
                d.get("last_confirmed").is_empty() || d.get("last_confirmed") < year_ago.as_str()
            })
            .count() as i64,
    })
}

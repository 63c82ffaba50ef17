//! 棚卸 (stocktake): walk the hospital with the list, tick each device as seen, missing or
//! disposed, then finish. Finishing sets 最終確認日 of every confirmed device to that day and
//! marks disposed ones 廃棄済; missing ones stay as they are, listed for follow-up.

use sqlx::Row;

use super::model::{DEVICES, Record};
use super::store::{LedgerError, facility_of, fetch_all_records};
use crate::db::audit::{self, Event};
use crate::db::{Db, now_text};
use crate::kernel::{Actor, Permission};

pub const RESULTS: [(&str, &str); 3] = [
    ("confirmed", crate::mkey!("stocktake-confirmed")),
    ("missing", crate::mkey!("stocktake-missing")),
    ("disposed", crate::mkey!("stocktake-disposed")),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stocktake {
    pub id: i64,
    pub started_at: String,
    pub started_by: String,
    pub finished_at: String,
    pub finished_by: String,
    pub confirmed: i64,
    pub missing: i64,
    pub disposed: i64,
}

impl Stocktake {
    pub fn is_open(&self) -> bool {
        self.finished_at.is_empty()
    }
}

/// One device's result in a stocktake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub device_id: i64,
    pub result: String,
    pub checked_by: String,
    pub checked_at: String,
}

/// The facility's stocktakes, newest first, with their counts.
pub async fn list(db: &Db, facility_id: i64) -> Result<Vec<Stocktake>, LedgerError> {
    let rows = sqlx::query(
        "SELECT s.id, s.started_at, s.started_by, s.finished_at, s.finished_by,
            (SELECT COUNT(*) FROM stocktake_items i WHERE i.stocktake_id = s.id AND i.result = 'confirmed') AS confirmed,
            (SELECT COUNT(*) FROM stocktake_items i WHERE i.stocktake_id = s.id AND i.result = 'missing') AS missing,
            (SELECT COUNT(*) FROM stocktake_items i WHERE i.stocktake_id = s.id AND i.result = 'disposed') AS disposed
         FROM stocktakes s WHERE s.facility_id = $1 ORDER BY s.id DESC",
    )
    .bind(facility_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Stocktake {
                id: r.try_get("id")?,
                started_at: r.try_get("started_at")?,
                started_by: r.try_get("started_by")?,
                finished_at: r.try_get("finished_at")?,
                finished_by: r.try_get("finished_by")?,
                confirmed: r.try_get("confirmed")?,
                missing: r.try_get("missing")?,
                disposed: r.try_get("disposed")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

pub async fn get(db: &Db, facility_id: i64, id: i64) -> Result<Stocktake, LedgerError> {
    list(db, facility_id)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(LedgerError::NotFound)
}

/// When the last finished stocktake ended, if any (for the checklist).
pub async fn last_finished(db: &Db, facility_id: i64) -> Result<Option<String>, LedgerError> {
    Ok(sqlx::query_scalar(
        "SELECT MAX(finished_at) FROM stocktakes WHERE facility_id = $1 AND finished_at <> ''",
    )
    .bind(facility_id)
    .fetch_one(db.pool())
    .await?)
}

pub async fn checks(db: &Db, stocktake_id: i64) -> Result<Vec<Check>, LedgerError> {
    let rows = sqlx::query(
        "SELECT device_id, result, checked_by, checked_at FROM stocktake_items WHERE stocktake_id = $1",
    )
    .bind(stocktake_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Check {
                device_id: r.try_get("device_id")?,
                result: r.try_get("result")?,
                checked_by: r.try_get("checked_by")?,
                checked_at: r.try_get("checked_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Starts a stocktake; refused while another is open.
pub async fn start(db: &Db, actor: &Actor) -> Result<i64, LedgerError> {
    actor.require(Permission::Edit)?;
    let facility_id = facility_of(actor)?;
    let mut w = db.write().await?;
    let open: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM stocktakes WHERE facility_id = $1 AND finished_at = '' LIMIT 1",
    )
    .bind(facility_id)
    .fetch_optional(&mut *w.tx)
    .await?;
    if let Some(id) = open {
        return Ok(id);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO stocktakes (facility_id, started_at, started_by) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(facility_id)
    .bind(now_text())
    .bind(actor.name.clone())
    .fetch_one(&mut *w.tx)
    .await?;
    audit::commit_with(w, actor, Event::new("start", "stocktake", id)).await?;
    Ok(id)
}

async fn open_stocktake(
    w: &mut crate::db::WriteTx,
    facility_id: i64,
    id: i64,
) -> Result<(), LedgerError> {
    let finished: Option<String> =
        sqlx::query_scalar("SELECT finished_at FROM stocktakes WHERE id = $1 AND facility_id = $2")
            .bind(id)
            .bind(facility_id)
            .fetch_optional(&mut *w.tx)
            .await?;
    match finished {
        None => Err(LedgerError::NotFound),
        Some(f) if !f.is_empty() => Err(LedgerError::Conflict),
        Some(_) => Ok(()),
    }
}

/// Records the result for devices (replacing an earlier result); "" clears it.
pub async fn check(
    db: &Db,
    actor: &Actor,
    id: i64,
    device_ids: &[i64],
    result: &str,
) -> Result<usize, LedgerError> {
    actor.require(Permission::Edit)?;
    let facility_id = facility_of(actor)?;
    if !result.is_empty() && !RESULTS.iter().any(|(r, _)| *r == result) {
        return Err(LedgerError::Invalid {
            field: "result",
            key: crate::mkey!("choice-invalid"),
        });
    }
    let mut w = db.write().await?;
    open_stocktake(&mut w, facility_id, id).await?;
    let devices = fetch_all_records(&mut *w.tx, &DEVICES, facility_id).await?;
    let now = now_text();
    let mut names = Vec::new();
    for device_id in device_ids {
        let Some(device) = devices.iter().find(|d| d.id == *device_id) else {
            return Err(LedgerError::Invalid {
                field: "device",
                key: crate::mkey!("ref-unknown"),
            });
        };
        sqlx::query("DELETE FROM stocktake_items WHERE stocktake_id = $1 AND device_id = $2")
            .bind(id)
            .bind(device_id)
            .execute(&mut *w.tx)
            .await?;
        if !result.is_empty() {
            sqlx::query(
                "INSERT INTO stocktake_items (stocktake_id, device_id, result, checked_by, checked_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(device_id)
            .bind(result.to_string())
            .bind(actor.name.clone())
            .bind(now.clone())
            .execute(&mut *w.tx)
            .await?;
        }
        names.push(device.name().to_string());
    }
    if names.is_empty() {
        return Ok(0);
    }
    audit::commit_with(
        w,
        actor,
        Event::new("check", "stocktake", id).change(
            if result.is_empty() { "cleared" } else { result },
            "",
            names.join("、"),
        ),
    )
    .await?;
    Ok(names.len())
}

/// What finishing changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Finished {
    pub confirmed: usize,
    pub disposed: usize,
    /// Devices in use that were marked missing or not checked at all.
    pub missing: Vec<Record>,
    pub unchecked: Vec<Record>,
}

/// Finishes the stocktake on `date` (YYYY-MM-DD, the hospital's day): confirmed devices get it
/// as 最終確認日, disposed ones become 廃棄済; every change is audited.
pub async fn finish(db: &Db, actor: &Actor, id: i64, date: &str) -> Result<Finished, LedgerError> {
    actor.require(Permission::Edit)?;
    let facility_id = facility_of(actor)?;
    let mut w = db.write().await?;
    open_stocktake(&mut w, facility_id, id).await?;
    let devices = fetch_all_records(&mut *w.tx, &DEVICES, facility_id).await?;
    let results: Vec<(i64, String)> =
        sqlx::query_as("SELECT device_id, result FROM stocktake_items WHERE stocktake_id = $1")
            .bind(id)
            .fetch_all(&mut *w.tx)
            .await?;
    let now = now_text();
    let mut events = Vec::new();
    let mut outcome = Finished::default();
    for device in &devices {
        let result = results
            .iter()
            .find(|(d, _)| *d == device.id)
            .map(|(_, r)| r.as_str());
        let mut changes: Vec<(&str, String, String)> = Vec::new();
        match result {
            Some("confirmed") => {
                outcome.confirmed += 1;
                if device.get("last_confirmed") != date {
                    changes.push((
                        "last_confirmed",
                        device.get("last_confirmed").into(),
                        date.into(),
                    ));
                }
            }
            Some("disposed") => {
                outcome.disposed += 1;
                if device.get("status") != "retired" {
                    changes.push(("status", device.get("status").into(), "retired".into()));
                }
                if device.get("last_confirmed") != date {
                    changes.push((
                        "last_confirmed",
                        device.get("last_confirmed").into(),
                        date.into(),
                    ));
                }
            }
            Some(_) if device.get("status") != "retired" => outcome.missing.push(device.clone()),
            None if device.get("status") != "retired" => outcome.unchecked.push(device.clone()),
            _ => {}
        }
        if changes.is_empty() {
            continue;
        }
        let sets: Vec<String> = changes
            .iter()
            .enumerate()
            .map(|(i, (f, _, _))| format!("{f} = ${}", i + 1))
            .collect();
        let n = changes.len();
        let sql = format!(
            "UPDATE devices SET {}, updated_at = ${} WHERE id = ${} AND facility_id = ${}",
            sets.join(", "),
            n + 1,
            n + 2,
            n + 3
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (_, _, after) in &changes {
            query = query.bind(after.clone());
        }
        query
            .bind(now.clone())
            .bind(device.id)
            .bind(facility_id)
            .execute(&mut *w.tx)
            .await?;
        let mut event = Event::new("update", "device", device.id).label(device.name());
        for (field, before, after) in changes {
            event = event.change(field, before, after);
        }
        events.push(event);
    }
    sqlx::query("UPDATE stocktakes SET finished_at = $1, finished_by = $2 WHERE id = $3")
        .bind(now)
        .bind(actor.name.clone())
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
    events.push(
        Event::new("finish", "stocktake", id)
            .change("confirmed", "", outcome.confirmed.to_string())
            .change("disposed", "", outcome.disposed.to_string())
            .change("missing", "", outcome.missing.len().to_string())
            .change("unchecked", "", outcome.unchecked.len().to_string()),
    );
    audit::append_many(&mut w, actor, events).await?;
    w.commit().await?;
    Ok(outcome)
}

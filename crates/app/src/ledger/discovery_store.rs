//! Scans and known-address marks in the database, and the diff of a stored scan.

use std::collections::{HashMap, HashSet};

use sqlx::Row;

use super::discovery::{self, Diff, SeenHost};
use crate::db::audit::{self, Event};
use crate::db::{Db, DbError, now_text};
use crate::kernel::{Actor, Forbidden, Permission, RoomError};
use mamori_formats::nmap::{self, NmapError};

#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("{0}")]
    Parse(#[from] NmapError),
    #[error("{field}: {key}")]
    Invalid {
        field: &'static str,
        key: &'static str,
    },
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("scan not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Ledger(#[from] super::store::LedgerError),
}

impl From<sqlx::Error> for DiscoveryError {
    fn from(e: sqlx::Error) -> Self {
        DiscoveryError::Db(e.into())
    }
}

#[derive(Debug, Clone)]
pub struct ScanInfo {
    pub id: i64,
    pub file_name: String,
    pub nmap_args: String,
    pub scanned_at: String,
    pub imported_at: String,
    pub imported_by: String,
    pub host_count: i64,
}

const SCAN_COLUMNS: &str =
    "id, file_name, nmap_args, scanned_at, imported_at, imported_by, host_count";

fn info(row: &sqlx::any::AnyRow) -> Result<ScanInfo, sqlx::Error> {
    Ok(ScanInfo {
        id: row.try_get("id")?,
        file_name: row.try_get("file_name")?,
        nmap_args: row.try_get("nmap_args")?,
        scanned_at: row.try_get("scanned_at")?,
        imported_at: row.try_get("imported_at")?,
        imported_by: row.try_get("imported_by")?,
        host_count: row.try_get("host_count")?,
    })
}

fn facility_of(actor: &Actor) -> Result<i64, DiscoveryError> {
    actor.facility_id.ok_or(DiscoveryError::NotFound)
}

/// Parses an nmap XML file and keeps what it saw. Nothing is stored if the file is refused.
pub async fn record_scan(
    db: &Db,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
) -> Result<i64, DiscoveryError> {
    actor.require(Permission::Edit)?;
    let facility_id = facility_of(actor)?;
    let scan = nmap::parse(bytes)?;
    let hosts = SeenHost::from_scan(&scan);
    let scanned_at = scan
        .started_at
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(crate::db::time_text)
        .unwrap_or_default();
    let file_name: String = file_name.chars().take(200).collect();
    let json = serde_json::to_string(&hosts).unwrap_or_else(|_| "[]".into());
    let mut w = db.write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO scans (facility_id, source, file_name, nmap_args, scanned_at, imported_at, imported_by, host_count, hosts) VALUES ($1, 'nmap-xml', $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(facility_id)
    .bind(file_name.clone())
    .bind(scan.args.chars().take(1000).collect::<String>())
    .bind(scanned_at)
    .bind(now_text())
    .bind(actor.name.clone())
    .bind(hosts.len() as i64)
    .bind(json)
    .fetch_one(&mut *w.tx)
    .await?;
    audit::commit_with(
        w,
        actor,
        Event::new("import", "scan", id)
            .label(file_name)
            .change("hosts", "", hosts.len().to_string())
            .change("nmap_args", "", scan.args.clone()),
    )
    .await?;
    Ok(id)
}

pub async fn scans(db: &Db, facility_id: i64) -> Result<Vec<ScanInfo>, DiscoveryError> {
    let sql = format!(
        "SELECT {SCAN_COLUMNS} FROM scans WHERE facility_id = $1 ORDER BY id DESC LIMIT 200"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(facility_id)
        .fetch_all(db.pool())
        .await?;
    Ok(rows.iter().map(info).collect::<Result<_, _>>()?)
}

async fn hosts_of(
    db: &Db,
    facility_id: i64,
    id: i64,
) -> Result<Option<(ScanInfo, Vec<SeenHost>)>, DiscoveryError> {
    let sql = format!("SELECT {SCAN_COLUMNS}, hosts FROM scans WHERE facility_id = $1 AND id = $2");
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(facility_id)
        .bind(id)
        .fetch_optional(db.pool())
        .await?
    else {
        return Ok(None);
    };
    let hosts: Vec<SeenHost> =
        serde_json::from_str(&row.try_get::<String, _>("hosts")?).unwrap_or_default();
    Ok(Some((info(&row)?, hosts)))
}

#[derive(Debug, Clone)]
pub struct Ignore {
    pub address: String,
    pub reason: String,
    pub created_by: String,
    pub created_at: String,
}

pub async fn ignores(db: &Db, facility_id: i64) -> Result<Vec<Ignore>, DiscoveryError> {
    let rows = sqlx::query(
        "SELECT address, reason, created_by, created_at FROM discovery_ignores WHERE facility_id = $1 ORDER BY address",
    )
    .bind(facility_id)
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::new();
    for row in rows {
        out.push(Ignore {
            address: row.try_get("address")?,
            reason: row.try_get("reason")?,
            created_by: row.try_get("created_by")?,
            created_at: row.try_get("created_at")?,
        });
    }
    Ok(out)
}

/// Marks an address (IP or MAC) as known, with the reason it needs no ledger entry.
pub async fn add_ignore(
    db: &Db,
    actor: &Actor,
    address: &str,
    reason: &str,
) -> Result<(), DiscoveryError> {
    add_ignores(db, actor, &[address], reason).await
}

/// Marks hosts (IP or MAC addresses) as known, with one reason: all of them or none.
pub async fn add_ignores(
    db: &Db,
    actor: &Actor,
    addresses: &[&str],
    reason: &str,
) -> Result<(), DiscoveryError> {
    actor.require(Permission::Edit)?;
    let facility_id = facility_of(actor)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(DiscoveryError::Invalid {
            field: "reason",
            key: crate::mkey!("ignore-reason-required"),
        });
    }
    if reason.chars().count() > 1000 {
        return Err(DiscoveryError::Invalid {
            field: "reason",
            key: crate::mkey!("field-too-long"),
        });
    }
    if addresses.is_empty() {
        return Err(DiscoveryError::Invalid {
            field: "address",
            key: crate::mkey!("ignore-none-chosen"),
        });
    }
    let mut normalized = Vec::with_capacity(addresses.len());
    for address in addresses {
        let address = address.trim();
        normalized.push(
            super::model::normalize_ips(address)
                .filter(|a| !a.is_empty() && !a.contains(' '))
                .or_else(|| {
                    super::model::normalize_macs(address)
                        .filter(|a| !a.is_empty() && !a.contains(' '))
                })
                .ok_or(DiscoveryError::Invalid {
                    field: "address",
                    key: crate::mkey!("ip-invalid"),
                })?,
        );
    }
    let mut w = db.write().await?;
    let mut events = Vec::with_capacity(normalized.len());
    for address in normalized {
        sqlx::query("DELETE FROM discovery_ignores WHERE facility_id = $1 AND address = $2")
            .bind(facility_id)
            .bind(address.clone())
            .execute(&mut *w.tx)
            .await?;
        sqlx::query(
            "INSERT INTO discovery_ignores (facility_id, address, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(facility_id)
        .bind(address.clone())
        .bind(reason.chars().take(500).collect::<String>())
        .bind(actor.name.clone())
        .bind(now_text())
        .execute(&mut *w.tx)
        .await?;
        events.push(
            Event::new("ignore", "discovery", address.clone())
                .label(address)
                .change("reason", "", reason),
        );
    }
    audit::append_many(&mut w, actor, events).await?;
    w.commit().await?;
    Ok(())
}

/// The diff of one stored scan against today's ledger and the scan before it.
pub async fn diff(
    db: &Db,
    facility_id: i64,
    id: i64,
) -> Result<(ScanInfo, Vec<SeenHost>, Diff), DiscoveryError> {
    let (scan, hosts) = hosts_of(db, facility_id, id)
        .await?
        .ok_or(DiscoveryError::NotFound)?;
    let previous_id: Option<i64> =
        sqlx::query_scalar("SELECT MAX(id) FROM scans WHERE facility_id = $1 AND id < $2")
            .bind(facility_id)
            .bind(id)
            .fetch_one(db.pool())
            .await?;
    let previous = match previous_id {
        Some(pid) => hosts_of(db, facility_id, pid)
            .await?
            .map(|(_, h)| h)
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let devices = super::store::list(db, facility_id, &super::store::Filter::default()).await?;
    let ignored: HashSet<String> = ignores(db, facility_id)
        .await?
        .into_iter()
        .map(|i| i.address)
        .collect();
    let last_seen = last_seen(db, facility_id, &devices).await?;
    let scope = discovery::scope(&scan.nmap_args, &hosts);
    let result = discovery::diff(&hosts, &scope, &devices, &previous, &ignored, &last_seen);
    Ok((scan, hosts, result))
}

/// When each device was last seen by any of the recent scans (by IP or MAC).
async fn last_seen(
    db: &Db,
    facility_id: i64,
    devices: &[super::model::Device],
) -> Result<HashMap<i64, String>, DiscoveryError> {
    let rows = sqlx::query("SELECT imported_at, scanned_at, hosts FROM scans WHERE facility_id = $1 ORDER BY id DESC LIMIT 50")
        .bind(facility_id)
        .fetch_all(db.pool())
        .await?;
    let mut seen: HashMap<i64, String> = HashMap::new();
    for row in rows {
        let hosts: Vec<SeenHost> =
            serde_json::from_str(&row.try_get::<String, _>("hosts")?).unwrap_or_default();
        let scanned: String = row.try_get("scanned_at")?;
        let when = if scanned.is_empty() {
            row.try_get("imported_at")?
        } else {
            scanned
        };
        let addresses: HashSet<&str> = hosts
            .iter()
            .flat_map(|h| [h.ip.as_str(), h.mac.as_str()])
            .filter(|a| !a.is_empty())
            .collect();
        for device in devices {
            if seen.contains_key(&device.id) {
                continue;
            }
            let hit = device
                .get("ip_addresses")
                .split_whitespace()
                .chain(device.get("mac_addresses").split_whitespace())
                .any(|a| addresses.contains(a));
            if hit {
                seen.insert(device.id, when.clone());
            }
        }
    }
    Ok(seen)
}

impl From<DiscoveryError> for RoomError {
    fn from(e: DiscoveryError) -> Self {
        match e {
            DiscoveryError::NotFound => RoomError::NotFound,
            DiscoveryError::Forbidden(_) => RoomError::Forbidden,
            DiscoveryError::Ledger(e) => e.into(),
            other => RoomError::internal(other),
        }
    }
}

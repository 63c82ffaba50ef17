//! The ledger's 外部接続 column says how a device reaches outside (インターネット, VPN, 専用回線).
//! Each such device gets an external connection point of that kind, linked to it, so the
//! diagram, the checklist's connection items and 「外から届く」 see it: one point per device
//! and kind (kept by its `source`), renamed with its device, never duplicated. What people add to
//! the point afterwards (restriction, authentication, logs) stays.

use std::collections::HashMap;

use super::connections::CONNECTIONS;
use super::store::{LedgerError, insert_row};
use crate::db::WriteTx;
use crate::db::audit::Event;

/// A device as the sync needs it.
pub(super) struct DeviceLine<'a> {
    pub id: i64,
    pub name: &'a str,
    /// The 外部接続 choice: `none`, `internet`, `vpn` or `leased`.
    pub external: &'a str,
}

/// The point a device's 外部接続 stands for: its kind, purpose and name.
fn point_for(external: &str, device: &str) -> Option<(&'static str, &'static str, String)> {
    Some(match external {
        "vpn" => ("other", "other", format!("{device} のVPN")),
        "internet" => (
            "other",
            "internet",
            format!("{device} のインターネット接続"),
        ),
        "leased" => ("leased", "other", format!("{device} の専用回線")),
        _ => return None,
    })
}

/// Creates the points devices call for and renames those whose device was renamed; returns
/// the audit events of what it wrote (the caller commits them with its own).
pub(super) async fn sync(
    w: &mut WriteTx,
    facility_id: i64,
    devices: &[DeviceLine<'_>],
    now: &str,
) -> Result<Vec<Event>, LedgerError> {
    if devices
        .iter()
        .all(|d| point_for(d.external, d.name).is_none())
    {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, device, source, name FROM connection_points
         WHERE facility_id = $1 AND source <> ''",
    )
    .bind(facility_id)
    .fetch_all(&mut *w.tx)
    .await?;
    let mut existing: HashMap<(String, String), (i64, String)> = rows
        .into_iter()
        .map(|(id, device, source, name)| ((device, source), (id, name)))
        .collect();
    let mut events = Vec::new();
    for d in devices {
        let Some((kind, purpose, name)) = point_for(d.external, d.name) else {
            continue;
        };
        let key = (d.id.to_string(), format!("ledger:{}", d.external));
        match existing.get(&key) {
            Some((id, old)) if *old != name => {
                sqlx::query(
                    "UPDATE connection_points SET name = $1, updated_at = $2 WHERE id = $3",
                )
                .bind(name.clone())
                .bind(now.to_string())
                .bind(*id)
                .execute(&mut *w.tx)
                .await?;
                events.push(
                    Event::new("update", CONNECTIONS.entity, id)
                        .label(name.clone())
                        .change("name", old.clone(), name),
                );
            }
            Some(_) => {}
            None => {
                let values = [
                    ("name", name.clone()),
                    ("connection_kind", kind.to_string()),
                    ("purpose", purpose.to_string()),
                    ("device", key.0.clone()),
                    ("source_restricted", "unknown".to_string()),
                    ("availability", "always".to_string()),
                    ("authentication", "unknown".to_string()),
                    ("source", key.1.clone()),
                ];
                let id = insert_row(w, &CONNECTIONS, facility_id, &values, now).await?;
                events.push(
                    Event::new("create", CONNECTIONS.entity, id)
                        .label(name.clone())
                        .change("name", "", name.clone())
                        .change("connection_kind", "", kind)
                        .change("purpose", "", purpose)
                        .change("device", "", key.0.clone())
                        .change("source", "", key.1.clone()),
                );
                existing.insert(key, (id, name));
            }
        }
    }
    Ok(events)
}

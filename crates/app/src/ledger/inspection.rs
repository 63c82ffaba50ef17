//! The ledger's part of the checklist's 立入検査用資料: devices in use by 種別, and the external
//! connection points with their source restriction, for the inspector to read on paper.

use super::connections::CONNECTIONS;
use super::model::{KINDS, Record};
use super::store::{LedgerError, list_all, summary};
use crate::db::Db;
use crate::web::Ctx;

pub struct ConnectionRow {
    pub name: String,
    pub kind: String,
    pub purpose: String,
    pub installed_by: String,
    pub restricted: String,
    pub restricted_code: String,
    pub allowed_sources: String,
    pub authentication: String,
    pub confirmed_on: String,
}

pub struct LedgerSummary {
    pub counts: Vec<(String, usize)>,
    pub total: usize,
    pub connections: Vec<ConnectionRow>,
}

fn connection_row(c: &Ctx, r: &Record) -> ConnectionRow {
    let label = |field: &str| super::pages::choice_label(c, r, field);
    ConnectionRow {
        name: r.name().to_string(),
        kind: label("connection_kind"),
        purpose: label("purpose"),
        installed_by: r.get("installed_by").to_string(),
        restricted: label("source_restricted"),
        restricted_code: r.get("source_restricted").to_string(),
        allowed_sources: r.get("allowed_sources").to_string(),
        authentication: label("authentication"),
        confirmed_on: c.date(r.get("confirmed_on")),
    }
}

/// The ledger summary of a facility, as printed in the pack.
pub async fn inspection_summary(
    db: &Db,
    c: &Ctx,
    facility_id: i64,
) -> Result<LedgerSummary, LedgerError> {
    let (summary, connections) = tokio::try_join!(
        summary(db, facility_id),
        list_all(db, &CONNECTIONS, facility_id),
    )?;
    let counts: Vec<(String, usize)> = KINDS
        .iter()
        .map(|(code, key)| {
            let n = summary
                .by_kind
                .iter()
                .find(|(k, _)| k == code)
                .map_or(0, |(_, n)| *n);
            (c.t(key), usize::try_from(n).unwrap_or(0))
        })
        .collect();
    Ok(LedgerSummary {
        total: usize::try_from(summary.in_use).unwrap_or(0),
        counts,
        connections: connections.iter().map(|r| connection_row(c, r)).collect(),
    })
}

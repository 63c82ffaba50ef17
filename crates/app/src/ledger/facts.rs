//! What the ledger tells the checklist (items 2① and 2②, 接続元制限, patches): counts, and the
//! records behind each gap so a suggestion can name and link them.

use super::connections::CONNECTIONS;
use super::model::{DEVICES, KINDS, Record};
use super::store::{LedgerError, list_all};
use super::systems::links_to;
use crate::db::Db;

/// A record named in a finding: (table, id, name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub table: &'static str,
    pub id: i64,
    pub name: String,
}

impl Named {
    fn of(record: &Record) -> Named {
        Named {
            table: record.kind.table,
            id: record.id,
            name: record.name().to_string(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerFacts {
    /// Devices in use, by 種別 code.
    pub by_kind: Vec<(&'static str, usize)>,
    /// Devices in use lacking OS/FW version, location or manager, with the missing fields.
    pub missing_key_fields: Vec<(Named, Vec<&'static str>)>,
    /// Devices in use not confirmed by a stocktake within 12 months of `today`.
    pub not_confirmed_12_months: Vec<Named>,
    /// When the last stocktake was finished (UTC timestamp), if ever.
    pub last_stocktake: Option<String>,
    /// External connection points recorded.
    pub connection_points: usize,
    /// External connection points with no source restriction (接続元制限なし).
    pub unrestricted_connections: Vec<Named>,
    /// External connection points whose source restriction nobody has checked.
    pub restriction_unknown_connections: Vec<Named>,
    /// External connection points never confirmed with the vendor.
    pub unconfirmed_connections: Vec<Named>,
    /// Devices with remote maintenance 有 or 不明 that no vendor-confirmed connection point
    /// covers.
    pub remote_maintenance_unconfirmed: Vec<Named>,
    /// Servers, PCs and network devices with no patch date in the last 12 months, or past their
    /// end of support, with their 種別 code.
    pub unpatched: Vec<(&'static str, Named)>,
}

impl LedgerFacts {
    pub fn count_of(&self, kind: &str) -> usize {
        self.by_kind
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }

    /// The unpatched devices of the given 種別 codes.
    pub fn unpatched_of(&self, kinds: &[&str]) -> Vec<Named> {
        self.unpatched
            .iter()
            .filter(|(k, _)| kinds.contains(k))
            .map(|(_, n)| n.clone())
            .collect()
    }
}

/// Works the facts out from the records; `today` is `YYYY-MM-DD`.
pub fn from_records(
    devices: &[Record],
    connections: &[Record],
    last_stocktake: Option<String>,
    today: &str,
) -> LedgerFacts {
    let year_ago = chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d")
        .map(|d| {
            (d - chrono::Duration::days(365))
                .format("%Y-%m-%d")
                .to_string()
        })
        .unwrap_or_default();
    let in_use: Vec<&Record> = devices
        .iter()
        .filter(|d| d.get("status") != "retired")
        .collect();
    let stale = |date: &str| date.is_empty() || date < year_ago.as_str();
    let confirmed_points: Vec<&Record> = connections
        .iter()
        .filter(|c| !c.get("confirmed_on").is_empty())
        .collect();
    LedgerFacts {
        by_kind: KINDS
            .iter()
            .map(|(kind, _)| {
                (
                    *kind,
                    in_use.iter().filter(|d| d.get("kind") == *kind).count(),
                )
            })
            .collect(),
        missing_key_fields: in_use
            .iter()
            .filter(|d| !d.missing_key_fields().is_empty())
            .map(|d| (Named::of(d), d.missing_key_fields()))
            .collect(),
        not_confirmed_12_months: in_use
            .iter()
            .filter(|d| stale(d.get("last_confirmed")))
            .map(|d| Named::of(d))
            .collect(),
        last_stocktake,
        connection_points: connections.len(),
        unrestricted_connections: connections
            .iter()
            .filter(|c| c.get("source_restricted") == "no")
            .map(Named::of)
            .collect(),
        restriction_unknown_connections: connections
            .iter()
            .filter(|c| !matches!(c.get("source_restricted"), "yes" | "no"))
            .map(Named::of)
            .collect(),
        unconfirmed_connections: connections
            .iter()
            .filter(|c| c.get("confirmed_on").is_empty())
            .map(Named::of)
            .collect(),
        remote_maintenance_unconfirmed: in_use
            .iter()
            .filter(|d| matches!(d.get("remote_maintenance"), "yes" | "unknown"))
            .filter(|d| !confirmed_points.iter().any(|c| links_to(c, "device", d.id)))
            .map(|d| Named::of(d))
            .collect(),
        unpatched: in_use
            .iter()
            .filter(|d| matches!(d.get("kind"), "server" | "pc" | "network"))
            .filter(|d| {
                stale(d.get("last_patched"))
                    || (!d.get("end_of_support").is_empty() && d.get("end_of_support") < today)
            })
            .filter_map(|d| {
                let kind = KINDS.iter().find(|(k, _)| *k == d.get("kind"))?.0;
                Some((kind, Named::of(d)))
            })
            .collect(),
    }
}

/// The facility's ledger facts as of today (Japan time).
pub async fn ledger_facts(db: &Db, facility_id: i64) -> Result<LedgerFacts, LedgerError> {
    let (devices, connections, last) = tokio::try_join!(
        list_all(db, &DEVICES, facility_id),
        list_all(db, &CONNECTIONS, facility_id),
        super::stocktake::last_finished(db, facility_id),
    )?;
    Ok(from_records(
        &devices,
        &connections,
        last,
        &super::stocktake::today(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::model::test_record as record;

    #[test]
    fn gaps_are_found_and_named() {
        let devices = vec![
            record(
                &DEVICES,
                1,
                &[
                    ("kind", "network"),
                    ("name", "FortiGate"),
                    ("os_version", "6.0.4"),
                    ("location", "サーバ室"),
                    ("manager", "情報係"),
                    ("remote_maintenance", "yes"),
                    ("last_confirmed", "2026-10-01"),
                    ("last_patched", "2024-01-10"),
                ],
            ),
            record(
                &DEVICES,
                2,
                &[
                    ("kind", "pc"),
                    ("name", "受付PC"),
                    ("remote_maintenance", "no"),
                    ("last_confirmed", "2025-01-01"),
                ],
            ),
            record(
                &DEVICES,
                3,
                &[
                    ("kind", "server"),
                    ("name", "旧サーバ"),
                    ("status", "retired"),
                ],
            ),
            record(
                &DEVICES,
                4,
                &[
                    ("kind", "medical"),
                    ("name", "CT"),
                    ("remote_maintenance", "unknown"),
                ],
            ),
        ];
        let connections = vec![
            record(
                &CONNECTIONS,
                1,
                &[
                    ("name", "保守VPN"),
                    ("device", "1"),
                    ("source_restricted", "no"),
                    ("confirmed_on", "2026-09-01"),
                ],
            ),
            record(&CONNECTIONS, 2, &[("name", "回線B")]),
        ];
        let facts = from_records(&devices, &connections, None, "2026-11-23");
        let names = |list: &[Named]| list.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
        assert_eq!(
            facts.by_kind,
            vec![
                ("server", 0),
                ("pc", 1),
                ("network", 1),
                ("medical", 1),
                ("other", 0)
            ]
        );
        assert_eq!(facts.missing_key_fields.len(), 2);
        assert_eq!(names(&facts.not_confirmed_12_months), vec!["受付PC", "CT"]);
        assert_eq!(names(&facts.unrestricted_connections), vec!["保守VPN"]);
        assert_eq!(names(&facts.restriction_unknown_connections), vec!["回線B"]);
        assert_eq!(names(&facts.unconfirmed_connections), vec!["回線B"]);
        assert_eq!(
            names(&facts.remote_maintenance_unconfirmed),
            vec!["CT"],
            "FortiGate is covered by a confirmed connection point"
        );
        assert_eq!(names(&facts.unpatched_of(&["network"])), vec!["FortiGate"]);
        assert_eq!(names(&facts.unpatched_of(&["pc"])), vec!["受付PC"]);
        assert_eq!(facts.count_of("pc"), 1);
    }
}

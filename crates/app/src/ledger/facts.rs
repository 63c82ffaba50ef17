//! What the ledger tells the checklist (items 2① and 2②, 接続元制限, patches): counts, and the
//! first records behind each gap so a suggestion can name and link them. Devices are counted by
//! the database (the checklist page asks on every view, over thousands of devices); the few
//! external connection points are read whole.

use super::connections::CONNECTIONS;
use super::model::{KINDS, Record};
use super::records::{CONNECTION_POINT, DEVICE};
use super::store::{LedgerError, list_all};
use crate::db::Db;
use crate::kernel::{Finding, RecordRef, RoomError, SAMPLE};

fn connection_ref(record: &Record) -> RecordRef {
    RecordRef::new(&CONNECTION_POINT, record.id, record.name())
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerFacts {
    /// Devices in use, by 種別 code.
    pub by_kind: Vec<(&'static str, usize)>,
    /// Devices in use lacking OS/FW version, location or manager.
    pub missing_key_fields: Finding,
    /// Devices in use not confirmed by a stocktake within 12 months.
    pub not_confirmed_12_months: Finding,
    /// When the last stocktake was finished (UTC timestamp), if ever.
    pub last_stocktake: Option<String>,
    /// External connection points recorded.
    pub connection_points: usize,
    /// External connection points with no source restriction (接続元制限なし).
    pub unrestricted_connections: Finding,
    /// External connection points whose source restriction nobody has checked.
    pub restriction_unknown_connections: Finding,
    /// External connection points never confirmed with the vendor.
    pub unconfirmed_connections: Finding,
    /// Devices with remote maintenance 有 or 不明 that no vendor-confirmed connection point
    /// covers.
    pub remote_maintenance_unconfirmed: Finding,
    /// Servers, PCs and network devices with no patch date in the last 12 months, or past their
    /// end of support, by 種別 code.
    pub unpatched: Vec<(&'static str, Finding)>,
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
    pub fn unpatched_of(&self, kinds: &[&str]) -> Finding {
        Finding::merge(
            self.unpatched
                .iter()
                .filter(|(k, _)| kinds.contains(k))
                .map(|(_, f)| f.clone()),
        )
    }
}

/// The connection-point findings, worked out from the records (a hospital has a handful).
pub fn connection_findings(connections: &[Record]) -> [Finding; 3] {
    let named = |keep: &dyn Fn(&Record) -> bool| {
        Finding::of(
            connections
                .iter()
                .filter(|c| keep(c))
                .map(connection_ref)
                .collect(),
        )
    };
    [
        named(&|c| c.get("source_restricted") == "no"),
        named(&|c| !matches!(c.get("source_restricted"), "yes" | "no")),
        named(&|c| c.get("confirmed_on").is_empty()),
    ]
}

/// Devices covered by a connection point confirmed with the vendor.
pub fn covered_devices(connections: &[Record]) -> Vec<i64> {
    let mut ids: Vec<i64> = connections
        .iter()
        .filter(|c| !c.get("confirmed_on").is_empty())
        .flat_map(|c| {
            c.get("device")
                .split(' ')
                .filter_map(|p| p.parse::<i64>().ok())
                .collect::<Vec<_>>()
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Devices in use matching `condition` (SQL over the devices table, its values bound from
/// `$2`): how many, and the first by name.
async fn device_finding(
    db: &Db,
    facility_id: i64,
    condition: &str,
    binds: &[String],
) -> Result<Finding, LedgerError> {
    let filter = format!("facility_id = $1 AND status <> 'retired' AND ({condition})");
    let count_sql = format!("SELECT COUNT(*) FROM devices WHERE {filter}");
    let sample_sql =
        format!("SELECT id, name FROM devices WHERE {filter} ORDER BY name, id LIMIT {SAMPLE}");
    let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql)).bind(facility_id);
    let mut sample =
        sqlx::query_as::<_, (i64, String)>(sqlx::AssertSqlSafe(sample_sql)).bind(facility_id);
    for b in binds {
        count = count.bind(b.clone());
        sample = sample.bind(b.clone());
    }
    let (count, sample) =
        tokio::try_join!(count.fetch_one(db.pool()), sample.fetch_all(db.pool()))?;
    Ok(Finding {
        count: usize::try_from(count).unwrap_or(0),
        sample: sample
            .into_iter()
            .map(|(id, name)| RecordRef::new(&DEVICE, id, name))
            .collect(),
    })
}

/// The facility's ledger facts as of `today` (`YYYY-MM-DD`, Japan time).
pub async fn ledger_facts_on(
    db: &Db,
    facility_id: i64,
    today: &str,
) -> Result<LedgerFacts, LedgerError> {
    let year_ago = chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d")
        .map(|d| {
            (d - chrono::Duration::days(365))
                .format("%Y-%m-%d")
                .to_string()
        })
        .unwrap_or_default();
    let (connections, last_stocktake, counts) = tokio::try_join!(
        list_all(db, &CONNECTIONS, facility_id),
        super::stocktake::last_finished(db, facility_id),
        async {
            let rows: Vec<(String, i64)> = sqlx::query_as(
                "SELECT kind, COUNT(*) FROM devices WHERE facility_id = $1 AND status <> 'retired' GROUP BY kind",
            )
            .bind(facility_id)
            .fetch_all(db.pool())
            .await?;
            Ok::<_, LedgerError>(rows)
        },
    )?;
    let covered = covered_devices(&connections);
    // A handful of ids (one per confirmed connection point), bound as values.
    let remote_condition = if covered.is_empty() {
        "remote_maintenance IN ('yes', 'unknown')".to_string()
    } else {
        let list: Vec<String> = (0..covered.len()).map(|n| format!("${}", n + 2)).collect();
        format!(
            "remote_maintenance IN ('yes', 'unknown') AND CAST(id AS TEXT) NOT IN ({})",
            list.join(", ")
        )
    };
    let covered_text: Vec<String> = covered.iter().map(ToString::to_string).collect();
    let stale = |column: &str, first: usize| format!("{column} = '' OR {column} < ${first}");
    let unpatched = |kind: &'static str| {
        let condition = format!(
            "kind = '{kind}' AND ({} OR (end_of_support <> '' AND end_of_support < $3))",
            stale("last_patched", 2)
        );
        let binds = [year_ago.clone(), today.to_string()];
        async move {
            device_finding(db, facility_id, &condition, &binds)
                .await
                .map(|f| (kind, f))
        }
    };
    let not_confirmed_condition = stale("last_confirmed", 2);
    let (missing, not_confirmed, remote, server, pc, network) = tokio::try_join!(
        device_finding(
            db,
            facility_id,
            "os_version = '' OR location = '' OR manager = ''",
            &[]
        ),
        device_finding(
            db,
            facility_id,
            &not_confirmed_condition,
            std::slice::from_ref(&year_ago)
        ),
        device_finding(db, facility_id, &remote_condition, &covered_text),
        unpatched("server"),
        unpatched("pc"),
        unpatched("network"),
    )?;
    let [unrestricted, unknown, unconfirmed] = connection_findings(&connections);
    Ok(LedgerFacts {
        by_kind: KINDS
            .iter()
            .map(|(kind, _)| {
                let n = counts
                    .iter()
                    .find(|(k, _)| k == kind)
                    .map_or(0, |(_, n)| *n);
                (*kind, usize::try_from(n).unwrap_or(0))
            })
            .collect(),
        missing_key_fields: missing,
        not_confirmed_12_months: not_confirmed,
        last_stocktake,
        connection_points: connections.len(),
        unrestricted_connections: unrestricted,
        restriction_unknown_connections: unknown,
        unconfirmed_connections: unconfirmed,
        remote_maintenance_unconfirmed: remote,
        unpatched: vec![server, pc, network],
    })
}

/// The facility's ledger facts as of today (Japan time).
pub async fn ledger_facts(db: &Db, facility_id: i64) -> Result<LedgerFacts, LedgerError> {
    ledger_facts_on(db, facility_id, &crate::kernel::time::today_jst_text()).await
}

/// The ledger's facts for the checklist's rules (registered in the room list).
pub fn for_checklist(
    db: &Db,
    facility_id: i64,
) -> crate::kernel::BoxFuture<'_, Result<Box<dyn std::any::Any + Send + Sync>, RoomError>> {
    Box::pin(async move { crate::kernel::facts::part(ledger_facts(db, facility_id).await) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::model::test_record as record;

    #[test]
    fn connection_points_are_sorted_into_findings() {
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
            record(&CONNECTIONS, 2, &[("name", "回線B"), ("device", "4")]),
        ];
        let [unrestricted, unknown, unconfirmed] = connection_findings(&connections);
        let names = |f: &Finding| f.sample.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&unrestricted), vec!["保守VPN"]);
        assert_eq!(names(&unknown), vec!["回線B"]);
        assert_eq!(names(&unconfirmed), vec!["回線B"]);
        assert_eq!(
            covered_devices(&connections),
            vec![1],
            "only a vendor-confirmed point covers its device"
        );
    }

    #[test]
    fn samples_are_short_but_counts_are_whole() {
        let all: Vec<RecordRef> = (0..50)
            .map(|i| RecordRef::new(&DEVICE, i, format!("PC-{i}")))
            .collect();
        let f = Finding::of(all);
        assert_eq!((f.count, f.sample.len()), (50, SAMPLE));
        let merged = Finding::merge([f.clone(), f].into_iter());
        assert_eq!((merged.count, merged.sample.len()), (100, SAMPLE));
    }
}

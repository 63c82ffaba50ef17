//! What the checklist's patch rule needs from vulnerability matching: which in-use devices
//! carry a known exploited vulnerability (KEV) that nobody has suppressed.

use std::collections::{BTreeMap, HashSet};

use super::store::VulnError;
use crate::db::Db;
use crate::kernel::{Finding, RecordRef, RoomError, SAMPLE};
use crate::ledger::api::DEVICE;

#[derive(Debug, Clone, Default)]
pub struct VulnFacts {
    /// Per device kind (server, pc, network…): devices with an exact KEV match.
    pub kev_by_kind: Vec<(String, Finding)>,
}

impl VulnFacts {
    /// The devices of these kinds with KEV matches.
    pub fn kev_of(&self, kinds: &[&str]) -> Finding {
        let mut out = Finding::default();
        for (kind, finding) in &self.kev_by_kind {
            if kinds.contains(&kind.as_str()) {
                out.count += finding.count;
                out.sample.extend(
                    finding
                        .sample
                        .iter()
                        .take(SAMPLE - out.sample.len().min(SAMPLE))
                        .cloned(),
                );
            }
        }
        out
    }
}

/// A known exploited vulnerability still open on a device: exact, not marked, not fixed by the
/// device's monthly updates.
#[derive(Debug, Clone)]
pub struct OpenKev {
    pub device: crate::ledger::api::MatchInput,
    pub vuln_id: String,
    pub ransomware: bool,
}

/// The KEV matches still open, read from the stored matches: a page that asks writes nothing.
/// The watch job keeps the matches up to date after every change (see `alerts::watch`).
pub async fn open_kev(db: &Db, facility_id: i64) -> Result<Vec<OpenKev>, VulnError> {
    let today = crate::kernel::time::today_jst_text();
    let pairs: Vec<(i64, String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT d.device_id, m.vuln_id, m.device_cpe, c.published, k.ransomware
         FROM vuln_device_profiles d
         JOIN vuln_profile_matches m ON m.profile_id = d.profile_id
         JOIN vuln_kev k ON k.cve_id = m.vuln_id
         LEFT JOIN vuln_cves c ON c.cve_id = m.vuln_id
         WHERE d.facility_id = $1
           AND NOT EXISTS (SELECT 1 FROM vuln_suppressions s
                           WHERE s.device_id = d.device_id AND s.vuln_id = m.vuln_id AND s.until >= $2)
         ORDER BY d.device_id, m.vuln_id",
    )
    .bind(facility_id)
    .bind(today)
    .fetch_all(db.pool())
    .await?;
    if pairs.is_empty() {
        return Ok(Vec::new());
    }
    let devices = crate::ledger::api::match_inputs(db, facility_id).await?;
    let by_id: std::collections::HashMap<i64, &crate::ledger::api::MatchInput> =
        devices.iter().map(|d| (d.id, d)).collect();
    // What a Windows device's monthly updates fixed does not count against it.
    let mut windows = super::model::WindowsCpes::default();
    Ok(pairs
        .into_iter()
        .filter_map(|(device, vuln_id, cpe, published, ransomware)| {
            let d = *by_id.get(&device)?;
            let updated = super::model::updated_past(
                (&d.last_patched, &d.end_of_support),
                windows.of(&cpe),
                published.as_deref(),
            );
            (!updated).then(|| OpenKev {
                device: d.clone(),
                vuln_id,
                ransomware: ransomware != 0,
            })
        })
        .collect())
}

/// One device's stored exact matches not marked, and how many of them are KEV (for the ledger's
/// device page).
pub async fn device_counts(
    db: &Db,
    facility_id: i64,
    device_id: i64,
) -> Result<(i64, i64), VulnError> {
    let today = crate::kernel::time::today_jst_text();
    let (all, kev): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(k.cve_id) FROM vuln_device_profiles d
         JOIN vuln_profile_matches m ON m.profile_id = d.profile_id
         LEFT JOIN vuln_kev k ON k.cve_id = m.vuln_id
         WHERE d.facility_id = $1 AND d.device_id = $2
           AND NOT EXISTS (SELECT 1 FROM vuln_suppressions s
                           WHERE s.device_id = d.device_id AND s.vuln_id = m.vuln_id AND s.until >= $3)",
    )
    .bind(facility_id)
    .bind(device_id)
    .bind(today)
    .fetch_one(db.pool())
    .await?;
    Ok((all, kev))
}

pub async fn vuln_facts(db: &Db, facility_id: i64) -> Result<VulnFacts, VulnError> {
    let open = open_kev(db, facility_id).await?;
    let mut seen: HashSet<i64> = HashSet::new();
    let mut by_kind: BTreeMap<String, Finding> = BTreeMap::new();
    for d in open.iter().map(|o| &o.device) {
        if !seen.insert(d.id) {
            continue;
        }
        let finding = by_kind.entry(d.kind.clone()).or_default();
        finding.count += 1;
        if finding.sample.len() < SAMPLE {
            finding
                .sample
                .push(RecordRef::new(&DEVICE, d.id, d.name.clone()));
        }
    }
    Ok(VulnFacts {
        kev_by_kind: by_kind.into_iter().collect(),
    })
}

/// The vulnerability facts for the checklist's rules (registered in the room list).
pub fn for_checklist(
    db: &Db,
    facility_id: i64,
) -> crate::kernel::BoxFuture<'_, Result<Box<dyn std::any::Any + Send + Sync>, RoomError>> {
    Box::pin(async move { crate::kernel::facts::part(vuln_facts(db, facility_id).await) })
}

//! Matching the ledger against the loaded feeds. Candidates are looked up by `vendor:product`,
//! so the work grows with devices × their candidate CVEs, not with every CVE; devices that
//! name the same CPEs and version (the 300 identical PCs) are matched once.
//!
//! Exact matches are stored (with the date first seen, for alerts and 「今すぐ対応」); the
//! low-confidence ones are computed when shown, since a ledger without versions would otherwise
//! store a row for every CVE of every product.

use std::collections::{HashMap, HashSet};

use sqlx::AssertSqlSafe;

use super::model::{self, Confidence, DeviceProfile, Hit, Note, Priority};
use super::store::VulnError;
use crate::db::{Db, WriteTx, now_text, placeholders};
use crate::ledger::store::{MatchInput, match_inputs};

/// One device–vulnerability match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub device_id: i64,
    /// A CVE id, or a JVNDB id for a JVN entry without one.
    pub vuln_id: String,
    /// "nvd", "jvn" or "kev".
    pub source: &'static str,
    pub hit: Hit,
}

/// Everything matching found for a facility.
#[derive(Debug, Default)]
pub struct Computed {
    pub devices: Vec<MatchInput>,
    pub found: Vec<Found>,
}

impl Computed {
    pub fn device(&self, id: i64) -> Option<&MatchInput> {
        self.devices
            .binary_search_by_key(&id, |d| d.id)
            .ok()
            .map(|i| &self.devices[i])
    }
}

async fn in_chunks(
    db: &Db,
    sql_before_in: &str,
    sql_after_in: &str,
    values: &[String],
) -> Result<Vec<sqlx::any::AnyRow>, VulnError> {
    let mut rows = Vec::new();
    for part in values.chunks(500) {
        let sql = format!(
            "{sql_before_in} ({}) {sql_after_in}",
            placeholders(db.backend(), 1, part.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for v in part {
            q = q.bind(v.clone());
        }
        rows.extend(q.fetch_all(db.pool()).await?);
    }
    Ok(rows)
}

/// Matches the facility's devices (or only `only`) against everything loaded.
pub async fn compute(db: &Db, facility_id: i64, only: Option<i64>) -> Result<Computed, VulnError> {
    use sqlx::Row;
    let mut devices = match_inputs(db, facility_id).await?;
    if let Some(id) = only {
        devices.retain(|d| d.id == id);
    }
    // Identical CPE lists and versions match identically.
    let mut profiles: Vec<DeviceProfile> = Vec::new();
    let mut profile_of: HashMap<(&str, &str), usize> = HashMap::new();
    let mut device_profile: Vec<usize> = Vec::with_capacity(devices.len());
    for d in &devices {
        let key = (d.cpes.as_str(), d.os_version.as_str());
        let index = *profile_of.entry(key).or_insert_with(|| {
            profiles.push(DeviceProfile::new(0, &d.cpes, &d.os_version));
            profiles.len() - 1
        });
        device_profile.push(index);
    }
    let keys: Vec<String> = profiles
        .iter()
        .flat_map(|p| p.product_keys())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();

    // NVD candidates by product, each CVE's criteria prepared once.
    let mut by_key: HashMap<String, Vec<String>> = HashMap::new();
    for row in in_chunks(
        db,
        "SELECT vendor_product, cve_id FROM vuln_cve_products WHERE vendor_product IN",
        "",
        &keys,
    )
    .await?
    {
        let key: String = row.try_get(0)?;
        by_key.entry(key).or_default().push(row.try_get(1)?);
    }
    let cve_ids: Vec<String> = by_key
        .values()
        .flatten()
        .cloned()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut configs: HashMap<String, Vec<model::Config>> = HashMap::new();
    for row in in_chunks(
        db,
        "SELECT cve_id, configurations FROM vuln_cves WHERE cve_id IN",
        "",
        &cve_ids,
    )
    .await?
    {
        let id: String = row.try_get(0)?;
        let text: String = row.try_get(1)?;
        let stored: Vec<model::StoredConfig> = serde_json::from_str(&text)
            .map_err(|e| VulnError::Internal(format!("{id}: stored criteria unreadable: {e}")))?;
        configs.insert(id, model::prepare(&stored));
    }

    // JVN entries by product, with the CVEs each names.
    let mut jvn_by_key: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for row in in_chunks(
        db,
        "SELECT vendor_product, jvn_id, cpe FROM vuln_jvn_products WHERE vendor_product IN",
        "",
        &keys,
    )
    .await?
    {
        let key: String = row.try_get(0)?;
        jvn_by_key
            .entry(key)
            .or_default()
            .push((row.try_get(1)?, row.try_get(2)?));
    }
    let jvn_ids: Vec<String> = jvn_by_key
        .values()
        .flatten()
        .map(|(id, _)| id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut jvn_cves: HashMap<String, Vec<String>> = HashMap::new();
    for row in in_chunks(
        db,
        "SELECT jvn_id, cve_id FROM vuln_jvn_cves WHERE jvn_id IN",
        "ORDER BY cve_id",
        &jvn_ids,
    )
    .await?
    {
        let id: String = row.try_get(0)?;
        jvn_cves.entry(id).or_default().push(row.try_get(1)?);
    }

    // KEV entries NVD has not told us about, by the product words KEV uses.
    let mut kev_by_key: HashMap<String, Vec<String>> = HashMap::new();
    let kev_only: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT k.cve_id, k.vendor_project, k.product FROM vuln_kev k
         WHERE NOT EXISTS (SELECT 1 FROM vuln_cves c WHERE c.cve_id = k.cve_id)",
    )
    .fetch_all(db.pool())
    .await?;
    let wanted: HashSet<&String> = keys.iter().collect();
    for (cve, vendor, product) in kev_only {
        let key = model::kev_product_key(&vendor, &product);
        if wanted.contains(&key) {
            kev_by_key.entry(key).or_default().push(cve);
        }
    }

    let hits_of = |profile: &DeviceProfile| -> Vec<(String, &'static str, Hit)> {
        let mut out: Vec<(String, &'static str, Hit)> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let keys = profile.product_keys();
        for key in &keys {
            for cve in by_key.get(key).into_iter().flatten() {
                if seen.contains(cve) {
                    continue;
                }
                if let Some(hit) = configs
                    .get(cve)
                    .and_then(|c| model::match_device(c, profile))
                {
                    seen.insert(cve.clone());
                    out.push((cve.clone(), "nvd", hit));
                }
            }
        }
        for key in &keys {
            let Some(device_cpe) = model::match_product_only(key, profile) else {
                continue;
            };
            for (jvn_id, cpe) in jvn_by_key.get(key).into_iter().flatten() {
                let named = jvn_cves.get(jvn_id);
                let ids: Vec<String> = match named {
                    Some(cves) if !cves.is_empty() => cves.clone(),
                    _ => vec![jvn_id.clone()],
                };
                for id in ids {
                    // NVD's criteria decide when they exist: JVN only adds what NVD lacks.
                    if seen.contains(&id) || configs.contains_key(&id) {
                        continue;
                    }
                    seen.insert(id.clone());
                    out.push((
                        id,
                        "jvn",
                        Hit {
                            confidence: Confidence::Jvn,
                            criterion: cpe.clone(),
                            range_text: String::new(),
                            fixed_version: String::new(),
                            device_cpe: device_cpe.name.clone(),
                            device_version: device_cpe.version.clone().unwrap_or_default(),
                            note: Note::JvnVersionless,
                        },
                    ));
                }
            }
            for cve in kev_by_key.get(key).into_iter().flatten() {
                if seen.insert(cve.clone()) {
                    out.push((
                        cve.clone(),
                        "kev",
                        Hit {
                            confidence: Confidence::Product,
                            criterion: key.clone(),
                            range_text: String::new(),
                            fixed_version: String::new(),
                            device_cpe: device_cpe.name.clone(),
                            device_version: device_cpe.version.clone().unwrap_or_default(),
                            note: Note::KevNameOnly,
                        },
                    ));
                }
            }
        }
        out
    };
    let per_profile: Vec<Vec<(String, &'static str, Hit)>> = profiles.iter().map(hits_of).collect();
    let mut found = Vec::new();
    for (d, &p) in devices.iter().zip(&device_profile) {
        for (vuln_id, source, hit) in &per_profile[p] {
            found.push(Found {
                device_id: d.id,
                vuln_id: vuln_id.clone(),
                source,
                hit: hit.clone(),
            });
        }
    }
    Ok(Computed { devices, found })
}

/// Why matching ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    Feed,
    Ledger,
}

impl Cause {
    fn as_str(self) -> &'static str {
        match self {
            Cause::Feed => "feed",
            Cause::Ledger => "ledger",
        }
    }
}

/// What a refresh changed.
#[derive(Debug, Default)]
pub struct Refreshed {
    pub exact: usize,
    pub added: usize,
    pub removed: usize,
    /// Alerts raised (new high-priority matches).
    pub alerts: Vec<i64>,
}

type StoredMatch = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

async fn audit_mark(db: &Db) -> Result<i64, VulnError> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(seq), 0) FROM audit_events")
            .fetch_one(db.pool())
            .await?,
    )
}

/// Re-matches when anything was changed (every change is audited) since the last time.
pub async fn ensure_fresh(db: &Db, facility_id: i64) -> Result<(), VulnError> {
    let mark = audit_mark(db).await?;
    let seen: Option<i64> =
        sqlx::query_scalar("SELECT audit_mark FROM vuln_state WHERE facility_id = $1")
            .bind(facility_id)
            .fetch_optional(db.pool())
            .await?;
    if seen != Some(mark) {
        refresh(db, facility_id, Cause::Ledger).await?;
    }
    Ok(())
}

/// Re-matches every facility (after a feed import).
pub async fn refresh_all(db: &Db, cause: Cause) -> Result<Vec<Refreshed>, VulnError> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM facilities ORDER BY id")
        .fetch_all(db.pool())
        .await?;
    let mut out = Vec::new();
    for id in ids {
        out.push(refresh(db, id, cause).await?);
    }
    Ok(out)
}

/// Re-matches a facility, stores its exact matches, and raises alerts for new high-priority
/// ones that are not suppressed.
pub async fn refresh(db: &Db, facility_id: i64, cause: Cause) -> Result<Refreshed, VulnError> {
    let mark = audit_mark(db).await?;
    let computed = compute(db, facility_id, None).await?;
    let exact: Vec<&Found> = computed
        .found
        .iter()
        .filter(|f| f.hit.confidence == Confidence::Exact)
        .collect();
    let priorities = priorities(
        db,
        &exact.iter().map(|f| f.vuln_id.clone()).collect::<Vec<_>>(),
    )
    .await?;
    let mut w = db.write().await?;
    let stored: Vec<StoredMatch> = sqlx::query_as(
        "SELECT id, device_id, vuln_id, source, device_cpe, device_version, criterion, range_text, fixed_version, note FROM vuln_matches WHERE facility_id = $1",
    )
    .bind(facility_id)
    .fetch_all(&mut *w.tx)
    .await?;
    let stored: HashMap<(i64, String), StoredMatch> = stored
        .into_iter()
        .map(|m| ((m.1, m.2.clone()), m))
        .collect();
    let now = now_text();
    let mut fresh: Vec<&Found> = Vec::new();
    let mut changed: Vec<(i64, &Found)> = Vec::new();
    let mut keep: HashSet<(i64, String)> = HashSet::new();
    for f in &exact {
        let key = (f.device_id, f.vuln_id.clone());
        keep.insert(key.clone());
        match stored.get(&key) {
            None => fresh.push(f),
            Some(m) => {
                let same = m.3 == f.source
                    && m.4 == f.hit.device_cpe
                    && m.5 == f.hit.device_version
                    && m.6 == f.hit.criterion
                    && m.7 == f.hit.range_text
                    && m.8 == f.hit.fixed_version
                    && m.9 == f.hit.note.as_str();
                if !same {
                    changed.push((m.0, f));
                }
            }
        }
    }
    let gone: Vec<i64> = stored
        .iter()
        .filter(|(k, _)| !keep.contains(*k))
        .map(|(_, m)| m.0)
        .collect();
    super::store::delete_ids(&mut w, "vuln_matches", "id", &gone).await?;
    // A match whose reason changed (new criteria, a new version in the ledger) keeps the date
    // it was first seen.
    for (id, f) in &changed {
        sqlx::query(
            "UPDATE vuln_matches SET source = $1, device_cpe = $2, device_version = $3, criterion = $4, range_text = $5, fixed_version = $6, note = $7 WHERE id = $8",
        )
        .bind(f.source)
        .bind(f.hit.device_cpe.clone())
        .bind(f.hit.device_version.clone())
        .bind(f.hit.criterion.clone())
        .bind(f.hit.range_text.clone())
        .bind(f.hit.fixed_version.clone())
        .bind(f.hit.note.as_str())
        .bind(*id)
        .execute(&mut *w.tx)
        .await?;
    }
    insert_matches(&mut w, facility_id, &fresh, &now).await?;

    // Alerts: new (not re-written) high-priority matches that nobody suppressed.
    let suppressed = active_suppressions(&mut w, facility_id).await?;
    let mut alerts = Vec::new();
    for f in &fresh {
        let Some(device) = computed.device(f.device_id) else {
            continue;
        };
        let mut p = priorities.get(&f.vuln_id).cloned().unwrap_or_default();
        p.facing = device.facing;
        if !model::is_high_priority(f.hit.confidence, &p)
            || suppressed.contains(&(f.device_id, f.vuln_id.clone()))
        {
            continue;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO vuln_alerts (facility_id, created_at, cause, device_id, device_name, vuln_id, kev, ransomware, cvss_score_x10)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(facility_id)
        .bind(now.clone())
        .bind(cause.as_str())
        .bind(f.device_id)
        .bind(device.name.clone())
        .bind(f.vuln_id.clone())
        .bind(i64::from(p.kev))
        .bind(i64::from(p.ransomware))
        .bind(p.cvss_x10)
        .fetch_one(&mut *w.tx)
        .await?;
        alerts.push(id);
    }
    sqlx::query(
        "INSERT INTO vuln_state (facility_id, audit_mark, refreshed_at) VALUES ($1, $2, $3)
         ON CONFLICT (facility_id) DO UPDATE SET audit_mark = excluded.audit_mark, refreshed_at = excluded.refreshed_at",
    )
    .bind(facility_id)
    .bind(mark)
    .bind(now)
    .execute(&mut *w.tx)
    .await?;
    w.commit().await?;
    Ok(Refreshed {
        exact: exact.len(),
        added: fresh.len(),
        removed: gone.len(),
        alerts,
    })
}

async fn insert_matches(
    w: &mut WriteTx,
    facility_id: i64,
    fresh: &[&Found],
    now: &str,
) -> Result<(), VulnError> {
    const COLUMNS: usize = 12;
    let backend = w.backend();
    for part in fresh.chunks(3000 / COLUMNS) {
        let sql = format!(
            "INSERT INTO vuln_matches (facility_id, device_id, vuln_id, confidence, source, device_cpe, device_version, criterion, range_text, fixed_version, note, first_seen) VALUES {}",
            (0..part.len())
                .map(|r| format!("({})", placeholders(backend, r * COLUMNS + 1, COLUMNS)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for f in part {
            q = q
                .bind(facility_id)
                .bind(f.device_id)
                .bind(f.vuln_id.clone())
                .bind(f.hit.confidence.as_str())
                .bind(f.source)
                .bind(f.hit.device_cpe.clone())
                .bind(f.hit.device_version.clone())
                .bind(f.hit.criterion.clone())
                .bind(f.hit.range_text.clone())
                .bind(f.hit.fixed_version.clone())
                .bind(f.hit.note.as_str())
                .bind(now.to_string());
        }
        q.execute(&mut *w.tx).await?;
    }
    Ok(())
}

/// The (device, vulnerability) pairs suppressed today.
async fn active_suppressions(
    w: &mut WriteTx,
    facility_id: i64,
) -> Result<HashSet<(i64, String)>, VulnError> {
    let today = crate::checklist::view::today()
        .format("%Y-%m-%d")
        .to_string();
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT device_id, vuln_id FROM vuln_suppressions WHERE facility_id = $1 AND until >= $2",
    )
    .bind(facility_id)
    .bind(today)
    .fetch_all(&mut *w.tx)
    .await?;
    Ok(rows.into_iter().collect())
}

/// KEV flags and CVSS of vulnerabilities (facing is the device's, added by the caller).
pub async fn priorities(
    db: &Db,
    vuln_ids: &[String],
) -> Result<HashMap<String, Priority>, VulnError> {
    use sqlx::Row;
    let unique: Vec<String> = vuln_ids
        .iter()
        .cloned()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut out: HashMap<String, Priority> = HashMap::new();
    for row in in_chunks(
        db,
        "SELECT cve_id, cvss_score_x10 FROM vuln_cves WHERE cve_id IN",
        "",
        &unique,
    )
    .await?
    {
        let id: String = row.try_get(0)?;
        out.entry(id).or_default().cvss_x10 = row.try_get(1)?;
    }
    for row in in_chunks(
        db,
        "SELECT jc.cve_id, MAX(j.cvss_score_x10) FROM vuln_jvn_cves jc JOIN vuln_jvn j ON j.jvn_id = jc.jvn_id WHERE jc.cve_id IN",
        "GROUP BY jc.cve_id",
        &unique,
    )
    .await?
    {
        let id: String = row.try_get(0)?;
        let score: i64 = row.try_get(1)?;
        let p = out.entry(id).or_default();
        if p.cvss_x10 == 0 {
            p.cvss_x10 = score;
        }
    }
    for row in in_chunks(
        db,
        "SELECT cve_id, ransomware FROM vuln_kev WHERE cve_id IN",
        "",
        &unique,
    )
    .await?
    {
        let id: String = row.try_get(0)?;
        let ransomware: i64 = row.try_get(1)?;
        let p = out.entry(id).or_default();
        p.kev = true;
        p.ransomware = ransomware != 0;
    }
    Ok(out)
}

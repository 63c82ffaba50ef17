//! Matching the ledger against the loaded feeds. Candidates are looked up by `vendor:product`,
//! so the work grows with devices × their candidate CVEs, not with every CVE.
//!
//! Devices that name the same CPEs and version (the 300 identical PCs) form one profile and are
//! matched once; exact matches are stored per profile (with the date first seen) and each device
//! points at its profile, so a ledger of thousands of PCs stores hundreds of rows, not millions.
//! The low-confidence matches are computed when shown, since a ledger without versions would
//! otherwise store a row for every CVE of every product.

use std::collections::{HashMap, HashSet};

use sqlx::AssertSqlSafe;

use super::model::{self, Confidence, DeviceProfile, Hit, Note, Priority};
use super::store::VulnError;
use crate::db::{Db, WriteTx, insert_rows, now_text, placeholders};
use crate::ledger::api::{MatchInput, match_inputs};

/// A vulnerability found on a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileHit {
    /// A CVE id, or a JVNDB id for a JVN entry without one.
    pub vuln_id: String,
    /// "nvd", "jvn" or "kev".
    pub source: &'static str,
    pub hit: Hit,
}

/// Devices that name the same CPEs and version, and what was found on them.
#[derive(Debug, Default)]
pub struct Profile {
    pub cpes: String,
    pub os_version: String,
    /// Indexes into [`Computed::devices`], in ledger id order.
    pub devices: Vec<usize>,
    pub hits: Vec<ProfileHit>,
}

/// Everything matching found for a facility.
#[derive(Debug, Default)]
pub struct Computed {
    /// In ledger id order.
    pub devices: Vec<MatchInput>,
    pub profiles: Vec<Profile>,
}

impl Computed {
    pub fn device(&self, id: i64) -> Option<&MatchInput> {
        self.devices
            .binary_search_by_key(&id, |d| d.id)
            .ok()
            .map(|i| &self.devices[i])
    }

    /// Every device with each of its matches.
    pub fn pairs(&self) -> impl Iterator<Item = (&MatchInput, &ProfileHit)> {
        self.profiles.iter().flat_map(move |p| {
            p.devices
                .iter()
                .flat_map(move |&d| p.hits.iter().map(move |h| (&self.devices[d], h)))
        })
    }

    /// The number of device–vulnerability pairs of a confidence.
    pub fn count(&self, confidence: Confidence) -> usize {
        self.profiles
            .iter()
            .map(|p| {
                p.devices.len()
                    * p.hits
                        .iter()
                        .filter(|h| h.hit.confidence == confidence)
                        .count()
            })
            .sum()
    }
}

/// Runs `SELECT … IN (…)` over `values` 500 at a time (the databases' bind limits).
async fn in_chunks<T>(
    db: &Db,
    sql_before_in: &str,
    sql_after_in: &str,
    values: &[String],
) -> Result<Vec<T>, VulnError>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let mut rows = Vec::new();
    for part in values.chunks(500) {
        let sql = format!(
            "{sql_before_in} ({}) {sql_after_in}",
            placeholders(db.backend(), 1, part.len())
        );
        let mut q = sqlx::query_as::<_, T>(AssertSqlSafe(sql));
        for v in part {
            q = q.bind(v.clone());
        }
        rows.extend(q.fetch_all(db.pool()).await?);
    }
    Ok(rows)
}

/// The values once each, in no particular order.
fn distinct<'a>(values: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    values
        .into_iter()
        .collect::<HashSet<_>>()
        .into_iter()
        .cloned()
        .collect()
}

/// Groups `(key, value)` rows by key.
fn grouped<V>(rows: Vec<(String, V)>) -> HashMap<String, Vec<V>> {
    let mut out: HashMap<String, Vec<V>> = HashMap::new();
    for (key, value) in rows {
        out.entry(key).or_default().push(value);
    }
    out
}

/// Matches the facility's devices (or only `only`) against everything loaded.
pub async fn compute(db: &Db, facility_id: i64, only: Option<i64>) -> Result<Computed, VulnError> {
    let mut devices = match_inputs(db, facility_id).await?;
    if let Some(id) = only {
        devices.retain(|d| d.id == id);
    }
    // Identical CPE lists and versions match identically.
    let mut profiles: Vec<Profile> = Vec::new();
    let mut matchable: Vec<DeviceProfile> = Vec::new();
    let mut profile_of: HashMap<(&str, &str), usize> = HashMap::new();
    for (index, d) in devices.iter().enumerate() {
        let key = (d.cpes.as_str(), d.os_version.as_str());
        let p = *profile_of.entry(key).or_insert_with(|| {
            profiles.push(Profile {
                cpes: d.cpes.clone(),
                os_version: d.os_version.clone(),
                ..Profile::default()
            });
            matchable.push(DeviceProfile::new(0, &d.cpes, &d.os_version));
            profiles.len() - 1
        });
        profiles[p].devices.push(index);
    }
    let keys: Vec<String> = matchable
        .iter()
        .flat_map(|p| p.product_keys())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();

    // NVD candidates by product, each CVE's criteria prepared once.
    let by_key: HashMap<String, Vec<String>> = grouped(
        in_chunks(
            db,
            "SELECT vendor_product, cve_id FROM vuln_cve_products WHERE vendor_product IN",
            "",
            &keys,
        )
        .await?,
    );
    let cve_ids = distinct(by_key.values().flatten());
    let mut configs: HashMap<String, Vec<model::Config>> = HashMap::new();
    let stored_configs: Vec<(String, String)> = in_chunks(
        db,
        "SELECT cve_id, configurations FROM vuln_cves WHERE cve_id IN",
        "",
        &cve_ids,
    )
    .await?;
    for (id, text) in stored_configs {
        let stored: Vec<model::StoredConfig> = serde_json::from_str(&text)
            .map_err(|e| VulnError::Internal(format!("{id}: stored criteria unreadable: {e}")))?;
        configs.insert(id, model::prepare(&stored));
    }

    // JVN entries by product, with the CVEs each names.
    let jvn_rows: Vec<(String, String, String)> = in_chunks(
        db,
        "SELECT vendor_product, jvn_id, cpe FROM vuln_jvn_products WHERE vendor_product IN",
        "",
        &keys,
    )
    .await?;
    let jvn_by_key: HashMap<String, Vec<(String, String)>> = grouped(
        jvn_rows
            .into_iter()
            .map(|(key, id, cpe)| (key, (id, cpe)))
            .collect(),
    );
    let jvn_ids = distinct(jvn_by_key.values().flatten().map(|(id, _)| id));
    let jvn_cves: HashMap<String, Vec<String>> = grouped(
        in_chunks(
            db,
            "SELECT jvn_id, cve_id FROM vuln_jvn_cves WHERE jvn_id IN",
            "ORDER BY cve_id",
            &jvn_ids,
        )
        .await?,
    );

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

    let hits_of = |profile: &DeviceProfile| -> Vec<ProfileHit> {
        let mut out: Vec<ProfileHit> = Vec::new();
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
                    out.push(ProfileHit {
                        vuln_id: cve.clone(),
                        source: "nvd",
                        hit,
                    });
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
                    out.push(ProfileHit {
                        vuln_id: id,
                        source: "jvn",
                        hit: Hit {
                            confidence: Confidence::Jvn,
                            criterion: cpe.clone(),
                            range_text: String::new(),
                            fixed_version: String::new(),
                            device_cpe: device_cpe.name.clone(),
                            device_version: device_cpe.version.clone().unwrap_or_default(),
                            note: Note::JvnVersionless,
                        },
                    });
                }
            }
            for cve in kev_by_key.get(key).into_iter().flatten() {
                if seen.insert(cve.clone()) {
                    out.push(ProfileHit {
                        vuln_id: cve.clone(),
                        source: "kev",
                        hit: Hit {
                            confidence: Confidence::Product,
                            criterion: key.clone(),
                            range_text: String::new(),
                            fixed_version: String::new(),
                            device_cpe: device_cpe.name.clone(),
                            device_version: device_cpe.version.clone().unwrap_or_default(),
                            note: Note::KevNameOnly,
                        },
                    });
                }
            }
        }
        out
    };
    for (profile, device_profile) in profiles.iter_mut().zip(&matchable) {
        profile.hits = hits_of(device_profile);
    }
    Ok(Computed { devices, profiles })
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

/// What a refresh changed, in device–vulnerability pairs.
#[derive(Debug, Default)]
pub struct Refreshed {
    pub exact: usize,
    pub added: usize,
    pub removed: usize,
    /// Alerts raised (new high-priority matches), one per vulnerability.
    pub alerts: Vec<i64>,
}

/// A stored exact match: everything that explains it, to notice when the reason changed.
#[derive(sqlx::FromRow)]
struct StoredMatch {
    profile_id: i64,
    vuln_id: String,
    source: String,
    device_cpe: String,
    device_version: String,
    criterion: String,
    range_text: String,
    fixed_version: String,
    note: String,
}

impl StoredMatch {
    fn same_as(&self, h: &ProfileHit) -> bool {
        self.source == h.source
            && self.device_cpe == h.hit.device_cpe
            && self.device_version == h.hit.device_version
            && self.criterion == h.hit.criterion
            && self.range_text == h.hit.range_text
            && self.fixed_version == h.hit.fixed_version
            && self.note == h.hit.note.as_str()
    }
}

async fn audit_mark(db: &Db) -> Result<i64, VulnError> {
    Ok(crate::db::audit::last_seq(db).await?)
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
    let ids = crate::facility::api::ids(db).await?;
    let mut out = Vec::new();
    for id in ids {
        out.push(refresh(db, id, cause).await?);
    }
    Ok(out)
}

fn exact_hits(p: &Profile) -> impl Iterator<Item = &ProfileHit> {
    p.hits
        .iter()
        .filter(|h| h.hit.confidence == Confidence::Exact)
}

/// Re-matches a facility, stores its exact matches per profile, points each device at its
/// profile, and raises alerts for new high-priority matches that are not suppressed.
pub async fn refresh(db: &Db, facility_id: i64, cause: Cause) -> Result<Refreshed, VulnError> {
    let mark = audit_mark(db).await?;
    let computed = compute(db, facility_id, None).await?;
    let exact_ids = distinct(
        computed
            .profiles
            .iter()
            .flat_map(exact_hits)
            .map(|h| &h.vuln_id),
    );
    let priorities = priorities(db, &exact_ids).await?;
    let published: HashMap<String, String> = in_chunks(
        db,
        "SELECT cve_id, published FROM vuln_cves WHERE cve_id IN",
        "",
        &exact_ids,
    )
    .await?
    .into_iter()
    .collect();
    let now = now_text();
    let mut w = db.write().await?;

    let stored_profiles: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, cpes, os_version FROM vuln_profiles WHERE facility_id = $1")
            .bind(facility_id)
            .fetch_all(&mut *w.tx)
            .await?;
    let mut stored_matches: HashMap<i64, HashMap<String, StoredMatch>> = HashMap::new();
    for m in sqlx::query_as::<_, StoredMatch>(
        "SELECT m.profile_id, m.vuln_id, m.source, m.device_cpe, m.device_version, m.criterion, m.range_text, m.fixed_version, m.note
         FROM vuln_profile_matches m JOIN vuln_profiles p ON p.id = m.profile_id WHERE p.facility_id = $1",
    )
    .bind(facility_id)
    .fetch_all(&mut *w.tx)
    .await?
    {
        stored_matches
            .entry(m.profile_id)
            .or_default()
            .insert(m.vuln_id.clone(), m);
    }
    let stored_devices: HashMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>(
        "SELECT device_id, profile_id FROM vuln_device_profiles WHERE facility_id = $1",
    )
    .bind(facility_id)
    .fetch_all(&mut *w.tx)
    .await?
    .into_iter()
    .collect();

    // Profiles keep their ids while any device has them.
    let by_key: HashMap<(&str, &str), i64> = stored_profiles
        .iter()
        .map(|(id, cpes, version)| ((cpes.as_str(), version.as_str()), *id))
        .collect();
    let mut profile_ids: Vec<i64> = Vec::with_capacity(computed.profiles.len());
    for p in &computed.profiles {
        let id = match by_key.get(&(p.cpes.as_str(), p.os_version.as_str())) {
            Some(id) => *id,
            None => {
                sqlx::query_scalar(
                    "INSERT INTO vuln_profiles (facility_id, cpes, os_version) VALUES ($1, $2, $3) RETURNING id",
                )
                .bind(facility_id)
                .bind(p.cpes.clone())
                .bind(p.os_version.clone())
                .fetch_one(&mut *w.tx)
                .await?
            }
        };
        profile_ids.push(id);
    }

    // Each profile's exact matches against what was stored.
    let empty = HashMap::new();
    let mut fresh: Vec<(i64, &ProfileHit)> = Vec::new();
    let mut changed: Vec<(i64, &ProfileHit)> = Vec::new();
    let mut gone: Vec<(i64, &str)> = Vec::new();
    let mut added_to: Vec<HashSet<&str>> = Vec::with_capacity(computed.profiles.len());
    let mut removed_from: Vec<usize> = Vec::with_capacity(computed.profiles.len());
    for (p, &id) in computed.profiles.iter().zip(&profile_ids) {
        let old = stored_matches.get(&id).unwrap_or(&empty);
        let mut added = HashSet::new();
        let mut kept = HashSet::new();
        for h in exact_hits(p) {
            kept.insert(h.vuln_id.as_str());
            match old.get(&h.vuln_id) {
                None => {
                    added.insert(h.vuln_id.as_str());
                    fresh.push((id, h));
                }
                // A match whose reason changed (new criteria) keeps the date first seen.
                Some(m) if !m.same_as(h) => changed.push((id, h)),
                Some(_) => {}
            }
        }
        let before = gone.len();
        gone.extend(
            old.keys()
                .filter(|v| !kept.contains(v.as_str()))
                .map(|v| (id, v.as_str())),
        );
        removed_from.push(gone.len() - before);
        added_to.push(added);
    }
    delete_matches(&mut w, &gone).await?;
    for (id, h) in &changed {
        sqlx::query(
            "UPDATE vuln_profile_matches SET source = $1, device_cpe = $2, device_version = $3, criterion = $4, range_text = $5, fixed_version = $6, note = $7 WHERE profile_id = $8 AND vuln_id = $9",
        )
        .bind(h.source)
        .bind(h.hit.device_cpe.clone())
        .bind(h.hit.device_version.clone())
        .bind(h.hit.criterion.clone())
        .bind(h.hit.range_text.clone())
        .bind(h.hit.fixed_version.clone())
        .bind(h.hit.note.as_str())
        .bind(*id)
        .bind(h.vuln_id.clone())
        .execute(&mut *w.tx)
        .await?;
    }
    insert_matches(&mut w, &fresh, &now).await?;

    // Devices: which pairs are new to each (for alerts), and where each points now.
    let old_set = |profile_id: Option<&i64>| -> HashSet<&str> {
        profile_id
            .and_then(|id| stored_matches.get(id))
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    };
    let mut report = Refreshed::default();
    let mut moved: Vec<(i64, i64)> = Vec::new();
    let mut new_pairs: Vec<(usize, usize, &str)> = Vec::new();
    let mut present: HashSet<i64> = HashSet::new();
    for (pi, (p, &id)) in computed.profiles.iter().zip(&profile_ids).enumerate() {
        let exact_count = exact_hits(p).count();
        report.exact += exact_count * p.devices.len();
        for &di in &p.devices {
            let device = &computed.devices[di];
            present.insert(device.id);
            let was = stored_devices.get(&device.id);
            if was == Some(&id) {
                report.added += added_to[pi].len();
                report.removed += removed_from[pi];
                new_pairs.extend(added_to[pi].iter().map(|v| (pi, di, *v)));
            } else {
                moved.push((device.id, id));
                let before = old_set(was);
                let now_set: HashSet<&str> = exact_hits(p).map(|h| h.vuln_id.as_str()).collect();
                report.removed += before.difference(&now_set).count();
                for v in now_set.difference(&before) {
                    report.added += 1;
                    new_pairs.push((pi, di, v));
                }
            }
        }
    }
    let left: Vec<i64> = stored_devices
        .iter()
        .filter(|(device, _)| !present.contains(*device))
        .map(|(device, profile)| {
            report.removed += stored_matches.get(profile).map_or(0, HashMap::len);
            *device
        })
        .collect();
    super::store::delete_ids(&mut w, "vuln_device_profiles", "device_id", &left).await?;
    upsert_devices(&mut w, facility_id, &moved, &now).await?;
    let used: HashSet<i64> = profile_ids.iter().copied().collect();
    let unused: Vec<i64> = stored_profiles
        .iter()
        .map(|(id, _, _)| *id)
        .filter(|id| !used.contains(id))
        .collect();
    super::store::delete_ids(&mut w, "vuln_profile_matches", "profile_id", &unused).await?;
    super::store::delete_ids(&mut w, "vuln_profiles", "id", &unused).await?;

    // Alerts: new (not re-written) high-priority pairs nobody suppressed, one per vulnerability,
    // leaving out what a Windows device's monthly updates already fixed.
    let suppressed = active_suppressions(&mut w, facility_id).await?;
    let mut windows = model::WindowsCpes::default();
    let mut by_vuln: HashMap<&str, Vec<&MatchInput>> = HashMap::new();
    for (pi, di, vuln_id) in new_pairs {
        let device = &computed.devices[di];
        let mut p = priorities.get(vuln_id).cloned().unwrap_or_default();
        p.facing = device.facing;
        let updated = computed.profiles[pi]
            .hits
            .iter()
            .find(|h| h.vuln_id == vuln_id)
            .is_some_and(|h| {
                model::updated_past(
                    (&device.last_patched, &device.end_of_support),
                    windows.of(&h.hit.device_cpe),
                    published.get(vuln_id).map(String::as_str),
                )
            });
        if model::is_high_priority(Confidence::Exact, &p)
            && !updated
            && !suppressed.contains(&(device.id, vuln_id.to_string()))
        {
            by_vuln.entry(vuln_id).or_default().push(device);
        }
    }
    let mut vulns: Vec<(&str, Vec<&MatchInput>)> = by_vuln.into_iter().collect();
    vulns.sort_by(|(a, _), (b, _)| {
        let pa = priorities.get(*a).cloned().unwrap_or_default();
        let pb = priorities.get(*b).cloned().unwrap_or_default();
        model::by_priority(&pa, &pb).then_with(|| a.cmp(b))
    });
    for (vuln_id, mut devices) in vulns {
        // The device named is the most exposed one.
        devices.sort_by_key(|d| (!d.facing, d.id));
        let first = devices[0];
        let p = priorities.get(vuln_id).cloned().unwrap_or_default();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO vuln_alerts (facility_id, created_at, cause, device_id, device_name, other_devices, vuln_id, kev, ransomware, cvss_score_x10)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(facility_id)
        .bind(now.clone())
        .bind(cause.as_str())
        .bind(first.id)
        .bind(first.name.clone())
        .bind(devices.len() as i64 - 1)
        .bind(vuln_id)
        .bind(i64::from(p.kev))
        .bind(i64::from(p.ransomware))
        .bind(p.cvss_x10)
        .fetch_one(&mut *w.tx)
        .await?;
        report.alerts.push(id);
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
    Ok(report)
}

/// Multi-row statements, kept under SQLite's bound-parameter limit.
const PARAMETERS: usize = 3000;

async fn delete_matches(w: &mut WriteTx, gone: &[(i64, &str)]) -> Result<(), VulnError> {
    let mut by_profile: HashMap<i64, Vec<String>> = HashMap::new();
    for (profile, vuln) in gone {
        by_profile
            .entry(*profile)
            .or_default()
            .push((*vuln).to_string());
    }
    let backend = w.backend();
    for (profile, vulns) in by_profile {
        for part in vulns.chunks(PARAMETERS) {
            let sql = format!(
                "DELETE FROM vuln_profile_matches WHERE profile_id = $1 AND vuln_id IN ({})",
                placeholders(backend, 2, part.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(profile);
            for v in part {
                q = q.bind(v.clone());
            }
            q.execute(&mut *w.tx).await?;
        }
    }
    Ok(())
}

async fn insert_matches(
    w: &mut WriteTx,
    fresh: &[(i64, &ProfileHit)],
    now: &str,
) -> Result<(), VulnError> {
    let mut fresh = fresh.to_vec();
    insert_rows(
        w,
        ("INSERT INTO vuln_profile_matches (profile_id, vuln_id, source, device_cpe, device_version, criterion, range_text, fixed_version, note, first_seen)", ""),
        10,
        &mut fresh,
        |q, (profile, h)| {
            q.bind(*profile)
                .bind(h.vuln_id.clone())
                .bind(h.source)
                .bind(h.hit.device_cpe.clone())
                .bind(h.hit.device_version.clone())
                .bind(h.hit.criterion.clone())
                .bind(h.hit.range_text.clone())
                .bind(h.hit.fixed_version.clone())
                .bind(h.hit.note.as_str())
                .bind(now.to_string())
        },
    )
    .await?;
    Ok(())
}

/// Points devices at their (new) profiles; `since` restarts, as their matches were re-decided.
async fn upsert_devices(
    w: &mut WriteTx,
    facility_id: i64,
    moved: &[(i64, i64)],
    now: &str,
) -> Result<(), VulnError> {
    let mut moved = moved.to_vec();
    insert_rows(
        w,
        (
            "INSERT INTO vuln_device_profiles (device_id, facility_id, profile_id, since)",
            "ON CONFLICT (device_id) DO UPDATE SET profile_id = excluded.profile_id, since = excluded.since",
        ),
        4,
        &mut moved,
        |q, (device, profile)| {
            q.bind(*device)
                .bind(facility_id)
                .bind(*profile)
                .bind(now.to_string())
        },
    )
    .await?;
    Ok(())
}

/// The (device, vulnerability) pairs suppressed today.
async fn active_suppressions(
    w: &mut WriteTx,
    facility_id: i64,
) -> Result<HashSet<(i64, String)>, VulnError> {
    let today = crate::kernel::time::today_jst_text();
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
    let unique = distinct(vuln_ids);
    let mut out: HashMap<String, Priority> = HashMap::new();
    let nvd: Vec<(String, i64)> = in_chunks(
        db,
        "SELECT cve_id, cvss_score_x10 FROM vuln_cves WHERE cve_id IN",
        "",
        &unique,
    )
    .await?;
    for (id, score) in nvd {
        out.entry(id).or_default().cvss_x10 = score;
    }
    let jvn: Vec<(String, i64)> = in_chunks(
        db,
        "SELECT jc.cve_id, MAX(j.cvss_score_x10) FROM vuln_jvn_cves jc JOIN vuln_jvn j ON j.jvn_id = jc.jvn_id WHERE jc.cve_id IN",
        "GROUP BY jc.cve_id",
        &unique,
    )
    .await?;
    for (id, score) in jvn {
        let p = out.entry(id).or_default();
        if p.cvss_x10 == 0 {
            p.cvss_x10 = score;
        }
    }
    let kev: Vec<(String, i64)> = in_chunks(
        db,
        "SELECT cve_id, ransomware FROM vuln_kev WHERE cve_id IN",
        "",
        &unique,
    )
    .await?;
    for (id, ransomware) in kev {
        let p = out.entry(id).or_default();
        p.kev = true;
        p.ransomware = ransomware != 0;
    }
    Ok(out)
}

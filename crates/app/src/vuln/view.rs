//! What people see: the matches in priority order with everything a row needs (device, whom to
//! call, title in Japanese when JVN has one, KEV, fixed version, next step), suppressions, and
//! one vulnerability's details.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use sqlx::Row;

use super::matches::{self, Computed, ProfileHit};
use super::model::{self, Confidence, Note, Priority};
use super::store::VulnError;
use crate::db::{
    Db,
    audit::{self, Event},
    now_text,
};
use crate::kernel::{Actor, Permission};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Suppression {
    /// "false_positive" or "accepted".
    pub kind: String,
    pub reason: String,
    /// Last day it holds (YYYY-MM-DD).
    pub until: String,
    pub created_by: String,
    pub created_at: String,
}

/// A device a row stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRef {
    pub id: i64,
    pub name: String,
}

/// One vulnerability on one or more devices that name the same CPEs and version, face the
/// same way, are kept by the same vendor and carry the same mark: everything on the row is
/// true of each of them, so 300 identical PCs make one row, not 300.
#[derive(Debug, Clone)]
pub struct MatchRow {
    /// By name; shared between the rows of a profile.
    pub devices: Arc<[DeviceRef]>,
    /// Whom to call: the devices' maintenance vendor.
    pub vendor: String,
    pub facing: bool,
    pub vuln_id: String,
    pub title: String,
    /// The title is JVN's Japanese one.
    pub title_ja: bool,
    pub kev: bool,
    pub ransomware: bool,
    pub kev_due: String,
    pub cvss_x10: i64,
    pub confidence: &'static str,
    pub source: &'static str,
    pub criterion: String,
    pub range_text: String,
    pub device_cpe: String,
    pub device_version: String,
    pub fixed_version: String,
    pub note: &'static str,
    pub next_step: &'static str,
    pub suppression: Option<Suppression>,
    /// A suppression that ran out (the match is back).
    pub expired: Option<Suppression>,
    /// The product in words: the ledger's OS name for the firmware CPE, else the CPE's product.
    pub product: String,
    /// The CVE's publication day (YYYY-MM-DD) when every device of the row has been updated
    /// since, by Windows' monthly update: assumed fixed. Empty otherwise.
    pub updated_since: String,
}

impl MatchRow {
    pub fn cvss(&self) -> String {
        if self.cvss_x10 == 0 {
            String::new()
        } else {
            format!("{:.1}", self.cvss_x10 as f64 / 10.0)
        }
    }

    pub fn is_high(&self) -> bool {
        self.confidence == Confidence::Exact.as_str()
    }

    /// The first device (the one a link or a form names).
    pub fn device_id(&self) -> i64 {
        self.devices.first().map_or(0, |d| d.id)
    }

    pub fn device(&self) -> &str {
        self.devices.first().map_or("", |d| d.name.as_str())
    }

    /// How many devices besides the first.
    pub fn others(&self) -> usize {
        self.devices.len().saturating_sub(1)
    }
}

/// Matches split the way the page shows them.
#[derive(Debug, Default)]
pub struct Listing {
    /// Exact matches, not suppressed, in priority order.
    pub high: Vec<MatchRow>,
    /// Vendor+product or JVN matches, not suppressed.
    pub low: Vec<MatchRow>,
    pub suppressed: Vec<MatchRow>,
    /// Matches on Windows that the monthly update applied since the CVE came out has fixed
    /// (assumed from the ledger's 最終更新日).
    pub assumed_fixed: Vec<MatchRow>,
    /// Devices whose operating system no longer gets updates: a finding of its own, as no
    /// update will fix what is found on them.
    pub unsupported: Vec<Unsupported>,
}

/// A device on an operating system past its end of support.
#[derive(Debug, Clone)]
pub struct Unsupported {
    pub device: DeviceRef,
    pub cpe: String,
    /// YYYY-MM-DD.
    pub ended: String,
    pub facing: bool,
}

struct Texts {
    titles: HashMap<String, (String, bool)>,
    kev: HashMap<String, (bool, String)>,
    /// NVD's publication date of each CVE.
    published: HashMap<String, String>,
}

/// Titles (JVN's Japanese first, then KEV's name, then NVD's description) and KEV due dates.
async fn texts(db: &Db, ids: &[String]) -> Result<Texts, VulnError> {
    let mut titles: HashMap<String, (String, bool)> = HashMap::new();
    let mut kev: HashMap<String, (bool, String)> = HashMap::new();
    let mut published: HashMap<String, String> = HashMap::new();
    for part in ids.chunks(500) {
        let list = crate::db::placeholders(db.backend(), 1, part.len());
        let bind_all = |sql: String| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in part {
                q = q.bind(id.clone());
            }
            q
        };
        for row in bind_all(format!(
            "SELECT cve_id, description, published FROM vuln_cves WHERE cve_id IN ({list})"
        ))
        .fetch_all(db.pool())
        .await?
        {
            let id: String = row.try_get(0)?;
            published.insert(id.clone(), row.try_get(2)?);
            titles.insert(id, (short(&row.try_get::<String, _>(1)?), false));
        }
        for row in bind_all(format!(
            "SELECT cve_id, name, due_date, ransomware FROM vuln_kev WHERE cve_id IN ({list})"
        ))
        .fetch_all(db.pool())
        .await?
        {
            let id: String = row.try_get(0)?;
            let name: String = row.try_get(1)?;
            if !name.is_empty() {
                titles.insert(id.clone(), (name, false));
            }
            let ransomware: i64 = row.try_get(3)?;
            kev.insert(id, (ransomware != 0, row.try_get(2)?));
        }
        for row in bind_all(format!(
            "SELECT jc.cve_id, j.title FROM vuln_jvn_cves jc JOIN vuln_jvn j ON j.jvn_id = jc.jvn_id WHERE jc.cve_id IN ({list}) ORDER BY j.modified"
        ))
        .fetch_all(db.pool())
        .await?
        {
            let id: String = row.try_get(0)?;
            titles.insert(id, (row.try_get(1)?, true));
        }
        for row in bind_all(format!(
            "SELECT jvn_id, title FROM vuln_jvn WHERE jvn_id IN ({list})"
        ))
        .fetch_all(db.pool())
        .await?
        {
            let id: String = row.try_get(0)?;
            titles.insert(id, (row.try_get(1)?, true));
        }
    }
    Ok(Texts {
        titles,
        kev,
        published,
    })
}

/// The first sentence of an English description, at most about 160 characters.
fn short(text: &str) -> String {
    let first = text.split(". ").next().unwrap_or(text).trim();
    if first.chars().count() > 160 {
        let cut: String = first.chars().take(157).collect();
        format!("{cut}…")
    } else {
        first.to_string()
    }
}

/// Marks by vulnerability, then device: most vulnerabilities have none, and those rows need
/// no look-up per device.
async fn suppressions(
    db: &Db,
    facility_id: i64,
) -> Result<HashMap<String, HashMap<i64, Suppression>>, VulnError> {
    let rows = sqlx::query(
        "SELECT device_id, vuln_id, kind, reason, until, created_by, created_at FROM vuln_suppressions WHERE facility_id = $1",
    )
    .bind(facility_id)
    .fetch_all(db.pool())
    .await?;
    let mut out: HashMap<String, HashMap<i64, Suppression>> = HashMap::new();
    for r in rows {
        out.entry(r.try_get(1)?).or_default().insert(
            r.try_get(0)?,
            Suppression {
                kind: r.try_get(2)?,
                reason: r.try_get(3)?,
                until: r.try_get(4)?,
                created_by: r.try_get(5)?,
                created_at: r.try_get(6)?,
            },
        );
    }
    Ok(out)
}

/// The facility's matches (or one device's), in priority order. Matching is worked out from the
/// ledger as it is now; what is stored from it (first seen, alerts) is kept up to date by the
/// watch job, so showing a page writes nothing.
pub async fn listing(
    db: &Db,
    facility_id: i64,
    device: Option<i64>,
    today: NaiveDate,
) -> Result<Listing, VulnError> {
    let computed = matches::compute(db, facility_id, device).await?;
    rows_of(db, facility_id, &computed, None, today).await
}

/// The devices one vulnerability was found on.
pub async fn for_vuln(
    db: &Db,
    facility_id: i64,
    vuln_id: &str,
    today: NaiveDate,
) -> Result<Listing, VulnError> {
    let computed = matches::compute(db, facility_id, None).await?;
    rows_of(db, facility_id, &computed, Some(vuln_id), today).await
}

/// The devices of the row that shows `vuln_id` on `device_id` (just that device when no row
/// does), so a mark set on a row applies to everything the row stands for.
pub async fn row_devices(
    db: &Db,
    facility_id: i64,
    vuln_id: &str,
    device_id: i64,
    today: NaiveDate,
) -> Result<Vec<i64>, VulnError> {
    let listing = for_vuln(db, facility_id, vuln_id, today).await?;
    Ok(listing
        .high
        .iter()
        .chain(&listing.low)
        .chain(&listing.suppressed)
        .find(|r| r.devices.iter().any(|d| d.id == device_id))
        .map(|r| r.devices.iter().map(|d| d.id).collect())
        .unwrap_or_else(|| vec![device_id]))
}

/// What sets devices of a profile apart on a row.
#[derive(PartialEq, Eq)]
struct RowKey<'a> {
    facing: bool,
    vendor: &'a str,
    active: Option<&'a Suppression>,
    expired: Option<&'a Suppression>,
    /// Fixed by the monthly update applied since the CVE came out.
    updated: bool,
}

async fn rows_of(
    db: &Db,
    facility_id: i64,
    computed: &Computed,
    only_vuln: Option<&str>,
    today: NaiveDate,
) -> Result<Listing, VulnError> {
    let wanted = |h: &ProfileHit| only_vuln.is_none_or(|v| v == h.vuln_id);
    let mut ids: Vec<String> = computed
        .profiles
        .iter()
        .flat_map(|p| p.hits.iter().filter(|h| wanted(h)))
        .map(|h| h.vuln_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    let priorities = matches::priorities(db, &ids).await?;
    let texts = texts(db, &ids).await?;
    let marks = suppressions(db, facility_id).await?;
    let today_text = today.format("%Y-%m-%d").to_string();
    let mut keyed: Vec<(Priority, MatchRow)> = Vec::new();
    let mut windows = model::WindowsCpes::default();
    for p in &computed.profiles {
        // Devices split by exposure and vendor once per profile; marks split further below.
        let mut parts: Vec<(RowKey, Vec<DeviceRef>)> = Vec::new();
        for &di in &p.devices {
            let d = &computed.devices[di];
            let key = RowKey {
                facing: d.facing,
                vendor: &d.maintenance_vendor,
                active: None,
                expired: None,
                updated: false,
            };
            push_device(&mut parts, key, d);
        }
        let plain = shared(parts);
        let firmware = firmware_words(p, computed);
        for h in p.hits.iter().filter(|h| wanted(h)) {
            let monthly = windows.of(&h.hit.device_cpe);
            let published = texts.published.get(&h.vuln_id).map(String::as_str);
            let marked = marks.get(&h.vuln_id);
            let groups: Vec<(RowKey, Arc<[DeviceRef]>)> =
                if marked.is_none() && !(monthly.is_some() && published.is_some()) {
                    plain
                        .iter()
                        .map(|(k, devices)| {
                            (
                                RowKey {
                                    facing: k.facing,
                                    vendor: k.vendor,
                                    active: None,
                                    expired: None,
                                    updated: false,
                                },
                                devices.clone(),
                            )
                        })
                        .collect()
                } else {
                    let mut parts: Vec<(RowKey, Vec<DeviceRef>)> = Vec::new();
                    for &di in &p.devices {
                        let d = &computed.devices[di];
                        let (active, expired) = match marked.and_then(|m| m.get(&d.id)) {
                            Some(s) if s.until >= today_text => (Some(s), None),
                            Some(s) => (None, Some(s)),
                            None => (None, None),
                        };
                        let updated = model::updated_past(
                            (&d.last_patched, &d.end_of_support),
                            monthly,
                            published,
                        );
                        let key = RowKey {
                            facing: d.facing,
                            vendor: &d.maintenance_vendor,
                            active,
                            expired,
                            updated,
                        };
                        push_device(&mut parts, key, d);
                    }
                    shared(parts)
                };
            for (key, devices) in groups {
                let mut pr = priorities.get(&h.vuln_id).cloned().unwrap_or_default();
                pr.facing = key.facing;
                let (title, title_ja) = texts.titles.get(&h.vuln_id).cloned().unwrap_or_default();
                let kev_due = texts
                    .kev
                    .get(&h.vuln_id)
                    .map(|(_, due)| due.clone())
                    .unwrap_or_default();
                let row = MatchRow {
                    devices,
                    vendor: key.vendor.to_string(),
                    facing: key.facing,
                    vuln_id: h.vuln_id.clone(),
                    title,
                    title_ja,
                    kev: pr.kev,
                    ransomware: pr.ransomware,
                    kev_due,
                    cvss_x10: pr.cvss_x10,
                    confidence: h.hit.confidence.as_str(),
                    source: h.source,
                    criterion: h.hit.criterion.clone(),
                    range_text: h.hit.range_text.clone(),
                    device_cpe: h.hit.device_cpe.clone(),
                    device_version: h.hit.device_version.clone(),
                    fixed_version: h.hit.fixed_version.clone(),
                    note: h.hit.note.as_str(),
                    next_step: model::next_step_key(h.hit.confidence, h.hit.note, &pr),
                    suppression: key.active.cloned(),
                    expired: key.expired.cloned(),
                    product: match &firmware {
                        Some((cpe, name)) if *cpe == h.hit.device_cpe => name.clone(),
                        _ => product_words(&h.hit.device_cpe),
                    },
                    updated_since: if key.updated {
                        published.unwrap_or("").get(..10).unwrap_or("").to_string()
                    } else {
                        String::new()
                    },
                };
                keyed.push((pr, row));
            }
        }
    }
    keyed.sort_by(|(pa, a), (pb, b)| {
        model::by_priority(pa, pb)
            .then_with(|| a.device().cmp(b.device()))
            .then_with(|| b.vuln_id.cmp(&a.vuln_id))
    });
    let mut listing = Listing::default();
    if only_vuln.is_none() {
        listing.unsupported = unsupported(computed, &today_text);
    }
    for (_, row) in keyed {
        if row.suppression.is_some() {
            listing.suppressed.push(row);
        } else if !row.updated_since.is_empty() {
            listing.assumed_fixed.push(row);
        } else if row.is_high() {
            listing.high.push(row);
        } else {
            listing.low.push(row);
        }
    }
    Ok(listing)
}

/// The firmware CPE of a profile and the ledger's name for it (from its first device), when the
/// ledger names it.
fn firmware_words(p: &matches::Profile, computed: &Computed) -> Option<(String, String)> {
    let d = &computed.devices[*p.devices.first()?];
    if d.os_name.trim().is_empty() {
        return None;
    }
    let wfns: Vec<mamori_formats::cpe::Wfn> = p
        .cpes
        .split_whitespace()
        .filter_map(|c| mamori_formats::cpe::parse(c).ok())
        .collect();
    let i = crate::ledger::api::firmware_cpe(&wfns)?;
    Some((wfns[i].to_fs(), d.os_name.trim().to_string()))
}

/// A CPE's product as words (`pulse_connect_secure` → `pulse connect secure`).
pub fn product_words(cpe: &str) -> String {
    mamori_formats::cpe::parse(cpe)
        .ok()
        .and_then(|w| w.product.plain())
        .map(|p| p.replace('_', " "))
        .unwrap_or_else(|| cpe.to_string())
}

/// The devices whose operating system's support has ended (the ledger's サポート終了日, or the
/// known end of a Windows release), most exposed first.
fn unsupported(computed: &Computed, today: &str) -> Vec<Unsupported> {
    let mut out: Vec<Unsupported> = computed
        .devices
        .iter()
        .filter_map(|d| {
            let wfns: Vec<mamori_formats::cpe::Wfn> = d
                .cpes
                .split_whitespace()
                .filter_map(|c| mamori_formats::cpe::parse(c).ok())
                .collect();
            let os = crate::ledger::api::firmware_cpe(&wfns).map(|i| &wfns[i]);
            let ended = if d.end_of_support.is_empty() {
                os.and_then(model::known_end_of_support)?.to_string()
            } else {
                d.end_of_support.clone()
            };
            (ended.as_str() < today).then(|| Unsupported {
                device: DeviceRef {
                    id: d.id,
                    name: d.name.clone(),
                },
                cpe: os.map(|w| w.to_fs()).unwrap_or_default(),
                ended,
                facing: d.facing,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (b.facing, &a.ended, &a.device.name).cmp(&(a.facing, &b.ended, &b.device.name))
    });
    out
}

/// Each part's devices by name, ready to be shared between rows.
fn shared(parts: Vec<(RowKey<'_>, Vec<DeviceRef>)>) -> Vec<(RowKey<'_>, Arc<[DeviceRef]>)> {
    parts
        .into_iter()
        .map(|(k, mut devices)| {
            devices.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
            (k, Arc::from(devices))
        })
        .collect()
}

fn push_device<'a>(
    parts: &mut Vec<(RowKey<'a>, Vec<DeviceRef>)>,
    key: RowKey<'a>,
    d: &crate::ledger::api::MatchInput,
) {
    let device = DeviceRef {
        id: d.id,
        name: d.name.clone(),
    };
    match parts.iter_mut().find(|(k, _)| *k == key) {
        Some((_, devices)) => devices.push(device),
        None => parts.push((key, vec![device])),
    }
}

// ---------------------------------------------------------------------------------------------
// One vulnerability

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct JvnText {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub solution: String,
    pub link: String,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct KevText {
    pub name: String,
    pub vendor_project: String,
    pub product: String,
    pub short_description: String,
    pub required_action: String,
    pub date_added: String,
    pub due_date: String,
    pub ransomware: bool,
    pub notes: String,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct VulnDetail {
    pub id: String,
    pub description: String,
    pub published: String,
    pub last_modified: String,
    pub cvss_version: String,
    pub cvss_x10: i64,
    pub cvss_severity: String,
    pub cvss_vector: String,
    pub cwes: Vec<String>,
    pub references: Vec<String>,
    pub jvn: Vec<JvnText>,
    pub kev: Option<KevText>,
    /// Known to NVD (criteria loaded).
    pub in_nvd: bool,
}

pub async fn detail(db: &Db, vuln_id: &str) -> Result<VulnDetail, VulnError> {
    let mut d = VulnDetail {
        id: vuln_id.to_string(),
        ..VulnDetail::default()
    };
    if let Some(r) = sqlx::query(
        "SELECT description, published, last_modified, cvss_version, cvss_score_x10, cvss_severity, cvss_vector, cwes, refs FROM vuln_cves WHERE cve_id = $1",
    )
    .bind(vuln_id)
    .fetch_optional(db.pool())
    .await?
    {
        d.in_nvd = true;
        d.description = r.try_get(0)?;
        d.published = r.try_get(1)?;
        d.last_modified = r.try_get(2)?;
        d.cvss_version = r.try_get(3)?;
        d.cvss_x10 = r.try_get(4)?;
        d.cvss_severity = r.try_get(5)?;
        d.cvss_vector = r.try_get(6)?;
        d.cwes = r
            .try_get::<String, _>(7)?
            .split_whitespace()
            .map(str::to_string)
            .collect();
        d.references = r
            .try_get::<String, _>(8)?
            .lines()
            .filter_map(crate::kernel::record::outside_link)
            .collect();
    }
    let jvn_rows = sqlx::query(
        "SELECT j.jvn_id, j.title, j.summary, j.solution, j.link, j.cvss_score_x10 FROM vuln_jvn j
         WHERE j.jvn_id = $1 OR j.jvn_id IN (SELECT jvn_id FROM vuln_jvn_cves WHERE cve_id = $2)
         ORDER BY j.jvn_id",
    )
    .bind(vuln_id)
    .bind(vuln_id)
    .fetch_all(db.pool())
    .await?;
    for r in jvn_rows {
        let score: i64 = r.try_get(5)?;
        if d.cvss_x10 == 0 {
            d.cvss_x10 = score;
        }
        d.jvn.push(JvnText {
            id: r.try_get(0)?,
            title: r.try_get(1)?,
            summary: r.try_get(2)?,
            solution: r.try_get(3)?,
            link: crate::kernel::record::outside_link(&r.try_get::<String, _>(4)?)
                .unwrap_or_default(),
        });
    }
    if let Some(r) = sqlx::query(
        "SELECT name, vendor_project, product, short_description, required_action, date_added, due_date, ransomware, notes FROM vuln_kev WHERE cve_id = $1",
    )
    .bind(vuln_id)
    .fetch_optional(db.pool())
    .await?
    {
        let ransomware: i64 = r.try_get(7)?;
        d.kev = Some(KevText {
            name: r.try_get(0)?,
            vendor_project: r.try_get(1)?,
            product: r.try_get(2)?,
            short_description: r.try_get(3)?,
            required_action: r.try_get(4)?,
            date_added: r.try_get(5)?,
            due_date: r.try_get(6)?,
            ransomware: ransomware != 0,
            notes: r.try_get(8)?,
        });
    }
    if !d.in_nvd && d.jvn.is_empty() && d.kev.is_none() {
        return Err(VulnError::NotFound);
    }
    Ok(d)
}

// ---------------------------------------------------------------------------------------------
// Suppressions

/// The kinds of mark, the default first: 対応済み, never 誤検知, is what a person most often
/// means, and calling a KEV match a false positive must be a deliberate choice.
pub const SUPPRESSION_KINDS: [(&str, &str); 3] = [
    ("patched", crate::mkey!("vuln-suppress-patched")),
    (
        "false_positive",
        crate::mkey!("vuln-suppress-false-positive"),
    ),
    ("accepted", crate::mkey!("vuln-suppress-accepted")),
];

/// A suppression as asked for.
#[derive(Debug, Clone, Copy)]
pub struct SuppressRequest<'a> {
    /// Each vulnerability with the devices the mark is for (one device, a row's, a selection).
    pub pairs: &'a [(String, Vec<i64>)],
    /// "patched", "false_positive" or "accepted".
    pub kind: &'a str,
    pub reason: &'a str,
    /// Last day (YYYY-MM-DD).
    pub until: &'a str,
}

/// Marks a match 誤検知 or リスク受容 until a date (inclusive). Needs a reason; the date must
/// be today or later and at most three years ahead, so every acceptance is looked at again.
pub async fn suppress(
    db: &Db,
    actor: &Actor,
    facility_id: i64,
    request: &SuppressRequest<'_>,
    today: NaiveDate,
) -> Result<(), VulnError> {
    actor.require(Permission::Edit)?;
    let SuppressRequest {
        pairs,
        kind,
        reason,
        until,
    } = *request;
    if !SUPPRESSION_KINDS.iter().any(|(k, _)| *k == kind) {
        return Err(VulnError::Invalid(crate::mkey!(
            "vuln-suppress-kind-invalid"
        )));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(VulnError::Invalid(crate::mkey!(
            "vuln-suppress-reason-required"
        )));
    }
    if reason.chars().count() > 1000 {
        return Err(VulnError::Invalid(crate::mkey!("field-too-long")));
    }
    let until = mamori_formats::dates::parse_date(until.trim()).ok_or(VulnError::Invalid(
        crate::mkey!("vuln-suppress-until-invalid"),
    ))?;
    if until < today || until > today + chrono::Duration::days(3 * 366) {
        return Err(VulnError::Invalid(crate::mkey!(
            "vuln-suppress-until-range"
        )));
    }
    if pairs.is_empty() {
        return Err(VulnError::Invalid(crate::mkey!("vuln-bulk-none")));
    }
    let all: Vec<i64> = pairs
        .iter()
        .flat_map(|(_, ids)| ids.iter().copied())
        .collect();
    let names: HashMap<i64, String> = device_names(db, facility_id, &all)
        .await?
        .into_iter()
        .collect();
    let until_text = until.format("%Y-%m-%d").to_string();
    let created_at = now_text();
    let mut w = db.write().await?;
    let mut events = Vec::with_capacity(all.len());
    for (vuln_id, device_ids) in pairs {
        let vuln_id = vuln_id.as_str();
        for device_id in device_ids {
            let name = names.get(device_id).map(String::as_str).unwrap_or_default();
            let before: Option<(String, String, String)> = sqlx::query_as(
            "SELECT kind, reason, until FROM vuln_suppressions WHERE device_id = $1 AND vuln_id = $2",
        )
        .bind(*device_id)
        .bind(vuln_id)
        .fetch_optional(&mut *w.tx)
        .await?;
            sqlx::query("DELETE FROM vuln_suppressions WHERE device_id = $1 AND vuln_id = $2")
                .bind(*device_id)
                .bind(vuln_id)
                .execute(&mut *w.tx)
                .await?;
            sqlx::query(
            "INSERT INTO vuln_suppressions (facility_id, device_id, vuln_id, kind, reason, until, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(facility_id)
        .bind(*device_id)
        .bind(vuln_id)
        .bind(kind)
        .bind(reason)
        .bind(until_text.clone())
        .bind(actor.name.clone())
        .bind(created_at.clone())
        .execute(&mut *w.tx)
        .await?;
            let (bk, br, bu) = before.unwrap_or_default();
            events.push(
                Event::new("suppress", "vuln_match", format!("{device_id}:{vuln_id}"))
                    .label(format!("{name} / {vuln_id}"))
                    .change("kind", bk, kind)
                    .change("reason", br, reason)
                    .change("until", bu, until_text.clone()),
            );
        }
    }
    audit::append_many(&mut w, actor, events).await?;
    w.commit().await?;
    Ok(())
}

/// The names of the facility's devices among `ids`; any other id is refused as not found.
async fn device_names(
    db: &Db,
    facility_id: i64,
    ids: &[i64],
) -> Result<Vec<(i64, String)>, VulnError> {
    if ids.is_empty() {
        return Err(VulnError::NotFound);
    }
    let wanted: std::collections::HashSet<i64> = ids.iter().copied().collect();
    // The same device named twice (two rows of a selection) is one device.
    let names: Vec<(i64, String)> = crate::ledger::api::device_names(db, facility_id)
        .await?
        .into_iter()
        .filter(|(id, _)| wanted.contains(id))
        .collect();
    if names.len() != wanted.len() {
        return Err(VulnError::NotFound);
    }
    Ok(names)
}

/// Ends suppressions now (one device's, or a row's): the match shows again.
pub async fn lift(
    db: &Db,
    actor: &Actor,
    facility_id: i64,
    device_ids: &[i64],
    vuln_id: &str,
) -> Result<(), VulnError> {
    actor.require(Permission::Edit)?;
    let names = device_names(db, facility_id, device_ids).await?;
    let mut w = db.write().await?;
    let mut events = Vec::new();
    for (device_id, name) in &names {
        let before: Option<(String, String, String)> = sqlx::query_as(
            "SELECT kind, reason, until FROM vuln_suppressions WHERE facility_id = $1 AND device_id = $2 AND vuln_id = $3",
        )
        .bind(facility_id)
        .bind(*device_id)
        .bind(vuln_id)
        .fetch_optional(&mut *w.tx)
        .await?;
        let Some((kind, reason, until)) = before else {
            continue;
        };
        sqlx::query("DELETE FROM vuln_suppressions WHERE device_id = $1 AND vuln_id = $2")
            .bind(*device_id)
            .bind(vuln_id)
            .execute(&mut *w.tx)
            .await?;
        events.push(
            Event::new("unsuppress", "vuln_match", format!("{device_id}:{vuln_id}"))
                .label(format!("{name} / {vuln_id}"))
                .change("kind", kind, "")
                .change("reason", reason, "")
                .change("until", until, ""),
        );
    }
    if events.is_empty() {
        return Err(VulnError::NotFound);
    }
    audit::append_many(&mut w, actor, events).await?;
    w.commit().await?;
    Ok(())
}

/// Whether `note` means the version could decide the match if it were known.
pub fn needs_version(note: &str) -> bool {
    Note::parse(note) == Note::VersionUnknown
}

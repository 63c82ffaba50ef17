//! What people see: the matches in priority order with everything a row needs (device, whom to
//! call, title in Japanese when JVN has one, KEV, fixed version, next step), suppressions, and
//! one vulnerability's details.

use std::collections::HashMap;

use chrono::NaiveDate;
use sqlx::Row;

use super::matches::{self, Found};
use super::model::{self, Confidence, Note, Priority};
use super::store::VulnError;
use crate::db::{
    Db,
    audit::{self, Event},
    now_text,
};
use crate::users::model::{Actor, Permission};

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

#[derive(Debug, Clone, serde::Serialize)]
pub struct MatchRow {
    pub device_id: i64,
    pub device: String,
    /// Whom to call: the device's maintenance vendor.
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
    pub first_seen: String,
    pub suppression: Option<Suppression>,
    /// A suppression that ran out (the match is back).
    pub expired: Option<Suppression>,
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
}

/// Matches split the way the page shows them.
#[derive(Debug, Default, serde::Serialize)]
pub struct Listing {
    /// Exact matches, not suppressed, in priority order.
    pub high: Vec<MatchRow>,
    /// Vendor+product or JVN matches, not suppressed.
    pub low: Vec<MatchRow>,
    pub suppressed: Vec<MatchRow>,
}

struct Texts {
    titles: HashMap<String, (String, bool)>,
    kev: HashMap<String, (bool, String)>,
}

/// Titles (JVN's Japanese first, then KEV's name, then NVD's description) and KEV due dates.
async fn texts(db: &Db, ids: &[String]) -> Result<Texts, VulnError> {
    let mut titles: HashMap<String, (String, bool)> = HashMap::new();
    let mut kev: HashMap<String, (bool, String)> = HashMap::new();
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
            "SELECT cve_id, description FROM vuln_cves WHERE cve_id IN ({list})"
        ))
        .fetch_all(db.pool())
        .await?
        {
            let id: String = row.try_get(0)?;
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
    Ok(Texts { titles, kev })
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

async fn suppressions(
    db: &Db,
    facility_id: i64,
) -> Result<HashMap<(i64, String), Suppression>, VulnError> {
    let rows = sqlx::query(
        "SELECT device_id, vuln_id, kind, reason, until, created_by, created_at FROM vuln_suppressions WHERE facility_id = $1",
    )
    .bind(facility_id)
    .fetch_all(db.pool())
    .await?;
    let mut out = HashMap::new();
    for r in rows {
        out.insert(
            (r.try_get(0)?, r.try_get(1)?),
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

/// The facility's matches (or one device's), fresh, in priority order.
pub async fn listing(
    db: &Db,
    facility_id: i64,
    device: Option<i64>,
    today: NaiveDate,
) -> Result<Listing, VulnError> {
    matches::ensure_fresh(db, facility_id).await?;
    let computed = matches::compute(db, facility_id, device).await?;
    rows_of(db, facility_id, &computed, &computed.found, today).await
}

/// The devices one vulnerability was found on.
pub async fn for_vuln(
    db: &Db,
    facility_id: i64,
    vuln_id: &str,
    today: NaiveDate,
) -> Result<Listing, VulnError> {
    matches::ensure_fresh(db, facility_id).await?;
    let computed = matches::compute(db, facility_id, None).await?;
    let found: Vec<Found> = computed
        .found
        .iter()
        .filter(|f| f.vuln_id == vuln_id)
        .cloned()
        .collect();
    rows_of(db, facility_id, &computed, &found, today).await
}

async fn rows_of(
    db: &Db,
    facility_id: i64,
    computed: &matches::Computed,
    found: &[Found],
    today: NaiveDate,
) -> Result<Listing, VulnError> {
    let mut ids: Vec<String> = found.iter().map(|f| f.vuln_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let priorities = matches::priorities(db, &ids).await?;
    let texts = texts(db, &ids).await?;
    let suppressed = suppressions(db, facility_id).await?;
    let first_seen: HashMap<(i64, String), String> = sqlx::query_as::<_, (i64, String, String)>(
        "SELECT device_id, vuln_id, first_seen FROM vuln_matches WHERE facility_id = $1",
    )
    .bind(facility_id)
    .fetch_all(db.pool())
    .await?
    .into_iter()
    .map(|(d, v, f)| ((d, v), f))
    .collect();
    let today_text = today.format("%Y-%m-%d").to_string();
    let mut listing = Listing::default();
    let mut keyed: Vec<(Priority, MatchRow)> = Vec::new();
    for f in found {
        let Some(device) = computed.device(f.device_id) else {
            continue;
        };
        let mut p = priorities.get(&f.vuln_id).cloned().unwrap_or_default();
        p.facing = device.facing;
        let (title, title_ja) = texts.titles.get(&f.vuln_id).cloned().unwrap_or_default();
        let kev_due = texts
            .kev
            .get(&f.vuln_id)
            .map(|(_, due)| due.clone())
            .unwrap_or_default();
        let suppression = suppressed.get(&(f.device_id, f.vuln_id.clone())).cloned();
        let (active, expired) = match suppression {
            Some(s) if s.until >= today_text => (Some(s), None),
            Some(s) => (None, Some(s)),
            None => (None, None),
        };
        let row = MatchRow {
            device_id: f.device_id,
            device: device.name.clone(),
            vendor: device.maintenance_vendor.clone(),
            facing: device.facing,
            vuln_id: f.vuln_id.clone(),
            title,
            title_ja,
            kev: p.kev,
            ransomware: p.ransomware,
            kev_due,
            cvss_x10: p.cvss_x10,
            confidence: f.hit.confidence.as_str(),
            source: f.source,
            criterion: f.hit.criterion.clone(),
            range_text: f.hit.range_text.clone(),
            device_cpe: f.hit.device_cpe.clone(),
            device_version: f.hit.device_version.clone(),
            fixed_version: f.hit.fixed_version.clone(),
            note: f.hit.note.as_str(),
            next_step: model::next_step_key(f.hit.confidence, f.hit.note, &p),
            first_seen: first_seen
                .get(&(f.device_id, f.vuln_id.clone()))
                .cloned()
                .unwrap_or_default(),
            suppression: active,
            expired,
        };
        keyed.push((p, row));
    }
    keyed.sort_by(|(pa, a), (pb, b)| {
        model::by_priority(pa, pb)
            .then_with(|| a.device.cmp(&b.device))
            .then_with(|| b.vuln_id.cmp(&a.vuln_id))
    });
    for (_, row) in keyed {
        if row.suppression.is_some() {
            listing.suppressed.push(row);
        } else if row.is_high() {
            listing.high.push(row);
        } else {
            listing.low.push(row);
        }
    }
    Ok(listing)
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
            .filter(|l| l.starts_with("https://") || l.starts_with("http://"))
            .map(str::to_string)
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
            link: r.try_get(4)?,
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

pub const SUPPRESSION_KINDS: [(&str, &str); 2] = [
    (
        "false_positive",
        crate::mkey!("vuln-suppress-false-positive"),
    ),
    ("accepted", crate::mkey!("vuln-suppress-accepted")),
];

/// A suppression as asked for.
#[derive(Debug, Clone, Copy)]
pub struct SuppressRequest<'a> {
    pub device_id: i64,
    pub vuln_id: &'a str,
    /// "false_positive" or "accepted".
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
        device_id,
        vuln_id,
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
    let device = crate::ledger::store::get(db, facility_id, device_id).await?;
    let until_text = until.format("%Y-%m-%d").to_string();
    let mut w = db.write().await?;
    let before: Option<(String, String, String)> = sqlx::query_as(
        "SELECT kind, reason, until FROM vuln_suppressions WHERE device_id = $1 AND vuln_id = $2",
    )
    .bind(device_id)
    .bind(vuln_id)
    .fetch_optional(&mut *w.tx)
    .await?;
    sqlx::query("DELETE FROM vuln_suppressions WHERE device_id = $1 AND vuln_id = $2")
        .bind(device_id)
        .bind(vuln_id)
        .execute(&mut *w.tx)
        .await?;
    sqlx::query(
        "INSERT INTO vuln_suppressions (facility_id, device_id, vuln_id, kind, reason, until, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(facility_id)
    .bind(device_id)
    .bind(vuln_id)
    .bind(kind)
    .bind(reason)
    .bind(until_text.clone())
    .bind(actor.name.clone())
    .bind(now_text())
    .execute(&mut *w.tx)
    .await?;
    let (bk, br, bu) = before.unwrap_or_default();
    audit::append(
        &mut w,
        actor,
        Event::new("suppress", "vuln_match", format!("{device_id}:{vuln_id}"))
            .label(format!("{} / {vuln_id}", device.name()))
            .change("kind", bk, kind)
            .change("reason", br, reason)
            .change("until", bu, until_text),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// Ends a suppression now: the match shows again.
pub async fn lift(
    db: &Db,
    actor: &Actor,
    facility_id: i64,
    device_id: i64,
    vuln_id: &str,
) -> Result<(), VulnError> {
    actor.require(Permission::Edit)?;
    let device = crate::ledger::store::get(db, facility_id, device_id).await?;
    let mut w = db.write().await?;
    let before: Option<(String, String, String)> = sqlx::query_as(
        "SELECT kind, reason, until FROM vuln_suppressions WHERE facility_id = $1 AND device_id = $2 AND vuln_id = $3",
    )
    .bind(facility_id)
    .bind(device_id)
    .bind(vuln_id)
    .fetch_optional(&mut *w.tx)
    .await?;
    let Some((kind, reason, until)) = before else {
        return Err(VulnError::NotFound);
    };
    sqlx::query("DELETE FROM vuln_suppressions WHERE device_id = $1 AND vuln_id = $2")
        .bind(device_id)
        .bind(vuln_id)
        .execute(&mut *w.tx)
        .await?;
    audit::append(
        &mut w,
        actor,
        Event::new("unsuppress", "vuln_match", format!("{device_id}:{vuln_id}"))
            .label(format!("{} / {vuln_id}", device.name()))
            .change("kind", kind, "")
            .change("reason", reason, "")
            .change("until", until, ""),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// Whether `note` means the version could decide the match if it were known.
pub fn needs_version(note: &str) -> bool {
    Note::parse(note) == Note::VersionUnknown
}

//! Feed storage: one transaction per import, whatever the number of files, so a bad file leaves
//! nothing behind; a feed older than the one loaded is refused unless forced; a CVE or JVN entry
//! is never replaced by an older copy of itself.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use sqlx::{AssertSqlSafe, Row};

use super::feeds::{self, FeedError, FeedFile, Loaded, NvdRow};
use crate::db::audit::{self, Event};
use crate::db::{Db, DbError, WriteTx, insert_rows, now_text, placeholders};
use crate::kernel::{Actor, Forbidden, Permission, RoomError};

#[derive(Debug, thiserror::Error)]
pub enum VulnError {
    #[error(transparent)]
    Feed(#[from] FeedError),
    #[error(
        "{file}: this {feed_source} feed ({offered}) is older than the one already loaded ({loaded}); nothing was imported. Import it with --force if you really mean to go back"
    )]
    Older {
        file: String,
        feed_source: &'static str,
        offered: String,
        loaded: String,
    },
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Internal(String),
    /// A message key: what the person must change.
    #[error("{0}")]
    Invalid(&'static str),
}

impl From<crate::ledger::api::LedgerError> for VulnError {
    fn from(e: crate::ledger::api::LedgerError) -> Self {
        match e {
            crate::ledger::api::LedgerError::Db(e) => VulnError::Db(e),
            crate::ledger::api::LedgerError::Forbidden(e) => VulnError::Forbidden(e),
            crate::ledger::api::LedgerError::NotFound => VulnError::NotFound,
            other => VulnError::Internal(other.to_string()),
        }
    }
}

impl From<sqlx::Error> for VulnError {
    fn from(e: sqlx::Error) -> Self {
        VulnError::Db(e.into())
    }
}

/// What one file brought.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FileReport {
    pub file: String,
    pub source: &'static str,
    pub feed: String,
    /// The feed's own version or timestamp.
    pub version: String,
    /// The version loaded before ("" if none).
    pub previous: String,
    pub entries: usize,
    pub added: usize,
    pub updated: usize,
    /// Entries already loaded as they are (or newer).
    pub unchanged: usize,
}

/// Where a long import is, for a progress bar.
#[derive(Debug, Clone)]
pub enum Progress {
    Reading {
        file: String,
        index: usize,
        total: usize,
    },
    Writing {
        file: String,
        done: usize,
        total: usize,
    },
}

pub type ProgressFn<'a> = dyn FnMut(Progress) + Send + 'a;

/// Imports feed files (folders: their feed files) in one transaction, then re-matches every
/// facility. Parsing runs off the async workers; one file is held in memory at a time.
pub async fn import_paths(
    db: &Db,
    actor: &Actor,
    paths: &[PathBuf],
    force: bool,
    progress: &mut ProgressFn<'_>,
) -> Result<Vec<FileReport>, VulnError> {
    actor.require(Permission::Edit)?;
    let mut files = Vec::new();
    for path in paths {
        files.extend(feeds::files_in(path)?);
    }
    let mut w = db.write().await?;
    let loaded = loaded_versions(&mut w).await?;
    let mut reports = Vec::new();
    let total = files.len();
    for (index, path) in files.into_iter().enumerate() {
        progress(Progress::Reading {
            file: path.display().to_string(),
            index,
            total,
        });
        let read = move |send: &mut dyn FnMut(feeds::Piece) -> bool| {
            feeds::read_file_streamed(&path, send)
        };
        import_streamed(&mut w, actor, &loaded, force, progress, &mut reports, read).await?;
    }
    w.commit().await?;
    Ok(reports)
}

/// Imports one uploaded file (which may unpack to several) in one transaction, read as a stream
/// like [`import_paths`] does with files.
pub async fn import_bytes(
    db: &Db,
    actor: &Actor,
    name: &str,
    bytes: Vec<u8>,
    force: bool,
) -> Result<Vec<FileReport>, VulnError> {
    actor.require(Permission::Edit)?;
    let mut w = db.write().await?;
    let loaded = loaded_versions(&mut w).await?;
    let mut reports = Vec::new();
    let name = name.to_string();
    let read =
        move |send: &mut dyn FnMut(feeds::Piece) -> bool| feeds::read_streamed(&name, &bytes, send);
    import_streamed(
        &mut w,
        actor,
        &loaded,
        force,
        &mut |_| {},
        &mut reports,
        read,
    )
    .await?;
    w.commit().await?;
    Ok(reports)
}

/// Writes what `read` hands over while it is still reading: `read` runs on a blocking thread
/// and hands NVD CVEs over in batches, so they are stored while the rest is still being read.
async fn import_streamed(
    w: &mut WriteTx,
    actor: &Actor,
    loaded: &HashMap<String, String>,
    force: bool,
    progress: &mut ProgressFn<'_>,
    reports: &mut Vec<FileReport>,
    read: impl FnOnce(&mut dyn FnMut(feeds::Piece) -> bool) -> Result<(), feeds::FeedError>
    + Send
    + 'static,
) -> Result<(), VulnError> {
    let (sender, mut pieces) = tokio::sync::mpsc::channel::<feeds::Piece>(4);
    let reader =
        tokio::task::spawn_blocking(move || read(&mut |piece| sender.blocking_send(piece).is_ok()));
    let mut counts: HashMap<String, Count> = HashMap::new();
    while let Some(piece) = pieces.recv().await {
        match piece {
            feeds::Piece::File(file) => {
                reports.push(write_file(w, actor, loaded, file, force, progress).await?);
            }
            feeds::Piece::Nvd { file, rows } => {
                let (added, updated) = write_nvd_rows(w, rows).await?;
                let count = counts.entry(file.clone()).or_default();
                *count = (count.0 + added, count.1 + updated);
                progress(Progress::Writing {
                    file,
                    done: count.0 + count.1,
                    total: 0,
                });
            }
            feeds::Piece::NvdEnd {
                file,
                feed,
                timestamp,
                entries,
            } => {
                let previous = loaded.get(&feed).cloned().unwrap_or_default();
                if !force && !timestamp.is_empty() && !previous.is_empty() && timestamp < previous {
                    return Err(VulnError::Older {
                        file,
                        feed_source: "nvd",
                        offered: timestamp,
                        loaded: previous,
                    });
                }
                let (added, updated) = counts.remove(&file).unwrap_or_default();
                let report = FileReport {
                    file,
                    source: "nvd",
                    feed,
                    version: timestamp,
                    previous,
                    entries,
                    added,
                    updated,
                    unchanged: entries.saturating_sub(added + updated),
                };
                record_feed(w, actor, &report).await?;
                reports.push(report);
            }
        }
    }
    reader
        .await
        .map_err(|e| VulnError::Internal(format!("the feed reader stopped: {e}")))??;
    Ok(())
}

async fn loaded_versions(w: &mut WriteTx) -> Result<HashMap<String, String>, VulnError> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT feed, version FROM vuln_feeds")
        .fetch_all(&mut *w.tx)
        .await?;
    Ok(rows.into_iter().collect())
}

async fn write_file(
    w: &mut WriteTx,
    actor: &Actor,
    loaded: &HashMap<String, String>,
    file: FeedFile,
    force: bool,
    progress: &mut ProgressFn<'_>,
) -> Result<FileReport, VulnError> {
    let (source, feed) = file.identity();
    let version = file.version();
    let previous = loaded.get(&feed).cloned().unwrap_or_default();
    if !force && !version.is_empty() && !previous.is_empty() && version < previous {
        return Err(VulnError::Older {
            file: file.name,
            feed_source: source,
            offered: version,
            loaded: previous,
        });
    }
    let mut report = FileReport {
        file: file.name.clone(),
        source,
        feed: feed.clone(),
        version: version.clone(),
        previous: previous.clone(),
        entries: file.entries(),
        ..FileReport::default()
    };
    let (added, updated) = write_entries(w, file, progress).await?;
    report.added = added;
    report.updated = updated;
    report.unchanged = report.entries.saturating_sub(added + updated);
    record_feed(w, actor, &report).await?;
    Ok(report)
}

/// Writes a file's entries; returns how many were added and updated.
async fn write_entries(
    w: &mut WriteTx,
    file: FeedFile,
    progress: &mut ProgressFn<'_>,
) -> Result<(usize, usize), VulnError> {
    let name = file.name.clone();
    let mut on_rows = |done: usize, total: usize| {
        progress(Progress::Writing {
            file: name.clone(),
            done,
            total,
        })
    };
    Ok(match file.loaded {
        Loaded::Kev(catalog) => write_kev(w, &catalog).await?,
        Loaded::Nvd(feed) => write_nvd(w, feed, &mut on_rows).await?,
        Loaded::Jvn(feed) => write_jvn(w, &feed).await?,
        Loaded::Products(products) => write_products(w, &products).await?,
    })
}

/// Notes what a feed brought (its version is what the next import is compared with) and
/// audits it.
async fn record_feed(w: &mut WriteTx, actor: &Actor, report: &FileReport) -> Result<(), VulnError> {
    let version = if report.version.is_empty() {
        report.previous.clone()
    } else {
        report.version.clone()
    };
    sqlx::query(
        "INSERT INTO vuln_feeds (feed, source, version, file_name, entries, added, updated, imported_at, imported_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (feed) DO UPDATE SET source = excluded.source, version = excluded.version,
            file_name = excluded.file_name, entries = excluded.entries, added = excluded.added,
            updated = excluded.updated, imported_at = excluded.imported_at, imported_by = excluded.imported_by",
    )
    .bind(report.feed.clone())
    .bind(report.source)
    .bind(version)
    .bind(base_name(&report.file))
    .bind(report.entries as i64)
    .bind(report.added as i64)
    .bind(report.updated as i64)
    .bind(now_text())
    .bind(actor.name.clone())
    .execute(&mut *w.tx)
    .await?;
    audit::append(
        w,
        actor,
        Event::new("import", "vuln_feed", &report.feed)
            .label(base_name(&report.file))
            .change("version", report.previous.clone(), report.version.clone())
            .change("entries", "", report.entries.to_string())
            .change("added", "", report.added.to_string())
            .change("updated", "", report.updated.to_string()),
    )
    .await?;
    Ok(())
}

/// Imports the pages one `mamori feeds update` fetched (NVD API or MyJVN responses) in one
/// transaction, as one feed `feed` whose version is `version`: the point the next update goes
/// on from. No pages (nothing changed since) still moves that point.
pub async fn import_pages(
    db: &Db,
    actor: &Actor,
    source: &'static str,
    feed: &str,
    version: &str,
    pages: &[PathBuf],
    progress: &mut ProgressFn<'_>,
) -> Result<FileReport, VulnError> {
    actor.require(Permission::Edit)?;
    let mut w = db.write().await?;
    let loaded = loaded_versions(&mut w).await?;
    let mut report = FileReport {
        file: pages
            .first()
            .and_then(|p| p.parent())
            .map(|d| d.display().to_string())
            .unwrap_or_default(),
        source,
        feed: feed.to_string(),
        version: version.to_string(),
        previous: loaded.get(feed).cloned().unwrap_or_default(),
        ..FileReport::default()
    };
    let total = pages.len();
    for (index, path) in pages.iter().enumerate() {
        progress(Progress::Reading {
            file: path.display().to_string(),
            index,
            total,
        });
        let owned = path.clone();
        let parsed = tokio::task::spawn_blocking(move || feeds::read_file(&owned))
            .await
            .map_err(|e| VulnError::Internal(format!("the feed reader stopped: {e}")))??;
        for file in parsed {
            if file.identity().0 != source {
                return Err(VulnError::Internal(format!(
                    "{}: expected a {source} response, found a {} feed",
                    path.display(),
                    file.identity().0
                )));
            }
            report.entries += file.entries();
            let (added, updated) = write_entries(&mut w, file, progress).await?;
            report.added += added;
            report.updated += updated;
        }
    }
    report.unchanged = report.entries.saturating_sub(report.added + report.updated);
    record_feed(&mut w, actor, &report).await?;
    w.commit().await?;
    Ok(report)
}

pub fn base_name(path: &str) -> String {
    path.rsplit(['/', '\\']).next().unwrap_or(path).to_string()
}

type Count = (usize, usize);

async fn write_kev(
    w: &mut WriteTx,
    catalog: &mamori_formats::kev::Catalog,
) -> Result<Count, VulnError> {
    type KevRow = (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        i64,
        String,
    );
    let existing: Vec<KevRow> = sqlx::query_as(
        "SELECT cve_id, vendor_project, product, name, short_description, required_action, date_added, due_date, ransomware, notes FROM vuln_kev",
    )
    .fetch_all(&mut *w.tx)
    .await?;
    let existing: HashMap<String, KevRow> =
        existing.into_iter().map(|r| (r.0.clone(), r)).collect();
    let mut rows: Vec<KevRow> = catalog
        .entries
        .iter()
        .map(|e| {
            (
                e.cve_id.clone(),
                e.vendor_project.clone(),
                e.product.clone(),
                e.name.clone(),
                e.short_description.clone(),
                e.required_action.clone(),
                e.date_added.clone(),
                e.due_date.clone(),
                i64::from(e.ransomware),
                e.notes.clone(),
            )
        })
        .collect();
    let added = rows.iter().filter(|r| !existing.contains_key(&r.0)).count();
    let updated = rows
        .iter()
        .filter(|r| existing.get(&r.0).is_some_and(|old| old != *r))
        .count();
    // The catalog is complete: an entry CISA removed goes too.
    sqlx::query("DELETE FROM vuln_kev")
        .execute(&mut *w.tx)
        .await?;
    insert_rows(
        w,
        ("INSERT INTO vuln_kev (cve_id, vendor_project, product, name, short_description, required_action, date_added, due_date, ransomware, notes)", ""),
        10,
        &mut rows,
        |q, r| {
            q.bind(std::mem::take(&mut r.0))
                .bind(std::mem::take(&mut r.1))
                .bind(std::mem::take(&mut r.2))
                .bind(std::mem::take(&mut r.3))
                .bind(std::mem::take(&mut r.4))
                .bind(std::mem::take(&mut r.5))
                .bind(std::mem::take(&mut r.6))
                .bind(std::mem::take(&mut r.7))
                .bind(r.8)
                .bind(std::mem::take(&mut r.9))
        },
    )
    .await?;
    Ok((added, updated))
}

/// NVD's two JSON shapes write times differently (`2018-07-10T14:29Z`,
/// `2024-11-21T03:45:46.473`); this keeps `YYYY-MM-DDTHH:MM:SS` so they compare as text.
pub fn normalize_time(text: &str) -> String {
    let t = text.trim();
    let bytes = t.as_bytes();
    if bytes.len() >= 19 && bytes[16] == b':' {
        t[..19].to_string()
    } else if bytes.len() >= 16 && t.is_char_boundary(16) {
        format!("{}:00", &t[..16])
    } else {
        t.to_string()
    }
}

/// Reads which of `ids` are stored and their dates, a chunk of ids per statement.
async fn stored_dates(
    w: &mut WriteTx,
    table_and_columns: (&str, &str, &str),
    ids: &[&str],
) -> Result<HashMap<String, String>, VulnError> {
    let (table, id_column, date_column) = table_and_columns;
    let backend = w.backend();
    let mut out = HashMap::new();
    for part in ids.chunks(500) {
        let sql = format!(
            "SELECT {id_column}, {date_column} FROM {table} WHERE {id_column} IN ({})",
            placeholders(backend, 1, part.len())
        );
        let mut q = sqlx::query_as::<_, (String, String)>(AssertSqlSafe(sql));
        for id in part {
            q = q.bind(id.to_string());
        }
        out.extend(q.fetch_all(&mut *w.tx).await?);
    }
    Ok(out)
}

/// Deletes the rows whose `id_column` is one of `ids`, a chunk of ids per statement.
pub(crate) async fn delete_ids<T>(
    w: &mut WriteTx,
    table: &str,
    id_column: &str,
    ids: &[T],
) -> Result<(), VulnError>
where
    T: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Clone + Send + 'static,
{
    let backend = w.backend();
    for part in ids.chunks(500) {
        let sql = format!(
            "DELETE FROM {table} WHERE {id_column} IN ({})",
            placeholders(backend, 1, part.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in part {
            q = q.bind(id.clone());
        }
        q.execute(&mut *w.tx).await?;
    }
    Ok(())
}

async fn write_nvd(
    w: &mut WriteTx,
    feed: mamori_formats::nvd::Feed,
    on_rows: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<Count, VulnError> {
    let total = feed.cves.len();
    let rows: Vec<NvdRow> = feed.cves.into_iter().map(NvdRow::of).collect();
    let mut count = (0, 0);
    let mut done = 0;
    for part in rows.chunks(1000) {
        let (added, updated) = write_nvd_rows(w, part.to_vec()).await?;
        count = (count.0 + added, count.1 + updated);
        done += part.len();
        on_rows(done, total);
    }
    Ok(count)
}

/// Stores CVEs; one already stored is replaced only by a newer revision. Batches of one import
/// share its transaction, so a CVE met twice (pages fetched while NVD changed it) ends as its
/// newest copy.
async fn write_nvd_rows(w: &mut WriteTx, rows: Vec<NvdRow>) -> Result<Count, VulnError> {
    let mut newest: HashMap<String, NvdRow> = HashMap::with_capacity(rows.len());
    for row in rows {
        match newest.get(&row.id) {
            Some(kept) if kept.last_modified >= row.last_modified => {}
            _ => {
                newest.insert(row.id.clone(), row);
            }
        }
    }
    let ids: Vec<&str> = newest.keys().map(String::as_str).collect();
    let stored = stored_dates(w, ("vuln_cves", "cve_id", "last_modified"), &ids).await?;
    let mut cves: Vec<NvdRow> = newest
        .into_values()
        .filter(|c| stored.get(&c.id).is_none_or(|old| c.last_modified > *old))
        .collect();
    cves.sort_by(|a, b| a.id.cmp(&b.id));
    let replaced: Vec<String> = cves
        .iter()
        .filter(|c| stored.contains_key(&c.id))
        .map(|c| c.id.clone())
        .collect();
    delete_ids(w, "vuln_cves", "cve_id", &replaced).await?;
    delete_ids(w, "vuln_cve_products", "cve_id", &replaced).await?;
    let total = cves.len();
    let mut keys: Vec<(String, String)> = Vec::new();
    insert_rows(
        w,
        ("INSERT INTO vuln_cves (cve_id, published, last_modified, description, cvss_version, cvss_score_x10, cvss_severity, cvss_vector, cwes, refs, configurations)", ""),
        11,
        &mut cves,
        |q, c: &mut NvdRow| {
            keys.extend(
                std::mem::take(&mut c.product_keys)
                    .into_iter()
                    .map(|k| (c.id.clone(), k)),
            );
            q.bind(std::mem::take(&mut c.id))
                .bind(std::mem::take(&mut c.published))
                .bind(std::mem::take(&mut c.last_modified))
                .bind(std::mem::take(&mut c.description))
                .bind(std::mem::take(&mut c.cvss_version))
                .bind(c.cvss_score_x10)
                .bind(std::mem::take(&mut c.cvss_severity))
                .bind(std::mem::take(&mut c.cvss_vector))
                .bind(std::mem::take(&mut c.cwes))
                .bind(std::mem::take(&mut c.refs))
                .bind(std::mem::take(&mut c.configurations))
        },
    )
    .await?;
    insert_rows(
        w,
        ("INSERT INTO vuln_cve_products (cve_id, vendor_product)", ""),
        2,
        &mut keys,
        |q, (cve, key)| q.bind(std::mem::take(cve)).bind(std::mem::take(key)),
    )
    .await?;
    Ok((total - replaced.len(), replaced.len()))
}

async fn write_jvn(w: &mut WriteTx, feed: &mamori_formats::jvn::Feed) -> Result<Count, VulnError> {
    let detailed = feed.kind == mamori_formats::jvn::FeedKind::Vuldef;
    let ids: Vec<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
    let stored = stored_dates(w, ("vuln_jvn", "jvn_id", "modified"), &ids).await?;
    let mut seen = HashSet::new();
    let entries: Vec<&mamori_formats::jvn::Entry> = feed
        .entries
        .iter()
        .filter(|e| seen.insert(e.id.clone()))
        .filter(|e| match stored.get(&e.id) {
            None => true,
            // The same revision again replaces the stored one only with the detailed form
            // (VULDEF has the solution and affected products that JVNRSS leaves out).
            Some(old) => e.modified > *old || (e.modified == *old && detailed),
        })
        .collect();
    let replaced: Vec<String> = entries
        .iter()
        .filter(|e| stored.contains_key(&e.id))
        .map(|e| e.id.clone())
        .collect();
    for table in ["vuln_jvn", "vuln_jvn_cves", "vuln_jvn_products"] {
        delete_ids(w, table, "jvn_id", &replaced).await?;
    }
    for e in &entries {
        let (score, severity) = e
            .cvss
            .first()
            .map(|c| {
                (
                    c.score.map_or(0, |s| (f64::from(s) * 10.0).round() as i64),
                    c.severity.clone(),
                )
            })
            .unwrap_or((0, String::new()));
        sqlx::query(
            "INSERT INTO vuln_jvn (jvn_id, title, summary, solution, link, cvss_score_x10, cvss_severity, published, modified) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(e.id.clone())
        .bind(e.title.clone())
        .bind(e.summary.clone())
        .bind(e.solution.clone())
        .bind(e.link.clone())
        .bind(score)
        .bind(severity)
        .bind(e.published.clone())
        .bind(e.modified.clone())
        .execute(&mut *w.tx)
        .await?;
        for cve in &e.cve_ids {
            sqlx::query("INSERT INTO vuln_jvn_cves (jvn_id, cve_id) VALUES ($1, $2)")
                .bind(e.id.clone())
                .bind(cve.clone())
                .execute(&mut *w.tx)
                .await?;
        }
        let mut keys = HashSet::new();
        for c in &e.cpes {
            let Some(key) = c.wfn().and_then(|w| w.vendor_product()) else {
                continue;
            };
            if keys.insert(key.clone()) {
                sqlx::query(
                    "INSERT INTO vuln_jvn_products (jvn_id, vendor_product, cpe) VALUES ($1, $2, $3)",
                )
                .bind(e.id.clone())
                .bind(key)
                .bind(c.uri.clone())
                .execute(&mut *w.tx)
                .await?;
            }
        }
    }
    Ok((entries.len() - replaced.len(), replaced.len()))
}

async fn write_products(w: &mut WriteTx, products: &feeds::Products) -> Result<Count, VulnError> {
    const COUNT: &str = "SELECT COUNT(*) FROM vuln_products";
    let before: i64 = sqlx::query_scalar(COUNT).fetch_one(&mut *w.tx).await?;
    let mut items: Vec<&feeds::Product> = products.items.iter().collect();
    insert_rows(
        w,
        (
            "INSERT INTO vuln_products (part, vendor, product, title, title_ja)",
            "ON CONFLICT (part, vendor, product) DO UPDATE SET
                title_ja = CASE WHEN excluded.title_ja <> '' THEN excluded.title_ja ELSE vuln_products.title_ja END",
        ),
        5,
        &mut items,
        |q, p| {
            q.bind(p.part.clone())
                .bind(p.vendor.clone())
                .bind(p.product.clone())
                .bind(p.title.clone())
                .bind(p.title_ja.clone())
        },
    )
    .await?;
    let after: i64 = sqlx::query_scalar(COUNT).fetch_one(&mut *w.tx).await?;
    let added = usize::try_from(after - before).unwrap_or(0);
    // Titles can change without the count changing: the suggestion catalogue is rebuilt when
    // this stamp moves.
    crate::db::meta::set_in(w, super::suggest::PRODUCTS_STAMP, &crate::db::now_text()).await?;
    Ok((added, 0))
}

// ---------------------------------------------------------------------------------------------
// Status

#[derive(Debug, Clone, serde::Serialize)]
pub struct FeedStatus {
    pub feed: String,
    pub source: String,
    pub version: String,
    pub file_name: String,
    pub entries: i64,
    pub imported_at: String,
    pub imported_by: String,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Holdings {
    pub kev: i64,
    pub cves: i64,
    pub jvn: i64,
    pub products: i64,
    pub feeds: Vec<FeedStatus>,
}

impl Holdings {
    /// The KEV catalog's version as a date, when loaded (`2025.08.25` → 2025-08-25).
    pub fn kev_date(&self) -> Option<chrono::NaiveDate> {
        let feed = self.feeds.iter().find(|f| f.source == "kev")?;
        mamori_formats::dates::parse_date(&feed.version.replace('.', "-"))
    }

    /// KEV is missing, or its catalog is more than 7 days older than `today`.
    pub fn kev_stale(&self, today: chrono::NaiveDate) -> bool {
        self.kev_date().is_none_or(|d| (today - d).num_days() > 7)
    }
}

pub async fn holdings(db: &Db) -> Result<Holdings, VulnError> {
    let count = |table: &'static str| async move {
        sqlx::query_scalar::<_, i64>(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(db.pool())
            .await
    };
    let rows = sqlx::query(
        "SELECT feed, source, version, file_name, entries, imported_at, imported_by FROM vuln_feeds ORDER BY source, feed",
    )
    .fetch_all(db.pool())
    .await?;
    let mut feeds = Vec::with_capacity(rows.len());
    for r in rows {
        feeds.push(FeedStatus {
            feed: r.try_get("feed")?,
            source: r.try_get("source")?,
            version: r.try_get("version")?,
            file_name: r.try_get("file_name")?,
            entries: r.try_get("entries")?,
            imported_at: r.try_get("imported_at")?,
            imported_by: r.try_get("imported_by")?,
        });
    }
    Ok(Holdings {
        kev: count("vuln_kev").await?,
        cves: count("vuln_cves").await?,
        jvn: count("vuln_jvn").await?,
        products: count("vuln_products").await?,
        feeds,
    })
}

impl From<VulnError> for RoomError {
    fn from(e: VulnError) -> Self {
        match e {
            VulnError::NotFound => RoomError::NotFound,
            VulnError::Forbidden(_) => RoomError::Forbidden,
            other => RoomError::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_compare_across_shapes() {
        assert_eq!(normalize_time("2018-07-10T14:29Z"), "2018-07-10T14:29:00");
        assert_eq!(
            normalize_time("2024-11-21T03:45:46.473"),
            "2024-11-21T03:45:46"
        );
        assert_eq!(normalize_time("2020"), "2020");
        assert!(normalize_time("2024-11-21T03:45Z") < normalize_time("2024-11-21T03:45:46.473"));
    }

    #[test]
    fn kev_staleness() {
        let mut h = Holdings::default();
        let day = |s: &str| mamori_formats::dates::parse_date(s).expect("date");
        assert!(h.kev_stale(day("2025-08-26")));
        h.feeds.push(FeedStatus {
            feed: "kev".into(),
            source: "kev".into(),
            version: "2025.08.25".into(),
            file_name: String::new(),
            entries: 1,
            imported_at: String::new(),
            imported_by: String::new(),
        });
        assert!(!h.kev_stale(day("2025-09-01")));
        assert!(h.kev_stale(day("2025-09-02")));
    }
}

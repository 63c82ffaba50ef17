//! `mamori feeds update`: fetches the feeds from their official addresses (or a hospital's own
//! mirror set in `[feeds]`) and imports them as `mamori feeds import` would, one transaction per
//! source. Nothing here is needed offline: every feed can also be imported from a file.
//!
//! - KEV: the catalog file, downloaded resumably and only when it changed.
//! - NVD: the CVE API 2.0, incremental by lastModified from where the last update stopped;
//!   NVD's published rate limits are kept when talking to NVD itself. Pages wait in the data
//!   folder until all have arrived, and an interrupted run goes on from the last finished
//!   120-day window.
//! - JVN: MyJVN getVulnOverviewList, entries updated since the last update (a year back the
//!   first time; older ones come from JVN iPedia's yearly data feeds with `feeds import`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use mamori_net::{Client, ClientConfig, NetError, NvdApi, NvdError};
use serde::{Deserialize, Serialize};

use super::settings::FeedSettings;
use super::store::{self, FileReport, VulnError};
use crate::db::Db;
use crate::kernel::Actor;

/// CISA's catalog of Known Exploited Vulnerabilities.
pub const KEV_URL: &str =
    "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";
/// NVD's CVE API 2.0.
pub const NVD_URL: &str = NvdApi::DEFAULT_BASE_URL;
/// The MyJVN API (JVN iPedia, in Japanese).
pub const JVN_URL: &str = "https://jvndb.jvn.jp/myjvn";

/// The feed row that remembers where the last NVD update stopped.
pub const NVD_UPDATE_FEED: &str = "nvd:api-update";
/// The feed row that remembers the day of the last JVN update.
pub const JVN_UPDATE_FEED: &str = "jvn:myjvn-update";

/// NVD's oldest records; an update with nothing loaded starts here.
const NVD_BEGINNING: &str = "1999-01-01T00:00:00Z";
/// How far back the first JVN update reaches.
const JVN_FIRST_DAYS: i64 = 365;
/// MyJVN's most entries per overview request.
const JVN_PAGE: u64 = 50;
/// MyJVN asks for no more than about one request a second.
const JVN_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Kev,
    Nvd,
    Jvn,
}

impl Source {
    pub const ALL: [Source; 3] = [Source::Kev, Source::Nvd, Source::Jvn];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Kev => "kev",
            Source::Nvd => "nvd",
            Source::Jvn => "jvn",
        }
    }

    pub fn parse(text: &str) -> Option<Source> {
        Source::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("{source_name}: {error}")]
    Net {
        source_name: &'static str,
        error: NetError,
    },
    #[error(transparent)]
    Vuln(#[from] VulnError),
    #[error("{0}")]
    Other(String),
}

fn net(source: Source) -> impl FnOnce(NetError) -> UpdateError {
    move |error| UpdateError::Net {
        source_name: source.as_str(),
        error,
    }
}

/// What to fetch, and from when.
#[derive(Debug, Clone, Default)]
pub struct UpdateOptions {
    /// NVD and JVN: fetch what changed since this time instead of since the last update.
    pub since: Option<DateTime<Utc>>,
    /// KEV: load the downloaded catalog even if it is older than the one loaded.
    pub force: bool,
}

/// What one source brought.
#[derive(Debug, Clone)]
pub struct SourceReport {
    pub source: Source,
    /// What was asked for, in one line (the window, or that the file had not changed).
    pub fetched: String,
    pub imports: Vec<FileReport>,
}

/// Where an update is, for a progress line.
pub type Note<'a> = dyn FnMut(String) + Send + 'a;

/// What every source's fetch needs.
#[derive(Clone, Copy)]
struct Run<'a> {
    db: &'a Db,
    actor: &'a Actor,
    client: &'a Client,
    settings: &'a FeedSettings,
    /// Where downloads wait until they are imported.
    staging: &'a Path,
    options: &'a UpdateOptions,
}

/// Fetches and imports each source in turn. A source that fails stops the update with an
/// error naming it; the sources before it stay imported.
pub async fn update(
    db: &Db,
    actor: &Actor,
    settings: &FeedSettings,
    data_dir: &Path,
    sources: &[Source],
    options: &UpdateOptions,
    note: &mut Note<'_>,
) -> Result<Vec<SourceReport>, UpdateError> {
    actor
        .require(crate::kernel::Permission::Edit)
        .map_err(VulnError::from)?;
    // The server does this at start; the command line comes here first.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = Client::new(ClientConfig::default()).map_err(net(Source::Kev))?;
    let staging = data_dir.join("feeds");
    let run = Run {
        db,
        actor,
        client: &client,
        settings,
        staging: &staging,
        options,
    };
    let mut reports = Vec::new();
    for &source in sources {
        let report = match source {
            Source::Kev => kev(run, note).await?,
            Source::Nvd => nvd(run, note).await?,
            Source::Jvn => jvn(run, note).await?,
        };
        reports.push(report);
    }
    Ok(reports)
}

fn quiet_progress() -> impl FnMut(store::Progress) + Send {
    |_| {}
}

async fn kev(run: Run<'_>, note: &mut Note<'_>) -> Result<SourceReport, UpdateError> {
    let name = if run.settings.kev_url.to_ascii_lowercase().ends_with(".csv") {
        "known_exploited_vulnerabilities.csv"
    } else {
        "known_exploited_vulnerabilities.json"
    };
    // Kept after import: its ETag makes the next update a conditional request.
    let dest = run.staging.join("kev").join(name);
    note(format!(
        "KEV: {}",
        mamori_net::redact_url(&run.settings.kev_url)
    ));
    let got = mamori_net::download(run.client, &run.settings.kev_url, &dest, |_, _| {})
        .await
        .map_err(net(Source::Kev))?;
    let fetched = if got.not_modified {
        "unchanged since the last download".to_string()
    } else if got.resumed {
        format!("{} bytes (resumed)", got.bytes)
    } else {
        format!("{} bytes", got.bytes)
    };
    let mut progress = quiet_progress();
    let imports =
        store::import_paths(run.db, run.actor, &[dest], run.options.force, &mut progress).await?;
    Ok(SourceReport {
        source: Source::Kev,
        fetched,
        imports,
    })
}

/// An NVD update under way: the range asked for and how far the pages on disk reach.
#[derive(Debug, Serialize, Deserialize)]
struct NvdState {
    since: String,
    done_until: String,
}

/// The start (UTC) of a day written YYYY-MM-DD.
pub fn day_start(text: &str) -> Option<DateTime<Utc>> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()?
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    // NVD's own timestamps come without a zone, in UTC.
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| chrono::NaiveDateTime::parse_from_str(text, f).ok())
    .map(|t| t.and_utc())
}

async fn loaded_version(db: &Db, feed: &str) -> Result<Option<String>, VulnError> {
    let version: Option<String> =
        sqlx::query_scalar("SELECT version FROM vuln_feeds WHERE feed = $1")
            .bind(feed)
            .fetch_optional(db.pool())
            .await?;
    Ok(version.filter(|v| !v.is_empty()))
}

/// Where the NVD update starts: given, where the last one stopped, or the newest change among
/// the CVEs loaded from files; with nothing loaded, the beginning.
async fn nvd_since(db: &Db, options: &UpdateOptions) -> Result<DateTime<Utc>, VulnError> {
    if let Some(since) = options.since {
        return Ok(since);
    }
    if let Some(t) = loaded_version(db, NVD_UPDATE_FEED)
        .await?
        .and_then(|v| parse_time(&v))
    {
        return Ok(t);
    }
    let newest: Option<String> = sqlx::query_scalar("SELECT MAX(last_modified) FROM vuln_cves")
        .fetch_one(db.pool())
        .await?;
    Ok(newest
        .and_then(|t| parse_time(&t))
        .or_else(|| parse_time(NVD_BEGINNING))
        .unwrap_or_default())
}

/// The official NVD keeps its published limits; a hospital's own mirror need not.
fn nvd_api(settings: &FeedSettings) -> NvdApi {
    let key = Some(settings.nvd_api_key.clone()).filter(|k| !k.trim().is_empty());
    let mut api = NvdApi::new(key);
    api.base_url = settings.nvd_url.clone();
    if !is_official(&settings.nvd_url, NVD_URL) {
        api.min_interval = Duration::ZERO;
        api.retry_backoff = Duration::from_millis(100);
    }
    api
}

fn is_official(url: &str, official: &str) -> bool {
    let host = |u: &str| {
        url::Url::parse(u)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
    };
    host(url).is_some() && host(url) == host(official)
}

async fn read_state(path: &Path) -> Option<NvdState> {
    let bytes = tokio::fs::read(path).await.ok()?;
    serde_json::from_slice(&bytes).ok()
}

async fn write_state(path: &Path, state: &NvdState) -> Result<(), UpdateError> {
    let bytes = serde_json::to_vec_pretty(state).map_err(|e| UpdateError::Other(e.to_string()))?;
    crate::kernel::files::write_private(path, bytes)
        .map_err(|e| UpdateError::Other(format!("{}: {e}", path.display())))
}

async fn fresh_dir(dir: &Path) -> Result<(), UpdateError> {
    match tokio::fs::remove_dir_all(dir).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(UpdateError::Other(format!("{}: {e}", dir.display()))),
    }
    crate::kernel::files::private_dir(dir)
        .map_err(|e| UpdateError::Other(format!("{}: {e}", dir.display())))
}

async fn pages_in(dir: &Path) -> Result<Vec<PathBuf>, UpdateError> {
    let mut pages = Vec::new();
    let mut entries = tokio::fs::read_dir(dir)
        .await
        .map_err(|e| UpdateError::Other(format!("{}: {e}", dir.display())))?;
    while let Ok(Some(entry)) = entries.next_entry().await {
        let path = entry.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("page-") && (name.ends_with(".json") || name.ends_with(".xml")) {
            pages.push(path);
        }
    }
    pages.sort();
    Ok(pages)
}

/// Imports the pages waiting in `dir` as one feed, then removes them: imported, they are no
/// longer needed; refused, they are not to be trusted and the next update fetches them again.
/// Returns the report and how many pages there were.
async fn import_staged(
    db: &Db,
    actor: &Actor,
    source: Source,
    feed: &str,
    version: &str,
    dir: &Path,
) -> Result<(FileReport, usize), UpdateError> {
    let pages = pages_in(dir).await?;
    let mut progress = quiet_progress();
    let imported = store::import_pages(
        db,
        actor,
        source.as_str(),
        feed,
        version,
        &pages,
        &mut progress,
    )
    .await;
    let _ = tokio::fs::remove_dir_all(dir).await;
    Ok((imported?, pages.len()))
}

async fn nvd(run: Run<'_>, note: &mut Note<'_>) -> Result<SourceReport, UpdateError> {
    let dir = run.staging.join("nvd-api");
    let state_path = dir.join("state.json");
    let since = nvd_since(run.db, run.options).await?;
    let since_text = mamori_net::nvd_timestamp(since);
    // Pages of an interrupted run for the same start are kept, and the run goes on after them.
    let mut start = match read_state(&state_path).await {
        Some(state) if state.since == since_text => parse_time(&state.done_until).unwrap_or(since),
        _ => {
            fresh_dir(&dir).await?;
            since
        }
    };
    let until = Utc::now();
    let api = nvd_api(run.settings);
    let window = TimeDelta::days(NvdApi::MAX_WINDOW_DAYS);
    let mut page_number = pages_in(&dir).await?.len();
    let mut first_window = true;
    while start < until {
        let end = (start + window).min(until);
        if !first_window {
            // Each window is its own request series; keep the spacing between them too.
            tokio::time::sleep(api.min_interval).await;
        }
        first_window = false;
        note(format!(
            "NVD: changes {} – {}",
            start.format("%Y-%m-%d"),
            end.format("%Y-%m-%d")
        ));
        let fetched = mamori_net::nvd_changes(run.client, &api, start, end, |body| {
            page_number += 1;
            let path = dir.join(format!("page-{page_number:06}.json"));
            crate::kernel::files::write_private(&path, body)
                .map_err(|e| format!("{}: {e}", path.display()))
        })
        .await;
        match fetched {
            Ok(_) => {}
            Err(NvdError::Net(e)) => return Err(net(Source::Nvd)(e)),
            Err(NvdError::Callback(e)) => return Err(UpdateError::Other(e)),
        }
        write_state(
            &state_path,
            &NvdState {
                since: since_text.clone(),
                done_until: mamori_net::nvd_timestamp(end),
            },
        )
        .await?;
        start = end;
    }
    note("NVD: importing".to_string());
    let (report, pages) = import_staged(
        run.db,
        run.actor,
        Source::Nvd,
        NVD_UPDATE_FEED,
        &mamori_net::nvd_timestamp(until),
        &dir,
    )
    .await?;
    Ok(SourceReport {
        source: Source::Nvd,
        fetched: format!(
            "CVEs changed {} – {} ({} pages)",
            since.format("%Y-%m-%d %H:%M"),
            until.format("%Y-%m-%d %H:%M UTC"),
            pages
        ),
        imports: vec![report],
    })
}

/// MyJVN's query for entries updated (更新日) on or after `since`.
fn jvn_url(base: &str, since: NaiveDate, start_item: u64) -> Result<String, UpdateError> {
    let mut url = url::Url::parse(base).map_err(|e| UpdateError::Net {
        source_name: "jvn",
        error: NetError::InvalidUrl {
            url: mamori_net::redact_url(base),
            reason: e.to_string(),
        },
    })?;
    use chrono::Datelike;
    url.query_pairs_mut()
        .append_pair("method", "getVulnOverviewList")
        .append_pair("feed", "hnd")
        .append_pair("lang", "ja")
        .append_pair("startItem", &start_item.to_string())
        .append_pair("maxCountItem", &JVN_PAGE.to_string())
        // Without "n" MyJVN narrows each date to the last week by default.
        .append_pair("rangeDatePublic", "n")
        .append_pair("rangeDateFirstPublished", "n")
        .append_pair("rangeDatePublished", "n")
        .append_pair("datePublishedStartY", &since.year().to_string())
        .append_pair("datePublishedStartM", &since.month().to_string())
        .append_pair("datePublishedStartD", &since.day().to_string());
    Ok(url.to_string())
}

async fn jvn(run: Run<'_>, note: &mut Note<'_>) -> Result<SourceReport, UpdateError> {
    let today = Utc::now().date_naive();
    let since = match run.options.since {
        Some(t) => t.date_naive(),
        None => loaded_version(run.db, JVN_UPDATE_FEED)
            .await?
            .and_then(|v| NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok())
            .unwrap_or(today - TimeDelta::days(JVN_FIRST_DAYS)),
    };
    let dir = run.staging.join("jvn-api");
    fresh_dir(&dir).await?;
    let paced = is_official(&run.settings.jvn_url, JVN_URL);
    let mut start_item = 1;
    let mut page = 0;
    loop {
        if page > 0 && paced {
            tokio::time::sleep(JVN_INTERVAL).await;
        }
        page += 1;
        let url = jvn_url(&run.settings.jvn_url, since, start_item)?;
        let path = dir.join(format!("page-{page:06}.xml"));
        mamori_net::download(run.client, &url, &path, |_, _| {})
            .await
            .map_err(net(Source::Jvn))?;
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|e| UpdateError::Other(format!("{}: {e}", path.display())))?;
        let paging = tokio::task::spawn_blocking(move || mamori_formats::jvn::parse(&bytes))
            .await
            .map_err(|e| UpdateError::Other(e.to_string()))?
            .map_err(|e| {
                UpdateError::Other(format!(
                    "jvn: {} answered with something that is not a MyJVN overview list: {e}",
                    mamori_net::redact_url(&run.settings.jvn_url)
                ))
            })?
            .paging;
        match paging {
            // A server that does not move on would keep us asking for ever.
            Some(p) if p.first != start_item => {
                return Err(UpdateError::Other(format!(
                    "jvn: {} answered entries from {} when asked for {start_item}; try again later",
                    mamori_net::redact_url(&run.settings.jvn_url),
                    p.first
                )));
            }
            Some(p) => {
                note(format!(
                    "JVN: {} of {} entries",
                    (p.first + p.returned).saturating_sub(1),
                    p.total
                ));
                match p.next_start() {
                    Some(next) => start_item = next,
                    None => break,
                }
            }
            None => break,
        }
    }
    let (report, pages) = import_staged(
        run.db,
        run.actor,
        Source::Jvn,
        JVN_UPDATE_FEED,
        &today.format("%Y-%m-%d").to_string(),
        &dir,
    )
    .await?;
    Ok(SourceReport {
        source: Source::Jvn,
        fetched: format!(
            "JVN iPedia entries updated since {} ({} pages)",
            since.format("%Y-%m-%d"),
            pages
        ),
        imports: vec![report],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_queries() {
        assert_eq!(
            parse_time("2022-11-20T14:02:24.783").map(|t| t.to_rfc3339()),
            Some("2022-11-20T14:02:24.783+00:00".to_string())
        );
        assert!(parse_time("2026-11-23T01:02:03.000Z").is_some());
        assert!(parse_time("yesterday").is_none());
        let url = jvn_url(
            "https://jvndb.jvn.jp/myjvn",
            NaiveDate::from_ymd_opt(2026, 3, 9).expect("date"),
            51,
        )
        .expect("url");
        assert!(url.contains("method=getVulnOverviewList"), "{url}");
        assert!(url.contains("startItem=51&maxCountItem=50"), "{url}");
        assert!(
            url.contains("datePublishedStartY=2026&datePublishedStartM=3&datePublishedStartD=9")
        );
        assert!(is_official(
            "https://services.nvd.nist.gov/rest/json/cves/2.0?x=1",
            NVD_URL
        ));
        assert!(!is_official(
            "http://127.0.0.1:9/rest/json/cves/2.0",
            NVD_URL
        ));
        assert_eq!(Source::parse(" NVD"), Some(Source::Nvd));
        assert_eq!(Source::parse("osv"), None);
    }
}

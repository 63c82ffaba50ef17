//! Incremental fetch from the NVD CVE API 2.0 (`lastModStartDate` /
//! `lastModEndDate`), within NVD's rate limits.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use serde::Deserialize;
use serde::de::IgnoredAny;
use tokio::time::Instant;
use url::Url;

use crate::client::{Client, chain, parse_url, redact_url};
use crate::error::{NetError, NvdError, body_excerpt, status_hint};

/// Where and how to query the NVD CVE API.
#[derive(Clone)]
pub struct NvdApi {
    /// The CVE API endpoint, [`NvdApi::DEFAULT_BASE_URL`] by default.
    pub base_url: String,
    /// An NVD API key (sent in the `apiKey` header, never logged).
    pub api_key: Option<String>,
    /// Least time between the starts of two requests. NVD allows 5 requests
    /// per rolling 30 s without a key (6 s apart) and 50 with a key.
    pub min_interval: Duration,
    /// Page size asked for; NVD's maximum (and default here) is 2,000.
    pub results_per_page: u32,
    /// How often a request answered 403/429/5xx, or failing on the network,
    /// is tried again.
    pub max_retries: u32,
    /// The first wait before trying again, doubled each time; a longer
    /// `Retry-After` from the server wins.
    pub retry_backoff: Duration,
}

impl NvdApi {
    /// NVD's CVE API 2.0 endpoint.
    pub const DEFAULT_BASE_URL: &'static str = "https://services.nvd.nist.gov/rest/json/cves/2.0";
    /// NVD rejects date ranges longer than this.
    pub const MAX_WINDOW_DAYS: i64 = 120;

    /// The public endpoint with intervals fitting NVD's published limits:
    /// 6 s between requests without a key, 0.65 s with one.
    pub fn new(api_key: Option<String>) -> NvdApi {
        let min_interval = if api_key.is_some() {
            Duration::from_millis(650)
        } else {
            Duration::from_secs(6)
        };
        NvdApi {
            base_url: Self::DEFAULT_BASE_URL.to_owned(),
            api_key,
            min_interval,
            results_per_page: 2000,
            max_retries: 4,
            retry_backoff: Duration::from_secs(6),
        }
    }
}

impl Default for NvdApi {
    fn default() -> Self {
        NvdApi::new(None)
    }
}

impl fmt::Debug for NvdApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NvdApi")
            .field("base_url", &redact_url(&self.base_url))
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("min_interval", &self.min_interval)
            .field("results_per_page", &self.results_per_page)
            .field("max_retries", &self.max_retries)
            .field("retry_backoff", &self.retry_backoff)
            .finish()
    }
}

/// What [`nvd_changes`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PagesFetched {
    /// Date windows (of at most 120 days) queried.
    pub windows: u32,
    /// Pages handed to the callback.
    pub pages: u32,
    /// HTTP requests made, retries included.
    pub requests: u32,
    /// Sum of `totalResults` over the windows.
    pub total_results: u64,
}

/// A time in the form NVD expects: `2024-01-01T00:00:00.000Z`.
pub fn nvd_timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The numbers of a page needed for paging; the CVEs themselves are only
/// counted (the caller parses the raw page).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageHead {
    total_results: u64,
    #[serde(default)]
    vulnerabilities: Vec<IgnoredAny>,
}

/// Fetches every CVE modified between `since` and `until` and hands each raw
/// JSON page (as NVD sent it) to `on_page`, in order.
///
/// The range is cut into windows of at most 120 days (NVD's limit); windows
/// touch, so a CVE modified exactly at a boundary may come twice. Each window
/// is paged with `startIndex` and `resultsPerPage` until `totalResults` is
/// reached. Requests are spaced by `api.min_interval`; 403/429/5xx answers
/// and network failures are retried `api.max_retries` times with backoff,
/// honouring `Retry-After`. An error from `on_page` stops the fetch.
pub async fn nvd_changes<E, F>(
    client: &Client,
    api: &NvdApi,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    mut on_page: F,
) -> Result<PagesFetched, NvdError<E>>
where
    F: FnMut(Vec<u8>) -> Result<(), E>,
{
    let base = parse_url(&api.base_url)?;
    let key = match &api.api_key {
        Some(k) => {
            let mut v = HeaderValue::from_str(k.trim()).map_err(|_| {
                NetError::Config(
                    "the NVD API key contains characters not allowed in a header".into(),
                )
            })?;
            v.set_sensitive(true);
            Some(v)
        }
        None => None,
    };
    let per_page = api.results_per_page.max(1);
    let mut pacer = Pacer {
        interval: api.min_interval,
        last: None,
    };
    let mut fetched = PagesFetched::default();
    let window = TimeDelta::days(NvdApi::MAX_WINDOW_DAYS);
    let mut start = since;
    while start < until {
        let end = (start + window).min(until);
        fetched.windows += 1;
        let mut index: u64 = 0;
        loop {
            let mut url = base.clone();
            url.query_pairs_mut()
                .append_pair("lastModStartDate", &nvd_timestamp(start))
                .append_pair("lastModEndDate", &nvd_timestamp(end))
                .append_pair("resultsPerPage", &per_page.to_string())
                .append_pair("startIndex", &index.to_string());
            let body =
                fetch_page(client, api, &url, key.as_ref(), &mut pacer, &mut fetched).await?;
            let shown = redact_url(url.as_str());
            let head: PageHead =
                serde_json::from_slice(&body).map_err(|e| NetError::BadResponse {
                    url: shown.clone(),
                    detail: format!("not an NVD CVE API page: {e}"),
                })?;
            let count = head.vulnerabilities.len() as u64;
            tracing::info!(
                from = %nvd_timestamp(start),
                to = %nvd_timestamp(end),
                start_index = index,
                count,
                total = head.total_results,
                "NVD page"
            );
            if index == 0 {
                fetched.total_results += head.total_results;
            }
            on_page(body).map_err(NvdError::Callback)?;
            fetched.pages += 1;
            index += count;
            if index >= head.total_results {
                break;
            }
            if count == 0 {
                return Err(NetError::BadResponse {
                    url: shown,
                    detail: format!(
                        "empty page at startIndex {index} of {} results",
                        head.total_results
                    ),
                }
                .into());
            }
        }
        start = end;
    }
    Ok(fetched)
}

/// Keeps requests `interval` apart.
struct Pacer {
    interval: Duration,
    last: Option<Instant>,
}

impl Pacer {
    async fn wait(&mut self, extra: Duration) {
        let now = Instant::now();
        let mut ready = now + extra;
        if let Some(last) = self.last {
            ready = ready.max(last + self.interval);
        }
        if ready > now {
            tokio::time::sleep_until(ready).await;
        }
        self.last = Some(Instant::now());
    }
}

/// One page, with retries.
async fn fetch_page(
    client: &Client,
    api: &NvdApi,
    url: &Url,
    key: Option<&HeaderValue>,
    pacer: &mut Pacer,
    fetched: &mut PagesFetched,
) -> Result<Vec<u8>, NetError> {
    let shown = redact_url(url.as_str());
    let mut retry_wait = Duration::ZERO;
    let mut tries = 0;
    loop {
        tries += 1;
        pacer.wait(retry_wait).await;
        fetched.requests += 1;
        let mut request = client.strict.get(url.clone());
        if let Some(k) = key {
            request = request.header("apiKey", k.clone());
        }
        let backoff = api.retry_backoff.saturating_mul(1 << (tries - 1).min(10));
        let error = match request.send().await {
            Ok(response) if response.status().is_success() => match response.bytes().await {
                Ok(body) => return Ok(body.to_vec()),
                Err(e) => NetError::Interrupted {
                    url: shown.clone(),
                    done: 0,
                    detail: chain(&e),
                },
            },
            Ok(response) => {
                let status = response.status();
                let after = retry_after(response.headers());
                // NVD explains rejected parameters in a `message` header.
                let message = response
                    .headers()
                    .get("message")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let body = response.bytes().await.unwrap_or_default();
                let excerpt = match message {
                    Some(m) if !m.is_empty() => body_excerpt(m.as_bytes()),
                    _ => body_excerpt(&body),
                };
                let error = NetError::Status {
                    url: shown.clone(),
                    status: status.as_u16(),
                    excerpt,
                    hint: status_hint(status.as_u16()),
                };
                if !retryable(status) {
                    return Err(error);
                }
                retry_wait = after.map_or(backoff, |a| a.max(backoff));
                if tries <= api.max_retries {
                    tracing::warn!(url = %shown, %status, wait = ?retry_wait, "NVD asked to slow down or failed; retrying");
                    continue;
                }
                return Err(error);
            }
            Err(e) => client.send_error(e, url, &shown),
        };
        // Network trouble is retried only once NVD was reached: a machine
        // without internet access should hear so at once.
        if !error.is_transient() || fetched.pages == 0 || tries > api.max_retries {
            return Err(error);
        }
        retry_wait = backoff;
        tracing::warn!(url = %shown, %error, wait = ?retry_wait, "NVD request failed; retrying");
    }
}

fn retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 403 | 429 | 500 | 502 | 503 | 504)
}

/// `Retry-After` as seconds or an HTTP date, capped at 15 minutes.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    const CAP: Duration = Duration::from_secs(15 * 60);
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = DateTime::parse_from_rfc2822(value)
                .ok()?
                .with_timezone(&Utc);
            (at - Utc::now()).to_std().unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.min(CAP))
}

//! `nvd_changes` against a fake NVD CVE API serving pages cut from a real
//! response of 200 CVEs.

use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use mamori_net::{NetError, NvdApi, NvdError, PagesFetched, nvd_changes, nvd_timestamp};
use serde_json::{Value, json};

use crate::support::{client, serve};

#[derive(Clone, Debug)]
struct Request {
    query: HashMap<String, String>,
    api_key: Option<String>,
    at: Instant,
}

#[derive(Clone)]
struct FakeNvd {
    cves: Arc<Vec<Value>>,
    requests: Arc<Mutex<Vec<Request>>>,
    /// Answer this many requests first with `fail_status`.
    fail_first: Arc<AtomicU32>,
    fail_status: StatusCode,
    retry_after: Option<&'static str>,
}

impl FakeNvd {
    fn new(cves: Vec<Value>) -> FakeNvd {
        FakeNvd {
            cves: Arc::new(cves),
            requests: Arc::default(),
            fail_first: Arc::default(),
            fail_status: StatusCode::SERVICE_UNAVAILABLE,
            retry_after: None,
        }
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("lock").clone()
    }

    async fn start(&self) -> String {
        let router = Router::new()
            .route("/rest/json/cves/2.0", axum::routing::get(page))
            .with_state(self.clone());
        format!("http://{}/rest/json/cves/2.0", serve(router).await)
    }
}

async fn page(
    State(nvd): State<FakeNvd>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    nvd.requests.lock().expect("lock").push(Request {
        query: query.clone(),
        api_key: headers
            .get("apiKey")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        at: Instant::now(),
    });
    if nvd
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        let mut response = (nvd.fail_status, "Service Unavailable").into_response();
        if let Some(after) = nvd.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static(after));
        }
        return response;
    }
    let number = |name: &str| query.get(name).and_then(|v| v.parse::<usize>().ok());
    let (Some(start), Some(per_page)) = (number("startIndex"), number("resultsPerPage")) else {
        return (StatusCode::BAD_REQUEST, "startIndex/resultsPerPage missing").into_response();
    };
    let slice: Vec<Value> = nvd
        .cves
        .iter()
        .skip(start)
        .take(per_page)
        .cloned()
        .collect();
    let page = json!({
        "resultsPerPage": slice.len(),
        "startIndex": start,
        "totalResults": nvd.cves.len(),
        "format": "NVD_CVE",
        "version": "2.0",
        "timestamp": "2024-01-01T00:00:00.000",
        "vulnerabilities": slice,
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(&page).expect("page json"),
    )
        .into_response()
}

fn real_cves() -> Option<Vec<Value>> {
    let data = crate::support::data_dir()?;
    let gz = crate::support::read_data(&data, "nvd/api-2.0-responses/cves-2023.json.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_string(&mut text)
        .expect("gunzip");
    let response: Value = serde_json::from_str(&text).expect("json");
    let cves = response["vulnerabilities"]
        .as_array()
        .expect("vulnerabilities")
        .clone();
    assert_eq!(cves.len(), 200);
    Some(cves)
}

fn fast_api(base_url: String, api_key: Option<&str>) -> NvdApi {
    NvdApi {
        base_url,
        api_key: api_key.map(str::to_owned),
        min_interval: Duration::from_millis(40),
        results_per_page: 50,
        max_retries: 3,
        retry_backoff: Duration::from_millis(10),
    }
}

fn utc(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0)
        .single()
        .expect("date")
}

fn parse_nvd_time(s: &str) -> DateTime<Utc> {
    assert_eq!(s.len(), "2024-01-01T00:00:00.000Z".len(), "{s}");
    assert!(s.ends_with('Z') && s.as_bytes()[19] == b'.', "{s}");
    DateTime::parse_from_rfc3339(s)
        .expect("timestamp")
        .with_timezone(&Utc)
}

fn ids(page: &[u8]) -> Vec<String> {
    let page: Value = serde_json::from_slice(page).expect("page json");
    page["vulnerabilities"]
        .as_array()
        .expect("vulnerabilities")
        .iter()
        .map(|v| v["cve"]["id"].as_str().expect("id").to_owned())
        .collect()
}

#[test]
fn timestamp_format() {
    let t = Utc
        .with_ymd_and_hms(2024, 1, 2, 3, 4, 5)
        .single()
        .expect("date")
        + TimeDelta::milliseconds(67);
    assert_eq!(nvd_timestamp(t), "2024-01-02T03:04:05.067Z");
    let api = NvdApi::new(None);
    assert_eq!(
        api.base_url,
        "https://services.nvd.nist.gov/rest/json/cves/2.0"
    );
    assert_eq!(api.min_interval, Duration::from_secs(6));
    assert_eq!(api.results_per_page, 2000);
    assert!(NvdApi::new(Some("k".into())).min_interval < Duration::from_secs(1));
}

#[tokio::test]
async fn windows_pages_and_spacing() {
    let Some(cves) = real_cves() else { return };
    let expected_ids: Vec<String> = cves
        .iter()
        .map(|v| v["cve"]["id"].as_str().expect("id").to_owned())
        .collect();
    let nvd = FakeNvd::new(cves);
    let api = fast_api(nvd.start().await, None);
    let since = utc(2023, 1, 1);
    let until = utc(2023, 9, 1); // 243 days: windows of 120, 120, 3 days

    let mut pages: Vec<Vec<u8>> = Vec::new();
    let fetched = nvd_changes(&client(), &api, since, until, |page| {
        pages.push(page);
        Ok::<(), std::convert::Infallible>(())
    })
    .await
    .expect("nvd_changes");
    assert_eq!(
        fetched,
        PagesFetched {
            windows: 3,
            pages: 12,
            requests: 12,
            total_results: 600,
        }
    );
    // Pages arrive in order and complete.
    let first_window: Vec<String> = pages[..4].iter().flat_map(|p| ids(p)).collect();
    assert_eq!(first_window, expected_ids);

    let requests = nvd.requests();
    assert_eq!(requests.len(), 12);
    let mut window_start = since;
    for (n, r) in requests.iter().enumerate() {
        let q = &r.query;
        let start = parse_nvd_time(&q["lastModStartDate"]);
        let end = parse_nvd_time(&q["lastModEndDate"]);
        assert!(end > start);
        assert!(
            end - start <= TimeDelta::days(120),
            "window {start}..{end} too long"
        );
        assert_eq!(q["resultsPerPage"], "50");
        assert_eq!(q["startIndex"], ((n % 4) * 50).to_string(), "request {n}");
        if n % 4 == 0 {
            assert_eq!(start, window_start, "windows must be contiguous");
            window_start = end;
        }
        assert_eq!(r.api_key, None, "no key configured, none sent");
    }
    assert_eq!(window_start, until);
    for pair in requests.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(
            gap >= Duration::from_millis(38),
            "requests only {gap:?} apart"
        );
    }
}

#[tokio::test]
async fn api_key_header_and_503_retry_with_retry_after() {
    let Some(cves) = real_cves() else { return };
    let mut nvd = FakeNvd::new(cves);
    nvd.fail_first.store(1, Ordering::SeqCst);
    nvd.retry_after = Some("1");
    let mut api = fast_api(nvd.start().await, Some("secret-nvd-key-123"));
    api.results_per_page = 2000;
    let since = utc(2023, 3, 1);
    let until = utc(2023, 3, 8);

    let mut count = 0;
    let fetched = nvd_changes(&client(), &api, since, until, |page| {
        count += ids(&page).len();
        Ok::<(), String>(())
    })
    .await
    .expect("nvd_changes");
    assert_eq!(count, 200);
    assert_eq!(fetched.pages, 1);
    assert_eq!(fetched.requests, 2, "the 503 was retried once");

    let requests = nvd.requests();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert_eq!(r.api_key.as_deref(), Some("secret-nvd-key-123"));
        assert_eq!(r.query["startIndex"], "0");
        assert_eq!(r.query["resultsPerPage"], "2000");
        assert_eq!(r.query["lastModStartDate"], "2023-03-01T00:00:00.000Z");
        assert_eq!(r.query["lastModEndDate"], "2023-03-08T00:00:00.000Z");
    }
    let gap = requests[1].at - requests[0].at;
    assert!(
        gap >= Duration::from_millis(950),
        "Retry-After: 1 not honoured ({gap:?})"
    );
    assert!(!format!("{api:?}").contains("secret-nvd-key-123"));
}

#[tokio::test]
async fn persistent_rate_limit_gives_up_with_status() {
    let mut nvd = FakeNvd::new(Vec::new());
    nvd.fail_first.store(100, Ordering::SeqCst);
    nvd.fail_status = StatusCode::FORBIDDEN;
    let api = fast_api(nvd.start().await, Some("secret-nvd-key-123"));
    let err = nvd_changes(&client(), &api, utc(2024, 1, 1), utc(2024, 1, 2), |_| {
        Ok::<(), String>(())
    })
    .await
    .expect_err("403 forever");
    let NvdError::Net(err) = err else {
        panic!("expected a network error: {err:?}")
    };
    assert_eq!(err.status(), Some(403));
    assert_eq!(nvd.requests().len(), 4, "1 try + 3 retries");
    let msg = err.to_string();
    assert!(msg.contains("rate limit"), "{msg}");
    assert!(!msg.contains("secret-nvd-key-123"), "{msg}");
}

#[tokio::test]
async fn bad_request_is_not_retried_and_callback_error_stops() {
    let mut nvd = FakeNvd::new(Vec::new());
    nvd.fail_first.store(1, Ordering::SeqCst);
    nvd.fail_status = StatusCode::NOT_FOUND;
    let api = fast_api(nvd.start().await, None);
    let err = nvd_changes(&client(), &api, utc(2024, 1, 1), utc(2024, 1, 2), |_| {
        Ok::<(), String>(())
    })
    .await
    .expect_err("404");
    assert!(matches!(
        err,
        NvdError::Net(NetError::Status { status: 404, .. })
    ));
    assert_eq!(nvd.requests().len(), 1);

    // Now the fake answers (an empty result); the callback refuses it.
    let err = nvd_changes(&client(), &api, utc(2024, 1, 1), utc(2024, 1, 2), |_| {
        Err::<(), String>("database is read-only".into())
    })
    .await
    .expect_err("callback error");
    match err {
        NvdError::Callback(e) => assert_eq!(e, "database is read-only"),
        other => panic!("expected the callback's error: {other:?}"),
    }
}

#[tokio::test]
async fn empty_range_fetches_nothing() {
    let api = fast_api("http://127.0.0.1:9/none".into(), None);
    let fetched = nvd_changes(&client(), &api, utc(2024, 1, 2), utc(2024, 1, 1), |_| {
        Ok::<(), String>(())
    })
    .await
    .expect("nothing to do");
    assert_eq!(fetched, PagesFetched::default());
}

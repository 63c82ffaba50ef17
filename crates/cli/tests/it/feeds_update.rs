//! `mamori feeds update` against a local HTTP server that stands in for CISA, NVD and MyJVN,
//! serving the real files of shared/data: first update, incremental second update (KEV not
//! modified, NVD from where the last update stopped, JVN from today), a broken NVD page that
//! changes nothing until mended, a source that cannot be reached; and the alerts the update
//! raised, delivered to a local webhook receiver and a local SMTP server.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::cli::{mamori, set_up, text};
use crate::kit::shared_data;

#[derive(Default)]
struct Mirror {
    kev: Vec<u8>,
    cves: Vec<serde_json::Value>,
    jvn: String,
    /// Every query NVD and MyJVN were asked, in order.
    nvd_queries: Vec<HashMap<String, String>>,
    jvn_queries: Vec<HashMap<String, String>>,
    kev_not_modified: usize,
    /// NVD answers with a page cut in half.
    broken: bool,
    /// JSON bodies posted to the alert webhook.
    hooks: Vec<serde_json::Value>,
}

type Shared = Arc<Mutex<Mirror>>;

const KEV_ETAG: &str = "\"kev-2025.08.25\"";

async fn kev(State(m): State<Shared>, headers: HeaderMap) -> Response {
    let mut m = m.lock().expect("mirror");
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == KEV_ETAG.as_bytes())
    {
        m.kev_not_modified += 1;
        return StatusCode::NOT_MODIFIED.into_response();
    }
    ([(header::ETAG, KEV_ETAG)], m.kev.clone()).into_response()
}

/// Like NVD: only changes in the last two days are there; two CVEs a page.
async fn nvd(State(m): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut m = m.lock().expect("mirror");
    m.nvd_queries.push(q.clone());
    let end = q
        .get("lastModEndDate")
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .expect("lastModEndDate");
    let recent = chrono::Utc::now() - end.to_utc() < chrono::TimeDelta::days(2);
    let all: Vec<serde_json::Value> = if recent { m.cves.clone() } else { Vec::new() };
    let start: usize = q
        .get("startIndex")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let page: Vec<serde_json::Value> = all
        .iter()
        .skip(start)
        .take(2)
        .map(|cve| serde_json::json!({ "cve": cve }))
        .collect();
    let body = serde_json::json!({
        "resultsPerPage": page.len(),
        "startIndex": start,
        "totalResults": all.len(),
        "format": "NVD_CVE",
        "version": "2.0",
        "timestamp": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
        "vulnerabilities": page,
    })
    .to_string();
    if m.broken && !all.is_empty() {
        return body[..body.len() / 2].to_string().into_response();
    }
    body.into_response()
}

/// The real overview list, renumbered as MyJVN would for each `startItem` (4 entries in all).
async fn myjvn(State(m): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut m = m.lock().expect("mirror");
    m.jvn_queries.push(q.clone());
    let start = q.get("startItem").cloned().unwrap_or_else(|| "1".into());
    let body = m
        .jvn
        .replace("firstRes=\"1\"", &format!("firstRes=\"{start}\""))
        .replace("totalRes=\"6\"", "totalRes=\"4\"");
    ([(header::CONTENT_TYPE, "application/xml")], body).into_response()
}

async fn hook(State(m): State<Shared>, body: String) -> StatusCode {
    let value = serde_json::from_str(&body).expect("webhook JSON");
    m.lock().expect("mirror").hooks.push(value);
    StatusCode::NO_CONTENT
}

/// A plain SMTP receiver: keeps each message's recipients and data.
/// Recipients and data of each message received.
type Mails = Arc<Mutex<Vec<(Vec<String>, String)>>>;

fn start_smtp(rt: &tokio::runtime::Runtime) -> (u16, Mails) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let received: Mails = Arc::default();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let kept = received.clone();
    rt.spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut reader = BufReader::new(read);
                let _ = write.write_all(b"220 smtp.test ready\r\n").await;
                let (mut to, mut line) = (Vec::new(), String::new());
                loop {
                    line.clear();
                    if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let upper = line.trim_end().to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-smtp.test\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        to.push(line.trim_end()[8..].to_string());
                        b"250 OK\r\n"
                    } else if upper == "DATA" {
                        let _ = write.write_all(b"354 go ahead\r\n").await;
                        let mut data = String::new();
                        loop {
                            let mut l = String::new();
                            if reader.read_line(&mut l).await.unwrap_or(0) == 0 || l == ".\r\n" {
                                break;
                            }
                            data.push_str(&l);
                        }
                        kept.lock()
                            .expect("smtp")
                            .push((std::mem::take(&mut to), data));
                        b"250 queued\r\n"
                    } else if upper == "QUIT" {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 OK\r\n"
                    };
                    if write.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, received)
}

fn start_mirror(rt: &tokio::runtime::Runtime, mirror: Shared) -> String {
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .route("/kev/known_exploited_vulnerabilities.json", get(kev))
        .route("/rest/json/cves/2.0", get(nvd))
        .route("/myjvn", get(myjvn))
        .with_state(mirror);
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    rt.spawn(async move {
        axum::serve(listener, app).await.expect("mirror");
    });
    format!("http://{addr}")
}

fn write_settings(dir: &Path, base: &str, smtp_port: u16) {
    std::fs::write(
        dir.join("mamori.toml"),
        format!(
            "[feeds]\nkev_url = \"{base}/kev/known_exploited_vulnerabilities.json\"\nnvd_url = \"{base}/rest/json/cves/2.0\"\njvn_url = \"{base}/myjvn\"\n\n[alerts]\nwebhook_url = \"{base}/hook\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {smtp_port}\nsmtp_security = \"none\"\nemail_from = \"mamori@hospital.example\"\nemail_to = [\"security@hospital.example\"]\n"
        ),
    )
    .expect("mamori.toml");
}

fn update(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_mamori"));
    command
        .current_dir(dir)
        .args(["feeds", "update"])
        .args(args)
        .env_remove("MAMORI_DATABASE_URL")
        .env_remove("MAMORI_DATA");
    // The mirror is on loopback: no proxy from the machine's environment may get in the way.
    for name in ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"] {
        command.env_remove(name).env_remove(name.to_lowercase());
    }
    command.output().expect("mamori feeds update")
}

/// The main FortiGate on 6.0.4 behind the VPN, as the ledger would hold it.
fn add_fortigate(rt: &tokio::runtime::Runtime, dir: &Path) {
    rt.block_on(async {
        use sqlx::Connection;
        let url = format!("sqlite://{}", dir.join("mamori-data/mamori.db").display());
        let mut c = sqlx::SqliteConnection::connect(&url).await.expect("db");
        sqlx::query(
            "INSERT INTO devices (facility_id, kind, name, cpes, os_version, external_connection, created_at, updated_at)
             SELECT MIN(id), 'network', '本館FortiGate', 'cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*', '6.0.4', 'vpn', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM facilities",
        )
        .execute(&mut c)
        .await
        .expect("device");
    });
}

async fn scalar(dir: &Path, sql: &str) -> String {
    use sqlx::Connection;
    let url = format!(
        "sqlite://{}?mode=ro",
        dir.join("mamori-data/mamori.db").display()
    );
    let mut c = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("database");
    let value: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&mut c)
        .await
        .expect("query");
    value
}

#[test]
fn feeds_update_from_a_local_mirror() {
    let (Some(kev_dir), Some(nvd_dir), Some(jvn_dir)) = (
        shared_data("kev"),
        shared_data("nvd/api-2.0-per-cve"),
        shared_data("jvn/examples/hnd"),
    ) else {
        return;
    };
    let read = |p: PathBuf| std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mirror: Shared = Arc::new(Mutex::new(Mirror {
        kev: read(kev_dir.join("known_exploited_vulnerabilities.json")),
        cves: ["CVE-2018-13379", "CVE-2023-27997", "CVE-2024-21762"]
            .iter()
            .map(|id| {
                serde_json::from_slice(&read(nvd_dir.join(format!("{id}.json")))).expect("CVE")
            })
            .collect(),
        jvn: String::from_utf8(read(jvn_dir.join("getVulnOverviewList_hnd.xml"))).expect("utf-8"),
        ..Mirror::default()
    }));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let base = start_mirror(&rt, mirror.clone());
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    set_up(dir);
    let (smtp_port, mails) = start_smtp(&rt);
    write_settings(dir, &base, smtp_port);
    add_fortigate(&rt, dir);

    // A source that does not exist is refused before anything is fetched.
    let wrong = update(dir, &["--source", "osv"]);
    assert!(!wrong.status.success());
    assert!(
        text(&wrong).contains("use kev, nvd or jvn"),
        "{}",
        text(&wrong)
    );

    // First update: NVD from 200 days back (two 120-day windows), JVN from the same day.
    let since = (chrono::Utc::now() - chrono::TimeDelta::days(200))
        .format("%Y-%m-%d")
        .to_string();
    let first = update(dir, &["--since", &since]);
    let said = text(&first);
    assert!(first.status.success(), "{said}");
    assert!(said.contains("kev: "), "{said}");
    assert!(said.contains("2025.08.25"), "{said}");
    assert!(said.contains("nvd:api-update"), "{said}");
    assert!(said.contains("3 entries, 3 added"), "{said}");
    assert!(said.contains("jvn:myjvn-update"), "{said}");
    {
        let m = mirror.lock().expect("mirror");
        // Window one is empty; window two has three CVEs on two pages.
        assert_eq!(m.nvd_queries.len(), 3, "{:?}", m.nvd_queries);
        assert_eq!(
            m.nvd_queries[0].get("lastModStartDate").map(|s| &s[..10]),
            Some(since.as_str())
        );
        assert_eq!(
            m.nvd_queries[2].get("startIndex").map(String::as_str),
            Some("2")
        );
        // MyJVN: everything updated since that day, 50 at a time, until the count is reached.
        let starts: Vec<&str> = m
            .jvn_queries
            .iter()
            .map(|q| q.get("startItem").map(String::as_str).unwrap_or(""))
            .collect();
        assert_eq!(starts, ["1", "3"]);
        let q = &m.jvn_queries[0];
        assert_eq!(
            q.get("method").map(String::as_str),
            Some("getVulnOverviewList")
        );
        assert_eq!(q.get("rangeDatePublished").map(String::as_str), Some("n"));
        assert_eq!(
            q.get("datePublishedStartY").map(String::as_str),
            Some(&since[..4])
        );
    }
    let rt2 = tokio::runtime::Runtime::new().expect("runtime");
    let count = |table: &str| {
        rt2.block_on(scalar(
            dir,
            &format!("SELECT CAST(COUNT(*) AS TEXT) FROM {table}"),
        ))
        .parse::<i64>()
        .expect("count")
    };
    assert_eq!(count("vuln_cves"), 3);
    assert!(count("vuln_kev") > 1000);
    assert!(count("vuln_jvn") >= 2);
    // The pages waited in the data folder and are gone once imported.
    assert!(!dir.join("mamori-data/feeds/nvd-api").exists());
    assert!(!dir.join("mamori-data/feeds/jvn-api").exists());
    // The new KEV match went out by webhook and e-mail.
    {
        let m = mirror.lock().expect("mirror");
        assert_eq!(m.hooks.len(), 1, "{:?}", m.hooks);
        let text = m.hooks[0].to_string();
        assert!(
            text.contains("CVE-2018-13379") && text.contains("本館FortiGate"),
            "{text}"
        );
        let mails = mails.lock().expect("smtp");
        assert_eq!(mails.len(), 1);
        assert!(
            mails[0]
                .0
                .iter()
                .any(|r| r.contains("security@hospital.example"))
        );
        assert!(mails[0].1.contains("Subject:"), "{}", mails[0].1);
    }
    assert_eq!(
        rt2.block_on(scalar(
            dir,
            "SELECT email_status || ' / ' || webhook_status FROM vuln_alerts WHERE vuln_id = 'CVE-2018-13379'"
        )),
        "sent / sent (204)"
    );
    let status = mamori(dir, &["feeds", "status"]);
    assert!(
        text(&status).contains("nvd:api-update"),
        "{}",
        text(&status)
    );
    let cursor = rt2.block_on(scalar(
        dir,
        "SELECT version FROM vuln_feeds WHERE feed = 'nvd:api-update'",
    ));

    // Second update: KEV unchanged (conditional request), NVD from where the first stopped,
    // JVN from today.
    let second = update(dir, &[]);
    let said = text(&second);
    assert!(second.status.success(), "{said}");
    assert!(said.contains("unchanged since the last download"), "{said}");
    {
        let m = mirror.lock().expect("mirror");
        assert_eq!(m.kev_not_modified, 1);
        let q = &m.nvd_queries[3];
        assert_eq!(q.get("lastModStartDate"), Some(&cursor), "{q:?}");
        let today = chrono::Utc::now().date_naive();
        let last = m.jvn_queries.last().expect("jvn query");
        assert_eq!(
            last.get("datePublishedStartD").map(String::as_str),
            Some(today.format("%-d").to_string().as_str())
        );
    }

    // A page cut short: the update fails naming NVD, and nothing of it is imported.
    mirror.lock().expect("mirror").broken = true;
    rt2.block_on(async {
        use sqlx::Connection;
        let url = format!("sqlite://{}", dir.join("mamori-data/mamori.db").display());
        let mut c = sqlx::SqliteConnection::connect(&url).await.expect("db");
        for table in ["vuln_cve_products", "vuln_cves"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE cve_id = 'CVE-2024-21762'"
            )))
            .execute(&mut c)
            .await
            .expect("delete");
        }
    });
    let broken = update(dir, &["--source", "nvd", "--since", &since]);
    let said = text(&broken);
    assert!(!broken.status.success(), "{said}");
    assert!(said.contains("nvd"), "{said}");
    assert_eq!(count("vuln_cves"), 2);
    // What arrived before the break waits; mended, the same update goes on from there.
    assert!(dir.join("mamori-data/feeds/nvd-api/state.json").exists());
    mirror.lock().expect("mirror").broken = false;
    let mended = update(dir, &["--source", "nvd", "--since", &since]);
    assert!(mended.status.success(), "{}", text(&mended));
    assert_eq!(count("vuln_cves"), 3);

    // Nothing listening: the error names the source and the address.
    std::fs::write(
        dir.join("mamori.toml"),
        "[feeds]\nkev_url = \"http://127.0.0.1:9/kev.json\"\n",
    )
    .expect("mamori.toml");
    let down = update(dir, &["--source", "kev"]);
    let said = text(&down);
    assert!(!down.status.success(), "{said}");
    assert!(
        said.contains("kev") && said.contains("127.0.0.1:9"),
        "{said}"
    );
}

/// `mamori feeds import` with the real files (KEV, the NVD 2018 1.1 feed, NVD 2.0 CVE objects,
/// an API page), then `vuln list` and `vuln suppress` as a script would use them; a feed cut
/// short changes nothing.
#[test]
fn feeds_import_and_vuln_commands() {
    let (Some(kev), Some(nvd)) = (shared_data("kev"), shared_data("nvd")) else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    set_up(dir);
    add_fortigate(&rt, dir);
    let path = |p: PathBuf| p.to_str().expect("path").to_string();
    let files = [
        path(kev.join("known_exploited_vulnerabilities.json")),
        path(nvd.join("feeds-1.1/nvdcve-1.1-2018.json.gz")),
        path(nvd.join("api-2.0-per-cve")),
        path(nvd.join("api-2.0-responses/cves-1999.json.gz")),
    ];
    let args: Vec<&str> = ["feeds", "import"]
        .into_iter()
        .chain(files.iter().map(String::as_str))
        .collect();
    let done = mamori(dir, &args);
    let said = text(&done);
    assert!(done.status.success(), "{said}");
    assert!(
        said.contains("nvdcve-1.1-2018.json: nvd nvd:nvdcve-1.1-2018 version 2020-09-17T07:46Z: 16386 entries, 16386 added"),
        "{said}"
    );
    assert!(said.contains("CVE-2018-13379.json: nvd"), "{said}");
    assert!(said.contains("cves-1999.json: nvd"), "{said}");
    let count = |sql: &str| -> i64 { rt.block_on(scalar(dir, sql)).parse().expect("count") };
    let cves = count("SELECT CAST(COUNT(*) AS TEXT) FROM vuln_cves");
    assert!(cves > 16386, "{cves}");

    // The same files again: nothing new.
    let again = mamori(dir, &args);
    assert!(
        text(&again).contains("16386 entries, 0 added, 0 updated, 16386 unchanged"),
        "{}",
        text(&again)
    );

    // The prioritised list as JSON: the FortiGate's KEV match with ransomware use, first.
    let listed = mamori(dir, &["vuln", "list", "--json"]);
    assert!(listed.status.success(), "{}", text(&listed));
    let items: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    assert_eq!(items[0]["ransomware"], true, "{}", items[0]);
    let first = items
        .as_array()
        .and_then(|a| a.iter().find(|i| i["cve"] == "CVE-2018-13379"))
        .expect("CVE-2018-13379 listed");
    assert_eq!(first["device"], "本館FortiGate", "{first}");
    assert_eq!(first["kev"], true);
    assert_eq!(first["ransomware"], true);
    assert_eq!(first["confidence"], "exact");
    assert!(
        first["reason"]
            .as_str()
            .is_some_and(|r| r.contains(">= 6.0.0, < 6.0.5")),
        "{first}"
    );
    let text_list = text(&mamori(dir, &["vuln", "list"]));
    assert!(
        text_list.contains("CVE-2018-13379") && text_list.contains("KEV,ransomware"),
        "{text_list}"
    );

    // Suppressed until a date: gone from the list, back with --all, marked.
    let until = (chrono::Utc::now() + chrono::TimeDelta::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let bad = mamori(
        dir,
        &[
            "vuln",
            "suppress",
            "本館FortiGate",
            "CVE-2018-13379",
            "--reason",
            "",
            "--until",
            &until,
        ],
    );
    assert!(!bad.status.success(), "{}", text(&bad));
    let marked = mamori(
        dir,
        &[
            "vuln",
            "suppress",
            "本館FortiGate",
            "CVE-2018-13379",
            "--reason",
            "保守で更新予定",
            "--until",
            &until,
        ],
    );
    assert!(marked.status.success(), "{}", text(&marked));
    let listed = mamori(dir, &["vuln", "list", "--json"]);
    assert!(!String::from_utf8_lossy(&listed.stdout).contains("CVE-2018-13379"));
    let all = String::from_utf8_lossy(&mamori(dir, &["vuln", "list", "--json", "--all"]).stdout)
        .to_string();
    assert!(
        all.contains("CVE-2018-13379") && all.contains("保守で更新予定"),
        "{all}"
    );

    // A feed cut short: refused with the file and the place, and nothing of it is kept.
    let bytes = std::fs::read(nvd.join("api-2.0-per-cve/CVE-2024-21762.json")).expect("read");
    let cut = dir.join("CVE-2099-0001.json");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let feeds_before = count("SELECT CAST(COUNT(*) AS TEXT) FROM vuln_feeds");
    let refused = mamori(
        dir,
        &[
            "feeds",
            "import",
            files[0].as_str(),
            cut.to_str().expect("path"),
        ],
    );
    let said = text(&refused);
    assert!(!refused.status.success(), "{said}");
    assert!(
        said.contains("CVE-2099-0001.json") && said.contains("line"),
        "{said}"
    );
    assert_eq!(
        count("SELECT CAST(COUNT(*) AS TEXT) FROM vuln_feeds"),
        feeds_before
    );
}

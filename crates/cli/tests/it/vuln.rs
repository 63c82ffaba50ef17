//! Vulnerability intelligence on SQLite and PostgreSQL with the real feeds in shared/data: KEV,
//! NVD 2.0 CVE objects and JVN, matched against FortiGate devices of the ledger; priorities,
//! low-confidence matches, suppressions (and their expiry), alerts on a ledger change, refusal
//! of an older or broken feed, and the pages.

use reqwest::StatusCode;

use crate::kit::{Backend, Client, TestServer, shared_data};
use crate::on_both;

on_both!(fortigate_devices_against_real_feeds);
on_both!(identical_devices_share_one_row);

const FORTIOS: &str = "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*";
const FG60E: &str = "cpe:2.3:h:fortinet:fortigate-60e:-:*:*:*:*:*:*:*";

async fn add_device(admin: &Client, name: &str, version: &str, cpes: &str, external: &str) -> i64 {
    let made = admin
        .post(
            "/ledger",
            &[
                ("kind", "network"),
                ("name", name),
                ("maker", "Fortinet"),
                ("model", "FortiGate 60E"),
                ("os_name", "FortiOS"),
                ("os_version", version),
                ("cpes", cpes),
                ("external_connection", external),
                ("maintenance_vendor", "○○ネットワーク株式会社"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let location = made.location();
    let last = location.rsplit('/').next().unwrap();
    last.split('?').next().unwrap().parse().unwrap()
}

/// Uploads a feed file through the page and returns the page shown after it (an import
/// redirects to its report, so that a reload does not import again).
async fn upload(admin: &Client, path: &std::path::Path) -> crate::kit::Page {
    let bytes = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let answer = admin
        .upload("/vuln/feeds/import", "file", &name, bytes, true)
        .await;
    if answer.status == StatusCode::SEE_OTHER {
        assert!(answer.location().starts_with("/vuln/feeds?report="));
        admin.get(&answer.location()).await
    } else {
        answer
    }
}

async fn listing(server: &TestServer) -> mamori_app::vuln::view::Listing {
    let db = &server.state().db;
    let facility: i64 = sqlx::query_scalar("SELECT MIN(id) FROM facilities")
        .fetch_one(db.pool())
        .await
        .unwrap();
    mamori_app::vuln::view::listing(db, facility, None, mamori_app::kernel::today_jst())
        .await
        .unwrap()
}

fn has(rows: &[mamori_app::vuln::view::MatchRow], device: &str, cve: &str) -> bool {
    rows.iter()
        .any(|r| r.vuln_id == cve && r.devices.iter().any(|d| d.name == device))
}

async fn fortigate_devices_against_real_feeds(backend: Backend) {
    let (Some(kev), Some(nvd), Some(jvn)) = (
        shared_data("kev"),
        shared_data("nvd/api-2.0-per-cve"),
        shared_data("jvn/examples/hnd"),
    ) else {
        return;
    };
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let admin = server.with_admin().await;

    // A version typed into the firmware CPE moves to the version field; a conflicting one is
    // refused with a message.
    let refused = admin
        .post(
            "/ledger",
            &[
                ("kind", "network"),
                ("name", "矛盾"),
                ("os_version", "6.0.4"),
                ("cpes", "cpe:2.3:o:fortinet:fortios:6.2.0:*:*:*:*:*:*:*"),
            ],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("CPEに書かれたバージョン"),
        "{}",
        refused.body
    );
    let bad = admin
        .post(
            "/ledger",
            &[
                ("kind", "network"),
                ("name", "壊れたCPE"),
                ("cpes", "fortios 6.0"),
            ],
        )
        .await;
    assert!(bad.body.contains("CPE名として読めません"), "{}", bad.body);

    let main = add_device(
        &admin,
        "本館FortiGate",
        "6.0.4",
        &format!("{FG60E} {FORTIOS}"),
        "vpn",
    )
    .await;
    let annex = add_device(&admin, "別館FortiGate", "6.0.5", FORTIOS, "none").await;
    let new = add_device(&admin, "新館FortiGate", "7.4.2", FORTIOS, "none").await;
    let unknown = add_device(&admin, "倉庫FortiGate", "", FORTIOS, "none").await;
    // The version typed in the CPE went to the version field.
    let typed = add_device(
        &admin,
        "検査棟FortiGate",
        "",
        "cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*",
        "none",
    )
    .await;
    let record = admin.get(&format!("/ledger/{typed}")).await;
    assert!(record.body.contains("6.0.4"), "{}", record.body);
    assert!(record.body.contains(FORTIOS), "{}", record.body);
    let waf = admin
        .post(
            "/ledger",
            &[
                ("kind", "server"),
                ("name", "WAF"),
                ("maker", "Fortinet"),
                ("os_version", "7.0.1"),
                ("cpes", "cpe:/a:fortinet:fortiweb"),
            ],
        )
        .await;
    assert_eq!(waf.status, StatusCode::SEE_OTHER, "{}", waf.body);

    // Before any feed: the page says so and warns that KEV is missing.
    let page = admin.get("/vuln").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("id=\"kev-stale\""), "{}", page.body);
    assert!(
        page.body.contains("まだ読み込まれていません")
            && page
                .body
                .contains("mamori feeds import known_exploited_vulnerabilities.json"),
        "{}",
        page.body
    );
    assert!(page.body.contains("id=\"high-empty\""), "{}", page.body);

    // Feeds through the web page: KEV, three NVD 2.0 CVE objects, JVN detail feed.
    let done = upload(&admin, &kev.join("known_exploited_vulnerabilities.json")).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("id=\"feed-report\""), "{}", done.body);
    assert!(done.body.contains("2025.08.25"), "{}", done.body);
    for cve in ["CVE-2018-13379", "CVE-2023-27997", "CVE-2024-21762"] {
        let done = upload(&admin, &nvd.join(format!("{cve}.json"))).await;
        assert!(
            done.body.contains("id=\"feed-report\""),
            "{cve}: {}",
            done.body
        );
    }
    let done = upload(&admin, &jvn.join("dataFeed_jvndb_detail_hnd.xml")).await;
    assert!(done.body.contains("id=\"feed-report\""), "{}", done.body);
    assert_eq!(server.count("vuln_kev").await, 1404);
    assert_eq!(server.count("vuln_cves").await, 3);
    assert!(
        server.count("vuln_jvn").await >= 5,
        "{}",
        server.count("vuln_jvn").await
    );

    let l = listing(&server).await;
    // 6.0.4 on the main FortiGate: CVE-2018-13379, KEV with ransomware, first in the list.
    // The facing device's KEV ransomware matches come first.
    assert!(
        l.high[0].device() == "本館FortiGate" && l.high[0].ransomware,
        "{:#?}",
        l.high
    );
    let first = l
        .high
        .iter()
        .find(|r| {
            r.devices.iter().any(|d| d.name == "本館FortiGate") && r.vuln_id == "CVE-2018-13379"
        })
        .expect("CVE-2018-13379 on 6.0.4");
    assert!(first.kev && first.ransomware && first.facing);
    assert_eq!(first.confidence, "exact");
    assert_eq!(first.range_text, ">= 6.0.0, < 6.0.5");
    assert_eq!(first.fixed_version, "6.0.5");
    assert_eq!(first.vendor, "○○ネットワーク株式会社");
    assert!(!first.kev_due.is_empty());
    // 6.0.5 is fixed for CVE-2018-13379 but not for CVE-2024-21762.
    assert!(!has(&l.high, "別館FortiGate", "CVE-2018-13379"));
    assert!(!has(&l.low, "別館FortiGate", "CVE-2018-13379"));
    assert!(has(&l.high, "別館FortiGate", "CVE-2024-21762"));
    // 7.4.2 has CVE-2024-21762.
    assert!(has(&l.high, "新館FortiGate", "CVE-2024-21762"));
    assert!(!has(&l.high, "新館FortiGate", "CVE-2018-13379"));
    assert!(has(&l.high, "検査棟FortiGate", "CVE-2018-13379"));
    // Without a version: low confidence only, never high.
    assert!(
        !l.high
            .iter()
            .any(|r| r.devices.iter().any(|d| d.name == "倉庫FortiGate"))
    );
    let low = l
        .low
        .iter()
        .find(|r| {
            r.devices.iter().any(|d| d.name == "倉庫FortiGate") && r.vuln_id == "CVE-2018-13379"
        })
        .expect("product-level match");
    assert_eq!((low.confidence, low.note), ("product", "version-unknown"));
    // JVN names FortiWeb without versions: a JVN match with the Japanese title.
    let jvn_row = l
        .low
        .iter()
        .find(|r| r.devices.iter().any(|d| d.name == "WAF") && r.vuln_id == "CVE-2024-55593")
        .expect("JVN match");
    assert_eq!(jvn_row.confidence, "jvn");
    assert!(
        jvn_row.title_ja && jvn_row.title.contains("FortiWeb"),
        "{jvn_row:?}"
    );
    // KEV first, then facing, then CVSS.
    let kev_rows = l.high.iter().take_while(|r| r.kev).count();
    assert!(l.high[kev_rows..].iter().all(|r| !r.kev));

    // The pages.
    let page = admin.get("/vuln").await;
    for expected in [
        "本館FortiGate",
        "CVE-2018-13379",
        "ランサムウェア",
        "6.0.5",
        "○○ネットワーク株式会社",
        "id=\"low-groups\"",
        "倉庫FortiGate",
    ] {
        assert!(page.body.contains(expected), "{expected}: {}", page.body);
    }
    assert!(!page.body.contains("id=\"kev-stale\"") || page.body.contains("7日"));
    let cve_page = admin.get("/vuln/cves/CVE-2018-13379").await;
    assert_eq!(cve_page.status, StatusCode::OK);
    assert!(
        cve_page.body.contains("id=\"kev-notice\""),
        "{}",
        cve_page.body
    );
    assert!(cve_page.body.contains("本館FortiGate"));
    assert!(!cve_page.body.contains("別館FortiGate"));
    let jvn_page = admin.get("/vuln/cves/CVE-2024-55593").await;
    assert!(
        jvn_page
            .body
            .contains("FortiWebにおけるSQLインジェクションの脆弱性"),
        "{}",
        jvn_page.body
    );
    assert_eq!(
        admin.get("/vuln/cves/CVE-1999-0000").await.status,
        StatusCode::NOT_FOUND
    );
    let device_page = admin.get(&format!("/vuln/devices/{main}")).await;
    assert!(device_page.body.contains("CVE-2018-13379"));
    assert!(device_page.body.contains(FORTIOS));

    // Alerts: the feed import raised them for new KEV matches.
    let alerts = admin.get("/vuln/alerts").await;
    assert!(alerts.body.contains("本館FortiGate"), "{}", alerts.body);
    let before: i64 = server.count("vuln_alerts").await;
    // A ledger change (the annex goes back to 6.0.4) re-matches and raises a new alert.
    let edit = admin.get(&format!("/ledger/{annex}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    let updated_at = edit.quoted_after("name=\"updated_at\" value=\"");
    let saved = admin
        .post(
            &format!("/ledger/{annex}"),
            &[
                ("kind", "network"),
                ("name", "別館FortiGate"),
                ("os_version", "6.0.4"),
                ("cpes", FORTIOS),
                ("maintenance_vendor", "○○ネットワーク株式会社"),
                ("updated_at", &updated_at),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let l = listing(&server).await;
    assert!(has(&l.high, "別館FortiGate", "CVE-2018-13379"));
    // The server's watch job re-matches after the change (the page itself writes nothing).
    let mut waited = 0;
    while server.count("vuln_alerts").await <= before {
        waited += 1;
        assert!(waited < 100, "no alert 5 s after the ledger change");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let cause: String = sqlx::query_scalar(
        "SELECT cause FROM vuln_alerts WHERE device_name = '別館FortiGate' AND vuln_id = 'CVE-2018-13379'",
    )
    .fetch_one(server.pool())
    .await
    .unwrap();
    assert_eq!(cause, "ledger");

    // Suppression: refused without a reason or with a past date; then recorded and audited.
    let main_id = main.to_string();
    let base = [
        ("device_id", main_id.as_str()),
        ("vuln_id", "CVE-2018-13379"),
        ("kind", "accepted"),
        ("back", "/vuln"),
    ];
    let no_reason = admin
        .post(
            "/vuln/suppress",
            &[&base[..], &[("reason", ""), ("until", "2099-01-01")]].concat(),
        )
        .await;
    assert!(
        no_reason.body.contains("理由を書いてください"),
        "{}",
        no_reason.body
    );
    let past = admin
        .post(
            "/vuln/suppress",
            &[
                &base[..],
                &[("reason", "更新予定"), ("until", "2000-01-01")],
            ]
            .concat(),
        )
        .await;
    assert!(past.body.contains("3年以内"), "{}", past.body);
    let until = (mamori_app::kernel::today_jst() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let ok = admin
        .post(
            "/vuln/suppress",
            &[
                &base[..],
                &[
                    ("reason", "来月の保守で更新予定"),
                    ("until", until.as_str()),
                ],
            ]
            .concat(),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let l = listing(&server).await;
    assert!(!has(&l.high, "本館FortiGate", "CVE-2018-13379"));
    assert!(has(&l.suppressed, "本館FortiGate", "CVE-2018-13379"));
    let audit = admin.get("/audit").await;
    assert!(
        audit.body.contains("来月の保守で更新予定"),
        "{}",
        audit.body
    );
    // An expired suppression brings the match back, marked as such.
    sqlx::query("UPDATE vuln_suppressions SET until = '2020-01-01'")
        .execute(server.pool())
        .await
        .unwrap();
    let l = listing(&server).await;
    let back = l
        .high
        .iter()
        .find(|r| {
            r.devices.iter().any(|d| d.name == "本館FortiGate") && r.vuln_id == "CVE-2018-13379"
        })
        .expect("back after expiry");
    assert!(back.expired.is_some());

    // An older KEV catalog is refused unless forced; a broken feed changes nothing.
    let text = std::fs::read_to_string(kev.join("known_exploited_vulnerabilities.json")).unwrap();
    let older = text.replacen(
        "\"catalogVersion\": \"2025.08.25\"",
        "\"catalogVersion\": \"2025.08.01\"",
        1,
    );
    assert_ne!(older, text, "catalogVersion spelled differently");
    let refused = admin
        .upload(
            "/vuln/feeds/import",
            "file",
            "kev-old.json",
            older.clone().into_bytes(),
            true,
        )
        .await;
    assert!(
        refused.body.contains("id=\"feed-error\""),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("2025.08.01"), "{}", refused.body);
    let forced = admin
        .upload_with(
            "/vuln/feeds/import",
            &[("force", "1")],
            "file",
            "kev-old.json",
            older.into_bytes(),
            true,
        )
        .await;
    assert_eq!(forced.status, StatusCode::SEE_OTHER, "{}", forced.body);
    let report = admin.get(&forced.location()).await;
    assert!(
        report.body.contains("id=\"feed-report\""),
        "{}",
        report.body
    );
    // Reloading the report shows it again and imports nothing; another user sees no report.
    let again = admin.get(&forced.location()).await;
    assert!(again.body.contains("id=\"feed-report\""));
    let nvd_text = std::fs::read(nvd.join("CVE-2023-27997.json")).unwrap();
    let cut = nvd_text[..nvd_text.len() / 2].to_vec();
    let cves = server.count("vuln_cves").await;
    let broken = admin
        .upload(
            "/vuln/feeds/import",
            "file",
            "CVE-2023-27997.json",
            cut,
            true,
        )
        .await;
    assert!(
        broken.body.contains("CVE-2023-27997.json"),
        "{}",
        broken.body
    );
    assert!(broken.body.contains("line"), "{}", broken.body);
    assert_eq!(server.count("vuln_cves").await, cves);

    // Viewers read but cannot suppress or import.
    let viewer = server.user_client(&admin, "etsuran", "viewer").await;
    assert_eq!(viewer.get("/vuln").await.status, StatusCode::OK);
    let denied = viewer
        .post(
            "/vuln/suppress",
            &[&base[..], &[("reason", "x"), ("until", until.as_str())]].concat(),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let _ = (new, unknown);
    server.stop().await;
}

/// 25 FortiGates on the same firmware, kept by the same vendor: one row per vulnerability that
/// names them all, one alert per vulnerability, and a mark on the row covers every device.
async fn identical_devices_share_one_row(backend: Backend) {
    let (Some(kev), Some(nvd)) = (shared_data("kev"), shared_data("nvd/api-2.0-per-cve")) else {
        return;
    };
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let admin = server.with_admin().await;
    let mut ids = Vec::new();
    for n in 1..=25 {
        ids.push(add_device(&admin, &format!("病棟FG-{n:02}"), "6.0.4", FORTIOS, "none").await);
    }
    let lone = add_device(&admin, "別棟FG", "6.0.5", FORTIOS, "none").await;
    upload(&admin, &kev.join("known_exploited_vulnerabilities.json")).await;
    upload(&admin, &nvd.join("CVE-2018-13379.json")).await;

    let l = listing(&server).await;
    let rows: Vec<_> = l
        .high
        .iter()
        .filter(|r| r.vuln_id == "CVE-2018-13379")
        .collect();
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0].devices.len(), 25);
    assert_eq!(rows[0].others(), 24);
    assert!(!has(&l.high, "別棟FG", "CVE-2018-13379"));

    // One alert for the vulnerability, naming one device and counting the rest.
    let (named, others): (String, i64) = sqlx::query_as(
        "SELECT device_name, other_devices FROM vuln_alerts WHERE vuln_id = 'CVE-2018-13379'",
    )
    .fetch_one(server.pool())
    .await
    .expect("one alert");
    assert!(named.starts_with("病棟FG-"), "{named}");
    assert_eq!(others, 24);
    let alerts = admin.get("/vuln/alerts").await;
    assert!(alerts.body.contains("ほか 24 台"), "{}", alerts.body);

    // The page shows one row with the others folded away, and the summary counts devices.
    let page = admin.get("/vuln").await;
    assert!(page.body.contains("ほか 24 台"), "{}", page.body);
    assert!(page.body.contains("25 台の機器"), "{}", page.body);
    assert!(page.body.contains("name=\"all_in_row\" value=\"1\""));
    assert!(!page.body.contains("id=\"high-pager\""));
    let cve_page = admin.get("/vuln/cves/CVE-2018-13379").await;
    for n in 1..=25 {
        assert!(cve_page.body.contains(&format!("病棟FG-{n:02}")), "{n}");
    }

    // A mark on the row covers all 25 devices, each audited; lifting it brings all back.
    let until = (mamori_app::kernel::today_jst() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let first = rows[0].device_id().to_string();
    let row_form = [
        ("device_id", first.as_str()),
        ("vuln_id", "CVE-2018-13379"),
        ("all_in_row", "1"),
        ("back", "/vuln"),
    ];
    let audits = server.count("audit_events").await;
    let marked = admin
        .post(
            "/vuln/suppress",
            &[
                &row_form[..],
                &[
                    ("kind", "accepted"),
                    ("reason", "閉域網のみ。来月一斉更新"),
                    ("until", until.as_str()),
                ],
            ]
            .concat(),
        )
        .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER, "{}", marked.body);
    assert_eq!(server.count("vuln_suppressions").await, 25);
    assert!(server.count("audit_events").await >= audits + 25);
    let l = listing(&server).await;
    assert!(!l.high.iter().any(|r| r.vuln_id == "CVE-2018-13379"));
    let held: Vec<_> = l
        .suppressed
        .iter()
        .filter(|r| r.vuln_id == "CVE-2018-13379")
        .collect();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].devices.len(), 25);
    let lifted = admin.post("/vuln/unsuppress", &row_form).await;
    assert_eq!(lifted.status, StatusCode::SEE_OTHER, "{}", lifted.body);
    assert_eq!(server.count("vuln_suppressions").await, 0);
    let l = listing(&server).await;
    assert_eq!(
        l.high
            .iter()
            .filter(|r| r.vuln_id == "CVE-2018-13379")
            .map(|r| r.devices.len())
            .sum::<usize>(),
        25
    );

    // A mark on one device splits it from the row; the other 24 stay together.
    let single = ids[3].to_string();
    let one = admin
        .post(
            "/vuln/suppress",
            &[
                ("device_id", single.as_str()),
                ("vuln_id", "CVE-2018-13379"),
                ("back", "/vuln"),
                ("kind", "false_positive"),
                ("reason", "予備機で電源を入れていない"),
                ("until", until.as_str()),
            ],
        )
        .await;
    assert_eq!(one.status, StatusCode::SEE_OTHER, "{}", one.body);
    let l = listing(&server).await;
    assert!(has(&l.suppressed, "病棟FG-04", "CVE-2018-13379"));
    let rest: Vec<_> = l
        .high
        .iter()
        .filter(|r| r.vuln_id == "CVE-2018-13379")
        .collect();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].devices.len(), 24);

    // A device of another facility cannot be slipped into a row-wide mark.
    let foreign = admin
        .post(
            "/vuln/suppress",
            &[
                ("device_id", "999999"),
                ("vuln_id", "CVE-2018-13379"),
                ("all_in_row", "1"),
                ("back", "/vuln"),
                ("kind", "accepted"),
                ("reason", "x"),
                ("until", until.as_str()),
            ],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.body);

    let _ = lone;
    server.stop().await;
}

/// One Pulse Connect Secure release, 8.3R1, written each way a ledger or NVD writes it: the
/// vendor's notation in the version cell, NVD's split `8.3:r1` or joined `8.3r1:*` in the CPE,
/// or both. Against the real NVD 2018 feed every writing meets the same CVEs — the exact
/// `8.3:r1` ones, the ranges from `8.3r1` and the open `8.3:*` — and only a real difference
/// (8.3R2 beside 8.3:r1) is refused.
#[tokio::test]
async fn one_release_in_every_spelling_meets_the_same_cves() {
    let Some(nvd) = shared_data("nvd/feeds-1.1") else {
        return;
    };
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let admin = server.with_admin().await;
    let done = upload(&admin, &nvd.join("nvdcve-1.1-2018.json.gz")).await;
    assert!(done.status.is_success() || done.status.is_redirection());
    let pcs = |version: &str, update: &str| {
        format!("cpe:2.3:a:pulsesecure:pulse_connect_secure:{version}:{update}:*:*:*:*:*:*")
    };
    let spellings = [
        ("8.3R1", pcs("*", "*")),
        ("8.3R1", pcs("8.3", "r1")),
        ("", pcs("8.3", "r1")),
        ("8.3r1", pcs("*", "r1")),
        ("8.3 R1", pcs("8.3r1", "*")),
        ("", pcs("8.3r1", "*")),
        ("8.3", pcs("*", "r1")),
        ("８．３Ｒ１", pcs("8.3", "*")),
    ];
    for (i, (cell, cpe)) in spellings.iter().enumerate() {
        admin
            .create(
                "/ledger",
                &[
                    ("kind", "network"),
                    ("name", &format!("PCS-{i}")),
                    ("os_version", cell),
                    ("cpes", cpe),
                ],
            )
            .await;
    }
    // A later release, and a real conflict.
    admin
        .create(
            "/ledger",
            &[
                ("kind", "network"),
                ("name", "PCS-fixed"),
                ("os_version", "8.3R7.1"),
                ("cpes", &pcs("*", "*")),
            ],
        )
        .await;
    let refused = admin
        .post(
            "/ledger",
            &[
                ("kind", "network"),
                ("name", "PCS-conflict"),
                ("os_version", "8.3R2"),
                ("cpes", &pcs("8.3", "r1")),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("別のリリース"), "{}", refused.body);

    // The version moved to the version cell in the device's own notation; the CPE keeps `*`.
    let (stored_version, stored_cpes): (String, String) =
        sqlx::query_as("SELECT os_version, cpes FROM devices WHERE name = 'PCS-2'")
            .fetch_one(server.pool())
            .await
            .unwrap();
    assert_eq!(stored_version, "8.3r1");
    assert_eq!(stored_cpes, pcs("*", "*"));

    mamori_app::vuln::matches::refresh(
        &server.state().db,
        1,
        mamori_app::vuln::matches::Cause::Ledger,
    )
    .await
    .unwrap();
    let listing = listing(&server).await;
    let rows: Vec<_> = listing.high.iter().chain(&listing.low).collect();
    let cves_of = |device: &str| -> std::collections::BTreeSet<String> {
        rows.iter()
            .filter(|r| r.devices.iter().any(|d| d.name == device))
            .map(|r| r.vuln_id.clone())
            .collect()
    };
    let first = cves_of("PCS-0");
    for cve in [
        "CVE-2018-20808", // 8.3:r1, exact
        "CVE-2018-15909", // 8.3r1 <= v < 8.3r7.1
        "CVE-2018-9849",  // 8.3 <= v < 8.3r5
        "CVE-2018-14366", // 8.3:* (every 8.3 update)
    ] {
        assert!(first.contains(cve), "{cve} missing: {first:?}");
    }
    for (i, spelling) in spellings.iter().enumerate().skip(1) {
        assert_eq!(cves_of(&format!("PCS-{i}")), first, "{spelling:?}");
    }
    let fixed = cves_of("PCS-fixed");
    assert!(!fixed.contains("CVE-2018-15909") && !fixed.contains("CVE-2018-20808"));
    server.stop().await;
}

/// Windows is fixed by its monthly cumulative update: against the real NVD 2018 feed, a server
/// updated this month has nothing in 今すぐ対応 and its 2018 matches listed as assumed fixed
/// with the reason; one last updated in mid-2018 keeps what came out later; Windows 7 updated
/// today is a finding of its own (support ended 2020-01-14); an appliance with an explicit
/// version keeps its matches whatever its patch date. No alert names what updates fixed.
#[tokio::test]
async fn monthly_updates_fix_windows_but_not_appliances() {
    let Some(nvd) = shared_data("nvd/feeds-1.1") else {
        return;
    };
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let admin = server.with_admin().await;
    let add = |name: &'static str,
               kind: &'static str,
               cpe: &'static str,
               version: &'static str,
               patched: &'static str| {
        let admin = &admin;
        async move {
            admin
                .create(
                    "/ledger",
                    &[
                        ("kind", kind),
                        ("name", name),
                        ("cpes", cpe),
                        ("os_version", version),
                        ("last_patched", patched),
                    ],
                )
                .await
        }
    };
    let server_2016 = "cpe:2.3:o:microsoft:windows_server_2016:-:*:*:*:*:*:*:*";
    add("更新済みサーバ", "server", server_2016, "", "2026-11-10").await;
    add("放置サーバ", "server", server_2016, "", "2018-06-30").await;
    add(
        "古い受付PC",
        "pc",
        "cpe:2.3:o:microsoft:windows_7:-:sp1:*:*:*:*:*:*",
        "",
        "2026-11-10",
    )
    .await;
    add(
        "FortiGate",
        "network",
        "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*",
        "5.6.3",
        "2026-11-10",
    )
    .await;
    let done = upload(&admin, &nvd.join("nvdcve-1.1-2018.json.gz")).await;
    assert!(done.status.is_success() || done.status.is_redirection());

    let listing = listing(&server).await;
    let on = |rows: &[mamori_app::vuln::view::MatchRow], device: &str| {
        rows.iter()
            .filter(|r| r.devices.iter().any(|d| d.name == device))
            .count()
    };
    assert_eq!(on(&listing.high, "更新済みサーバ"), 0);
    let fixed = on(&listing.assumed_fixed, "更新済みサーバ");
    assert!(
        fixed > 50,
        "Windows Server 2016 has many 2018 CVEs: {fixed}"
    );
    // Mid-2018: what came out before its update is fixed, what came out after is not.
    let stale_high: Vec<_> = listing
        .high
        .iter()
        .filter(|r| r.devices.iter().any(|d| d.name == "放置サーバ"))
        .collect();
    assert!(!stale_high.is_empty());
    assert!(on(&listing.assumed_fixed, "放置サーバ") > 0);
    assert!(
        listing
            .assumed_fixed
            .iter()
            .filter(|r| r.devices.iter().any(|d| d.name == "放置サーバ"))
            .all(|r| r.updated_since.as_str() <= "2018-06-30")
    );
    assert_eq!(on(&listing.high, "古い受付PC"), 0);
    assert!(
        listing
            .unsupported
            .iter()
            .any(|u| u.device.name == "古い受付PC" && u.ended == "2020-01-14"),
        "{:?}",
        listing.unsupported
    );
    assert!(
        listing
            .unsupported
            .iter()
            .all(|u| u.device.name == "古い受付PC")
    );
    assert!(has(&listing.high, "FortiGate", "CVE-2018-13379"));

    let alerted: Vec<String> = sqlx::query_scalar("SELECT device_name FROM vuln_alerts")
        .fetch_all(server.pool())
        .await
        .unwrap();
    assert!(
        !alerted
            .iter()
            .any(|n| n == "更新済みサーバ" || n == "古い受付PC"),
        "{alerted:?}"
    );

    let page = admin.get("/vuln").await;
    for text in [
        "サポートが終了したOS",
        "古い受付PC",
        "月例の更新で修正済みとみなしたもの",
        "最終パッチ適用日からの推定",
        "NVD 2018年分",
    ] {
        assert!(page.body.contains(text), "{text}");
    }
    assert!(!page.body.contains("nvd:nvdcve"), "raw feed name shown");
    let alerts = admin.get("/vuln/alerts").await;
    assert!(
        alerts.body.contains("送信なし（アプリ内のみ）"),
        "{}",
        alerts.body
    );
    assert!(!alerts.body.contains("off off"));
    server.stop().await;
}

/// Marks for many matches at once: rows chosen on 「今すぐ対応」 (a row stands for all its
/// identical devices), every match of one device, every device of one CVE; each with reason
/// and expiry, all-or-nothing, the default kind 対応済み (never 誤検知, even for KEV).
#[tokio::test]
async fn many_matches_are_marked_at_once() {
    let (Some(kev), Some(nvd)) = (shared_data("kev"), shared_data("nvd/api-2.0-per-cve")) else {
        return;
    };
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let admin = server.with_admin().await;
    let twin_a = add_device(&admin, "外来FortiGate-A", "6.0.4", FORTIOS, "vpn").await;
    let twin_b = add_device(&admin, "外来FortiGate-B", "6.0.4", FORTIOS, "vpn").await;
    let lone = add_device(&admin, "本館FortiGate", "7.0.13", FORTIOS, "vpn").await;
    upload(&admin, &kev.join("known_exploited_vulnerabilities.json")).await;
    for cve in ["CVE-2018-13379", "CVE-2023-27997", "CVE-2024-21762"] {
        upload(&admin, &nvd.join(format!("{cve}.json"))).await;
    }
    // The ledger's device page says what applies to it, with the way to the details.
    let device_page = admin.get(&format!("/ledger/{twin_a}")).await;
    assert!(
        device_page.body.contains("当てはまる脆弱性")
            && device_page
                .body
                .contains(&format!("href=\"/vuln/devices/{twin_a}\"")),
        "{}",
        device_page.body
    );
    // The home page's next step is the KEV on devices reachable from outside, with whom to call.
    let home = admin.get("/").await;
    let next = &home.body[home.body.find("class=\"next-step\"").expect("next step")..];
    let next = &next[..next.find("</section>").unwrap()];
    assert!(
        next.contains("外部から届く機器に、攻撃に使われている脆弱性（KEV）が")
            && next.contains("今日連絡する先")
            && next.contains("○○ネットワーク株式会社: "),
        "{next}"
    );
    let page = admin.get("/vuln").await;
    let bulk = &page.body[page.body.find("id=\"bulk-form\"").expect("bulk form")..];
    let first_kind = bulk.split("<option value=\"").nth(1).unwrap();
    assert!(first_kind.starts_with("patched\""), "{first_kind}");
    assert!(page.body.contains(&format!(
        "value=\"CVE-2018-13379|{twin_a}\" form=\"bulk-form\""
    )));
    let marks = || async { server.count("vuln_suppressions").await };
    let mark = |fields: Vec<(&'static str, String)>| {
        let admin = &admin;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            admin.post("/vuln/suppress/bulk", &pairs).await
        }
    };
    let in_a_year = (chrono::Utc::now().date_naive() + chrono::Duration::days(365))
        .format("%Y-%m-%d")
        .to_string();

    // Nothing chosen, or no reason: refused, nothing written.
    let refused = mark(vec![
        ("kind", "patched".into()),
        ("reason", "更新した".into()),
        ("until", in_a_year.clone()),
    ])
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("記録する行を選んでください"),
        "{}",
        refused.body
    );
    let refused = mark(vec![
        ("kind", "patched".into()),
        ("reason", " ".into()),
        ("until", in_a_year.clone()),
        ("pick", format!("CVE-2018-13379|{twin_a}")),
    ])
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(marks().await, 0);

    // Two rows chosen: the twins' row covers both twins.
    let done = mark(vec![
        ("kind", "patched".into()),
        ("reason", "6.0.5 に更新済み".into()),
        ("until", in_a_year.clone()),
        ("back", "/vuln".into()),
        ("pick", format!("CVE-2018-13379|{twin_a}")),
        ("pick", format!("CVE-2024-21762|{twin_a}")),
    ])
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/vuln");
    assert_eq!(marks().await, 4);
    let l = listing(&server).await;
    assert!(!has(&l.high, "外来FortiGate-B", "CVE-2018-13379"));
    assert!(has(&l.suppressed, "外来FortiGate-B", "CVE-2018-13379"));

    // Every match of one device, for that device only.
    let left_on_lone = l
        .high
        .iter()
        .chain(&l.low)
        .filter(|r| r.devices.iter().any(|d| d.id == lone))
        .count();
    assert!(left_on_lone > 0);
    let done = mark(vec![
        ("kind", "accepted".into()),
        ("reason", "更新を保守業者と調整中".into()),
        ("until", in_a_year.clone()),
        ("device", lone.to_string()),
    ])
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(marks().await, 4 + left_on_lone as i64);

    // Every device of one CVE.
    let before = marks().await;
    let done = mark(vec![
        ("kind", "patched".into()),
        ("reason", "設定で SSL-VPN を無効にした".into()),
        ("until", in_a_year.clone()),
        ("vuln", "CVE-2023-27997".into()),
    ])
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let l = listing(&server).await;
    assert!(!l.high.iter().any(|r| r.vuln_id == "CVE-2023-27997"));
    assert!(marks().await > before);
    let kinds: Vec<String> = sqlx::query_scalar("SELECT DISTINCT kind FROM vuln_suppressions")
        .fetch_all(server.pool())
        .await
        .unwrap();
    assert!(!kinds.contains(&"false_positive".to_string()), "{kinds:?}");
    let twin_b_marks: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM vuln_suppressions WHERE device_id = $1")
            .bind(twin_b)
            .fetch_one(server.pool())
            .await
            .unwrap();
    assert!(
        twin_b_marks >= 2,
        "the chosen rows covered the twin too: {twin_b_marks}"
    );
    server.stop().await;
}

//! The whole first-day walk in real headless Chromium: setup link → create admin → sign in →
//! enrol TOTP (the test computes the code) → edit the facility profile → see the change in the
//! audit trail → sign out. Screenshots go to target/screenshots for a person to look at.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::kit::{Backend, TestServer, next_totp_code};

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find(program: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Ok(path) = std::env::var(program) {
        return Some(PathBuf::from(path));
    }
    candidates.iter().map(PathBuf::from).find(|p| p.exists())
}

/// Starts chromedriver, or returns None (skipping) when it is missing outside CI.
async fn browser() -> Option<(Driver, Client)> {
    let driver = find("MAMORI_TEST_CHROMEDRIVER", &["/usr/bin/chromedriver"]);
    let chromium = find(
        "MAMORI_TEST_CHROMIUM",
        &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
    );
    let (Some(driver), Some(chromium)) = (driver, chromium) else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "CI=true but chromium/chromedriver are missing: the browser test must run in CI (apt-get install chromium chromium-driver)"
            );
        }
        eprintln!(
            "SKIPPED: browser test needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
        );
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let guard = Driver(child);
    let profile = tempfile::tempdir().unwrap().keep();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic", "--window-size=1366,768", "--lang=ja",
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": {"intl.accept_languages": "ja"}
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let mut last_error = String::new();
    for _ in 0..50 {
        match ClientBuilder::new(connector.clone())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return Some((guard, client)),
            Err(e) => {
                last_error = e.to_string();
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    panic!("could not start a Chromium session: {last_error}");
}

async fn screenshot(client: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = client.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    assert_nothing_overflows(client, name).await;
}

/// No table, notice or panel reaches past the right edge of the window (1366 wide, a hospital
/// PC's screen), and no table is wider than the box it sits in.
async fn assert_nothing_overflows(client: &Client, name: &str) {
    let found = client
        .execute(
            r#"const page = document.documentElement.clientWidth;
               const out = [];
               for (const e of document.querySelectorAll('main table, main .notice, main .panel')) {
                 const r = e.getBoundingClientRect();
                 if (r.width === 0) continue;
                 const box = e.parentElement.getBoundingClientRect();
                 if (r.right > page + 1 || (e.tagName === 'TABLE' && r.width > box.width + 1)) {
                   out.push(e.tagName + '.' + e.className + ' ' + Math.round(r.right) + ' > ' + page);
                 }
               }
               return out;"#,
            vec![],
        )
        .await
        .unwrap();
    let found: Vec<String> = serde_json::from_value(found).unwrap();
    assert!(found.is_empty(), "{name}: wider than the page: {found:?}");
}

/// Prints the page to PDF as the browser would on A4, and checks that the printout holds the
/// page's content without the menu and buttons.
async fn check_printout(client: &Client, name: &str, expected: &[&str]) {
    // The margins of the stylesheet's @page, as Chrome's print dialog uses them by default.
    let config = fantoccini::wd::PrintConfiguration::builder()
        .size(fantoccini::wd::PrintSize::A4)
        .margins(fantoccini::wd::PrintMargins {
            top: 1.5,
            bottom: 1.5,
            left: 1.5,
            right: 1.5,
        })
        .build()
        .unwrap();
    let pdf = client.print(config).await.unwrap();
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, &pdf).unwrap();
    let Ok(out) = Command::new("pdftotext").arg(&path).arg("-").output() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but pdftotext (poppler-utils) is missing");
        }
        eprintln!("SKIPPED: printout text check needs pdftotext (poppler-utils)");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    for want in expected {
        assert!(text.contains(want), "printout lacks {want}: {text}");
    }
    assert!(
        !text.contains("ログアウト") && !text.contains("印刷する"),
        "menu or buttons printed: {text}"
    );
}

async fn fill(client: &Client, id: &str, value: &str) {
    let field = client.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

/// The text of the first element found.
async fn text_of(client: &Client, locator: Locator<'_>) -> String {
    client.find(locator).await.unwrap().text().await.unwrap()
}

/// Clicks a form's submit button and waits until the next page has loaded.
async fn submit(client: &Client, form_action: &str) {
    let button = client
        .find(Locator::Css(&format!(
            "form[action=\"{form_action}\"] button[type=submit]"
        )))
        .await
        .unwrap();
    click_and_wait(client, button).await;
}

async fn click_and_wait(client: &Client, element: fantoccini::elements::Element) {
    client
        .execute("window.__mamoriOldPage = true;", vec![])
        .await
        .unwrap();
    element.click().await.unwrap();
    for _ in 0..100 {
        let loaded = client
            .execute(
                "return window.__mamoriOldPage === undefined && document.readyState === 'complete';",
                vec![],
            )
            .await;
        if let Ok(serde_json::Value::Bool(true)) = loaded {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the page did not load after the click");
}

async fn text(client: &Client) -> String {
    client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn first_day_walk_in_chromium() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    // The installation's real default: administrators enrol two-factor as part of setup.
    let db = crate::kit::TestDb::new(Backend::Sqlite).await.unwrap();
    let server = TestServer::start_with(db, |config| config.admin_two_factor = true).await;
    let link = server.setup_link().await;

    c.goto(&link).await.unwrap();
    screenshot(&c, "01-setup").await;
    fill(&c, "facility_name", "半田テスト病院").await;
    fill(&c, "login", "kanri").await;
    fill(&c, "display_name", "管理 花子").await;
    fill(&c, "password", "P@ssw0rd").await;
    let meter = Locator::Css(".strength");
    assert_eq!(
        text_of(&c, meter).await,
        "強さ: 弱い",
        "the strength shows while typing"
    );
    fill(&c, "password", "a-long-enough-passphrase").await;
    assert_eq!(text_of(&c, meter).await, "強さ: 強い");
    fill(&c, "password_confirm", "a-long-enough-passphrase").await;
    screenshot(&c, "01b-setup-filled").await;
    submit(&c, "/setup").await;
    // Signed in at once, at the last step of setup: two-factor authentication.
    assert_eq!(c.current_url().await.unwrap().path(), "/account/2fa");
    assert!(
        text(&c)
            .await
            .contains("管理者のアカウントには二要素認証が必要です"),
        "{}",
        text(&c).await
    );
    c.goto(&format!("{}/", server.base)).await.unwrap();
    assert_eq!(
        c.current_url().await.unwrap().path(),
        "/account/2fa",
        "other pages wait until two-factor is set up"
    );
    let secret = c
        .find(Locator::Id("totp-secret"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let qr_loaded = c
        .execute(
            "const img = document.querySelector('.qr img'); return img.complete && img.naturalWidth > 0;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        qr_loaded,
        serde_json::Value::Bool(true),
        "the QR code image loads under the CSP"
    );
    screenshot(&c, "02-totp-at-setup").await;
    let code = mamori_app::auth::secrets::current_totp_code(secret.trim()).unwrap();
    fill(&c, "code", &code).await;
    submit(&c, "/account/2fa").await;
    let codes = c
        .find_all(Locator::Css("#recovery-codes li"))
        .await
        .unwrap();
    assert_eq!(codes.len(), 10);
    screenshot(&c, "03-recovery-codes").await;

    c.goto(&format!("{}/", server.base)).await.unwrap();
    assert_eq!(
        c.current_url().await.unwrap().path(),
        "/",
        "{}",
        text(&c).await
    );
    assert!(
        text(&c)
            .await
            .contains("医療情報システム安全管理責任者が未登録です。")
    );
    screenshot(&c, "04-dashboard").await;

    // Sign out and back in: now the code is asked for.
    submit(&c, "/logout").await;
    assert!(text(&c).await.contains("ログアウトしました。"));
    fill(&c, "login", "kanri").await;
    fill(&c, "password", "a-long-enough-passphrase").await;
    submit(&c, "/login").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/login/2fa");
    fill(&c, "code", &next_totp_code(secret.trim())).await;
    submit(&c, "/login/2fa").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/");

    c.goto(&format!("{}/facility/edit", server.base))
        .await
        .unwrap();
    fill(&c, "security_manager_name", "佐藤 一郎").await;
    fill(&c, "security_manager_role", "医事課長").await;
    fill(&c, "security_manager_approved_by", "院長 半田").await;
    fill(&c, "beds", "499").await;
    screenshot(&c, "05-facility-edit").await;
    submit(&c, "/facility").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/facility");
    let page = text(&c).await;
    assert!(
        page.contains("保存しました。") && page.contains("佐藤 一郎"),
        "{page}"
    );
    screenshot(&c, "06-facility").await;
    check_printout(&c, "06-facility", &["佐藤", "医療機関情報"]).await;

    // Register a device in the ledger.
    c.goto(&format!("{}/ledger/new", server.base))
        .await
        .unwrap();
    fill(&c, "name", "電子カルテサーバ").await;
    fill(&c, "ip_addresses", "192.168.10.20").await;
    fill(&c, "location", "本館2階 サーバ室").await;
    fill(&c, "end_of_support", "R9.3.31").await;
    submit(&c, "/ledger").await;
    let page = text(&c).await;
    assert!(
        page.contains("2027/03/31") && page.contains("電子カルテサーバ"),
        "{page}"
    );
    c.goto(&format!("{}/ledger", server.base)).await.unwrap();
    assert!(text(&c).await.contains("使用中の機器 1 台"));
    screenshot(&c, "06b-ledger").await;

    // Import a real nmap scan and see the differences.
    if let Some(data) = crate::kit::shared_data("nmap/python-libnmap") {
        c.goto(&format!("{}/discovery", server.base)).await.unwrap();
        let file = data.join("full_sudo6.xml").canonicalize().unwrap();
        c.find(Locator::Id("scan"))
            .await
            .unwrap()
            .send_keys(file.to_str().unwrap())
            .await
            .unwrap();
        submit(&c, "/discovery").await;
        let page = text(&c).await;
        assert!(
            page.contains("台帳未登録の機器 (4)") && page.contains("危険なサービス"),
            "{page}"
        );
        screenshot(&c, "06c-scan").await;
    }

    // Import a ledger workbook: fix a column by hand, see a row error, upload the corrected
    // file, write it, and find the devices in the list and on the diagram.
    let dir = tempfile::tempdir().unwrap();
    let workbook = |name: &str, ip: &str| {
        let headers: Vec<String> = ["機器名", "種別", "設置場所", "IPアドレス", "担当者メモ"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let rows = vec![
            vec!["受付PC", "端末", "1F 受付", ip, "窓口"],
            vec![
                "FortiGate 60E",
                "ネットワーク機器",
                "サーバ室",
                "192.168.1.1",
                "",
            ],
        ]
        .into_iter()
        .map(|r| r.into_iter().map(str::to_string).collect())
        .collect::<Vec<Vec<String>>>();
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            mamori_formats::table::write_xlsx("台帳", &headers, &rows).unwrap(),
        )
        .unwrap();
        path
    };
    let upload = async |path: &std::path::Path| {
        c.goto(&format!("{}/ledger/import", server.base))
            .await
            .unwrap();
        c.find(Locator::Id("file"))
            .await
            .unwrap()
            .send_keys(path.to_str().unwrap())
            .await
            .unwrap();
        submit(&c, "/ledger/import").await;
    };
    upload(&workbook("台帳.xlsx", "192.168.1.300")).await;
    let page = text(&c).await;
    assert!(
        page.contains("D2 (IPアドレス)") && page.contains("問題あり"),
        "{page}"
    );
    screenshot(&c, "06d-import-problems").await;
    c.find(Locator::Css("select[name=col4]"))
        .await
        .unwrap()
        .select_by_value("notes")
        .await
        .unwrap();
    let apply = c
        .find(Locator::Css("form.mapping button[type=submit]"))
        .await
        .unwrap();
    click_and_wait(&c, apply).await;
    let chosen = c
        .find(Locator::Css("select[name=col4] option[selected]"))
        .await
        .unwrap();
    assert_eq!(
        chosen.attr("value").await.unwrap().as_deref(),
        Some("notes")
    );
    upload(&workbook("台帳-修正.xlsx", "192.168.1.30")).await;
    let page = text(&c).await;
    assert!(!page.contains("問題のある行を直すまで"), "{page}");
    screenshot(&c, "06e-import-preview").await;
    let commit = c.find(Locator::Id("commit")).await.unwrap();
    click_and_wait(&c, commit).await;
    let page = text(&c).await;
    assert!(page.contains("新規 2 件"), "{page}");
    c.goto(&format!("{}/ledger", server.base)).await.unwrap();
    let page = text(&c).await;
    assert!(
        page.contains("FortiGate 60E") && page.contains("受付PC"),
        "{page}"
    );
    c.goto(&format!("{}/diagram", server.base)).await.unwrap();
    let source = c.source().await.unwrap();
    assert!(
        source.contains("FortiGate 60E") && source.contains("<svg"),
        "{source}"
    );
    screenshot(&c, "06f-diagram").await;

    // Vulnerabilities: a FortiGate on 6.0.4 behind the VPN, the real KEV catalog and NVD entry
    // loaded through the page, and 「今すぐ対応」 says what to do, on screen and on paper.
    if let (Some(kev), Some(nvd)) = (
        crate::kit::shared_data("kev"),
        crate::kit::shared_data("nvd/api-2.0-per-cve"),
    ) {
        c.goto(&format!("{}/ledger/new", server.base))
            .await
            .unwrap();
        fill(&c, "name", "本館FortiGate").await;
        fill(&c, "os_version", "6.0.4").await;
        fill(&c, "cpes", "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*").await;
        c.find(Locator::Id("external_connection"))
            .await
            .unwrap()
            .select_by_value("vpn")
            .await
            .unwrap();
        submit(&c, "/ledger").await;
        for file in [
            kev.join("known_exploited_vulnerabilities.json"),
            nvd.join("CVE-2018-13379.json"),
        ] {
            c.goto(&format!("{}/vuln/feeds", server.base))
                .await
                .unwrap();
            c.find(Locator::Css("input[name=file]"))
                .await
                .unwrap()
                .send_keys(file.canonicalize().unwrap().to_str().unwrap())
                .await
                .unwrap();
            submit(&c, "/vuln/feeds/import").await;
            assert!(
                c.find(Locator::Id("feed-report")).await.is_ok(),
                "{}",
                text(&c).await
            );
        }
        c.goto(&format!("{}/vuln", server.base)).await.unwrap();
        let page = text(&c).await;
        for want in ["本館FortiGate", "CVE-2018-13379", "ランサムウェア", "6.0.5"] {
            assert!(page.contains(want), "{want}: {page}");
        }
        // The suppression form opens in place; its fields are there and required.
        let opener = c
            .find(Locator::Css("details.suppress summary"))
            .await
            .unwrap();
        opener.click().await.unwrap();
        let reason = c
            .find(Locator::Css("details.suppress input[name=reason]"))
            .await
            .unwrap();
        assert!(reason.is_displayed().await.unwrap());
        assert_eq!(
            reason.attr("required").await.unwrap().as_deref(),
            Some("true")
        );
        screenshot(&c, "06g-vuln").await;
        check_printout(&c, "06g-vuln", &["本館FortiGate", "CVE-2018-13379"]).await;
        c.goto(&format!("{}/vuln/cves/CVE-2018-13379", server.base))
            .await
            .unwrap();
        assert!(text(&c).await.contains("本館FortiGate"));
        screenshot(&c, "06h-vuln-cve").await;
        // The home page puts the KEV on the VPN device first and says whom to call; the
        // device's ledger page says what applies to it.
        c.goto(&format!("{}/", server.base)).await.unwrap();
        let home = text(&c).await;
        assert!(
            home.contains("外部から届く機器に、攻撃に使われている脆弱性（KEV）が")
                && home.contains("今日連絡する先"),
            "{home}"
        );
        screenshot(&c, "06i-home-next-step").await;
        c.find(Locator::LinkText("台帳"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.find(Locator::LinkText("本館FortiGate"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert!(text(&c).await.contains("当てはまる脆弱性"));
        screenshot(&c, "06j-device").await;
    }

    // The checklist: open 2025年度, see the data's suggestions, answer two items, print.
    c.goto(&format!("{}/checklist?year=2025", server.base))
        .await
        .unwrap();
    assert!(
        text(&c)
            .await
            .contains("2025年度のチェックリストはまだ始めていません")
    );
    let start = c.find(Locator::Id("start-year")).await.unwrap();
    click_and_wait(&c, start).await;
    let page = text(&c).await;
    assert!(
        page.contains("2025年度 令和7年度版 医療機関確認用"),
        "{page}"
    );
    assert!(
        page.contains("mamori の見立て")
            && page.contains("安全管理責任者の任命日が記録されていません"),
        "{page}"
    );
    screenshot(&c, "06g-checklist").await;
    let answer = |anchor: &'static str,
                  answer1: &'static str,
                  date: &'static str,
                  target: &'static str| {
        let c = c.clone();
        async move {
            let summary = c
                .find(Locator::Css(&format!(
                    "#{anchor} details.item-edit summary"
                )))
                .await
                .unwrap();
            summary.click().await.unwrap();
            c.find(Locator::Css(&format!(
                "#{anchor} input[name=answer1][value={answer1}]"
            )))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
            c.execute(
                &format!(
                    "document.querySelector('#{anchor} input[name=date1]').value = '{date}';
                     document.querySelector('#{anchor} input[name=target_date]').value = '{target}';"
                ),
                vec![],
            )
            .await
            .unwrap();
            let save = c
                .find(Locator::Css(&format!(
                    "#{anchor} form.answer-form button[type=submit]"
                )))
                .await
                .unwrap();
            click_and_wait(&c, save).await;
        }
    };
    answer("item-0", "yes", "2025-06-01", "").await;
    answer("item-1", "no", "2025-06-01", "2025-12-01").await;
    let page = text(&c).await;
    assert!(
        page.contains("「はい」と回答されていますが、安全管理責任者の任命日が記録されていません"),
        "{page}"
    );
    screenshot(&c, "06h-checklist-answered").await;
    let print = c.find(Locator::Id("print-link")).await.unwrap();
    click_and_wait(&c, print).await;
    screenshot(&c, "06i-checklist-print").await;
    check_printout(
        &c,
        "06i-checklist-print",
        &["医療機関確認用", "2025/6/1", "2025/12/1", "目標日"],
    )
    .await;

    c.goto(&format!("{}/audit", server.base)).await.unwrap();
    let page = text(&c).await;
    assert!(
        page.contains("佐藤 一郎") && page.contains("医療機関情報") && page.contains("kanri"),
        "{page}"
    );
    screenshot(&c, "07-audit").await;

    // English switch.
    let english = c
        .find(Locator::Css("form.lang button[value=en]"))
        .await
        .unwrap();
    click_and_wait(&c, english).await;
    assert!(text(&c).await.contains("Audit trail"));
    screenshot(&c, "08-audit-en").await;
    // The English vulnerability table stays inside its card.
    if crate::kit::shared_data("kev").is_some() {
        c.goto(&format!("{}/vuln", server.base)).await.unwrap();
        assert!(text(&c).await.contains("Act now"), "{}", text(&c).await);
        screenshot(&c, "08b-vuln-en").await;
    }

    submit(&c, "/logout").await;
    assert!(c.current_url().await.unwrap().path().starts_with("/login"));
    assert!(text(&c).await.contains("You have signed out."));
    c.goto(&format!("{}/facility", server.base)).await.unwrap();
    assert!(c.current_url().await.unwrap().path().starts_with("/login"));

    c.close().await.unwrap();
    server.stop().await;
}

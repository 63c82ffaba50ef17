//! Answering the checklist on SQLite and PostgreSQL: the R6 hospital form with suggestions from
//! the ledger, refused answers, evidence files and links, the print, the xlsx read back with
//! calamine, the inspection pack, and vendor users confined to their own vendor's forms.

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use reqwest::StatusCode;

use crate::kit::{Backend, Client, TestServer};
use crate::on_both;

on_both!(answer_the_r6_hospital_form);
on_both!(vendors_fill_only_their_own_forms);

/// A small real PDF (one empty page).
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

pub async fn start_year(admin: &Client, year: &str, version: &str) -> String {
    let page = admin.get(&format!("/checklist?year={year}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("まだ始めていません"), "{}", page.body);
    let started = admin
        .post("/checklist/start", &[("year", year), ("version", version)])
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    started.location()
}

fn item_anchor(body: &str, number: &str) -> bool {
    body.contains(&format!("data-item=\"{number}\""))
}

async fn answer_the_r6_hospital_form(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let admin = server.with_admin().await;
    // The ledger: a VPN box with remote maintenance and a connection point without a source
    // restriction.
    let made = admin
        .post(
            "/ledger",
            &[
                ("kind", "network"),
                ("name", "FortiGate"),
                ("remote_maintenance", "yes"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let made = admin
        .post(
            "/connections",
            &[
                ("name", "保守VPN"),
                ("connection_kind", "ssl-vpn"),
                ("purpose", "remote-maintenance"),
                ("installed_by", "○○メディカル"),
                ("source_restricted", "no"),
                ("authentication", "password"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);

    let form = start_year(&admin, "2025", "r6").await;
    assert!(form.starts_with("/checklist/forms/"), "{form}");
    let again = admin
        .post("/checklist/start", &[("year", "2025"), ("version", "r6")])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "a year starts once");

    let page = admin.get(&form).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("2025年度 令和6年度版 医療機関確認用"));
    assert!(item_anchor(&page.body, "2(14)"));
    assert!(
        page.body
            .contains("接続元制限のない外部接続点が 1 件あります"),
        "the suggestion for 2(14) names the open VPN"
    );
    assert!(page.body.contains("保守VPN"));
    assert!(page.body.contains("台帳にサーバがありません"));
    assert!(page.body.contains("原文未確認") || page.body.contains("checklist-unconfirmed"));

    // A no without a target date, a date outside the year: refused, nothing saved.
    let answer = |item: &'static str, pairs: Vec<(&'static str, &'static str)>| {
        let mut fields = vec![("item", item)];
        fields.extend(pairs);
        fields
    };
    let action = format!("{form}/answer");
    let refused = admin
        .post(
            &action,
            &answer("2(1)", vec![("answer1", "no"), ("date1", "2025-06-01")]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("「いいえ」のときは目標日を入れてください。")
    );
    let refused = admin
        .post(
            &action,
            &answer("2(1)", vec![("answer1", "yes"), ("date1", "2025-03-31")]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("年度（4月1日〜3月31日）の外です"));
    assert_eq!(server.count("checklist_answers").await, 0);

    // Answers.
    for (item, pairs) in [
        ("1(1)", vec![("answer1", "yes"), ("date1", "2025-06-01")]),
        (
            "2(1)",
            vec![
                ("answer1", "no"),
                ("date1", "2025-06-01"),
                ("target_date", "2025-12-01"),
                ("remarks", "サーバの登録が残っている"),
            ],
        ),
        ("2(14)", vec![("answer1", "yes"), ("date1", "2025-06-02")]),
    ] {
        let saved = admin.post(&action, &answer(item, pairs)).await;
        assert_eq!(
            saved.status,
            StatusCode::SEE_OTHER,
            "{item}: {}",
            saved.body
        );
        assert!(saved.location().contains("#item-"), "{}", saved.location());
    }
    assert_eq!(server.count("checklist_answers").await, 3);
    let gate = admin
        .post(&format!("{form}/gate"), &[("gate", "yes")])
        .await;
    assert_eq!(gate.status, StatusCode::SEE_OTHER);
    let page = admin.get(&form).await;
    assert!(
        page.body
            .contains("「はい」と回答されていますが、接続元制限のない外部接続点が 1 件あります"),
        "answer and data disagree in plain words"
    );
    let overview = admin.get("/checklist?year=2025").await;
    assert!(
        overview.body.contains("id=\"tally-yes\">2<"),
        "{}",
        overview.body
    );
    assert!(overview.body.contains("id=\"tally-no\">1<"));
    // 2(14) and 1(1): the facility profile names no responsible person yet.
    assert!(overview.body.contains("id=\"tally-disagreements\">2<"));
    assert!(overview.body.contains("安全管理責任者が記録されていません"));

    // Evidence: a PDF, a refused program, a refused oversized file, a linked ledger record.
    let upload = format!("{form}/upload");
    let kept = admin
        .upload_with(
            &upload,
            &[("item", "2(1)")],
            "file",
            "台帳 2025.pdf",
            PDF.to_vec(),
            true,
        )
        .await;
    assert_eq!(kept.status, StatusCode::SEE_OTHER, "{}", kept.body);
    let refused = admin
        .upload_with(
            &upload,
            &[("item", "2(1)")],
            "file",
            "tool.exe",
            b"MZ\x90\0rest".to_vec(),
            true,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("このファイルは登録できません"));
    let mut big = PDF.to_vec();
    big.resize(20 * 1024 * 1024 + 1, b' ');
    let refused = admin
        .upload_with(&upload, &[("item", "2(1)")], "file", "big.pdf", big, true)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("ファイルが大きすぎます"));
    // A script with a GIF header, named to run when opened: refused outright.
    for name in ["保守手順書.bat", "保守手順書.hta"] {
        let refused = admin
            .upload_with(
                &upload,
                &[("item", "2(1)")],
                "file",
                name,
                b"GIF89a<script>alert(1)</script>".to_vec(),
                true,
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
    }
    assert_eq!(server.count("checklist_files").await, 1);
    // A picture named as something else is kept under the name of what it is.
    let renamed = admin
        .upload_with(
            &upload,
            &[("item", "2(1)")],
            "file",
            "写真.txt",
            b"GIF89a\x01\x00\x01\x00".to_vec(),
            true,
        )
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER, "{}", renamed.body);
    let name: String =
        sqlx::query_scalar("SELECT name FROM checklist_files ORDER BY id DESC LIMIT 1")
            .fetch_one(server.pool())
            .await
            .unwrap();
    assert_eq!(name, "写真.gif");
    sqlx::query(
        "DELETE FROM checklist_evidence WHERE file_id = (SELECT MAX(id) FROM checklist_files)",
    )
    .execute(server.pool())
    .await
    .unwrap();
    let linked = admin
        .post(
            &format!("{form}/link"),
            &[
                ("item", "2(13)"),
                ("table", "devices"),
                ("reference", "FortiGate"),
            ],
        )
        .await;
    assert_eq!(linked.status, StatusCode::SEE_OTHER, "{}", linked.body);
    let unknown = admin
        .post(
            &format!("{form}/link"),
            &[
                ("item", "2(13)"),
                ("table", "devices"),
                ("reference", "ない機器"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = admin.get(&form).await;
    let file_link = page.quoted_after("href=\"/checklist/files/");
    let file = admin
        .http
        .get(format!("{}/checklist/files/{file_link}", admin.base))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.headers()["content-type"], "application/pdf");
    assert!(
        file.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );
    assert_eq!(file.bytes().await.unwrap().as_ref(), PDF);

    // The print: the official columns, the answers circled.
    let print = admin.get(&format!("{form}/print")).await;
    assert_eq!(print.status, StatusCode::OK);
    for text in [
        "医療機関確認用",
        "1回目",
        "目標日",
        "2回目",
        "備考",
        "2025/12/1",
        "サーバの登録が残っている",
        "choice chosen",
    ] {
        assert!(print.body.contains(text), "print lacks {text}");
    }
    let blank = admin.get("/checklist/blank?version=r6&form=hospital").await;
    assert_eq!(blank.status, StatusCode::OK);
    assert!(!blank.body.contains("choice chosen"));

    // The xlsx, read back.
    let xlsx = admin
        .http
        .get(format!("{}/checklist/export?year=2025", admin.base))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = xlsx.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let names = book.sheet_names();
    assert_eq!(names.len(), 1, "{names:?}");
    let range = book.worksheet_range(&names[0]).unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let header = rows
        .iter()
        .position(|r| r.first().is_some_and(|c| c == "項番"))
        .unwrap();
    assert!(rows[0][0].contains("医療機関確認用"));
    let row_of = |number: &str| {
        rows[header..]
            .iter()
            .find(|r| r[0] == number)
            .unwrap()
            .clone()
    };
    let r = row_of("2(1)");
    assert_eq!(
        (r[4].as_str(), r[5].as_str(), r[6].as_str(), r[9].as_str()),
        (
            "いいえ",
            "2025-06-01",
            "2025-12-01",
            "サーバの登録が残っている"
        )
    );
    assert!(r[13].contains("台帳 2025.pdf"), "{:?}", r);
    let r = row_of("2(14)");
    assert_eq!((r[4].as_str(), r[5].as_str()), ("はい", "2025-06-02"));
    assert!(r[12].contains("保守VPN"), "{:?}", r);
    assert_eq!(rows.len() - header - 1, 18, "every R6 item is a row");
    let csv = admin.get(&format!("{form}/export?format=csv")).await;
    assert!(csv.body.contains("サーバの登録が残っている"));

    // The inspection pack, on the web and written to a folder.
    let pack = admin.get("/checklist/pack?year=2025").await;
    assert_eq!(pack.status, StatusCode::OK);
    for text in [
        "立入検査用資料",
        "テスト記念病院",
        "保守VPN",
        "台帳 2025.pdf",
        "2025/12/1",
        "外部接続点の一覧",
        // Who added the evidence, by name (not the login ID).
        "<td>管理 太郎</td>",
    ] {
        assert!(pack.body.contains(text), "pack lacks {text}");
    }
    let facility = mamori_app::facility::store::first(&server.state().db)
        .await
        .unwrap()
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let files =
        mamori_app::checklist::print::write_pack(&server.state().db, &facility, 2025, out.path())
            .await
            .unwrap();
    let html = std::fs::read_to_string(&files.html).unwrap();
    assert!(html.contains("<style>") && html.contains("立入検査用資料"));
    assert_eq!(files.evidence.len(), 1);
    assert_eq!(std::fs::read(&files.evidence[0]).unwrap(), PDF);

    // An admin corrects an item's wording for this installation; it shows, marked, and is audited.
    let form_id = form.trim_start_matches("/checklist/forms/").to_string();
    let corrected = admin
        .post(
            "/checklist/wording",
            &[
                ("form_id", form_id.as_str()),
                ("item", "3(3)"),
                ("text", "事業継続計画（BCP）を策定している。"),
            ],
        )
        .await;
    assert_eq!(
        corrected.status,
        StatusCode::SEE_OTHER,
        "{}",
        corrected.body
    );
    let page = admin.get(&form).await;
    assert!(
        page.body.contains("事業継続計画（BCP）を策定している。")
            && page.body.contains("この施設で文言を修正済み")
    );
    let wording: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE entity_type = 'checklist_wording'",
    )
    .fetch_one(server.pool())
    .await
    .unwrap();
    assert_eq!(wording, 1);

    // Every change is in the audit trail.
    let audit = admin.get("/audit").await;
    assert!(audit.status == StatusCode::OK);
    let events: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE entity_type IN ('checklist_form', 'checklist_answer', 'checklist_evidence')",
    )
    .fetch_one(server.pool())
    .await
    .unwrap();
    assert!(events >= 6, "{events}");
    server.stop().await;
}

async fn vendors_fill_only_their_own_forms(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let admin = server.with_admin().await;
    let hospital = start_year(&admin, "2026", "r7").await;
    // The vendor user belongs to 日本医療システム株式会社 (see kit::user_client).
    let vendor = server.user_client(&admin, "vendor1", "vendor").await;
    let viewer = server.user_client(&admin, "viewer1", "viewer").await;
    let mut forms = Vec::new();
    for (vendor_name, system) in [
        ("日本医療システム株式会社", "電子カルテ"),
        ("他社メディカル", "PACS"),
    ] {
        let made = admin
            .post(
                "/checklist/vendor-forms",
                &[
                    ("year", "2026"),
                    ("vendor_name", vendor_name),
                    ("system_name", system),
                ],
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        forms.push(made.location());
    }
    let (own, other) = (forms[0].clone(), forms[1].clone());
    let list = vendor.get("/checklist").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("電子カルテ") && !list.body.contains("PACS"),
        "{}",
        list.body
    );

    let page = vendor.get(&own).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("日本医療システム株式会社"));
    let saved = vendor
        .post(
            &format!("{own}/answer"),
            &[("item", "2⑬"), ("answer1", "yes"), ("date1", "2026-05-10")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

    for path in [
        other.clone(),
        hospital.clone(),
        format!("{other}/print"),
        format!("{hospital}/export"),
    ] {
        // Another's form answers as if it did not exist: its id tells a vendor nothing.
        assert_eq!(
            vendor.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(
        vendor.get("/checklist/forms/999999").await.status,
        StatusCode::NOT_FOUND
    );
    // A vendor links only their own vendor's records: another's answers as one that does not
    // exist (by id or by name), so ids and names tell them nothing.
    let mut device_ids = Vec::new();
    for (name, maintainer) in [
        ("PACSサーバ", "他社メディカル"),
        ("カルテサーバ", "日本医療システム株式会社"),
    ] {
        device_ids.push(
            admin
                .create(
                    "/ledger",
                    &[
                        ("kind", "server"),
                        ("name", name),
                        ("maintenance_vendor", maintainer),
                    ],
                )
                .await,
        );
    }
    // The vendor's own page lists what the ledger says they maintain, and nothing else.
    let landing = vendor.get("/checklist").await;
    let maintained = &landing.body[landing.body.find("id=\"maintained\"").expect("maintained")..];
    assert!(
        maintained.contains("カルテサーバ") && !maintained.contains("PACSサーバ"),
        "{maintained}"
    );
    let unknown = vendor
        .post(
            &format!("{own}/link"),
            &[
                ("item", "2⑬"),
                ("table", "devices"),
                ("reference", "999999"),
            ],
        )
        .await;
    for reference in [device_ids[0].as_str(), "PACSサーバ"] {
        let other = vendor
            .post(
                &format!("{own}/link"),
                &[
                    ("item", "2⑬"),
                    ("table", "devices"),
                    ("reference", reference),
                ],
            )
            .await;
        assert_eq!(other.status, unknown.status, "{reference}");
        assert!(!other.body.contains("PACSサーバ</a>"), "{}", other.body);
    }
    let mine = vendor
        .post(
            &format!("{own}/link"),
            &[
                ("item", "2⑬"),
                ("table", "devices"),
                ("reference", device_ids[1].as_str()),
            ],
        )
        .await;
    assert_eq!(mine.status, StatusCode::SEE_OTHER, "{}", mine.body);
    for (path, fields) in [
        (
            format!("{other}/answer"),
            vec![("item", "2⑬"), ("answer1", "yes"), ("date1", "2026-05-10")],
        ),
        (
            format!("{hospital}/answer"),
            vec![("item", "1①"), ("answer1", "yes"), ("date1", "2026-05-10")],
        ),
        (format!("{hospital}/gate"), vec![("gate", "no")]),
    ] {
        assert_eq!(
            vendor.post(&path, &fields).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let refused = vendor
        .upload_with(
            &format!("{other}/upload"),
            &[("item", "2⑬")],
            "file",
            "a.pdf",
            PDF.to_vec(),
            true,
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    for path in ["/checklist/pack?year=2026", "/checklist/export?year=2026"] {
        assert_eq!(
            vendor.get(path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    // A vendor adds a form only for their own vendor, whatever name is sent.
    let made = vendor
        .post(
            "/checklist/vendor-forms",
            &[
                ("year", "2026"),
                ("vendor_name", "他社メディカル"),
                ("system_name", "検査システム"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let created = vendor.get(&made.location()).await;
    assert!(
        created.body.contains("日本医療システム株式会社") && created.body.contains("検査システム")
    );
    // Viewers read but do not write.
    assert_eq!(viewer.get(&other).await.status, StatusCode::OK);
    let refused = viewer
        .post(
            &format!("{other}/answer"),
            &[("item", "2⑬"), ("answer1", "yes"), ("date1", "2026-05-10")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let answers: i64 = server.count("checklist_answers").await;
    assert_eq!(answers, 1, "only the vendor's own answer was saved");
    server.stop().await;
}

on_both!(ledger_facts_are_counted_by_the_database);

async fn ledger_facts_are_counted_by_the_database(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let admin = server.with_admin().await;
    let mut ids = Vec::new();
    for fields in [
        vec![
            ("kind", "network"),
            ("name", "FortiGate"),
            ("os_version", "6.0.4"),
            ("location", "サーバ室"),
            ("manager", "情報係"),
            ("remote_maintenance", "yes"),
            ("last_confirmed", "2026-10-01"),
            ("last_patched", "2024-01-10"),
        ],
        vec![
            ("kind", "pc"),
            ("name", "受付PC"),
            ("remote_maintenance", "unknown"),
        ],
        vec![
            ("kind", "server"),
            ("name", "旧サーバ"),
            ("status", "retired"),
        ],
        vec![
            ("kind", "server"),
            ("name", "電子カルテサーバ"),
            ("os_version", "RHEL 9"),
            ("location", "サーバ室"),
            ("manager", "情報係"),
            ("remote_maintenance", "no"),
            ("last_confirmed", "2026-10-01"),
            ("last_patched", "2026-10-01"),
            ("end_of_support", "2026-11-01"),
        ],
    ] {
        ids.push(admin.create("/ledger", &fields).await);
    }
    for (name, device, restricted, confirmed) in [
        ("保守VPN", ids[0].as_str(), "no", "2026-09-01"),
        ("回線B", "", "unknown", ""),
    ] {
        let made = admin
            .post(
                "/connections",
                &[
                    ("name", name),
                    ("connection_kind", "ssl-vpn"),
                    ("purpose", "remote-maintenance"),
                    ("device", device),
                    ("source_restricted", restricted),
                    ("authentication", "password"),
                    ("confirmed_on", confirmed),
                ],
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    }
    let facility = mamori_app::facility::store::first(&server.state().db)
        .await
        .unwrap()
        .unwrap();
    let facts =
        mamori_app::ledger::facts::ledger_facts_on(&server.state().db, facility.id, "2026-11-23")
            .await
            .unwrap();
    let names = |f: &mamori_app::kernel::Finding| {
        f.sample.iter().map(|n| n.name.clone()).collect::<Vec<_>>()
    };
    assert_eq!(
        facts.count_of("server"),
        1,
        "the retired server is not counted"
    );
    assert_eq!(facts.count_of("pc"), 1);
    assert_eq!(names(&facts.missing_key_fields), vec!["受付PC"]);
    assert_eq!(names(&facts.not_confirmed_12_months), vec!["受付PC"]);
    assert_eq!(
        names(&facts.remote_maintenance_unconfirmed),
        vec!["受付PC"],
        "FortiGate is covered by a vendor-confirmed connection point"
    );
    assert_eq!(names(&facts.unpatched_of(&["network"])), vec!["FortiGate"]);
    assert_eq!(
        names(&facts.unpatched_of(&["server"])),
        vec!["電子カルテサーバ"],
        "past its end of support"
    );
    assert_eq!(facts.unpatched_of(&["server", "pc", "network"]).count, 3);
    assert_eq!(facts.connection_points, 2);
    assert_eq!(names(&facts.unrestricted_connections), vec!["保守VPN"]);
    assert_eq!(names(&facts.restriction_unknown_connections), vec!["回線B"]);
    assert_eq!(names(&facts.unconfirmed_connections), vec!["回線B"]);
    server.stop().await;
}

//! Ledger import and export through the web pages, on SQLite and on PostgreSQL: every encoding,
//! Excel dates, every problem named by its cell, nothing written until all rows are right, and
//! export → import changing nothing.

use reqwest::StatusCode;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::kit::{Backend, Client, Page, TestServer};
use crate::on_both;

on_both!(import_and_export_the_ledger);

const HEADERS: [&str; 12] = [
    "機器名",
    "種別",
    "資産番号",
    "ホスト名",
    "IPアドレス",
    "MACアドレス",
    "設置場所",
    "所属システム",
    "ネットワーク",
    "サポート終了日",
    "最終パッチ適用日",
    "保守担当",
];

/// A workbook as Excel writes one: text cells, a real date cell (J2) and a bare serial number
/// (K3) in the date columns.
fn workbook(rows: &[[&str; 12]]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("yyyy/m/d");
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            if let Some(ymd) = cell.strip_prefix("date:") {
                let parts: Vec<u16> = ymd.split('-').map(|p| p.parse().unwrap()).collect();
                let dt = ExcelDateTime::from_ymd(parts[0], parts[1] as u8, parts[2] as u8).unwrap();
                sheet.write_datetime_with_format(r, c, &dt, &date).unwrap();
            } else if let Some(n) = cell.strip_prefix("number:") {
                sheet.write_number(r, c, n.parse::<f64>().unwrap()).unwrap();
            } else if !cell.is_empty() {
                sheet.write_string(r, c, *cell).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

fn csv_text(rows: &[[&str; 12]]) -> String {
    let mut text = HEADERS.join(",");
    text.push_str("\r\n");
    for row in rows {
        text.push_str(&row.join(","));
        text.push_str("\r\n");
    }
    text
}

fn token_of(page: &Page) -> String {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    page.location()
}

/// Uploads, follows to the preview, and returns (preview path, preview page).
async fn upload(admin: &Client, name: &str, bytes: Vec<u8>, kind: &str) -> (String, Page) {
    admin.get("/ledger/import").await;
    let sent = admin
        .upload_with(
            "/ledger/import",
            &[("kind", kind)],
            "file",
            name,
            bytes,
            true,
        )
        .await;
    let path = token_of(&sent);
    let preview = admin.get(&path).await;
    (path, preview)
}

fn count(page: &Page, id: &str) -> String {
    let marker = format!("id=\"count-{id}\">");
    let start = page.body.find(&marker).unwrap() + marker.len();
    page.body[start..start + page.body[start..].find('<').unwrap()].to_string()
}

fn counts(page: &Page) -> [String; 4] {
    ["new", "changed", "unchanged", "error"].map(|id| count(page, id))
}

async fn download(admin: &Client, query: &str) -> Vec<u8> {
    let response = admin
        .http
        .get(format!("{}/ledger/export?{query}", admin.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.bytes().await.unwrap().to_vec()
}

async fn import_and_export_the_ledger(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let admin = server.with_admin().await;
    let made = admin
        .post(
            "/segments",
            &[("name", "電子カルテ系"), ("cidrs", "192.168.10.0/24")],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let system_id: i64 = admin
        .create("/systems", &[("name", "電子カルテ")])
        .await
        .parse()
        .unwrap();

    // Damaged and old-format files are refused with what to do.
    admin.get("/ledger/import").await;
    let broken = admin
        .upload(
            "/ledger/import",
            "file",
            "broken.xlsx",
            b"PK\x03\x04garbage".to_vec(),
            true,
        )
        .await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(broken.body.contains("壊れているか"), "{}", broken.body);
    let old = admin
        .upload(
            "/ledger/import",
            "file",
            "old.xls",
            vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0],
            true,
        )
        .await;
    assert!(old.body.contains(".xlsx か CSV"), "{}", old.body);

    // Step 1–3: a workbook with problems; each is named by its cell, nothing is written.
    let bad = workbook(&[
        [
            "電子カルテサーバ",
            "サーバ",
            "A-001",
            "emr01",
            "192.168.10.10",
            "00:11:22:33:44:55",
            "2F サーバ室",
            "電子カルテ",
            "電子カルテ系",
            "date:2027-03-31",
            "R6.5.1",
            "カルテ株式会社",
        ],
        [
            "受付PC",
            "端末",
            "A-002",
            "uketsuke01",
            "192.168.10.300",
            "",
            "1F 受付",
            "電子カルテ",
            "",
            "2024/5/1",
            "number:45413",
            "",
        ],
        [
            "FortiGate 60E",
            "ルータ",
            "A-002",
            "fg60e",
            "192.168.1.1",
            "",
            "",
            "",
            "",
            "2024-13-01",
            "",
            "",
        ],
        [
            "謎の箱",
            "冷蔵庫",
            "",
            "",
            "",
            "",
            "",
            "存在しないシステム",
            "",
            "",
            "",
            "",
        ],
    ]);
    let (path, preview) = upload(&admin, "台帳.xlsx", bad, "devices").await;
    assert_eq!(preview.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(counts(&preview), ["1", "0", "0", "3"].map(String::from));
    for place in [
        "E3 (IPアドレス)",
        "C4 (資産番号)",
        "J4 (サポート終了日)",
        "B5 (種別)",
        "H5 (所属システム)",
    ] {
        assert!(preview.body.contains(place), "{place} in {}", preview.body);
    }
    assert!(preview.body.contains("3 行目と同じ値です"));
    assert!(preview.body.contains("「冷蔵庫」"));
    assert!(
        !preview.body.contains("id=\"commit\""),
        "no commit while rows have problems"
    );
    let forced = admin.post(&format!("{path}/commit"), &[]).await;
    assert_eq!(forced.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(server.count("devices").await, 0, "nothing half-written");

    // Step 2: the unknown heading is mapped by hand, and remembered for the next file.
    assert!(preview.body.contains("<select name=\"col11\""));
    let mut mapping: Vec<(String, String)> = [
        "name",
        "kind",
        "asset_number",
        "hostname",
        "ip_addresses",
        "mac_addresses",
        "location",
        "systems",
        "segment",
        "end_of_support",
        "last_patched",
        "maintenance_vendor",
    ]
    .iter()
    .enumerate()
    .map(|(i, f)| (format!("col{i}"), f.to_string()))
    .collect();
    let remapped = admin
        .post(
            &format!("{path}/mapping"),
            &mapping
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(remapped.status, StatusCode::SEE_OTHER, "{}", remapped.body);
    let preview = admin.get(&path).await;
    assert!(
        preview
            .body
            .contains("<option value=\"maintenance_vendor\" selected>"),
        "{}",
        preview.body
    );
    mapping.clear();
    admin.post(&format!("{path}/cancel"), &[]).await;
    assert_eq!(
        admin.get(&path).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Corrected, saved from Excel as Shift_JIS CSV: four new devices.
    let good = [
        [
            "電子カルテサーバ",
            "サーバ",
            "A-001",
            "emr01",
            "192.168.10.10",
            "00:11:22:33:44:55",
            "2F サーバ室",
            "電子カルテ",
            "電子カルテ系",
            "2027/3/31",
            "R6.5.1",
            "カルテ株式会社",
        ],
        [
            "受付PC",
            "端末",
            "A-002",
            "uketsuke01",
            "192.168.10.30",
            "",
            "1F 受付",
            "電子カルテ",
            "",
            "2024/5/1",
            "45413",
            "",
        ],
        [
            "FortiGate 60E",
            "ルータ",
            "A-003",
            "fg60e",
            "192.168.1.1",
            "",
            "",
            "",
            "",
            "2024-12-01",
            "",
            "",
        ],
        ["謎の箱", "その他", "", "", "", "", "", "", "", "", "", ""],
    ];
    let text = csv_text(&good);
    let cp932 = encoding_rs::SHIFT_JIS.encode(&text).0.into_owned();
    let (path, preview) = upload(&admin, "台帳.csv", cp932, "devices").await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("Shift_JIS"));
    assert_eq!(counts(&preview), ["4", "0", "0", "0"].map(String::from));
    // Each new row shows what will be stored: choices by label, dates normalised.
    for shown in [
        "種別: ネットワーク機器",
        "サポート終了日（EOS/EOL）: 2027/03/31",
        "最終パッチ適用日: 2024/05/01",
    ] {
        assert!(preview.body.contains(shown), "{shown} in {}", preview.body);
    }
    let done = admin.post(&format!("{path}/commit"), &[]).await;
    assert!(done.body.contains("新規 4 件"), "{}", done.body);
    assert_eq!(server.count("devices").await, 4);
    let row: (String, String, String, String) = sqlx::query_as(
        "SELECT end_of_support, last_patched, systems, maintenance_vendor FROM devices WHERE asset_number = 'A-001'",
    )
    .fetch_one(server.pool())
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            "2027-03-31".to_string(),
            "2024-05-01".to_string(),
            system_id.to_string(),
            "カルテ株式会社".to_string()
        )
    );
    let serial: String =
        sqlx::query_scalar("SELECT last_patched FROM devices WHERE asset_number = 'A-002'")
            .fetch_one(server.pool())
            .await
            .unwrap();
    assert_eq!(serial, "2024-05-01", "Excel serial 45413");
    let audit = admin.get("/audit").await;
    assert!(
        audit.body.contains("台帳.csv"),
        "the import is in the audit trail"
    );

    // The same rows again, as UTF-8 with BOM, with one move: matched by 資産番号, not duplicated.
    let mut moved = good;
    moved[1][6] = "1F 会計";
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(csv_text(&moved).as_bytes());
    let (path, preview) = upload(&admin, "台帳2.csv", bom, "devices").await;
    assert_eq!(counts(&preview), ["0", "1", "3", "0"].map(String::from));
    assert!(
        preview.body.contains("1F 受付 → 1F 会計"),
        "{}",
        preview.body
    );
    admin.post(&format!("{path}/commit"), &[]).await;
    assert_eq!(server.count("devices").await, 4);

    // Plain UTF-8 without a BOM is read too.
    let (path, preview) = upload(
        &admin,
        "台帳3.csv",
        csv_text(&moved).into_bytes(),
        "devices",
    )
    .await;
    assert!(preview.body.contains("CSV（UTF-8）"), "{}", preview.body);
    assert_eq!(counts(&preview), ["0", "0", "4", "0"].map(String::from));
    admin.post(&format!("{path}/cancel"), &[]).await;

    // Text in no known encoding, and a row too wide, are refused with what to do.
    admin.get("/ledger/import").await;
    let garbled = admin
        .upload(
            "/ledger/import",
            "file",
            "x.csv",
            b"a,b\r\n\x82\xff\xfe,1\r\n".to_vec(),
            true,
        )
        .await;
    assert_eq!(garbled.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(garbled.body.contains("文字コード"), "{}", garbled.body);
    let wide = format!("{}\r\n", vec!["x"; 300].join(","));
    let too_wide = admin
        .upload(
            "/ledger/import",
            "file",
            "wide.csv",
            wide.into_bytes(),
            true,
        )
        .await;
    assert!(
        too_wide.body.contains("列が多すぎます"),
        "{}",
        too_wide.body
    );
    assert_eq!(server.count("devices").await, 4);

    // Export → import changes nothing, in every format.
    for query in [
        "kind=devices&format=xlsx",
        "kind=devices&format=csv&encoding=utf-8",
        "kind=devices&format=csv&encoding=cp932",
    ] {
        let bytes = download(&admin, query).await;
        let table = mamori_formats::table::read(&bytes).unwrap();
        assert_eq!(table.headers[0], "ID");
        assert_eq!(table.rows.len(), 4);
        let (path, preview) = upload(&admin, "export", bytes, "devices").await;
        assert_eq!(
            counts(&preview),
            ["0", "0", "4", "0"].map(String::from),
            "{query}: {}",
            preview.body
        );
        admin.post(&format!("{path}/cancel"), &[]).await;
    }
    let segments = download(&admin, "kind=segments&format=xlsx").await;
    let (_, preview) = upload(&admin, "segments.xlsx", segments, "segments").await;
    assert_eq!(counts(&preview), ["0", "0", "1", "0"].map(String::from));

    // The diagram is drawn from the imported data.
    let diagram = admin.get("/diagram").await;
    assert!(diagram.body.contains("<svg"), "{}", diagram.body);
    for expected in [
        "電子カルテ系",
        "電子カルテサーバ",
        "端末PC 1 台",
        "セグメント未設定",
    ] {
        assert!(
            diagram.body.contains(expected),
            "{expected} in {}",
            diagram.body
        );
    }

    // The printable ledger follows the list's filters.
    let pcs = admin.get("/ledger/print?kind=pc").await;
    assert!(pcs.body.contains("受付PC") && !pcs.body.contains("電子カルテサーバ"));
    let in_system = admin
        .get(&format!("/ledger/print?system={system_id}"))
        .await;
    assert!(in_system.body.contains("電子カルテサーバ") && in_system.body.contains("受付PC"));
    assert!(!in_system.body.contains("FortiGate"), "{}", in_system.body);
    assert!(in_system.body.contains("2 台"));

    // Viewers may export but not import.
    let viewer = server.user_client(&admin, "viewer1", "viewer").await;
    let page = viewer.get("/ledger/import").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("enctype=\"multipart/form-data\""));
    let refused = viewer
        .upload(
            "/ledger/import",
            "file",
            "x.csv",
            b"a,b\r\n1,2\r\n".to_vec(),
            true,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(server.count("devices").await, 4);
    server.stop().await;
}

on_both!(user_defined_fields);

async fn user_defined_fields(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let admin = server.with_admin().await;
    admin.get("/ledger/fields").await;
    for (name, field_type) in [
        ("保守契約番号", "text"),
        ("導入日", "date"),
        ("院外持出可", "yesno"),
    ] {
        let added = admin
            .post(
                "/ledger/fields",
                &[
                    ("record_table", "devices"),
                    ("name", name),
                    ("field_type", field_type),
                ],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    }
    let clash = admin
        .post(
            "/ledger/fields",
            &[
                ("record_table", "devices"),
                ("name", "資産番号"),
                ("field_type", "text"),
            ],
        )
        .await;
    assert_eq!(clash.status, StatusCode::UNPROCESSABLE_ENTITY);
    let staff = server.user_client(&admin, "staff1", "staff").await;
    let refused = staff
        .post(
            "/ledger/fields",
            &[
                ("record_table", "devices"),
                ("name", "x"),
                ("field_type", "text"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let form = admin.get("/ledger/new").await;
    assert!(form.body.contains("保守契約番号"), "{}", form.body);
    let key_of = |label: &str| {
        let at = form.body.find(label).unwrap();
        let rest = &form.body[at..];
        let start = rest.find("name=\"custom_").unwrap() + 6;
        rest[start..start + rest[start..].find('"').unwrap()].to_string()
    };
    let (contract, since, portable) = (
        key_of("保守契約番号"),
        key_of("導入日"),
        key_of("院外持出可"),
    );
    let bad = admin
        .post(
            "/ledger",
            &[("kind", "pc"), ("name", "受付PC"), (since.as_str(), "先月")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("日付として読めません"));
    let made = admin
        .post(
            "/ledger",
            &[
                ("kind", "pc"),
                ("name", "受付PC"),
                (contract.as_str(), "HM-2024-001"),
                (since.as_str(), "R6.4.1"),
                (portable.as_str(), "no"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let view = admin.get(&made.location()).await;
    assert!(view.body.contains("HM-2024-001") && view.body.contains("2024/04/01"));

    // Export carries the added columns; an edited file imports back through them.
    let bytes = download(&admin, "kind=devices&format=csv&encoding=utf-8").await;
    let table = mamori_formats::table::read(&bytes).unwrap();
    let column = table
        .headers
        .iter()
        .position(|h| h == "保守契約番号")
        .unwrap();
    assert_eq!(table.rows[0][column], "HM-2024-001");
    let mut text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    text = text.replace("HM-2024-001", "HM-2025-777");
    let (path, preview) = upload(&admin, "edited.csv", text.into_bytes(), "devices").await;
    assert_eq!(
        counts(&preview),
        ["0", "1", "0", "0"].map(String::from),
        "{}",
        preview.body
    );
    assert!(
        preview
            .body
            .contains("保守契約番号: HM-2024-001 → HM-2025-777")
    );
    admin.post(&format!("{path}/commit"), &[]).await;
    let stored: String = sqlx::query_scalar("SELECT custom FROM devices")
        .fetch_one(server.pool())
        .await
        .unwrap();
    assert!(
        stored.contains("HM-2025-777") && stored.contains("2024-04-01"),
        "{stored}"
    );
    let audit = admin.get("/audit").await;
    assert!(audit.body.contains("保守契約番号"), "{}", audit.body);

    // Removing a field hides it.
    let fields = admin.get("/ledger/fields").await;
    let delete = fields.quoted_after("action=\"/ledger/fields/");
    let removed = admin.post(&format!("/ledger/fields/{delete}"), &[]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let view = admin.get(&made.location().replace("?saved=1", "")).await;
    assert!(!view.body.contains("HM-2025-777"));
    server.stop().await;
}

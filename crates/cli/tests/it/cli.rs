//! The `mamori` binary: settings errors, database checks, audit verification, backup/restore,
//! user commands, TLS, and graceful shutdown.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use sqlx::Connection;

use crate::process::{BIN, add_admin, mamori_stdin};

pub(crate) fn mamori(dir: &Path, args: &[&str]) -> Output {
    crate::process::command(dir, args).output().unwrap()
}

pub(crate) fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Sets up a data folder headlessly with an admin and returns it.
pub(crate) fn set_up(dir: &Path) {
    let out = add_admin(dir, "CLI病院");
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn bad_settings_exit_2_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let out = mamori(dir.path(), &["serve", "--listen", "everywhere"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--listen"));
    std::fs::write(dir.path().join("mamori.toml"), "lisen = \"0.0.0.0:1\"\n").unwrap();
    let out = mamori(dir.path(), &["serve"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("lisen"), "{}", text(&out));
    std::fs::remove_file(dir.path().join("mamori.toml")).unwrap();
    let out = mamori(dir.path(), &["--database-url", "mysql://h/db", "migrate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("database-url"));
    let out = mamori(dir.path(), &["serve", "--tls-cert", "missing.pem"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("tls-key"), "{}", text(&out));
    let out = mamori(dir.path(), &["--config", "nope.toml", "migrate"]);
    assert_eq!(out.status.code(), Some(2));
    let help = mamori(dir.path(), &["--help"]);
    for command in [
        "serve", "migrate", "backup", "restore", "audit", "user", "tls",
    ] {
        assert!(text(&help).contains(command), "help lacks {command}");
    }
    assert!(
        !dir.path().join("mamori-data").exists(),
        "nothing created on bad settings"
    );
}

#[test]
fn foreign_or_newer_databases_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("mamori-data");
    std::fs::create_dir_all(&data).unwrap();
    let db = data.join("mamori.db");
    std::fs::write(
        &db,
        b"this is not a database at all, just some bytes to refuse....",
    )
    .unwrap();
    let before = std::fs::read(&db).unwrap();
    let out = mamori(dir.path(), &["migrate"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("not an SQLite database"),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);

    let rt = tokio::runtime::Runtime::new().unwrap();
    std::fs::remove_file(&db).unwrap();
    rt.block_on(async {
        let mut conn =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", db.display()))
                .await
                .unwrap();
        sqlx::query("CREATE TABLE patients (id INTEGER)")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    });
    let before = std::fs::read(&db).unwrap();
    let out = mamori(dir.path(), &["migrate"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("not a mamori database"),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);

    std::fs::remove_file(&db).unwrap();
    let out = mamori(dir.path(), &["migrate"]);
    assert!(out.status.success(), "{}", text(&out));
    rt.block_on(async {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        sqlx::query("INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) VALUES (99990101000000, 'future', '2030-01-01', 1, x'00', 0)")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    });
    let out = mamori(dir.path(), &["migrate"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("newer mamori"), "{}", text(&out));
    let out = mamori(
        dir.path(),
        &[
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
            "migrate",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("cannot open the database"),
        "{}",
        text(&out)
    );
}

async fn tamper(db: &Path, sql: &[&str]) {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    for statement in sql.iter().flat_map(|s| s.split("; ")) {
        sqlx::query(sqlx::AssertSqlSafe(statement.to_string()))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    conn.close().await.unwrap();
}

#[test]
fn audit_verify_names_the_first_altered_or_removed_row() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for (case, sql, expect) in [
        (
            "altered",
            "UPDATE audit_events SET actor_name = 'someone' WHERE seq = 3",
            "row 3",
        ),
        ("removed", "DELETE FROM audit_events WHERE seq = 2", "row 2"),
        (
            "cut off",
            "DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)",
            "removed from the end",
        ),
        // Someone who can write the database but has no key cuts the end and moves the head:
        // the chain is whole, but the head's signature is gone.
        (
            "rewritten end",
            "DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events); \
             UPDATE meta SET value = (SELECT seq || ':' || hash FROM audit_events ORDER BY seq DESC LIMIT 1) WHERE key = 'audit_head'",
            "not signed",
        ),
        (
            "forged signature",
            "DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events); \
             UPDATE meta SET value = (SELECT seq || ':' || hash || ':' || hash FROM audit_events ORDER BY seq DESC LIMIT 1) WHERE key = 'audit_head'",
            "does not match mamori's key",
        ),
        // Only the guards removed: the trail could be changed from now on.
        (
            "guards dropped",
            "SELECT 1",
            "triggers that keep the trail append-only",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        set_up(dir.path());
        let add = mamori(
            dir.path(),
            &[
                "user", "add", "--login", "sato", "--name", "佐藤", "--role", "staff",
            ],
        );
        assert!(add.status.success(), "{}", text(&add));
        assert!(text(&add).contains("Password (shown once"));
        let ok = mamori(dir.path(), &["audit", "verify"]);
        assert!(ok.status.success(), "{}", text(&ok));
        assert!(text(&ok).contains("hash chain intact"));
        let db = dir.path().join("mamori-data/mamori.db");
        rt.block_on(tamper(
            &db,
            &[
                "DROP TRIGGER audit_events_no_update",
                "DROP TRIGGER audit_events_no_delete",
                sql,
            ],
        ));
        let bad = mamori(dir.path(), &["audit", "verify"]);
        assert_eq!(bad.status.code(), Some(1), "{case}: {}", text(&bad));
        assert!(text(&bad).contains(expect), "{case}: {}", text(&bad));
    }
}

const ADD_VENDOR: &[&str] = &[
    "user",
    "add",
    "--login",
    "v1",
    "--name",
    "業者",
    "--role",
    "vendor",
    "--vendor",
    "PACS社",
    "--password-stdin",
];

#[test]
fn user_commands_work_headless() {
    let dir = tempfile::tempdir().unwrap();
    let out = mamori(
        dir.path(),
        &[
            "user", "add", "--login", "a", "--name", "A", "--role", "staff",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("not set up yet"), "{}", text(&out));
    set_up(dir.path());
    let out = mamori_stdin(dir.path(), ADD_VENDOR, "short\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("13"), "{}", text(&out));
    let out = mamori_stdin(dir.path(), ADD_VENDOR, "vendor-password-long\n");
    assert!(out.status.success(), "{}", text(&out));
    let list = mamori(dir.path(), &["user", "list"]);
    assert!(
        text(&list).contains("v1") && text(&list).contains("[PACS社]"),
        "{}",
        text(&list)
    );
    assert!(
        mamori(dir.path(), &["user", "disable", "v1"])
            .status
            .success()
    );
    assert!(text(&mamori(dir.path(), &["user", "list"])).contains("disabled"));
    assert!(
        mamori(dir.path(), &["user", "enable", "v1"])
            .status
            .success()
    );
    let reset = mamori(dir.path(), &["user", "reset-password", "v1"]);
    assert!(reset.status.success() && text(&reset).contains("Password (shown once"));
    assert!(
        mamori(dir.path(), &["user", "reset-2fa", "v1"])
            .status
            .success()
    );
    let unlock = mamori(dir.path(), &["user", "unlock", "v1"]);
    assert!(
        unlock.status.success() && text(&unlock).contains("Sign-in limit lifted for v1"),
        "{}",
        text(&unlock)
    );
    let missing = mamori(dir.path(), &["user", "disable", "nobody"]);
    assert_eq!(missing.status.code(), Some(1));
    let last_admin = mamori(dir.path(), &["user", "disable", "admin"]);
    assert_eq!(last_admin.status.code(), Some(1), "{}", text(&last_admin));
    let verify = mamori(dir.path(), &["audit", "verify"]);
    assert!(verify.status.success(), "{}", text(&verify));
}

/// Starts `mamori serve` and returns it with its address, read from what it prints.
fn serve(dir: &Path, extra: &[&str]) -> (Child, String) {
    let mut args = vec!["serve", "--listen", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let mut child = Command::new(BIN)
        .current_dir(dir)
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first
        .split("running at ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

fn stop(child: &mut Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    child.wait().unwrap()
}

#[test]
fn backup_while_running_and_restore_when_stopped() {
    let dir = tempfile::tempdir().unwrap();
    set_up(dir.path());
    let (mut server, url) = serve(dir.path(), &[]);
    let health = Command::new("curl")
        .args(["-sf", &format!("{url}/healthz")])
        .output();
    if let Ok(h) = health {
        assert_eq!(String::from_utf8_lossy(&h.stdout), "ok");
    }
    let second = mamori(dir.path(), &["serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(second.status.code(), Some(1));
    assert!(
        text(&second).contains("already running"),
        "{}",
        text(&second)
    );

    let backup = dir.path().join("backups/2026-11-23.db");
    let out = mamori(dir.path(), &["backup", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("integrity ok"));
    // The data folder, the database (with its WAL) and the backup are for mamori's user only.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let data = dir.path().join("mamori-data");
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("mamori.db")), 0o600);
        if data.join("mamori.db-wal").exists() {
            assert_eq!(mode(&data.join("mamori.db-wal")), 0o600);
        }
        assert_eq!(mode(&backup), 0o600);
    }
    let again = mamori(dir.path(), &["backup", backup.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1), "never overwrite a backup");

    let refused = mamori(dir.path(), &["restore", backup.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused).contains("server is running"),
        "{}",
        text(&refused)
    );

    let status = stop(&mut server);
    assert!(status.success(), "graceful shutdown on SIGTERM: {status:?}");

    // A damaged file is refused before anything is replaced.
    let broken = dir.path().join("broken.db");
    std::fs::write(
        &broken,
        b"garbage garbage garbage garbage garbage garbage garbage",
    )
    .unwrap();
    let out = mamori(dir.path(), &["restore", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));

    // Changes made after the backup disappear with the restore.
    assert!(
        mamori(
            dir.path(),
            &[
                "user", "add", "--login", "late", "--name", "後", "--role", "viewer"
            ]
        )
        .status
        .success()
    );
    let later = dir.path().join("backups/later.db");
    let out = mamori(dir.path(), &["backup", later.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let out = mamori(dir.path(), &["restore", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("kept as"));
    let list = mamori(dir.path(), &["user", "list"]);
    assert!(!text(&list).contains("late"), "{}", text(&list));
    assert!(mamori(dir.path(), &["audit", "verify"]).status.success());
    // Each backup leaves its signed checkpoints beside it (0600). The restored trail holds the
    // first backup's, but not the later one's: checked against those, the rollback shows.
    let first = mamori_app::backup::checkpoints_file(&backup);
    let second = mamori_app::backup::checkpoints_file(&later);
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&first).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let ok = mamori(
        dir.path(),
        &["audit", "verify", "--checkpoints", first.to_str().unwrap()],
    );
    assert!(ok.status.success(), "{}", text(&ok));
    let rolled_back = mamori(
        dir.path(),
        &["audit", "verify", "--checkpoints", second.to_str().unwrap()],
    );
    assert_eq!(rolled_back.status.code(), Some(1), "{}", text(&rolled_back));
    assert!(
        text(&rolled_back).contains("rewritten or rolled back"),
        "{}",
        text(&rolled_back)
    );
}

#[test]
fn postgres_backup_explains_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let out = mamori(
        dir.path(),
        &[
            "--database-url",
            "postgres://mamori:secret@db.local/mamori",
            "backup",
            "x.dump",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out);
    assert!(t.contains("pg_dump --format=custom"), "{t}");
    assert!(!t.contains("secret"), "no password printed: {t}");
}

#[test]
fn https_with_a_self_signed_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let out = mamori(
        dir.path(),
        &[
            "tls",
            "self-signed",
            "--host",
            "mamori.test",
            "--out",
            "tls",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("SHA-256 fingerprint"));
    let cert = dir.path().join("tls/mamori.test.crt");
    let key = dir.path().join("tls/mamori.test.key");
    let (mut server, url) = serve(
        dir.path(),
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
            "--hostname",
            "mamori.test",
        ],
    );
    assert!(url.starts_with("https://"), "{url}");
    let addr = url.trim_start_matches("https://").to_string();
    let pem = std::fs::read(&cert).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let response = rt.block_on(https_get(&addr, &pem, "/setup"));
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let lower = response.to_ascii_lowercase();
    assert!(lower.contains("strict-transport-security"), "{response}");
    assert!(
        lower.contains("set-cookie: __host-mamori_pre=") && lower.contains("; secure"),
        "{response}"
    );
    assert!(stop(&mut server).success());
}

/// A minimal HTTPS GET that trusts exactly the given certificate.
async fn https_get(addr: &str, cert_pem: &[u8], path: &str) -> String {
    use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(cert_pem) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("mamori.test").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: mamori.test\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let _ = tls.read_to_end(&mut response).await;
    String::from_utf8_lossy(&response).to_string()
}

#[test]
fn discover_prints_the_diff_as_json() {
    let Some(data) = crate::kit::shared_data("nmap/python-libnmap") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let scan = data.join("full_sudo6.xml");
    let out = mamori(
        dir.path(),
        &["discover", "--from-xml", scan.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "not set up yet: {}", text(&out));
    set_up(dir.path());
    let out = mamori(
        dir.path(),
        &["discover", "--from-xml", scan.to_str().unwrap(), "--json"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["unregistered"].as_array().unwrap().len(), 4);
    assert_eq!(value["missing"].as_array().unwrap().len(), 0);
    let risky = value["risky"].as_array().unwrap();
    assert!(risky.iter().any(|r| r["ip"] == "192.168.1.3"
        && r["port"] == 3389
        && r["reason"].as_str().unwrap().contains("RDP")));
    for r in risky {
        for key in ["ip", "port", "service", "reason"] {
            assert!(!r[key].is_null(), "{key} missing in {r}");
        }
    }
    let xxe = data.join("defused_et_local_includer.xml");
    let out = mamori(
        dir.path(),
        &["discover", "--from-xml", xxe.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("DTD"), "{}", text(&out));
    let text_out = mamori(
        dir.path(),
        &["discover", "--from-xml", scan.to_str().unwrap()],
    );
    assert!(
        text(&text_out).contains("RISK     192.168.1.3:3389"),
        "{}",
        text(&text_out)
    );
}

#[test]
fn ledger_import_and_export_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    set_up(dir.path());
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "機器名,種別,IPアドレス,資産番号\r\n受付PC,端末,192.168.1.300,A-1\r\nサーバ,冷蔵庫,,A-1\r\n",
    )
    .unwrap();
    let out = mamori(dir.path(), &["ledger", "import", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    for expected in [
        "C2 (IPアドレス)",
        "B3 (種別)",
        "D3 (資産番号)",
        "Nothing was imported",
    ] {
        assert!(said.contains(expected), "{expected} in {said}");
    }

    let good = dir.path().join("good.csv");
    let rows = "機器名,種別,IPアドレス,資産番号,社内メモ\r\n受付PC,端末,192.168.1.30,A-1,窓口\r\nサーバ,サーバ,,A-2,\r\n";
    std::fs::write(&good, encoding_rs::SHIFT_JIS.encode(rows).0).unwrap();
    let mapping = dir.path().join("mapping.toml");
    std::fs::write(&mapping, "[columns]\n\"社内メモ\" = \"備考\"\n").unwrap();
    let args = [
        "ledger",
        "import",
        good.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
    ];
    let dry = mamori(dir.path(), &[&args[..], &["--dry-run"]].concat());
    assert!(dry.status.success(), "{}", text(&dry));
    assert!(text(&dry).contains("2 new, 0 changed, 0 unchanged, 0 with errors (dry run"));
    let list = mamori(dir.path(), &["ledger", "list", "--json"]);
    assert_eq!(String::from_utf8_lossy(&list.stdout).trim(), "[]");
    let done = mamori(dir.path(), &args);
    assert!(done.status.success(), "{}", text(&done));
    assert!(text(&done).contains("2 rows: 2 new"), "{}", text(&done));
    let list = mamori(dir.path(), &["ledger", "list", "--json"]);
    let devices: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert!(
        devices
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["notes"] == "窓口")
    );

    for (format, encoding, file) in [
        ("xlsx", "utf-8", "out.xlsx"),
        ("csv", "cp932", "out-sjis.csv"),
        ("csv", "utf-8", "out.csv"),
    ] {
        let out_file = dir.path().join(file);
        let export = mamori(
            dir.path(),
            &[
                "ledger",
                "export",
                "--format",
                format,
                "--encoding",
                encoding,
                "--out",
                out_file.to_str().unwrap(),
            ],
        );
        assert!(export.status.success(), "{}", text(&export));
        let again = mamori(
            dir.path(),
            &["ledger", "import", out_file.to_str().unwrap()],
        );
        assert!(
            text(&again).contains("2 rows: 0 new, 0 changed, 2 unchanged"),
            "{file}: {}",
            text(&again)
        );
    }
}

#[test]
fn discover_scans_a_range_with_nmap() {
    let dir = tempfile::tempdir().unwrap();
    set_up(dir.path());
    for bad in ["10.0.0.0/8", "127.0.0.1; id", "-iL/etc/passwd"] {
        let out = mamori(dir.path(), &["discover", bad]);
        assert!(!out.status.success(), "{bad}: {}", text(&out));
        assert!(!text(&out).contains("Running"), "{bad}: {}", text(&out));
    }
    if !crate::kit::nmap_installed() {
        return;
    }
    let out = mamori(dir.path(), &["discover", "127.0.0.1/32", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Running: nmap -sV"), "{}", text(&out));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["hosts"], 1, "{value}");
    assert_eq!(value["unregistered"][0]["ip"], "127.0.0.1");
}

const R8_HOSPITAL: &str = r#"
version = "r8"
version_name = "令和8年度版"
form = "hospital"
form_name = "医療機関・薬局確認用"
fiscal_year = 2026
published = "2026-06-01"
source = "https://www.mhlw.go.jp/stf/shingi/0000516275_00006.html"
confirmation = "unconfirmed"
title = "医療機関・薬局におけるサイバーセキュリティ対策チェックリスト"

[[sections]]
number = "2"
title = "医療情報システムの管理・運用"

[[items]]
number = "2①"
section = "2"
text = "サーバ、端末PC、ネットワーク機器の台帳管理を行っている。"
target = "医療情報システム全般"
deadline_fiscal_year = 2026
guide = "inventory"
source = "https://www.mhlw.go.jp/stf/shingi/0000516275_00006.html"
confirmation = "unconfirmed"
previous = ["r7/hospital:2①"]
"#;

#[test]
fn checklist_versions_and_import_master() {
    let dir = tempfile::tempdir().unwrap();
    set_up(dir.path());
    let out = mamori(dir.path(), &["checklist", "versions"]);
    assert!(out.status.success(), "{}", text(&out));
    for version in ["r5\thospital", "r6\tvendor", "r7\thospital"] {
        assert!(text(&out).contains(version), "{version}: {}", text(&out));
    }

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        R8_HOSPITAL
            .replace("guide = \"inventory\"", "guide = \"no-such-topic\"")
            .replace(
                "previous = [\"r7/hospital:2①\"]",
                "previous = [\"r3/hospital:9\"]",
            ),
    )
    .unwrap();
    let out = mamori(
        dir.path(),
        &["checklist", "import-master", bad.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out);
    assert!(
        said.contains("items[0] (2①).guide") && said.contains("items[0] (2①).previous"),
        "{said}"
    );
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "version = \"r8\"\nform = \n").unwrap();
    let out = mamori(
        dir.path(),
        &["checklist", "import-master", broken.to_str().unwrap()],
    );
    assert!(text(&out).contains("line 2"), "{}", text(&out));

    let good = dir.path().join("r8-hospital.toml");
    std::fs::write(&good, R8_HOSPITAL).unwrap();
    let out = mamori(
        dir.path(),
        &["checklist", "import-master", good.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("r8/hospital"), "{}", text(&out));
    let out = mamori(dir.path(), &["checklist", "versions"]);
    assert!(
        text(&out).contains("r8\thospital\t1\t1\t2026\timported"),
        "{}",
        text(&out)
    );
    let again = mamori(
        dir.path(),
        &["checklist", "import-master", good.to_str().unwrap()],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again).contains("already known"), "{}", text(&again));
    let shipped = dir.path().join("r7.toml");
    std::fs::write(&shipped, R8_HOSPITAL.replace("\"r8\"", "\"r7\"")).unwrap();
    let out = mamori(
        dir.path(),
        &["checklist", "import-master", shipped.to_str().unwrap()],
    );
    assert!(
        text(&out).contains("r7/hospital is already known"),
        "{}",
        text(&out)
    );
    let out = mamori(dir.path(), &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn checklist_suggest_and_pack_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    set_up(dir.path());
    let out = mamori(
        dir.path(),
        &["checklist", "suggest", "--year", "2025", "--json"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["version"], "r7");
    assert_eq!(json["started"], false);
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 18);
    let inventory = items.iter().find(|i| i["number"] == "2①").unwrap();
    assert_eq!(inventory["suggestion"]["verdict"], "no");
    assert!(
        inventory["suggestion"]["reasons"][0]["text"]
            .as_str()
            .unwrap()
            .contains("台帳に機器が登録されていません")
    );
    assert!(inventory["answer"].is_null());

    let out = mamori(
        dir.path(),
        &["checklist", "pack", "--year", "2025", "--out", "pack"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("has no checklist yet"),
        "{}",
        text(&out)
    );

    // Start the year from the command line (Japanese by default), then answer an item as the
    // web pages would.
    let started = mamori(
        dir.path(),
        &[
            "checklist",
            "start",
            "--year",
            "2025",
            "--version",
            "r6",
            "--json",
        ],
    );
    assert!(started.status.success(), "{}", text(&started));
    let json: serde_json::Value = serde_json::from_slice(&started.stdout).unwrap();
    assert_eq!(
        (json["year"].as_i64(), json["version"].as_str()),
        (Some(2025), Some("r6"))
    );
    let id = json["form_id"].as_i64().unwrap();
    let again = mamori(dir.path(), &["checklist", "start", "--year", "2025"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again).contains("この年度はもう始めています"),
        "{}",
        text(&again)
    );
    let unknown = mamori(
        dir.path(),
        &["checklist", "start", "--year", "2024", "--version", "r99"],
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(text(&unknown).contains("--version"), "{}", text(&unknown));
    let english = Command::new(BIN)
        .current_dir(dir.path())
        .args(["checklist", "start", "--year", "2026"])
        .env_remove("MAMORI_DATABASE_URL")
        .env("MAMORI_LANG", "en")
        .output()
        .unwrap();
    assert!(english.status.success(), "{}", text(&english));
    assert!(
        text(&english).contains("Started the checklist of FY2026 (令和"),
        "{}",
        text(&english)
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use mamori_app::checklist::answers::AnswerForm;
        let url = mamori_app::db::database_url(&dir.path().join("mamori-data"), None);
        let db = mamori_app::db::Db::open(&url, mamori_app::db::OpenMode::CreateAndMigrate)
            .await
            .unwrap();
        let facility = mamori_app::facility::store::first(&db)
            .await
            .unwrap()
            .unwrap();
        let actor = mamori_app::kernel::Actor::command_line(Some(facility.id));
        let answer = AnswerForm {
            item: "2(14)".into(),
            answer1: "yes".into(),
            date1: "2025-07-01".into(),
            ..Default::default()
        };
        mamori_app::checklist::answer_store::save_answer(&db, &actor, id, &answer)
            .await
            .unwrap();
        db.close().await;
    });
    let out = mamori(dir.path(), &["checklist", "suggest", "--year", "2025"]);
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("令和6年度版") && said.contains("2(14) 接続元制限を実施している。"),
        "{said}"
    );
    assert!(said.contains("回答: はい"), "{said}");

    let out = mamori(
        dir.path(),
        &["checklist", "pack", "--year", "2025", "--out", "pack"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let html = std::fs::read_to_string(dir.path().join("pack/checklist-pack-2025.html")).unwrap();
    assert!(html.contains("立入検査用資料") && html.contains("CLI病院"));
    assert!(dir.path().join("pack/checklist-2025.xlsx").exists());
}

/// `mamori ledger list | head`: the reader leaves after one line, and mamori ends quietly (no
/// "Broken pipe" panic, no error) although most of its output was never read.
#[test]
fn output_cut_short_by_its_reader_ends_quietly() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    set_up(dir.path());
    let mut rows = String::from("機器名,種別,IPアドレス\r\n");
    for i in 0..3000 {
        rows.push_str(&format!(
            "受付端末{i:04},端末,10.0.{}.{}\r\n",
            i / 200,
            i % 200 + 1
        ));
    }
    let file = dir.path().join("many.csv");
    std::fs::write(&file, rows).unwrap();
    let imported = mamori(dir.path(), &["ledger", "import", file.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", text(&imported));
    for args in [&["ledger", "list"][..], &["ledger", "list", "--json"]] {
        let mut child = crate::process::spawn_piped(dir.path(), args);
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty());
        let out = child.wait_with_output().unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {said}");
        assert!(
            !said.contains("panicked") && !said.contains("Broken pipe"),
            "{said}"
        );
    }
}

/// The ledger's 外部接続 column makes external connection points linked to their devices: one
/// per device and kind, renamed with the device on re-import, never duplicated; `ledger list
/// --kind connections` lists them, with `--json` for tools.
#[test]
fn external_connections_in_the_ledger_become_connection_points() {
    let dir = tempfile::tempdir().unwrap();
    set_up(dir.path());
    let file = dir.path().join("ledger.csv");
    let write = |rows: &str| {
        std::fs::write(&file, encoding_rs::SHIFT_JIS.encode(rows).0).unwrap();
    };
    write(
        "機器名,種別,IPアドレス,外部接続\r\nFortiGate,ネットワーク機器,192.168.1.1,VPN\r\n受付PC,端末,192.168.1.20,なし\r\n光ルータ,ネットワーク機器,192.168.1.254,インターネット\r\n",
    );
    let import = || mamori(dir.path(), &["ledger", "import", file.to_str().unwrap()]);
    let out = import();
    assert!(out.status.success(), "{}", text(&out));
    let list = || {
        let out = mamori(
            dir.path(),
            &["ledger", "list", "--kind", "connections", "--json"],
        );
        assert!(out.status.success(), "{}", text(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let names_of = |points: &serde_json::Value| -> Vec<String> {
        points
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    let points = list();
    let names = names_of(&points);
    assert_eq!(names.len(), 2, "{points:#}");
    assert!(names.iter().any(|n| n == "FortiGate のVPN"), "{names:?}");
    assert!(
        names.iter().any(|n| n == "光ルータ のインターネット接続"),
        "{names:?}"
    );
    assert!(
        points
            .as_array()
            .unwrap()
            .iter()
            .all(|p| !p["device"].as_str().unwrap().is_empty())
    );

    // The same file again adds nothing; renaming the device (by its 台帳ID) renames its point.
    let out = import();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(list().as_array().unwrap().len(), 2);
    let forti = points
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "FortiGate のVPN")
        .unwrap()["device"]
        .as_str()
        .unwrap()
        .to_string();
    write(&format!(
        "台帳ID,機器名,種別,IPアドレス,外部接続\r\n{forti},FortiGate-60F,ネットワーク機器,192.168.1.1,VPN\r\n"
    ));
    let out = import();
    assert!(out.status.success(), "{}", text(&out));
    let points = list();
    let names = names_of(&points);
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names.contains(&"FortiGate-60F のVPN".to_string()),
        "{names:?}"
    );
    let text_list = mamori(dir.path(), &["ledger", "list", "--kind", "connections"]);
    let said = text(&text_list);
    assert!(said.contains("ID\tNAME\tCONNECTION_KIND"), "{said}");
    assert!(said.contains("光ルータ のインターネット接続"), "{said}");
    assert!(said.contains("FortiGate-60F\tunknown"), "{said}");
}

/// The service files shipped in `deploy/` (systemd units, the Windows Task Scheduler script)
/// call mamori with subcommands and flags this mamori accepts.
#[test]
fn shipped_service_files_call_real_commands() {
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy");
    let mut calls: Vec<Vec<String>> = Vec::new();
    for entry in std::fs::read_dir(deploy.join("linux")).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        for line in text.lines() {
            if let Some(command) = line.strip_prefix("ExecStart=/usr/local/bin/mamori ") {
                calls.push(command.split_whitespace().map(str::to_string).collect());
            }
        }
    }
    let script = std::fs::read_to_string(deploy.join("windows/install-mamori-tasks.ps1")).unwrap();
    for (at, _) in script.match_indices("-Argument \"") {
        let rest = &script[at + "-Argument \"".len()..];
        // PowerShell's `" is a quote inside the string; the string ends at the first bare ".
        let mut args = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '`' => {
                    chars.next();
                }
                '"' => break,
                other => args.push(other),
            }
        }
        let args = args
            .replace("$data", "C:\\mamori\\mamori-data")
            .replace("$backups", "C:\\mamori\\backups");
        calls.push(args.split_whitespace().map(str::to_string).collect());
    }
    assert!(calls.len() >= 6, "{calls:?}");
    let dir = tempfile::tempdir().unwrap();
    for call in &calls {
        let mut args: Vec<&str> = call.iter().map(String::as_str).collect();
        args.push("--help");
        let out = mamori(dir.path(), &args);
        assert!(out.status.success(), "{call:?}: {}", text(&out));
    }
}

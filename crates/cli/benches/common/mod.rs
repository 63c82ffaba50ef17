//! Helpers shared by the benchmarks: spawning the release server, signing in, and sending
//! requests at a fixed rate.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "../../tests/it/process.rs"]
mod process;
#[allow(unused_imports)]
pub use process::{BIN, add_admin, status_kib};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Server {
    pub child: Child,
    pub base: String,
    pub setup_link: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn spawn(data: &std::path::Path, port: u16) -> Server {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(data)
        .env("MAMORI_LOG", "warn")
        .env("MAMORI_ADMIN_TWO_FACTOR", "false")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(pos) = line.find("http://")
                && line.contains("/setup?token=")
            {
                let _ = tx.send(line[pos..].trim().to_string());
            }
        }
    });
    let setup_link = rx.recv_timeout(Duration::from_secs(10)).ok();
    Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        setup_link,
    }
}

pub fn rss_kib(pid: u32) -> u64 {
    status_kib(pid, "VmRSS").unwrap_or(0)
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

pub fn csrf(body: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = body.find(marker).unwrap() + marker.len();
    body[start..start + body[start..].find('"').unwrap()].to_string()
}

pub async fn post_expecting_redirect(client: &reqwest::Client, url: &str, form: &[(&str, String)]) {
    let response = client.post(url).form(form).send().await.unwrap();
    assert_eq!(response.status(), 303, "{url}");
}

pub async fn get_text(client: &reqwest::Client, url: &str) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// The release server on a free port over `data`, a one-worker runtime to drive it, and an
/// administrator's signed-in client.
pub fn signed_in_server(
    data: &std::path::Path,
) -> (Server, tokio::runtime::Runtime, reqwest::Client) {
    let server = spawn(data, free_port());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let client = runtime.block_on(signed_in_client(&server));
    (server, runtime, client)
}

pub async fn signed_in_client(server: &Server) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let link = server.setup_link.clone().expect("setup link printed");
    let token = link.split("token=").nth(1).unwrap().to_string();
    let page = get_text(&client, &link).await;
    let password = "benchmark-password-long";
    let form = [
        ("_csrf", csrf(&page)),
        ("token", token),
        ("facility_name", "ベンチマーク病院".into()),
        ("login", "admin".into()),
        ("display_name", "管理者".into()),
        ("password", password.into()),
        ("password_confirm", password.into()),
    ];
    // Setting up signs the administrator in.
    post_expecting_redirect(&client, &format!("{}/setup", server.base), &form).await;
    client
}

/// Sends requests at a fixed rate (not as fast as possible), so latency is measured under a
/// realistic load rather than the server's queue.
pub async fn constant_rate(
    client: reqwest::Client,
    url: String,
    rate_per_second: u64,
    seconds: u64,
) -> (Vec<Duration>, usize) {
    let client = Arc::new(client);
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / rate_per_second));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::new();
    for _ in 0..rate_per_second * seconds {
        ticker.tick().await;
        let client = client.clone();
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let start = Instant::now();
            let response = client.get(&url).send().await;
            let ok = match response {
                Ok(r) => {
                    let ok = r.status() == 200;
                    let _ = r.bytes().await;
                    ok
                }
                Err(_) => false,
            };
            (start.elapsed(), ok)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (d, ok) = t.await.unwrap();
        if ok {
            latencies.push(d);
        } else {
            errors += 1;
        }
    }
    latencies.sort();
    (latencies, errors)
}

pub fn report(
    name: &str,
    rate_per_second: u64,
    seconds: u64,
    latencies: &[Duration],
    errors: usize,
) {
    println!(
        "{name:<28} {rate_per_second} req/s for {seconds} s: n={} errors={errors} p50={} p99={} max={}",
        latencies.len(),
        ms(percentile(latencies, 50.0)),
        ms(percentile(latencies, 99.0)),
        ms(percentile(latencies, 100.0)),
    );
}

/// Under `cargo bench` (which passes `--bench`) the full measurement. Otherwise, as under
/// `cargo test --benches` in CI, a smoke run: small sizes and a second of load, so a bench can
/// never rot unnoticed; its figures mean nothing.
pub fn smoke() -> bool {
    !std::env::args().any(|a| a == "--bench")
}

/// Sets up what every bench needs, and says when this is a smoke run.
pub fn init(name: &str) {
    // reqwest is built without a default TLS provider; name one, as the server does.
    let _ = rustls::crypto::ring::default_provider().install_default();
    println!("mamori {name} benchmark ({BIN})");
    if smoke() {
        println!("smoke run (not under `cargo bench`): small sizes, figures not meaningful");
    }
}

/// A large hospital's ledger, as the benchmarks use it (200 devices in a smoke run).
pub fn devices_count() -> usize {
    if smoke() { 200 } else { 10_000 }
}

/// How long each fixed-rate load runs.
pub fn seconds(full: u64) -> u64 {
    if smoke() { 1 } else { full }
}

pub const HEADERS: [&str; 16] = [
    "資産番号",
    "種別",
    "機器名",
    "メーカー",
    "型番",
    "OS・ファームウェア",
    "バージョン",
    "設置場所",
    "所属部署",
    "管理責任者",
    "ホスト名",
    "IPアドレス",
    "MACアドレス",
    "リモート保守",
    "サポート終了日",
    "備考",
];

pub const DEPARTMENTS: [&str; 10] = [
    "内科",
    "外科",
    "放射線科",
    "検査科",
    "薬剤部",
    "医事課",
    "総務課",
    "看護部",
    "リハビリ科",
    "情報システム",
];

pub fn ip(i: usize) -> String {
    format!("10.{}.{}.{}", 1 + i / 62_500, (i / 250) % 250, 1 + i % 250)
}

pub fn mac(i: usize) -> String {
    format!(
        "00:1B:{:02X}:{:02X}:{:02X}:{:02X}",
        (i >> 24) & 0xFF,
        (i >> 16) & 0xFF,
        (i >> 8) & 0xFF,
        i & 0xFF
    )
}

/// One device row as a hospital's spreadsheet would hold it.
pub fn row(i: usize, generation: usize) -> Vec<String> {
    let kind = match i % 20 {
        0 => "サーバ",
        1 | 2 => "ネットワーク機器",
        3 => "医療機器",
        4 => "その他",
        _ => "端末PC",
    };
    vec![
        format!("PC-{i:05}"),
        kind.to_string(),
        format!("{}{}-{i:05}", DEPARTMENTS[i % 10], kind),
        ["富士通", "NEC", "Dell", "HP", "Fortinet"][i % 5].to_string(),
        format!("MODEL-{}", i % 37),
        ["Windows 11", "Windows 10", "FortiOS", "RHEL"][i % 4].to_string(),
        format!("{}.{}", 10 + i % 3, generation),
        format!("本館{}F {}号室", 1 + i % 6, 100 + i % 40),
        DEPARTMENTS[i % 10].to_string(),
        format!("担当{}", i % 50),
        format!("host-{i:05}"),
        ip(i),
        mac(i),
        ["有", "無", "不明"][i % 3].to_string(),
        format!("R{}.3.31", 8 + i % 5),
        String::new(),
    ]
}

pub fn workbook(path: &std::path::Path, generation: usize) {
    let headers: Vec<String> = HEADERS.iter().map(|s| s.to_string()).collect();
    let rows: Vec<Vec<String>> = (0..devices_count()).map(|i| row(i, generation)).collect();
    let bytes = mamori_formats::table::write_xlsx("台帳", &headers, &rows).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Runs `mamori ledger import FILE` against a data folder; returns the time and what it said.
pub fn timed_import(data: &std::path::Path, file: &std::path::Path) -> (Duration, String) {
    let start = Instant::now();
    let out = Command::new(BIN)
        .args(["--data"])
        .arg(data)
        .args(["ledger", "import"])
        .arg(file)
        .env("MAMORI_LOG", "warn")
        .env("MAMORI_ADMIN_TWO_FACTOR", "false")
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        elapsed,
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
    )
}

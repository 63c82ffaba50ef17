//! Speed and memory of the foundation, measured against the release binary:
//! cold start to first served request, idle memory, and page latency at a fixed request rate.
//! Run with `bash bench/run.sh` (or `cargo bench -p mamori --bench serve`); figures go to stdout.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_mamori");
const RATE_PER_SECOND: u64 = 200;
const SECONDS: u64 = 10;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server {
    child: Child,
    base: String,
    setup_link: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(data: &std::path::Path, port: u16) -> Server {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(data)
        .env("MAMORI_LOG", "warn")
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

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Cold start: from spawning the process to the first answered request, on an empty database.
fn cold_start(runs: usize) -> Vec<Duration> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let start = Instant::now();
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
            .arg(dir.path())
            .env("MAMORI_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = start + Duration::from_secs(10);
        loop {
            if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                use std::io::{Read, Write};
                stream
                    .write_all(
                        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                    )
                    .unwrap();
                let mut response = String::new();
                let _ = stream.read_to_string(&mut response);
                if response.starts_with("HTTP/1.1 200") {
                    times.push(start.elapsed());
                    break;
                }
            }
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    times.sort();
    times
}

fn csrf(body: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = body.find(marker).unwrap() + marker.len();
    body[start..start + body[start..].find('"').unwrap()].to_string()
}

async fn post_expecting_redirect(client: &reqwest::Client, url: &str, form: &[(&str, String)]) {
    let response = client.post(url).form(form).send().await.unwrap();
    assert_eq!(response.status(), 303, "{url}");
}

async fn signed_in_client(server: &Server) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let link = server.setup_link.clone().expect("setup link printed");
    let token = link.split("token=").nth(1).unwrap().to_string();
    let page = client
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
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
    post_expecting_redirect(&client, &format!("{}/setup", server.base), &form).await;
    let page = client
        .get(format!("{}/login", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let form = [
        ("_csrf", csrf(&page)),
        ("login", "admin".into()),
        ("password", password.into()),
    ];
    post_expecting_redirect(&client, &format!("{}/login", server.base), &form).await;
    client
}

/// Sends requests at a fixed rate (not as fast as possible), so latency is measured under a
/// realistic load rather than the server's queue.
async fn constant_rate(client: reqwest::Client, url: String) -> (Vec<Duration>, usize) {
    let client = Arc::new(client);
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / RATE_PER_SECOND));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::new();
    for _ in 0..RATE_PER_SECOND * SECONDS {
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

fn report(name: &str, latencies: &[Duration], errors: usize) {
    println!(
        "{name:<28} {RATE_PER_SECOND} req/s for {SECONDS} s: n={} errors={errors} p50={} p99={} max={}",
        latencies.len(),
        ms(percentile(latencies, 50.0)),
        ms(percentile(latencies, 99.0)),
        ms(percentile(latencies, 100.0)),
    );
}

fn main() {
    println!("mamori foundation benchmark ({})", BIN);
    let times = cold_start(10);
    println!(
        "cold start to first request   (10 runs, empty SQLite): median={} max={}   target <= 300 ms",
        ms(percentile(&times, 50.0)),
        ms(percentile(&times, 100.0))
    );

    let dir = tempfile::tempdir().unwrap();
    let server = spawn(dir.path(), free_port());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let client = runtime.block_on(signed_in_client(&server));
    std::thread::sleep(Duration::from_secs(2));
    let idle = rss_kib(server.child.id());
    println!(
        "idle RSS after setup and sign-in: {:.1} MB   target <= 40 MB",
        idle as f64 / 1024.0
    );

    let anonymous = reqwest::Client::builder().build().unwrap();
    let (lat, err) = runtime.block_on(constant_rate(anonymous, format!("{}/login", server.base)));
    report("GET /login (anonymous)", &lat, err);
    let (lat, err) = runtime.block_on(constant_rate(client, format!("{}/facility", server.base)));
    report("GET /facility (signed in)", &lat, err);
    println!(
        "RSS after load: {:.1} MB",
        rss_kib(server.child.id()) as f64 / 1024.0
    );
}

//! Speed and memory of the foundation, measured against the release binary:
//! cold start to first served request, idle memory, and page latency at a fixed request rate.
//! Run with `bash bench/run.sh` (or `cargo bench -p mamori --bench serve`); figures go to stdout.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
const RATE_PER_SECOND: u64 = 200;

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
            .env("MAMORI_ADMIN_TWO_FACTOR", "false")
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

fn main() {
    init("foundation");
    let times = cold_start(10);
    println!(
        "cold start to first request   (10 runs, empty SQLite): median={} max={}   target <= 300 ms",
        ms(percentile(&times, 50.0)),
        ms(percentile(&times, 100.0))
    );

    let dir = tempfile::tempdir().unwrap();
    let (server, runtime, client) = signed_in_server(dir.path());
    std::thread::sleep(Duration::from_secs(2));
    let idle = rss_kib(server.child.id());
    println!(
        "idle RSS after setup and sign-in: {:.1} MB   target <= 40 MB",
        idle as f64 / 1024.0
    );

    let anonymous = reqwest::Client::builder().build().unwrap();
    let (lat, err) = runtime.block_on(constant_rate(
        anonymous,
        format!("{}/login", server.base),
        RATE_PER_SECOND,
        seconds(10),
    ));
    report(
        "GET /login (anonymous)",
        RATE_PER_SECOND,
        seconds(10),
        &lat,
        err,
    );
    let (lat, err) = runtime.block_on(constant_rate(
        client,
        format!("{}/facility", server.base),
        RATE_PER_SECOND,
        seconds(10),
    ));
    report(
        "GET /facility (signed in)",
        RATE_PER_SECOND,
        seconds(10),
        &lat,
        err,
    );
    println!(
        "RSS after load: {:.1} MB",
        rss_kib(server.child.id()) as f64 / 1024.0
    );
}

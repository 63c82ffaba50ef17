//! Speed of the checklist over a large hospital's ledger (10,000 devices), against the release
//! binary: the form page with every suggestion worked out from the data, the year's overview,
//! and the whole inspection pack written by `mamori checklist pack`.
//! Run with `bash bench/run.sh` (or `cargo bench -p mamori --bench checklist`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;
use std::time::Instant;

use common::*;

/// One person (or a few) working through the checklist, then a crowd for headroom.
const RATES: [u64; 2] = [10, 50];

async fn post(
    client: &reqwest::Client,
    base: &str,
    page: &str,
    action: &str,
    form: &[(&str, &str)],
) -> String {
    let body = get_text(client, &format!("{base}{page}")).await;
    let mut fields: Vec<(&str, String)> = vec![("_csrf", csrf(&body))];
    fields.extend(form.iter().map(|(k, v)| (*k, v.to_string())));
    let response = client
        .post(format!("{base}{action}"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        303,
        "{action}: {}",
        response.text().await.unwrap()
    );
    response.headers()["location"].to_str().unwrap().to_string()
}

fn main() {
    init("checklist");
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.xlsx");
    workbook(&ledger, 1);
    let data = dir.path().join("data");
    let (server, runtime, client) = signed_in_server(&data);
    let (_, said) = timed_import(&data, &ledger);
    println!("ledger: {said}");
    let base = server.base.clone();
    let form = runtime.block_on(async {
        for i in 0..20 {
            let name = format!("保守VPN-{i:02}");
            let restricted = if i % 4 == 0 { "no" } else { "yes" };
            post(
                &client,
                &base,
                "/connections/new",
                "/connections",
                &[
                    ("name", &name),
                    ("connection_kind", "ssl-vpn"),
                    ("purpose", "remote-maintenance"),
                    ("installed_by", "ベンチマーク保守"),
                    ("source_restricted", restricted),
                    ("authentication", "password"),
                ],
            )
            .await;
        }
        let form = post(
            &client,
            &base,
            "/checklist?year=2025",
            "/checklist/start",
            &[("year", "2025"), ("version", "r7")],
        )
        .await;
        for (item, answer, target) in [
            ("1①", "yes", ""),
            ("2①", "no", "2026-02-01"),
            ("2⑬", "yes", ""),
            ("2⑥", "no", "2026-03-01"),
        ] {
            post(
                &client,
                &base,
                &form,
                &format!("{form}/answer"),
                &[
                    ("item", item),
                    ("answer1", answer),
                    ("date1", "2025-06-01"),
                    ("target_date", target),
                ],
            )
            .await;
        }
        form
    });
    // The page must really hold the suggestions being measured.
    let page = runtime.block_on(async {
        client
            .get(format!("{base}{form}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    assert!(
        page.contains("接続元制限のない外部接続点が 5 件あります"),
        "suggestions missing"
    );
    assert!(
        page.contains("「はい」と回答されていますが"),
        "disagreement missing"
    );

    // To look into the data by hand: MAMORI_BENCH_KEEP=1 keeps the folder and stops here.
    if std::env::var("MAMORI_BENCH_KEEP").is_ok() {
        println!("kept data folder: {}", data.display());
        std::mem::forget(dir);
        return;
    }
    for (name, path, rate) in [
        ("GET checklist form page", form.clone(), RATES[0]),
        ("GET checklist form page", form.clone(), RATES[1]),
        (
            "GET /checklist?year=2025",
            "/checklist?year=2025".to_string(),
            RATES[0],
        ),
    ] {
        let (lat, err) = runtime.block_on(constant_rate(
            client.clone(),
            format!("{base}{path}"),
            rate,
            seconds(10),
        ));
        report(name, rate, seconds(10), &lat, err);
        println!(
            "{:<28} target p99 <= 100 ms -> {:.2}x of the target",
            "",
            percentile(&lat, 99.0).as_secs_f64() / 0.1
        );
    }

    // The inspection pack, end to end: process start, every form, ledger summary, xlsx, files.
    let mut times = Vec::new();
    for run in 0..5 {
        let out_dir = dir.path().join(format!("pack-{run}"));
        let start = Instant::now();
        let out = Command::new(BIN)
            .args(["--data"])
            .arg(&data)
            .args(["checklist", "pack", "--year", "2025", "--out"])
            .arg(&out_dir)
            .env("MAMORI_LOG", "warn")
            .env("MAMORI_ADMIN_TWO_FACTOR", "false")
            .output()
            .unwrap();
        times.push(start.elapsed());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if run == 0 {
            let html = std::fs::metadata(out_dir.join("checklist-pack-2025.html"))
                .unwrap()
                .len();
            println!("pack: HTML {:.0} KB", html as f64 / 1024.0);
        }
    }
    times.sort();
    println!(
        "mamori checklist pack (5 runs):      median {} max {}   target <= 1000 ms -> {:.2}x",
        ms(times[2]),
        ms(times[4]),
        times[4].as_secs_f64() / 1.0
    );
    println!(
        "server RSS after the load: {:.1} MB",
        rss_kib(server.child.id()) as f64 / 1024.0
    );
}

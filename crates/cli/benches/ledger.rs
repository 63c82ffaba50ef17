//! Speed of the ledger at the size of a large hospital, against the release binary:
//! importing a 10,000-row xlsx end to end, the filtered device list at 100 requests/s over
//! 10,000 devices, and an nmap diff of a 1,000-host scan against those devices.
//! Run with `bash bench/run.sh` (or `cargo bench -p mamori --bench ledger`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use common::*;
use mamori_app::ledger::discovery::{self, SeenHost};
use mamori_app::ledger::model::{DEVICES, Record};

const RATE: u64 = 100;

fn nmap_xml() -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\"?>\n<nmaprun scanner=\"nmap\" args=\"nmap -sV -O -oX scan.xml 10.1.0.0/16\" start=\"1700000000\" version=\"7.94\">\n",
    );
    for h in 0..scan_hosts() {
        // Most hosts are in the ledger; one in ten is a stranger.
        let i = if h % 10 == 9 { 200_000 + h } else { h * 7 };
        xml.push_str(&format!(
            "<host><status state=\"up\"/><address addr=\"{}\" addrtype=\"ipv4\"/><address addr=\"{}\" addrtype=\"mac\"/><hostnames><hostname name=\"host-{i:05}\"/></hostnames><ports><port protocol=\"tcp\" portid=\"445\"><state state=\"open\"/><service name=\"microsoft-ds\"/></port><port protocol=\"tcp\" portid=\"3389\"><state state=\"open\"/><service name=\"ms-wbt-server\"/></port></ports><os><osmatch name=\"Microsoft Windows 10\" accuracy=\"98\"/></os></host>\n",
            ip(i),
            mac(i)
        ));
    }
    xml.push_str("</nmaprun>\n");
    xml
}

fn devices_in_memory() -> Vec<Record> {
    (0..devices_count())
        .map(|i| {
            let cells = row(i, 1);
            let fields = [
                ("asset_number", 0),
                ("name", 2),
                ("hostname", 10),
                ("ip_addresses", 11),
                ("mac_addresses", 12),
            ];
            let values = DEVICES
                .validate(&|f| {
                    if f == "kind" {
                        return if i % 20 == 0 { "server" } else { "pc" }.into();
                    }
                    fields
                        .iter()
                        .find(|(name, _)| *name == f)
                        .map(|(_, c)| cells[*c].clone())
                        .unwrap_or_default()
                })
                .unwrap();
            Record {
                id: i as i64 + 1,
                values,
                ..Record::default()
            }
        })
        .collect()
}

/// Hosts in the generated scan (50 in a smoke run).
fn scan_hosts() -> usize {
    if smoke() { 50 } else { 1_000 }
}

fn main() {
    init("ledger");
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("ledger.xlsx");
    let second = dir.path().join("ledger-updated.xlsx");
    workbook(&first, 1);
    workbook(&second, 2);
    println!(
        "workbook: {} rows x {} columns, {:.1} MB",
        devices_count(),
        HEADERS.len(),
        std::fs::metadata(&first).unwrap().len() as f64 / 1e6
    );

    // Import, end to end: process start, read the workbook, map, check, write, audit, commit.
    let data = dir.path().join("data");
    let (server, runtime, client) = signed_in_server(&data);
    let (took, said) = timed_import(&data, &first);
    println!(
        "import 10,000 new rows (xlsx):      {}   target <= 2000 ms   [{said}]",
        ms(took)
    );
    let (took, said) = timed_import(&data, &first);
    println!(
        "re-import, all unchanged:           {}   [{said}]",
        ms(took)
    );
    let (took, said) = timed_import(&data, &second);
    println!(
        "re-import, every row changed:       {}   [{said}]",
        ms(took)
    );

    // The device list with filters, at a fixed rate.
    for (name, query) in [
        (
            "GET /ledger?kind&department",
            "/ledger?kind=pc&department=%E5%86%85%E7%A7%91",
        ),
        ("GET /ledger?q=host-0123", "/ledger?q=host-0123"),
    ] {
        let (lat, err) = runtime.block_on(constant_rate(
            client.clone(),
            format!("{}{query}", server.base),
            RATE,
            seconds(10),
        ));
        report(name, RATE, seconds(10), &lat, err);
        println!("{:<28} target p99 <= 50 ms", "");
    }
    println!(
        "server RSS after the load: {:.1} MB",
        rss_kib(server.child.id()) as f64 / 1024.0
    );
    drop(server);

    // Discovery diff: parse the scan and compare it with 10,000 devices.
    let xml = nmap_xml();
    let devices = devices_in_memory();
    let mut times = Vec::new();
    let mut summary = String::new();
    for _ in 0..20 {
        let start = Instant::now();
        let scan = mamori_formats::nmap::parse(xml.as_bytes()).unwrap();
        let hosts = SeenHost::from_scan(&scan);
        let scope = discovery::scope(&scan.args, &hosts);
        let diff = discovery::diff(
            &hosts,
            &scope,
            &devices,
            &[],
            &HashSet::new(),
            &HashMap::new(),
        );
        times.push(start.elapsed());
        summary = format!(
            "{} unregistered, {} missing, {} changed, {} risky",
            diff.unregistered.len(),
            diff.missing.len(),
            diff.changed.len(),
            diff.risky.len()
        );
    }
    times.sort();
    println!(
        "nmap diff, 1,000 hosts vs 10,000 devices (parse + diff, 20 runs): median={} max={}   target <= 200 ms   [{summary}]",
        ms(percentile(&times, 50.0)),
        ms(percentile(&times, 100.0))
    );
}

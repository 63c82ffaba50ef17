//! The parsers against real public files in ../shared/data (never copied into the repository).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use mamori_formats::nmap::{self, NmapError};

/// The shared data folder, or None (skipping, with a message) when it is absent outside CI.
fn shared(sub: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(sub);
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but {} is missing", dir.display());
    }
    eprintln!(
        "SKIPPED: {} is absent (the shared data folder sits beside the project)",
        dir.display()
    );
    None
}

#[test]
fn every_libnmap_scan_parses_with_the_expected_hosts_and_ports() {
    let Some(dir) = shared("nmap/python-libnmap") else {
        return;
    };
    // (file, hosts, ports, open ports, MAC addresses), counted independently of this parser.
    let expected = [
        ("1_host_ping.xml", 1, 0, 0, 1),
        ("1_hosts.xml", 1, 5, 5, 0),
        ("1_hosts_banner_ports.xml", 1, 4, 2, 0),
        ("1_hosts_banner_ports_xmas.xml", 1, 4, 0, 0),
        ("1_hosts_down.xml", 1, 0, 0, 0),
        ("1_os_banner_scripts.xml", 1, 8, 8, 0),
        ("2_hosts_achange.xml", 2, 9, 7, 0),
        ("2_null_hosts.xml", 2, 0, 0, 0),
        ("diff_1_host_ping_mac_changed.xml", 1, 0, 0, 1),
        ("dionaea_scan.xml", 1, 16, 16, 1),
        ("full_sudo5.xml", 256, 11, 11, 3),
        ("full_sudo6.xml", 256, 12, 12, 3),
        ("fullscan.xml", 256, 9, 9, 0),
        ("os_scan5.xml", 256, 11, 11, 3),
        ("os_scan6.xml", 256, 11, 11, 2),
    ];
    for (file, hosts, ports, open, macs) in expected {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let scan = nmap::parse(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        let got = (
            scan.hosts.len(),
            scan.hosts.iter().map(|h| h.ports.len()).sum::<usize>(),
            scan.hosts
                .iter()
                .map(|h| h.open_ports().count())
                .sum::<usize>(),
            scan.hosts.iter().filter(|h| h.mac().is_some()).count(),
        );
        assert_eq!(got, (hosts, ports, open, macs), "{file}");
    }
    // Every nmap file in the folder parses.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".xml") && !name.starts_with("defused_") && name != "test_osclass.xml" {
            nmap::parse(&std::fs::read(&path).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

/// test_osclass.xml was hand-edited (its address reads "IP"): refused, saying where.
#[test]
fn an_edited_scan_is_refused_with_its_line() {
    let Some(dir) = shared("nmap/python-libnmap") else {
        return;
    };
    let bytes = std::fs::read(dir.join("test_osclass.xml")).unwrap();
    assert_eq!(
        nmap::parse(&bytes),
        Err(NmapError::BadValue {
            line: 14,
            element: "address",
            attribute: "addr",
            value: "IP".into()
        })
    );
}

#[test]
fn os_detection_and_services_are_read() {
    let Some(dir) = shared("nmap/python-libnmap") else {
        return;
    };
    let scan = nmap::parse(&std::fs::read(dir.join("os_scan6.xml")).unwrap()).unwrap();
    let with_os = scan.hosts.iter().filter(|h| h.best_os().is_some()).count();
    assert!(with_os > 0, "no OS guesses read");
    let windows = scan
        .hosts
        .iter()
        .flat_map(|h| &h.os_matches)
        .flat_map(|m| &m.classes)
        .any(|c| c.vendor == "Microsoft" && c.family == "Windows");
    assert!(windows);
    let scan = nmap::parse(&std::fs::read(dir.join("1_os_banner_scripts.xml")).unwrap()).unwrap();
    let services: Vec<_> = scan.hosts[0]
        .ports
        .iter()
        .filter_map(|p| p.service.as_ref())
        .collect();
    assert!(
        services.iter().any(|s| !s.product.is_empty()),
        "{services:?}"
    );
    assert!(scan.hosts[0].ports.iter().any(|p| !p.scripts.is_empty()));
}

#[test]
fn xxe_test_inputs_are_rejected_safely() {
    let Some(dir) = shared("nmap/python-libnmap") else {
        return;
    };
    let includer = std::fs::read(dir.join("defused_et_local_includer.xml")).unwrap();
    assert!(matches!(nmap::parse(&includer), Err(NmapError::Dtd { .. })));
    let included = std::fs::read(dir.join("defused_et_included.xml")).unwrap();
    assert_eq!(
        nmap::parse(&included),
        Err(NmapError::NotNmap("root".into()))
    );
}

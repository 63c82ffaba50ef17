//! The parsers against real public files in ../shared/data (never copied into the repository).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::shared;
use mamori_formats::nmap::{self, NmapError};

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

#[test]
fn the_kev_catalog_reads_the_same_from_json_and_csv() {
    let Some(dir) = shared("kev") else {
        return;
    };
    let json = mamori_formats::kev::parse(
        &std::fs::read(dir.join("known_exploited_vulnerabilities.json")).unwrap(),
    )
    .unwrap();
    let csv = mamori_formats::kev::parse(
        &std::fs::read(dir.join("known_exploited_vulnerabilities.csv")).unwrap(),
    )
    .unwrap();
    assert_eq!(json.version, "2025.08.25");
    assert_eq!(json.entries.len(), 1404, "the catalog's own count");
    assert_eq!(csv.entries.len(), json.entries.len());
    assert_eq!(json.entries.iter().filter(|e| e.ransomware).count(), 293);
    let handa = json
        .entries
        .iter()
        .find(|e| e.cve_id == "CVE-2018-13379")
        .unwrap();
    assert!(handa.ransomware && handa.product == "FortiOS");
    let differing = json
        .entries
        .iter()
        .zip(&csv.entries)
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(differing, 0, "JSON and CSV hold the same entries");
    // Cut short anywhere, the file is refused with a place, never half-read.
    let bytes = std::fs::read(dir.join("known_exploited_vulnerabilities.json")).unwrap();
    let e = mamori_formats::kev::parse(&bytes[..bytes.len() / 3]).unwrap_err();
    assert!(e.place.starts_with("line "), "{e}");
}

fn gunzip(path: &std::path::Path) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn nvd_data_reads_in_every_shape() {
    let Some(dir) = shared("nvd") else {
        return;
    };
    use mamori_formats::nvd::{self, Operator};
    // Single 2.0 CVE objects: the FortiOS SSL-VPN vulnerabilities in KEV.
    let handa =
        nvd::parse(&std::fs::read(dir.join("api-2.0-per-cve/CVE-2018-13379.json")).unwrap())
            .unwrap();
    let cve = &handa.cves[0];
    assert_eq!(cve.cvss.as_ref().map(|c| c.score), Some(9.8));
    let ranges: Vec<(&str, &str)> = cve
        .configurations
        .iter()
        .flat_map(|c| c.nodes.iter())
        .flat_map(|n| n.matches.iter())
        .filter(|m| m.criteria.starts_with("cpe:2.3:o:fortinet:fortios:"))
        .map(|m| {
            (
                m.version_start_including.as_str(),
                m.version_end_excluding.as_str(),
            )
        })
        .collect();
    for range in [("5.4.6", "5.4.13"), ("5.6.3", "5.6.8"), ("6.0.0", "6.0.5")] {
        assert!(ranges.contains(&range), "{range:?} in {ranges:?}");
    }
    for file in ["CVE-2023-27997.json", "CVE-2024-21762.json"] {
        let feed =
            nvd::parse(&std::fs::read(dir.join("api-2.0-per-cve").join(file)).unwrap()).unwrap();
        assert_eq!(feed.cves.len(), 1, "{file}");
        assert!(!feed.cves[0].configurations.is_empty(), "{file}");
    }
    // Real API 2.0 response pages.
    let page = nvd::parse(&gunzip(&dir.join("api-2.0-responses/cves-2023.json.gz"))).unwrap();
    assert_eq!(page.format, "2.0");
    assert!(!page.timestamp.is_empty());
    assert_eq!(page.cves.len(), 200);
    assert!(
        page.cves
            .iter()
            .any(|c| c.configurations.iter().any(|k| k.operator == Operator::And))
    );
    let old = nvd::parse(&gunzip(&dir.join("api-2.0-responses/cves-1999.json.gz"))).unwrap();
    assert!(!old.cves.is_empty());
    // The legacy 1.1 yearly feed: every CVE of 2018.
    let year = nvd::parse(&gunzip(&dir.join("feeds-1.1/nvdcve-1.1-2018.json.gz"))).unwrap();
    assert_eq!((year.format, year.cves.len()), ("1.1", 16_386));
    assert_eq!(year.timestamp, "2020-09-17T07:46Z");
    let fortios = year.cves.iter().find(|c| c.id == "CVE-2018-13379").unwrap();
    assert!(fortios.description.contains("FortiOS"));
    // Cut short: refused with the place.
    let bytes = std::fs::read(dir.join("api-2.0-per-cve/CVE-2024-21762.json")).unwrap();
    let e = nvd::parse(&bytes[..bytes.len() / 2]).unwrap_err();
    assert!(e.place.starts_with("line "), "{e}");
}

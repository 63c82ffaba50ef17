//! The CPE dictionary readers and the CPE suggestions against NVD's real files in
//! ../shared/data (never copied into the repository): the official XML dictionary as of
//! 2015-10 and a CPE API 2.0 response from 2023.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::io::{BufReader, Read};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Instant;

use common::shared;
use mamori_formats::cpe_dictionary::{self, DictionaryError, Item, Summary};
use mamori_formats::cpe_suggest::{Catalogue, Device, Product, Suggestion, distinct_products};

fn dictionary_path() -> Option<PathBuf> {
    Some(shared("cpe")?.join("official-cpe-dictionary_v2.3.xml.gz"))
}

fn gunzip(path: &PathBuf) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).expect("open"))
        .read_to_end(&mut out)
        .expect("gunzip");
    out
}

/// The whole dictionary, read once for all tests of this file.
fn dictionary() -> Option<&'static (Summary, Vec<Item>)> {
    static READ: OnceLock<Option<(Summary, Vec<Item>)>> = OnceLock::new();
    READ.get_or_init(|| {
        let path = dictionary_path()?;
        let file = BufReader::new(std::fs::File::open(&path).expect("open"));
        let mut items = Vec::new();
        let started = Instant::now();
        let summary = cpe_dictionary::read_xml::<DictionaryError>(
            BufReader::new(flate2::bufread::GzDecoder::new(file)),
            |item| {
                items.push(item);
                Ok(())
            },
        )
        .expect("the dictionary reads");
        eprintln!(
            "read {} items from the gzipped dictionary in {:?}",
            items.len(),
            started.elapsed()
        );
        Some((summary, items))
    })
    .as_ref()
}

fn catalogue() -> Option<&'static Catalogue> {
    static BUILT: OnceLock<Option<Catalogue>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let (_, items) = dictionary()?;
            let started = Instant::now();
            let products = distinct_products(items.iter().filter_map(Product::from_item));
            let catalogue = Catalogue::new(products);
            eprintln!(
                "catalogue of {} products built in {:?}",
                catalogue.len(),
                started.elapsed()
            );
            Some(catalogue)
        })
        .as_ref()
}

#[test]
fn the_whole_xml_dictionary_reads() {
    let Some((summary, items)) = dictionary() else {
        return;
    };
    assert_eq!(summary.items, 101_371);
    assert_eq!(items.len(), 101_371);
    assert_eq!(summary.timestamp, "2015-10-14T03:50:00.163Z");
    assert_eq!(summary.product_version, "3.0");
    assert_eq!(summary.paging, None);
    // Counted independently with grep: deprecated="true" 1,532 times, ja-JP titles 5,949.
    assert_eq!(items.iter().filter(|i| i.deprecated).count(), 1_532);
    assert_eq!(
        items.iter().filter(|i| !i.title_ja.is_empty()).count(),
        5_949
    );
    assert!(items.iter().all(|i| !i.title_en.is_empty()));
    // The data README: 19 FortiOS versions.
    let fortios: BTreeSet<&str> = items
        .iter()
        .filter_map(|i| i.cpe23.strip_prefix("cpe:2.3:o:fortinet:fortios:"))
        .map(|rest| rest.split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(fortios.len(), 19, "{fortios:?}");
    assert_eq!(fortios.first(), Some(&"4.3.10"));
    assert_eq!(fortios.last(), Some(&"5.2.2"));
    let first = items.first().unwrap();
    assert_eq!(
        first.cpe23,
        r"cpe:2.3:a:\$0.99_kindle_books_project:\$0.99_kindle_books:6:*:*:*:*:android:*:*"
    );
    let tipping = items
        .iter()
        .find(|i| i.cpe23 == "cpe:2.3:o:3com:tippingpoint_ips_tos:2.2.1.6506:*:*:*:*:*:*:*")
        .unwrap();
    assert_eq!(
        tipping.title_ja,
        "スリーコム TippingPoint IPS TOS 2.2.1.6506"
    );
}

#[test]
fn a_cpe_api_response_reads() {
    let Some(dir) = shared("nvd/api-2.0-responses") else {
        return;
    };
    let bytes = gunzip(&dir.join("cpes-2023.json.gz"));
    let (summary, items) = cpe_dictionary::parse_api_products(&bytes).unwrap();
    assert_eq!(summary.timestamp, "2023-07-31T18:32:08.920");
    assert_eq!(summary.product_version, "2.0");
    assert_eq!(summary.paging, Some((1_121_454, 0, 10_000)));
    assert_eq!((summary.items, items.len()), (10_000, 10_000));
    // Counted independently with Python's json module.
    assert_eq!(items.iter().filter(|i| !i.title_ja.is_empty()).count(), 331);
    assert_eq!(items.iter().filter(|i| i.deprecated).count(), 1_128);
    let daemon = items
        .iter()
        .find(|i| i.cpe23 == "cpe:2.3:a:3com:3cdaemon:-:*:*:*:*:*:*:*")
        .unwrap();
    assert_eq!(daemon.title_en, "3Com 3CDaemon");
    assert_eq!(daemon.title_ja, "スリーコム 3CDaemon");

    // Cut short: the error gives the line and column.
    let e = cpe_dictionary::parse_api_products(&bytes[..bytes.len() / 2]).unwrap_err();
    assert!(e.place.starts_with("line 1, column "), "{e}");
    assert!(e.message.contains("cut short"), "{e}");
    // A CVE response is not a CPE one.
    let cves = gunzip(&dir.join("cves-2023.json.gz"));
    let e = cpe_dictionary::parse_api_products(&cves).unwrap_err();
    assert!(e.to_string().contains("CPE API"), "{e}");
}

fn read_bytes(xml: &[u8]) -> Result<usize, DictionaryError> {
    let mut n = 0;
    cpe_dictionary::read_xml::<DictionaryError>(xml, |_| {
        n += 1;
        Ok(())
    })?;
    Ok(n)
}

#[test]
fn broken_xml_is_refused_with_its_place() {
    let Some(path) = dictionary_path() else {
        return;
    };
    let xml = gunzip(&path);
    // Cut in the middle of the file: the items before are handed over, then the error says
    // which item the file ends in.
    let cut = &xml[..xml.len() / 2];
    let mut seen = 0;
    let e = cpe_dictionary::read_xml::<DictionaryError>(cut, |_| {
        seen += 1;
        Ok(())
    })
    .unwrap_err();
    assert!(seen > 40_000, "{seen}");
    assert!(e.place.contains(&format!("item {}", seen + 1)), "{e}");
    assert!(
        e.message.contains("cut short") || e.message.contains("ends"),
        "{e}"
    );
    // A broken name is named with its item.
    let text = String::from_utf8(xml[..200_000].to_vec()).unwrap();
    let end = text.rfind("</cpe-item>").unwrap() + "</cpe-item>".len();
    let head = format!("{}\n</cpe-list>\n", &text[..end]);
    let n = read_bytes(head.as_bytes()).unwrap();
    assert!(n > 100, "{n}");
    let broken = head.replacen(
        "cpe:2.3:a:1024cms:1024_cms:0.7:*:*:*:*:*:*:*",
        "cpe:2.3:a:1024cms:1024_cms:0.7:*:*:*:*:*:*",
        1,
    );
    let e = read_bytes(broken.as_bytes()).unwrap_err();
    assert!(
        e.place.starts_with("byte ") && e.place.ends_with("item 2 (cpe:/a:1024cms:1024_cms:0.7)"),
        "{e}"
    );
    assert!(e.message.contains("expected 13 components"), "{e}");
    // Mismatched tags.
    let mismatched = head.replacen("</title>", "</titel>", 1);
    let e = read_bytes(mismatched.as_bytes()).unwrap_err();
    assert!(e.place.contains("item 1 "), "{e}");
    // A DOCTYPE with an entity (a "billion laughs" start) is refused before any item.
    let laughs = head.replacen(
        "<cpe-list ",
        "<!DOCTYPE cpe-list [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]>\n<cpe-list ",
        1,
    );
    let mut called = false;
    let e = cpe_dictionary::read_xml::<DictionaryError>(laughs.as_bytes(), |_| {
        called = true;
        Ok(())
    })
    .unwrap_err();
    assert!(!called);
    assert!(e.message.contains("DOCTYPE"), "{e}");
    // Another XML file.
    let Some(nmap) = shared("nmap/python-libnmap") else {
        return;
    };
    let scan = std::fs::read(nmap.join("1_hosts.xml")).unwrap();
    let e = read_bytes(&scan).unwrap_err();
    assert!(e.message.contains("not the CPE dictionary"), "{e}");
}

fn suggest(maker: &str, model: &str, os_name: &str, os_version: &str) -> Vec<Suggestion> {
    let Some(catalogue) = catalogue() else {
        return Vec::new();
    };
    let device = Device {
        maker,
        model,
        os_name,
        os_version,
    };
    catalogue.suggest(&device, 10)
}

fn first(all: &[Suggestion], part: char) -> &Suggestion {
    all.iter()
        .find(|s| s.part == part)
        .unwrap_or_else(|| panic!("no '{part}' suggestion in {all:#?}"))
}

#[test]
fn fortinet_suggestions() {
    let Some(catalogue) = catalogue() else {
        return;
    };
    // 13,557 distinct part:vendor:product in the items; deprecated items leave out 16 more.
    assert!(
        (13_000..13_557).contains(&catalogue.len()),
        "{}",
        catalogue.len()
    );
    for maker in ["Fortinet", "フォーティネット"] {
        let all = suggest(maker, "FortiGate 60E", "FortiOS", "6.0.4");
        let os = first(&all, 'o');
        assert_eq!(os.cpe23, "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*");
        assert!(os.score > 0.99, "{os:?}");
        assert_eq!(os.why[0], format!("vendor fortinet matches maker {maker}"));
        // The 2015 dictionary has no FortiGate 60E; the nearest hardware is the 60C, below
        // a full match.
        let hw = first(&all, 'h');
        assert_eq!(hw.cpe23, "cpe:2.3:h:fortinet:fortigate-60c:-:*:*:*:*:*:*:*");
        assert!(hw.score < 0.8, "{hw:?}");
        assert!(hw.why[1].contains("60e≈60c"), "{hw:?}");
    }
    // The abbreviation finds FortiGate hardware only weakly (by "60"), above the maker's
    // other products.
    let short = suggest("Fortinet", "FG-60E", "", "");
    let hw = first(&short, 'h');
    assert_eq!(hw.product, "fortigate-60c", "{short:#?}");
    assert!(hw.score < 0.4, "{hw:?}");
}

#[test]
fn unknown_maker_scores_lower() {
    let Some(_) = catalogue() else {
        return;
    };
    let known = suggest("Fortinet", "FortiGate 60E", "FortiOS", "6.0.4");
    for maker in ["", "不明"] {
        let unknown = suggest(maker, "FortiGate 60E", "FortiOS", "6.0.4");
        let os = first(&unknown, 'o');
        assert_eq!(os.cpe23, "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*");
        assert!(os.score < first(&known, 'o').score * 0.7, "{os:?}");
        assert!(os.why[0].contains("not confirmed"), "{os:?}");
    }
}

#[test]
fn cisco_asa_suggestions() {
    let Some(_) = catalogue() else {
        return;
    };
    let all = suggest("Cisco", "ASA 5506-X", "ASA Software 9.8(4)15", "");
    let top: Vec<String> = all
        .iter()
        .map(|s| format!("{}:{}:{}", s.part, s.vendor, s.product))
        .collect();
    // NVD files ASA software both as o and a (CVE configurations use the a name); both are
    // offered first, ahead of the hardware nearest the 5506-X (the 2015 dictionary has no
    // 5506-X; the 5585-X shares "asa", "x" and the "55").
    assert_eq!(
        top[..2],
        [
            "o:cisco:adaptive_security_appliance_software",
            "a:cisco:adaptive_security_appliance_software"
        ],
        "{all:#?}"
    );
    assert!(all.iter().all(|s| s.vendor == "cisco"));
    let hw = first(&all, 'h');
    assert_eq!(hw.product, "asa_5585-x", "{all:#?}");
    assert!(hw.score < 0.8, "{hw:?}");
    assert_eq!(
        all[1].cpe23,
        "cpe:2.3:a:cisco:adaptive_security_appliance_software:*:*:*:*:*:*:*:*"
    );
}

#[test]
fn windows_server_on_a_fujitsu_server() {
    let Some(_) = catalogue() else {
        return;
    };
    let device = Device {
        maker: "富士通",
        model: "PRIMERGY RX2540 M4",
        os_name: "Windows Server 2019",
        os_version: "",
    };
    let all = catalogue().unwrap().suggest(&device, 100);
    // The 2015 dictionary predates Windows Server 2019 (and has no PRIMERGY): the nearest
    // are offered, 2012 before 2008, as partial matches; microsoft is trusted through the OS
    // name although the maker is Fujitsu.
    let os = first(&all, 'o');
    assert_eq!(
        os.cpe23,
        "cpe:2.3:o:microsoft:windows_server_2012:*:*:*:*:*:*:*:*"
    );
    assert!(os.score < 0.9, "{os:?}");
    assert_eq!(
        os.why[0],
        "vendor microsoft is implied by OS Windows Server 2019"
    );
    assert!(all.iter().any(|s| s.product == "windows_server_2008"));
    // Of Fujitsu's own products, one shares "server".
    let fujitsu: Vec<&Suggestion> = all.iter().filter(|s| s.vendor == "fujitsu").collect();
    assert_eq!(
        fujitsu[0].product, "interstage_application_server",
        "{fujitsu:#?}"
    );
    // Without the OS, the 2015 dictionary has nothing like a PRIMERGY: Fujitsu's products
    // are offered for the maker alone, low.
    let all = suggest("富士通", "PRIMERGY RX2540 M4", "", "");
    assert_eq!(all.len(), 10);
    for s in &all {
        assert_eq!(s.vendor, "fujitsu");
        assert!(s.score <= 0.1, "{s:#?}");
        assert_eq!(
            s.why[..2],
            [
                "vendor fujitsu matches maker 富士通",
                "no word of the model or OS name matches this product"
            ]
        );
    }
}

#[test]
fn japanese_maker_names() {
    let Some(_) = catalogue() else {
        return;
    };
    for maker in ["富士通", "富士通株式会社", "ﾌｼﾞﾂｳ", "ＦＵＪＩＴＳＵ"]
    {
        let all = suggest(maker, "ScanSnap S1500", "", "");
        assert_eq!(
            all[0].cpe23, "cpe:2.3:h:fujitsu:scansnap_s1500:-:*:*:*:*:*:*:*",
            "{maker}: {all:#?}"
        );
        assert!(all[0].score > 0.99, "{maker}: {:?}", all[0]);
        assert_eq!(
            all[0].why[0],
            format!("vendor fujitsu matches maker {maker}")
        );
    }
    let all = suggest("ヤマハ", "RTX1200", "", "");
    assert_eq!(all[0].cpe23, "cpe:2.3:o:yamaha:rtx1200:*:*:*:*:*:*:*:*");
    let all = suggest("バッファロー", "WHR-300HP2", "", "");
    assert_eq!(all[0].vendor, "buffalotech", "{all:#?}");
    assert_eq!(all[0].product, "whr-300hp2");
    let all = suggest("", "Windows 10 Pro 22H2", "", "");
    assert_eq!(all[0].product, "windows_10", "{all:#?}");
}

/// Suggestions are indexed lookups: each takes a small fraction of the 10 ms budget even in
/// an unoptimised build (the time is printed, not asserted, since machines differ).
#[test]
fn suggestion_time() {
    let Some(catalogue) = catalogue() else {
        return;
    };
    let devices = [
        ("Fortinet", "FortiGate 60E", "FortiOS", "6.0.4"),
        ("富士通", "PRIMERGY RX2540 M4", "Windows Server 2019", ""),
        ("Cisco", "ASA 5506-X", "ASA Software 9.8(4)15", ""),
        ("NEC", "Express5800", "", ""),
        ("Microsoft", "", "Windows 10 Pro 22H2", ""),
        ("Pulse Secure", "Pulse Connect Secure 9.0R3", "", ""),
        ("", "server", "linux", ""),
    ];
    let started = Instant::now();
    let rounds = 20;
    for _ in 0..rounds {
        for (maker, model, os_name, os_version) in devices {
            let device = Device {
                maker,
                model,
                os_name,
                os_version,
            };
            assert!(!catalogue.suggest(&device, 10).is_empty(), "{device:?}");
        }
    }
    eprintln!(
        "{:?} per suggestion over {} products",
        started.elapsed() / (rounds * devices.len() as u32),
        catalogue.len()
    );
}

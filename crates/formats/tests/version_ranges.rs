//! Version ordering and NVD range containment, as tables ported from public test data (each
//! table cites its file; the files are never copied into the repository), plus the firmware
//! styles seen on hospital equipment.
//!
//! Data: `shared/data/version-ranges/univers/` (aboutcode univers, Apache-2.0) and
//! `shared/data/version-ranges/vuls-go-cve-dictionary/` (vulsio go-cve-dictionary, Apache-2.0).
//!
//! Skipped, because those ecosystems order versions by rules that contradict firmware ordering:
//! - univers `rpmvercmp.at`: rpm's `~` and `^`, and letter-versus-number segment rules.
//! - `schema/alpm_version_cmp.json` (pacman, built on rpmvercmp): epochs (`1:0.5` > `2.0`) and a
//!   missing package release equal to any (`1.5` = `1.5-1`), where `1.2.3-1` must sort after
//!   `1.2.3`.
//! - `schema/deb_version_python_pkg_test.json`: Debian epochs (`1:0.5` > `5.0`, `0:0.5` = `0.5`),
//!   which would read as more release parts here.
//! - `schema/maven_version_cmp.json`: Maven qualifier tables (`sp`, `cr`, `ga`, `final`,
//!   `1-1` < `1.1`, …).
//! - `schema/gentoo_version_cmp.json`: Gentoo keeps trailing zeros significant (`5` < `5.0`,
//!   `1.0` ≠ `1.0.0`) and reads `1.01` as a decimal fraction, against `6.0` = `6.0.0` and
//!   "leading zeros do not matter".
//! - `schema/alpine_version_cmp.json`: built from apk-tools' `test/version.data`, which univers
//!   marks GPL-2.0; left out so the repository's AGPL-3.0 licence stays clean.
//! - every `schema/range/*_from_native.json` (npm, nginx, openssl, conan, gem, nuget, pypi,
//!   gitlab/*), `schema/range/pypi_range_roundtrip.json`, `npm_advisory.json` and
//!   `test-suite-data.json`: they translate native range syntax into `vers:` strings; no version
//!   is ordered or tested for containment.
//! - `openssl/openssl_all_versions.txt`: the same versions as `openssl_versort_expected.json`,
//!   unsorted.
//! - vuls `fetcher_jvn_jvn_test.go` (JVN feed handling) and the parts of `db_db_test.go` that test
//!   CPE matching or constraint formatting rather than a version range.
//!
//! Single cases left out of a ported file are named beside its table.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::shared;

use std::cmp::Ordering::{self, Equal, Greater, Less};

use mamori_formats::version::{Range, compare, parse};

/// Checks lines of `a OP b` (OP one of `<`, `>`, `=`, `!=`), reporting every failure at once.
fn check_lines(source: &str, table: &str) -> usize {
    let mut failures = Vec::new();
    let mut count = 0;
    for line in table.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let [a, op, b] = line.split(' ').collect::<Vec<_>>()[..] else {
            panic!("{source}: malformed line {line:?}");
        };
        let got = compare(a, b);
        let ok = match op {
            "<" => got == Some(Less),
            ">" => got == Some(Greater),
            "=" => got == Some(Equal),
            "!=" => got.is_some_and(|o| o != Equal),
            _ => panic!("{source}: unknown operator in {line:?}"),
        };
        if !ok {
            failures.push(format!("{line} (got {got:?})"));
        }
        count += 1;
    }
    assert!(failures.is_empty(), "{source}:\n{}", failures.join("\n"));
    count
}

fn check_ordered(source: &str, cases: &[(&str, Ordering, &str)]) {
    let failures: Vec<String> = cases
        .iter()
        .filter(|(a, expected, b)| compare(a, b) != Some(*expected))
        .map(|(a, expected, b)| format!("{a:?} {expected:?} {b:?} (got {:?})", compare(a, b)))
        .collect();
    assert!(failures.is_empty(), "{source}:\n{}", failures.join("\n"));
}

/// `[start_including, start_excluding, end_including, end_excluding]`, "" for no bound.
fn range(bounds: [&str; 4]) -> Range {
    let [si, se, ei, ee] = bounds.map(String::from);
    Range {
        start_including: si,
        start_excluding: se,
        end_including: ei,
        end_excluding: ee,
    }
}

fn exactly(version: &str) -> [&str; 4] {
    [version, "", version, ""]
}

/// Whether any of the ranges holds the version, as an NVD configuration with several cpeMatch
/// entries for one product means; None when no range holds it and one cannot decide.
fn any_contains(ranges: &[[&str; 4]], version: &str) -> Option<bool> {
    let answers: Vec<Option<bool>> = ranges.iter().map(|r| range(*r).contains(version)).collect();
    if answers.contains(&Some(true)) {
        Some(true)
    } else if answers.contains(&None) {
        None
    } else {
        Some(false)
    }
}

/// (case name, ranges any of which may hold the version, version, expected answer)
type RangeCase<'a> = (&'a str, &'a [[&'a str; 4]], &'a str, Option<bool>);

fn check_ranges(source: &str, cases: &[RangeCase]) {
    let failures: Vec<String> = cases
        .iter()
        .filter(|(_, ranges, version, expected)| any_contains(ranges, version) != *expected)
        .map(|(name, ranges, version, expected)| {
            let got = any_contains(ranges, version);
            format!("{name}: {version:?} in {ranges:?}: expected {expected:?}, got {got:?}")
        })
        .collect();
    assert!(failures.is_empty(), "{source}:\n{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Firmware styles seen on hospital equipment (our own table).

#[test]
fn firmware_versions_order_as_their_vendors_mean() {
    check_ordered(
        "firmware",
        &[
            // Dotted numbers: by value, missing parts are zero.
            ("6.0.4", Less, "6.0.10"),
            ("6.0.10", Less, "6.2.0"),
            ("5.4.12", Greater, "5.4.6"),
            ("6.0", Equal, "6.0.0"),
            ("6", Equal, "6.0.0.0"),
            ("1.01", Equal, "1.1"),
            ("1.0010", Greater, "1.9"),
            // FortiOS builds: the release first, then the build.
            ("6.0.4 build0231", Equal, "v6.0.4,build0231"),
            ("6.0.4 build0231", Equal, "6.0.4-build0231"),
            ("6.0.4 build0231", Equal, "V6.0.4 Build 231"),
            ("v6.0.4 build0231 (GA)", Equal, "6.0.4 build0231"),
            ("v7.0.12 build0523 (Mature)", Equal, "7.0.12 build523"),
            ("6.0.4 build0231", Less, "6.0.4 build0232"),
            ("6.0.4 build0231", Greater, "6.0.3 build0300"),
            ("6.0.4 build0231", Less, "6.0.5 build0100"),
            ("6.0.4", Less, "6.0.4 build0231"),
            ("v6.0.4 (GA)", Equal, "6.0.4"),
            // Cisco ASA major.minor(maintenance)interim, as NVD writes it (9.8.4.15).
            ("9.8(4)15", Equal, "9.8.4.15"),
            ("9.8(4)", Less, "9.8(4)15"),
            ("9.8(4.1)", Equal, "9.8.4.1"),
            ("9.8(4)", Less, "9.8(4.1)"),
            ("9.8(4.1)", Less, "9.8(4)15"),
            ("9.8(4)15", Less, "9.8(4.20)"),
            ("9.8(4)15", Less, "9.8(5)"),
            ("9.8(4)40", Less, "9.12(1)"),
            // Cisco IOS trains and NX-OS letters.
            ("15.2(4)", Less, "15.2(4)M3"),
            ("15.2(4)M3", Less, "15.2(4)M10"),
            ("15.2(4)M10", Less, "15.2(5)"),
            ("15.2(7)E", Equal, "15.2(7)e"),
            ("12.2(33)SXI10", Less, "12.2(33)SXJ"),
            ("11.0(1b)", Less, "11.0(1c)"),
            ("11.0(1)", Less, "11.0(1b)"),
            // Pulse Secure / Ivanti: r is the release number.
            ("9.0r3", Less, "9.0r3.4"),
            ("9.0r3.4", Less, "9.0r4"),
            ("9.0r4", Less, "9.1r1"),
            ("9.0R3.4", Equal, "9.0r3.4"),
            ("9.0r1.0", Equal, "9.0r1"),
            ("9.0", Less, "9.0r1"),
            ("9.1r9", Less, "9.1R10.0"),
            ("9.1R1", Less, "9.1R11.3"),
            // Letters and pre-releases.
            ("1.0a", Less, "1.0b"),
            ("1.0", Less, "1.0a"),
            ("1.0z", Less, "1.0za"),
            ("1.0za", Less, "1.0.1"),
            ("2.0-alpha.2", Less, "2.0-beta"),
            ("2.0-beta", Less, "2.0rc1"),
            ("2.0rc1", Less, "2.0"),
            ("2.0-dev", Less, "2.0-alpha"),
            ("2.0-SNAPSHOT", Less, "2.0-alpha"),
            ("2.0-preview", Less, "2.0-rc"),
            ("2.0.0-beta", Equal, "2.0-beta"),
            ("1.9.9", Less, "2.0-beta"),
            ("2.0", Less, "2.0.1"),
            ("1.2.3", Less, "1.2.3-1"),
            ("1.2.3-1", Less, "1.2.4"),
            ("1.0.0.Final", Equal, "1.0"),
            ("7.4", Less, "7.4p1"),
            ("8u20", Less, "8u191"),
            ("1.8.0_20", Less, "1.8.0_191"),
            // Spelling: v, Ver., whitespace, separators, case, full-width digits.
            (" v6.0.4 ", Equal, "6.0.4"),
            ("Ver.6.0.4", Equal, "6.0.4"),
            ("Version 6.0.4", Equal, "6.0.4"),
            ("V6_0_4", Equal, "6-0-4"),
            ("６．０．４", Equal, "6.0.4"),
            ("1.0A", Equal, "1.0a"),
            // Schemes named before the first digit compare among themselves only.
            ("R80.30", Less, "r80.40"),
            ("R80.40", Less, "R81.10"),
        ],
    );
}

#[test]
fn versions_of_different_schemes_are_not_compared() {
    assert_eq!(compare("R80.30", "80.30"), None);
    assert_eq!(compare("esxi70u1c-17325551", "7.0.0"), None);
}

#[test]
fn placeholders_do_not_parse() {
    for text in [
        "",
        "   ",
        "*",
        "-",
        "n/a",
        "NA",
        "1.*",
        "6.0.*",
        "v",
        "ＡＢＣ",
    ] {
        assert!(parse(text).is_none(), "{text:?} parsed");
        assert_eq!(compare(text, "1.0"), None, "{text:?}");
        assert_eq!(compare("1.0", text), None, "{text:?}");
    }
}

#[test]
fn odd_input_never_panics() {
    let tricky = [
        "9.8(4)15",
        "v6.0.4,build0231 (GA)",
        "15.2(4)M3",
        "9.0R3.4",
        "１．０ａ　ｂｕｉｌｄ１",
        "é1.0ü\u{0}\u{FFFF}😀2",
        "٣.٤",
        "build",
        "1.0 build",
        "0000000000000000000000000000000000000000.0",
        "((((((1))))))",
        "1..2--3__4,,5  6",
    ];
    let long = format!("{}.{}", "9".repeat(100_000), "a".repeat(100_000));
    assert_eq!(compare(&long, &long), Some(Equal));
    for text in tricky {
        for (i, _) in text.char_indices() {
            for part in [&text[..i], &text[i..]] {
                if let Some(version) = parse(part) {
                    assert_eq!(compare(part, part), Some(Equal), "{part:?}");
                    assert_eq!(version.cmp(&version), Equal);
                }
                let _ = range(["1", "", part, ""]).contains(part);
            }
        }
    }
}

#[test]
fn fortios_ranges_hold_the_release_whatever_its_build() {
    let fortios = |ranges: &[[&str; 4]], version| any_contains(ranges, version);
    // CVE-2018-13379 (FortiOS SSL VPN path traversal), versionStartIncluding/versionEndIncluding.
    let cve_2018_13379: &[[&str; 4]] = &[
        ["5.4.6", "", "5.4.12", ""],
        ["5.6.3", "", "5.6.7", ""],
        ["6.0.0", "", "6.0.4", ""],
    ];
    for (version, affected) in [
        ("6.0.4", true),
        ("6.0.5", false),
        ("5.6.2", false),
        ("5.4.12", true),
        ("5.4.5", false),
        ("5.4.13", false),
        ("5.6.3", true),
        ("5.6.8", false),
        ("6.0.0", true),
        ("6.2.0", false),
        ("6.0.4 build0231", true),
        ("v5.6.7,build1653", true),
        ("v6.0.5 build0268 (GA)", false),
    ] {
        assert_eq!(
            fortios(cve_2018_13379, version),
            Some(affected),
            "CVE-2018-13379 {version}"
        );
    }
    // CVE-2024-21762 (FortiOS sslvpnd out-of-bounds write), 7.4.0 ≤ v ≤ 7.4.2.
    let cve_2024_21762: &[[&str; 4]] = &[["7.4.0", "", "7.4.2", ""]];
    for (version, affected) in [
        ("7.4.2", true),
        ("7.4.3", false),
        ("7.4.0", true),
        ("7.2.7", false),
        ("v7.4.2 build2571 (GA)", true),
        ("v7.4.3 build2573 (GA)", false),
    ] {
        assert_eq!(
            fortios(cve_2024_21762, version),
            Some(affected),
            "CVE-2024-21762 {version}"
        );
    }
}

#[test]
fn a_build_only_matters_to_a_bound_that_names_one() {
    let build = "6.0.4 build0231";
    assert_eq!(range(["", "", "6.0.4", ""]).contains(build), Some(true));
    assert_eq!(range(["", "", "", "6.0.4"]).contains(build), Some(false));
    assert_eq!(range(["6.0.4", "", "", ""]).contains(build), Some(true));
    assert_eq!(range(["", "6.0.4", "", ""]).contains(build), Some(false));
    assert_eq!(
        range(["", "", "6.0.4 build0200", ""]).contains(build),
        Some(false)
    );
    assert_eq!(
        range(["", "", "6.0.4 build0231", ""]).contains(build),
        Some(true)
    );
    assert_eq!(
        range(["", "", "", "6.0.4 build0232"]).contains(build),
        Some(true)
    );
    assert_eq!(
        range(["", "", "6.0.4 build0200", ""]).contains("6.0.4"),
        Some(true)
    );
}

#[test]
fn unbounded_and_unreadable_ranges() {
    let unbounded = Range::default();
    assert!(unbounded.is_unbounded());
    assert!(range(["  ", "", "", ""]).is_unbounded());
    assert!(!range(["", "", "", "1.0"]).is_unbounded());
    assert_eq!(unbounded.contains("1.0"), Some(true));
    for version in ["", "*", "-"] {
        assert_eq!(unbounded.contains(version), None, "{version:?}");
        assert_eq!(range(["1.0", "", "", ""]).contains(version), None);
    }
    assert_eq!(range(["-", "", "", ""]).contains("1.0"), None);
    assert_eq!(range(["", "", "*", ""]).contains("1.0"), None);
    assert_eq!(range(["2.0", "", "*", ""]).contains("1.0"), Some(false));
    assert_eq!(
        range(["R80.10", "", "R80.40", ""]).contains("R80.30"),
        Some(true)
    );
    assert_eq!(range(["R80.10", "", "R80.40", ""]).contains("80.30"), None);
}

// ---------------------------------------------------------------------------------------------
// univers: schema/openssl_version_cmp.json, all 44 cases (42 after removing duplicates).

#[test]
fn univers_openssl_version_cmp() {
    let n = check_lines(
        "univers schema/openssl_version_cmp.json",
        r"
1.0.0e < 1.0.0r
1.0.0e != 1.0.0r
1.0.1f < 1.0.1m
1.0.1f != 1.0.1m
1.0.1g < 1.0.2a
1.0.1g != 1.0.2a
1.0.1h > 0.9.8
1.0.1h != 0.9.8
1.0.1h > 0.9.8a
1.0.1h != 0.9.8a
0.9.8lt < 0.9.8ztl
0.9.8lt != 0.9.8ztl
1.1.1ag = 1.1.1ag
3.0.0 > 1.1.1z
3.0.0 != 1.1.1z
3.1.0 > 1.0.1m
3.1.0 != 1.0.1m
3.0.3 > 1.0.2a
3.0.3 != 1.0.2a
3.0.1 > 0.9.8ztl
3.0.1 != 0.9.8ztl
4.1.11 > 1.1.1ag
4.1.11 != 1.1.1ag
1.1.1z < 3.0.0
1.1.1z != 3.0.0
1.0.1m < 3.1.0
1.0.1m != 3.1.0
1.0.2a < 3.0.3
1.0.2a != 3.0.3
0.9.8ztl < 3.0.1
0.9.8ztl != 3.0.1
1.1.1ag < 4.1.11
1.1.1ag != 4.1.11
3.0.0 = 3.0.0
3.1.0 > 3.0.2
3.1.0 != 3.0.2
3.0.3 < 4.0.2
3.0.3 != 4.0.2
3.0.1 < 3.0.2
3.0.1 != 3.0.2
4.1.11 < 4.2.0
4.1.11 != 4.2.0
",
    );
    assert_eq!(n, 42);
}

// univers: openssl/openssl_versort_expected.json, OpenSSL releases in their expected order.
// Left out: 0.9.6-cvs, which OpenSSL puts between 0.9.6 and 0.9.6a; here any word after the
// release sorts alphabetically, so it lands between 0.9.6c and 0.9.6d.
#[test]
fn univers_openssl_versort_expected() {
    let sorted: Vec<&str> = r"
0.9.6 0.9.6a 0.9.6b 0.9.6c 0.9.6d 0.9.6e 0.9.6f 0.9.6g 0.9.6h 0.9.6i
0.9.6j 0.9.6k 0.9.6l 0.9.6m 0.9.7-alpha2 0.9.7-alpha3 0.9.7-beta1 0.9.7-beta3 0.9.7-beta5 0.9.7
0.9.7a 0.9.7b 0.9.7c 0.9.7d 0.9.7e 0.9.7f 0.9.7g 0.9.7h 0.9.7i 0.9.7j
0.9.7k 0.9.7l 0.9.8 0.9.8a 0.9.8b 0.9.8c 0.9.8d 0.9.8e 0.9.8f 0.9.8g
0.9.8h 0.9.8i 0.9.8j 0.9.8k 0.9.8l 0.9.8m 0.9.8n 0.9.8o 0.9.8p 0.9.8q
0.9.8r 0.9.8s 0.9.8t 0.9.8u 0.9.8v 0.9.8w 0.9.8x 0.9.8y 0.9.8za 0.9.8zb
0.9.8zc 0.9.8zd 0.9.8ze 0.9.8zf 0.9.8zg 0.9.8zh 1.0.0 1.0.0a 1.0.0b 1.0.0c
1.0.0d 1.0.0e 1.0.0f 1.0.0g 1.0.0h 1.0.0i 1.0.0j 1.0.0k 1.0.0l 1.0.0m
1.0.0n 1.0.0o 1.0.0p 1.0.0q 1.0.0r 1.0.0s 1.0.0t 1.0.1 1.0.1a 1.0.1b
1.0.1c 1.0.1d 1.0.1e 1.0.1f 1.0.1g 1.0.1h 1.0.1i 1.0.1j 1.0.1k 1.0.1l
1.0.1m 1.0.1n 1.0.1o 1.0.1p 1.0.1q 1.0.1r 1.0.1s 1.0.1t 1.0.1u 1.0.2
1.0.2a 1.0.2b 1.0.2c 1.0.2d 1.0.2e 1.0.2f 1.0.2g 1.0.2h 1.0.2i 1.0.2j
1.0.2k 1.0.2l 1.0.2m 1.0.2n 1.0.2o 1.0.2p 1.0.2q 1.0.2r 1.0.2s 1.0.2t
1.0.2u 1.0.2v 1.0.2w 1.0.2x 1.0.2y 1.0.2za 1.0.2zb 1.0.2zc 1.0.2zc-dev 1.0.2zd
1.1.0 1.1.0a 1.1.0b 1.1.0c 1.1.0d 1.1.0e 1.1.0f 1.1.0g 1.1.0h 1.1.0i
1.1.0j 1.1.0k 1.1.0l 1.1.1 1.1.1a 1.1.1b 1.1.1c 1.1.1d 1.1.1e 1.1.1f
1.1.1g 1.1.1h 1.1.1i 1.1.1j 1.1.1k 1.1.1l 1.1.1m 1.1.1n 3.0.0 3.0.1
3.0.2
"
    .split_whitespace()
    .collect();
    assert_eq!(sorted.len(), 171);
    let failures: Vec<String> = sorted
        .windows(2)
        .filter(|pair| compare(pair[0], pair[1]) != Some(Less))
        .map(|pair| {
            format!(
                "{} < {} (got {:?})",
                pair[0],
                pair[1],
                compare(pair[0], pair[1])
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "univers openssl/openssl_versort_expected.json:\n{}",
        failures.join("\n")
    );
    let mut shuffled = sorted.clone();
    shuffled.reverse();
    shuffled.sort_by_key(|v| parse(v).unwrap());
    assert_eq!(shuffled, sorted);
}

// univers: schema/nuget_version_cmp.json (semver with a fourth part).
// Left out: `1.0.0 = 1.0.0+beta` and `1.0+test = 1.0.0.0`: NuGet ignores semver build metadata,
// while here `+` is only a separator (`+beta` reads as a pre-release, `+test` as a post-release).
#[test]
fn univers_nuget_version_cmp() {
    let n = check_lines(
        "univers schema/nuget_version_cmp.json",
        r"
1.0.0 = 1.0.0
1.0.0-BETA = 1.0.0-beta
1.0.0-BETA+AA = 1.0.0-beta+aa
1.0.0-BETA.X.y.5.77.0+AA = 1.0.0-beta.x.y.5.77.0+aa
1.0 = 1.0.0.0
1.0.0.1-1.2.A = 1.0.0.1-1.2.A
1.0.01 = 1.0.1.0
0.0.0 < 1.0.0
1.0.0 < 1.1.0
1.0.0 < 1.0.1
1.999.9999 < 2.1.1
1.0.0-BETA < 1.0.0-beta2
1.0.0+aa > 1.0.0-beta+AA
1.0.0-BETA < 1.0.0-beta.1+AA
1.0.0-BETA.X.y.5.77.0+AA < 1.0.0-beta.x.y.5.79.0+aa
1.0.0-BETA.X.y.5.79.0+AA < 1.0.0-beta.x.y.5.790.0+abc
1.0.0 < 1.0.0.1
1.0.0.1-alpha < 1.0.0.1-pre
1.0.0-pre < 1.0.0.1-alpha
1.0.0 < 1.0.0.1-alpha
0.9.9.1 < 1.0.0
1.0 != 1.0.0.1
1.0+test != 1.0.0.1
1.0.0.1-1.2.A != 1.0.0.1-1.2.a.A+A
1.0.01 != 1.0.1.2
0.0.0 != 1.0.0
1.0.0 != 1.1.0
1.0.0 != 1.0.1
1.0.0-BETA != 1.0.0-beta2
1.0.0+AA != 1.0.0-beta+aa
1.0.0-BETA.X.y.5.77.0+AA != 1.0.0-beta.x.y.5.79.0+aa
",
    );
    assert_eq!(n, 31);
}

// univers: schema/conan_version_cmp.json (Conan's generic dotted versions).
// Left out: the four `1.1*` / `1.1.*` / `1.3.*` / `1.2.3*` cases (wildcards are patterns, which do
// not parse here); `b.c > a.b.c` (versions of different schemes are not compared here);
// `1.a > 1.1` (Conan puts a word part after any number; here the release `1.1` is after `1`
// plus anything); `1.0.0- < 1.0.0-alpha1` (Conan reads a bare `-` as the lowest pre-release).
#[test]
fn univers_conan_version_cmp() {
    let n = check_lines(
        "univers schema/conan_version_cmp.json",
        r"
2 > 1
1.1 > 1.0
1.1.0 > 1.0.2
1.22 > 1.3
1.1.22 > 1.1.3
1.1.1.22 > 1.1.1.3
1.1.1.1.22 > 1.1.1.1.3
2 > 1.0
1.3.1 > 1.2
1.1 > 1.0.2
1.1.b > 1.1.a
1.1.1.abz > 1.1.1.abc
1.1a > 1.1
1.1.a > 1.1
1.2 > 1.1.a
1.1+b2 > 1.1+b1
1.1+b2 > 1.1
1.2 > 1.1+b1
1.1+b.22 > 1.1+b.3
1.1-pre2 > 1.1-pre1
1.1-alpha.22 > 1.1-alpha.3
1.1-alpha.3+b2 > 1.1-alpha.3+b1
1.1 > 1.1-alpha.1
1.2-alpha1 > 1.1
1.1.0 > 1.1-alpha.1
1 = 1.0
1 = 1.0.0
1.0 = 1.0.0
1.0 = 1.0.0.0
1-pre1 = 1.0-pre1
1-pre1 = 1.0.0-pre1
1.0-pre1 = 1.0.0-pre1
1.0-pre1.0 = 1.0.0-pre1
1-pre1+b1 = 1.0-pre1+b1
1-pre1+b1 = 1.0.0-pre1+b1
1.0-pre1+b1 = 1.0.0-pre1+b1
1+b1 = 1.0+b1
1+b1 = 1.0+b1.0
1+b1 = 1.0.0+b1
1.0+b1 = 1.0.0+b1
",
    );
    assert_eq!(n, 40);
}

// univers: schema/range/npm_range_containment.json (`vers:nginx/*` holds 1.0.0) and
// schema/range/pypi_range_containment.json, whose versions are plain dotted numbers. A `vers`
// constraint list becomes NVD ranges: an exact version is start=end including, and separate
// intervals are separate ranges, any of which holds the version.
// Left out: `vers:pypi/>=3.0.0|!=2.0.3` (NVD ranges have no exclusion).
#[test]
fn univers_range_containment() {
    check_ranges(
        "univers schema/range/{npm,pypi}_range_containment.json",
        &[
            ("vers:nginx/*", &[["", "", "", ""]], "1.0.0", Some(true)),
            (
                "vers:pypi/<=1.3.0|3.0.0",
                &[["", "", "1.3.0", ""], exactly("3.0.0")],
                "1.0.0",
                Some(true),
            ),
            (
                "vers:pypi/>0.0.2",
                &[["", "0.0.2", "", ""]],
                "0.0.3",
                Some(true),
            ),
            (
                "vers:pypi/<0.0.2",
                &[["", "", "", "0.0.2"]],
                "0.0.0.1",
                Some(true),
            ),
            (
                "vers:pypi/>=1.0.0|<=2.0.0",
                &[["1.0.0", "", "2.0.0", ""]],
                "1.5",
                Some(true),
            ),
            (
                "vers:pypi/>=3.0.0|2.0.3",
                &[["3.0.0", "", "", ""], exactly("2.0.3")],
                "2.0.3",
                Some(true),
            ),
            (
                "vers:pypi/>=1.0.0|<=2.0.0",
                &[["1.0.0", "", "2.0.0", ""]],
                "2.0.3",
                Some(false),
            ),
            (
                "vers:pypi/>=1.0.0|<=2.0.0",
                &[["1.0.0", "", "2.0.0", ""]],
                "0.0.9",
                Some(false),
            ),
            (
                "vers:pypi/<=1.0.0|>=2.0.0",
                &[["", "", "1.0.0", ""], ["2.0.0", "", "", ""]],
                "1.5",
                Some(false),
            ),
            (
                "vers:pypi/0.0.2|0.0.6|>=3.0.0|0.0.1|0.0.4|0.0.5|0.0.3",
                &[
                    exactly("0.0.2"),
                    exactly("0.0.6"),
                    ["3.0.0", "", "", ""],
                    exactly("0.0.1"),
                    exactly("0.0.4"),
                    exactly("0.0.5"),
                    exactly("0.0.3"),
                ],
                "2.0.3",
                Some(false),
            ),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// vuls go-cve-dictionary: db_db_test.go, the range cases (the version is the CPE URI's version
// field, taken by hand). Vuls calls some of these a "rough" (non-semver) match; here they are
// plain ranges. Left out: cases about CPE matching itself (exact URI, vendor/product,
// target_sw, NA), Test_makeVersionConstraint (formatting), and Test_matchSemver's four "err if
// not a semver style" cases (Vuls refuses bounds like 1.1.1l; here they compare).
#[test]
fn vuls_db_test_ranges() {
    check_ranges(
        "vuls db_db_test.go",
        &[
            // TestMatch
            (
                "exactMatch",
                &[["5.1.0", "", "", "5.1.32"]],
                "5.1.1",
                Some(true),
            ),
            (
                "false: exactMatch",
                &[["5.1.0", "", "", "5.1.32"]],
                "5.0.9",
                Some(false),
            ),
            (
                "ver == start",
                &[["5.1.0", "", "", "5.1.32"]],
                "5.1.0",
                Some(true),
            ),
            (
                "end < ver",
                &[["5.1.0", "", "", "5.1.32"]],
                "5.2.32",
                Some(false),
            ),
            (
                "start < ver < end",
                &[["5.1.0", "", "", "5.1.32"]],
                "5.1.31",
                Some(true),
            ),
            (
                "no-semver cannot compare",
                &[["7.0.0", "", "", "esxi70u1c-17325551"]],
                "7.0.0",
                None,
            ),
            (
                "RoughMatch",
                &[["1.1.1", "", "", "1.1.1l"]],
                "1.1.1c",
                Some(true),
            ),
            (
                "no semver format",
                &[["1.1.1", "", "", "1.1.1l"]],
                "1.1.1n",
                Some(false),
            ),
            (
                "targetSW: 6",
                &[["5.1.0", "", "", "5.1.2"]],
                "5.1.1",
                Some(true),
            ),
            (
                "rails endIncluding",
                &[["", "", "4.0.1", ""]],
                "3.0.1",
                Some(true),
            ),
            // Test_matchCpe
            (
                "range match semver",
                &[["0.0.1", "", "2.0.0", ""]],
                "1.0.0",
                Some(true),
            ),
            (
                "range not match semver",
                &[["0.0.1", "", "2.0.0", ""]],
                "3.0.0",
                Some(false),
            ),
            (
                "range match non-semver",
                &[["1.1.1a", "", "1.1.1c", ""]],
                "1.1.1b",
                Some(true),
            ),
            (
                "not match non-semver",
                &[["1.1.1a", "", "1.1.1c", ""]],
                "1.1.1l",
                Some(false),
            ),
            (
                "fortios NVD",
                &[["4.0.0", "", "4.0.1", ""]],
                "4.0.0",
                Some(true),
            ),
            (
                "fortios Fortinet",
                &[["4.0.0", "", "4.0.2", ""]],
                "4.0.0",
                Some(true),
            ),
            // Test_filterCveDetailByCpeURI1
            (
                "esxi 7.0",
                &[["7.0.0", "", "", "esxi70u1c-17325551"]],
                "7.0",
                None,
            ),
            (
                "NvdRoughVersionMatch",
                &[["1.0.0", "", "", "1.0.0n"]],
                "1.0.0c",
                Some(true),
            ),
            (
                "RoughVersionMatch false",
                &[["1.0.0", "", "", "1.0.0n"]],
                "1.1.0c",
                Some(false),
            ),
            (
                "ExactMatch semver true",
                &[["1.0.0", "", "", "1.0.10"]],
                "1.0.3",
                Some(true),
            ),
            (
                "ExactMatch semver false",
                &[["1.0.0", "", "", "1.0.10"]],
                "2.0.0",
                Some(false),
            ),
            // Test_matchSemver
            (
                "< specified",
                &[["", "1.1.2", "", ""]],
                "1.1.1",
                Some(false),
            ),
            (
                "< specified",
                &[["", "1.1.1", "", ""]],
                "1.1.1",
                Some(false),
            ),
            (
                "<= specified",
                &[["1.1.1", "", "", ""]],
                "1.1.1",
                Some(true),
            ),
            (
                "specified <",
                &[["", "", "", "1.1.1"]],
                "1.1.1",
                Some(false),
            ),
            (
                "specified <=",
                &[["", "", "1.1.1", ""]],
                "1.1.1",
                Some(true),
            ),
            (
                "specified <=",
                &[["1.1.0", "", "1.1.2", ""]],
                "1.1.1",
                Some(true),
            ),
            // Test_matchRpmVer
            (
                "== StartIncluding",
                &[["1.1.1a", "", "", ""]],
                "1.1.1a",
                Some(true),
            ),
            (
                "StartIncluding <",
                &[["1.1.0a", "", "", ""]],
                "1.1.1a",
                Some(true),
            ),
            (
                "StartIncluding >",
                &[["1.1.1b", "", "", ""]],
                "1.1.1a",
                Some(false),
            ),
            (
                "== StartExcluding",
                &[["", "1.1.1a", "", ""]],
                "1.1.1a",
                Some(false),
            ),
            (
                "StartExcluding <",
                &[["", "1.1.0z", "", ""]],
                "1.1.1a",
                Some(true),
            ),
            (
                "StartExcluding >",
                &[["", "1.1.1b", "", ""]],
                "1.1.1a",
                Some(false),
            ),
            (
                "== EndIncluding",
                &[["", "", "1.1.1a", ""]],
                "1.1.1a",
                Some(true),
            ),
            (
                "EndIncluding <",
                &[["", "", "1.1.0z", ""]],
                "1.1.1a",
                Some(false),
            ),
            (
                "EndIncluding >",
                &[["", "", "1.1.1b", ""]],
                "1.1.1a",
                Some(true),
            ),
            (
                "== EndExcluding",
                &[["", "", "", "1.1.1a"]],
                "1.1.1a",
                Some(false),
            ),
            (
                "EndExcluding <",
                &[["", "", "", "1.1.0z"]],
                "1.1.1a",
                Some(false),
            ),
            (
                "EndExcluding >",
                &[["", "", "", "1.1.1b"]],
                "1.1.1a",
                Some(true),
            ),
        ],
    );
    // Test_matchSemver "empty string return false": with no bound, the cpeMatch is not a range.
    assert!(range(["", "", "", ""]).is_unbounded());
}

/// `%28` → `(` and so on, as CPE 2.2 URIs escape them.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = text
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

// vuls go-cve-dictionary: integration_cpes.txt, 37k real CPE URIs from NVD and JVN. Their version
// fields (Cisco's `15.2(7)e`, Huawei's `V100R001C00`, Intel's `tybyt20h.86a.0024`, …) must parse
// without panicking, equal themselves, and sort without contradiction.
#[test]
fn vuls_integration_cpe_versions_parse_and_equal_themselves() {
    let Some(dir) = shared("version-ranges/vuls-go-cve-dictionary") else {
        return;
    };
    let text = std::fs::read_to_string(dir.join("integration_cpes.txt")).unwrap();
    let fields: Vec<String> = text
        .lines()
        .filter_map(|uri| uri.split(':').nth(4))
        .filter(|field| !field.is_empty())
        .map(percent_decode)
        .collect();
    assert!(
        fields.len() > 20_000,
        "only {} version fields",
        fields.len()
    );
    let mut versions = Vec::new();
    for field in &fields {
        if let Some(version) = parse(field) {
            assert_eq!(compare(field, field), Some(Equal), "{field:?}");
            versions.push(version);
        }
    }
    // About 6,000 fields are NVD's `-` (not applicable), which does not parse.
    assert!(versions.len() > 17_000, "only {} parsed", versions.len());
    // A comparison that is not a total order makes the standard sort panic or misorder.
    versions.sort();
    assert!(versions.windows(2).all(|pair| pair[0] <= pair[1]));
}

//! The JVN iPedia reader against real MyJVN responses and data feeds in
//! ../shared/data/jvn/examples/hnd (never copied into the repository), and against hostile or
//! broken documents.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;

use common::shared;
use mamori_formats::jvn::{self, ErrorKind, Feed, FeedKind};

fn samples() -> Option<PathBuf> {
    shared("jvn/examples/hnd")
}

fn read(dir: &std::path::Path, file: &str) -> Feed {
    let bytes = std::fs::read(dir.join(file)).expect("read sample");
    jvn::parse(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn entry<'f>(feed: &'f Feed, id: &str) -> &'f jvn::Entry {
    feed.entries
        .iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

#[test]
fn every_vulnerability_sample_parses() {
    let Some(dir) = samples() else {
        return;
    };
    // (file, shape, entries), counted by hand from the files.
    let expected = [
        ("getVulnOverviewList_hnd.xml", FeedKind::Rss, 2),
        ("dataFeed_jvndb_rss_hnd.xml", FeedKind::Rss, 4),
        (
            "getVulnDetailInfo_hnd_JVNDB-2017-009608.xml",
            FeedKind::Vuldef,
            1,
        ),
        (
            "getVulnDetailInfo_hnd_JVNDB-2018-009328.xml",
            FeedKind::Vuldef,
            1,
        ),
        (
            "getVulnDetailInfo_hnd_JVNDB-2021-002774.xml",
            FeedKind::Vuldef,
            1,
        ),
        (
            "getVulnDetailInfo_hnd_JVNDB-2022-000097.xml",
            FeedKind::Vuldef,
            1,
        ),
        ("dataFeed_jvndb_detail_hnd.xml", FeedKind::Vuldef, 7),
    ];
    for (file, kind, count) in expected {
        let feed = read(&dir, file);
        assert_eq!((feed.kind, feed.entries.len()), (kind, count), "{file}");
        for e in &feed.entries {
            assert!(e.id.starts_with("JVNDB-"), "{file}: {}", e.id);
            assert!(!e.title.is_empty(), "{file}: {}", e.id);
            assert!(
                e.link.starts_with("https://jvndb.jvn.jp/ja/contents/"),
                "{file}: {}",
                e.id
            );
            assert!(
                !e.published.is_empty() && !e.modified.is_empty(),
                "{file}: {}",
                e.id
            );
            for cpe in &e.cpes {
                assert!(cpe.wfn().is_some(), "{file}: {} {}", e.id, cpe.uri);
            }
            for cve in &e.cve_ids {
                assert!(cve.starts_with("CVE-"), "{file}: {cve}");
            }
        }
    }
}

#[test]
fn the_overview_list_reads_titles_cves_cpes_scores_and_paging() {
    let Some(dir) = samples() else {
        return;
    };
    let feed = read(&dir, "getVulnOverviewList_hnd.xml");
    assert_eq!(feed.timestamp, "2025-04-07T07:36:21+09:00");
    let paging = feed.paging.expect("paging");
    assert_eq!((paging.total, paging.returned, paging.first), (6, 2, 1));
    assert_eq!(paging.next_start(), Some(3));
    assert!(feed.notes.is_empty());

    let e = entry(&feed, "JVNDB-2025-002953");
    assert_eq!(
        e.title,
        "WordPress 用 Sunshine Photo Cart における信頼できないデータのデシリアライゼーションに関する脆弱性"
    );
    assert_eq!(
        e.summary,
        "WordPress 用 Sunshine Photo Cart には、信頼できないデータのデシリアライゼーションに関する脆弱性が存在します。"
    );
    assert_eq!(
        e.cve_ids,
        vec!["CVE-2025-31084"],
        "CVE and NVD references, once"
    );
    assert_eq!(e.cwes, vec!["CWE-502"]);
    assert_eq!(e.cpes.len(), 1);
    assert_eq!(
        e.cpes[0].uri,
        "cpe:/a:sunshinephotocart:sunshine_photo_cart"
    );
    assert_eq!(e.cpes[0].vendor, "Sunshine Photo Cart");
    assert_eq!(e.cvss.len(), 1);
    let cvss = &e.cvss[0];
    assert_eq!(
        (cvss.version.as_str(), cvss.score, cvss.severity.as_str()),
        ("3.0", Some(9.8), "Critical")
    );
    assert_eq!(cvss.vector, "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert_eq!(e.published, "2025-04-04T14:45:58+09:00");
    assert_eq!(e.modified, "2025-04-04T14:45:58+09:00");
    assert_eq!(
        e.link,
        "https://jvndb.jvn.jp/ja/contents/2025/JVNDB-2025-002953.html"
    );

    // Two products; percent-encoded parentheses in the URI still make a CPE name.
    let e = entry(&feed, "JVNDB-2025-002884");
    assert_eq!(e.cve_ids, vec!["CVE-2025-23120"]);
    assert!(e.cvss.is_empty());
    let products: Vec<&str> = e.cpes.iter().map(|c| c.product.as_str()).collect();
    assert_eq!(
        products,
        [
            "Industrial Data Center (IDC) with Veeam",
            "VersaVirtual Appliance (VVA) with Veeam"
        ]
    );
    let wfn = e.cpes[0].wfn().expect("wfn");
    assert_eq!(
        wfn.product.plain().as_deref(),
        Some("industrial_data_center_(idc)_with_veeam")
    );
}

/// JVN's RSS data feed writes `retCd= 0` without quotes: read anyway, with a note.
#[test]
fn the_rss_data_feed_is_read_despite_its_unquoted_status_code() {
    let Some(dir) = samples() else {
        return;
    };
    let feed = read(&dir, "dataFeed_jvndb_rss_hnd.xml");
    assert_eq!(feed.timestamp, "2025-04-13T12:00:23+09:00");
    assert_eq!(feed.notes.len(), 1, "{:?}", feed.notes);
    assert!(
        feed.notes[0].starts_with("line 116, column 10:"),
        "{:?}",
        feed.notes
    );
    let paging = feed.paging.expect("paging");
    assert_eq!(
        (paging.total, paging.returned, paging.first),
        (26432, 26432, 1)
    );
    assert_eq!(paging.next_start(), None, "the data feed holds everything");

    let e = entry(&feed, "JVNDB-2023-028579");
    assert_eq!(e.title, "Contiki-NG における再帰制御に関する脆弱性");
    assert_eq!(e.cve_ids, vec!["CVE-2023-29001"]);
    assert_eq!(e.cpes[0].uri, "cpe:/o:contiki-ng:contiki-ng");
    assert_eq!(e.cvss[0].score, Some(7.5));
    assert_eq!(e.cvss[0].severity, "High");
    assert_eq!(e.published, "2025-04-11T23:52:00+09:00", "seconds added");
    let e = entry(&feed, "JVNDB-2023-028577");
    assert_eq!(e.cwes, vec!["CWE-749", "CWE-Other"]);
    assert_eq!(e.cpes[0].uri, "cpe:/a:lg:simple_editor", "trimmed");
}

#[test]
fn detail_info_reads_affected_versions_impact_and_solution() {
    let Some(dir) = samples() else {
        return;
    };
    let feed = read(&dir, "getVulnDetailInfo_hnd_JVNDB-2022-000097.xml");
    assert_eq!(feed.timestamp, "2024-05-29T17:39:51+09:00");
    let paging = feed.paging.expect("paging");
    assert_eq!((paging.total, paging.returned, paging.first), (1, 1, 1));
    let e = &feed.entries[0];
    assert_eq!(e.id, "JVNDB-2022-000097");
    assert_eq!(e.title, "電子入札コアシステムにおける複数の脆弱性");
    assert_eq!(
        e.summary,
        "一般財団法人日本建設情報総合センターが提供する電子入札コアシステムには、次の複数の脆弱性が存在します。\n\
         ・クロスサイトスクリプティング (CWE-79) - CVE-2022-41993\n\
         ・クロスサイトスクリプティング (CWE-79) - CVE-2022-46287\n\
         ・オープンリダイレクト (CWE-601) - CVE-2022-46288"
    );
    assert!(
        e.impact
            .starts_with("想定される影響は各脆弱性により異なりますが"),
        "{}",
        e.impact
    );
    assert_eq!(
        e.solution,
        "[パッチを適用する] 開発者が提供する情報をもとにパッチを適用してください。"
    );
    assert_eq!(
        e.cve_ids,
        vec!["CVE-2022-41993", "CVE-2022-46287", "CVE-2022-46288"],
        "the NVD references repeat the CVE ones"
    );
    assert_eq!(e.cwes, vec!["CWE-79", "CWE-20"]);
    assert_eq!(e.cpes.len(), 1);
    let cpe = &e.cpes[0];
    assert_eq!(cpe.uri, "cpe:/a:jacic:electronic_bidding_core_system");
    assert_eq!(cpe.vendor, "一般財団法人日本建設情報総合センター");
    assert_eq!(cpe.product, "電子入札コアシステム");
    assert_eq!(cpe.version, "v6 R4 およびそれ以前のバージョン");
    let scores: Vec<(&str, Option<f32>, &str)> = e
        .cvss
        .iter()
        .map(|c| (c.version.as_str(), c.score, c.severity.as_str()))
        .collect();
    assert_eq!(
        scores,
        [("3.0", Some(6.1), "Medium"), ("2.0", Some(4.3), "Medium")],
        "v3 first although the file lists v2 first"
    );
    assert_eq!(e.published, "2022-12-15T12:04:51+09:00");
    assert_eq!(e.modified, "2024-05-29T17:39:51+09:00");
    assert_eq!(e.disclosed, "2022-12-15T00:00:00+09:00");
    assert_eq!(
        e.link,
        "https://jvndb.jvn.jp/ja/contents/2022/JVNDB-2022-000097.html"
    );

    // Several VersionNumbers: one CPE each.
    let feed = read(&dir, "getVulnDetailInfo_hnd_JVNDB-2018-009328.xml");
    let e = &feed.entries[0];
    let cpes: Vec<(&str, &str)> = e
        .cpes
        .iter()
        .map(|c| (c.uri.as_str(), c.version.as_str()))
        .collect();
    assert_eq!(
        cpes,
        [
            ("cpe:/a:veritas:netbackup", "7.7"),
            ("cpe:/a:veritas:netbackup", "8.0"),
            ("cpe:/a:veritas:netbackup", "8.1"),
            ("cpe:/a:hitachi:jp1_veritas_netbackup", "7.7"),
            ("cpe:/a:hitachi:jp1_veritas_netbackup", "8.0"),
            ("cpe:/a:hitachi:jp1_veritas_netbackup", "8.1"),
        ]
    );
    assert_eq!(e.cpes[3].vendor, "日立");
    assert_eq!((e.cvss[0].score, e.cvss[1].score), (Some(9.8), Some(10.0)));
    assert!(e.cve_ids.is_empty(), "only vendor references");
    assert_eq!(e.cwes, vec!["CWE-noinfo"]);

    // No CVSS at all.
    let feed = read(&dir, "getVulnDetailInfo_hnd_JVNDB-2021-002774.xml");
    let e = &feed.entries[0];
    assert!(e.cvss.is_empty());
    assert_eq!(e.cve_ids, vec!["CVE-2021-36745"]);
    assert_eq!(e.cpes.len(), 4);
    assert_eq!(e.cpes[0].version, "for EMC Celerra 5.8 (Build 1577) 未満");

    // Hardware, and an empty VersionNumber.
    let feed = read(&dir, "getVulnDetailInfo_hnd_JVNDB-2017-009608.xml");
    let e = &feed.entries[0];
    assert_eq!(e.cpes.len(), 1);
    assert_eq!(
        (e.cpes[0].uri.as_str(), e.cpes[0].version.as_str()),
        ("cpe:/h:pcu:pcu", "")
    );
    let wfn = e.cpes[0].wfn().expect("wfn");
    assert_eq!(wfn.part.plain().as_deref(), Some("h"));
    assert_eq!(e.cve_ids, vec!["CVE-2017-14937"]);
    assert_eq!(e.disclosed, "2017-10-20T00:00:00+09:00");
}

#[test]
fn the_detail_feed_reads_every_entry_and_dates_itself_by_the_newest_update() {
    let Some(dir) = samples() else {
        return;
    };
    let feed = read(&dir, "dataFeed_jvndb_detail_hnd.xml");
    assert_eq!(feed.timestamp, "2025-02-14T14:22:24+09:00");
    assert_eq!(
        feed.paging.map(|p| (p.total, p.first)),
        Some((2346, 1)),
        "firstRes is empty in the data feed"
    );
    let e = entry(&feed, "JVNDB-2025-000002");
    assert_eq!(e.title, "NEC Atermシリーズにおける複数の脆弱性（NV25-003）");
    assert_eq!(e.cpes.len(), 11);
    assert_eq!(e.cpes[0].uri, "cpe:/o:nec:aterm_gb1200pe_firmware");
    assert_eq!(
        e.cpes[0].version,
        "Ver.1.3.0より前のバージョン（CVE-2025-0355）"
    );
    assert_eq!(
        e.cve_ids,
        vec!["CVE-2025-0354", "CVE-2025-0355", "CVE-2025-0356"]
    );
    // The file writes `</li</ul>`: the broken tags still become a line break.
    assert!(
        e.impact
            .ends_with("\n・当該製品にログインしたユーザによって細工されたリクエストを送信された場合、任意のOSコマンドを実行される（CVE-2025-0356）"),
        "{}",
        e.impact
    );
    assert!(!e.impact.contains('<'), "{}", e.impact);
    let e = entry(&feed, "JVNDB-2025-000003");
    assert_eq!(e.cpes[0].uri, "cpe:/a:fortinet:fortiweb");
    assert_eq!(e.cpes[0].version, "7.6.2より前のバージョン");
    assert_eq!(e.cvss[0].score, Some(2.7));
    assert_eq!(e.cvss[0].severity, "Low");
    assert!(
        e.solution.ends_with("\n・FortiWeb バージョン 7.6.2以降"),
        "{}",
        e.solution
    );
}

#[test]
fn other_myjvn_documents_are_refused_as_not_vulnerability_data() {
    let Some(dir) = samples() else {
        return;
    };
    let refused = [
        ("getVendorList_hnd.xml", "getVendorList"),
        ("getProductList_hnd.xml", "getProductList"),
        ("dataFeed_myjvn_vendor_hnd.xml", "getVendorList"),
        ("dataFeed_myjvn_product_hnd.xml", "getProductList"),
        ("getStatistics_hnd_sumAll.xml", "getStatistics"),
        ("getStatistics_hnd_sumCvss.xml", "getStatistics"),
        ("getStatistics_hnd_sumCwe.xml", "getStatistics"),
        ("getStatistics_hnd_sumJvnDb.xml", "getStatistics"),
        ("getAlertList_hnd.xml", "getAlertList"),
    ];
    for (file, method) in refused {
        let bytes = std::fs::read(dir.join(file)).expect("read sample");
        let e = jvn::parse(&bytes).expect_err(file);
        assert_eq!(e.kind, ErrorKind::NotJvn, "{file}: {e}");
        assert!(
            e.message.contains("not a JVNRSS or VULDEF document"),
            "{file}: {e}"
        );
        assert!(e.message.contains(method), "{file}: {e}");
        assert!(e.place.starts_with("line "), "{file}: {e}");
    }
    // The alert list's JSON twin is not XML at all.
    let bytes = std::fs::read(dir.join("getAlertList_hnd.json")).expect("read sample");
    let e = jvn::parse(&bytes).expect_err("json");
    assert_eq!(e.kind, ErrorKind::Xml, "{e}");
    assert_eq!(e.place, "line 1, column 1", "{e}");
}

const BILLION_LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<VULDEF-Document xmlns="http://jvn.jp/vuldef/"><Vulinfo><VulinfoID>JVNDB-2025-000001</VulinfoID>
<VulinfoData><Title>&lol4;</Title></VulinfoData></Vulinfo></VULDEF-Document>"#;

const XXE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<rdf:RDF xmlns="http://purl.org/rss/1.0/" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns:sec="http://jvn.jp/rss/mod_sec/3.0/">
  <item><title>&xxe;</title><sec:identifier>JVNDB-2025-000001</sec:identifier></item>
</rdf:RDF>"#;

#[test]
fn a_dtd_with_entities_is_refused_and_the_error_says_so() {
    for (name, xml) in [("billion laughs", BILLION_LAUGHS), ("XXE", XXE)] {
        let e = jvn::parse(xml.as_bytes()).expect_err(name);
        assert_eq!(e.kind, ErrorKind::Dtd, "{name}: {e}");
        assert_eq!(e.place, "line 2, column 1", "{name}: {e}");
        assert!(e.message.contains("DTD"), "{name}: {e}");
        assert!(e.message.contains("entit"), "{name}: {e}");
    }
    // An external DTD without an internal subset is refused too: nothing is ever fetched.
    let external = XXE.replace(
        r#"[ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]"#,
        r#"SYSTEM "http://attacker.example/x.dtd""#,
    );
    let e = jvn::parse(external.as_bytes()).expect_err("external");
    assert_eq!(e.kind, ErrorKind::Dtd, "{e}");
    // Without the DTD the entity reference is just an unknown name, not an expansion.
    let no_dtd = XXE.replace(
        "<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n",
        "",
    );
    let e = jvn::parse(no_dtd.as_bytes()).expect_err("unknown entity");
    assert_eq!(e.kind, ErrorKind::Xml, "{e}");
    assert!(e.message.contains("xxe"), "{e}");
}

#[test]
fn a_dtd_slipped_into_a_real_response_is_refused() {
    let Some(dir) = samples() else {
        return;
    };
    let text = std::fs::read_to_string(dir.join("getVulnOverviewList_hnd.xml")).expect("read");
    let with_dtd = text.replacen(
        "?>\n",
        "?>\n<!DOCTYPE rdf:RDF [ <!ENTITY a \"aaaa\"> ]>\n",
        1,
    );
    let e = jvn::parse(with_dtd.as_bytes()).expect_err("dtd");
    assert_eq!(
        (e.kind, e.place.as_str()),
        (ErrorKind::Dtd, "line 2, column 1")
    );
}

const SMALL_VULDEF: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<VULDEF-Document version="3.2" xmlns="http://jvn.jp/vuldef/" xml:lang="ja">
  <Vulinfo>
    <VulinfoID>JVNDB-2025-000001</VulinfoID>
    <VulinfoData>
      <Title>プラネックス製MZK-DP300Nにおけるクロスサイトスクリプティングの脆弱性</Title>
      <DateFirstPublished>2025-01-08T12:16:23+09:00</DateFirstPublished>
    </VulinfoData>
  </Vulinfo>
</VULDEF-Document>"#;

#[test]
fn a_truncated_document_names_a_line_and_column() {
    let real = samples().and_then(|dir| {
        std::fs::read_to_string(dir.join("getVulnDetailInfo_hnd_JVNDB-2022-000097.xml")).ok()
    });
    for text in [Some(SMALL_VULDEF), real.as_deref()].into_iter().flatten() {
        jvn::parse(text.as_bytes()).expect("whole");
        // Cut in the middle, on a character boundary: the error is at the end of what is left.
        let cut = text
            .char_indices()
            .map(|(i, _)| i)
            .find(|i| *i >= text.len() / 2)
            .expect("middle");
        let head = &text[..cut];
        let e = jvn::parse(head.as_bytes()).expect_err("cut");
        let line = head.matches('\n').count() + 1;
        let column = head.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        assert_eq!(e.kind, ErrorKind::Xml, "{e}");
        assert_eq!(e.place, format!("line {line}, column {column}"), "{e}");
        assert!(e.message.contains("cut short"), "{e}");
        // Cut anywhere before the end tag closes: always an error with a line, never a panic.
        let end = text.rfind("</VULDEF-Document>").expect("end tag");
        for (i, _) in text.char_indices().filter(|(i, _)| i % 7 == 0 && *i <= end) {
            let e = jvn::parse(&text.as_bytes()[..i]).expect_err("prefix");
            assert!(e.place.starts_with("line "), "at byte {i}: {e}");
        }
    }
}

#[test]
fn a_myjvn_error_status_becomes_an_error_with_its_message() {
    // The shape MyJVN answers with when a request is refused: no entries, retCd 1.
    let response = r#"<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns="http://purl.org/rss/1.0/" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns:status="http://jvndb.jvn.jp/myjvn/Status">
  <status:Status version="3.3" method="getVulnOverviewList" lang="ja" retCd="1" retMax=""
    errCd="1001" errMsg="パラメタ(maxCountItem)の値が不正です。" totalRes="" totalResRet="" firstRes=""/>
</rdf:RDF>"#;
    let e = jvn::parse(response.as_bytes()).expect_err("status");
    assert_eq!(e.kind, ErrorKind::MyJvn, "{e}");
    assert!(
        e.message.contains("パラメタ(maxCountItem)の値が不正です。"),
        "{e}"
    );
    assert!(e.message.contains("1001"), "{e}");
    assert_eq!(e.place, "line 4, column 3 (status:Status)", "{e}");

    // Matched by namespace, not prefix: another prefix for the same namespace is the same.
    let renamed = response
        .replace("xmlns:status=", "xmlns:st=")
        .replace("<status:Status", "<st:Status");
    assert_eq!(
        jvn::parse(renamed.as_bytes()).expect_err("renamed").kind,
        ErrorKind::MyJvn
    );
    // An element named status:Status in another namespace is not MyJVN's.
    let other = response.replace("http://jvndb.jvn.jp/myjvn/Status", "urn:example:not-myjvn");
    let feed = jvn::parse(other.as_bytes()).expect("not a status");
    assert!(feed.entries.is_empty() && feed.paging.is_none());

    let Some(dir) = samples() else {
        return;
    };
    let text = std::fs::read_to_string(dir.join("getVulnDetailInfo_hnd_JVNDB-2022-000097.xml"))
        .expect("read");
    let failed = text
        .replace(r#"retCd="0""#, r#"retCd="1""#)
        .replace(r#"errMsg="""#, r#"errMsg="指定されたIDは存在しません""#);
    let e = jvn::parse(failed.as_bytes()).expect_err("status");
    assert_eq!(e.kind, ErrorKind::MyJvn, "{e}");
    assert!(e.message.contains("指定されたIDは存在しません"), "{e}");
}

#[test]
fn elements_are_matched_by_namespace_not_prefix() {
    let Some(dir) = samples() else {
        return;
    };
    let text = std::fs::read_to_string(dir.join("getVulnOverviewList_hnd.xml")).expect("read");
    let renamed = text
        .replace("xmlns:sec=", "xmlns:s=")
        .replace("<sec:", "<s:")
        .replace("</sec:", "</s:");
    let a = jvn::parse(text.as_bytes()).expect("original");
    let b = jvn::parse(renamed.as_bytes()).expect("renamed");
    assert_eq!(a.entries, b.entries);
    // The sec: prefix bound to another namespace is not JVN's: its identifier is not read.
    let foreign = text.replace("http://jvn.jp/rss/mod_sec/3.0/", "urn:example:sec");
    let e = jvn::parse(foreign.as_bytes()).expect_err("foreign");
    assert_eq!(e.kind, ErrorKind::Invalid, "{e}");
    assert!(e.message.contains("sec:identifier"), "{e}");
}

//! Small files that expand to gigabytes (issue #15): a workbook whose one long shared string is
//! used by every cell, and feed archives of spaces or zeros that unpack past any real feed. Each
//! is refused with a message naming the limit, by the command line (its peak memory measured) and
//! through the web, and nothing is imported.

use std::io::Write;
use std::path::Path;

use reqwest::StatusCode;

use crate::cli::{set_up, text};
use crate::kit::{Backend, TestServer};

/// The ceiling the issue sets for these files.
const MAX_PEAK_MIB: u64 = 300;

/// Runs `mamori ARGS` in `dir` and returns its output with its peak resident memory (MiB),
/// sampled from /proc while it runs.
fn run_measured(dir: &Path, args: &[&str]) -> (std::process::Output, u64) {
    let mut child = crate::process::spawn_piped(dir, args);
    let pid = child.id();
    let mut peak_kib = 0;
    // The pipes are small: read them on threads so the child never blocks on them.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut buf).ok();
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut buf).ok();
        buf
    });
    let status = loop {
        if let Some(hwm) = crate::process::status_kib(pid, "VmHWM") {
            peak_kib = peak_kib.max(hwm);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let output = std::process::Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    (output, peak_kib / 1024)
}

/// A workbook of 120,000 cells that all show one 32,000-character shared string: 3.8 GB of
/// text once every cell has its copy.
fn shared_string_bomb() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let long = "危".repeat(10_000) + &"x".repeat(2_000);
    sheet.write_string(0, 0, "機器名").unwrap();
    sheet.write_string(0, 1, "IPアドレス").unwrap();
    for row in 1..=60_000u32 {
        sheet.write_string(row, 0, &long).unwrap();
        sheet.write_string(row, 1, &long).unwrap();
    }
    book.save_to_buffer().unwrap()
}

/// A zip of files, each a start followed by `fill` bytes of one byte value.
fn zip_of(files: &[(&str, &[u8], u8, usize)]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        for (name, start, byte, fill) in files {
            z.start_file(*name, options).unwrap();
            z.write_all(start).unwrap();
            let chunk = vec![*byte; 8 * 1024 * 1024];
            let mut left = *fill;
            while left > 0 {
                let n = left.min(chunk.len());
                z.write_all(&chunk[..n]).unwrap();
                left -= n;
            }
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

/// An NVD-looking feed of 1.1 GB of white space: past the 1 GiB an archive may unpack to.
fn feed_bomb() -> Vec<u8> {
    zip_of(&[(
        "nvdcve-1.1-2099.json",
        br#"{"CVE_data_timestamp":"2099-01-01T00:00Z","CVE_Items":["#,
        b' ',
        1_100 * 1024 * 1024,
    )])
}

#[test]
fn a_shared_string_bomb_is_refused_by_the_command_line_within_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    set_up(dir.path());
    let file = dir.path().join("bomb.xlsx");
    let bytes = shared_string_bomb();
    assert!(bytes.len() < 1024 * 1024, "{}", bytes.len());
    std::fs::write(&file, &bytes).unwrap();
    let (out, peak) = run_measured(dir.path(), &["ledger", "import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("64 MB of text"), "{}", text(&out));
    eprintln!("xlsx bomb: peak RSS {peak} MiB");
    assert!(peak < MAX_PEAK_MIB, "peak RSS {peak} MiB");
    let list = crate::cli::mamori(dir.path(), &["ledger", "list", "--json"]);
    assert_eq!(String::from_utf8_lossy(&list.stdout).trim(), "[]");
}

#[test]
fn a_feed_archive_that_unpacks_past_the_limit_is_refused_within_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    set_up(dir.path());
    let file = dir.path().join("nvd-bomb.zip");
    let bytes = feed_bomb();
    assert!(bytes.len() < 4 * 1024 * 1024, "{}", bytes.len());
    std::fs::write(&file, &bytes).unwrap();
    let (out, peak) = run_measured(dir.path(), &["feeds", "import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("nvd-bomb.zip/nvdcve-1.1-2099.json")
            && text(&out).contains("more than 1 GiB"),
        "{}",
        text(&out)
    );
    eprintln!("zip bomb: peak RSS {peak} MiB");
    assert!(peak < MAX_PEAK_MIB, "peak RSS {peak} MiB");
    // A zip whose feed is fine but which also holds 1 MB of zeros named .json: refused, naming it.
    let file = dir.path().join("zeros.zip");
    let empty_feed: &[u8] = br#"{"CVE_data_timestamp":"2099-01-01T00:00Z","CVE_Items":[]}"#;
    std::fs::write(
        &file,
        zip_of(&[
            ("nvdcve-1.1-2099.json", empty_feed, b' ', 0),
            ("zeros.json", b"", 0, 1024 * 1024),
        ]),
    )
    .unwrap();
    let (out, _) = run_measured(dir.path(), &["feeds", "import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("zeros.json"), "{}", text(&out));
    let status = crate::cli::mamori(dir.path(), &["feeds", "status", "--json"]);
    assert!(
        !String::from_utf8_lossy(&status.stdout).contains("2099"),
        "nothing may be imported"
    );
}

/// The same files through the web pages: refused with the limit named, nothing written.
#[tokio::test]
async fn the_web_refuses_them_too() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let admin = server.with_admin().await;
    admin.get("/ledger/import").await;
    let page = admin
        .upload(
            "/ledger/import",
            "file",
            "bomb.xlsx",
            tokio::task::spawn_blocking(shared_string_bomb)
                .await
                .unwrap(),
            true,
        )
        .await;
    assert!(
        page.body.contains("セルの文字が多すぎます"),
        "{}: {}",
        page.status,
        page.body
    );
    assert_eq!(server.count("devices").await, 0);
    admin.get("/vuln/feeds").await;
    // A KEV catalog is read whole: one that unpacks past 64 MB is refused there.
    let bomb = tokio::task::spawn_blocking(|| {
        zip_of(&[(
            "known_exploited_vulnerabilities.json",
            br#"{"catalogVersion":"2099.01.01","#,
            b' ',
            100 * 1024 * 1024,
        )])
    })
    .await
    .unwrap();
    let page = admin
        .upload("/vuln/feeds/import", "file", "kev-bomb.zip", bomb, true)
        .await;
    assert_ne!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        page.body.contains("64 MB"),
        "{}: {}",
        page.status,
        page.body
    );
    assert_eq!(server.count("vuln_cves").await, 0);
    server.stop().await;
}

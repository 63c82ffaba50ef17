//! `download`: a local file server with Range, ETag/304, and a mode that
//! drops the connection halfway.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use mamori_net::{NetError, download};

use crate::support::{client, closed_port, read_data, serve};

const LAST_MODIFIED: &str = "Mon, 25 Aug 2025 00:00:00 GMT";

/// What the server saw of one request.
#[derive(Clone, Debug, Default)]
struct Seen {
    path: String,
    range: Option<String>,
    if_range: Option<String>,
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
}

#[derive(Clone, Default)]
struct FileServer {
    files: Arc<HashMap<String, Bytes>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Break the next response off halfway.
    drop_next: Arc<AtomicBool>,
    /// Answer every request with the whole file.
    ignore_range: bool,
}

impl FileServer {
    fn new(files: &[(&str, Vec<u8>)]) -> FileServer {
        FileServer {
            files: Arc::new(
                files
                    .iter()
                    .map(|(p, b)| ((*p).to_owned(), Bytes::from(b.clone())))
                    .collect(),
            ),
            ..FileServer::default()
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    async fn start(&self) -> std::net::SocketAddr {
        serve(Router::new().fallback(handle).with_state(self.clone())).await
    }
}

fn etag_of(body: &[u8]) -> String {
    format!("\"v1-{}\"", body.len())
}

async fn handle(State(server): State<FileServer>, uri: Uri, headers: HeaderMap) -> Response {
    let get = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let seen = Seen {
        path: uri.path().to_owned(),
        range: get(header::RANGE),
        if_range: get(header::IF_RANGE),
        if_none_match: get(header::IF_NONE_MATCH),
        if_modified_since: get(header::IF_MODIFIED_SINCE),
    };
    server.seen.lock().expect("lock").push(seen.clone());

    let Some(file) = server.files.get(uri.path()).cloned() else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::from("<html><body>404 — no such feed</body></html>"))
            .expect("response");
    };
    let etag = etag_of(&file);
    let len = file.len() as u64;
    if seen.if_none_match.as_deref() == Some(etag.as_str()) {
        return Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, &etag)
            .body(Body::empty())
            .expect("response");
    }
    let mut from = seen
        .range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse::<u64>().ok());
    if server.ignore_range || seen.if_range.as_deref().is_some_and(|v| v != etag) {
        from = None;
    }
    let builder = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::LAST_MODIFIED, LAST_MODIFIED)
        .header(header::ACCEPT_RANGES, "bytes");
    let (builder, body) = match from {
        Some(n) if n >= len => {
            return builder
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{len}"))
                .body(Body::empty())
                .expect("response");
        }
        Some(n) => (
            builder.status(StatusCode::PARTIAL_CONTENT).header(
                header::CONTENT_RANGE,
                format!("bytes {n}-{}/{len}", len - 1),
            ),
            file.slice(usize::try_from(n).expect("usize")..),
        ),
        None => (builder.status(StatusCode::OK), file),
    };
    let builder = builder.header(header::CONTENT_LENGTH, body.len());
    if server.drop_next.swap(false, Ordering::SeqCst) {
        let half = body.slice(..body.len() / 2);
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(half),
            Err(std::io::Error::other("connection dropped by the test")),
        ];
        return builder
            .body(Body::from_stream(futures_util::stream::iter(chunks)))
            .expect("response");
    }
    builder.body(Body::from(body)).expect("response")
}

fn part_of(dest: &std::path::Path) -> std::path::PathBuf {
    let mut s = dest.as_os_str().to_owned();
    s.push(".part");
    s.into()
}

fn meta_of(dest: &std::path::Path, suffix: &str) -> std::path::PathBuf {
    let mut s = dest.as_os_str().to_owned();
    s.push(suffix);
    s.into()
}

#[tokio::test]
async fn full_download_equals_file_then_304() {
    let data = data_or_skip!();
    let kev = read_data(&data, "kev/known_exploited_vulnerabilities.json");
    let len = kev.len() as u64;
    let server = FileServer::new(&[("/feeds/kev.json", kev.clone())]);
    let addr = server.start().await;
    let url = format!("http://{addr}/feeds/kev.json");
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("feeds").join("kev.json");

    let mut progress = Vec::new();
    let got = download(&client(), &url, &dest, |done, total| {
        progress.push((done, total));
    })
    .await
    .expect("download");
    assert_eq!(std::fs::read(&dest).expect("read dest"), kev);
    assert_eq!(got.bytes, len);
    assert_eq!(got.transferred, len);
    assert!(!got.resumed && !got.not_modified);
    assert_eq!(got.etag.as_deref(), Some(etag_of(&kev).as_str()));
    assert_eq!(got.last_modified.as_deref(), Some(LAST_MODIFIED));
    assert_eq!(progress.last(), Some(&(len, Some(len))));
    assert!(progress.windows(2).all(|w| w[0].0 <= w[1].0));
    assert!(!part_of(&dest).exists());
    assert!(meta_of(&dest, ".meta").exists());

    // Again: conditional request, 304, file left alone.
    let again = download(&client(), &url, &dest, |_, _| {})
        .await
        .expect("second download");
    assert!(again.not_modified);
    assert_eq!(again.transferred, 0);
    assert_eq!(again.bytes, len);
    assert_eq!(again.etag, got.etag);
    assert_eq!(std::fs::read(&dest).expect("read dest"), kev);

    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].path, "/feeds/kev.json");
    assert_eq!(seen[0].if_none_match, None);
    assert_eq!(seen[0].range, None);
    assert_eq!(
        seen[1].if_none_match.as_deref(),
        Some(etag_of(&kev).as_str())
    );
    assert_eq!(seen[1].if_modified_since.as_deref(), Some(LAST_MODIFIED));
}

#[tokio::test]
async fn resumes_existing_part_with_range() {
    let data = data_or_skip!();
    let gz = read_data(&data, "nvd/feeds-1.1/nvdcve-1.1-2018.json.gz");
    let len = gz.len() as u64;
    let server = FileServer::new(&[("/nvdcve-1.1-2018.json.gz", gz.clone())]);
    let addr = server.start().await;
    let url = format!("http://{addr}/nvdcve-1.1-2018.json.gz");
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("nvdcve-1.1-2018.json.gz");
    let half = gz.len() / 2;
    std::fs::write(part_of(&dest), &gz[..half]).expect("write part");

    let got = download(&client(), &url, &dest, |_, _| {})
        .await
        .expect("download");
    assert_eq!(
        std::fs::read(&dest).expect("read dest"),
        gz,
        "resumed file differs"
    );
    assert!(got.resumed);
    assert_eq!(got.bytes, len);
    assert_eq!(got.transferred, len - half as u64);
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].range.as_deref(),
        Some(format!("bytes={half}-").as_str())
    );
    assert!(!part_of(&dest).exists());
}

#[tokio::test]
async fn interrupted_transfer_is_resumed() {
    let data = data_or_skip!();
    let gz = read_data(&data, "nvd/feeds-1.1/nvdcve-1.1-2018.json.gz");
    let server = FileServer::new(&[("/f.gz", gz.clone())]);
    server.drop_next.store(true, Ordering::SeqCst);
    let addr = server.start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("f.gz");

    let got = download(&client(), &format!("http://{addr}/f.gz"), &dest, |_, _| {})
        .await
        .expect("download");
    assert_eq!(std::fs::read(&dest).expect("read dest"), gz);
    assert!(got.resumed);
    assert_eq!(got.transferred, gz.len() as u64);
    let seen = server.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].range, None);
    let from: u64 = seen[1]
        .range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse().ok())
        .expect("second request asks for a range");
    assert!(
        from > 0 && from <= gz.len() as u64 / 2,
        "resumed from {from}"
    );
    // The validator of the first response guards the splice.
    assert_eq!(seen[1].if_range.as_deref(), Some(etag_of(&gz).as_str()));
}

#[tokio::test]
async fn part_of_a_changed_file_is_replaced() {
    let file = b"new content of the feed, version 2\n".repeat(500);
    let server = FileServer::new(&[("/kev.json", file.clone())]);
    let addr = server.start().await;
    let url = format!("http://{addr}/kev.json");
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("kev.json");
    std::fs::write(part_of(&dest), b"old content, version 1").expect("write part");
    std::fs::write(
        meta_of(&dest, ".part.meta"),
        format!(r#"{{"url":"{url}","etag":"\"old\"","last_modified":null}}"#),
    )
    .expect("write part meta");

    let got = download(&client(), &url, &dest, |_, _| {})
        .await
        .expect("download");
    assert_eq!(std::fs::read(&dest).expect("read dest"), file);
    assert!(!got.resumed);
    let seen = server.seen();
    assert_eq!(seen[0].if_range.as_deref(), Some("\"old\""));
}

#[tokio::test]
async fn server_ignoring_range_restarts() {
    let file = b"0123456789".repeat(10_000);
    let mut server = FileServer::new(&[("/f", file.clone())]);
    server.ignore_range = true;
    let addr = server.start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("f");
    std::fs::write(part_of(&dest), &file[..5000]).expect("write part");

    let got = download(&client(), &format!("http://{addr}/f"), &dest, |_, _| {})
        .await
        .expect("download");
    assert_eq!(std::fs::read(&dest).expect("read dest"), file);
    assert!(!got.resumed);
    assert_eq!(got.transferred, file.len() as u64);
    assert_eq!(server.seen()[0].range.as_deref(), Some("bytes=5000-"));
}

#[tokio::test]
async fn complete_part_and_416_finishes() {
    let file = b"complete already".repeat(100);
    let server = FileServer::new(&[("/f", file.clone())]);
    let addr = server.start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("f");
    std::fs::write(part_of(&dest), &file).expect("write part");

    let got = download(&client(), &format!("http://{addr}/f"), &dest, |_, _| {})
        .await
        .expect("download");
    assert_eq!(std::fs::read(&dest).expect("read dest"), file);
    assert_eq!(got.bytes, file.len() as u64);
    assert_eq!(got.transferred, 0);
    assert!(!part_of(&dest).exists());
}

#[tokio::test]
async fn not_found_is_a_clear_error() {
    let server = FileServer::new(&[]);
    let addr = server.start().await;
    let url = format!("http://{addr}/feeds/missing.json");
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("missing.json");

    let err = download(&client(), &url, &dest, |_, _| {})
        .await
        .expect_err("404 must fail");
    assert_eq!(err.status(), Some(404));
    assert!(matches!(err, NetError::Status { .. }));
    let msg = err.to_string();
    assert!(msg.contains(&url), "{msg}");
    assert!(msg.contains("404 Not Found"), "{msg}");
    assert!(msg.contains("no such feed"), "{msg}");
    assert!(msg.contains("check the URL"), "{msg}");
    assert!(!dest.exists() && !part_of(&dest).exists());
}

#[tokio::test]
async fn unreachable_host_is_a_clear_error() {
    let port = closed_port().await;
    let url = format!("http://127.0.0.1:{port}/kev.json");
    let dir = tempfile::tempdir().expect("tempdir");
    let err = download(&client(), &url, &dir.path().join("kev.json"), |_, _| {})
        .await
        .expect_err("nothing listens there");
    assert!(matches!(err, NetError::Connect { .. }), "{err:?}");
    assert!(err.is_transient());
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("could not connect to {url}")),
        "{msg}"
    );
    assert!(msg.contains("allowed to reach the internet"), "{msg}");
    assert!(msg.contains("HTTPS_PROXY"), "{msg}");
}

#[tokio::test]
async fn invalid_url_is_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = download(
        &client(),
        "ftp://example.org/x",
        &dir.path().join("x"),
        |_, _| {},
    )
    .await
    .expect_err("ftp is not supported");
    assert!(matches!(err, NetError::InvalidUrl { .. }), "{err:?}");
}

/// An HTTPS server whose certificate is not in the system store (as with a
/// TLS-inspecting proxy whose CA was not installed): the message says how to
/// install the CA.
#[tokio::test]
async fn untrusted_certificate_gives_ca_hint() {
    use tokio_rustls::rustls;
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
    let cert = key.cert.der().clone();
    let private = rustls::pki_types::PrivateKeyDer::Pkcs8(key.signing_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert], private)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = acceptor.accept(stream).await;
        }
    });

    let url = format!("https://localhost:{port}/kev.json");
    let dir = tempfile::tempdir().expect("tempdir");
    let err = download(&client(), &url, &dir.path().join("kev.json"), |_, _| {})
        .await
        .expect_err("self-signed certificate must be rejected");
    assert!(matches!(err, NetError::Tls { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("update-ca-certificates"), "{msg}");
    assert!(msg.contains(&url), "{msg}");
}

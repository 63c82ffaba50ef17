//! Proxies: parsing of the environment variables (as a pure function: the
//! process environment is never changed), NO_PROXY rules, and requests
//! through a small forwarding proxy on loopback.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use mamori_net::{
    Client, ClientConfig, NetError, ProxyConfig, ProxySetting, download, post_json, redact_url,
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use url::Url;

use crate::support::{client_with, closed_port, serve};

fn from_vars(vars: &[(&str, &str)]) -> ProxyConfig {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    ProxyConfig::from_lookup(move |name| map.get(name).cloned())
}

#[test]
fn environment_variables() {
    let c = from_vars(&[
        ("HTTPS_PROXY", "http://upper:3128"),
        ("https_proxy", "http://lower:3128"),
        ("HTTP_PROXY", "proxy.lan:8080"),
        ("NO_PROXY", "localhost,.hospital.local"),
    ]);
    assert_eq!(
        c.https.as_deref(),
        Some("http://lower:3128"),
        "lower case wins"
    );
    assert_eq!(c.http.as_deref(), Some("proxy.lan:8080"));
    assert_eq!(c.no_proxy.as_deref(), Some("localhost,.hospital.local"));

    let c = from_vars(&[("ALL_PROXY", "http://all:1"), ("no_proxy", "*")]);
    assert_eq!(c.http.as_deref(), Some("http://all:1"));
    assert_eq!(c.https.as_deref(), Some("http://all:1"));
    assert_eq!(c.no_proxy.as_deref(), Some("*"));

    // httpoxy: in a CGI context HTTP_PROXY may come from a request header.
    let c = from_vars(&[("HTTP_PROXY", "http://evil:1"), ("REQUEST_METHOD", "GET")]);
    assert_eq!(c.http, None);

    let c = from_vars(&[("https_proxy", "  "), ("HTTPS_PROXY", "http://used:2")]);
    assert_eq!(
        c.https.as_deref(),
        Some("http://used:2"),
        "blank values are skipped"
    );

    let c = from_vars(&[]);
    assert!(c.is_empty());
    assert_eq!(c, ProxyConfig::default());
}

#[test]
fn no_proxy_rules() {
    let c = ProxyConfig {
        http: Some("http://proxy:3128".into()),
        https: Some("http://proxy:3128".into()),
        no_proxy: Some(
            "localhost, .hospital.local,*.corp.example 10.0.0.0/8,192.168.1.5,[::1],mirror.lan:8080,fd00::/8"
                .into(),
        ),
    };
    let via = |u: &str| c.proxy_for(&Url::parse(u).expect("url")).map(str::to_owned);
    let proxied = Some("http://proxy:3128".to_owned());
    assert_eq!(via("https://services.nvd.nist.gov/rest"), proxied);
    assert_eq!(via("http://www.cisa.gov/kev.json"), proxied);
    assert_eq!(via("http://localhost:8080/"), None);
    assert_eq!(via("http://hospital.local/"), None);
    assert_eq!(via("https://chat.hospital.local/hook"), None);
    assert_eq!(via("https://nothospital.local/"), proxied);
    assert_eq!(via("https://a.corp.example/"), None);
    assert_eq!(via("http://10.20.30.40/"), None);
    assert_eq!(via("http://11.0.0.1/"), proxied);
    assert_eq!(via("http://192.168.1.5/"), None);
    assert_eq!(via("http://192.168.1.6/"), proxied);
    assert_eq!(via("http://[::1]:3000/"), None);
    assert_eq!(via("http://[fd12::5]/"), None);
    assert_eq!(via("http://mirror.lan:8080/"), None);
    assert_eq!(via("http://mirror.lan/"), proxied, "port must match");

    let all = ProxyConfig {
        https: Some("http://proxy:3128".into()),
        no_proxy: Some("*".into()),
        ..ProxyConfig::default()
    };
    assert_eq!(
        all.proxy_for(&Url::parse("https://x.example/").expect("url")),
        None
    );
    let http_only = ProxyConfig {
        http: Some("http://proxy:3128".into()),
        ..ProxyConfig::default()
    };
    assert_eq!(
        http_only.proxy_for(&Url::parse("https://x.example/").expect("url")),
        None
    );
}

#[test]
fn credentials_are_redacted() {
    assert_eq!(
        redact_url("http://user:s3cret@proxy:3128"),
        "http://***@proxy:3128/"
    );
    assert_eq!(redact_url("http://proxy:3128/"), "http://proxy:3128/");
    assert_eq!(redact_url("user:s3cret@proxy:3128"), "***@proxy:3128");
    assert!(!redact_url("ht tp://u:s3cret@x/y").contains("s3cret"));
    assert_eq!(
        redact_url("https://mirror.example/feed.json?apiKey=abc&year=2024&access_token=t"),
        "https://mirror.example/feed.json?apiKey=***&year=2024&access_token=***"
    );
    assert_eq!(
        redact_url("https://services.nvd.nist.gov/rest/json/cves/2.0?startIndex=0"),
        "https://services.nvd.nist.gov/rest/json/cves/2.0?startIndex=0"
    );
    let c = ProxyConfig {
        https: Some("http://user:s3cret@proxy:3128".into()),
        ..ProxyConfig::default()
    };
    assert!(!format!("{c:?}").contains("s3cret"));
}

#[test]
fn unsupported_proxy_scheme_is_a_config_error() {
    let err = Client::new(ClientConfig {
        proxy: ProxySetting::Url("socks5://user:s3cret@proxy:1080".into()),
        ..ClientConfig::default()
    })
    .expect_err("socks is not supported");
    assert!(matches!(err, NetError::Config(_)), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("HTTP(S) proxies only"), "{msg}");
    assert!(!msg.contains("s3cret"), "{msg}");
}

/// What the proxy saw of one request.
#[derive(Clone, Debug)]
struct ProxySeen {
    request_line: String,
    proxy_authorization: Option<String>,
}

/// A forwarding HTTP proxy for `http://` URLs (absolute-form requests).
async fn start_proxy() -> (SocketAddr, Arc<Mutex<Vec<ProxySeen>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen: Arc<Mutex<Vec<ProxySeen>>> = Arc::default();
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let _ = forward(stream, log).await;
            });
        }
    });
    (addr, seen)
}

async fn forward(
    stream: tokio::net::TcpStream,
    log: Arc<Mutex<Vec<ProxySeen>>>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).await?;
    let request_line = request_line.trim_end().to_owned();
    let mut headers = Vec::new();
    let mut proxy_authorization = None;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await?;
        let line = line.trim_end().to_owned();
        if line.is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("proxy-authorization:") {
            let _ = v;
            proxy_authorization = Some(line["proxy-authorization:".len()..].trim().to_owned());
        } else if !lower.starts_with("connection:") && !lower.starts_with("proxy-connection:") {
            headers.push(line);
        }
    }
    log.lock().expect("lock").push(ProxySeen {
        request_line: request_line.clone(),
        proxy_authorization,
    });
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Ok(());
    };
    let Some(rest) = target.strip_prefix("http://") else {
        write
            .write_all(
                b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await?;
        return Ok(());
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut upstream = tokio::net::TcpStream::connect(authority).await?;
    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    for h in headers {
        head.push_str(&h);
        head.push_str("\r\n");
    }
    head.push_str("Connection: close\r\n\r\n");
    upstream.write_all(head.as_bytes()).await?;
    let (mut up_read, mut up_write) = upstream.into_split();
    let to_upstream = async {
        let _ = tokio::io::copy(&mut reader, &mut up_write).await;
    };
    let to_client = async {
        let _ = tokio::io::copy(&mut up_read, &mut write).await;
        let _ = write.shutdown().await;
    };
    tokio::select! {
        () = to_client => {}
        () = to_upstream => {}
    }
    Ok(())
}

async fn start_target() -> SocketAddr {
    serve(Router::new().route(
        "/feed.json",
        axum::routing::get(|| async { "{\"title\":\"脆弱性フィード\"}" }),
    ))
    .await
}

#[tokio::test]
async fn requests_go_through_the_proxy() {
    let target = start_target().await;
    let (proxy, seen) = start_proxy().await;
    let url = format!("http://{target}/feed.json");
    let dir = tempfile::tempdir().expect("tempdir");

    // With credentials, as from HTTP_PROXY=http://mamori:pa55w0rd@proxy:port
    let client = client_with(ProxySetting::Manual(ProxyConfig {
        http: Some(format!("http://mamori:pa55w0rd@{proxy}")),
        https: None,
        no_proxy: Some("example.invalid".into()),
    }));
    assert_eq!(
        client.proxy_for(&Url::parse(&url).expect("url")),
        Some(format!("http://***@{proxy}/"))
    );
    let dest = dir.path().join("a.json");
    download(&client, &url, &dest, |_, _| {})
        .await
        .expect("download through proxy");
    assert_eq!(
        std::fs::read_to_string(&dest).expect("read"),
        "{\"title\":\"脆弱性フィード\"}"
    );

    // Without credentials, one proxy for every scheme.
    let client = client_with(ProxySetting::Url(proxy.to_string()));
    let dest = dir.path().join("b.json");
    download(&client, &url, &dest, |_, _| {})
        .await
        .expect("download through proxy");

    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].request_line, format!("GET {url} HTTP/1.1"));
    assert_eq!(
        seen[0].proxy_authorization.as_deref(),
        Some(format!("Basic {}", data_encoding::BASE64.encode(b"mamori:pa55w0rd")).as_str())
    );
    assert_eq!(seen[1].request_line, format!("GET {url} HTTP/1.1"));
    assert_eq!(seen[1].proxy_authorization, None);
}

#[tokio::test]
async fn no_proxy_is_respected() {
    let target = start_target().await;
    let (proxy, seen) = start_proxy().await;
    let client = client_with(ProxySetting::Manual(ProxyConfig {
        http: Some(format!("http://{proxy}")),
        https: Some(format!("http://{proxy}")),
        no_proxy: Some("localhost, 127.0.0.0/8".into()),
    }));
    let dir = tempfile::tempdir().expect("tempdir");
    download(
        &client,
        &format!("http://{target}/feed.json"),
        &dir.path().join("a.json"),
        |_, _| {},
    )
    .await
    .expect("direct download");
    let status = post_json(
        &client,
        &format!("http://{target}/feed.json"),
        &serde_json::json!({}),
    )
    .await
    .expect_err("GET-only route");
    assert_eq!(status.status(), Some(405));
    assert!(seen.lock().expect("lock").is_empty(), "the proxy was used");
}

#[tokio::test]
async fn dead_proxy_error_names_proxy_without_password() {
    let port = closed_port().await;
    let client = client_with(ProxySetting::Manual(ProxyConfig {
        http: Some(format!("http://mamori:pa55w0rd@127.0.0.1:{port}")),
        https: Some(format!("http://mamori:pa55w0rd@127.0.0.1:{port}")),
        no_proxy: None,
    }));
    let dir = tempfile::tempdir().expect("tempdir");
    for url in [
        "http://feeds.example.invalid/kev.json",
        "https://feeds.example.invalid/kev.json",
    ] {
        let err = download(&client, url, &dir.path().join("kev.json"), |_, _| {})
            .await
            .expect_err("proxy is down");
        assert!(matches!(err, NetError::Connect { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(!msg.contains("pa55w0rd"), "{msg}");
        assert!(!format!("{err:?}").contains("pa55w0rd"), "{err:?}");
        assert!(
            msg.contains(&format!("through proxy http://***@127.0.0.1:{port}/")),
            "{msg}"
        );
        assert!(msg.contains("check that the proxy is running"), "{msg}");
    }
}

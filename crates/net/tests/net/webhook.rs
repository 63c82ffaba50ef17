//! `post_json` to a receiver on loopback.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use mamori_net::{NetError, post_json};
use serde_json::json;

use crate::support::{client, closed_port, serve};

/// Content-Type and body of a received request.
type Received = (Option<String>, Bytes);

#[derive(Clone, Default)]
struct Inbox {
    received: Arc<Mutex<Vec<Received>>>,
}

async fn receive(State(inbox): State<Inbox>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    inbox
        .received
        .lock()
        .expect("lock")
        .push((content_type, body));
    StatusCode::NO_CONTENT
}

async fn fail() -> (StatusCode, &'static str) {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "内部エラー:\n  database is locked (retry later)",
    )
}

async fn start() -> (std::net::SocketAddr, Inbox) {
    let inbox = Inbox::default();
    let router = Router::new()
        .route("/hooks/T0KEN-SECRET/alerts", axum::routing::post(receive))
        .route("/hooks/T0KEN-SECRET/broken", axum::routing::post(fail))
        .with_state(inbox.clone());
    (serve(router).await, inbox)
}

#[tokio::test]
async fn json_arrives_intact() {
    let (addr, inbox) = start().await;
    let alert = json!({
        "severity": "critical",
        "title": "ランサムウェアの兆候を検知しました",
        "detail": "電子カルテサーバ（10.0.0.5）で FortiOS CVE-2018-13379 が未対策です。",
        "count": 3,
        "tags": ["KEV", "至急"],
    });
    let status = post_json(
        &client(),
        &format!("http://{addr}/hooks/T0KEN-SECRET/alerts"),
        &alert,
    )
    .await
    .expect("webhook");
    assert_eq!(status, 204);
    let received = inbox.received.lock().expect("lock").clone();
    assert_eq!(received.len(), 1);
    let (content_type, body) = &received[0];
    assert_eq!(
        content_type.as_deref(),
        Some("application/json; charset=utf-8")
    );
    let got: serde_json::Value = serde_json::from_slice(body).expect("json body");
    assert_eq!(got, alert);
    assert!(
        std::str::from_utf8(body)
            .expect("utf-8")
            .contains("ランサムウェア")
    );
}

#[tokio::test]
async fn server_error_is_an_error_with_excerpt() {
    let (addr, _) = start().await;
    let err = post_json(
        &client(),
        &format!("http://{addr}/hooks/T0KEN-SECRET/broken"),
        &json!({"title": "テスト"}),
    )
    .await
    .expect_err("500 must fail");
    assert_eq!(err.status(), Some(500));
    let msg = err.to_string();
    assert!(msg.contains("HTTP 500"), "{msg}");
    assert!(
        msg.contains("内部エラー: database is locked (retry later)"),
        "{msg}"
    );
    assert!(msg.contains(&format!("http://{addr}/…")), "{msg}");
    assert!(!msg.contains("T0KEN-SECRET"), "webhook token leaked: {msg}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn unreachable_receiver_hides_token() {
    let port = closed_port().await;
    let err = post_json(
        &client(),
        &format!("http://127.0.0.1:{port}/hooks/T0KEN-SECRET/alerts?key=S3CRET"),
        &json!({}),
    )
    .await
    .expect_err("nothing listens");
    assert!(matches!(err, NetError::Connect { .. }), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains("T0KEN-SECRET") && !text.contains("S3CRET"),
        "{text}"
    );
}

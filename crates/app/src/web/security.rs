//! Security headers, the cross-origin check for state-changing requests, and the request log.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if state.config.tls() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    // Pages hold a map of the hospital: never keep them in shared or disk caches.
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Refuses requests for a host name this server was not told it has (DNS rebinding: a page on
/// another site whose name is made to point at this computer). IP addresses and `localhost`
/// always pass; names are set with `hostnames` / `--hostname`.
pub async fn host_check(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()));
    match host {
        Some(host) if !state.config.answers_to(host) => (
            StatusCode::MISDIRECTED_REQUEST,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "421: mamori does not answer to this host name. Use its address, or add the name to `hostnames` in mamori.toml (or --hostname). / このホスト名では mamori に接続できません。IP アドレスを使うか、mamori.toml の hostnames（または --hostname）に名前を追加してください。",
        )
            .into_response(),
        _ => next.run(req).await,
    }
}

/// Refuses state-changing requests sent by another site (Go 1.25 `CrossOriginProtection`):
/// `Sec-Fetch-Site` must be same-origin or none when present; otherwise `Origin`, when present,
/// must match the `Host` the browser talked to. The per-session CSRF token is the second layer.
pub async fn origin_check(req: Request, next: Next) -> Response {
    if is_safe(req.method()) {
        return next.run(req).await;
    }
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site != "same-origin" && site != "none" {
            return forbidden_cross_origin();
        }
    } else if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !origin_matches_host(origin, host) {
            return forbidden_cross_origin();
        }
    }
    next.run(req).await
}

/// A path on this server to send a visitor back to (after sign-in, after a language switch), or
/// `None`. Only `/` followed by something other than `/` or `\\` (or `/` alone) is accepted, and
/// nothing is removed first: a control character (which browsers drop, turning `/%09/evil` into
/// `//evil`) or a backslash anywhere refuses the whole value.
pub fn local_path(target: &str) -> Option<&str> {
    let mut chars = target.chars();
    if chars.next() != Some('/') {
        return None;
    }
    if matches!(chars.next(), Some('/' | '\\')) {
        return None;
    }
    if target.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    // The percent-encoded forms of the same characters: a browser may decode them first.
    let lower = target.to_ascii_lowercase();
    let encoded_control = lower.match_indices('%').any(|(at, _)| {
        let hex = lower.get(at + 1..at + 3).unwrap_or("");
        u8::from_str_radix(hex, 16).is_ok_and(|b| b < 0x20 || b == 0x7f || b == b'\\')
    });
    if encoded_control {
        return None;
    }
    Some(target)
}

pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn origin_matches_host(origin: &str, host: &str) -> bool {
    match url::Url::parse(origin) {
        Ok(url) => {
            let Some(origin_host) = url.host_str() else {
                return false;
            };
            let with_port = match url.port() {
                Some(port) => format!("{origin_host}:{port}"),
                None => origin_host.to_string(),
            };
            with_port.eq_ignore_ascii_case(host)
        }
        Err(_) => false,
    }
}

fn forbidden_cross_origin() -> Response {
    (
        StatusCode::FORBIDDEN,
        "403: this request came from another site and was refused. / 他のサイトからの送信のため拒否しました。",
    )
        .into_response()
}

/// One line per request: method, path (never the query string, which may carry a setup token),
/// status and time. No cookies, tokens or form fields are logged.
pub async fn request_log(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let response = next.run(req).await;
    let status = response.status().as_u16();
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    if path != "/healthz" {
        tracing::info!(%method, path, status, ms = format!("{ms:.1}"), "request");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_local_paths_are_followed() {
        for good in [
            "/",
            "/ledger",
            "/ledger?q=a%20b",
            "/checklist/forms/3#item-2",
        ] {
            assert_eq!(local_path(good), Some(good), "{good}");
        }
        for bad in [
            "",
            "ledger",
            "//evil.example",
            "/\\evil.example",
            "/%09/evil.example",
            "/\t/evil.example",
            "/a\nb",
            "/%0d%0aSet-Cookie:x",
            "/%5c%5cevil.example",
            "https://evil.example",
            "/x\\y",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn origins_must_match_the_host() {
        assert!(origin_matches_host(
            "http://127.0.0.1:8080",
            "127.0.0.1:8080"
        ));
        assert!(origin_matches_host("https://mamori.local", "mamori.local"));
        assert!(!origin_matches_host(
            "http://evil.example",
            "127.0.0.1:8080"
        ));
        assert!(!origin_matches_host("null", "127.0.0.1:8080"));
        assert!(!origin_matches_host(
            "http://127.0.0.1:8081",
            "127.0.0.1:8080"
        ));
    }
}

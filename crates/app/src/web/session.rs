//! Per-request visitor: session cookie, language, CSRF token (checked on every POST), the setup
//! gate, and the role check that every route declares.

use std::net::SocketAddr;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use hmac::{KeyInit, Mac};

use super::{Access, AppState};
use crate::auth::secrets;
use crate::auth::sessions::{self, Session, Stage};
use crate::db::{Db, DbResult};
use crate::i18n::Lang;
use crate::kernel::{Actor, User};

pub const LANG_COOKIE: &str = "mamori_lang";
/// The cookie that ties a visitor's CSRF token to their browser before sign-in.
pub fn pre_cookie_name(tls: bool) -> &'static str {
    if tls {
        "__Host-mamori_pre"
    } else {
        "mamori_pre"
    }
}
/// The largest plain form accepted from a signed-in user.
const FORM_LIMIT: usize = 1024 * 1024;
/// The largest request body accepted before sign-in (the sign-in, 2FA, setup and language
/// forms are a few hundred bytes): nobody can make the server hold more for them.
pub const ANONYMOUS_LIMIT: usize = 16 * 1024;
/// The longest single value of a plain form (the rooms' own limits are far lower).
const FIELD_LIMIT: usize = 64 * 1024;
/// How far into a multipart body the `_csrf` part is looked for (our forms send it first).
const CSRF_SEARCH_LIMIT: usize = 64 * 1024;
/// The largest file upload (multipart form) accepted: an nmap scan of a /16 fits easily.
pub const UPLOAD_LIMIT: usize = 128 * 1024 * 1024;

/// Everything the pages need to know about who is asking.
#[derive(Clone)]
pub struct Visitor {
    pub ip: String,
    pub lang: Lang,
    pub session: Option<Session>,
    pub csrf: String,
    /// The signed-in user's hospital requires 2FA.
    pub require_totp: bool,
    /// Administrators need 2FA whatever the hospital requires (`admin_two_factor`, on by default).
    pub admin_totp: bool,
    /// The signed-in user's hospital, as named on the home page.
    pub facility_name: String,
}

impl Visitor {
    /// The fully signed-in user, if any.
    pub fn user(&self) -> Option<&User> {
        self.session
            .as_ref()
            .filter(|s| s.stage == Stage::Full)
            .map(|s| &s.user)
    }

    pub fn actor(&self) -> Option<Actor> {
        self.user().map(|u| u.actor(&self.ip))
    }

    /// Signed in, but the hospital requires 2FA (or this user is an administrator, who always
    /// needs it by default) and this user has not enrolled yet.
    pub fn must_enrol_totp(&self) -> bool {
        self.user().is_some_and(|u| {
            !u.has_totp() && (self.require_totp || (self.admin_totp && u.role.is_admin()))
        })
    }
}

pub async fn load_or_create_csrf_key(db: &Db) -> DbResult<Vec<u8>> {
    let existing = crate::db::meta::get(db, "csrf_key").await?;
    if let Some(key) = existing.and_then(|k| data_encoding::HEXLOWER.decode(k.as_bytes()).ok()) {
        return Ok(key);
    }
    let mut key = vec![0u8; 32];
    secrets::fill_random(&mut key);
    crate::db::meta::set(db, "csrf_key", &data_encoding::HEXLOWER.encode(&key)).await?;
    Ok(key)
}

fn anonymous_csrf(key: &[u8], pre: &str) -> String {
    match hmac::Hmac::<sha2::Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(b"mamori-anonymous-csrf:");
            mac.update(pre.as_bytes());
            data_encoding::BASE64URL_NOPAD.encode(&mac.finalize().into_bytes())
        }
        Err(_) => secrets::random_token(),
    }
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

pub fn session_cookie_name(tls: bool) -> &'static str {
    if tls {
        "__Host-mamori_session"
    } else {
        "mamori_session"
    }
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, whole site; Secure under TLS.
pub fn set_cookie(name: &str, value: &str, tls: bool, max_age_seconds: Option<i64>) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if tls {
        text.push_str("; Secure");
    }
    if let Some(age) = max_age_seconds {
        text.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

fn client_ip(req: &Request) -> String {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Paths reachable before setup is finished.
fn open_before_setup(path: &str) -> bool {
    path == "/setup" || path == "/healthz" || path == "/language" || path.starts_with("/static/")
}

pub async fn visit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match visit_inner(state, req, next).await {
        Ok(response) => response,
        Err(e) => {
            tracing::error!(error = %e, "request failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "500: internal error / 内部エラー",
            )
                .into_response()
        }
    }
}

async fn visit_inner(state: AppState, req: Request, next: Next) -> DbResult<Response> {
    let tls = state.config.tls();
    if !state.setup_done() && !open_before_setup(req.uri().path()) {
        return Ok(Redirect::to("/setup").into_response());
    }
    let ip = client_ip(&req);
    let headers = req.headers().clone();
    let session = match cookie(&headers, session_cookie_name(tls)) {
        Some(token) => sessions::find(&state.db, &token, state.config.session_idle_minutes).await?,
        None => None,
    };
    if let Some(s) = &session {
        sessions::touch(&state.db, s).await?;
    }
    let mut new_pre = None;
    let csrf = match &session {
        Some(s) => s.csrf_token.clone(),
        None => {
            let pre = cookie(&headers, pre_cookie_name(tls)).unwrap_or_else(|| {
                let fresh = secrets::random_token();
                new_pre = Some(fresh.clone());
                fresh
            });
            anonymous_csrf(&state.csrf_key, &pre)
        }
    };
    let lang = session
        .as_ref()
        .and_then(|s| Lang::parse(&s.user.language))
        .or_else(|| cookie(&headers, LANG_COOKIE).and_then(|c| Lang::parse(&c)))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default();
    let (require_totp, facility_name) = match &session {
        Some(s) => sessions::facility_of(&state.db, &s.user).await?,
        None => (false, String::new()),
    };
    let visitor = Visitor {
        ip,
        lang,
        session,
        csrf,
        require_totp,
        admin_totp: state.config.admin_two_factor,
        facility_name,
    };
    let req = if *req.method() == Method::POST {
        match check_csrf(req, &visitor).await {
            Ok(req) => req,
            Err(status) => {
                let mut response = if status == StatusCode::FORBIDDEN {
                    super::errors::render_csrf_refusal(&visitor)
                } else {
                    super::errors::render_error(&visitor, status)
                };
                if let Some(pre) = new_pre {
                    response.headers_mut().append(
                        header::SET_COOKIE,
                        set_cookie(pre_cookie_name(tls), &pre, tls, None),
                    );
                }
                return Ok(response);
            }
        }
    } else {
        req
    };
    let mut req = req;
    req.extensions_mut().insert(visitor);
    req.extensions_mut().insert(state.clone());
    let mut response = next.run(req).await;
    if let Some(pre) = new_pre {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(pre_cookie_name(tls), &pre, tls, None),
        );
    }
    Ok(response)
}

/// Compares the token from the `X-CSRF-Token` header or the `_csrf` form field with the
/// visitor's, before the body is read past what is needed to find it: a visitor who is not signed
/// in may send [`ANONYMOUS_LIMIT`] bytes at most, a plain form is read whole (1 MB at most) and
/// put back for the handler, and a file upload is read only until its `_csrf` part (sent first),
/// the rest streaming on to the handler once the token is right. Refusals are the status to show.
async fn check_csrf(req: Request, visitor: &Visitor) -> Result<Request, StatusCode> {
    let (parts, body) = req.into_parts();
    let multipart = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/form-data"));
    let limit = if visitor.session.is_none() {
        ANONYMOUS_LIMIT
    } else if multipart {
        UPLOAD_LIMIT
    } else {
        FORM_LIMIT
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    let from_header = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let expected = visitor.csrf.as_str();
    let token_ok = |token: Option<String>| {
        token.is_some_and(|token| secrets::constant_time_eq(&token, expected))
    };
    if multipart && limit == UPLOAD_LIMIT {
        let (head, rest) = read_head(body, CSRF_SEARCH_LIMIT).await?;
        let presented = from_header.or_else(|| multipart_csrf(&head));
        if !token_ok(presented) {
            return Err(StatusCode::FORBIDDEN);
        }
        let head = futures_util::stream::once(async move {
            Ok::<_, axum::Error>(axum::body::Bytes::from(head))
        });
        let body = Body::from_stream(futures_util::StreamExt::chain(
            head,
            rest.into_data_stream(),
        ));
        return Ok(Request::from_parts(parts, body));
    }
    let bytes = to_bytes(body, limit)
        .await
        .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE)?;
    let presented = from_header.or_else(|| {
        if multipart {
            multipart_csrf(&bytes)
        } else {
            url::form_urlencoded::parse(&bytes)
                .find(|(k, _)| k == "_csrf")
                .map(|(_, v)| v.into_owned())
        }
    });
    // Each room checks its fields' lengths with a message at the field; this is the backstop for
    // any field none checks: no single value of a form may be longer than 64 KB.
    if !multipart && url::form_urlencoded::parse(&bytes).any(|(_, v)| v.len() > FIELD_LIMIT) {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    if token_ok(presented) {
        Ok(Request::from_parts(parts, Body::from(bytes)))
    } else {
        Err(StatusCode::FORBIDDEN)
    }
}

/// Reads the start of a body until it holds the `_csrf` part or `max` bytes; returns what was
/// read and the body's remainder.
async fn read_head(body: Body, max: usize) -> Result<(Vec<u8>, Body), StatusCode> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut head = Vec::new();
    while head.len() < max && multipart_csrf(&head).is_none() {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    head.extend_from_slice(&data);
                }
            }
            Some(Err(_)) => return Err(StatusCode::BAD_REQUEST),
            None => break,
        }
    }
    Ok((head, body))
}

/// The `_csrf` part of a multipart form (our forms put it first, before any file).
fn multipart_csrf(body: &[u8]) -> Option<String> {
    let marker = b"name=\"_csrf\"\r\n\r\n";
    let head = &body[..body.len().min(64 * 1024)];
    let start = head.windows(marker.len()).position(|w| w == marker)? + marker.len();
    let rest = &head[start..];
    let end = rest.windows(2).position(|w| w == b"\r\n")?;
    std::str::from_utf8(&rest[..end]).ok().map(str::to_string)
}

/// The role check of one route (see [`Access`]).
pub async fn enforce_access(access: Access, req: Request, next: Next) -> Response {
    if access == Access::Public {
        return next.run(req).await;
    }
    let Some(visitor) = req.extensions().get::<Visitor>().cloned() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Some(user) = visitor.user() else {
        if *req.method() == Method::GET {
            let target = req.uri().path();
            return Redirect::to(&format!(
                "/login?next={}",
                url::form_urlencoded::byte_serialize(target.as_bytes()).collect::<String>()
            ))
            .into_response();
        }
        return super::errors::render_error(&visitor, StatusCode::UNAUTHORIZED);
    };
    if !access.allows(user.role) {
        return super::errors::render_error(&visitor, StatusCode::FORBIDDEN);
    }
    // When the hospital requires 2FA, a user without it may only enrol (or sign out).
    if visitor.must_enrol_totp() && !access.open_before_2fa() {
        if *req.method() == Method::GET {
            return Redirect::to("/account/2fa").into_response();
        }
        return super::errors::render_error(&visitor, StatusCode::FORBIDDEN);
    }
    if access.audits_views() {
        let Some(state) = req.extensions().get::<AppState>().cloned() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let Some(actor) = visitor.actor() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        // The path names the record; the query (searches) stays out of the trail.
        let event = crate::db::audit::Event::new("view", "patient_record", req.uri().path());
        if let Err(e) = crate::db::audit::record(&state.db, &actor, event).await {
            tracing::error!(error = %e, "recording a patient-data view failed");
            return super::errors::render_error(&visitor, StatusCode::INTERNAL_SERVER_ERROR);
        }
    }
    next.run(req).await
}

#[derive(serde::Deserialize)]
pub struct LanguageForm {
    lang: String,
    #[serde(default)]
    back: String,
}

/// Switches the interface language: remembered in a cookie, and for signed-in users in their profile.
pub async fn switch_language(
    State(state): State<AppState>,
    axum::Extension(visitor): axum::Extension<Visitor>,
    axum::Form(form): axum::Form<LanguageForm>,
) -> Response {
    let Some(lang) = Lang::parse(&form.lang) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    if let Some(actor) = visitor.actor()
        && let Err(e) = sessions::set_language(&state.db, &actor, lang.code()).await
    {
        tracing::error!(error = %e, "saving the language failed");
    }
    // Only local paths, so the form cannot be used to send people elsewhere.
    let back = super::security::local_path(&form.back).unwrap_or("/");
    let mut response = Redirect::to(back).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            LANG_COOKIE,
            lang.code(),
            state.config.tls(),
            Some(365 * 24 * 3600),
        ),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_locked_down_and_secure_under_tls() {
        assert_eq!(session_cookie_name(false), "mamori_session");
        assert_eq!(session_cookie_name(true), "__Host-mamori_session");
        let plain = set_cookie("mamori_session", "abc", false, None);
        assert_eq!(
            plain,
            "mamori_session=abc; Path=/; HttpOnly; SameSite=Strict"
        );
        let tls = set_cookie("__Host-mamori_session", "abc", true, Some(0));
        assert_eq!(
            tls,
            "__Host-mamori_session=abc; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=0"
        );
    }

    #[test]
    fn cookie_header_is_parsed() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; mamori_session=tok; mamori_lang=en"),
        );
        assert_eq!(cookie(&headers, "mamori_session").as_deref(), Some("tok"));
        assert_eq!(cookie(&headers, "mamori_lang").as_deref(), Some("en"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn anonymous_tokens_depend_on_key_and_cookie() {
        let a = anonymous_csrf(b"key-one", "pre");
        assert_eq!(a, anonymous_csrf(b"key-one", "pre"));
        assert_ne!(a, anonymous_csrf(b"key-two", "pre"));
        assert_ne!(a, anonymous_csrf(b"key-one", "other"));
    }
}

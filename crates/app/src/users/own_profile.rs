//! Each user's own page (vendors included): profile, password change, 2FA enrolment.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::store::{self, UserError};
use super::two_factor;
use crate::auth::{login, secrets};
use crate::kernel::{PageResult, RoomError, User};
use crate::web::ctx::FieldErrors;
use crate::web::errors::render;
use crate::web::{Access, AppState, Ctx, Hall, RouteTable};

pub fn routes(table: RouteTable) -> RouteTable {
    table
        .get("/account", Access::SignedIn, profile)
        .post("/account/password", Access::SignedIn, change_password)
        .get("/account/2fa", Access::SignedIn, totp_page)
        .get("/account/2fa/qr.svg", Access::SignedIn, totp_qr)
        .post("/account/2fa", Access::SignedIn, totp_confirm)
}

#[derive(Template)]
#[template(path = "account/profile.html")]
struct ProfilePage<'a> {
    c: &'a Ctx,
    u: User,
    codes_left: i64,
    errors: FieldErrors,
    message: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DoneQuery {
    done: String,
}

async fn current_user(state: &AppState, c: &Ctx) -> Result<User, RoomError> {
    let id = c.user().map(|u| u.id).ok_or(RoomError::Forbidden)?;
    store::by_id(&state.db, id)
        .await?
        .ok_or(RoomError::NotFound)
}

async fn profile_response(
    state: &AppState,
    c: &Ctx,
    errors: FieldErrors,
    message: String,
) -> PageResult {
    let u = current_user(state, c).await?;
    let codes_left = login::recovery_codes_left(&state.db, u.id).await?;
    let failed = errors.any();
    let mut response = render(&ProfilePage {
        c,
        u,
        codes_left,
        errors,
        message,
    })?;
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

async fn profile(Hall(state, c): Hall, Query(q): Query<DoneQuery>) -> PageResult {
    let c = c.active("account");
    let message = match q.done.as_str() {
        "password" => c.t("password-changed"),
        _ => String::new(),
    };
    profile_response(&state, &c, FieldErrors::default(), message).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    new_password_confirm: String,
}

async fn change_password(Hall(state, c): Hall, Form(form): Form<PasswordForm>) -> PageResult {
    let c = c.active("account");
    let session_hash = c
        .visitor
        .session
        .as_ref()
        .map(|s| s.token_hash.clone())
        .unwrap_or_default();
    if form.new_password != form.new_password_confirm {
        let errors = FieldErrors::from_keys(
            &c.tr,
            &[("new_password_confirm", crate::mkey!("password-mismatch"))],
        );
        return profile_response(&state, &c, errors, String::new()).await;
    }
    Ok(
        match store::change_own_password(
            &state.db,
            &c.actor(),
            &session_hash,
            &form.current_password,
            &form.new_password,
        )
        .await
        {
            Ok(()) => Redirect::to("/account?done=password").into_response(),
            Err(UserError::Invalid { field, key }) => {
                let errors = FieldErrors::from_keys(&c.tr, &[(field, key)]);
                profile_response(&state, &c, errors, String::new()).await?
            }
            Err(e) => return Err(e.into()),
        },
    )
}

#[derive(Template)]
#[template(path = "account/totp.html")]
struct TotpPage<'a> {
    c: &'a Ctx,
    secret: String,
    account: String,
    error: String,
}

#[derive(Template)]
#[template(path = "account/recovery.html")]
struct RecoveryPage<'a> {
    c: &'a Ctx,
    codes: Vec<String>,
}

async fn issuer(state: &AppState, u: &User) -> String {
    match crate::facility::api::get(&state.db, u.facility_id).await {
        Ok(Some(f)) => format!("mamori {}", f.name),
        _ => "mamori".to_string(),
    }
}

async fn totp_page(State(state): State<AppState>, c: Ctx) -> PageResult {
    let c = c.active("account");
    let u = current_user(&state, &c).await?;
    if u.has_totp() {
        return Ok(Redirect::to("/account").into_response());
    }
    let secret = two_factor::pending_secret(&state.db, &u).await?;
    render(&TotpPage {
        c: &c,
        secret,
        account: u.login.clone(),
        error: String::new(),
    })
}

/// The QR code of the pending secret, as an SVG image (never cached).
async fn totp_qr(State(state): State<AppState>, c: Ctx) -> PageResult {
    let u = current_user(&state, &c).await?;
    let Some(secret) = u.totp_pending_secret.clone() else {
        return Err(RoomError::NotFound);
    };
    let issuer = issuer(&state, &u).await;
    let Some(svg) =
        secrets::totp_url(&secret, &issuer, &u.login).and_then(|url| secrets::qr_svg(&url))
    else {
        return Err(RoomError::internal("the QR code could not be made"));
    };
    let mut response = svg.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    Ok(response)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CodeForm {
    code: String,
}

async fn totp_confirm(Hall(state, c): Hall, Form(form): Form<CodeForm>) -> PageResult {
    let c = c.active("account");
    Ok(
        match two_factor::confirm(&state.db, &c.actor(), &form.code).await {
            Ok(codes) => render(&RecoveryPage { c: &c, codes })?,
            Err(UserError::Invalid { key, .. }) => {
                let u = current_user(&state, &c).await?;
                let page = TotpPage {
                    c: &c,
                    secret: u.totp_pending_secret.clone().unwrap_or_default(),
                    account: u.login.clone(),
                    error: c.t(key),
                };
                let mut response = render(&page)?;
                *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
                response
            }
            Err(e) => return Err(e.into()),
        },
    )
}

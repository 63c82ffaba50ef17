//! Setup, sign-in (password, then 2FA code) and sign-out pages.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::login::{self, Outcome};
use super::sessions::{self, Stage};
use super::setup::{self, SetupError, SetupForm};
use crate::kernel::{PageResult, RoomError, User};
use crate::users::api::NewUser;
use crate::web::ctx::FieldErrors;
use crate::web::errors::render;
use crate::web::session::{session_cookie_name, set_cookie};
use crate::web::{Access, AppState, Ctx, Hall, RouteTable};

pub fn routes(table: RouteTable) -> RouteTable {
    table
        .get("/setup", Access::Public, setup_page)
        .post("/setup", Access::Public, setup_submit)
        .get("/login", Access::Public, login_page)
        .post("/login", Access::Public, login_submit)
        .get("/login/2fa", Access::Public, second_factor_page)
        .post("/login/2fa", Access::Public, second_factor_submit)
        .post("/logout", Access::SignedIn, logout)
}

#[derive(Template)]
#[template(path = "auth/setup.html")]
struct SetupPage<'a> {
    c: &'a Ctx,
    token: String,
    valid: bool,
    form: SetupValues,
    errors: FieldErrors,
}

#[derive(Default, Deserialize, Clone)]
#[serde(default)]
struct SetupValues {
    token: String,
    facility_name: String,
    login: String,
    display_name: String,
    password: String,
    password_confirm: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenQuery {
    token: String,
}

async fn setup_page(Hall(state, c): Hall, Query(q): Query<TokenQuery>) -> PageResult {
    if state.setup_done() {
        return Ok(Redirect::to("/login").into_response());
    }
    let valid = match setup::token_is_valid(&state.db, &q.token).await {
        Ok(v) => v && !q.token.is_empty(),
        Err(e) => return Err(e.into()),
    };
    render(&SetupPage {
        c: &c,
        token: q.token,
        valid,
        form: SetupValues::default(),
        errors: FieldErrors::default(),
    })
}

async fn setup_submit(Hall(state, c): Hall, Form(values): Form<SetupValues>) -> PageResult {
    if state.setup_done() {
        return Ok(Redirect::to("/login").into_response());
    }
    let form = SetupForm {
        facility_name: values.facility_name.clone(),
        user: NewUser {
            login: values.login.clone(),
            display_name: values.display_name.clone(),
            role: "admin".into(),
            vendor_name: String::new(),
            password: values.password.clone(),
        },
        password_confirm: values.password_confirm.clone(),
    };
    let problems = match setup::complete(&state.db, Some(&values.token), &form, &c.visitor.ip).await
    {
        Ok(user_id) => {
            state.mark_setup_done();
            // The one who set mamori up is signed in at once; an administrator's next step is
            // two-factor authentication (required for administrators unless turned off).
            let Some(user) = crate::users::api::by_id(&state.db, user_id).await? else {
                return Ok(Redirect::to("/login?done=setup").into_response());
            };
            let ip = c.visitor.ip.clone();
            let old = c.visitor.session.as_ref().map(|s| s.token_hash.clone());
            let hours = state.config.session_absolute_hours;
            let token =
                sessions::start(&state.db, user.id, Stage::Full, &ip, hours, old.as_deref())
                    .await?;
            login::record_sign_in(&state.db, &user, &ip)
                .await
                .map_err(RoomError::internal)?;
            super::guard::remember_address(&state.db, &user.login, &ip).await?;
            let next = if state.config.admin_two_factor {
                "/account/2fa?setup=1"
            } else {
                "/"
            };
            return session_response(&state, &token, next);
        }
        Err(SetupError::AlreadyDone) => {
            state.mark_setup_done();
            return Ok(Redirect::to("/login").into_response());
        }
        Err(SetupError::BadToken) => vec![("token", crate::mkey!("setup-link-invalid"))],
        Err(SetupError::Invalid(problems)) => problems,
        Err(SetupError::Failed(e)) => return Err(RoomError::internal(e)),
    };
    let valid = !problems.iter().any(|(f, _)| *f == "token");
    let errors = FieldErrors::from_keys(&c.tr, &problems);
    let page = SetupPage {
        c: &c,
        token: values.token.clone(),
        valid,
        form: SetupValues {
            password: String::new(),
            password_confirm: String::new(),
            ..values
        },
        errors,
    };
    let mut response = render(&page)?;
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage<'a> {
    c: &'a Ctx,
    login: String,
    next: String,
    message: String,
    error: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginQuery {
    next: String,
    done: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    login: String,
    password: String,
    next: String,
}

/// Only paths on this server, so the sign-in page cannot send people elsewhere.
fn safe_next(next: &str) -> String {
    crate::web::security::local_path(next)
        .unwrap_or_default()
        .to_string()
}

fn home_for(user: &User) -> &'static str {
    if user.role.can_read_hospital_data() {
        "/"
    } else {
        "/account"
    }
}

async fn login_page(c: Ctx, Query(q): Query<LoginQuery>) -> PageResult {
    if let Some(user) = c.user() {
        return Ok(Redirect::to(home_for(user)).into_response());
    }
    let message = match q.done.as_str() {
        "setup" => c.t("setup-done"),
        "logout" => c.t("logout-done"),
        _ => String::new(),
    };
    render(&LoginPage {
        c: &c,
        login: String::new(),
        next: safe_next(&q.next),
        message,
        error: String::new(),
    })
}

fn session_response(state: &AppState, token: &str, to: &str) -> PageResult {
    let mut response = Redirect::to(to).into_response();
    let tls = state.config.tls();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(session_cookie_name(tls), token, tls, None),
    );
    Ok(response)
}

async fn login_submit(Hall(state, c): Hall, Form(form): Form<LoginForm>) -> PageResult {
    let ip = c.visitor.ip.clone();
    let old = c.visitor.session.as_ref().map(|s| s.token_hash.clone());
    let outcome = login::with_password(&state.db, &form.login, &form.password, &ip).await?;
    let next = safe_next(&form.next);
    let hours = state.config.session_absolute_hours;
    Ok(match outcome {
        Outcome::SignedIn(user) => {
            let token =
                sessions::start(&state.db, user.id, Stage::Full, &ip, hours, old.as_deref())
                    .await?;
            if let Err(e) = login::record_sign_in(&state.db, &user, &ip).await {
                return Err(RoomError::internal(e));
            }
            let to = if next.is_empty() || !user.role.can_read_hospital_data() {
                home_for(&user).to_string()
            } else {
                next
            };
            session_response(&state, &token, &to)?
        }
        Outcome::NeedsSecondFactor(user) => {
            match sessions::start(
                &state.db,
                user.id,
                Stage::AwaitingTotp,
                &ip,
                hours,
                old.as_deref(),
            )
            .await
            {
                Ok(token) => session_response(&state, &token, "/login/2fa")?,
                Err(e) => return Err(e.into()),
            }
        }
        Outcome::Failed | Outcome::Throttled | Outcome::LoginTooLong | Outcome::Busy => {
            let (error, status) = match outcome {
                Outcome::Throttled => (c.t("login-throttled"), StatusCode::TOO_MANY_REQUESTS),
                Outcome::Busy => (c.t("server-busy"), StatusCode::TOO_MANY_REQUESTS),
                Outcome::LoginTooLong => (c.t("login-too-long"), StatusCode::UNPROCESSABLE_ENTITY),
                _ => (c.t("login-failed"), StatusCode::UNAUTHORIZED),
            };
            let page = LoginPage {
                c: &c,
                login: crate::auth::guard::recorded_login(&form.login),
                next,
                message: String::new(),
                error,
            };
            let mut response = render(&page)?;
            *response.status_mut() = status;
            response
        }
    })
}

#[derive(Template)]
#[template(path = "auth/login_2fa.html")]
struct SecondFactorPage<'a> {
    c: &'a Ctx,
    error: String,
}

fn awaiting_user(c: &Ctx) -> Option<User> {
    c.visitor
        .session
        .as_ref()
        .filter(|s| s.stage == Stage::AwaitingTotp)
        .map(|s| s.user.clone())
}

async fn second_factor_page(c: Ctx) -> PageResult {
    if awaiting_user(&c).is_none() {
        return Ok(Redirect::to("/login").into_response());
    }
    render(&SecondFactorPage {
        c: &c,
        error: String::new(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CodeForm {
    code: String,
}

async fn second_factor_submit(Hall(state, c): Hall, Form(form): Form<CodeForm>) -> PageResult {
    let Some(user) = awaiting_user(&c) else {
        return Ok(Redirect::to("/login").into_response());
    };
    let ip = c.visitor.ip.clone();
    let outcome = login::with_second_factor(&state.db, &user, &form.code, &ip).await?;
    Ok(match outcome {
        Outcome::SignedIn(user) => {
            let old = c.visitor.session.as_ref().map(|s| s.token_hash.clone());
            let hours = state.config.session_absolute_hours;
            let token =
                sessions::start(&state.db, user.id, Stage::Full, &ip, hours, old.as_deref())
                    .await?;
            if let Err(e) = login::record_sign_in(&state.db, &user, &ip).await {
                return Err(RoomError::internal(e));
            }
            session_response(&state, &token, home_for(&user))?
        }
        other => {
            let (error, status) = match other {
                Outcome::Throttled => (c.t("login-throttled"), StatusCode::TOO_MANY_REQUESTS),
                _ => (c.t("totp-code-wrong"), StatusCode::UNAUTHORIZED),
            };
            let mut response = render(&SecondFactorPage { c: &c, error })?;
            *response.status_mut() = status;
            response
        }
    })
}

async fn logout(State(state): State<AppState>, c: Ctx) -> PageResult {
    if let Some(session) = &c.visitor.session {
        if let Err(e) = sessions::end(&state.db, &session.token_hash).await {
            return Err(RoomError::internal(e));
        }
        if let Err(e) = login::record_sign_out(&state.db, &session.user, &c.visitor.ip).await {
            return Err(RoomError::internal(e));
        }
    }
    let tls = state.config.tls();
    let mut response = Redirect::to("/login?done=logout").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(session_cookie_name(tls), "", tls, Some(0)),
    );
    response
        .headers_mut()
        .insert("clear-site-data", HeaderValue::from_static("\"cache\""));
    Ok(response)
}

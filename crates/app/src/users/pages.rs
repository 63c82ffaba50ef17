//! User administration (administrators only): list, create, disable/enable, reset password,
//! reset 2FA, change role, and the "2FA required for everyone" setting.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::store::{self, NewUser, UserError};
use crate::kernel::{PageResult, Role, RoomError, User};
use crate::web::ctx::FieldErrors;
use crate::web::errors::render;
use crate::web::{Access, AppState, Ctx, Hall, RouteTable};

pub fn routes(table: RouteTable) -> RouteTable {
    let table = table
        .get("/admin/users", Access::Admin, list)
        .get("/admin/users/new", Access::Admin, new_page)
        .post("/admin/users", Access::Admin, create)
        .post("/admin/users/require-2fa", Access::Admin, require_totp)
        .get("/admin/users/{id}", Access::Admin, detail)
        .post("/admin/users/{id}/disable", Access::Admin, disable)
        .post("/admin/users/{id}/enable", Access::Admin, enable)
        .post("/admin/users/{id}/password", Access::Admin, reset_password)
        .post("/admin/users/{id}/reset-2fa", Access::Admin, reset_totp)
        .post("/admin/users/{id}/role", Access::Admin, change_role);
    super::own_profile::routes(table)
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage<'a> {
    c: &'a Ctx,
    users: Vec<User>,
    require_totp: bool,
    message: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DoneQuery {
    done: String,
}

fn done_message(c: &Ctx, done: &str) -> String {
    match done {
        "created" => c.t("user-created"),
        "saved" => c.t("saved"),
        "password" => c.t("user-password-reset-done"),
        "2fa" => c.t("user-2fa-reset-done"),
        _ => String::new(),
    }
}

async fn list(Hall(state, c): Hall, Query(q): Query<DoneQuery>) -> PageResult {
    let c = c.active("users");
    let actor = c.actor();
    let Some(facility_id) = actor.facility_id else {
        return Err(RoomError::Forbidden);
    };
    let users = store::list(&state.db, facility_id).await?;
    let require_totp = match crate::facility::api::get(&state.db, facility_id).await {
        Ok(f) => f.is_some_and(|f| f.require_totp),
        Err(e) => return Err(e.into()),
    };
    let message = done_message(&c, &q.done);
    render(&ListPage {
        c: &c,
        users,
        require_totp,
        message,
    })
}

#[derive(Template)]
#[template(path = "users/new.html")]
struct NewPage<'a> {
    c: &'a Ctx,
    form: NewUserForm,
    errors: FieldErrors,
    roles: Vec<(&'static str, String)>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct NewUserForm {
    login: String,
    display_name: String,
    role: String,
    vendor_name: String,
    password: String,
}

fn role_options(c: &Ctx) -> Vec<(&'static str, String)> {
    Role::ALL
        .iter()
        .map(|r| (r.as_str(), c.t(r.label_key())))
        .collect()
}

async fn new_page(c: Ctx) -> PageResult {
    let c = c.active("users");
    let roles = role_options(&c);
    render(&NewPage {
        c: &c,
        form: NewUserForm {
            role: "staff".into(),
            ..Default::default()
        },
        errors: FieldErrors::default(),
        roles,
    })
}

async fn create(Hall(state, c): Hall, Form(form): Form<NewUserForm>) -> PageResult {
    let c = c.active("users");
    let new = NewUser {
        login: form.login.clone(),
        display_name: form.display_name.clone(),
        role: form.role.clone(),
        vendor_name: form.vendor_name.clone(),
        password: form.password.clone(),
    };
    let problems = store::validate_new(&new);
    let problems = if problems.is_empty() {
        match store::create(&state.db, &c.actor(), &new).await {
            Ok(_) => return Ok(Redirect::to("/admin/users?done=created").into_response()),
            Err(UserError::Invalid { field, key }) => vec![(field, key)],
            Err(UserError::Forbidden(_)) => return Err(RoomError::Forbidden),
            Err(e) => return Err(e.into()),
        }
    } else {
        problems
    };
    let roles = role_options(&c);
    let page = NewPage {
        c: &c,
        form: NewUserForm {
            password: String::new(),
            ..form
        },
        errors: FieldErrors::from_keys(&c.tr, &problems),
        roles,
    };
    let mut response = render(&page)?;
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

#[derive(Template)]
#[template(path = "users/detail.html")]
struct DetailPage<'a> {
    c: &'a Ctx,
    u: User,
    roles: Vec<(&'static str, String)>,
    errors: FieldErrors,
    message: String,
}

async fn load_user(state: &AppState, c: &Ctx, id: i64) -> Result<User, RoomError> {
    store::by_id(&state.db, id)
        .await?
        .filter(|u| Some(u.facility_id) == c.actor().facility_id)
        .ok_or(RoomError::NotFound)
}

async fn detail_response(
    state: &AppState,
    c: &Ctx,
    id: i64,
    errors: FieldErrors,
    message: String,
) -> PageResult {
    let u = load_user(state, c, id).await?;
    let failed = errors.any();
    let roles = role_options(c)
        .into_iter()
        .filter(|(r, _)| *r != "vendor")
        .collect();
    let mut response = render(&DetailPage {
        c,
        u,
        roles,
        errors,
        message,
    })?;
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

async fn detail(
    Hall(state, c): Hall,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let c = c.active("users");
    let message = done_message(&c, &q.done);
    detail_response(&state, &c, id, FieldErrors::default(), message).await
}

/// Runs a change and shows the user's page again, with the error next to its field if refused.
async fn after_change(
    state: &AppState,
    c: &Ctx,
    id: i64,
    result: Result<(), UserError>,
    done: &str,
) -> PageResult {
    Ok(match result {
        Ok(()) => Redirect::to(&format!("/admin/users/{id}?done={done}")).into_response(),
        Err(UserError::Invalid { field, key }) => {
            let errors = FieldErrors::from_keys(&c.tr, &[(field, key)]);
            detail_response(state, c, id, errors, String::new()).await?
        }
        Err(UserError::NotFound) => return Err(RoomError::NotFound),
        Err(UserError::Forbidden(_)) => return Err(RoomError::Forbidden),
        Err(e) => return Err(e.into()),
    })
}

async fn disable(Hall(state, c): Hall, Path(id): Path<i64>) -> PageResult {
    let c = c.active("users");
    let result = store::set_disabled(&state.db, &c.actor(), id, true).await;
    after_change(&state, &c, id, result, "saved").await
}

async fn enable(Hall(state, c): Hall, Path(id): Path<i64>) -> PageResult {
    let c = c.active("users");
    let result = store::set_disabled(&state.db, &c.actor(), id, false).await;
    after_change(&state, &c, id, result, "saved").await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    password: String,
}

async fn reset_password(
    Hall(state, c): Hall,
    Path(id): Path<i64>,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    let c = c.active("users");
    let result = store::reset_password(&state.db, &c.actor(), id, &form.password).await;
    after_change(&state, &c, id, result, "password").await
}

async fn reset_totp(Hall(state, c): Hall, Path(id): Path<i64>) -> PageResult {
    let c = c.active("users");
    let result = store::reset_totp(&state.db, &c.actor(), id).await;
    after_change(&state, &c, id, result, "2fa").await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RoleForm {
    role: String,
}

async fn change_role(
    Hall(state, c): Hall,
    Path(id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> PageResult {
    let c = c.active("users");
    let result = match Role::parse(&form.role) {
        Some(role) => store::set_role(&state.db, &c.actor(), id, role).await,
        None => Err(UserError::Invalid {
            field: "role",
            key: crate::mkey!("field-required"),
        }),
    };
    after_change(&state, &c, id, result, "saved").await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RequireForm {
    required: String,
}

async fn require_totp(Hall(state, c): Hall, Form(form): Form<RequireForm>) -> PageResult {
    let required = form.required == "1";
    Ok(
        match crate::facility::api::set_require_totp(&state.db, &c.actor(), required).await {
            Ok(()) => Redirect::to("/admin/users?done=saved").into_response(),
            Err(e) => return Err(e.into()),
        },
    )
}

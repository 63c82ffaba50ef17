//! First start: a one-time setup link (random, valid one hour, usable once) lets someone at the
//! server's terminal name the hospital and create the first administrator.

use chrono::{Duration, Utc};

use super::secrets;
use crate::db::audit::{self, Event};
use crate::db::{Db, DbResult, now_text, time_text};
use crate::facility;
use crate::kernel::Actor;
use crate::users::api::{self as store, NewUser, UserError};

pub const LINK_VALID_MINUTES: i64 = 60;

pub async fn is_done(db: &Db) -> DbResult<bool> {
    Ok(store::count_all(db).await? > 0)
}

/// Creates a setup token and returns it (only its hash is stored).
pub async fn new_link_token(db: &Db) -> DbResult<String> {
    let token = secrets::random_token();
    let now = Utc::now();
    sqlx::query(
        "INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(secrets::hash_token(&token))
    .bind(time_text(now))
    .bind(time_text(now + Duration::minutes(LINK_VALID_MINUTES)))
    .execute(db.pool())
    .await?;
    Ok(token)
}

pub async fn token_is_valid(db: &Db, token: &str) -> DbResult<bool> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT token_hash FROM setup_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(secrets::hash_token(token))
    .bind(now_text())
    .fetch_optional(db.pool())
    .await?;
    Ok(found.is_some())
}

#[derive(Debug, Clone, Default)]
pub struct SetupForm {
    pub facility_name: String,
    pub user: NewUser,
    pub password_confirm: String,
}

#[derive(Debug)]
pub enum SetupError {
    /// The link is unknown, used or expired.
    BadToken,
    AlreadyDone,
    Invalid(Vec<(&'static str, &'static str)>),
    Failed(UserError),
}

impl From<DbError> for SetupError {
    fn from(e: DbError) -> Self {
        SetupError::Failed(UserError::Db(e))
    }
}
use crate::db::DbError;

impl From<sqlx::Error> for SetupError {
    fn from(e: sqlx::Error) -> Self {
        SetupError::Failed(UserError::from(e))
    }
}

/// Creates the facility and its first administrator, spending the token, all in one transaction.
/// Without a token (the `mamori user add` command, run by the server's operator) no link is needed.
pub async fn complete(
    db: &Db,
    token: Option<&str>,
    form: &SetupForm,
    ip: &str,
) -> Result<i64, SetupError> {
    let mut user = form.user.clone();
    user.role = "admin".into();
    let mut problems = store::validate_new(&user);
    let name = form.facility_name.trim();
    if name.is_empty() {
        problems.push(("facility_name", crate::mkey!("field-required")));
    } else if name.chars().count() > 200 {
        problems.push(("facility_name", crate::mkey!("field-too-long")));
    }
    if form.password_confirm != user.password {
        problems.push(("password_confirm", crate::mkey!("password-mismatch")));
    }
    if !problems.is_empty() {
        return Err(SetupError::Invalid(problems));
    }
    let hash = secrets::hash_password_blocking(user.password.clone())
        .await
        .map_err(|_| SetupError::Invalid(vec![("password", crate::mkey!("password-too-long"))]))?;
    let mut w = db.write().await?;
    let users = store::count_in(&mut w).await?;
    if users > 0 {
        return Err(SetupError::AlreadyDone);
    }
    let actor = match token {
        Some(token) => {
            let spent = sqlx::query(
                "UPDATE setup_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $3",
            )
            .bind(now_text())
            .bind(secrets::hash_token(token))
            .bind(now_text())
            .execute(&mut *w.tx)
            .await?;
            if spent.rows_affected() != 1 {
                return Err(SetupError::BadToken);
            }
            Actor::anonymous(&format!("setup:{}", user.login.trim()), ip, None)
        }
        None => Actor::command_line(None),
    };
    let facility_id = facility::store::insert(&mut w, &actor, name).await?;
    let actor = Actor {
        facility_id: Some(facility_id),
        ..actor
    };
    let user_id = store::insert(&mut w, &actor, facility_id, &user, &hash)
        .await
        .map_err(|e| match e {
            UserError::Invalid { field, key } => SetupError::Invalid(vec![(field, key)]),
            other => SetupError::Failed(other),
        })?;
    audit::commit_with(
        w,
        &actor,
        Event::new("complete_setup", "setup", facility_id).label(name),
    )
    .await?;
    Ok(user_id)
}

//! Signing in: password, then the 2FA code when the user has one. Every attempt is counted
//! before it is checked (see [`super::guard`]) and every failure is audited.

use super::guard::{self, LOGIN_MAX_CHARS};
use super::secrets;
use crate::db::audit::{self, Event};
use crate::db::{Db, DbResult};
use crate::kernel::User;
use crate::users::api as store;

#[derive(Debug)]
pub enum Outcome {
    SignedIn(Box<User>),
    NeedsSecondFactor(Box<User>),
    Failed,
    /// The login ID is longer than any login can be: refused without a password check.
    LoginTooLong,
    Throttled,
    /// Too many password checks are running: try again in a moment.
    Busy,
}

pub async fn with_password(db: &Db, login: &str, password: &str, ip: &str) -> DbResult<Outcome> {
    let login = login.trim();
    let Some(attempt) = guard::reserve(db, login, ip, None).await? else {
        return Ok(Outcome::Throttled);
    };
    if login.chars().count() > LOGIN_MAX_CHARS {
        attempt.failed(db, None, "login_too_long").await?;
        return Ok(Outcome::LoginTooLong);
    }
    let user = store::by_login(db, login).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| secrets::dummy_password_hash().to_string());
    let Ok(password_ok) = secrets::verify_password_blocking(password.to_string(), hash).await
    else {
        // Not checked at all: it does not count against the person.
        attempt.succeeded(db).await?;
        return Ok(Outcome::Busy);
    };
    match user {
        Some(user) if password_ok && !user.disabled => {
            if user.has_totp() {
                // The count is lifted only when the second step succeeds too.
                attempt.succeeded(db).await?;
                Ok(Outcome::NeedsSecondFactor(Box::new(user)))
            } else {
                attempt.signed_in(db).await?;
                Ok(Outcome::SignedIn(Box::new(user)))
            }
        }
        user => {
            let step = match &user {
                Some(u) if u.disabled => "disabled",
                _ => "password",
            };
            attempt
                .failed(db, user.map(|u| u.facility_id), step)
                .await?;
            Ok(Outcome::Failed)
        }
    }
}

/// Checks the 6-digit code, or a one-time recovery code, for a user who passed the password step.
pub async fn with_second_factor(db: &Db, user: &User, code: &str, ip: &str) -> DbResult<Outcome> {
    let Some(attempt) = guard::reserve(db, &user.login, ip, Some(user.facility_id)).await? else {
        return Ok(Outcome::Throttled);
    };
    if let Some(secret) = &user.totp_secret
        && let Some(step) = secrets::check_totp(secret, code, user.totp_last_step)
        && store::advance_totp_step(db, user.id, step).await?
    {
        attempt.signed_in(db).await?;
        return Ok(Outcome::SignedIn(Box::new(user.clone())));
    }
    let normalized = secrets::normalize_recovery_code(code);
    if normalized.len() == 12 {
        let hash = secrets::hash_token(&normalized);
        let mut w = db.write().await?;
        if store::spend_recovery_code(&mut w, user.id, &hash).await? {
            audit::commit_with(
                w,
                &user.actor(ip),
                Event::new("use_recovery_code", "user", user.id).label(user.login.clone()),
            )
            .await?;
            attempt.signed_in(db).await?;
            return Ok(Outcome::SignedIn(Box::new(user.clone())));
        }
    }
    attempt
        .failed(db, Some(user.facility_id), "two_factor")
        .await?;
    Ok(Outcome::Failed)
}

/// Whether a signed-in user's current password is right (before a password change), counted
/// like a sign-in so it cannot be guessed at speed.
pub async fn check_current_password(
    db: &Db,
    user: &User,
    password: &str,
    ip: &str,
) -> DbResult<Outcome> {
    let Some(attempt) = guard::reserve(db, &user.login, ip, Some(user.facility_id)).await? else {
        return Ok(Outcome::Throttled);
    };
    match secrets::verify_password_blocking(password.to_string(), user.password_hash.clone()).await
    {
        Ok(true) => {
            attempt.succeeded(db).await?;
            Ok(Outcome::SignedIn(Box::new(user.clone())))
        }
        Ok(false) => {
            attempt
                .failed(db, Some(user.facility_id), "current_password")
                .await?;
            Ok(Outcome::Failed)
        }
        Err(secrets::Busy) => {
            attempt.succeeded(db).await?;
            Ok(Outcome::Busy)
        }
    }
}

pub async fn record_sign_in(db: &Db, user: &User, ip: &str) -> DbResult<()> {
    audit::record(
        db,
        &user.actor(ip),
        Event::new("login", "user", user.id).label(user.login.clone()),
    )
    .await
}

pub async fn record_sign_out(db: &Db, user: &User, ip: &str) -> DbResult<()> {
    audit::record(
        db,
        &user.actor(ip),
        Event::new("logout", "user", user.id).label(user.login.clone()),
    )
    .await
}

/// How many unused recovery codes a user has left.
pub async fn recovery_codes_left(db: &Db, user_id: i64) -> DbResult<i64> {
    store::recovery_codes_left(db, user_id).await
}

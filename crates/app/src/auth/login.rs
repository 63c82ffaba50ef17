//! Signing in: password, then the 2FA code when the user has one. Failures are counted per
//! account and per address and audited; too many within 15 minutes lock sign-in for 15 minutes.

use chrono::{Duration, Utc};
use sqlx::Row;

use super::secrets;
use crate::db::audit::{self, Event};
use crate::db::{Db, DbResult, now_text, time_text};
use crate::kernel::Actor;
use crate::kernel::User;
use crate::users::api as store;

pub const WINDOW_MINUTES: i64 = 15;
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;

#[derive(Debug)]
pub enum Outcome {
    SignedIn(Box<User>),
    NeedsSecondFactor(Box<User>),
    Failed,
    Throttled,
}

async fn throttled(db: &Db, login: &str, ip: &str) -> DbResult<bool> {
    let since = time_text(Utc::now() - Duration::minutes(WINDOW_MINUTES));
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM login_failures WHERE login = $1 AND at >= $2) AS by_login, (SELECT COUNT(*) FROM login_failures WHERE ip = $3 AND at >= $4) AS by_ip",
    )
    .bind(login.to_string())
    .bind(since.clone())
    .bind(ip.to_string())
    .bind(since)
    .fetch_one(db.pool())
    .await?;
    let by_login: i64 = row.try_get("by_login")?;
    let by_ip: i64 = row.try_get("by_ip")?;
    Ok(by_login >= MAX_FAILURES_PER_ACCOUNT || by_ip >= MAX_FAILURES_PER_ADDRESS)
}

/// Counts and audits a failed attempt in one transaction.
async fn record_failure(
    db: &Db,
    login: &str,
    ip: &str,
    facility_id: Option<i64>,
    step: &str,
) -> DbResult<()> {
    let mut w = db.write().await?;
    sqlx::query("INSERT INTO login_failures (at, login, ip) VALUES ($1, $2, $3)")
        .bind(now_text())
        .bind(login.to_string())
        .bind(ip.to_string())
        .execute(&mut *w.tx)
        .await?;
    let actor = Actor::anonymous(login, ip, facility_id);
    audit::append(
        &mut w,
        &actor,
        Event::new("login_failed", "user", login)
            .label(login)
            .change("step", "", step),
    )
    .await?;
    w.commit().await
}

pub async fn with_password(db: &Db, login: &str, password: &str, ip: &str) -> DbResult<Outcome> {
    let login = login.trim();
    if throttled(db, login, ip).await? {
        let actor = Actor::anonymous(login, ip, None);
        audit::record(
            db,
            &actor,
            Event::new("login_refused", "user", login).label(login),
        )
        .await?;
        return Ok(Outcome::Throttled);
    }
    let user = store::by_login(db, login).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| secrets::dummy_password_hash().to_string());
    let password_ok = secrets::verify_password_blocking(password.to_string(), hash).await;
    match user {
        Some(user) if password_ok && !user.disabled => {
            if user.has_totp() {
                Ok(Outcome::NeedsSecondFactor(Box::new(user)))
            } else {
                Ok(Outcome::SignedIn(Box::new(user)))
            }
        }
        user => {
            let step = match &user {
                Some(u) if u.disabled => "disabled",
                _ => "password",
            };
            record_failure(db, login, ip, user.map(|u| u.facility_id), step).await?;
            Ok(Outcome::Failed)
        }
    }
}

/// Checks the 6-digit code, or a one-time recovery code, for a user who passed the password step.
pub async fn with_second_factor(db: &Db, user: &User, code: &str, ip: &str) -> DbResult<Outcome> {
    if throttled(db, &user.login, ip).await? {
        return Ok(Outcome::Throttled);
    }
    if let Some(secret) = &user.totp_secret
        && let Some(step) = secrets::check_totp(secret, code, user.totp_last_step)
        && store::advance_totp_step(db, user.id, step).await?
    {
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
            return Ok(Outcome::SignedIn(Box::new(user.clone())));
        }
    }
    record_failure(db, &user.login, ip, Some(user.facility_id), "two_factor").await?;
    Ok(Outcome::Failed)
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

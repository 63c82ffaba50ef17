//! Server-side sessions. The browser holds a random token; the database holds only its hash,
//! the user, the stage (password done, waiting for the 2FA code / fully signed in), the CSRF
//! token and the expiry times.

use chrono::{Duration, Utc};
use sqlx::Row;

use super::secrets::{hash_token, random_token};
use crate::db::{Db, DbResult, WriteTx, now_text, parse_time, time_text};
use crate::kernel::{Actor, User};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Password accepted; the 2FA code is still needed.
    AwaitingTotp,
    Full,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::AwaitingTotp => "totp",
            Stage::Full => "full",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub user: User,
    pub stage: Stage,
    pub csrf_token: String,
    pub last_seen_at: String,
}

/// A half-finished sign-in (waiting for the 2FA code) may last this long.
const TOTP_STAGE_MINUTES: i64 = 5;

/// Starts a session and returns the token for the cookie. Any session the browser already had
/// is ended first, so a sign-in always gets a new session id.
pub async fn start(
    db: &Db,
    user_id: i64,
    stage: Stage,
    ip: &str,
    absolute_hours: i64,
    replaces: Option<&str>,
) -> DbResult<String> {
    let mut w = db.write().await?;
    if let Some(old) = replaces {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(old.to_string())
            .execute(&mut *w.tx)
            .await?;
    }
    let token = random_token();
    let now = Utc::now();
    let expires = match stage {
        Stage::AwaitingTotp => now + Duration::minutes(TOTP_STAGE_MINUTES),
        Stage::Full => now + Duration::hours(absolute_hours),
    };
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, stage, csrf_token, ip, created_at, last_seen_at, absolute_expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(hash_token(&token))
    .bind(user_id)
    .bind(stage.as_str())
    .bind(random_token())
    .bind(ip.to_string())
    .bind(time_text(now))
    .bind(time_text(now))
    .bind(time_text(expires))
    .execute(&mut *w.tx)
    .await?;
    w.commit().await?;
    Ok(token)
}

/// Finds the live session for a cookie token. Expired sessions, and sessions of disabled
/// users, are removed and not returned.
pub async fn find(db: &Db, token: &str, idle_minutes: i64) -> DbResult<Option<Session>> {
    let token_hash = hash_token(token);
    let Some(row) = sqlx::query(
        "SELECT user_id, stage, csrf_token, last_seen_at, absolute_expires_at FROM sessions WHERE token_hash = $1",
    )
    .bind(token_hash.clone())
    .fetch_optional(db.pool())
    .await?
    else {
        return Ok(None);
    };
    let Some(user) = crate::users::api::by_id(db, row.try_get("user_id")?).await? else {
        end(db, &token_hash).await?;
        return Ok(None);
    };
    let stage = match row.try_get::<String, _>("stage")?.as_str() {
        "full" => Stage::Full,
        _ => Stage::AwaitingTotp,
    };
    let last_seen_at: String = row.try_get("last_seen_at")?;
    let absolute: String = row.try_get("absolute_expires_at")?;
    let now = Utc::now();
    let idle_expired =
        parse_time(&last_seen_at).is_none_or(|seen| seen + Duration::minutes(idle_minutes) < now);
    let absolute_expired = parse_time(&absolute).is_none_or(|t| t < now);
    if idle_expired || absolute_expired || user.disabled {
        end(db, &token_hash).await?;
        return Ok(None);
    }
    Ok(Some(Session {
        token_hash,
        user,
        stage,
        csrf_token: row.try_get("csrf_token")?,
        last_seen_at,
    }))
}

/// Records activity for the idle timeout, at most once a minute to spare the database.
pub async fn touch(db: &Db, session: &Session) -> DbResult<()> {
    let stale = parse_time(&session.last_seen_at)
        .is_none_or(|seen| seen + Duration::seconds(60) < Utc::now());
    if stale {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now_text())
            .bind(session.token_hash.clone())
            .execute(db.pool())
            .await?;
    }
    Ok(())
}

pub async fn end(db: &Db, token_hash: &str) -> DbResult<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash.to_string())
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Ends every session of a user (disabled, password or 2FA reset, role changed), inside the
/// transaction that makes the change.
pub async fn end_all_of(w: &mut WriteTx, user_id: i64) -> DbResult<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *w.tx)
        .await?;
    Ok(())
}

/// Ends every other session of a user (their own password changed), keeping the one in use.
pub async fn end_others_of(w: &mut WriteTx, user_id: i64, keep_token_hash: &str) -> DbResult<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep_token_hash.to_string())
        .execute(&mut *w.tx)
        .await?;
    Ok(())
}

/// What the hall shows of the signed-in user's hospital: whether it requires 2FA, and its name.
pub async fn facility_of(db: &Db, user: &User) -> DbResult<(bool, String)> {
    Ok(crate::facility::api::get(db, user.facility_id)
        .await?
        .map(|f| (f.require_totp, f.name))
        .unwrap_or_default())
}

/// Remembers the language a signed-in user chose.
pub async fn set_language(
    db: &Db,
    actor: &Actor,
    lang: &str,
) -> Result<(), crate::users::api::UserError> {
    crate::users::api::set_language(db, actor, lang).await
}

/// The hospital's users, for the audit page's filter.
pub async fn users_of(db: &Db, facility_id: i64) -> Result<Vec<User>, sqlx::Error> {
    crate::users::api::list(db, facility_id).await
}

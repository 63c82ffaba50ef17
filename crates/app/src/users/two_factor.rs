//! Enrolling in TOTP two-factor authentication: a pending secret is shown as a QR code and text,
//! and becomes active only when the user proves it with a code from their app.

use super::store::{self, UserError};
use crate::auth::secrets;
use crate::db::audit::{self, Event};
use crate::db::{Db, now_text};
use crate::kernel::{Actor, User};

/// The secret being enrolled, created on first call.
pub async fn pending_secret(db: &Db, user: &User) -> Result<String, UserError> {
    if let Some(secret) = &user.totp_pending_secret {
        return Ok(secret.clone());
    }
    let secret = secrets::new_totp_secret();
    sqlx::query("UPDATE users SET totp_pending_secret = $1 WHERE id = $2")
        .bind(secret.clone())
        .bind(user.id)
        .execute(db.pool())
        .await?;
    Ok(secret)
}

/// Activates the pending secret if the code matches, and returns the one-time recovery codes,
/// which are shown once and stored only as hashes.
pub async fn confirm(db: &Db, actor: &Actor, code: &str) -> Result<Vec<String>, UserError> {
    let id = actor.user_id.ok_or(UserError::NotFound)?;
    let user = store::by_id(db, id).await?.ok_or(UserError::NotFound)?;
    let Some(secret) = user.totp_pending_secret.clone() else {
        return Err(UserError::Invalid {
            field: "code",
            key: crate::mkey!("totp-no-pending"),
        });
    };
    let Some(step) = secrets::check_totp(&secret, code, None) else {
        return Err(UserError::Invalid {
            field: "code",
            key: crate::mkey!("totp-code-wrong"),
        });
    };
    let codes = secrets::new_recovery_codes();
    let mut w = db.write().await?;
    sqlx::query(
        "UPDATE users SET totp_secret = $1, totp_pending_secret = NULL, totp_last_step = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(secret)
    .bind(step)
    .bind(now_text())
    .bind(id)
    .execute(&mut *w.tx)
    .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
    for code in &codes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(id)
            .bind(secrets::hash_token(&secrets::normalize_recovery_code(code)))
            .execute(&mut *w.tx)
            .await?;
    }
    audit::commit_with(
        w,
        actor,
        Event::new("enable_2fa", "user", id)
            .label(user.login)
            .change("two_factor", "no", "yes"),
    )
    .await?;
    Ok(codes)
}

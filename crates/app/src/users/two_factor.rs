//! Enrolling in TOTP two-factor authentication: a pending secret is shown as a QR code and text,
//! and becomes active only when the user proves it with a code from their app.

use super::store::{self, UserError};
use crate::auth::secrets;
use crate::db::Db;
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
    store::write_totp(&mut w, id, Some((&secret, step)), &codes).await?;
    store::commit_user_change(w, actor, "enable_2fa", &user, ("two_factor", "no", "yes")).await?;
    Ok(codes)
}

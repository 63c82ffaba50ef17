//! The `meta` table: small named values of the installation (application mark, CSRF key, audit
//! head, remembered import mappings). The storage layer owns it; others use these functions.

use super::{Db, DbResult, WriteTx};

pub async fn get(db: &Db, key: &str) -> DbResult<Option<String>> {
    Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
        .bind(key.to_string())
        .fetch_optional(db.pool())
        .await?)
}

/// Sets a value inside an open transaction, adding the key if it is new.
pub async fn set_in(w: &mut WriteTx, key: &str, value: &str) -> DbResult<()> {
    let updated = sqlx::query("UPDATE meta SET value = $1 WHERE key = $2")
        .bind(value.to_string())
        .bind(key.to_string())
        .execute(&mut *w.tx)
        .await?;
    if updated.rows_affected() == 0 {
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)")
            .bind(key.to_string())
            .bind(value.to_string())
            .execute(&mut *w.tx)
            .await?;
    }
    Ok(())
}

pub async fn set(db: &Db, key: &str, value: &str) -> DbResult<()> {
    let mut w = db.write().await?;
    set_in(&mut w, key, value).await?;
    w.commit().await
}

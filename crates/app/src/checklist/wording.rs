//! This installation's corrections of item wording not yet confirmed against the official
//! form (admin only, audited); the shipped wording stays in the masters.

use std::collections::HashMap;

use super::store::ChecklistError;
use crate::db::audit::{self, Event};
use crate::db::{Db, now_text};
use crate::kernel::{Actor, Permission};

use super::forms::{find_master, rejected};

/// Item wording corrected for this installation, by (version/form, item number).
pub async fn wording(db: &Db) -> Result<HashMap<(String, String), String>, ChecklistError> {
    let rows: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT version, form, item, text FROM checklist_wording")
            .fetch_all(db.pool())
            .await?;
    Ok(rows
        .into_iter()
        .map(|(version, form, item, text)| ((format!("{version}/{form}"), item), text))
        .collect())
}

/// Corrects an item's wording for this installation (admin), e.g. once the official PDF has
/// been read. An empty text goes back to the shipped wording.
pub async fn set_wording(
    db: &Db,
    actor: &Actor,
    version: &str,
    form: &str,
    item: &str,
    text: &str,
) -> Result<(), ChecklistError> {
    actor.require(Permission::Administer)?;
    let master = find_master(db, version, form).await?;
    let shipped = master
        .item(item)
        .ok_or(ChecklistError::NotFound)?
        .text
        .clone();
    let text = text.trim();
    if text.chars().count() > 1000 {
        return Err(rejected("text", crate::mkey!("field-too-long")));
    }
    let current = wording(db)
        .await?
        .remove(&(master.key(), item.to_string()))
        .unwrap_or_else(|| shipped.clone());
    let mut w = db.write().await?;
    sqlx::query("DELETE FROM checklist_wording WHERE version = $1 AND form = $2 AND item = $3")
        .bind(version.to_string())
        .bind(form.to_string())
        .bind(item.to_string())
        .execute(&mut *w.tx)
        .await?;
    let after = if text.is_empty() || text == shipped {
        shipped
    } else {
        sqlx::query(
            "INSERT INTO checklist_wording (version, form, item, text, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(version.to_string())
        .bind(form.to_string())
        .bind(item.to_string())
        .bind(text.to_string())
        .bind(now_text())
        .bind(actor.name.clone())
        .execute(&mut *w.tx)
        .await?;
        text.to_string()
    };
    audit::commit_with(
        w,
        actor,
        Event::new(
            "update",
            "checklist_wording",
            format!("{}:{item}", master.key()),
        )
        .label(format!(
            "{} {} {item}",
            master.version_name, master.form_name
        ))
        .change("text", current, after),
    )
    .await?;
    Ok(())
}

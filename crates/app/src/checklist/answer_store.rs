//! Answers of the filled-in forms in the database: read by form and item, saved one item at a
//! time after checking, every change audited.

use std::collections::HashMap;

use super::answers::{self, Answer, AnswerForm};
use super::store::ChecklistError;
use crate::db::audit::{self, Event};
use crate::db::{Db, now_text, placeholders};
use crate::kernel::Actor;

use super::forms::{editable, master_of};

const ANSWER_COLUMNS: &str = "form_id, item, answer1, date1, target_date, answer2, date2, remarks, confirmed_by, updated_at, updated_by";

/// A stored answer with the form it belongs to.
#[derive(sqlx::FromRow)]
struct AnswerRow {
    form_id: i64,
    #[sqlx(flatten)]
    answer: Answer,
}

/// The answers of some forms, by form id and item number.
pub async fn answers(
    db: &Db,
    form_ids: &[i64],
) -> Result<HashMap<i64, HashMap<String, Answer>>, ChecklistError> {
    let mut out: HashMap<i64, HashMap<String, Answer>> = HashMap::new();
    if form_ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT {ANSWER_COLUMNS} FROM checklist_answers WHERE form_id IN ({})",
        placeholders(db.backend(), 1, form_ids.len())
    );
    let mut query = sqlx::query_as::<_, AnswerRow>(sqlx::AssertSqlSafe(sql));
    for id in form_ids {
        query = query.bind(*id);
    }
    for AnswerRow { form_id, answer } in query.fetch_all(db.pool()).await? {
        out.entry(form_id)
            .or_default()
            .insert(answer.item.clone(), answer);
    }
    Ok(out)
}

/// Saves one item's answer after checking it; nothing is saved when a field is wrong.
pub async fn save_answer(
    db: &Db,
    actor: &Actor,
    form_id: i64,
    typed: &AnswerForm,
) -> Result<(), ChecklistError> {
    let form = editable(db, actor, form_id).await?;
    let master = master_of(db, &form).await?;
    if master.item(typed.item.trim()).is_none() {
        return Err(ChecklistError::NotFound);
    }
    let mut answer = answers::check(typed, form.fiscal_year).map_err(ChecklistError::Rejected)?;
    if answer.confirmed_by.is_empty() && !answer.answer1.is_empty() {
        answer.confirmed_by = actor.name.clone();
    }
    let mut w = db.write().await?;
    let sql =
        format!("SELECT {ANSWER_COLUMNS} FROM checklist_answers WHERE form_id = $1 AND item = $2");
    let before = sqlx::query_as::<_, AnswerRow>(sqlx::AssertSqlSafe(sql))
        .bind(form_id)
        .bind(answer.item.clone())
        .fetch_optional(&mut *w.tx)
        .await?
        .map(|row| row.answer);
    let changes = audit::diff(
        &before.clone().unwrap_or_default().fields(),
        &answer.fields(),
    );
    if changes.is_empty() {
        return Ok(());
    }
    let now = now_text();
    let statement = if before.is_some() {
        "UPDATE checklist_answers SET answer1 = $3, date1 = $4, target_date = $5, answer2 = $6, date2 = $7, remarks = $8, confirmed_by = $9, updated_at = $10, updated_by = $11 WHERE form_id = $1 AND item = $2"
    } else {
        "INSERT INTO checklist_answers (form_id, item, answer1, date1, target_date, answer2, date2, remarks, confirmed_by, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    };
    sqlx::query(statement)
        .bind(form_id)
        .bind(answer.item.clone())
        .bind(answer.answer1.clone())
        .bind(answer.date1.clone())
        .bind(answer.target_date.clone())
        .bind(answer.answer2.clone())
        .bind(answer.date2.clone())
        .bind(answer.remarks.clone())
        .bind(answer.confirmed_by.clone())
        .bind(now.clone())
        .bind(actor.name.clone())
        .execute(&mut *w.tx)
        .await?;
    sqlx::query("UPDATE checklist_forms SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(form_id)
        .execute(&mut *w.tx)
        .await?;
    audit::commit_with(
        w,
        actor,
        Event::new(
            if before.is_some() { "update" } else { "create" },
            "checklist_answer",
            form_id,
        )
        .label(format!("{} {}", form.label(&master), answer.item))
        .changes(changes),
    )
    .await?;
    Ok(())
}

//! Runs an import against the database: plans it inside the write transaction (so what is
//! written is what was checked), and writes every row, its audit events and a summary event in
//! that one transaction — or nothing.

use std::collections::HashMap;

use mamori_formats::table::Table;

use super::import::{Existing, Plan, RowStatus, plan};
use super::model::RecordKind;
use super::store::{LedgerError, facility_of, fetch_all_records, insert_rows, update_row};
use crate::db::audit::{self, Event};
use crate::db::{Db, now_text};
use crate::kernel::{Actor, Permission};

/// What to do once the plan is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Check only (preview, `--dry-run`).
    Check,
    /// Write, unless any row has a problem.
    Commit,
}

/// Plans the import and, in [`Mode::Commit`] with no row problems, writes it. The plan says
/// which happened: rows with problems mean nothing was written. `progress` hears how many rows
/// have been written.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    db: &Db,
    actor: &Actor,
    kind: &'static RecordKind,
    table: &Table,
    mapping: &[Option<&'static str>],
    file_name: &str,
    mode: Mode,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Plan, LedgerError> {
    actor.require(Permission::Edit)?;
    let facility_id = facility_of(actor)?;
    let custom = super::store::custom_fields(db, facility_id, kind.table).await?;
    let mut w = db.write().await?;
    let records = fetch_all_records(&mut *w.tx, kind, facility_id).await?;
    let mut linked = Vec::new();
    for (_, table_name, _) in kind.refs() {
        if linked.iter().any(|(t, _)| *t == table_name) {
            continue;
        }
        let Some(target) = super::model::kind_by_table(table_name) else {
            continue;
        };
        let found = if target == kind {
            records.clone()
        } else {
            fetch_all_records(&mut *w.tx, target, facility_id).await?
        };
        linked.push((table_name, found));
    }
    let plan = plan(
        kind,
        table,
        mapping,
        &Existing {
            records: &records,
            linked: &linked,
            custom: &custom,
        },
    );
    if mode == Mode::Check || plan.has_errors() {
        return Ok(plan);
    }
    let now = now_text();
    let mut ids: HashMap<usize, i64> = HashMap::new();
    let new_rows: Vec<usize> = (0..plan.rows.len())
        .filter(|i| plan.rows[*i].status == RowStatus::New)
        .collect();
    let values: Vec<&[(&'static str, String)]> = new_rows
        .iter()
        .map(|i| plan.rows[*i].values.as_slice())
        .collect();
    let created = insert_rows(&mut w, kind, facility_id, &values, &now).await?;
    ids.extend(new_rows.iter().copied().zip(created));
    progress(new_rows.len());
    let mut events = Vec::new();
    for (index, row) in plan.rows.iter().enumerate() {
        let action = match (&row.status, row.existing) {
            (RowStatus::New, _) => "create",
            (RowStatus::Changed, Some(id)) => {
                if index % 256 == 0 {
                    progress(index);
                }
                update_row(&mut w, kind, facility_id, id, &row.values, &now).await?;
                ids.insert(index, id);
                "update"
            }
            (_, existing) => {
                if let Some(id) = existing {
                    ids.insert(index, id);
                }
                continue;
            }
        };
        let Some(id) = ids.get(&index) else { continue };
        let mut changes = row.changes.clone();
        for change in &mut changes {
            if let Some(field) = super::model::custom_id(&change.field)
                .and_then(|id| custom.iter().find(|f| f.id == id))
            {
                change.field = field.name.clone();
            }
        }
        events.push(
            Event::new(action, kind.entity, id)
                .label(row.label.clone())
                .changes(changes),
        );
    }
    // Links to records that were new in this file now have ids to point at.
    for (index, row) in plan.rows.iter().enumerate() {
        if row.pending_links.is_empty() {
            continue;
        }
        let Some(id) = ids.get(&index) else { continue };
        let mut values = row.values.clone();
        for (field, others) in &row.pending_links {
            if let Some(slot) = values.iter_mut().find(|(f, _)| f == field) {
                let mut list: Vec<String> = slot.1.split(' ').map(str::to_string).collect();
                list.extend(others.iter().filter_map(|o| ids.get(o)).map(i64::to_string));
                list.retain(|s| !s.is_empty());
                list.dedup();
                slot.1 = list.join(" ");
            }
        }
        update_row(&mut w, kind, facility_id, *id, &values, &now).await?;
    }
    if std::ptr::eq(kind, &super::model::DEVICES) {
        let lines: Vec<super::connection_sync::DeviceLine> = plan
            .rows
            .iter()
            .enumerate()
            .filter_map(|(index, row)| {
                let get = |field: &str| {
                    row.values
                        .iter()
                        .find(|(f, _)| *f == field)
                        .map(|(_, v)| v.as_str())
                };
                Some(super::connection_sync::DeviceLine {
                    id: *ids.get(&index)?,
                    name: get("name")?,
                    external: get("external_connection").unwrap_or("none"),
                })
            })
            .collect();
        events.extend(super::connection_sync::sync(&mut w, facility_id, &lines, &now).await?);
    }
    events.push(
        Event::new("import", "import", kind.table)
            .label(file_name)
            .change("records", "", kind.table)
            .change("new", "", plan.count(RowStatus::New).to_string())
            .change("changed", "", plan.count(RowStatus::Changed).to_string())
            .change(
                "unchanged",
                "",
                plan.count(RowStatus::Unchanged).to_string(),
            ),
    );
    audit::append_many(&mut w, actor, events).await?;
    w.commit().await?;
    progress(plan.rows.len());
    Ok(plan)
}

/// The column choices a person made for a kind's imports, remembered per facility so the next
/// file with the same headers maps itself.
pub async fn remembered_mapping(
    db: &Db,
    facility_id: i64,
    kind: &RecordKind,
) -> Result<HashMap<String, String>, LedgerError> {
    let stored = crate::db::meta::get(db, &mapping_key(facility_id, kind)).await?;
    Ok(stored
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}

pub async fn remember_mapping(
    db: &Db,
    facility_id: i64,
    kind: &RecordKind,
    choices: &HashMap<String, String>,
) -> Result<(), LedgerError> {
    let mut all = remembered_mapping(db, facility_id, kind).await?;
    all.extend(choices.iter().map(|(k, v)| (k.clone(), v.clone())));
    let text = serde_json::to_string(&all).unwrap_or_else(|_| "{}".into());
    let key = mapping_key(facility_id, kind);
    crate::db::meta::set(db, &key, &text).await?;
    Ok(())
}

fn mapping_key(facility_id: i64, kind: &RecordKind) -> String {
    format!("import_mapping:{facility_id}:{}", kind.table)
}

/// A kind's records as headings and rows (see [`super::export::to_table`]).
pub async fn export_table(
    db: &Db,
    facility_id: i64,
    kind: &'static RecordKind,
    tr: crate::i18n::Tr,
) -> Result<(Vec<String>, Vec<Vec<String>>), LedgerError> {
    let records = super::store::list_all(db, kind, facility_id).await?;
    let linked = super::store::ref_names(db, kind, facility_id).await?;
    let custom = super::store::custom_fields(db, facility_id, kind.table).await?;
    Ok(super::export::to_table(
        kind, &custom, &records, &linked, tr,
    ))
}

//! Ledger records in the database (devices, external connection points, …); every change is
//! audited field by field.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::model::{DEVICES, Device, Record, RecordKind, Values};
use crate::db::audit::{self, Event, diff};
use crate::db::{Db, DbError, WriteTx, now_text};
use crate::kernel::{Actor, Forbidden, Permission, RoomError};

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("{field}: {key}")]
    Invalid {
        field: &'static str,
        key: &'static str,
    },
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("the record was changed by someone else meanwhile")]
    Conflict,
    #[error("record not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for LedgerError {
    fn from(e: sqlx::Error) -> Self {
        LedgerError::Db(e.into())
    }
}

fn columns(kind: &RecordKind) -> String {
    let editable: Vec<&str> = kind.editable().map(|(f, _, _)| *f).collect();
    format!(
        "id, facility_id, {}, custom, created_at, updated_at",
        editable.join(", ")
    )
}

fn from_row(kind: &'static RecordKind, row: &AnyRow) -> Result<Record, sqlx::Error> {
    let mut values = Vec::new();
    for (field, _, _) in kind.editable() {
        values.push((*field, row.try_get::<String, _>(*field)?));
    }
    values.extend(super::model::custom_from_json(
        &row.try_get::<String, _>("custom")?,
    ));
    Ok(Record {
        id: row.try_get("id")?,
        facility_id: row.try_get("facility_id")?,
        kind,
        values,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Device list filters; empty strings mean "any".
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: String,
    pub department: String,
    pub status: String,
    /// Words matched against name, hostname, IP, asset number, location.
    pub text: String,
    /// Id of a system the devices belong to.
    pub system: String,
    /// At most this many, after skipping `offset` (all when None).
    pub limit: Option<i64>,
    pub offset: i64,
}

/// The WHERE clause of a device filter and its bound values (after the facility, `$1`).
/// Free-text words are matched without case; on SQLite through a covering index.
fn filter_clause(backend: crate::db::Backend, filter: &Filter) -> (String, Vec<String>) {
    let mut sql = String::from(" WHERE facility_id = $1");
    let mut binds: Vec<String> = Vec::new();
    for (column, value) in [
        ("kind", &filter.kind),
        ("department", &filter.department),
        ("status", &filter.status),
    ] {
        if !value.is_empty() {
            binds.push(value.clone());
            sql.push_str(&format!(" AND {column} = ${}", binds.len() + 1));
        }
    }
    if let Ok(system) = filter.system.parse::<i64>() {
        binds.push(format!("% {system} %"));
        sql.push_str(&format!(
            " AND (' ' || systems || ' ') LIKE ${}",
            binds.len() + 1
        ));
    }
    // SQLite's LIKE ignores ASCII case; PostgreSQL's needs ILIKE.
    let like = match backend {
        crate::db::Backend::Sqlite => "LIKE",
        crate::db::Backend::Postgres => "ILIKE",
    };
    let mut words = Vec::new();
    for word in filter.text.split_whitespace().take(5) {
        binds.push(format!("%{word}%"));
        let n = binds.len() + 1;
        words.push(format!(
            "(name {like} ${n} OR hostname {like} ${n} OR ip_addresses {like} ${n} OR asset_number {like} ${n} OR location {like} ${n})"
        ));
    }
    if !words.is_empty() {
        sql.push_str(&format!(
            " AND id IN (SELECT id FROM devices WHERE facility_id = $1 AND {})",
            words.join(" AND ")
        ));
    }
    (sql, binds)
}

/// How many devices a filter matches (its limit aside).
pub async fn count(db: &Db, facility_id: i64, filter: &Filter) -> Result<i64, LedgerError> {
    let (clause, binds) = filter_clause(db.backend(), filter);
    let sql = format!("SELECT COUNT(*) FROM devices{clause}");
    let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(facility_id);
    for b in binds {
        query = query.bind(b);
    }
    Ok(query.fetch_one(db.pool()).await?)
}

pub async fn list(db: &Db, facility_id: i64, filter: &Filter) -> Result<Vec<Device>, LedgerError> {
    let (clause, binds) = filter_clause(db.backend(), filter);
    let mut sql = format!("SELECT {} FROM devices{clause}", columns(&DEVICES));
    sql.push_str(" ORDER BY kind, name, id");
    if let Some(limit) = filter.limit {
        sql.push_str(&format!(
            " LIMIT {} OFFSET {}",
            limit.max(0),
            filter.offset.max(0)
        ));
    }
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(facility_id);
    for b in binds {
        query = query.bind(b);
    }
    let rows = query.fetch_all(db.pool()).await?;
    Ok(rows
        .iter()
        .map(|r| from_row(&DEVICES, r))
        .collect::<Result<_, _>>()?)
}

/// Every record of a kind, by name.
pub async fn list_all(
    db: &Db,
    kind: &'static RecordKind,
    facility_id: i64,
) -> Result<Vec<Record>, LedgerError> {
    Ok(fetch_all_records(db.pool(), kind, facility_id).await?)
}

/// Every record of a kind, read through a pool or inside a write transaction.
pub(crate) async fn fetch_all_records<'c, E>(
    executor: E,
    kind: &'static RecordKind,
    facility_id: i64,
) -> Result<Vec<Record>, sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let sql = format!(
        "SELECT {} FROM {} WHERE facility_id = $1 ORDER BY name, id",
        columns(kind),
        kind.table
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(facility_id)
        .fetch_all(executor)
        .await?;
    rows.iter().map(|r| from_row(kind, r)).collect()
}

pub async fn get(db: &Db, facility_id: i64, id: i64) -> Result<Device, LedgerError> {
    get_record(db, &DEVICES, facility_id, id).await
}

pub async fn get_record(
    db: &Db,
    kind: &'static RecordKind,
    facility_id: i64,
    id: i64,
) -> Result<Record, LedgerError> {
    let sql = format!(
        "SELECT {} FROM {} WHERE id = $1 AND facility_id = $2",
        columns(kind),
        kind.table
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(facility_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(LedgerError::NotFound)?;
    Ok(from_row(kind, &row)?)
}

/// Departments in use, for the filter menu.
pub async fn departments(db: &Db, facility_id: i64) -> Result<Vec<String>, LedgerError> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT department FROM devices WHERE facility_id = $1 AND department <> '' ORDER BY department",
    )
    .bind(facility_id)
    .fetch_all(db.pool())
    .await?)
}

/// Refuses a value of the kind's unique field that another record already has.
async fn check_unique(
    w: &mut WriteTx,
    kind: &RecordKind,
    facility_id: i64,
    record: &Record,
    except: i64,
) -> Result<(), LedgerError> {
    let Some(field) = kind.unique else {
        return Ok(());
    };
    let value = record.get(field);
    if value.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT id FROM {} WHERE facility_id = $1 AND {field} = $2 AND id <> $3",
        kind.table
    );
    let found: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(facility_id)
        .bind(value.to_string())
        .bind(except)
        .fetch_optional(&mut *w.tx)
        .await?;
    if found.is_some() {
        return Err(LedgerError::Invalid {
            field,
            key: if field == "asset_number" {
                crate::mkey!("asset-number-taken")
            } else {
                crate::mkey!("name-taken")
            },
        });
    }
    Ok(())
}

/// Refuses links to records that are not the facility's; returns the values with linked ids
/// replaced by names, for the audit trail.
async fn check_refs(
    w: &mut WriteTx,
    kind: &RecordKind,
    facility_id: i64,
    values: &[(&'static str, String)],
) -> Result<Values, LedgerError> {
    let mut described = values.to_vec();
    for (field, table, _) in kind.refs() {
        let Some(slot) = described.iter_mut().find(|(f, _)| *f == field) else {
            continue;
        };
        let mut names = Vec::new();
        for id in slot.1.split(' ').filter(|p| !p.is_empty()) {
            let id: i64 = id.parse().map_err(|_| LedgerError::Invalid {
                field,
                key: crate::mkey!("ref-unknown"),
            })?;
            let sql = format!("SELECT name FROM {table} WHERE id = $1 AND facility_id = $2");
            let name: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .bind(facility_id)
                .fetch_optional(&mut *w.tx)
                .await?;
            names.push(name.ok_or(LedgerError::Invalid {
                field,
                key: crate::mkey!("ref-unknown"),
            })?);
        }
        slot.1 = names.join("、");
    }
    Ok(described)
}

/// Values with user-defined fields named as the hospital named them, for the audit trail.
pub fn audit_names<'a>(
    values: &'a [(&'static str, String)],
    fields: &'a [super::model::CustomField],
) -> Vec<(&'a str, String)> {
    values
        .iter()
        .map(|(k, v)| {
            let name = super::model::custom_id(k)
                .and_then(|id| fields.iter().find(|f| f.id == id))
                .map_or(*k, |f| f.name.as_str());
            (name, v.clone())
        })
        .collect()
}

/// Record names by id, to show links.
#[derive(Debug, Default, Clone)]
pub struct Names(std::collections::HashMap<i64, String>);

impl Names {
    pub fn of(records: &[Record]) -> Names {
        Names(
            records
                .iter()
                .map(|r| (r.id, r.name().to_string()))
                .collect(),
        )
    }

    pub fn get(&self, id: i64) -> Option<&str> {
        self.0.get(&id).map(String::as_str)
    }

    /// "電子カルテ、PACS" for a stored "3 7".
    pub fn list(&self, ids: &str) -> String {
        self.links(ids)
            .into_iter()
            .map(|(_, n)| n)
            .collect::<Vec<_>>()
            .join("、")
    }

    pub fn links(&self, ids: &str) -> Vec<(i64, String)> {
        ids.split(' ')
            .filter_map(|p| p.parse::<i64>().ok())
            .map(|id| {
                (
                    id,
                    self.get(id)
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("#{id}")),
                )
            })
            .collect()
    }
}

/// Names of every record a kind's reference fields can point to, by table.
pub async fn ref_names(
    db: &Db,
    kind: &RecordKind,
    facility_id: i64,
) -> Result<Vec<(&'static str, Vec<Record>)>, LedgerError> {
    let mut out: Vec<(&'static str, Vec<Record>)> = Vec::new();
    for (_, table, _) in kind.refs() {
        if out.iter().any(|(t, _)| *t == table) {
            continue;
        }
        let Some(target) = super::model::kind_by_table(table) else {
            continue;
        };
        out.push((table, list_all(db, target, facility_id).await?));
    }
    Ok(out)
}

pub(crate) fn facility_of(actor: &Actor) -> Result<i64, LedgerError> {
    actor.facility_id.ok_or(LedgerError::NotFound)
}

/// Registers a device from cleaned values (see [`super::model::validate`]).
pub async fn create(
    db: &Db,
    actor: &Actor,
    values: &[(&'static str, String)],
) -> Result<i64, LedgerError> {
    create_record(db, actor, &DEVICES, values).await
}

/// Registers a record of any kind from cleaned values (see [`RecordKind::validate`]).
pub async fn create_record(
    db: &Db,
    actor: &Actor,
    kind: &'static RecordKind,
    values: &[(&'static str, String)],
) -> Result<i64, LedgerError> {
    let ids = create_records(db, actor, kind, std::slice::from_ref(&values.to_vec())).await?;
    ids.into_iter().next().ok_or(LedgerError::NotFound)
}

/// Registers several records from cleaned values in one transaction: all of them or none
/// (the first refused one says why).
pub async fn create_records(
    db: &Db,
    actor: &Actor,
    kind: &'static RecordKind,
    all: &[Values],
) -> Result<Vec<i64>, LedgerError> {
    actor.require(Permission::Edit)?;
    let facility_id = facility_of(actor)?;
    let fields = custom_fields(db, facility_id, kind.table).await?;
    let mut w = db.write().await?;
    let now = now_text();
    let mut ids = Vec::with_capacity(all.len());
    let mut events = Vec::new();
    for values in all {
        let record = Record {
            kind,
            values: values.clone(),
            ..Record::default()
        };
        check_unique(&mut w, kind, facility_id, &record, 0).await?;
        let described = check_refs(&mut w, kind, facility_id, values).await?;
        let id = insert_row(&mut w, kind, facility_id, values, &now).await?;
        events.push(
            Event::new("create", kind.entity, id)
                .label(record.name())
                .changes(diff(&[], &audit_names(&described, &fields))),
        );
        events.extend(connection_points_of(&mut w, kind, facility_id, id, values, &now).await?);
        ids.push(id);
    }
    audit::append_many(&mut w, actor, events).await?;
    w.commit().await?;
    Ok(ids)
}

/// A device's 外部接続 makes its connection point (see `connection_sync`); other kinds make
/// nothing. Returns the audit events of what was written.
async fn connection_points_of(
    w: &mut WriteTx,
    kind: &'static RecordKind,
    facility_id: i64,
    id: i64,
    values: &[(&'static str, String)],
    now: &str,
) -> Result<Vec<Event>, LedgerError> {
    if !std::ptr::eq(kind, &DEVICES) {
        return Ok(Vec::new());
    }
    let get = |field: &str| {
        values
            .iter()
            .find(|(f, _)| *f == field)
            .map_or("", |(_, v)| v.as_str())
    };
    let line = super::connection_sync::DeviceLine {
        id,
        name: get("name"),
        external: get("external_connection"),
    };
    super::connection_sync::sync(w, facility_id, &[line], now).await
}

/// The fixed columns' values, and the user-defined ones as the `custom` column's JSON.
fn split_custom(values: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let (custom, fixed): (Vec<_>, Vec<_>) = values
        .iter()
        .cloned()
        .partition(|(f, _)| super::model::custom_id(f).is_some());
    let mut fixed = fixed;
    fixed.push(("custom", super::model::custom_to_json(&custom)));
    fixed
}

/// Inserts a record's row; the caller has checked it.
pub(crate) async fn insert_row(
    w: &mut WriteTx,
    kind: &RecordKind,
    facility_id: i64,
    values: &[(&'static str, String)],
    now: &str,
) -> Result<i64, LedgerError> {
    let values = &split_custom(values);
    let names: Vec<&str> = values.iter().map(|(f, _)| *f).collect();
    let placeholders: Vec<String> = (0..values.len() + 3)
        .map(|i| format!("${}", i + 1))
        .collect();
    let sql = format!(
        "INSERT INTO {} (facility_id, {}, created_at, updated_at) VALUES ({}) RETURNING id",
        kind.table,
        names.join(", "),
        placeholders.join(", ")
    );
    let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).bind(facility_id);
    for (_, v) in values {
        query = query.bind(v.clone());
    }
    Ok(query
        .bind(now.to_string())
        .bind(now.to_string())
        .fetch_one(&mut *w.tx)
        .await?)
}

/// Inserts many checked rows with few statements (an import's thousands); returns their ids in
/// the order given.
pub(crate) async fn insert_rows(
    w: &mut WriteTx,
    kind: &RecordKind,
    facility_id: i64,
    rows: &[&[(&'static str, String)]],
    now: &str,
) -> Result<Vec<i64>, LedgerError> {
    let rows: Vec<Vec<(&'static str, String)>> = rows.iter().map(|r| split_custom(r)).collect();
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let names: Vec<&str> = first.iter().map(|(f, _)| *f).collect();
    let per_row = names.len() + 3;
    // Well under both databases' limit on bound values per statement.
    let chunk = (4000 / per_row).max(1);
    let mut ids = Vec::with_capacity(rows.len());
    let backend = w.backend();
    for part in rows.chunks(chunk) {
        let groups: Vec<String> = (0..part.len())
            .map(|r| {
                let slots: Vec<String> = (0..per_row)
                    .map(|i| crate::db::placeholder(backend, r * per_row + i + 1))
                    .collect();
                format!("({})", slots.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO {} (facility_id, {}, created_at, updated_at) VALUES {} RETURNING id",
            kind.table,
            names.join(", "),
            groups.join(", ")
        );
        let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
        for row in part {
            query = query.bind(facility_id);
            for (_, v) in row.iter() {
                query = query.bind(v.clone());
            }
            query = query.bind(now.to_string()).bind(now.to_string());
        }
        // Ids rise in the order rows are inserted, whatever order RETURNING lists them in.
        let mut returned = query.fetch_all(&mut *w.tx).await?;
        returned.sort_unstable();
        ids.extend(returned);
    }
    Ok(ids)
}

/// Overwrites a record's row; the caller has checked it.
pub(crate) async fn update_row(
    w: &mut WriteTx,
    kind: &RecordKind,
    facility_id: i64,
    id: i64,
    values: &[(&'static str, String)],
    now: &str,
) -> Result<(), LedgerError> {
    let values = &split_custom(values);
    let sets: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, (f, _))| format!("{f} = ${}", i + 1))
        .collect();
    let n = values.len();
    let sql = format!(
        "UPDATE {} SET {}, updated_at = ${} WHERE id = ${} AND facility_id = ${}",
        kind.table,
        sets.join(", "),
        n + 1,
        n + 2,
        n + 3
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (_, v) in values {
        query = query.bind(v.clone());
    }
    query
        .bind(now.to_string())
        .bind(id)
        .bind(facility_id)
        .execute(&mut *w.tx)
        .await?;
    Ok(())
}

/// Saves device edits (see [`update_record`]).
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: i64,
    values: &[(&'static str, String)],
    seen_updated_at: &str,
) -> Result<bool, LedgerError> {
    update_record(db, actor, &DEVICES, id, values, seen_updated_at).await
}

/// Saves edits. `seen_updated_at` is the version the user edited; a newer save in between is a
/// conflict and nothing is written.
pub async fn update_record(
    db: &Db,
    actor: &Actor,
    kind: &'static RecordKind,
    id: i64,
    values: &[(&'static str, String)],
    seen_updated_at: &str,
) -> Result<bool, LedgerError> {
    actor.require(Permission::Edit)?;
    let facility_id = facility_of(actor)?;
    let fields = custom_fields(db, facility_id, kind.table).await?;
    let mut w = db.write().await?;
    let sql = format!(
        "SELECT {} FROM {} WHERE id = $1 AND facility_id = $2",
        columns(kind),
        kind.table
    );
    let current = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(facility_id)
        .fetch_optional(&mut *w.tx)
        .await?
        .as_ref()
        .map(|r| from_row(kind, r))
        .transpose()?
        .ok_or(LedgerError::NotFound)?;
    if current.updated_at != seen_updated_at {
        return Err(LedgerError::Conflict);
    }
    let new = Record {
        kind,
        values: values.to_vec(),
        ..Record::default()
    };
    check_unique(&mut w, kind, facility_id, &new, id).await?;
    let described = check_refs(&mut w, kind, facility_id, values).await?;
    let before = check_refs(&mut w, kind, facility_id, &current.values)
        .await
        .unwrap_or_else(|_| current.values.clone());
    let changes = diff(
        &audit_names(&before, &fields),
        &audit_names(&described, &fields),
    );
    if changes.is_empty() {
        return Ok(false);
    }
    let now = now_text();
    update_row(&mut w, kind, facility_id, id, values, &now).await?;
    let mut events = vec![
        Event::new("update", kind.entity, id)
            .label(new.name())
            .changes(changes),
    ];
    events.extend(connection_points_of(&mut w, kind, facility_id, id, values, &now).await?);
    audit::append_many(&mut w, actor, events).await?;
    w.commit().await?;
    Ok(true)
}

/// What the dashboard and, later, the checklist need to know about the ledger.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Devices not retired.
    pub in_use: i64,
    pub by_kind: Vec<(&'static str, i64)>,
    /// In-use devices lacking OS/firmware version, location or manager.
    pub missing_key_fields: i64,
    /// In-use devices not confirmed (stocktake) within the last 12 months.
    pub not_confirmed_12_months: i64,
}

pub async fn summary(db: &Db, facility_id: i64) -> Result<Summary, LedgerError> {
    let year_ago = (chrono::Utc::now() - chrono::Duration::days(365))
        .format("%Y-%m-%d")
        .to_string();
    // Counted by the database: the ledger page asks on every view, over thousands of devices.
    let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT kind, COUNT(*),
            SUM(CASE WHEN os_version = '' OR location = '' OR manager = '' THEN 1 ELSE 0 END),
            SUM(CASE WHEN last_confirmed = '' OR last_confirmed < $2 THEN 1 ELSE 0 END)
         FROM devices WHERE facility_id = $1 AND status <> 'retired' GROUP BY kind",
    )
    .bind(facility_id)
    .bind(year_ago)
    .fetch_all(db.pool())
    .await?;
    Ok(Summary {
        in_use: rows.iter().map(|r| r.1).sum(),
        by_kind: super::model::KINDS
            .iter()
            .map(|(kind, _)| (*kind, rows.iter().find(|r| r.0 == *kind).map_or(0, |r| r.1)))
            .collect(),
        missing_key_fields: rows.iter().map(|r| r.2).sum(),
        not_confirmed_12_months: rows.iter().map(|r| r.3).sum(),
    })
}

/// The fields a facility added to a kind of record, in the order they were added.
pub async fn custom_fields(
    db: &Db,
    facility_id: i64,
    table: &str,
) -> Result<Vec<super::model::CustomField>, LedgerError> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, record_table, name, field_type FROM custom_fields WHERE facility_id = $1 AND record_table = $2 ORDER BY position, id",
    )
    .bind(facility_id)
    .bind(table.to_string())
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, table, name, field_type)| super::model::CustomField {
            id,
            table,
            name,
            field_type,
        })
        .collect())
}

/// Adds a field to a kind of record (admin only).
pub async fn add_custom_field(
    db: &Db,
    actor: &Actor,
    table: &str,
    name: &str,
    field_type: &str,
) -> Result<i64, LedgerError> {
    actor.require(Permission::Administer)?;
    let facility_id = facility_of(actor)?;
    let name = name.trim();
    let kind = super::model::kind_by_table(table).ok_or(LedgerError::Invalid {
        field: "record_table",
        key: crate::mkey!("choice-invalid"),
    })?;
    if name.is_empty() || name.chars().count() > 50 {
        return Err(LedgerError::Invalid {
            field: "name",
            key: crate::mkey!("custom-name-invalid"),
        });
    }
    if !super::model::CUSTOM_TYPES
        .iter()
        .any(|(t, _)| *t == field_type)
    {
        return Err(LedgerError::Invalid {
            field: "field_type",
            key: crate::mkey!("choice-invalid"),
        });
    }
    // A fixed field's label would make import headings ambiguous.
    let clashes = kind.editable().any(|(_, key, _)| {
        [crate::i18n::Lang::Ja, crate::i18n::Lang::En]
            .into_iter()
            .any(|lang| crate::i18n::Tr::new(lang).t(key) == name)
    });
    let mut w = db.write().await?;
    let taken: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM custom_fields WHERE facility_id = $1 AND record_table = $2 AND name = $3",
    )
    .bind(facility_id)
    .bind(table.to_string())
    .bind(name.to_string())
    .fetch_optional(&mut *w.tx)
    .await?;
    if clashes || taken.is_some() {
        return Err(LedgerError::Invalid {
            field: "name",
            key: crate::mkey!("name-taken"),
        });
    }
    let position: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM custom_fields WHERE facility_id = $1 AND record_table = $2",
    )
    .bind(facility_id)
    .bind(table.to_string())
    .fetch_one(&mut *w.tx)
    .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO custom_fields (facility_id, record_table, name, field_type, position, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(facility_id)
    .bind(table.to_string())
    .bind(name.to_string())
    .bind(field_type.to_string())
    .bind(position)
    .bind(now_text())
    .fetch_one(&mut *w.tx)
    .await?;
    audit::commit_with(
        w,
        actor,
        Event::new("create", "custom_field", id)
            .label(name)
            .change("record_table", "", table)
            .change("field_type", "", field_type),
    )
    .await?;
    Ok(id)
}

/// Removes a field definition (admin only). Values already typed stay in the records' stored
/// data but are no longer shown or exported.
pub async fn remove_custom_field(db: &Db, actor: &Actor, id: i64) -> Result<(), LedgerError> {
    actor.require(Permission::Administer)?;
    let facility_id = facility_of(actor)?;
    let mut w = db.write().await?;
    let found: Option<(String, String)> = sqlx::query_as(
        "SELECT name, record_table FROM custom_fields WHERE id = $1 AND facility_id = $2",
    )
    .bind(id)
    .bind(facility_id)
    .fetch_optional(&mut *w.tx)
    .await?;
    let (name, table) = found.ok_or(LedgerError::NotFound)?;
    sqlx::query("DELETE FROM custom_fields WHERE id = $1 AND facility_id = $2")
        .bind(id)
        .bind(facility_id)
        .execute(&mut *w.tx)
        .await?;
    audit::commit_with(
        w,
        actor,
        Event::new("delete", "custom_field", id)
            .label(name)
            .change("record_table", table, ""),
    )
    .await?;
    Ok(())
}

/// A device as vulnerability matching needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchInput {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub cpes: String,
    pub os_version: String,
    pub maintenance_vendor: String,
    /// Reachable from outside: marked as connected to the internet, a VPN or a leased line, or
    /// the device of an external connection point.
    pub facing: bool,
    /// The OS or firmware's name as the ledger writes it (FortiOS, PAN-OS).
    pub os_name: String,
    /// 最終更新日 (YYYY-MM-DD, or "").
    pub last_patched: String,
    /// サポート終了日 (YYYY-MM-DD, or "").
    pub end_of_support: String,
}

#[derive(sqlx::FromRow)]
struct MatchRow {
    id: i64,
    name: String,
    cpes: String,
    os_version: String,
    maintenance_vendor: String,
    external_connection: String,
    kind: String,
    os_name: String,
    last_patched: String,
    end_of_support: String,
}

/// The in-use devices that name CPEs, read in one query (matching runs over the whole ledger).
pub async fn match_inputs(db: &Db, facility_id: i64) -> Result<Vec<MatchInput>, LedgerError> {
    let rows: Vec<MatchRow> = sqlx::query_as(
        "SELECT id, name, cpes, os_version, maintenance_vendor, external_connection, kind,
                os_name, last_patched, end_of_support FROM devices
         WHERE facility_id = $1 AND status <> 'retired' AND cpes <> '' ORDER BY id",
    )
    .bind(facility_id)
    .fetch_all(db.pool())
    .await?;
    let points: Vec<(String,)> = sqlx::query_as(
        "SELECT device FROM connection_points WHERE facility_id = $1 AND device <> ''",
    )
    .bind(facility_id)
    .fetch_all(db.pool())
    .await?;
    let on_points: std::collections::HashSet<i64> = points
        .iter()
        .flat_map(|(ids,)| ids.split_whitespace().filter_map(|id| id.parse().ok()))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| MatchInput {
            facing: r.external_connection != "none" || on_points.contains(&r.id),
            id: r.id,
            kind: r.kind,
            name: r.name,
            cpes: r.cpes,
            os_version: r.os_version,
            maintenance_vendor: r.maintenance_vendor,
            os_name: r.os_name,
            last_patched: r.last_patched,
            end_of_support: r.end_of_support,
        })
        .collect())
}

/// The names of all the facility's devices (retired ones too), by ID order.
pub async fn device_names(db: &Db, facility_id: i64) -> Result<Vec<(i64, String)>, LedgerError> {
    Ok(sqlx::query_as::<_, (i64, String)>(
        "SELECT id, name FROM devices WHERE facility_id = $1 ORDER BY id",
    )
    .bind(facility_id)
    .fetch_all(db.pool())
    .await?)
}

impl From<LedgerError> for RoomError {
    fn from(e: LedgerError) -> Self {
        match e {
            // A reference to a record that is not there (or not this facility's).
            LedgerError::NotFound | LedgerError::Invalid { .. } => RoomError::NotFound,
            LedgerError::Forbidden(_) => RoomError::Forbidden,
            LedgerError::Conflict => RoomError::Conflict,
            other => RoomError::internal(other),
        }
    }
}

/// A device or system a vendor maintains, as the vendor's own page lists it (read-only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Maintained {
    /// `device` or `system`.
    pub kind: &'static str,
    pub name: String,
    /// For a device: its OS or firmware and version; for a system: "".
    pub detail: String,
    pub location: String,
}

/// The in-use devices whose maintenance vendor, and the systems whose vendor, is `vendor`
/// (the name as the ledger writes it), by name.
pub async fn maintained_by(
    db: &Db,
    facility_id: i64,
    vendor: &str,
) -> Result<Vec<Maintained>, LedgerError> {
    let vendor = vendor.trim().to_string();
    if vendor.is_empty() {
        return Ok(Vec::new());
    }
    let devices: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT name, os_name, os_version, location FROM devices
         WHERE facility_id = $1 AND TRIM(maintenance_vendor) = $2 AND status <> 'retired' ORDER BY name, id",
    )
    .bind(facility_id)
    .bind(vendor.clone())
    .fetch_all(db.pool())
    .await?;
    let systems: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM systems WHERE facility_id = $1 AND TRIM(vendor) = $2 ORDER BY name, id",
    )
    .bind(facility_id)
    .bind(vendor)
    .fetch_all(db.pool())
    .await?;
    Ok(devices
        .into_iter()
        .map(|(name, os, version, location)| Maintained {
            kind: "device",
            name,
            detail: format!("{os} {version}").trim().to_string(),
            location,
        })
        .chain(systems.into_iter().map(|(name,)| Maintained {
            kind: "system",
            name,
            detail: String::new(),
            location: String::new(),
        }))
        .collect())
}

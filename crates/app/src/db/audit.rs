//! The audit trail (監査ログ): one append-only table written in the same transaction as the change
//! it records. Each row carries the SHA-256 of the row before it, so an altered or removed row
//! breaks the chain and `mamori audit verify` names it. Triggers refuse UPDATE and DELETE.
//!
//! The chain alone cannot stop someone who can write the database from rewriting its end and
//! recomputing the hashes. So the chain is anchored with a key kept outside the database (the
//! data folder's `audit.key`, 0600, or `MAMORI_AUDIT_KEY`): the head (last row and its hash) is
//! signed with HMAC-SHA256 at every append, and signed checkpoints are kept (hourly while the
//! server runs, and at every backup and verification) and exported beside backups, so a trail
//! rolled back to an earlier state is caught too.

use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, Row};

use super::{Backend, Db, DbResult, WriteTx, now_text};
use crate::kernel::Actor;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Key of an arbitrary, fixed PostgreSQL advisory lock that serialises appends across processes.
const PG_AUDIT_LOCK: i64 = 0x6d616d6f7269;

/// The key that signs the trail, kept outside the database.
#[derive(Clone)]
pub struct AuditKey(Vec<u8>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(…)")
    }
}

/// The key's file in the data folder.
pub const KEY_FILE: &str = "audit.key";

impl AuditKey {
    /// The key from `MAMORI_AUDIT_KEY` (hex, for several servers on one PostgreSQL), else the
    /// data folder's `audit.key`, made (0600) when missing. Returns whether it was just made.
    pub fn load_or_create(data_dir: &std::path::Path) -> std::io::Result<(AuditKey, bool)> {
        if let Ok(hex) = std::env::var("MAMORI_AUDIT_KEY")
            && !hex.trim().is_empty()
        {
            let key = data_encoding::HEXLOWER_PERMISSIVE
                .decode(hex.trim().as_bytes())
                .ok()
                .filter(|k| k.len() >= 16)
                .ok_or_else(|| {
                    std::io::Error::other("MAMORI_AUDIT_KEY must be at least 32 hexadecimal digits")
                })?;
            return Ok((AuditKey(key), false));
        }
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let key = data_encoding::HEXLOWER_PERMISSIVE
                    .decode(text.trim().as_bytes())
                    .ok()
                    .filter(|k| k.len() >= 16)
                    .ok_or_else(|| {
                        std::io::Error::other(format!(
                            "{} is damaged: restore it from a backup of the data folder",
                            path.display()
                        ))
                    })?;
                Ok((AuditKey(key), false))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = vec![0u8; 32];
                crate::auth::secrets::fill_random(&mut key);
                crate::kernel::files::private_dir(data_dir)?;
                crate::kernel::files::write_private(
                    &path,
                    format!("{}\n", data_encoding::HEXLOWER.encode(&key)),
                )?;
                Ok((AuditKey(key), true))
            }
            Err(e) => Err(e),
        }
    }

    /// The key if there is one, never making it (for looking only).
    pub fn load(data_dir: &std::path::Path) -> std::io::Result<Option<AuditKey>> {
        let env_set = std::env::var("MAMORI_AUDIT_KEY").is_ok_and(|v| !v.trim().is_empty());
        if !env_set && !data_dir.join(KEY_FILE).exists() {
            return Ok(None);
        }
        Self::load_or_create(data_dir).map(|(key, _)| Some(key))
    }

    fn sign(&self, what: &str, seq: i64, hash: &str) -> String {
        match hmac::Hmac::<Sha256>::new_from_slice(&self.0) {
            Ok(mut mac) => {
                mac.update(format!("mamori-audit-{what}:{seq}:{hash}").as_bytes());
                data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
            }
            Err(_) => String::new(),
        }
    }

    fn check(&self, what: &str, seq: i64, hash: &str, signature: &str) -> bool {
        crate::auth::secrets::constant_time_eq(&self.sign(what, seq, hash), signature)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// One recorded change, before it is chained.
#[derive(Debug, Clone)]
pub struct Event {
    pub action: &'static str,
    pub entity_type: &'static str,
    pub entity_id: String,
    pub entity_label: String,
    pub changes: Vec<Change>,
}

impl Event {
    pub fn new(action: &'static str, entity_type: &'static str, entity_id: impl ToString) -> Self {
        Event {
            action,
            entity_type,
            entity_id: entity_id.to_string(),
            entity_label: String::new(),
            changes: Vec::new(),
        }
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.entity_label = label.into();
        self
    }

    pub fn changes(mut self, changes: Vec<Change>) -> Self {
        self.changes = changes;
        self
    }

    pub fn change(
        mut self,
        field: &str,
        before: impl Into<String>,
        after: impl Into<String>,
    ) -> Self {
        self.changes.push(Change {
            field: field.to_string(),
            before: before.into(),
            after: after.into(),
        });
        self
    }
}

/// Field-level differences between two versions of a record, in field order.
pub fn diff(before: &[(&str, String)], after: &[(&str, String)]) -> Vec<Change> {
    after
        .iter()
        .filter_map(|(field, new)| {
            let old = before
                .iter()
                .find(|(f, _)| f == field)
                .map(|(_, v)| v.as_str())
                .unwrap_or("");
            (old != new).then(|| Change {
                field: field.to_string(),
                before: old.to_string(),
                after: new.clone(),
            })
        })
        .collect()
}

/// A stored row of the audit trail.
#[derive(Debug, Clone)]
pub struct Record {
    pub seq: i64,
    pub at: String,
    pub facility_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub actor_ip: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub entity_label: String,
    pub changes: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Record {
    fn from_row(row: &sqlx::any::AnyRow) -> Result<Record, sqlx::Error> {
        Ok(Record {
            seq: row.try_get("seq")?,
            at: row.try_get("at")?,
            facility_id: row.try_get("facility_id")?,
            actor_id: row.try_get("actor_id")?,
            actor_name: row.try_get("actor_name")?,
            actor_ip: row.try_get("actor_ip")?,
            action: row.try_get("action")?,
            entity_type: row.try_get("entity_type")?,
            entity_id: row.try_get("entity_id")?,
            entity_label: row.try_get("entity_label")?,
            changes: row.try_get("changes")?,
            prev_hash: row.try_get("prev_hash")?,
            hash: row.try_get("hash")?,
        })
    }

    /// The hash this row should carry, computed from its content and the previous hash.
    pub fn compute_hash(&self) -> String {
        let fields = serde_json::json!([
            self.seq,
            self.at,
            self.facility_id,
            self.actor_id,
            self.actor_name,
            self.actor_ip,
            self.action,
            self.entity_type,
            self.entity_id,
            self.entity_label,
            self.changes,
            self.prev_hash,
        ]);
        data_encoding::HEXLOWER.encode(&Sha256::digest(fields.to_string().as_bytes()))
    }

    pub fn parsed_changes(&self) -> Vec<Change> {
        serde_json::from_str(&self.changes).unwrap_or_default()
    }
}

const COLUMNS: &str = "seq, at, facility_id, actor_id, actor_name, actor_ip, action, entity_type, entity_id, entity_label, changes, prev_hash, hash";

/// Appends one event inside the caller's transaction, chained to the last row.
pub async fn append(w: &mut WriteTx, actor: &Actor, event: Event) -> DbResult<()> {
    append_many(w, actor, vec![event]).await
}

/// Appends events in order inside the caller's transaction (an import's thousands of rows read
/// the chain's end and move its head once).
pub async fn append_many(w: &mut WriteTx, actor: &Actor, events: Vec<Event>) -> DbResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    if w.backend() == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(PG_AUDIT_LOCK)
            .execute(&mut *w.tx)
            .await?;
    }
    let last = sqlx::query("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *w.tx)
        .await?;
    let (mut seq, mut prev_hash) = match last {
        Some(row) => (
            row.try_get::<i64, _>("seq")? + 1,
            row.try_get::<String, _>("hash")?,
        ),
        None => (1, GENESIS.to_string()),
    };
    let at = now_text();
    let mut records = Vec::with_capacity(events.len());
    for event in events {
        let mut record = Record {
            seq,
            at: at.clone(),
            facility_id: actor.facility_id,
            actor_id: actor.user_id,
            actor_name: actor.name.clone(),
            actor_ip: actor.ip.clone(),
            action: event.action.to_string(),
            entity_type: event.entity_type.to_string(),
            entity_id: event.entity_id,
            entity_label: event.entity_label,
            changes: serde_json::to_string(&event.changes).unwrap_or_else(|_| "[]".into()),
            prev_hash,
            hash: String::new(),
        };
        record.hash = record.compute_hash();
        prev_hash = record.hash.clone();
        seq += 1;
        records.push(record);
    }
    // Many rows per statement: an import of thousands of records is audited in one go.
    const COLUMNS: usize = 13;
    let backend = w.backend();
    for part in records.chunks(200) {
        let groups: Vec<String> = (0..part.len())
            .map(|r| {
                let slots: Vec<String> = (0..COLUMNS)
                    .map(|i| super::placeholder(backend, r * COLUMNS + i + 1))
                    .collect();
                format!("({})", slots.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO audit_events (seq, at, facility_id, actor_id, actor_name, actor_ip, action, entity_type, entity_id, entity_label, changes, prev_hash, hash) VALUES {}",
            groups.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for record in part {
            query = query
                .bind(record.seq)
                .bind(record.at.clone())
                .bind(record.facility_id)
                .bind(record.actor_id)
                .bind(record.actor_name.clone())
                .bind(record.actor_ip.clone())
                .bind(record.action.clone())
                .bind(record.entity_type.clone())
                .bind(record.entity_id.clone())
                .bind(record.entity_label.clone())
                .bind(record.changes.clone())
                .bind(record.prev_hash.clone())
                .bind(record.hash.clone());
        }
        query.execute(&mut *w.tx).await?;
    }
    // The head lets verify notice rows cut off the end of the chain; its signature, a chain
    // rewritten by someone without the key.
    write_head(w, seq - 1, &prev_hash).await
}

fn head_text(key: Option<&AuditKey>, seq: i64, hash: &str) -> String {
    match key {
        Some(key) => format!("{seq}:{hash}:{}", key.sign("head", seq, hash)),
        None => format!("{seq}:{hash}"),
    }
}

async fn write_head(w: &mut WriteTx, seq: i64, hash: &str) -> DbResult<()> {
    let head = head_text(w.audit_key(), seq, hash);
    let updated = sqlx::query("UPDATE meta SET value = $1 WHERE key = 'audit_head'")
        .bind(head.clone())
        .execute(&mut *w.tx)
        .await?;
    if updated.rows_affected() == 0 {
        sqlx::query("INSERT INTO meta (key, value) VALUES ('audit_head', $1)")
            .bind(head)
            .execute(&mut *w.tx)
            .await?;
    }
    Ok(())
}

/// The last row's number and hash, as the chain has them (0 and the genesis hash when empty).
async fn chain_end(w: &mut WriteTx) -> DbResult<(i64, String)> {
    let last = sqlx::query("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *w.tx)
        .await?;
    Ok(match last {
        Some(row) => (row.try_get("seq")?, row.try_get("hash")?),
        None => (0, GENESIS.to_string()),
    })
}

/// Signs the head as the chain stands, when a key has just been made for a trail written
/// without one (the first start after an upgrade, a restored copy). Call only after
/// [`verify`] found the chain intact.
pub async fn sign_head(db: &Db) -> DbResult<()> {
    if db.audit_key().is_none() {
        return Ok(());
    }
    let mut w = db.write().await?;
    let (seq, hash) = chain_end(&mut w).await?;
    if seq > 0 {
        write_head(&mut w, seq, &hash).await?;
    }
    w.commit().await
}

/// Gives `db` the data folder's key (made when missing). A key made just now signs the trail as
/// it stands, once the chain is found intact, so an upgraded installation is anchored from here on.
pub async fn attach_key(db: &Db, data_dir: &std::path::Path) -> Result<(), String> {
    let (key, created) = AuditKey::load_or_create(data_dir).map_err(|e| {
        format!(
            "the audit trail's key ({}): {e}",
            data_dir.join(KEY_FILE).display()
        )
    })?;
    db.set_audit_key(key);
    if created {
        let checked = verify(db).await.map_err(|e| e.to_string())?;
        if checked.problem.is_none() {
            sign_head(db).await.map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// A signed checkpoint: row `seq` of the trail had hash `hash` at `at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: String,
    pub signature: String,
}

/// Records a signed checkpoint of the chain's end, unless there is no key, no row, or the last
/// checkpoint is already there. Returns every checkpoint, oldest first (to export them).
pub async fn checkpoint(db: &Db) -> DbResult<Vec<Checkpoint>> {
    if let Some(key) = db.audit_key() {
        let mut w = db.write().await?;
        let (seq, hash) = chain_end(&mut w).await?;
        let last: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM audit_checkpoints")
            .fetch_one(&mut *w.tx)
            .await?;
        if seq > 0 && last.is_none_or(|last| last < seq) {
            sqlx::query(
                "INSERT INTO audit_checkpoints (seq, hash, at, signature) VALUES ($1, $2, $3, $4)",
            )
            .bind(seq)
            .bind(hash.clone())
            .bind(now_text())
            .bind(key.sign("checkpoint", seq, &hash))
            .execute(&mut *w.tx)
            .await?;
            w.commit().await?;
        }
    }
    checkpoints(db).await
}

async fn checkpoints(db: &Db) -> DbResult<Vec<Checkpoint>> {
    let rows: Vec<(i64, String, String, String)> =
        sqlx::query_as("SELECT seq, hash, at, signature FROM audit_checkpoints ORDER BY seq")
            .fetch_all(db.pool())
            .await?;
    Ok(rows
        .into_iter()
        .map(|(seq, hash, at, signature)| Checkpoint {
            seq,
            hash,
            at,
            signature,
        })
        .collect())
}

/// Records one event in a transaction of its own (for events that change nothing else,
/// such as a failed login).
pub async fn record(db: &Db, actor: &Actor, event: Event) -> DbResult<()> {
    commit_with(db.write().await?, actor, event).await
}

/// The end of most changes: the event that records them, then the commit of both.
pub async fn commit_with(mut w: WriteTx, actor: &Actor, event: Event) -> DbResult<()> {
    append(&mut w, actor, event).await?;
    w.commit().await
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub seq: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub rows: u64,
    pub problem: Option<Problem>,
}

/// Recomputes the whole chain and reports the first row that does not fit.
pub async fn verify(db: &Db) -> DbResult<Verification> {
    use futures_util::StreamExt;
    let sql = format!("SELECT {COLUMNS} FROM audit_events ORDER BY seq");
    let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(db.pool());
    let mut expected_seq = 1_i64;
    let mut prev_hash = GENESIS.to_string();
    let mut count = 0_u64;
    while let Some(row) = rows.next().await {
        let record = Record::from_row(&row?)?;
        count += 1;
        let problem = if record.seq != expected_seq {
            Some(format!(
                "row {expected_seq} is missing (the next row found is {})",
                record.seq
            ))
        } else if record.prev_hash != prev_hash {
            Some("its link to the previous row does not match (a row before it was changed or removed)".to_string())
        } else if record.compute_hash() != record.hash {
            Some("its content does not match its hash (the row was changed)".to_string())
        } else {
            None
        };
        if let Some(reason) = problem {
            return Ok(Verification {
                rows: count,
                problem: Some(Problem {
                    seq: expected_seq.min(record.seq),
                    reason,
                }),
            });
        }
        prev_hash = record.hash;
        expected_seq += 1;
    }
    drop(rows);
    let last_seq = expected_seq - 1;
    let problem = |seq: i64, reason: String| {
        Ok(Verification {
            rows: count,
            problem: Some(Problem { seq, reason }),
        })
    };
    let head: Option<String> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'audit_head'")
            .fetch_optional(db.pool())
            .await?;
    let mut parts = head.as_deref().unwrap_or("").splitn(3, ':');
    let recorded_seq = parts
        .next()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0);
    let recorded_hash = parts.next().unwrap_or("");
    let signature = parts.next();
    if recorded_seq != last_seq || (last_seq > 0 && recorded_hash != prev_hash) {
        return problem(
            last_seq.max(0) + 1,
            format!(
                "the trail ends at row {last_seq} but the last row written was {recorded_seq} (rows were removed from the end)"
            ),
        );
    }
    if let Some(key) = db.audit_key()
        && last_seq > 0
    {
        match signature {
            Some(signature) if key.check("head", last_seq, &prev_hash, signature) => {}
            Some(_) => {
                return problem(
                    last_seq,
                    "the signature of the trail's end does not match mamori's key (the trail was rewritten by someone without the key, or the key file was replaced)".to_string(),
                );
            }
            None => {
                return problem(
                    last_seq,
                    "the trail's end is not signed although mamori has a key (it was rewritten by someone without the key)".to_string(),
                );
            }
        }
    }
    if let Some(found) = check_checkpoints(db, &checkpoints(db).await?).await? {
        return problem(found.seq, found.reason);
    }
    if let Some(reason) = missing_guards(db).await? {
        return problem(0, reason);
    }
    Ok(Verification {
        rows: count,
        problem: None,
    })
}

/// Whether each checkpoint still matches the trail (and, with the key, is signed by it): a
/// trail rewritten or rolled back below a checkpoint no longer has that hash at that row.
pub async fn check_checkpoints(db: &Db, list: &[Checkpoint]) -> DbResult<Option<Problem>> {
    for point in list {
        if let Some(key) = db.audit_key()
            && !key.check("checkpoint", point.seq, &point.hash, &point.signature)
        {
            return Ok(Some(Problem {
                seq: point.seq,
                reason: "a checkpoint's signature does not match mamori's key".to_string(),
            }));
        }
        let hash: Option<String> =
            sqlx::query_scalar("SELECT hash FROM audit_events WHERE seq = $1")
                .bind(point.seq)
                .fetch_optional(db.pool())
                .await?;
        if hash.as_deref() != Some(point.hash.as_str()) {
            return Ok(Some(Problem {
                seq: point.seq,
                reason: format!(
                    "the checkpoint of {} says row {} had another content (the trail was rewritten or rolled back)",
                    point.at, point.seq
                ),
            }));
        }
    }
    Ok(None)
}

/// What is missing of the guards that keep the trail append-only, if anything.
async fn missing_guards(db: &Db) -> DbResult<Option<String>> {
    let (sql, expected): (&str, &[&str]) = match db.backend() {
        Backend::Sqlite => (
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'",
            &["audit_events_no_update", "audit_events_no_delete"],
        ),
        Backend::Postgres => (
            "SELECT tgname::text FROM pg_trigger WHERE tgrelid = 'audit_events'::regclass AND NOT tgisinternal AND tgenabled <> 'D'",
            &["audit_events_no_update_delete", "audit_events_no_truncate"],
        ),
    };
    let present: Vec<String> = sqlx::query_scalar(sql).fetch_all(db.pool()).await?;
    let missing: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|name| !present.iter().any(|p| p == name))
        .collect();
    Ok((!missing.is_empty()).then(|| {
        format!(
            "the triggers that keep the trail append-only are missing or disabled ({}): someone changed the database directly",
            missing.join(", ")
        )
    }))
}

/// Filters of the audit trail page.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Rows of this facility.
    pub facility_id: Option<i64>,
    /// Also rows tied to no facility (sign-in attempts with unknown login ids): for the
    /// installation's administrators only (see [`system_facility`]).
    pub include_unscoped: bool,
    pub actor_id: Option<i64>,
    pub entity_type: Option<String>,
    /// Inclusive UTC lower bound, as stored text.
    pub from: Option<String>,
    /// Exclusive UTC upper bound, as stored text.
    pub until: Option<String>,
}

/// Newest first; returns at most `limit` rows after skipping `offset`.
pub async fn search(db: &Db, filter: &Filter, limit: i64, offset: i64) -> DbResult<Vec<Record>> {
    let mut sql = format!("SELECT {COLUMNS} FROM audit_events WHERE 1 = 1");
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    if filter.facility_id.is_some() {
        let or_none = if filter.include_unscoped {
            " OR facility_id IS NULL"
        } else {
            ""
        };
        sql.push_str(&format!(" AND (facility_id = {}{or_none})", next()));
    }
    if filter.actor_id.is_some() {
        sql.push_str(&format!(" AND actor_id = {}", next()));
    }
    if filter.entity_type.is_some() {
        sql.push_str(&format!(" AND entity_type = {}", next()));
    }
    if filter.from.is_some() {
        sql.push_str(&format!(" AND at >= {}", next()));
    }
    if filter.until.is_some() {
        sql.push_str(&format!(" AND at < {}", next()));
    }
    sql.push_str(&format!(
        " ORDER BY seq DESC LIMIT {} OFFSET {}",
        next(),
        next()
    ));
    let mut query = sqlx::query(AssertSqlSafe(sql));
    if let Some(id) = filter.facility_id {
        query = query.bind(id);
    }
    if let Some(id) = filter.actor_id {
        query = query.bind(id);
    }
    if let Some(t) = &filter.entity_type {
        query = query.bind(t.clone());
    }
    if let Some(f) = &filter.from {
        query = query.bind(f.clone());
    }
    if let Some(u) = &filter.until {
        query = query.bind(u.clone());
    }
    let rows = query.bind(limit).bind(offset).fetch_all(db.pool()).await?;
    Ok(rows
        .iter()
        .map(Record::from_row)
        .collect::<Result<Vec<_>, _>>()?)
}

/// The facility that set the installation up (the first one the trail names): its
/// administrators are the installation's, who see the rows tied to no facility.
pub async fn system_facility(db: &Db) -> DbResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT facility_id FROM audit_events WHERE facility_id IS NOT NULL ORDER BY seq LIMIT 1",
    )
    .fetch_optional(db.pool())
    .await?
    .flatten())
}

/// The record types that appear in the trail, for the filter menu.
pub async fn entity_types(db: &Db) -> DbResult<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT DISTINCT entity_type FROM audit_events ORDER BY entity_type")
            .fetch_all(db.pool())
            .await?,
    )
}

/// The sequence number of the newest event (0 when there is none): every change is audited, so
/// a reader can tell whether anything changed since it last looked.
pub async fn last_seq(db: &Db) -> DbResult<i64> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(seq), 0) FROM audit_events")
            .fetch_one(db.pool())
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_lists_only_changed_fields() {
        let before = [("name", "A".to_string()), ("beds", "10".to_string())];
        let after = [("name", "A".to_string()), ("beds", "12".to_string())];
        assert_eq!(
            diff(&before, &after),
            vec![Change {
                field: "beds".into(),
                before: "10".into(),
                after: "12".into()
            }]
        );
    }

    #[test]
    fn hash_covers_every_field() {
        let base = Record {
            seq: 1,
            at: "2026-01-01T00:00:00.000000Z".into(),
            facility_id: Some(1),
            actor_id: Some(2),
            actor_name: "admin".into(),
            actor_ip: "127.0.0.1".into(),
            action: "update".into(),
            entity_type: "facility".into(),
            entity_id: "1".into(),
            entity_label: "病院".into(),
            changes: "[]".into(),
            prev_hash: GENESIS.into(),
            hash: String::new(),
        };
        let h = base.compute_hash();
        let mut other = base.clone();
        other.actor_name = "someone".into();
        assert_ne!(h, other.compute_hash());
        let mut other = base.clone();
        other.changes = "[{}]".into();
        assert_ne!(h, other.compute_hash());
        assert_eq!(h, base.clone().compute_hash());
    }
}

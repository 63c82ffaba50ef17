//! `mamori backup` and `mamori restore` for the embedded SQLite database.

use std::path::{Path, PathBuf};

use crate::db::{self, Backend, Db, OpenMode, audit};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "mamori backup copies the embedded SQLite database; for PostgreSQL use pg_dump, for example:\n  {0}"
    )]
    UsePgDump(String),
    #[error("{0} already exists; choose a new file name so no backup is overwritten")]
    TargetExists(String),
    #[error("{0} does not exist")]
    Missing(String),
    #[error("the copy failed: {0}")]
    Copy(String),
    #[error("{path} failed its check: {reason}")]
    Check { path: String, reason: String },
    #[error(
        "a mamori server is running with the data folder {0}; stop it first, then restore (nothing was changed)"
    )]
    ServerRunning(String),
    #[error(transparent)]
    Db(#[from] db::DbError),
}

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> Self {
        BackupError::Db(e.into())
    }
}

#[derive(Debug)]
pub struct Checked {
    pub audit_rows: u64,
    pub bytes: u64,
}

/// The command that backs up a PostgreSQL database (the password is never printed).
pub fn pg_dump_command(url: &str, file: &Path) -> String {
    let shown = match url::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => url.to_string(),
    };
    format!(
        "pg_dump --format=custom --file='{}' '{}'   (give the password with PGPASSWORD or ~/.pgpass)",
        file.display(),
        shown
    )
}

/// Copies the live database into `target` (consistent even while the server runs, through
/// `VACUUM INTO`) and then checks the copy.
/// Where a backup's signed audit checkpoints are written: beside it, `FILE.checkpoints.json`.
pub fn checkpoints_file(backup: &Path) -> PathBuf {
    PathBuf::from(format!("{}.checkpoints.json", backup.display()))
}

pub async fn backup(db: &Db, url: &str, target: &Path) -> Result<Checked, BackupError> {
    if db.backend() == Backend::Postgres {
        return Err(BackupError::UsePgDump(pg_dump_command(url, target)));
    }
    if target.exists() {
        return Err(BackupError::TargetExists(target.display().to_string()));
    }
    if let Some(parent) = target.parent()
        && !parent.as_os_str().is_empty()
    {
        crate::kernel::files::private_dir(parent).map_err(|e| BackupError::Copy(e.to_string()))?;
    }
    // A signed checkpoint of the trail as copied, kept in the copy and beside it: a later
    // `mamori audit verify --checkpoints` shows the live trail was not rolled back below it.
    let checkpoints = audit::checkpoint(db).await?;
    sqlx::query("VACUUM INTO $1")
        .bind(target.display().to_string())
        .execute(db.pool())
        .await?;
    let listed = serde_json::to_string_pretty(&checkpoints).unwrap_or_else(|_| "[]".into());
    crate::kernel::files::write_private(&checkpoints_file(target), listed)
        .map_err(|e| BackupError::Copy(e.to_string()))?;
    crate::kernel::files::make_private(target).map_err(|e| BackupError::Copy(e.to_string()))?;
    match check_file(target).await {
        Ok(checked) => Ok(checked),
        Err(e) => {
            // A copy that fails its check is not a backup; don't leave it looking like one.
            let _ = std::fs::remove_file(target);
            Err(e)
        }
    }
}

/// Checks a SQLite file: readable, `PRAGMA integrity_check` ok, a mamori database no newer than
/// this program, and an unbroken audit chain. Changes nothing.
pub async fn check_file(path: &Path) -> Result<Checked, BackupError> {
    if !path.is_file() {
        return Err(BackupError::Missing(path.display().to_string()));
    }
    let shown = path.display().to_string();
    let fail = |reason: String| BackupError::Check {
        path: shown.clone(),
        reason,
    };
    let url = format!("sqlite://{}?mode=ro", path.display());
    let db = Db::open(&url, OpenMode::Inspect)
        .await
        .map_err(|e| fail(e.to_string()))?;
    let result = async {
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(db.pool())
            .await
            .map_err(|e| fail(e.to_string()))?;
        if integrity != "ok" {
            return Err(fail(format!("integrity_check: {integrity}")));
        }
        if db
            .table_names()
            .await
            .map_err(|e| fail(e.to_string()))?
            .is_empty()
        {
            return Err(fail("the file holds no mamori data".into()));
        }
        let verification = audit::verify(&db).await.map_err(|e| fail(e.to_string()))?;
        if let Some(problem) = verification.problem {
            return Err(fail(format!(
                "audit trail row {}: {}",
                problem.seq, problem.reason
            )));
        }
        Ok(verification.rows)
    }
    .await;
    db.close().await;
    let audit_rows = result?;
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(Checked { audit_rows, bytes })
}

pub struct Restored {
    pub previous: Option<PathBuf>,
    pub checked: Checked,
}

/// Replaces the data folder's database with a checked backup. The database it replaces is kept
/// beside it, renamed, never deleted.
pub async fn restore(data_dir: &Path, file: &Path) -> Result<Restored, BackupError> {
    if crate::server::data_dir_in_use(data_dir) {
        return Err(BackupError::ServerRunning(data_dir.display().to_string()));
    }
    let checked = check_file(file).await?;
    // Hold the lock so no server starts while files are moved.
    let _lock =
        crate::server::lock_data_dir(data_dir).map_err(|e| BackupError::Copy(e.to_string()))?;
    let dest = data_dir.join(db::SQLITE_FILE);
    let staging = data_dir.join(format!("{}.restoring", db::SQLITE_FILE));
    std::fs::copy(file, &staging).map_err(|e| BackupError::Copy(e.to_string()))?;
    crate::kernel::files::make_private(&staging).map_err(|e| BackupError::Copy(e.to_string()))?;
    let mut previous = None;
    if dest.exists() {
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
        let kept = data_dir.join(format!("{}.before-restore-{stamp}", db::SQLITE_FILE));
        for suffix in ["", "-wal", "-shm"] {
            let from = PathBuf::from(format!("{}{suffix}", dest.display()));
            if from.exists() {
                let to = PathBuf::from(format!("{}{suffix}", kept.display()));
                std::fs::rename(&from, &to).map_err(|e| BackupError::Copy(e.to_string()))?;
            }
        }
        previous = Some(kept);
    }
    std::fs::rename(&staging, &dest).map_err(|e| BackupError::Copy(e.to_string()))?;
    Ok(Restored { previous, checked })
}

//! Storage: one pool for SQLite (embedded default) or PostgreSQL (hospital groups), chosen by URL.
//!
//! Every statement is portable SQL with `$1`-style placeholders run through sqlx's `Any` driver,
//! so the rooms have a single code path. Columns use only TEXT and 64-bit integers (0/1 for
//! booleans, RFC 3339 UTC text for timestamps) so both backends decode them the same way.

pub mod audit;
pub mod meta;
pub mod schema;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::{Any, AnyPool, ConnectOptions, Connection, Executor, Row, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// The file name of the embedded database inside the data folder.
pub const SQLITE_FILE: &str = "mamori.db";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot open the database ({target}): {reason}")]
    Unreachable { target: String, reason: String },
    #[error(
        "{target} is not a mamori database (it already holds other tables). Point mamori at an empty database or a new data folder."
    )]
    NotMamori { target: String },
    #[error(
        "{target} was written by a newer mamori (schema version {found}; this program knows up to {known}). Install that newer mamori instead of this one; nothing was changed."
    )]
    NewerSchema {
        target: String,
        found: i64,
        known: i64,
    },
    #[error("database migration failed: {0}")]
    Migrate(#[from] MigrateError),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

pub type DbResult<T> = Result<T, DbError>;

/// How [`Db::open`] treats the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// The server and most commands: create an empty SQLite file if missing, then migrate.
    CreateAndMigrate,
    /// The database must exist already; bring its schema up to date.
    ExistingAndMigrate,
    /// Look only: never create, migrate or change anything (backup checks, restore, verify).
    Inspect,
}

/// A handle to the database shared by the web server and CLI commands.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// Serialises write transactions of this process: the audit chain needs each writer to see
    /// the previous writer's last row, and SQLite allows one writer at a time anyway.
    write_lock: Arc<Mutex<()>>,
    /// Counts committed writes of this process; background jobs that follow changes each hold
    /// a receiver, so every one of them sees every change.
    commits: Arc<tokio::sync::watch::Sender<u64>>,
    target: String,
    /// Signs the audit trail (kept outside the database, set once after opening).
    audit_key: Arc<std::sync::OnceLock<audit::AuditKey>>,
}

/// A write transaction holding this process's write lock until commit or drop.
pub struct WriteTx {
    pub tx: Transaction<'static, Any>,
    _guard: OwnedMutexGuard<()>,
    backend: Backend,
    commits: Arc<tokio::sync::watch::Sender<u64>>,
    audit_key: Arc<std::sync::OnceLock<audit::AuditKey>>,
}

impl WriteTx {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn audit_key(&self) -> Option<&audit::AuditKey> {
        self.audit_key.get()
    }

    pub async fn commit(self) -> DbResult<()> {
        self.tx.commit().await?;
        self.commits.send_modify(|n| *n += 1);
        Ok(())
    }
}

/// Where the database lives: a URL given by the user, or the SQLite file in the data folder.
pub fn database_url(data_dir: &Path, database_url: Option<&str>) -> String {
    match database_url {
        Some(url) => url.to_string(),
        None => format!("sqlite://{}", data_dir.join(SQLITE_FILE).display()),
    }
}

pub fn backend_of(url: &str) -> Option<Backend> {
    if url.starts_with("sqlite:") {
        Some(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Some(Backend::Postgres)
    } else {
        None
    }
}

/// The SQLite file behind a `sqlite://` URL.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" {
        None
    } else {
        Some(PathBuf::from(path))
    }
}

/// Shows a database URL without its password, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

impl Db {
    /// Opens the database, checks that it is (or can become) a mamori database, and brings the
    /// schema up to date. A database that is not ours, or is newer than this program, is refused
    /// before anything is written.
    pub async fn open(url: &str, mode: OpenMode) -> DbResult<Db> {
        let create_sqlite = mode == OpenMode::CreateAndMigrate;
        sqlx::any::install_default_drivers();
        let target = redact_url(url);
        let backend = backend_of(url).ok_or_else(|| DbError::Unreachable {
            target: target.clone(),
            reason: "the URL must start with sqlite:// or postgres://".into(),
        })?;
        if create_sqlite
            && let Some(parent) = sqlite_path(url).as_deref().and_then(Path::parent)
            && !parent.as_os_str().is_empty()
        {
            crate::kernel::files::private_dir(parent).map_err(|e| DbError::Unreachable {
                target: target.clone(),
                reason: format!("cannot create the folder {}: {e}", parent.display()),
            })?;
        }
        let mut connect_url = url.to_string();
        if backend == Backend::Sqlite && !connect_url.contains("mode=") {
            let sep = if connect_url.contains('?') { '&' } else { '?' };
            let mode = if create_sqlite { "rwc" } else { "rw" };
            connect_url = format!("{connect_url}{sep}mode={mode}");
        }
        let options = AnyConnectOptions::from_str(&connect_url)
            .map_err(|e| DbError::Unreachable {
                target: target.clone(),
                reason: e.to_string(),
            })?
            .disable_statement_logging();
        // One plain connection first, so an unreachable server or a file that is not a database
        // gives its real reason at once instead of pool retries.
        let mut probe = options.connect().await.map_err(|e| DbError::Unreachable {
            target: target.clone(),
            reason: describe_connect_error(&e),
        })?;
        let probe_sql = match backend {
            Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master",
            Backend::Postgres => "SELECT 1",
        };
        probe
            .execute(probe_sql)
            .await
            .map_err(|e| DbError::Unreachable {
                target: target.clone(),
                reason: describe_connect_error(&e),
            })?;
        let _ = probe.close().await;
        // SQLite created the file with the umask's mode; its -wal and -shm files take the
        // database file's mode when SQLite creates them.
        if backend == Backend::Sqlite
            && let Some(path) = sqlite_path(url)
        {
            for suffix in ["", "-wal", "-shm"] {
                let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
                crate::kernel::files::make_private(&file).map_err(|e| DbError::Unreachable {
                    target: target.clone(),
                    reason: format!("cannot make {} private: {e}", file.display()),
                })?;
            }
        }
        let max = if backend == Backend::Sqlite { 8 } else { 10 };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    if conn.backend_name().eq_ignore_ascii_case("sqlite") {
                        conn.execute(
                            "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -16000; PRAGMA mmap_size = 268435456;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| DbError::Unreachable {
                target: target.clone(),
                reason: describe_connect_error(&e),
            })?;
        let db = Db {
            pool,
            backend,
            write_lock: Arc::new(Mutex::new(())),
            commits: Arc::new(tokio::sync::watch::Sender::new(0)),
            target,
            audit_key: Arc::new(std::sync::OnceLock::new()),
        };
        db.check_ours().await?;
        if mode == OpenMode::Inspect {
            return Ok(db);
        }
        if backend == Backend::Sqlite {
            sqlx::query("PRAGMA journal_mode = WAL")
                .fetch_optional(&db.pool)
                .await?;
        }
        db.migrator().run(&db.pool).await?;
        Ok(db)
    }

    fn migrator(&self) -> &'static Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Refuses databases that hold someone else's tables or a newer mamori schema.
    async fn check_ours(&self) -> DbResult<()> {
        let tables = self.table_names().await.map_err(|e| DbError::Unreachable {
            target: self.target.clone(),
            reason: describe_connect_error(&e),
        })?;
        if tables.is_empty() {
            return Ok(());
        }
        let has = |name: &str| tables.iter().any(|t| t == name);
        if !has("_sqlx_migrations") || !has("meta") {
            return Err(DbError::NotMamori {
                target: self.target.clone(),
            });
        }
        let app: Option<String> =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'application'")
                .fetch_optional(&self.pool)
                .await?;
        if app.as_deref() != Some("mamori") {
            return Err(DbError::NotMamori {
                target: self.target.clone(),
            });
        }
        let found: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
            .fetch_one(&self.pool)
            .await?;
        let known = self.migrator().iter().map(|m| m.version).max().unwrap_or(0);
        if let Some(found) = found
            && found > known
        {
            return Err(DbError::NewerSchema {
                target: self.target.clone(),
                found,
                known,
            });
        }
        Ok(())
    }

    /// Names of the tables in the database (current schema on PostgreSQL).
    pub async fn table_names(&self) -> Result<Vec<String>, sqlx::Error> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            }
            Backend::Postgres => {
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name"
            }
        };
        let rows = sqlx::query(sql).fetch_all(&self.pool).await?;
        rows.iter().map(|r| r.try_get::<String, _>(0)).collect()
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The database as shown to people (password removed).
    pub fn target(&self) -> &str {
        &self.target
    }

    pub fn schema_version(&self) -> i64 {
        self.migrator().iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// This open database's identity within the process, for what is kept in memory per
    /// database (several databases are open at once in tests).
    pub fn instance(&self) -> usize {
        Arc::as_ptr(&self.write_lock) as usize
    }

    /// Gives the key that signs the audit trail's head and checkpoints (see [`audit::AuditKey`]);
    /// without one the trail is chained but not signed.
    pub fn set_audit_key(&self, key: audit::AuditKey) {
        let _ = self.audit_key.set(key);
    }

    pub fn audit_key(&self) -> Option<&audit::AuditKey> {
        self.audit_key.get()
    }

    /// Starts a write transaction. On SQLite it takes the write lock at BEGIN so a transaction
    /// that reads before it writes cannot fail half-way on a busy database.
    pub async fn write(&self) -> DbResult<WriteTx> {
        let guard = self.write_lock.clone().lock_owned().await;
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTx {
            tx,
            _guard: guard,
            backend: self.backend,
            commits: self.commits.clone(),
            audit_key: self.audit_key.clone(),
        })
    }

    /// Follows the committed writes of this process: `changed().await` on the receiver resolves
    /// after each new one.
    pub fn commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.commits.subscribe()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn describe_connect_error(e: &sqlx::Error) -> String {
    let text = e.to_string();
    if text.contains("file is not a database") || text.contains("(code: 26)") {
        "the file is not an SQLite database".into()
    } else if text.contains("unable to open database file") || text.contains("(code: 14)") {
        "the file does not exist or cannot be opened".into()
    } else {
        text
    }
}

/// The placeholder for the `n`-th (1-based) value bound to a statement with many values: `?` on
/// SQLite, whose lookup of numbered names makes binding quadratic in their count, `$n` on
/// PostgreSQL. A statement must use one style throughout.
pub fn placeholder(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_string(),
        Backend::Postgres => format!("${n}"),
    }
}

/// `count` placeholders numbered from `first` (1-based), separated by commas, for `IN (…)` and
/// multi-row `VALUES`.
pub fn placeholders(backend: Backend, first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| placeholder(backend, n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A statement with its values still to bind.
pub type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>;

/// Writes `rows` with multi-row INSERTs of `columns` values a row, each statement well under
/// both databases' limits on bound values. `insert` is the statement up to `VALUES`, `tail`
/// what follows the values (an `ON CONFLICT` clause, or nothing), and `bind` binds one row's
/// values in column order (it may take them out of the row).
pub async fn insert_rows<'q, T>(
    w: &mut WriteTx,
    (insert, tail): (&str, &str),
    columns: usize,
    rows: &mut [T],
    mut bind: impl FnMut(AnyQuery<'q>, &mut T) -> AnyQuery<'q>,
) -> Result<(), sqlx::Error> {
    let backend = w.backend();
    for part in rows.chunks_mut((3000 / columns).max(1)) {
        let groups = (0..part.len())
            .map(|r| format!("({})", placeholders(backend, r * columns + 1, columns)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("{insert} VALUES {groups} {tail}");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in part.iter_mut() {
            q = bind(q, row);
        }
        q.execute(&mut *w.tx).await?;
    }
    Ok(())
}

/// Current time as the RFC 3339 UTC text stored in every timestamp column.
pub fn now_text() -> String {
    time_text(chrono::Utc::now())
}

pub fn time_text(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub fn parse_time(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_classified_and_redacted() {
        assert_eq!(backend_of("sqlite://x.db"), Some(Backend::Sqlite));
        assert_eq!(backend_of("postgres://u@h/db"), Some(Backend::Postgres));
        assert_eq!(backend_of("mysql://h/db"), None);
        assert_eq!(
            sqlite_path("sqlite:///tmp/a/mamori.db?mode=rw"),
            Some(PathBuf::from("/tmp/a/mamori.db"))
        );
        let shown = redact_url("postgres://mamori:secret@db.local/mamori");
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn timestamps_round_trip_and_sort() {
        let a = now_text();
        let parsed = parse_time(&a).expect("parses");
        assert_eq!(time_text(parsed), a);
        let earlier = time_text(parsed - chrono::Duration::seconds(1));
        assert!(earlier < a);
    }
}

//! `mamori serve`: open the database, hold the data folder's lock, print the setup link when
//! needed, and serve HTTP or HTTPS until SIGTERM or Ctrl-C.

use std::fs::File;
use std::net::SocketAddr;
use std::path::Path;

use crate::config::Config;
use crate::db::Db;
use crate::web::{self, AppState};

const LOCK_FILE: &str = "mamori.lock";

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot use the data folder {path}: {reason}")]
    DataDir { path: String, reason: String },
    #[error("another mamori is already running with the data folder {0}; stop it first")]
    Locked(String),
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: SocketAddr, reason: String },
    #[error("TLS: {0}")]
    Tls(String),
}

/// Takes the data folder's lock file; held while the returned file is open.
pub fn lock_data_dir(dir: &Path) -> Result<File, ServeError> {
    crate::kernel::files::private_dir(dir).map_err(|e| ServeError::DataDir {
        path: dir.display().to_string(),
        reason: e.to_string(),
    })?;
    let path = dir.join(LOCK_FILE);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| ServeError::DataDir {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(_) => Err(ServeError::Locked(dir.display().to_string())),
    }
}

/// Whether a server currently holds the data folder.
pub fn data_dir_in_use(dir: &Path) -> bool {
    let path = dir.join(LOCK_FILE);
    match File::options().write(true).open(path) {
        Ok(file) => file.try_lock().is_err(),
        Err(_) => false,
    }
}

/// A running server, for tests and the CLI.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), ServeError>>,
    /// The rooms' background jobs, stopped with the server.
    jobs: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    pub async fn stop(mut self) -> Result<(), ServeError> {
        for job in &self.jobs {
            job.abort();
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.await {
            Ok(result) => result,
            Err(e) => Err(ServeError::Listen {
                addr: self.addr,
                reason: e.to_string(),
            }),
        }
    }

    /// Waits until the server ends (after SIGTERM or Ctrl-C).
    pub async fn wait(self) -> Result<(), ServeError> {
        match self.task.await {
            Ok(result) => result,
            Err(e) => Err(ServeError::Listen {
                addr: self.addr,
                reason: e.to_string(),
            }),
        }
    }
}

/// The setup link to print, if setup is not done: a fresh one-time token each start.
pub async fn setup_link(state: &AppState, addr: SocketAddr) -> Result<Option<String>, ServeError> {
    if state.setup_done() {
        return Ok(None);
    }
    let token = crate::auth::setup::new_link_token(&state.db).await?;
    let scheme = if state.config.tls() { "https" } else { "http" };
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else if addr.is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    Ok(Some(format!(
        "{scheme}://{host}:{}/setup?token={token}",
        addr.port()
    )))
}

/// Binds and starts serving. With `stop_on_signal`, SIGTERM and Ctrl-C end it gracefully.
pub async fn start(db: Db, config: Config, stop_on_signal: bool) -> Result<Running, ServeError> {
    crate::db::audit::attach_key(&db, &config.data_dir)
        .await
        .map_err(|reason| ServeError::DataDir {
            path: config.data_dir.display().to_string(),
            reason,
        })?;
    let state = AppState::new(db, config.clone()).await?;
    let app = web::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| ServeError::Listen {
            addr: config.listen,
            reason: e.to_string(),
        })?;
    let addr = listener.local_addr().map_err(|e| ServeError::Listen {
        addr: config.listen,
        reason: e.to_string(),
    })?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        if stop_on_signal {
            tokio::select! {
                _ = rx => {}
                _ = signal() => {}
            }
        } else {
            let _ = rx.await;
        }
    };
    let task = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(|e| {
                    ServeError::Tls(format!(
                        "cannot load {} / {}: {e}",
                        cert.display(),
                        key.display()
                    ))
                })?;
            let handle = axum_server::Handle::new();
            let closer = handle.clone();
            tokio::spawn(async move {
                shutdown.await;
                closer.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
            });
            let std_listener = listener.into_std().map_err(|e| ServeError::Listen {
                addr,
                reason: e.to_string(),
            })?;
            tokio::spawn(async move {
                axum_server::from_tcp_rustls(std_listener, tls)
                    .map_err(|e| ServeError::Listen {
                        addr,
                        reason: e.to_string(),
                    })?
                    .handle(handle)
                    .serve(app)
                    .await
                    .map_err(|e| ServeError::Listen {
                        addr,
                        reason: e.to_string(),
                    })
            })
        }
        _ => tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
                .map_err(|e| ServeError::Listen {
                    addr,
                    reason: e.to_string(),
                })
        }),
    };
    let mut jobs: Vec<tokio::task::JoinHandle<()>> = crate::rooms::ROOMS
        .iter()
        .flat_map(|room| room.jobs.iter())
        .map(|job| {
            tracing::debug!(job = job.name, "starting");
            tokio::spawn((job.run)(state.clone()))
        })
        .collect();
    jobs.push(tokio::spawn(audit_checkpoints(state.db.clone())));
    Ok(Running {
        addr,
        state,
        shutdown: Some(tx),
        task,
        jobs,
    })
}

/// Signs a checkpoint of the audit trail now and every hour while the server runs.
async fn audit_checkpoints(db: Db) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        if let Err(e) = crate::db::audit::checkpoint(&db).await {
            tracing::error!(error = %e, "signing an audit checkpoint failed");
        }
    }
}

async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down");
}

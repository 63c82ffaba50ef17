//! The `mamori` command: the web server and the operator's commands.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mamori_app::config::{CONFIG_FILE, Config, ConfigError, FileConfig, Overrides};
use mamori_app::db::{Backend, Db, OpenMode, audit};

/// Prints a line to standard output. When the reader has gone away (`mamori ledger list | head`)
/// the command ends quietly, as other command-line tools do, instead of panicking.
macro_rules! say {
    () => {
        $crate::write_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::write_line(format_args!($($arg)*))
    };
}

mod checklist_cmd;
mod ledger_cmd;
mod users_cmd;
mod vuln_cmd;

use checklist_cmd::{ChecklistCommand, checklist_command};
use ledger_cmd::{LedgerCommand, discover, ledger_export, ledger_import, ledger_list, scan_now};
use users_cmd::{UserCommand, user_command};

#[derive(Parser)]
#[command(
    name = "mamori",
    version,
    about = "mamori (守り): cyber-resilience for small and medium hospitals",
    long_about = "mamori (守り): cyber-resilience for small and medium hospitals.\n\nSettings come from mamori.toml, then MAMORI_* environment variables, then flags."
)]
struct Cli {
    /// Settings file (default: ./mamori.toml if it exists)
    #[arg(long, global = true, env = "MAMORI_CONFIG")]
    config: Option<PathBuf>,
    /// Data folder holding the embedded SQLite database (default: ./mamori-data)
    #[arg(long, global = true, env = "MAMORI_DATA")]
    data: Option<PathBuf>,
    /// Use this database instead of the embedded one (postgres://user@host/db)
    #[arg(
        long,
        global = true,
        env = "MAMORI_DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (prints a one-time setup link on first start)
    Serve {
        /// Address and port to listen on (default 127.0.0.1:8080: this computer only)
        #[arg(long, env = "MAMORI_LISTEN")]
        listen: Option<SocketAddr>,
        /// TLS certificate (PEM) to serve HTTPS
        #[arg(long, env = "MAMORI_TLS_CERT")]
        tls_cert: Option<PathBuf>,
        /// TLS private key (PEM) to serve HTTPS
        #[arg(long, env = "MAMORI_TLS_KEY")]
        tls_key: Option<PathBuf>,
        /// A host name people type to reach mamori (e.g. mamori.hospital.local); repeat for
        /// more. Requests for other names are refused (IP addresses and localhost always work)
        #[arg(long = "hostname", env = "MAMORI_HOSTNAMES", value_delimiter = ',')]
        hostnames: Vec<String>,
    },
    /// Create or update the database schema, then exit
    Migrate,
    /// Copy the SQLite database to FILE while the server runs, and check the copy
    Backup { file: PathBuf },
    /// Replace the SQLite database with a checked backup (the server must be stopped)
    Restore { file: PathBuf },
    /// Audit trail commands
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Manage users without the web interface
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The ledger (台帳)
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
    /// Scan a range with nmap (or import a scan) and print how the network differs from the ledger
    #[command(
        after_help = "Either give a range to scan now (needs nmap installed; -O is added when run as root):\n  mamori discover 192.168.10.0/24\nor import a scan made elsewhere:\n  mamori discover --from-xml scan.xml   (made with: nmap -sV -O -oX scan.xml 192.168.10.0/24)"
    )]
    Discover {
        /// The address range to scan, e.g. 192.168.10.0/24 (/16 or smaller)
        #[arg(
            value_name = "CIDR",
            required_unless_present = "from_xml",
            conflicts_with = "from_xml"
        )]
        range: Option<String>,
        /// The scan, written by `nmap -sV -O -oX scan.xml RANGE`
        #[arg(long, value_name = "SCAN.xml")]
        from_xml: Option<PathBuf>,
        /// Stop nmap after this many seconds
        #[arg(long, default_value_t = 900, value_name = "SECONDS")]
        timeout: u64,
        /// Print a JSON object with arrays unregistered, missing, changed and risky
        #[arg(long)]
        json: bool,
    },
    /// The MHLW cybersecurity checklist (チェックリスト)
    Checklist {
        #[command(subcommand)]
        command: ChecklistCommand,
    },
    /// Vulnerability feeds: CISA KEV, NVD, JVN, CPE dictionary
    Feeds {
        #[command(subcommand)]
        command: vuln_cmd::FeedsCommand,
    },
    /// Vulnerabilities found on the ledger's devices
    Vuln {
        #[command(subcommand)]
        command: vuln_cmd::VulnCommand,
    },
    /// Make TLS certificates
    Tls {
        #[command(subcommand)]
        command: TlsCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the audit trail's hash chain and check its signatures; exit 1 naming the
    /// first bad row
    Verify {
        /// Also check the signed checkpoints exported beside a backup (FILE.checkpoints.json):
        /// the trail must still hold each of them
        #[arg(long)]
        checkpoints: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum TlsCommand {
    /// Make a self-signed certificate for a LAN host name
    SelfSigned {
        /// Host name the browsers use, e.g. mamori.hospital.local
        #[arg(long)]
        host: String,
        /// Folder to write NAME.crt and NAME.key into (default: <data>/tls)
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// A failure: the message to print and the exit code (2 for bad settings, 1 otherwise).
pub(crate) struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn new(message: impl std::fmt::Display) -> Failure {
        Failure {
            code: 1,
            message: message.to_string(),
        }
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Failure {
            code: 2,
            message: e.to_string(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(matches!(cli.command, Command::Serve { .. }));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mamori: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("mamori: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn write_line(line: std::fmt::Arguments) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let written = out.write_fmt(line).and_then(|()| out.write_all(b"\n"));
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("mamori: cannot write the output: {e}");
            std::process::exit(1);
        }
    }
}

fn init_logging(serving: bool) {
    let default = if serving { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("MAMORI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn load_config(cli: &Cli, serve_flags: Overrides) -> Result<Config, Failure> {
    let (path, explicit) = match &cli.config {
        Some(p) => (p.clone(), true),
        None => (PathBuf::from(CONFIG_FILE), false),
    };
    let file = FileConfig::load(&path, explicit)?;
    let flags = Overrides {
        data: cli.data.clone(),
        database_url: cli.database_url.clone(),
        ..serve_flags
    };
    Ok(Config::resolve(file, flags)?)
}

async fn open(config: &Config, mode: OpenMode) -> Result<Db, Failure> {
    let db = Db::open(&config.database_url(), mode)
        .await
        .map_err(Failure::new)?;
    if mode == OpenMode::Inspect {
        // Looking only: use the key if there is one, never make it.
        let key = audit::AuditKey::load(&config.data_dir).map_err(Failure::new)?;
        if let Some(key) = key {
            db.set_audit_key(key);
        }
    } else {
        audit::attach_key(&db, &config.data_dir)
            .await
            .map_err(Failure::new)?;
    }
    Ok(db)
}

async fn run(cli: Cli) -> Result<(), Failure> {
    match &cli.command {
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            hostnames,
        } => {
            let config = load_config(
                &cli,
                Overrides {
                    listen: *listen,
                    tls_cert: tls_cert.clone(),
                    tls_key: tls_key.clone(),
                    hostnames: (!hostnames.is_empty()).then(|| hostnames.clone()),
                    ..Default::default()
                },
            )?;
            serve(config).await
        }
        Command::Migrate => {
            let config = load_config(&cli, Overrides::default())?;
            let db = open(&config, OpenMode::CreateAndMigrate).await?;
            say!(
                "The database {} is at schema version {}.",
                db.target(),
                db.schema_version()
            );
            Ok(())
        }
        Command::Backup { file } => {
            let config = load_config(&cli, Overrides::default())?;
            let url = config.database_url();
            if mamori_app::db::backend_of(&url) == Some(Backend::Postgres) {
                return Err(Failure::new(mamori_app::backup::BackupError::UsePgDump(
                    mamori_app::backup::pg_dump_command(&url, file),
                )));
            }
            let db = open(&config, OpenMode::ExistingAndMigrate).await?;
            let checked = mamori_app::backup::backup(&db, &url, file)
                .await
                .map_err(Failure::new)?;
            say!(
                "Backup written to {} ({} bytes) and checked: integrity ok, audit trail ok ({} entries).",
                file.display(),
                checked.bytes,
                checked.audit_rows
            );
            Ok(())
        }
        Command::Restore { file } => {
            let config = load_config(&cli, Overrides::default())?;
            if config.database_url.is_some() {
                return Err(Failure::new(
                    "restore replaces the embedded SQLite database; for PostgreSQL use pg_restore",
                ));
            }
            let restored = mamori_app::backup::restore(&config.data_dir, file)
                .await
                .map_err(Failure::new)?;
            say!(
                "Restored {} into {} (audit trail ok, {} entries).",
                file.display(),
                config.data_dir.display(),
                restored.checked.audit_rows
            );
            if let Some(previous) = restored.previous {
                say!(
                    "The database it replaced was kept as {}.",
                    previous.display()
                );
            }
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify { checkpoints },
        } => {
            let config = load_config(&cli, Overrides::default())?;
            let db = open(&config, OpenMode::Inspect).await?;
            let mut verification = audit::verify(&db).await.map_err(Failure::new)?;
            if verification.problem.is_none()
                && let Some(path) = checkpoints
            {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| Failure::new(format!("cannot read {}: {e}", path.display())))?;
                let list: Vec<audit::Checkpoint> = serde_json::from_str(&text).map_err(|e| {
                    Failure::new(format!(
                        "{}: not a checkpoints file written by mamori backup ({e})",
                        path.display()
                    ))
                })?;
                verification.problem = audit::check_checkpoints(&db, &list)
                    .await
                    .map_err(Failure::new)?;
            }
            match verification.problem {
                None => {
                    let signed = if db.audit_key().is_some() {
                        "signed end and checkpoints match the key"
                    } else {
                        "no key in this data folder, signatures not checked"
                    };
                    say!(
                        "Audit trail ok: {} entries, hash chain intact, {signed}.",
                        verification.rows
                    );
                    Ok(())
                }
                Some(problem) => Err(Failure::new(format!(
                    "AUDIT TRAIL BROKEN at row {}: {}. Keep this database as evidence and restore the latest good backup.",
                    problem.seq, problem.reason
                ))),
            }
        }
        Command::User { command } => {
            let config = load_config(&cli, Overrides::default())?;
            let db = open(&config, OpenMode::CreateAndMigrate).await?;
            user_command(&db, command).await
        }
        Command::Ledger {
            command: LedgerCommand::List { json, kind },
        } => {
            let config = load_config(&cli, Overrides::default())?;
            let db = open(&config, OpenMode::ExistingAndMigrate).await?;
            ledger_list(&db, *json, *kind).await
        }
        Command::Ledger {
            command:
                LedgerCommand::Import {
                    file,
                    mapping,
                    dry_run,
                    kind,
                },
        } => {
            let config = load_config(&cli, Overrides::default())?;
            let db = open(&config, OpenMode::ExistingAndMigrate).await?;
            ledger_import(&db, file, mapping.as_deref(), *dry_run, *kind).await
        }
        Command::Ledger {
            command:
                LedgerCommand::Export {
                    format,
                    encoding,
                    out,
                    kind,
                },
        } => {
            let config = load_config(&cli, Overrides::default())?;
            let db = open(&config, OpenMode::ExistingAndMigrate).await?;
            ledger_export(&db, *format, *encoding, out, *kind).await
        }
        Command::Discover {
            range,
            from_xml,
            timeout,
            json,
        } => {
            let config = load_config(&cli, Overrides::default())?;
            let db = open(&config, OpenMode::ExistingAndMigrate).await?;
            let (name, bytes) = match (range, from_xml) {
                (_, Some(file)) => (
                    file.file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default(),
                    std::fs::read(file).map_err(|e| {
                        Failure::new(format!("cannot read {}: {e}", file.display()))
                    })?,
                ),
                (Some(range), None) => scan_now(range, *timeout).await?,
                (None, None) => return Err(Failure::new("give a range to scan, or --from-xml")),
            };
            discover(&db, &name, &bytes, *json).await
        }
        Command::Checklist { command } => {
            let config = load_config(&cli, Overrides::default())?;
            let db = open(&config, OpenMode::CreateAndMigrate).await?;
            checklist_command(&db, command).await
        }
        Command::Feeds { command } => {
            let config = load_config(&cli, Overrides::default())?;
            let db = open(&config, OpenMode::ExistingAndMigrate).await?;
            let facility = set_up_facility(&db).await?;
            vuln_cmd::feeds(&db, facility.id, &config, command)
                .await
                .map_err(Failure::new)
        }
        Command::Vuln { command } => {
            let config = load_config(&cli, Overrides::default())?;
            let db = open(&config, OpenMode::ExistingAndMigrate).await?;
            let facility = set_up_facility(&db).await?;
            vuln_cmd::vuln(&db, facility.id, command)
                .await
                .map_err(Failure::new)
        }
        Command::Tls {
            command: TlsCommand::SelfSigned { host, out },
        } => {
            let config = load_config(&cli, Overrides::default())?;
            let dir = out.clone().unwrap_or_else(|| config.data_dir.join("tls"));
            let made = mamori_app::tls::self_signed(host, &dir).map_err(Failure::new)?;
            say!("Certificate: {}", made.cert.display());
            say!("Private key: {} (keep it secret)", made.key.display());
            say!("SHA-256 fingerprint: {}", made.sha256);
            say!(
                "Start with: mamori serve --listen 0.0.0.0:8443 --tls-cert {} --tls-key {}",
                made.cert.display(),
                made.key.display()
            );
            say!(
                "Browsers will warn until the certificate is trusted; compare the fingerprint when they ask."
            );
            Ok(())
        }
    }
}

async fn serve(config: Config) -> Result<(), Failure> {
    let _lock = if config.database_url.is_none() {
        Some(mamori_app::server::lock_data_dir(&config.data_dir).map_err(Failure::new)?)
    } else {
        None
    };
    let db = open(&config, OpenMode::CreateAndMigrate).await?;
    if config.listens_beyond_loopback() && !config.tls() {
        eprintln!(
            "WARNING: listening on {} without TLS: passwords and hospital data cross the network unencrypted. Use --tls-cert/--tls-key (see `mamori tls self-signed`).",
            config.listen
        );
    }
    let running = mamori_app::server::start(db, config.clone(), true)
        .await
        .map_err(Failure::new)?;
    let scheme = if config.tls() { "https" } else { "http" };
    say!(
        "mamori {} is running at {scheme}://{}/ (database: {})",
        mamori_app::VERSION,
        running.addr,
        running.state.db.target()
    );
    if let Some(link) = mamori_app::server::setup_link(&running.state, running.addr)
        .await
        .map_err(Failure::new)?
    {
        say!();
        say!(
            "First start: open this one-time setup link within 1 hour to register the hospital and the first administrator:"
        );
        say!();
        say!("    {link}");
        say!();
        say!("初期設定: 1 時間以内に上のリンクを開き、病院名と最初の管理者を登録してください。");
    }
    running.wait().await.map_err(Failure::new)
}

/// The translator for what commands say: Japanese unless `MAMORI_LANG=en` or an English locale.
pub(crate) fn command_line_words() -> mamori_app::i18n::Tr {
    mamori_app::i18n::Tr::new(mamori_app::i18n::Lang::of_command_line(|name| {
        std::env::var(name).ok()
    }))
}

pub(crate) async fn set_up_facility(
    db: &Db,
) -> Result<mamori_app::facility::model::Facility, Failure> {
    mamori_app::facility::store::first(db)
        .await
        .map_err(Failure::new)?
        .ok_or_else(|| {
            Failure::new(
                "mamori is not set up yet: run `mamori serve` and open the setup link first",
            )
        })
}

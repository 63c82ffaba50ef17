//! The `mamori` command: the web server and the operator's commands.

use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mamori_app::auth::setup::{self, SetupError, SetupForm};
use mamori_app::config::{CONFIG_FILE, Config, ConfigError, FileConfig, Overrides};
use mamori_app::db::{Backend, Db, OpenMode, audit};
use mamori_app::kernel::{Actor, Role};
use mamori_app::ledger::discovery_store;
use mamori_app::users::store::{self as users, NewUser, UserError};

mod vuln_cmd;

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
enum LedgerCommand {
    /// List the devices (tab-separated, or every field with --json)
    List {
        #[arg(long)]
        json: bool,
    },
    /// Import devices (or systems/segments) from .xlsx or .csv; all rows or none
    Import {
        /// The spreadsheet (.xlsx, or .csv in UTF-8, UTF-8 with BOM, UTF-16 or Shift_JIS/CP932)
        file: PathBuf,
        /// Column mapping for headings not recognised automatically ([columns] "heading" = "field")
        #[arg(long, value_name = "M.toml")]
        mapping: Option<PathBuf>,
        /// Check every row and print the summary, but write nothing
        #[arg(long)]
        dry_run: bool,
        /// What the rows are
        #[arg(long, value_enum, default_value_t = LedgerKind::Devices)]
        kind: LedgerKind,
    },
    /// Export the ledger to a spreadsheet that imports back unchanged
    Export {
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// CSV text encoding (Excel in Japan opens both; CP932 for older tools)
        #[arg(long, value_enum, default_value_t = CsvEncoding::Utf8)]
        encoding: CsvEncoding,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[arg(long, value_enum, default_value_t = LedgerKind::Devices)]
        kind: LedgerKind,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LedgerKind {
    Devices,
    Systems,
    Segments,
}

impl LedgerKind {
    fn table(self) -> &'static str {
        match self {
            LedgerKind::Devices => "devices",
            LedgerKind::Systems => "systems",
            LedgerKind::Segments => "segments",
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportFormat {
    Xlsx,
    Csv,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum CsvEncoding {
    #[value(name = "utf-8")]
    Utf8,
    Cp932,
}

#[derive(Subcommand)]
enum ChecklistCommand {
    /// List the checklist versions and forms this installation knows
    Versions,
    /// Add a checklist version and form from a master file (see checklists/README.md)
    ImportMaster {
        /// The master file (TOML), e.g. r8-hospital.toml
        file: PathBuf,
    },
    /// Every item of the year's hospital form: the answer given, mamori's suggestion and why
    Suggest {
        /// Fiscal year (年度, April to March), e.g. 2025
        #[arg(long)]
        year: i32,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Write the inspection pack (立入検査用資料) of a year: HTML to print, xlsx, evidence files
    Pack {
        /// Fiscal year (年度, April to March), e.g. 2025
        #[arg(long)]
        year: i32,
        /// Folder to write into (created if missing)
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the audit trail's hash chain; exit 1 naming the first bad row
    Verify,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user (prints a generated password unless --password-stdin is given)
    Add {
        #[arg(long)]
        login: String,
        /// Display name (氏名)
        #[arg(long)]
        name: String,
        /// admin, staff, viewer or vendor
        #[arg(long, default_value = "staff")]
        role: String,
        /// Vendor company, for --role vendor
        #[arg(long, default_value = "")]
        vendor: String,
        /// Read the password from the first line of standard input
        #[arg(long)]
        password_stdin: bool,
        /// Hospital name, to set mamori up without the setup link (first admin only)
        #[arg(long)]
        facility_name: Option<String>,
    },
    /// List users
    List,
    /// Disable a user (users are never deleted)
    Disable { login: String },
    /// Enable a disabled user again
    Enable { login: String },
    /// Set a new password (prints a generated one unless --password-stdin is given)
    ResetPassword {
        login: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove a user's two-factor authentication so they enrol again
    #[command(name = "reset-2fa")]
    Reset2fa { login: String },
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
struct Failure {
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
    Db::open(&config.database_url(), mode)
        .await
        .map_err(Failure::new)
}

async fn run(cli: Cli) -> Result<(), Failure> {
    match &cli.command {
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
        } => {
            let config = load_config(
                &cli,
                Overrides {
                    listen: *listen,
                    tls_cert: tls_cert.clone(),
                    tls_key: tls_key.clone(),
                    ..Default::default()
                },
            )?;
            serve(config).await
        }
        Command::Migrate => {
            let config = load_config(&cli, Overrides::default())?;
            let db = open(&config, OpenMode::CreateAndMigrate).await?;
            println!(
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
            println!(
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
            println!(
                "Restored {} into {} (audit trail ok, {} entries).",
                file.display(),
                config.data_dir.display(),
                restored.checked.audit_rows
            );
            if let Some(previous) = restored.previous {
                println!(
                    "The database it replaced was kept as {}.",
                    previous.display()
                );
            }
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let config = load_config(&cli, Overrides::default())?;
            let db = open(&config, OpenMode::Inspect).await?;
            let verification = audit::verify(&db).await.map_err(Failure::new)?;
            match verification.problem {
                None => {
                    println!(
                        "Audit trail ok: {} entries, hash chain intact.",
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
            command: LedgerCommand::List { json },
        } => {
            let config = load_config(&cli, Overrides::default())?;
            let db = open(&config, OpenMode::ExistingAndMigrate).await?;
            ledger_list(&db, *json).await
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
            println!("Certificate: {}", made.cert.display());
            println!("Private key: {} (keep it secret)", made.key.display());
            println!("SHA-256 fingerprint: {}", made.sha256);
            println!(
                "Start with: mamori serve --listen 0.0.0.0:8443 --tls-cert {} --tls-key {}",
                made.cert.display(),
                made.key.display()
            );
            println!(
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
    println!(
        "mamori {} is running at {scheme}://{}/ (database: {})",
        mamori_app::VERSION,
        running.addr,
        running.state.db.target()
    );
    if let Some(link) = mamori_app::server::setup_link(&running.state, running.addr)
        .await
        .map_err(Failure::new)?
    {
        println!();
        println!(
            "First start: open this one-time setup link within 1 hour to register the hospital and the first administrator:"
        );
        println!();
        println!("    {link}");
        println!();
        println!(
            "初期設定: 1 時間以内に上のリンクを開き、病院名と最初の管理者を登録してください。"
        );
    }
    running.wait().await.map_err(Failure::new)
}

fn read_password(from_stdin: bool) -> Result<(String, bool), Failure> {
    if from_stdin {
        if std::io::stdin().is_terminal() {
            eprintln!("Type the password and press Enter (it will be shown):");
        }
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| {
            Failure::new(format!("cannot read the password from standard input: {e}"))
        })?;
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        Ok((password, false))
    } else {
        Ok((generated_password(), true))
    }
}

/// A 20-character password from an unambiguous alphabet.
fn generated_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    mamori_app::auth::secrets::fill_random(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

fn user_error(e: UserError) -> Failure {
    match e {
        UserError::Invalid { field, key } => {
            let tr = mamori_app::i18n::Tr::new(mamori_app::i18n::Lang::En);
            Failure::new(format!("{field}: {}", tr.t(key)))
        }
        other => Failure::new(other),
    }
}

async fn find_user(db: &Db, login: &str) -> Result<mamori_app::kernel::User, Failure> {
    users::by_login(db, login)
        .await
        .map_err(Failure::new)?
        .ok_or_else(|| {
            Failure::new(format!(
                "no user with the login `{login}` (see `mamori user list`)"
            ))
        })
}

async fn user_command(db: &Db, command: &UserCommand) -> Result<(), Failure> {
    let facility = mamori_app::facility::store::first(db)
        .await
        .map_err(Failure::new)?;
    let actor = Actor::command_line(facility.as_ref().map(|f| f.id));
    match command {
        UserCommand::Add {
            login,
            name,
            role,
            vendor,
            password_stdin,
            facility_name,
        } => {
            let (password, generated) = read_password(*password_stdin)?;
            let new = NewUser {
                login: login.clone(),
                display_name: name.clone(),
                role: role.clone(),
                vendor_name: vendor.clone(),
                password: password.clone(),
            };
            if facility.is_none() {
                let Some(facility_name) = facility_name else {
                    return Err(Failure::new(
                        "mamori is not set up yet: open the setup link printed by `mamori serve`, or pass --facility-name to create the hospital and its first administrator here",
                    ));
                };
                if Role::parse(role) != Some(Role::Admin) {
                    return Err(Failure::new(
                        "the first user must be an administrator: use --role admin",
                    ));
                }
                let form = SetupForm {
                    facility_name: facility_name.clone(),
                    user: new,
                    password_confirm: password.clone(),
                };
                setup::complete(db, None, &form, "local")
                    .await
                    .map_err(|e| match e {
                        SetupError::Invalid(problems) => {
                            let tr = mamori_app::i18n::Tr::new(mamori_app::i18n::Lang::En);
                            Failure::new(
                                problems
                                    .iter()
                                    .map(|(field, key)| format!("{field}: {}", tr.t(key)))
                                    .collect::<Vec<_>>()
                                    .join("; "),
                            )
                        }
                        SetupError::AlreadyDone => Failure::new("mamori is already set up"),
                        SetupError::BadToken => Failure::new("the setup link is not valid"),
                        SetupError::Failed(e) => user_error(e),
                    })?;
            } else {
                users::create(db, &actor, &new).await.map_err(user_error)?;
            }
            println!("Added user {login} ({role}).");
            if generated {
                println!("Password (shown once, give it to the user safely): {password}");
            }
            Ok(())
        }
        UserCommand::List => {
            let Some(facility) = facility else {
                println!("No users yet: mamori is not set up.");
                return Ok(());
            };
            let list = users::list(db, facility.id).await.map_err(Failure::new)?;
            println!(
                "{:<24} {:<8} {:<4} {:<9} NAME",
                "LOGIN", "ROLE", "2FA", "STATUS"
            );
            for u in list {
                let vendor = u
                    .vendor_name
                    .as_ref()
                    .map(|v| format!(" [{v}]"))
                    .unwrap_or_default();
                println!(
                    "{:<24} {:<8} {:<4} {:<9} {}{}",
                    u.login,
                    u.role.as_str(),
                    if u.has_totp() { "yes" } else { "no" },
                    if u.disabled { "disabled" } else { "active" },
                    u.display_name,
                    vendor
                );
            }
            Ok(())
        }
        UserCommand::Disable { login } | UserCommand::Enable { login } => {
            let disable = matches!(command, UserCommand::Disable { .. });
            let user = find_user(db, login).await?;
            users::set_disabled(db, &actor, user.id, disable)
                .await
                .map_err(user_error)?;
            println!("{} {login}.", if disable { "Disabled" } else { "Enabled" });
            Ok(())
        }
        UserCommand::ResetPassword {
            login,
            password_stdin,
        } => {
            let user = find_user(db, login).await?;
            let (password, generated) = read_password(*password_stdin)?;
            users::reset_password(db, &actor, user.id, &password)
                .await
                .map_err(user_error)?;
            println!("New password set for {login}; their sessions were ended.");
            if generated {
                println!("Password (shown once, give it to the user safely): {password}");
            }
            Ok(())
        }
        UserCommand::Reset2fa { login } => {
            let user = find_user(db, login).await?;
            users::reset_totp(db, &actor, user.id)
                .await
                .map_err(user_error)?;
            println!("Two-factor authentication removed for {login}; they will enrol again.");
            Ok(())
        }
    }
}

/// Runs nmap on a range, telling the operator the exact command first.
async fn scan_now(range: &str, timeout: u64) -> Result<(String, Vec<u8>), Failure> {
    use mamori_app::ledger::discovery_run;
    let range = discovery_run::check_range(range).map_err(Failure::new)?;
    eprintln!(
        "Running: {} (stopped after {timeout} s)",
        discovery_run::command_line(&range)
    );
    let xml = discovery_run::run(&range, std::time::Duration::from_secs(timeout))
        .await
        .map_err(Failure::new)?;
    Ok((format!("nmap {range}"), xml))
}

async fn discover(db: &Db, name: &str, bytes: &[u8], json: bool) -> Result<(), Failure> {
    let facility = set_up_facility(db).await?;
    let actor = Actor::command_line(Some(facility.id));
    let id = discovery_store::record_scan(db, &actor, name, bytes)
        .await
        .map_err(|e| Failure::new(format!("{name}: {e}")))?;
    let (_, hosts, diff) = discovery_store::diff(db, facility.id, id)
        .await
        .map_err(Failure::new)?;
    let tr = mamori_app::i18n::Tr::new(mamori_app::i18n::Lang::En);
    if json {
        let value = serde_json::json!({
            "scan_id": id,
            "hosts": hosts.len(),
            "unregistered": diff.unregistered.iter().map(|h| serde_json::json!({
                "ip": h.ip, "mac": h.mac, "hostname": h.hostname, "os": h.os,
                "open_ports": h.ports.iter().map(|p| serde_json::json!({"port": p.port, "protocol": p.protocol, "service": p.service, "product": p.product})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "missing": diff.missing.iter().map(|m| serde_json::json!({
                "device_id": m.device_id, "name": m.device_name, "ips": m.ips, "last_seen": m.last_seen,
            })).collect::<Vec<_>>(),
            "changed": diff.changed.iter().map(|c| serde_json::json!({
                "device_id": c.device_id, "name": c.device_name, "ip": c.ip,
                "changes": c.changes.iter().map(|(k, d)| serde_json::json!({"what": tr.t(k), "detail": d})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "risky": diff.risky.iter().map(|r| serde_json::json!({
                "ip": r.ip, "port": r.port, "service": r.service, "reason": tr.t(r.reason), "reason_code": r.reason, "device_id": r.device_id,
            })).collect::<Vec<_>>(),
        });
        println!("{value:#}");
        return Ok(());
    }
    println!(
        "Scan {id} recorded: {} hosts answered; {} not in the ledger, {} in the ledger but not seen, {} changed, {} risky services.",
        hosts.len(),
        diff.unregistered.len(),
        diff.missing.len(),
        diff.changed.len(),
        diff.risky.len()
    );
    for r in &diff.risky {
        println!(
            "RISK     {}:{} {} - {}",
            r.ip,
            r.port,
            r.service,
            tr.t(r.reason)
        );
    }
    for h in &diff.unregistered {
        println!("NEW      {} {} {}", h.ip, h.mac, h.hostname);
    }
    for m in &diff.missing {
        println!("MISSING  {} ({})", m.device_name, m.ips);
    }
    for c in &diff.changed {
        for (k, d) in &c.changes {
            println!("CHANGED  {} ({}): {} {}", c.device_name, c.ip, tr.t(k), d);
        }
    }
    Ok(())
}

async fn checklist_command(db: &Db, command: &ChecklistCommand) -> Result<(), Failure> {
    use mamori_app::checklist::store::{self, ChecklistError, Origin};
    match command {
        ChecklistCommand::Versions => {
            let all = store::all(db).await.map_err(Failure::new)?;
            println!("VERSION\tFORM\tITEMS\tUNCONFIRMED\tFISCAL YEAR\tORIGIN\tNAME");
            for (m, origin) in &all {
                let unconfirmed = m
                    .items
                    .iter()
                    .filter(|i| i.confirmation != "confirmed")
                    .count();
                let origin = match origin {
                    Origin::Shipped => "shipped".to_string(),
                    Origin::Imported { at, by, .. } => format!("imported {at} by {by}"),
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{} {}",
                    m.version,
                    m.form,
                    m.items.len(),
                    unconfirmed,
                    m.fiscal_year,
                    origin,
                    m.version_name,
                    m.form_name
                );
            }
            Ok(())
        }
        ChecklistCommand::ImportMaster { file } => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| Failure::new(format!("cannot read {}: {e}", file.display())))?;
            let actor = Actor::command_line(
                mamori_app::facility::store::first(db)
                    .await
                    .map_err(Failure::new)?
                    .map(|f| f.id),
            );
            match store::import(db, &actor, &text).await {
                Ok(m) => {
                    println!(
                        "Added {} {} ({}): {} items.",
                        m.version_name,
                        m.form_name,
                        m.key(),
                        m.items.len()
                    );
                    Ok(())
                }
                Err(ChecklistError::Invalid(problems)) => {
                    for p in &problems {
                        eprintln!("{}: {p}", file.display());
                    }
                    Err(Failure::new(format!(
                        "{}: {} problem(s); nothing was added. See checklists/README.md for the format.",
                        file.display(),
                        problems.len()
                    )))
                }
                Err(e) => Err(Failure::new(format!("{}: {e}", file.display()))),
            }
        }
        ChecklistCommand::Suggest { year, json } => checklist_suggest(db, *year, *json).await,
        ChecklistCommand::Pack { year, out } => {
            let facility = set_up_facility(db).await?;
            match mamori_app::checklist::print::write_pack(db, &facility, *year, out).await {
                Ok(files) => {
                    println!("{}", files.html.display());
                    println!("{}", files.xlsx.display());
                    for f in &files.evidence {
                        println!("{}", f.display());
                    }
                    println!(
                        "Wrote the inspection pack for FY{year}: {} form(s), {} evidence file(s). Open the HTML file in Chrome or Edge and print it.",
                        files.forms,
                        files.evidence.len()
                    );
                    Ok(())
                }
                Err(ChecklistError::Rejected(_)) => Err(Failure::new(format!(
                    "FY{year} has no checklist yet: start it on the checklist page first"
                ))),
                Err(e) => Err(Failure::new(e)),
            }
        }
    }
}

async fn checklist_suggest(db: &Db, year: i32, json: bool) -> Result<(), Failure> {
    use mamori_app::checklist::print::{reason_text, verdict_key};
    let facility = set_up_facility(db).await?;
    let view = mamori_app::checklist::view::hospital_view(
        db,
        facility.id,
        year,
        mamori_app::kernel::today_jst(),
    )
    .await
    .map_err(Failure::new)?;
    let tr = mamori_app::i18n::Tr::new(mamori_app::i18n::Lang::Ja);
    let suggestion_json = |s: &mamori_app::kernel::Suggestion| {
        serde_json::json!({
            "verdict": s.verdict.code(),
            "reasons": s.reasons.iter().map(|r| serde_json::json!({
                "text": tr.t1(r.key, "count", &r.count),
                "count": r.count,
                "records": r.records.iter().map(|n| serde_json::json!({
                    "table": n.table(), "id": n.id, "name": n.name,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    };
    if json {
        let items: Vec<serde_json::Value> = view
            .items
            .iter()
            .map(|i| {
                let a = &i.answer;
                serde_json::json!({
                    "number": i.item.number,
                    "text": i.text,
                    "target": i.item.target,
                    "answer": if a.answer1.is_empty() { serde_json::Value::Null } else { serde_json::json!({
                        "answer1": a.answer1, "date1": a.date1, "target_date": a.target_date,
                        "answer2": a.answer2, "date2": a.date2, "remarks": a.remarks,
                        "confirmed_by": a.confirmed_by, "current": a.current(),
                    }) },
                    "suggestion": i.suggestion.as_ref().map(suggestion_json),
                    "disagrees": i.disagrees,
                    "last_year": i.last_year,
                })
            })
            .collect();
        let out = serde_json::json!({
            "facility": facility.name,
            "year": year,
            "version": view.master.version,
            "version_name": view.master.version_name,
            "started": view.form.id != 0,
            "gate": {
                "answer": view.form.gate,
                "suggestion": view.gate_suggestion.as_ref().map(suggestion_json),
            },
            "items": items,
            "disagreements": view.overall.disagreements,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(Failure::new)?
        );
        return Ok(());
    }
    println!(
        "{} {}年度 {} {}{}",
        facility.name,
        year,
        view.master.version_name,
        view.master.form_name,
        if view.form.id == 0 {
            "（未開始）"
        } else {
            ""
        }
    );
    for i in &view.items {
        let answer = match i.answer.current() {
            "yes" => "はい",
            "no" => "いいえ",
            _ => "未回答",
        };
        println!("\n{} {}", i.item.number, i.text);
        println!("  回答: {answer}");
        if let Some(s) = &i.suggestion {
            println!("  見立て: {}", tr.t(verdict_key(s.verdict.code())));
            for r in &s.reasons {
                println!("    - {}", reason_text(&tr, r));
            }
        }
        if i.disagrees {
            println!(
                "  ！ {}",
                mamori_app::checklist::print::disagreement_text(&tr, i)
            );
        }
    }
    println!(
        "\nはい {} ・ いいえ {} ・ 未回答 {} ・ データとの食い違い {}",
        view.overall.yes, view.overall.no, view.overall.unanswered, view.overall.disagreements
    );
    Ok(())
}

async fn set_up_facility(db: &Db) -> Result<mamori_app::facility::model::Facility, Failure> {
    mamori_app::facility::store::first(db)
        .await
        .map_err(Failure::new)?
        .ok_or_else(|| {
            Failure::new(
                "mamori is not set up yet: run `mamori serve` and open the setup link first",
            )
        })
}

async fn ledger_import(
    db: &Db,
    file: &std::path::Path,
    mapping_file: Option<&std::path::Path>,
    dry_run: bool,
    kind: LedgerKind,
) -> Result<(), Failure> {
    use mamori_app::ledger::import::{self, RowStatus};
    use mamori_app::ledger::import_store::{self, Mode};
    let facility = set_up_facility(db).await?;
    let kind = mamori_app::ledger::model::kind_by_table(kind.table())
        .ok_or_else(|| Failure::new("unknown record kind"))?;
    let tr = mamori_app::i18n::Tr::new(mamori_app::i18n::Lang::En);
    let bytes = std::fs::read(file)
        .map_err(|e| Failure::new(format!("cannot read {}: {e}", file.display())))?;
    let table = mamori_formats::table::read(&bytes)
        .map_err(|e| Failure::new(format!("{}: {e}", file.display())))?;
    let mut remembered = import_store::remembered_mapping(db, facility.id, kind)
        .await
        .map_err(Failure::new)?;
    let custom = mamori_app::ledger::store::custom_fields(db, facility.id, kind.table)
        .await
        .map_err(Failure::new)?;
    if let Some(path) = mapping_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::new(format!("cannot read {}: {e}", path.display())))?;
        remembered.extend(
            import::parse_mapping_file(kind, &custom, &text)
                .map_err(|e| Failure::new(format!("{}: {e}", path.display())))?,
        );
    }
    let mapping = import::auto_map(kind, &custom, &table.headers, &remembered);
    if !mapping.contains(&Some("name")) && !mapping.contains(&Some(import::ID_FIELD)) {
        return Err(Failure::new(format!(
            "{}: no column is recognised as the name ({}); headings found: {}. Give a --mapping file.",
            file.display(),
            tr.t(kind.label_key("name").unwrap_or("device-name")),
            table.headers.join(", ")
        )));
    }
    for (column, header) in table.headers.iter().enumerate() {
        if mapping[column].is_none() && !header.is_empty() {
            eprintln!(
                "column {} ({header}): not imported (no matching field; map it with --mapping)",
                mamori_formats::table::column_letter(column)
            );
        }
    }
    let bar = if std::io::stderr().is_terminal() && table.rows.len() >= 1000 {
        indicatif::ProgressBar::new(table.rows.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_message("writing");
    let actor = Actor::command_line(Some(facility.id));
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let mode = if dry_run { Mode::Check } else { Mode::Commit };
    let plan = import_store::run(db, &actor, kind, &table, &mapping, &name, mode, &|done| {
        bar.set_position(done as u64)
    })
    .await
    .map_err(Failure::new)?;
    bar.finish_and_clear();
    let summary = format!(
        "{} rows: {} new, {} changed, {} unchanged, {} with errors",
        plan.rows.len(),
        plan.count(RowStatus::New),
        plan.count(RowStatus::Changed),
        plan.count(RowStatus::Unchanged),
        plan.count(RowStatus::Error)
    );
    if plan.has_errors() {
        for (row, problem) in plan.problems() {
            eprintln!(
                "{}: {}: {}",
                file.display(),
                import::problem_place(kind, &table.headers, row.line, problem, tr),
                import::problem_text(kind, problem, tr)
            );
        }
        return Err(Failure::new(format!(
            "{summary}. Nothing was imported; correct the rows above and run again."
        )));
    }
    if dry_run {
        println!("{summary} (dry run: nothing written)");
    } else {
        println!("{summary}");
    }
    Ok(())
}

async fn ledger_export(
    db: &Db,
    format: ExportFormat,
    encoding: CsvEncoding,
    out: &std::path::Path,
    kind: LedgerKind,
) -> Result<(), Failure> {
    use mamori_app::ledger::export::{self, Format};
    use mamori_formats::table::Encoding;
    let facility = set_up_facility(db).await?;
    let kind = mamori_app::ledger::model::kind_by_table(kind.table())
        .ok_or_else(|| Failure::new("unknown record kind"))?;
    let tr = mamori_app::i18n::Tr::new(mamori_app::i18n::Lang::Ja);
    let (headers, rows) = mamori_app::ledger::import_store::export_table(db, facility.id, kind, tr)
        .await
        .map_err(Failure::new)?;
    let format = match (format, encoding) {
        (ExportFormat::Xlsx, _) => Format::Xlsx,
        (ExportFormat::Csv, CsvEncoding::Utf8) => Format::Csv(Encoding::Utf8Bom),
        (ExportFormat::Csv, CsvEncoding::Cp932) => Format::Csv(Encoding::Cp932),
    };
    let bytes = export::write(format, "台帳", &headers, &rows).map_err(|e| {
        Failure::new(format!(
            "{e}. Export as UTF-8 or xlsx instead, or change that text in the ledger."
        ))
    })?;
    std::fs::write(out, bytes)
        .map_err(|e| Failure::new(format!("cannot write {}: {e}", out.display())))?;
    println!("{} records written to {}", rows.len(), out.display());
    Ok(())
}

async fn ledger_list(db: &Db, json: bool) -> Result<(), Failure> {
    let facility = set_up_facility(db).await?;
    let devices = mamori_app::ledger::store::list(db, facility.id, &Default::default())
        .await
        .map_err(Failure::new)?;
    if json {
        let list: Vec<serde_json::Value> = devices
            .iter()
            .map(|d| {
                let mut object = serde_json::Map::new();
                object.insert("id".into(), d.id.into());
                for (field, value) in &d.values {
                    object.insert(field.to_string(), value.clone().into());
                }
                object.insert("updated_at".into(), d.updated_at.clone().into());
                serde_json::Value::Object(object)
            })
            .collect();
        println!("{:#}", serde_json::Value::Array(list));
        return Ok(());
    }
    println!("ID\tKIND\tNAME\tIP\tLOCATION\tSTATUS");
    for d in &devices {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            d.id,
            d.get("kind"),
            d.name(),
            d.get("ip_addresses"),
            d.get("location"),
            d.get("status")
        );
    }
    Ok(())
}

//! `mamori feeds …` and `mamori vuln …`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Subcommand;
use mamori_app::db::Db;
use mamori_app::kernel::Actor;
use mamori_app::vuln::{matches, store, update, view};

#[derive(Subcommand)]
pub enum FeedsCommand {
    /// Load feed files (or every feed file in a folder) in one go: CISA KEV (JSON/CSV), NVD
    /// (API 2.0 pages, 2.0 or 1.1 yearly feeds; .json/.json.gz/.zip), JVN (MyJVN XML), the CPE
    /// dictionary
    Import {
        /// Files or folders
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Load a feed even if it is older than the one already loaded
        #[arg(long)]
        force: bool,
    },
    /// Download the feeds from their official addresses (or the mirrors set under [feeds] in
    /// mamori.toml) and import them: the KEV catalog when it changed, NVD CVEs and JVN iPedia
    /// entries changed since the last update. Uses HTTPS_PROXY/HTTP_PROXY/NO_PROXY
    Update {
        /// Only these sources (kev, nvd, jvn; repeat or separate with commas). Default: all
        #[arg(long, value_delimiter = ',')]
        source: Vec<String>,
        /// NVD and JVN: fetch what changed since this date (YYYY-MM-DD) instead of since the
        /// last update
        #[arg(long)]
        since: Option<String>,
        /// KEV: load the downloaded catalog even if it is older than the one loaded
        #[arg(long)]
        force: bool,
    },
    /// What is loaded: each feed's version and when it was imported
    Status {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum VulnCommand {
    /// The vulnerabilities found on the ledger's devices, most urgent first
    List {
        /// Print JSON (device, cve, kev, ransomware, confidence, reason…)
        #[arg(long)]
        json: bool,
        /// Include low-confidence matches (vendor and product only, JVN without versions) and
        /// suppressed ones
        #[arg(long)]
        all: bool,
    },
    /// Mark a match as a false positive (誤検知) or an accepted risk (リスク受容) until a date
    Suppress {
        /// The device: its ledger id, asset number or name
        device: String,
        /// The vulnerability: CVE-YYYY-NNNN (or a JVNDB id)
        cve: String,
        /// Why (kept in the audit trail)
        #[arg(long)]
        reason: String,
        /// Last day the mark holds (YYYY-MM-DD); after it the match comes back
        #[arg(long)]
        until: String,
        /// accepted (リスク受容), patched (対応済み) or false-positive (誤検知)
        #[arg(long, default_value = "accepted")]
        kind: String,
    },
}

pub async fn feeds(
    db: &Db,
    facility_id: i64,
    config: &mamori_app::config::Config,
    command: &FeedsCommand,
) -> Result<(), String> {
    match command {
        FeedsCommand::Import { paths, force } => {
            let actor = Actor::command_line(Some(facility_id));
            let bar = if std::io::stderr().is_terminal() {
                indicatif::ProgressBar::new(0)
            } else {
                indicatif::ProgressBar::hidden()
            };
            let mut progress = |p: store::Progress| match p {
                store::Progress::Reading { file, index, total } => {
                    bar.set_length(0);
                    bar.set_position(0);
                    bar.set_message(format!("reading {}/{} {}", index + 1, total, file));
                    bar.tick();
                }
                // NVD feeds are stored while being read: their total is not known yet.
                store::Progress::Writing {
                    file,
                    done,
                    total: 0,
                } => {
                    bar.set_message(format!("writing {} ({done})", store::base_name(&file)));
                    bar.tick();
                }
                store::Progress::Writing { file, done, total } => {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                    bar.set_message(format!("writing {}", store::base_name(&file)));
                }
            };
            let started = std::time::Instant::now();
            let reports = store::import_paths(db, &actor, paths, *force, &mut progress)
                .await
                .map_err(|e| e.to_string())?;
            bar.finish_and_clear();
            for r in &reports {
                print_report(r);
            }
            after_import(db, config, started).await
        }
        FeedsCommand::Update {
            source,
            since,
            force,
        } => {
            let mut sources = Vec::new();
            for name in source {
                let Some(s) = update::Source::parse(name) else {
                    return Err(format!(
                        "--source {name}: not a feed source; use kev, nvd or jvn"
                    ));
                };
                if !sources.contains(&s) {
                    sources.push(s);
                }
            }
            if sources.is_empty() {
                sources = update::Source::ALL.to_vec();
            }
            let since = match since {
                None => None,
                Some(text) => Some(
                    update::day_start(text)
                        .ok_or_else(|| format!("--since {text}: write the date as YYYY-MM-DD"))?,
                ),
            };
            let options = update::UpdateOptions {
                since,
                force: *force,
            };
            let actor = Actor::command_line(Some(facility_id));
            let bar = if std::io::stderr().is_terminal() {
                indicatif::ProgressBar::new_spinner()
            } else {
                indicatif::ProgressBar::hidden()
            };
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            let mut note = |text: String| bar.set_message(text);
            let started = std::time::Instant::now();
            let result = update::update(
                db,
                &actor,
                &mamori_app::vuln::settings::feeds(config),
                &config.data_dir,
                &sources,
                &options,
                &mut note,
            )
            .await;
            bar.finish_and_clear();
            let reports = result.map_err(|e| e.to_string())?;
            for r in &reports {
                say!("{}: {}", r.source.as_str(), r.fetched);
                for import in &r.imports {
                    print_report(import);
                }
            }
            after_import(db, config, started).await
        }
        FeedsCommand::Status { json } => {
            let h = store::holdings(db).await.map_err(|e| e.to_string())?;
            if *json {
                say!(
                    "{}",
                    serde_json::to_string_pretty(&h).map_err(|e| e.to_string())?
                );
                return Ok(());
            }
            say!(
                "Loaded: {} KEV entries, {} NVD CVEs, {} JVN entries, {} CPE products.",
                h.kev,
                h.cves,
                h.jvn,
                h.products
            );
            if h.feeds.is_empty() {
                say!(
                    "No feed imported yet. Import CISA KEV first: mamori feeds import known_exploited_vulnerabilities.json"
                );
            }
            for f in &h.feeds {
                say!(
                    "{:<28} {:<4} version {:<26} {:>7} entries  imported {} by {} ({})",
                    f.feed,
                    f.source,
                    f.version,
                    f.entries,
                    f.imported_at,
                    f.imported_by,
                    f.file_name
                );
            }
            let today = mamori_app::kernel::today_jst();
            if h.kev_stale(today) {
                say!(
                    "WARNING: the KEV catalog is missing or more than 7 days old. Import the latest known_exploited_vulnerabilities.json (or run mamori feeds update)."
                );
            }
            Ok(())
        }
    }
}

pub async fn vuln(db: &Db, facility_id: i64, command: &VulnCommand) -> Result<(), String> {
    let today = mamori_app::kernel::today_jst();
    match command {
        VulnCommand::List { json, all } => {
            // No server may be running to follow ledger changes: bring the stored matches
            // (first seen, alerts) up to date first.
            mamori_app::vuln::matches::ensure_fresh(db, facility_id)
                .await
                .map_err(|e| e.to_string())?;
            let listing = view::listing(db, facility_id, None, today)
                .await
                .map_err(|e| e.to_string())?;
            let mut rows: Vec<&view::MatchRow> = listing.high.iter().collect();
            if *all {
                rows.extend(listing.low.iter());
                rows.extend(listing.suppressed.iter());
            }
            if *json {
                // One object per device and vulnerability, so a script can act on each device.
                let items: Vec<serde_json::Value> = rows
                    .iter()
                    .flat_map(|r| r.devices.iter().map(move |d| (r, d)))
                    .map(|(r, d)| {
                        serde_json::json!({
                            "device": d.name,
                            "device_id": d.id,
                            "cve": r.vuln_id,
                            "title": r.title,
                            "kev": r.kev,
                            "ransomware": r.ransomware,
                            "kev_due": r.kev_due,
                            "cvss": r.cvss_x10 as f64 / 10.0,
                            "confidence": r.confidence,
                            "reason": reason_text(r),
                            "source": r.source,
                            "criterion": r.criterion,
                            "range": r.range_text,
                            "device_cpe": r.device_cpe,
                            "device_version": r.device_version,
                            "fixed_version": r.fixed_version,
                            "vendor": r.vendor,
                            "facing": r.facing,
                            "suppressed": r.suppression,
                        })
                    })
                    .collect();
                say!(
                    "{}",
                    serde_json::to_string_pretty(&items).map_err(|e| e.to_string())?
                );
                return Ok(());
            }
            if rows.is_empty() {
                say!(
                    "No vulnerability found on the ledger's devices{}.",
                    if *all {
                        ""
                    } else {
                        " (add --all for low-confidence matches)"
                    }
                );
            }
            for r in rows {
                let mut flags = Vec::new();
                if r.kev {
                    flags.push("KEV".to_string());
                }
                if r.ransomware {
                    flags.push("ransomware".to_string());
                }
                if r.facing {
                    flags.push("facing".to_string());
                }
                if r.suppression.is_some() {
                    flags.push("suppressed".to_string());
                }
                let device = if r.others() > 0 {
                    format!("{} (+{})", r.device(), r.others())
                } else {
                    r.device().to_string()
                };
                say!(
                    "{:<24} {:<16} {:<5} [{}] {} {}: {}",
                    device,
                    r.vuln_id,
                    r.cvss(),
                    flags.join(","),
                    r.confidence,
                    r.title,
                    reason_text(r)
                );
            }
            if !*all && !listing.low.is_empty() {
                say!(
                    "{} low-confidence matches not shown (--all shows them).",
                    listing.low.len()
                );
            }
            Ok(())
        }
        VulnCommand::Suppress {
            device,
            cve,
            reason,
            until,
            kind,
        } => {
            let device_id = find_device(db, facility_id, device).await?;
            let kind = kind.replace('-', "_");
            let actor = Actor::command_line(Some(facility_id));
            let pairs = [(cve.clone(), vec![device_id])];
            let request = view::SuppressRequest {
                pairs: &pairs,
                kind: &kind,
                reason,
                until,
            };
            view::suppress(db, &actor, facility_id, &request, today)
                .await
                .map_err(|e| match e {
                    mamori_app::vuln::store::VulnError::Invalid(key) => {
                        mamori_app::i18n::Tr::new(mamori_app::i18n::Lang::En).t(key)
                    }
                    other => other.to_string(),
                })?;
            say!("{cve} on {device} is marked {kind} until {until}.");
            Ok(())
        }
    }
}

fn print_report(r: &store::FileReport) {
    let version = if r.version.is_empty() {
        String::new()
    } else if r.previous.is_empty() || r.previous == r.version {
        format!(" version {}", r.version)
    } else {
        format!(" version {} (was {})", r.version, r.previous)
    };
    say!(
        "{}: {} {}{}: {} entries, {} added, {} updated, {} unchanged",
        store::base_name(&r.file),
        r.source,
        r.feed,
        version,
        r.entries,
        r.added,
        r.updated,
        r.unchanged
    );
}

/// After new feed data: match the ledger again and send the alerts it raised by mail and
/// webhook now, as the server would.
async fn after_import(
    db: &Db,
    config: &mamori_app::config::Config,
    started: std::time::Instant,
) -> Result<(), String> {
    let refreshed = matches::refresh_all(db, matches::Cause::Feed)
        .await
        .map_err(|e| e.to_string())?;
    let alerts: usize = refreshed.iter().map(|r| r.alerts.len()).sum();
    let exact: usize = refreshed.iter().map(|r| r.exact).sum();
    say!(
        "Imported in {:.1} s. Matched the ledger again: {exact} vulnerabilities on devices, {alerts} new urgent.",
        started.elapsed().as_secs_f64()
    );
    mamori_app::vuln::alerts::deliver_pending(db, &mamori_app::vuln::settings::alerts(config))
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// The reason in one English line: which feed, which criterion, which range, which version.
pub fn reason_text(r: &view::MatchRow) -> String {
    let version = if r.device_version.is_empty() {
        "version unknown".to_string()
    } else {
        format!("version {}", r.device_version)
    };
    match r.source {
        "jvn" => format!("JVN names {} without versions ({})", r.criterion, version),
        "kev" => format!(
            "KEV names the product {} (no NVD criteria loaded; {})",
            r.criterion, version
        ),
        _ => {
            let range = if r.range_text.is_empty() {
                "all versions".to_string()
            } else {
                r.range_text.clone()
            };
            let mut text = format!(
                "NVD {} {range}; device {} {version}",
                r.criterion, r.device_cpe
            );
            if r.note == "platform-unchecked" {
                text.push_str("; hardware not checked (the device names no hardware CPE)");
            }
            if r.note == "version-incomparable" {
                text.push_str("; the versions cannot be compared");
            }
            if !r.fixed_version.is_empty() {
                text.push_str(&format!("; fixed in {}", r.fixed_version));
            }
            text
        }
    }
}

async fn find_device(db: &Db, facility_id: i64, wanted: &str) -> Result<i64, String> {
    let devices =
        mamori_app::ledger::store::list_all(db, &mamori_app::ledger::model::DEVICES, facility_id)
            .await
            .map_err(|e| e.to_string())?;
    if let Ok(id) = wanted.parse::<i64>()
        && devices.iter().any(|d| d.id == id)
    {
        return Ok(id);
    }
    let named: Vec<i64> = devices
        .iter()
        .filter(|d| d.get("asset_number") == wanted || d.name() == wanted)
        .map(|d| d.id)
        .collect();
    match named.as_slice() {
        [id] => Ok(*id),
        [] => Err(format!(
            "no device has the id, asset number or name {wanted:?}; see mamori ledger list"
        )),
        _ => Err(format!(
            "{} devices are called {wanted:?}; give the ledger id instead (mamori ledger list)",
            named.len()
        )),
    }
}

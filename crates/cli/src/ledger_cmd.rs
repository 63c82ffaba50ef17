//! `mamori ledger …` and `mamori discover`: the ledger from the command line.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Subcommand;
use mamori_app::db::Db;
use mamori_app::kernel::Actor;
use mamori_app::ledger::discovery_store;

use crate::{Failure, set_up_facility};

#[derive(Subcommand)]
pub(crate) enum LedgerCommand {
    /// List the devices, or other records with --kind (tab-separated, or every field with --json)
    List {
        #[arg(long)]
        json: bool,
        /// What to list
        #[arg(long, value_enum, default_value_t = LedgerKind::Devices)]
        kind: LedgerKind,
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
pub(crate) enum LedgerKind {
    Devices,
    Systems,
    Segments,
    /// External connection points (外部接続点)
    Connections,
}

impl LedgerKind {
    fn table(self) -> &'static str {
        match self {
            LedgerKind::Devices => "devices",
            LedgerKind::Systems => "systems",
            LedgerKind::Segments => "segments",
            LedgerKind::Connections => "connection_points",
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum ExportFormat {
    Xlsx,
    Csv,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum CsvEncoding {
    #[value(name = "utf-8")]
    Utf8,
    Cp932,
}

/// Runs nmap on a range, telling the operator the exact command first.
pub(crate) async fn scan_now(range: &str, timeout: u64) -> Result<(String, Vec<u8>), Failure> {
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

pub(crate) async fn discover(db: &Db, name: &str, bytes: &[u8], json: bool) -> Result<(), Failure> {
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
        say!("{value:#}");
        return Ok(());
    }
    say!(
        "Scan {id} recorded: {} hosts answered; {} not in the ledger, {} in the ledger but not seen, {} changed, {} risky services.",
        hosts.len(),
        diff.unregistered.len(),
        diff.missing.len(),
        diff.changed.len(),
        diff.risky.len()
    );
    for r in &diff.risky {
        say!(
            "RISK     {}:{} {} - {}",
            r.ip,
            r.port,
            r.service,
            tr.t(r.reason)
        );
    }
    for h in &diff.unregistered {
        say!("NEW      {} {} {}", h.ip, h.mac, h.hostname);
    }
    for m in &diff.missing {
        say!("MISSING  {} ({})", m.device_name, m.ips);
    }
    for c in &diff.changed {
        for (k, d) in &c.changes {
            say!("CHANGED  {} ({}): {} {}", c.device_name, c.ip, tr.t(k), d);
        }
    }
    Ok(())
}

pub(crate) async fn ledger_import(
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
        say!("{summary} (dry run: nothing written)");
    } else {
        say!("{summary}");
    }
    Ok(())
}

pub(crate) async fn ledger_export(
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
    mamori_app::kernel::files::write_private(out, bytes)
        .map_err(|e| Failure::new(format!("cannot write {}: {e}", out.display())))?;
    say!("{} records written to {}", rows.len(), out.display());
    Ok(())
}

pub(crate) async fn ledger_list(db: &Db, json: bool, kind: LedgerKind) -> Result<(), Failure> {
    if !matches!(kind, LedgerKind::Devices) {
        return records_list(db, json, kind).await;
    }
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
        say!("{:#}", serde_json::Value::Array(list));
        return Ok(());
    }
    say!("ID\tKIND\tNAME\tIP\tLOCATION\tSTATUS");
    for d in &devices {
        say!(
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

/// `ledger list --kind systems|segments|connections`: every field with --json; in text, the
/// name and the fields that say most, with linked records by name.
async fn records_list(db: &Db, json: bool, kind: LedgerKind) -> Result<(), Failure> {
    use mamori_app::ledger::{model, store};
    let facility = set_up_facility(db).await?;
    let record_kind = model::kind_by_table(kind.table())
        .ok_or_else(|| Failure::new(format!("unknown kind {}", kind.table())))?;
    let records = store::list_all(db, record_kind, facility.id)
        .await
        .map_err(Failure::new)?;
    if json {
        let list: Vec<serde_json::Value> = records
            .iter()
            .map(|r| {
                let mut object = serde_json::Map::new();
                object.insert("id".into(), r.id.into());
                for (field, value) in &r.values {
                    object.insert(field.to_string(), value.clone().into());
                }
                object.insert("updated_at".into(), r.updated_at.clone().into());
                serde_json::Value::Object(object)
            })
            .collect();
        say!("{:#}", serde_json::Value::Array(list));
        return Ok(());
    }
    let linked = store::ref_names(db, record_kind, facility.id)
        .await
        .map_err(Failure::new)?;
    let names_of = |table: &str, ids: &str| -> String {
        let Some((_, records)) = linked.iter().find(|(t, _)| *t == table) else {
            return ids.to_string();
        };
        ids.split_whitespace()
            .map(|id| {
                records
                    .iter()
                    .find(|r| r.id.to_string() == id)
                    .map_or(id.to_string(), |r| r.name().to_string())
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let columns: &[&str] = match kind {
        LedgerKind::Connections => &[
            "connection_kind",
            "purpose",
            "device",
            "source_restricted",
            "authentication",
        ],
        LedgerKind::Systems => &["vendor", "patient_data", "importance"],
        _ => &["cidrs", "vlan", "purpose"],
    };
    let heading: Vec<String> = columns.iter().map(|c| c.to_uppercase()).collect();
    say!("ID\tNAME\t{}", heading.join("\t"));
    for r in &records {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| match *c {
                "device" => names_of("devices", r.get(c)),
                _ => r.get(c).to_string(),
            })
            .collect();
        say!("{}\t{}\t{}", r.id, r.name(), cells.join("\t"));
    }
    Ok(())
}

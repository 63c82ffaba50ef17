//! `mamori checklist …`: versions, master import, suggestions and the inspection pack.

use std::path::PathBuf;

use clap::Subcommand;
use mamori_app::db::Db;
use mamori_app::kernel::Actor;

use crate::{Failure, set_up_facility};

#[derive(Subcommand)]
pub(crate) enum ChecklistCommand {
    /// List the checklist versions and forms this installation knows
    Versions,
    /// Add a checklist version and form from a master file (see checklists/README.md)
    ImportMaster {
        /// The master file (TOML), e.g. r8-hospital.toml
        file: PathBuf,
    },
    /// Start a year (年度): create its hospital form (医療機関確認用)
    Start {
        /// Fiscal year (年度, April to March), e.g. 2026
        #[arg(long)]
        year: i32,
        /// Checklist version, e.g. r8 (default: the version in force for that year)
        #[arg(long)]
        version: Option<String>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
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

pub(crate) async fn checklist_command(db: &Db, command: &ChecklistCommand) -> Result<(), Failure> {
    use mamori_app::checklist::store::{self, ChecklistError, Origin};
    match command {
        ChecklistCommand::Versions => {
            let all = store::all(db).await.map_err(Failure::new)?;
            say!("VERSION\tFORM\tITEMS\tUNCONFIRMED\tFISCAL YEAR\tORIGIN\tNAME");
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
                say!(
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
                    say!(
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
        ChecklistCommand::Start {
            year,
            version,
            json,
        } => start_year(db, *year, version.as_deref(), *json).await,
        ChecklistCommand::Suggest { year, json } => checklist_suggest(db, *year, *json).await,
        ChecklistCommand::Pack { year, out } => {
            let facility = set_up_facility(db).await?;
            match mamori_app::checklist::print::write_pack(db, &facility, *year, out).await {
                Ok(files) => {
                    say!("{}", files.html.display());
                    say!("{}", files.xlsx.display());
                    for f in &files.evidence {
                        say!("{}", f.display());
                    }
                    say!(
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

/// `mamori checklist start`: the same as 「この年度を始める」 on the checklist page.
async fn start_year(db: &Db, year: i32, version: Option<&str>, json: bool) -> Result<(), Failure> {
    use mamori_app::checklist::{forms, store};
    let tr = crate::command_line_words();
    let facility = set_up_facility(db).await?;
    let actor = Actor::command_line(Some(facility.id));
    let known = store::all(db).await.map_err(Failure::new)?;
    let master = match version {
        Some(v) => known
            .iter()
            .map(|(m, _)| m)
            .find(|m| m.version == v && m.form == "hospital"),
        None => store::default_hospital_master(&known, year),
    };
    let Some(master) = master.cloned() else {
        let versions: Vec<String> = known
            .iter()
            .filter(|(m, _)| m.form == "hospital")
            .map(|(m, _)| format!("{}（{}）", m.version, m.version_name))
            .collect();
        return Err(Failure::new(tr.t1(
            "cli-checklist-no-version",
            "versions",
            &versions.join("、"),
        )));
    };
    match forms::start_year(db, &actor, year, &master.version).await {
        Ok(id) => {
            if json {
                say!(
                    "{:#}",
                    serde_json::json!({
                        "year": year,
                        "version": master.version,
                        "version_name": master.version_name,
                        "form_id": id,
                    })
                );
            } else {
                say!(
                    "{}",
                    tr.t2(
                        "cli-checklist-started",
                        "year",
                        &year,
                        "version",
                        &master.version_name
                    )
                );
            }
            Ok(())
        }
        Err(store::ChecklistError::Rejected(problems)) => Err(Failure::new(
            problems
                .iter()
                .map(|p| format!("{year}: {}", tr.t(p.key)))
                .collect::<Vec<_>>()
                .join("\n"),
        )),
        Err(e) => Err(Failure::new(e)),
    }
}

pub(crate) async fn checklist_suggest(db: &Db, year: i32, json: bool) -> Result<(), Failure> {
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
        say!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(Failure::new)?
        );
        return Ok(());
    }
    say!(
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
        say!("\n{} {}", i.item.number, i.text);
        say!("  回答: {answer}");
        if let Some(s) = &i.suggestion {
            say!("  見立て: {}", tr.t(verdict_key(s.verdict.code())));
            for r in &s.reasons {
                say!("    - {}", reason_text(&tr, r));
            }
        }
        if i.disagrees {
            say!(
                "  ！ {}",
                mamori_app::checklist::print::disagreement_text(&tr, i)
            );
        }
    }
    say!(
        "\nはい {} ・ いいえ {} ・ 未回答 {} ・ データとの食い違い {}",
        view.overall.yes,
        view.overall.no,
        view.overall.unanswered,
        view.overall.disagreements
    );
    Ok(())
}

//! What goes on paper and into files: the official-layout print of each form (filled or empty),
//! the xlsx (one sheet per form) and CSV, and the 立入検査用資料 pack — cover page, the hospital
//! form, the vendor forms received, the ledger summary with the external connection points, the
//! evidence index and the open items. The web pages and `mamori checklist pack` share it.

use askama::Template;
use mamori_formats::table::{self, Encoding, Sheet};

use super::answers::Answer;
use super::master::Master;
use super::store::ChecklistError;
use super::view::{FormView, ItemView};
use crate::db::Db;
use crate::facility::api::Facility;
use crate::i18n::Tr;
use crate::kernel::Suggestion;
use crate::ledger::api::{LedgerSummary, inspection_summary};
use crate::web::Ctx;

/// The stylesheet, put inside a pack written to disk so it prints without the server.
const CSS: &str = include_str!("../../static/app.css");

/// 令和 year of a fiscal year: 2025 → 7.
pub fn reiwa(year: i32) -> i32 {
    year - 2018
}

fn answer_text(code: &str) -> &'static str {
    match code {
        "yes" => "はい",
        "no" => "いいえ",
        _ => "",
    }
}

/// `2025-06-01` → `2025/6/1` as people write it on the paper form.
fn paper_date(stored: &str) -> String {
    chrono::NaiveDate::parse_from_str(stored, "%Y-%m-%d")
        .map(|d| d.format("%Y/%-m/%-d").to_string())
        .unwrap_or_default()
}

/// The plain-Japanese sentence of a suggestion: "いいえ: 接続元制限のない外部接続点が 2 件 (VPN1, VPN2)".
pub fn suggestion_text(tr: &Tr, s: &Suggestion) -> String {
    s.reasons
        .iter()
        .map(|r| reason_text(tr, r))
        .collect::<Vec<_>>()
        .join(" / ")
}

pub fn reason_text(tr: &Tr, r: &crate::kernel::Reason) -> String {
    let mut text = tr.t1(r.key, "count", &r.count);
    if !r.records.is_empty() {
        let names: Vec<&str> = r.records.iter().take(10).map(|n| n.name.as_str()).collect();
        text.push_str(&format!("（{}", names.join("、")));
        if r.count > names.len() {
            text.push(' ');
            text.push_str(&tr.t1(
                crate::mkey!("checklist-and-more"),
                "count",
                &(r.count - names.len()),
            ));
        }
        text.push('）');
    }
    text
}

/// "「はい」と回答されていますが、接続元制限のない外部接続点が 2 件あります".
pub fn disagreement_text(tr: &Tr, item: &ItemView) -> String {
    let Some(s) = item.suggestion.as_ref().filter(|_| item.disagrees) else {
        return String::new();
    };
    let first = s
        .reasons
        .first()
        .map(|r| reason_text(tr, r))
        .unwrap_or_default();
    let key = if item.answer.current() == "yes" {
        crate::mkey!("checklist-disagree-yes")
    } else {
        crate::mkey!("checklist-disagree-no")
    };
    tr.t1(key, "reason", &first)
}

/// One row of the printed form.
pub struct PrintRow {
    pub section: String,
    pub group: String,
    pub number: String,
    pub text: String,
    pub target: String,
    pub reference_only: bool,
    /// The answer with its dates as written on paper.
    pub shown: Answer,
    pub greyed: bool,
}

/// One form laid out as the official sheet.
pub struct PrintSheet {
    pub title: String,
    pub form_name: String,
    pub version_name: String,
    pub year_label: String,
    pub notes: Vec<String>,
    pub header_fields: Vec<(String, String)>,
    pub gate: Option<(String, String, String)>,
    pub rows: Vec<PrintRow>,
}

/// A header field's value on a form (empty on a blank form).
pub fn header_value(field: &str, view: Option<&FormView>) -> String {
    match (field, view) {
        ("事業者名", Some(v)) => v.form.vendor_name.clone(),
        ("システム名", Some(v)) => v.form.system_name.clone(),
        _ => String::new(),
    }
}

/// The sheet of a form; `view` None prints the empty form of `master`.
pub fn sheet(master: &Master, view: Option<&FormView>) -> PrintSheet {
    let greyed = view.is_some_and(|v| v.form.not_applicable());
    let mut rows = Vec::new();
    let mut section = String::new();
    let mut group = String::new();
    for item in &master.items {
        let shown = view.and_then(|v| v.items.iter().find(|i| i.item.number == item.number));
        let answer = shown.map(|i| i.answer.clone()).unwrap_or_default();
        let section_label = if item.section == section {
            String::new()
        } else {
            master
                .sections
                .iter()
                .find(|s| s.number == item.section)
                .map(|s| format!("{} {}", s.number, s.title))
                .unwrap_or_default()
        };
        section = item.section.clone();
        let group_label = if !item.group.is_empty() && item.group != group {
            item.group.clone()
        } else {
            String::new()
        };
        group = item.group.clone();
        rows.push(print_row(
            item,
            shown,
            &answer,
            section_label,
            group_label,
            greyed,
        ));
    }
    PrintSheet {
        title: master.title.clone(),
        form_name: master.form_name.clone(),
        version_name: master.version_name.clone(),
        year_label: view
            .map(|v| {
                format!(
                    "{}年度（令和{}年度）",
                    v.form.fiscal_year,
                    reiwa(v.form.fiscal_year)
                )
            })
            .unwrap_or_default(),
        notes: master.notes.clone(),
        header_fields: master
            .header_fields
            .iter()
            .map(|f| (f.clone(), header_value(f, view)))
            .collect(),
        gate: master.gate.as_ref().map(|g| {
            (
                g.text.clone(),
                g.note.clone(),
                view.map(|v| v.form.gate.clone()).unwrap_or_default(),
            )
        }),
        rows,
    }
}

fn print_row(
    item: &super::master::Item,
    shown: Option<&ItemView>,
    answer: &Answer,
    section: String,
    group: String,
    greyed: bool,
) -> PrintRow {
    PrintRow {
        section,
        group,
        number: item.number.clone(),
        text: shown
            .map(|i| i.text.clone())
            .unwrap_or_else(|| item.text.clone()),
        target: item.target.clone(),
        reference_only: item.reference_only,
        shown: answer.shown(str::to_string, paper_date),
        greyed,
    }
}

/// Columns of the CSV and of each xlsx sheet.
fn table_headers(tr: &Tr) -> Vec<String> {
    [
        crate::mkey!("checklist-col-number"),
        crate::mkey!("checklist-col-group"),
        crate::mkey!("checklist-col-item"),
        crate::mkey!("checklist-col-target"),
        crate::mkey!("checklist-col-answer1"),
        crate::mkey!("checklist-col-date1"),
        crate::mkey!("checklist-col-target-date"),
        crate::mkey!("checklist-col-answer2"),
        crate::mkey!("checklist-col-date2"),
        crate::mkey!("checklist-col-remarks"),
        crate::mkey!("checklist-col-confirmed-by"),
        crate::mkey!("checklist-col-suggestion"),
        crate::mkey!("checklist-col-reasons"),
        crate::mkey!("checklist-col-evidence"),
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect()
}

fn table_rows(tr: &Tr, view: &FormView) -> Vec<Vec<String>> {
    view.items
        .iter()
        .map(|i| {
            vec![
                i.item.number.clone(),
                i.item.group.clone(),
                i.text.clone(),
                i.item.target.clone(),
                answer_text(&i.answer.answer1).to_string(),
                i.answer.date1.clone(),
                i.answer.target_date.clone(),
                answer_text(&i.answer.answer2).to_string(),
                i.answer.date2.clone(),
                i.answer.remarks.clone(),
                i.answer.confirmed_by.clone(),
                i.suggestion
                    .as_ref()
                    .map(|s| tr.t(verdict_key(s.verdict.code())))
                    .unwrap_or_default(),
                i.suggestion
                    .as_ref()
                    .map(|s| suggestion_text(tr, s))
                    .unwrap_or_default(),
                i.evidence
                    .iter()
                    .map(|e| match &e.file {
                        Some(f) => format!("{} (SHA-256 {})", f.name, f.sha256),
                        None => e.label.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            ]
        })
        .collect()
}

pub fn verdict_key(code: &str) -> &'static str {
    match code {
        "yes" => crate::mkey!("checklist-suggest-yes"),
        "no" => crate::mkey!("checklist-suggest-no"),
        _ => crate::mkey!("checklist-suggest-unknown"),
    }
}

/// The lines above the table: title, form, year, header fields, gate.
fn preface(view: &FormView) -> Vec<String> {
    let s = sheet(&view.master, Some(view));
    let mut lines = vec![
        format!("{} {}", s.title, s.form_name),
        format!("{} {}", s.version_name, s.year_label),
    ];
    for (name, value) in &s.header_fields {
        lines.push(format!("{name}: {value}"));
    }
    if let Some((text, _, answer)) = &s.gate {
        lines.push(format!("{text} {}", answer_text(answer)));
    }
    lines
}

/// Excel sheet names: at most 31 characters, none of `[]:*?/\`, unique in the workbook.
fn sheet_name(view: &FormView, taken: &[String]) -> String {
    let base: String = if view.form.is_vendor() {
        format!("事業者 {} {}", view.form.vendor_name, view.form.system_name)
    } else {
        format!("医療機関 {}", view.master.version_name)
    }
    .chars()
    .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
    .take(28)
    .collect::<String>()
    .trim()
    .to_string();
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}{n}");
        n += 1;
    }
    name
}

/// The forms as one workbook, one sheet per form.
pub fn workbook(tr: &Tr, views: &[FormView]) -> Result<Vec<u8>, ChecklistError> {
    let mut sheets: Vec<Sheet> = Vec::new();
    for view in views {
        let taken: Vec<String> = sheets.iter().map(|s| s.name.clone()).collect();
        sheets.push(Sheet {
            name: sheet_name(view, &taken),
            preface: preface(view),
            headers: table_headers(tr),
            rows: table_rows(tr, view),
            landscape: false,
        });
    }
    table::write_workbook(&sheets).map_err(|e| ChecklistError::Output(e.to_string()))
}

/// One form as CSV (UTF-8 with BOM, so Excel opens it in Japanese).
pub fn csv(tr: &Tr, view: &FormView) -> Result<Vec<u8>, ChecklistError> {
    table::write_csv(&table_headers(tr), &table_rows(tr, view), Encoding::Utf8Bom)
        .map_err(|e| ChecklistError::Output(e.to_string()))
}

/// A row of the evidence index.
pub struct EvidenceRow {
    pub form: String,
    pub item: String,
    pub name: String,
    pub sha256: String,
    pub size: String,
    pub added_at: String,
    pub added_by: String,
}

pub struct OpenRow {
    pub form: String,
    pub number: String,
    pub text: String,
    pub target_date: String,
    pub overdue: bool,
    pub remarks: String,
}

/// What a printed document holds: only sheets (a form's print), or the whole pack.
#[derive(Template)]
#[template(path = "checklist/print.html")]
pub struct PrintPage<'a> {
    pub c: &'a Ctx,
    /// Written to a file: the stylesheet goes inside, the screen buttons stay out.
    pub standalone: bool,
    pub css: &'static str,
    pub document_title: String,
    pub back: String,
    pub cover: Option<Cover>,
    pub sheets: Vec<PrintSheet>,
    pub ledger: Option<LedgerSummary>,
    pub evidence: Vec<EvidenceRow>,
    pub open_items: Vec<OpenRow>,
    pub pack: bool,
}

pub struct Cover {
    pub facility: String,
    pub year_label: String,
    pub manager: String,
    pub manager_appointed: String,
    pub director: String,
    pub printed: String,
    pub forms: Vec<String>,
    pub yes: usize,
    pub no: usize,
    pub unanswered: usize,
}

impl PrintPage<'_> {
    pub fn choice_class(&self, answer: &str, choice: &str) -> &'static str {
        if answer == choice {
            "choice chosen"
        } else {
            "choice"
        }
    }
}

/// A printed form (filled when `view` is given, else empty).
pub fn form_page<'a>(
    c: &'a Ctx,
    master: &Master,
    view: Option<&FormView>,
    back: String,
) -> PrintPage<'a> {
    PrintPage {
        c,
        standalone: false,
        css: CSS,
        document_title: view
            .map(|v| v.label.clone())
            .unwrap_or_else(|| format!("{} {}", master.version_name, master.form_name)),
        back,
        cover: None,
        sheets: vec![sheet(master, view)],
        ledger: None,
        evidence: Vec::new(),
        open_items: Vec::new(),
        pack: false,
    }
}

/// The 立入検査用資料 for a year: every form of the year, the ledger summary, evidence index and
/// open items. `standalone` for a file written to disk.
pub async fn pack_page<'a>(
    db: &Db,
    c: &'a Ctx,
    facility: &Facility,
    year: i32,
    views: &[FormView],
    standalone: bool,
) -> Result<PrintPage<'a>, ChecklistError> {
    let ledger = inspection_summary(db, c, facility.id)
        .await
        .map_err(crate::kernel::RoomError::internal)?;
    let hospital = views.iter().find(|v| !v.form.is_vendor());
    let tally = hospital.map(|v| v.overall.clone()).unwrap_or_default();
    let today = crate::kernel::today_jst();
    let cover = Cover {
        facility: facility.name.clone(),
        year_label: format!("{year}年度（令和{}年度）", reiwa(year)),
        manager: facility.security_manager_name.clone(),
        manager_appointed: paper_date(&facility.security_manager_appointed_on),
        director: facility.director.clone(),
        printed: paper_date(&today.to_string()),
        forms: views.iter().map(|v| v.label.clone()).collect(),
        yes: tally.yes,
        no: tally.no,
        unanswered: tally.unanswered,
    };
    // The inspector reads people's names, not their login IDs.
    let people: std::collections::HashMap<String, String> =
        crate::users::api::list(db, facility.id)
            .await
            .map_err(crate::kernel::RoomError::internal)?
            .into_iter()
            .map(|u| (u.login, u.display_name))
            .collect();
    let mut evidence = Vec::new();
    let mut open_items = Vec::new();
    for v in views {
        for i in &v.items {
            for e in &i.evidence {
                evidence.push(EvidenceRow {
                    form: v.label.clone(),
                    item: i.item.number.clone(),
                    name: e
                        .file
                        .as_ref()
                        .map(|f| f.name.clone())
                        .unwrap_or_else(|| e.label.clone()),
                    sha256: e
                        .file
                        .as_ref()
                        .map(|f| f.sha256.clone())
                        .unwrap_or_default(),
                    size: e
                        .file
                        .as_ref()
                        .map(|f| format!("{} KB", (f.size + 1023) / 1024))
                        .unwrap_or_default(),
                    added_at: c.datetime(&e.added_at),
                    added_by: people
                        .get(&e.added_by)
                        .cloned()
                        .unwrap_or_else(|| e.added_by.clone()),
                });
            }
        }
        for i in v.open_items() {
            open_items.push(OpenRow {
                form: v.label.clone(),
                number: i.item.number.clone(),
                text: i.text.clone(),
                target_date: paper_date(&i.answer.target_date),
                overdue: i.days_to_target.is_some_and(|d| d < 0),
                remarks: i.answer.remarks.clone(),
            });
        }
    }
    Ok(PrintPage {
        c,
        standalone,
        css: CSS,
        document_title: format!(
            "{} {}年度 {}",
            facility.name,
            year,
            c.t("checklist-pack-title")
        ),
        back: format!("/checklist?year={year}"),
        cover: Some(cover),
        sheets: views.iter().map(|v| sheet(&v.master, Some(v))).collect(),
        ledger: Some(ledger),
        evidence,
        open_items,
        pack: true,
    })
}

/// What `write_pack` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackFiles {
    pub html: std::path::PathBuf,
    pub xlsx: std::path::PathBuf,
    pub evidence: Vec<std::path::PathBuf>,
    pub forms: usize,
}

/// A page context for documents made outside a web request (the command line): Japanese, no
/// signed-in user.
pub fn offline_ctx() -> Ctx {
    Ctx::from_visitor(
        crate::web::session::Visitor {
            ip: "local".into(),
            lang: crate::i18n::Lang::Ja,
            session: None,
            csrf: String::new(),
            require_totp: false,
            admin_totp: false,
            facility_name: String::new(),
        },
        "/checklist/pack",
    )
}

/// Writes the inspection pack of a year into `dir`: the HTML to print (stylesheet inside), the
/// xlsx of every form, and a copy of each evidence file named by its SHA-256 prefix so the
/// index can be checked against the files.
pub async fn write_pack(
    db: &Db,
    facility: &Facility,
    year: i32,
    dir: &std::path::Path,
) -> Result<PackFiles, ChecklistError> {
    let views = super::view::year_views(db, facility.id, year, crate::kernel::today_jst()).await?;
    if views.is_empty() {
        return Err(ChecklistError::Rejected(vec![super::answers::Problem {
            field: "year",
            key: crate::mkey!("checklist-year-not-started"),
        }]));
    }
    let c = offline_ctx();
    let page = pack_page(db, &c, facility, year, &views, true).await?;
    let html = page
        .render()
        .map_err(|e| ChecklistError::Output(e.to_string()))?;
    let xlsx = workbook(&c.tr, &views)?;
    use crate::kernel::files::{private_dir, write_private};
    let io = |path: &std::path::Path, e: std::io::Error| {
        ChecklistError::Output(format!("{}: {e}", path.display()))
    };
    private_dir(dir).map_err(|e| io(dir, e))?;
    let html_path = dir.join(format!("checklist-pack-{year}.html"));
    let xlsx_path = dir.join(format!("checklist-{year}.xlsx"));
    write_private(&html_path, html).map_err(|e| io(&html_path, e))?;
    write_private(&xlsx_path, xlsx).map_err(|e| io(&xlsx_path, e))?;
    let actor = crate::kernel::Actor::command_line(Some(facility.id));
    let mut evidence = Vec::new();
    let files: std::collections::BTreeMap<i64, String> = views
        .iter()
        .flat_map(|v| v.items.iter())
        .flat_map(|i| i.evidence.iter())
        .filter_map(|e| {
            e.file.as_ref().map(|f| {
                (
                    f.id,
                    format!(
                        "{}-{}",
                        &f.sha256[..f.sha256.len().min(12)],
                        super::evidence::stored_name(&f.name, &f.content_type)
                    ),
                )
            })
        })
        .collect();
    if !files.is_empty() {
        let folder = dir.join("evidence");
        private_dir(&folder).map_err(|e| io(&folder, e))?;
        for (id, name) in files {
            let (_, bytes) = super::evidence::file(db, &actor, id).await?;
            let path = folder.join(name);
            write_private(&path, bytes).map_err(|e| io(&path, e))?;
            evidence.push(path);
        }
    }
    Ok(PackFiles {
        html: html_path,
        xlsx: xlsx_path,
        evidence,
        forms: views.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_print_as_on_paper() {
        assert_eq!(paper_date("2025-06-01"), "2025/6/1");
        assert_eq!(paper_date(""), "");
        assert_eq!(reiwa(2025), 7);
    }

    #[test]
    fn the_empty_form_keeps_every_item_with_its_headings() {
        let (_, shipped) = super::super::store::shipped().expect("test data");
        let r5 = shipped
            .iter()
            .find(|m| m.key() == "r5/hospital")
            .expect("test data");
        let s = sheet(r5, None);
        assert_eq!(s.rows.len(), r5.items.len());
        assert!(s.gate.is_some());
        assert_eq!(s.rows[0].section, "1 体制構築");
        assert!(s.rows.iter().any(|r| r.group.starts_with("サーバについて")));
        assert!(s.rows.iter().all(|r| r.shown.answer1.is_empty()));
    }
}

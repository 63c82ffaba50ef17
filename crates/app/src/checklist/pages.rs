//! Checklist pages: the year's overview and dashboard, one form to answer item by item with the
//! data's suggestion beside each answer, evidence, the official-layout print, exports and the
//! 立入検査用資料. Vendor users reach only their own vendor's 事業者確認用 (checked in `forms`).

use askama::Template;
use axum::Form as PostForm;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::answers::{self, AnswerForm};
use super::forms::{self, Form};
use super::master::Guide;
use super::print;
use super::store::{self as masters, ChecklistError};
use super::view::{self, FormView, ItemView, Tally};
use crate::kernel::upload::read_upload;
use crate::kernel::{PageResult, Role, RoomError, Suggestion};
use crate::web::errors::render;
use crate::web::{Access, AppState, Ctx, RouteTable};

pub fn routes(table: RouteTable) -> RouteTable {
    table
        // Vendor users land here too and see only their own forms.
        .get("/checklist", Access::VendorSelf, index)
        .post("/checklist/start", Access::Edit, start)
        .post(
            "/checklist/vendor-forms",
            Access::VendorSelf,
            add_vendor_form,
        )
        .get("/checklist/blank", Access::Read, blank)
        .get("/checklist/export", Access::Read, export_year)
        .get("/checklist/pack", Access::Read, pack)
        .post("/checklist/wording", Access::Admin, set_wording)
        .get("/checklist/forms/{id}", Access::VendorSelf, show)
        .post(
            "/checklist/forms/{id}/answer",
            Access::VendorSelf,
            save_answer,
        )
        .post("/checklist/forms/{id}/gate", Access::VendorSelf, set_gate)
        .post(
            "/checklist/forms/{id}/link",
            Access::VendorSelf,
            link_record,
        )
        .post("/checklist/forms/{id}/upload", Access::VendorSelf, upload)
        .get(
            "/checklist/forms/{id}/print",
            Access::VendorSelf,
            print_form,
        )
        .get(
            "/checklist/forms/{id}/export",
            Access::VendorSelf,
            export_form,
        )
        .post(
            "/checklist/evidence/{id}/delete",
            Access::VendorSelf,
            remove_evidence,
        )
        .get("/checklist/files/{id}", Access::VendorSelf, file)
}

/// The plain sentences of refused fields, for a message at the top of a page.
fn messages(c: &Ctx, problems: &[super::answers::Problem]) -> String {
    problems
        .iter()
        .map(|p| c.t(p.key))
        .collect::<Vec<_>>()
        .join(" ")
}

fn answer_label(c: &Ctx, code: &str) -> String {
    match code {
        "yes" => c.t("checklist-yes"),
        "no" => c.t("checklist-no"),
        _ => String::new(),
    }
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    year: String,
}

/// The 年度 asked for, else the current one.
fn year_of(q: &YearQuery) -> i32 {
    q.year
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| answers::current_fiscal_year(&crate::kernel::time::today_jst_text()))
}

/// An item due soon, past due, or where answer and data disagree, for the dashboard.
pub struct Attention {
    pub form_id: i64,
    pub anchor: usize,
    pub form: String,
    pub number: String,
    pub text: String,
    pub detail: String,
}

pub struct FormSummary {
    pub id: i64,
    pub label: String,
    pub vendor: bool,
    pub tally: Tally,
}

#[derive(Template)]
#[template(path = "checklist/index.html")]
struct IndexPage<'a> {
    c: &'a Ctx,
    year: i32,
    reiwa: i32,
    years: Vec<i32>,
    started: bool,
    versions: Vec<(String, String)>,
    default_version: String,
    version_name: String,
    version: String,
    has_vendor_form: bool,
    sections: Vec<Tally>,
    overall: Tally,
    last_year_started: bool,
    last_year_yes: usize,
    forms: Vec<FormSummary>,
    overdue: Vec<Attention>,
    due_soon: Vec<Attention>,
    disagreements: Vec<Attention>,
}

#[derive(Template)]
#[template(path = "checklist/vendor_index.html")]
struct VendorIndexPage<'a> {
    c: &'a Ctx,
    forms: Vec<FormSummary>,
    year: i32,
    year_started: bool,
    error: String,
}

async fn index(State(state): State<AppState>, c: Ctx, Query(q): Query<YearQuery>) -> PageResult {
    let c = c.active("checklist");
    let facility_id = c.facility()?;
    if c.role() == Some(Role::Vendor) {
        return vendor_index(&state, &c, facility_id, String::new()).await;
    }
    let year = year_of(&q);
    let today = crate::kernel::today_jst();
    let (views, started_years, known) = tokio::try_join!(
        view::year_views(&state.db, facility_id, year, today),
        forms::years(&state.db, facility_id),
        masters::all(&state.db),
    )?;
    let hospital_versions: Vec<&super::master::Master> = known
        .iter()
        .map(|(m, _)| m)
        .filter(|m| m.form == "hospital")
        .collect();
    let default_version = masters::default_hospital_master(&known, year)
        .map(|m| m.version.clone())
        .unwrap_or_default();
    let current = answers::current_fiscal_year(&crate::kernel::time::today_jst_text());
    let mut years: Vec<i32> = started_years.clone();
    for y in [current + 1, current, current - 1, year] {
        if !years.contains(&y) {
            years.push(y);
        }
    }
    years.sort_unstable_by(|a, b| b.cmp(a));
    let hospital = views.iter().find(|v| !v.form.is_vendor());
    let mut overdue = Vec::new();
    let mut due_soon = Vec::new();
    let mut disagreements = Vec::new();
    for v in &views {
        for (anchor, i) in v.items.iter().enumerate() {
            let entry = |detail: String| Attention {
                form_id: v.form.id,
                anchor,
                form: v.label.clone(),
                number: i.item.number.clone(),
                text: i.text.clone(),
                detail,
            };
            match i.days_to_target {
                Some(d) if d < 0 => overdue.push(entry(c.date(&i.answer.target_date))),
                Some(d) if d <= 30 => due_soon.push(entry(c.date(&i.answer.target_date))),
                _ => {}
            }
            if i.disagrees {
                disagreements.push(entry(print::disagreement_text(&c.tr, i)));
            }
        }
    }
    let page = IndexPage {
        c: &c,
        year,
        reiwa: print::reiwa(year),
        years,
        started: hospital.is_some(),
        versions: hospital_versions
            .iter()
            .map(|m| (m.version.clone(), m.version_name.clone()))
            .collect(),
        default_version,
        version_name: hospital
            .map(|v| v.master.version_name.clone())
            .unwrap_or_default(),
        version: hospital
            .map(|v| v.master.version.clone())
            .unwrap_or_default(),
        has_vendor_form: hospital.is_some_and(|h| {
            known
                .iter()
                .any(|(m, _)| m.version == h.master.version && m.form == "vendor")
        }),
        sections: hospital.map(|v| v.sections.clone()).unwrap_or_default(),
        overall: hospital.map(|v| v.overall.clone()).unwrap_or_default(),
        last_year_started: started_years.contains(&(year - 1)),
        last_year_yes: hospital.map(|v| v.overall.last_year_yes).unwrap_or(0),
        forms: views
            .iter()
            .map(|v| FormSummary {
                id: v.form.id,
                label: v.label.clone(),
                vendor: v.form.is_vendor(),
                tally: v.overall.clone(),
            })
            .collect(),
        overdue,
        due_soon,
        disagreements,
    };
    Ok(render(&c, &page))
}

async fn vendor_index(state: &AppState, c: &Ctx, facility_id: i64, error: String) -> PageResult {
    let vendor_id = c.actor().vendor_id.unwrap_or_default();
    let year = answers::current_fiscal_year(&crate::kernel::time::today_jst_text());
    let today = crate::kernel::today_jst();
    let (found, years) = tokio::try_join!(
        forms::forms_of_vendor(&state.db, facility_id, vendor_id),
        forms::years(&state.db, facility_id),
    )?;
    let mut summaries = Vec::new();
    for f in &found {
        let loaded = view::load(&state.db, facility_id, std::slice::from_ref(f)).await?;
        match view::assemble(f, &loaded, today) {
            Ok(v) => summaries.push(FormSummary {
                id: f.id,
                label: v.label.clone(),
                vendor: true,
                tally: v.overall.clone(),
            }),
            Err(e) => return Err(e.into()),
        }
    }
    let status = if error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        render(
            c,
            &VendorIndexPage {
                c,
                forms: summaries,
                year,
                year_started: years.contains(&year),
                error,
            },
        ),
    )
        .into_response())
}

#[derive(Deserialize)]
struct StartForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    version: String,
}

async fn start(
    State(state): State<AppState>,
    c: Ctx,
    PostForm(form): PostForm<StartForm>,
) -> PageResult {
    let year: i32 = form.year.parse().unwrap_or_default();
    Ok(
        match forms::start_year(&state.db, &c.actor(), year, &form.version).await {
            Ok(id) => Redirect::to(&format!("/checklist/forms/{id}")).into_response(),
            Err(ChecklistError::Rejected(_)) => return Err(RoomError::Conflict),
            Err(e) => return Err(e.into()),
        },
    )
}

#[derive(Deserialize)]
struct VendorFormForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    vendor_name: String,
    #[serde(default)]
    system_name: String,
}

async fn add_vendor_form(
    State(state): State<AppState>,
    c: Ctx,
    PostForm(form): PostForm<VendorFormForm>,
) -> PageResult {
    let c = c.active("checklist");
    let year: i32 = form.year.parse().unwrap_or_default();
    Ok(
        match forms::add_vendor_form(
            &state.db,
            &c.actor(),
            year,
            &form.vendor_name,
            &form.system_name,
        )
        .await
        {
            Ok(id) => Redirect::to(&format!("/checklist/forms/{id}")).into_response(),
            Err(ChecklistError::Rejected(problems)) => {
                let message = messages(&c, &problems);
                match c.facility_id() {
                    Some(f) if c.role() == Some(Role::Vendor) => {
                        vendor_index(&state, &c, f, message).await?
                    }
                    _ => (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        render(
                            &c,
                            &MessagePage {
                                c: &c,
                                message,
                                back: format!("/checklist?year={year}"),
                            },
                        ),
                    )
                        .into_response(),
                }
            }
            Err(e) => return Err(e.into()),
        },
    )
}

#[derive(Template)]
#[template(path = "checklist/message.html")]
struct MessagePage<'a> {
    c: &'a Ctx,
    message: String,
    back: String,
}

/// A reason as shown: its sentence and links to the first records.
pub struct ReasonView {
    pub text: String,
    pub links: Vec<(String, String)>,
    pub more: usize,
}

pub struct SuggestionView {
    pub verdict: &'static str,
    pub label: String,
    pub reasons: Vec<ReasonView>,
}

fn suggestion_view(c: &Ctx, s: &Suggestion) -> SuggestionView {
    SuggestionView {
        verdict: s.verdict.code(),
        label: c.t(print::verdict_key(s.verdict.code())),
        reasons: s
            .reasons
            .iter()
            .map(|r| {
                let links: Vec<(String, String)> = r
                    .records
                    .iter()
                    .take(8)
                    .map(|n| (n.href(), n.name.clone()))
                    .collect();
                ReasonView {
                    text: c.t1(r.key, "count", &r.count),
                    more: r.count.saturating_sub(links.len()),
                    links,
                }
            })
            .collect(),
    }
}

pub struct EvidenceView {
    pub id: i64,
    pub label: String,
    pub href: String,
    pub is_image: bool,
    pub detail: String,
}

pub struct ItemRow {
    pub anchor: usize,
    pub section_heading: String,
    pub group: String,
    pub number: String,
    pub text: String,
    pub shipped_text: String,
    pub corrected: bool,
    pub unconfirmed: bool,
    /// The wording is not confirmed against the original (or was corrected here): an admin
    /// may correct it.
    pub correctable: bool,
    pub reference_only: bool,
    pub vendor_optional: bool,
    pub target: String,
    pub answered: bool,
    pub current: String,
    pub answer1: String,
    pub date1: String,
    pub target_date: String,
    pub answer2: String,
    pub date2: String,
    pub remarks: String,
    pub confirmed_by: String,
    pub last_year: String,
    pub suggestion: Option<SuggestionView>,
    pub disagreement: String,
    pub warnings: Vec<String>,
    pub evidence: Vec<EvidenceView>,
    pub guide: Option<Guide>,
    pub references: String,
    /// What the edit form shows: the saved answer, or what was typed when it was refused.
    pub typed: AnswerForm,
    pub errors: Vec<(&'static str, String)>,
    pub link_error: String,
}

impl ItemRow {
    pub fn error_for(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn item_row(c: &Ctx, v: &FormView, anchor: usize, i: &ItemView) -> ItemRow {
    let section_heading = if v
        .items
        .get(anchor.wrapping_sub(1))
        .is_none_or(|prev| prev.item.section != i.item.section)
    {
        v.master
            .sections
            .iter()
            .find(|s| s.number == i.item.section)
            .map(|s| format!("{} {}", s.number, s.title))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let mut warnings = Vec::new();
    if i.target_outside_deadline {
        warnings.push(c.t1(
            "checklist-target-outside-deadline",
            "year",
            &i.item.deadline_fiscal_year,
        ));
    }
    match i.days_to_target {
        Some(d) if d < 0 => warnings.push(c.t("checklist-target-passed")),
        Some(d) if d <= 30 => warnings.push(c.t1("checklist-target-soon", "count", &d)),
        _ => {}
    }
    let a = &i.answer;
    ItemRow {
        anchor,
        section_heading,
        group: if i.starts_group {
            i.item.group.clone()
        } else {
            String::new()
        },
        number: i.item.number.clone(),
        text: i.text.clone(),
        shipped_text: i.item.text.clone(),
        corrected: i.corrected,
        unconfirmed: i.unconfirmed,
        correctable: i.corrected || i.item.confirmation != "confirmed",
        reference_only: i.item.reference_only,
        vendor_optional: i.item.vendor_optional,
        target: i.item.target.clone(),
        answered: !a.answer1.is_empty(),
        current: a.current().to_string(),
        answer1: answer_label(c, &a.answer1),
        date1: c.date(&a.date1),
        target_date: c.date(&a.target_date),
        answer2: answer_label(c, &a.answer2),
        date2: c.date(&a.date2),
        remarks: a.remarks.clone(),
        confirmed_by: a.confirmed_by.clone(),
        last_year: answer_label(c, &i.last_year),
        suggestion: i.suggestion.as_ref().map(|s| suggestion_view(c, s)),
        disagreement: print::disagreement_text(&c.tr, i),
        warnings,
        evidence: i
            .evidence
            .iter()
            .map(|e| EvidenceView {
                id: e.id,
                label: e.label.clone(),
                href: e.href(),
                is_image: e.file.as_ref().is_some_and(|f| f.is_image()),
                detail: match &e.file {
                    Some(f) => format!(
                        "{} KB ・ SHA-256 {} ・ {} {}",
                        (f.size + 1023) / 1024,
                        &f.sha256[..f.sha256.len().min(16)],
                        c.datetime(&e.added_at),
                        e.added_by
                    ),
                    None => format!("{} {}", c.datetime(&e.added_at), e.added_by),
                },
            })
            .collect(),
        references: i
            .guide
            .as_ref()
            .map(|g| g.references.join("、"))
            .unwrap_or_default(),
        guide: i.guide.clone(),
        typed: AnswerForm {
            item: a.item.clone(),
            answer1: if a.answer1.is_empty() {
                i.last_year.clone()
            } else {
                a.answer1.clone()
            },
            date1: a.date1.clone(),
            target_date: a.target_date.clone(),
            answer2: a.answer2.clone(),
            date2: a.date2.clone(),
            remarks: a.remarks.clone(),
            confirmed_by: if a.confirmed_by.is_empty() {
                c.user().map(|u| u.display_name.clone()).unwrap_or_default()
            } else {
                a.confirmed_by.clone()
            },
        },
        errors: Vec::new(),
        link_error: String::new(),
    }
}

#[derive(Template)]
#[template(path = "checklist/form.html")]
struct FormPage<'a> {
    c: &'a Ctx,
    form: Form,
    label: String,
    notes: Vec<String>,
    header_fields: Vec<(String, String)>,
    gate: Option<(String, String)>,
    gate_answer: String,
    gate_suggestion: Option<SuggestionView>,
    overall: Tally,
    can_edit: bool,
    is_admin: bool,
    is_vendor_user: bool,
    rows: Vec<ItemRow>,
    linkable: Vec<(&'static str, String)>,
    max_file_mb: usize,
    year_link: String,
}

/// What went wrong with one item, to show beside it.
enum ItemTrouble {
    Answer(AnswerForm, Vec<(&'static str, String)>),
    Evidence(String, String),
}

async fn form_page(state: &AppState, c: &Ctx, id: i64, trouble: Option<ItemTrouble>) -> PageResult {
    let c = c.clone().active("checklist");
    let actor = c.actor();
    let v = view::form_view(&state.db, &actor, id, crate::kernel::today_jst()).await?;
    let mut rows: Vec<ItemRow> = v
        .items
        .iter()
        .enumerate()
        .map(|(n, i)| item_row(&c, &v, n, i))
        .collect();
    let failed = trouble.is_some();
    match trouble {
        Some(ItemTrouble::Answer(typed, errors)) => {
            if let Some(row) = rows.iter_mut().find(|r| r.number == typed.item.trim()) {
                row.typed = typed;
                row.errors = errors;
            }
        }
        Some(ItemTrouble::Evidence(item, message)) => {
            if let Some(row) = rows.iter_mut().find(|r| r.number == item) {
                row.link_error = message;
            }
        }
        None => {}
    }
    let page = FormPage {
        c: &c,
        label: v.label.clone(),
        notes: v.master.notes.clone(),
        header_fields: v
            .master
            .header_fields
            .iter()
            .map(|f| (f.clone(), print::header_value(f, Some(&v))))
            .collect(),
        gate: v
            .master
            .gate
            .as_ref()
            .map(|g| (g.text.clone(), g.note.clone())),
        gate_answer: v.form.gate.clone(),
        gate_suggestion: v.gate_suggestion.as_ref().map(|s| suggestion_view(&c, s)),
        overall: v.overall.clone(),
        can_edit: forms::can_edit(&actor, &v.form),
        is_admin: c.is_admin(),
        is_vendor_user: c.role() == Some(Role::Vendor),
        rows,
        linkable: crate::rooms::linkable_kinds()
            .map(|kind| (kind.table, c.t(kind.label_key)))
            .collect(),
        max_file_mb: super::evidence::MAX_FILE_BYTES / 1024 / 1024,
        year_link: format!("/checklist?year={}", v.form.fiscal_year),
        form: v.form,
    };
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, render(&c, &page)).into_response())
}

async fn show(State(state): State<AppState>, c: Ctx, Path(id): Path<i64>) -> PageResult {
    form_page(&state, &c, id, None).await
}

async fn save_answer(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<i64>,
    PostForm(typed): PostForm<AnswerForm>,
) -> PageResult {
    Ok(
        match super::answer_store::save_answer(&state.db, &c.actor(), id, &typed).await {
            Ok(()) => Redirect::to(&anchor_of(&state, &c, id, &typed.item).await).into_response(),
            Err(ChecklistError::Rejected(problems)) => {
                let errors = problems.iter().map(|p| (p.field, c.t(p.key))).collect();
                form_page(&state, &c, id, Some(ItemTrouble::Answer(typed, errors))).await?
            }
            Err(e) => return Err(e.into()),
        },
    )
}

/// Back to the item just changed.
async fn anchor_of(state: &AppState, c: &Ctx, id: i64, item: &str) -> String {
    let position = match forms::get(&state.db, &c.actor(), id).await {
        Ok(form) => forms::master_of(&state.db, &form)
            .await
            .ok()
            .and_then(|m| m.items.iter().position(|i| i.number == item.trim())),
        Err(_) => None,
    };
    match position {
        Some(n) => format!("/checklist/forms/{id}#item-{n}"),
        None => format!("/checklist/forms/{id}"),
    }
}

#[derive(Deserialize)]
struct GateForm {
    #[serde(default)]
    gate: String,
}

async fn set_gate(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<i64>,
    PostForm(form): PostForm<GateForm>,
) -> PageResult {
    Ok(
        match forms::set_gate(&state.db, &c.actor(), id, &form.gate).await {
            Ok(()) => Redirect::to(&format!("/checklist/forms/{id}")).into_response(),
            Err(ChecklistError::Rejected(_)) => return Err(RoomError::Conflict),
            Err(e) => return Err(e.into()),
        },
    )
}

#[derive(Deserialize)]
struct LinkForm {
    #[serde(default)]
    item: String,
    #[serde(default)]
    table: String,
    #[serde(default)]
    reference: String,
}

async fn link_record(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<i64>,
    PostForm(form): PostForm<LinkForm>,
) -> PageResult {
    Ok(
        match super::evidence::link_record(
            &state.db,
            &c.actor(),
            id,
            &form.item,
            &form.table,
            &form.reference,
        )
        .await
        {
            Ok(()) => Redirect::to(&anchor_of(&state, &c, id, &form.item).await).into_response(),
            Err(ChecklistError::Rejected(problems)) => {
                let message = messages(&c, &problems);
                form_page(
                    &state,
                    &c,
                    id,
                    Some(ItemTrouble::Evidence(form.item, message)),
                )
                .await?
            }
            Err(e) => return Err(e.into()),
        },
    )
}

async fn upload(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> PageResult {
    let upload = read_upload(
        &mut multipart,
        "file",
        "file",
        super::evidence::MAX_FILE_BYTES,
    )
    .await
    .map_err(RoomError::internal)?;
    let too_large = upload.too_large;
    let item = upload.field("item").unwrap_or_default().to_string();
    let file = upload.file;
    let item = item.trim().to_string();
    let refused = |key: &str| {
        form_page(
            &state,
            &c,
            id,
            Some(ItemTrouble::Evidence(item.clone(), c.t(key))),
        )
    };
    if too_large {
        return refused("checklist-file-too-large").await;
    }
    let Some((name, bytes)) = file else {
        return refused("checklist-file-required").await;
    };
    Ok(
        match super::evidence::attach_file(&state.db, &c.actor(), id, &item, &name, &bytes).await {
            Ok(_) => Redirect::to(&anchor_of(&state, &c, id, &item).await).into_response(),
            Err(ChecklistError::Rejected(problems)) => {
                let key = problems
                    .first()
                    .map(|p| p.key)
                    .unwrap_or("checklist-file-type");
                refused(key).await?
            }
            Err(e) => return Err(e.into()),
        },
    )
}

async fn remove_evidence(State(state): State<AppState>, c: Ctx, Path(id): Path<i64>) -> PageResult {
    Ok(
        match super::evidence::remove_evidence(&state.db, &c.actor(), id).await {
            Ok(form_id) => Redirect::to(&format!("/checklist/forms/{form_id}")).into_response(),
            Err(e) => return Err(e.into()),
        },
    )
}

/// `filename*=` in RFC 5987 form, so Japanese names survive the download.
fn disposition(kind: &str, name: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let ascii: String = name
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ".-_".contains(ch) {
                ch
            } else {
                '_'
            }
        })
        .collect();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

async fn file(State(state): State<AppState>, c: Ctx, Path(id): Path<i64>) -> PageResult {
    Ok(
        match super::evidence::file(&state.db, &c.actor(), id).await {
            Ok((info, bytes)) => {
                let inline = info.is_image() || info.content_type == "application/pdf";
                (
                    [
                        (header::CONTENT_TYPE, info.content_type.clone()),
                        (
                            header::CONTENT_DISPOSITION,
                            disposition(if inline { "inline" } else { "attachment" }, &info.name),
                        ),
                        (header::CACHE_CONTROL, "private, no-store".to_string()),
                    ],
                    bytes,
                )
                    .into_response()
            }
            Err(e) => return Err(e.into()),
        },
    )
}

async fn print_form(State(state): State<AppState>, c: Ctx, Path(id): Path<i64>) -> PageResult {
    let v = view::form_view(&state.db, &c.actor(), id, crate::kernel::today_jst()).await?;
    let page = print::form_page(&c, &v.master, Some(&v), format!("/checklist/forms/{id}"));
    Ok(render(&c, &page))
}

#[derive(Deserialize)]
struct BlankQuery {
    #[serde(default)]
    version: String,
    #[serde(default)]
    form: String,
}

async fn blank(State(state): State<AppState>, c: Ctx, Query(q): Query<BlankQuery>) -> PageResult {
    let form = if q.form.is_empty() {
        "hospital"
    } else {
        &q.form
    };
    Ok(
        match forms::find_master(&state.db, &q.version, form).await {
            Ok(m) => render(
                &c,
                &print::form_page(&c, &m, None, "/checklist".to_string()),
            ),
            Err(e) => return Err(e.into()),
        },
    )
}

fn download(content_type: &str, file: &str, bytes: Vec<u8>) -> PageResult {
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition("attachment", file)),
        ],
        bytes,
    )
        .into_response())
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Deserialize)]
struct ExportQuery {
    #[serde(default)]
    format: String,
}

async fn export_form(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<ExportQuery>,
) -> PageResult {
    let v = view::form_view(&state.db, &c.actor(), id, crate::kernel::today_jst()).await?;
    let base = format!(
        "checklist-{}-{}-{}",
        v.form.fiscal_year, v.form.version, v.form.form
    );
    let result = if q.format == "csv" {
        print::csv(&c.tr, &v)
            .map(|b| download("text/csv; charset=utf-8", &format!("{base}.csv"), b))
    } else {
        print::workbook(&c.tr, std::slice::from_ref(&v))
            .map(|b| download(XLSX, &format!("{base}.xlsx"), b))
    };
    result?
}

async fn export_year(
    State(state): State<AppState>,
    c: Ctx,
    Query(q): Query<YearQuery>,
) -> PageResult {
    let facility_id = c.facility()?;
    let year = year_of(&q);
    let views =
        match view::year_views(&state.db, facility_id, year, crate::kernel::today_jst()).await {
            Ok(v) if !v.is_empty() => v,
            Ok(_) => return Err(RoomError::NotFound),
            Err(e) => return Err(e.into()),
        };
    Ok(match print::workbook(&c.tr, &views) {
        Ok(b) => download(XLSX, &format!("checklist-{year}.xlsx"), b)?,
        Err(e) => return Err(e.into()),
    })
}

async fn pack(State(state): State<AppState>, c: Ctx, Query(q): Query<YearQuery>) -> PageResult {
    let facility_id = c.facility()?;
    let year = year_of(&q);
    let (views, facility) = match tokio::try_join!(
        view::year_views(&state.db, facility_id, year, crate::kernel::today_jst()),
        async {
            crate::facility::api::get(&state.db, facility_id)
                .await
                .map_err(ChecklistError::from)
        },
    ) {
        Ok((v, Some(f))) if !v.is_empty() => (v, f),
        Ok(_) => return Err(RoomError::NotFound),
        Err(e) => return Err(e.into()),
    };
    Ok(
        match print::pack_page(&state.db, &c, &facility, year, &views, false).await {
            Ok(page) => render(&c, &page),
            Err(e) => return Err(e.into()),
        },
    )
}

#[derive(Deserialize)]
struct WordingForm {
    #[serde(default)]
    form_id: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    text: String,
}

async fn set_wording(
    State(state): State<AppState>,
    c: Ctx,
    PostForm(w): PostForm<WordingForm>,
) -> PageResult {
    let actor = c.actor();
    let Ok(form_id) = w.form_id.parse::<i64>() else {
        return Err(RoomError::NotFound);
    };
    let form = forms::get(&state.db, &actor, form_id).await?;
    Ok(
        match super::wording::set_wording(
            &state.db,
            &actor,
            &form.version,
            &form.form,
            &w.item,
            &w.text,
        )
        .await
        {
            Ok(()) => Redirect::to(&anchor_of(&state, &c, form_id, &w.item).await).into_response(),
            Err(ChecklistError::Rejected(_)) => return Err(RoomError::Conflict),
            Err(e) => return Err(e.into()),
        },
    )
}

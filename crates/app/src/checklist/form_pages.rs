//! One form, item by item: the answer beside the data's suggestion and its reasons, the gate
//! question, and wording corrections.

use askama::Template;
use axum::Form as PostForm;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::answers::{Answer, AnswerForm};
use super::forms::{self, Form};
use super::master::Guide;
use super::pages::answer_label;
use super::print;
use super::store::ChecklistError;
use super::view::{self, FormView, ItemView, Tally};
use crate::kernel::{PageResult, Role, RoomError, Suggestion};
use crate::web::errors::render;
use crate::web::{AppState, Ctx, Hall};

#[derive(Template)]
#[template(path = "checklist/message.html")]
pub(super) struct MessagePage<'a> {
    pub(super) c: &'a Ctx,
    pub(super) message: String,
    pub(super) back: String,
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

pub(super) fn suggestion_view(c: &Ctx, s: &Suggestion) -> SuggestionView {
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
    /// The saved answer in words and dates of the page's language.
    pub shown: Answer,
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

pub(super) fn item_row(c: &Ctx, v: &FormView, anchor: usize, i: &ItemView) -> ItemRow {
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
        shown: a.shown(|v| answer_label(c, v), |d| c.date(d)),
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
pub(super) struct FormPage<'a> {
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
pub(super) enum ItemTrouble {
    Answer(AnswerForm, Vec<(&'static str, String)>),
    Evidence(String, String),
}

pub(super) async fn form_page(
    state: &AppState,
    c: &Ctx,
    id: i64,
    trouble: Option<ItemTrouble>,
) -> PageResult {
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
    Ok((status, render(&page)).into_response())
}

pub(super) async fn show(Hall(state, c): Hall, Path(id): Path<i64>) -> PageResult {
    form_page(&state, &c, id, None).await
}

pub(super) async fn save_answer(
    Hall(state, c): Hall,
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
pub(super) async fn anchor_of(state: &AppState, c: &Ctx, id: i64, item: &str) -> String {
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct GateForm {
    gate: String,
}

pub(super) async fn set_gate(
    Hall(state, c): Hall,
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct WordingForm {
    form_id: String,
    item: String,
    text: String,
}

pub(super) async fn set_wording(
    Hall(state, c): Hall,
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

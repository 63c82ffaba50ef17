//! The checklist's year: the overview and dashboard, starting a 年度, adding vendor forms,
//! and what a vendor user sees.

use askama::Template;
use axum::Form as PostForm;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::answers::{self};
use super::form_pages::MessagePage;
use super::forms::{self};
use super::pages::{YearQuery, messages, year_of};
use super::print;
use super::store::{self as masters, ChecklistError};
use super::view::{self, Tally};
use crate::kernel::{PageResult, Role, RoomError};
use crate::web::errors::render;
use crate::web::{AppState, Ctx, Hall};

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
pub(super) struct IndexPage<'a> {
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
pub(super) struct VendorIndexPage<'a> {
    c: &'a Ctx,
    forms: Vec<FormSummary>,
    year: i32,
    year_started: bool,
    error: String,
    /// The devices and systems the ledger says this vendor maintains.
    maintained: Vec<crate::ledger::api::Maintained>,
}

pub(super) async fn index(Hall(state, c): Hall, Query(q): Query<YearQuery>) -> PageResult {
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
    render(&page)
}

pub(super) async fn vendor_index(
    state: &AppState,
    c: &Ctx,
    facility_id: i64,
    error: String,
) -> PageResult {
    let vendor_id = c.actor().vendor_id.unwrap_or_default();
    let year = answers::current_fiscal_year(&crate::kernel::time::today_jst_text());
    let today = crate::kernel::today_jst();
    let (found, years, names) = tokio::try_join!(
        forms::forms_of_vendor(&state.db, facility_id, vendor_id),
        forms::years(&state.db, facility_id),
        async {
            crate::vendors::api::names(&state.db, &[vendor_id])
                .await
                .map_err(ChecklistError::from)
        },
    )?;
    let vendor_name = names.get(&vendor_id).cloned().unwrap_or_default();
    let maintained = crate::ledger::api::maintained_by(&state.db, facility_id, &vendor_name)
        .await
        .map_err(RoomError::internal)?;
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
        render(&VendorIndexPage {
            c,
            forms: summaries,
            year,
            year_started: years.contains(&year),
            error,
            maintained,
        }),
    )
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct StartForm {
    year: String,
    version: String,
}

pub(super) async fn start(Hall(state, c): Hall, PostForm(form): PostForm<StartForm>) -> PageResult {
    let year: i32 = form.year.parse().unwrap_or_default();
    Ok(
        match forms::start_year(&state.db, &c.actor(), year, &form.version).await {
            Ok(id) => Redirect::to(&format!("/checklist/forms/{id}")).into_response(),
            Err(ChecklistError::Rejected(_)) => return Err(RoomError::Conflict),
            Err(e) => return Err(e.into()),
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct VendorFormForm {
    year: String,
    vendor_name: String,
    system_name: String,
}

pub(super) async fn add_vendor_form(
    Hall(state, c): Hall,
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
                        render(&MessagePage {
                            c: &c,
                            message,
                            back: format!("/checklist?year={year}"),
                        }),
                    )
                        .into_response(),
                }
            }
            Err(e) => return Err(e.into()),
        },
    )
}

//! 棚卸 pages: start a stocktake, tick devices in bulk (filtered by department or place, as one
//! walks the building), finish it, and read the report of what was missing.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::model::Record;
use super::pages::choice_label;
use super::stocktake::{self as store, RESULTS, Stocktake};
use super::store::{self as ledger, Filter};
use crate::kernel::PageResult;
use crate::web::errors::render;
use crate::web::{Access, AppState, Ctx, Hall, RouteTable};

pub fn routes(table: RouteTable) -> RouteTable {
    table
        .get("/stocktake", Access::Read, index)
        .post("/stocktake", Access::Edit, start)
        .get("/stocktake/{id}", Access::Read, report)
        .post("/stocktake/{id}/check", Access::Edit, check)
        .post("/stocktake/{id}/finish", Access::Edit, finish)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IndexQuery {
    department: String,
    q: String,
    /// "all" shows checked devices too.
    show: String,
}

pub struct DeviceRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub location: String,
    pub department: String,
    pub asset_number: String,
    pub last_confirmed: String,
    pub result: String,
    pub result_code: String,
}

#[derive(Template)]
#[template(path = "ledger/stocktake.html")]
struct IndexPage<'a> {
    c: &'a Ctx,
    open: Option<Stocktake>,
    history: Vec<Stocktake>,
    rows: Vec<DeviceRow>,
    departments: Vec<String>,
    q: IndexQuery,
    in_use: usize,
    checked: usize,
    unchecked: usize,
    not_confirmed: i64,
    results: Vec<(&'static str, String)>,
}

fn result_label(c: &Ctx, code: &str) -> String {
    RESULTS
        .iter()
        .find(|(r, _)| *r == code)
        .map(|(_, k)| c.t(k))
        .unwrap_or_default()
}

fn device_row(c: &Ctx, d: &Record, result: &str) -> DeviceRow {
    DeviceRow {
        id: d.id,
        name: d.name().to_string(),
        kind: choice_label(c, d, "kind"),
        location: d.get("location").to_string(),
        department: d.get("department").to_string(),
        asset_number: d.get("asset_number").to_string(),
        last_confirmed: c.date(d.get("last_confirmed")),
        result: result_label(c, result),
        result_code: result.to_string(),
    }
}

async fn index(Hall(state, c): Hall, Query(q): Query<IndexQuery>) -> PageResult {
    let c = c.active("stocktake");
    let facility_id = c.facility()?;
    let all = Filter::default();
    let (history, devices, departments, summary) = tokio::try_join!(
        store::list(&state.db, facility_id),
        ledger::list(&state.db, facility_id, &all),
        ledger::departments(&state.db, facility_id),
        ledger::summary(&state.db, facility_id),
    )?;
    let open = history.iter().find(|s| s.is_open()).cloned();
    let checks = match &open {
        Some(s) => store::checks(&state.db, s.id).await?,
        None => Vec::new(),
    };
    let in_use: Vec<&Record> = devices
        .iter()
        .filter(|d| d.get("status") != "retired")
        .collect();
    let result_of = |id: i64| {
        checks
            .iter()
            .find(|ch| ch.device_id == id)
            .map(|ch| ch.result.as_str())
            .unwrap_or("")
    };
    let checked = in_use
        .iter()
        .filter(|d| !result_of(d.id).is_empty())
        .count();
    let words: Vec<String> = q.q.split_whitespace().map(str::to_lowercase).collect();
    let rows = in_use
        .iter()
        .filter(|d| q.department.is_empty() || d.get("department") == q.department)
        .filter(|d| q.show == "all" || result_of(d.id).is_empty())
        .filter(|d| {
            words.iter().all(|w| {
                ["name", "location", "asset_number", "hostname"]
                    .iter()
                    .any(|f| d.get(f).to_lowercase().contains(w.as_str()))
            })
        })
        .map(|d| device_row(&c, d, result_of(d.id)))
        .collect();
    let history = history.into_iter().filter(|s| !s.is_open()).collect();
    render(&IndexPage {
        c: &c,
        open,
        history,
        rows,
        departments,
        q,
        in_use: in_use.len(),
        checked,
        unchecked: in_use.len() - checked,
        not_confirmed: summary.not_confirmed_12_months,
        results: RESULTS.iter().map(|(r, k)| (*r, c.t(k))).collect(),
    })
}

async fn start(State(state): State<AppState>, c: Ctx) -> PageResult {
    Ok(match store::start(&state.db, &c.actor()).await {
        Ok(_) => Redirect::to("/stocktake").into_response(),
        Err(e) => return Err(e.into()),
    })
}

/// Where to go back to after ticking: the same filtered list.
fn back_to(form: &[(String, String)]) -> String {
    let get = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("department", get("department"))
        .append_pair("q", get("q"))
        .append_pair("show", get("show"))
        .finish();
    format!("/stocktake?{query}")
}

async fn check(
    Hall(state, c): Hall,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let devices: Vec<i64> = form
        .iter()
        .filter(|(k, _)| k == "device")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let result = form
        .iter()
        .find(|(k, _)| k == "result")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let result = if result == "clear" { "" } else { result };
    Ok(
        match store::check(&state.db, &c.actor(), id, &devices, result).await {
            Ok(_) => Redirect::to(&back_to(&form)).into_response(),
            Err(e) => return Err(e.into()),
        },
    )
}

async fn finish(Hall(state, c): Hall, Path(id): Path<i64>) -> PageResult {
    Ok(
        match store::finish(
            &state.db,
            &c.actor(),
            id,
            &crate::kernel::time::today_jst_text(),
        )
        .await
        {
            Ok(_) => Redirect::to(&format!("/stocktake/{id}")).into_response(),
            Err(e) => return Err(e.into()),
        },
    )
}

#[derive(Template)]
#[template(path = "ledger/stocktake_report.html")]
struct ReportPage<'a> {
    c: &'a Ctx,
    stocktake: Stocktake,
    missing: Vec<DeviceRow>,
    unchecked: Vec<DeviceRow>,
}

async fn report(Hall(state, c): Hall, Path(id): Path<i64>) -> PageResult {
    let c = c.active("stocktake");
    let facility_id = c.facility()?;
    let stocktake = match store::get(&state.db, facility_id, id).await {
        Ok(s) => s,
        Err(e) => return Err(e.into()),
    };
    let all = Filter::default();
    let (checks, devices) = tokio::try_join!(
        store::checks(&state.db, id),
        ledger::list(&state.db, facility_id, &all),
    )?;
    let result_of = |id: i64| {
        checks
            .iter()
            .find(|ch| ch.device_id == id)
            .map(|ch| ch.result.as_str())
    };
    let missing = devices
        .iter()
        .filter(|d| result_of(d.id) == Some("missing"))
        .map(|d| device_row(&c, d, "missing"))
        .collect();
    // Devices not ticked: only meaningful while the ledger still lists them in use.
    let unchecked = devices
        .iter()
        .filter(|d| result_of(d.id).is_none() && d.get("status") != "retired")
        .filter(|d| {
            stocktake.is_open()
                || d.get("last_confirmed") < stocktake.finished_at.get(..10).unwrap_or("")
        })
        .map(|d| device_row(&c, d, ""))
        .collect();
    render(&ReportPage {
        c: &c,
        stocktake,
        missing,
        unchecked,
    })
}

//! 台帳 pages: device list with filters, device page, register and edit forms.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;

use super::model::{self, DEVICES, FieldType, KINDS, Record, RecordKind, STATUSES};
use super::store::{self, Filter, LedgerError};
use crate::web::ctx::FieldErrors;
use crate::web::errors::{WebError, fail, render, status_page};
use crate::web::{Access, AppState, Ctx, RouteTable};

pub fn routes(table: RouteTable) -> RouteTable {
    table
        .get("/ledger", Access::Read, list)
        .get("/ledger/new", Access::Edit, new_page)
        .post("/ledger", Access::Edit, create)
        .get("/ledger/{id}", Access::Read, view)
        .get("/ledger/{id}/edit", Access::Edit, edit_page)
        .post("/ledger/{id}", Access::Edit, save)
        .get("/connections", Access::Read, super::connections::list)
        .get("/connections/new", Access::Edit, new_connection)
        .post("/connections", Access::Edit, create_connection)
        .get("/connections/{id}", Access::Read, view_connection)
        .get("/connections/{id}/edit", Access::Edit, edit_connection)
        .post("/connections/{id}", Access::Edit, save_connection)
}

/// One input of the device form, ready for the template.
pub struct FormRow {
    pub name: &'static str,
    pub label: String,
    pub input: &'static str,
    pub value: String,
    pub options: Vec<(&'static str, String)>,
    pub required: bool,
    pub hint: String,
}

fn form_rows(c: &Ctx, kind: &'static RecordKind, value: &dyn Fn(&str) -> String) -> Vec<FormRow> {
    kind.editable()
        .map(|(name, key, kind)| {
            let (input, options, required, hint) = match kind {
                FieldType::Text { required, .. } => ("text", Vec::new(), *required, String::new()),
                FieldType::LongText => ("textarea", Vec::new(), false, String::new()),
                FieldType::Date => ("text", Vec::new(), false, c.t("date-hint-ledger")),
                FieldType::IpList => ("text", Vec::new(), false, c.t("ip-hint")),
                FieldType::MacList => ("text", Vec::new(), false, c.t("mac-hint")),
                FieldType::Choice(choices) => (
                    "select",
                    choices.iter().map(|(v, k)| (*v, c.t(k))).collect(),
                    false,
                    String::new(),
                ),
            };
            FormRow {
                name,
                label: c.t(key),
                input,
                value: value(name),
                options,
                required,
                hint,
            }
        })
        .collect()
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    saved: String,
}

pub struct ListRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub location: String,
    pub department: String,
    pub ip: String,
    pub os: String,
    pub status: String,
    pub retired: bool,
    pub last_confirmed: String,
    pub missing: bool,
}

#[derive(Template)]
#[template(path = "ledger/list.html")]
struct ListPage<'a> {
    c: &'a Ctx,
    rows: Vec<ListRow>,
    total_in_use: i64,
    not_confirmed: i64,
    missing: i64,
    kinds: Vec<(&'static str, String)>,
    statuses: Vec<(&'static str, String)>,
    departments: Vec<String>,
    q: ListQuery,
}

pub fn choice_label(c: &Ctx, device: &Record, field: &str) -> String {
    device
        .choice_key(field)
        .map(|k| c.t(k))
        .unwrap_or_else(|| device.get(field).to_string())
}

async fn list(State(state): State<AppState>, c: Ctx, Query(q): Query<ListQuery>) -> Response {
    let c = c.active("ledger");
    let Some(facility_id) = c.facility_id() else {
        return status_page(&c, WebError::Forbidden);
    };
    let filter = Filter {
        kind: q.kind.clone(),
        department: q.department.clone(),
        status: q.status.clone(),
        text: q.q.clone(),
    };
    let (devices, summary, departments) = match tokio::try_join!(
        store::list(&state.db, facility_id, &filter),
        store::summary(&state.db, facility_id),
        store::departments(&state.db, facility_id),
    ) {
        Ok(found) => found,
        Err(e) => return fail(&c, e),
    };
    let rows = devices
        .iter()
        .map(|d| ListRow {
            id: d.id,
            name: d.name().to_string(),
            kind: choice_label(&c, d, "kind"),
            location: d.get("location").to_string(),
            department: d.get("department").to_string(),
            ip: d.get("ip_addresses").to_string(),
            os: format!("{} {}", d.get("os_name"), d.get("os_version"))
                .trim()
                .to_string(),
            status: choice_label(&c, d, "status"),
            retired: d.get("status") == "retired",
            last_confirmed: c.date(d.get("last_confirmed")),
            missing: !d.missing_key_fields().is_empty() && d.get("status") != "retired",
        })
        .collect();
    let kinds = KINDS.iter().map(|(v, k)| (*v, c.t(k))).collect();
    let statuses = STATUSES.iter().map(|(v, k)| (*v, c.t(k))).collect();
    render(
        &c,
        &ListPage {
            c: &c,
            rows,
            total_in_use: summary.in_use,
            not_confirmed: summary.not_confirmed_12_months,
            missing: summary.missing_key_fields,
            kinds,
            statuses,
            departments,
            q,
        },
    )
}

/// Where a kind of record lives in the UI.
pub struct Section {
    pub kind: &'static RecordKind,
    pub base: &'static str,
    pub nav: &'static str,
    pub list_key: &'static str,
    pub new_key: &'static str,
    pub edit_key: &'static str,
}

pub static DEVICE_PAGES: Section = Section {
    kind: &DEVICES,
    base: "/ledger",
    nav: "ledger",
    list_key: crate::mkey!("ledger-title"),
    new_key: crate::mkey!("device-new"),
    edit_key: crate::mkey!("device-edit"),
};

#[derive(Template)]
#[template(path = "ledger/view.html")]
struct ViewPage<'a> {
    c: &'a Ctx,
    d: Record,
    base: &'static str,
    back_label: String,
    rows: Vec<(String, String)>,
    saved: bool,
    missing: Vec<String>,
}

pub async fn view_record(
    state: &AppState,
    c: Ctx,
    section: &Section,
    id: i64,
    saved: bool,
) -> Response {
    let c = c.active(section.nav);
    let Some(facility_id) = c.facility_id() else {
        return status_page(&c, WebError::Forbidden);
    };
    let d = match store::get_record(&state.db, section.kind, facility_id, id).await {
        Ok(d) => d,
        Err(LedgerError::NotFound) => return status_page(&c, WebError::NotFound),
        Err(e) => return fail(&c, e),
    };
    let rows = section
        .kind
        .editable()
        .map(|(field, key, kind)| {
            let value = match kind {
                FieldType::Choice(_) => choice_label(&c, &d, field),
                FieldType::Date => c.date(d.get(field)),
                _ => d.get(field).to_string(),
            };
            (c.t(key), value)
        })
        .collect();
    let missing = if section.kind == &DEVICES {
        d.missing_key_fields()
            .into_iter()
            .filter_map(model::field_label_key)
            .map(|k| c.t(k))
            .collect()
    } else {
        Vec::new()
    };
    let back_label = c.t(section.list_key);
    render(
        &c,
        &ViewPage {
            c: &c,
            d,
            base: section.base,
            back_label,
            rows,
            saved,
            missing,
        },
    )
}

async fn view(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Response {
    view_record(&state, c, &DEVICE_PAGES, id, q.saved == "1").await
}

#[derive(Template)]
#[template(path = "ledger/form.html")]
struct FormPage<'a> {
    c: &'a Ctx,
    /// None when registering a new record.
    id: Option<i64>,
    base: &'static str,
    title: String,
    rows: Vec<FormRow>,
    updated_at: String,
    errors: FieldErrors,
    conflict: bool,
}

type Submitted = HashMap<String, String>;

fn form_page(
    c: &Ctx,
    section: &Section,
    id: Option<i64>,
    values: &dyn Fn(&str) -> String,
    updated_at: String,
    errors: FieldErrors,
    conflict: bool,
) -> Response {
    let rows = form_rows(c, section.kind, values);
    let title = match id {
        Some(_) => c.t1(section.edit_key, "name", &values("name")),
        None => c.t(section.new_key),
    };
    let failed = errors.any() || conflict;
    let mut response = render(
        c,
        &FormPage {
            c,
            id,
            base: section.base,
            title,
            rows,
            updated_at,
            errors,
            conflict,
        },
    );
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// The empty form, or one filled in from the query (a discovery scan fills the device form).
pub fn new_record_page(c: Ctx, section: &Section, prefill: &HashMap<String, String>) -> Response {
    let c = c.active(section.nav);
    form_page(
        &c,
        section,
        None,
        &|f| prefill.get(f).cloned().unwrap_or_default(),
        String::new(),
        FieldErrors::default(),
        false,
    )
}

async fn new_page(c: Ctx, Query(prefill): Query<HashMap<String, String>>) -> Response {
    new_record_page(c, &DEVICE_PAGES, &prefill)
}

pub async fn edit_record_page(state: &AppState, c: Ctx, section: &Section, id: i64) -> Response {
    let c = c.active(section.nav);
    let Some(facility_id) = c.facility_id() else {
        return status_page(&c, WebError::Forbidden);
    };
    let d = match store::get_record(&state.db, section.kind, facility_id, id).await {
        Ok(d) => d,
        Err(LedgerError::NotFound) => return status_page(&c, WebError::NotFound),
        Err(e) => return fail(&c, e),
    };
    form_page(
        &c,
        section,
        Some(id),
        &|f| d.get(f).to_string(),
        d.updated_at.clone(),
        FieldErrors::default(),
        false,
    )
}

async fn edit_page(State(state): State<AppState>, c: Ctx, Path(id): Path<i64>) -> Response {
    edit_record_page(&state, c, &DEVICE_PAGES, id).await
}

/// Creates (id None) or saves (id Some) a record from a submitted form.
pub async fn submit_record(
    state: &AppState,
    c: Ctx,
    section: &Section,
    id: Option<i64>,
    form: &Submitted,
) -> Response {
    let c = c.active(section.nav);
    let typed = |f: &str| form.get(f).cloned().unwrap_or_default();
    let seen = typed("updated_at");
    let values = match section.kind.validate(&typed) {
        Ok(v) => v,
        Err(problems) => {
            let errors = FieldErrors::from_keys(&c.tr, &problems);
            return form_page(&c, section, id, &typed, seen, errors, false);
        }
    };
    let actor = c.actor();
    let result = match id {
        None => store::create_record(&state.db, &actor, section.kind, &values).await,
        Some(id) => store::update_record(&state.db, &actor, section.kind, id, &values, &seen)
            .await
            .map(|_| id),
    };
    match result {
        Ok(id) => Redirect::to(&format!("{}/{id}?saved=1", section.base)).into_response(),
        Err(LedgerError::Invalid { field, key }) => {
            let errors = FieldErrors::from_keys(&c.tr, &[(field, key)]);
            form_page(&c, section, id, &typed, seen, errors, false)
        }
        Err(LedgerError::Conflict) => {
            form_page(&c, section, id, &typed, seen, FieldErrors::default(), true)
        }
        Err(LedgerError::NotFound) => status_page(&c, WebError::NotFound),
        Err(LedgerError::Forbidden(_)) => status_page(&c, WebError::Forbidden),
        Err(e) => fail(&c, e),
    }
}

async fn create(State(state): State<AppState>, c: Ctx, Form(form): Form<Submitted>) -> Response {
    submit_record(&state, c, &DEVICE_PAGES, None, &form).await
}

async fn save(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Submitted>,
) -> Response {
    submit_record(&state, c, &DEVICE_PAGES, Some(id), &form).await
}

use super::connections::PAGES as CONNECTION_PAGES;

async fn new_connection(c: Ctx, Query(prefill): Query<HashMap<String, String>>) -> Response {
    new_record_page(c, &CONNECTION_PAGES, &prefill)
}

async fn create_connection(
    State(state): State<AppState>,
    c: Ctx,
    Form(form): Form<Submitted>,
) -> Response {
    submit_record(&state, c, &CONNECTION_PAGES, None, &form).await
}

async fn view_connection(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Response {
    view_record(&state, c, &CONNECTION_PAGES, id, q.saved == "1").await
}

async fn edit_connection(State(state): State<AppState>, c: Ctx, Path(id): Path<i64>) -> Response {
    edit_record_page(&state, c, &CONNECTION_PAGES, id).await
}

async fn save_connection(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Submitted>,
) -> Response {
    submit_record(&state, c, &CONNECTION_PAGES, Some(id), &form).await
}

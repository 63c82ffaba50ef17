//! 台帳 pages: device list with filters, device page, register and edit forms.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;

use super::model::{self, Device, FieldType, KINDS, STATUSES};
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

fn form_rows(c: &Ctx, value: &dyn Fn(&str) -> String) -> Vec<FormRow> {
    model::editable_fields()
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

fn facility(c: &Ctx) -> Option<i64> {
    c.user().map(|u| u.facility_id)
}

fn choice_label(c: &Ctx, device: &Device, field: &str) -> String {
    device
        .choice_key(field)
        .map(|k| c.t(k))
        .unwrap_or_else(|| device.get(field).to_string())
}

async fn list(State(state): State<AppState>, c: Ctx, Query(q): Query<ListQuery>) -> Response {
    let c = c.active("ledger");
    let Some(facility_id) = facility(&c) else {
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

#[derive(Template)]
#[template(path = "ledger/view.html")]
struct ViewPage<'a> {
    c: &'a Ctx,
    d: Device,
    rows: Vec<(String, String)>,
    saved: bool,
    missing: Vec<String>,
}

async fn view(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Response {
    let c = c.active("ledger");
    let Some(facility_id) = facility(&c) else {
        return status_page(&c, WebError::Forbidden);
    };
    let d = match store::get(&state.db, facility_id, id).await {
        Ok(d) => d,
        Err(LedgerError::NotFound) => return status_page(&c, WebError::NotFound),
        Err(e) => return fail(&c, e),
    };
    let rows = model::editable_fields()
        .map(|(field, key, kind)| {
            let value = match kind {
                FieldType::Choice(_) => choice_label(&c, &d, field),
                FieldType::Date => c.date(d.get(field)),
                _ => d.get(field).to_string(),
            };
            (c.t(key), value)
        })
        .collect();
    let missing = d
        .missing_key_fields()
        .into_iter()
        .filter_map(model::field_label_key)
        .map(|k| c.t(k))
        .collect();
    render(
        &c,
        &ViewPage {
            c: &c,
            d,
            rows,
            saved: q.saved == "1",
            missing,
        },
    )
}

#[derive(Template)]
#[template(path = "ledger/form.html")]
struct FormPage<'a> {
    c: &'a Ctx,
    /// None when registering a new device.
    id: Option<i64>,
    title: String,
    rows: Vec<FormRow>,
    updated_at: String,
    errors: FieldErrors,
    conflict: bool,
}

/// The empty form, or one filled in from a discovery scan (`/ledger/new?ip_addresses=…`).
async fn new_page(c: Ctx, Query(prefill): Query<HashMap<String, String>>) -> Response {
    let c = c.active("ledger");
    let rows = form_rows(&c, &|f| prefill.get(f).cloned().unwrap_or_default());
    let title = c.t("device-new");
    render(
        &c,
        &FormPage {
            c: &c,
            id: None,
            title,
            rows,
            updated_at: String::new(),
            errors: FieldErrors::default(),
            conflict: false,
        },
    )
}

async fn edit_page(State(state): State<AppState>, c: Ctx, Path(id): Path<i64>) -> Response {
    let c = c.active("ledger");
    let Some(facility_id) = facility(&c) else {
        return status_page(&c, WebError::Forbidden);
    };
    let d = match store::get(&state.db, facility_id, id).await {
        Ok(d) => d,
        Err(LedgerError::NotFound) => return status_page(&c, WebError::NotFound),
        Err(e) => return fail(&c, e),
    };
    let rows = form_rows(&c, &|f| d.get(f).to_string());
    let title = c.t1("device-edit", "name", &d.name());
    render(
        &c,
        &FormPage {
            c: &c,
            id: Some(id),
            title,
            rows,
            updated_at: d.updated_at.clone(),
            errors: FieldErrors::default(),
            conflict: false,
        },
    )
}

type Submitted = HashMap<String, String>;

fn redisplay(
    c: &Ctx,
    id: Option<i64>,
    form: &Submitted,
    errors: FieldErrors,
    conflict: bool,
) -> Response {
    let rows = form_rows(c, &|f| form.get(f).cloned().unwrap_or_default());
    let title = if id.is_some() {
        c.t1(
            "device-edit",
            "name",
            &form.get("name").cloned().unwrap_or_default(),
        )
    } else {
        c.t("device-new")
    };
    let page = FormPage {
        c,
        id,
        title,
        rows,
        updated_at: form.get("updated_at").cloned().unwrap_or_default(),
        errors,
        conflict,
    };
    let mut response = render(c, &page);
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    response
}

fn outcome(
    c: &Ctx,
    id: Option<i64>,
    form: &Submitted,
    result: Result<i64, LedgerError>,
) -> Response {
    match result {
        Ok(id) => Redirect::to(&format!("/ledger/{id}?saved=1")).into_response(),
        Err(LedgerError::Invalid { field, key }) => redisplay(
            c,
            id,
            form,
            FieldErrors::from_keys(&c.tr, &[(field, key)]),
            false,
        ),
        Err(LedgerError::Conflict) => redisplay(c, id, form, FieldErrors::default(), true),
        Err(LedgerError::NotFound) => status_page(c, WebError::NotFound),
        Err(LedgerError::Forbidden(_)) => status_page(c, WebError::Forbidden),
        Err(e) => fail(c, e),
    }
}

async fn create(State(state): State<AppState>, c: Ctx, Form(form): Form<Submitted>) -> Response {
    let c = c.active("ledger");
    let values = match model::validate(&|f| form.get(f).cloned().unwrap_or_default()) {
        Ok(v) => v,
        Err(problems) => {
            return redisplay(
                &c,
                None,
                &form,
                FieldErrors::from_keys(&c.tr, &problems),
                false,
            );
        }
    };
    let result = store::create(&state.db, &c.actor(), &values).await;
    outcome(&c, None, &form, result)
}

async fn save(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Submitted>,
) -> Response {
    let c = c.active("ledger");
    let values = match model::validate(&|f| form.get(f).cloned().unwrap_or_default()) {
        Ok(v) => v,
        Err(problems) => {
            return redisplay(
                &c,
                Some(id),
                &form,
                FieldErrors::from_keys(&c.tr, &problems),
                false,
            );
        }
    };
    let seen = form.get("updated_at").cloned().unwrap_or_default();
    let result = store::update(&state.db, &c.actor(), id, &values, &seen)
        .await
        .map(|_| id);
    outcome(&c, Some(id), &form, result)
}

//! 項目の追加 (admin): fields a hospital adds to devices, systems, segments or connection
//! points — a name and a type — shown in the forms, record pages, import and export.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::model::{CUSTOM_TYPES, CustomField, kinds};
use super::store::{self, LedgerError};
use crate::kernel::{PageResult, RoomError};
use crate::web::errors::render;
use crate::web::{Access, AppState, Ctx, Hall, RouteTable};

pub fn routes(table: RouteTable) -> RouteTable {
    table
        .get("/ledger/fields", Access::Admin, index)
        .post("/ledger/fields", Access::Admin, add)
        .post("/ledger/fields/{id}/delete", Access::Admin, remove)
}

pub struct KindFields {
    pub label: String,
    pub fields: Vec<(CustomField, String)>,
}

#[derive(Template)]
#[template(path = "ledger/fields.html")]
struct FieldsPage<'a> {
    c: &'a Ctx,
    kinds: Vec<(&'static str, String)>,
    types: Vec<(&'static str, String)>,
    existing: Vec<KindFields>,
    error: String,
    name: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AddForm {
    record_table: String,
    name: String,
    field_type: String,
}

fn kind_label(c: &Ctx, entity: &str) -> String {
    crate::web::audit_pages::entity_key(entity)
        .map(|k| c.t(k))
        .unwrap_or_default()
}

async fn page(state: &AppState, c: &Ctx, error: String, name: String) -> PageResult {
    let facility_id = c.facility()?;
    let mut existing = Vec::new();
    for kind in kinds() {
        let fields = store::custom_fields(&state.db, facility_id, kind.table).await?;
        existing.push(KindFields {
            label: kind_label(c, kind.entity),
            fields: fields
                .into_iter()
                .map(|f| {
                    let type_label = CUSTOM_TYPES
                        .iter()
                        .find(|(t, _)| *t == f.field_type)
                        .map(|(_, k)| c.t(k))
                        .unwrap_or_default();
                    (f, type_label)
                })
                .collect(),
        });
    }
    let failed = !error.is_empty();
    let mut response = render(&FieldsPage {
        c,
        kinds: kinds()
            .iter()
            .map(|k| (k.table, kind_label(c, k.entity)))
            .collect(),
        types: CUSTOM_TYPES.iter().map(|(t, k)| (*t, c.t(k))).collect(),
        existing,
        error,
        name,
    })?;
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

async fn index(State(state): State<AppState>, c: Ctx) -> PageResult {
    let c = c.active("ledger");
    page(&state, &c, String::new(), String::new()).await
}

async fn add(Hall(state, c): Hall, Form(form): Form<AddForm>) -> PageResult {
    let c = c.active("ledger");
    Ok(
        match store::add_custom_field(
            &state.db,
            &c.actor(),
            &form.record_table,
            &form.name,
            &form.field_type,
        )
        .await
        {
            Ok(_) => Redirect::to("/ledger/fields").into_response(),
            Err(LedgerError::Invalid { key, .. }) => page(&state, &c, c.t(key), form.name).await?,
            Err(LedgerError::Forbidden(_)) => return Err(RoomError::Forbidden),
            Err(e) => return Err(e.into()),
        },
    )
}

async fn remove(Hall(state, c): Hall, Path(id): Path<i64>) -> PageResult {
    Ok(
        match store::remove_custom_field(&state.db, &c.actor(), id).await {
            Ok(()) => Redirect::to("/ledger/fields").into_response(),
            Err(LedgerError::NotFound) => return Err(RoomError::NotFound),
            Err(LedgerError::Forbidden(_)) => return Err(RoomError::Forbidden),
            Err(e) => return Err(e.into()),
        },
    )
}

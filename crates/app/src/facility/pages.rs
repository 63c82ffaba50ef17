//! 医療機関情報 pages: view, edit, and a printable A4 sheet for the inspection.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::model::{Facility, FacilityForm};
use super::store::{self, FacilityError};
use crate::kernel::{PageResult, RoomError};
use crate::web::ctx::FieldErrors;
use crate::web::errors::render;
use crate::web::{Access, AppState, Ctx, Hall, RouteTable};

pub fn routes(table: RouteTable) -> RouteTable {
    table
        .get("/facility", Access::Read, view)
        .get("/facility/edit", Access::Edit, edit)
        .post("/facility", Access::Edit, save)
}

#[derive(Template)]
#[template(path = "facility/view.html")]
struct ViewPage<'a> {
    c: &'a Ctx,
    f: Facility,
    saved: bool,
    sm_gaps: Vec<String>,
    profile_gaps: Vec<String>,
}

#[derive(Template)]
#[template(path = "facility/edit.html")]
struct EditPage<'a> {
    c: &'a Ctx,
    form: FacilityForm,
    updated_at: String,
    errors: FieldErrors,
    conflict: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ViewQuery {
    saved: String,
}

async fn load(state: &AppState, c: &Ctx) -> Result<Facility, RoomError> {
    store::get(&state.db, c.facility()?)
        .await?
        .ok_or(RoomError::NotFound)
}

async fn view(Hall(state, c): Hall, Query(q): Query<ViewQuery>) -> PageResult {
    let c = c.active("facility");
    let f = load(&state, &c).await?;
    let sm_gaps = f
        .security_manager_gaps()
        .into_iter()
        .map(|k| c.t(k))
        .collect();
    let profile_gaps = f.profile_gaps().into_iter().map(|k| c.t(k)).collect();
    render(&ViewPage {
        c: &c,
        f,
        saved: q.saved == "1",
        sm_gaps,
        profile_gaps,
    })
}

async fn edit(State(state): State<AppState>, c: Ctx) -> PageResult {
    let c = c.active("facility");
    let f = load(&state, &c).await?;
    render(&EditPage {
        c: &c,
        form: FacilityForm::from_facility(&f),
        updated_at: f.updated_at,
        errors: FieldErrors::default(),
        conflict: false,
    })
}

#[derive(Deserialize)]
struct SaveForm {
    #[serde(flatten)]
    form: FacilityForm,
    #[serde(default)]
    updated_at: String,
}

async fn save(Hall(state, c): Hall, Form(submitted): Form<SaveForm>) -> PageResult {
    let c = c.active("facility");
    let current = load(&state, &c).await?;
    let form = submitted.form;
    let again = |errors: FieldErrors, conflict: bool, updated_at: String| {
        let page = EditPage {
            c: &c,
            form: form.clone(),
            updated_at,
            errors,
            conflict,
        };
        let mut response = render(&page)?;
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        Ok::<_, RoomError>(response)
    };
    let new = match form.validate(&current) {
        Ok(new) => new,
        Err(problems) => {
            return again(
                FieldErrors::from_keys(&c.tr, &problems),
                false,
                submitted.updated_at,
            );
        }
    };
    Ok(
        match store::update(&state.db, &c.actor(), &new, &submitted.updated_at).await {
            Ok(_) => Redirect::to("/facility?saved=1").into_response(),
            Err(FacilityError::Conflict) => {
                again(FieldErrors::default(), true, current.updated_at)?
            }
            Err(FacilityError::Forbidden(_)) => return Err(RoomError::Forbidden),
            Err(FacilityError::NotFound) => return Err(RoomError::NotFound),
            Err(e) => return Err(e.into()),
        },
    )
}

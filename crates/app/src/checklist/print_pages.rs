//! Paper and files: the official-layout print, blank forms, xlsx/CSV exports and the
//! 立入検査用資料.

use axum::extract::{Path, Query};
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::evidence_pages::disposition;
use super::forms::{self};
use super::pages::{YearQuery, year_of};
use super::print;
use super::store::ChecklistError;
use super::view::{self};
use crate::kernel::{PageResult, RoomError};
use crate::web::Hall;
use crate::web::errors::render;

pub(super) async fn print_form(Hall(state, c): Hall, Path(id): Path<i64>) -> PageResult {
    let v = view::form_view(&state.db, &c.actor(), id, crate::kernel::today_jst()).await?;
    let page = print::form_page(&c, &v.master, Some(&v), format!("/checklist/forms/{id}"));
    render(&page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct BlankQuery {
    version: String,
    form: String,
}

pub(super) async fn blank(Hall(state, c): Hall, Query(q): Query<BlankQuery>) -> PageResult {
    let form = if q.form.is_empty() {
        "hospital"
    } else {
        &q.form
    };
    Ok(
        match forms::find_master(&state.db, &q.version, form).await {
            Ok(m) => render(&print::form_page(&c, &m, None, "/checklist".to_string()))?,
            Err(e) => return Err(e.into()),
        },
    )
}

pub(super) fn download(content_type: &str, file: &str, bytes: Vec<u8>) -> PageResult {
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition("attachment", file)),
        ],
        bytes,
    )
        .into_response())
}

pub(super) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ExportQuery {
    format: String,
}

pub(super) async fn export_form(
    Hall(state, c): Hall,
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

pub(super) async fn export_year(Hall(state, c): Hall, Query(q): Query<YearQuery>) -> PageResult {
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

pub(super) async fn pack(Hall(state, c): Hall, Query(q): Query<YearQuery>) -> PageResult {
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
            Ok(page) => render(&page)?,
            Err(e) => return Err(e.into()),
        },
    )
}

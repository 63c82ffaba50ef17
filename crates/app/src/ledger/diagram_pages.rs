//! 構成図 page: the diagram drawn from the ledger, to print on A3 or A4 landscape or save as SVG.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::connections::CONNECTIONS;
use super::diagram::{Input, draw};
use super::model::DEVICES;
use super::store::{LedgerError, list_all};
use super::systems::{SEGMENTS, SYSTEMS};
use crate::kernel::PageResult;
use crate::web::errors::render;
use crate::web::{Access, AppState, Ctx, Hall, RouteTable};

pub fn routes(table: RouteTable) -> RouteTable {
    table
        .get("/diagram", Access::Read, page)
        .get("/diagram.svg", Access::Read, svg_file)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DiagramQuery {
    paper: String,
}

#[derive(Template)]
#[template(path = "ledger/diagram.html")]
struct DiagramPage<'a> {
    c: &'a Ctx,
    svg: String,
    paper: &'static str,
}

async fn drawing(state: &AppState, c: &Ctx, facility_id: i64) -> Result<String, LedgerError> {
    let (segments, devices, systems, connections, facility) = tokio::try_join!(
        list_all(&state.db, &SEGMENTS, facility_id),
        list_all(&state.db, &DEVICES, facility_id),
        list_all(&state.db, &SYSTEMS, facility_id),
        list_all(&state.db, &CONNECTIONS, facility_id),
        async {
            crate::facility::api::get(&state.db, facility_id)
                .await
                .map_err(LedgerError::from)
        },
    )?;
    let name = facility.map(|f| f.name).unwrap_or_default();
    let title = format!(
        "{}　{}",
        c.t1("diagram-heading", "facility", &name),
        c.t1(
            "diagram-printed",
            "date",
            &c.date(&crate::kernel::time::today_jst_text())
        ),
    );
    Ok(draw(
        &Input {
            title: &title,
            segments: &segments,
            devices: &devices,
            systems: &systems,
            connections: &connections,
        },
        c.tr,
    ))
}

async fn page(Hall(state, c): Hall, Query(q): Query<DiagramQuery>) -> PageResult {
    let c = c.active("diagram");
    let facility_id = c.facility()?;
    let svg = drawing(&state, &c, facility_id).await?;
    render(&DiagramPage {
        c: &c,
        svg,
        paper: if q.paper == "a4" { "a4" } else { "a3" },
    })
}

async fn svg_file(State(state): State<AppState>, c: Ctx) -> PageResult {
    let facility_id = c.facility()?;
    Ok(match drawing(&state, &c, facility_id).await {
        Ok(svg) => (
            [
                (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"mamori-diagram.svg\"",
                ),
            ],
            svg,
        )
            .into_response(),
        Err(e) => return Err(e.into()),
    })
}

//! 取り込み・書き出し pages. Import in four steps: upload a spreadsheet, check which column is which
//! field, read every problem per row and column in the preview, then commit all rows in one
//! transaction or cancel. Export the ledger to `.xlsx` or `.csv` (UTF-8 or CP932).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query};
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use mamori_formats::table::{self, Source, Table};
use serde::Deserialize;

use super::export::{self, Format};
use super::import::{self, ID_FIELD, Plan, RowStatus};
use super::import_store::{self, Mode};
use super::model::{
    CustomField, FieldType, RecordKind, choice_label_key, custom_id, kind_by_table,
};
use crate::kernel::upload::read_upload;
use crate::kernel::{PageResult, RoomError};
use crate::web::errors::render;
use crate::web::session::UPLOAD_LIMIT;
use crate::web::{Access, AppState, Ctx, Hall, RouteTable};

/// The kinds a spreadsheet can fill.
const IMPORTABLE: [&str; 3] = ["devices", "systems", "segments"];
/// How long an uploaded file waits for its commit.
const PENDING_FOR: Duration = Duration::from_secs(60 * 60);
/// Most uploads waiting at once (each holds a parsed file in memory).
const MOST_PENDING: usize = 16;
/// Rows without problems shown in the preview; all rows with problems are always shown.
const PREVIEW_ROWS: usize = 300;

pub fn routes(table: RouteTable) -> RouteTable {
    table
        .get("/ledger/import", Access::Read, index)
        .post("/ledger/import", Access::Edit, upload)
        .get("/ledger/import/{token}", Access::Edit, preview)
        .post("/ledger/import/{token}/mapping", Access::Edit, remap)
        .post("/ledger/import/{token}/commit", Access::Edit, commit)
        .post("/ledger/import/{token}/cancel", Access::Edit, cancel)
        .get("/ledger/export", Access::Read, download)
}

/// An uploaded file between upload and commit, held in memory only.
pub struct PendingImport {
    user_id: i64,
    kind: &'static RecordKind,
    file_name: String,
    table: Table,
    mapping: Vec<Option<&'static str>>,
    custom: Vec<CustomField>,
    created: Instant,
}

/// Uploads waiting for their commit, by token.
#[derive(Default)]
pub struct PendingImports(Mutex<HashMap<String, PendingImport>>);

impl PendingImports {
    fn insert(&self, import: PendingImport) -> String {
        let token = crate::auth::secrets::random_token();
        let mut all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        all.retain(|_, p| p.created.elapsed() < PENDING_FOR);
        if all.len() >= MOST_PENDING
            && let Some(oldest) = all
                .iter()
                .min_by_key(|(_, p)| p.created)
                .map(|(k, _)| k.clone())
        {
            all.remove(&oldest);
        }
        all.insert(token.clone(), import);
        token
    }

    /// A copy of the user's own pending import.
    fn get(&self, token: &str, user_id: i64) -> Option<PendingImport> {
        let all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        all.get(token)
            .filter(|p| p.user_id == user_id && p.created.elapsed() < PENDING_FOR)
            .map(|p| PendingImport {
                user_id: p.user_id,
                kind: p.kind,
                file_name: p.file_name.clone(),
                table: p.table.clone(),
                mapping: p.mapping.clone(),
                custom: p.custom.clone(),
                created: p.created,
            })
    }

    fn set_mapping(&self, token: &str, user_id: i64, mapping: Vec<Option<&'static str>>) {
        let mut all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = all.get_mut(token).filter(|p| p.user_id == user_id) {
            p.mapping = mapping;
        }
    }

    fn remove(&self, token: &str, user_id: i64) {
        let mut all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if all.get(token).is_some_and(|p| p.user_id == user_id) {
            all.remove(token);
        }
    }
}

#[derive(Template)]
#[template(path = "ledger/import.html")]
struct IndexPage<'a> {
    c: &'a Ctx,
    kinds: Vec<(&'static str, String)>,
    error: String,
}

fn kind_choices(c: &Ctx) -> Vec<(&'static str, String)> {
    IMPORTABLE
        .iter()
        .filter_map(|t| kind_by_table(t))
        .map(|k| {
            (
                k.table,
                crate::web::audit_pages::entity_key(k.entity)
                    .map(|key| c.t(key))
                    .unwrap_or_default(),
            )
        })
        .collect()
}

fn index_page(c: &Ctx, error: String) -> PageResult {
    let failed = !error.is_empty();
    let mut response = render(&IndexPage {
        c,
        kinds: kind_choices(c),
        error,
    })?;
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

async fn index(c: Ctx) -> PageResult {
    let c = c.active("import");
    index_page(&c, String::new())
}

async fn upload(Hall(state, c): Hall, mut multipart: Multipart) -> PageResult {
    let c = c.active("import");
    let (Some(user), Some(facility_id)) = (c.user().map(|u| u.id), c.facility_id()) else {
        return Err(RoomError::Forbidden);
    };
    let spool = state.upload_dir();
    let upload = match read_upload(&mut multipart, &spool, "file", "ledger", UPLOAD_LIMIT).await {
        Ok(upload) => upload,
        Err(e) => return index_page(&c, format!("{}: {e}", c.t("import-upload-failed"))),
    };
    let kind_name = upload.field("kind").unwrap_or("devices").to_string();
    let file = upload.non_empty_file();
    let Some(kind) = IMPORTABLE
        .contains(&kind_name.as_str())
        .then(|| kind_by_table(&kind_name))
        .flatten()
    else {
        return index_page(&c, c.t("import-kind-unknown"));
    };
    let Some(mut file) = file else {
        return index_page(&c, c.t("import-file-required"));
    };
    let file_name = file.name.clone();
    let bytes = std::mem::take(&mut file.bytes);
    let table = match tokio::task::spawn_blocking(move || table::read(&bytes)).await {
        Ok(Ok(table)) => table,
        Ok(Err(e)) => {
            return index_page(&c, format!("{file_name}: {}", table_error_text(&c, &e)));
        }
        Err(e) => return Err(RoomError::internal(e)),
    };
    let (remembered, custom) = tokio::try_join!(
        import_store::remembered_mapping(&state.db, facility_id, kind),
        super::store::custom_fields(&state.db, facility_id, kind.table),
    )?;
    let mapping = import::auto_map(kind, &custom, &table.headers, &remembered);
    let token = state.shared::<PendingImports>().insert(PendingImport {
        user_id: user,
        kind,
        file_name,
        table,
        mapping,
        custom,
        created: Instant::now(),
    });
    Ok(Redirect::to(&format!("/ledger/import/{token}")).into_response())
}

/// A file-level problem in the reader's language, with what to do.
fn table_error_text(c: &Ctx, e: &table::TableError) -> String {
    use table::TableError as E;
    match e {
        E::Empty => c.t("import-error-empty"),
        E::UnsupportedSpreadsheet => c.t("import-error-xls"),
        E::BrokenXlsx(detail) => format!("{} ({detail})", c.t("import-error-broken")),
        E::TooLarge => c.t("import-error-too-large"),
        E::TooMuchText => c.t("import-error-too-much-text"),
        E::TooManyRows => c.t1("import-error-rows", "count", &table::MAX_ROWS),
        E::TooManyColumns { row } => c.t1("import-error-columns", "row", row),
        E::CellTooLong { row, column } => c.t1(
            "import-error-cell",
            "cell",
            &format!("{}{row}", table::column_letter(column.saturating_sub(1))),
        ),
        E::UnknownEncoding { line } => c.t1("import-error-encoding", "line", line),
        E::Csv { line, message } => {
            format!("{} ({message})", c.t1("import-error-csv", "line", line))
        }
    }
}

pub struct ColumnRow {
    pub index: usize,
    pub letter: String,
    pub header: String,
    pub sample: String,
    pub chosen: String,
}

pub struct ProblemRow {
    pub place: String,
    pub text: String,
}

pub struct PreviewRow {
    pub line: usize,
    pub status: &'static str,
    pub status_label: String,
    pub label: String,
    pub existing: Option<i64>,
    pub detail: String,
    pub problems: Vec<ProblemRow>,
}

#[derive(Template)]
#[template(path = "ledger/import_preview.html")]
struct PreviewPage<'a> {
    c: &'a Ctx,
    token: String,
    file_name: String,
    source: String,
    kind_label: String,
    base: &'static str,
    columns: Vec<ColumnRow>,
    targets: Vec<(&'static str, String)>,
    total: usize,
    new: usize,
    changed: usize,
    unchanged: usize,
    errors: usize,
    problem_count: usize,
    rows: Vec<PreviewRow>,
    hidden_rows: usize,
    name_missing: bool,
    notice: String,
}

fn target_label(c: &Ctx, kind: &RecordKind, custom: &[CustomField], field: &str) -> String {
    if field == ID_FIELD {
        c.t("import-id-column")
    } else if let Some(id) = custom_id(field) {
        custom
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.name.clone())
            .unwrap_or_default()
    } else {
        kind.label_key(field).map(|k| c.t(k)).unwrap_or_default()
    }
}

fn status_of(c: &Ctx, status: &RowStatus) -> (&'static str, String) {
    match status {
        RowStatus::New => ("new", c.t("import-status-new")),
        RowStatus::Changed => ("changed", c.t("import-status-changed")),
        RowStatus::Unchanged => ("unchanged", c.t("import-status-unchanged")),
        RowStatus::Error => ("error", c.t("import-status-error")),
    }
}

fn preview_page(
    c: &Ctx,
    token: &str,
    pending: &PendingImport,
    plan: &Plan,
    notice: String,
) -> PageResult {
    let kind = pending.kind;
    let t = &pending.table;
    let columns = t
        .headers
        .iter()
        .enumerate()
        .map(|(index, header)| ColumnRow {
            index,
            letter: table::column_letter(index),
            header: header.clone(),
            sample: t
                .rows
                .iter()
                .map(|r| r.get(index).map(|s| s.trim()).unwrap_or(""))
                .find(|s| !s.is_empty())
                .unwrap_or("")
                .chars()
                .take(40)
                .collect(),
            chosen: pending
                .mapping
                .get(index)
                .copied()
                .flatten()
                .unwrap_or("")
                .to_string(),
        })
        .collect();
    let targets = import::targets(kind, &pending.custom)
        .into_iter()
        .map(|f| (f, target_label(c, kind, &pending.custom, f)))
        .collect();
    let mut shown_ok = 0;
    let mut rows = Vec::new();
    for row in &plan.rows {
        if row.status != RowStatus::Error {
            if row.status == RowStatus::Unchanged || shown_ok >= PREVIEW_ROWS {
                continue;
            }
            shown_ok += 1;
        }
        let (status, status_label) = status_of(c, &row.status);
        // What will be stored, as the ledger will show it: choices by their label, dates in the
        // page's style (the file may have said 「R9.3.31」 or 「サーバー」).
        let shown = |field: &str, value: &str| -> String {
            if value.is_empty() {
                return "—".to_string();
            }
            match kind.field(field).map(|(_, _, t)| t) {
                Some(FieldType::Choice(choices)) => choice_label_key(choices, value)
                    .map(|k| c.t(k))
                    .unwrap_or_else(|| value.to_string()),
                Some(FieldType::Date) => c.date(value),
                _ => value.to_string(),
            }
        };
        let detail = match row.status {
            RowStatus::Changed => row
                .changes
                .iter()
                .map(|ch| {
                    format!(
                        "{}: {} → {}",
                        target_label(c, kind, &pending.custom, &ch.field),
                        shown(&ch.field, &ch.before),
                        shown(&ch.field, &ch.after)
                    )
                })
                .collect::<Vec<_>>()
                .join(" / "),
            RowStatus::New => row
                .changes
                .iter()
                .filter(|ch| !ch.after.is_empty() && ch.field != "name")
                .map(|ch| {
                    format!(
                        "{}: {}",
                        target_label(c, kind, &pending.custom, &ch.field),
                        shown(&ch.field, &ch.after)
                    )
                })
                .collect::<Vec<_>>()
                .join(" / "),
            _ => String::new(),
        };
        rows.push(PreviewRow {
            line: row.line,
            status,
            status_label,
            label: row.label.clone(),
            existing: row.existing,
            detail,
            problems: row
                .problems
                .iter()
                .map(|p| ProblemRow {
                    place: import::problem_place(kind, &t.headers, row.line, p, c.tr),
                    text: import::problem_text(kind, p, c.tr),
                })
                .collect(),
        });
    }
    let listed = plan.rows.len() - plan.count(RowStatus::Unchanged);
    let source = match &t.source {
        Source::Xlsx { sheet } => c.t1("import-source-xlsx", "sheet", sheet),
        Source::Csv { encoding } => c.t1("import-source-csv", "encoding", &encoding.label()),
    };
    let failed = plan.has_errors();
    let mut response = render(&PreviewPage {
        c,
        token: token.to_string(),
        file_name: pending.file_name.clone(),
        source,
        kind_label: crate::web::audit_pages::entity_key(kind.entity)
            .map(|k| c.t(k))
            .unwrap_or_default(),
        base: kind.base,
        columns,
        targets,
        total: plan.rows.len(),
        new: plan.count(RowStatus::New),
        changed: plan.count(RowStatus::Changed),
        unchanged: plan.count(RowStatus::Unchanged),
        errors: plan.count(RowStatus::Error),
        problem_count: plan.problems().count(),
        hidden_rows: listed.saturating_sub(rows.len()),
        rows,
        name_missing: !pending.mapping.contains(&Some("name"))
            && !pending.mapping.contains(&Some(ID_FIELD)),
        notice,
    })?;
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

async fn check_and_show(state: &AppState, c: &Ctx, token: &str, notice: String) -> PageResult {
    let Some(pending) = pending_of(state, c, token)? else {
        return index_page(c, c.t("import-expired"));
    };
    let plan = run_pending(state, c, &pending, Mode::Check).await?;
    preview_page(c, token, &pending, &plan, notice)
}

/// The signed-in user's upload waiting under `token`, if it has not expired.
fn pending_of(state: &AppState, c: &Ctx, token: &str) -> Result<Option<PendingImport>, RoomError> {
    let user = c.user().map(|u| u.id).ok_or(RoomError::Forbidden)?;
    Ok(state.shared::<PendingImports>().get(token, user))
}

async fn run_pending(
    state: &AppState,
    c: &Ctx,
    pending: &PendingImport,
    mode: Mode,
) -> Result<Plan, RoomError> {
    Ok(import_store::run(
        &state.db,
        &c.actor(),
        pending.kind,
        &pending.table,
        &pending.mapping,
        &pending.file_name,
        mode,
        &|_| {},
    )
    .await?)
}

async fn preview(Hall(state, c): Hall, Path(token): Path<String>) -> PageResult {
    let c = c.active("import");
    check_and_show(&state, &c, &token, String::new()).await
}

async fn remap(
    Hall(state, c): Hall,
    Path(token): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let c = c.active("import");
    let (Some(user), Some(facility_id)) = (c.user().map(|u| u.id), c.facility_id()) else {
        return Err(RoomError::Forbidden);
    };
    let Some(pending) = state.shared::<PendingImports>().get(&token, user) else {
        return index_page(&c, c.t("import-expired"));
    };
    let mut mapping: Vec<Option<&'static str>> = vec![None; pending.table.headers.len()];
    for (name, value) in &form {
        let Some(index) = name
            .strip_prefix("col")
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        if index < mapping.len() {
            mapping[index] = import::target(pending.kind, &pending.custom, value);
        }
    }
    // One column per field: a later duplicate is dropped, and the preview shows it unmapped.
    let mut notice = String::new();
    for i in 0..mapping.len() {
        if let Some(f) = mapping[i]
            && mapping[..i].contains(&Some(f))
        {
            mapping[i] = None;
            notice = c.t("import-mapping-duplicate");
        }
    }
    let remembered: HashMap<String, String> = pending
        .table
        .headers
        .iter()
        .zip(&mapping)
        .filter(|(h, _)| !h.trim().is_empty())
        .map(|(h, m)| (import::normalize(h), m.unwrap_or("").to_string()))
        .collect();
    if let Err(e) =
        import_store::remember_mapping(&state.db, facility_id, pending.kind, &remembered).await
    {
        return Err(RoomError::internal(e));
    }
    state
        .shared::<PendingImports>()
        .set_mapping(&token, user, mapping);
    Ok(if notice.is_empty() {
        Redirect::to(&format!("/ledger/import/{token}")).into_response()
    } else {
        check_and_show(&state, &c, &token, notice).await?
    })
}

#[derive(Template)]
#[template(path = "ledger/import_done.html")]
struct DonePage<'a> {
    c: &'a Ctx,
    file_name: String,
    base: &'static str,
    new: usize,
    changed: usize,
    unchanged: usize,
}

async fn commit(Hall(state, c): Hall, Path(token): Path<String>) -> PageResult {
    let c = c.active("import");
    let Some(pending) = pending_of(&state, &c, &token)? else {
        return index_page(&c, c.t("import-expired"));
    };
    let plan = run_pending(&state, &c, &pending, Mode::Commit).await?;
    if plan.has_errors() {
        return preview_page(&c, &token, &pending, &plan, c.t("import-not-written"));
    }
    if let Some(user) = c.user() {
        state.shared::<PendingImports>().remove(&token, user.id);
    }
    render(&DonePage {
        c: &c,
        file_name: pending.file_name,
        base: pending.kind.base,
        new: plan.count(RowStatus::New),
        changed: plan.count(RowStatus::Changed),
        unchanged: plan.count(RowStatus::Unchanged),
    })
}

async fn cancel(Hall(state, c): Hall, Path(token): Path<String>) -> PageResult {
    if let Some(user) = c.user().map(|u| u.id) {
        state.shared::<PendingImports>().remove(&token, user);
    }
    Ok(Redirect::to("/ledger/import").into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExportQuery {
    kind: String,
    format: String,
    encoding: String,
}

async fn download(Hall(state, c): Hall, Query(q): Query<ExportQuery>) -> PageResult {
    let c = c.active("import");
    let facility_id = c.facility()?;
    let table_name = if q.kind.is_empty() {
        "devices"
    } else {
        &q.kind
    };
    let (Some(kind), Some(format)) = (
        IMPORTABLE
            .contains(&table_name)
            .then(|| kind_by_table(table_name))
            .flatten(),
        Format::parse(
            if q.format.is_empty() {
                "xlsx"
            } else {
                &q.format
            },
            &q.encoding,
        ),
    ) else {
        return Err(RoomError::NotFound);
    };
    let (headers, rows) = import_store::export_table(&state.db, facility_id, kind, c.tr).await?;
    let sheet = crate::web::audit_pages::entity_key(kind.entity)
        .map(|k| c.t(k))
        .unwrap_or_else(|| kind.table.to_string());
    Ok(match export::write(format, &sheet, &headers, &rows) {
        Ok(bytes) => {
            let date = chrono::Utc::now()
                .with_timezone(&crate::i18n::jst())
                .format("%Y%m%d");
            let file = format!("mamori-{}-{date}.{}", kind.table, format.extension());
            (
                [
                    (header::CONTENT_TYPE, format.content_type().to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{file}\""),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => index_page(&c, format!("{} ({e})", c.t("export-failed")))?,
    })
}

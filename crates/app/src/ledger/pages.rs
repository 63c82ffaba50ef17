//! 台帳 pages: device list with filters, device page, register and edit forms.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use std::collections::HashMap;

use super::model::{self, DEVICES, FieldType, KINDS, Record, RecordKind, STATUSES};
use super::store::{self, Filter, LedgerError};
use crate::kernel::{PageResult, RoomError};
use crate::web::ctx::FieldErrors;
use crate::web::errors::render;
use crate::web::{Access, AppState, Ctx, Hall, RouteTable};

pub fn routes(table: RouteTable) -> RouteTable {
    use super::systems::{list_segments, list_systems};
    let table = table
        .get("/ledger", Access::Read, list)
        .get("/ledger/print", Access::Read, print)
        .get("/connections", Access::Read, super::connections::list)
        .get("/systems", Access::Read, list_systems)
        .get("/segments", Access::Read, list_segments);
    macro_rules! record_routes {
        ($table:expr, $base:literal, $handlers:ident) => {
            $table
                .get(concat!($base, "/new"), Access::Edit, $handlers::new)
                .post($base, Access::Edit, $handlers::create)
                .get(concat!($base, "/{id}"), Access::Read, $handlers::view)
                .get(concat!($base, "/{id}/edit"), Access::Edit, $handlers::edit)
                .post(concat!($base, "/{id}"), Access::Edit, $handlers::save)
        };
    }
    let table = record_routes!(table, "/ledger", device_handlers);
    let table = record_routes!(table, "/connections", connection_handlers);
    let table = record_routes!(table, "/systems", system_handlers);
    record_routes!(table, "/segments", segment_handlers)
}

/// One input of the record form, ready for the template.
pub struct FormRow {
    pub name: &'static str,
    pub label: String,
    /// text, textarea, select or checkboxes.
    pub input: &'static str,
    pub value: String,
    pub options: Vec<(String, String)>,
    pub required: bool,
    pub hint: String,
}

impl FormRow {
    /// Whether an option is chosen; checkbox lists hold several space-separated values.
    pub fn chosen(&self, option: &str) -> bool {
        self.value.split(' ').any(|v| v == option)
    }
}

/// The records each reference field can point to, by table.
pub type RefOptions = Vec<(&'static str, Vec<Record>)>;

fn form_rows(
    c: &Ctx,
    kind: &'static RecordKind,
    refs: &RefOptions,
    custom: &[model::CustomField],
    value: &dyn Fn(&str) -> String,
) -> Vec<FormRow> {
    let mut rows: Vec<FormRow> = kind
        .editable()
        .map(|(name, key, kind)| {
            let (input, options, required, hint) = match kind {
                FieldType::Text { required, .. } => ("text", Vec::new(), *required, String::new()),
                FieldType::LongText => ("textarea", Vec::new(), false, String::new()),
                FieldType::Date => ("text", Vec::new(), false, c.t("date-hint-ledger")),
                FieldType::IpList => ("text", Vec::new(), false, c.t("ip-hint")),
                FieldType::MacList => ("text", Vec::new(), false, c.t("mac-hint")),
                FieldType::CidrList => ("text", Vec::new(), false, c.t("cidr-hint")),
                FieldType::CpeList => ("textarea", Vec::new(), false, c.t("cpe-hint")),
                FieldType::Choice(choices) => (
                    "select",
                    choices
                        .iter()
                        .map(|(v, k)| (v.to_string(), c.t(k)))
                        .collect(),
                    false,
                    String::new(),
                ),
                FieldType::Ref { table, multiple } => {
                    let mut options: Vec<(String, String)> = refs
                        .iter()
                        .filter(|(t, _)| t == table)
                        .flat_map(|(_, records)| records.iter())
                        .map(|r| (r.id.to_string(), r.name().to_string()))
                        .collect();
                    let hint = if options.is_empty() {
                        c.t("ref-none-yet")
                    } else {
                        String::new()
                    };
                    if *multiple {
                        ("checkboxes", options, false, hint)
                    } else {
                        options.insert(0, (String::new(), c.t("ref-not-set")));
                        ("select", options, false, hint)
                    }
                }
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
        .collect();
    rows.extend(custom.iter().map(|field| {
        let (input, options, hint) = match field.field_type.as_str() {
            "date" => ("text", Vec::new(), c.t("date-hint-ledger")),
            "yesno" => (
                "select",
                std::iter::once((String::new(), c.t("ref-not-set")))
                    .chain(model::YES_NO.iter().map(|(v, k)| (v.to_string(), c.t(k))))
                    .collect(),
                String::new(),
            ),
            "number" => ("text", Vec::new(), c.t("number-hint")),
            _ => ("text", Vec::new(), String::new()),
        };
        FormRow {
            name: field.key(),
            label: field.name.clone(),
            input,
            value: value(field.key()),
            options,
            required: false,
            hint,
        }
    }));
    rows
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    kind: String,
    department: String,
    status: String,
    q: String,
    system: String,
    page: String,
    saved: String,
}

/// Rows per page of the device list.
const PAGE_SIZE: i64 = 100;

impl ListQuery {
    fn filter(&self) -> Filter {
        Filter {
            kind: self.kind.clone(),
            department: self.department.clone(),
            status: self.status.clone(),
            text: self.q.clone(),
            system: self.system.clone(),
            ..Filter::default()
        }
    }

    /// The same filters as a query string, for paging and printing.
    fn query_string(&self, page: Option<i64>) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("kind", &self.kind),
            ("department", &self.department),
            ("status", &self.status),
            ("q", &self.q),
            ("system", &self.system),
        ] {
            if !v.is_empty() {
                out.append_pair(k, v);
            }
        }
        if let Some(p) = page {
            out.append_pair("page", &p.to_string());
        }
        out.finish()
    }
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
    systems: Vec<(String, String)>,
    q: ListQuery,
    matched: i64,
    range_text: String,
    prev_url: String,
    next_url: String,
    print_url: String,
}

pub fn choice_label(c: &Ctx, device: &Record, field: &str) -> String {
    device
        .choice_key(field)
        .map(|k| c.t(k))
        .unwrap_or_else(|| device.get(field).to_string())
}

async fn list(Hall(state, c): Hall, Query(q): Query<ListQuery>) -> PageResult {
    let c = c.active("ledger");
    let facility_id = c.facility()?;
    let page = q.page.parse::<i64>().unwrap_or(1).max(1);
    let filter = Filter {
        limit: Some(PAGE_SIZE),
        offset: (page - 1) * PAGE_SIZE,
        ..q.filter()
    };
    let (devices, matched, summary, departments, systems) = tokio::try_join!(
        store::list(&state.db, facility_id, &filter),
        store::count(&state.db, facility_id, &filter),
        store::summary(&state.db, facility_id),
        store::departments(&state.db, facility_id),
        store::list_all(&state.db, &super::systems::SYSTEMS, facility_id),
    )?;
    let first = if matched == 0 { 0 } else { filter.offset + 1 };
    let last = (filter.offset + PAGE_SIZE).min(matched);
    let prev_url = if page > 1 {
        format!("/ledger?{}", q.query_string(Some(page - 1)))
    } else {
        String::new()
    };
    let next_url = if last < matched {
        format!("/ledger?{}", q.query_string(Some(page + 1)))
    } else {
        String::new()
    };
    let print_url = format!("/ledger/print?{}", q.query_string(None));
    let systems = systems
        .iter()
        .map(|s| (s.id.to_string(), s.name().to_string()))
        .collect();
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
    render(&ListPage {
        c: &c,
        rows,
        total_in_use: summary.in_use,
        not_confirmed: summary.not_confirmed_12_months,
        missing: summary.missing_key_fields,
        kinds,
        statuses,
        departments,
        systems,
        q,
        matched,
        range_text: c.tr.t_args(
            crate::mkey!("ledger-range"),
            &[
                ("count", matched.to_string()),
                ("first", first.to_string()),
                ("last", last.to_string()),
            ],
        ),
        prev_url,
        next_url,
        print_url,
    })
}

pub struct PrintRow {
    pub kind: String,
    pub name: String,
    pub asset_number: String,
    pub model: String,
    pub os: String,
    pub location: String,
    pub department: String,
    pub manager: String,
    pub ip: String,
    pub vendor: String,
    pub status: String,
    pub last_confirmed: String,
}

#[derive(Template)]
#[template(path = "ledger/print.html")]
struct PrintPage<'a> {
    c: &'a Ctx,
    facility: String,
    printed: String,
    conditions: Vec<(String, String)>,
    rows: Vec<PrintRow>,
}

/// The device ledger on A4 landscape with the list's filters (種別, 部署, システム…).
async fn print(Hall(state, c): Hall, Query(q): Query<ListQuery>) -> PageResult {
    let c = c.active("ledger");
    let facility_id = c.facility()?;
    let filter = q.filter();
    let (devices, systems, facility) = tokio::try_join!(
        store::list(&state.db, facility_id, &filter),
        store::list_all(&state.db, &super::systems::SYSTEMS, facility_id),
        async {
            crate::facility::api::get(&state.db, facility_id)
                .await
                .map_err(LedgerError::from)
        },
    )?;
    let mut conditions = Vec::new();
    if let Some(key) = model::choice_label_key(&KINDS, &q.kind) {
        conditions.push((c.t("device-kind"), c.t(key)));
    }
    if !q.department.is_empty() {
        conditions.push((c.t("device-department"), q.department.clone()));
    }
    if let Some(system) = systems.iter().find(|s| s.id.to_string() == q.system) {
        conditions.push((c.t("device-systems"), system.name().to_string()));
    }
    if let Some(key) = model::choice_label_key(&STATUSES, &q.status) {
        conditions.push((c.t("device-status"), c.t(key)));
    }
    if !q.q.is_empty() {
        conditions.push((c.t("ledger-search"), q.q.clone()));
    }
    let rows = devices
        .iter()
        .map(|d| PrintRow {
            kind: choice_label(&c, d, "kind"),
            name: d.name().to_string(),
            asset_number: d.get("asset_number").to_string(),
            model: format!("{} {}", d.get("maker"), d.get("model"))
                .trim()
                .to_string(),
            os: format!("{} {}", d.get("os_name"), d.get("os_version"))
                .trim()
                .to_string(),
            location: d.get("location").to_string(),
            department: d.get("department").to_string(),
            manager: d.get("manager").to_string(),
            ip: d.get("ip_addresses").to_string(),
            vendor: d.get("maintenance_vendor").to_string(),
            status: choice_label(&c, d, "status"),
            last_confirmed: c.date(d.get("last_confirmed")),
        })
        .collect();
    render(&PrintPage {
        c: &c,
        facility: facility.map(|f| f.name).unwrap_or_default(),
        printed: c.date(&crate::kernel::time::today_jst_text()),
        conditions,
        rows,
    })
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

/// One line of a record page; links when the value names other records.
pub struct ViewRow {
    pub label: String,
    pub value: String,
    pub links: Vec<(String, String)>,
}

/// Records that point at this one (a system's devices, a device's connection points).
pub struct Related {
    pub title: String,
    pub links: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "ledger/view.html")]
struct ViewPage<'a> {
    c: &'a Ctx,
    d: Record,
    base: &'static str,
    back_label: String,
    rows: Vec<ViewRow>,
    related: Vec<Related>,
    saved: bool,
    missing: Vec<String>,
}

async fn related(
    state: &AppState,
    c: &Ctx,
    d: &Record,
    facility_id: i64,
) -> Result<Vec<Related>, LedgerError> {
    use super::systems::{SEGMENTS, SYSTEMS, links_to, segment_of};
    let link = |base: &str, r: &Record| (format!("{base}/{}", r.id), r.name().to_string());
    let mut out = Vec::new();
    if d.kind == &SYSTEMS || d.kind == &SEGMENTS {
        let devices = store::list_all(&state.db, &DEVICES, facility_id).await?;
        let segments = if d.kind == &SEGMENTS {
            store::list_all(&state.db, &SEGMENTS, facility_id).await?
        } else {
            Vec::new()
        };
        let links = devices
            .iter()
            .filter(|x| {
                if d.kind == &SYSTEMS {
                    links_to(x, "systems", d.id)
                } else {
                    segment_of(x, &segments) == Some(d.id)
                }
            })
            .map(|x| link("/ledger", x))
            .collect();
        out.push(Related {
            title: c.t("related-devices"),
            links,
        });
    }
    if d.kind == &DEVICES {
        let points = store::list_all(&state.db, &super::connections::CONNECTIONS, facility_id)
            .await?
            .into_iter()
            .filter(|p| links_to(p, "device", d.id))
            .map(|p| link("/connections", &p))
            .collect::<Vec<_>>();
        if !points.is_empty() {
            out.push(Related {
                title: c.t("related-connections"),
                links: points,
            });
        }
    }
    Ok(out)
}

/// What the other parts of mamori found about a device: its vulnerabilities, and what the
/// latest scan saw at its addresses.
async fn device_findings(
    state: &AppState,
    c: &Ctx,
    d: &Record,
    facility_id: i64,
) -> Result<Vec<Related>, RoomError> {
    let mut out = Vec::new();
    let (matches, kev) = crate::vuln::api::device_counts(&state.db, facility_id, d.id)
        .await
        .map_err(RoomError::internal)?;
    let text = if matches == 0 {
        c.t("device-vulns-none")
    } else {
        c.t2("device-vulns", "count", &matches, "kev", &kev)
    };
    out.push(Related {
        title: c.t("device-vulns-title"),
        links: vec![(format!("/vuln/devices/{}", d.id), text)],
    });
    let ips: Vec<&str> = d.get("ip_addresses").split_whitespace().collect();
    let Some(latest) = super::discovery_store::scans(&state.db, facility_id)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(out);
    };
    if ips.is_empty() {
        return Ok(out);
    }
    let (scan, hosts, diff) =
        super::discovery_store::diff(&state.db, facility_id, latest.id).await?;
    let when = c.datetime(&scan.scanned_at);
    let text = match hosts.iter().find(|h| ips.contains(&h.ip.as_str())) {
        Some(host) => {
            let ports: Vec<String> = host
                .ports
                .iter()
                .map(|p| {
                    format!("{}/{} {}", p.port, p.protocol, p.service)
                        .trim()
                        .to_string()
                })
                .collect();
            let risky: Vec<String> = diff
                .risky
                .iter()
                .filter(|r| r.device_id == Some(d.id))
                .map(|r| c.t(r.reason))
                .collect();
            let mut text = c.t2(
                "device-scan-seen",
                "date",
                &when,
                "ports",
                &if ports.is_empty() {
                    "—".to_string()
                } else {
                    ports.join(", ")
                },
            );
            if !risky.is_empty() {
                text.push(' ');
                text.push_str(&risky.join(" "));
            }
            text
        }
        None if diff.missing.iter().any(|m| m.device_id == d.id) => {
            c.t1("device-scan-missing", "date", &when)
        }
        None => c.t1("device-scan-not-scanned", "date", &when),
    };
    out.push(Related {
        title: c.t("device-scan-title"),
        links: vec![(format!("/discovery/{}", scan.id), text)],
    });
    Ok(out)
}

pub async fn view_record(
    state: &AppState,
    c: Ctx,
    section: &Section,
    id: i64,
    saved: bool,
) -> PageResult {
    let c = c.active(section.nav);
    let facility_id = c.facility()?;
    let d = store::get_record(&state.db, section.kind, facility_id, id).await?;
    let (refs, mut related, custom) = tokio::try_join!(
        store::ref_names(&state.db, section.kind, facility_id),
        related(state, &c, &d, facility_id),
        store::custom_fields(&state.db, facility_id, section.kind.table),
    )?;
    if d.kind == &DEVICES {
        related.extend(device_findings(state, &c, &d, facility_id).await?);
    }
    let mut rows: Vec<ViewRow> = section
        .kind
        .editable()
        .map(|(field, key, kind)| {
            let mut links = Vec::new();
            let value = match kind {
                FieldType::Choice(_) => choice_label(&c, &d, field),
                FieldType::Date => c.date(d.get(field)),
                FieldType::Ref { table, .. } => {
                    let names = refs
                        .iter()
                        .find(|(t, _)| t == table)
                        .map(|(_, records)| store::Names::of(records))
                        .unwrap_or_default();
                    let base = super::model::kind_by_table(table).map_or("", |k| k.base);
                    links = names
                        .links(d.get(field))
                        .into_iter()
                        .map(|(id, name)| (format!("{base}/{id}"), name))
                        .collect();
                    String::new()
                }
                _ => d.get(field).to_string(),
            };
            ViewRow {
                label: c.t(key),
                value,
                links,
            }
        })
        .collect();
    rows.extend(custom.iter().map(|field| {
        let stored = d.get(field.key());
        let value = match field.field_type.as_str() {
            "date" => c.date(stored),
            "yesno" => model::choice_label_key(&model::YES_NO, stored)
                .map(|k| c.t(k))
                .unwrap_or_else(|| stored.to_string()),
            _ => stored.to_string(),
        };
        ViewRow {
            label: field.name.clone(),
            value,
            links: Vec::new(),
        }
    }));
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
    render(&ViewPage {
        c: &c,
        d,
        base: section.base,
        back_label,
        rows,
        related,
        saved,
        missing,
    })
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

/// A submitted form: repeated names (checkbox lists) keep every value.
type Submitted = Vec<(String, String)>;

fn submitted_value(form: &Submitted, field: &str) -> String {
    form.iter()
        .filter(|(k, _)| k == field)
        .map(|(_, v)| v.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

struct FormState<'a> {
    id: Option<i64>,
    values: &'a (dyn Fn(&str) -> String + Sync),
    updated_at: String,
    errors: FieldErrors,
    conflict: bool,
}

async fn form_page(state: &AppState, c: &Ctx, section: &Section, f: FormState<'_>) -> PageResult {
    let facility_id = c.facility()?;
    let (refs, custom) = tokio::try_join!(
        store::ref_names(&state.db, section.kind, facility_id),
        store::custom_fields(&state.db, facility_id, section.kind.table),
    )?;
    let rows = form_rows(c, section.kind, &refs, &custom, f.values);
    let title = match f.id {
        Some(_) => c.t1(section.edit_key, "name", &(f.values)("name")),
        None => c.t(section.new_key),
    };
    let failed = f.errors.any() || f.conflict;
    let mut response = render(&FormPage {
        c,
        id: f.id,
        base: section.base,
        title,
        rows,
        updated_at: f.updated_at,
        errors: f.errors,
        conflict: f.conflict,
    })?;
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// The empty form, or one filled in from the query (a discovery scan fills the device form).
async fn new_record_page(
    state: &AppState,
    c: Ctx,
    section: &Section,
    prefill: &HashMap<String, String>,
) -> PageResult {
    let c = c.active(section.nav);
    let values = |f: &str| prefill.get(f).cloned().unwrap_or_default();
    let form = FormState {
        id: None,
        values: &values,
        updated_at: String::new(),
        errors: FieldErrors::default(),
        conflict: false,
    };
    form_page(state, &c, section, form).await
}

async fn edit_record_page(state: &AppState, c: Ctx, section: &Section, id: i64) -> PageResult {
    let c = c.active(section.nav);
    let facility_id = c.facility()?;
    let d = store::get_record(&state.db, section.kind, facility_id, id).await?;
    let values = |f: &str| d.get(f).to_string();
    let form = FormState {
        id: Some(id),
        values: &values,
        updated_at: d.updated_at.clone(),
        errors: FieldErrors::default(),
        conflict: false,
    };
    form_page(state, &c, section, form).await
}

/// Creates (id None) or saves (id Some) a record from a submitted form.
async fn submit_record(
    state: &AppState,
    c: Ctx,
    section: &Section,
    id: Option<i64>,
    form: &Submitted,
) -> PageResult {
    let c = c.active(section.nav);
    let typed = |f: &str| submitted_value(form, f);
    let seen = typed("updated_at");
    let again = |errors: FieldErrors, conflict: bool| FormState {
        id,
        values: &typed,
        updated_at: seen.clone(),
        errors,
        conflict,
    };
    let facility_id = c.facility()?;
    let custom = store::custom_fields(&state.db, facility_id, section.kind.table).await?;
    let values = match (
        section.kind.validate(&typed),
        model::validate_custom(&custom, &typed),
    ) {
        (Ok(mut fixed), Ok(added)) => {
            fixed.extend(added);
            fixed
        }
        (fixed, added) => {
            let problems: Vec<_> = fixed
                .err()
                .into_iter()
                .chain(added.err())
                .flatten()
                .collect();
            let errors = FieldErrors::from_keys(&c.tr, &problems);
            return form_page(state, &c, section, again(errors, false)).await;
        }
    };
    let actor = c.actor();
    let result = match id {
        None => store::create_record(&state.db, &actor, section.kind, &values).await,
        Some(id) => store::update_record(&state.db, &actor, section.kind, id, &values, &seen)
            .await
            .map(|_| id),
    };
    Ok(match result {
        Ok(id) => Redirect::to(&format!("{}/{id}?saved=1", section.base)).into_response(),
        Err(LedgerError::Invalid { field, key }) => {
            let errors = FieldErrors::from_keys(&c.tr, &[(field, key)]);
            form_page(state, &c, section, again(errors, false)).await?
        }
        Err(LedgerError::Conflict) => {
            form_page(state, &c, section, again(FieldErrors::default(), true)).await?
        }
        Err(LedgerError::NotFound) => return Err(RoomError::NotFound),
        Err(LedgerError::Forbidden(_)) => return Err(RoomError::Forbidden),
        Err(e) => return Err(e.into()),
    })
}

/// Page handlers for one kind of record, all delegating to the generic ones above.
macro_rules! record_handlers {
    ($module:ident, $section:expr) => {
        mod $module {
            use super::*;

            pub async fn new(
                Hall(state, c): Hall,
                Query(prefill): Query<HashMap<String, String>>,
            ) -> PageResult {
                new_record_page(&state, c, &$section, &prefill).await
            }

            pub async fn create(Hall(state, c): Hall, Form(form): Form<Submitted>) -> PageResult {
                submit_record(&state, c, &$section, None, &form).await
            }

            pub async fn view(
                Hall(state, c): Hall,
                Path(id): Path<i64>,
                Query(q): Query<ListQuery>,
            ) -> PageResult {
                view_record(&state, c, &$section, id, q.saved == "1").await
            }

            pub async fn edit(Hall(state, c): Hall, Path(id): Path<i64>) -> PageResult {
                edit_record_page(&state, c, &$section, id).await
            }

            pub async fn save(
                Hall(state, c): Hall,
                Path(id): Path<i64>,
                Form(form): Form<Submitted>,
            ) -> PageResult {
                submit_record(&state, c, &$section, Some(id), &form).await
            }
        }
    };
}

record_handlers!(device_handlers, DEVICE_PAGES);
record_handlers!(connection_handlers, super::super::connections::PAGES);
record_handlers!(system_handlers, super::super::systems::SYSTEM_PAGES);
record_handlers!(segment_handlers, super::super::systems::SEGMENT_PAGES);

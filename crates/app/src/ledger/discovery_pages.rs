//! 検出 (discovery) pages: upload an nmap scan, see what is on the network but not in the ledger,
//! what is in the ledger but was not seen, what changed, and which services are risky.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::discovery::{Diff, SeenHost};
use super::discovery_run;
use super::discovery_store::{self as store, DiscoveryError, Ignore, ScanInfo};
use super::model::Cidr;
use crate::kernel::upload::read_upload;
use crate::kernel::{PageResult, RoomError};
use crate::web::errors::render;
use crate::web::session::UPLOAD_LIMIT;
use crate::web::{Access, AppState, Ctx, Hall, RouteTable};

pub fn routes(table: RouteTable) -> RouteTable {
    table
        .get("/discovery", Access::Read, index)
        .post("/discovery", Access::Edit, upload)
        .post("/discovery/ignore", Access::Edit, ignore)
        .post("/discovery/ignore/many", Access::Edit, ignore_many)
        .post("/discovery/register/many", Access::Edit, register_many)
        .post("/discovery/run", Access::Edit, run_scan)
        .get("/discovery/{id}", Access::Read, show)
}

#[derive(Template)]
#[template(path = "ledger/discovery.html")]
struct IndexPage<'a> {
    c: &'a Ctx,
    scans: Vec<ScanInfo>,
    ignores: Vec<Ignore>,
    error: String,
    nmap_installed: bool,
    /// The command with a placeholder range, as it will run.
    command_example: String,
    range: String,
    time_limit: u64,
}

async fn index_page(state: &AppState, c: &Ctx, error: String) -> PageResult {
    index_page_with(state, c, error, String::new()).await
}

async fn index_page_with(state: &AppState, c: &Ctx, error: String, range: String) -> PageResult {
    let facility_id = c.facility()?;
    let (scans, ignores) = tokio::try_join!(
        store::scans(&state.db, facility_id),
        store::ignores(&state.db, facility_id)
    )?;
    let failed = !error.is_empty();
    let mut response = render(&IndexPage {
        c,
        scans,
        ignores,
        error,
        nmap_installed: discovery_run::nmap_path().is_some(),
        command_example: discovery_run::command_line(&Cidr {
            network: std::net::IpAddr::from([192, 168, 10, 0]),
            prefix: 24,
        }),
        range,
        time_limit: discovery_run::WEB_TIME_LIMIT.as_secs() / 60,
    })?;
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

async fn index(State(state): State<AppState>, c: Ctx) -> PageResult {
    let c = c.active("discovery");
    index_page(&state, &c, String::new()).await
}

async fn upload(Hall(state, c): Hall, mut multipart: Multipart) -> PageResult {
    let c = c.active("discovery");
    let spool = state.upload_dir();
    let file = match read_upload(&mut multipart, &spool, "scan", "scan.xml", UPLOAD_LIMIT).await {
        Ok(upload) => upload.non_empty_file(),
        Err(e) => {
            return index_page(&state, &c, format!("{}: {e}", c.t("scan-upload-failed"))).await;
        }
    };
    let Some(file) = file else {
        return index_page(&state, &c, c.t("scan-file-required")).await;
    };
    let (name, bytes) = (&file.name, &file.bytes);
    Ok(
        match store::record_scan(&state.db, &c.actor(), name, bytes).await {
            Ok(id) => Redirect::to(&format!("/discovery/{id}")).into_response(),
            Err(DiscoveryError::Parse(e)) => {
                index_page(&state, &c, format!("{}: {name}: {e}", c.t("scan-refused"))).await?
            }
            Err(DiscoveryError::Forbidden(_)) => return Err(RoomError::Forbidden),
            Err(e) => return Err(e.into()),
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RunForm {
    range: String,
}

/// Scans a range now with nmap, within the web time limit, and shows the result.
async fn run_scan(Hall(state, c): Hall, Form(form): Form<RunForm>) -> PageResult {
    let c = c.active("discovery");
    let range = match discovery_run::check_range(&form.range) {
        Ok(range) => range,
        Err(e) => return index_page_with(&state, &c, run_error(&c, &e), form.range).await,
    };
    let xml = match discovery_run::run(&range, discovery_run::WEB_TIME_LIMIT).await {
        Ok(xml) => xml,
        Err(e) => return index_page_with(&state, &c, run_error(&c, &e), form.range).await,
    };
    Ok(
        match store::record_scan(&state.db, &c.actor(), &format!("nmap {range}"), &xml).await {
            Ok(id) => Redirect::to(&format!("/discovery/{id}")).into_response(),
            Err(DiscoveryError::Forbidden(_)) => return Err(RoomError::Forbidden),
            Err(e) => return Err(e.into()),
        },
    )
}

fn run_error(c: &Ctx, e: &discovery_run::RunError) -> String {
    use discovery_run::RunError as E;
    match e {
        E::NotARange(text) => c.t1("scan-run-not-range", "range", text),
        E::TooLarge(text) => c.t1("scan-run-too-large", "range", text),
        E::NotInstalled => c.t("scan-run-no-nmap"),
        E::TimedOut(seconds) => c.t1("scan-run-timeout", "minutes", &(seconds / 60)),
        E::Failed(detail) => format!("{} ({detail})", c.t("scan-run-failed")),
    }
}

pub struct RiskRow {
    pub ip: String,
    pub port: u16,
    pub service: String,
    pub reason: String,
    pub device_id: Option<i64>,
    pub device_name: String,
}

pub struct ChangeRow {
    pub device_id: i64,
    pub device_name: String,
    pub ip: String,
    pub changes: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "ledger/scan.html")]
struct ScanPage<'a> {
    c: &'a Ctx,
    scan: ScanInfo,
    diff: Diff,
    risks: Vec<RiskRow>,
    changes: Vec<ChangeRow>,
    hosts: usize,
    message: String,
    /// What was wrong with a form sent from this page, and the address it was about.
    error: String,
    error_address: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ScanQuery {
    done: String,
}

impl ScanPage<'_> {
    /// The ledger form, filled in from what the scan saw.
    fn register_link(&self, host: &SeenHost) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        let name = if host.hostname.is_empty() {
            host.ip.as_str()
        } else {
            host.hostname.as_str()
        };
        s.append_pair("name", name)
            .append_pair("hostname", &host.hostname)
            .append_pair("ip_addresses", &host.ip)
            .append_pair("mac_addresses", &host.mac)
            .append_pair("maker", &host.mac_vendor)
            .append_pair("os_name", &host.os);
        format!("/ledger/new?{}", s.finish())
    }

    fn ports_text(&self, host: &SeenHost) -> String {
        host.ports
            .iter()
            .map(|p| {
                if p.service.is_empty() {
                    format!("{}/{}", p.port, p.protocol)
                } else {
                    format!("{}/{} {}", p.port, p.protocol, p.service)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

async fn show(Hall(state, c): Hall, Path(id): Path<i64>, Query(q): Query<ScanQuery>) -> PageResult {
    let c = c.active("discovery");
    let message = match q.done.as_str() {
        "ignored" => c.t("ignore-done"),
        "registered" => c.t("register-done"),
        _ => String::new(),
    };
    scan_page(&state, &c, id, message, (String::new(), String::new())).await
}

/// One scan against the ledger; `error` is a refused form's message and the host it was for.
async fn scan_page(
    state: &AppState,
    c: &Ctx,
    id: i64,
    message: String,
    (error, error_address): (String, String),
) -> PageResult {
    let facility_id = c.facility()?;
    let (scan, hosts, diff) = store::diff(&state.db, facility_id, id).await?;
    let risks = diff
        .risky
        .iter()
        .map(|r| RiskRow {
            ip: r.ip.clone(),
            port: r.port,
            service: r.service.clone(),
            reason: c.t(r.reason),
            device_id: r.device_id,
            device_name: r.device_name.clone(),
        })
        .collect();
    let changes = diff
        .changed
        .iter()
        .map(|ch| ChangeRow {
            device_id: ch.device_id,
            device_name: ch.device_name.clone(),
            ip: ch.ip.clone(),
            changes: ch
                .changes
                .iter()
                .map(|(k, d)| (c.t(k), d.clone()))
                .collect(),
        })
        .collect();
    let status = if error.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        render(&ScanPage {
            c,
            scan,
            risks,
            changes,
            hosts: hosts.len(),
            diff,
            message,
            error,
            error_address,
        })?,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct IgnoreForm {
    address: String,
    reason: String,
    scan: String,
}

/// Registers the hosts chosen on a scan's page in the ledger (kind その他, name from the host
/// name or address, what the scan saw), all of them or none.
async fn register_many(
    Hall(state, c): Hall,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let c = c.active("discovery");
    let facility_id = c.facility()?;
    let scan = fields
        .iter()
        .find(|(k, _)| k == "scan")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .ok_or(RoomError::NotFound)?;
    let picked: Vec<&str> = fields
        .iter()
        .filter(|(k, _)| k == "pick")
        .map(|(_, v)| v.as_str())
        .collect();
    let (state, c) = (&state, &c);
    let refuse = |key: &'static str| async move {
        let error = (c.t(key), String::new());
        scan_page(state, c, scan, String::new(), error).await
    };
    if picked.is_empty() {
        return refuse(crate::mkey!("register-none-chosen")).await;
    }
    let (_, hosts, _) = store::diff(&state.db, facility_id, scan).await?;
    let mut all = Vec::new();
    for ip in picked {
        let Some(host) = hosts.iter().find(|h| h.ip == ip) else {
            return Err(RoomError::NotFound);
        };
        let name = if host.hostname.is_empty() {
            host.ip.clone()
        } else {
            host.hostname.clone()
        };
        let input = |field: &str| -> String {
            match field {
                "kind" => "other".to_string(),
                "name" => name.clone(),
                "hostname" => host.hostname.clone(),
                "ip_addresses" => host.ip.clone(),
                "mac_addresses" => host.mac.clone(),
                "maker" => host.mac_vendor.chars().take(200).collect(),
                "os_name" => host.os.chars().take(200).collect(),
                _ => String::new(),
            }
        };
        match super::model::validate(&input) {
            Ok(values) => all.push(values),
            Err(problems) => {
                let key = problems
                    .first()
                    .map_or(crate::mkey!("form-has-errors"), |p| p.1);
                let error = (c.t(key), host.ip.clone());
                return scan_page(state, c, scan, String::new(), error).await;
            }
        }
    }
    match super::store::create_records(&state.db, &c.actor(), &super::model::DEVICES, &all).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/discovery/{scan}?done=registered#unregistered"))
                .into_response(),
        ),
        Err(super::store::LedgerError::Invalid { key, .. }) => refuse(key).await,
        Err(e) => Err(e.into()),
    }
}

/// Marks the hosts chosen on a scan's page as known, with one reason.
async fn ignore_many(
    Hall(state, c): Hall,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let c = c.active("discovery");
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let addresses: Vec<&str> = fields
        .iter()
        .filter(|(k, _)| k == "pick")
        .map(|(_, v)| v.as_str())
        .collect();
    let Ok(scan) = value("scan").parse::<i64>() else {
        return Err(RoomError::NotFound);
    };
    Ok(
        match store::add_ignores(&state.db, &c.actor(), &addresses, value("reason")).await {
            Ok(()) => Redirect::to(&format!("/discovery/{scan}?done=ignored#unregistered"))
                .into_response(),
            Err(DiscoveryError::Invalid { key, .. }) => {
                let error = (c.t(key), String::new());
                scan_page(&state, &c, scan, String::new(), error).await?
            }
            Err(DiscoveryError::Forbidden(_)) => return Err(RoomError::Forbidden),
            Err(e) => return Err(e.into()),
        },
    )
}

async fn ignore(Hall(state, c): Hall, Form(form): Form<IgnoreForm>) -> PageResult {
    let c = c.active("discovery");
    let back = form
        .scan
        .parse::<i64>()
        .map(|id| format!("/discovery/{id}"))
        .unwrap_or_else(|_| "/discovery".to_string());
    Ok(
        match store::add_ignore(&state.db, &c.actor(), &form.address, &form.reason).await {
            Ok(()) => Redirect::to(&format!("{back}?done=ignored")).into_response(),
            // Refused on the scan page it came from, beside the host, not on the overview.
            Err(DiscoveryError::Invalid { key, .. }) => match form.scan.parse::<i64>() {
                Ok(scan) => {
                    let error = (c.t(key), form.address.trim().to_string());
                    scan_page(&state, &c, scan, String::new(), error).await?
                }
                Err(_) => index_page(&state, &c, c.t(key)).await?,
            },
            Err(DiscoveryError::Forbidden(_)) => return Err(RoomError::Forbidden),
            Err(e) => return Err(e.into()),
        },
    )
}

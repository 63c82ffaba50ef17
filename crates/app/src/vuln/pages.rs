//! Pages: 「今すぐ対応」 (the prioritised list), one device's vulnerabilities with CPE
//! suggestions, one vulnerability's details and devices, suppressions, feeds and alerts.

use askama::Template;
use axum::Form as PostForm;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::alerts;
use super::store::{self, FileReport, Holdings, VulnError};
use super::suggest;
use super::view::{self, Listing, MatchRow, SUPPRESSION_KINDS, VulnDetail};
use crate::kernel::PageResult;
use crate::kernel::today_jst as today;
use crate::kernel::upload::read_upload;
use crate::ledger::api::DEVICES;
use crate::web::errors::render;
use crate::web::session::UPLOAD_LIMIT;
use crate::web::{Access, AppState, Ctx, Hall, RouteTable};

pub fn routes(table: RouteTable) -> RouteTable {
    table
        .get("/vuln", Access::Read, index)
        .get("/vuln/devices/{id}", Access::Read, device_page)
        .post("/vuln/devices/{id}/cpes", Access::Edit, add_cpe)
        .get("/vuln/cves/{id}", Access::Read, vuln_page)
        .post("/vuln/suppress", Access::Edit, suppress)
        .post("/vuln/suppress/bulk", Access::Edit, bulk_suppress)
        .post("/vuln/unsuppress", Access::Edit, unsuppress)
        .get("/vuln/feeds", Access::Read, feeds_page)
        .post("/vuln/feeds/import", Access::Edit, import)
        .get("/vuln/alerts", Access::Read, alerts_page)
        .post("/vuln/alerts/read", Access::Edit, mark_read)
}

/// Words for a row's reason, next step and flags, in the page's language.
pub struct RowText {
    pub row: MatchRow,
    pub reason: String,
    /// The CPE criterion and range behind the reason, for those who check.
    pub details: String,
    pub next_step: String,
    /// "and N more" when the row stands for several devices.
    pub others: String,
    /// The other devices listed (up to a page's limit), and how many are left unnamed.
    pub listed: Vec<view::DeviceRef>,
    pub unlisted: String,
    /// What a mark set on the row applies to, when it stands for several devices.
    pub whole_row: String,
}

/// A criterion's range (`>= 8.1.0, <= 8.1.2`, `< 9.0r3.4`, `= 9.0r3`) in the page's words.
pub fn range_words(c: &crate::i18n::Tr, range_text: &str) -> String {
    let mut from: Option<(&str, bool)> = None;
    let mut until: Option<(&str, bool)> = None;
    for part in range_text.split(", ") {
        let part = part.trim();
        if let Some(v) = part.strip_prefix(">= ") {
            from = Some((v, true));
        } else if let Some(v) = part.strip_prefix("> ") {
            from = Some((v, false));
        } else if let Some(v) = part.strip_prefix("<= ") {
            until = Some((v, true));
        } else if let Some(v) = part.strip_prefix("< ") {
            until = Some((v, false));
        } else if let Some(v) = part.strip_prefix("= ") {
            return v.to_string();
        }
    }
    let words = |key: &str, v: &str| c.t1(key, "version", &v);
    match (from, until) {
        (None, None) => c.t("vuln-range-all"),
        (Some((a, true)), Some((b, true))) => format!("{a}〜{b}"),
        (Some((a, _)), Some(b)) => format!(
            "{} {}",
            words("vuln-range-from", a),
            words(
                if b.1 {
                    "vuln-range-up-to"
                } else {
                    "vuln-range-before"
                },
                b.0
            )
        ),
        (Some((a, true)), None) => words("vuln-range-from", a),
        (Some((a, false)), None) => words("vuln-range-after", a),
        (None, Some((b, true))) => words("vuln-range-up-to", b),
        (None, Some((b, false))) => words("vuln-range-before", b),
    }
}

fn row_text(c: &Ctx, row: MatchRow, listed: usize) -> RowText {
    let mut reason = match row.source {
        "jvn" => c.t1("vuln-plain-jvn", "product", &row.product),
        "kev" => c.t1("vuln-plain-kev", "product", &row.product),
        _ => c.t2(
            "vuln-plain-nvd",
            "product",
            &row.product,
            "range",
            &range_words(c, &row.range_text),
        ),
    };
    reason.push(' ');
    if row.device_version.is_empty() {
        reason.push_str(&c.t("vuln-plain-no-version"));
    } else {
        reason.push_str(&c.t1("vuln-plain-version", "version", &row.device_version));
    }
    match row.note {
        "platform-unchecked" => reason.push_str(&c.t("vuln-note-platform")),
        "version-incomparable" => reason.push_str(&c.t("vuln-note-incomparable")),
        _ => {}
    }
    let details = match row.source {
        "jvn" => c.t1("vuln-reason-jvn", "cpe", &row.criterion),
        "kev" => c.t1("vuln-reason-kev", "product", &row.criterion),
        _ => {
            let range = if row.range_text.is_empty() {
                c.t("vuln-range-all")
            } else {
                row.range_text.clone()
            };
            c.t2("vuln-reason-nvd", "cpe", &row.criterion, "range", &range)
        }
    } + &c.t1("vuln-reason-device-cpe", "cpe", &row.device_cpe);
    let next_step = match (row.vendor.is_empty(), row.fixed_version.is_empty()) {
        (true, true) => c.t("vuln-step-no-vendor"),
        (true, false) => c.t1("vuln-step-fixed-no-vendor", "fixed", &row.fixed_version),
        (false, true) => c.t1("vuln-step-vendor", "vendor", &row.vendor),
        (false, false) => c.t2(
            "vuln-step-vendor-fixed",
            "vendor",
            &row.vendor,
            "fixed",
            &row.fixed_version,
        ),
    };
    let next_step = format!("{} {}", c.t(row.next_step), next_step);
    let others = if row.others() > 0 {
        c.t1("vuln-and-others", "count", &row.others())
    } else {
        String::new()
    };
    let listed: Vec<view::DeviceRef> = row.devices.iter().skip(1).take(listed).cloned().collect();
    let unlisted = match row.others().saturating_sub(listed.len()) {
        0 => String::new(),
        n => c.t1("vuln-and-others", "count", &n),
    };
    let whole_row = if row.others() > 0 {
        c.t1("vuln-suppress-row", "count", &row.devices.len())
    } else {
        String::new()
    };
    RowText {
        row,
        reason,
        details,
        next_step,
        others,
        listed,
        unlisted,
        whole_row,
    }
}

/// Other devices named on a row of the prioritised list (the CVE page names more).
const LISTED_ON_INDEX: usize = 20;
const LISTED_ON_VULN: usize = 500;
/// Rows per page of 「今すぐ対応」: a printable list, most urgent first.
const ROWS_PER_PAGE: usize = 100;

fn texts(c: &Ctx, rows: Vec<MatchRow>, listed: usize) -> Vec<RowText> {
    rows.into_iter().map(|r| row_text(c, r, listed)).collect()
}

/// Low-confidence matches grouped by device (or a row's devices) and product: the action is
/// the same for all of them (write the version down, or check with the vendor), so one line each.
pub struct LowGroup {
    pub device_id: i64,
    pub device: String,
    pub others: String,
    pub product: String,
    pub count: usize,
    pub kev: usize,
    pub needs_version: bool,
}

/// "and N more" for a row that stands for several devices.
fn others_text(c: &Ctx, r: &MatchRow) -> String {
    if r.others() > 0 {
        c.t1("vuln-and-others", "count", &r.others())
    } else {
        String::new()
    }
}

fn low_groups(c: &Ctx, rows: &[MatchRow]) -> Vec<LowGroup> {
    let mut groups: Vec<LowGroup> = Vec::new();
    let mut index: std::collections::HashMap<(i64, String), usize> = Default::default();
    for r in rows {
        let product = mamori_formats::cpe::parse(&r.device_cpe)
            .ok()
            .and_then(|w| w.vendor_product())
            .unwrap_or_else(|| r.device_cpe.clone());
        match index.entry((r.device_id(), product.clone())) {
            std::collections::hash_map::Entry::Occupied(at) => {
                let g = &mut groups[*at.get()];
                g.count += 1;
                g.kev += usize::from(r.kev);
            }
            std::collections::hash_map::Entry::Vacant(at) => {
                at.insert(groups.len());
                groups.push(LowGroup {
                    device_id: r.device_id(),
                    device: r.device().to_string(),
                    others: others_text(c, r),
                    product,
                    count: 1,
                    kev: usize::from(r.kev),
                    needs_version: view::needs_version(r.note),
                });
            }
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse((g.kev, g.count)));
    groups
}

/// The matches on one device (or identical devices) that its monthly Windows updates fixed.
pub struct UpdatedGroup {
    pub device_id: i64,
    pub device: String,
    pub others: String,
    pub count: usize,
    pub kev: usize,
    /// The publication day of the newest of them.
    pub newest: String,
    /// Up to a few CVE IDs, to show what kind of list it is.
    pub examples: Vec<String>,
}

fn updated_groups(c: &Ctx, rows: &[MatchRow]) -> Vec<UpdatedGroup> {
    let mut groups: Vec<UpdatedGroup> = Vec::new();
    let mut index: std::collections::HashMap<i64, usize> = Default::default();
    for r in rows {
        let at = *index.entry(r.device_id()).or_insert_with(|| {
            groups.push(UpdatedGroup {
                device_id: r.device_id(),
                device: r.device().to_string(),
                others: others_text(c, r),
                count: 0,
                kev: 0,
                newest: String::new(),
                examples: Vec::new(),
            });
            groups.len() - 1
        });
        let g = &mut groups[at];
        g.count += 1;
        g.kev += usize::from(r.kev);
        if r.updated_since > g.newest {
            g.newest = r.updated_since.clone();
        }
        if g.examples.len() < 3 {
            g.examples.push(r.vuln_id.clone());
        }
    }
    for g in &mut groups {
        g.newest = c.date(&g.newest);
    }
    groups.sort_by_key(|g| std::cmp::Reverse((g.kev, g.count)));
    groups
}

struct FeedBox {
    holdings: Holdings,
    kev_stale: bool,
    /// What is wrong with KEV, in words: missing, or the date of the one loaded.
    kev_problem: String,
}

async fn feed_box(state: &AppState, c: &Ctx) -> Result<FeedBox, VulnError> {
    let holdings = store::holdings(&state.db).await?;
    let kev_problem = match holdings.kev_date() {
        None => c.t("vuln-kev-missing"),
        Some(d) => c.t1(
            "vuln-kev-old",
            "date",
            &c.date(&d.format("%Y-%m-%d").to_string()),
        ),
    };
    Ok(FeedBox {
        kev_stale: holdings.kev_stale(today()),
        kev_problem,
        holdings,
    })
}

#[derive(Template)]
#[template(path = "vuln/index.html")]
struct IndexPage<'a> {
    c: &'a Ctx,
    feeds: FeedBox,
    high: Vec<RowText>,
    high_count: usize,
    /// Devices with at least one row in 「今すぐ対応」.
    high_devices: usize,
    pager: Pager,
    low: Vec<LowGroup>,
    low_count: usize,
    suppressed: Vec<RowText>,
    updated: Vec<UpdatedGroup>,
    updated_count: usize,
    unsupported: Vec<view::Unsupported>,
    unread_alerts: i64,
    kinds: Vec<(&'static str, String)>,
    today: String,
}

fn kinds(c: &Ctx) -> Vec<(&'static str, String)> {
    SUPPRESSION_KINDS
        .iter()
        .map(|(k, key)| (*k, c.t(key)))
        .collect()
}

/// Which page of 「今すぐ対応」 is shown, with links to the others.
pub struct Pager {
    pub page: usize,
    pub pages: usize,
    pub first_row: usize,
    pub last_row: usize,
}

impl Pager {
    fn new(page: Option<usize>, rows: usize) -> Pager {
        let pages = rows.div_ceil(ROWS_PER_PAGE).max(1);
        let page = page.unwrap_or(1).clamp(1, pages);
        let first_row = (page - 1) * ROWS_PER_PAGE;
        Pager {
            page,
            pages,
            first_row: first_row + 1,
            last_row: (first_row + ROWS_PER_PAGE).min(rows),
        }
    }

    fn range(&self) -> std::ops::Range<usize> {
        self.first_row - 1..self.last_row
    }

    pub fn numbers(&self) -> std::ops::RangeInclusive<usize> {
        1..=self.pages
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct IndexQuery {
    page: Option<usize>,
}

async fn index(
    Hall(state, c): Hall,
    axum::extract::Query(query): axum::extract::Query<IndexQuery>,
) -> PageResult {
    let c = c.active("vuln");
    let facility_id = c.facility()?;
    let result = async {
        let listing = view::listing(&state.db, facility_id, None, today()).await?;
        let feeds = feed_box(&state, &c).await?;
        let unread = alerts::unread(&state.db, facility_id).await?;
        Ok::<_, VulnError>((listing, feeds, unread))
    }
    .await;
    let (listing, feeds, unread_alerts) = result?;
    let Listing {
        mut high,
        low,
        suppressed,
        assumed_fixed,
        unsupported,
    } = listing;
    let high_count = high.len();
    let high_devices = high
        .iter()
        .flat_map(|r| r.devices.iter().map(|d| d.id))
        .collect::<std::collections::HashSet<_>>()
        .len();
    let pager = Pager::new(query.page, high_count);
    let shown: Vec<MatchRow> = high.drain(pager.range()).collect();
    let page = IndexPage {
        c: &c,
        feeds,
        low: low_groups(&c, &low),
        low_count: low.len(),
        high: texts(&c, shown, LISTED_ON_INDEX),
        high_count,
        high_devices,
        pager,
        suppressed: texts(&c, suppressed, LISTED_ON_INDEX),
        updated: updated_groups(&c, &assumed_fixed),
        updated_count: assumed_fixed.len(),
        unsupported: unsupported
            .into_iter()
            .map(|mut u| {
                u.ended = c.date(&u.ended);
                u
            })
            .collect(),
        unread_alerts,
        kinds: kinds(&c),
        today: today().format("%Y-%m-%d").to_string(),
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "vuln/device.html")]
struct DevicePage<'a> {
    c: &'a Ctx,
    device: crate::ledger::api::Record,
    cpes: Vec<String>,
    suggestions: Vec<suggest::Suggested>,
    products_loaded: bool,
    high: Vec<RowText>,
    low: Vec<RowText>,
    suppressed: Vec<RowText>,
    updated: Vec<UpdatedGroup>,
    updated_count: usize,
    /// When support of the device's operating system ended, if it has.
    unsupported_since: String,
    kinds: Vec<(&'static str, String)>,
    today: String,
    message: String,
    back: String,
}

async fn device_page(Hall(state, c): Hall, Path(id): Path<i64>) -> PageResult {
    device_view(&state, c, id, String::new()).await
}

async fn device_view(state: &AppState, c: Ctx, id: i64, message: String) -> PageResult {
    let c = c.active("vuln");
    let facility_id = c.facility()?;
    let result = async {
        let device = crate::ledger::api::get(&state.db, facility_id, id).await?;
        let listing = view::listing(&state.db, facility_id, Some(id), today()).await?;
        let (suggestions, products_loaded) = suggest::for_device(&state.db, &device).await?;
        Ok::<_, VulnError>((device, listing, suggestions, products_loaded))
    }
    .await;
    let (device, listing, suggestions, products_loaded) = result?;
    let cpes = device
        .get("cpes")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let page = DevicePage {
        c: &c,
        cpes,
        suggestions,
        products_loaded,
        high: texts(&c, listing.high, LISTED_ON_VULN),
        low: texts(&c, listing.low, LISTED_ON_VULN),
        suppressed: texts(&c, listing.suppressed, LISTED_ON_VULN),
        updated: updated_groups(&c, &listing.assumed_fixed),
        updated_count: listing.assumed_fixed.len(),
        unsupported_since: listing
            .unsupported
            .first()
            .map(|u| c.date(&u.ended))
            .unwrap_or_default(),
        back: format!("/vuln/devices/{}", device.id),
        device,
        kinds: kinds(&c),
        today: today().format("%Y-%m-%d").to_string(),
        message,
    };
    render(&page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CpeForm {
    cpe: String,
}

async fn add_cpe(
    Hall(state, c): Hall,
    Path(id): Path<i64>,
    PostForm(form): PostForm<CpeForm>,
) -> PageResult {
    let facility_id = c.facility()?;
    let result = async {
        let device = crate::ledger::api::get(&state.db, facility_id, id).await?;
        let cpes = format!("{} {}", device.get("cpes"), form.cpe.trim());
        let validated = DEVICES.validate(&|f: &str| {
            if f == "cpes" {
                cpes.clone()
            } else {
                device.get(f).to_string()
            }
        });
        match validated {
            Ok(values) => {
                crate::ledger::api::update(&state.db, &c.actor(), id, &values, &device.updated_at)
                    .await?;
                Ok::<_, VulnError>(None)
            }
            Err(problems) => Ok(Some(
                problems
                    .iter()
                    .map(|(_, key)| c.t(key))
                    .collect::<Vec<_>>()
                    .join(" "),
            )),
        }
    }
    .await;
    Ok(match result {
        Ok(None) => Redirect::to(&format!("/vuln/devices/{id}")).into_response(),
        Ok(Some(message)) => device_view(&state, c, id, message).await?,
        Err(e) => return Err(e.into()),
    })
}

#[derive(Template)]
#[template(path = "vuln/cve.html")]
struct VulnPage<'a> {
    c: &'a Ctx,
    detail: VulnDetail,
    rows: Vec<RowText>,
    /// Devices affected (not suppressed).
    device_count: usize,
    suppressed: Vec<RowText>,
    kinds: Vec<(&'static str, String)>,
    today: String,
    back: String,
}

impl VulnPage<'_> {
    fn cvss(&self) -> String {
        if self.detail.cvss_x10 == 0 {
            String::new()
        } else {
            format!("{:.1}", self.detail.cvss_x10 as f64 / 10.0)
        }
    }
}

async fn vuln_page(Hall(state, c): Hall, Path(id): Path<String>) -> PageResult {
    let c = c.active("vuln");
    let facility_id = c.facility()?;
    let id = id.trim().to_ascii_uppercase();
    let result = async {
        let detail = view::detail(&state.db, &id).await?;
        let listing = view::for_vuln(&state.db, facility_id, &id, today()).await?;
        Ok::<_, VulnError>((detail, listing))
    }
    .await;
    let (detail, listing) = result?;
    let mut rows = listing.high;
    rows.extend(listing.low);
    let page = VulnPage {
        c: &c,
        back: format!("/vuln/cves/{}", detail.id),
        detail,
        device_count: rows.iter().map(|r| r.devices.len()).sum(),
        rows: texts(&c, rows, LISTED_ON_VULN),
        suppressed: texts(&c, listing.suppressed, LISTED_ON_VULN),
        kinds: kinds(&c),
        today: today().format("%Y-%m-%d").to_string(),
    };
    render(&page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SuppressForm {
    device_id: i64,
    vuln_id: String,
    kind: String,
    reason: String,
    until: String,
    /// The page to go back to.
    back: String,
    /// "1": the mark is for every device of the row, not only `device_id`.
    all_in_row: String,
}

impl SuppressForm {
    /// The devices the form is about: the row's, when it stood for several.
    async fn devices(&self, db: &crate::db::Db, facility_id: i64) -> Result<Vec<i64>, VulnError> {
        if self.all_in_row == "1" {
            view::row_devices(
                db,
                facility_id,
                self.vuln_id.trim(),
                self.device_id,
                today(),
            )
            .await
        } else {
            Ok(vec![self.device_id])
        }
    }
}

fn back_to(back: &str) -> String {
    // Only our own pages: never an open redirect.
    if back.starts_with("/vuln") && !back.starts_with("//") && !back.contains("://") {
        back.to_string()
    } else {
        "/vuln".to_string()
    }
}

#[derive(Template)]
#[template(path = "vuln/refused.html")]
struct RefusedPage<'a> {
    c: &'a Ctx,
    message: String,
    back: String,
}

async fn suppress(Hall(state, c): Hall, PostForm(form): PostForm<SuppressForm>) -> PageResult {
    let facility_id = c.facility()?;
    let back = back_to(&form.back);
    let device_ids = form.devices(&state.db, facility_id).await?;
    let pairs = [(form.vuln_id.trim().to_string(), device_ids)];
    let mark = (
        form.kind.as_str(),
        form.reason.as_str(),
        form.until.as_str(),
    );
    record_marks(&state, c, facility_id, (&pairs, mark), back).await
}

/// A mark as typed: kind, reason, last day.
type Mark<'a> = (&'a str, &'a str, &'a str);

/// Saves one mark (kind, reason, until) for each vulnerability's devices and goes back, or
/// says what to fix.
async fn record_marks(
    state: &AppState,
    c: Ctx,
    facility_id: i64,
    (pairs, (kind, reason, until)): (&[(String, Vec<i64>)], Mark<'_>),
    back: String,
) -> PageResult {
    let request = view::SuppressRequest {
        pairs,
        kind,
        reason,
        until,
    };
    Ok(
        match view::suppress(&state.db, &c.actor(), facility_id, &request, today()).await {
            Ok(()) => Redirect::to(&back).into_response(),
            Err(VulnError::Invalid(key)) => {
                let c = c.active("vuln");
                (
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    render(&RefusedPage {
                        c: &c,
                        message: c.t(key),
                        back,
                    })?,
                )
                    .into_response()
            }
            Err(e) => return Err(e.into()),
        },
    )
}

/// The bulk form: its fields, with `pick` repeated once per row chosen.
#[derive(Default)]
struct BulkForm {
    kind: String,
    reason: String,
    until: String,
    back: String,
    /// The rows picked, each `VULN_ID|DEVICE_ID` (the row's first device).
    pick: Vec<String>,
    /// Every current match of this device.
    device: Option<i64>,
    /// Every device with this vulnerability.
    vuln: String,
}

impl BulkForm {
    fn of(fields: Vec<(String, String)>) -> BulkForm {
        let mut form = BulkForm::default();
        for (name, value) in fields {
            match name.as_str() {
                "kind" => form.kind = value,
                "reason" => form.reason = value,
                "until" => form.until = value,
                "back" => form.back = value,
                "pick" => form.pick.push(value),
                "device" => form.device = value.trim().parse().ok(),
                "vuln" => form.vuln = value,
                _ => {}
            }
        }
        form
    }
}

/// One mark for many matches: a selection of rows, a device's, or a vulnerability's.
async fn bulk_suppress(
    Hall(state, c): Hall,
    PostForm(fields): PostForm<Vec<(String, String)>>,
) -> PageResult {
    let form = BulkForm::of(fields);
    let facility_id = c.facility()?;
    let back = back_to(&form.back);
    let today = today();
    let listing = if let Some(device) = form.device {
        view::listing(&state.db, facility_id, Some(device), today).await?
    } else if !form.vuln.trim().is_empty() {
        view::for_vuln(&state.db, facility_id, form.vuln.trim(), today).await?
    } else {
        view::listing(&state.db, facility_id, None, today).await?
    };
    let picked: std::collections::HashSet<(&str, i64)> = form
        .pick
        .iter()
        .filter_map(|p| {
            let (vuln, device) = p.split_once('|')?;
            Some((vuln, device.parse().ok()?))
        })
        .collect();
    let whole = form.device.is_some() || !form.vuln.trim().is_empty();
    let pairs: Vec<(String, Vec<i64>)> = listing
        .high
        .iter()
        .chain(&listing.low)
        .filter(|r| whole || picked.contains(&(r.vuln_id.as_str(), r.device_id())))
        .map(|r| {
            let devices = match form.device {
                // A device's marks are for that device, not its whole row.
                Some(device) => vec![device],
                None => r.devices.iter().map(|d| d.id).collect(),
            };
            (r.vuln_id.clone(), devices)
        })
        .collect();
    let mark = (
        form.kind.as_str(),
        form.reason.as_str(),
        form.until.as_str(),
    );
    record_marks(&state, c, facility_id, (&pairs, mark), back).await
}

async fn unsuppress(Hall(state, c): Hall, PostForm(form): PostForm<SuppressForm>) -> PageResult {
    let facility_id = c.facility()?;
    let device_ids = form.devices(&state.db, facility_id).await?;
    Ok(
        match view::lift(
            &state.db,
            &c.actor(),
            facility_id,
            &device_ids,
            form.vuln_id.trim(),
        )
        .await
        {
            Ok(()) => Redirect::to(&back_to(&form.back)).into_response(),
            Err(e) => return Err(e.into()),
        },
    )
}

#[derive(Template)]
#[template(path = "vuln/feeds.html")]
struct FeedsPage<'a> {
    c: &'a Ctx,
    feeds: FeedBox,
    reports: Vec<FileReport>,
    error: String,
}

/// What imports brought, kept a few minutes for the page the import redirects to: reloading
/// that page shows the report again and never sends the file twice.
type Kept = (i64, std::time::Instant, Vec<FileReport>);

#[derive(Default)]
struct RecentReports(std::sync::Mutex<std::collections::HashMap<String, Kept>>);

impl RecentReports {
    const KEPT: std::time::Duration = std::time::Duration::from_secs(15 * 60);

    fn keep(&self, user_id: i64, reports: Vec<FileReport>) -> String {
        let token = crate::auth::secrets::random_token();
        let mut all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        all.retain(|_, (_, at, _)| at.elapsed() < Self::KEPT);
        // A person imports a handful at a time; this bounds what a script could pile up.
        if all.len() >= 64 {
            all.clear();
        }
        all.insert(token.clone(), (user_id, std::time::Instant::now(), reports));
        token
    }

    fn get(&self, token: &str, user_id: i64) -> Vec<FileReport> {
        let all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        all.get(token)
            .filter(|(owner, at, _)| *owner == user_id && at.elapsed() < Self::KEPT)
            .map(|(_, _, reports)| reports.clone())
            .unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FeedsQuery {
    report: String,
}

async fn feeds_page(
    State(state): State<AppState>,
    c: Ctx,
    axum::extract::Query(q): axum::extract::Query<FeedsQuery>,
) -> PageResult {
    let reports = match (q.report.is_empty(), c.user()) {
        (false, Some(user)) => state.shared::<RecentReports>().get(&q.report, user.id),
        _ => Vec::new(),
    };
    feeds_view(&state, c, reports, String::new()).await
}

async fn feeds_view(
    state: &AppState,
    c: Ctx,
    reports: Vec<FileReport>,
    error: String,
) -> PageResult {
    let c = c.active("vuln");
    Ok(match feed_box(state, &c).await {
        Ok(feeds) => render(&FeedsPage {
            c: &c,
            feeds,
            reports,
            error,
        })?,
        Err(e) => return Err(e.into()),
    })
}

async fn import(Hall(state, c): Hall, mut multipart: Multipart) -> PageResult {
    let upload = read_upload(
        &mut multipart,
        &state.upload_dir(),
        "file",
        "feed",
        UPLOAD_LIMIT,
    )
    .await?;
    let force = upload.field("force").is_some();
    let file = upload.non_empty_file();
    let Some(mut file) = file else {
        let message = c.t("vuln-feeds-no-file");
        return feeds_view(&state, c, Vec::new(), message).await;
    };
    Ok(
        match store::import_bytes(
            &state.db,
            &c.actor(),
            &file.name,
            std::mem::take(&mut file.bytes),
            force,
        )
        .await
        {
            Ok(reports) => {
                if let Err(e) =
                    super::matches::refresh_all(&state.db, super::matches::Cause::Feed).await
                {
                    return Err(e.into());
                }
                alerts::deliver_in_background(&state);
                // Post, redirect, get: a reload shows the report, it does not import again.
                let user = c
                    .user()
                    .map(|u| u.id)
                    .ok_or(crate::kernel::RoomError::Forbidden)?;
                let token = state.shared::<RecentReports>().keep(user, reports);
                Redirect::to(&format!("/vuln/feeds?report={token}")).into_response()
            }
            Err(VulnError::Feed(e)) => feeds_view(&state, c, Vec::new(), e.to_string()).await?,
            Err(e @ VulnError::Older { .. }) => {
                let message = format!("{} {}", c.t("vuln-feeds-older"), e);
                feeds_view(&state, c, Vec::new(), message).await?
            }
            Err(e) => return Err(e.into()),
        },
    )
}

#[derive(Template)]
#[template(path = "vuln/alerts.html")]
struct AlertsPage<'a> {
    c: &'a Ctx,
    alerts: Vec<alerts::Alert>,
    settings: alerts::SettingsView,
}

impl AlertsPage<'_> {
    /// How an alert went out by e-mail and webhook, in words (stored as `off`, `sent`,
    /// `sent (200)` or `error: …`).
    fn delivery(&self, a: &alerts::Alert) -> String {
        let one = |channel: &str, status: &str| -> Option<String> {
            let channel = self.c.t(channel);
            match status {
                "" => Some(self.c.t1("vuln-delivery-waiting", "channel", &channel)),
                "off" => None,
                s if s.starts_with("sent") => {
                    Some(self.c.t1("vuln-delivery-sent", "channel", &channel))
                }
                s => Some(self.c.t2(
                    "vuln-delivery-failed",
                    "channel",
                    &channel,
                    "reason",
                    &s.trim_start_matches("error: "),
                )),
            }
        };
        let said: Vec<String> = [
            one("vuln-channel-email", &a.email_status),
            one("vuln-channel-webhook", &a.webhook_status),
        ]
        .into_iter()
        .flatten()
        .collect();
        if said.is_empty() {
            self.c.t("vuln-delivery-off")
        } else {
            said.join(" ・ ")
        }
    }
}

/// A feed as people know it: `kev` → CISA KEV, `nvd:nvdcve-1.1-2019` → NVD 2019年分.
pub fn feed_words(c: &crate::i18n::Tr, feed: &str) -> String {
    let (source, stem) = feed.split_once(':').unwrap_or((feed, ""));
    match source {
        "kev" => c.t("vuln-feed-kev"),
        "nvd" => match stem
            .strip_prefix("nvdcve-1.1-")
            .or(stem.strip_prefix("nvdcve-2.0-"))
        {
            Some(year) if year.chars().all(|ch| ch.is_ascii_digit()) => {
                c.t1("vuln-feed-nvd-year", "year", &year)
            }
            _ if stem == "api-update" => c.t("vuln-feed-nvd-api"),
            _ => c.t1("vuln-feed-nvd-file", "name", &stem),
        },
        "jvn" => c.t1("vuln-feed-jvn", "name", &stem),
        "cpe" => c.t("vuln-feed-cpe"),
        _ => feed.to_string(),
    }
}

async fn alerts_page(State(state): State<AppState>, c: Ctx) -> PageResult {
    let c = c.active("vuln");
    let facility_id = c.facility()?;
    Ok(match alerts::list(&state.db, facility_id, 200).await {
        Ok(list) => render(&AlertsPage {
            c: &c,
            alerts: list,
            settings: alerts::SettingsView::of(&super::settings::alerts(&state.config)),
        })?,
        Err(e) => return Err(e.into()),
    })
}

#[derive(Deserialize, Default)]
struct Empty {}

async fn mark_read(Hall(state, c): Hall, PostForm(_): PostForm<Empty>) -> PageResult {
    let facility_id = c.facility()?;
    Ok(match alerts::mark_read(&state.db, facility_id).await {
        Ok(()) => Redirect::to("/vuln/alerts").into_response(),
        Err(e) => return Err(e.into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_every_row_once() {
        let empty = Pager::new(None, 0);
        assert_eq!((empty.pages, empty.range()), (1, 0..0));
        let one = Pager::new(Some(1), ROWS_PER_PAGE);
        assert_eq!((one.pages, one.range()), (1, 0..ROWS_PER_PAGE));
        let rows = ROWS_PER_PAGE * 2 + 7;
        let covered: Vec<usize> = (1..=3)
            .flat_map(|p| Pager::new(Some(p), rows).range())
            .collect();
        assert_eq!(covered, (0..rows).collect::<Vec<_>>());
        let last = Pager::new(Some(3), rows);
        assert_eq!(
            (last.first_row, last.last_row),
            (ROWS_PER_PAGE * 2 + 1, rows)
        );
        // A page number past the end (a stale link) shows the last page, not an empty one.
        assert_eq!(Pager::new(Some(99), rows).page, 3);
        assert_eq!(Pager::new(Some(0), rows).page, 1);
    }

    #[test]
    fn ranges_read_as_words() {
        use crate::i18n::{Lang, Tr};
        let ja = Tr::new(Lang::Ja);
        assert_eq!(range_words(&ja, ">= 8.1.0, <= 8.1.2"), "8.1.0〜8.1.2");
        assert_eq!(
            range_words(&ja, ">= 9.0r1, < 9.0r3.4"),
            "9.0r1 以上 9.0r3.4 未満"
        );
        assert_eq!(range_words(&ja, "< 6.0.5"), "6.0.5 未満");
        assert_eq!(range_words(&ja, "= 9.0r3"), "9.0r3");
        assert_eq!(range_words(&ja, ""), "全バージョン");
        let en = Tr::new(Lang::En);
        assert_eq!(range_words(&en, "<= 6.0.4"), "up to 6.0.4");
    }
}

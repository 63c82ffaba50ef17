//! The hall: router assembly, the route table with its role decisions, sessions, CSRF,
//! security headers, language, layout and static assets. Rooms add their pages here.

pub mod assets;
pub mod audit_pages;
pub mod ctx;
pub mod dashboard;
pub mod errors;
pub mod security;
pub mod session;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};

use crate::config::Config;
use crate::db::Db;
use crate::users::model::Role;

pub use ctx::Ctx;
pub use errors::WebError;

/// Shared state of the web server.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: Db,
    pub config: Config,
    /// Key for the CSRF tokens of visitors who are not signed in (login and setup forms).
    pub csrf_key: Vec<u8>,
    setup_done: AtomicBool,
    /// Spreadsheets uploaded for import, waiting for their commit.
    pub imports: crate::ledger::import_pages::PendingImports,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub async fn new(db: Db, config: Config) -> Result<AppState, crate::db::DbError> {
        let csrf_key = session::load_or_create_csrf_key(&db).await?;
        let setup_done = crate::auth::setup::is_done(&db).await?;
        Ok(AppState(Arc::new(Inner {
            db,
            config,
            csrf_key,
            setup_done: AtomicBool::new(setup_done),
            imports: Default::default(),
        })))
    }

    pub fn setup_done(&self) -> bool {
        self.setup_done.load(Ordering::Relaxed)
    }

    pub fn mark_setup_done(&self) {
        self.setup_done.store(true, Ordering::Relaxed);
    }
}

/// Who may use a route. Every route is declared with one, so none can be added without a
/// decision; a test walks this table with each role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No sign-in needed (login, setup, health check, assets).
    Public,
    /// Any signed-in user, vendors included: their own profile, password, 2FA, sign-out.
    SignedIn,
    /// Reading hospital data: admin, staff, viewer.
    Read,
    /// Changing security data: admin, staff.
    Edit,
    /// Users and settings: admin.
    Admin,
}

impl Access {
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public | Access::SignedIn => true,
            Access::Read => role.can_read_hospital_data(),
            Access::Edit => role.can_edit(),
            Access::Admin => role.is_admin(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// Builds the router and the list of routes with their access rule at the same time.
pub struct RouteTable {
    router: Router<AppState>,
    specs: Vec<RouteSpec>,
}

impl RouteTable {
    fn new() -> Self {
        RouteTable {
            router: Router::new(),
            specs: Vec::new(),
        }
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        route: MethodRouter<AppState>,
    ) -> Self {
        let route = route.route_layer(middleware::from_fn(move |req: Request, next: Next| {
            session::enforce_access(access, req, next)
        }));
        self.router = self.router.route(path, route);
        self.specs.push(RouteSpec {
            method,
            path,
            access,
        });
        self
    }

    pub fn get<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, access, get(handler))
    }

    pub fn post<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, access, post(handler))
    }

    pub fn specs(&self) -> &[RouteSpec] {
        &self.specs
    }
}

/// Every route of the application. Rooms register theirs here.
pub fn route_table() -> RouteTable {
    let table = RouteTable::new()
        .get("/healthz", Access::Public, healthz)
        .get("/static/{file}", Access::Public, assets::serve)
        .post("/language", Access::Public, session::switch_language)
        .get("/", Access::Read, dashboard::page)
        .get("/audit", Access::Read, audit_pages::list);
    let table = crate::auth::pages::routes(table);
    let table = crate::facility::pages::routes(table);
    let table = crate::ledger::pages::routes(table);
    let table = crate::ledger::discovery_pages::routes(table);
    let table = crate::ledger::import_pages::routes(table);
    let table = crate::ledger::stocktake_pages::routes(table);
    let table = crate::ledger::diagram_pages::routes(table);
    let table = crate::ledger::fields_pages::routes(table);
    let table = crate::checklist::pages::routes(table);
    let table = crate::vuln::pages::routes(table);
    crate::users::pages::routes(table)
}

/// The menu of built rooms; later rooms add their entry here.
pub fn nav_items(role: Role) -> Vec<ctx::NavItem> {
    let mut items = Vec::new();
    if role.can_read_hospital_data() {
        items.push(ctx::NavItem::new("home", "/", mkey!("nav-home")));
        items.push(ctx::NavItem::new("ledger", "/ledger", mkey!("nav-ledger")));
        items.push(ctx::NavItem::new(
            "connections",
            "/connections",
            mkey!("nav-connections"),
        ));
        items.push(ctx::NavItem::new(
            "checklist",
            "/checklist",
            mkey!("nav-checklist"),
        ));
        items.push(ctx::NavItem::new("vuln", "/vuln", mkey!("nav-vuln")));
        items.push(ctx::NavItem::new(
            "discovery",
            "/discovery",
            mkey!("nav-discovery"),
        ));
        items.push(ctx::NavItem::new(
            "facility",
            "/facility",
            mkey!("nav-facility"),
        ));
        items.push(ctx::NavItem::new("audit", "/audit", mkey!("nav-audit")));
    }
    if role == Role::Vendor {
        items.push(ctx::NavItem::new(
            "checklist",
            "/checklist",
            mkey!("nav-checklist"),
        ));
    }
    if role.is_admin() {
        items.push(ctx::NavItem::new(
            "users",
            "/admin/users",
            mkey!("nav-users"),
        ));
    }
    items.push(ctx::NavItem::new(
        "account",
        "/account",
        mkey!("nav-account"),
    ));
    items
}

pub fn router(state: AppState) -> Router {
    route_table()
        .router
        .fallback(errors::not_found)
        // Uploads (scans, later ledger files) may be large; plain forms are limited in `session::visit`.
        .layer(axum::extract::DefaultBodyLimit::max(session::UPLOAD_LIMIT))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::visit,
        ))
        .layer(middleware::from_fn(security::origin_check))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .layer(middleware::from_fn(security::request_log))
        .with_state(state)
}

async fn healthz() -> Response {
    "ok".into_response()
}

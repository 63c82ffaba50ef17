//! The hall: router assembly, the route table with its role decisions, sessions, CSRF,
//! security headers, language, layout and static assets. Rooms plug in through the room list
//! (`crate::rooms`); the hall names none of them.

pub mod assets;
pub mod audit_pages;
pub mod ctx;
pub mod dashboard;
pub mod errors;
pub mod room;
pub mod security;
pub mod session;

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};

use crate::config::Config;
use crate::db::Db;
use crate::kernel::Role;
use crate::rooms::ROOMS;

pub use crate::kernel::Access;
pub use ctx::{Ctx, Hall};
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
    /// What rooms keep in memory while the server runs (uploads waiting for their commit…),
    /// one value per type.
    shared: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
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
            shared: Mutex::new(HashMap::new()),
        })))
    }

    /// A room's in-memory value of type `T`, made on first use and kept while the server runs.
    pub fn shared<T: Any + Default + Send + Sync>(&self) -> Arc<T> {
        let mut map = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        let value = map
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(T::default()) as Arc<dyn Any + Send + Sync>)
            .clone();
        // The map is keyed by the value's own type, so the cast cannot fail.
        value
            .downcast::<T>()
            .unwrap_or_else(|_| Arc::new(T::default()))
    }

    /// Where uploads wait (private files) while they arrive.
    pub fn upload_dir(&self) -> std::path::PathBuf {
        self.config.data_dir.join("uploads")
    }

    pub fn setup_done(&self) -> bool {
        self.setup_done.load(Ordering::Relaxed)
    }

    pub fn mark_setup_done(&self) {
        self.setup_done.store(true, Ordering::Relaxed);
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

/// Every route of the application: the hall's own, sign-in, then each room's.
pub fn route_table() -> RouteTable {
    let table = RouteTable::new()
        .get("/healthz", Access::Public, healthz)
        .get("/static/{file}", Access::Public, assets::serve)
        .post("/language", Access::Public, session::switch_language)
        .get("/", Access::Read, dashboard::page)
        .get("/audit", Access::Read, audit_pages::list);
    let table = crate::auth::pages::routes(table);
    ROOMS.iter().fold(table, |table, room| (room.routes)(table))
}

/// The hall's own menu entries; rooms add theirs through the room list.
static HALL_MENU: [room::MenuEntry; 2] = [
    room::MenuEntry {
        id: "home",
        href: "/",
        label_key: crate::mkey!("nav-home"),
        access: Access::Read,
        order: 0,
    },
    room::MenuEntry {
        id: "audit",
        href: "/audit",
        label_key: crate::mkey!("nav-audit"),
        access: Access::Read,
        order: 70,
    },
];

/// The menu a role sees, in order.
pub fn nav_items(role: Role) -> Vec<ctx::NavItem> {
    let mut entries: Vec<&room::MenuEntry> = HALL_MENU
        .iter()
        .chain(ROOMS.iter().flat_map(|room| room.menu.iter()))
        .filter(|entry| entry.access.allows(role))
        .collect();
    entries.sort_by_key(|entry| entry.order);
    entries
        .into_iter()
        .map(|entry| ctx::NavItem::new(entry.id, entry.href, entry.label_key))
        .collect()
}

pub fn router(state: AppState) -> Router {
    router_from(route_table(), state)
}

/// The router of a route table with the hall's layers (a test adds routes of a room to come).
pub fn router_from(table: RouteTable, state: AppState) -> Router {
    table
        .router
        .fallback(errors::not_found)
        // Uploads (scans, later ledger files) may be large; plain forms are limited in `session::visit`.
        .layer(axum::extract::DefaultBodyLimit::max(session::UPLOAD_LIMIT))
        .layer(middleware::from_fn(errors::error_pages))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::visit,
        ))
        .layer(middleware::from_fn(security::origin_check))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::host_check,
        ))
        .layer(middleware::from_fn(security::request_log))
        .with_state(state)
}

async fn healthz() -> Response {
    "ok".into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The intended access of a route, written apart from the declarations so that a wrong
    /// declaration (say, a viewer able to post) fails here and not in production.
    fn intended(method: &Method, path: &str) -> Access {
        let post = *method == Method::POST;
        let public = [
            "/healthz",
            "/static/{file}",
            "/language",
            "/setup",
            "/login",
            "/login/2fa",
        ];
        if public.contains(&path) {
            return Access::Public;
        }
        if path == "/logout" || path == "/account" || path.starts_with("/account/") {
            return Access::SignedIn;
        }
        // A vendor's person answers the 事業者確認用 of their own vendor, and nothing else.
        if (path == "/checklist" && !post)
            || path == "/checklist/vendor-forms"
            || path.starts_with("/checklist/forms/{id}")
            || path == "/checklist/files/{id}"
            || path == "/checklist/evidence/{id}/delete"
        {
            return Access::VendorSelf;
        }
        // Patient records of the downtime reference, when that room comes.
        if path.starts_with("/downtime/patients") {
            return Access::PatientData;
        }
        if path.starts_with("/admin/")
            || path == "/ledger/fields"
            || path.starts_with("/ledger/fields/")
            || path == "/checklist/wording"
        {
            return Access::Admin;
        }
        if post {
            return Access::Edit;
        }
        // Pages whose only use is to change something.
        let editing_pages = path.ends_with("/new")
            || path.ends_with("/edit")
            || path.starts_with("/ledger/import/{token}");
        if editing_pages {
            Access::Edit
        } else {
            Access::Read
        }
    }

    #[test]
    fn every_route_declares_its_intended_access() {
        let table = route_table();
        let wrong: Vec<String> = table
            .specs()
            .iter()
            .filter(|spec| spec.access != intended(&spec.method, spec.path))
            .map(|spec| {
                format!(
                    "{} {}: declared {:?}, intended {:?}",
                    spec.method,
                    spec.path,
                    spec.access,
                    intended(&spec.method, spec.path)
                )
            })
            .collect();
        assert!(table.specs().len() > 80, "{}", table.specs().len());
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn the_menu_follows_the_role() {
        let ids = |role| nav_items(role).iter().map(|n| n.id).collect::<Vec<_>>();
        assert_eq!(
            ids(Role::Admin),
            [
                "home",
                "ledger",
                "connections",
                "checklist",
                "vuln",
                "discovery",
                "facility",
                "audit",
                "users",
                "account"
            ]
        );
        assert_eq!(ids(Role::Vendor), ["checklist", "account"]);
        assert!(!ids(Role::Staff).contains(&"users"));
    }
}

//! Test kit: a real mamori server on 127.0.0.1:0 against a temporary SQLite file or a fresh
//! PostgreSQL database, and an HTTP client that keeps cookies and the CSRF token.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::PathBuf;
use std::sync::Mutex;

use mamori_app::config::Config;
use mamori_app::db::{Db, OpenMode};
use mamori_app::server::{self, Running};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use sqlx::{AssertSqlSafe, Connection};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server the test script started, or None (then the test says so and skips,
/// except under CI, where a missing server is a failure).
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("MAMORI_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!(
                    "CI=true but MAMORI_TEST_PG_URL is not set: the PostgreSQL tests must run in CI (use scripts/test.sh)"
                );
            }
            eprintln!(
                "SKIPPED: PostgreSQL tests need MAMORI_TEST_PG_URL (scripts/test.sh starts a server and sets it)"
            );
            None
        }
    }
}

/// A folder of ../shared/data, or None (skipping, with a message) when it is absent outside CI.
pub fn shared_data(sub: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(sub);
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but {} is missing", dir.display());
    }
    eprintln!(
        "SKIPPED: {} is absent (shared data sits beside the project)",
        dir.display()
    );
    None
}

/// Whether nmap is installed; under CI=true it must be.
pub fn nmap_installed() -> bool {
    if mamori_app::ledger::discovery_run::nmap_path().is_some() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but nmap is not installed");
    }
    eprintln!("SKIPPED: nmap is not installed");
    false
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 6];
    mamori_app::auth::secrets::fill_random(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh, empty database for one test.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Option<TestDb> {
        let dir = tempfile::tempdir().unwrap();
        match backend {
            Backend::Sqlite => Some(TestDb {
                url: format!("sqlite://{}", dir.path().join("mamori.db").display()),
                dir,
                pg: None,
            }),
            Backend::Postgres => {
                let admin = postgres_admin_url()?;
                sqlx::any::install_default_drivers();
                let name = format!("mamori_test_{}", random_suffix());
                let mut conn = sqlx::AnyConnection::connect(&admin).await.unwrap();
                sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                conn.close().await.unwrap();
                let (base, _) = admin.rsplit_once('/').unwrap();
                Some(TestDb {
                    url: format!("{base}/{name}"),
                    dir,
                    pg: Some((admin, name)),
                })
            }
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    pub fn config(&self) -> Config {
        Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: self.data_dir(),
            database_url: Some(self.url.clone()),
            // Most tests act as the administrator without a phone; the default (on) is tested
            // by itself in security::administrators_enrol_two_factor_as_the_last_step_of_setup.
            admin_two_factor: false,
            ..Config::default()
        }
    }

    pub async fn open(&self) -> Db {
        Db::open(&self.url, OpenMode::CreateAndMigrate)
            .await
            .unwrap()
    }

    /// Drops the PostgreSQL database (SQLite files go with the temp folder).
    pub async fn drop_database(&self) {
        if let Some((admin, name)) = &self.pg
            && let Ok(mut conn) = sqlx::AnyConnection::connect(admin).await
        {
            let _ = sqlx::query(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await;
        }
    }
}

pub struct TestServer {
    pub db: TestDb,
    pub running: Option<Running>,
    pub base: String,
}

pub const ADMIN_LOGIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "correct-horse-battery-staple";

impl TestServer {
    pub async fn start(backend: Backend) -> Option<TestServer> {
        let db = TestDb::new(backend).await?;
        Some(Self::start_on(db).await)
    }

    pub async fn start_on(db: TestDb) -> TestServer {
        Self::start_with(db, |_| {}).await
    }

    pub async fn start_with(db: TestDb, adjust: impl FnOnce(&mut Config)) -> TestServer {
        let mut config = db.config();
        adjust(&mut config);
        let opened = db.open().await;
        let running = server::start(opened, config, false).await.unwrap();
        let base = format!("http://{}", running.addr);
        TestServer {
            db,
            running: Some(running),
            base,
        }
    }

    pub fn state(&self) -> &mamori_app::web::AppState {
        &self.running.as_ref().unwrap().state
    }

    pub fn pool(&self) -> &sqlx::AnyPool {
        self.state().db.pool()
    }

    pub async fn setup_link(&self) -> String {
        let running = self.running.as_ref().unwrap();
        server::setup_link(&running.state, running.addr)
            .await
            .unwrap()
            .unwrap()
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// A client on another loopback address (see [`Client::from_address`]).
    pub fn client_from(&self, ip: &str) -> Client {
        Client::from_address(&self.base, ip)
    }

    /// Runs setup through the web form and returns a client signed in as the administrator.
    pub async fn with_admin(&self) -> Client {
        let link = self.setup_link().await;
        let client = self.client();
        let page = client.get_url(&link).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let token = link.split("token=").nth(1).unwrap().to_string();
        let done = client
            .post(
                "/setup",
                &[
                    ("token", token.as_str()),
                    ("facility_name", "テスト記念病院"),
                    ("login", ADMIN_LOGIN),
                    ("display_name", "管理 太郎"),
                    ("password", ADMIN_PASSWORD),
                    ("password_confirm", ADMIN_PASSWORD),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        // Setting up signs the administrator in; pick up the session's CSRF token.
        assert_eq!(done.location(), "/", "{}", done.body);
        client.get("/account").await;
        client
    }

    /// Creates a user through the admin pages and returns a client signed in as them.
    pub async fn user_client(&self, admin: &Client, login: &str, role: &str) -> Client {
        let password = "another-long-password-1";
        let created = admin
            .post(
                "/admin/users",
                &[
                    ("login", login),
                    ("display_name", login),
                    ("role", role),
                    (
                        "vendor_name",
                        if role == "vendor" {
                            "日本医療システム株式会社"
                        } else {
                            ""
                        },
                    ),
                    ("password", password),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let client = self.client();
        client.login(login, password).await;
        client
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(self.pool())
            .await
            .unwrap()
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.unwrap();
        }
        self.db.drop_database().await;
    }
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> String {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }

    /// The attribute text that follows the first `marker` in the body, up to its closing quote:
    /// `quoted_after("action=\"/stocktake/")` gives `12/check`.
    pub fn quoted_after(&self, marker: &str) -> String {
        self.body
            .split(marker)
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("no {marker} in {}", self.body))
            .to_string()
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect()
    }
}

/// A browser-like client: keeps cookies, does not follow redirects, and sends the CSRF token
/// it last saw in a page.
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    csrf: Mutex<String>,
}

pub fn extract_csrf(body: &str) -> Option<String> {
    let marker = "name=\"_csrf\" value=\"";
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')?;
    Some(body[start..start + end].to_string())
}

impl Client {
    pub fn new(base: &str) -> Client {
        Self::with_builder(base, reqwest::Client::builder())
    }

    /// A client whose requests come from another loopback address (127.0.0.2 …), as a second
    /// computer would: the server tells visitors apart by address.
    pub fn from_address(base: &str, ip: &str) -> Client {
        let ip: std::net::IpAddr = ip.parse().unwrap();
        Self::with_builder(base, reqwest::Client::builder().local_address(ip))
    }

    fn with_builder(base: &str, builder: reqwest::ClientBuilder) -> Client {
        // mamori-net turns on reqwest's rustls backend for the whole build; it needs a process
        // provider chosen before the first client.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Client {
            base: base.to_string(),
            http: builder
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            csrf: Mutex::new(String::new()),
        }
    }

    async fn page(&self, response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        if let Some(token) = extract_csrf(&body) {
            *self.csrf.lock().unwrap() = token;
        }
        Page {
            status,
            headers,
            body,
        }
    }

    pub async fn get_url(&self, url: &str) -> Page {
        let response = self.http.get(url).send().await.unwrap();
        self.page(response).await
    }

    pub async fn get(&self, path: &str) -> Page {
        self.get_url(&format!("{}{path}", self.base)).await
    }

    pub fn csrf(&self) -> String {
        self.csrf.lock().unwrap().clone()
    }

    /// Posts a form with the current CSRF token (fetching a page first if none is known).
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        if self.csrf().is_empty() {
            self.get("/login").await;
        }
        let token = self.csrf();
        let mut fields: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        fields.extend_from_slice(form);
        self.post_raw(path, &fields).await
    }

    /// Posts every form at once (each with the current CSRF token) and returns each answer's
    /// status and body, in order: parallel requests, as an attacker would send them.
    /// Posts a new record's form to a list (`/ledger`, `/systems`, …) and returns the id the
    /// server sent back in its `LIST/ID?saved=1` redirect.
    pub async fn create(&self, list: &str, form: &[(&str, &str)]) -> String {
        let made = self.post(list, form).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{list}: {}", made.body);
        let location = made.location();
        location
            .strip_prefix(&format!("{list}/"))
            .and_then(|rest| rest.strip_suffix("?saved=1"))
            .unwrap_or_else(|| panic!("{list}: redirected to {location}"))
            .to_string()
    }

    pub async fn post_at_once(&self, path: &str, forms: Vec<Vec<(&str, String)>>) -> Vec<Page> {
        let token = self.csrf();
        let url = format!("{}{path}", self.base);
        let posts = forms.into_iter().map(|mut fields| {
            fields.insert(0, ("_csrf", token.clone()));
            let request = self.http.post(&url).form(&fields);
            async move {
                let response = request.send().await.unwrap();
                Page {
                    status: response.status(),
                    headers: response.headers().clone(),
                    body: response.text().await.unwrap(),
                }
            }
        });
        futures_util::future::join_all(posts).await
    }

    /// Uploads a file as a multipart form (with the CSRF token unless `csrf` is false).
    pub async fn upload(
        &self,
        path: &str,
        field: &str,
        name: &str,
        bytes: Vec<u8>,
        csrf: bool,
    ) -> Page {
        self.upload_with(path, &[], field, name, bytes, csrf).await
    }

    /// Uploads a file with other form fields before it.
    pub async fn upload_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        field: &str,
        name: &str,
        bytes: Vec<u8>,
        csrf: bool,
    ) -> Page {
        let mut form = reqwest::multipart::Form::new();
        if csrf {
            form = form.text("_csrf", self.csrf());
        }
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        let form = form.part(
            field.to_string(),
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .multipart(form)
            .send()
            .await
            .unwrap();
        self.page(response).await
    }

    pub async fn post_raw(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        self.page(response).await
    }

    /// Signs in with password and 2FA code (or recovery code); returns the answer to the code.
    pub async fn login_two_factor(&self, login: &str, password: &str, code: &str) -> Page {
        self.password_step(login, password).await;
        self.post("/login/2fa", &[("code", code)]).await
    }

    /// The first step of a sign-in with 2FA: the password, answered by the code page (opened).
    /// Returns the answer to the password.
    pub async fn password_step(&self, login: &str, password: &str) -> Page {
        self.get("/login").await;
        let step1 = self
            .post("/login", &[("login", login), ("password", password)])
            .await;
        assert_eq!(step1.location(), "/login/2fa", "{}", step1.body);
        self.get("/login/2fa").await;
        step1
    }

    /// Turns on 2FA for the signed-in user; returns the secret their authenticator app holds.
    pub async fn enrol_two_factor(&self) -> String {
        let page = self.get("/account/2fa").await;
        let secret = totp_secret_from(&page.body);
        let enrolled = self
            .post("/account/2fa", &[("code", &next_totp_code(&secret))])
            .await;
        assert!(
            enrolled.status.is_success() || enrolled.status.is_redirection(),
            "{}",
            enrolled.body
        );
        secret
    }

    /// Signs in with a password (no 2FA) and checks that it worked.
    pub async fn login(&self, login: &str, password: &str) -> Page {
        self.get("/login").await;
        let page = self
            .post("/login", &[("login", login), ("password", password)])
            .await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "login failed: {}",
            page.body
        );
        // Pick up the session's CSRF token.
        self.get("/account").await;
        page
    }
}

/// The secret shown on the 2FA enrolment page.
pub fn totp_secret_from(body: &str) -> String {
    let marker = "id=\"totp-secret\">";
    let start = body.find(marker).expect("secret on the page") + marker.len();
    let end = body[start..].find('<').unwrap();
    body[start..start + end].trim().to_string()
}

/// A code for the next 30-second step: valid now (±1 step) and never already used.
pub fn next_totp_code(secret: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    mamori_app::auth::secrets::totp_code_at(secret, now + 30).unwrap()
}

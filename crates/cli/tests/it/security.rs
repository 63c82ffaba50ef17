//! Security properties, each tested: headers, CSRF, cross-origin refusal, cookies, and the role
//! decision of every route in the router's table.

use mamori_app::web::{Access, route_table};
use reqwest::StatusCode;

use crate::kit::{ADMIN_PASSWORD, Backend, Client, TestServer};

#[tokio::test]
async fn security_headers_on_every_page() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let admin = server.with_admin().await;
    for path in ["/", "/login", "/facility", "/no-such-page", "/healthz"] {
        let page = admin.get(path).await;
        let h = &page.headers;
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
    }
    // No inline script or style in our pages, so the strict CSP costs nothing.
    let page = admin.get("/facility").await;
    assert!(
        !page.body.contains("<script>")
            && !page.body.contains("style=")
            && !page.body.contains("onclick")
    );
    let css_url = page.quoted_after("href=\"/static/");
    let css = admin.get(&format!("/static/{css_url}")).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(css.body.contains("@page"));
    server.stop().await;
}

#[tokio::test]
async fn posts_without_a_valid_csrf_token_change_nothing() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let admin = server.with_admin().await;
    let before = server.count("audit_events").await;
    let facility_name = || async {
        sqlx::query_scalar::<_, String>("SELECT name FROM facilities")
            .fetch_one(server.pool())
            .await
            .unwrap()
    };
    let original = facility_name().await;
    for token in [None, Some("forged-token")] {
        let mut form = vec![("name", "乗っ取り病院")];
        if let Some(t) = token {
            form.push(("_csrf", t));
        }
        let page = admin.post_raw("/facility", &form).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        let page = admin
            .post_raw("/admin/users", &[("login", "evil"), ("role", "admin")])
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
    // The anonymous login form has its token too.
    let fresh = server.client();
    let page = fresh
        .post_raw(
            "/login",
            &[("login", "admin"), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(facility_name().await, original);
    assert_eq!(server.count("users").await, 1);
    assert_eq!(server.count("audit_events").await, before);

    // Another site's form is refused even with a token (Origin / Fetch Metadata).
    let token = admin.csrf();
    let cross = admin
        .http
        .post(format!("{}/facility", server.base))
        .header("origin", "http://evil.example")
        .form(&[("_csrf", token.as_str()), ("name", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let cross = admin
        .http
        .post(format!("{}/facility", server.base))
        .header("sec-fetch-site", "cross-site")
        .form(&[("_csrf", token.as_str()), ("name", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    assert_eq!(facility_name().await, original);
    server.stop().await;
}

#[tokio::test]
async fn session_cookie_is_safe_and_renewed_at_login() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let admin = server.with_admin().await;
    admin.post("/logout", &[]).await;
    let client = server.client();
    client.get("/login").await;
    let first = client
        .post(
            "/login",
            &[("login", "admin"), ("password", ADMIN_PASSWORD)],
        )
        .await;
    let cookie = first
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("mamori_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Path=/"),
        "{cookie}"
    );
    // Signing in again from the same browser gives a new session id and ends the old one.
    client.get("/account").await;
    let second = client
        .post(
            "/login",
            &[("login", "admin"), ("password", ADMIN_PASSWORD)],
        )
        .await;
    let cookie2 = second
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("mamori_session="))
        .unwrap();
    assert_ne!(cookie, cookie2);
    assert_eq!(
        server.count("sessions").await,
        1,
        "the replaced session must be gone"
    );
    server.stop().await;
}

fn concrete(path: &str, id: i64) -> String {
    path.replace("{id}", &id.to_string())
        .replace("{file}", "app.css")
}

async fn expect_forbidden(client: &Client, method: &reqwest::Method, path: &str) {
    let page = if *method == reqwest::Method::GET {
        client.get(path).await
    } else {
        client
            .post(
                path,
                &[
                    ("name", "x"),
                    ("role", "admin"),
                    ("password", "zzzzzzzzzzzzzzzz"),
                    ("required", "1"),
                ],
            )
            .await
    };
    assert_eq!(
        page.status,
        StatusCode::FORBIDDEN,
        "{method} {path} should be refused: {}",
        page.body
    );
}

/// Walks every route of the router's table: a viewer is refused on every write route, a staff
/// member on every administrator route, and a vendor everywhere except their own profile and
/// their own vendor's checklist forms.
#[tokio::test]
async fn every_route_enforces_its_role() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let admin = server.with_admin().await;
    let viewer = server.user_client(&admin, "viewer1", "viewer").await;
    let staff = server.user_client(&admin, "staff1", "staff").await;
    let vendor = server.user_client(&admin, "vendor1", "vendor").await;
    let target: i64 = sqlx::query_scalar("SELECT id FROM users WHERE login = 'staff1'")
        .fetch_one(server.pool())
        .await
        .unwrap();
    let table = route_table();
    let specs = table.specs();
    assert!(
        specs.len() >= 25,
        "route table looks incomplete: {}",
        specs.len()
    );
    let audit_before = server.count("audit_events").await;
    let users_before = server.count("users").await;
    let mut checked = 0;
    for spec in specs {
        let path = concrete(spec.path, target);
        let method = reqwest::Method::from_bytes(spec.method.as_str().as_bytes()).unwrap();
        if matches!(spec.access, Access::Edit | Access::Admin) {
            expect_forbidden(&viewer, &method, &path).await;
            checked += 1;
        }
        if spec.access == Access::Admin {
            expect_forbidden(&staff, &method, &path).await;
            checked += 1;
        }
        // Vendor-self routes let vendor users in; their handlers confine them (tested with the
        // checklist's vendor forms).
        if !matches!(
            spec.access,
            Access::Public | Access::SignedIn | Access::VendorSelf
        ) {
            expect_forbidden(&vendor, &method, &path).await;
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} refusals checked");
    assert_eq!(
        server.count("audit_events").await,
        audit_before,
        "a refused request changed something"
    );
    assert_eq!(server.count("users").await, users_before);
    // And what each may do still works.
    assert_eq!(viewer.get("/facility").await.status, StatusCode::OK);
    assert_eq!(viewer.get("/audit").await.status, StatusCode::OK);
    assert_eq!(vendor.get("/account").await.status, StatusCode::OK);
    assert_eq!(staff.get("/facility/edit").await.status, StatusCode::OK);
    // Anonymous visitors are sent to the login page.
    let anonymous = server.client();
    for spec in specs
        .iter()
        .filter(|s| s.access != Access::Public && s.method.as_str() == "GET")
    {
        let page = anonymous.get(&concrete(spec.path, target)).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", spec.path);
        assert!(page.location().starts_with("/login"), "{}", spec.path);
    }
    server.stop().await;
}

/// Patient records (the downtime room to come) are for admin and staff only, and every view is
/// written to the audit trail with the path it showed. Tried on a route of that access added to
/// the real router, served with the real server's state and sessions.
#[tokio::test]
async fn patient_data_is_for_granted_roles_and_every_view_is_audited() {
    use mamori_app::web::{route_table, router_from};
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let admin = server.with_admin().await;
    let staff = server.user_client(&admin, "staff1", "staff").await;
    let viewer = server.user_client(&admin, "viewer1", "viewer").await;
    let vendor = server.user_client(&admin, "vendor1", "vendor").await;
    let table = route_table().get("/downtime/patients/{id}", Access::PatientData, || async {
        "患者記録"
    });
    let app = router_from(table, server.state().clone())
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/downtime/patients/42",
        listener.local_addr().unwrap()
    );
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });
    let views = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'view' AND entity_type = 'patient_record' AND entity_id = '/downtime/patients/42'",
        )
        .fetch_one(server.pool())
        .await
        .unwrap()
    };
    for (client, allowed) in [
        (&admin, true),
        (&staff, true),
        (&viewer, false),
        (&vendor, false),
    ] {
        let before = views().await;
        let page = client.get_url(&url).await;
        if allowed {
            assert_eq!(page.status, StatusCode::OK);
            assert_eq!(page.body, "患者記録");
            assert_eq!(views().await, before + 1, "the view is in the audit trail");
        } else {
            assert_eq!(page.status, StatusCode::FORBIDDEN);
            assert_eq!(views().await, before, "a refused view shows nothing");
        }
    }
    let anonymous = server.client().get_url(&url).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    serving.abort();
    server.stop().await;
}

/// When the hospital requires two-factor authentication, a user who has not enrolled yet reaches
/// nothing but their own account (to enrol) and signing out: every other route of the table,
/// the checklist's included, sends them to enrol (pages) or refuses (forms).
#[tokio::test]
async fn a_user_without_two_factor_reaches_only_enrolment_when_it_is_required() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let admin = server.with_admin().await;
    let staff = server.user_client(&admin, "staff1", "staff").await;
    let required = admin
        .post("/admin/users/require-2fa", &[("required", "1")])
        .await;
    assert_eq!(required.status, StatusCode::SEE_OTHER, "{}", required.body);
    staff.get("/account/2fa").await;
    let audit_before = server.count("audit_events").await;
    let table = route_table();
    let mut walked = 0;
    for spec in table.specs() {
        if matches!(spec.access, Access::Public | Access::SignedIn) || spec.path == "/logout" {
            continue;
        }
        let path = concrete(spec.path, 1);
        if !spec.access.allows(mamori_app::kernel::Role::Staff) {
            // Not the staff's to use at all: refused by role first.
            let page = if spec.method.as_str() == "GET" {
                staff.get(&path).await
            } else {
                staff.post(&path, &[("required", "0")]).await
            };
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        } else if spec.method.as_str() == "GET" {
            let page = staff.get(&path).await;
            assert_eq!(
                (page.status, page.location()),
                (StatusCode::SEE_OTHER, "/account/2fa".to_string()),
                "GET {path}"
            );
        } else {
            let page = staff
                .post(&path, &[("item", "1①"), ("answer1", "yes")])
                .await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "POST {path}");
        }
        walked += 1;
    }
    assert!(walked > 60, "only {walked} routes walked");
    assert_eq!(server.count("audit_events").await, audit_before);
    assert_eq!(staff.get("/account").await.status, StatusCode::OK);
    server.stop().await;
}

/// By default an administrator enrols two-factor authentication as the last step of setup:
/// setting up signs them in on the enrolment page, and nothing else opens until it is done.
/// Staff are not held (unless the hospital requires it for everyone).
#[tokio::test]
async fn administrators_enrol_two_factor_as_the_last_step_of_setup() {
    let db = crate::kit::TestDb::new(Backend::Sqlite).await.unwrap();
    let server = TestServer::start_with(db, |config| config.admin_two_factor = true).await;
    let link = server.setup_link().await;
    let admin = server.client();
    admin.get_url(&link).await;
    let token = link.split("token=").nth(1).unwrap().to_string();
    let done = admin
        .post(
            "/setup",
            &[
                ("token", token.as_str()),
                ("facility_name", "テスト病院"),
                ("login", "kanri"),
                ("display_name", "管理 花子"),
                ("password", ADMIN_PASSWORD),
                ("password_confirm", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/account/2fa?setup=1");
    for path in ["/", "/ledger", "/checklist", "/admin/users"] {
        assert_eq!(admin.get(path).await.location(), "/account/2fa", "{path}");
    }
    let page = admin.get("/account/2fa").await;
    assert!(
        page.body
            .contains("管理者のアカウントには二要素認証が必要です")
    );
    let secret = crate::kit::totp_secret_from(&page.body);
    admin
        .post(
            "/account/2fa",
            &[("code", &crate::kit::next_totp_code(&secret))],
        )
        .await;
    assert_eq!(admin.get("/").await.status, StatusCode::OK);
    let staff = server.user_client(&admin, "staff1", "staff").await;
    assert_eq!(staff.get("/").await.status, StatusCode::OK);
    server.stop().await;
}

/// A viewer sees no way to change anything: no edit or new links, no forms but signing out and
/// the language switch, on every page of every room.
#[tokio::test]
async fn viewers_see_no_edit_links_or_forms() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let admin = server.with_admin().await;
    let device = admin
        .create(
            "/ledger",
            &[
                ("kind", "network"),
                ("name", "FortiGate"),
                ("cpes", "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"),
                ("external_connection", "vpn"),
            ],
        )
        .await;
    admin.create("/systems", &[("name", "電子カルテ")]).await;
    admin
        .post("/checklist/start", &[("year", "2025"), ("version", "r7")])
        .await;
    let viewer = server.user_client(&admin, "viewer1", "viewer").await;
    for path in [
        "/".to_string(),
        "/ledger".to_string(),
        format!("/ledger/{device}"),
        "/connections".to_string(),
        "/systems".to_string(),
        "/segments".to_string(),
        "/diagram".to_string(),
        "/discovery".to_string(),
        "/stocktake".to_string(),
        "/facility".to_string(),
        "/checklist".to_string(),
        "/vuln".to_string(),
        format!("/vuln/devices/{device}"),
        "/vuln/feeds".to_string(),
        "/vuln/alerts".to_string(),
        "/account".to_string(),
    ] {
        let page = viewer.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        for link in ["/edit\"", "/new\""] {
            assert!(
                !page.body.contains(link),
                "{path} offers {link} to a viewer"
            );
        }
        for (at, _) in page.body.match_indices("<form") {
            let tag = &page.body[at..at + page.body[at..].find('>').unwrap()];
            if !tag.contains("method=\"post\"") {
                continue;
            }
            assert!(
                ["/logout", "/language", "/account/password", "/account/2fa"]
                    .iter()
                    .any(|allowed| tag.contains(&format!("action=\"{allowed}\""))),
                "{path} offers a form to a viewer: {tag}"
            );
        }
    }
    server.stop().await;
}

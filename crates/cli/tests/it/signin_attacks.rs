//! Attacks on signing in that an outside probe got through (issue #15), each tried against a
//! real server and shown refused: parallel guessing of a password, a 2FA code and the current
//! password, locking the owner out from elsewhere, over-long login IDs that grew the database,
//! redirects to other sites, and sessions left open after a password change.

use reqwest::StatusCode;

use crate::kit::{ADMIN_LOGIN, ADMIN_PASSWORD, Backend, Client, TestServer, next_totp_code};

macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(crate::kit::Backend::Sqlite).await;
            }
            #[tokio::test]
            async fn postgres() {
                super::$name(crate::kit::Backend::Postgres).await;
            }
        }
    };
}

on_both!(parallel_guesses_are_counted_before_they_are_checked);

async fn audit_count(server: &TestServer, action: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = $1")
        .bind(action.to_string())
        .fetch_one(server.pool())
        .await
        .unwrap()
}

/// Posts the account page's password change form.
async fn change_password(client: &Client, current: &str, new: &str) -> crate::kit::Page {
    client
        .post(
            "/account/password",
            &[
                ("current_password", current),
                ("new_password", new),
                ("new_password_confirm", new),
            ],
        )
        .await
}

/// Sends `n` sign-in posts at once and returns their statuses.
async fn guess_at_once(client: &Client, n: usize, login: &str) -> Vec<StatusCode> {
    client.get("/login").await;
    let forms = (0..n)
        .map(|i| {
            vec![
                ("login", login.to_string()),
                ("password", format!("wrong-guess-{i}")),
            ]
        })
        .collect();
    let pages = client.post_at_once("/login", forms).await;
    pages.iter().map(|p| p.status).collect()
}

/// 199 wrong passwords sent together: only five are checked (the others are refused before the
/// slow hash), and the right password sent after them is refused too.
async fn parallel_guesses_are_counted_before_they_are_checked(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let admin = server.with_admin().await;
    admin.post("/logout", &[]).await;
    let attacker = server.client();
    let statuses = guess_at_once(&attacker, 199, ADMIN_LOGIN).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked, 5, "{statuses:?}");
    assert_eq!(refused, 194);
    assert_eq!(audit_count(&server, "login_failed").await, 5);
    // The refusals are not each written down: the 1st, 10th and 100th of the address.
    assert_eq!(audit_count(&server, "login_refused").await, 3);
    let right = attacker
        .post(
            "/login",
            &[("login", ADMIN_LOGIN), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(
        right.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        right.body
    );
    server.stop().await;
}

/// The 2FA step and the current-password check of a password change are counted the same way.
#[tokio::test]
async fn second_factor_and_current_password_are_counted_before_they_are_checked() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let admin = server.with_admin().await;
    let secret = admin.enrol_two_factor().await;
    admin.post("/logout", &[]).await;

    let client = server.client();
    client.password_step(ADMIN_LOGIN, ADMIN_PASSWORD).await;
    let forms = (0..12).map(|i| vec![("code", format!("{i:06}"))]).collect();
    let statuses: Vec<StatusCode> = client
        .post_at_once("/login/2fa", forms)
        .await
        .iter()
        .map(|p| p.status)
        .collect();
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(checked, 5, "{statuses:?}");
    let right = client
        .post("/login/2fa", &[("code", &next_totp_code(&secret))])
        .await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    // The owner's failures came from this address: lift them to go on.
    sqlx::query("DELETE FROM login_failures")
        .execute(server.pool())
        .await
        .unwrap();

    // Signed in, someone at the keyboard guesses the current password to change it.
    let owner = server.client();
    owner.password_step(ADMIN_LOGIN, ADMIN_PASSWORD).await;
    // The enrolment used the next step's code; let the test use it once more.
    sqlx::query("UPDATE users SET totp_last_step = NULL")
        .execute(server.pool())
        .await
        .unwrap();
    let done = owner
        .post("/login/2fa", &[("code", &next_totp_code(&secret))])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    owner.get("/account").await;
    let forms = (0..30)
        .map(|i| {
            vec![
                ("current_password", format!("not-it-{i}")),
                ("new_password", "kumo-nochi-hare-42".to_string()),
                ("new_password_confirm", "kumo-nochi-hare-42".to_string()),
            ]
        })
        .collect();
    let bodies: Vec<String> = owner
        .post_at_once("/account/password", forms)
        .await
        .into_iter()
        .map(|p| p.body)
        .collect();
    let wrong = bodies
        .iter()
        .filter(|b| b.contains("現在のパスワードが違います"))
        .count();
    assert_eq!(wrong, 5);
    let right = change_password(&owner, ADMIN_PASSWORD, "kumo-nochi-hare-42").await;
    assert!(
        right.body.contains("ログインを一時的に止めています"),
        "{}",
        right.body
    );
    server.stop().await;
}

/// Guesses from other computers slow those computers down, but never lock the owner out of
/// their own; an administrator lifts the limit from the command line.
#[tokio::test]
async fn others_cannot_lock_the_owner_out() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    // The owner signs in from 127.0.0.1 (setup), which makes it one of their addresses.
    let admin = server.with_admin().await;
    admin.post("/logout", &[]).await;
    for ip in ["127.0.0.2", "127.0.0.3", "127.0.0.4"] {
        let attacker = server.client_from(ip);
        let statuses = guess_at_once(&attacker, 6, ADMIN_LOGIN).await;
        let checked = statuses
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count();
        // Each address gets five tries; the third is slowed down by the login's back-off too.
        assert!(checked <= 5, "{ip}: {statuses:?}");
    }
    // A computer never used before waits (the back-off), …
    let newcomer = server.client_from("127.0.0.5");
    newcomer.get("/login").await;
    let page = newcomer
        .post(
            "/login",
            &[("login", ADMIN_LOGIN), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{}", page.body);
    // … while the owner's own computer signs in at once.
    let owner = server.client();
    owner.login(ADMIN_LOGIN, ADMIN_PASSWORD).await;
    assert_eq!(owner.get("/").await.status, StatusCode::OK);
    // The administrator lifts the limit (mamori user unlock does the same).
    let state = server.state();
    let actor = mamori_app::kernel::Actor::command_line(Some(1));
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE login = 'admin'")
        .fetch_one(server.pool())
        .await
        .unwrap();
    let cleared = mamori_app::users::store::unlock(&state.db, &actor, id)
        .await
        .unwrap();
    assert!(cleared >= 10, "{cleared}");
    newcomer.login(ADMIN_LOGIN, ADMIN_PASSWORD).await;
    assert_eq!(audit_count(&server, "unlock").await, 1);
    server.stop().await;
}

/// Over-long login IDs are cut before they are counted or written, and refusals are written
/// once per power of ten: 100 posts with a 10,000-character ID add a few short rows; a
/// 500,000-character one is refused before it is read.
#[tokio::test]
async fn over_long_login_ids_cannot_grow_the_database() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let _admin = server.with_admin().await;
    let client = server.client();
    client.get("/login").await;
    let before = server.count("audit_events").await;
    let huge = "x".repeat(500_000);
    let page = client
        .post("/login", &[("login", &huge), ("password", "whatever")])
        .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(server.count("audit_events").await, before);
    let long = "x".repeat(10_000);
    let mut statuses = Vec::new();
    for _ in 0..100 {
        let page = client
            .post("/login", &[("login", &long), ("password", "whatever")])
            .await;
        statuses.push(page.status);
    }
    assert_eq!(statuses[0], StatusCode::UNPROCESSABLE_ENTITY);
    let added = server.count("audit_events").await - before;
    assert!(added <= 8, "{added} audit rows for 100 attempts");
    let longest: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(LENGTH(entity_id) + LENGTH(entity_label)), 0) FROM audit_events",
    )
    .fetch_one(server.pool())
    .await
    .unwrap();
    assert!(longest <= 200, "{longest}");
    let stored: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(LENGTH(login)), 0) FROM login_failures")
            .fetch_one(server.pool())
            .await
            .unwrap();
    assert_eq!(stored, 64);
    server.stop().await;
}

/// `next` after sign-in and `back` after a language switch stay on this server, and a newline
/// in `back` is refused rather than answered with a server error.
#[tokio::test]
async fn redirects_stay_on_this_server() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let admin = server.with_admin().await;
    admin.post("/logout", &[]).await;
    let client = server.client();
    let page = client.get("/login?next=/%09/evil.example").await;
    assert!(
        page.body.contains(r#"name="next" value="""#),
        "{}",
        page.body
    );
    client.get("/login").await;
    for next in [
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
    ] {
        let fresh = server.client();
        fresh.get("/login").await;
        let done = fresh
            .post(
                "/login",
                &[
                    ("login", ADMIN_LOGIN),
                    ("password", ADMIN_PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        assert_eq!(done.location(), "/", "{next:?}");
    }
    for back in [
        "/\n",
        "/%09/evil.example",
        "//evil.example",
        "/ok\r\nSet-Cookie: x=1",
    ] {
        let page = client
            .post("/language", &[("lang", "en"), ("back", back)])
            .await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{back:?}: {}",
            page.body
        );
        assert_eq!(page.location(), "/", "{back:?}");
    }
    let page = client
        .post("/language", &[("lang", "ja"), ("back", "/ledger?q=a")])
        .await;
    assert_eq!(page.location(), "/ledger?q=a");
    server.stop().await;
}

/// Changing one's own password ends one's other sessions (a stolen one among them) and keeps
/// the one in use; a well-known password is refused.
#[tokio::test]
async fn a_password_change_ends_the_other_sessions() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let here = server.with_admin().await;
    let elsewhere = server.client_from("127.0.0.2");
    elsewhere.login(ADMIN_LOGIN, ADMIN_PASSWORD).await;
    assert_eq!(elsewhere.get("/").await.status, StatusCode::OK);
    let weak = change_password(&here, ADMIN_PASSWORD, "P@ssw0rd2024").await;
    assert!(
        weak.body.contains("よく使われるパスワード") || weak.body.contains("13 文字以上"),
        "{}",
        weak.body
    );
    let weak = change_password(&here, ADMIN_PASSWORD, "administrator-admin").await;
    assert!(
        weak.body.contains("ログインIDを含めないで"),
        "{}",
        weak.body
    );
    let changed = change_password(&here, ADMIN_PASSWORD, "kumo-nochi-hare-42").await;
    assert_eq!(
        changed.location(),
        "/account?done=password",
        "{}",
        changed.body
    );
    assert_eq!(here.get("/").await.status, StatusCode::OK);
    assert!(
        elsewhere.get("/").await.location().starts_with("/login"),
        "the other session must be ended"
    );
    server.stop().await;
}

/// Sign-in attempts for unknown logins belong to no hospital: only the installation's
/// administrators see them in the audit trail, not staff nor viewers.
#[tokio::test]
async fn unscoped_audit_rows_are_for_the_installations_administrators() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let admin = server.with_admin().await;
    let staff = server.user_client(&admin, "staff1", "staff").await;
    let stranger = server.client_from("127.0.0.9");
    stranger.get("/login").await;
    stranger
        .post(
            "/login",
            &[("login", "ghost-login"), ("password", "whatever")],
        )
        .await;
    let seen_by_admin = admin.get("/audit").await;
    assert!(
        seen_by_admin.body.contains("ghost-login"),
        "{}",
        seen_by_admin.body
    );
    // The failed step is named in Japanese, not as its code.
    assert!(
        seen_by_admin.body.contains("失敗した段階"),
        "{}",
        seen_by_admin.body
    );
    assert!(
        !seen_by_admin.body.contains("password<"),
        "{}",
        seen_by_admin.body
    );
    let seen_by_staff = staff.get("/audit").await;
    assert_eq!(seen_by_staff.status, StatusCode::OK);
    assert!(!seen_by_staff.body.contains("ghost-login"));
    server.stop().await;
}

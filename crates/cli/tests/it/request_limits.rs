//! What the server reads of a request before it knows who sent it (issue #15): bodies of
//! visitors who are not signed in are capped at a few KB, an upload is read only up to its CSRF
//! token before the token is checked, the framework's own refusals come as pages in the
//! visitor's language, and requests for a host name the server was not given are refused (DNS
//! rebinding).

use reqwest::StatusCode;

use crate::kit::{Backend, TestServer};

/// 16 anonymous posts of 20 MB each: every one refused at once without being read.
#[tokio::test]
async fn anonymous_bodies_are_refused_before_they_are_read() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let _admin = server.with_admin().await;
    let client = server.client();
    client.get("/login").await;
    let token = client.csrf();
    let big = vec![b'a'; 20 * 1024 * 1024];
    let posts = (0..16).map(|_| {
        let form = reqwest::multipart::Form::new()
            .text("_csrf", token.clone())
            .part(
                "file",
                reqwest::multipart::Part::bytes(big.clone()).file_name("scan.xml"),
            );
        let client = &client;
        async move {
            let response = client
                .http
                .post(format!("{}/vuln/feeds/import", client.base))
                .multipart(form)
                .send()
                .await;
            match response {
                Ok(r) => {
                    let status = r.status();
                    (status, r.text().await.unwrap_or_default())
                }
                // The server may close the connection before the whole body is sent.
                Err(_) => (StatusCode::PAYLOAD_TOO_LARGE, String::new()),
            }
        }
    });
    for (status, body) in futures_util::future::join_all(posts).await {
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        if !body.is_empty() {
            assert!(body.contains("送信内容が大きすぎます"), "{body}");
        }
    }
    // A sign-in form is small and still works.
    client
        .login(crate::kit::ADMIN_LOGIN, crate::kit::ADMIN_PASSWORD)
        .await;
    server.stop().await;
}

/// A signed-in upload without the right token is refused after its first part, with the
/// form-expired page; with the token the file streams on to the page as before.
#[tokio::test]
async fn uploads_are_checked_before_their_file_is_read() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let admin = server.with_admin().await;
    admin.get("/vuln/feeds").await;
    let form = reqwest::multipart::Form::new()
        .text("_csrf", "not-the-token")
        .part(
            "file",
            reqwest::multipart::Part::bytes(vec![b' '; 8 * 1024 * 1024]).file_name("kev.json"),
        );
    let response = admin
        .http
        .post(format!("{}/vuln/feeds/import", admin.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body = response.text().await.unwrap();
    assert!(body.contains("フォームの有効期限が切れました"), "{body}");
    // The right token: the file reaches the page (and is refused there as not a feed).
    let page = admin
        .upload(
            "/vuln/feeds/import",
            "file",
            "notes.json",
            b"hello".to_vec(),
            true,
        )
        .await;
    assert!(page.body.contains("notes.json"), "{}", page.body);
    // A viewer's upload to a page they may not use is refused by role.
    let viewer = server.user_client(&admin, "viewer1", "viewer").await;
    viewer.get("/account").await;
    let page = viewer
        .upload(
            "/vuln/feeds/import",
            "file",
            "kev.json",
            vec![b' '; 1024],
            true,
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    server.stop().await;
}

/// The framework's refusals (a form it cannot read, a method the route does not take, a bad
/// language) are pages in the visitor's language, not plain English text.
#[tokio::test]
async fn refusals_are_pages_in_the_visitors_language() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let admin = server.with_admin().await;
    let page = admin.post("/language", &[("lang", "xx")]).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("送信内容を読み取れません"),
        "{}",
        page.body
    );
    let page = admin
        .post("/admin/users", &[("login", "a"), ("role", "admin")])
        .await;
    assert!(page.body.contains("<html"), "{}", page.body);
    let response = admin
        .http
        .delete(format!("{}/logout", admin.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body = response.text().await.unwrap();
    assert!(body.contains("送信内容を読み取れません"), "{body}");
    // A form's address opened again (reload, the language switch after a form): the form's
    // page, never "method not allowed".
    for (form, page) in [
        ("/vuln/feeds/import", "/vuln/feeds"),
        ("/discovery/ignore", "/discovery"),
        ("/logout", "/"),
    ] {
        let answer = admin.get(form).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{form}");
        assert_eq!(answer.location(), page, "{form}");
    }
    let switched = admin
        .post(
            "/language",
            &[("lang", "en"), ("back", "/vuln/feeds/import")],
        )
        .await;
    assert_eq!(
        admin.get(&switched.location()).await.location(),
        "/vuln/feeds"
    );
    server.stop().await;
}

/// A request naming another host (a rebinding attacker's domain) is refused; addresses and
/// localhost work.
#[tokio::test]
async fn other_host_names_are_refused() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let client = server.client();
    let port = client.base.rsplit(':').next().unwrap().to_string();
    let evil = client
        .http
        .get(format!("{}/healthz", client.base))
        .header("host", format!("evil.example:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), StatusCode::MISDIRECTED_REQUEST);
    let local = client
        .http
        .get(format!("{}/healthz", client.base))
        .header("host", format!("localhost:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(local.status(), StatusCode::OK);
    server.stop().await;
}

/// Every field has a length limit: the rooms' own (with a message at the field), and behind
/// them the hall's 64 KB for any single value.
#[tokio::test]
async fn over_long_fields_are_refused() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let admin = server.with_admin().await;
    let before = server.count("audit_events").await;
    let long = "長".repeat(40_000);
    let page = admin.post("/facility", &[("name", &long)]).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        page.body.contains("送信内容が大きすぎます"),
        "{}",
        page.body
    );
    let name = "長".repeat(300);
    let page = admin
        .post(
            "/admin/users",
            &[
                ("login", "sato"),
                ("display_name", &name),
                ("role", "staff"),
                ("password", "another-long-password-1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("長すぎます"), "{}", page.body);
    assert_eq!(server.count("audit_events").await, before);
    server.stop().await;
}

/// An upload waits in a private file of the data folder while it arrives and is gone once the
/// page is done with it, whether the page kept it or refused it.
#[tokio::test]
async fn uploads_wait_on_disk_and_leave_nothing_behind() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let admin = server.with_admin().await;
    admin.get("/vuln/feeds").await;
    let page = admin
        .upload(
            "/vuln/feeds/import",
            "file",
            "notes.json",
            b"hello".to_vec(),
            true,
        )
        .await;
    assert!(page.body.contains("notes.json"), "{}", page.body);
    admin.get("/ledger/import").await;
    let page = admin
        .upload(
            "/ledger/import",
            "file",
            "ledger.csv",
            "機器名\nPC-01\n".as_bytes().to_vec(),
            true,
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let uploads = server.db.data_dir().join("uploads");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&uploads).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
    let left: Vec<_> = std::fs::read_dir(&uploads).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    server.stop().await;
}

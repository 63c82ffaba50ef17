//! The main flows against a real server, on SQLite and on PostgreSQL.

use reqwest::StatusCode;

use crate::kit::{
    ADMIN_LOGIN, ADMIN_PASSWORD, Backend, TestServer, next_totp_code, totp_secret_from,
};

#[macro_export]
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::kit::Backend::Sqlite).await;
            }
            #[tokio::test]
            async fn postgres() {
                super::$name($crate::kit::Backend::Postgres).await;
            }
        }
    };
}

on_both!(setup_login_profile_audit);
on_both!(two_factor_enrolment_and_login);
on_both!(user_administration);
on_both!(login_throttling);
on_both!(session_timeouts);
on_both!(audit_trail_is_append_only);
on_both!(ledger_devices);
on_both!(discovery_against_a_real_scan);
on_both!(external_connection_points);
on_both!(systems_and_segments);

async fn setup_login_profile_audit(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let anonymous = server.client();
    // Before setup, everything leads to the setup page.
    let page = anonymous.get("/").await;
    assert_eq!(page.location(), "/setup");
    // Without a link, the page says where the link is (the terminal), not that it is invalid.
    let page = anonymous.get("/setup").await;
    assert!(
        page.body.contains("初期設定はまだ済んでいません")
            && page.body.contains("setup?token=")
            && !page.body.contains("無効"),
        "{}",
        page.body
    );
    let page = anonymous.get("/setup?token=not-the-token").await;
    assert!(
        page.body.contains("初期設定のリンクが無効です"),
        "{}",
        page.body
    );
    // A wrong token is refused and creates nothing.
    let page = anonymous
        .post(
            "/setup",
            &[
                ("token", "not-the-token"),
                ("facility_name", "病院"),
                ("login", "x"),
                ("display_name", "x"),
                ("password", ADMIN_PASSWORD),
                ("password_confirm", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(server.count("users").await, 0);
    assert_eq!(server.count("facilities").await, 0);

    // Form errors are shown next to the field and nothing is saved.
    let link = server.setup_link().await;
    let token = link.split("token=").nth(1).unwrap();
    anonymous.get_url(&link).await;
    let page = anonymous
        .post(
            "/setup",
            &[
                ("token", token),
                ("facility_name", ""),
                ("login", "admin"),
                ("display_name", "管理"),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body
            .contains("パスワードは 13 文字以上にしてください。"),
        "{}",
        page.body
    );
    assert!(page.body.contains("入力してください。"));
    assert_eq!(server.count("users").await, 0);

    // Switching the language on the setup page keeps the link's token.
    let switched = anonymous
        .post(
            "/language",
            &[("lang", "en"), ("back", &format!("/setup?token={token}"))],
        )
        .await;
    assert_eq!(switched.location(), format!("/setup?token={token}"));
    let english = anonymous.get(&switched.location()).await;
    assert!(english.body.contains("Set up mamori"), "{}", english.body);
    assert!(
        english
            .body
            .contains(&format!("name=\"back\" value=\"/setup?token={token}\""))
    );

    let admin = server.with_admin().await;
    // The link is single-use.
    let page = server.client().get_url(&link).await;
    assert_eq!(page.location(), "/login");

    let home = admin.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body
            .contains("医療情報システム安全管理責任者が未登録です。"),
        "{}",
        home.body
    );
    assert!(home.body.contains("テスト記念病院"));

    let facility = admin.get("/facility").await;
    assert!(
        facility
            .body
            .contains("医療情報システム安全管理責任者が未登録です。")
    );
    let edit = admin.get("/facility/edit").await;
    let marker = "name=\"updated_at\" value=\"";
    let start = edit.body.find(marker).unwrap() + marker.len();
    let updated_at = edit.body[start..start + edit.body[start..].find('"').unwrap()].to_string();

    // Bad input: errors next to the fields, nothing saved.
    let bad = admin
        .post(
            "/facility",
            &[
                ("updated_at", &updated_at),
                ("name", "テスト記念病院"),
                ("beds", "たくさん"),
                ("security_manager_appointed_on", "2026-02-30"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body
            .contains("病床数は 0 から 10000 までの数字で入力してください。")
    );
    assert!(
        bad.body
            .contains("日付は 2026-04-01 の形で入力してください。")
    );
    let audit_rows = server.count("audit_events").await;

    let saved = admin
        .post(
            "/facility",
            &[
                ("updated_at", &updated_at),
                ("name", "テスト記念病院"),
                ("founder", "医療法人テスト会"),
                ("address", "愛知県半田市"),
                ("beds", "４９９"),
                ("director", "院長 花子"),
                ("security_manager_name", "佐藤 看護師長"),
                ("security_manager_role", "看護部"),
                ("security_manager_appointed_on", "2026-04-01"),
                ("security_manager_approved_by", "院長 花子"),
                ("security_manager_approved_on", "2026-04-01"),
                ("security_manager_scope", "医療情報システム全般"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(server.count("audit_events").await, audit_rows + 1);
    let facility = admin.get("/facility").await;
    assert!(facility.body.contains("佐藤 看護師長"));
    assert!(facility.body.contains("2026/04/01"));
    assert!(!facility.body.contains("未登録です"));

    // Saving an old version is refused (someone else saved in between).
    let stale = admin
        .post(
            "/facility",
            &[("updated_at", &updated_at), ("name", "上書き")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(stale.body.contains("他の人が保存しました"));

    // The audit trail shows the field-level change, who made it and from where.
    let audit = admin.get("/audit?type=facility").await;
    assert!(audit.body.contains("安全管理責任者") || audit.body.contains("氏名"));
    assert!(audit.body.contains("佐藤 看護師長"), "{}", audit.body);
    assert!(audit.body.contains("<ins>499</ins>"));
    assert!(audit.body.contains("127.0.0.1"));
    let by_user = admin.get("/audit?user=999999").await;
    assert!(by_user.body.contains("条件に合う記録はありません。"));
    let by_date = admin.get("/audit?from=2000-01-01&to=2000-01-02").await;
    assert!(by_date.body.contains("条件に合う記録はありません。"));

    // English switch.
    let switched = admin
        .post("/language", &[("lang", "en"), ("back", "/facility")])
        .await;
    assert_eq!(switched.location(), "/facility");
    let english = admin.get("/facility").await;
    assert!(
        english.body.contains("Facility profile"),
        "{}",
        english.body
    );
    assert!(english.body.contains("<html lang=\"en\">"));

    // Sign out ends the session on the server.
    let out = admin.post("/logout", &[]).await;
    assert_eq!(out.location(), "/login?done=logout");
    assert_eq!(admin.get("/").await.status, StatusCode::SEE_OTHER);

    let verification = mamori_app::db::audit::verify(&server.state().db)
        .await
        .unwrap();
    assert_eq!(verification.problem, None);
    server.stop().await;
}

async fn two_factor_enrolment_and_login(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let admin = server.with_admin().await;
    let page = admin.get("/account/2fa").await;
    assert_eq!(page.status, StatusCode::OK);
    let secret = totp_secret_from(&page.body);
    assert_eq!(secret.len(), 32, "160-bit base32 secret");
    let qr = admin.get("/account/2fa/qr.svg").await;
    assert_eq!(qr.status, StatusCode::OK);
    assert_eq!(qr.headers["content-type"], "image/svg+xml");
    assert!(qr.body.contains("<svg"));

    // A wrong code does not enable 2FA.
    let wrong = admin.post("/account/2fa", &[("code", "000000")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let code = mamori_app::auth::secrets::current_totp_code(&secret).unwrap();
    let done = admin.post("/account/2fa", &[("code", &code)]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let codes: Vec<String> = done
        .body
        .split("<li><code>")
        .skip(1)
        .map(|s| s[..s.find('<').unwrap()].to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    assert_eq!(server.count("recovery_codes").await, 10);
    admin.post("/logout", &[]).await;

    // Password alone is not enough any more; the session id changes at each step.
    let client = server.client();
    let step1 = client.password_step(ADMIN_LOGIN, ADMIN_PASSWORD).await;
    let half_cookie = step1.set_cookies().join(";");
    assert_eq!(client.get("/").await.location(), "/login?next=%2F");
    let bad = client.post("/login/2fa", &[("code", "123456")]).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    let good = client
        .post("/login/2fa", &[("code", &next_totp_code(&secret))])
        .await;
    assert_eq!(good.location(), "/", "{}", good.body);
    let full_cookie = good.set_cookies().join(";");
    assert_ne!(half_cookie, full_cookie);
    assert_eq!(client.get("/").await.status, StatusCode::OK);
    client.post("/logout", &[]).await;

    // A recovery code works once.
    let client = server.client();
    let used = client
        .login_two_factor(ADMIN_LOGIN, ADMIN_PASSWORD, &codes[0].to_uppercase())
        .await;
    assert_eq!(used.location(), "/");
    client.post("/logout", &[]).await;
    let reused = server
        .client()
        .login_two_factor(ADMIN_LOGIN, ADMIN_PASSWORD, &codes[0])
        .await;
    assert_eq!(reused.status, StatusCode::UNAUTHORIZED);

    // Requiring 2FA for everyone: a user without it can only enrol.
    let admin = server.client();
    admin
        .login_two_factor(ADMIN_LOGIN, ADMIN_PASSWORD, &codes[1])
        .await;
    admin.get("/admin/users").await;
    let staff = server.user_client(&admin, "staff1", "staff").await;
    let required = admin
        .post("/admin/users/require-2fa", &[("required", "1")])
        .await;
    assert_eq!(required.status, StatusCode::SEE_OTHER);
    assert_eq!(staff.get("/").await.location(), "/account/2fa");
    assert_eq!(staff.get("/account/2fa").await.status, StatusCode::OK);
    let blocked = staff.post("/facility", &[("name", "x")]).await;
    assert_eq!(blocked.status, StatusCode::FORBIDDEN);
    server.stop().await;
}

async fn user_administration(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let admin = server.with_admin().await;
    admin.get("/admin/users/new").await;
    // Bad input: every problem at its field; nothing created.
    let bad = admin
        .post(
            "/admin/users",
            &[
                ("login", "佐藤"),
                ("display_name", ""),
                ("role", "vendor"),
                ("vendor_name", ""),
                ("password", "Abc123!x"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("ログインIDには半角英数字"));
    assert!(
        bad.body
            .contains("事業者アカウントには事業者名が必要です。")
    );
    assert!(
        bad.body
            .contains("パスワードは 13 文字以上にしてください。")
    );
    assert_eq!(server.count("users").await, 1);

    let vendor = server.user_client(&admin, "vendor1", "vendor").await;
    assert_eq!(server.count("vendors").await, 1);
    // A vendor sees only their own profile.
    let own = vendor.get("/account").await;
    assert!(own.body.contains("日本医療システム株式会社"));
    assert_eq!(vendor.get("/").await.status, StatusCode::FORBIDDEN);

    let taken = admin
        .post(
            "/admin/users",
            &[
                ("login", "vendor1"),
                ("display_name", "x"),
                ("role", "staff"),
                ("password", "another-long-password"),
            ],
        )
        .await;
    assert!(
        taken
            .body
            .contains("このログインIDはすでに使われています。")
    );

    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE login = 'vendor1'")
        .fetch_one(server.pool())
        .await
        .unwrap();
    let disabled = admin.post(&format!("/admin/users/{id}/disable"), &[]).await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    // Disabling ends the user's sessions and blocks sign-in; the user is kept.
    assert_eq!(vendor.get("/account").await.status, StatusCode::SEE_OTHER);
    let refused = server.client();
    refused.get("/login").await;
    let page = refused
        .post(
            "/login",
            &[
                ("login", "vendor1"),
                ("password", "another-long-password-1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert_eq!(server.count("users").await, 2);
    admin.post(&format!("/admin/users/{id}/enable"), &[]).await;

    // Reset password: the rule applies; the new password works.
    let short = admin
        .post(
            &format!("/admin/users/{id}/password"),
            &[("password", "short")],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reset = admin
        .post(
            &format!("/admin/users/{id}/password"),
            &[("password", "a-brand-new-password")],
        )
        .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    server
        .client()
        .login("vendor1", "a-brand-new-password")
        .await;

    // Role changes: not to or from vendor, not one's own.
    let staff = server.user_client(&admin, "staff2", "staff").await;
    let staff_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE login = 'staff2'")
        .fetch_one(server.pool())
        .await
        .unwrap();
    let to_viewer = admin
        .post(
            &format!("/admin/users/{staff_id}/role"),
            &[("role", "viewer")],
        )
        .await;
    assert_eq!(to_viewer.status, StatusCode::SEE_OTHER);
    assert_eq!(
        staff.get("/").await.status,
        StatusCode::SEE_OTHER,
        "role change signs the user out"
    );
    let admin_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE login = 'admin'")
        .fetch_one(server.pool())
        .await
        .unwrap();
    let own = admin
        .post(&format!("/admin/users/{admin_id}/disable"), &[])
        .await;
    assert!(own.body.contains("自分自身を無効にはできません。"));

    // Own password change.
    admin.get("/account").await;
    let wrong = admin
        .post(
            "/account/password",
            &[
                ("current_password", "nope"),
                ("new_password", "x-new-long-password"),
                ("new_password_confirm", "x-new-long-password"),
            ],
        )
        .await;
    assert!(wrong.body.contains("現在のパスワードが違います。"));
    let changed = admin
        .post(
            "/account/password",
            &[
                ("current_password", ADMIN_PASSWORD),
                ("new_password", "x-new-long-password"),
                ("new_password_confirm", "x-new-long-password"),
            ],
        )
        .await;
    assert_eq!(changed.location(), "/account?done=password");

    let audit = admin.get("/audit?type=user").await;
    for action in [
        "無効化",
        "有効化",
        "パスワード再設定",
        "役割の変更",
        "パスワード変更",
        "作成",
    ] {
        assert!(audit.body.contains(action), "audit lacks {action}");
    }
    assert!(
        !audit.body.contains("a-brand-new-password"),
        "no password in the audit trail"
    );
    assert!(
        !audit.body.contains("$argon2"),
        "no hash in the audit trail"
    );
    server.stop().await;
}

async fn login_throttling(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let admin = server.with_admin().await;
    admin.post("/logout", &[]).await;
    let client = server.client();
    client.get("/login").await;
    for _ in 0..5 {
        let page = client
            .post(
                "/login",
                &[("login", ADMIN_LOGIN), ("password", "wrong-password")],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        assert!(page.body.contains("ログインIDまたはパスワードが違います。"));
    }
    // Locked: even the right password is refused now.
    let page = client
        .post(
            "/login",
            &[("login", ADMIN_LOGIN), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        page.body.contains("ログインを一時的に止めています"),
        "{}",
        page.body
    );
    let failed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'login_failed'")
            .fetch_one(server.pool())
            .await
            .unwrap();
    assert_eq!(failed, 5);
    // Per address: 20 failures across accounts lock the address.
    for i in 0..15 {
        let login = format!("nobody{i}");
        client
            .post("/login", &[("login", &login), ("password", "x")])
            .await;
    }
    let page = client
        .post("/login", &[("login", "someone-else"), ("password", "x")])
        .await;
    assert!(page.body.contains("ログインを一時的に止めています"));
    // After 15 minutes it works again.
    sqlx::query("UPDATE login_failures SET at = '2000-01-01T00:00:00.000000Z'")
        .execute(server.pool())
        .await
        .unwrap();
    client.login(ADMIN_LOGIN, ADMIN_PASSWORD).await;
    server.stop().await;
}

async fn session_timeouts(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let admin = server.with_admin().await;
    assert_eq!(admin.get("/").await.status, StatusCode::OK);
    // Idle for 31 minutes: the session is gone.
    sqlx::query("UPDATE sessions SET last_seen_at = $1")
        .bind(mamori_app::db::time_text(
            chrono::Utc::now() - chrono::Duration::minutes(31),
        ))
        .execute(server.pool())
        .await
        .unwrap();
    assert_eq!(admin.get("/").await.location(), "/login?next=%2F");
    assert_eq!(server.count("sessions").await, 0);
    // Past the absolute limit, even an active session ends.
    admin.login(ADMIN_LOGIN, ADMIN_PASSWORD).await;
    sqlx::query("UPDATE sessions SET absolute_expires_at = $1")
        .bind(mamori_app::db::time_text(
            chrono::Utc::now() - chrono::Duration::seconds(1),
        ))
        .execute(server.pool())
        .await
        .unwrap();
    assert_eq!(admin.get("/").await.status, StatusCode::SEE_OTHER);
    // The cookie holds a token; the database only its hash.
    admin.login(ADMIN_LOGIN, ADMIN_PASSWORD).await;
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_one(server.pool())
        .await
        .unwrap();
    assert_eq!(stored.len(), 64);
    server.stop().await;
}

async fn audit_trail_is_append_only(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let _admin = server.with_admin().await;
    let rows = server.count("audit_events").await;
    assert!(rows >= 3);
    let update = sqlx::query("UPDATE audit_events SET actor_name = 'intruder' WHERE seq = 1")
        .execute(server.pool())
        .await;
    assert!(update.is_err(), "UPDATE must be refused");
    let delete = sqlx::query("DELETE FROM audit_events WHERE seq = 1")
        .execute(server.pool())
        .await;
    assert!(delete.is_err(), "DELETE must be refused");
    if backend == Backend::Postgres {
        let truncate = sqlx::query("TRUNCATE audit_events")
            .execute(server.pool())
            .await;
        assert!(truncate.is_err(), "TRUNCATE must be refused");
    }
    assert_eq!(server.count("audit_events").await, rows);
    server.stop().await;
}

/// Both migration trees make the same schema: tables, columns with their type, nullability and
/// default, indexes (unique, columns, partial) and the triggers that guard tables.
#[tokio::test]
async fn schemas_of_both_databases_match() {
    let Some(pg) = crate::kit::TestDb::new(Backend::Postgres).await else {
        return;
    };
    let lite = crate::kit::TestDb::new(Backend::Sqlite).await.unwrap();
    let (a, b) = (lite.open().await, pg.open().await);
    let (mut sqlite, postgres) = (a.schema().await.unwrap(), b.schema().await.unwrap());
    // Meant to differ: SQLite searches the ledger by scanning a covering index (migration 0006);
    // PostgreSQL uses ILIKE on the table.
    let covering = [
        "facility_id",
        "name",
        "hostname",
        "ip_addresses",
        "asset_number",
        "location",
    ];
    let removed = sqlite
        .get_mut("devices")
        .map(|t| {
            let before = t.indexes.len();
            t.indexes.retain(|i| i.columns != covering);
            before - t.indexes.len()
        })
        .unwrap_or(0);
    assert_eq!(
        removed, 1,
        "the SQLite search index is gone; update this test"
    );
    assert_eq!(
        sqlite.keys().collect::<Vec<_>>(),
        postgres.keys().collect::<Vec<_>>(),
        "tables differ"
    );
    let mut differences = Vec::new();
    for (table, lite) in &sqlite {
        let pg = &postgres[table];
        for (l, p) in lite.columns.iter().zip(&pg.columns) {
            if l != p {
                differences.push(format!(
                    "{table}.{}: SQLite {l:?}, PostgreSQL {p:?}",
                    l.name
                ));
            }
        }
        if lite.columns.len() != pg.columns.len() {
            differences.push(format!("{table}: column count differs"));
        }
        if lite.indexes != pg.indexes {
            differences.push(format!(
                "{table} indexes: SQLite {:?}, PostgreSQL {:?}",
                lite.indexes, pg.indexes
            ));
        }
        if lite.trigger_events != pg.trigger_events {
            differences.push(format!(
                "{table} triggers: SQLite {:?}, PostgreSQL {:?}",
                lite.trigger_events, pg.trigger_events
            ));
        }
    }
    assert!(
        sqlite["audit_events"].trigger_events.contains("UPDATE"),
        "the audit trail must be guarded"
    );
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    b.close().await;
    pg.drop_database().await;
}

#[tokio::test]
async fn postgres_database_of_another_program_is_refused_untouched() {
    let Some(pg) = crate::kit::TestDb::new(Backend::Postgres).await else {
        return;
    };
    {
        use sqlx::Connection;
        let mut conn = sqlx::AnyConnection::connect(&pg.url).await.unwrap();
        sqlx::query("CREATE TABLE patients (id BIGINT)")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let refused =
        mamori_app::db::Db::open(&pg.url, mamori_app::db::OpenMode::CreateAndMigrate).await;
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("not a mamori database"), "{message}");
    assert!(!message.contains("password"), "{message}");
    let inspect = mamori_app::db::Db::open(&pg.url, mamori_app::db::OpenMode::Inspect).await;
    assert!(inspect.is_err());
    {
        use sqlx::Connection;
        let mut conn = sqlx::AnyConnection::connect(&pg.url).await.unwrap();
        let tables: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(tables, 1, "nothing was created");
        conn.close().await.unwrap();
    }
    pg.drop_database().await;
}

fn updated_at_of(body: &str) -> String {
    let marker = "name=\"updated_at\" value=\"";
    let start = body.find(marker).unwrap() + marker.len();
    body[start..start + body[start..].find('"').unwrap()].to_string()
}

async fn ledger_devices(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let admin = server.with_admin().await;
    let home = admin.get("/").await;
    assert!(
        home.body.contains("台帳に機器が登録されていません。"),
        "{}",
        home.body
    );
    admin.get("/ledger/new").await;

    // Bad input: every problem at its field, nothing saved.
    let bad = admin
        .post(
            "/ledger",
            &[
                ("kind", "network"),
                ("name", ""),
                ("ip_addresses", "192.168.10.300"),
                ("mac_addresses", "00:11"),
                ("end_of_support", "来年"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "入力してください。",
        "IPアドレスの形式が正しくありません",
        "MACアドレスの形式が正しくありません",
        "日付として読めません。",
    ] {
        assert!(bad.body.contains(message), "missing {message}");
    }
    assert!(
        bad.body.contains("value=\"192.168.10.300\""),
        "typed values are kept"
    );
    assert_eq!(server.count("devices").await, 0);

    let created = admin
        .post(
            "/ledger",
            &[
                ("kind", "network"),
                ("name", "FortiGate 60E（保守用VPN）"),
                ("asset_number", "NW-0001"),
                ("maker", "Fortinet"),
                ("os_name", "FortiOS"),
                ("os_version", "6.0.4"),
                ("location", "本館1階 サーバ室"),
                ("department", "医事課"),
                ("manager", "佐藤"),
                ("ip_addresses", "192.168.10.1, 203.0.113.10"),
                ("mac_addresses", "0090.0b12.3456"),
                ("external_connection", "vpn"),
                ("remote_maintenance", "yes"),
                ("end_of_support", "R8.3.31"),
                ("last_confirmed", "2026/4/1"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let location = created.location();
    assert!(
        location.starts_with("/ledger/") && location.ends_with("?saved=1"),
        "{location}"
    );
    let view = admin.get(&location).await;
    assert!(view.body.contains("00:90:0B:12:34:56"));
    assert!(
        view.body.contains("2026/03/31"),
        "wareki date stored as a real date"
    );
    assert!(view.body.contains("VPN"));
    admin
        .post(
            "/ledger",
            &[
                ("kind", "pc"),
                ("name", "受付PC-01"),
                ("department", "外来"),
            ],
        )
        .await;

    // Filters and search.
    let list = admin.get("/ledger?kind=network").await;
    assert!(list.body.contains("FortiGate 60E") && !list.body.contains("受付PC-01"));
    let list = admin.get("/ledger?q=203.0.113").await;
    assert!(list.body.contains("FortiGate 60E") && !list.body.contains("受付PC-01"));
    let list = admin.get("/ledger?department=%E5%A4%96%E6%9D%A5").await;
    assert!(list.body.contains("受付PC-01") && !list.body.contains("FortiGate 60E"));
    let list = admin.get("/ledger").await;
    assert!(list.body.contains("使用中の機器 2 台"), "{}", list.body);
    assert!(list.body.contains("いずれかが未入力の機器が 1 台"));

    // Asset numbers are unique.
    let duplicate = admin
        .post(
            "/ledger",
            &[
                ("kind", "pc"),
                ("name", "別のPC"),
                ("asset_number", "NW-0001"),
            ],
        )
        .await;
    assert!(
        duplicate
            .body
            .contains("この資産番号は別の機器で使われています。")
    );
    assert_eq!(server.count("devices").await, 2);

    // Edit: field-level audit; a stale form is refused.
    let id = location
        .trim_start_matches("/ledger/")
        .trim_end_matches("?saved=1")
        .to_string();
    let edit = admin.get(&format!("/ledger/{id}/edit")).await;
    let seen = updated_at_of(&edit.body);
    let mut fields: Vec<(String, String)> = vec![
        ("kind".into(), "network".into()),
        ("name".into(), "FortiGate 60E（保守用VPN）".into()),
        ("asset_number".into(), "NW-0001".into()),
        ("os_version".into(), "7.2.8".into()),
        ("updated_at".into(), seen.clone()),
    ];
    let form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let saved = admin.post(&format!("/ledger/{id}"), &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    fields[3].1 = "7.4.0".into();
    let form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let stale = admin.post(&format!("/ledger/{id}"), &form).await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(stale.body.contains("他の人が保存しました"));
    let audit = admin.get("/audit?type=device").await;
    assert!(
        audit.body.contains("OS・ファームウェアのバージョン"),
        "{}",
        audit.body
    );
    assert!(audit.body.contains("<del>6.0.4</del>") && audit.body.contains("<ins>7.2.8</ins>"));

    // A viewer reads the ledger but cannot change it.
    let viewer = server.user_client(&admin, "viewer1", "viewer").await;
    assert_eq!(viewer.get("/ledger").await.status, StatusCode::OK);
    assert_eq!(
        viewer.get(&format!("/ledger/{id}")).await.status,
        StatusCode::OK
    );
    let refused = viewer
        .post("/ledger", &[("kind", "pc"), ("name", "x")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(server.count("devices").await, 2);

    // The same ledger from the command line, on the same database.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args(["--database-url", &server.db.url, "ledger", "list", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert!(
        listed
            .iter()
            .any(|d| d["asset_number"] == "NW-0001" && d["os_version"] == "7.2.8")
    );
    assert!(
        listed
            .iter()
            .any(|d| d["name"] == "受付PC-01" && d["department"] == "外来")
    );
    server.stop().await;
}

async fn discovery_against_a_real_scan(backend: Backend) {
    let Some(dir) = crate::kit::shared_data("nmap/python-libnmap") else {
        return;
    };
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let admin = server.with_admin().await;
    admin.get("/ledger/new").await;
    for (kind, name, ip, mac) in [
        ("network", "ルータ", "192.168.1.1", "6C:2E:85:19:AF:00"),
        ("pc", "病棟PC-50", "192.168.1.50", ""),
        ("pc", "別ネットワークのPC", "10.0.0.1", ""),
    ] {
        let page = admin
            .post(
                "/ledger",
                &[
                    ("kind", kind),
                    ("name", name),
                    ("ip_addresses", ip),
                    ("mac_addresses", mac),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    let page = admin.get("/discovery").await;
    assert!(page.body.contains("まだスキャンが取り込まれていません。"));

    // Unsafe files are refused and nothing is recorded; so is an upload without the token.
    let xxe = std::fs::read(dir.join("defused_et_local_includer.xml")).unwrap();
    let refused = admin
        .upload("/discovery", "scan", "evil.xml", xxe, true)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("DTD"), "{}", refused.body);
    let scan = std::fs::read(dir.join("full_sudo6.xml")).unwrap();
    let forged = admin
        .upload("/discovery", "scan", "full_sudo6.xml", scan.clone(), false)
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(server.count("scans").await, 0);

    let done = admin
        .upload("/discovery", "scan", "full_sudo6.xml", scan.clone(), true)
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let result = admin.get(&done.location()).await;
    let body = &result.body;
    assert!(body.contains("台帳未登録の機器 (3)"), "{body}");
    assert!(body.contains("台帳にあるのに見つからなかった機器 (1)") && body.contains("病棟PC-50"));
    // The device's own page says what the latest scan found of it.
    let missing_id: i64 = sqlx::query_scalar("SELECT id FROM devices WHERE name = '病棟PC-50'")
        .fetch_one(server.pool())
        .await
        .unwrap();
    let device_page = admin.get(&format!("/ledger/{missing_id}")).await;
    assert!(
        device_page
            .body
            .contains("のスキャンでは見つかりませんでした"),
        "{}",
        device_page.body
    );
    assert!(
        !body.contains("別ネットワークのPC"),
        "outside the scanned range"
    );
    assert!(body.contains("リモートデスクトップ（RDP）が開いています"));
    assert!(body.contains("VNC（画面共有）が開いています"));
    assert!(body.contains("Telnet が開いています"));
    assert!(body.contains("/ledger/new?name="), "one click to register");

    // Mark one host as known; the next scan no longer lists it, and the history keeps both scans.
    let scan_id = done
        .location()
        .trim_start_matches("/discovery/")
        .to_string();
    let ignored = admin
        .post(
            "/discovery/ignore",
            &[
                ("address", "192.168.1.2"),
                ("reason", "職員用無線AP"),
                ("scan", &scan_id),
            ],
        )
        .await;
    assert_eq!(
        ignored.location(),
        format!("/discovery/{scan_id}?done=ignored")
    );
    let no_reason = admin
        .post(
            "/discovery/ignore",
            &[("address", "192.168.1.5"), ("reason", "")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    // From a scan's page, the refusal stays on that page, beside the host.
    let no_reason = admin
        .post(
            "/discovery/ignore",
            &[
                ("address", "192.168.1.5"),
                ("reason", " "),
                ("scan", &scan_id),
            ],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_reason.body.contains("href=\"#host-192.168.1.5\"")
            && no_reason.body.contains("aria-invalid=\"true\" autofocus")
            && no_reason.body.contains("台帳未登録の機器"),
        "{}",
        no_reason.body
    );
    admin.get("/discovery").await;
    let again = admin
        .upload("/discovery", "scan", "full_sudo6.xml", scan, true)
        .await;
    let result = admin.get(&again.location()).await;
    assert!(
        result.body.contains("台帳未登録の機器 (2)"),
        "{}",
        result.body
    );
    assert!(result.body.contains("既知として除外: 1 台"));
    // The rest chosen at once, with one reason; none chosen is refused on the page.
    let again_id = again
        .location()
        .trim_start_matches("/discovery/")
        .to_string();
    let picks: Vec<String> = result
        .body
        .split("name=\"pick\" value=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect();
    assert_eq!(picks.len(), 2, "{picks:?}");
    let none = admin
        .post(
            "/discovery/ignore/many",
            &[("scan", again_id.as_str()), ("reason", "院内の検査機器")],
        )
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        none.body.contains("既知にする機器を選んでください"),
        "{}",
        none.body
    );
    // One registered in the ledger from what the scan saw, the other marked as known.
    let devices_before = server.count("devices").await;
    let registered = admin
        .post(
            "/discovery/register/many",
            &[("scan", again_id.as_str()), ("pick", picks[0].as_str())],
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::SEE_OTHER,
        "{}",
        registered.body
    );
    assert_eq!(server.count("devices").await, devices_before + 1);
    let form = [
        ("scan", again_id.as_str()),
        ("reason", "院内の検査機器"),
        ("pick", picks[1].as_str()),
    ];
    let many = admin.post("/discovery/ignore/many", &form).await;
    assert_eq!(many.status, StatusCode::SEE_OTHER, "{}", many.body);
    let after = admin.get(&format!("/discovery/{again_id}")).await;
    assert!(
        after.body.contains("台帳未登録の機器 (0)"),
        "{}",
        after.body
    );
    assert!(
        after.body.contains("既知として除外: 2 台"),
        "{}",
        after.body
    );
    let history = admin.get("/discovery").await;
    assert_eq!(history.body.matches("<a href=\"/discovery/").count(), 2);
    let audit = admin.get("/audit?type=scan").await;
    assert!(audit.body.contains("取り込み"));
    server.stop().await;
}

async fn external_connection_points(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let admin = server.with_admin().await;
    let home = admin.get("/").await;
    assert!(home.body.contains("外部接続点が登録されていません。"));
    let empty = admin.get("/connections").await;
    assert!(empty.body.contains("保守事業者に"));
    admin.get("/connections/new").await;
    let bad = admin
        .post(
            "/connections",
            &[
                ("name", ""),
                ("connection_kind", "telepathy"),
                ("confirmed_on", "先月"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("入力してください。") && bad.body.contains("一覧から選んでください。")
    );
    assert!(bad.body.contains("日付として読めません。"));
    assert_eq!(server.count("connection_points").await, 0);

    let created = admin
        .post(
            "/connections",
            &[
                ("name", "給食業者の保守用 VPN"),
                ("connection_kind", "ssl-vpn"),
                ("purpose", "remote-maintenance"),
                ("equipment", "FortiGate 60E"),
                ("installed_by", "○○給食サービス"),
                ("source_restricted", "no"),
                ("authentication", "password"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let list = admin.get("/connections").await;
    assert!(
        list.body.contains("class=\"bad\""),
        "no source restriction is shown in red"
    );
    assert!(list.body.contains("接続元制限がありません。"));
    assert!(list.body.contains("ID・パスワードだけで入れます。"));
    let home = admin.get("/").await;
    assert!(
        home.body
            .contains("接続元制限がない（または不明な）外部接続点が 1 か所あります。")
    );

    // Fixing it clears the warning; the audit trail keeps the before and after.
    let location = created.location();
    let id = location
        .trim_start_matches("/connections/")
        .trim_end_matches("?saved=1");
    let edit = admin.get(&format!("/connections/{id}/edit")).await;
    let seen = updated_at_of(&edit.body);
    let saved = admin
        .post(
            &format!("/connections/{id}"),
            &[
                ("name", "給食業者の保守用 VPN"),
                ("connection_kind", "ssl-vpn"),
                ("purpose", "remote-maintenance"),
                ("source_restricted", "yes"),
                ("allowed_sources", "203.0.113.10"),
                ("authentication", "two-factor"),
                ("availability", "on-demand"),
                ("log_destination", "syslog サーバ（本館2階）"),
                ("confirmed_on", "R8.11.1"),
                ("confirmed_with", "○○給食サービス 田中"),
                ("updated_at", &seen),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let list = admin.get("/connections").await;
    assert!(!list.body.contains("class=\"bad\"") && list.body.contains("203.0.113.10"));
    assert!(!list.body.contains("確認が必要な外部接続点"));
    let audit = admin.get("/audit?type=connection").await;
    assert!(
        audit.body.contains("接続元制限")
            && audit.body.contains("<del>なし</del> → <ins>あり</ins>"),
        "{}",
        audit.body
    );
    server.stop().await;
}

async fn systems_and_segments(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let admin = server.with_admin().await;
    let empty = admin.get("/systems").await;
    assert!(empty.body.contains("まだシステムが登録されていません"));
    let bad = admin
        .post(
            "/segments",
            &[("name", "電子カルテ系"), ("cidrs", "192.168.10.0/33")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("192.168.10.0/24"), "{}", bad.body);
    let segment = admin
        .post(
            "/segments",
            &[
                ("name", "電子カルテ系"),
                ("cidrs", "192.168.10.5/24"),
                ("vlan", "10"),
                ("purpose", "emr"),
            ],
        )
        .await;
    assert_eq!(segment.status, StatusCode::SEE_OTHER, "{}", segment.body);
    let segment_id = segment
        .location()
        .trim_start_matches("/segments/")
        .trim_end_matches("?saved=1")
        .to_string();
    let system_id = admin
        .create(
            "/systems",
            &[
                ("name", "電子カルテ"),
                ("patient_data", "yes"),
                ("importance", "essential"),
                ("vendor", "カルテ株式会社"),
            ],
        )
        .await;
    let same_name = admin.post("/systems", &[("name", "電子カルテ")]).await;
    assert!(same_name.body.contains("同じ名前がすでに登録されています"));

    // The device form offers the system as a checkbox; a made-up id is refused.
    let form = admin.get("/ledger/new").await;
    assert!(
        form.body
            .contains(&format!("name=\"systems\" value=\"{system_id}\""))
    );
    let forged = admin
        .post(
            "/ledger",
            &[("kind", "server"), ("name", "x"), ("systems", "99999")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(server.count("devices").await, 0);
    let device = admin
        .post(
            "/ledger",
            &[
                ("kind", "server"),
                ("name", "カルテサーバ1"),
                ("systems", &system_id),
                ("ip_addresses", "192.168.10.20"),
            ],
        )
        .await;
    assert_eq!(device.status, StatusCode::SEE_OTHER, "{}", device.body);
    let view = admin.get(&device.location()).await;
    assert!(
        view.body
            .contains(&format!("<a href=\"/systems/{system_id}\">電子カルテ</a>"))
    );
    // The system and the segment (by address range) list the device.
    let system_page = admin.get(&format!("/systems/{system_id}")).await;
    assert!(
        system_page.body.contains("カルテサーバ1"),
        "{}",
        system_page.body
    );
    let segment_page = admin.get(&format!("/segments/{segment_id}")).await;
    assert!(segment_page.body.contains("カルテサーバ1"));
    assert!(segment_page.body.contains("192.168.10.0/24"));
    let list = admin.get("/systems").await;
    assert!(list.body.contains("診療継続に必須"));
    // The audit trail names the system, not its id.
    let audit = admin.get("/audit?type=device").await;
    assert!(
        audit.body.contains("<ins>電子カルテ</ins>"),
        "{}",
        audit.body
    );
    server.stop().await;
}

#[tokio::test]
async fn discovery_runs_nmap_from_the_page() {
    let Some(server) = TestServer::start(Backend::Sqlite).await else {
        return;
    };
    let admin = server.with_admin().await;
    let viewer = server.user_client(&admin, "viewer1", "viewer").await;
    let page = viewer.get("/discovery").await;
    assert!(!page.body.contains("action=\"/discovery/run\""));
    let refused = viewer
        .post("/discovery/run", &[("range", "127.0.0.1/32")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    admin.get("/discovery").await;
    let too_large = admin
        .post("/discovery/run", &[("range", "10.0.0.0/8")])
        .await;
    assert_eq!(too_large.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_large.body.contains("広すぎます"), "{}", too_large.body);
    if !crate::kit::nmap_installed() {
        return;
    }
    let page = admin.get("/discovery").await;
    assert!(page.body.contains("nmap -sV"), "the exact command is shown");
    let ran = admin
        .post("/discovery/run", &[("range", "127.0.0.1")])
        .await;
    assert_eq!(ran.status, StatusCode::SEE_OTHER, "{}", ran.body);
    let scan = admin.get(&ran.location()).await;
    assert!(scan.body.contains("127.0.0.1"), "{}", scan.body);
    assert_eq!(server.count("scans").await, 1);
    server.stop().await;
}

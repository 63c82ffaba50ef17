//! The yearly stocktake, on SQLite and on PostgreSQL: tick devices in bulk, finish, and the
//! ledger's 最終確認日 and 状態 follow; missing devices are reported.

use reqwest::StatusCode;

use crate::kit::{Backend, TestServer};
use crate::on_both;

on_both!(stocktake_confirms_devices);

async fn stocktake_confirms_devices(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let admin = server.with_admin().await;
    let mut ids = Vec::new();
    for (name, department) in [
        ("受付PC", "医事課"),
        ("外来PC", "内科"),
        ("古いプリンタ", "医事課"),
    ] {
        ids.push(
            admin
                .create(
                    "/ledger",
                    &[("kind", "pc"), ("name", name), ("department", department)],
                )
                .await,
        );
    }
    let page = admin.get("/stocktake").await;
    assert!(page.body.contains("3 台"), "{}", page.body);
    let started = admin.post("/stocktake", &[]).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    let page = admin
        .get("/stocktake?department=%E5%8C%BB%E4%BA%8B%E8%AA%B2")
        .await;
    assert!(page.body.contains("受付PC") && !page.body.contains("外来PC"));
    let action = page.quoted_after("action=\"/stocktake/");
    let stocktake_id = action.trim_end_matches("/check").to_string();

    // A viewer sees the list but cannot tick.
    let viewer = server.user_client(&admin, "viewer1", "viewer").await;
    let refused = viewer
        .post(
            &format!("/stocktake/{stocktake_id}/check"),
            &[("device", ids[0].as_str()), ("result", "confirmed")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let ticked = admin
        .post(
            &format!("/stocktake/{stocktake_id}/check"),
            &[
                ("device", ids[0].as_str()),
                ("device", ids[1].as_str()),
                ("result", "confirmed"),
                ("department", ""),
            ],
        )
        .await;
    assert_eq!(ticked.status, StatusCode::SEE_OTHER, "{}", ticked.body);
    admin
        .post(
            &format!("/stocktake/{stocktake_id}/check"),
            &[("device", ids[2].as_str()), ("result", "disposed")],
        )
        .await;
    let bogus = admin
        .post(
            &format!("/stocktake/{stocktake_id}/check"),
            &[("device", "99999"), ("result", "confirmed")],
        )
        .await;
    assert_eq!(bogus.status, StatusCode::NOT_FOUND);
    let page = admin.get("/stocktake").await;
    assert!(
        page.body.contains("id=\"unchecked-count\">0<"),
        "{}",
        page.body
    );

    let finished = admin
        .post(&format!("/stocktake/{stocktake_id}/finish"), &[])
        .await;
    assert_eq!(finished.status, StatusCode::SEE_OTHER);
    let report = admin.get(&format!("/stocktake/{stocktake_id}")).await;
    assert!(
        report.body.contains("id=\"report-confirmed\">2<"),
        "{}",
        report.body
    );
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap())
        .format("%Y-%m-%d")
        .to_string();
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT last_confirmed, status FROM devices ORDER BY id")
            .fetch_all(server.pool())
            .await
            .unwrap();
    assert_eq!(
        rows,
        vec![
            (today.clone(), "active".to_string()),
            (today.clone(), "active".to_string()),
            (today.clone(), "retired".to_string()),
        ]
    );
    let ledger = admin.get("/ledger").await;
    assert!(!ledger.body.contains("12 か月以上"), "all confirmed now");
    let again = admin
        .post(
            &format!("/stocktake/{stocktake_id}/check"),
            &[("device", ids[0].as_str()), ("result", "missing")],
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::CONFLICT,
        "a finished stocktake is closed"
    );
    let audit = admin.get("/audit").await;
    assert!(audit.body.contains("棚卸"));
    server.stop().await;
}

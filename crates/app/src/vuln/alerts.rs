//! Alerts: a new high-priority match (KEV, critical, or high on a device reachable from outside)
//! is listed in mamori and, when configured, sent by e-mail and to a webhook, one message per
//! batch. Delivery is attempted once; its outcome is kept on each alert.

use sqlx::Row;

use super::settings::AlertSettings;
use super::store::VulnError;
use crate::db::{Db, now_text};
use crate::web::AppState;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Alert {
    pub id: i64,
    pub created_at: String,
    pub cause: String,
    pub device_id: i64,
    pub device_name: String,
    /// How many more devices the vulnerability was found on in the same refresh.
    pub other_devices: i64,
    pub vuln_id: String,
    pub kev: bool,
    pub ransomware: bool,
    pub cvss_x10: i64,
    pub email_status: String,
    pub webhook_status: String,
    pub read: bool,
}

impl Alert {
    pub fn cvss(&self) -> String {
        if self.cvss_x10 == 0 {
            String::new()
        } else {
            format!("{:.1}", self.cvss_x10 as f64 / 10.0)
        }
    }
}

const COLUMNS: &str = "id, created_at, cause, device_id, device_name, vuln_id, kev, ransomware, cvss_score_x10, email_status, webhook_status, read_at, other_devices";

fn alert_of(r: &sqlx::any::AnyRow) -> Result<Alert, sqlx::Error> {
    let kev: i64 = r.try_get(6)?;
    let ransomware: i64 = r.try_get(7)?;
    let read_at: String = r.try_get(11)?;
    Ok(Alert {
        id: r.try_get(0)?,
        created_at: r.try_get(1)?,
        cause: r.try_get(2)?,
        device_id: r.try_get(3)?,
        device_name: r.try_get(4)?,
        vuln_id: r.try_get(5)?,
        kev: kev != 0,
        ransomware: ransomware != 0,
        cvss_x10: r.try_get(8)?,
        email_status: r.try_get(9)?,
        webhook_status: r.try_get(10)?,
        read: !read_at.is_empty(),
        other_devices: r.try_get(12)?,
    })
}

/// The newest alerts first.
pub async fn list(db: &Db, facility_id: i64, limit: i64) -> Result<Vec<Alert>, VulnError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM vuln_alerts WHERE facility_id = $1 ORDER BY id DESC LIMIT $2"
    )))
    .bind(facility_id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(alert_of).collect::<Result<_, _>>()?)
}

pub async fn unread(db: &Db, facility_id: i64) -> Result<i64, VulnError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM vuln_alerts WHERE facility_id = $1 AND read_at = ''",
    )
    .bind(facility_id)
    .fetch_one(db.pool())
    .await?)
}

pub async fn mark_read(db: &Db, facility_id: i64) -> Result<(), VulnError> {
    let mut w = db.write().await?;
    sqlx::query("UPDATE vuln_alerts SET read_at = $1 WHERE facility_id = $2 AND read_at = ''")
        .bind(now_text())
        .bind(facility_id)
        .execute(&mut *w.tx)
        .await?;
    w.commit().await?;
    Ok(())
}

/// What the alerts page says about delivery (never the password).
#[derive(Debug, Clone, Default)]
pub struct SettingsView {
    pub email: String,
    pub webhook: String,
}

impl SettingsView {
    pub fn of(s: &AlertSettings) -> SettingsView {
        SettingsView {
            email: if s.email_enabled() {
                format!(
                    "{} ({}:{})",
                    s.email_to.join(", "),
                    s.smtp_host,
                    smtp_port(s)
                )
            } else {
                String::new()
            },
            webhook: if s.webhook_url.is_empty() {
                String::new()
            } else {
                mamori_net::redact_url(&s.webhook_url)
            },
        }
    }
}

fn smtp_port(s: &AlertSettings) -> u16 {
    s.smtp_port.unwrap_or(match s.smtp_security.as_str() {
        "tls" => 465,
        "none" => 25,
        _ => 587,
    })
}

/// The JSON a webhook receives: one object per batch.
pub fn webhook_body(alerts: &[Alert]) -> serde_json::Value {
    serde_json::json!({
        "source": "mamori",
        "kind": "vulnerability-alerts",
        "alerts": alerts.iter().map(|a| serde_json::json!({
            "device": a.device_name,
            "device_id": a.device_id,
            "other_devices": a.other_devices,
            "cve": a.vuln_id,
            "kev": a.kev,
            "ransomware": a.ransomware,
            "cvss": a.cvss_x10 as f64 / 10.0,
            "cause": a.cause,
            "created_at": a.created_at,
        })).collect::<Vec<_>>(),
    })
}

/// The e-mail: a Japanese subject and body (the people who read it are the hospital's).
pub fn mail_text(alerts: &[Alert]) -> (String, String) {
    let kev = alerts.iter().filter(|a| a.kev).count();
    let subject = if kev > 0 {
        format!(
            "【mamori】攻撃に使われている脆弱性が {kev} 件見つかりました（全 {} 件）",
            alerts.len()
        )
    } else {
        format!(
            "【mamori】対応が必要な脆弱性が {} 件見つかりました",
            alerts.len()
        )
    };
    let mut body = String::from(
        "mamori が、台帳の機器に新しい重大な脆弱性を見つけました。\n「今すぐ対応」画面で内容と次の一手を確認し、保守業者に連絡してください。\n\n",
    );
    for a in alerts {
        let mut flags = Vec::new();
        if a.kev {
            flags.push("KEV（攻撃に悪用中）");
        }
        if a.ransomware {
            flags.push("ランサムウェアで使用");
        }
        let devices = if a.other_devices > 0 {
            format!("{} ほか {} 台", a.device_name, a.other_devices)
        } else {
            a.device_name.clone()
        };
        body.push_str(&format!(
            "・{}　{}　CVSS {}　{}\n",
            devices,
            a.vuln_id,
            a.cvss(),
            flags.join("・")
        ));
    }
    body.push_str("\n(This message was sent by mamori. Open the 今すぐ対応 page for details.)\n");
    (subject, body)
}

/// Sends the alerts not yet sent, as one e-mail and one webhook call per facility, and keeps
/// the outcome on each. Without settings the alerts are marked "off" and stay in the app.
pub async fn deliver_pending(db: &Db, settings: &AlertSettings) -> Result<(), VulnError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS}, facility_id FROM vuln_alerts WHERE email_status = '' OR webhook_status = '' ORDER BY id"
    )))
    .fetch_all(db.pool())
    .await?;
    let mut by_facility: std::collections::BTreeMap<i64, Vec<Alert>> = Default::default();
    for r in &rows {
        let facility: i64 = r.try_get(13)?;
        by_facility.entry(facility).or_default().push(alert_of(r)?);
    }
    for alerts in by_facility.values() {
        let email = if settings.email_enabled() {
            let (subject, body) = mail_text(alerts);
            let smtp = mamori_net::SmtpSettings {
                host: settings.smtp_host.clone(),
                port: smtp_port(settings),
                security: match settings.smtp_security.as_str() {
                    "tls" => mamori_net::Security::Tls,
                    "none" => mamori_net::Security::None,
                    _ => mamori_net::Security::StartTls,
                },
                username: Some(settings.smtp_username.clone()).filter(|u| !u.is_empty()),
                password: Some(settings.smtp_password.clone()).filter(|p| !p.is_empty()),
                from: settings.email_from.clone(),
            };
            match mamori_net::send_mail(&smtp, &settings.email_to, &subject, &body).await {
                Ok(()) => "sent".to_string(),
                Err(e) => {
                    tracing::warn!(error = %e, "alert e-mail not sent");
                    format!("error: {e}")
                }
            }
        } else {
            "off".to_string()
        };
        let webhook = if settings.webhook_url.is_empty() {
            "off".to_string()
        } else {
            let sent = async {
                let client = mamori_net::Client::new(mamori_net::ClientConfig::default())?;
                mamori_net::post_json(&client, &settings.webhook_url, &webhook_body(alerts)).await
            }
            .await;
            match sent {
                Ok(status) => format!("sent ({status})"),
                Err(e) => {
                    tracing::warn!(error = %e, "alert webhook not sent");
                    format!("error: {e}")
                }
            }
        };
        let mut w = db.write().await?;
        for a in alerts {
            sqlx::query(
                "UPDATE vuln_alerts SET email_status = CASE WHEN email_status = '' THEN $1 ELSE email_status END,
                    webhook_status = CASE WHEN webhook_status = '' THEN $2 ELSE webhook_status END WHERE id = $3",
            )
            .bind(email.clone())
            .bind(webhook.clone())
            .bind(a.id)
            .execute(&mut *w.tx)
            .await?;
        }
        w.commit().await?;
    }
    Ok(())
}

/// Delivers pending alerts without holding up the page that raised them.
pub fn deliver_in_background(state: &AppState) {
    let db = state.db.clone();
    let settings = super::settings::alerts(&state.config);
    tokio::spawn(async move {
        if let Err(e) = deliver_pending(&db, &settings).await {
            tracing::warn!(error = %e, "alert delivery failed");
        }
    });
}

/// After every committed change (and every half minute): re-match facilities whose ledger
/// changed, and deliver what that raised. Pages and the checklist read the stored matches.
pub fn watch(state: AppState) -> crate::kernel::BoxFuture<'static, ()> {
    Box::pin(async move {
        let mut commits = state.db.commits();
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                followed = commits.changed() => {
                    // Only if the database went away: then the half-minute tick alone.
                    if followed.is_err() {
                        tick.tick().await;
                    }
                }
            }
            let ids = crate::facility::api::ids(&state.db).await;
            for id in ids.unwrap_or_default() {
                if let Err(e) = super::matches::ensure_fresh(&state.db, id).await {
                    tracing::warn!(error = %e, "vulnerability re-match failed");
                }
            }
            if let Err(e) =
                deliver_pending(&state.db, &super::settings::alerts(&state.config)).await
            {
                tracing::warn!(error = %e, "alert delivery failed");
            }
        }
    })
}

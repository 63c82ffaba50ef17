//! 監査ログ: the audit trail, filterable by user, record type and date (Japan time).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{NaiveDate, TimeZone};
use serde::Deserialize;

use super::errors::{fail, render};
use super::{AppState, Ctx};
use crate::db::audit::{self, Filter, Record};
use crate::users::store::User;

const PAGE_SIZE: i64 = 100;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: String,
}

pub struct Row {
    pub record: Record,
    pub changes: Vec<(String, String, String)>,
    pub action: String,
    pub entity: String,
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct AuditPage<'a> {
    c: &'a Ctx,
    rows: Vec<Row>,
    users: Vec<User>,
    types: Vec<(String, String)>,
    q: AuditQuery,
    page: i64,
    has_next: bool,
    date_error: bool,
}

/// Start of a Japan-time calendar day, as stored UTC text.
fn day_start(date: &str, days_later: i64) -> Option<String> {
    let d = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?
        + chrono::Duration::days(days_later);
    let local = crate::i18n::jst()
        .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
        .single()?;
    Some(crate::db::time_text(local.with_timezone(&chrono::Utc)))
}

pub fn entity_key(entity_type: &str) -> Option<&'static str> {
    Some(match entity_type {
        "facility" => crate::mkey!("entity-facility"),
        "user" => crate::mkey!("entity-user"),
        "vendor" => crate::mkey!("entity-vendor"),
        "device" => crate::mkey!("entity-device"),
        "scan" => crate::mkey!("entity-scan"),
        "connection" => crate::mkey!("entity-connection"),
        "system" => crate::mkey!("entity-system"),
        "segment" => crate::mkey!("entity-segment"),
        "stocktake" => crate::mkey!("entity-stocktake"),
        "import" => crate::mkey!("entity-import"),
        "custom_field" => crate::mkey!("entity-custom-field"),
        "checklist" => crate::mkey!("entity-checklist"),
        "checklist_form" => crate::mkey!("entity-checklist-form"),
        "checklist_answer" => crate::mkey!("entity-checklist-answer"),
        "checklist_evidence" => crate::mkey!("entity-checklist-evidence"),
        "checklist_wording" => crate::mkey!("entity-checklist-wording"),
        "discovery" => crate::mkey!("entity-discovery"),
        "vuln_feed" => crate::mkey!("entity-vuln-feed"),
        "vuln_match" => crate::mkey!("entity-vuln-match"),
        "setup" => crate::mkey!("entity-setup"),
        _ => return None,
    })
}

fn action_key(action: &str) -> Option<&'static str> {
    Some(match action {
        "create" => crate::mkey!("action-create"),
        "import" => crate::mkey!("action-import"),
        "ignore" => crate::mkey!("action-ignore"),
        "start" => crate::mkey!("action-start"),
        "check" => crate::mkey!("action-check"),
        "finish" => crate::mkey!("action-finish"),
        "delete" => crate::mkey!("action-delete"),
        "update" => crate::mkey!("action-update"),
        "disable" => crate::mkey!("action-disable"),
        "enable" => crate::mkey!("action-enable"),
        "login" => crate::mkey!("action-login"),
        "logout" => crate::mkey!("action-logout"),
        "login_failed" => crate::mkey!("action-login-failed"),
        "login_refused" => crate::mkey!("action-login-refused"),
        "reset_password" => crate::mkey!("action-reset-password"),
        "change_password" => crate::mkey!("action-change-password"),
        "reset_2fa" => crate::mkey!("action-reset-2fa"),
        "enable_2fa" => crate::mkey!("action-enable-2fa"),
        "use_recovery_code" => crate::mkey!("action-use-recovery-code"),
        "change_role" => crate::mkey!("action-change-role"),
        "complete_setup" => crate::mkey!("action-complete-setup"),
        "suppress" => crate::mkey!("action-suppress"),
        "unsuppress" => crate::mkey!("action-unsuppress"),
        _ => return None,
    })
}

/// The label of a choice field's stored code in a ledger record (e.g. `no` → なし).
fn choice_value_key(entity_type: &str, field: &str, value: &str) -> Option<&'static str> {
    let kind = crate::ledger::model::kind_by_entity(entity_type)?;
    match kind.fields.iter().find(|(f, _, _)| *f == field)?.2 {
        crate::ledger::model::FieldType::Choice(choices) => {
            crate::ledger::model::choice_label_key(choices, value)
        }
        _ => None,
    }
}

/// Stored values that read better translated (roles, yes/no, password markers).
fn value_key(field: &str, value: &str) -> Option<&'static str> {
    if field == "role" {
        return crate::users::model::Role::parse(value).map(|r| r.label_key());
    }
    Some(match value {
        "yes" => crate::mkey!("yes"),
        "no" => crate::mkey!("no"),
        "(set)" => crate::mkey!("value-set"),
        "(reset)" => crate::mkey!("value-reset"),
        "(changed)" => crate::mkey!("value-changed"),
        _ => return None,
    })
}

fn field_key(entity_type: &str, field: &str) -> Option<&'static str> {
    match entity_type {
        "facility" => crate::facility::model::field_label_key(field),
        "device" | "connection" | "system" | "segment" => {
            crate::ledger::model::kind_by_entity(entity_type)?.label_key(field)
        }
        "scan" => Some(match field {
            "hosts" => crate::mkey!("scan-hosts"),
            _ => crate::mkey!("scan-command"),
        }),
        "discovery" => Some(crate::mkey!("ignore-reason")),
        "checklist" => Some(match field {
            "items" => crate::mkey!("checklist-items"),
            "sha256" => crate::mkey!("checklist-sha256"),
            _ => return None,
        }),
        "checklist_answer" | "checklist_form" | "checklist_evidence" | "checklist_wording" => {
            Some(match field {
                "answer1" => crate::mkey!("checklist-col-answer1"),
                "date1" => crate::mkey!("checklist-col-date1"),
                "target_date" => crate::mkey!("checklist-col-target-date"),
                "answer2" => crate::mkey!("checklist-col-answer2"),
                "date2" => crate::mkey!("checklist-col-date2"),
                "remarks" => crate::mkey!("checklist-col-remarks"),
                "confirmed_by" => crate::mkey!("checklist-col-confirmed-by"),
                "gate" => crate::mkey!("checklist-gate"),
                "version" => crate::mkey!("checklist-version"),
                "vendor" => crate::mkey!("checklist-vendor-name"),
                "system_name" => crate::mkey!("checklist-system-name"),
                "file" => crate::mkey!("checklist-file"),
                "sha256" => crate::mkey!("checklist-sha256"),
                "record" | "evidence" => crate::mkey!("checklist-evidence"),
                "text" => crate::mkey!("checklist-col-item"),
                _ => return None,
            })
        }
        "custom_field" => Some(match field {
            "record_table" => crate::mkey!("custom-kind"),
            "field_type" => crate::mkey!("custom-type"),
            _ => return None,
        }),
        "stocktake" => Some(match field {
            "confirmed" => crate::mkey!("stocktake-confirmed"),
            "missing" => crate::mkey!("stocktake-missing"),
            "disposed" => crate::mkey!("stocktake-disposed"),
            "unchecked" => crate::mkey!("stocktake-unchecked"),
            "cleared" => crate::mkey!("stocktake-clear"),
            _ => return None,
        }),
        "import" => Some(match field {
            "records" => crate::mkey!("import-records"),
            "new" => crate::mkey!("import-status-new"),
            "changed" => crate::mkey!("import-status-changed"),
            "unchanged" => crate::mkey!("import-status-unchanged"),
            _ => return None,
        }),
        _ => Some(match field {
            "login" => crate::mkey!("user-login"),
            "display_name" => crate::mkey!("user-display-name"),
            "role" => crate::mkey!("user-role"),
            "password" => crate::mkey!("user-password"),
            "vendor" | "name" => crate::mkey!("user-vendor"),
            "disabled" => crate::mkey!("user-disabled"),
            "two_factor" => crate::mkey!("user-two-factor"),
            "language" => crate::mkey!("user-language"),
            "step" => crate::mkey!("login-step"),
            _ => return None,
        }),
    }
}

pub async fn list(State(state): State<AppState>, c: Ctx, Query(q): Query<AuditQuery>) -> Response {
    let c = c.active("audit");
    let Some(facility_id) = c.user().map(|u| u.facility_id) else {
        return fail(&c, "no user");
    };
    let page = q.page.parse::<i64>().unwrap_or(1).max(1);
    let from = day_start(&q.from, 0);
    let until = day_start(&q.to, 1);
    let date_error = (!q.from.trim().is_empty() && from.is_none())
        || (!q.to.trim().is_empty() && until.is_none());
    let filter = Filter {
        facility_id: Some(facility_id),
        actor_id: q.user.parse().ok(),
        entity_type: (!q.kind.is_empty()).then(|| q.kind.clone()),
        from,
        until,
    };
    let records =
        match audit::search(&state.db, &filter, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE).await {
            Ok(r) => r,
            Err(e) => return fail(&c, e),
        };
    let has_next = records.len() as i64 > PAGE_SIZE;
    let translate = |key: Option<&'static str>, raw: &str| {
        key.map(|k| c.t(k)).unwrap_or_else(|| raw.to_string())
    };
    let rows = records
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|record| {
            let changes = record
                .parsed_changes()
                .into_iter()
                .map(|ch| {
                    let mut label = translate(field_key(&record.entity_type, &ch.field), &ch.field);
                    if ch.field.starts_with("security_manager_") {
                        label = format!("{}・{label}", c.t("sm-short"));
                    }
                    let value = |v: &str| match choice_value_key(&record.entity_type, &ch.field, v)
                        .or_else(|| value_key(&ch.field, v))
                    {
                        Some(key) => c.t(key),
                        None => v.to_string(),
                    };
                    (label, value(&ch.before), value(&ch.after))
                })
                .collect();
            Row {
                action: translate(action_key(&record.action), &record.action),
                entity: translate(entity_key(&record.entity_type), &record.entity_type),
                changes,
                record,
            }
        })
        .collect();
    let users = match crate::users::store::list(&state.db, facility_id).await {
        Ok(u) => u,
        Err(e) => return fail(&c, e),
    };
    let types = match audit::entity_types(&state.db).await {
        Ok(t) => t
            .into_iter()
            .map(|t| {
                let label = translate(entity_key(&t), &t);
                (t, label)
            })
            .collect(),
        Err(e) => return fail(&c, e),
    };
    render(
        &c,
        &AuditPage {
            c: &c,
            rows,
            users,
            types,
            q,
            page,
            has_next,
            date_error,
        },
    )
}

impl AuditPage<'_> {
    /// The query string of another page with the same filters.
    fn page_link(&self, page: i64) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("user", &self.q.user)
            .append_pair("type", &self.q.kind)
            .append_pair("from", &self.q.from)
            .append_pair("to", &self.q.to)
            .append_pair("page", &page.to_string());
        format!("/audit?{}", s.finish())
    }
}

//! 監査ログ: the audit trail, filterable by user, record type and date (Japan time).

use super::Hall;
use askama::Template;
use axum::extract::Query;
use chrono::{NaiveDate, TimeZone};
use serde::Deserialize;

use super::Ctx;
use super::errors::render;
use crate::db::audit::{self, Filter, Record};
use crate::kernel::{PageResult, User};
use crate::rooms::ROOMS;
use crate::web::room::Room;

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

/// The hall's own entries (setup, patient-data views) and the verbs every room uses.
static HALL_ENTITIES: [(&str, &str); 2] = [
    ("setup", crate::mkey!("entity-setup")),
    ("patient_record", crate::mkey!("entity-patient-record")),
];

static HALL_ACTIONS: [(&str, &str); 7] = [
    ("create", crate::mkey!("action-create")),
    ("import", crate::mkey!("action-import")),
    ("delete", crate::mkey!("action-delete")),
    ("update", crate::mkey!("action-update")),
    ("complete_setup", crate::mkey!("action-complete-setup")),
    ("view", crate::mkey!("action-view")),
    ("ignore", crate::mkey!("action-ignore")),
];

/// The room that writes this entity type.
fn room_of(entity_type: &str) -> Option<&'static Room> {
    ROOMS
        .iter()
        .copied()
        .find(|room| room.audit.entity_key(entity_type).is_some())
}

pub fn entity_key(entity_type: &str) -> Option<&'static str> {
    HALL_ENTITIES
        .iter()
        .find(|(e, _)| *e == entity_type)
        .map(|(_, k)| *k)
        .or_else(|| room_of(entity_type).and_then(|r| r.audit.entity_key(entity_type)))
}

pub fn action_key(action: &str) -> Option<&'static str> {
    HALL_ACTIONS
        .iter()
        .chain(ROOMS.iter().flat_map(|room| room.audit.actions.iter()))
        .find(|(a, _)| *a == action)
        .map(|(_, k)| *k)
}

/// Stored values that read better translated (roles, yes/no, password markers).
fn value_key(field: &str, value: &str) -> Option<&'static str> {
    if field == "role" {
        return crate::kernel::Role::parse(value).map(|r| r.label_key());
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

pub fn field_key(entity_type: &str, field: &str) -> Option<&'static str> {
    room_of(entity_type).and_then(|room| (room.audit.field)(entity_type, field))
}

fn choice_value_key(entity_type: &str, field: &str, value: &str) -> Option<&'static str> {
    room_of(entity_type).and_then(|room| (room.audit.value)(entity_type, field, value))
}

pub async fn list(Hall(state, c): Hall, Query(q): Query<AuditQuery>) -> PageResult {
    let c = c.active("audit");
    let facility_id = c.facility()?;
    let page = q.page.parse::<i64>().unwrap_or(1).max(1);
    let from = day_start(&q.from, 0);
    let until = day_start(&q.to, 1);
    let date_error = (!q.from.trim().is_empty() && from.is_none())
        || (!q.to.trim().is_empty() && until.is_none());
    let installation_admin = c.user().is_some_and(|u| u.role.is_admin())
        && audit::system_facility(&state.db).await? == Some(facility_id);
    let filter = Filter {
        facility_id: Some(facility_id),
        include_unscoped: installation_admin,
        actor_id: q.user.parse().ok(),
        entity_type: (!q.kind.is_empty()).then(|| q.kind.clone()),
        from,
        until,
    };
    let records = audit::search(&state.db, &filter, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE).await?;
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
                    if let Some(group) = room_of(&record.entity_type)
                        .and_then(|room| (room.audit.group)(&record.entity_type, &ch.field))
                    {
                        label = format!("{}・{label}", c.t(group));
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
    let users = crate::auth::sessions::users_of(&state.db, facility_id).await?;
    let types = match audit::entity_types(&state.db).await {
        Ok(t) => t
            .into_iter()
            .map(|t| {
                let label = translate(entity_key(&t), &t);
                (t, label)
            })
            .collect(),
        Err(e) => return Err(e.into()),
    };
    render(&AuditPage {
        c: &c,
        rows,
        users,
        types,
        q,
        page,
        has_next,
        date_error,
    })
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

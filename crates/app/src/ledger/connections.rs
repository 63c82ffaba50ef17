//! External connection points (外部接続点): VPNs, leased lines, remote-maintenance lines, cloud
//! links — every way into the hospital network, who installed it and how it is protected
//! (checklist 2②, MHLW notice of 2024-08-01). Handa's and Okayama's attackers came in this way.

use askama::Template;
use axum::extract::State;

use super::model::{CREATED_AT, Choice, Field, FieldType, Record, RecordKind, TEXT, UPDATED_AT};
use super::pages::{Section, choice_label};
use super::store;
use crate::kernel::PageResult;
use crate::web::errors::render;
use crate::web::{AppState, Ctx};

pub const KINDS: [Choice; 7] = [
    ("ssl-vpn", crate::mkey!("conn-kind-ssl-vpn")),
    ("ipsec", crate::mkey!("conn-kind-ipsec")),
    ("leased", crate::mkey!("conn-kind-leased")),
    ("rdp-gateway", crate::mkey!("conn-kind-rdp-gateway")),
    ("cloud", crate::mkey!("conn-kind-cloud")),
    ("mobile-router", crate::mkey!("conn-kind-mobile-router")),
    ("other", crate::mkey!("conn-kind-other")),
];

pub const PURPOSES: [Choice; 6] = [
    (
        "remote-maintenance",
        crate::mkey!("conn-purpose-remote-maintenance"),
    ),
    ("regional", crate::mkey!("conn-purpose-regional")),
    (
        "online-eligibility",
        crate::mkey!("conn-purpose-online-eligibility"),
    ),
    ("claims", crate::mkey!("conn-purpose-claims")),
    ("internet", crate::mkey!("conn-purpose-internet")),
    ("other", crate::mkey!("conn-purpose-other")),
];

/// Whether only listed source addresses may connect (接続元制限).
pub const RESTRICTION: [Choice; 3] = [
    ("unknown", crate::mkey!("conn-restricted-unknown")),
    ("yes", crate::mkey!("conn-restricted-yes")),
    ("no", crate::mkey!("conn-restricted-no")),
];

pub const AVAILABILITY: [Choice; 2] = [
    ("always", crate::mkey!("conn-always")),
    ("on-demand", crate::mkey!("conn-on-demand")),
];

pub const AUTHENTICATION: [Choice; 5] = [
    ("unknown", crate::mkey!("conn-auth-unknown")),
    ("password", crate::mkey!("conn-auth-password")),
    ("certificate", crate::mkey!("conn-auth-certificate")),
    ("two-factor", crate::mkey!("conn-auth-two-factor")),
    ("none", crate::mkey!("conn-auth-none")),
];

pub const FIELDS: [Field; 17] = [
    (
        "name",
        crate::mkey!("conn-name"),
        FieldType::Text {
            max: 200,
            required: true,
        },
    ),
    (
        "connection_kind",
        crate::mkey!("conn-kind"),
        FieldType::Choice(&KINDS),
    ),
    (
        "purpose",
        crate::mkey!("conn-purpose"),
        FieldType::Choice(&PURPOSES),
    ),
    (
        "device",
        crate::mkey!("conn-device"),
        FieldType::Ref {
            table: "devices",
            multiple: false,
        },
    ),
    ("equipment", crate::mkey!("conn-equipment"), TEXT),
    ("installed_by", crate::mkey!("conn-installed-by"), TEXT),
    ("managed_by", crate::mkey!("conn-managed-by"), TEXT),
    (
        "source_restricted",
        crate::mkey!("conn-source-restricted"),
        FieldType::Choice(&RESTRICTION),
    ),
    (
        "allowed_sources",
        crate::mkey!("conn-allowed-sources"),
        FieldType::LongText,
    ),
    (
        "availability",
        crate::mkey!("conn-availability"),
        FieldType::Choice(&AVAILABILITY),
    ),
    (
        "authentication",
        crate::mkey!("conn-authentication"),
        FieldType::Choice(&AUTHENTICATION),
    ),
    (
        "log_destination",
        crate::mkey!("conn-log-destination"),
        TEXT,
    ),
    (
        "confirmed_on",
        crate::mkey!("conn-confirmed-on"),
        FieldType::Date,
    ),
    ("confirmed_with", crate::mkey!("conn-confirmed-with"), TEXT),
    ("notes", crate::mkey!("device-notes"), FieldType::LongText),
    CREATED_AT,
    UPDATED_AT,
];

pub static CONNECTIONS: RecordKind = RecordKind {
    table: "connection_points",
    entity: "connection",
    base: "/connections",
    fields: &FIELDS,
    unique: None,
    settle: None,
};

pub static PAGES: Section = Section {
    kind: &CONNECTIONS,
    base: "/connections",
    nav: "connections",
    list_key: crate::mkey!("conn-title"),
    new_key: crate::mkey!("conn-new"),
    edit_key: crate::mkey!("conn-edit"),
};

/// What is wrong with a connection point, as message keys, worst first.
pub fn problems(record: &Record) -> Vec<&'static str> {
    let mut out = Vec::new();
    match record.get("source_restricted") {
        "no" => out.push(crate::mkey!("conn-problem-unrestricted")),
        "unknown" | "" => out.push(crate::mkey!("conn-problem-restriction-unknown")),
        _ => {}
    }
    match record.get("authentication") {
        "none" | "unknown" | "" => out.push(crate::mkey!("conn-problem-auth")),
        "password" => out.push(crate::mkey!("conn-problem-password-only")),
        _ => {}
    }
    if record.get("confirmed_on").is_empty() {
        out.push(crate::mkey!("conn-problem-unconfirmed"));
    }
    if record.get("log_destination").is_empty() {
        out.push(crate::mkey!("conn-problem-no-logs"));
    }
    out
}

pub struct Row {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub purpose: String,
    pub installed_by: String,
    pub restriction: String,
    pub unrestricted: bool,
    pub authentication: String,
    pub confirmed_on: String,
    pub problems: Vec<String>,
}

#[derive(Template)]
#[template(path = "ledger/connections.html")]
struct ListPage<'a> {
    c: &'a Ctx,
    rows: Vec<Row>,
    with_problems: usize,
    printed: String,
}

pub async fn list(State(state): State<AppState>, c: Ctx) -> PageResult {
    let c = c.active("connections");
    let facility_id = c.facility()?;
    let records = store::list_all(&state.db, &CONNECTIONS, facility_id).await?;
    let rows: Vec<Row> = records
        .iter()
        .map(|r| Row {
            id: r.id,
            name: r.name().to_string(),
            kind: choice_label(&c, r, "connection_kind"),
            purpose: choice_label(&c, r, "purpose"),
            installed_by: r.get("installed_by").to_string(),
            restriction: if r.get("source_restricted") == "yes"
                && !r.get("allowed_sources").is_empty()
            {
                r.get("allowed_sources").to_string()
            } else {
                choice_label(&c, r, "source_restricted")
            },
            unrestricted: r.get("source_restricted") != "yes",
            authentication: choice_label(&c, r, "authentication"),
            confirmed_on: c.date(r.get("confirmed_on")),
            problems: problems(r).into_iter().map(|k| c.t(k)).collect(),
        })
        .collect();
    let with_problems = rows.iter().filter(|r| !r.problems.is_empty()).count();
    let printed = c.datetime(&crate::db::now_text());
    render(&ListPage {
        c: &c,
        rows,
        with_problems,
        printed,
    })
}

/// Connection points with no source restriction, or not confirmed with the vendor: for the
/// dashboard and, later, the checklist (2②).
pub async fn open_issues(
    state: &AppState,
    facility_id: i64,
) -> Result<(usize, usize, usize), store::LedgerError> {
    let records = store::list_all(&state.db, &CONNECTIONS, facility_id).await?;
    let unrestricted = records
        .iter()
        .filter(|r| r.get("source_restricted") != "yes")
        .count();
    let unconfirmed = records
        .iter()
        .filter(|r| r.get("confirmed_on").is_empty())
        .count();
    Ok((records.len(), unrestricted, unconfirmed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unrestricted_password_vpn_is_flagged() {
        let values = CONNECTIONS
            .validate(&|f: &str| match f {
                "name" => "保守用 SSL-VPN".into(),
                "connection_kind" => "ssl-vpn".into(),
                "source_restricted" => "no".into(),
                "authentication" => "password".into(),
                _ => String::new(),
            })
            .expect("valid");
        let record = Record {
            kind: &CONNECTIONS,
            values,
            ..Record::default()
        };
        assert_eq!(
            problems(&record),
            vec![
                "conn-problem-unrestricted",
                "conn-problem-password-only",
                "conn-problem-unconfirmed",
                "conn-problem-no-logs"
            ]
        );
        assert_eq!(
            record.choice_key("connection_kind"),
            Some("conn-kind-ssl-vpn")
        );
        assert_eq!(record.get("availability"), "always");
    }
}

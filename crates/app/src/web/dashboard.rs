//! The home page (ダッシュボード): what is set up, and the next step. Later rooms add cards here.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::errors::{WebError, fail, render, status_page};
use super::{AppState, Ctx};
use crate::facility::model::Facility;

/// One card: a title, its state, what is missing, and where to fix it.
pub struct Card {
    pub title: String,
    pub ok: bool,
    pub summary: String,
    pub gaps: Vec<String>,
    pub href: &'static str,
    pub action: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    c: &'a Ctx,
    facility: Facility,
    cards: Vec<Card>,
    next_step: Option<(String, &'static str)>,
}

pub async fn page(State(state): State<AppState>, c: Ctx) -> Response {
    let c = c.active("home");
    let Some(user) = c.user().cloned() else {
        return status_page(&c, WebError::Forbidden);
    };
    let facility = match crate::facility::store::get(&state.db, user.facility_id).await {
        Ok(Some(f)) => f,
        Ok(None) => return status_page(&c, WebError::NotFound),
        Err(e) => return fail(&c, e),
    };
    let users = match crate::users::store::list(&state.db, user.facility_id).await {
        Ok(u) => u,
        Err(e) => return fail(&c, e),
    };
    let mut cards = Vec::new();

    let sm_gaps: Vec<String> = facility
        .security_manager_gaps()
        .into_iter()
        .map(|k| c.t(k))
        .collect();
    cards.push(Card {
        title: c.t("card-security-manager"),
        ok: sm_gaps.is_empty(),
        summary: if facility.security_manager_name.is_empty() {
            String::new()
        } else {
            format!(
                "{} {}",
                facility.security_manager_name, facility.security_manager_role
            )
        },
        gaps: sm_gaps,
        href: "/facility/edit",
        action: c.t("action-edit-facility"),
    });

    let profile_gaps: Vec<String> = facility
        .profile_gaps()
        .into_iter()
        .map(|k| c.t(k))
        .collect();
    cards.push(Card {
        title: c.t("card-facility"),
        ok: profile_gaps.is_empty(),
        summary: facility.name.clone(),
        gaps: if profile_gaps.is_empty() {
            Vec::new()
        } else {
            vec![c.t1(
                "facility-missing-fields",
                "fields",
                &profile_gaps.join("、"),
            )]
        },
        href: "/facility/edit",
        action: c.t("action-edit-facility"),
    });

    let ledger = match crate::ledger::store::summary(&state.db, user.facility_id).await {
        Ok(s) => s,
        Err(e) => return fail(&c, e),
    };
    let mut ledger_gaps = Vec::new();
    if ledger.in_use == 0 {
        ledger_gaps.push(c.t("ledger-empty"));
    }
    if ledger.missing_key_fields > 0 {
        ledger_gaps.push(c.t1("ledger-missing-fields", "count", &ledger.missing_key_fields));
    }
    if ledger.in_use > 0 && ledger.not_confirmed_12_months > 0 {
        ledger_gaps.push(c.t1(
            "ledger-not-confirmed",
            "count",
            &ledger.not_confirmed_12_months,
        ));
    }
    cards.push(Card {
        title: c.t("nav-ledger"),
        ok: ledger_gaps.is_empty(),
        summary: c.t1("ledger-count", "count", &ledger.in_use),
        gaps: ledger_gaps,
        href: if ledger.in_use == 0 && c.can_edit() {
            "/ledger/new"
        } else {
            "/ledger"
        },
        action: c.t("ledger-open"),
    });

    let (points, unrestricted, unconfirmed) =
        match crate::ledger::connections::open_issues(&state, user.facility_id).await {
            Ok(found) => found,
            Err(e) => return fail(&c, e),
        };
    let mut connection_gaps = Vec::new();
    if points == 0 {
        connection_gaps.push(c.t("conn-empty"));
    }
    if unrestricted > 0 {
        connection_gaps.push(c.t1("conn-unrestricted-count", "count", &unrestricted));
    }
    if unconfirmed > 0 {
        connection_gaps.push(c.t1("conn-unconfirmed-count", "count", &unconfirmed));
    }
    cards.push(Card {
        title: c.t("conn-title"),
        ok: connection_gaps.is_empty(),
        summary: c.t1("conn-count", "count", &points),
        gaps: connection_gaps,
        href: "/connections",
        action: c.t("conn-open"),
    });

    let active: Vec<_> = users.iter().filter(|u| !u.disabled).collect();
    let without_totp = active.iter().filter(|u| !u.has_totp()).count();
    let mut totp_gaps = Vec::new();
    if !user.has_totp() {
        totp_gaps.push(c.t("totp-self-missing"));
    }
    if without_totp > 0 {
        totp_gaps.push(c.t1("totp-users-missing", "count", &without_totp));
    }
    if !facility.require_totp {
        totp_gaps.push(c.t("totp-not-required"));
    }
    let (href, action) = if !user.has_totp() {
        ("/account/2fa", c.t("action-enrol-totp"))
    } else if user.role.is_admin() {
        ("/admin/users", c.t("action-manage-users"))
    } else {
        ("/account", c.t("nav-account"))
    };
    cards.push(Card {
        title: c.t("card-two-factor"),
        ok: totp_gaps.is_empty(),
        summary: c.t2_users(active.len(), active.len() - without_totp),
        gaps: totp_gaps,
        href,
        action,
    });

    let next_step = cards
        .iter()
        .find(|card| !card.ok)
        .and_then(|card| card.gaps.first().map(|g| (g.clone(), card.href)));
    render(
        &c,
        &DashboardPage {
            c: &c,
            facility,
            cards,
            next_step,
        },
    )
}

impl Ctx {
    fn t2_users(&self, total: usize, with_totp: usize) -> String {
        self.tr
            .t2("users-with-totp", "total", &total, "with", &with_totp)
    }
}

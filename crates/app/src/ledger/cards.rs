//! The ledger room's cards on the home page: the device ledger and the external connection points.

use crate::kernel::{BoxFuture, RoomError};
use crate::web::dashboard::Card;
use crate::web::{AppState, Ctx};

pub fn cards<'a>(state: &'a AppState, c: &'a Ctx) -> BoxFuture<'a, Result<Vec<Card>, RoomError>> {
    Box::pin(async move {
        let facility_id = c.facility_id().ok_or(RoomError::Forbidden)?;
        let ledger = super::store::summary(&state.db, facility_id)
            .await
            .map_err(RoomError::internal)?;
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
        let devices = Card {
            order: 30,
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
            ..Card::default()
        };
        let (points, unrestricted, unconfirmed) =
            super::connections::open_issues(state, facility_id)
                .await
                .map_err(RoomError::internal)?;
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
        let connections = Card {
            order: 40,
            title: c.t("conn-title"),
            ok: connection_gaps.is_empty(),
            summary: c.t1("conn-count", "count", &points),
            gaps: connection_gaps,
            href: "/connections",
            action: c.t("conn-open"),
            ..Card::default()
        };
        Ok(vec![devices, connections])
    })
}

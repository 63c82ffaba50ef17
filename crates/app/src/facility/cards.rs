//! The facility room's cards on the home page: the security manager and the hospital profile.

use crate::kernel::{BoxFuture, RoomError};
use crate::web::dashboard::Card;
use crate::web::{AppState, Ctx};

pub fn cards<'a>(state: &'a AppState, c: &'a Ctx) -> BoxFuture<'a, Result<Vec<Card>, RoomError>> {
    Box::pin(async move {
        let facility_id = c.facility_id().ok_or(RoomError::Forbidden)?;
        let facility = super::store::get(&state.db, facility_id)
            .await?
            .ok_or(RoomError::NotFound)?;
        let sm_gaps: Vec<String> = facility
            .security_manager_gaps()
            .into_iter()
            .map(|k| c.t(k))
            .collect();
        let security_manager = Card {
            order: 10,
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
            href: if c.can_edit() {
                "/facility/edit"
            } else {
                "/facility"
            },
            action: c.t("action-edit-facility"),
            ..Card::default()
        };
        let profile_gaps: Vec<String> = facility
            .profile_gaps()
            .into_iter()
            .map(|k| c.t(k))
            .collect();
        let profile = Card {
            order: 20,
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
            href: if c.can_edit() {
                "/facility/edit"
            } else {
                "/facility"
            },
            action: c.t("action-edit-facility"),
            ..Card::default()
        };
        Ok(vec![security_manager, profile])
    })
}

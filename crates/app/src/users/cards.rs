//! The users room's card on the home page: two-factor sign-in for everyone.

use crate::kernel::{BoxFuture, RoomError};
use crate::web::dashboard::Card;
use crate::web::{AppState, Ctx};

pub fn cards<'a>(state: &'a AppState, c: &'a Ctx) -> BoxFuture<'a, Result<Vec<Card>, RoomError>> {
    Box::pin(async move {
        let user = c.user().cloned().ok_or(RoomError::Forbidden)?;
        let users = super::store::list(&state.db, user.facility_id).await?;
        let active: Vec<_> = users.iter().filter(|u| !u.disabled).collect();
        let without_totp = active.iter().filter(|u| !u.has_totp()).count();
        let mut totp_gaps = Vec::new();
        if !user.has_totp() {
            totp_gaps.push(c.t("totp-self-missing"));
        }
        if without_totp > 0 {
            totp_gaps.push(c.t1("totp-users-missing", "count", &without_totp));
        }
        if !c.visitor.require_totp {
            totp_gaps.push(c.t("totp-not-required"));
        }
        let (href, action) = if !user.has_totp() {
            ("/account/2fa", c.t("action-enrol-totp"))
        } else if user.role.is_admin() {
            ("/admin/users", c.t("action-manage-users"))
        } else {
            ("/account", c.t("nav-account"))
        };
        Ok(vec![Card {
            order: 50,
            title: c.t("card-two-factor"),
            ok: totp_gaps.is_empty(),
            summary: c.tr.t2(
                "users-with-totp",
                "total",
                &active.len(),
                "with",
                &(active.len() - without_totp),
            ),
            gaps: totp_gaps,
            href,
            action,
            ..Card::default()
        }])
    })
}

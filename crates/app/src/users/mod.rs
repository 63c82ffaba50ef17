//! mamori's own users: roles, the password rule, administration, 2FA enrolment and each user's
//! own profile.

pub mod api;
pub mod cards;
pub mod model;
pub mod own_profile;
pub mod pages;
pub mod store;
pub mod two_factor;

use crate::kernel::Access;
use crate::web::room::{AuditLabels, MenuEntry, Room};

fn field_label(_entity: &str, field: &str) -> Option<&'static str> {
    Some(match field {
        "login" => crate::mkey!("user-login"),
        "display_name" => crate::mkey!("user-display-name"),
        "role" => crate::mkey!("user-role"),
        "password" => crate::mkey!("user-password"),
        "vendor" => crate::mkey!("user-vendor"),
        "disabled" => crate::mkey!("user-disabled"),
        "two_factor" => crate::mkey!("user-two-factor"),
        "language" => crate::mkey!("user-language"),
        "step" => crate::mkey!("login-step"),
        "refused" => crate::mkey!("login-refused-count"),
        "failures" => crate::mkey!("login-failures-cleared"),
        _ => return None,
    })
}

/// The audited values that are codes: which step of signing in failed.
fn value_label(_entity: &str, field: &str, value: &str) -> Option<&'static str> {
    if field != "step" {
        return None;
    }
    Some(match value {
        "password" => crate::mkey!("login-step-password"),
        "two_factor" => crate::mkey!("login-step-two-factor"),
        "disabled" => crate::mkey!("login-step-disabled"),
        "current_password" => crate::mkey!("login-step-current-password"),
        "login_too_long" => crate::mkey!("login-step-login-too-long"),
        _ => return None,
    })
}

pub static ROOM: Room = Room {
    id: "users",
    tables: &["users", "recovery_codes"],
    routes: pages::routes,
    menu: &[
        MenuEntry {
            id: "users",
            href: "/admin/users",
            label_key: crate::mkey!("nav-users"),
            access: Access::Admin,
            order: 80,
        },
        MenuEntry {
            id: "account",
            href: "/account",
            label_key: crate::mkey!("nav-account"),
            access: Access::SignedIn,
            order: 90,
        },
    ],
    cards: Some(cards::cards),
    audit: AuditLabels {
        entities: &[("user", crate::mkey!("entity-user"))],
        actions: &[
            ("disable", crate::mkey!("action-disable")),
            ("enable", crate::mkey!("action-enable")),
            ("login", crate::mkey!("action-login")),
            ("logout", crate::mkey!("action-logout")),
            ("login_failed", crate::mkey!("action-login-failed")),
            ("login_refused", crate::mkey!("action-login-refused")),
            ("reset_password", crate::mkey!("action-reset-password")),
            ("change_password", crate::mkey!("action-change-password")),
            ("reset_2fa", crate::mkey!("action-reset-2fa")),
            ("unlock", crate::mkey!("action-unlock")),
            ("enable_2fa", crate::mkey!("action-enable-2fa")),
            (
                "use_recovery_code",
                crate::mkey!("action-use-recovery-code"),
            ),
            ("change_role", crate::mkey!("action-change-role")),
        ],
        field: field_label,
        value: value_label,
        group: |_, _| None,
    },
    ..Room::EMPTY
};

//! People who use mamori, their roles, and the password rule. Plain rules, no I/O.

use std::fmt;

/// One role per user. Roles are coarse on purpose: hospitals have few people and need to
/// understand at a glance who can do what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// 管理者: everything, including users and settings.
    Admin,
    /// 担当者: edits all security data.
    Staff,
    /// 閲覧者: reads everything, edits nothing (management, auditors).
    Viewer,
    /// 事業者: a vendor's person, tied to one vendor record; sees only its own part.
    Vendor,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Staff, Role::Viewer, Role::Vendor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Viewer => "viewer",
            Role::Vendor => "vendor",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// The message key of the role's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::Admin => crate::mkey!("role-admin"),
            Role::Staff => crate::mkey!("role-staff"),
            Role::Viewer => crate::mkey!("role-viewer"),
            Role::Vendor => crate::mkey!("role-vendor"),
        }
    }

    pub fn can_read_hospital_data(self) -> bool {
        !matches!(self, Role::Vendor)
    }

    pub fn can_edit(self) -> bool {
        matches!(self, Role::Admin | Role::Staff)
    }

    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who is acting: a signed-in user, the command line, or an anonymous visitor (login attempts).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub facility_id: Option<i64>,
    pub name: String,
    pub ip: String,
    pub role: Role,
    pub vendor_id: Option<i64>,
}

/// What an action needs. Checked by the web router for every route and by services for CLI calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ReadHospitalData,
    Edit,
    Administer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("this action is not allowed for the role {0}")]
pub struct Forbidden(pub Role);

impl Actor {
    /// The local operator running a `mamori` command: shell access to the server is admin access.
    pub fn command_line(facility_id: Option<i64>) -> Actor {
        let who = std::env::var("SUDO_USER")
            .or_else(|_| std::env::var("USER"))
            .unwrap_or_else(|_| "unknown".into());
        Actor {
            user_id: None,
            facility_id,
            name: format!("cli:{who}"),
            ip: "local".into(),
            role: Role::Admin,
            vendor_id: None,
        }
    }

    pub fn anonymous(name: &str, ip: &str, facility_id: Option<i64>) -> Actor {
        Actor {
            user_id: None,
            facility_id,
            name: name.to_string(),
            ip: ip.to_string(),
            role: Role::Viewer,
            vendor_id: None,
        }
    }

    pub fn allows(&self, permission: Permission) -> bool {
        match permission {
            Permission::ReadHospitalData => self.role.can_read_hospital_data(),
            Permission::Edit => self.role.can_edit(),
            Permission::Administer => self.role.is_admin(),
        }
    }

    pub fn require(&self, permission: Permission) -> Result<(), Forbidden> {
        if self.allows(permission) {
            Ok(())
        } else {
            Err(Forbidden(self.role))
        }
    }
}

/// Why a password was refused; each maps to a message key shown next to the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooShortWithoutMix,
    TooLong,
}

impl PasswordProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => crate::mkey!("password-too-short"),
            PasswordProblem::TooShortWithoutMix => crate::mkey!("password-too-short-2fa"),
            PasswordProblem::TooLong => crate::mkey!("password-too-long"),
        }
    }
}

pub const PASSWORD_MAX_CHARS: usize = 256;

/// The R7 checklist rule: at least 13 characters, or at least 8 characters mixing letters,
/// digits and symbols when the user signs in with two-factor authentication.
pub fn check_password(password: &str, has_two_factor: bool) -> Result<(), PasswordProblem> {
    let length = password.chars().count();
    if length > PASSWORD_MAX_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    if length >= 13 {
        return Ok(());
    }
    if !has_two_factor {
        return Err(PasswordProblem::TooShort);
    }
    let has_letter = password.chars().any(|c| c.is_alphabetic());
    let has_digit = password.chars().any(|c| c.is_numeric());
    let has_symbol = password
        .chars()
        .any(|c| !c.is_alphanumeric() && !c.is_whitespace());
    if length >= 8 && has_letter && has_digit && has_symbol {
        Ok(())
    } else {
        Err(PasswordProblem::TooShortWithoutMix)
    }
}

/// Login ids: 1–64 characters of ASCII letters, digits and `. _ - @`.
pub fn check_login(login: &str) -> Result<(), &'static str> {
    if login.is_empty() {
        return Err(crate::mkey!("field-required"));
    }
    if login.len() > 64
        || !login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(crate::mkey!("login-invalid"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_rule_follows_r7() {
        assert_eq!(
            check_password("short", false),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(
            check_password("abcdefghijkl", false),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(check_password("abcdefghijklm", false), Ok(()));
        assert_eq!(check_password("あいうえおかきくけこさしす", false), Ok(()));
        assert_eq!(
            check_password("Abc123!x", false),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(check_password("Abc123!x", true), Ok(()));
        assert_eq!(
            check_password("Abc123xy", true),
            Err(PasswordProblem::TooShortWithoutMix)
        );
        assert_eq!(
            check_password("Ab1!", true),
            Err(PasswordProblem::TooShortWithoutMix)
        );
        assert_eq!(
            check_password(&"x".repeat(300), false),
            Err(PasswordProblem::TooLong)
        );
    }

    #[test]
    fn roles_grant_what_the_issue_says() {
        let actor = |role| Actor {
            role,
            ..Actor::anonymous("t", "ip", None)
        };
        assert!(actor(Role::Admin).allows(Permission::Administer));
        assert!(actor(Role::Staff).allows(Permission::Edit));
        assert!(!actor(Role::Staff).allows(Permission::Administer));
        assert!(actor(Role::Viewer).allows(Permission::ReadHospitalData));
        assert!(!actor(Role::Viewer).allows(Permission::Edit));
        assert!(!actor(Role::Vendor).allows(Permission::ReadHospitalData));
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
    }

    #[test]
    fn login_ids_are_plain() {
        assert!(check_login("sato.h").is_ok());
        assert!(check_login("").is_err());
        assert!(check_login("佐藤").is_err());
        assert!(check_login("a b").is_err());
    }
}

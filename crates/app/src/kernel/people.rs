//! Who acts: roles and the actor of every change (a signed-in user, the command line, or an
//! anonymous visitor). Every room checks permissions with these, so web and CLI agree.

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

    /// Patient records (downtime reference) are for the hospital's own security staff, not for
    /// viewers (management, auditors) nor vendors.
    pub fn can_see_patient_data(self) -> bool {
        matches!(self, Role::Admin | Role::Staff)
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

/// A mamori user account as the hall and every room see it. The users room owns its table.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub facility_id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub vendor_id: Option<i64>,
    pub vendor_name: Option<String>,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub totp_pending_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub disabled: bool,
    pub language: String,
    pub created_at: String,
    pub updated_at: String,
}

impl User {
    pub fn has_totp(&self) -> bool {
        self.totp_secret.is_some()
    }

    pub fn actor(&self, ip: &str) -> Actor {
        Actor {
            user_id: Some(self.id),
            facility_id: Some(self.facility_id),
            name: self.login.clone(),
            ip: ip.to_string(),
            role: self.role,
            vendor_id: self.vendor_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

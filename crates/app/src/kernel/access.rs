//! Who may use a route. Every route is declared with one [`Access`], so none can be added
//! without a decision; the route table checks it on every request and a test holds each route's
//! declaration against the intended role matrix.

use super::people::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No sign-in needed (login, setup, health check, assets).
    Public,
    /// Any signed-in user, vendors included, and the one access left to a user who must still
    /// enrol 2FA: the user's own account (profile, password, 2FA) and signing out.
    SignedIn,
    /// Hospital readers (admin, staff, viewer) and vendor users. The handler confines a vendor
    /// user to the records of their own vendor (`Actor::vendor_id`) and decides what each may
    /// change.
    VendorSelf,
    /// Reading hospital data: admin, staff, viewer.
    Read,
    /// Changing security data: admin, staff.
    Edit,
    /// Users and settings: admin.
    Admin,
    /// Patient records (downtime reference): only roles granted patient data; every view is
    /// written to the audit trail.
    PatientData,
}

impl Access {
    pub const ALL: [Access; 7] = [
        Access::Public,
        Access::SignedIn,
        Access::VendorSelf,
        Access::Read,
        Access::Edit,
        Access::Admin,
        Access::PatientData,
    ];

    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public | Access::SignedIn => true,
            Access::VendorSelf => role.can_read_hospital_data() || role == Role::Vendor,
            Access::Read => role.can_read_hospital_data(),
            Access::Edit => role.can_edit(),
            Access::Admin => role.is_admin(),
            Access::PatientData => role.can_see_patient_data(),
        }
    }

    /// Whether a user who must still enrol 2FA may pass (only to enrol, or to sign out).
    pub fn open_before_2fa(self) -> bool {
        matches!(self, Access::Public | Access::SignedIn)
    }

    /// Whether each passing request is written to the audit trail.
    pub fn audits_views(self) -> bool {
        self == Access::PatientData
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The intended matrix, role by role: what each access lets through.
    #[test]
    fn each_access_lets_through_the_intended_roles() {
        use Role::*;
        let expect = |access: Access, roles: &[Role]| {
            for role in Role::ALL {
                assert_eq!(
                    access.allows(role),
                    roles.contains(&role),
                    "{access:?} for {role:?}"
                );
            }
        };
        expect(Access::Public, &[Admin, Staff, Viewer, Vendor]);
        expect(Access::SignedIn, &[Admin, Staff, Viewer, Vendor]);
        expect(Access::VendorSelf, &[Admin, Staff, Viewer, Vendor]);
        expect(Access::Read, &[Admin, Staff, Viewer]);
        expect(Access::Edit, &[Admin, Staff]);
        expect(Access::Admin, &[Admin]);
        expect(Access::PatientData, &[Admin, Staff]);
        assert!(
            Access::ALL
                .iter()
                .all(|a| a.audits_views() == (*a == Access::PatientData))
        );
    }
}

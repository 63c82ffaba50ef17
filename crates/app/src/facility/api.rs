//! What other rooms and the sign-in gate may use of the facility room.

pub use super::PROFILE;
pub use super::model::Facility;
pub use super::store::{FacilityError, get, ids, set_require_totp};

//! What the sign-in gate may use of the users room: finding accounts, creating the first one at
//! setup, and marking a sign-in's second factor.

pub use super::store::{
    NewUser, UserError, advance_totp_step, by_id, by_login, count_all, count_in, insert, list,
    recovery_codes_left, set_language, spend_recovery_code, validate_new,
};

//! Sign-in: first-start setup, passwords, TOTP two-factor authentication, sessions, throttling.

pub mod login;
pub mod pages;
pub mod secrets;
pub mod sessions;
pub mod setup;
pub mod two_factor;

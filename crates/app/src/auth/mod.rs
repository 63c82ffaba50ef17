//! Sign-in: first-start setup, passwords, the TOTP step, sessions, throttling. It is the hall's
//! gate, not a room: it owns the sessions, setup links and failed attempts, and reads and marks
//! user accounts only through the users room's public functions.

pub mod guard;
pub mod login;
pub mod pages;
pub mod secrets;
pub mod sessions;
pub mod setup;

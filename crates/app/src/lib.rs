//! mamori: a self-hosted cyber-resilience system for small and medium hospitals.
//!
//! Rooms (one per capability) hold their model, storage, pages and facts, and are registered in
//! one list, `rooms`: `facility`, `users`, `vendors`, `ledger`, `checklist`, `vuln`. Below them
//! sit the `kernel` (actors, permissions, record references, the checklist's facts contract,
//! "today" in Japan, the page error, uploads), `db` (storage and the audit trail) and `web`, the
//! hall that iterates the room list. `auth` is the hall's sign-in gate.

#[macro_use]
pub mod i18n;

pub mod auth;
pub mod backup;
pub mod checklist;
pub mod config;
pub mod db;
pub mod facility;
pub mod kernel;
pub mod ledger;
pub mod rooms;
pub mod server;
pub mod tls;
pub mod users;
pub mod vendors;
pub mod vuln;
pub mod web;

/// The version shown in the footer and `mamori --version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

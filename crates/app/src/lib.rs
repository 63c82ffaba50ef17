//! mamori: a self-hosted cyber-resilience system for small and medium hospitals.
//!
//! Rooms (one per capability) hold their model, storage and pages: `facility`, `users`, and
//! those to come. `auth` handles sign-in, `db` the storage and audit trail, `web` the hall.

#[macro_use]
pub mod i18n;

pub mod auth;
pub mod backup;
pub mod checklist;
pub mod config;
pub mod db;
pub mod facility;
pub mod ledger;
pub mod server;
pub mod tls;
pub mod users;
pub mod vuln;
pub mod web;

/// The version shown in the footer and `mamori --version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

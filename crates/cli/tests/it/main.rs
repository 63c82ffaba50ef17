//! All integration tests in one binary (each tests/*.rs file would be a separate, slow link).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bounded_reading;
mod browser;
mod checklist;
mod checklist_answers;
mod cli;
mod feeds_update;
mod flows;
mod import;
mod kit;
mod process;
mod request_limits;
mod security;
mod signin_attacks;
mod stocktake;
mod stores;
mod vuln;

//! Vulnerability room: feeds (CISA KEV, NVD, JVN, CPE products) imported offline or downloaded,
//! matched against the ledger's devices by CPE with version ranges; 「今すぐ対応」 puts what
//! attackers use now first; suppressions, alerts, and the checklist's patch rule.

pub mod alerts;
pub mod facts;
pub mod feeds;
pub mod matches;
pub mod model;
pub mod pages;
pub mod store;
pub mod suggest;
pub mod update;
pub mod view;

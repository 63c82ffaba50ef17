//! Ledger room (台帳): the hospital's devices, medical information systems, network segments and
//! external connection points (checklist 2①②), with discovery, import/export, the network
//! diagram and the yearly stocktake.

pub mod checklist_rules;
pub mod connections;
pub mod diagram;
pub mod diagram_pages;
pub mod discovery;
pub mod discovery_pages;
pub mod discovery_run;
pub mod discovery_store;
pub mod export;
pub mod facts;
pub mod fields_pages;
pub mod import;
pub mod import_pages;
pub mod import_store;
pub mod model;
pub mod pages;
pub mod stocktake;
pub mod stocktake_pages;
pub mod store;
pub mod systems;

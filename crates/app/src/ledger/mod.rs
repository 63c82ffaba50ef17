//! Ledger room (台帳): the hospital's devices (checklist 2①). Systems, network segments,
//! external connection points, import/export and discovery come next.

pub mod connections;
pub mod discovery;
pub mod discovery_pages;
pub mod discovery_store;
pub mod model;
pub mod pages;
pub mod store;

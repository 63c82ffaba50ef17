//! Facility & people room: the hospital's profile and its security manager (checklist 1①).

pub mod checklist_rules;
pub mod model;
pub mod pages;
pub mod store;

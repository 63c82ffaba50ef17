//! mamori's own users: roles, the password rule, administration and each user's own account.

pub mod account;
pub mod model;
pub mod pages;
pub mod store;

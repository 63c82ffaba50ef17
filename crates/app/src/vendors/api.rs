//! What other rooms may use of the vendors room: a vendor by name (made on first use) and the
//! names of vendors by ID.

pub use super::store::{find, for_name, names};

//! What other rooms may use of the ledger: its facts, the device inputs for vulnerability
//! matching, its record kinds, and reading or updating a device (the vulnerability room confirms
//! CPEs on it). Anything else in the ledger is its own business.

pub use super::facts::LedgerFacts;
pub use super::inspection::{ConnectionRow, LedgerSummary, inspection_summary};
pub use super::model::{DEVICES, Record, firmware_cpe};
pub use super::records::{CONNECTION_POINT, DEVICE, SEGMENT, SYSTEM};
pub use super::store::{
    LedgerError, Maintained, MatchInput, device_names, get, maintained_by, match_inputs, update,
};

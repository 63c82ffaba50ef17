//! What other rooms may use of the vulnerability room: its facts for the checklist.

pub use super::facts::{VulnFacts, device_counts};

//! The shared kernel: what several rooms need and none of them owns. Who acts and what they may
//! do, a reference to any room's record with its link, the checklist's facts and suggestion
//! contract, "today" in Japan, the error a page returns, and reading an uploaded file.
//! It sits below every room and knows none of them.

pub mod access;
pub mod error;
pub mod facts;
pub mod files;
pub mod people;
pub mod record;
pub mod time;
pub mod upload;

pub use access::Access;
pub use error::{PageResult, RoomError};
pub use facts::{Facts, Finding, Reason, Rule, SAMPLE, Suggestion, Verdict};
pub use people::{Actor, Forbidden, Permission, Role, User};
pub use record::{Lookup, RecordRef, RefKind};
pub use time::today_jst;

/// A boxed future borrowing its inputs, for the async functions rooms register.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

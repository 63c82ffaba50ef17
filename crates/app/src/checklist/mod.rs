//! Checklist room (MHLW 「医療機関におけるサイバーセキュリティ対策チェックリスト」): item masters
//! as data per version and form, with our guidance per topic.

pub mod master;
pub mod store;

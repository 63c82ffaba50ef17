//! Checklist room (MHLW 「医療機関におけるサイバーセキュリティ対策チェックリスト」): item masters
//! as data per version and form, with our guidance per topic; yearly answers with evidence;
//! suggestions from the other rooms' data; the official-layout print, xlsx and the 立入検査 pack.

pub mod answers;
pub mod forms;
pub mod master;
pub mod pages;
pub mod print;
pub mod rules;
pub mod store;
pub mod view;

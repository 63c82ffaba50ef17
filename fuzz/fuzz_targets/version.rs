//! Version parsing, ordering and range checks never panic, and a version equals itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mamori_formats::version::{self, Range};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let (a, b) = text.split_at(text.char_indices().nth(text.chars().count() / 2).map_or(0, |(i, _)| i));
        if version::parse(a).is_some() {
            assert_eq!(version::compare(a, a), Some(std::cmp::Ordering::Equal));
        }
        let _ = version::compare(a, b);
        let range = Range {
            start_including: a.to_string(),
            end_excluding: b.to_string(),
            ..Range::default()
        };
        let _ = range.contains(text);
    }
});

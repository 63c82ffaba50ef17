//! Any text given to the date reader (和暦 included) gives a date or None, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = mamori_formats::dates::parse_date(text);
    }
});

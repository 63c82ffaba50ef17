//! The KEV catalog reader never panics, whatever bytes it is given.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mamori_formats::kev::parse(data);
});

//! The NVD reader (2.0 and 1.1 shapes) never panics, whatever bytes it is given.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mamori_formats::nvd::parse(data);
});

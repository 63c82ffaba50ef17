//! Any bytes given to the nmap parser give a scan or an error, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mamori_formats::nmap::parse(data);
});

//! The JVN iPedia reader (JVNRSS and VULDEF XML) never panics, whatever bytes it is given, and
//! neither does turning the CPE URIs it returns into names.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(feed) = mamori_formats::jvn::parse(data) {
        for entry in &feed.entries {
            for cpe in &entry.cpes {
                let _ = cpe.wfn();
            }
        }
        if let Some(paging) = feed.paging {
            let _ = paging.next_start();
        }
    }
});

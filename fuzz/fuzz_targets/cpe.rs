//! Any text given to the CPE readers gives a name or a located error, never a panic; a name that
//! is read binds to a formatted string, a URI and WFN notation that all read back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mamori_formats::cpe;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let read = [
            cpe::parse_fs(text),
            cpe::parse_uri(text),
            cpe::parse(text),
            cpe::parse_wfn(text),
        ];
        for wfn in read.into_iter().flatten() {
            let _ = cpe::compare(&wfn, &wfn);
            let _ = wfn.vendor_product();
            let fs = wfn.to_fs();
            let from_fs = cpe::parse_fs(&fs).expect("a bound formatted string reads back");
            assert_eq!(from_fs.to_fs(), fs);
            let uri = wfn.to_uri();
            let from_uri = cpe::parse_uri(&uri).expect("a bound URI reads back");
            assert_eq!(from_uri.to_uri(), uri.to_ascii_lowercase());
            let notation = wfn.to_wfn_string();
            assert_eq!(cpe::parse_wfn(&notation).as_ref(), Ok(&wfn));
        }
    }
});

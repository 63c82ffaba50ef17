//! Any bytes given to the spreadsheet reader (xlsx or CSV in any encoding) give a table or an
//! error, never a panic, a hang or a huge allocation; writing what was read back never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mamori_formats::table;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = table::read(data) {
        let _ = table::write_csv(&t.headers, &t.rows, table::Encoding::Cp932);
    }
});

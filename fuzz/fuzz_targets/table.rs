//! Any bytes given to the spreadsheet reader (xlsx or CSV in any encoding) give a table or an
//! error, never a panic, a hang or a huge allocation; writing what was read back never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mamori_formats::table;

fuzz_target!(|data: &[u8]| {
    // `read_xlsx` turns a panic inside the third-party workbook reader into an error; the
    // harness's own hook would abort before that. A panic anywhere else still fails the run.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    if let Ok(t) = table::read(data) {
        let _ = table::write_csv(&t.headers, &t.rows, table::Encoding::Cp932);
    }
});

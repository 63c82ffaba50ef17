//! "Today" as the hospital sees it: the calendar day in Japan, whatever the server's zone.

use chrono::NaiveDate;

/// Today's date in Japan (JST, UTC+9). Dates people type and deadlines are Japan dates.
pub fn today_jst() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&crate::i18n::jst())
        .date_naive()
}

/// Today in Japan as `YYYY-MM-DD`, the form dates are stored in.
pub fn today_jst_text() -> String {
    today_jst().format("%Y-%m-%d").to_string()
}

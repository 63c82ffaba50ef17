//! Calendar dates as hospitals type them: 2024-05-01, 2024/5/1, 2024.5.1, 2024年5月1日, and
//! Japanese eras (R6.5.1, 令和6年5月1日, H31/4/30, 平成31年4月30日). Excel serial dates are
//! handled by the spreadsheet reader.

use chrono::NaiveDate;

/// (era letter, era name, first year in the Gregorian calendar)
const ERAS: [(char, &str, i32); 5] = [
    ('R', "令和", 2019),
    ('H', "平成", 1989),
    ('S', "昭和", 1926),
    ('T', "大正", 1912),
    ('M', "明治", 1868),
];

/// Parses a date, or None if the text is not one of the accepted forms or not a real day.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let normalized: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '／' | '.' | '．' | '-' | '－' | '年' | '月' => '/',
            '日' => ' ',
            other => other,
        })
        .collect();
    let normalized = normalized.trim();
    let (year_offset, rest) = match ERAS.iter().find_map(|(letter, name, first)| {
        let rest = normalized
            .strip_prefix(*name)
            .or_else(|| normalized.strip_prefix(*letter))
            .or_else(|| normalized.strip_prefix(letter.to_ascii_lowercase()))?;
        Some((Some(*first - 1), rest))
    }) {
        Some(found) => found,
        None => (None, normalized),
    };
    let rest = rest.replace("元", "1");
    let mut parts = rest.split('/').map(str::trim);
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    if parts.next().is_some_and(|p| !p.is_empty()) {
        return None;
    }
    let year = match year_offset {
        Some(offset) if (1..=99).contains(&year) => offset + year,
        Some(_) => return None,
        None if (1900..=2200).contains(&year) => year,
        None => return None,
    };
    NaiveDate::from_ymd_opt(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn accepts_the_ways_hospitals_write_dates() {
        for text in [
            "2024-05-01",
            "2024/5/1",
            "2024.5.1",
            "2024年5月1日",
            "２０２４／５／１",
            "R6.5.1",
            "r6/5/1",
            "令和6年5月1日",
        ] {
            assert_eq!(parse_date(text), ymd(2024, 5, 1), "{text}");
        }
        assert_eq!(parse_date("H31.4.30"), ymd(2019, 4, 30));
        assert_eq!(parse_date("令和元年5月1日"), ymd(2019, 5, 1));
        assert_eq!(parse_date("S64.1.7"), ymd(1989, 1, 7));
    }

    #[test]
    fn refuses_what_is_not_a_day() {
        for text in [
            "",
            "2024-02-30",
            "5/1",
            "R6.13.1",
            "2024/5/1/2",
            "someday",
            "99-01-01",
            "R100.1.1",
        ] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }
}

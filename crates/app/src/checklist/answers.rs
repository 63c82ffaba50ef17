//! One item's answer as on the paper form (1回目 はい/いいえ and date, 目標日, 2回目, 備考, 確認者)
//! and the rules a typed answer must meet before it is saved. Pure: no I/O.

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

/// `yes` / `no`, or "" when not answered.
pub const ANSWERS: [&str; 2] = ["yes", "no"];

/// The answer of one item as stored (its columns are named as its fields).
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Answer {
    pub item: String,
    pub answer1: String,
    pub date1: String,
    pub target_date: String,
    pub answer2: String,
    pub date2: String,
    pub remarks: String,
    pub confirmed_by: String,
    pub updated_at: String,
    pub updated_by: String,
}

impl Answer {
    /// The answer that counts now: the 2回目 when given, else the 1回目.
    pub fn current(&self) -> &str {
        if self.answer2.is_empty() {
            &self.answer1
        } else {
            &self.answer2
        }
    }

    /// Still いいえ and waiting for its target date.
    pub fn is_open(&self) -> bool {
        self.current() == "no"
    }

    /// The answer made ready to show: each answer and each date put in words by the caller.
    pub fn shown(&self, answer: impl Fn(&str) -> String, date: impl Fn(&str) -> String) -> Answer {
        Answer {
            item: self.item.clone(),
            answer1: answer(&self.answer1),
            date1: date(&self.date1),
            target_date: date(&self.target_date),
            answer2: answer(&self.answer2),
            date2: date(&self.date2),
            remarks: self.remarks.clone(),
            confirmed_by: self.confirmed_by.clone(),
            updated_at: self.updated_at.clone(),
            updated_by: self.updated_by.clone(),
        }
    }

    pub fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("answer1", self.answer1.clone()),
            ("date1", self.date1.clone()),
            ("target_date", self.target_date.clone()),
            ("answer2", self.answer2.clone()),
            ("date2", self.date2.clone()),
            ("remarks", self.remarks.clone()),
            ("confirmed_by", self.confirmed_by.clone()),
        ]
    }
}

/// The answer as typed into the form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    pub item: String,
    pub answer1: String,
    pub date1: String,
    pub target_date: String,
    pub answer2: String,
    pub date2: String,
    pub remarks: String,
    pub confirmed_by: String,
}

/// A field that cannot be saved as typed, with the message key saying why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub key: &'static str,
}

const MAX_REMARKS: usize = 2000;
const MAX_NAME: usize = 200;

/// 年度 of a date: April to March, named by the year it starts in.
pub fn fiscal_year_of(date: NaiveDate) -> i32 {
    if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// The first and last day of a 年度.
pub fn fiscal_year_range(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 4, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(year + 1, 3, 31).unwrap_or_default(),
    )
}

/// The 年度 of today's date (`YYYY-MM-DD`), or `fallback` if it does not read.
pub fn current_fiscal_year(today: &str) -> i32 {
    NaiveDate::parse_from_str(today, "%Y-%m-%d")
        .map(fiscal_year_of)
        .unwrap_or(2025)
}

/// Checks a typed answer for a form of `fiscal_year`. Dates are read in any of the usual
/// Japanese ways (2025/6/1, R7.6.1, 令和7年6月1日) and kept as `YYYY-MM-DD`.
pub fn check(form: &AnswerForm, fiscal_year: i32) -> Result<Answer, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut problem = |field, key| problems.push(Problem { field, key });
    let (first, last) = fiscal_year_range(fiscal_year);
    let mut date = |field: &'static str, text: &str| -> Option<NaiveDate> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        match mamori_formats::dates::parse_date(text) {
            Some(d) => Some(d),
            None => {
                problem(field, crate::mkey!("checklist-date-invalid"));
                None
            }
        }
    };
    let date1 = date("date1", &form.date1);
    let target = date("target_date", &form.target_date);
    let date2 = date("date2", &form.date2);
    let answer = |text: &str| {
        let text = text.trim();
        if text.is_empty() || ANSWERS.contains(&text) {
            Ok(text.to_string())
        } else {
            Err(())
        }
    };
    let answer1 = answer(&form.answer1).unwrap_or_else(|()| {
        problem("answer1", crate::mkey!("checklist-answer-invalid"));
        String::new()
    });
    let answer2 = answer(&form.answer2).unwrap_or_else(|()| {
        problem("answer2", crate::mkey!("checklist-answer-invalid"));
        String::new()
    });
    let in_year = |d: NaiveDate| d >= first && d <= last;
    if !answer1.is_empty() {
        match date1 {
            None if form.date1.trim().is_empty() => {
                problem("date1", crate::mkey!("checklist-date-required"))
            }
            Some(d) if !in_year(d) => problem("date1", crate::mkey!("checklist-date-outside-year")),
            _ => {}
        }
    } else if !form.date1.trim().is_empty() && form.answer1.trim().is_empty() {
        problem("answer1", crate::mkey!("checklist-answer-for-date"));
    }
    if answer1 == "no" && form.target_date.trim().is_empty() {
        problem("target_date", crate::mkey!("checklist-target-required"));
    }
    if let (Some(t), Some(d)) = (target, date1)
        && t < d
    {
        problem("target_date", crate::mkey!("checklist-target-before-check"));
    }
    if !answer2.is_empty() {
        if answer1.is_empty() {
            problem("answer2", crate::mkey!("checklist-second-needs-first"));
        }
        match date2 {
            None if form.date2.trim().is_empty() => {
                problem("date2", crate::mkey!("checklist-date-required"))
            }
            Some(d) if !in_year(d) => problem("date2", crate::mkey!("checklist-date-outside-year")),
            Some(d) if date1.is_some_and(|d1| d < d1) => {
                problem("date2", crate::mkey!("checklist-second-before-first"))
            }
            _ => {}
        }
    } else if !form.date2.trim().is_empty() && form.answer2.trim().is_empty() {
        problem("answer2", crate::mkey!("checklist-answer-for-date"));
    }
    if form.remarks.chars().count() > MAX_REMARKS {
        problem("remarks", crate::mkey!("field-too-long"));
    }
    if form.confirmed_by.chars().count() > MAX_NAME {
        problem("confirmed_by", crate::mkey!("field-too-long"));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let text = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    Ok(Answer {
        item: form.item.trim().to_string(),
        answer1,
        date1: text(date1),
        target_date: text(target),
        answer2,
        date2: text(date2),
        remarks: form.remarks.trim().to_string(),
        confirmed_by: form.confirmed_by.trim().to_string(),
        updated_at: String::new(),
        updated_by: String::new(),
    })
}

/// A target date outside the version's deadline 年度 is allowed but worth a word: the form asks
/// for everything to be はい within that year.
pub fn target_outside_deadline(answer: &Answer, deadline_fiscal_year: i32) -> bool {
    NaiveDate::parse_from_str(&answer.target_date, "%Y-%m-%d")
        .is_ok_and(|d| answer.is_open() && fiscal_year_of(d) != deadline_fiscal_year)
}

/// Days from `today` to the target date of an item still いいえ (negative when past).
pub fn days_to_target(answer: &Answer, today: NaiveDate) -> Option<i64> {
    if !answer.is_open() {
        return None;
    }
    NaiveDate::parse_from_str(&answer.target_date, "%Y-%m-%d")
        .ok()
        .map(|t| (t - today).num_days())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> AnswerForm {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.to_string())
                .unwrap_or_default()
        };
        AnswerForm {
            item: "2(1)".into(),
            answer1: get("answer1"),
            date1: get("date1"),
            target_date: get("target_date"),
            answer2: get("answer2"),
            date2: get("date2"),
            remarks: get("remarks"),
            confirmed_by: get("confirmed_by"),
        }
    }

    fn fields(r: Result<Answer, Vec<Problem>>) -> Vec<(&'static str, &'static str)> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|p| (p.field, p.key))
            .collect()
    }

    #[test]
    fn fiscal_years_run_april_to_march() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("test data");
        assert_eq!(fiscal_year_of(d(2025, 4, 1)), 2025);
        assert_eq!(fiscal_year_of(d(2026, 3, 31)), 2025);
        assert_eq!(current_fiscal_year("2026-11-23"), 2026);
        assert_eq!(fiscal_year_range(2025), (d(2025, 4, 1), d(2026, 3, 31)));
    }

    #[test]
    fn a_yes_with_a_date_in_the_year_is_kept_in_iso_form() {
        let a = check(
            &form(&[("answer1", "yes"), ("date1", "R7.6.1"), ("remarks", " 済 ")]),
            2025,
        )
        .expect("test data");
        assert_eq!(a.date1, "2025-06-01");
        assert_eq!(a.remarks, "済");
        assert_eq!(a.current(), "yes");
    }

    #[test]
    fn a_no_needs_a_target_date() {
        assert_eq!(
            fields(check(
                &form(&[("answer1", "no"), ("date1", "2025-06-01")]),
                2025
            )),
            vec![("target_date", "checklist-target-required")]
        );
        let a = check(
            &form(&[
                ("answer1", "no"),
                ("date1", "2025-06-01"),
                ("target_date", "2025/12/1"),
            ]),
            2025,
        )
        .expect("test data");
        assert!(a.is_open());
        assert!(!target_outside_deadline(&a, 2025));
        assert!(target_outside_deadline(&a, 2024));
        let today = NaiveDate::from_ymd_opt(2025, 11, 21).expect("test data");
        assert_eq!(days_to_target(&a, today), Some(10));
    }

    #[test]
    fn dates_outside_the_fiscal_year_and_bad_values_are_refused() {
        type Pairs<'a> = &'a [(&'a str, &'a str)];
        let cases: &[(Pairs, (&str, &str))] = &[
            (
                &[("answer1", "yes"), ("date1", "2025-03-31")],
                ("date1", "checklist-date-outside-year"),
            ),
            (&[("answer1", "yes")], ("date1", "checklist-date-required")),
            (
                &[("answer1", "maybe"), ("date1", "2025-05-01")],
                ("answer1", "checklist-answer-invalid"),
            ),
            (
                &[("answer1", "yes"), ("date1", "いつか")],
                ("date1", "checklist-date-invalid"),
            ),
            (
                &[("answer2", "yes"), ("date2", "2025-05-01")],
                ("answer2", "checklist-second-needs-first"),
            ),
            (
                &[
                    ("answer1", "no"),
                    ("date1", "2025-06-01"),
                    ("target_date", "2025-09-01"),
                    ("answer2", "yes"),
                    ("date2", "2025-05-01"),
                ],
                ("date2", "checklist-second-before-first"),
            ),
        ];
        for (values, refused) in cases {
            assert_eq!(
                fields(check(&form(values), 2025)),
                vec![*refused],
                "{values:?}"
            );
        }
    }

    #[test]
    fn the_second_answer_is_the_one_that_counts() {
        let a = check(
            &form(&[
                ("answer1", "no"),
                ("date1", "2025-06-01"),
                ("target_date", "2025-09-01"),
                ("answer2", "yes"),
                ("date2", "2025-08-20"),
            ]),
            2025,
        )
        .expect("test data");
        assert_eq!(a.current(), "yes");
        assert!(!a.is_open());
    }
}

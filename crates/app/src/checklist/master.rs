//! Checklist item masters: one data file per checklist version and form (`checklists/r7/
//! hospital.toml` …), with the item wording, scope, deadline, source and how sure we are of the
//! wording; plus our plain-Japanese guidance per topic. Next year's checklist is a new file, not
//! a program change. Plain data and checks, no I/O.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;

/// How sure we are that a wording is the official one.
pub const CONFIRMATIONS: [&str; 3] = ["confirmed", "secondary", "unconfirmed"];
pub const FORMS: [&str; 2] = ["hospital", "vendor"];
pub const TARGETS: [&str; 6] = [
    "",
    "医療情報システム全般",
    "サーバ",
    "端末PC",
    "ネットワーク機器",
    "サーバ、端末PC",
];

/// One form of one checklist version.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Master {
    pub version: String,
    pub version_name: String,
    pub form: String,
    pub form_name: String,
    pub fiscal_year: i32,
    pub published: String,
    pub source: String,
    pub confirmation: String,
    pub title: String,
    #[serde(default)]
    pub notes: Vec<String>,
    #[serde(default)]
    pub header_fields: Vec<String>,
    #[serde(default)]
    pub gate: Option<Gate>,
    pub sections: Vec<Section>,
    pub items: Vec<Item>,
    /// Topics this file adds to the shared guidance.
    #[serde(default)]
    pub guides: BTreeMap<String, Guide>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    pub text: String,
    #[serde(default)]
    pub note: String,
    pub guide: String,
    pub source: String,
    pub confirmation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub number: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub number: String,
    pub section: String,
    #[serde(default)]
    pub group: String,
    pub text: String,
    #[serde(default)]
    pub target: String,
    pub deadline_fiscal_year: i32,
    #[serde(default)]
    pub reference_only: bool,
    #[serde(default)]
    pub vendor_optional: bool,
    pub guide: String,
    pub source: String,
    pub confirmation: String,
    /// Items of earlier versions this one continues: `r6/hospital:2(4)`.
    #[serde(default)]
    pub previous: Vec<String>,
}

/// Our explanation of a topic, shared by the items of every version that ask about it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guide {
    pub title: String,
    pub explanation: String,
    pub how_to_confirm: String,
    #[serde(default)]
    pub evidence: Vec<String>,
    #[serde(default)]
    pub references: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuidanceFile {
    pub guides: BTreeMap<String, Guide>,
}

impl Master {
    /// `r7/hospital`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.version, self.form)
    }

    pub fn item(&self, number: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.number == number)
    }
}

/// A problem in a master file: where (a TOML path, with the line when known) and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct MasterError {
    pub place: String,
    pub message: String,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Reads a master file. Syntax errors name the line.
pub fn parse(text: &str) -> Result<Master, MasterError> {
    parse_toml(text)
}

/// Reads a guidance file. Syntax errors name the line.
pub fn parse_guidance(text: &str) -> Result<GuidanceFile, MasterError> {
    parse_toml(text)
}

fn parse_toml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, MasterError> {
    toml::from_str(text).map_err(|e| MasterError {
        place: e
            .span()
            .map(|s| format!("line {}", line_of(text, s.start)))
            .unwrap_or_else(|| "file".into()),
        message: e.message().to_string(),
    })
}

fn is_date(text: &str) -> bool {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
}

/// Checks a master against the shared guidance and the masters already known (for the
/// `previous` links). Returns every problem, each with its path.
pub fn validate(
    master: &Master,
    guidance: &GuidanceFile,
    known: &[&Master],
) -> Result<(), Vec<MasterError>> {
    let mut problems = Vec::new();
    let mut problem = |place: String, message: &str| {
        problems.push(MasterError {
            place,
            message: message.to_string(),
        })
    };
    let version_ok = master.version.len() >= 2
        && master.version.starts_with('r')
        && master.version[1..].chars().all(|c| c.is_ascii_digit());
    if !version_ok {
        problem(
            "version".into(),
            "write the version as r + the Reiwa year, e.g. r8",
        );
    }
    if !FORMS.contains(&master.form.as_str()) {
        problem("form".into(), "must be hospital or vendor");
    }
    for (name, value) in [
        ("version_name", &master.version_name),
        ("form_name", &master.form_name),
        ("title", &master.title),
        ("source", &master.source),
    ] {
        if value.trim().is_empty() {
            problem(name.into(), "must not be empty");
        }
    }
    if !(2000..=2200).contains(&master.fiscal_year) {
        problem(
            "fiscal_year".into(),
            "write the fiscal year (年度) as e.g. 2026",
        );
    }
    if !is_date(&master.published) {
        problem("published".into(), "write the date as YYYY-MM-DD");
    }
    if !CONFIRMATIONS.contains(&master.confirmation.as_str()) {
        problem(
            "confirmation".into(),
            "must be confirmed, secondary or unconfirmed",
        );
    }
    let has_guide =
        |key: &str| guidance.guides.contains_key(key) || master.guides.contains_key(key);
    if let Some(gate) = &master.gate {
        if gate.text.trim().is_empty() {
            problem("gate.text".into(), "must not be empty");
        }
        if !has_guide(&gate.guide) {
            problem(
                "gate.guide".into(),
                "no such guide in guidance.toml or this file",
            );
        }
        if !CONFIRMATIONS.contains(&gate.confirmation.as_str()) {
            problem(
                "gate.confirmation".into(),
                "must be confirmed, secondary or unconfirmed",
            );
        }
    }
    if master.items.is_empty() {
        problem("items".into(), "a form needs at least one item");
    }
    let mut sections = HashSet::new();
    for (i, section) in master.sections.iter().enumerate() {
        if !sections.insert(section.number.as_str()) {
            problem(format!("sections[{i}].number"), "used twice");
        }
    }
    let mut numbers = HashSet::new();
    for (i, item) in master.items.iter().enumerate() {
        let place = |field: &str| format!("items[{i}] ({}).{field}", item.number);
        if item.number.trim().is_empty() {
            problem(place("number"), "must not be empty");
        } else if !numbers.insert(item.number.as_str()) {
            problem(place("number"), "used twice in this form");
        }
        if !sections.contains(item.section.as_str()) {
            problem(place("section"), "no such section in [[sections]]");
        }
        if item.text.trim().is_empty() {
            problem(place("text"), "the item's wording must not be empty");
        }
        if item.source.trim().is_empty() {
            problem(place("source"), "say where the wording comes from");
        }
        if !CONFIRMATIONS.contains(&item.confirmation.as_str()) {
            problem(
                place("confirmation"),
                "must be confirmed, secondary or unconfirmed",
            );
        }
        if !TARGETS.contains(&item.target.as_str()) {
            problem(place("target"), "not one of the scopes the forms use");
        }
        if item.deadline_fiscal_year < master.fiscal_year
            || item.deadline_fiscal_year > master.fiscal_year + 10
        {
            problem(
                place("deadline_fiscal_year"),
                "must be the form's fiscal year or later",
            );
        }
        if !has_guide(&item.guide) {
            problem(
                place("guide"),
                "no such guide in guidance.toml or this file",
            );
        }
        for link in &item.previous {
            let found = link.split_once(':').and_then(|(key, number)| {
                known
                    .iter()
                    .find(|m| m.key() == key)
                    .and_then(|m| m.item(number))
            });
            if found.is_none() {
                problem(
                    place("previous"),
                    &format!("{link} is not an item of a known checklist"),
                );
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUIDANCE: &str = r#"
[guides.inventory]
title = "台帳"
explanation = "機器の一覧を作ります。"
how_to_confirm = "台帳を開きます。"
evidence = ["機器台帳"]
references = ["企画管理編 9.1"]
"#;

    const MASTER: &str = r#"
version = "r8"
version_name = "令和8年度版"
form = "hospital"
form_name = "医療機関確認用"
fiscal_year = 2026
published = "2026-06-01"
source = "https://www.mhlw.go.jp/"
confirmation = "unconfirmed"
title = "医療機関・薬局におけるサイバーセキュリティ対策チェックリスト"

[[sections]]
number = "2"
title = "医療情報システムの管理・運用"

[[items]]
number = "2①"
section = "2"
text = "サーバ、端末PC、ネットワーク機器の台帳管理を行っている。"
target = "医療情報システム全般"
deadline_fiscal_year = 2026
guide = "inventory"
source = "https://www.mhlw.go.jp/"
confirmation = "unconfirmed"
"#;

    #[test]
    fn a_good_master_passes() {
        let guidance = parse_guidance(GUIDANCE).expect("guidance");
        let master = parse(MASTER).expect("master");
        assert_eq!(master.key(), "r8/hospital");
        assert_eq!(validate(&master, &guidance, &[]), Ok(()));
    }

    #[test]
    fn problems_name_their_place() {
        let guidance = parse_guidance(GUIDANCE).expect("guidance");
        let bad = MASTER.replace("guide = \"inventory\"", "guide = \"nothing\"")
            + "\n[[items]]\nnumber = \"2①\"\nsection = \"9\"\ntext = \"\"\ndeadline_fiscal_year = 2020\nguide = \"inventory\"\nsource = \"\"\nconfirmation = \"maybe\"\nprevious = [\"r7/hospital:2①\"]\n";
        let master = parse(&bad).expect("parses");
        let problems = validate(&master, &guidance, &[]).expect_err("invalid");
        let places: Vec<&str> = problems.iter().map(|p| p.place.as_str()).collect();
        assert_eq!(
            places,
            vec![
                "items[0] (2①).guide",
                "items[1] (2①).number",
                "items[1] (2①).section",
                "items[1] (2①).text",
                "items[1] (2①).source",
                "items[1] (2①).confirmation",
                "items[1] (2①).deadline_fiscal_year",
                "items[1] (2①).previous",
            ]
        );
        let syntax = parse("version = \"r8\"\nform = \n").expect_err("syntax");
        assert_eq!(syntax.place, "line 2");
        let missing = parse("version = \"r8\"\n").expect_err("missing fields");
        assert!(missing.message.contains("missing field"), "{missing}");
    }
}

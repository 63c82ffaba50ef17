//! Fields a hospital adds itself (保守契約番号, 導入日…): their types, keys, checks and storage.

use super::*;

/// A field a hospital added to a kind of record (保守契約番号, 導入日…), stored with the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomField {
    pub id: i64,
    pub table: String,
    pub name: String,
    /// One of [`CUSTOM_TYPES`].
    pub field_type: String,
}

pub const CUSTOM_TYPES: [Choice; 4] = [
    ("text", crate::mkey!("custom-type-text")),
    ("date", crate::mkey!("custom-type-date")),
    ("number", crate::mkey!("custom-type-number")),
    ("yesno", crate::mkey!("custom-type-yesno")),
];

pub const YES_NO: [Choice; 2] = [
    ("yes", crate::mkey!("answer-yes")),
    ("no", crate::mkey!("answer-no")),
];

impl CustomField {
    /// Its key among a record's values and in forms: `custom_12`.
    pub fn key(&self) -> &'static str {
        custom_key(self.id)
    }
}

/// `custom_<id>`, kept for the life of the program so it can sit among the fixed field names
/// (a hospital defines a handful of fields, so this stays small).
pub fn custom_key(id: i64) -> &'static str {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static KEYS: OnceLock<Mutex<HashMap<i64, &'static str>>> = OnceLock::new();
    let mut keys = KEYS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    keys.entry(id)
        .or_insert_with(|| Box::leak(format!("custom_{id}").into_boxed_str()))
}

/// The field id of a `custom_<id>` key.
pub fn custom_id(key: &str) -> Option<i64> {
    key.strip_prefix("custom_")?.parse().ok()
}

/// Checks typed values of user-defined fields, as [`RecordKind::validate`] does for the fixed
/// ones. Empty values are dropped.
pub fn validate_custom(
    fields: &[CustomField],
    input: &dyn Fn(&str) -> String,
) -> Result<Values, Problems> {
    let mut values = Vec::new();
    let mut problems = Vec::new();
    for field in fields {
        let key = field.key();
        let raw = input(key);
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let cleaned = match field.field_type.as_str() {
            "date" => match parse_date(raw) {
                Some(date) => date.format("%Y-%m-%d").to_string(),
                None => {
                    problems.push((key, crate::mkey!("date-invalid-ledger")));
                    raw.to_string()
                }
            },
            "number" => {
                let plain: String = raw.chars().filter(|c| *c != ',').collect();
                if plain.parse::<f64>().is_ok_and(f64::is_finite) {
                    plain
                } else {
                    problems.push((key, crate::mkey!("number-invalid")));
                    raw.to_string()
                }
            }
            "yesno" => {
                if choice_label_key(&YES_NO, raw).is_none() {
                    problems.push((key, crate::mkey!("choice-invalid")));
                }
                raw.to_string()
            }
            _ => {
                if raw.chars().count() > 1000 {
                    problems.push((key, crate::mkey!("field-too-long")));
                }
                raw.to_string()
            }
        };
        values.push((key, cleaned));
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(problems)
    }
}

/// User-defined values as stored in a record's `custom` column: `{"12": "value"}`.
pub fn custom_to_json(values: &[(&'static str, String)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = values
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .filter_map(|(k, v)| {
            Some((
                custom_id(k)?.to_string(),
                serde_json::Value::from(v.clone()),
            ))
        })
        .collect();
    if map.is_empty() {
        String::new()
    } else {
        serde_json::Value::Object(map).to_string()
    }
}

pub fn custom_from_json(text: &str) -> Values {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let mut values: Vec<(i64, String)> = map
        .into_iter()
        .filter_map(|(k, v)| Some((k.parse().ok()?, v.as_str()?.to_string())))
        .collect();
    values.sort();
    values
        .into_iter()
        .map(|(id, v)| (custom_key(id), v))
        .collect()
}

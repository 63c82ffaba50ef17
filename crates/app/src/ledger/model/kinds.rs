//! What every kind of ledger record shares: field types, the kind (table, audit name, fields),
//! the record as stored, and checking typed values field by field.

use super::*;

/// A choice stored as a short code, shown through a message key.
pub type Choice = (&'static str, &'static str);

/// How a field is entered and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text {
        max: usize,
        required: bool,
    },
    LongText,
    Date,
    IpList,
    MacList,
    /// Network ranges such as `192.168.10.0/24`, normalised to the network address.
    CidrList,
    /// CPE names (2.3 formatted strings or 2.2 URIs) separated by spaces or new lines, stored
    /// as 2.3 formatted strings.
    CpeList,
    Choice(&'static [Choice]),
    /// Links to other records, stored as space-separated ids of the named table.
    Ref {
        table: &'static str,
        multiple: bool,
    },
}

/// One field: (column, message key, type).
pub type Field = (&'static str, &'static str, FieldType);

/// Free text of up to 200 characters, optional.
pub const TEXT: FieldType = FieldType::Text {
    max: 200,
    required: false,
};
/// A record's name: up to 200 characters, required.
pub const NAME: FieldType = FieldType::Text {
    max: 200,
    required: true,
};
/// Shown in lists and the audit trail but not typed in the form.
pub const STAMP: FieldType = FieldType::Text {
    max: 0,
    required: false,
};
/// The two timestamps every kind ends with.
pub const CREATED_AT: Field = ("created_at", crate::mkey!("created-at"), STAMP);
pub const UPDATED_AT: Field = ("updated_at", crate::mkey!("last-updated"), STAMP);

/// A kind of ledger record: its table, its name in the audit trail, and its fields.
#[derive(Debug)]
pub struct RecordKind {
    pub table: &'static str,
    pub entity: &'static str,
    /// Where its pages are (`{base}/{id}` shows one record).
    pub base: &'static str,
    pub fields: &'static [Field],
    /// A field whose non-empty values must be unique within the facility.
    pub unique: Option<&'static str>,
    /// Rules across fields, applied after each field is checked.
    pub settle: Option<fn(&mut Values, &mut Problems)>,
}

impl RecordKind {
    /// The fields a person edits (all but the timestamps).
    pub fn editable(&self) -> impl Iterator<Item = &'static Field> + use<> {
        self.fields
            .iter()
            .filter(|(name, _, _)| !name.ends_with("_at"))
    }

    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|(f, _, _)| *f == name)
    }

    /// The reference fields: (field, target table, multiple).
    pub fn refs(&self) -> impl Iterator<Item = (&'static str, &'static str, bool)> + use<> {
        self.fields.iter().filter_map(|(f, _, t)| match t {
            FieldType::Ref { table, multiple } => Some((*f, *table, *multiple)),
            _ => None,
        })
    }

    pub fn label_key(&self, field: &str) -> Option<&'static str> {
        self.fields
            .iter()
            .find(|(f, _, _)| *f == field)
            .map(|(_, k, _)| *k)
    }

    /// Checks typed values. Returns the cleaned values, or every problem.
    pub fn validate(&self, input: &dyn Fn(&str) -> String) -> Result<Values, Problems> {
        let (mut values, mut problems) = validate_fields(self.editable(), input);
        if let Some(settle) = self.settle
            && problems.is_empty()
        {
            settle(&mut values, &mut problems);
        }
        if problems.is_empty() {
            Ok(values)
        } else {
            Err(problems)
        }
    }
}

/// Every kind of ledger record.
pub fn kinds() -> [&'static RecordKind; 4] {
    [
        &DEVICES,
        &crate::ledger::systems::SYSTEMS,
        &crate::ledger::systems::SEGMENTS,
        &crate::ledger::connections::CONNECTIONS,
    ]
}

pub fn kind_by_table(table: &str) -> Option<&'static RecordKind> {
    kinds().into_iter().find(|k| k.table == table)
}

pub fn kind_by_entity(entity: &str) -> Option<&'static RecordKind> {
    kinds().into_iter().find(|k| k.entity == entity)
}

pub fn choice_label_key(choices: &[Choice], value: &str) -> Option<&'static str> {
    choices.iter().find(|(v, _)| *v == value).map(|(_, k)| *k)
}

/// A ledger record as stored: the editable values by field name, plus identity and timestamps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub id: i64,
    pub facility_id: i64,
    pub kind: &'static RecordKind,
    /// Values of the editable fields, in field order.
    pub values: Values,
    pub created_at: String,
    pub updated_at: String,
}

impl PartialEq for RecordKind {
    fn eq(&self, other: &Self) -> bool {
        self.table == other.table
    }
}
impl Eq for RecordKind {}

impl Default for Record {
    fn default() -> Self {
        Record {
            id: 0,
            facility_id: 0,
            kind: &DEVICES,
            values: Values::new(),
            created_at: String::new(),
            updated_at: String::new(),
        }
    }
}

impl Record {
    pub fn get(&self, field: &str) -> &str {
        self.values
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn name(&self) -> &str {
        self.get("name")
    }

    /// The label key of a choice field's value, if it is one.
    pub fn choice_key(&self, field: &str) -> Option<&'static str> {
        match self.kind.fields.iter().find(|(f, _, _)| *f == field)?.2 {
            FieldType::Choice(choices) => choice_label_key(choices, self.get(field)),
            _ => None,
        }
    }

    /// Key facts the checklist needs that are still empty, as field names.
    pub fn missing_key_fields(&self) -> Vec<&'static str> {
        ["os_version", "location", "manager"]
            .into_iter()
            .filter(|f| self.get(f).is_empty())
            .collect()
    }
}

/// Field values by column name, in field order.
pub type Values = Vec<(&'static str, String)>;
/// Problems as (field, message key).
pub type Problems = Vec<(&'static str, &'static str)>;

pub(super) fn validate_fields(
    fields: impl Iterator<Item = &'static Field>,
    input: &dyn Fn(&str) -> String,
) -> (Values, Problems) {
    let mut values = Vec::new();
    let mut problems = Vec::new();
    for (field, _, kind) in fields {
        let raw = input(field);
        let raw = raw.trim();
        let cleaned = match *kind {
            FieldType::Text { max, required } => {
                if required && raw.is_empty() {
                    problems.push((*field, crate::mkey!("field-required")));
                } else if raw.chars().count() > max {
                    problems.push((*field, crate::mkey!("field-too-long")));
                }
                raw.to_string()
            }
            FieldType::LongText => {
                if raw.chars().count() > 4000 {
                    problems.push((*field, crate::mkey!("field-too-long")));
                }
                raw.to_string()
            }
            FieldType::Date => {
                if raw.is_empty() {
                    String::new()
                } else if let Some(date) = parse_date(raw) {
                    date.format("%Y-%m-%d").to_string()
                } else {
                    problems.push((*field, crate::mkey!("date-invalid-ledger")));
                    raw.to_string()
                }
            }
            FieldType::IpList => match normalize_ips(raw) {
                Some(list) => list,
                None => {
                    problems.push((*field, crate::mkey!("ip-invalid")));
                    raw.to_string()
                }
            },
            FieldType::MacList => match normalize_macs(raw) {
                Some(list) => list,
                None => {
                    problems.push((*field, crate::mkey!("mac-invalid")));
                    raw.to_string()
                }
            },
            FieldType::CidrList => match normalize_cidrs(raw) {
                Some(list) => list,
                None => {
                    problems.push((*field, crate::mkey!("cidr-invalid")));
                    raw.to_string()
                }
            },
            FieldType::CpeList => match normalize_cpes(raw) {
                Some(list) => list,
                None => {
                    problems.push((*field, crate::mkey!("cpe-invalid")));
                    raw.to_string()
                }
            },
            FieldType::Ref { multiple, .. } => {
                let ids: Vec<&str> = split_list(raw).collect();
                if ids
                    .iter()
                    .any(|id| id.parse::<i64>().map_or(true, |n| n <= 0))
                    || (!multiple && ids.len() > 1)
                {
                    problems.push((*field, crate::mkey!("ref-unknown")));
                    raw.to_string()
                } else {
                    let mut unique: Vec<&str> = Vec::new();
                    for id in ids {
                        if !unique.contains(&id) {
                            unique.push(id);
                        }
                    }
                    unique.join(" ")
                }
            }
            FieldType::Choice(choices) => {
                let value = if raw.is_empty() { choices[0].0 } else { raw };
                if choice_label_key(choices, value).is_none() {
                    problems.push((*field, crate::mkey!("choice-invalid")));
                }
                value.to_string()
            }
        };
        values.push((*field, cleaned));
    }
    (values, problems)
}

/// A record of `kind` from typed values, checked as a form would be (for tests).
#[cfg(test)]
pub fn test_record(kind: &'static RecordKind, id: i64, pairs: &[(&str, &str)]) -> Record {
    let values = kind
        .validate(&|f| {
            pairs
                .iter()
                .find(|(k, _)| *k == f)
                .map(|(_, v)| v.to_string())
                .unwrap_or_default()
        })
        .expect("valid test record");
    Record {
        id,
        kind,
        values,
        ..Record::default()
    }
}

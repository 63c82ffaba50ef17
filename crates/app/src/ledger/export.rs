//! The ledger as a spreadsheet: one column per field with its label as heading, choices and links
//! written as words, and mamori's record number first so the file imports back unchanged.

use mamori_formats::table::{self, Encoding, WriteError};

use super::import::ID_FIELD;
use super::model::{CustomField, FieldType, Record, RecordKind, YES_NO, choice_label_key};
use super::store::Names;
use crate::i18n::Tr;

/// Headings and rows of a kind's records.
pub fn to_table(
    kind: &RecordKind,
    custom: &[CustomField],
    records: &[Record],
    linked: &[(&'static str, Vec<Record>)],
    tr: Tr,
) -> (Vec<String>, Vec<Vec<String>>) {
    let names: Vec<(&str, Names)> = linked.iter().map(|(t, r)| (*t, Names::of(r))).collect();
    let fields: Vec<_> = kind.editable().collect();
    let headers = std::iter::once(ID_FIELD.to_uppercase())
        .chain(fields.iter().map(|(_, key, _)| tr.t(key)))
        .chain(custom.iter().map(|f| f.name.clone()))
        .collect();
    let rows = records
        .iter()
        .map(|record| {
            std::iter::once(record.id.to_string())
                .chain(fields.iter().map(|(field, _, field_type)| {
                    let value = record.get(field);
                    match field_type {
                        FieldType::Choice(choices) => choice_label_key(choices, value)
                            .map(|k| tr.t(k))
                            .unwrap_or_else(|| value.to_string()),
                        FieldType::Ref { table, .. } => names
                            .iter()
                            .find(|(t, _)| t == table)
                            .map(|(_, n)| n.list(value))
                            .unwrap_or_default(),
                        _ => value.to_string(),
                    }
                }))
                .chain(custom.iter().map(|f| {
                    let value = record.get(f.key());
                    match f.field_type.as_str() {
                        "yesno" => choice_label_key(&YES_NO, value)
                            .map(|k| tr.t(k))
                            .unwrap_or_else(|| value.to_string()),
                        _ => value.to_string(),
                    }
                }))
                .collect()
        })
        .collect();
    (headers, rows)
}

/// The file formats offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv(Encoding),
}

impl Format {
    /// `xlsx`, `csv` (UTF-8 with BOM, which Excel opens correctly) or `csv` + `cp932`.
    pub fn parse(format: &str, encoding: &str) -> Option<Format> {
        match (
            format.trim().to_ascii_lowercase().as_str(),
            encoding.trim().to_ascii_lowercase().as_str(),
        ) {
            ("xlsx", _) => Some(Format::Xlsx),
            ("csv", "" | "utf-8" | "utf8") => Some(Format::Csv(Encoding::Utf8Bom)),
            ("csv", "cp932" | "shift_jis" | "sjis" | "shift-jis") => {
                Some(Format::Csv(Encoding::Cp932))
            }
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv(_) => "csv",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv(Encoding::Cp932) => "text/csv; charset=Shift_JIS",
            Format::Csv(_) => "text/csv; charset=utf-8",
        }
    }
}

/// The file's bytes.
pub fn write(
    format: Format,
    sheet: &str,
    headers: &[String],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, WriteError> {
    match format {
        Format::Xlsx => table::write_xlsx(sheet, headers, rows),
        Format::Csv(encoding) => table::write_csv(headers, rows, encoding),
    }
}

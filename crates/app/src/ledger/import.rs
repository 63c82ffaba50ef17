//! Importing a spreadsheet into the ledger: which column is which field, what each row becomes
//! (new, changed, unchanged, or refused with its problems), matched against what is already
//! there. Plain data and rules, no I/O; [`super::import_store`] writes the result.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use mamori_formats::table::{Table, column_letter, unprotect};

use super::import_synonyms::{CHOICE_SYNONYMS, HEADER_SYNONYMS};
use super::model::{
    Choice, CustomField, FieldType, Record, RecordKind, Values, YES_NO, custom_id, normalize_macs,
    validate_custom,
};
use crate::db::audit::{Change, diff};
use crate::i18n::{Lang, Tr};

/// The column that carries mamori's own record number, written by the export so a re-import
/// matches exactly.
pub const ID_FIELD: &str = "id";

/// Compares header and value text the way a person reads it: case, width, spaces and
/// punctuation do not matter ("ＩＰアドレス" = "IP アドレス" = "ip_address").
pub fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '！'..='～' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            other => other,
        })
        .filter(|c| {
            !c.is_whitespace()
                && !matches!(
                    c,
                    '・' | '_'
                        | '-'
                        | '('
                        | ')'
                        | '['
                        | ']'
                        | '【'
                        | '】'
                        | '「'
                        | '」'
                        | '/'
                        | ':'
                        | '*'
                        | '.'
                        | '。'
                        | '、'
                        | ','
                        | '※'
                )
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The names a field's column may carry: its labels in both languages and the synonyms.
fn header_names(kind: &RecordKind, custom: &[CustomField], field: &str) -> Vec<String> {
    if let Some(id) = custom_id(field) {
        return custom
            .iter()
            .filter(|f| f.id == id)
            .map(|f| normalize(&f.name))
            .collect();
    }
    let mut names: Vec<String> = Vec::new();
    if let Some(key) = kind.label_key(field) {
        for lang in [Lang::Ja, Lang::En] {
            names.push(normalize(&Tr::new(lang).t(key)));
        }
    }
    names.push(normalize(field));
    if let Some((_, more)) = HEADER_SYNONYMS.iter().find(|(f, _)| *f == field) {
        names.extend(more.iter().map(|s| normalize(s)));
    }
    names
}

/// Fields a column can be mapped to: the record number, every editable field and the fields
/// the hospital added.
pub fn targets(kind: &RecordKind, custom: &[CustomField]) -> Vec<&'static str> {
    std::iter::once(ID_FIELD)
        .chain(kind.editable().map(|(f, _, _)| *f))
        .chain(custom.iter().map(CustomField::key))
        .collect()
}

pub fn target(kind: &RecordKind, custom: &[CustomField], name: &str) -> Option<&'static str> {
    targets(kind, custom).into_iter().find(|f| *f == name)
}

/// Which field each column holds (None: not imported). Remembered choices (normalised header →
/// field, or "" for "do not import") come first, then exact labels, then synonyms; no field is
/// taken by two columns.
pub fn auto_map(
    kind: &RecordKind,
    custom: &[CustomField],
    headers: &[String],
    remembered: &HashMap<String, String>,
) -> Vec<Option<&'static str>> {
    let mut mapping: Vec<Option<&'static str>> = vec![None; headers.len()];
    let mut decided = vec![false; headers.len()];
    let taken = |mapping: &[Option<&'static str>], f: &str| mapping.contains(&Some(f));
    for (i, header) in headers.iter().enumerate() {
        if let Some(choice) = remembered.get(&normalize(header)) {
            decided[i] = true;
            if let Some(f) = target(kind, custom, choice).filter(|f| !taken(&mapping, f)) {
                mapping[i] = Some(f);
            }
        }
    }
    let names: Vec<(&'static str, Vec<String>)> = targets(kind, custom)
        .into_iter()
        .map(|f| (f, header_names(kind, custom, f)))
        .collect();
    // Labels first: "OS・ファームウェアのバージョン" must not be taken by the "os" synonym.
    for pass in 0..2 {
        for (i, header) in headers.iter().enumerate() {
            if decided[i] || mapping[i].is_some() {
                continue;
            }
            let header = normalize(header);
            if header.is_empty() {
                continue;
            }
            let found = names.iter().find(|(f, candidates)| {
                !taken(&mapping, f)
                    && if pass == 0 {
                        candidates.iter().take(3).any(|c| *c == header)
                    } else {
                        candidates.contains(&header)
                    }
            });
            if let Some((f, _)) = found {
                mapping[i] = Some(f);
            }
        }
    }
    mapping
}

/// Every way of writing each choice (normalised), to its code; earlier choices win.
pub fn choice_names(choices: &[Choice]) -> HashMap<String, &'static str> {
    let mut names = HashMap::new();
    for (code, key) in choices {
        let mut all = vec![
            normalize(code),
            normalize(&Tr::new(Lang::Ja).t(key)),
            normalize(&Tr::new(Lang::En).t(key)),
        ];
        if let Some((_, more)) = CHOICE_SYNONYMS.iter().find(|(c, _)| c == code) {
            all.extend(more.iter().map(|s| normalize(s)));
        }
        for name in all {
            names.entry(name).or_insert(*code);
        }
    }
    names
}

/// The choice code a cell means, if it names one.
pub fn choice_code(choices: &[Choice], raw: &str) -> Option<&'static str> {
    choice_names(choices).get(&normalize(raw)).copied()
}

/// Excel's day 0 is 1899-12-30 (its 1900 leap-year bug included).
fn excel_serial_date(raw: &str) -> Option<String> {
    let days: i64 = raw.parse().ok()?;
    if !(1..=2_958_465).contains(&days) {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    Some(
        (epoch + Duration::days(days))
            .format("%Y-%m-%d")
            .to_string(),
    )
}

/// Dates as cells hold them: typed text is left to the ledger's date rule; serial numbers and
/// date-times from a workbook become plain dates.
fn date_text(raw: &str) -> String {
    if let Some(date) = excel_serial_date(raw) {
        return date;
    }
    match raw.split_once(' ') {
        Some((day, time)) if time.contains(':') => day.to_string(),
        _ => raw.to_string(),
    }
}

/// Splits a list of record names: a line, comma or 、 separates; spaces belong to names.
fn split_names(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(['\n', ',', '、', ';', '，', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// One problem with a cell (or a row, when `column` is None).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub column: Option<usize>,
    pub field: &'static str,
    /// Message key.
    pub key: &'static str,
    /// What was in the cell.
    pub value: String,
    /// The other spreadsheet row involved (duplicates).
    pub other_row: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowStatus {
    New,
    Changed,
    Unchanged,
    Error,
}

/// What one spreadsheet row becomes.
#[derive(Debug, Clone)]
pub struct PlannedRow {
    /// Row number as the spreadsheet shows it.
    pub line: usize,
    pub status: RowStatus,
    /// The record it updates.
    pub existing: Option<i64>,
    /// Every editable field's value as it will be stored; links to records new in the same file
    /// are held in `pending_links` until they have ids.
    pub values: Values,
    pub pending_links: Vec<(&'static str, Vec<usize>)>,
    /// Field changes with links by name, for the preview and the audit trail.
    pub changes: Vec<Change>,
    pub problems: Vec<RowProblem>,
    pub label: String,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub rows: Vec<PlannedRow>,
}

impl Plan {
    pub fn count(&self, status: RowStatus) -> usize {
        self.rows.iter().filter(|r| r.status == status).count()
    }

    pub fn has_errors(&self) -> bool {
        self.rows.iter().any(|r| r.status == RowStatus::Error)
    }

    pub fn problems(&self) -> impl Iterator<Item = (&PlannedRow, &RowProblem)> {
        self.rows
            .iter()
            .flat_map(|r| r.problems.iter().map(move |p| (r, p)))
    }
}

/// What the import is compared against: the kind's records and those its links can name.
pub struct Existing<'a> {
    pub records: &'a [Record],
    pub linked: &'a [(&'static str, Vec<Record>)],
    /// The fields the hospital added to this kind.
    pub custom: &'a [CustomField],
}

struct Lookup<'a> {
    by_id: HashMap<i64, usize>,
    by_unique: HashMap<&'a str, usize>,
    by_host: HashMap<String, Vec<usize>>,
    by_name: HashMap<String, Vec<usize>>,
    names: HashMap<&'static str, HashMap<String, (i64, &'a str)>>,
    id_names: HashMap<&'static str, HashMap<i64, &'a str>>,
}

impl<'a> Lookup<'a> {
    fn new(kind: &RecordKind, existing: &Existing<'a>) -> Lookup<'a> {
        let mut lookup = Lookup {
            by_id: HashMap::new(),
            by_unique: HashMap::new(),
            by_host: HashMap::new(),
            by_name: HashMap::new(),
            names: HashMap::new(),
            id_names: HashMap::new(),
        };
        for (i, r) in existing.records.iter().enumerate() {
            lookup.by_id.insert(r.id, i);
            if let Some(field) = kind.unique {
                let v = r.get(field);
                if !v.is_empty() {
                    lookup.by_unique.insert(v, i);
                }
            }
            lookup
                .by_name
                .entry(normalize(r.name()))
                .or_default()
                .push(i);
            let host = r.get("hostname");
            if !host.is_empty() {
                lookup
                    .by_host
                    .entry(host.to_lowercase())
                    .or_default()
                    .push(i);
            }
        }
        for (table, records) in existing.linked {
            let names = lookup.names.entry(table).or_default();
            let ids = lookup.id_names.entry(table).or_default();
            for r in records {
                names.insert(normalize(r.name()), (r.id, r.name()));
                ids.insert(r.id, r.name());
            }
        }
        lookup
    }

    /// "3 7" → "電子カルテ、PACS".
    fn describe(&self, table: &str, ids: &str) -> String {
        ids.split(' ')
            .filter(|p| !p.is_empty())
            .map(|id| {
                id.parse::<i64>()
                    .ok()
                    .and_then(|n| self.id_names.get(table)?.get(&n).copied())
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("#{id}"))
            })
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// Works out what every row of the table becomes. `mapping[c]` is the field of column `c`.
pub fn plan(
    kind: &'static RecordKind,
    table: &Table,
    mapping: &[Option<&'static str>],
    existing: &Existing<'_>,
) -> Plan {
    let lookup = Lookup::new(kind, existing);
    let column_of = |field: &str| mapping.iter().position(|m| *m == Some(field));
    let mapped: Vec<(usize, &'static str)> = mapping
        .iter()
        .enumerate()
        .filter_map(|(c, m)| m.map(|f| (c, f)))
        .collect();
    // Names of this file's own rows, for links between records new in the same file
    // (segments that reach each other).
    let own_names: HashMap<String, usize> = match column_of("name") {
        Some(c) if kind.refs().any(|(_, t, _)| t == kind.table) => table
            .rows
            .iter()
            .enumerate()
            .map(|(i, row)| (normalize(cell(row, c)), i))
            .collect(),
        _ => HashMap::new(),
    };
    let choices: HashMap<&'static str, HashMap<String, &'static str>> = kind
        .editable()
        .filter_map(|(f, _, t)| match t {
            FieldType::Choice(list) => Some((*f, choice_names(list))),
            _ => None,
        })
        .collect();
    let mut seen_unique: HashMap<String, usize> = HashMap::new();
    let mut seen_target: HashMap<i64, usize> = HashMap::new();
    let mut rows = Vec::with_capacity(table.rows.len());
    for (index, row) in table.rows.iter().enumerate() {
        let line = table.row_numbers.get(index).copied().unwrap_or(index + 2);
        let mut problems: Vec<RowProblem> = Vec::new();
        let problem = |column: Option<usize>, field: &'static str, key: &'static str| RowProblem {
            column,
            field,
            key,
            value: column.map(|c| cell(row, c).to_string()).unwrap_or_default(),
            other_row: None,
        };
        let raw = |field: &str| column_of(field).map(|c| cell(row, c)).unwrap_or("");

        // Which record the row is about.
        let mut matched: Option<usize> = None;
        if let Some(c) = column_of(ID_FIELD).filter(|c| !cell(row, *c).is_empty()) {
            match cell(row, c)
                .parse::<i64>()
                .ok()
                .and_then(|id| lookup.by_id.get(&id))
            {
                Some(i) => matched = Some(*i),
                None => problems.push(problem(
                    Some(c),
                    ID_FIELD,
                    crate::mkey!("import-id-unknown"),
                )),
            }
        }
        if matched.is_none()
            && problems.is_empty()
            && let Some(field) = kind.unique
        {
            matched = lookup.by_unique.get(raw(field)).copied();
        }
        let row_unique = kind.unique.map(raw).unwrap_or("");
        // A record with another unique value (資産番号) is another device.
        let compatible = |i: &usize| {
            let theirs = kind
                .unique
                .map(|f| existing.records[*i].get(f))
                .unwrap_or("");
            row_unique.is_empty() || theirs.is_empty()
        };
        if matched.is_none() && problems.is_empty() && kind.field("hostname").is_some() {
            let host = raw("hostname").to_lowercase();
            let macs = normalize_macs(raw("mac_addresses")).unwrap_or_default();
            if !host.is_empty()
                && let Some(candidates) = lookup.by_host.get(&host)
            {
                // Same host name and a shared MAC; or the only one with that host name when
                // a MAC is missing on either side.
                matched = candidates.iter().copied().filter(compatible).find(|i| {
                    let theirs = existing.records[*i].get("mac_addresses");
                    macs.split(' ')
                        .any(|m| !m.is_empty() && theirs.split(' ').any(|t| t == m))
                });
                if matched.is_none() && candidates.len() == 1 {
                    let theirs = existing.records[candidates[0]].get("mac_addresses");
                    if (macs.is_empty() || theirs.is_empty()) && compatible(&candidates[0]) {
                        matched = Some(candidates[0]);
                    }
                }
            }
        }
        // Last, the only record with the same name, if nothing above tells them apart.
        if matched.is_none()
            && problems.is_empty()
            && kind.unique != Some("name")
            && let Some(candidates) = lookup.by_name.get(&normalize(raw("name")))
            && candidates.len() == 1
            && compatible(&candidates[0])
            && (raw("hostname").is_empty()
                || existing.records[candidates[0]].get("hostname").is_empty())
        {
            matched = Some(candidates[0]);
        }
        let current = matched.map(|i| &existing.records[i]);

        // The row's values, over the current ones for columns the file does not have.
        let mut input: HashMap<&'static str, String> = current
            .map(|r| r.values.iter().map(|(f, v)| (*f, v.clone())).collect())
            .unwrap_or_default();
        let mut pending_links: Vec<(&'static str, Vec<usize>)> = Vec::new();
        for (c, field) in &mapped {
            if *field == ID_FIELD {
                continue;
            }
            let text = cell(row, *c);
            if let Some(id) = custom_id(field) {
                let yes_no = existing
                    .custom
                    .iter()
                    .any(|f| f.id == id && f.field_type == "yesno");
                let value = match choice_code(&YES_NO, text) {
                    Some(code) if yes_no => code.to_string(),
                    _ => text.to_string(),
                };
                input.insert(field, value);
                continue;
            }
            let Some((_, _, field_type)) = kind.field(field) else {
                continue;
            };
            let value = match *field_type {
                FieldType::Choice(_) if !text.is_empty() => choices
                    .get(field)
                    .and_then(|names| names.get(&normalize(text)))
                    .map(|code| code.to_string())
                    .unwrap_or_else(|| text.to_string()),
                FieldType::Date => date_text(text),
                FieldType::Ref { table: target, .. } => {
                    let mut ids = Vec::new();
                    let mut pending = Vec::new();
                    for name in split_names(text) {
                        let key = normalize(name);
                        if let Some((id, _)) = lookup.names.get(target).and_then(|n| n.get(&key)) {
                            ids.push(id.to_string());
                        } else if let Some(other) =
                            own_names.get(&key).filter(|_| target == kind.table)
                        {
                            pending.push(*other);
                        } else {
                            problems.push(RowProblem {
                                value: name.to_string(),
                                ..problem(Some(*c), field, crate::mkey!("import-ref-unknown"))
                            });
                        }
                    }
                    if !pending.is_empty() {
                        pending_links.push((field, pending));
                    }
                    ids.join(" ")
                }
                _ => text.to_string(),
            };
            input.insert(field, value);
        }
        let typed = |f: &str| input.get(f).cloned().unwrap_or_default();
        let mut values = match kind.validate(&typed) {
            Ok(values) => values,
            Err(found) => {
                for (field, key) in found {
                    // Problems in columns the file lacks come from the stored record; report
                    // them only when the file is the cause.
                    if column_of(field).is_some() || current.is_none() {
                        problems.push(problem(column_of(field), field, key));
                    }
                }
                kind.editable()
                    .map(|(f, _, _)| (*f, input.get(f).cloned().unwrap_or_default()))
                    .collect()
            }
        };
        match validate_custom(existing.custom, &typed) {
            Ok(added) => values.extend(added),
            Err(found) => {
                for (field, key) in found {
                    problems.push(problem(column_of(field), field, key));
                }
            }
        }
        let get = |f: &str| {
            values
                .iter()
                .find(|(k, _)| *k == f)
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        };

        // Unique values: once in the file, and not another record's.
        if let Some(field) = kind.unique {
            let value = get(field);
            if !value.is_empty() {
                let key = normalize(value);
                if let Some(first) = seen_unique.get(&key) {
                    problems.push(RowProblem {
                        other_row: Some(*first),
                        ..problem(column_of(field), field, crate::mkey!("import-duplicate"))
                    });
                } else {
                    seen_unique.insert(key, line);
                }
                if let Some(other) = lookup.by_unique.get(value)
                    && Some(*other) != matched
                {
                    problems.push(problem(
                        column_of(field),
                        field,
                        if field == "asset_number" {
                            crate::mkey!("asset-number-taken")
                        } else {
                            crate::mkey!("name-taken")
                        },
                    ));
                }
            }
        }
        if let Some(record) = current {
            if let Some(first) = seen_target.get(&record.id) {
                problems.push(RowProblem {
                    other_row: Some(*first),
                    ..problem(None, ID_FIELD, crate::mkey!("import-same-record"))
                });
            } else {
                seen_target.insert(record.id, line);
            }
        }

        let describe = |values: &[(&'static str, String)]| -> Values {
            values
                .iter()
                .map(|(f, v)| match kind.field(f).map(|x| x.2) {
                    Some(FieldType::Ref { table, .. }) => (*f, lookup.describe(table, v)),
                    _ => (*f, v.clone()),
                })
                .collect()
        };
        let mut described = describe(&values);
        for (field, others) in &pending_links {
            if let Some(slot) = described.iter_mut().find(|(f, _)| f == field) {
                let mut names: Vec<String> = slot
                    .1
                    .split('、')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                names.extend(
                    others
                        .iter()
                        .map(|i| cell(&table.rows[*i], column_of("name").unwrap_or(0)).to_string()),
                );
                slot.1 = names.join("、");
            }
        }
        let changes = match current {
            Some(record) => diff(&describe(&record.values), &described),
            None => diff(&[], &described),
        };
        let status = if !problems.is_empty() {
            RowStatus::Error
        } else if current.is_none() {
            RowStatus::New
        } else if changes.is_empty() {
            RowStatus::Unchanged
        } else {
            RowStatus::Changed
        };
        let label = get("name").to_string();
        rows.push(PlannedRow {
            line,
            status,
            existing: current.map(|r| r.id),
            values,
            pending_links,
            changes,
            problems,
            label,
        });
    }
    Plan { rows }
}

fn cell(row: &[String], column: usize) -> &str {
    row.get(column).map(|s| unprotect(s.trim())).unwrap_or("")
}

/// "B3" for column 1 of spreadsheet row 3.
pub fn cell_name(column: Option<usize>, line: usize) -> String {
    match column {
        Some(c) => format!("{}{line}", column_letter(c)),
        None => line.to_string(),
    }
}

/// A problem in words: what is wrong, what was there, and what would be accepted.
pub fn problem_text(kind: &RecordKind, problem: &RowProblem, tr: Tr) -> String {
    let key = match problem.key {
        "choice-invalid" => crate::mkey!("import-choice-invalid"),
        "ref-unknown" => crate::mkey!("import-ref-unknown"),
        other => other,
    };
    let mut text = match problem.other_row {
        Some(row) => tr.t1(key, "row", &row),
        None => tr.t(key),
    };
    if !problem.value.is_empty() {
        text.push_str(&format!(" 「{}」", problem.value));
    }
    if problem.key == crate::mkey!("choice-invalid")
        && let Some((_, _, FieldType::Choice(choices))) = kind.field(problem.field)
    {
        let allowed: Vec<String> = choices.iter().map(|(_, key)| tr.t(key)).collect();
        text.push_str(" — ");
        text.push_str(&tr.t1(
            crate::mkey!("import-allowed"),
            "values",
            &allowed.join(" / "),
        ));
    }
    text
}

/// Where a problem is: "G5 (IPアドレス)", or the row alone.
pub fn problem_place(
    kind: &RecordKind,
    headers: &[String],
    line: usize,
    problem: &RowProblem,
    tr: Tr,
) -> String {
    let heading = problem
        .column
        .and_then(|c| headers.get(c))
        .filter(|h| !h.is_empty())
        .cloned()
        .or_else(|| kind.label_key(problem.field).map(|k| tr.t(k)))
        .unwrap_or_default();
    match problem.column {
        Some(_) => format!("{} ({heading})", cell_name(problem.column, line)),
        None => tr.t1(crate::mkey!("import-row"), "row", &line),
    }
}

/// A mapping file for the CLI (`--mapping M.toml`):
///
/// ```toml
/// [columns]
/// "端末名称" = "name"       # a field name or its label
/// "IP" = "ip_addresses"
/// "社内メモ" = ""           # do not import
/// ```
///
/// Returns normalised header → field ("" for skipped), as [`auto_map`] takes it.
pub fn parse_mapping_file(
    kind: &RecordKind,
    custom: &[CustomField],
    text: &str,
) -> Result<HashMap<String, String>, String> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        columns: HashMap<String, String>,
    }
    let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut out = HashMap::new();
    for (header, wanted) in file.columns {
        let field = if wanted.trim().is_empty() {
            String::new()
        } else {
            let wanted_norm = normalize(&wanted);
            targets(kind, custom)
                .into_iter()
                .find(|f| {
                    *f == wanted.trim() || header_names(kind, custom, f).contains(&wanted_norm)
                })
                .ok_or_else(|| {
                    format!(
                        "column {header:?}: {wanted:?} is not a field; use one of: {}",
                        targets(kind, custom).join(", ")
                    )
                })?
                .to_string()
        };
        out.insert(normalize(&header), field);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::model::DEVICES;
    use crate::ledger::systems::SEGMENTS;
    use mamori_formats::table::Source;

    fn table(headers: &[&str], rows: &[&[&str]]) -> Table {
        Table {
            source: Source::Xlsx {
                sheet: "台帳".into(),
            },
            headers: headers.iter().map(|s| s.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|s| s.to_string()).collect())
                .collect(),
            row_numbers: (0..rows.len()).map(|i| i + 2).collect(),
            header_row: 1,
        }
    }

    fn device(id: i64, pairs: &[(&str, &str)]) -> Record {
        crate::ledger::model::test_record(&DEVICES, id, pairs)
    }

    #[test]
    fn headers_in_japanese_and_english_are_recognised() {
        let headers: Vec<String> = [
            "機器名",
            "ホスト名",
            "ＩＰアドレス",
            "設置場所",
            "OS・ファームウェア",
            "OS・ファームウェアのバージョン",
            "Asset No.",
            "MAC address",
            "社内メモ",
            "種別",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mapping = auto_map(&DEVICES, &[], &headers, &HashMap::new());
        assert_eq!(
            mapping,
            vec![
                Some("name"),
                Some("hostname"),
                Some("ip_addresses"),
                Some("location"),
                Some("os_name"),
                Some("os_version"),
                Some("asset_number"),
                Some("mac_addresses"),
                None,
                Some("kind"),
            ]
        );
        let remembered = HashMap::from([(normalize("社内メモ"), "notes".to_string())]);
        assert_eq!(
            auto_map(&DEVICES, &[], &headers, &remembered)[8],
            Some("notes")
        );
    }

    #[test]
    fn choices_accept_labels_and_common_words() {
        use crate::ledger::model::{KINDS, REMOTE_MAINTENANCE};
        assert_eq!(choice_code(&KINDS, "サーバー"), Some("server"));
        assert_eq!(choice_code(&KINDS, "端末ＰＣ"), Some("pc"));
        assert_eq!(choice_code(&KINDS, "Network device"), Some("network"));
        assert_eq!(choice_code(&REMOTE_MAINTENANCE, "○"), Some("yes"));
        assert_eq!(choice_code(&REMOTE_MAINTENANCE, "なし"), Some("no"));
        assert_eq!(choice_code(&KINDS, "toaster"), None);
    }

    #[test]
    fn rows_are_new_changed_unchanged_or_refused() {
        let existing = vec![
            device(
                1,
                &[
                    ("kind", "server"),
                    ("name", "電子カルテサーバ"),
                    ("asset_number", "A-001"),
                    ("hostname", "emr01"),
                ],
            ),
            device(
                2,
                &[
                    ("kind", "pc"),
                    ("name", "受付PC"),
                    ("hostname", "UKETSUKE1"),
                    ("mac_addresses", "00:11:22:33:44:55"),
                    ("os_version", "22H2"),
                ],
            ),
        ];
        let t = table(
            &[
                "種別",
                "名称",
                "資産番号",
                "ホスト名",
                "MACアドレス",
                "サポート終了日",
                "IPアドレス",
            ],
            &[
                &["サーバ", "電子カルテサーバ", "A-001", "emr01", "", "", ""],
                &[
                    "端末PC",
                    "受付PC",
                    "",
                    "uketsuke1",
                    "00-11-22-33-44-55",
                    "R8.3.31",
                    "",
                ],
                &[
                    "ネットワーク機器",
                    "FortiGate",
                    "A-002",
                    "",
                    "",
                    "45413",
                    "192.168.1.1",
                ],
                &[
                    "プリンタ",
                    "複合機",
                    "A-002",
                    "",
                    "",
                    "2024/13/1",
                    "192.168.1.300",
                ],
                &["冷蔵庫", "x", "A-001", "", "", "", ""],
            ],
        );
        let mapping = auto_map(&DEVICES, &[], &t.headers, &HashMap::new());
        let plan = plan(
            &DEVICES,
            &t,
            &mapping,
            &Existing {
                records: &existing,
                linked: &[],
                custom: &[],
            },
        );
        let statuses: Vec<RowStatus> = plan.rows.iter().map(|r| r.status.clone()).collect();
        assert_eq!(
            statuses,
            vec![
                RowStatus::Unchanged,
                RowStatus::Changed,
                RowStatus::New,
                RowStatus::Error,
                RowStatus::Error,
            ]
        );
        assert_eq!(plan.rows[1].existing, Some(2));
        let changed: Vec<&str> = plan.rows[1]
            .changes
            .iter()
            .map(|c| c.field.as_str())
            .collect();
        assert_eq!(changed, vec!["hostname", "end_of_support"]);
        assert_eq!(
            plan.rows[1]
                .values
                .iter()
                .find(|(f, _)| *f == "os_version")
                .map(|(_, v)| v.as_str()),
            Some("22H2"),
            "fields the file lacks keep their value"
        );
        assert_eq!(
            plan.rows[2]
                .values
                .iter()
                .find(|(f, _)| *f == "end_of_support")
                .map(|(_, v)| v.as_str()),
            Some("2024-05-01"),
            "Excel serial date"
        );
        let printer: Vec<(String, &str)> = plan.rows[3]
            .problems
            .iter()
            .map(|p| (cell_name(p.column, 5), p.key))
            .collect();
        assert_eq!(
            printer,
            vec![
                ("G5".to_string(), "ip-invalid"),
                ("F5".to_string(), "date-invalid-ledger"),
                ("C5".to_string(), "import-duplicate"),
            ]
        );
        assert_eq!(plan.rows[3].problems[2].other_row, Some(4));
        let fridge: Vec<&str> = plan.rows[4].problems.iter().map(|p| p.key).collect();
        assert_eq!(
            fridge,
            vec!["choice-invalid", "import-duplicate", "import-same-record"]
        );
    }

    #[test]
    fn segments_can_reach_segments_new_in_the_same_file() {
        let t = table(
            &["セグメント名", "アドレス範囲（CIDR）", "通信してよい相手"],
            &[
                &["電子カルテ系", "192.168.10.0/24", "管理"],
                &["管理", "192.168.99.0/24", ""],
                &["ゲスト", "10.9.0.0/16", "存在しない"],
            ],
        );
        let mapping = auto_map(&SEGMENTS, &[], &t.headers, &HashMap::new());
        let plan = plan(
            &SEGMENTS,
            &t,
            &mapping,
            &Existing {
                records: &[],
                linked: &[("segments", Vec::new())],
                custom: &[],
            },
        );
        assert_eq!(plan.rows[0].status, RowStatus::New);
        assert_eq!(plan.rows[0].pending_links, vec![("reaches", vec![1])]);
        assert_eq!(plan.rows[2].status, RowStatus::Error);
        assert_eq!(plan.rows[2].problems[0].value, "存在しない");
    }

    #[test]
    fn mapping_files_name_fields_or_labels() {
        let parsed = parse_mapping_file(
            &DEVICES,
            &[],
            "[columns]\n\"端末名称\" = \"name\"\n\"場所\" = \"設置場所（建物・階・部屋）\"\n\"メモ\" = \"\"\n",
        )
        .expect("valid");
        assert_eq!(
            parsed.get(&normalize("端末名称")).map(String::as_str),
            Some("name")
        );
        assert_eq!(
            parsed.get(&normalize("場所")).map(String::as_str),
            Some("location")
        );
        assert_eq!(parsed.get(&normalize("メモ")).map(String::as_str), Some(""));
        assert!(parse_mapping_file(&DEVICES, &[], "[columns]\n\"x\" = \"colour\"\n").is_err());
    }
}

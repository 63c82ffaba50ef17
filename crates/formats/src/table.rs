//! Spreadsheets people keep their ledgers in: `.xlsx` workbooks and `.csv` files in UTF-8 (with
//! or without BOM), UTF-16 ("Unicode text" from Excel) or CP932/Shift_JIS. Read into plain text
//! cells with the row numbers the person sees in Excel, so every problem can name its cell.
//!
//! Nothing here trusts the file: sizes are checked before anything is expanded, rows and columns
//! are capped, cells are stored sparsely, and no input makes it panic (see `fuzz/`).

use std::io::{Cursor, Read, Seek};

use calamine::{DataRef, Reader, Xlsx};

/// Most rows one file may hold (a large hospital has a few thousand devices).
pub const MAX_ROWS: usize = 100_000;
/// Most columns one sheet may hold.
pub const MAX_COLUMNS: usize = 200;
/// Longest cell, in characters (Excel's own limit).
pub const MAX_CELL_CHARS: usize = 32_767;
/// Most bytes a workbook may expand to (its sheets, shared strings and styles unpacked).
pub const MAX_EXPANDED_BYTES: u64 = 128 * 1024 * 1024;
/// Most text all cells of a sheet may hold together, counted while reading. A cell that refers
/// to a shared string gets its own copy, so a small file whose one long string is used by every
/// cell would otherwise expand to gigabytes. 100,000 rows of 16 ordinary cells fit easily.
pub const MAX_TEXT_BYTES: usize = 64 * 1024 * 1024;
/// Most non-empty cells one sheet may hold.
pub const MAX_CELLS: usize = 4_000_000;

/// How the file was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Xlsx { sheet: String },
    Csv { encoding: Encoding },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16,
    Cp932,
}

impl Encoding {
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 (BOM)",
            Encoding::Utf16 => "UTF-16",
            Encoding::Cp932 => "Shift_JIS (CP932)",
        }
    }
}

/// A sheet: the header row and the rows under it, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub source: Source,
    pub headers: Vec<String>,
    /// Data rows; each is as long as `headers`.
    pub rows: Vec<Vec<String>>,
    /// The spreadsheet row number (1-based) of each data row.
    pub row_numbers: Vec<usize>,
    /// The spreadsheet row number of the header row.
    pub header_row: usize,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TableError {
    #[error("the file is empty, or has no header row")]
    Empty,
    #[error("this is an old .xls or another spreadsheet format; save it as .xlsx or CSV")]
    UnsupportedSpreadsheet,
    #[error("the .xlsx file is damaged or not really an .xlsx file: {0}")]
    BrokenXlsx(String),
    #[error("the workbook expands to more than {} MB", MAX_EXPANDED_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("the cells hold more than {} MB of text, or more than {MAX_CELLS} cells, in all", MAX_TEXT_BYTES / 1024 / 1024)]
    TooMuchText,
    #[error("more than {MAX_ROWS} rows")]
    TooManyRows,
    #[error("row {row}: more than {MAX_COLUMNS} columns")]
    TooManyColumns { row: usize },
    #[error("row {row}, column {column}: a cell longer than {MAX_CELL_CHARS} characters")]
    CellTooLong { row: usize, column: usize },
    #[error("line {line}: the text is neither UTF-8 nor Shift_JIS (CP932)")]
    UnknownEncoding { line: usize },
    #[error("line {line}: {message}")]
    Csv { line: usize, message: String },
}

/// Reads an `.xlsx` workbook or a CSV file, told apart by their first bytes.
pub fn read(bytes: &[u8]) -> Result<Table, TableError> {
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        Err(TableError::UnsupportedSpreadsheet)
    } else {
        read_csv(bytes)
    }
}

/// Column letters as Excel shows them: 0 → A, 26 → AA.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Cells of one sheet, kept sparse until the used size is known.
#[derive(Default)]
struct Grid {
    cells: Vec<(usize, usize, String)>,
    max_row: usize,
    max_column: usize,
    text_bytes: usize,
}

impl Grid {
    /// Refuses a cell of `len` bytes before its text is copied, once the sheet's budget is spent.
    fn budget(&mut self, len: usize) -> Result<(), TableError> {
        self.text_bytes = self.text_bytes.saturating_add(len);
        if self.text_bytes > MAX_TEXT_BYTES || self.cells.len() >= MAX_CELLS {
            return Err(TableError::TooMuchText);
        }
        Ok(())
    }

    fn put(&mut self, row: usize, column: usize, text: String) -> Result<(), TableError> {
        if text.trim().is_empty() {
            return Ok(());
        }
        self.budget(text.len())?;
        if row > MAX_ROWS + 100 {
            return Err(TableError::TooManyRows);
        }
        if column >= MAX_COLUMNS {
            return Err(TableError::TooManyColumns { row: row + 1 });
        }
        if text.chars().count() > MAX_CELL_CHARS {
            return Err(TableError::CellTooLong {
                row: row + 1,
                column: column + 1,
            });
        }
        self.max_row = self.max_row.max(row);
        self.max_column = self.max_column.max(column);
        self.cells.push((row, column, text));
        Ok(())
    }

    /// The first row with any text is the header; fully empty rows below it are skipped.
    fn into_table(mut self, source: Source) -> Result<Table, TableError> {
        if self.cells.is_empty() {
            return Err(TableError::Empty);
        }
        self.cells.sort_by_key(|(r, c, _)| (*r, *c));
        let width = self.max_column + 1;
        let header_index = self.cells[0].0;
        let mut headers = vec![String::new(); width];
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut row_numbers = Vec::new();
        let mut current = usize::MAX;
        for (r, c, text) in self.cells {
            if r == header_index {
                headers[c] = text.trim().to_string();
                continue;
            }
            if r != current {
                if rows.len() >= MAX_ROWS {
                    return Err(TableError::TooManyRows);
                }
                rows.push(vec![String::new(); width]);
                row_numbers.push(r + 1);
                current = r;
            }
            if let Some(row) = rows.last_mut() {
                row[c] = text;
            }
        }
        // Trailing columns with neither a header nor a value were excluded by max_column;
        // columns without a header but with values keep an empty header for the mapping step.
        Ok(Table {
            source,
            headers,
            rows,
            row_numbers,
            header_row: header_index + 1,
        })
    }
}

fn check_expanded_size<R: Read + Seek>(reader: R) -> Result<(), TableError> {
    let mut archive =
        zip::ZipArchive::new(reader).map_err(|e| TableError::BrokenXlsx(e.to_string()))?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| TableError::BrokenXlsx(e.to_string()))?;
        total = total.saturating_add(entry.size());
        if total > MAX_EXPANDED_BYTES {
            return Err(TableError::TooLarge);
        }
    }
    Ok(())
}

/// An Excel serial date (days since 1899-12-30, or 1904-01-01) as `YYYY-MM-DD`, with the time
/// when there is one.
fn excel_datetime(value: &calamine::ExcelDateTime) -> String {
    match value.as_datetime() {
        Some(dt) if dt.time() == chrono::NaiveTime::MIN => dt.format("%Y-%m-%d").to_string(),
        Some(dt) => dt.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => format_number(value.as_f64()),
    }
}

fn format_number(value: f64) -> String {
    if value.is_finite() && value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => format_number(*f),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        DataRef::DateTime(dt) => excel_datetime(dt),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

/// Reads the first sheet that holds any data.
pub fn read_xlsx(bytes: &[u8]) -> Result<Table, TableError> {
    check_expanded_size(Cursor::new(bytes))?;
    // The workbook reader is a third party's; a crafted file has made it panic (an arithmetic
    // overflow on a huge cell reference, found by `fuzz/`). Whatever it does, the person gets
    // "this file is damaged" rather than a dropped connection.
    std::panic::catch_unwind(|| read_xlsx_sheets(bytes)).unwrap_or_else(|_| {
        Err(TableError::BrokenXlsx(
            "the workbook's contents could not be read".to_string(),
        ))
    })
}

fn read_xlsx_sheets(bytes: &[u8]) -> Result<Table, TableError> {
    let mut workbook: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| TableError::BrokenXlsx(e.to_string()))?;
    for sheet in workbook.sheet_names() {
        let mut grid = Grid::default();
        let mut reader = workbook
            .worksheet_cells_reader(&sheet)
            .map_err(|e| TableError::BrokenXlsx(e.to_string()))?;
        while let Some(cell) = reader
            .next_cell()
            .map_err(|e| TableError::BrokenXlsx(e.to_string()))?
        {
            let (row, column) = cell.get_position();
            let value = cell.get_value();
            // Counted before the copy: a shared string is a borrowed slice until then.
            if let DataRef::SharedString(text) = value
                && text.len() > MAX_CELL_CHARS * 4
            {
                return Err(TableError::CellTooLong {
                    row: row as usize + 1,
                    column: column as usize + 1,
                });
            }
            if let DataRef::SharedString(text) = value
                && grid.text_bytes.saturating_add(text.len()) > MAX_TEXT_BYTES
            {
                return Err(TableError::TooMuchText);
            }
            grid.put(row as usize, column as usize, cell_text(value))?;
        }
        if !grid.cells.is_empty() {
            return grid.into_table(Source::Xlsx { sheet });
        }
    }
    Err(TableError::Empty)
}

/// Decodes CSV bytes, telling the encoding from the BOM, else from whether it is valid UTF-8,
/// else trying CP932. Never replaces characters silently.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), TableError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok((text.to_string(), Encoding::Utf8Bom)),
            Err(e) => Err(TableError::UnknownEncoding {
                line: line_of(rest, e.valid_up_to()),
            }),
        };
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let encoding = if bytes[0] == 0xFF {
            encoding_rs::UTF_16LE
        } else {
            encoding_rs::UTF_16BE
        };
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[2..]);
        if had_errors {
            return Err(TableError::UnknownEncoding { line: 1 });
        }
        return Ok((text.into_owned(), Encoding::Utf16));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((text.to_string(), Encoding::Utf8)),
        Err(utf8_error) => {
            let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
            if had_errors {
                let bad = text.find('\u{FFFD}').unwrap_or(0);
                let line = text[..bad].matches('\n').count() + 1;
                // Report whichever decoding got further, so the line points at the real problem.
                let utf8_line = line_of(bytes, utf8_error.valid_up_to());
                Err(TableError::UnknownEncoding {
                    line: line.max(utf8_line),
                })
            } else {
                Ok((text.into_owned(), Encoding::Cp932))
            }
        }
    }
}

fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The separator the header line uses most: comma, tab (Excel's "Unicode text") or semicolon.
fn delimiter(text: &str) -> u8 {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|d| first.matches(*d as char).count())
        .unwrap_or(b',')
}

pub fn read_csv(bytes: &[u8]) -> Result<Table, TableError> {
    let (text, encoding) = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(&text))
        .from_reader(text.as_bytes());
    let mut grid = Grid::default();
    let mut record = csv::StringRecord::new();
    let mut index = 0usize;
    loop {
        let line = reader.position().line() as usize;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(TableError::Csv {
                    line: e.position().map_or(line, |p| p.line() as usize),
                    message: e.to_string(),
                });
            }
        }
        // Spreadsheet row numbers count records (a quoted cell may span lines).
        for (column, value) in record.iter().enumerate() {
            grid.put(index, column, value.to_string())?;
        }
        index += 1;
        if index > MAX_ROWS + 100 {
            return Err(TableError::TooManyRows);
        }
    }
    grid.into_table(Source::Csv { encoding })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "機器名,IPアドレス,設置場所\n受付PC-01,192.168.10.21,本館1階\n\n\"サーバ,1\",192.168.10.5,\"サーバ室\n奥\"\n";

    #[test]
    fn a_workbook_that_makes_the_reader_panic_is_refused_as_damaged() {
        // Found by fuzz/table: a cell reference too long for the reader's arithmetic.
        let bytes = include_bytes!("../tests/fixtures/xlsx-huge-cell-reference.xlsx");
        assert!(matches!(read(bytes), Err(TableError::BrokenXlsx(_))));
    }

    #[test]
    fn utf8_with_and_without_bom_and_cp932_read_the_same() {
        let plain = read(SAMPLE.as_bytes()).expect("utf-8");
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(SAMPLE.as_bytes());
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(SAMPLE);
        let with_bom = read(&bom).expect("bom");
        let cp932 = read(&sjis).expect("cp932");
        assert_eq!(
            plain.source,
            Source::Csv {
                encoding: Encoding::Utf8
            }
        );
        assert_eq!(
            with_bom.source,
            Source::Csv {
                encoding: Encoding::Utf8Bom
            }
        );
        assert_eq!(
            cp932.source,
            Source::Csv {
                encoding: Encoding::Cp932
            }
        );
        for table in [&plain, &with_bom, &cp932] {
            assert_eq!(table.headers, vec!["機器名", "IPアドレス", "設置場所"]);
            assert_eq!(table.rows.len(), 2, "the empty line is skipped");
            assert_eq!(table.rows[1][0], "サーバ,1");
            assert_eq!(table.rows[1][2], "サーバ室\n奥");
            assert_eq!(table.row_numbers, vec![2, 3]);
        }
    }

    #[test]
    fn utf16_tab_separated_text_is_read() {
        let text = "名称\tIP\r\nPC-1\t10.0.0.1\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let table = read(&bytes).expect("utf-16");
        assert_eq!(table.headers, vec!["名称", "IP"]);
        assert_eq!(
            table.rows,
            vec![vec!["PC-1".to_string(), "10.0.0.1".to_string()]]
        );
    }

    #[test]
    fn text_that_is_neither_utf8_nor_cp932_is_refused_with_its_line() {
        let mut bytes = b"name,ip\nok,1\n".to_vec();
        bytes.extend_from_slice(&[0x82, 0xA0, b'\n', 0xFF, 0xFF, b'\n']);
        assert_eq!(read(&bytes), Err(TableError::UnknownEncoding { line: 4 }));
    }

    #[test]
    fn bad_shapes_are_refused() {
        assert_eq!(read(b""), Err(TableError::Empty));
        assert_eq!(read(b"\n\n , \n"), Err(TableError::Empty));
        assert_eq!(
            read(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1]),
            Err(TableError::UnsupportedSpreadsheet)
        );
        assert!(matches!(
            read(b"PK\x03\x04garbage"),
            Err(TableError::BrokenXlsx(_))
        ));
        let wide = format!("{}\n", vec!["x"; MAX_COLUMNS + 1].join(","));
        assert_eq!(
            read(wide.as_bytes()),
            Err(TableError::TooManyColumns { row: 1 })
        );
        let long = format!("a\n{}\n", "y".repeat(MAX_CELL_CHARS + 1));
        assert_eq!(
            read(long.as_bytes()),
            Err(TableError::CellTooLong { row: 2, column: 1 })
        );
    }

    #[test]
    fn column_letters_match_excel() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }
}

/// Problems writing a table out.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WriteError {
    #[error("row {row}, column {column}: {character:?} cannot be written in Shift_JIS (CP932)")]
    NotInCp932 {
        row: usize,
        column: usize,
        character: char,
    },
    #[error("could not write the workbook: {0}")]
    Xlsx(String),
}

/// Spreadsheets open a CSV cell starting with these as a formula; a leading `'` keeps it text.
fn is_formula_start(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Undoes [`write_csv`]'s protection of formula-like cells.
pub fn unprotect(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if is_formula_start(rest) => rest,
        _ => cell,
    }
}

/// A CSV file Excel opens correctly: UTF-8 with BOM, or CP932; CRLF line ends; formula-like
/// cells protected. Refuses, naming the cell, characters CP932 cannot hold rather than
/// replacing them.
pub fn write_csv(
    headers: &[String],
    rows: &[Vec<String>],
    encoding: Encoding,
) -> Result<Vec<u8>, WriteError> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let protect = |cell: &String| {
        if is_formula_start(cell) {
            format!("'{cell}")
        } else {
            cell.clone()
        }
    };
    for row in std::iter::once(headers).chain(rows.iter().map(Vec::as_slice)) {
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(row.iter().map(protect));
    }
    let text = writer
        .into_inner()
        .map(|bytes| String::from_utf8(bytes).unwrap_or_default())
        .unwrap_or_default();
    match encoding {
        Encoding::Cp932 => {
            for (r, row) in std::iter::once(headers)
                .chain(rows.iter().map(Vec::as_slice))
                .enumerate()
            {
                for (c, cell) in row.iter().enumerate() {
                    let (_, _, unmappable) = encoding_rs::SHIFT_JIS.encode(cell);
                    if unmappable {
                        let character = cell
                            .chars()
                            .find(|ch| encoding_rs::SHIFT_JIS.encode(&ch.to_string()).2)
                            .unwrap_or('?');
                        return Err(WriteError::NotInCp932 {
                            row: r + 1,
                            column: c + 1,
                            character,
                        });
                    }
                }
            }
            Ok(encoding_rs::SHIFT_JIS.encode(&text).0.into_owned())
        }
        Encoding::Utf16 => {
            let mut out = vec![0xFF, 0xFE];
            for unit in text.encode_utf16() {
                out.extend_from_slice(&unit.to_le_bytes());
            }
            Ok(out)
        }
        Encoding::Utf8 => Ok(text.into_bytes()),
        Encoding::Utf8Bom => {
            let mut out = b"\xEF\xBB\xBF".to_vec();
            out.extend_from_slice(text.as_bytes());
            Ok(out)
        }
    }
}

/// An `.xlsx` workbook with one sheet: bold frozen header row, filters, every cell as text (so
/// "0012" stays "0012"), set to print A4 landscape.
pub fn write_xlsx(
    sheet: &str,
    headers: &[String],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, WriteError> {
    write_workbook(&[Sheet {
        name: sheet.to_string(),
        preface: Vec::new(),
        headers: headers.to_vec(),
        rows: rows.to_vec(),
        landscape: true,
    }])
}

/// One sheet of a workbook: lines of text above the table (title, header fields), the heading
/// row and the rows.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub name: String,
    pub preface: Vec<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub landscape: bool,
}

/// An `.xlsx` workbook with one sheet per entry, each printing on A4: bold frozen heading row
/// with filters, every cell as text, long text wrapped.
pub fn write_workbook(sheets: &[Sheet]) -> Result<Vec<u8>, WriteError> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| WriteError::Xlsx(e.to_string());
    let too_many = |what: &str| WriteError::Xlsx(format!("too many {what}"));
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@").set_text_wrap();
    for sheet in sheets {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(&sheet.name).map_err(err)?;
        for (r, line) in sheet.preface.iter().enumerate() {
            let r = u32::try_from(r).map_err(|_| too_many("rows"))?;
            worksheet.write_string(r, 0, line).map_err(err)?;
        }
        let top = u32::try_from(sheet.preface.len()).map_err(|_| too_many("rows"))?;
        for (c, header) in sheet.headers.iter().enumerate() {
            let column = u16::try_from(c).map_err(|_| too_many("columns"))?;
            worksheet
                .write_string_with_format(top, column, header, &bold)
                .map_err(err)?;
            let widest = sheet
                .rows
                .iter()
                .take(500)
                .filter_map(|r| r.get(c))
                .chain(std::iter::once(header))
                .map(|s| s.lines().map(display_width).max().unwrap_or(0))
                .max()
                .unwrap_or(8);
            worksheet
                .set_column_width(column, (widest as f64 + 2.0).clamp(6.0, 60.0))
                .map_err(err)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let line = u32::try_from(r + 1)
                .ok()
                .and_then(|r| r.checked_add(top))
                .ok_or_else(|| too_many("rows"))?;
            for (c, cell) in row.iter().enumerate() {
                if cell.is_empty() {
                    continue;
                }
                let column = u16::try_from(c).map_err(|_| too_many("columns"))?;
                worksheet
                    .write_string_with_format(line, column, cell, &text)
                    .map_err(err)?;
            }
        }
        if !sheet.headers.is_empty() {
            let last = u16::try_from(sheet.headers.len() - 1).unwrap_or(0);
            let last_row = u32::try_from(sheet.rows.len()).unwrap_or(0) + top;
            worksheet.autofilter(top, 0, last_row, last).map_err(err)?;
        }
        worksheet.set_freeze_panes(top + 1, 0).map_err(err)?;
        if sheet.landscape {
            worksheet.set_landscape();
        } else {
            worksheet.set_portrait();
        }
        worksheet.set_paper_size(9);
    }
    workbook.save_to_buffer().map_err(err)
}

/// Roughly how wide text shows: East Asian characters take two columns.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| if (c as u32) < 0x1100 { 1 } else { 2 })
        .sum()
}

#[cfg(test)]
mod write_tests {
    use super::*;

    fn sample() -> (Vec<String>, Vec<Vec<String>>) {
        (
            vec!["名称".into(), "資産番号".into(), "備考".into()],
            vec![
                vec!["受付PC".into(), "0012".into(), "=HYPERLINK(\"x\")".into()],
                vec!["サーバ,1".into(), String::new(), "一行目\n二行目".into()],
            ],
        )
    }

    #[test]
    fn csv_round_trips_in_every_encoding() {
        let (headers, rows) = sample();
        for encoding in [
            Encoding::Utf8Bom,
            Encoding::Cp932,
            Encoding::Utf8,
            Encoding::Utf16,
        ] {
            let bytes = write_csv(&headers, &rows, encoding).expect("written");
            let table = read(&bytes).expect("read back");
            assert_eq!(table.headers, headers);
            assert_eq!(
                table.rows[0][2], "'=HYPERLINK(\"x\")",
                "protected from Excel"
            );
            assert_eq!(unprotect(&table.rows[0][2]), "=HYPERLINK(\"x\")");
            assert_eq!(table.rows[0][1], "0012");
            assert_eq!(table.rows[1], rows[1]);
        }
    }

    #[test]
    fn cp932_refuses_characters_it_cannot_hold() {
        let headers = vec!["名称".to_string()];
        let rows = vec![vec!["PC".to_string()], vec!["🏥 受付".to_string()]];
        assert_eq!(
            write_csv(&headers, &rows, Encoding::Cp932),
            Err(WriteError::NotInCp932 {
                row: 3,
                column: 1,
                character: '🏥'
            })
        );
    }

    #[test]
    fn xlsx_round_trips() {
        let (headers, rows) = sample();
        let bytes = write_xlsx("機器", &headers, &rows).expect("written");
        let table = read(&bytes).expect("read back");
        assert_eq!(
            table.source,
            Source::Xlsx {
                sheet: "機器".into()
            }
        );
        assert_eq!(table.headers, headers);
        assert_eq!(table.rows, rows);
        assert_eq!(table.row_numbers, vec![2, 3]);
    }
}

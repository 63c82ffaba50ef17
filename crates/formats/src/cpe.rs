//! CPE 2.3 names (NISTIR 7695, "Naming") and their comparison (NISTIR 7696, "Name Matching").
//!
//! mamori decides which vulnerabilities concern a hospital's devices by comparing CPE names:
//! NVD publishes 2.3 formatted strings (`cpe:2.3:o:fortinet:fortios:7.4.1:*:*:*:*:*:*:*`) while
//! JVN and older NVD data use 2.2 URIs (`cpe:/o:fortinet:fortios:7.4.1`). Both are read into one
//! well-formed name ([`Wfn`]), so a device is compared the same way whichever form named it.
//!
//! Where the specifications or their reference implementations leave room, this module chooses:
//! - Readers return only well-formed names (NISTIR 7695 §5.3.2). Anything else is refused with
//!   the character position of the first problem, so binding back and matching never meet a
//!   malformed value, and every name read binds to strings that read back to an equal name.
//! - `part` may be ANY (the formatted-string grammar allows `*`, and search criteria use it) but
//!   never NA.
//! - Comparison ignores letter case, as the NIST reference implementation does.
//! - A run of n unquoted `?` at either end of a value matches up to n characters, as in NIST's
//!   reference `compare_strings` and in go-cpe: `??foo` matches `foo`, `xfoo` and `xyfoo`.

use std::fmt;
use std::str::FromStr;

/// One attribute value of a well-formed name.
///
/// `Text` holds the WFN form of NISTIR 7695 §5.3.2: letters, digits and `_` as they are, any
/// other character quoted with `\` (`8\.0\.6001`), and unquoted `*` / `?` as wildcards that may
/// only stand at the start or end. The readers only produce valid texts; [`Value::text`] and
/// [`Wfn::validate`] check hand-built ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Value {
    /// Any value (bound as `*` in a formatted string, as an empty component in a URI).
    #[default]
    Any,
    /// Not applicable (bound as `-`).
    Na,
    Text(String),
}

impl Value {
    /// A value from its WFN text (quoting as in NISTIR 7695 §5.3.2), checked.
    pub fn text(wfn_text: &str) -> Result<Value, CpeError> {
        let chars: Vec<char> = wfn_text.chars().collect();
        let units = text_units(&chars, 0, Syntax::Wfn)?;
        check_units(&units, 0, Syntax::Wfn)?;
        Ok(Value::Text(units_to_text(&units)))
    }

    /// A value meaning exactly `plain` (e.g. a version read from a device, "8.0.6001"): every
    /// character other than a letter, digit or `_` is quoted, so nothing in it acts as a wildcard.
    pub fn literal(plain: &str) -> Result<Value, CpeError> {
        let units = plain
            .chars()
            .enumerate()
            .map(|(at, c)| {
                printable(c, at)?;
                let unit = if is_alphanum(c) {
                    Unit::Plain(c)
                } else {
                    Unit::Quoted(c)
                };
                Ok(Placed { unit, at })
            })
            .collect::<Result<Vec<_>, CpeError>>()?;
        check_units(&units, 0, Syntax::Wfn)?;
        Ok(Value::Text(units_to_text(&units)))
    }

    pub fn is_any(&self) -> bool {
        matches!(self, Value::Any)
    }

    pub fn is_na(&self) -> bool {
        matches!(self, Value::Na)
    }

    /// The WFN text of a `Text` value.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(text) => Some(text),
            _ => None,
        }
    }

    /// True for a `Text` holding an unquoted `*` or `?`. Such a value is a pattern, and as the
    /// target of a comparison it makes the result [`Relation::Undefined`].
    pub fn has_wildcards(&self) -> bool {
        match self {
            Value::Text(text) => text_has_wildcards(text),
            _ => false,
        }
    }

    /// The value as plain text, quoting removed (`8\.0` gives `8.0`); None for ANY, NA and for
    /// values with wildcards, whose text would be mistaken for a literal.
    pub fn plain(&self) -> Option<String> {
        let text = self.as_text()?;
        if text_has_wildcards(text) {
            return None;
        }
        let mut out = String::with_capacity(text.len());
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            out.push(if c == '\\' {
                chars.next().unwrap_or(c)
            } else {
                c
            });
        }
        Some(out)
    }
}

/// `ANY`, `NA`, or the WFN text as it is, not in double quotes (go-cpe's `GetString`).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Any => f.write_str("ANY"),
            Value::Na => f.write_str("NA"),
            Value::Text(text) => f.write_str(text),
        }
    }
}

/// The eleven attributes of a CPE 2.3 name, in binding order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Attribute {
    Part,
    Vendor,
    Product,
    Version,
    Update,
    Edition,
    Language,
    SwEdition,
    TargetSw,
    TargetHw,
    Other,
}

impl Attribute {
    /// In the order of the formatted string (and of [`compare`]'s result).
    pub const ALL: [Attribute; 11] = [
        Attribute::Part,
        Attribute::Vendor,
        Attribute::Product,
        Attribute::Version,
        Attribute::Update,
        Attribute::Edition,
        Attribute::Language,
        Attribute::SwEdition,
        Attribute::TargetSw,
        Attribute::TargetHw,
        Attribute::Other,
    ];

    /// The name used in WFN notation, e.g. `sw_edition`.
    pub fn name(self) -> &'static str {
        match self {
            Attribute::Part => "part",
            Attribute::Vendor => "vendor",
            Attribute::Product => "product",
            Attribute::Version => "version",
            Attribute::Update => "update",
            Attribute::Edition => "edition",
            Attribute::Language => "language",
            Attribute::SwEdition => "sw_edition",
            Attribute::TargetSw => "target_sw",
            Attribute::TargetHw => "target_hw",
            Attribute::Other => "other",
        }
    }

    /// The attribute with this WFN name, ignoring case (NISTIR 7695 itself writes `target_HW`).
    pub fn from_name(name: &str) -> Option<Attribute> {
        Attribute::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A well-formed CPE name (WFN). `Default` is the name of everything: all attributes ANY.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Wfn {
    pub part: Value,
    pub vendor: Value,
    pub product: Value,
    pub version: Value,
    pub update: Value,
    pub edition: Value,
    pub language: Value,
    pub sw_edition: Value,
    pub target_sw: Value,
    pub target_hw: Value,
    pub other: Value,
}

/// What is wrong with a CPE name and where: `position` counts characters (not bytes) from 0.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at character {position}: {message}")]
pub struct CpeError {
    pub position: usize,
    pub message: String,
}

fn err(position: usize, message: impl Into<String>) -> CpeError {
    CpeError {
        position,
        message: message.into(),
    }
}

impl Wfn {
    /// A name from attribute-value pairs, the others ANY (a later pair wins). Values are taken
    /// as given; [`Wfn::validate`] checks them.
    pub fn from_pairs(pairs: &[(Attribute, Value)]) -> Wfn {
        let mut wfn = Wfn::default();
        for (attribute, value) in pairs {
            *wfn.slot(*attribute) = value.clone();
        }
        wfn
    }

    pub fn get(&self, attribute: Attribute) -> &Value {
        match attribute {
            Attribute::Part => &self.part,
            Attribute::Vendor => &self.vendor,
            Attribute::Product => &self.product,
            Attribute::Version => &self.version,
            Attribute::Update => &self.update,
            Attribute::Edition => &self.edition,
            Attribute::Language => &self.language,
            Attribute::SwEdition => &self.sw_edition,
            Attribute::TargetSw => &self.target_sw,
            Attribute::TargetHw => &self.target_hw,
            Attribute::Other => &self.other,
        }
    }

    fn slot(&mut self, attribute: Attribute) -> &mut Value {
        match attribute {
            Attribute::Part => &mut self.part,
            Attribute::Vendor => &mut self.vendor,
            Attribute::Product => &mut self.product,
            Attribute::Version => &mut self.version,
            Attribute::Update => &mut self.update,
            Attribute::Edition => &mut self.edition,
            Attribute::Language => &mut self.language,
            Attribute::SwEdition => &mut self.sw_edition,
            Attribute::TargetSw => &mut self.target_sw,
            Attribute::TargetHw => &mut self.target_hw,
            Attribute::Other => &mut self.other,
        }
    }

    /// Sets one attribute after checking the value is allowed there (the spec's `set`).
    pub fn set(&mut self, attribute: Attribute, value: Value) -> Result<(), CpeError> {
        *self.slot(attribute) = checked(attribute, value)?;
        Ok(())
    }

    /// Checks a hand-built name: every text well formed, `part` one of a, o, h or ANY. The
    /// position in an error is within the offending attribute's text.
    pub fn validate(&self) -> Result<(), CpeError> {
        for attribute in Attribute::ALL {
            checked(attribute, self.get(attribute).clone())?;
        }
        Ok(())
    }

    /// The 2.3 formatted string (NISTIR 7695 §6.2.2), e.g. `cpe:2.3:a:microsoft:ie:8.0:*:…`.
    pub fn to_fs(&self) -> String {
        let mut fs = String::from("cpe:2.3");
        for attribute in Attribute::ALL {
            fs.push(':');
            match self.get(attribute) {
                Value::Any => fs.push('*'),
                Value::Na => fs.push('-'),
                Value::Text(text) => fs.push_str(&fs_text(text)),
            }
        }
        fs
    }

    /// The URI (NISTIR 7695 §6.1.2), readable by CPE 2.2 tools; the four attributes 2.2 lacks
    /// are packed into the edition component (`~edition~sw_edition~target_sw~target_hw~other`)
    /// when any of them is not ANY.
    pub fn to_uri(&self) -> String {
        let edition = uri_value(&self.edition);
        let extended = [
            uri_value(&self.sw_edition),
            uri_value(&self.target_sw),
            uri_value(&self.target_hw),
            uri_value(&self.other),
        ];
        let edition = if extended.iter().all(String::is_empty) {
            edition
        } else {
            format!("~{edition}~{}", extended.join("~"))
        };
        let components = [
            uri_value(&self.part),
            uri_value(&self.vendor),
            uri_value(&self.product),
            uri_value(&self.version),
            uri_value(&self.update),
            edition,
            uri_value(&self.language),
        ];
        format!("cpe:/{}", components.join(":").trim_end_matches(':'))
    }

    /// WFN notation with all eleven attributes, as go-cpe prints it:
    /// `wfn:[part="a", vendor="microsoft", …, other=ANY]`. [`parse_wfn`] reads it back.
    pub fn to_wfn_string(&self) -> String {
        let pairs: Vec<String> = Attribute::ALL
            .iter()
            .map(|&attribute| match self.get(attribute) {
                Value::Text(text) => format!("{attribute}=\"{text}\""),
                logical => format!("{attribute}={logical}"),
            })
            .collect();
        format!("wfn:[{}]", pairs.join(", "))
    }

    /// `vendor:product` in lowercase without quoting (e.g. `fortinet:fortios`), a key to find
    /// candidate names quickly; confirm with [`compare`], since a quoted `:` inside either part
    /// could make two names share a key. None unless both are texts without wildcards.
    pub fn vendor_product(&self) -> Option<String> {
        let vendor = self.vendor.plain()?;
        let product = self.product.plain()?;
        Some(format!(
            "{}:{}",
            vendor.to_lowercase(),
            product.to_lowercase()
        ))
    }
}

/// The formatted string.
impl fmt::Display for Wfn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_fs())
    }
}

/// [`parse`]: a formatted string or a URI.
impl FromStr for Wfn {
    type Err = CpeError;

    fn from_str(text: &str) -> Result<Wfn, CpeError> {
        parse(text)
    }
}

fn checked(attribute: Attribute, value: Value) -> Result<Value, CpeError> {
    let value = match value {
        Value::Text(text) => Value::text(&text).map_err(|e| CpeError {
            position: e.position,
            message: format!("{attribute}: {}", e.message),
        })?,
        logical => logical,
    };
    if attribute == Attribute::Part {
        check_part(value, 0)
    } else {
        Ok(value)
    }
}

fn check_part(value: Value, at: usize) -> Result<Value, CpeError> {
    match value {
        Value::Any => Ok(Value::Any),
        Value::Na => Err(err(
            at,
            "part cannot be NA: it is 'a' (application), 'o' (operating system), 'h' (hardware) or ANY",
        )),
        Value::Text(text) => match text.to_ascii_lowercase().as_str() {
            part @ ("a" | "o" | "h") => Ok(Value::Text(part.to_string())),
            _ => Err(err(
                at,
                format!(
                    "part must be 'a' (application), 'o' (operating system) or 'h' (hardware), found '{text}'"
                ),
            )),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Reads a 2.3 formatted string (`cpe:2.3:` and eleven colon-separated values).
pub fn parse_fs(text: &str) -> Result<Wfn, CpeError> {
    if has_prefix(text, "cpe:/") {
        return Err(err(
            0,
            "this is a CPE URI (cpe:/...), not a formatted string (cpe:2.3:...)",
        ));
    }
    if !has_prefix(text, "cpe:") {
        return Err(err(0, "a CPE formatted string must start with 'cpe:2.3:'"));
    }
    let chars: Vec<char> = text.chars().collect();
    let fields = split_fs(&chars);
    match fields.get(1) {
        Some((_, version)) if *version == ['2', '.', '3'] => {}
        Some((at, version)) => {
            return Err(err(
                *at,
                format!(
                    "unsupported CPE version '{}'; only 2.3 formatted strings (cpe:2.3:...) are read",
                    version.iter().collect::<String>()
                ),
            ));
        }
        None => return Err(err(4, "expected '2.3' after 'cpe:'")),
    }
    if fields.len() != 13 {
        // Too many: point at the first extra field; too few: at the end, where more were due.
        let at = fields.get(13).map_or(chars.len(), |(at, _)| *at);
        return Err(err(
            at,
            format!(
                "expected 13 components in a formatted string, found {} ('cpe', '2.3' and the 11 attributes, separated by ':')",
                fields.len()
            ),
        ));
    }
    let mut wfn = Wfn::default();
    for (attribute, (at, field)) in Attribute::ALL.into_iter().zip(fields.iter().skip(2)) {
        let value = fs_value(*at, field)?;
        *wfn.slot(attribute) = if attribute == Attribute::Part {
            check_part(value, *at)?
        } else {
            value
        };
    }
    Ok(wfn)
}

/// Reads a URI (`cpe:/part:vendor:product:version:update:edition:language`, trailing components
/// optional), CPE 2.2 or 2.3 with a packed edition.
pub fn parse_uri(text: &str) -> Result<Wfn, CpeError> {
    if has_prefix(text, "cpe:2.3:") {
        return Err(err(
            0,
            "this is a formatted string (cpe:2.3:...), not a CPE URI (cpe:/...)",
        ));
    }
    if !has_prefix(text, "cpe:/") {
        return Err(err(0, "a CPE URI must start with 'cpe:/'"));
    }
    let chars: Vec<char> = text.chars().collect();
    let fields = split_uri(chars.get(5..).unwrap_or_default(), 5);
    if let Some((at, _)) = fields.get(7) {
        return Err(err(
            *at,
            format!(
                "a CPE URI has at most 7 components after 'cpe:/' (part, vendor, product, version, update, edition, language), found {}",
                fields.len()
            ),
        ));
    }
    const URI_ORDER: [Attribute; 7] = [
        Attribute::Part,
        Attribute::Vendor,
        Attribute::Product,
        Attribute::Version,
        Attribute::Update,
        Attribute::Edition,
        Attribute::Language,
    ];
    let mut wfn = Wfn::default();
    for (attribute, (at, field)) in URI_ORDER.into_iter().zip(fields) {
        if attribute == Attribute::Edition && field.first() == Some(&'~') {
            unpack(at, field, &mut wfn)?;
            continue;
        }
        let value = uri_value_read(at, field)?;
        *wfn.slot(attribute) = if attribute == Attribute::Part {
            check_part(value, at)?
        } else {
            value
        };
    }
    Ok(wfn)
}

/// Reads either binding, chosen by its prefix, ignoring surrounding whitespace (positions in
/// errors still count from the start of `text`).
pub fn parse(text: &str) -> Result<Wfn, CpeError> {
    let offset = text.chars().take_while(|c| c.is_whitespace()).count();
    let trimmed = text.trim();
    let result = if has_prefix(trimmed, "cpe:/") {
        parse_uri(trimmed)
    } else {
        parse_fs(trimmed)
    };
    result.map_err(|e| CpeError {
        position: e.position + offset,
        ..e
    })
}

/// Reads WFN notation (NISTIR 7695 §5.2), e.g. `wfn:[part="a",vendor="microsoft",version=NA]`;
/// attributes left out are ANY. Spaces around separators are allowed.
pub fn parse_wfn(text: &str) -> Result<Wfn, CpeError> {
    let chars: Vec<char> = text.chars().collect();
    let mut cursor = Cursor {
        chars: &chars,
        at: 0,
    };
    cursor.skip_whitespace();
    if !cursor.eat_str("wfn:[") {
        return Err(err(cursor.at, "a WFN must start with 'wfn:['"));
    }
    let mut wfn = Wfn::default();
    let mut seen: Vec<Attribute> = Vec::new();
    cursor.skip_whitespace();
    if !cursor.eat(']') {
        loop {
            cursor.skip_whitespace();
            let name_at = cursor.at;
            let name = cursor.take_while(|c| c.is_ascii_alphanumeric() || c == '_');
            let Some(attribute) = Attribute::from_name(&name) else {
                return Err(err(
                    name_at,
                    if name.is_empty() {
                        "expected an attribute name".to_string()
                    } else {
                        format!(
                            "unknown attribute '{name}' (the attributes are part, vendor, product, version, update, edition, language, sw_edition, target_sw, target_hw and other)"
                        )
                    },
                ));
            };
            if seen.contains(&attribute) {
                return Err(err(
                    name_at,
                    format!("'{attribute}' is given twice; each attribute may appear once"),
                ));
            }
            seen.push(attribute);
            cursor.skip_whitespace();
            if !cursor.eat('=') {
                return Err(err(cursor.at, format!("expected '=' after '{name}'")));
            }
            cursor.skip_whitespace();
            let value_at = cursor.at;
            let value = if cursor.eat('"') {
                let begin = cursor.at;
                loop {
                    match cursor.next() {
                        None => {
                            return Err(err(value_at, "this value has no closing '\"'"));
                        }
                        Some('\\') => {
                            cursor.next();
                        }
                        Some('"') => break,
                        Some(_) => {}
                    }
                }
                let inner = chars
                    .get(begin..cursor.at.saturating_sub(1))
                    .unwrap_or_default();
                let units = text_units(inner, begin, Syntax::Wfn)?;
                check_units(&units, begin, Syntax::Wfn)?;
                Value::Text(units_to_text(&units))
            } else {
                let word = cursor.take_while(|c| c.is_ascii_alphabetic());
                if word.eq_ignore_ascii_case("ANY") {
                    Value::Any
                } else if word.eq_ignore_ascii_case("NA") {
                    Value::Na
                } else {
                    return Err(err(
                        value_at,
                        "expected a value in double quotes, ANY or NA",
                    ));
                }
            };
            *wfn.slot(attribute) = if attribute == Attribute::Part {
                check_part(value, value_at)?
            } else {
                value
            };
            cursor.skip_whitespace();
            if cursor.eat(',') {
                continue;
            }
            if cursor.eat(']') {
                break;
            }
            return Err(err(cursor.at, "expected ',' or ']'"));
        }
    }
    cursor.skip_whitespace();
    if cursor.at < chars.len() {
        return Err(err(cursor.at, "unexpected text after the closing ']'"));
    }
    Ok(wfn)
}

struct Cursor<'a> {
    chars: &'a [char],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    fn eat(&mut self, expected: char) -> bool {
        if self.peek() == Some(expected) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn eat_str(&mut self, expected: &str) -> bool {
        let len = expected.chars().count();
        let matches = self
            .chars
            .get(self.at..self.at + len)
            .is_some_and(|found| found.iter().copied().eq(expected.chars()));
        if matches {
            self.at += len;
        }
        matches
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> String {
        let mut out = String::new();
        while let Some(c) = self.peek().filter(|&c| keep(c)) {
            out.push(c);
            self.at += 1;
        }
        out
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }
}

/// ASCII-case-insensitive prefix test that cannot split a multi-byte character.
fn has_prefix(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

/// The colon-separated fields of a formatted string with the character position of each;
/// a backslash protects the character after it (`foo\:bar` is one field).
fn split_fs(chars: &[char]) -> Vec<(usize, &[char])> {
    let mut fields = Vec::new();
    let mut begin = 0;
    let mut escaped = false;
    for (i, &c) in chars.iter().enumerate() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ':' {
            fields.push((begin, chars.get(begin..i).unwrap_or_default()));
            begin = i + 1;
        }
    }
    fields.push((begin, chars.get(begin..).unwrap_or_default()));
    fields
}

/// The colon-separated fields of a URI body that starts at character `offset` (a URI has no
/// quoting: a colon in a value is `%3a`).
fn split_uri(chars: &[char], offset: usize) -> Vec<(usize, &[char])> {
    let mut at = offset;
    chars
        .split(|&c| c == ':')
        .map(|field| {
            let start = at;
            at += field.len() + 1;
            (start, field)
        })
        .collect()
}

/// Which notation a value came from, to word hints in that notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Fs,
    Uri,
    Wfn,
}

impl Syntax {
    fn literal(self, c: char) -> String {
        match self {
            Syntax::Uri => pct_encode(c),
            Syntax::Fs | Syntax::Wfn => format!("\\{c}"),
        }
    }

    fn any_hint(self) -> &'static str {
        match self {
            Syntax::Fs => "write '*' for ANY",
            Syntax::Uri => "leave the component empty for ANY",
            Syntax::Wfn => "use the logical value ANY",
        }
    }

    fn na_hint(self) -> &'static str {
        match self {
            Syntax::Fs | Syntax::Uri => "write '-' for NA",
            Syntax::Wfn => "use the logical value NA",
        }
    }
}

/// One character of a value once its notation is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// A letter, digit or underscore, which needs no quoting.
    Plain(char),
    /// Any other character, taken literally (`\` in the WFN).
    Quoted(char),
    /// An unquoted `?`.
    One,
    /// An unquoted `*`.
    Many,
}

#[derive(Debug, Clone, Copy)]
struct Placed {
    unit: Unit,
    /// Where it was in the input, for errors.
    at: usize,
}

fn is_alphanum(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// CPE values are printable ASCII without spaces (NISTIR 7695 §5.3.2).
fn printable(c: char, at: usize) -> Result<(), CpeError> {
    if c.is_ascii_graphic() {
        return Ok(());
    }
    Err(err(
        at,
        if c == ' ' {
            "a space is not allowed in a CPE name; use '_' instead".to_string()
        } else if c.is_whitespace() {
            format!(
                "whitespace (U+{:04X}) is not allowed in a CPE name; use '_' instead",
                u32::from(c)
            )
        } else if c.is_control() {
            format!(
                "control character U+{:04X} is not allowed in a CPE name",
                u32::from(c)
            )
        } else {
            format!(
                "non-ASCII character '{c}' is not allowed in a CPE name (values are printable ASCII)"
            )
        },
    ))
}

/// The units of a formatted-string field (NISTIR 7695 `add_quoting`: unquoted punctuation is
/// taken literally) or of WFN text (where punctuation must already be quoted).
fn text_units(chars: &[char], start: usize, syntax: Syntax) -> Result<Vec<Placed>, CpeError> {
    let mut units = Vec::with_capacity(chars.len());
    let mut iter = chars.iter().copied().enumerate();
    while let Some((i, c)) = iter.next() {
        let at = start + i;
        let unit = match c {
            '\\' => match iter.next() {
                Some((j, quoted)) => {
                    printable(quoted, start + j)?;
                    Unit::Quoted(quoted)
                }
                None => return Err(err(at, "a backslash at the end of a value quotes nothing")),
            },
            '*' => Unit::Many,
            '?' => Unit::One,
            c if is_alphanum(c) => Unit::Plain(c),
            c => {
                printable(c, at)?;
                if syntax == Syntax::Wfn {
                    return Err(err(
                        at,
                        format!("'{c}' must be quoted in a WFN value (write \\{c})"),
                    ));
                }
                Unit::Quoted(c)
            }
        };
        units.push(Placed { unit, at });
    }
    Ok(units)
}

/// The units of a URI component (NISTIR 7695 `decode`): lowercased, `.` `-` `~` literal, only
/// the percent-encodings the spec lists, `%01`/`%02` (or a bare `?`/`*`) as wildcards.
fn uri_units(chars: &[char], start: usize) -> Result<Vec<Placed>, CpeError> {
    let mut units = Vec::with_capacity(chars.len());
    let mut iter = chars.iter().copied().enumerate();
    while let Some((i, c)) = iter.next() {
        let at = start + i;
        let c = c.to_ascii_lowercase();
        let unit = match c {
            '.' | '-' | '~' => Unit::Quoted(c),
            '?' => Unit::One,
            '*' => Unit::Many,
            '%' => {
                let high = iter.next().map(|(_, h)| h.to_ascii_lowercase());
                let low = iter.next().map(|(_, l)| l.to_ascii_lowercase());
                let (Some(high), Some(low)) = (high, low) else {
                    return Err(err(
                        at,
                        "'%' at the end of a component: a percent-encoding needs two hexadecimal digits",
                    ));
                };
                pct_decode(high, low).ok_or_else(|| {
                    err(
                        at,
                        format!(
                            "'%{high}{low}' is not a percent-encoding CPE allows (printable punctuation such as %21 or %2f, or %01 and %02 for wildcards)"
                        ),
                    )
                })?
            }
            c if is_alphanum(c) => Unit::Plain(c),
            c => {
                printable(c, at)?;
                return Err(err(
                    at,
                    format!(
                        "'{c}' must be percent-encoded in a CPE URI (as {})",
                        pct_encode(c)
                    ),
                ));
            }
        };
        units.push(Placed { unit, at });
    }
    Ok(units)
}

/// The placement rules of NISTIR 7695 §5.3.2 for a value's units.
fn check_units(units: &[Placed], start: usize, syntax: Syntax) -> Result<(), CpeError> {
    let Some(last) = units.len().checked_sub(1) else {
        // A formatted string's empty field and a URI's empty component are handled before.
        return Err(err(
            start,
            "an empty text is not a value; use the logical value ANY or NA instead",
        ));
    };
    if let [only] = units {
        match only.unit {
            Unit::Many => {
                return Err(err(
                    only.at,
                    format!("'*' on its own is not a value; {}", syntax.any_hint()),
                ));
            }
            // Bound to a formatted string or URI it would read back as NA.
            Unit::Quoted('-') => {
                return Err(err(
                    only.at,
                    format!(
                        "a quoted hyphen on its own is not a value; {}",
                        syntax.na_hint()
                    ),
                ));
            }
            _ => {}
        }
    }
    if let Some([_, second]) = units
        .windows(2)
        .find(|pair| pair.iter().all(|p| p.unit == Unit::Many))
    {
        return Err(err(second.at, "'*' twice in a row; use a single '*'"));
    }
    let leading = units.iter().take_while(|p| p.unit == Unit::One).count();
    let trailing = units
        .iter()
        .rev()
        .take_while(|p| p.unit == Unit::One)
        .count();
    for (i, placed) in units.iter().enumerate() {
        match placed.unit {
            Unit::Many if i != 0 && i != last => {
                return Err(err(
                    placed.at,
                    format!(
                        "unquoted '*' embedded in a value; a '*' wildcard may only be the first or last character (write {} for a literal asterisk)",
                        syntax.literal('*')
                    ),
                ));
            }
            Unit::One if i >= leading && i + trailing <= last => {
                return Err(err(
                    placed.at,
                    format!(
                        "unquoted '?' embedded in a value; '?' wildcards may only stand at the start or end (write {} for a literal question mark)",
                        syntax.literal('?')
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

fn units_to_text(units: &[Placed]) -> String {
    let mut text = String::with_capacity(units.len() * 2);
    for placed in units {
        match placed.unit {
            Unit::Plain(c) => text.push(c),
            Unit::Quoted(c) => {
                text.push('\\');
                text.push(c);
            }
            Unit::One => text.push('?'),
            Unit::Many => text.push('*'),
        }
    }
    text
}

/// A formatted-string field: `*` ANY, `-` NA, otherwise a value.
fn fs_value(at: usize, field: &[char]) -> Result<Value, CpeError> {
    match field {
        [] => Err(err(at, "empty component; write '*' for ANY or '-' for NA")),
        ['*'] => Ok(Value::Any),
        ['-'] => Ok(Value::Na),
        _ => {
            let units = text_units(field, at, Syntax::Fs)?;
            check_units(&units, at, Syntax::Fs)?;
            Ok(Value::Text(units_to_text(&units)))
        }
    }
}

/// A URI component: empty ANY, `-` NA, otherwise a value.
fn uri_value_read(at: usize, field: &[char]) -> Result<Value, CpeError> {
    match field {
        [] => Ok(Value::Any),
        ['-'] => Ok(Value::Na),
        _ => {
            let units = uri_units(field, at)?;
            check_units(&units, at, Syntax::Uri)?;
            Ok(Value::Text(units_to_text(&units)))
        }
    }
}

/// A packed edition `~edition~sw_edition~target_sw~target_hw~other`. As in the spec's
/// `unpack`, any further `~` belongs to `other` (where it is a literal tilde).
fn unpack(start: usize, field: &[char], wfn: &mut Wfn) -> Result<(), CpeError> {
    let mut pieces: Vec<(usize, &[char])> = Vec::with_capacity(5);
    let mut begin = 1;
    for (i, &c) in field.iter().enumerate().skip(1) {
        if c == '~' && pieces.len() < 4 {
            pieces.push((start + begin, field.get(begin..i).unwrap_or_default()));
            begin = i + 1;
        }
    }
    pieces.push((start + begin, field.get(begin..).unwrap_or_default()));
    if pieces.len() != 5 {
        return Err(err(
            start + field.len(),
            format!(
                "a packed edition needs 5 fields after its leading '~' (edition~sw_edition~target_sw~target_hw~other), found {}",
                pieces.len()
            ),
        ));
    }
    const PACKED: [Attribute; 5] = [
        Attribute::Edition,
        Attribute::SwEdition,
        Attribute::TargetSw,
        Attribute::TargetHw,
        Attribute::Other,
    ];
    for (attribute, (at, piece)) in PACKED.into_iter().zip(pieces) {
        *wfn.slot(attribute) = uri_value_read(at, piece)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Binding

/// The percent-encodings of NISTIR 7695 Table 6-1 (the only ones a URI may carry besides the
/// wildcards %01 and %02).
const PERCENT: [(char, &str); 29] = [
    ('!', "21"),
    ('"', "22"),
    ('#', "23"),
    ('$', "24"),
    ('%', "25"),
    ('&', "26"),
    ('\'', "27"),
    ('(', "28"),
    (')', "29"),
    ('*', "2a"),
    ('+', "2b"),
    (',', "2c"),
    ('/', "2f"),
    (':', "3a"),
    (';', "3b"),
    ('<', "3c"),
    ('=', "3d"),
    ('>', "3e"),
    ('?', "3f"),
    ('@', "40"),
    ('[', "5b"),
    ('\\', "5c"),
    (']', "5d"),
    ('^', "5e"),
    ('`', "60"),
    ('{', "7b"),
    ('|', "7c"),
    ('}', "7d"),
    ('~', "7e"),
];

fn pct_encode(c: char) -> String {
    if is_alphanum(c) || c == '-' || c == '.' {
        return c.to_string();
    }
    match PERCENT.iter().find(|(plain, _)| *plain == c) {
        Some((_, code)) => format!("%{code}"),
        // Only reachable from a hand-built value that is not well formed; left as it is.
        None => c.to_string(),
    }
}

fn pct_decode(high: char, low: char) -> Option<Unit> {
    match (high, low) {
        ('0', '1') => Some(Unit::One),
        ('0', '2') => Some(Unit::Many),
        _ => PERCENT
            .iter()
            .find(|(_, code)| code.chars().eq([high, low]))
            .map(|(plain, _)| Unit::Quoted(*plain)),
    }
}

/// NISTIR 7695 `process_quoted_chars`: `\.` `\-` `\_` lose their quote, other quotes stay.
fn fs_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(quoted @ ('.' | '-' | '_')) => out.push(quoted),
                Some(quoted) => {
                    out.push('\\');
                    out.push(quoted);
                }
                None => out.push_str("\\\\"),
            },
            c if is_alphanum(c) || matches!(c, '*' | '?' | '.' | '-') => out.push(c),
            // Unquoted punctuation only comes from a hand-built value that is not well formed;
            // quoting it keeps a ':' from shifting every later field.
            c => {
                out.push('\\');
                out.push(c);
            }
        }
    }
    out
}

/// NISTIR 7695 `bind_value_for_URI` and `transform_for_uri`.
fn uri_value(value: &Value) -> String {
    let text = match value {
        Value::Any => return String::new(),
        Value::Na => return "-".to_string(),
        Value::Text(text) => text,
    };
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str(&pct_encode(chars.next().unwrap_or('\\'))),
            '?' => out.push_str("%01"),
            '*' => out.push_str("%02"),
            // Unquoted punctuation (a hand-built value that is not well formed) is encoded as
            // if quoted, rather than dropped as the spec's pseudocode would.
            c => out.push_str(&pct_encode(c)),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Matching

/// How a source value relates to a target value, as sets of the products they name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// No product is named by both.
    Disjoint,
    /// The source names some of the target's products (e.g. "8.0" against ANY).
    Subset,
    /// The source names all of the target's products and more (e.g. ANY or "8.*" against "8.0").
    Superset,
    Equal,
    /// The target holds wildcards, which NISTIR 7696 does not compare.
    Undefined,
}

/// Compares two values (NISTIR 7696 Table 6-2), ignoring letter case.
pub fn compare_values(source: &Value, target: &Value) -> Relation {
    if target.has_wildcards() {
        return Relation::Undefined;
    }
    match (source, target) {
        (Value::Any, Value::Any) | (Value::Na, Value::Na) => Relation::Equal,
        (Value::Any, _) => Relation::Superset,
        (_, Value::Any) => Relation::Subset,
        (Value::Na, _) | (_, Value::Na) => Relation::Disjoint,
        (Value::Text(source), Value::Text(target)) => compare_text(source, target),
    }
}

/// Compares every attribute, in the order of [`Attribute::ALL`].
pub fn compare(source: &Wfn, target: &Wfn) -> [Relation; 11] {
    Attribute::ALL.map(|attribute| compare_values(source.get(attribute), target.get(attribute)))
}

/// True when no product is named by both: some attribute is disjoint.
pub fn is_disjoint(source: &Wfn, target: &Wfn) -> bool {
    compare(source, target).contains(&Relation::Disjoint)
}

/// True when both name the same products: every attribute is equal.
pub fn is_equal(source: &Wfn, target: &Wfn) -> bool {
    compare(source, target)
        .iter()
        .all(|r| *r == Relation::Equal)
}

/// True when every product the source names is named by the target (each attribute a subset
/// or equal): a device's name against a broader vulnerability criterion.
pub fn is_subset(source: &Wfn, target: &Wfn) -> bool {
    compare(source, target)
        .iter()
        .all(|r| matches!(r, Relation::Subset | Relation::Equal))
}

/// True when the source names every product the target names (each attribute a superset or
/// equal): `is_superset(criterion, device)` is the usual "this criterion covers this device".
pub fn is_superset(source: &Wfn, target: &Wfn) -> bool {
    compare(source, target)
        .iter()
        .all(|r| matches!(r, Relation::Superset | Relation::Equal))
}

fn text_has_wildcards(text: &str) -> bool {
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '*' | '?' => return true,
            _ => {}
        }
    }
    false
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `?`: zero or one character, as in the reference implementations.
    One,
    /// `*`: any number of characters.
    Many,
}

/// A value as lowercase characters and wildcards; quoting only blocks a wildcard, so `\a`
/// and `a` are the same character.
fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next().unwrap_or(c).to_lowercase().map(Token::Char)),
            '?' => out.push(Token::One),
            '*' => out.push(Token::Many),
            c => out.extend(c.to_lowercase().map(Token::Char)),
        }
    }
    out
}

/// Two texts, the target without wildcards.
fn compare_text(source: &str, target: &str) -> Relation {
    // Bulk matching (every device against every NVD criterion) mostly compares plain ASCII
    // texts; those need no token vectors.
    let plain = |text: &str| text.is_ascii() && !text.contains(['\\', '*', '?']);
    if plain(source) && plain(target) {
        return if source.eq_ignore_ascii_case(target) {
            Relation::Equal
        } else {
            Relation::Disjoint
        };
    }
    let source = tokens(source);
    let target: Vec<char> = tokens(target)
        .into_iter()
        .filter_map(|t| match t {
            Token::Char(c) => Some(c),
            Token::One | Token::Many => None,
        })
        .collect();
    if source.iter().all(|t| matches!(t, Token::Char(_))) {
        return if source
            .iter()
            .copied()
            .eq(target.iter().map(|&c| Token::Char(c)))
        {
            Relation::Equal
        } else {
            Relation::Disjoint
        };
    }
    if glob(&source, &target) {
        Relation::Superset
    } else {
        Relation::Disjoint
    }
}

/// Whether the pattern matches all of `target`. Linear in the target per pattern token, so a
/// long value cannot make it blow up the way backtracking would.
fn glob(pattern: &[Token], target: &[char]) -> bool {
    // reachable[j]: the tokens read so far can consume exactly the first j characters.
    let mut reachable = vec![false; target.len() + 1];
    if let Some(first) = reachable.first_mut() {
        *first = true;
    }
    for token in pattern {
        match token {
            Token::Many => {
                let mut seen = false;
                for r in reachable.iter_mut() {
                    seen |= *r;
                    *r = seen;
                }
            }
            Token::One => {
                let mut before = false;
                for r in reachable.iter_mut() {
                    let old = *r;
                    *r = old || before;
                    before = old;
                }
            }
            Token::Char(c) => {
                let mut before = false;
                // The character consumed to reach position j is target[j - 1]; none reaches 0.
                let consumed = std::iter::once(None).chain(target.iter().map(Some));
                for (r, consumed) in reachable.iter_mut().zip(consumed) {
                    let old = *r;
                    *r = before && consumed == Some(c);
                    before = old;
                }
            }
        }
        if !reachable.contains(&true) {
            return false;
        }
    }
    reachable.last().copied().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_character_and_the_problem() {
        let e = parse_fs("cpe:2.3:a:2g*lux:x:1:*:*:*:*:*:*:*").expect_err("embedded *");
        assert_eq!(e.position, 12);
        assert_eq!(
            e.to_string(),
            "at character 12: unquoted '*' embedded in a value; a '*' wildcard may only be the first or last character (write \\* for a literal asterisk)"
        );
        let e = parse_fs("cpe:2.3:a:b:c:d:e:f:g:h").expect_err("too few");
        assert_eq!(
            (
                e.position,
                e.message
                    .starts_with("expected 13 components in a formatted string, found 10")
            ),
            (23, true)
        );
        let e = parse_fs("cpe:2.3:a:b:c:d:e:f:g:h:i:j:k:l").expect_err("too many");
        assert_eq!(e.position, 30);
        let e = parse_uri("cpe:/a:foo%5cbar:big%24money_2010%07").expect_err("%07");
        assert_eq!(e.position, 33);
        assert!(e.message.contains("'%07'"), "{e}");
        let e = parse_uri("cpe:/a:at&t").expect_err("raw &");
        assert_eq!(
            e.to_string(),
            "at character 9: '&' must be percent-encoded in a CPE URI (as %26)"
        );
        let e = parse_fs("cpe:2.3:a:b:c:*:*:*:*:*:*:*:x\\").expect_err("trailing backslash");
        assert_eq!(e.position, 29);
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        // "電子カルテ" is 5 characters but 15 bytes.
        let e = parse_fs("cpe:2.3:a:電子カルテ:x:1:*:*:*:*:*:*:*").expect_err("non-ASCII");
        assert_eq!(e.position, 10);
        assert!(e.message.contains("non-ASCII character '電'"), "{e}");
        let e = parse_fs("cpe:2.3:a:\\電:x:1:*:*:*:*:*:*:*").expect_err("quoted non-ASCII");
        assert_eq!(e.position, 11);
        let e = parse("\u{3000} cpe:2.3:a:b c:x:*:*:*:*:*:*:*:*").expect_err("space");
        assert_eq!(e.position, 13);
        assert_eq!(parse("  cpe:2.3:a:b").expect_err("short").position, 13);
    }

    #[test]
    fn parse_picks_the_binding_by_prefix_and_trims() {
        let fs = parse(" cpe:2.3:o:fortinet:fortios:7.4.1:*:*:*:*:*:*:*\n").expect("fs");
        let uri = parse("\tCPE:/o:Fortinet:FortiOS:7.4.1").expect("uri");
        assert!(is_equal(&fs, &uri));
        assert_eq!(fs.vendor_product().as_deref(), Some("fortinet:fortios"));
        assert_eq!(
            "cpe:/o:fortinet:fortios".parse::<Wfn>(),
            parse_uri("cpe:/o:fortinet:fortios")
        );
    }

    #[test]
    fn part_may_be_any_but_not_na() {
        assert_eq!(
            parse_fs("cpe:2.3:*:a:b:*:*:*:*:*:*:*:*").expect("any").part,
            Value::Any
        );
        assert_eq!(parse_uri("cpe:/:microsoft").expect("any").part, Value::Any);
        assert!(parse_fs("cpe:2.3:-:a:b:*:*:*:*:*:*:*:*").is_err());
        assert!(parse_uri("cpe:/-:a").is_err());
        assert_eq!(
            parse_fs("cpe:2.3:A:b:c:*:*:*:*:*:*:*:*")
                .expect("upper")
                .part,
            Value::Text("a".into())
        );
    }

    #[test]
    fn vendor_product_needs_two_literal_texts() {
        let wfn = parse_fs(r"cpe:2.3:a:foo\!:Bar\.Baz:*:*:*:*:*:*:*:*").expect("fs");
        assert_eq!(wfn.vendor_product().as_deref(), Some("foo!:bar.baz"));
        let wildcard = parse_fs("cpe:2.3:a:foo:bar*:*:*:*:*:*:*:*:*").expect("fs");
        assert_eq!(wildcard.vendor_product(), None);
        assert_eq!(Wfn::default().vendor_product(), None);
    }

    #[test]
    fn literal_values_quote_everything_but_letters_digits_and_underscore() {
        assert_eq!(
            Value::literal("8.0.6001-beta*"),
            Ok(Value::Text(r"8\.0\.6001\-beta\*".into()))
        );
        assert!(Value::literal("").is_err());
        assert!(Value::literal("-").is_err());
        assert!(Value::literal("a b").is_err());
    }

    #[test]
    fn glob_wildcards() {
        let rel = |s: &str, t: &str| compare_values(&Value::Text(s.into()), &Value::Text(t.into()));
        assert_eq!(rel("*", "anything"), Relation::Superset);
        assert_eq!(rel("?*", "x"), Relation::Superset);
        assert_eq!(rel(r"9\.*", r"9\.3\.2"), Relation::Superset);
        assert_eq!(rel(r"9\.*", r"19\.3"), Relation::Disjoint);
        assert_eq!(rel("*soft*", "microsofty"), Relation::Superset);
        assert_eq!(rel("??", "abc"), Relation::Disjoint);
        assert_eq!(rel("??", "ab"), Relation::Superset);
        assert_eq!(rel("a??", "a"), Relation::Superset);
        assert_eq!(rel(r"\*", r"\*"), Relation::Equal);
        assert_eq!(rel("Foo", "fOO"), Relation::Equal);
        assert_eq!(rel(r"\a", "a"), Relation::Equal);
        assert_eq!(rel("a", "a*"), Relation::Undefined);
    }

    /// A small deterministic fuzz: random strings over the characters that matter to CPE never
    /// panic, and every name read binds to strings that read back to the same name.
    #[test]
    fn random_text_never_panics_and_round_trips() {
        const PREFIXES: [&str; 5] = ["cpe:2.3:", "cpe:/", "wfn:[", "", "cpe:2.3:a:"];
        const PIECES: [&str; 24] = [
            "a", "o", "h", "x", "Z", "9", "_", ":", "\\", "*", "?", "-", ".", "~", "%", "%01",
            "%02", "%2a", "%7e", "\"", "=", ",", "]", "é",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut read = 0;
        for _ in 0..200_000 {
            let mut text = String::from(
                PREFIXES
                    .get(next() as usize % PREFIXES.len())
                    .copied()
                    .unwrap_or(""),
            );
            for _ in 0..(next() % 40) {
                text.push_str(
                    PIECES
                        .get(next() as usize % PIECES.len())
                        .copied()
                        .unwrap_or(""),
                );
            }
            for wfn in [
                parse_fs(&text),
                parse_uri(&text),
                parse(&text),
                parse_wfn(&text),
            ]
            .into_iter()
            .flatten()
            {
                read += 1;
                check_round_trips(&wfn, &text);
            }
        }
        assert!(read > 1000, "only {read} names were read");
    }

    fn check_round_trips(wfn: &Wfn, text: &str) {
        wfn.validate()
            .unwrap_or_else(|e| panic!("{text:?} read as invalid {wfn:?}: {e}"));
        let fs = wfn.to_fs();
        let again = parse_fs(&fs).unwrap_or_else(|e| panic!("{text:?} -> {fs:?}: {e}"));
        assert_eq!(again.to_fs(), fs, "{text:?}");
        let uri = wfn.to_uri();
        let again = parse_uri(&uri).unwrap_or_else(|e| panic!("{text:?} -> {uri:?}: {e}"));
        assert_eq!(again.to_uri(), uri.to_ascii_lowercase(), "{text:?}");
        let notation = wfn.to_wfn_string();
        assert_eq!(parse_wfn(&notation).as_ref(), Ok(wfn), "{text:?}");
        assert!(is_equal(wfn, wfn) || Attribute::ALL.iter().any(|&a| wfn.get(a).has_wildcards()));
    }
}

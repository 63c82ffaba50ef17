//! Ordering of firmware and software version strings, and NVD `cpeMatch` ranges over them.
//!
//! NVD ranges (`versionStartIncluding` … `versionEndExcluding`) are written by each vendor in its
//! own style, and the versions we hold come from device screens and ledgers typed by hand, so no
//! single ecosystem's rules (semver, rpm, Debian, Maven) fit. One tokenizer covers the styles seen
//! on hospital equipment instead:
//!
//! * Text is split into numbers (ASCII digit runs), words (ASCII letter runs, compared
//!   case-insensitively) and separators (anything else: `. - _ , ( ) + /`, spaces). Full-width
//!   characters typed through a Japanese IME count as their ASCII forms. Numbers are compared as
//!   digit strings, so they never overflow and leading zeros do not matter.
//! * Text before the first digit names the **scheme**: Check Point `R80.30`, VMware
//!   `esxi70u1c-17325551`. Versions of different schemes cannot be related, so [`compare`] gives
//!   `None` for them and [`Range::contains`] cannot decide, rather than guessing; [`Ord`] sorts
//!   schemes apart alphabetically only so that collections can be sorted. `v`, `ver` and
//!   `version` (`v6.0.4`, `Ver.3.1` as Japanese ledgers write it) are no scheme at all.
//! * `""`, `-`, text without a digit and text holding `*` (an NVD pattern, not a version) do not
//!   parse, so that callers flag "cannot decide" instead of calling a device unaffected.
//! * The leading numbers form the **release**, compared part by part; missing parts count as
//!   zero (`6.0` = `6.0.0`). The separator does not matter: Cisco ASA `9.8(4)15` is `9.8.4.15`
//!   (major.minor(maintenance)interim, the form NVD's CPEs use) and `9.8(4.1)` is `9.8.4.1`, so
//!   an interim written either way sorts after its maintenance release; a Debian-like revision
//!   `1.2.3-1` is `1.2.3.1`, after `1.2.3`.
//! * Everything after the release is the **suffix**, which always starts with a word:
//!   - `dev`, `snapshot`, `alpha`, `beta`, `pre`, `preview` and `rc` (in that order) start a
//!     pre-release, before the plain release: `2.0-alpha.2` < `2.0-beta` < `2.0rc1` < `2.0`.
//!   - any other word starts a post-release, after the plain release and before the next one:
//!     OpenSSL letters (`1.0.1` < `1.0.1a` < `1.0.1z` < `1.0.1za` < `1.0.2`), Pulse/Ivanti
//!     release numbers (`9.0` < `9.0r3` < `9.0r3.4` < `9.0r4` < `9.1r1`), Cisco IOS trains
//!     (`15.2(4)` < `15.2(4)M3` < `15.2(4)M10`). Single letters are therefore patch letters,
//!     never abbreviations of alpha/beta: `1.0a` < `1.0b`, both after `1.0`.
//!   - within the suffix, tokens compare in order; a number sorts before a word and a shorter
//!     suffix before a longer one (semver's rule, so `rc.1` < `rc.1.1` < `rc.beta`); trailing zero
//!     numbers are dropped (`9.0r1.0` = `9.0r1`). Pre-release words rank as listed above, other
//!     words alphabetically after them.
//!   - `ga` and `final` only label a release and are ignored (`v6.0.4 (GA)` = `6.0.4`).
//! * The word `build` followed by a number is a **build** (FortiOS `6.0.4 build0231`,
//!   `v6.0.4,build0231`, `6.0.4-build0231`); whatever follows it (`(GA)`, `(Mature)`) is a label
//!   and ignored. [`Ord`] compares builds last, a version without one before any with one.
//!   Vendors write NVD ranges on the release alone, so [`Range::contains`] ignores the version's
//!   build when the bound has none: `6.0.4 build0231` is inside `versionEndIncluding 6.0.4` and
//!   outside `versionEndExcluding 6.0.4`.
//!
//! Ecosystem rules that conflict with firmware styles are deliberately not followed: rpm epochs
//! and `~`/`^`, Debian `~`, Maven qualifiers, PEP 440 `a1`/`b1`/local versions, and semver build
//! metadata (`+` is only a separator, so `1.0+2` is `1.0.2`).

use std::cmp::Ordering;

/// Pre-release words, lowest first; each pair is (word, rank). Other words rank after all of them.
const PRE_RELEASE: [(&str, u8); 7] = [
    ("dev", 0),
    ("snapshot", 0),
    ("alpha", 1),
    ("beta", 2),
    ("pre", 3),
    ("preview", 3),
    ("rc", 4),
];
const OTHER_WORD: u8 = 5;

/// Words before the first digit that only announce a version.
const NO_SCHEME: [&str; 4] = ["", "v", "ver", "version"];

/// Words that only say "this is the release" and so must not make it a post-release.
const RELEASE_LABELS: [&str; 2] = ["ga", "final"];

/// A parsed version, comparable with others.
///
/// The field order is the comparison order: the derived [`Ord`] is the ordering described in the
/// module documentation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    /// Lowercase letters before the first digit; empty for most versions.
    scheme: String,
    /// Without trailing zeros, so that `6.0` and `6.0.0` are equal.
    release: Vec<Number>,
    phase: Phase,
    /// Without trailing zero numbers; starts with a word when not empty.
    suffix: Vec<Token>,
    build: Option<Number>,
}

/// Where a version sits relative to its plain release; decided by the suffix's first word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Pre,
    Release,
    Post,
}

/// A digit string without leading zeros ("0" for zero), ordered by value at any length.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Number(String);

impl Number {
    fn new(digits: &str) -> Self {
        let trimmed = digits.trim_start_matches('0');
        Number(if trimmed.is_empty() { "0" } else { trimmed }.to_string())
    }

    fn is_zero(&self) -> bool {
        self.0 == "0"
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        // Without leading zeros, a longer digit string is a larger number.
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A lowercase letter run; the rank puts known pre-release words in their release order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Word {
    rank: u8,
    text: String,
}

impl Word {
    fn new(text: String) -> Self {
        let rank = PRE_RELEASE
            .iter()
            .find(|(word, _)| *word == text)
            .map_or(OTHER_WORD, |(_, rank)| *rank);
        Word { rank, text }
    }
}

/// Variant order matters: a number sorts before a word at the same place.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Token {
    Number(Number),
    Word(Word),
}

impl Token {
    fn is_zero(&self) -> bool {
        matches!(self, Token::Number(number) if number.is_zero())
    }
}

impl Version {
    /// The ordering, when the two share a scheme.
    fn compare(&self, other: &Version) -> Option<Ordering> {
        (self.scheme == other.scheme).then(|| self.cmp(other))
    }

    /// The comparison a range bound without a build asks for: same release, any build.
    fn compare_to_bound(&self, bound: &Version) -> Option<Ordering> {
        match bound.build {
            Some(_) => self.compare(bound),
            None => (self.scheme == bound.scheme)
                .then(|| self.without_build().cmp(&bound.without_build())),
        }
    }

    fn without_build(&self) -> (&[Number], Phase, &[Token]) {
        (&self.release, self.phase, &self.suffix)
    }
}

/// Parses a version; None for `""`, `"*"`, `"-"`, text without a digit and text holding a `*`
/// wildcard.
pub fn parse(text: &str) -> Option<Version> {
    let (scheme, tokens) = literal_tokens(text)?;
    let mut release = Vec::new();
    let mut suffix = Vec::new();
    let mut build = None;
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            Token::Word(word) if word.text == "build" => {
                if let Some(Token::Number(number)) = tokens.peek() {
                    build = Some(number.clone());
                    break;
                }
                suffix.push(Token::Word(word));
            }
            Token::Word(word) if RELEASE_LABELS.contains(&word.text.as_str()) => {}
            Token::Number(number) if suffix.is_empty() => release.push(number),
            other => suffix.push(other),
        }
    }
    while release.last().is_some_and(Number::is_zero) {
        release.pop();
    }
    while suffix.last().is_some_and(Token::is_zero) {
        suffix.pop();
    }
    let phase = match suffix.first() {
        None => Phase::Release,
        Some(Token::Word(word)) if word.rank < OTHER_WORD => Phase::Pre,
        Some(_) => Phase::Post,
    };
    Some(Version {
        scheme,
        release,
        phase,
        suffix,
        build,
    })
}

/// Compares two version strings; None if either does not parse or their schemes differ.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    parse(a)?.compare(&parse(b)?)
}

/// Whether `version` is `base` or a more precise writing of it: equal (`9.0R3` = `9.0r3`,
/// `6.0` = `6.0.0`), or `base`'s numbers and words followed by more (`9.0` → `9.0R3` →
/// `9.0R3.4`, `8.1` → `8.1.2`, `6.0.4` → `6.0.4 build0231`). A CPE or criterion that leaves
/// the update open (`9.0:*`) names every such refinement. `8.0` does not refine to `8.1`, nor
/// `8.1` to `8.10`.
pub fn refines(version: &str, base: &str) -> bool {
    if compare(version, base) == Some(Ordering::Equal) {
        return true;
    }
    match (literal_tokens(version), literal_tokens(base)) {
        (Some((scheme, tokens)), Some((base_scheme, base_tokens))) => {
            scheme == base_scheme && tokens.starts_with(&base_tokens)
        }
        _ => false,
    }
}

/// Whether `version` is `release` or one of its updates in NVD's sense (`9.0:*` covers `9.0R3`
/// and `9.0R3.4`; Windows `r2:*` covers `r2 sp1`): `release` is plain numbers, and `version`
/// adds nothing but words and what follows them. `8.1:*` does not cover `8.1.2`, nor `9.0r3:*`
/// the later `9.0R3.4`.
pub fn is_update_of(version: &str, release: &str) -> bool {
    if compare(version, release) == Some(Ordering::Equal) {
        return true;
    }
    let (Some((scheme, tokens)), Some((release_scheme, release_tokens))) =
        (literal_tokens(version), literal_tokens(release))
    else {
        return false;
    };
    scheme == release_scheme
        && release_tokens.iter().all(|t| matches!(t, Token::Number(_)))
        && tokens.starts_with(&release_tokens)
        && matches!(tokens.get(release_tokens.len()), Some(Token::Word(_)))
}

/// A version and the CPE update that NVD sometimes writes apart from it (`9.0` + `r3`), as one
/// version text (`9.0r3`) — the way the same release is written elsewhere (`9.0r3` + `*`).
pub fn with_update(version: &str, update: &str) -> String {
    let update = update.trim();
    match update.chars().next() {
        None => version.to_string(),
        Some(c) if c.is_ascii_alphabetic() => format!("{version}{update}"),
        Some(_) => format!("{version}.{update}"),
    }
}

/// Two writings of one device's version that disagree (`8.1.2` in the ledger, `8.1.3` in its CPE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub typed: String,
    pub in_cpe: String,
}

/// The one version of a device, from its ledger cell (the vendor's notation, as typed) and the
/// version and update fields of its CPE (NVD's notation; `None` for `*` or `-`). Writings that
/// agree give the more precise of them; an empty cell takes the CPE's; only a real difference
/// is a [`Conflict`]. `None` when neither says anything.
pub fn device_version(
    cell: &str,
    cpe_version: Option<&str>,
    cpe_update: Option<&str>,
) -> Result<Option<String>, Conflict> {
    let cell = cell.trim();
    let update = cpe_update.unwrap_or("");
    let in_cpe = cpe_version.map(|v| with_update(v, update));
    match in_cpe {
        None if cell.is_empty() => Ok(None),
        None => {
            // A cell without the release's update letters takes the CPE's (`9.0` + `r3`).
            let bare = parse(cell).is_some_and(|v| v.suffix.is_empty() && v.build.is_none());
            Ok(Some(if bare && !update.is_empty() {
                with_update(cell, update)
            } else {
                cell.to_string()
            }))
        }
        Some(in_cpe) if cell.is_empty() => Ok(Some(in_cpe)),
        Some(in_cpe) if refines(cell, &in_cpe) => Ok(Some(cell.to_string())),
        Some(in_cpe) if refines(&in_cpe, cell) => Ok(Some(in_cpe)),
        Some(in_cpe) => Err(Conflict {
            typed: cell.to_string(),
            in_cpe,
        }),
    }
}

/// The scheme (letters before the first digit) and every number and word after it in the order
/// written, nothing dropped: what [`parse`] reads and [`refines`] compares as a prefix. None for
/// text without a digit or with a `*` wildcard.
fn literal_tokens(text: &str) -> Option<(String, Vec<Token>)> {
    let text: String = text.chars().map(half_width).collect();
    if text.contains('*') {
        return None;
    }
    let (head, rest) = text.split_at_checked(text.find(|c: char| c.is_ascii_digit())?)?;
    let mut scheme: String = head
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if NO_SCHEME.contains(&scheme.as_str()) {
        scheme.clear();
    }
    Some((scheme, tokenize(rest)))
}

/// Full-width ASCII (U+FF01–U+FF5E) and the ideographic space, as a Japanese IME types them.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        other => other,
    }
}

/// Splits into digit runs and letter runs; every other character only separates them.
fn tokenize(text: &str) -> Vec<Token> {
    #[derive(PartialEq, Clone, Copy)]
    enum Kind {
        Digits,
        Letters,
        Separator,
    }
    fn finish(tokens: &mut Vec<Token>, kind: Kind, run: &mut String) {
        let text = std::mem::take(run);
        match kind {
            Kind::Digits => tokens.push(Token::Number(Number::new(&text))),
            Kind::Letters => tokens.push(Token::Word(Word::new(text))),
            Kind::Separator => {}
        }
    }

    let mut tokens = Vec::new();
    let mut run = String::new();
    let mut kind = Kind::Separator;
    for c in text.chars() {
        let next = if c.is_ascii_digit() {
            Kind::Digits
        } else if c.is_ascii_alphabetic() {
            Kind::Letters
        } else {
            Kind::Separator
        };
        if next != kind {
            finish(&mut tokens, kind, &mut run);
            kind = next;
        }
        if kind != Kind::Separator {
            run.push(c.to_ascii_lowercase());
        }
    }
    finish(&mut tokens, kind, &mut run);
    tokens
}

/// An NVD cpeMatch range; empty strings mean "no bound".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Range {
    pub start_including: String,
    pub start_excluding: String,
    pub end_including: String,
    pub end_excluding: String,
}

impl Range {
    /// True when no bound is set: the cpeMatch names one exact version (or all), not a range.
    pub fn is_unbounded(&self) -> bool {
        self.bounds().iter().all(|(bound, _)| bound.is_empty())
    }

    /// Whether `version` satisfies every bound. An unbounded range holds every version that
    /// parses. None when the version does not parse, or when a bound does not parse or has another
    /// scheme and no other bound already rules the version out (outside one bound is outside).
    pub fn contains(&self, version: &str) -> Option<bool> {
        let version = parse(version)?;
        let mut undecided = false;
        for (bound, accepted) in self.bounds() {
            if bound.is_empty() {
                continue;
            }
            match parse(bound).and_then(|bound| version.compare_to_bound(&bound)) {
                Some(ordering) if !accepted.contains(&ordering) => return Some(false),
                Some(_) => {}
                None => undecided = true,
            }
        }
        (!undecided).then_some(true)
    }

    /// Each bound (trimmed) with the orderings of version-to-bound it accepts.
    fn bounds(&self) -> [(&str, &'static [Ordering]); 4] {
        use Ordering::{Equal, Greater, Less};
        [
            (self.start_including.trim(), &[Greater, Equal]),
            (self.start_excluding.trim(), &[Greater]),
            (self.end_including.trim(), &[Less, Equal]),
            (self.end_excluding.trim(), &[Less]),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn placeholders_and_wordy_text_do_not_parse() {
        for text in ["", " ", "*", "-", "n/a", "1.*", "v", "版"] {
            assert!(parse(text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn huge_numbers_compare_by_value() {
        let big = "9".repeat(400);
        assert_eq!(
            compare(&format!("1.{big}"), &format!("1.0{big}")),
            Some(Equal)
        );
        assert_eq!(
            compare(&format!("1.{big}"), &format!("1.1{big}")),
            Some(Less)
        );
        assert_eq!(compare("1.0010", "1.9"), Some(Greater));
    }

    #[test]
    fn full_width_text_reads_as_ascii() {
        assert_eq!(compare("Ｖ６．０．４\u{3000}", "6.0.4"), Some(Equal));
    }

    #[test]
    fn a_bound_that_rules_the_version_out_decides_even_beside_an_unreadable_one() {
        let range = Range {
            start_including: "7.0.0".into(),
            end_excluding: "esxi70u1c-17325551".into(),
            ..Range::default()
        };
        assert_eq!(range.contains("6.7.0"), Some(false));
        assert_eq!(range.contains("7.0.1"), None);
    }

    #[test]
    fn one_release_written_in_vendor_and_nvd_notations_is_one_version() {
        for spelling in ["9.0R3", "9.0r3", "9.0 R3", "９．０Ｒ３", "9.0-R3"] {
            assert!(refines(spelling, "9.0r3"), "{spelling}");
            assert!(refines(spelling, "9.0"), "{spelling} is an update of 9.0");
            assert_eq!(
                device_version("", Some("9.0"), Some("r3")),
                Ok(Some("9.0r3".to_string()))
            );
            assert_eq!(
                device_version(spelling, Some("9.0"), Some("r3")),
                Ok(Some(spelling.to_string()))
            );
            assert_eq!(
                device_version(spelling, None, Some("r3")),
                Ok(Some(spelling.to_string()))
            );
            assert_eq!(
                device_version(spelling, Some("9.0r3"), None),
                Ok(Some(spelling.to_string()))
            );
        }
        assert!(refines("9.0R3.4", "9.0r3"));
        assert!(refines("6.0.4 build0231", "6.0.4"));
        assert!(refines("r2sp1", "r2"));
        assert!(!refines("9.0r3", "9.0r3.4"));
        assert!(!refines("8.1", "8.0"));
        assert!(!refines("8.10", "8.1"));
        assert!(!refines("9.1r1", "9.0"));
        assert!(!refines("9.0", "*"));
        assert!(is_update_of("9.0R3", "9.0"));
        assert!(is_update_of("9.0R3.4", "9.0"));
        assert!(is_update_of("r2sp1", "r2"));
        assert!(is_update_of("9.0", "9.0.0"));
        assert!(!is_update_of("9.0R3.4", "9.0r3"));
        assert!(!is_update_of("8.1.2", "8.1"));
        assert!(!is_update_of("9.0R3", "9.1"));
    }

    #[test]
    fn the_more_precise_writing_wins_and_only_a_real_difference_conflicts() {
        assert_eq!(
            device_version("9.0", Some("9.0"), Some("r3")),
            Ok(Some("9.0r3".to_string()))
        );
        assert_eq!(
            device_version("9.0", None, Some("r3")),
            Ok(Some("9.0r3".to_string()))
        );
        assert_eq!(
            device_version("8.1.2", Some("8.1"), None),
            Ok(Some("8.1.2".to_string()))
        );
        assert_eq!(
            device_version("8.1.2", Some("8.1.3"), None),
            Err(Conflict {
                typed: "8.1.2".into(),
                in_cpe: "8.1.3".into()
            })
        );
        assert_eq!(
            device_version("9.1R1", Some("9.0"), Some("r3")),
            Err(Conflict {
                typed: "9.1R1".into(),
                in_cpe: "9.0r3".into()
            })
        );
        assert_eq!(device_version(" ", None, None), Ok(None));
        assert_eq!(with_update("1.8.0", "update_151"), "1.8.0update_151");
        assert_eq!(with_update("4.2", "1"), "4.2.1");
    }
}

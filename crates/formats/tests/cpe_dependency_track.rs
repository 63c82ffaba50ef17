//! Dependency-Track's CPE matching matrix, against `mamori_formats::cpe` (NISTIR 7695 reading,
//! NISTIR 7696 attribute comparison) and `mamori_formats::version` (NVD ranges).
//!
//! Source: `../shared/data/cpe/test-vectors/dependency-track/InternalAnalysisTaskCpeMatchingTest.java`,
//! part of Dependency-Track, Copyright (c) OWASP Foundation, licensed under the Apache License,
//! Version 2.0 (`LICENSE.txt` beside it; SPDX-License-Identifier: Apache-2.0). The file is never
//! copied into the repository: its `parameters()` cases are parsed from the Java source when the
//! test runs, and every failure names the line of the case in that file.
//!
//! A case is `Arguments.of(source, range, expected, target)`. Dependency-Track stores `source` as
//! the vulnerable software of a vulnerability (an NVD cpeMatch criterion), fills its
//! versionStartIncluding … versionEndExcluding from the range (`withRange().havingEndExcluding(..)`
//! and so on; `WITHOUT_RANGE` is null), gives a component the CPE `target`, runs its internal
//! analyzer and expects one finding (`MATCHES`) or none (`DOES_NOT_MATCH`). In mamori's terms the
//! source is the criterion and the target the device.
//!
//! NISTIR 7696 §5 defines attribute relations (Table 6-2) and name relations (Table 6-4) but
//! deliberately no single "name match", leaving that to implementers. A case is decided here as
//! Dependency-Track decides it (`AbstractVulnerableSoftwareAnalysisTask.matchesCpe` and
//! `compareCpeVersions`), with every relation and range taken from our library:
//! 1. Both names are read with `cpe::parse_fs`.
//! 2. Each attribute is compared with `cpe::compare_values` (Table 6-2).
//! 3. A target holding wildcards gives `Relation::Undefined` (Table 6-2 rows 4, 8, 11 and 17; "Wild
//!    cards SHOULD NOT be included in the target value", §6.1). Dependency-Track resolves these
//!    itself (cpe-parser's `Cpe.compareAttribute`); so does this test, in the only way that
//!    proves the source covers the target's pattern: a source ANY is a SUPERSET (its extension
//!    contains every pattern's), the very same pattern is EQUAL, and anything else is DISJOINT.
//! 4. The names match when no attribute is DISJOINT (the negation of Table 6-4 row 1), except
//!    that mixed SUBSET/SUPERSET relations between vendor and product do not match
//!    (Dependency-Track issue 3178: `pascom_cloud_phone_system:*` against `*:util-linux-setarch`;
//!    Table 6-4 gives such a mix no name relation at all).
//! 5. Versions (`compareCpeVersions`): a target version ANY (the device's version is unknown) or
//!    NA is not checked against a range (Dependency-Track issue 4609; NA was already settled by the
//!    relations: only a source ANY or NA is not DISJOINT from it). A target version string is
//!    checked with `version::Range::contains` when the case gives a range, and otherwise by its
//!    relation alone.
//!
//! Adapted: NISTIR 7695 Figure 6-3 allows `-` (NA) as the part of a formatted string, but
//! `cpe::parse_fs` refuses it, as NIST's reference `WellFormedName.set` and go-cpe do ("part
//! component cannot be a logical value"; go-cpe's vector is in cpe_vectors.rs) and because NA has
//! no binding as a URI part (NISTIR 7695 Figure 6-1). Names with part `-` are read with part `*`
//! and then given part NA by hand, so that their matching is still checked against the Java
//! file's expectation. The six cases this concerns are listed in [`PART_NA`]; the test fails if
//! any other name needs the adaptation or a listed one no longer does.
//!
//! Exceptions (explicit, each with its reason, in [`EXCEPTIONS`]): the two Table 6-2 row 14 cases
//! where Dependency-Track expects no match for a wildcard source vendor or product. The Java file
//! says itself that these "*should* be SUPERSET"; Dependency-Track's database query only fetches
//! records whose vendor and product are ANY or equal to the target's, so it never sees them. Here
//! they match, as Table 6-2 row 14 requires, and that is what the test asserts for them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::shared;
use mamori_formats::cpe::{self, Attribute, Relation, Value, Wfn};
use mamori_formats::version::Range;

const FILE: &str = "InternalAnalysisTaskCpeMatchingTest.java";

/// The number of cases in the file as vendored; a parsing slip or a changed file shows here.
const CASES: usize = 214;

/// Cases where mamori deliberately differs from Dependency-Track: (source, target, reason). For
/// these the test asserts the opposite of the Java file's expectation.
const EXCEPTIONS: [(&str, &str, &str); 2] = [
    (
        "cpe:2.3:a:ven*:product:1.0.0:update:edition:lang:swEdition:targetSw:targetHw:other",
        "cpe:2.3:a:vendor:product:1.0.0:update:edition:lang:swEdition:targetSw:targetHw:other",
        "NISTIR 7696 Table 6-2 row 14: \"ven*\" against \"vendor\" is SUPERSET, so the names match; \
         Dependency-Track's query cannot expand a wildcard source vendor (the Java comment: \
         \"wildcard expansion in source vendor is currently not supported; *should* be SUPERSET\")",
    ),
    (
        "cpe:2.3:a:vendor:pro*:1.0.0:update:edition:lang:swEdition:targetSw:targetHw:other",
        "cpe:2.3:a:vendor:product:1.0.0:update:edition:lang:swEdition:targetSw:targetHw:other",
        "NISTIR 7696 Table 6-2 row 14: \"pro*\" against \"product\" is SUPERSET, so the names match; \
         Dependency-Track's query cannot expand a wildcard source product (the Java comment: \
         \"wildcard expansion in source product is currently not supported; *should* be SUPERSET\")",
    ),
];

/// Cases with a name whose part is `-` (NA), which `cpe::parse_fs` refuses by design: (source,
/// target, reason). Their names are read with part `*` and given part NA by hand (see the module
/// documentation), and the Java file's expectation is asserted unchanged.
const PART_NA: [(&str, &str, &str); 6] = [
    (
        "cpe:2.3:*:vendor:product:1.0.0:update:edition:lang:swEdition:targetSw:targetHw:other",
        "cpe:2.3:-:vendor:product:1.0.0:update:edition:lang:swEdition:targetSw:targetHw:other",
        "Table 6-2 row 2 (ANY against NA) for part: the target's part `-` is refused by parse_fs",
    ),
    (
        "cpe:2.3:-:vendor:product:1.0.0:update:edition:lang:swEdition:targetSw:targetHw:other",
        "cpe:2.3:*:vendor:product:1.0.0:update:edition:lang:swEdition:targetSw:targetHw:other",
        "Table 6-2 row 5 (NA against ANY) for part: the source's part `-` is refused by parse_fs",
    ),
    (
        "cpe:2.3:-:vendor:product:1.0.0:update:edition:lang:swEdition:targetSw:targetHw:other",
        "cpe:2.3:-:vendor:product:1.0.0:update:edition:lang:swEdition:targetSw:targetHw:other",
        "Table 6-2 row 6 (NA against NA) for part: both parts `-` are refused by parse_fs",
    ),
    (
        "cpe:2.3:-:vendor:product:1.0.0:update:edition:lang:swEdition:targetSw:targetHw:other",
        "cpe:2.3:a:vendor:product:1.0.0:update:edition:lang:swEdition:targetSw:targetHw:other",
        "Table 6-2 row 7 (NA against i) for part: the source's part `-` is refused by parse_fs",
    ),
    (
        "cpe:2.3:a:vendor:product:1.0.0:update:edition:lang:swEdition:targetSw:targetHw:other",
        "cpe:2.3:-:vendor:product:1.0.0:update:edition:lang:swEdition:targetSw:targetHw:other",
        "Table 6-2 row 12 (i against NA) for part: the target's part `-` is refused by parse_fs",
    ),
    (
        "cpe:2.3:-:-:-:-:-:-:-:-:-:-:-",
        "cpe:2.3:-:-:-:-:-:-:-:-:-:-:-",
        "Table 6-4 \"all attributes EQUAL\" with every attribute NA: both parts `-` are refused",
    ),
];

// ---------------------------------------------------------------------------------------------
// Reading the Java file

/// One `Arguments.of(...)` of `parameters()`.
#[derive(Debug)]
struct Case {
    /// 1-based line of `Arguments.of` in the Java file.
    line: usize,
    source: String,
    range: Option<Range>,
    matches: bool,
    target: String,
}

/// The Java source with comments blanked out (newlines kept, so offsets give the same lines);
/// string and character literals are left as they are.
fn without_comments(java: &str) -> String {
    let chars: Vec<char> = java.chars().collect();
    let mut out = String::with_capacity(java.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let next = chars.get(i + 1).copied();
        match (c, next) {
            ('/', Some('/')) => {
                while let Some(&c) = chars.get(i) {
                    if c == '\n' {
                        break;
                    }
                    out.push(' ');
                    i += 1;
                }
            }
            ('/', Some('*')) => {
                out.push_str("  ");
                i += 2;
                while let Some(&c) = chars.get(i) {
                    if c == '*' && chars.get(i + 1) == Some(&'/') {
                        out.push_str("  ");
                        i += 2;
                        break;
                    }
                    out.push(if c == '\n' { '\n' } else { ' ' });
                    i += 1;
                }
            }
            ('"' | '\'', _) => {
                out.push(c);
                i += 1;
                while let Some(&d) = chars.get(i) {
                    out.push(d);
                    i += 1;
                    if d == '\\' {
                        if let Some(&e) = chars.get(i) {
                            out.push(e);
                            i += 1;
                        }
                    } else if d == c {
                        break;
                    }
                }
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The arguments of a call whose `(` ends just before `text`, split at top-level commas, and
/// the length of the text they take up to the closing `)`.
fn call_arguments(text: &str) -> Result<(Vec<String>, usize), String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut chars = text.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => {
                current.push(c);
                loop {
                    let (_, d) = chars.next().ok_or("unterminated string literal")?;
                    current.push(d);
                    if d == '\\' {
                        let (_, e) = chars.next().ok_or("unterminated string literal")?;
                        current.push(e);
                    } else if d == '"' {
                        break;
                    }
                }
            }
            '(' => {
                depth += 1;
                current.push(c);
            }
            ')' if depth == 0 => {
                args.push(current.trim().to_string());
                return Ok((args, at + 1));
            }
            ')' => {
                depth -= 1;
                current.push(c);
            }
            ',' if depth == 0 => {
                args.push(current.trim().to_string());
                current.clear();
            }
            _ => current.push(c),
        }
    }
    Err("no closing ')'".to_string())
}

/// A Java string literal's value.
fn java_string(literal: &str) -> Result<String, String> {
    let inner = literal
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .ok_or_else(|| format!("expected a string literal, found {literal:?}"))?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some('\'') => out.push('\''),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            other => return Err(format!("unsupported escape \\{other:?} in {literal:?}")),
        }
    }
    Ok(out)
}

/// `WITHOUT_RANGE`, or `[Range.]withRange()` followed by `.havingXxx("version")` calls.
fn java_range(expression: &str) -> Result<Option<Range>, String> {
    let expression: String = expression.chars().filter(|c| !c.is_whitespace()).collect();
    if expression == "WITHOUT_RANGE" {
        return Ok(None);
    }
    let mut rest = expression
        .strip_prefix("Range.")
        .unwrap_or(&expression)
        .strip_prefix("withRange()")
        .ok_or_else(|| format!("unknown range expression {expression:?}"))?;
    let mut range = Range::default();
    while !rest.is_empty() {
        let call = rest
            .strip_prefix(".having")
            .ok_or_else(|| format!("unexpected {rest:?} in range expression {expression:?}"))?;
        let open = call
            .find('(')
            .ok_or_else(|| format!("no '(' in {expression:?}"))?;
        let (name, after) = call.split_at(open);
        let (args, used) = call_arguments(after.get(1..).unwrap_or_default())?;
        let [arg] = args.as_slice() else {
            return Err(format!("{name} takes one argument in {expression:?}"));
        };
        let bound = java_string(arg)?;
        let slot = match name {
            "StartIncluding" => &mut range.start_including,
            "StartExcluding" => &mut range.start_excluding,
            "EndIncluding" => &mut range.end_including,
            "EndExcluding" => &mut range.end_excluding,
            _ => {
                return Err(format!(
                    "unknown range bound having{name} in {expression:?}"
                ));
            }
        };
        if !slot.is_empty() {
            return Err(format!("having{name} given twice in {expression:?}"));
        }
        *slot = bound;
        rest = after.get(1 + used..).unwrap_or_default();
    }
    Ok(Some(range))
}

/// Every `Arguments.of(...)` outside comments; an error names the line it could not read.
fn read_cases(java: &str) -> Result<Vec<Case>, String> {
    const CALL: &str = "Arguments.of(";
    let code = without_comments(java);
    let mut cases = Vec::new();
    for (at, _) in code.match_indices(CALL) {
        let line = code.get(..at).unwrap_or_default().matches('\n').count() + 1;
        let read = || -> Result<Case, String> {
            let (args, _) = call_arguments(code.get(at + CALL.len()..).unwrap_or_default())?;
            let [source, range, expected, target] = args.as_slice() else {
                return Err(format!("expected 4 arguments, found {}", args.len()));
            };
            let matches = match expected.as_str() {
                "MATCHES" => true,
                "DOES_NOT_MATCH" => false,
                other => {
                    return Err(format!(
                        "expected MATCHES or DOES_NOT_MATCH, found {other:?}"
                    ));
                }
            };
            Ok(Case {
                line,
                source: java_string(source)?,
                range: java_range(range)?,
                matches,
                target: java_string(target)?,
            })
        };
        cases.push(read().map_err(|e| format!("{FILE}:{line}: {e}"))?);
    }
    Ok(cases)
}

// ---------------------------------------------------------------------------------------------
// Deciding a case with mamori_formats

/// A formatted string as a name, and whether its part `-` had to be adapted (see the module
/// documentation).
fn read_name(fs: &str) -> Result<(Wfn, bool), String> {
    match cpe::parse_fs(fs) {
        Ok(wfn) => Ok((wfn, false)),
        Err(refused) => {
            let Some(rest) = fs.strip_prefix("cpe:2.3:-:") else {
                return Err(format!("{fs:?} does not read: {refused}"));
            };
            let mut wfn = cpe::parse_fs(&format!("cpe:2.3:*:{rest}"))
                .map_err(|e| format!("{fs:?} does not read with part ANY either: {e}"))?;
            wfn.part = Value::Na;
            Ok((wfn, true))
        }
    }
}

/// Table 6-2 from the library, with the undefined rows resolved as described in step 3.
fn relation(source: &Value, target: &Value) -> Relation {
    match cpe::compare_values(source, target) {
        Relation::Undefined => match (source, target) {
            (Value::Any, _) => Relation::Superset,
            (Value::Text(s), Value::Text(t)) if s.eq_ignore_ascii_case(t) => Relation::Equal,
            _ => Relation::Disjoint,
        },
        decided => decided,
    }
}

/// Whether the criterion `source` (with its range) names the device `target`, and the relations
/// it was decided from.
fn decide(source: &Wfn, range: &Range, target: &Wfn) -> (bool, [Relation; 11]) {
    let relations = Attribute::ALL.map(|a| relation(source.get(a), target.get(a)));
    let at = |a: Attribute| relations.get(a as usize).copied();
    if relations.contains(&Relation::Disjoint) {
        return (false, relations);
    }
    let vendor_product = (at(Attribute::Vendor), at(Attribute::Product));
    if matches!(
        vendor_product,
        (Some(Relation::Subset), Some(Relation::Superset))
            | (Some(Relation::Superset), Some(Relation::Subset))
    ) {
        return (false, relations);
    }
    let version_ok = match &target.version {
        Value::Any | Value::Na => true,
        Value::Text(_) if range.is_unbounded() => true,
        Value::Text(_) => target
            .version
            .plain()
            .is_some_and(|version| range.contains(&version) == Some(true)),
    };
    (version_ok, relations)
}

#[test]
fn dependency_track_cpe_matching_matrix() {
    let Some(dir) = shared("cpe/test-vectors/dependency-track") else {
        return;
    };
    let java = std::fs::read_to_string(dir.join(FILE)).expect("read the Java file");
    let cases = read_cases(&java).unwrap_or_else(|e| panic!("{e}"));

    // Every `Arguments.of(` in the code is a case read, and the file is the one ported.
    let calls = without_comments(&java).matches("Arguments.of(").count();
    assert_eq!(cases.len(), calls, "cases read against Arguments.of calls");
    assert_eq!(cases.len(), CASES, "{FILE} should hold {CASES} cases");

    let mut failures = Vec::new();
    let mut exceptions_used = [0usize; EXCEPTIONS.len()];
    let mut part_na_used = [0usize; PART_NA.len()];
    let mut passed = 0;
    for case in &cases {
        let listed = |(s, t, _): &(&str, &str, &str)| *s == case.source && *t == case.target;
        let exception = EXCEPTIONS.iter().position(listed);
        if let Some(i) = exception
            && let Some(used) = exceptions_used.get_mut(i)
        {
            *used += 1;
        }
        let part_na = PART_NA.iter().position(listed);
        if let Some(i) = part_na
            && let Some(used) = part_na_used.get_mut(i)
        {
            *used += 1;
        }
        let expected = case.matches != exception.is_some();
        let range = case.range.clone().unwrap_or_default();
        let outcome = read_name(&case.source).and_then(|(source, source_adapted)| {
            let (target, target_adapted) = read_name(&case.target)?;
            Ok((source, target, source_adapted || target_adapted))
        });
        let problem = match outcome {
            Ok((_, _, adapted)) if adapted != part_na.is_some() => format!(
                "part NA adaptation {}, but the case is {}listed in PART_NA",
                if adapted { "needed" } else { "not needed" },
                if part_na.is_some() { "" } else { "not " }
            ),
            Ok((source, target, _)) => match decide(&source, &range, &target) {
                (found, _) if found == expected => {
                    passed += 1;
                    continue;
                }
                (found, relations) => format!(
                    "expected {}, found {}; relations {relations:?}",
                    verdict(expected),
                    verdict(found)
                ),
            },
            Err(e) => e,
        };
        let note = exception
            .and_then(|i| EXCEPTIONS.get(i))
            .map(|(_, _, reason)| format!(" (exception: {reason})"))
            .unwrap_or_default();
        failures.push(format!(
            "{FILE}:{}: {} {:?} against {}: {problem}{note}",
            case.line, case.source, case.range, case.target
        ));
    }
    for ((source, target, _), used) in EXCEPTIONS.iter().zip(exceptions_used) {
        assert_eq!(
            used, 1,
            "exception {source} against {target} names {used} cases"
        );
    }
    for ((source, target, _), used) in PART_NA.iter().zip(part_na_used) {
        assert_eq!(
            used, 1,
            "PART_NA {source} against {target} names {used} cases"
        );
    }
    eprintln!(
        "{FILE}: {passed} of {} cases pass ({} of them with the expectation reversed as listed \
         in EXCEPTIONS, {} with part NA adapted as listed in PART_NA)",
        cases.len(),
        EXCEPTIONS.len(),
        PART_NA.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn verdict(matches: bool) -> &'static str {
    if matches { "MATCHES" } else { "DOES_NOT_MATCH" }
}

#[test]
fn the_java_reader_reads_what_the_file_uses() {
    assert_eq!(
        without_comments("a // b(\n/* c\n */ \"// d\" e"),
        "a      \n    \n    \"// d\" e"
    );
    let range = java_range(
        r#"Range.withRange().havingStartIncluding("1.2.0").havingEndExcluding("1.2.9")"#,
    )
    .expect("range");
    assert_eq!(
        range,
        Some(Range {
            start_including: "1.2.0".into(),
            end_excluding: "1.2.9".into(),
            ..Range::default()
        })
    );
    assert_eq!(java_range("WITHOUT_RANGE"), Ok(None));
    assert!(java_range(r#"withRange().havingStart("1")"#).is_err());
    assert!(java_range(r#"withRange().havingEndIncluding("1").havingEndIncluding("2")"#).is_err());
    let cases = read_cases(
        "List.of(\n  Arguments.of(\"cpe:2.3:a:b:c:*:*:*:*:*:*:*:*\", withRange().havingEndExcluding(\"2\"), \
         DOES_NOT_MATCH, \"x\"),\n  // Arguments.of(\"skipped\")\n  Arguments.of(\"s\", WITHOUT_RANGE, MATCHES, \"t\"))",
    )
    .expect("cases");
    assert_eq!(cases.len(), 2);
    assert_eq!((cases[0].line, cases[0].matches), (2, false));
    assert_eq!((cases[1].line, cases[1].source.as_str()), (4, "s"));
    assert!(read_cases("Arguments.of(\"a\", WITHOUT_RANGE, MAYBE, \"b\")").is_err());
    assert!(read_cases("Arguments.of(\"a\", WITHOUT_RANGE, MATCHES)").is_err());
}

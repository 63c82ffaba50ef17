//! The checklist item masters shipped in `checklists/`: every item has wording, a source and a
//! confirmation mark, links between versions resolve, and the R5 wording is the R5 form's.
//! Adding a version from a file with `mamori checklist import-master`.

use std::path::PathBuf;

use mamori_app::checklist::store;

fn seed(name: &str) -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/seeds")
        .join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but {} is missing", path.display())
        }
        Err(_) => {
            eprintln!("SKIPPED: {} is absent", path.display());
            None
        }
    }
}

/// The form's text with its left-hand section labels taken out: the table's first column
/// ("医療情報システ" / "ムの管理・運用" …) shares lines with the wording of wrapped rows.
fn wording_columns(text: &str) -> String {
    const LABELS: [&str; 6] = [
        "医療情報システ",
        "ムの管理・運用",
        "ムの有無",
        "体制構築",
        "1",
        "2",
    ];
    text.lines()
        .map(|line| {
            line.split('\t')
                .filter(|cell| !LABELS.contains(&cell.trim()))
                .collect::<Vec<_>>()
                .join("")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Form text with the layout taken out: no whitespace, no answer cells, OCR slips mended.
fn plain(text: &str) -> String {
    text.replace("はい・いいえ", "")
        .replace("(/)", "")
        .replace("バッチ", "パッチ")
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*'))
        .collect::<String>()
        .replace("()", "")
}

#[test]
fn shipped_masters_are_complete() {
    let (guidance, masters) = store::shipped().unwrap_or_else(|problems| {
        panic!(
            "{}",
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    let keys: Vec<String> = masters.iter().map(|m| m.key()).collect();
    assert_eq!(
        keys,
        [
            "r5/hospital",
            "r5/vendor",
            "r6/hospital",
            "r6/vendor",
            "r7/hospital",
            "r7/vendor"
        ]
    );
    for m in masters {
        for item in &m.items {
            assert!(!item.text.trim().is_empty(), "{} {}", m.key(), item.number);
            assert!(
                !item.source.trim().is_empty(),
                "{} {}",
                m.key(),
                item.number
            );
            let guide = &guidance.guides[&item.guide];
            assert!(!guide.explanation.is_empty() && !guide.how_to_confirm.is_empty());
        }
    }
    let r7 = masters.iter().find(|m| m.key() == "r7/hospital").unwrap();
    assert!(
        r7.items
            .iter()
            .any(|i| i.guide == "two-factor" && i.deadline_fiscal_year == 2027),
        "R7 2FA item is due by 令和9年度"
    );
    assert!(
        r7.items.iter().any(|i| !i.previous.is_empty()),
        "R7 items carry forward from R6"
    );
}

#[test]
fn r5_wording_is_the_r5_form() {
    let Some(text) = seed("001_2457162029a3c106.txt") else {
        return;
    };
    let (_, masters) = store::shipped().unwrap();
    let hospital_start = text.find("医療機関確認用").unwrap();
    let vendor_start = text.find("事業者確認用").unwrap();
    let end = text[vendor_start..].find("事業者名").unwrap() + vendor_start;
    let hospital_form = plain(&wording_columns(&text[hospital_start..vendor_start]));
    let vendor_form = plain(&wording_columns(&text[vendor_start..end]));
    for m in masters.iter().filter(|m| m.version == "r5") {
        let form = if m.form == "hospital" {
            &hospital_form
        } else {
            &vendor_form
        };
        for item in m.items.iter().filter(|i| !i.reference_only) {
            assert!(
                form.contains(&plain(&item.text)),
                "{} {}: {:?} is not the form's wording",
                m.key(),
                item.number,
                item.text
            );
        }
        if let Some(gate) = &m.gate {
            assert!(form.contains(&plain(&gate.text)), "gate: {:?}", gate.text);
        }
    }
}

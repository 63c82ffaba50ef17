//! Japanese (default) and English message catalogs, embedded from `locales/{ja,en}/*.ftl`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "ja",
        // Bidi isolation marks would show up as stray characters in form values and printouts.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// Marks a message key that is chosen in Rust code rather than written in a template, so the
/// catalog test can find every key the program uses.
#[macro_export]
macro_rules! mkey {
    ($key:literal) => {
        $key
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "ja" | "ja-jp" => Some(Lang::Ja),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language of the command line: `MAMORI_LANG` (`ja`, `en`), else the locale
    /// (`LC_ALL`, `LC_MESSAGES`, `LANG`, the first one set): English for an English locale,
    /// Japanese otherwise.
    pub fn of_command_line(get: impl Fn(&str) -> Option<String>) -> Lang {
        if let Some(lang) = get("MAMORI_LANG").as_deref().and_then(Lang::parse) {
            return lang;
        }
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|name| get(name).filter(|v| !v.trim().is_empty()))
            .unwrap_or_default();
        if locale.to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Ja
        }
    }

    /// The first of our languages named in an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        header.split(',').find_map(|part| {
            let tag = part.split(';').next().unwrap_or("").trim();
            let primary = tag.split('-').next().unwrap_or("");
            Lang::parse(primary)
        })
    }

    fn id(self) -> &'static LanguageIdentifier {
        static JA: OnceLock<LanguageIdentifier> = OnceLock::new();
        static EN: OnceLock<LanguageIdentifier> = OnceLock::new();
        let (cell, code) = match self {
            Lang::Ja => (&JA, "ja"),
            Lang::En => (&EN, "en"),
        };
        cell.get_or_init(|| code.parse().unwrap_or_default())
    }
}

/// The translator handed to every page.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }

    pub fn t(&self, key: &str) -> String {
        match LOCALES.try_lookup(self.lang.id(), key) {
            Some(text) => text,
            None => missing(key),
        }
    }

    pub fn t1(&self, key: &str, name: &str, value: &dyn std::fmt::Display) -> String {
        self.t_args(key, &[(name, value.to_string())])
    }

    pub fn t2(
        &self,
        key: &str,
        name1: &str,
        value1: &dyn std::fmt::Display,
        name2: &str,
        value2: &dyn std::fmt::Display,
    ) -> String {
        self.t_args(
            key,
            &[(name1, value1.to_string()), (name2, value2.to_string())],
        )
    }

    pub fn t_args(&self, key: &str, args: &[(&str, String)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(k, v)| (Cow::Owned(k.to_string()), FluentValue::from(v.clone())))
            .collect();
        match LOCALES.try_lookup_with_args(self.lang.id(), key, &args) {
            Some(text) => text,
            None => missing(key),
        }
    }

    /// A stored UTC timestamp shown in Japan time: `2026/04/01 09:30` (Japanese) or
    /// `2026-04-01 09:30` (English).
    pub fn datetime(&self, stored: &str) -> String {
        let Some(t) = crate::db::parse_time(stored) else {
            return stored.to_string();
        };
        let jst = t.with_timezone(&jst());
        match self.lang {
            Lang::Ja => jst.format("%Y/%m/%d %H:%M").to_string(),
            Lang::En => jst.format("%Y-%m-%d %H:%M JST").to_string(),
        }
    }

    /// A calendar date (`YYYY-MM-DD` as stored, or the day of a `YYYY-MM-DDTHH:MM…` time as
    /// feeds write them) shown as `2026/04/01` in Japanese.
    pub fn date(&self, stored: &str) -> String {
        let day = match stored.get(10..11) {
            Some("T") => &stored[..10],
            _ => stored,
        };
        match (
            self.lang,
            chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d"),
        ) {
            (Lang::Ja, Ok(d)) => d.format("%Y/%m/%d").to_string(),
            (Lang::En, Ok(d)) => d.format("%Y-%m-%d").to_string(),
            (_, Err(_)) => stored.to_string(),
        }
    }
}

/// Japan Standard Time (Japan has no daylight saving time).
pub fn jst() -> chrono::FixedOffset {
    // 9 hours is always a valid offset.
    #[allow(clippy::expect_used)]
    chrono::FixedOffset::east_opt(9 * 3600).expect("valid offset")
}

fn missing(key: &str) -> String {
    tracing::warn!(key, "message key missing from the catalog");
    format!("[{key}]")
}

/// Every message key defined for a language, read from the embedded catalog source files.
pub fn catalog_keys(lang: Lang) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("locales")
        .join(lang.code());
    let mut keys = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                keys.extend(text.lines().filter_map(|line| {
                    let (key, _) = line.split_once('=')?;
                    let key = key.trim_end();
                    let valid = !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                        && line.starts_with(|c: char| c.is_ascii_alphabetic());
                    valid.then(|| key.to_string())
                }));
            }
        }
    }
    keys.sort();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(dir: &std::path::Path, ext: &str, out: &mut Vec<(String, String)>) {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    sources(&path, ext, out);
                } else if path.extension().is_some_and(|e| e == ext)
                    && let Ok(text) = std::fs::read_to_string(&path)
                {
                    out.push((path.display().to_string(), text));
                }
            }
        }
    }

    /// Keys written as `.t("…")`, `.t1("…"`, `.t2("…"` or `mkey!("…")` in templates and code
    /// (the app's and the command line's).
    fn used_keys() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        sources(&root.join("templates"), "html", &mut files);
        sources(&root.join("src"), "rs", &mut files);
        // The command line speaks through the same catalogs.
        sources(&root.join("../cli/src"), "rs", &mut files);
        let mut used = Vec::new();
        for (path, text) in files {
            for marker in [".t(", ".t1(", ".t2(", "mkey!("] {
                for (pos, _) in text.match_indices(marker) {
                    let Some(rest) = text[pos + marker.len()..].trim_start().strip_prefix('"')
                    else {
                        continue;
                    };
                    if let Some(end) = rest.find('"') {
                        let key = &rest[..end];
                        if !key.is_empty()
                            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                        {
                            used.push((path.clone(), key.to_string()));
                        }
                    }
                }
            }
        }
        used
    }

    #[test]
    fn both_catalogs_define_the_same_keys() {
        let ja = catalog_keys(Lang::Ja);
        let en = catalog_keys(Lang::En);
        assert!(ja.len() > 50, "catalog looks empty: {}", ja.len());
        let only_ja: Vec<_> = ja.iter().filter(|k| !en.contains(k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !ja.contains(k)).collect();
        assert!(only_ja.is_empty(), "keys missing in English: {only_ja:?}");
        assert!(only_en.is_empty(), "keys missing in Japanese: {only_en:?}");
        let mut dedup = ja.clone();
        dedup.dedup();
        assert_eq!(dedup.len(), ja.len(), "a key is defined twice");
    }

    #[test]
    fn every_key_used_exists_in_both_languages() {
        let used = used_keys();
        assert!(used.len() > 50, "found too few keys: {}", used.len());
        for lang in [Lang::Ja, Lang::En] {
            let defined = catalog_keys(lang);
            let missing: Vec<_> = used.iter().filter(|(_, k)| !defined.contains(k)).collect();
            assert!(missing.is_empty(), "{lang:?} lacks {missing:?}");
            let args: HashMap<Cow<'static, str>, FluentValue<'_>> = [
                "count", "fields", "account", "total", "with", "name", "role", "rows", "problems",
                "row", "values", "new", "changed", "sheet", "encoding", "line", "cell", "date",
                "facility", "first", "last", "range", "minutes", "year", "reason", "now", "cpe",
                "vendor", "fixed", "version", "product", "who", "versions", "devices", "what",
                "channel", "reason", "name", "kev", "ports",
            ]
            .into_iter()
            .map(|name| (Cow::Borrowed(name), FluentValue::from("1")))
            .collect();
            for (_, key) in &used {
                assert!(
                    LOCALES
                        .try_lookup_with_args(lang.id(), key, &args)
                        .is_some(),
                    "{lang:?} cannot format {key}"
                );
            }
        }
    }

    #[test]
    fn language_is_negotiated() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("fr, ja;q=0.5"), Some(Lang::Ja));
        assert_eq!(Lang::from_accept_language("fr"), None);
        let tr = Tr::new(Lang::Ja);
        assert_eq!(
            tr.datetime("2026-03-31T15:30:00.000000Z"),
            "2026/04/01 00:30"
        );
        assert_eq!(tr.date("2026-04-01"), "2026/04/01");
    }

    #[test]
    fn the_command_line_speaks_japanese_unless_told_or_in_an_english_locale() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(Lang::of_command_line(env(&[])), Lang::Ja);
        assert_eq!(Lang::of_command_line(env(&[("LANG", "C.UTF-8")])), Lang::Ja);
        assert_eq!(
            Lang::of_command_line(env(&[("LANG", "ja_JP.UTF-8")])),
            Lang::Ja
        );
        assert_eq!(
            Lang::of_command_line(env(&[("LANG", "en_US.UTF-8")])),
            Lang::En
        );
        assert_eq!(
            Lang::of_command_line(env(&[("LC_ALL", "ja_JP.UTF-8"), ("LANG", "en_US.UTF-8")])),
            Lang::Ja
        );
        assert_eq!(
            Lang::of_command_line(env(&[("MAMORI_LANG", "en"), ("LANG", "ja_JP.UTF-8")])),
            Lang::En
        );
    }
}

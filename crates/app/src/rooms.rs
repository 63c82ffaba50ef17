//! The room list: every capability of mamori, each in its own folder, registered here with one
//! line. The hall (routes, menu, home page, audit page), the server (background jobs), the
//! settings and the checklist (facts and rules) iterate this list and name no room.

use crate::kernel::RefKind;
use crate::web::room::Room;

pub static ROOMS: &[&Room] = &[
    &crate::facility::ROOM,
    &crate::users::ROOM,
    &crate::vendors::ROOM,
    &crate::ledger::ROOM,
    &crate::checklist::ROOM,
    &crate::vuln::ROOM,
];

/// The kind of record stored under this table name by another room, if a room declares it.
pub fn record_kind(table: &str) -> Option<&'static RefKind> {
    ROOMS
        .iter()
        .flat_map(|room| room.records.iter().copied())
        .find(|kind| kind.table == table)
}

/// Kinds of record people can link as evidence: those named by ID or name first, in room order.
pub fn linkable_kinds() -> impl Iterator<Item = &'static RefKind> {
    let mut kinds: Vec<&'static RefKind> = ROOMS
        .iter()
        .flat_map(|room| room.records.iter().copied())
        .filter(|kind| kind.lookup.is_some())
        .collect();
    kinds.sort_by_key(|kind| !kind.needs_reference);
    kinds.into_iter()
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::i18n::{Lang, catalog_keys};

    /// Tables owned by the parts below the rooms: the sign-in gate and the storage layer.
    const BELOW_ROOMS: [(&str, &[&str]); 2] = [
        (
            "auth",
            &[
                "sessions",
                "setup_tokens",
                "login_failures",
                "login_addresses",
            ],
        ),
        ("db", &["meta", "audit_events", "audit_checkpoints"]),
    ];

    fn src() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
    }

    /// Every Rust file of the app with its path under `src/`, test modules cut off (tests may
    /// look at any table).
    fn sources() -> Vec<(String, String)> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).expect("src readable").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        walk(&src(), &mut files);
        files.sort();
        files
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path).expect("source readable");
                let text = text
                    .split("#[cfg(test)]\nmod tests")
                    .next()
                    .unwrap_or_default()
                    .to_string();
                let rel = path
                    .strip_prefix(src())
                    .expect("under src")
                    .to_string_lossy()
                    .replace('\\', "/");
                (rel, text)
            })
            .collect()
    }

    /// The part of the app a file belongs to: its folder, or its own name at the top.
    fn part_of(rel: &str) -> &str {
        match rel.split_once('/') {
            Some((folder, _)) => folder,
            None => rel.trim_end_matches(".rs"),
        }
    }

    /// The tables the migrations leave behind, each tree read in order: created, less those
    /// dropped, renamed to their new names (a table rebuilt to change a constraint).
    fn migration_tables() -> BTreeSet<String> {
        let mut all = BTreeSet::new();
        for tree in ["sqlite", "postgres"] {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(tree);
            let mut files: Vec<_> = std::fs::read_dir(dir)
                .expect("migrations")
                .flatten()
                .map(|e| e.path())
                .collect();
            files.sort();
            let mut tables = BTreeSet::new();
            for path in files {
                let sql = std::fs::read_to_string(path).expect("migration readable");
                let words: Vec<&str> = sql.split_whitespace().collect();
                let name = |w: &str| {
                    w.trim_matches(|c: char| c == '(' || c == '"' || c == ';')
                        .to_string()
                };
                for (i, w) in words.windows(3).enumerate() {
                    let is = |k: usize, word: &str| w[k].eq_ignore_ascii_case(word);
                    if is(0, "CREATE") && is(1, "TABLE") && !is(2, "IF") {
                        tables.insert(name(w[2]));
                    } else if is(0, "DROP") && is(1, "TABLE") {
                        tables.remove(&name(w[2]));
                    } else if is(0, "ALTER")
                        && is(1, "TABLE")
                        && words
                            .get(i + 3)
                            .is_some_and(|x| x.eq_ignore_ascii_case("RENAME"))
                        && words
                            .get(i + 4)
                            .is_some_and(|x| x.eq_ignore_ascii_case("TO"))
                        && let Some(new) = words.get(i + 5)
                    {
                        tables.remove(&name(w[2]));
                        tables.insert(name(new));
                    }
                }
            }
            all.extend(tables);
        }
        all
    }

    fn owners() -> BTreeMap<&'static str, &'static str> {
        let mut owners = BTreeMap::new();
        let parts = ROOMS
            .iter()
            .map(|room| (room.id, room.tables))
            .chain(BELOW_ROOMS);
        for (part, tables) in parts {
            for table in tables {
                if let Some(other) = owners.insert(*table, part) {
                    panic!("table {table} is claimed by both {other} and {part}");
                }
            }
        }
        owners
    }

    /// The table names a piece of SQL reads or writes.
    fn tables_in(sql: &str, known: &BTreeMap<&'static str, &'static str>) -> Vec<&'static str> {
        let words: Vec<&str> = sql
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        let mut found = Vec::new();
        for pair in words.windows(2) {
            let keyword = pair[0].to_ascii_uppercase();
            if matches!(
                keyword.as_str(),
                "FROM" | "JOIN" | "INTO" | "UPDATE" | "TABLE"
            ) && let Some((table, _)) = known.get_key_value(pair[1])
            {
                found.push(*table);
            }
        }
        found
    }

    /// The string literals of a source file that look like SQL.
    fn sql_literals(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find('"') {
            let after = &rest[start + 1..];
            let mut end = None;
            let mut escaped = false;
            for (i, ch) in after.char_indices() {
                match ch {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => {
                        end = Some(i);
                        break;
                    }
                    _ => escaped = false,
                }
            }
            let Some(end) = end else { break };
            let literal = &after[..end];
            let upper = literal.to_ascii_uppercase();
            if [
                "SELECT ", "INSERT ", "UPDATE ", "DELETE ", " FROM ", " JOIN ",
            ]
            .iter()
            .any(|k| upper.contains(k))
            {
                out.push(literal.to_string());
            }
            rest = &after[end + 1..];
        }
        out
    }

    #[test]
    fn every_table_has_exactly_one_owner() {
        let owners = owners();
        for table in migration_tables() {
            assert!(
                owners.contains_key(table.as_str()),
                "table {table} (migrations) belongs to no room: add it to a room's `tables`"
            );
        }
        for table in owners.keys() {
            assert!(
                migration_tables().contains(*table),
                "{table} is claimed but no migration creates it"
            );
        }
    }

    #[test]
    fn each_room_queries_only_its_own_tables() {
        let owners = owners();
        let mut checked = 0;
        let mut wrong = Vec::new();
        for (rel, text) in sources() {
            let part = part_of(&rel);
            for sql in sql_literals(&text) {
                for table in tables_in(&sql, &owners) {
                    checked += 1;
                    let owner = owners[table];
                    if owner != part {
                        wrong.push(format!("{rel}: names {table}, which belongs to {owner}"));
                    }
                }
            }
        }
        assert!(checked > 100, "found too few statements ({checked})");
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn rooms_use_each_other_only_through_their_api() {
        let rooms: Vec<&str> = ROOMS.iter().map(|r| r.id).collect();
        let mut wrong = Vec::new();
        for (rel, text) in sources() {
            let part = part_of(&rel);
            if part == "rooms" {
                continue;
            }
            let hall = matches!(part, "web" | "server" | "config" | "kernel" | "db");
            for room in rooms.iter().filter(|r| **r != part) {
                let prefix = format!("crate::{room}::");
                for (at, _) in text.match_indices(&prefix) {
                    let path = &text[at + prefix.len()..];
                    if hall {
                        wrong.push(format!("{rel}: the hall names the room {room}"));
                    } else if !path.starts_with("api::") && !path.starts_with("api as") {
                        let shown: String = path.chars().take(30).collect();
                        wrong.push(format!("{rel}: uses {prefix}{shown} (only {room}::api)"));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn every_audited_entity_and_action_has_a_label() {
        let mut missing = Vec::new();
        let ledger_entities = crate::ledger::model::kinds().map(|k| k.entity);
        for (rel, text) in sources() {
            for (at, _) in text.match_indices("Event::new(") {
                let args: Vec<&str> = text[at + "Event::new(".len()..]
                    .splitn(3, ',')
                    .take(2)
                    .map(str::trim)
                    .collect();
                let literal = |s: &str| {
                    (s.starts_with('"') && s.ends_with('"'))
                        .then(|| s.trim_matches('"').to_string())
                };
                if let Some(action) = args.first().and_then(|a| literal(a))
                    && crate::web::audit_pages::action_key(&action).is_none()
                {
                    missing.push(format!("{rel}: action {action}"));
                }
                match args.get(1).and_then(|e| literal(e)) {
                    Some(entity) if crate::web::audit_pages::entity_key(&entity).is_none() => {
                        missing.push(format!("{rel}: entity {entity}"));
                    }
                    _ => {}
                }
            }
        }
        for entity in ledger_entities {
            if crate::web::audit_pages::entity_key(entity).is_none() {
                missing.push(format!("ledger kind {entity}"));
            }
        }
        assert!(
            missing.is_empty(),
            "no audit label for:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn every_registered_key_exists_in_both_languages() {
        let ja: BTreeSet<String> = catalog_keys(Lang::Ja).into_iter().collect();
        let en: BTreeSet<String> = catalog_keys(Lang::En).into_iter().collect();
        let mut keys: Vec<&str> = Vec::new();
        for room in ROOMS {
            keys.extend(room.menu.iter().map(|m| m.label_key));
            keys.extend(room.tabs.iter().flat_map(|g| {
                std::iter::once(g.label_key).chain(g.tabs.iter().map(|t| t.label_key))
            }));
            keys.extend(room.audit.entities.iter().map(|(_, k)| *k));
            keys.extend(room.audit.actions.iter().map(|(_, k)| *k));
            keys.extend(room.records.iter().map(|r| r.label_key));
        }
        for key in keys {
            assert!(ja.contains(key) && en.contains(key), "{key} missing");
        }
    }

    #[test]
    fn room_ids_are_their_folders_and_stored_kinds_are_unique() {
        let mut ids = BTreeSet::new();
        for room in ROOMS {
            assert!(ids.insert(room.id), "room {} listed twice", room.id);
            assert!(src().join(room.id).join("mod.rs").is_file(), "{}", room.id);
        }
        let mut tables = BTreeSet::new();
        for kind in ROOMS.iter().flat_map(|r| r.records.iter()) {
            assert!(
                tables.insert(kind.table),
                "record kind {} twice",
                kind.table
            );
            assert!(record_kind(kind.table).is_some());
            assert!((kind.href)(7).starts_with('/'));
        }
        assert!(record_kind("no_such_table").is_none(), "no fallback kind");
    }
}

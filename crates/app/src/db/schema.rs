//! A description of the live schema, the same shape on SQLite and PostgreSQL, for the test
//! that keeps the two migration trees in step: tables, columns with their type, nullability and
//! default, indexes by their columns, and the triggers that guard tables.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::Row;

use super::{Backend, Db};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// `integer`, `text`, `real` or `blob`: the storage class both databases agree on.
    pub kind: String,
    pub not_null: bool,
    /// The default as written, with PostgreSQL's casts taken off (`''::text` → `''`); an
    /// identity or serial column has none.
    pub default: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Index {
    pub unique: bool,
    pub columns: Vec<String>,
    /// Whether it covers only some rows (`WHERE …`).
    pub partial: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<Column>,
    /// Indexes other than the primary key's, by their columns (names differ between the two
    /// for those made by UNIQUE constraints).
    pub indexes: BTreeSet<Index>,
    /// Row events refused or handled by a trigger (`UPDATE`, `DELETE`, `INSERT`). TRUNCATE,
    /// which SQLite does not have, is left out.
    pub trigger_events: BTreeSet<String>,
}

pub type Schema = BTreeMap<String, Table>;

/// The storage class of a declared or reported column type.
fn kind_of(declared: &str) -> String {
    let t = declared.to_ascii_lowercase();
    if t.contains("int") || t == "boolean" {
        "integer"
    } else if t.contains("char") || t.contains("text") || t.contains("clob") {
        "text"
    } else if t.contains("real") || t.contains("floa") || t.contains("doub") || t == "numeric" {
        "real"
    } else if t.contains("blob") || t == "bytea" {
        "blob"
    } else {
        return t;
    }
    .to_string()
}

/// `'none'::text` → `'none'`, `(0)` → `0`; sequences and identities count as no default.
fn default_of(raw: Option<String>) -> Option<String> {
    let raw = raw?;
    if raw.starts_with("nextval(") {
        return None;
    }
    let mut text = raw.trim().to_string();
    if let Some(pos) = text.find("::")
        && text.starts_with('\'')
    {
        text.truncate(pos);
    }
    while text.starts_with('(') && text.ends_with(')') {
        text = text[1..text.len() - 1].to_string();
    }
    Some(text)
}

impl Db {
    /// The schema as the database reports it.
    pub async fn schema(&self) -> Result<Schema, sqlx::Error> {
        let mut schema = Schema::new();
        for table in self.table_names().await? {
            if table == "_sqlx_migrations" {
                continue;
            }
            let described = match self.backend() {
                Backend::Sqlite => self.sqlite_table(&table).await?,
                Backend::Postgres => self.postgres_table(&table).await?,
            };
            schema.insert(table, described);
        }
        Ok(schema)
    }

    async fn sqlite_table(&self, table: &str) -> Result<Table, sqlx::Error> {
        let mut out = Table::default();
        let rows = sqlx::query(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info($1) ORDER BY cid",
        )
        .bind(table.to_string())
        .fetch_all(self.pool())
        .await?;
        for row in rows {
            let pk: i64 = row.try_get("pk")?;
            let declared: String = row.try_get("type")?;
            out.columns.push(Column {
                name: row.try_get("name")?,
                kind: kind_of(&declared),
                // A primary key column is never null, whether or not it says so.
                not_null: row.try_get::<i64, _>("notnull")? != 0 || pk > 0,
                default: default_of(row.try_get("dflt_value")?),
            });
        }
        let indexes = sqlx::query(
            "SELECT name, \"unique\", origin, partial FROM pragma_index_list($1) WHERE origin <> 'pk'",
        )
        .bind(table.to_string())
        .fetch_all(self.pool())
        .await?;
        for index in indexes {
            let name: String = index.try_get("name")?;
            let columns: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(name)
                    .fetch_all(self.pool())
                    .await?;
            out.indexes.insert(Index {
                unique: index.try_get::<i64, _>("unique")? != 0,
                columns,
                partial: index.try_get::<i64, _>("partial")? != 0,
            });
        }
        let triggers: Vec<String> = sqlx::query_scalar(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = $1",
        )
        .bind(table.to_string())
        .fetch_all(self.pool())
        .await?;
        for sql in triggers {
            let upper = sql.to_ascii_uppercase();
            for event in ["INSERT", "UPDATE", "DELETE"] {
                if upper.contains(&format!(" {event} ON "))
                    || upper.contains(&format!(" {event} OF "))
                {
                    out.trigger_events.insert(event.to_string());
                }
            }
        }
        Ok(out)
    }

    async fn postgres_table(&self, table: &str) -> Result<Table, sqlx::Error> {
        let mut out = Table::default();
        let rows = sqlx::query(
            "SELECT column_name::text AS name, data_type::text AS kind, is_nullable::text AS nullable, column_default::text AS dflt
             FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(table.to_string())
        .fetch_all(self.pool())
        .await?;
        for row in rows {
            let kind: String = row.try_get("kind")?;
            out.columns.push(Column {
                name: row.try_get("name")?,
                kind: kind_of(&kind),
                not_null: row.try_get::<String, _>("nullable")? == "NO",
                default: default_of(row.try_get("dflt")?),
            });
        }
        let indexes = sqlx::query(
            "SELECT i.indisunique AS is_unique, (i.indpred IS NOT NULL) AS is_partial,
                    array_to_string(ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n)
                        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n), ',') AS cols
             FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace s ON s.oid = t.relnamespace
             WHERE s.nspname = current_schema() AND t.relname = $1 AND NOT i.indisprimary",
        )
        .bind(table.to_string())
        .fetch_all(self.pool())
        .await?;
        for index in indexes {
            let cols: String = index.try_get("cols")?;
            out.indexes.insert(Index {
                unique: index.try_get::<bool, _>("is_unique")?,
                columns: cols.split(',').map(str::to_string).collect(),
                partial: index.try_get::<bool, _>("is_partial")?,
            });
        }
        let events: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT event_manipulation::text FROM information_schema.triggers
             WHERE trigger_schema = current_schema() AND event_object_table = $1",
        )
        .bind(table.to_string())
        .fetch_all(self.pool())
        .await?;
        out.trigger_events = events.into_iter().filter(|e| e != "TRUNCATE").collect();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_defaults_are_compared_alike() {
        assert_eq!(kind_of("BIGINT"), "integer");
        assert_eq!(kind_of("bigint"), "integer");
        assert_eq!(kind_of("TEXT"), "text");
        assert_eq!(kind_of("character varying"), "text");
        assert_eq!(
            default_of(Some("'none'::text".into())),
            Some("'none'".into())
        );
        assert_eq!(default_of(Some("0".into())), Some("0".into()));
        assert_eq!(
            default_of(Some("nextval('x_id_seq'::regclass)".into())),
            None
        );
    }
}

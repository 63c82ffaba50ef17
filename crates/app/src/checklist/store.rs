//! The checklist versions this installation knows: those shipped in `checklists/` and those an
//! operator added with `mamori checklist import-master` (kept in the database, audited).

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use super::master::{self, GuidanceFile, Master, MasterError};
use crate::db::audit::{self, Event};
use crate::db::{Db, DbError, now_text};
use crate::kernel::{Actor, Forbidden, Permission, RoomError};

/// The shipped guidance and masters, in version and form order.
const GUIDANCE: &str = include_str!("../../../../checklists/guidance.toml");
const SHIPPED: [(&str, &str); 6] = [
    (
        "r5/hospital",
        include_str!("../../../../checklists/r5/hospital.toml"),
    ),
    (
        "r5/vendor",
        include_str!("../../../../checklists/r5/vendor.toml"),
    ),
    (
        "r6/hospital",
        include_str!("../../../../checklists/r6/hospital.toml"),
    ),
    (
        "r6/vendor",
        include_str!("../../../../checklists/r6/vendor.toml"),
    ),
    (
        "r7/hospital",
        include_str!("../../../../checklists/r7/hospital.toml"),
    ),
    (
        "r7/vendor",
        include_str!("../../../../checklists/r7/vendor.toml"),
    ),
];

/// The shared guidance and the masters shipped with mamori.
pub type Shipped = (GuidanceFile, Vec<Master>);

/// The shipped data, read and checked once. A broken shipped file is a build defect that the
/// tests catch; at run time it is reported, not panicked on.
pub fn shipped() -> Result<&'static Shipped, &'static Vec<MasterError>> {
    static SHIPPED_DATA: OnceLock<Result<Shipped, Vec<MasterError>>> = OnceLock::new();
    SHIPPED_DATA
        .get_or_init(|| {
            let in_file = |file: &str, e: MasterError| MasterError {
                place: format!("checklists/{file}: {}", e.place),
                message: e.message,
            };
            let guidance =
                master::parse_guidance(GUIDANCE).map_err(|e| vec![in_file("guidance.toml", e)])?;
            let mut masters: Vec<Master> = Vec::new();
            for (key, text) in SHIPPED {
                let file = format!("{key}.toml");
                let parsed = master::parse(text).map_err(|e| vec![in_file(&file, e)])?;
                let known: Vec<&Master> = masters.iter().chain([&parsed]).collect();
                master::validate(&parsed, &guidance, &known).map_err(|problems| {
                    problems
                        .into_iter()
                        .map(|e| in_file(&file, e))
                        .collect::<Vec<_>>()
                })?;
                masters.push(parsed);
            }
            Ok((guidance, masters))
        })
        .as_ref()
}

#[derive(Debug, thiserror::Error)]
pub enum ChecklistError {
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<MasterError>),
    #[error("{0} is already known; a version and form can be added only once")]
    Duplicate(String),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Db(#[from] DbError),
    /// What another room's public functions reported.
    #[error(transparent)]
    Room(#[from] crate::kernel::RoomError),
    #[error("not found")]
    NotFound,
    #[error("the file could not be written: {0}")]
    Output(String),
    /// A form field that cannot be saved: which field and the message key.
    #[error("{}", .0.iter().map(|p| format!("{}: {}", p.field, p.key)).collect::<Vec<_>>().join(", "))]
    Rejected(Vec<super::answers::Problem>),
}

impl From<ChecklistError> for RoomError {
    fn from(e: ChecklistError) -> Self {
        match e {
            ChecklistError::NotFound => RoomError::NotFound,
            ChecklistError::Forbidden(_) => RoomError::Forbidden,
            ChecklistError::Room(e) => e,
            other => RoomError::internal(other),
        }
    }
}

impl From<sqlx::Error> for ChecklistError {
    fn from(e: sqlx::Error) -> Self {
        ChecklistError::Db(e.into())
    }
}

/// Where a master came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Shipped,
    Imported {
        at: String,
        by: String,
        sha256: String,
    },
}

/// Every known master: shipped first, then imported ones in the order they were added.
pub async fn all(db: &Db) -> Result<Vec<(Master, Origin)>, ChecklistError> {
    let (_, shipped) = shipped().map_err(|e| ChecklistError::Invalid(e.clone()))?;
    let mut out: Vec<(Master, Origin)> = shipped
        .iter()
        .map(|m| (m.clone(), Origin::Shipped))
        .collect();
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT content, imported_at, imported_by, sha256 FROM checklist_masters ORDER BY id",
    )
    .fetch_all(db.pool())
    .await?;
    for (content, at, by, sha256) in rows {
        // Checked when imported; a row that no longer parses is skipped rather than failing
        // every checklist page.
        if let Ok(m) = master::parse(&content) {
            out.push((m, Origin::Imported { at, by, sha256 }));
        }
    }
    Ok(out)
}

/// Adds a master (admin, or the operator's command line): checked against the guidance and the
/// known masters, refused if its version and form are already known.
pub async fn import(db: &Db, actor: &Actor, text: &str) -> Result<Master, ChecklistError> {
    actor.require(Permission::Administer)?;
    let parsed = master::parse(text).map_err(|e| ChecklistError::Invalid(vec![e]))?;
    let (guidance, _) = shipped().map_err(|e| ChecklistError::Invalid(e.clone()))?;
    let known = all(db).await?;
    if known.iter().any(|(m, _)| m.key() == parsed.key()) {
        return Err(ChecklistError::Duplicate(parsed.key()));
    }
    let refs: Vec<&Master> = known.iter().map(|(m, _)| m).chain([&parsed]).collect();
    master::validate(&parsed, guidance, &refs).map_err(ChecklistError::Invalid)?;
    let sha256 = data_encoding::HEXLOWER.encode(&Sha256::digest(text.as_bytes()));
    let mut w = db.write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO checklist_masters (version, form, content, sha256, imported_at, imported_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(parsed.version.clone())
    .bind(parsed.form.clone())
    .bind(text.to_string())
    .bind(sha256.clone())
    .bind(now_text())
    .bind(actor.name.clone())
    .fetch_one(&mut *w.tx)
    .await?;
    audit::commit_with(
        w,
        actor,
        Event::new("import", "checklist", id)
            .label(format!("{} {}", parsed.version_name, parsed.form_name))
            .change("items", "", parsed.items.len().to_string())
            .change("sha256", "", sha256),
    )
    .await?;
    Ok(parsed)
}

/// The hospital form a 年度 would start with: the newest published for that year (or, for a
/// year before every known version, the oldest known).
pub fn default_hospital_master(known: &[(Master, Origin)], year: i32) -> Option<&Master> {
    let hospital = || {
        known
            .iter()
            .map(|(m, _)| m)
            .filter(|m| m.form == "hospital")
    };
    hospital()
        .filter(|m| m.fiscal_year <= year)
        .max_by_key(|m| m.fiscal_year)
        .or_else(|| hospital().min_by_key(|m| m.fiscal_year))
}

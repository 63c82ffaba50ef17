//! Evidence for checklist items: links to mamori records (any room's linkable kind) and
//! uploaded files, typed by their content, size-limited and kept with their SHA-256.

use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::store::ChecklistError;
use crate::db::audit::{self, Event};
use crate::db::{Db, WriteTx, now_text, placeholders};
use crate::kernel::{Actor, Lookup};

use super::forms::{editable, get, master_of, rejected};

/// An uploaded file kept as evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: String,
    pub uploaded_by: String,
}

impl FileInfo {
    /// Shown in the page (images) rather than only linked.
    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }
}

/// A file's details from a row that names the file `file_name`.
fn file_info_of(row: &AnyRow, id: i64) -> Result<FileInfo, sqlx::Error> {
    Ok(FileInfo {
        id,
        name: row.try_get("file_name")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
        sha256: row.try_get("sha256")?,
        uploaded_at: row.try_get("uploaded_at")?,
        uploaded_by: row.try_get("uploaded_by")?,
    })
}

/// One piece of evidence for an item: a mamori record or an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub id: i64,
    pub form_id: i64,
    pub item: String,
    pub record_table: String,
    pub record_id: Option<i64>,
    pub label: String,
    pub added_at: String,
    pub added_by: String,
    pub file: Option<FileInfo>,
}

impl Evidence {
    /// Where the evidence is shown.
    pub fn href(&self) -> String {
        match (&self.file, self.record_id) {
            (Some(f), _) => format!("/checklist/files/{}", f.id),
            (None, Some(id)) => crate::rooms::record_kind(&self.record_table)
                .map(|kind| (kind.href)(id))
                .unwrap_or_default(),
            (None, None) => String::new(),
        }
    }
}

/// Evidence of some forms, oldest first.
pub async fn evidence(db: &Db, form_ids: &[i64]) -> Result<Vec<Evidence>, ChecklistError> {
    if form_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT e.id, e.form_id, e.item, e.record_table, e.record_id, e.label, e.added_at, e.added_by, e.file_id, COALESCE(f.name, '') AS file_name, COALESCE(f.content_type, '') AS content_type, COALESCE(f.size, 0) AS size, COALESCE(f.sha256, '') AS sha256, COALESCE(f.uploaded_at, '') AS uploaded_at, COALESCE(f.uploaded_by, '') AS uploaded_by FROM checklist_evidence e LEFT JOIN checklist_files f ON f.id = e.file_id WHERE e.form_id IN ({}) ORDER BY e.id",
        placeholders(db.backend(), 1, form_ids.len())
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in form_ids {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(db.pool()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let file_id: Option<i64> = row.try_get("file_id")?;
        out.push(Evidence {
            id: row.try_get("id")?,
            form_id: row.try_get("form_id")?,
            item: row.try_get("item")?,
            record_table: row.try_get("record_table")?,
            record_id: row.try_get("record_id")?,
            label: row.try_get("label")?,
            added_at: row.try_get("added_at")?,
            added_by: row.try_get("added_by")?,
            file: file_id.map(|id| file_info_of(&row, id)).transpose()?,
        });
    }
    Ok(out)
}

/// Links a mamori record as evidence. `table` names a kind of record a room declares as
/// linkable; `reference` is the record's ID number or its exact name (the facility profile
/// needs none).
pub async fn link_record(
    db: &Db,
    actor: &Actor,
    form_id: i64,
    item: &str,
    table: &str,
    reference: &str,
) -> Result<(), ChecklistError> {
    let form = editable(db, actor, form_id).await?;
    let master = master_of(db, &form).await?;
    if master.item(item).is_none() {
        return Err(ChecklistError::NotFound);
    }
    // A vendor's person may link only their own vendor's records: any other answers as if it
    // did not exist, so ids and names tell them nothing.
    let vendor = match actor.vendor_id {
        Some(id) => Some(
            crate::vendors::api::names(db, &[id])
                .await?
                .remove(&id)
                .unwrap_or_default(),
        ),
        None if actor.role == crate::kernel::Role::Vendor => Some(String::new()),
        None => None,
    };
    let Some((kind, lookup)) = crate::rooms::record_kind(table).and_then(|k| Some((k, k.lookup?)))
    else {
        return Err(rejected(
            "table",
            crate::mkey!("checklist-record-not-found"),
        ));
    };
    let reference = reference.trim();
    if reference.is_empty() && kind.needs_reference {
        return Err(rejected(
            "reference",
            crate::mkey!("checklist-record-required"),
        ));
    }
    let (table, id, name) = match lookup(db, form.facility_id, reference, vendor.as_deref()).await?
    {
        Lookup::One(id, name) => (kind.table, id, name),
        Lookup::None => {
            return Err(rejected(
                "reference",
                crate::mkey!("checklist-record-not-found"),
            ));
        }
        Lookup::Many => {
            return Err(rejected(
                "reference",
                crate::mkey!("checklist-record-ambiguous"),
            ));
        }
    };
    let mut w = db.write().await?;
    let evidence_id =
        insert_evidence(&mut w, actor, form_id, item, table, Some(id), None, &name).await?;
    audit::commit_with(
        w,
        actor,
        Event::new("create", "checklist_evidence", evidence_id)
            .label(format!("{} {item}", form.label(&master)))
            .change("record", "", format!("{table}:{id} {name}")),
    )
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn insert_evidence(
    w: &mut WriteTx,
    actor: &Actor,
    form_id: i64,
    item: &str,
    table: &str,
    record_id: Option<i64>,
    file_id: Option<i64>,
    label: &str,
) -> Result<i64, ChecklistError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO checklist_evidence (form_id, item, record_table, record_id, file_id, label, added_at, added_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(form_id)
    .bind(item.to_string())
    .bind(table.to_string())
    .bind(record_id)
    .bind(file_id)
    .bind(label.to_string())
    .bind(now_text())
    .bind(actor.name.clone())
    .fetch_one(&mut *w.tx)
    .await?)
}

/// The largest evidence file kept.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

/// What kind of file this is, read from its first bytes (never from its name alone): PDF,
/// PNG, JPEG, GIF, WebP or an Excel workbook. Anything else is refused.
pub fn file_type(name: &str, bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"PK\x03\x04") && name.to_lowercase().ends_with(".xlsx") {
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    } else {
        None
    }
}

/// The file name extension that goes with a content type [`file_type`] accepts.
fn extension_of(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        _ => "xlsx",
    }
}

/// Names that run something when opened on Windows (or in a browser): refused outright, whatever
/// the content looks like (a GIF header does not make an `.hta` harmless).
const REFUSED_EXTENSIONS: [&str; 26] = [
    "exe", "com", "bat", "cmd", "scr", "pif", "msi", "msp", "hta", "js", "jse", "vbs", "vbe",
    "wsf", "wsh", "ps1", "psm1", "lnk", "jar", "reg", "cpl", "html", "htm", "svg", "xhtml", "dll",
];

fn extension(name: &str) -> Option<String> {
    name.rsplit_once('.')
        .map(|(_, ext)| ext.trim().to_ascii_lowercase())
        .filter(|ext| !ext.is_empty())
}

/// Whether a file name says it runs something (see [`REFUSED_EXTENSIONS`]).
pub fn is_refused_name(name: &str) -> bool {
    extension(name).is_some_and(|ext| REFUSED_EXTENSIONS.contains(&ext.as_str()))
}

/// The name a file is kept and written under: its own name with the extension of what it really
/// is ("手順書.bat" holding a GIF becomes "手順書.gif"), so opening it never runs it.
pub fn stored_name(name: &str, content_type: &str) -> String {
    let want = extension_of(content_type);
    let name = clean_file_name(name);
    let stem = match extension(&name) {
        Some(ext) if ext == want || (want == "jpg" && ext == "jpeg") => return name,
        Some(_) => name
            .rsplit_once('.')
            .map_or(name.as_str(), |(stem, _)| stem),
        None => name.as_str(),
    };
    let stem = if stem.trim().is_empty() { "file" } else { stem };
    format!("{stem}.{want}")
}

/// A file name safe to show and to offer for download: no folders, no control characters.
fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if cleaned.trim().is_empty() {
        "file".into()
    } else {
        cleaned.trim().to_string()
    }
}

/// Keeps an uploaded file as evidence of an item: type checked by content, size limited,
/// SHA-256 recorded; the file and its evidence row are written together or not at all.
pub async fn attach_file(
    db: &Db,
    actor: &Actor,
    form_id: i64,
    item: &str,
    name: &str,
    bytes: &[u8],
) -> Result<FileInfo, ChecklistError> {
    let form = editable(db, actor, form_id).await?;
    let master = master_of(db, &form).await?;
    if master.item(item).is_none() {
        return Err(ChecklistError::NotFound);
    }
    if bytes.is_empty() {
        return Err(rejected("file", crate::mkey!("checklist-file-required")));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(rejected("file", crate::mkey!("checklist-file-too-large")));
    }
    let name = clean_file_name(name);
    if is_refused_name(&name) {
        return Err(rejected("file", crate::mkey!("checklist-file-type")));
    }
    let content_type = file_type(&name, bytes)
        .ok_or_else(|| rejected("file", crate::mkey!("checklist-file-type")))?;
    let name = stored_name(&name, content_type);
    let sha256 = data_encoding::HEXLOWER.encode(&Sha256::digest(bytes));
    let now = now_text();
    let mut w = db.write().await?;
    let file_id: i64 = sqlx::query_scalar(
        "INSERT INTO checklist_files (facility_id, name, content_type, size, sha256, content, uploaded_at, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(form.facility_id)
    .bind(name.clone())
    .bind(content_type.to_string())
    .bind(i64::try_from(bytes.len()).unwrap_or(i64::MAX))
    .bind(sha256.clone())
    .bind(bytes.to_vec())
    .bind(now.clone())
    .bind(actor.name.clone())
    .fetch_one(&mut *w.tx)
    .await?;
    let evidence_id =
        insert_evidence(&mut w, actor, form_id, item, "", None, Some(file_id), &name).await?;
    audit::commit_with(
        w,
        actor,
        Event::new("create", "checklist_evidence", evidence_id)
            .label(format!("{} {item}", form.label(&master)))
            .change("file", "", name.clone())
            .change("sha256", "", sha256.clone()),
    )
    .await?;
    Ok(FileInfo {
        id: file_id,
        name,
        content_type: content_type.to_string(),
        size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256,
        uploaded_at: now,
        uploaded_by: actor.name.clone(),
    })
}

/// Takes a piece of evidence off an item. An uploaded file stays stored (the audit trail names
/// its SHA-256) but is no longer listed.
pub async fn remove_evidence(
    db: &Db,
    actor: &Actor,
    evidence_id: i64,
) -> Result<i64, ChecklistError> {
    let form_id: i64 = sqlx::query_scalar("SELECT form_id FROM checklist_evidence WHERE id = $1")
        .bind(evidence_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(ChecklistError::NotFound)?;
    let form = editable(db, actor, form_id).await?;
    let master = master_of(db, &form).await?;
    let found = evidence(db, &[form_id]).await?;
    let Some(e) = found.into_iter().find(|e| e.id == evidence_id) else {
        return Err(ChecklistError::NotFound);
    };
    let mut w = db.write().await?;
    sqlx::query("DELETE FROM checklist_evidence WHERE id = $1")
        .bind(evidence_id)
        .execute(&mut *w.tx)
        .await?;
    audit::commit_with(
        w,
        actor,
        Event::new("delete", "checklist_evidence", evidence_id)
            .label(format!("{} {}", form.label(&master), e.item))
            .change("evidence", e.label.clone(), ""),
    )
    .await?;
    Ok(form_id)
}

/// An evidence file with its content, if the actor may see a form it is attached to.
pub async fn file(
    db: &Db,
    actor: &Actor,
    file_id: i64,
) -> Result<(FileInfo, Vec<u8>), ChecklistError> {
    let form_ids: Vec<i64> =
        sqlx::query_scalar("SELECT form_id FROM checklist_evidence WHERE file_id = $1")
            .bind(file_id)
            .fetch_all(db.pool())
            .await?;
    let mut visible = false;
    for id in form_ids {
        if get(db, actor, id).await.is_ok() {
            visible = true;
            break;
        }
    }
    if !visible {
        return Err(ChecklistError::NotFound);
    }
    let row = sqlx::query(
        "SELECT name AS file_name, content_type, size, sha256, content, uploaded_at, uploaded_by FROM checklist_files WHERE id = $1",
    )
    .bind(file_id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(ChecklistError::NotFound)?;
    Ok((file_info_of(&row, file_id)?, row.try_get("content")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_types_are_read_from_the_content() {
        assert_eq!(file_type("a.pdf", b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(file_type("a.txt", b"%PDF-1.4"), Some("application/pdf"));
        assert_eq!(
            file_type("a.png", b"\x89PNG\r\n\x1a\n...."),
            Some("image/png")
        );
        assert_eq!(
            file_type("x.jpg", &[0xFF, 0xD8, 0xFF, 0xE0]),
            Some("image/jpeg")
        );
        assert_eq!(
            file_type("x.webp", b"RIFF\x10\0\0\0WEBPVP8 "),
            Some("image/webp")
        );
        assert!(file_type("book.xlsx", b"PK\x03\x04rest").is_some());
        assert_eq!(file_type("tool.docm", b"PK\x03\x04rest"), None);
        assert_eq!(file_type("run.exe", b"MZ\x90\0"), None);
        assert_eq!(file_type("page.html", b"<html><script>"), None);
    }

    #[test]
    fn files_are_named_by_what_they_are_and_runnable_names_are_refused() {
        assert_eq!(stored_name("保守手順書.bat", "image/gif"), "保守手順書.gif");
        assert_eq!(stored_name("scan.jpeg", "image/jpeg"), "scan.jpeg");
        assert_eq!(stored_name("契約書.PDF", "application/pdf"), "契約書.PDF");
        assert_eq!(stored_name("noext", "application/pdf"), "noext.pdf");
        assert_eq!(stored_name(".hta", "image/gif"), "file.gif");
        for name in [
            "a.bat", "b.HTA", "c.exe", "d.js", "e.svg", "f.ps1 ", "g.html",
        ] {
            assert!(is_refused_name(name), "{name}");
        }
        assert!(!is_refused_name("report.pdf"));
        assert!(!is_refused_name("README"));
    }

    #[test]
    fn file_names_lose_their_folders() {
        assert_eq!(clean_file_name("C:\\Users\\a\\契約書.pdf"), "契約書.pdf");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("\u{7}"), "file");
    }
}

//! The filled-in forms: one 医療機関確認用 per facility and 年度 (its version chosen when the year
//! is started), one 事業者確認用 per vendor and system; their answers, evidence (links to
//! mamori records and uploaded files) and this installation's corrections of unconfirmed
//! wording. Every change is audited. Vendor users reach only their own vendor's forms.

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::answers::{self, Answer, AnswerForm, Problem};
use super::master::Master;
use super::store::{self as masters, ChecklistError};
use crate::db::audit::{self, Event};
use crate::db::{Db, WriteTx, now_text, placeholders};
use crate::kernel::{Actor, Forbidden, Lookup, Permission, Role};

/// One form being filled in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    pub id: i64,
    pub facility_id: i64,
    pub fiscal_year: i32,
    pub version: String,
    pub form: String,
    pub vendor_id: Option<i64>,
    pub vendor_name: String,
    pub system_name: String,
    pub gate: String,
    pub created_at: String,
    pub updated_at: String,
}

impl Form {
    pub fn master_key(&self) -> String {
        format!("{}/{}", self.version, self.form)
    }

    pub fn is_vendor(&self) -> bool {
        self.form == "vendor"
    }

    /// The gate question answered いいえ: nothing else needs answering.
    pub fn not_applicable(&self) -> bool {
        self.gate == "no"
    }

    /// "令和6年度版 事業者確認用 ○○メディカル（電子カルテ）".
    pub fn label(&self, master: &Master) -> String {
        let mut label = format!(
            "{}年度 {} {}",
            self.fiscal_year, master.version_name, master.form_name
        );
        if self.is_vendor() {
            label.push(' ');
            label.push_str(&self.vendor_name);
            if !self.system_name.is_empty() {
                label.push_str(&format!("（{}）", self.system_name));
            }
        }
        label
    }
}

/// Who may look at a form: hospital staff see every form of their facility; a vendor user sees
/// only the 事業者確認用 of their own vendor.
pub fn can_see(actor: &Actor, form: &Form) -> bool {
    if actor.facility_id.is_some_and(|f| f != form.facility_id) {
        return false;
    }
    match actor.role {
        Role::Vendor => {
            form.is_vendor() && actor.vendor_id.is_some() && form.vendor_id == actor.vendor_id
        }
        role => role.can_read_hospital_data(),
    }
}

pub fn can_edit(actor: &Actor, form: &Form) -> bool {
    can_see(actor, form) && (actor.role == Role::Vendor || actor.role.can_edit())
}

const FORM_COLUMNS: &str = "f.id, f.facility_id, f.fiscal_year, f.version, f.form, f.vendor_id, f.system_name, f.gate, f.created_at, f.updated_at";
const FORM_FROM: &str = "FROM checklist_forms f";

/// Forms from their rows, with their vendors' names (the vendors room owns them).
async fn forms_of_rows(db: &Db, rows: &[AnyRow]) -> Result<Vec<Form>, ChecklistError> {
    let mut forms = rows.iter().map(form_of).collect::<Result<Vec<_>, _>>()?;
    let ids: Vec<i64> = forms.iter().filter_map(|f| f.vendor_id).collect();
    let names = crate::vendors::api::names(db, &ids).await?;
    for form in &mut forms {
        if let Some(name) = form.vendor_id.and_then(|id| names.get(&id)) {
            form.vendor_name = name.clone();
        }
    }
    Ok(forms)
}

fn form_of(row: &AnyRow) -> Result<Form, sqlx::Error> {
    Ok(Form {
        id: row.try_get("id")?,
        facility_id: row.try_get("facility_id")?,
        fiscal_year: i32::try_from(row.try_get::<i64, _>("fiscal_year")?).unwrap_or_default(),
        version: row.try_get("version")?,
        form: row.try_get("form")?,
        vendor_id: row.try_get("vendor_id")?,
        vendor_name: String::new(),
        system_name: row.try_get("system_name")?,
        gate: row.try_get("gate")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The forms of a 年度: the hospital form first, then vendor forms by vendor and system.
pub async fn forms_of_year(
    db: &Db,
    facility_id: i64,
    year: i32,
) -> Result<Vec<Form>, ChecklistError> {
    let sql = format!(
        "SELECT {FORM_COLUMNS} {FORM_FROM} WHERE f.facility_id = $1 AND f.fiscal_year = $2 ORDER BY f.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(facility_id)
        .bind(i64::from(year))
        .fetch_all(db.pool())
        .await?;
    let mut forms = forms_of_rows(db, &rows).await?;
    // The hospital form first, then vendor forms by vendor and system.
    forms.sort_by(|a, b| {
        (a.is_vendor(), &a.vendor_name, &a.system_name, a.id).cmp(&(
            b.is_vendor(),
            &b.vendor_name,
            &b.system_name,
            b.id,
        ))
    });
    Ok(forms)
}

/// Every form a vendor user may see, newest year first.
pub async fn forms_of_vendor(
    db: &Db,
    facility_id: i64,
    vendor_id: i64,
) -> Result<Vec<Form>, ChecklistError> {
    let sql = format!(
        "SELECT {FORM_COLUMNS} {FORM_FROM} WHERE f.facility_id = $1 AND f.vendor_id = $2 AND f.form = 'vendor' ORDER BY f.fiscal_year DESC, f.system_name, f.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(facility_id)
        .bind(vendor_id)
        .fetch_all(db.pool())
        .await?;
    forms_of_rows(db, &rows).await
}

/// The years that have a hospital form, newest first.
pub async fn years(db: &Db, facility_id: i64) -> Result<Vec<i32>, ChecklistError> {
    let found: Vec<i64> = sqlx::query_scalar(
        "SELECT fiscal_year FROM checklist_forms WHERE facility_id = $1 AND form = 'hospital' ORDER BY fiscal_year DESC",
    )
    .bind(facility_id)
    .fetch_all(db.pool())
    .await?;
    Ok(found
        .into_iter()
        .filter_map(|y| i32::try_from(y).ok())
        .collect())
}

/// A form the actor may see.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Form, ChecklistError> {
    let sql = format!("SELECT {FORM_COLUMNS} {FORM_FROM} WHERE f.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    let form = forms_of_rows(db, row.as_slice())
        .await?
        .pop()
        .ok_or(ChecklistError::NotFound)?;
    if !can_see(actor, &form) {
        return Err(ChecklistError::Forbidden(Forbidden(actor.role)));
    }
    Ok(form)
}

async fn editable(db: &Db, actor: &Actor, id: i64) -> Result<Form, ChecklistError> {
    let form = get(db, actor, id).await?;
    if !can_edit(actor, &form) {
        return Err(ChecklistError::Forbidden(Forbidden(actor.role)));
    }
    Ok(form)
}

/// The master a form follows.
pub async fn master_of(db: &Db, form: &Form) -> Result<Master, ChecklistError> {
    find_master(db, &form.version, &form.form).await
}

pub async fn find_master(db: &Db, version: &str, form: &str) -> Result<Master, ChecklistError> {
    masters::all(db)
        .await?
        .into_iter()
        .map(|(m, _)| m)
        .find(|m| m.version == version && m.form == form)
        .ok_or(ChecklistError::NotFound)
}

fn rejected(field: &'static str, key: &'static str) -> ChecklistError {
    ChecklistError::Rejected(vec![Problem { field, key }])
}

fn facility_of(actor: &Actor) -> Result<i64, ChecklistError> {
    actor
        .facility_id
        .ok_or(ChecklistError::Forbidden(Forbidden(actor.role)))
}

/// Starts a 年度 with the chosen version: creates its hospital form.
pub async fn start_year(
    db: &Db,
    actor: &Actor,
    year: i32,
    version: &str,
) -> Result<i64, ChecklistError> {
    actor.require(Permission::Edit)?;
    let facility_id = facility_of(actor)?;
    if !(2000..=2100).contains(&year) {
        return Err(rejected("year", crate::mkey!("checklist-year-invalid")));
    }
    let master = find_master(db, version, "hospital")
        .await
        .map_err(|_| rejected("version", crate::mkey!("checklist-version-unknown")))?;
    let mut w = db.write().await?;
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM checklist_forms WHERE facility_id = $1 AND fiscal_year = $2 AND form = 'hospital'",
    )
    .bind(facility_id)
    .bind(i64::from(year))
    .fetch_optional(&mut *w.tx)
    .await?;
    if existing.is_some() {
        return Err(rejected("year", crate::mkey!("checklist-year-started")));
    }
    let id = insert_form(
        &mut w,
        facility_id,
        year,
        &master.version,
        "hospital",
        None,
        "",
    )
    .await?;
    audit::commit_with(
        w,
        actor,
        Event::new("create", "checklist_form", id)
            .label(format!(
                "{year}年度 {} {}",
                master.version_name, master.form_name
            ))
            .change("version", "", master.version.clone()),
    )
    .await?;
    Ok(id)
}

async fn insert_form(
    w: &mut WriteTx,
    facility_id: i64,
    year: i32,
    version: &str,
    form: &str,
    vendor_id: Option<i64>,
    system_name: &str,
) -> Result<i64, ChecklistError> {
    let now = now_text();
    Ok(sqlx::query_scalar(
        "INSERT INTO checklist_forms (facility_id, fiscal_year, version, form, vendor_id, system_name, gate, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, '', $7, $8) RETURNING id",
    )
    .bind(facility_id)
    .bind(i64::from(year))
    .bind(version.to_string())
    .bind(form.to_string())
    .bind(vendor_id)
    .bind(system_name.to_string())
    .bind(now.clone())
    .bind(now)
    .fetch_one(&mut *w.tx)
    .await?)
}

/// Adds a 事業者確認用 for a vendor and system to a started 年度. Staff name the vendor (created
/// on first use); a vendor user always adds for their own vendor.
pub async fn add_vendor_form(
    db: &Db,
    actor: &Actor,
    year: i32,
    vendor_name: &str,
    system_name: &str,
) -> Result<i64, ChecklistError> {
    let facility_id = facility_of(actor)?;
    if actor.role != Role::Vendor {
        actor.require(Permission::Edit)?;
    }
    let vendor_name = vendor_name.trim();
    let system_name = system_name.trim();
    if actor.role != Role::Vendor && vendor_name.is_empty() {
        return Err(rejected(
            "vendor_name",
            crate::mkey!("checklist-vendor-required"),
        ));
    }
    if vendor_name.chars().count() > 200 || system_name.chars().count() > 200 {
        return Err(rejected("system_name", crate::mkey!("field-too-long")));
    }
    let hospital = forms_of_year(db, facility_id, year)
        .await?
        .into_iter()
        .find(|f| !f.is_vendor())
        .ok_or_else(|| rejected("year", crate::mkey!("checklist-year-not-started")))?;
    let master = find_master(db, &hospital.version, "vendor")
        .await
        .map_err(|_| rejected("version", crate::mkey!("checklist-no-vendor-form")))?;
    let mut w = db.write().await?;
    let vendor_id = match actor.role {
        Role::Vendor => actor
            .vendor_id
            .ok_or(ChecklistError::Forbidden(Forbidden(actor.role)))?,
        _ => crate::vendors::api::for_name(&mut w, actor, facility_id, vendor_name).await?,
    };
    let duplicate: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM checklist_forms WHERE facility_id = $1 AND fiscal_year = $2 AND form = 'vendor' AND vendor_id = $3 AND system_name = $4",
    )
    .bind(facility_id)
    .bind(i64::from(year))
    .bind(vendor_id)
    .bind(system_name.to_string())
    .fetch_optional(&mut *w.tx)
    .await?;
    if duplicate.is_some() {
        return Err(rejected(
            "system_name",
            crate::mkey!("checklist-vendor-form-exists"),
        ));
    }
    let id = insert_form(
        &mut w,
        facility_id,
        year,
        &master.version,
        "vendor",
        Some(vendor_id),
        system_name,
    )
    .await?;
    audit::commit_with(
        w,
        actor,
        Event::new("create", "checklist_form", id)
            .label(format!(
                "{year}年度 {} {}",
                master.version_name, master.form_name
            ))
            .change("vendor", "", vendor_name)
            .change("system_name", "", system_name),
    )
    .await?;
    Ok(id)
}

/// Answers the gate question (医療情報システムの有無).
pub async fn set_gate(db: &Db, actor: &Actor, id: i64, gate: &str) -> Result<(), ChecklistError> {
    let form = editable(db, actor, id).await?;
    if !matches!(gate, "" | "yes" | "no") {
        return Err(rejected("gate", crate::mkey!("checklist-answer-invalid")));
    }
    if form.gate == gate {
        return Ok(());
    }
    let mut w = db.write().await?;
    sqlx::query("UPDATE checklist_forms SET gate = $1, updated_at = $2 WHERE id = $3")
        .bind(gate.to_string())
        .bind(now_text())
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
    audit::commit_with(
        w,
        actor,
        Event::new("update", "checklist_form", id)
            .label(format!("{}年度 {}", form.fiscal_year, form.master_key()))
            .change("gate", form.gate.clone(), gate),
    )
    .await?;
    Ok(())
}

const ANSWER_COLUMNS: &str = "form_id, item, answer1, date1, target_date, answer2, date2, remarks, confirmed_by, updated_at, updated_by";

fn answer_of(row: &AnyRow) -> Result<(i64, Answer), sqlx::Error> {
    Ok((
        row.try_get("form_id")?,
        Answer {
            item: row.try_get("item")?,
            answer1: row.try_get("answer1")?,
            date1: row.try_get("date1")?,
            target_date: row.try_get("target_date")?,
            answer2: row.try_get("answer2")?,
            date2: row.try_get("date2")?,
            remarks: row.try_get("remarks")?,
            confirmed_by: row.try_get("confirmed_by")?,
            updated_at: row.try_get("updated_at")?,
            updated_by: row.try_get("updated_by")?,
        },
    ))
}

/// The answers of some forms, by form id and item number.
pub async fn answers(
    db: &Db,
    form_ids: &[i64],
) -> Result<HashMap<i64, HashMap<String, Answer>>, ChecklistError> {
    let mut out: HashMap<i64, HashMap<String, Answer>> = HashMap::new();
    if form_ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT {ANSWER_COLUMNS} FROM checklist_answers WHERE form_id IN ({})",
        placeholders(db.backend(), 1, form_ids.len())
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in form_ids {
        query = query.bind(*id);
    }
    for row in query.fetch_all(db.pool()).await? {
        let (form_id, answer) = answer_of(&row)?;
        out.entry(form_id)
            .or_default()
            .insert(answer.item.clone(), answer);
    }
    Ok(out)
}

/// Saves one item's answer after checking it; nothing is saved when a field is wrong.
pub async fn save_answer(
    db: &Db,
    actor: &Actor,
    form_id: i64,
    typed: &AnswerForm,
) -> Result<(), ChecklistError> {
    let form = editable(db, actor, form_id).await?;
    let master = master_of(db, &form).await?;
    if master.item(typed.item.trim()).is_none() {
        return Err(ChecklistError::NotFound);
    }
    let mut answer = answers::check(typed, form.fiscal_year).map_err(ChecklistError::Rejected)?;
    if answer.confirmed_by.is_empty() && !answer.answer1.is_empty() {
        answer.confirmed_by = actor.name.clone();
    }
    let mut w = db.write().await?;
    let sql =
        format!("SELECT {ANSWER_COLUMNS} FROM checklist_answers WHERE form_id = $1 AND item = $2");
    let before = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(form_id)
        .bind(answer.item.clone())
        .fetch_optional(&mut *w.tx)
        .await?
        .as_ref()
        .map(answer_of)
        .transpose()?
        .map(|(_, a)| a);
    let changes = audit::diff(
        &before.clone().unwrap_or_default().fields(),
        &answer.fields(),
    );
    if changes.is_empty() {
        return Ok(());
    }
    let now = now_text();
    let statement = if before.is_some() {
        "UPDATE checklist_answers SET answer1 = $3, date1 = $4, target_date = $5, answer2 = $6, date2 = $7, remarks = $8, confirmed_by = $9, updated_at = $10, updated_by = $11 WHERE form_id = $1 AND item = $2"
    } else {
        "INSERT INTO checklist_answers (form_id, item, answer1, date1, target_date, answer2, date2, remarks, confirmed_by, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    };
    sqlx::query(statement)
        .bind(form_id)
        .bind(answer.item.clone())
        .bind(answer.answer1.clone())
        .bind(answer.date1.clone())
        .bind(answer.target_date.clone())
        .bind(answer.answer2.clone())
        .bind(answer.date2.clone())
        .bind(answer.remarks.clone())
        .bind(answer.confirmed_by.clone())
        .bind(now.clone())
        .bind(actor.name.clone())
        .execute(&mut *w.tx)
        .await?;
    sqlx::query("UPDATE checklist_forms SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(form_id)
        .execute(&mut *w.tx)
        .await?;
    audit::commit_with(
        w,
        actor,
        Event::new(
            if before.is_some() { "update" } else { "create" },
            "checklist_answer",
            form_id,
        )
        .label(format!("{} {}", form.label(&master), answer.item))
        .changes(changes),
    )
    .await?;
    Ok(())
}

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
    let (table, id, name) = match lookup(db, form.facility_id, reference).await? {
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
    let content_type = file_type(&name, bytes)
        .ok_or_else(|| rejected("file", crate::mkey!("checklist-file-type")))?;
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

/// Item wording corrected for this installation, by (version/form, item number).
pub async fn wording(db: &Db) -> Result<HashMap<(String, String), String>, ChecklistError> {
    let rows: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT version, form, item, text FROM checklist_wording")
            .fetch_all(db.pool())
            .await?;
    Ok(rows
        .into_iter()
        .map(|(version, form, item, text)| ((format!("{version}/{form}"), item), text))
        .collect())
}

/// Corrects an item's wording for this installation (admin), e.g. once the official PDF has
/// been read. An empty text goes back to the shipped wording.
pub async fn set_wording(
    db: &Db,
    actor: &Actor,
    version: &str,
    form: &str,
    item: &str,
    text: &str,
) -> Result<(), ChecklistError> {
    actor.require(Permission::Administer)?;
    let master = find_master(db, version, form).await?;
    let shipped = master
        .item(item)
        .ok_or(ChecklistError::NotFound)?
        .text
        .clone();
    let text = text.trim();
    if text.chars().count() > 1000 {
        return Err(rejected("text", crate::mkey!("field-too-long")));
    }
    let current = wording(db)
        .await?
        .remove(&(master.key(), item.to_string()))
        .unwrap_or_else(|| shipped.clone());
    let mut w = db.write().await?;
    sqlx::query("DELETE FROM checklist_wording WHERE version = $1 AND form = $2 AND item = $3")
        .bind(version.to_string())
        .bind(form.to_string())
        .bind(item.to_string())
        .execute(&mut *w.tx)
        .await?;
    let after = if text.is_empty() || text == shipped {
        shipped
    } else {
        sqlx::query(
            "INSERT INTO checklist_wording (version, form, item, text, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(version.to_string())
        .bind(form.to_string())
        .bind(item.to_string())
        .bind(text.to_string())
        .bind(now_text())
        .bind(actor.name.clone())
        .execute(&mut *w.tx)
        .await?;
        text.to_string()
    };
    audit::commit_with(
        w,
        actor,
        Event::new(
            "update",
            "checklist_wording",
            format!("{}:{item}", master.key()),
        )
        .label(format!(
            "{} {} {item}",
            master.version_name, master.form_name
        ))
        .change("text", current, after),
    )
    .await?;
    Ok(())
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
    fn file_names_lose_their_folders() {
        assert_eq!(clean_file_name("C:\\Users\\a\\契約書.pdf"), "契約書.pdf");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("\u{7}"), "file");
    }

    fn actor(role: Role, vendor: Option<i64>) -> Actor {
        Actor {
            user_id: Some(1),
            facility_id: Some(1),
            name: "t".into(),
            ip: "local".into(),
            role,
            vendor_id: vendor,
        }
    }

    #[test]
    fn vendors_see_only_their_own_vendor_forms() {
        let hospital = Form {
            facility_id: 1,
            form: "hospital".into(),
            ..Default::default()
        };
        let mine = Form {
            facility_id: 1,
            form: "vendor".into(),
            vendor_id: Some(7),
            ..Default::default()
        };
        let theirs = Form {
            vendor_id: Some(8),
            ..mine.clone()
        };
        let vendor = actor(Role::Vendor, Some(7));
        assert!(can_edit(&vendor, &mine));
        assert!(!can_see(&vendor, &theirs));
        assert!(!can_see(&vendor, &hospital));
        assert!(!can_see(&actor(Role::Vendor, None), &mine));
        assert!(can_see(&actor(Role::Viewer, None), &theirs));
        assert!(!can_edit(&actor(Role::Viewer, None), &theirs));
        assert!(can_edit(&actor(Role::Staff, None), &hospital));
        let other_facility = Actor {
            facility_id: Some(2),
            ..actor(Role::Admin, None)
        };
        assert!(!can_see(&other_facility, &hospital));
    }
}

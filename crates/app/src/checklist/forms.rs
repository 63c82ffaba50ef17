//! The filled-in forms: one 医療機関確認用 per facility and 年度 (its version chosen when the year
//! is started), one 事業者確認用 per vendor and system, and their gate question. Answers,
//! evidence and wording corrections have files of their own. Every change is audited. Vendor
//! users reach only their own vendor's forms.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::answers::Problem;
use super::master::Master;
use super::store::{self as masters, ChecklistError};
use crate::db::audit::{self, Event};
use crate::db::{Db, WriteTx, now_text};
use crate::kernel::{Actor, Forbidden, Permission, Role};

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
    let mut forms = forms_where(
        db,
        "f.facility_id = $1 AND f.fiscal_year = $2 ORDER BY f.id",
        facility_id,
        i64::from(year),
    )
    .await?;
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
    forms_where(
        db,
        "f.facility_id = $1 AND f.vendor_id = $2 AND f.form = 'vendor' ORDER BY f.fiscal_year DESC, f.system_name, f.id",
        facility_id,
        vendor_id,
    )
    .await
}

/// The forms matching a condition on two numbers (`$1`, `$2`).
async fn forms_where(
    db: &Db,
    condition_and_order: &str,
    first: i64,
    second: i64,
) -> Result<Vec<Form>, ChecklistError> {
    let sql = format!("SELECT {FORM_COLUMNS} {FORM_FROM} WHERE {condition_and_order}");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(first)
        .bind(second)
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
    // A form someone may not see answers as if it did not exist, so its id tells them nothing.
    if !can_see(actor, &form) {
        return Err(ChecklistError::NotFound);
    }
    Ok(form)
}

pub(super) async fn editable(db: &Db, actor: &Actor, id: i64) -> Result<Form, ChecklistError> {
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

pub(super) fn rejected(field: &'static str, key: &'static str) -> ChecklistError {
    ChecklistError::Rejected(vec![Problem { field, key }])
}

pub(super) fn facility_of(actor: &Actor) -> Result<i64, ChecklistError> {
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
    let version = master.version.clone();
    insert_form(
        w,
        actor,
        (facility_id, year),
        &master,
        None,
        "",
        &[("version", &version)],
    )
    .await
}

/// Adds a form of `master` for the 年度 and commits it with its audit event.
async fn insert_form(
    mut w: WriteTx,
    actor: &Actor,
    (facility_id, year): (i64, i32),
    master: &Master,
    vendor_id: Option<i64>,
    system_name: &str,
    audited: &[(&str, &str)],
) -> Result<i64, ChecklistError> {
    let now = now_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO checklist_forms (facility_id, fiscal_year, version, form, vendor_id, system_name, gate, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, '', $7, $8) RETURNING id",
    )
    .bind(facility_id)
    .bind(i64::from(year))
    .bind(master.version.clone())
    .bind(master.form.clone())
    .bind(vendor_id)
    .bind(system_name.to_string())
    .bind(now.clone())
    .bind(now)
    .fetch_one(&mut *w.tx)
    .await?;
    let mut event = Event::new("create", "checklist_form", id).label(format!(
        "{year}年度 {} {}",
        master.version_name, master.form_name
    ));
    for (field, value) in audited {
        event = event.change(field, "", *value);
    }
    audit::commit_with(w, actor, event).await?;
    Ok(id)
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
    insert_form(
        w,
        actor,
        (facility_id, year),
        &master,
        Some(vendor_id),
        system_name,
        &[("vendor", vendor_name), ("system_name", system_name)],
    )
    .await
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

#[cfg(test)]
mod tests {
    use super::*;

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

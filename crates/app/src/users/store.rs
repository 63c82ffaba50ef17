//! Users in the database. Every change writes its audit event in the same transaction.
//! Service functions take the acting user and check its permission themselves, so the web
//! pages and the CLI go through the same rule.

use sqlx::FromRow;
use sqlx::any::AnyRow;

use super::model::{check_login, check_password_for};
use crate::auth::secrets;
use crate::db::audit::{self, Event};
use crate::db::{Db, DbError, DbResult, WriteTx, now_text};
use crate::kernel::{Actor, Permission, Role, RoomError, User};

const USER_COLUMNS: &str = "u.id, u.facility_id, u.login, u.display_name, u.role, u.vendor_id, u.password_hash, u.totp_secret, u.totp_pending_secret, u.totp_last_step, u.disabled, u.language, u.created_at, u.updated_at";
const USER_FROM: &str = "FROM users u";

/// A user as stored; [`User`] is what the rest of mamori sees.
#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    facility_id: i64,
    login: String,
    display_name: String,
    role: String,
    vendor_id: Option<i64>,
    password_hash: String,
    totp_secret: Option<String>,
    totp_pending_secret: Option<String>,
    totp_last_step: Option<i64>,
    disabled: i64,
    language: String,
    created_at: String,
    updated_at: String,
}

fn user_from_row(row: &AnyRow) -> Result<User, sqlx::Error> {
    let r = UserRow::from_row(row)?;
    Ok(User {
        role: Role::parse(&r.role)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown role {}", r.role).into()))?,
        id: r.id,
        facility_id: r.facility_id,
        login: r.login,
        display_name: r.display_name,
        vendor_id: r.vendor_id,
        vendor_name: None,
        password_hash: r.password_hash,
        totp_secret: r.totp_secret,
        totp_pending_secret: r.totp_pending_secret,
        totp_last_step: r.totp_last_step,
        disabled: r.disabled != 0,
        language: r.language,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// Why a user change was refused: a message key for the field it concerns.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{field}: {key}")]
    Invalid {
        field: &'static str,
        key: &'static str,
    },
    #[error("forbidden: {0}")]
    Forbidden(#[from] crate::kernel::Forbidden),
    #[error("user not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for UserError {
    fn from(e: sqlx::Error) -> Self {
        UserError::Db(DbError::Sql(e))
    }
}

fn invalid(field: &'static str, key: &'static str) -> UserError {
    UserError::Invalid { field, key }
}

/// Fills in each vendor user's vendor name (the vendors room owns the names).
async fn with_vendor_names(db: &Db, mut users: Vec<User>) -> Result<Vec<User>, sqlx::Error> {
    let ids: Vec<i64> = users.iter().filter_map(|u| u.vendor_id).collect();
    if ids.is_empty() {
        return Ok(users);
    }
    let names = crate::vendors::api::names(db, &ids)
        .await
        .map_err(|e| match e {
            DbError::Sql(e) => e,
            other => sqlx::Error::Protocol(other.to_string()),
        })?;
    for user in &mut users {
        user.vendor_name = user.vendor_id.and_then(|id| names.get(&id).cloned());
    }
    Ok(users)
}

async fn one(db: &Db, row: Option<AnyRow>) -> Result<Option<User>, sqlx::Error> {
    let found = row.as_ref().map(user_from_row).transpose()?;
    Ok(with_vendor_names(db, found.into_iter().collect())
        .await?
        .pop())
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} {USER_FROM} WHERE u.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    one(db, row).await
}

pub async fn by_login(db: &Db, login: &str) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} {USER_FROM} WHERE u.login = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(login.to_string())
        .fetch_optional(db.pool())
        .await?;
    one(db, row).await
}

pub async fn list(db: &Db, facility_id: i64) -> Result<Vec<User>, sqlx::Error> {
    let sql = format!(
        "SELECT {USER_COLUMNS} {USER_FROM} WHERE u.facility_id = $1 ORDER BY u.disabled, u.login"
    );
    let users = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(facility_id)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(user_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    with_vendor_names(db, users).await
}

pub async fn count_all(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(db.pool())
        .await
}

/// What an administrator fills in to create a user.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub role: String,
    pub vendor_name: String,
    pub password: String,
}

/// Checks a new user's fields; every problem is returned so the form can show them all.
pub fn validate_new(new: &NewUser) -> Vec<(&'static str, &'static str)> {
    let mut problems = Vec::new();
    if let Err(key) = check_login(new.login.trim()) {
        problems.push(("login", key));
    }
    let name = new.display_name.trim();
    if name.is_empty() {
        problems.push(("display_name", crate::mkey!("field-required")));
    } else if name.chars().count() > 100 {
        problems.push(("display_name", crate::mkey!("field-too-long")));
    }
    match Role::parse(&new.role) {
        None => problems.push(("role", crate::mkey!("field-required"))),
        Some(Role::Vendor) if new.vendor_name.trim().is_empty() => {
            problems.push(("vendor_name", crate::mkey!("vendor-name-required")));
        }
        Some(_) => {}
    }
    if new.vendor_name.trim().chars().count() > 200 {
        problems.push(("vendor_name", crate::mkey!("field-too-long")));
    }
    if let Err(p) = check_password_for(&new.password, &new.login, false) {
        problems.push(("password", p.message_key()));
    }
    problems
}

/// Inserts a user inside an open transaction (setup and user creation share it).
pub async fn insert(
    w: &mut WriteTx,
    actor: &Actor,
    facility_id: i64,
    new: &NewUser,
    password_hash: &str,
) -> Result<i64, UserError> {
    let login = new.login.trim().to_string();
    let role = Role::parse(&new.role).ok_or_else(|| invalid("role", "field-required"))?;
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE login = $1")
        .bind(login.clone())
        .fetch_optional(&mut *w.tx)
        .await?;
    if exists.is_some() {
        return Err(invalid("login", crate::mkey!("login-taken")));
    }
    let vendor_id = if role == Role::Vendor {
        Some(crate::vendors::api::for_name(w, actor, facility_id, new.vendor_name.trim()).await?)
    } else {
        None
    };
    let now = now_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (facility_id, login, display_name, role, vendor_id, password_hash, disabled, language, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 0, '', $7, $8) RETURNING id",
    )
    .bind(facility_id)
    .bind(login.clone())
    .bind(new.display_name.trim().to_string())
    .bind(role.as_str())
    .bind(vendor_id)
    .bind(password_hash.to_string())
    .bind(now.clone())
    .bind(now)
    .fetch_one(&mut *w.tx)
    .await?;
    let mut event = Event::new("create", "user", id)
        .label(login.clone())
        .change("login", "", login)
        .change("display_name", "", new.display_name.trim())
        .change("role", "", role.as_str())
        .change("password", "", "(set)");
    if role == Role::Vendor {
        event = event.change("vendor", "", new.vendor_name.trim());
    }
    audit::append(w, actor, event).await?;
    Ok(id)
}

/// Creates a user (administrators only).
pub async fn create(db: &Db, actor: &Actor, new: &NewUser) -> Result<i64, UserError> {
    actor.require(Permission::Administer)?;
    if let Some((field, key)) = validate_new(new).into_iter().next() {
        return Err(invalid(field, key));
    }
    let facility_id = actor
        .facility_id
        .ok_or_else(|| invalid("facility", crate::mkey!("setup-not-done")))?;
    let hash = hash_or_refuse("password", &new.password).await?;
    let mut w = db.write().await?;
    let id = insert(&mut w, actor, facility_id, new, &hash).await?;
    w.commit().await?;
    Ok(id)
}

async fn load_for_change(db: &Db, actor: &Actor, id: i64) -> Result<User, UserError> {
    actor.require(Permission::Administer)?;
    let user = by_id(db, id).await?.ok_or(UserError::NotFound)?;
    if Some(user.facility_id) != actor.facility_id && actor.user_id.is_some() {
        return Err(UserError::NotFound);
    }
    Ok(user)
}

async fn end_sessions(w: &mut WriteTx, user_id: i64) -> DbResult<()> {
    crate::auth::sessions::end_all_of(w, user_id).await
}

/// Disables or re-enables a user. Users are never deleted: the audit trail refers to them.
pub async fn set_disabled(
    db: &Db,
    actor: &Actor,
    id: i64,
    disabled: bool,
) -> Result<(), UserError> {
    let user = load_for_change(db, actor, id).await?;
    if disabled && actor.user_id == Some(id) {
        return Err(invalid("disabled", crate::mkey!("cannot-disable-self")));
    }
    if user.disabled == disabled {
        return Ok(());
    }
    let mut w = db.write().await?;
    if disabled && user.role == Role::Admin {
        let admins: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id <> $1",
        )
        .bind(id)
        .fetch_one(&mut *w.tx)
        .await?;
        if admins == 0 {
            return Err(invalid("disabled", crate::mkey!("last-admin")));
        }
    }
    sqlx::query("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(disabled))
        .bind(now_text())
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
    if disabled {
        end_sessions(&mut w, id).await?;
    }
    let action = if disabled { "disable" } else { "enable" };
    commit_user_change(
        w,
        actor,
        action,
        &user,
        ("disabled", bool_text(user.disabled), bool_text(disabled)),
    )
    .await?;
    Ok(())
}

fn bool_text(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Sets a new password chosen by an administrator and signs the user out everywhere.
pub async fn reset_password(
    db: &Db,
    actor: &Actor,
    id: i64,
    password: &str,
) -> Result<(), UserError> {
    let user = load_for_change(db, actor, id).await?;
    if let Err(p) = check_password_for(password, &user.login, user.has_totp()) {
        return Err(invalid("password", p.message_key()));
    }
    let hash = hash_or_refuse("password", password).await?;
    let mut w = db.write().await?;
    write_password(&mut w, id, &hash).await?;
    end_sessions(&mut w, id).await?;
    commit_user_change(
        w,
        actor,
        "reset_password",
        &user,
        ("password", "", "(reset)"),
    )
    .await?;
    Ok(())
}

/// Commits a change of one field of a user, with its audit event.
pub(super) async fn commit_user_change(
    w: WriteTx,
    actor: &Actor,
    action: &'static str,
    user: &User,
    (field, before, after): (&str, impl Into<String>, impl Into<String>),
) -> Result<(), UserError> {
    audit::commit_with(
        w,
        actor,
        Event::new(action, "user", user.id)
            .label(user.login.clone())
            .change(field, before, after),
    )
    .await?;
    Ok(())
}

/// Sets (or with `None` removes) a user's confirmed TOTP secret, its last used step, and the
/// recovery codes that replace the old ones.
pub(super) async fn write_totp(
    w: &mut WriteTx,
    id: i64,
    secret_and_step: Option<(&str, i64)>,
    recovery_codes: &[String],
) -> Result<(), sqlx::Error> {
    let (secret, step) = secret_and_step.unzip();
    sqlx::query(
        "UPDATE users SET totp_secret = $1, totp_pending_secret = NULL, totp_last_step = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(secret.map(str::to_string))
    .bind(step)
    .bind(now_text())
    .bind(id)
    .execute(&mut *w.tx)
    .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
    for code in recovery_codes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(id)
            .bind(secrets::hash_token(&secrets::normalize_recovery_code(code)))
            .execute(&mut *w.tx)
            .await?;
    }
    Ok(())
}

async fn write_password(w: &mut WriteTx, id: i64, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash.to_string())
        .bind(now_text())
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
    Ok(())
}

/// A user changes their own password after proving the current one.
/// Changes the signed-in user's own password after checking the current one (counted like a
/// sign-in attempt), and signs them out everywhere else: only `keep_session` (the session
/// making the change, by its token hash) stays.
pub async fn change_own_password(
    db: &Db,
    actor: &Actor,
    keep_session: &str,
    current: &str,
    new_password: &str,
) -> Result<(), UserError> {
    use crate::auth::login::{self, Outcome};
    let id = actor.user_id.ok_or(UserError::NotFound)?;
    let user = by_id(db, id).await?.ok_or(UserError::NotFound)?;
    match login::check_current_password(db, &user, current, &actor.ip).await? {
        Outcome::SignedIn(_) => {}
        Outcome::Throttled => {
            return Err(invalid("current_password", crate::mkey!("login-throttled")));
        }
        Outcome::Busy => return Err(invalid("current_password", crate::mkey!("server-busy"))),
        _ => return Err(invalid("current_password", crate::mkey!("password-wrong"))),
    }
    if let Err(p) = check_password_for(new_password, &user.login, user.has_totp()) {
        return Err(invalid("new_password", p.message_key()));
    }
    let hash = hash_or_refuse("new_password", new_password).await?;
    let mut w = db.write().await?;
    write_password(&mut w, id, &hash).await?;
    crate::auth::sessions::end_others_of(&mut w, id, keep_session).await?;
    commit_user_change(
        w,
        actor,
        "change_password",
        &user,
        ("password", "", "(changed)"),
    )
    .await?;
    Ok(())
}

/// The argon2id hash of a password, or the field's refusal when it cannot be made now.
async fn hash_or_refuse(field: &'static str, password: &str) -> Result<String, UserError> {
    secrets::hash_password_blocking(password.to_string())
        .await
        .map_err(|_| invalid(field, crate::mkey!("server-busy")))
}

/// Lifts the sign-in limit of a user after failed attempts (administrators, or the command
/// line): their failures from every address are cleared. Returns how many were cleared.
pub async fn unlock(db: &Db, actor: &Actor, id: i64) -> Result<u64, UserError> {
    let user = load_for_change(db, actor, id).await?;
    let mut w = db.write().await?;
    let cleared = crate::auth::guard::unlock(&mut w, &user.login).await?;
    commit_user_change(
        w,
        actor,
        "unlock",
        &user,
        ("failures", cleared.to_string(), "0"),
    )
    .await?;
    Ok(cleared)
}

/// Removes a user's 2FA (lost phone): they enrol again at next sign-in.
pub async fn reset_totp(db: &Db, actor: &Actor, id: i64) -> Result<(), UserError> {
    let user = load_for_change(db, actor, id).await?;
    let mut w = db.write().await?;
    write_totp(&mut w, id, None, &[]).await?;
    end_sessions(&mut w, id).await?;
    let had = bool_text(user.has_totp());
    commit_user_change(
        w,
        actor,
        "reset_2fa",
        &user,
        ("two_factor", had, bool_text(false)),
    )
    .await?;
    Ok(())
}

/// Changes a user's role (not for vendor users, whose role ties them to a vendor record).
pub async fn set_role(db: &Db, actor: &Actor, id: i64, role: Role) -> Result<(), UserError> {
    let user = load_for_change(db, actor, id).await?;
    if user.role == role {
        return Ok(());
    }
    if user.role == Role::Vendor || role == Role::Vendor {
        return Err(invalid("role", crate::mkey!("role-vendor-fixed")));
    }
    if actor.user_id == Some(id) {
        return Err(invalid("role", crate::mkey!("cannot-change-own-role")));
    }
    let mut w = db.write().await?;
    sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
        .bind(role.as_str())
        .bind(now_text())
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
    // A new role means new rights: make the user sign in again.
    end_sessions(&mut w, id).await?;
    commit_user_change(
        w,
        actor,
        "change_role",
        &user,
        ("role", user.role.as_str(), role.as_str()),
    )
    .await?;
    Ok(())
}

/// Remembers the language a user chose.
pub async fn set_language(db: &Db, actor: &Actor, lang: &str) -> Result<(), UserError> {
    let id = actor.user_id.ok_or(UserError::NotFound)?;
    let user = by_id(db, id).await?.ok_or(UserError::NotFound)?;
    if user.language == lang {
        return Ok(());
    }
    let mut w = db.write().await?;
    sqlx::query("UPDATE users SET language = $1, updated_at = $2 WHERE id = $3")
        .bind(lang.to_string())
        .bind(now_text())
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
    commit_user_change(
        w,
        actor,
        "update",
        &user,
        ("language", user.language.clone(), lang),
    )
    .await?;
    Ok(())
}

/// How many users there are, inside an open transaction (setup refuses to run twice).
pub async fn count_in(w: &mut WriteTx) -> DbResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&mut *w.tx)
        .await?)
}

/// Records the TOTP time step a user just signed in with. Conditional, so of two requests with
/// the same code only one wins (false for the other).
pub async fn advance_totp_step(db: &Db, user_id: i64, step: i64) -> DbResult<bool> {
    let updated = sqlx::query(
        "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $3)",
    )
    .bind(step)
    .bind(user_id)
    .bind(step)
    .execute(db.pool())
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Marks one unused recovery code (by its hash) as used; false when there is no such code.
pub async fn spend_recovery_code(w: &mut WriteTx, user_id: i64, code_hash: &str) -> DbResult<bool> {
    let used = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(now_text())
    .bind(user_id)
    .bind(code_hash.to_string())
    .execute(&mut *w.tx)
    .await?;
    Ok(used.rows_affected() == 1)
}

/// How many unused recovery codes a user has left.
pub async fn recovery_codes_left(db: &Db, user_id: i64) -> DbResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(db.pool())
    .await?)
}

impl From<UserError> for RoomError {
    fn from(e: UserError) -> Self {
        match e {
            UserError::NotFound => RoomError::NotFound,
            UserError::Forbidden(_) => RoomError::Forbidden,
            other => RoomError::internal(other),
        }
    }
}

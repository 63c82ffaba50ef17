//! How many guesses at a password (or a 2FA code) are let through, decided before the slow check
//! runs. Each attempt is counted as a failure *before* the hash is computed (a reservation) and
//! the count is lifted only when the attempt succeeds, so parallel guesses cannot all pass the
//! check before any of them is recorded.
//!
//! The limits slow an attacker without letting one lock the owner out:
//! - one address may fail 5 times for one login within 15 minutes, then waits;
//! - one address may fail 20 times in all within 15 minutes;
//! - a login that failed 10 times or more (from anywhere) within 15 minutes is slowed down with an
//!   exponential back-off between attempts (30 s, 1, 2, 4 … minutes, at most 15 minutes) — except from
//!   addresses the login has signed in from before, so guesses from elsewhere never keep the
//!   owner out of their own computer.
//!
//! Failure rows older than a day are removed. `mamori user unlock LOGIN` clears a login's rows.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{Duration, Utc};
use sqlx::Row;

use crate::db::audit::{self, Event};
use crate::db::{Db, DbResult, WriteTx, now_text, parse_time, time_text};
use crate::kernel::Actor;

pub const WINDOW_MINUTES: i64 = 15;
pub const MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// From this many failures of one login (all addresses), unknown addresses are slowed down.
pub const BACKOFF_FROM: i64 = 10;
const BACKOFF_MAX_SECONDS: i64 = 15 * 60;
/// Failure rows are kept this long (the windows above need 15 minutes of them).
const KEEP_FAILURES_HOURS: i64 = 24;
/// Addresses a login signed in from count as its own this long.
const KNOWN_ADDRESS_DAYS: i64 = 90;
/// Login IDs are at most 64 characters; anything longer is kept (counted, audited) cut to this.
pub const LOGIN_MAX_CHARS: usize = 64;

/// A counted attempt: lifted again by [`Reservation::succeeded`].
#[must_use]
#[derive(Debug)]
pub struct Reservation {
    id: i64,
    login: String,
    ip: String,
}

/// The login as it is counted and recorded: trimmed and cut to [`LOGIN_MAX_CHARS`].
pub fn recorded_login(login: &str) -> String {
    login.trim().chars().take(LOGIN_MAX_CHARS).collect()
}

/// Counts the attempt before it is checked, or refuses it (`None`) when a limit is reached. A
/// refusal is written to the audit trail for the 1st, 10th, 100th … refusal of an address within
/// a window, so a flood of refused requests cannot grow the trail.
pub async fn reserve(
    db: &Db,
    login: &str,
    ip: &str,
    facility_id: Option<i64>,
) -> DbResult<Option<Reservation>> {
    let login = recorded_login(login);
    purge_old(db).await?;
    let mut w = db.write().await?;
    let allowed = allowed(&mut w, &login, ip).await?;
    if !allowed {
        drop(w);
        if let Some(count) = REFUSALS.note(db.instance(), ip)
            && is_power_of_ten(count)
        {
            let actor = Actor::anonymous(&login, ip, facility_id);
            audit::record(
                db,
                &actor,
                Event::new("login_refused", "user", &login)
                    .label(&login)
                    .change("refused", "", count.to_string()),
            )
            .await?;
        }
        return Ok(None);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO login_failures (at, login, ip) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(now_text())
    .bind(login.clone())
    .bind(ip.to_string())
    .fetch_one(&mut *w.tx)
    .await?;
    w.commit().await?;
    Ok(Some(Reservation {
        id,
        login,
        ip: ip.to_string(),
    }))
}

fn is_power_of_ten(mut n: u64) -> bool {
    while n >= 10 && n.is_multiple_of(10) {
        n /= 10;
    }
    n == 1
}

async fn allowed(w: &mut WriteTx, login: &str, ip: &str) -> DbResult<bool> {
    let since = time_text(Utc::now() - Duration::minutes(WINDOW_MINUTES));
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM login_failures WHERE login = $1 AND ip = $2 AND at >= $3) AS by_pair, \
         (SELECT COUNT(*) FROM login_failures WHERE ip = $4 AND at >= $5) AS by_ip, \
         (SELECT COUNT(*) FROM login_failures WHERE login = $6 AND at >= $7) AS by_login, \
         (SELECT MAX(at) FROM login_failures WHERE login = $8 AND at >= $9) AS last_at",
    )
    .bind(login.to_string())
    .bind(ip.to_string())
    .bind(since.clone())
    .bind(ip.to_string())
    .bind(since.clone())
    .bind(login.to_string())
    .bind(since.clone())
    .bind(login.to_string())
    .bind(since)
    .fetch_one(&mut *w.tx)
    .await?;
    let by_pair: i64 = row.try_get("by_pair")?;
    let by_ip: i64 = row.try_get("by_ip")?;
    let by_login: i64 = row.try_get("by_login")?;
    let last_at: Option<String> = row.try_get("last_at")?;
    if by_pair >= MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS || by_ip >= MAX_FAILURES_PER_ADDRESS {
        return Ok(false);
    }
    if by_login < BACKOFF_FROM || is_known_address(w, login, ip).await? {
        return Ok(true);
    }
    let wait = backoff_seconds(by_login);
    let last = last_at.as_deref().and_then(parse_time);
    Ok(last.is_none_or(|last| Utc::now() - last >= Duration::seconds(wait)))
}

/// Seconds an unknown address waits after the last failure of a login that failed `failures`
/// times: 30 s at the threshold, doubling, at most 15 minutes.
pub fn backoff_seconds(failures: i64) -> i64 {
    let exponent = (failures - BACKOFF_FROM).clamp(0, 20) as u32;
    (30 * 2_i64.pow(exponent)).min(BACKOFF_MAX_SECONDS)
}

async fn is_known_address(w: &mut WriteTx, login: &str, ip: &str) -> DbResult<bool> {
    let since = time_text(Utc::now() - Duration::days(KNOWN_ADDRESS_DAYS));
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM login_addresses WHERE login = $1 AND ip = $2 AND last_success_at >= $3",
    )
    .bind(login.to_string())
    .bind(ip.to_string())
    .bind(since)
    .fetch_optional(&mut *w.tx)
    .await?;
    Ok(found.is_some())
}

impl Reservation {
    /// The attempt succeeded: it no longer counts as a failure.
    pub async fn succeeded(self, db: &Db) -> DbResult<()> {
        self.lift(db, false).await
    }

    /// The whole sign-in succeeded: besides lifting the count, the address becomes one of the
    /// login's own.
    pub async fn signed_in(self, db: &Db) -> DbResult<()> {
        self.lift(db, true).await
    }

    async fn lift(self, db: &Db, remember: bool) -> DbResult<()> {
        let mut w = db.write().await?;
        sqlx::query("DELETE FROM login_failures WHERE id = $1")
            .bind(self.id)
            .execute(&mut *w.tx)
            .await?;
        if remember {
            remember_in(&mut w, &self.login, &self.ip).await?;
        }
        w.commit().await
    }

    /// The attempt failed: it stays counted, and is written to the audit trail.
    pub async fn failed(self, db: &Db, facility_id: Option<i64>, step: &str) -> DbResult<()> {
        let actor = Actor::anonymous(&self.login, &self.ip, facility_id);
        audit::record(
            db,
            &actor,
            Event::new("login_failed", "user", &self.login)
                .label(&self.login)
                .change("step", "", step),
        )
        .await
    }
}

/// Makes `ip` one of the login's own addresses (a sign-in that did not go through a password
/// check, such as finishing setup).
pub async fn remember_address(db: &Db, login: &str, ip: &str) -> DbResult<()> {
    let mut w = db.write().await?;
    remember_in(&mut w, &recorded_login(login), ip).await?;
    w.commit().await
}

async fn remember_in(w: &mut WriteTx, login: &str, ip: &str) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO login_addresses (login, ip, last_success_at) VALUES ($1, $2, $3) \
         ON CONFLICT (login, ip) DO UPDATE SET last_success_at = excluded.last_success_at",
    )
    .bind(login.to_string())
    .bind(ip.to_string())
    .bind(now_text())
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}

/// Removes failure rows older than a day, at most once a minute.
async fn purge_old(db: &Db) -> DbResult<()> {
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = Utc::now().timestamp();
    let last = LAST.load(Ordering::Relaxed);
    if now - last < 60
        || LAST
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return Ok(());
    }
    let before = time_text(Utc::now() - Duration::hours(KEEP_FAILURES_HOURS));
    let mut w = db.write().await?;
    sqlx::query("DELETE FROM login_failures WHERE at < $1")
        .bind(before)
        .execute(&mut *w.tx)
        .await?;
    w.commit().await
}

/// Clears every counted failure of a login (all addresses), so its owner can sign in at once.
/// Returns how many were cleared; the caller audits the unlock.
pub async fn unlock(w: &mut WriteTx, login: &str) -> DbResult<u64> {
    let done = sqlx::query("DELETE FROM login_failures WHERE login = $1")
        .bind(recorded_login(login))
        .execute(&mut *w.tx)
        .await?;
    Ok(done.rows_affected())
}

/// Refused attempts per address in the current window, kept in memory only to decide which
/// refusals are written down.
struct Refusals(Mutex<HashMap<(usize, String), (i64, u64)>>);

static REFUSALS: std::sync::LazyLock<Refusals> =
    std::sync::LazyLock::new(|| Refusals(Mutex::new(HashMap::new())));

impl Refusals {
    /// Counts a refusal of `ip` by database `db`; returns the count within the address's window.
    fn note(&self, db: usize, ip: &str) -> Option<u64> {
        let now = Utc::now().timestamp();
        let window = WINDOW_MINUTES * 60;
        let mut map = self.0.lock().ok()?;
        if map.len() > 10_000 {
            map.retain(|_, (start, _)| now - *start < window);
            if map.len() > 10_000 {
                map.clear();
            }
        }
        let entry = map.entry((db, ip.to_string())).or_insert((now, 0));
        if now - entry.0 >= window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        Some(entry.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stops_at_fifteen_minutes() {
        assert_eq!(backoff_seconds(BACKOFF_FROM), 30);
        assert_eq!(backoff_seconds(BACKOFF_FROM + 1), 60);
        assert_eq!(backoff_seconds(BACKOFF_FROM + 4), 480);
        assert_eq!(backoff_seconds(1000), BACKOFF_MAX_SECONDS);
    }

    #[test]
    fn refusals_are_written_at_powers_of_ten() {
        let written: Vec<u64> = (1..=1000).filter(|n| is_power_of_ten(*n)).collect();
        assert_eq!(written, [1, 10, 100, 1000]);
    }

    #[test]
    fn over_long_logins_are_cut() {
        assert_eq!(recorded_login(&"a".repeat(500_000)).len(), LOGIN_MAX_CHARS);
        assert_eq!(recorded_login("  sato  "), "sato");
    }
}

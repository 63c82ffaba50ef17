//! Passwords (argon2id), random tokens, TOTP (RFC 6238) and recovery codes.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};
use totp_rs::{Secret, Totp};

/// 32 random bytes as URL-safe text: session cookies, setup links, CSRF tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    fill_random(&mut bytes);
    data_encoding::BASE64URL_NOPAD.encode(&bytes)
}

pub fn fill_random(bytes: &mut [u8]) {
    // The operating system's generator failing is not something a request can recover from.
    #[allow(clippy::expect_used)]
    getrandom::fill(bytes).expect("the operating system's random number generator failed");
}

/// What we store instead of a token: its SHA-256, so a stolen database holds no live tokens.
pub fn hash_token(token: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(token.as_bytes()))
}

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// argon2id with the crate's recommended parameters, as a PHC string. Slow on purpose:
/// call from a blocking thread.
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

/// A hash that never matches, verified for unknown logins so they take as long as known ones.
pub fn dummy_password_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

/// The password hashes computed at once: one per core. Each argon2id hash takes about 19 MiB
/// for a moment, so parallel sign-in attempts cannot grow memory without bound.
fn hashing() -> &'static tokio::sync::Semaphore {
    static HASHING: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    HASHING.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        tokio::sync::Semaphore::new(cores)
    })
}

/// Requests waiting for a hash beyond this many are turned away at once (HTTP 429).
const MAX_WAITING_FOR_HASH: usize = 64;
/// How long a request may wait for its turn to hash.
const HASH_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// Too many password checks are already waiting: try again shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many sign-in attempts are being checked at once; try again shortly")]
pub struct Busy;

/// Runs one slow password job when its turn comes (see [`hashing`]).
async fn with_hashing_turn<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Busy> {
    static WAITING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    use std::sync::atomic::Ordering;
    if WAITING.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING_FOR_HASH {
        WAITING.fetch_sub(1, Ordering::SeqCst);
        return Err(Busy);
    }
    let permit = tokio::time::timeout(HASH_WAIT, hashing().acquire()).await;
    WAITING.fetch_sub(1, Ordering::SeqCst);
    let _permit = match permit {
        Ok(Ok(permit)) => permit,
        _ => return Err(Busy),
    };
    tokio::task::spawn_blocking(job).await.map_err(|_| Busy)
}

pub async fn hash_password_blocking(password: String) -> Result<String, String> {
    with_hashing_turn(move || hash_password(&password))
        .await
        .map_err(|e| e.to_string())?
}

/// Checks a password against its hash when a hashing turn is free; `Err(Busy)` when too many
/// checks are waiting.
pub async fn verify_password_blocking(password: String, phc: String) -> Result<bool, Busy> {
    with_hashing_turn(move || verify_password(&password, &phc)).await
}

/// A new 160-bit TOTP secret in base32, as authenticator apps expect.
pub fn new_totp_secret() -> String {
    let mut bytes = [0u8; 20];
    fill_random(&mut bytes);
    Secret::new_stack(bytes).to_base32()
}

fn totp(secret_base32: &str, issuer: &str, account: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_base32).ok()?;
    // The otpauth issuer may not contain a colon.
    let issuer = issuer.replace(':', " ");
    let account = account.replace(':', " ");
    totp_rs::Builder::new()
        .with_secret(secret)
        .with_issuer(Some(issuer))
        .with_account_name(account)
        .build()
        .ok()
}

/// The otpauth:// URL put in the QR code.
pub fn totp_url(secret_base32: &str, issuer: &str, account: &str) -> Option<String> {
    totp(secret_base32, issuer, account)?.to_url().ok()
}

/// Checks a 6-digit code against the current time (±1 step). Returns the matched step, which the
/// caller stores so the same code cannot be used twice.
pub fn check_totp(secret_base32: &str, code: &str, last_used_step: Option<i64>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret_base32, "mamori", "user")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    let step = i64::try_from(totp.check(&code, now)?).ok()?;
    match last_used_step {
        Some(last) if step <= last => None,
        _ => Some(step),
    }
}

/// The current code for a secret (tests and the CLI's self-check use it).
pub fn current_totp_code(secret_base32: &str) -> Option<String> {
    Some(
        totp(secret_base32, "mamori", "user")?
            .generate_current()
            .to_string(),
    )
}

/// The code for a secret at a given Unix time.
pub fn totp_code_at(secret_base32: &str, unix_seconds: u64) -> Option<String> {
    Some(
        totp(secret_base32, "mamori", "user")?
            .generate(unix_seconds)
            .to_string(),
    )
}

/// The QR code of an otpauth URL as an SVG document.
pub fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(220, 220)
            .quiet_zone(true)
            .build(),
    )
}

/// Ten one-time recovery codes such as `k7m2-9xqp-4fda`, easy to read aloud and type.
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
    (0..10)
        .map(|_| {
            let mut bytes = [0u8; 12];
            fill_random(&mut bytes);
            let chars: Vec<char> = bytes
                .iter()
                .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
                .collect();
            format!(
                "{}-{}-{}",
                chars[0..4].iter().collect::<String>(),
                chars[4..8].iter().collect::<String>(),
                chars[8..12].iter().collect::<String>()
            )
        })
        .collect()
}

/// Recovery codes are compared without case, spaces or dashes.
pub fn normalize_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery").expect("hashes");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("x", "not a phc string"));
    }

    #[test]
    fn totp_codes_verify_once() {
        let secret = new_totp_secret();
        let code = current_totp_code(&secret).expect("code");
        assert_eq!(code.len(), 6);
        let step = check_totp(&secret, &code, None).expect("valid");
        assert_eq!(
            check_totp(&secret, &code, Some(step)),
            None,
            "replay refused"
        );
        assert_eq!(check_totp(&secret, "12345", None), None);
        assert_eq!(check_totp(&secret, "abcdef", None), None);
        let url = totp_url(&secret, "半田:病院", "admin").expect("url");
        assert!(url.starts_with("otpauth://totp/"), "{url}");
        assert!(url.contains(&format!("secret={secret}")), "{url}");
        let svg = qr_svg(&url).expect("svg");
        assert!(svg.contains("<svg"), "{svg}");
    }

    #[test]
    fn recovery_codes_are_distinct_and_normalise() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        assert_eq!(normalize_recovery_code(" AB12-cd34 "), "ab12cd34");
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = random_token();
        assert_ne!(a, random_token());
        assert_eq!(hash_token(&a).len(), 64);
        assert!(constant_time_eq(&a, &a.clone()));
        assert!(!constant_time_eq(&a, "x"));
    }
}

//! People who use mamori, their roles, and the password rule. Plain rules, no I/O.

/// Why a password was refused; each maps to a message key shown next to the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooShortWithoutMix,
    TooLong,
    /// One character repeated ("aaaaaaaaaaaaa").
    Repeated,
    /// The login ID is in it.
    ContainsLogin,
    /// A well-known password or an easily guessed pattern ("P@ssw0rd", "qwerty123456…").
    Common,
}

impl PasswordProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => crate::mkey!("password-too-short"),
            PasswordProblem::TooShortWithoutMix => crate::mkey!("password-too-short-2fa"),
            PasswordProblem::TooLong => crate::mkey!("password-too-long"),
            PasswordProblem::Repeated => crate::mkey!("password-repeated"),
            PasswordProblem::ContainsLogin => crate::mkey!("password-contains-login"),
            PasswordProblem::Common => crate::mkey!("password-common"),
        }
    }
}

pub const PASSWORD_MAX_CHARS: usize = 256;

/// The R7 checklist rule: at least 13 characters, or at least 8 characters mixing letters,
/// digits and symbols when the user signs in with two-factor authentication.
pub fn check_password(password: &str, has_two_factor: bool) -> Result<(), PasswordProblem> {
    let length = password.chars().count();
    if length > PASSWORD_MAX_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    if length >= 13 {
        return Ok(());
    }
    if !has_two_factor {
        return Err(PasswordProblem::TooShort);
    }
    let has_letter = password.chars().any(|c| c.is_alphabetic());
    let has_digit = password.chars().any(|c| c.is_numeric());
    let has_symbol = password
        .chars()
        .any(|c| !c.is_alphanumeric() && !c.is_whitespace());
    if length >= 8 && has_letter && has_digit && has_symbol {
        Ok(())
    } else {
        Err(PasswordProblem::TooShortWithoutMix)
    }
}

/// The whole password rule for a person's password: the R7 length rule, then what makes a long
/// password weak all the same — one repeated character, the login ID inside it, or a password
/// (or pattern) that attackers try first. The well-known passwords come from zxcvbn's bundled
/// lists (with l33t spellings such as "P@ssw0rd"); a password it would guess in under a million
/// tries is refused.
pub fn check_password_for(
    password: &str,
    login: &str,
    has_two_factor: bool,
) -> Result<(), PasswordProblem> {
    check_password(password, has_two_factor)?;
    let mut chars = password.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return Err(PasswordProblem::Repeated);
    }
    let login = login.trim().to_lowercase();
    if login.chars().count() >= 3 && password.to_lowercase().contains(&login) {
        return Err(PasswordProblem::ContainsLogin);
    }
    if is_guessable(password, &login) {
        return Err(PasswordProblem::Common);
    }
    Ok(())
}

/// zxcvbn's score 0 or 1: fewer than a million guesses. Only the first 100 characters are
/// scored (as zxcvbn advises; the rest only adds strength).
fn is_guessable(password: &str, login: &str) -> bool {
    let scored: String = password.chars().take(100).collect();
    let entropy = zxcvbn::zxcvbn(&scored, &[login]);
    u8::from(entropy.score()) < 2
}

/// Login ids: 1–64 characters of ASCII letters, digits and `. _ - @`.
pub fn check_login(login: &str) -> Result<(), &'static str> {
    if login.is_empty() {
        return Err(crate::mkey!("field-required"));
    }
    if login.len() > 64
        || !login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(crate::mkey!("login-invalid"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_rule_follows_r7() {
        assert_eq!(
            check_password("short", false),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(
            check_password("abcdefghijkl", false),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(check_password("abcdefghijklm", false), Ok(()));
        assert_eq!(check_password("あいうえおかきくけこさしす", false), Ok(()));
        assert_eq!(
            check_password("Vt7#qLm2", false),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(check_password("Vt7#qLm2", true), Ok(()));
        assert_eq!(
            check_password("Abc123xy", true),
            Err(PasswordProblem::TooShortWithoutMix)
        );
        assert_eq!(
            check_password("Ab1!", true),
            Err(PasswordProblem::TooShortWithoutMix)
        );
        assert_eq!(
            check_password(&"x".repeat(300), false),
            Err(PasswordProblem::TooLong)
        );
    }

    #[test]
    fn weak_long_passwords_are_refused() {
        use PasswordProblem::*;
        let check = |p: &str| check_password_for(p, "sato.h", true);
        assert_eq!(check("P@ssw0rd"), Err(Common));
        assert_eq!(check("password12345"), Err(Common));
        assert_eq!(check("qwertyuiop123"), Err(Common));
        assert_eq!(check("aaaaaaaaaaaaaa"), Err(Repeated));
        assert_eq!(check("my-sato.h-password"), Err(ContainsLogin));
        assert_eq!(check("MY-SATO.H-PASSWORD"), Err(ContainsLogin));
        assert_eq!(check("kumo-nochi-hare-42"), Ok(()));
        assert_eq!(check("あいうえおかきくけこさしす"), Err(Common));
        assert_eq!(check("さくらの花がきれいに咲いた日"), Ok(()));
        assert_eq!(check("Vt7#qLm2"), Ok(()));
        assert_eq!(check("short"), Err(TooShortWithoutMix));
    }

    #[test]
    fn login_ids_are_plain() {
        assert!(check_login("sato.h").is_ok());
        assert!(check_login("").is_err());
        assert!(check_login("佐藤").is_err());
        assert!(check_login("a b").is_err());
    }
}

//! People who use mamori, their roles, and the password rule. Plain rules, no I/O.

/// Why a password was refused; each maps to a message key shown next to the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooShortWithoutMix,
    TooLong,
}

impl PasswordProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => crate::mkey!("password-too-short"),
            PasswordProblem::TooShortWithoutMix => crate::mkey!("password-too-short-2fa"),
            PasswordProblem::TooLong => crate::mkey!("password-too-long"),
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
            check_password("Abc123!x", false),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(check_password("Abc123!x", true), Ok(()));
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
    fn login_ids_are_plain() {
        assert!(check_login("sato.h").is_ok());
        assert!(check_login("").is_err());
        assert!(check_login("佐藤").is_err());
        assert!(check_login("a b").is_err());
    }
}

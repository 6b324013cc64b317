//! Input validation shared by the browser and the server; the server always re-checks.

use crate::error::FieldErrors;

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 30;
pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 128;
pub const DISPLAY_NAME_MAX: usize = 60;
pub const BIO_MAX: usize = 500;

/// Usernames are stored lower-case so that `Alice` and `alice` cannot both exist.
pub fn normalize_username(raw: &str) -> String {
    raw.trim().to_lowercase()
}

pub fn normalize_email(raw: &str) -> String {
    raw.trim().to_string()
}

pub fn username(errors: &mut FieldErrors, value: &str) {
    let len = value.chars().count();
    if len == 0 {
        errors.add("username", "Choose a username.");
    } else if !(USERNAME_MIN..=USERNAME_MAX).contains(&len) {
        errors.add(
            "username",
            format!("Usernames are {USERNAME_MIN} to {USERNAME_MAX} characters long."),
        );
    } else if !value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        errors.add("username", "Use only letters, digits and underscores.");
    }
}

pub fn email(errors: &mut FieldErrors, value: &str) {
    let ok = value.len() <= 254
        && !value.chars().any(char::is_whitespace)
        && match value.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            }
            None => false,
        };
    if value.is_empty() {
        errors.add("email", "Enter your email address.");
    } else if !ok {
        errors.add(
            "email",
            "Enter a valid email address, like name@example.com.",
        );
    }
}

pub fn password(errors: &mut FieldErrors, field: &'static str, value: &str) {
    let len = value.chars().count();
    if len < PASSWORD_MIN {
        errors.add(
            field,
            format!("Passwords need at least {PASSWORD_MIN} characters."),
        );
    } else if len > PASSWORD_MAX {
        errors.add(
            field,
            format!("Passwords are at most {PASSWORD_MAX} characters."),
        );
    }
}

pub fn display_name(errors: &mut FieldErrors, value: &str) {
    let len = value.trim().chars().count();
    if len == 0 {
        errors.add("display_name", "Enter a display name.");
    } else if len > DISPLAY_NAME_MAX {
        errors.add(
            "display_name",
            format!("Display names are at most {DISPLAY_NAME_MAX} characters."),
        );
    }
}

pub fn bio(errors: &mut FieldErrors, value: &str) {
    if value.chars().count() > BIO_MAX {
        errors.add("bio", format!("Bios are at most {BIO_MAX} characters."));
    }
}

/// Validated sign-up input.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub password: String,
}

impl NewAccount {
    pub fn parse(
        username_raw: &str,
        email_raw: &str,
        display_name_raw: &str,
        password_raw: &str,
        confirm: &str,
    ) -> Result<NewAccount, FieldErrors> {
        let mut errors = FieldErrors::default();
        let uname = normalize_username(username_raw);
        username(&mut errors, &uname);
        let mail = normalize_email(email_raw);
        email(&mut errors, &mail);
        let display = if display_name_raw.trim().is_empty() {
            uname.clone()
        } else {
            display_name_raw.trim().to_string()
        };
        display_name(&mut errors, &display);
        password(&mut errors, "password", password_raw);
        if password_raw != confirm {
            errors.add("confirm", "The passwords do not match.");
        }
        errors.into_result(NewAccount {
            username: uname,
            email: mail,
            display_name: display,
            password: password_raw.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_sign_up_is_normalised() {
        let a = NewAccount::parse(
            " Alice_1 ",
            "a@example.com",
            "",
            "correct horse",
            "correct horse",
        )
        .unwrap();
        assert_eq!(a.username, "alice_1");
        assert_eq!(a.display_name, "alice_1");
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let e = NewAccount::parse("a!", "nope", "", "short", "other").unwrap_err();
        for f in ["username", "email", "password", "confirm"] {
            assert!(e.get(f).is_some(), "missing error for {f}: {e:?}");
        }
    }

    #[test]
    fn emails_need_a_domain_with_a_dot() {
        for bad in ["a@b", "@b.com", "a b@c.com", "a@.com", "a@b.com."] {
            let mut e = FieldErrors::default();
            email(&mut e, bad);
            assert!(!e.is_empty(), "{bad} accepted");
        }
        let mut e = FieldErrors::default();
        email(&mut e, "first.last+tag@mail.example.org");
        assert!(e.is_empty());
    }

    #[test]
    fn usernames_reject_uppercase_after_normalisation_only() {
        let mut e = FieldErrors::default();
        username(&mut e, "Bob");
        assert!(!e.is_empty());
        let mut e = FieldErrors::default();
        username(&mut e, &normalize_username("Bob"));
        assert!(e.is_empty());
    }
}

/// An ISRC without dashes: country (2 letters), registrant (3 alphanumerics), year and
/// designation (7 digits).
pub fn isrc(s: &str) -> bool {
    s.len() == 12
        && s.is_ascii()
        && s[..2].chars().all(|c| c.is_ascii_uppercase())
        && s[2..5].chars().all(|c| c.is_ascii_alphanumeric())
        && s[5..].chars().all(|c| c.is_ascii_digit())
}

//! Apps: app passwords for Subsonic/OpenSubsonic clients and how an API request proves
//! whose it is (apiKey, token = md5(app password + salt), or the password itself).

use md5::{Digest, Md5};
use rand::{distributions::Alphanumeric, Rng};
use uuid::Uuid;

use crate::{
    model::{AppPassword, SessionUser, UserStatus},
    repo::Repos,
    Error, Result,
};

/// App passwords one user may have at a time.
pub const MAX_APP_PASSWORDS: i64 = 20;

/// Makes a new app password named after the app it is for; returns its id.
pub async fn create(repos: &Repos, user: &SessionUser, name: &str) -> Result<Uuid> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(Error::field(
            "name",
            "Name the app this password is for (1 to 60 characters).",
        ));
    }
    let secret: String = rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect();
    repos
        .accounts
        .add_app_password(user.id, name, &secret, MAX_APP_PASSWORDS)
        .await?
        .ok_or_else(|| {
            Error::field(
                "name",
                format!("You have {MAX_APP_PASSWORDS} app passwords; revoke one first."),
            )
        })
}

pub async fn list(repos: &Repos, user: &SessionUser) -> Result<Vec<AppPassword>> {
    repos.accounts.app_passwords(user.id).await
}

/// Revokes one of the user's own app passwords; anybody else's id is "not found".
pub async fn revoke(repos: &Repos, user: &SessionUser, id: Uuid) -> Result<()> {
    if repos.accounts.revoke_app_password(user.id, id).await? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// The credentials a Subsonic request carries (query string or form body).
#[derive(Debug, Default, Clone)]
pub struct ApiCredentials {
    pub username: Option<String>,
    /// `p`: the app password, plain or `enc:` + hex.
    pub password: Option<String>,
    /// `t` and `s`: md5(app password + salt) and the salt.
    pub token: Option<String>,
    pub salt: Option<String>,
    pub api_key: Option<String>,
}

/// Why an API request was refused, with its Subsonic error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiAuthError {
    /// 10: no credentials, or an incomplete set.
    Missing,
    /// 40: wrong username or password.
    Wrong,
    /// 43: apiKey together with a username.
    Conflicting,
    /// 44: an unknown API key.
    BadKey,
    /// 50: the account may not use the API (suspended).
    NotAllowed,
}

impl ApiAuthError {
    pub fn code(&self) -> u32 {
        match self {
            ApiAuthError::Missing => 10,
            ApiAuthError::Wrong => 40,
            ApiAuthError::Conflicting => 43,
            ApiAuthError::BadKey => 44,
            ApiAuthError::NotAllowed => 50,
        }
    }
    pub fn message(&self) -> &'static str {
        match self {
            ApiAuthError::Missing => "Required parameter is missing: give u with t and s, u with p, or apiKey.",
            ApiAuthError::Wrong => "Wrong username or password (use an app password from Settings → Apps, not the account password).",
            ApiAuthError::Conflicting => "Multiple conflicting authentication mechanisms provided: apiKey goes without u.",
            ApiAuthError::BadKey => "Invalid API key.",
            ApiAuthError::NotAllowed => "This account is suspended.",
        }
    }
}

fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

fn md5_hex(s: &str) -> String {
    Md5::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `p` as sent: plain, or `enc:` followed by the password's bytes in hex.
fn decode_password(p: &str) -> Option<String> {
    match p.strip_prefix("enc:") {
        Some(hex) => {
            if hex.len() % 2 != 0 {
                return None;
            }
            let bytes: Option<Vec<u8>> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
                .collect();
            String::from_utf8(bytes?).ok()
        }
        None => Some(p.to_string()),
    }
}

/// Whose request this is. Only app passwords count; the account password never does.
pub async fn authenticate(
    repos: &Repos,
    c: &ApiCredentials,
) -> Result<std::result::Result<SessionUser, ApiAuthError>> {
    let (user, key_id) = if let Some(key) = &c.api_key {
        if c.username.is_some() {
            return Ok(Err(ApiAuthError::Conflicting));
        }
        match repos.accounts.user_by_app_password(key).await? {
            Some(found) => found,
            None => return Ok(Err(ApiAuthError::BadKey)),
        }
    } else {
        let Some(name) = &c.username else {
            return Ok(Err(ApiAuthError::Missing));
        };
        let check: Box<dyn Fn(&str) -> bool + Send + Sync> = match (&c.token, &c.salt, &c.password)
        {
            (Some(t), Some(s), _) => {
                let (t, s) = (t.to_ascii_lowercase(), s.clone());
                Box::new(move |secret: &str| {
                    same(md5_hex(&format!("{secret}{s}")).as_bytes(), t.as_bytes())
                })
            }
            (_, _, Some(p)) => {
                let Some(p) = decode_password(p) else {
                    return Ok(Err(ApiAuthError::Wrong));
                };
                Box::new(move |secret: &str| same(secret.as_bytes(), p.as_bytes()))
            }
            _ => return Ok(Err(ApiAuthError::Missing)),
        };
        let Some((user, keys)) = repos.accounts.user_with_app_passwords(name).await? else {
            return Ok(Err(ApiAuthError::Wrong));
        };
        match keys.iter().find(|(_, secret)| check(secret)) {
            Some((id, _)) => (user, *id),
            None => return Ok(Err(ApiAuthError::Wrong)),
        }
    };
    if user.status != UserStatus::Active {
        return Ok(Err(ApiAuthError::NotAllowed));
    }
    repos.accounts.app_password_used(key_id).await?;
    Ok(Ok(user.session_user()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_decode_plain_and_hex() {
        assert_eq!(decode_password("sesame").as_deref(), Some("sesame"));
        assert_eq!(
            decode_password("enc:736573616d65").as_deref(),
            Some("sesame")
        );
        assert_eq!(decode_password("enc:7").as_deref(), None);
        assert_eq!(decode_password("enc:zz").as_deref(), None);
        // The Subsonic documentation's example: md5("sesame" + "c19b2d").
        assert_eq!(md5_hex("sesamec19b2d"), "26719a1196d2a940705a59634eb18eab");
    }
}

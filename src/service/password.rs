//! argon2id with OWASP's minimum parameters (m = 19 MiB, t = 2, p = 1), always run on a
//! blocking thread so hashing never stalls the async runtime.

use std::sync::OnceLock;

use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};
use rand_core::OsRng;

use crate::{Error, Result};

fn argon2() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19 * 1024, 2, 1, None).expect("valid argon2 params"),
    )
}

fn hash_blocking(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("argon2 hash: {e}")))
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

pub async fn hash(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| Error::Internal(format!("hash task: {e}")))?
}

/// Verifies against `hash`, or — for unknown users — against a fixed dummy hash so that
/// the response time does not reveal whether the account exists.
pub async fn verify(password: String, hash: Option<String>) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        static DUMMY: OnceLock<String> = OnceLock::new();
        match hash {
            Some(h) => verify_blocking(&password, &h),
            None => {
                let dummy = DUMMY.get_or_init(|| {
                    hash_blocking("encore-dummy-password-for-timing").unwrap_or_default()
                });
                let _ = verify_blocking(&password, dummy);
                false
            }
        }
    })
    .await
    .map_err(|e| Error::Internal(format!("verify task: {e}")))
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn hashes_verify_and_use_argon2id_owasp_parameters() {
        let h = super::hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(
            super::verify("correct horse battery".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(!super::verify("wrong".into(), Some(h)).await.unwrap());
        assert!(!super::verify("x".into(), None).await.unwrap());
    }
}

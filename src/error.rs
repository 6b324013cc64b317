//! Errors. `FieldErrors` is user-facing and travels to the browser. With `ssr`, `Error` is
//! the server-side error of the repository and service layer: a user-facing tier
//! (validation, conflicts, permissions) and an `Internal` tier whose cause is logged,
//! never shown.

use serde::{Deserialize, Serialize};

/// Field-level validation messages, in form order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_string(), message.into()));
    }
    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::default();
        e.add(field, message);
        e
    }
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn into_result<T>(self, ok: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(ok)
        } else {
            Err(self)
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let msgs: Vec<&str> = self.0.iter().map(|(_, m)| m.as_str()).collect();
        write!(f, "{}", msgs.join(" "))
    }
}

#[cfg(feature = "ssr")]
mod server {
    use super::FieldErrors;

    /// The repository/service error.
    #[derive(Debug, thiserror::Error)]
    pub enum Error {
        #[error("invalid input: {0}")]
        Invalid(FieldErrors),
        #[error("not signed in")]
        Unauthorized,
        #[error("forbidden")]
        Forbidden,
        #[error("not found")]
        NotFound,
        /// A user-facing conflict, e.g. a taken username.
        #[error("{0}")]
        Conflict(String),
        #[error("{0}")]
        RateLimited(String),
        #[error("postgres: {0}")]
        Postgres(#[from] sqlx::Error),
        #[error("mongodb: {0}")]
        Mongo(#[from] mongodb::error::Error),
        #[error("{0}")]
        Internal(String),
    }

    pub type Result<T, E = Error> = std::result::Result<T, E>;

    impl From<FieldErrors> for Error {
        fn from(e: FieldErrors) -> Self {
            Error::Invalid(e)
        }
    }

    impl Error {
        pub fn field(field: &str, message: impl Into<String>) -> Self {
            Error::Invalid(FieldErrors::single(field, message))
        }

        /// The name of a violated unique constraint, if this is one.
        pub fn unique_violation(&self) -> Option<&str> {
            match self {
                Error::Postgres(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                    db.constraint()
                }
                _ => None,
            }
        }
    }
}

#[cfg(feature = "ssr")]
pub use server::{Error, Result};

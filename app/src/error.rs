//! The error that crosses the wire from server functions: user-facing kinds only. With
//! `ssr`, domain errors convert into it; internal causes are logged and never sent.

use encore::FieldErrors;
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error("Please sign in to continue.")]
    Unauthorized,
    #[error("You do not have permission to do that.")]
    Forbidden,
    #[error("That page does not exist.")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    RateLimited(String),
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    #[error("Could not reach Encore ({0}). Check your connection and try again.")]
    Transport(String),
}

impl AppError {
    /// The message for one form field, if this is a validation error that names it.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid(f) => f.get(name).map(str::to_string),
            _ => None,
        }
    }

    /// A message for the whole form: anything that is not tied to a field.
    pub fn form_message(&self) -> Option<String> {
        match self {
            AppError::Invalid(_) => None,
            other => Some(other.to_string()),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<encore::Error> for AppError {
    fn from(e: encore::Error) -> Self {
        use encore::Error as E;
        match e {
            E::Invalid(f) => AppError::Invalid(f),
            E::Unauthorized => AppError::Unauthorized,
            E::Forbidden => AppError::Forbidden,
            E::NotFound => AppError::NotFound,
            E::Conflict(m) => AppError::Conflict(m),
            E::RateLimited(m) => AppError::RateLimited(m),
            other => {
                tracing::error!(error = %other, "internal error");
                AppError::Internal
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<tower_sessions::session::Error> for AppError {
    fn from(e: tower_sessions::session::Error) -> Self {
        tracing::error!(error = %e, "session store error");
        AppError::Internal
    }
}

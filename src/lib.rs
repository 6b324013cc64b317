//! Encore's domain crate: types and validation that the browser build shares, and — with
//! the `ssr` feature — the repository layer over PostgreSQL (sqlx) and MongoDB, plus the
//! services that hold rules spanning them. The browser build must never pull the database
//! stack in; `make check-wasm-deps` guards that.

pub mod analytics;
pub mod artists;
pub mod billing;
pub mod catalog;
pub mod error;
pub mod listening;
pub mod model;
pub mod party;
pub mod playlists;
pub mod recommend;
pub mod validate;

#[cfg(feature = "ssr")]
pub mod audio;
#[cfg(feature = "ssr")]
pub mod bench;
#[cfg(feature = "ssr")]
pub mod catalog_gen;
#[cfg(feature = "ssr")]
pub mod covers;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod hll;
#[cfg(feature = "ssr")]
pub mod import;
#[cfg(feature = "ssr")]
pub mod renditions;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod search;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod upload;

pub use error::FieldErrors;
#[cfg(feature = "ssr")]
pub use error::{Error, Result};

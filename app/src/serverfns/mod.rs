//! Server functions by area. They stay thin: authenticate, authorise, call a service,
//! convert the error. Endpoints are stable names under `/api/`.

pub mod account;
pub mod admin;
pub mod artists;
pub mod auth;
pub mod billing;
pub mod catalog;
pub mod comments;
pub mod events;
pub mod listening;
pub mod moderation;
pub mod parties;
pub mod playlists;
pub mod recs;
pub mod social;
pub mod tips;

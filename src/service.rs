//! Services: the rules that sit above single repositories (authentication, authorisation,
//! admin). Server functions, HTTP handlers, CLI commands and jobs all call these.

pub mod admin;
pub mod analytics;
pub mod apps;
pub mod artists;
pub mod auth;
pub mod billing;
pub mod comments;
pub mod events;
pub mod export;
pub mod feed;
pub mod imports;
pub mod listenbrainz;
pub mod listening;
pub mod moderation;
pub mod parties;
pub mod password;
pub mod playlists;
pub mod recommend;
pub mod social;
pub mod tips;
pub mod uploads;

use crate::{model::SessionUser, Error, Result};

/// Fails unless a user is signed in.
pub fn require_user(user: Option<SessionUser>) -> Result<SessionUser> {
    user.ok_or(Error::Unauthorized)
}

/// Fails unless the user may work the admin panel (moderator or admin).
pub fn require_moderator(user: &SessionUser) -> Result<()> {
    if user.role.can_moderate() {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

pub fn require_admin(user: &SessionUser) -> Result<()> {
    if user.role.is_admin() {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

pub fn require_artist(user: &SessionUser) -> Result<()> {
    if user.role.is_artist() || user.role.is_admin() {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

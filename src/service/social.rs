//! Follows and blocks. The acting user always comes from the session; a request can only
//! ever change the actor's own follows and blocks.

use uuid::Uuid;

pub use crate::model::Relation;
use crate::{model::SessionUser, repo::Repos, Error, Result};

pub async fn follow_user(
    repos: &Repos,
    me: &SessionUser,
    target: Uuid,
    follow: bool,
) -> Result<()> {
    if target == me.id {
        return Err(Error::Conflict("You cannot follow yourself.".into()));
    }
    if follow && repos.accounts.blocked_either_way(me.id, target).await? {
        return Err(Error::Conflict("You cannot follow this user.".into()));
    }
    repos.accounts.set_user_follow(me.id, target, follow).await
}

pub async fn follow_artist(
    repos: &Repos,
    me: &SessionUser,
    artist: Uuid,
    follow: bool,
) -> Result<()> {
    if follow && repos.catalog.artist(artist).await?.is_none() {
        return Err(Error::NotFound);
    }
    repos
        .accounts
        .set_artist_follow(me.id, artist, follow)
        .await
}

/// Blocking also ends the follows in both directions.
pub async fn block(repos: &Repos, me: &SessionUser, target: Uuid, block: bool) -> Result<()> {
    if target == me.id {
        return Err(Error::Conflict("You cannot block yourself.".into()));
    }
    repos.accounts.set_block(me.id, target, block).await
}

pub async fn relation(repos: &Repos, me: &SessionUser, other: Uuid) -> Result<Relation> {
    repos.accounts.relation(me.id, other).await
}

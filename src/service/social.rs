//! Follows and blocks. The acting user always comes from the session; a request can only
//! ever change the actor's own follows and blocks.

use uuid::Uuid;

pub use crate::model::Relation;
use crate::{
    catalog::SongStatus,
    model::{LikeKind, LikeState, SessionUser},
    repo::Repos,
    Error, Result,
};

/// The target exists and `me` may see it (a private playlist of someone else's is 404).
async fn likeable(
    repos: &Repos,
    me: Option<&SessionUser>,
    kind: LikeKind,
    target: Uuid,
) -> Result<()> {
    let ok = match kind {
        LikeKind::Song => repos
            .catalog
            .song(target)
            .await?
            .is_some_and(|(s, _)| s.status == SongStatus::Published),
        LikeKind::Album => repos.catalog.album(target).await?.is_some(),
        LikeKind::Playlist => {
            crate::service::playlists::visible(repos, target, me).await?;
            true
        }
    };
    if ok {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// Likes (idempotent) or unlikes a song, album or playlist the user can see.
pub async fn set_like(
    repos: &Repos,
    me: &SessionUser,
    kind: LikeKind,
    target: Uuid,
    liked: bool,
) -> Result<()> {
    // Taking a like back always works, even when the target has gone since.
    if liked {
        likeable(repos, Some(me), kind, target).await?;
    }
    repos.accounts.set_like(me.id, kind, target, liked).await
}

pub async fn like_state(
    repos: &Repos,
    me: Option<&SessionUser>,
    kind: LikeKind,
    target: Uuid,
) -> Result<LikeState> {
    likeable(repos, me, kind, target).await?;
    let liked = match me {
        Some(m) => Some(repos.accounts.likes(m.id, kind, target).await?),
        None => None,
    };
    Ok(LikeState {
        liked,
        count: repos.accounts.like_count(kind, target).await?,
    })
}

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

/// People to follow: friends of friends (followed by people you follow) first, then people
/// who like the same songs; never yourself, people you follow, or anyone either of you
/// blocked.
pub async fn suggestions(
    repos: &Repos,
    me: &SessionUser,
    limit: i64,
) -> Result<Vec<crate::model::Suggestion>> {
    let exclude = "u.id <> $1 and u.status = 'active'
        and not exists (select 1 from user_follows x where x.follower_id = $1 and x.followee_id = u.id)
        and not exists (select 1 from blocks b where (b.blocker_id = $1 and b.blocked_id = u.id) or (b.blocker_id = u.id and b.blocked_id = $1))";
    let fof: Vec<(String, String, String, i64)> = sqlx::query_as(&format!(
        "select u.username, u.display_name, u.role, count(*) from user_follows f1
         join user_follows f2 on f2.follower_id = f1.followee_id join users u on u.id = f2.followee_id
         where f1.follower_id = $1 and {exclude}
         group by u.id order by count(*) desc, u.username limit $2"
    ))
    .bind(me.id)
    .bind(limit)
    .fetch_all(&repos.pg)
    .await?;
    let taste: Vec<(String, String, String, i64)> = sqlx::query_as(&format!(
        "select u.username, u.display_name, u.role, count(*) from favorites mine
         join favorites theirs on theirs.target_type = mine.target_type and theirs.target_id = mine.target_id and theirs.user_id <> $1
         join users u on u.id = theirs.user_id
         where mine.user_id = $1 and {exclude}
         group by u.id order by count(*) desc, u.username limit $2"
    ))
    .bind(me.id)
    .bind(limit)
    .fetch_all(&repos.pg)
    .await?;
    let plural = |n: i64, one: &str, many: &str| {
        if n == 1 {
            one.to_string()
        } else {
            format!("{n} {many}")
        }
    };
    let mut out: Vec<crate::model::Suggestion> = vec![];
    for (rows, why) in [(fof, 0), (taste, 1)] {
        for (username, display_name, role, n) in rows {
            if out.len() as i64 >= limit || out.iter().any(|s| s.user.username == username) {
                continue;
            }
            let reason = if why == 0 {
                format!(
                    "Followed by {}",
                    plural(n, "someone you follow", "people you follow")
                )
            } else {
                format!("Likes {} you like", plural(n, "a song", "songs"))
            };
            out.push(crate::model::Suggestion {
                user: crate::model::UserSummary::from_row((username, display_name, role)),
                reason,
            });
        }
    }
    Ok(out)
}

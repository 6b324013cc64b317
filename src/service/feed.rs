//! The activity feed: what the people and artists you follow did, newest first. Built at
//! read time from indexed lookups (followees' public playlists and likes in PostgreSQL,
//! followed artists' albums in MongoDB), merged and cut to a page.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    model::{FeedEvent, FeedItem, SessionUser, UserSummary},
    repo::Repos,
    Result,
};

pub use crate::model::FEED_PAGE as PAGE;

/// Items strictly older than `before` (or the newest), at most `PAGE`.
pub async fn feed(
    repos: &Repos,
    me: &SessionUser,
    before: Option<DateTime<Utc>>,
) -> Result<Vec<FeedItem>> {
    let before = before.unwrap_or_else(|| Utc::now() + chrono::Duration::minutes(1));
    let pg = &repos.pg;
    let playlists: Vec<(DateTime<Utc>, Uuid, String, String, String, String)> = sqlx::query_as(
        "select p.created_at, p.id, p.title, u.username, u.display_name, u.role
         from user_follows f join playlists p on p.owner_id = f.followee_id join users u on u.id = p.owner_id
         where f.follower_id = $1 and p.visibility = 'public' and p.created_at < $2 and u.status = 'active'
           and not exists (select 1 from blocks b where b.blocker_id = p.owner_id and b.blocked_id = $1)
         order by p.created_at desc limit $3",
    )
    .bind(me.id)
    .bind(before)
    .bind(PAGE)
    .fetch_all(pg)
    .await?;
    let likes: Vec<(DateTime<Utc>, Uuid, String, String, String)> = sqlx::query_as(
        "select fav.created_at, fav.target_id, u.username, u.display_name, u.role
         from user_follows f join favorites fav on fav.user_id = f.followee_id and fav.target_type = 'song'
         join users u on u.id = fav.user_id
         left join user_preferences pr on pr.user_id = fav.user_id
         where f.follower_id = $1 and fav.created_at < $2 and u.status = 'active'
           and coalesce(pr.share_activity, true) and not coalesce(pr.private_session, false)
           and not exists (select 1 from blocks b where b.blocker_id = fav.user_id and b.blocked_id = $1)
         order by fav.created_at desc limit $3",
    )
    .bind(me.id)
    .bind(before)
    .bind(PAGE)
    .fetch_all(pg)
    .await?;
    let listening: Vec<(DateTime<Utc>, Uuid, String, String, String)> = sqlx::query_as(
        "select ln.started_at, ln.song_id, u.username, u.display_name, u.role
         from user_follows f join listening_now ln on ln.user_id = f.followee_id
         join users u on u.id = ln.user_id
         left join user_preferences pr on pr.user_id = ln.user_id
         where f.follower_id = $1 and ln.started_at < $2 and u.status = 'active'
           and coalesce(pr.share_activity, true) and not coalesce(pr.private_session, false)
           and not exists (select 1 from blocks b where b.blocker_id = ln.user_id and b.blocked_id = $1)
         order by ln.started_at desc limit $3",
    )
    .bind(me.id)
    .bind(before)
    .bind(PAGE)
    .fetch_all(pg)
    .await?;
    let artists: Vec<Uuid> =
        sqlx::query_scalar("select artist_id from artist_follows where user_id = $1 limit 500")
            .bind(me.id)
            .fetch_all(pg)
            .await?;
    let albums = repos.catalog.releases_of(&artists, before, PAGE).await?;

    let user = |username: String, display_name: String, role: String| {
        UserSummary::from_row((username, display_name, role))
    };
    let song_ids: Vec<Uuid> = likes
        .iter()
        .map(|l| l.1)
        .chain(listening.iter().map(|l| l.1))
        .collect();
    let songs: HashMap<Uuid, _> = repos
        .catalog
        .song_rows(&song_ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut items: Vec<FeedItem> = playlists
        .into_iter()
        .map(|(at, id, title, u, n, r)| FeedItem {
            at,
            event: FeedEvent::Playlist {
                user: user(u, n, r),
                playlist_id: id,
                title,
            },
        })
        .chain(likes.into_iter().filter_map(|(at, song, u, n, r)| {
            Some(FeedItem {
                at,
                event: FeedEvent::Like {
                    user: user(u, n, r),
                    song: songs.get(&song)?.clone(),
                },
            })
        }))
        .chain(listening.into_iter().filter_map(|(at, song, u, n, r)| {
            Some(FeedItem {
                at,
                event: FeedEvent::Listened {
                    user: user(u, n, r),
                    song: songs.get(&song)?.clone(),
                },
            })
        }))
        .chain(albums.into_iter().map(|a| {
            FeedItem {
                at: a
                    .release_date
                    .and_hms_opt(0, 0, 0)
                    .unwrap_or_default()
                    .and_utc(),
                event: FeedEvent::Release { album: a },
            }
        }))
        .collect();
    items.sort_by(|a, b| b.at.cmp(&a.at));
    items.truncate(PAGE as usize);
    Ok(items)
}

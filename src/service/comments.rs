//! Comments on songs: anyone signed in posts; only the author edits; the author or a
//! moderator deletes (a moderator's delete is audited). Hidden comments (moderation) and
//! comments between users who block each other are never shown. Plain text only: the
//! body is stored as typed and rendered as text, never as markup.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    catalog::SongStatus,
    model::{CommentPage, CommentView, SessionUser, COMMENT_MAX_CHARS, COMMENT_PAGE},
    repo::Repos,
    Error, Result,
};

/// At most this many comments per user per minute.
pub const PER_MINUTE: i64 = 5;

fn body(text: &str) -> Result<String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Error::field("body", "Write something first."));
    }
    if t.chars().count() > COMMENT_MAX_CHARS {
        return Err(Error::field(
            "body",
            "Comments are at most 2,000 characters.",
        ));
    }
    Ok(t.to_string())
}

pub async fn post(repos: &Repos, me: &SessionUser, song: Uuid, text: &str) -> Result<Uuid> {
    let text = body(text)?;
    let (s, _) = repos.catalog.song(song).await?.ok_or(Error::NotFound)?;
    if s.status != SongStatus::Published {
        return Err(Error::NotFound);
    }
    let recent: i64 = sqlx::query_scalar(
        "select count(*) from comments where author_id = $1 and created_at > now() - interval '1 minute'",
    )
    .bind(me.id)
    .fetch_one(&repos.pg)
    .await?;
    if recent >= PER_MINUTE {
        return Err(Error::field(
            "body",
            "You are commenting very fast; wait a minute and try again.",
        ));
    }
    let id = Uuid::new_v4();
    sqlx::query("insert into comments (id, song_id, author_id, body) values ($1, $2, $3, $4)")
        .bind(id)
        .bind(song)
        .bind(me.id)
        .bind(&text)
        .execute(&repos.pg)
        .await?;
    Ok(id)
}

/// (author, song) of a comment that is not hidden.
async fn find(repos: &Repos, id: Uuid) -> Result<(Uuid, Uuid)> {
    sqlx::query_as("select author_id, song_id from comments where id = $1 and not hidden")
        .bind(id)
        .fetch_optional(&repos.pg)
        .await?
        .ok_or(Error::NotFound)
}

/// Only the author edits. Returns the song, for the redirect.
pub async fn edit(repos: &Repos, me: &SessionUser, id: Uuid, text: &str) -> Result<Uuid> {
    let text = body(text)?;
    let (author, song) = find(repos, id).await?;
    if author != me.id {
        return Err(Error::Forbidden);
    }
    sqlx::query(
        "update comments set body = $2, edited_at = now() where id = $1 and author_id = $3",
    )
    .bind(id)
    .bind(&text)
    .bind(me.id)
    .execute(&repos.pg)
    .await?;
    Ok(song)
}

/// The author, or a moderator (audited), deletes. Returns the song.
pub async fn delete(repos: &Repos, me: &SessionUser, id: Uuid) -> Result<Uuid> {
    let (author, song) = find(repos, id).await?;
    if author != me.id && !me.role.can_moderate() {
        return Err(Error::Forbidden);
    }
    sqlx::query("delete from comments where id = $1")
        .bind(id)
        .execute(&repos.pg)
        .await?;
    if author != me.id {
        repos
            .accounts
            .audit(
                Some(me.id),
                "comment.delete",
                "comment",
                &id.to_string(),
                serde_json::json!({"author": author, "song": song}),
            )
            .await?;
    }
    Ok(song)
}

/// Newest first, older than `before`; what `viewer` may see.
pub async fn list(
    repos: &Repos,
    viewer: Option<&SessionUser>,
    song: Uuid,
    before: Option<DateTime<Utc>>,
) -> Result<CommentPage> {
    let vid = viewer.map(|v| v.id);
    let block = "($2::uuid is null or not exists (select 1 from blocks b where (b.blocker_id = $2 and b.blocked_id = c.author_id)
                    or (b.blocker_id = c.author_id and b.blocked_id = $2)))";
    let total: i64 = sqlx::query_scalar(&format!(
        "select count(*) from comments c where c.song_id = $1 and not c.hidden and {block}"
    ))
    .bind(song)
    .bind(vid)
    .fetch_one(&repos.pg)
    .await?;
    let rows: Vec<(Uuid, Uuid, String, String, String, DateTime<Utc>, Option<DateTime<Utc>>)> = sqlx::query_as(&format!(
        "select c.id, c.author_id, u.username, u.display_name, c.body, c.created_at, c.edited_at
         from comments c join users u on u.id = c.author_id
         where c.song_id = $1 and not c.hidden and u.status = 'active' and {block} and c.created_at < $3
         order by c.created_at desc limit $4"
    ))
    .bind(song)
    .bind(vid)
    .bind(before.unwrap_or_else(|| Utc::now() + chrono::Duration::minutes(1)))
    .bind(COMMENT_PAGE + 1)
    .fetch_all(&repos.pg)
    .await?;
    let more = rows.len() as i64 > COMMENT_PAGE;
    let moderator = viewer.is_some_and(|v| v.role.can_moderate());
    let comments: Vec<CommentView> = rows
        .into_iter()
        .take(COMMENT_PAGE as usize)
        .map(
            |(id, author, username, name, body, created_at, edited_at)| {
                let mine = vid == Some(author);
                CommentView {
                    id,
                    author_username: username,
                    author_name: name,
                    body,
                    created_at,
                    edited: edited_at.is_some(),
                    mine,
                    can_delete: mine || moderator,
                }
            },
        )
        .collect();
    let next = if more {
        comments.last().map(|c| c.created_at)
    } else {
        None
    };
    Ok(CommentPage {
        total,
        comments,
        next,
    })
}

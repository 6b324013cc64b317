//! Playlists: metadata, collaborators and saves in PostgreSQL; the ordered items in
//! MongoDB (`playlist_tracks`, one document per item, ordered by a fractional `pos`, so a
//! move rewrites one small document whatever the playlist's length, and a unique
//! (playlist, song) index turns a double add into a clear message, even when two editors
//! add at once).

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use mongodb::{
    bson::{doc, Bson, DateTime as BDateTime, Document},
    error::{ErrorKind, WriteFailure},
    Collection, Database,
};
use sqlx::{FromRow, PgPool};
use uuid::Uuid;

use crate::{playlists::*, repo::catalog::bid, Error, Result};

pub const ITEMS: &str = crate::db::coll::PLAYLIST_TRACKS;
const GAP: f64 = 1024.0;

#[derive(Clone)]
pub struct PlaylistRepo {
    pool: PgPool,
    items: Collection<Document>,
}

#[derive(FromRow)]
struct Row {
    id: Uuid,
    owner_id: Uuid,
    owner_username: String,
    owner_name: String,
    title: String,
    description: String,
    visibility: String,
    collaborative: bool,
    track_count: i32,
    total_duration_ms: i64,
    version: i64,
    updated_at: DateTime<Utc>,
    cover_url: Option<String>,
}

impl From<Row> for Playlist {
    fn from(r: Row) -> Self {
        Playlist {
            id: r.id,
            owner_id: r.owner_id,
            owner_username: r.owner_username,
            owner_name: r.owner_name,
            title: r.title,
            description: r.description,
            visibility: Visibility::parse(&r.visibility).unwrap_or(Visibility::Private),
            collaborative: r.collaborative,
            track_count: r.track_count,
            total_duration_ms: r.total_duration_ms,
            version: r.version,
            updated_at: r.updated_at,
            cover: r.cover_url,
        }
    }
}

impl From<Row> for PlaylistSummary {
    fn from(r: Row) -> Self {
        PlaylistSummary {
            id: r.id,
            title: r.title,
            owner_name: r.owner_name,
            visibility: Visibility::parse(&r.visibility).unwrap_or(Visibility::Private),
            track_count: r.track_count,
            cover: r.cover_url,
        }
    }
}

const SELECT: &str = "select p.id, p.owner_id, u.username as owner_username, u.display_name as owner_name, p.title,
    p.description, p.visibility, p.collaborative, p.track_count, p.total_duration_ms, p.version, p.updated_at, p.cover_url
    from playlists p join users u on u.id = p.owner_id";

/// One stored item.
pub struct ItemDoc {
    pub item_id: Uuid,
    pub song_id: Uuid,
    pub pos: f64,
    pub added_by: Uuid,
    pub added_at: DateTime<Utc>,
    pub duration_ms: i64,
}

fn uid(b: Option<&Bson>) -> Option<Uuid> {
    match b {
        Some(Bson::Binary(bin)) => Uuid::from_slice(&bin.bytes).ok(),
        _ => None,
    }
}

fn item(d: &Document) -> Option<ItemDoc> {
    Some(ItemDoc {
        item_id: uid(d.get("_id"))?,
        song_id: uid(d.get("song_id"))?,
        pos: d.get_f64("pos").ok()?,
        added_by: uid(d.get("added_by"))?,
        added_at: d
            .get_datetime("added_at")
            .ok()
            .and_then(|t| DateTime::from_timestamp_millis(t.timestamp_millis()))?,
        duration_ms: d.get_i64("duration_ms").unwrap_or(0),
    })
}

impl PlaylistRepo {
    pub fn new(pool: PgPool, db: &Database) -> Self {
        PlaylistRepo {
            pool,
            items: db.collection(ITEMS),
        }
    }

    // --- PostgreSQL: metadata -------------------------------------------------------------

    pub async fn insert(
        &self,
        owner: Uuid,
        title: &str,
        description: &str,
        visibility: Visibility,
    ) -> Result<Uuid> {
        let id = Uuid::new_v4();
        sqlx::query("insert into playlists (id, owner_id, title, description, visibility) values ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(owner)
            .bind(title)
            .bind(description)
            .bind(visibility.as_str())
            .execute(&self.pool)
            .await?;
        Ok(id)
    }

    pub async fn get(&self, id: Uuid) -> Result<Option<Playlist>> {
        let r: Option<Row> = sqlx::query_as(&format!("{SELECT} where p.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(Into::into))
    }

    /// Updates title, description, visibility and the collaborative flag; bumps the version.
    pub async fn update_meta(
        &self,
        id: Uuid,
        title: &str,
        description: &str,
        visibility: Visibility,
        collaborative: bool,
    ) -> Result<()> {
        sqlx::query(
            "update playlists set title = $2, description = $3, visibility = $4, collaborative = $5, version = version + 1 where id = $1",
        )
        .bind(id)
        .bind(title)
        .bind(description)
        .bind(visibility.as_str())
        .bind(collaborative)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn delete(&self, id: Uuid) -> Result<bool> {
        Ok(sqlx::query("delete from playlists where id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected()
            == 1)
    }

    /// Adjusts the counts after an item write and bumps the version.
    pub async fn bump(&self, id: Uuid, d_count: i32, d_ms: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "update playlists set track_count = greatest(track_count + $2, 0),
               total_duration_ms = greatest(total_duration_ms + $3, 0), version = version + 1
             where id = $1 returning version",
        )
        .bind(id)
        .bind(d_count)
        .bind(d_ms)
        .fetch_optional(&self.pool)
        .await?
        .unwrap_or(0))
    }

    /// Compare-and-swap on the version: `Ok(Err(current))` when `expected` is stale.
    pub async fn claim_version(
        &self,
        id: Uuid,
        expected: i64,
    ) -> Result<std::result::Result<i64, i64>> {
        let new: Option<i64> = sqlx::query_scalar("update playlists set version = version + 1 where id = $1 and version = $2 returning version")
            .bind(id)
            .bind(expected)
            .fetch_optional(&self.pool)
            .await?;
        match new {
            Some(v) => Ok(Ok(v)),
            None => {
                let cur: Option<i64> =
                    sqlx::query_scalar("select version from playlists where id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                cur.map(Err).ok_or(Error::NotFound)
            }
        }
    }

    pub async fn set_counts(&self, id: Uuid, count: i32, ms: i64) -> Result<bool> {
        Ok(sqlx::query(
            "update playlists set track_count = $2, total_duration_ms = $3
             where id = $1 and (track_count <> $2 or total_duration_ms <> $3)",
        )
        .bind(id)
        .bind(count)
        .bind(ms)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Sets the cover; `false` when it was already that.
    pub async fn set_cover(&self, id: Uuid, cover: Option<&str>) -> Result<bool> {
        let r = sqlx::query(
            "update playlists set cover_url = $2 where id = $1 and cover_url is distinct from $2",
        )
        .bind(id)
        .bind(cover)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() > 0)
    }

    /// The first item, by position.
    pub async fn first_item(&self, playlist: Uuid) -> Result<Option<ItemDoc>> {
        let d = self
            .items
            .find_one(doc! {"playlist_id": bid(playlist)})
            .sort(doc! {"pos": 1})
            .await?;
        Ok(d.as_ref().and_then(item))
    }

    /// The last item, by position.
    pub async fn last_item(&self, playlist: Uuid) -> Result<Option<ItemDoc>> {
        let d = self
            .items
            .find_one(doc! {"playlist_id": bid(playlist)})
            .sort(doc! {"pos": -1})
            .await?;
        Ok(d.as_ref().and_then(item))
    }

    /// Account purge: songs the user added to other people's playlists stay, without
    /// saying who added them. Idempotent.
    pub async fn forget_adder(&self, user: Uuid) -> Result<()> {
        self.items
            .update_many(
                doc! {"added_by": bid(user)},
                doc! {"$set": {"added_by": bid(Uuid::nil())}},
            )
            .await?;
        Ok(())
    }

    pub async fn owned_ids(&self, owner: Uuid) -> Result<Vec<Uuid>> {
        Ok(
            sqlx::query_scalar("select id from playlists where owner_id = $1")
                .bind(owner)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn all_ids(&self) -> Result<Vec<Uuid>> {
        Ok(sqlx::query_scalar("select id from playlists")
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn exists(&self, id: Uuid) -> Result<bool> {
        Ok(
            sqlx::query_scalar("select exists(select 1 from playlists where id = $1)")
                .bind(id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    // --- collaborators, saves, lists ------------------------------------------------------

    pub async fn role_of(&self, id: Uuid, user: Uuid) -> Result<Option<CollabRole>> {
        let r: Option<String> = sqlx::query_scalar(
            "select role from playlist_collaborators where playlist_id = $1 and user_id = $2",
        )
        .bind(id)
        .bind(user)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.and_then(|r| CollabRole::parse(&r)))
    }

    pub async fn collaborators(&self, id: Uuid) -> Result<Vec<Collaborator>> {
        let rows: Vec<(Uuid, String, String, String)> = sqlx::query_as(
            "select u.id, u.username, u.display_name, c.role from playlist_collaborators c join users u on u.id = c.user_id
             where c.playlist_id = $1 order by c.created_at",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(user_id, username, display_name, role)| Collaborator {
                user_id,
                username,
                display_name,
                role: CollabRole::parse(&role).unwrap_or(CollabRole::Viewer),
            })
            .collect())
    }

    pub async fn set_collaborator(
        &self,
        id: Uuid,
        user: Uuid,
        role: CollabRole,
        by: Uuid,
    ) -> Result<()> {
        sqlx::query(
            "insert into playlist_collaborators (playlist_id, user_id, role, invited_by) values ($1, $2, $3, $4)
             on conflict (playlist_id, user_id) do update set role = excluded.role",
        )
        .bind(id)
        .bind(user)
        .bind(role.as_str())
        .bind(by)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn remove_collaborator(&self, id: Uuid, user: Uuid) -> Result<bool> {
        Ok(sqlx::query(
            "delete from playlist_collaborators where playlist_id = $1 and user_id = $2",
        )
        .bind(id)
        .bind(user)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    pub async fn set_saved(&self, user: Uuid, id: Uuid, saved: bool) -> Result<()> {
        crate::repo::accounts::toggle_pair(
            &self.pool,
            saved,
            "insert into saved_playlists (user_id, playlist_id) values ($1, $2) on conflict do nothing",
            "delete from saved_playlists where user_id = $1 and playlist_id = $2",
            (user, id),
        )
        .await
    }

    pub async fn is_saved(&self, user: Uuid, id: Uuid) -> Result<bool> {
        crate::repo::accounts::pair_exists(
            &self.pool,
            "select 1 from saved_playlists where user_id = $1 and playlist_id = $2",
            (user, id),
        )
        .await
    }

    async fn summaries(
        &self,
        sql: &str,
        user: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<PlaylistSummary>> {
        let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} {sql} limit $2"))
            .bind(user)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The user's own playlists and those shared with them, newest change first.
    pub async fn library(&self, user: Uuid) -> Result<Vec<PlaylistSummary>> {
        self.summaries(
            "where p.owner_id = $1 or exists (select 1 from playlist_collaborators c where c.playlist_id = p.id and c.user_id = $1)
             order by p.updated_at desc",
            Some(user),
            500,
        )
        .await
    }

    /// Playlists the user may add songs to.
    pub async fn editable(&self, user: Uuid) -> Result<Vec<PlaylistSummary>> {
        self.summaries(
            "where p.owner_id = $1 or (p.collaborative and exists (select 1 from playlist_collaborators c
               where c.playlist_id = p.id and c.user_id = $1 and c.role = 'editor'))
             order by p.updated_at desc",
            Some(user),
            500,
        )
        .await
    }

    pub async fn saved(&self, user: Uuid) -> Result<Vec<PlaylistSummary>> {
        self.summaries(
            "join saved_playlists s on s.playlist_id = p.id and s.user_id = $1
             where p.visibility <> 'private' order by s.created_at desc",
            Some(user),
            500,
        )
        .await
    }

    /// A user's public playlists, newest change first (their profile).
    pub async fn public_of(&self, owner: Uuid, limit: i64) -> Result<Vec<PlaylistSummary>> {
        self.summaries(
            "where p.owner_id = $1 and p.visibility = 'public' order by p.updated_at desc",
            Some(owner),
            limit,
        )
        .await
    }

    pub async fn public(&self, limit: i64) -> Result<Vec<PlaylistSummary>> {
        self.summaries(
            "where p.visibility = 'public' and $1::uuid is null order by p.updated_at desc",
            None,
            limit,
        )
        .await
    }

    /// Public playlists whose title contains `q` (case-insensitive), most recently changed first.
    pub async fn search_public(&self, q: &str, limit: i64) -> Result<Vec<PlaylistSummary>> {
        let pattern = format!(
            "%{}%",
            q.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SELECT} where p.visibility = 'public' and p.title ilike $1 order by p.updated_at desc limit $2"
        ))
        .bind(pattern)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    // --- MongoDB: items -------------------------------------------------------------------

    async fn last_pos(&self, playlist: Uuid) -> Result<Option<f64>> {
        let d = self
            .items
            .find_one(doc! {"playlist_id": bid(playlist)})
            .sort(doc! {"pos": -1})
            .await?;
        Ok(d.and_then(|d| d.get_f64("pos").ok()))
    }

    /// Appends a song. `Err(Conflict)` when it is already in the playlist.
    /// Appends many distinct songs at once (bulk loads such as the benchmark's 10,000-song
    /// playlist); the caller fixes the counts afterwards (`set_counts`).
    pub async fn append_items(
        &self,
        playlist: Uuid,
        songs: &[(Uuid, i64)],
        by: Uuid,
    ) -> Result<()> {
        let start = self.last_pos(playlist).await?.unwrap_or(0.0);
        let docs: Vec<Document> = songs
            .iter()
            .enumerate()
            .map(|(i, (song, ms))| doc! {
                "_id": bid(Uuid::new_v4()), "playlist_id": bid(playlist), "song_id": bid(*song),
                "pos": start + GAP * (i + 1) as f64, "added_by": bid(by), "added_at": BDateTime::now(), "duration_ms": *ms,
            })
            .collect();
        for chunk in docs.chunks(1000) {
            self.items.insert_many(chunk.to_vec()).await?;
        }
        Ok(())
    }

    pub async fn add_item(
        &self,
        playlist: Uuid,
        song: Uuid,
        duration_ms: i64,
        by: Uuid,
    ) -> Result<Uuid> {
        let pos = self.last_pos(playlist).await?.unwrap_or(0.0) + GAP;
        let id = Uuid::new_v4();
        let r = self
            .items
            .insert_one(doc! {
                "_id": bid(id), "playlist_id": bid(playlist), "song_id": bid(song), "pos": pos,
                "added_by": bid(by), "added_at": BDateTime::now(), "duration_ms": duration_ms,
            })
            .await;
        match r {
            Ok(_) => Ok(id),
            Err(e) if matches!(*e.kind, ErrorKind::Write(WriteFailure::WriteError(ref w)) if w.code == 11000) => {
                Err(Error::Conflict(
                    "That song is already in this playlist.".into(),
                ))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Removes an item; returns its duration when it was there.
    pub async fn remove_item(&self, playlist: Uuid, item: Uuid) -> Result<Option<i64>> {
        let d = self
            .items
            .find_one_and_delete(doc! {"_id": bid(item), "playlist_id": bid(playlist)})
            .await?;
        Ok(d.map(|d| d.get_i64("duration_ms").unwrap_or(0)))
    }

    pub async fn item(&self, playlist: Uuid, item_id: Uuid) -> Result<Option<ItemDoc>> {
        Ok(self
            .items
            .find_one(doc! {"_id": bid(item_id), "playlist_id": bid(playlist)})
            .await?
            .as_ref()
            .and_then(item))
    }

    /// Moves `item` just before `before` (or to the end). Only the moved document changes,
    /// unless the gap is exhausted, when the playlist is renumbered.
    pub async fn move_before(
        &self,
        playlist: Uuid,
        item_id: Uuid,
        before: Option<Uuid>,
    ) -> Result<bool> {
        if self.item(playlist, item_id).await?.is_none() {
            return Ok(false);
        }
        let pos = match before {
            None => self.last_pos(playlist).await?.unwrap_or(0.0) + GAP,
            Some(b) => {
                let Some(target) = self.item(playlist, b).await? else {
                    return Ok(false);
                };
                let prev = self
                    .items
                    .find_one(doc! {"playlist_id": bid(playlist), "pos": {"$lt": target.pos}, "_id": {"$ne": bid(item_id)}})
                    .sort(doc! {"pos": -1})
                    .await?
                    .and_then(|d| d.get_f64("pos").ok())
                    .unwrap_or(target.pos - 2.0 * GAP);
                if target.pos - prev < 1e-6 {
                    self.renumber(playlist).await?;
                    return Box::pin(self.move_before(playlist, item_id, before)).await;
                }
                (prev + target.pos) / 2.0
            }
        };
        self.items
            .update_one(doc! {"_id": bid(item_id)}, doc! {"$set": {"pos": pos}})
            .await?;
        Ok(true)
    }

    async fn renumber(&self, playlist: Uuid) -> Result<()> {
        let ids: Vec<Document> = self
            .items
            .find(doc! {"playlist_id": bid(playlist)})
            .sort(doc! {"pos": 1})
            .projection(doc! {"_id": 1})
            .await?
            .try_collect()
            .await?;
        for (i, d) in ids.iter().enumerate() {
            if let Some(id) = d.get("_id") {
                self.items
                    .update_one(
                        doc! {"_id": id.clone()},
                        doc! {"$set": {"pos": (i as f64 + 1.0) * GAP}},
                    )
                    .await?;
            }
        }
        Ok(())
    }

    /// A page of items in order, after the position `after`.
    pub async fn items(
        &self,
        playlist: Uuid,
        after: Option<f64>,
        limit: i64,
    ) -> Result<Vec<ItemDoc>> {
        let mut filter = doc! {"playlist_id": bid(playlist)};
        if let Some(a) = after {
            filter.insert("pos", doc! {"$gt": a});
        }
        let docs: Vec<Document> = self
            .items
            .find(filter)
            .sort(doc! {"pos": 1})
            .limit(limit)
            .await?
            .try_collect()
            .await?;
        Ok(docs.iter().filter_map(item).collect())
    }

    /// (count, total duration) straight from the items (reconciler).
    pub async fn tally(&self, playlist: Uuid) -> Result<(i32, i64)> {
        let mut cur = self
            .items
            .aggregate(vec![
                doc! {"$match": {"playlist_id": bid(playlist)}},
                doc! {"$group": {"_id": Bson::Null, "n": {"$sum": 1}, "ms": {"$sum": "$duration_ms"}}},
            ])
            .await?;
        Ok(match cur.try_next().await? {
            Some(d) => (
                d.get_i32("n")
                    .map(i64::from)
                    .or_else(|_| d.get_i64("n"))
                    .unwrap_or(0) as i32,
                d.get_i64("ms")
                    .or_else(|_| d.get_i32("ms").map(i64::from))
                    .unwrap_or(0),
            ),
            None => (0, 0),
        })
    }

    pub async fn delete_items(&self, playlist: Uuid) -> Result<u64> {
        Ok(self
            .items
            .delete_many(doc! {"playlist_id": bid(playlist)})
            .await?
            .deleted_count)
    }

    /// Playlist ids that have items in MongoDB.
    pub async fn item_playlist_ids(&self) -> Result<Vec<Uuid>> {
        let ids = self.items.distinct("playlist_id", doc! {}).await?;
        Ok(ids.iter().filter_map(|b| uid(Some(b))).collect())
    }
}

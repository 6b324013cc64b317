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
        Ok(self.items(playlist, None, 1).await?.into_iter().next())
    }

    /// The last item, by position.
    pub async fn last_item(&self, playlist: Uuid) -> Result<Option<ItemDoc>> {
        let Some((lo, hi)) = self.bounds(playlist).await? else {
            return Ok(None);
        };
        let d = self.scan_down(playlist, hi + 1.0, lo, None).await?;
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

    /// The position bounds of a playlist's items (see the migration
    /// `playlist_pos_bounds`): every stored position lies within them. Rows from before
    /// the bounds existed get them from MongoDB once. `None`: no such playlist row.
    async fn bounds(&self, playlist: Uuid) -> Result<Option<(f64, f64)>> {
        let row: Option<(Option<f64>, Option<f64>)> =
            sqlx::query_as("select pos_min, pos_max from playlists where id = $1")
                .bind(playlist)
                .fetch_optional(&self.pool)
                .await?;
        match row {
            None => Ok(None),
            Some((Some(lo), Some(hi))) => Ok(Some((lo, hi))),
            Some(_) => {
                let (lo, hi) = self.stored_bounds(playlist).await?.unwrap_or((0.0, 0.0));
                self.widen(playlist, lo, hi).await?;
                Ok(Some((lo, hi)))
            }
        }
    }

    /// The lowest and highest stored positions, read from MongoDB (a full read of the
    /// playlist: only for rows without bounds, and the reconciler).
    pub async fn stored_bounds(&self, playlist: Uuid) -> Result<Option<(f64, f64)>> {
        let mut cur = self
            .items
            .aggregate(vec![
                doc! {"$match": {"playlist_id": bid(playlist)}},
                doc! {"$group": {"_id": Bson::Null, "lo": {"$min": "$pos"}, "hi": {"$max": "$pos"}}},
            ])
            .await?;
        Ok(cur
            .try_next()
            .await?
            .and_then(|d| Some((d.get_f64("lo").ok()?, d.get_f64("hi").ok()?))))
    }

    /// Widens the bounds to include [lo, hi]; called before positions are written.
    pub async fn widen(&self, playlist: Uuid, lo: f64, hi: f64) -> Result<()> {
        sqlx::query(
            "update playlists set pos_min = least(coalesce(pos_min, $2), $2), pos_max = greatest(coalesce(pos_max, $3), $3)
             where id = $1",
        )
        .bind(playlist)
        .bind(lo)
        .bind(hi)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Reserves `n` positions after the current end: returns the first; the others follow
    /// `GAP` apart. One atomic PostgreSQL update, so concurrent appends never share a
    /// position. `NotFound` when the playlist row is gone.
    async fn claim_tail(&self, playlist: Uuid, n: usize) -> Result<f64> {
        self.bounds(playlist).await?.ok_or(Error::NotFound)?;
        let span = GAP * n as f64;
        let (end,): (f64,) = sqlx::query_as(
            "update playlists set pos_max = pos_max + $2 where id = $1 returning pos_max",
        )
        .bind(playlist)
        .bind(span)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::NotFound)?;
        Ok(end - span + GAP)
    }

    /// The item with the highest position below `below` (and at least `floor`), looking
    /// in windows that double in width, so only the documents near `below` are read.
    async fn scan_down(
        &self,
        playlist: Uuid,
        below: f64,
        floor: f64,
        except: Option<Uuid>,
    ) -> Result<Option<Document>> {
        let mut width = 4.0 * GAP;
        let mut hi = below;
        while hi > floor {
            let lo = (hi - width).max(floor);
            let mut filter = doc! {"playlist_id": bid(playlist), "pos": {"$lt": hi, "$gte": lo}};
            if let Some(x) = except {
                filter.insert("_id", doc! {"$ne": bid(x)});
            }
            if let Some(d) = self.items.find_one(filter).sort(doc! {"pos": -1}).await? {
                return Ok(Some(d));
            }
            if lo <= floor {
                break;
            }
            hi = lo;
            width *= 2.0;
        }
        Ok(None)
    }

    /// Appends many distinct songs at once (bulk loads such as the benchmark's 10,000-song
    /// playlist); the caller fixes the counts afterwards (`set_counts`).
    pub async fn append_items(
        &self,
        playlist: Uuid,
        songs: &[(Uuid, i64)],
        by: Uuid,
    ) -> Result<()> {
        if songs.is_empty() {
            return Ok(());
        }
        let start = self.claim_tail(playlist, songs.len()).await?;
        let docs: Vec<Document> = songs
            .iter()
            .enumerate()
            .map(|(i, (song, ms))| doc! {
                "_id": bid(Uuid::new_v4()), "playlist_id": bid(playlist), "song_id": bid(*song),
                "pos": start + GAP * i as f64, "added_by": bid(by), "added_at": BDateTime::now(), "duration_ms": *ms,
            })
            .collect();
        for chunk in docs.chunks(1000) {
            self.items.insert_many(chunk.to_vec()).await?;
        }
        Ok(())
    }

    /// Appends a song. `Err(Conflict)` when it is already in the playlist.
    pub async fn add_item(
        &self,
        playlist: Uuid,
        song: Uuid,
        duration_ms: i64,
        by: Uuid,
    ) -> Result<Uuid> {
        let pos = self.claim_tail(playlist, 1).await?;
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
            None => self.claim_tail(playlist, 1).await?,
            Some(b) => {
                let Some(target) = self.item(playlist, b).await? else {
                    return Ok(false);
                };
                let (lo, _) = self.bounds(playlist).await?.ok_or(Error::NotFound)?;
                let prev = self
                    .scan_down(playlist, target.pos, lo, Some(item_id))
                    .await?
                    .and_then(|d| d.get_f64("pos").ok());
                let pos = match prev {
                    Some(prev) if target.pos - prev < 1e-6 => {
                        self.renumber(playlist).await?;
                        return Box::pin(self.move_before(playlist, item_id, before)).await;
                    }
                    Some(prev) => (prev + target.pos) / 2.0,
                    None => target.pos - GAP,
                };
                self.widen(playlist, pos, pos).await?;
                pos
            }
        };
        self.items
            .update_one(doc! {"_id": bid(item_id)}, doc! {"$set": {"pos": pos}})
            .await?;
        Ok(true)
    }

    /// Spreads the positions out again (`GAP` apart) once two neighbours got too close.
    async fn renumber(&self, playlist: Uuid) -> Result<()> {
        let ids: Vec<Document> = self
            .items
            .find(doc! {"playlist_id": bid(playlist)})
            .sort(doc! {"pos": 1})
            .projection(doc! {"_id": 1})
            .await?
            .try_collect()
            .await?;
        self.widen(playlist, GAP, GAP * (ids.len() as f64 + 1.0))
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

    /// A page of items in order, after the position `after`: read in position windows
    /// that double in width until the page is full or the bounds are passed, so MongoDB
    /// only reads the documents near the page (not the whole playlist).
    pub async fn items(
        &self,
        playlist: Uuid,
        after: Option<f64>,
        limit: i64,
    ) -> Result<Vec<ItemDoc>> {
        let Some((lo_bound, hi_bound)) = self.bounds(playlist).await? else {
            // No metadata row (an orphan the reconciler will remove): read unbounded.
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
            return Ok(docs.iter().filter_map(item).collect());
        };
        let mut out = Vec::new();
        let mut lo = after.unwrap_or(lo_bound - 1.0);
        let mut width = GAP * (limit as f64 + 4.0);
        while (out.len() as i64) < limit && lo < hi_bound {
            let hi = if lo + width >= hi_bound {
                hi_bound
            } else {
                lo + width
            };
            let docs: Vec<Document> = self
                .items
                .find(doc! {"playlist_id": bid(playlist), "pos": {"$gt": lo, "$lte": hi}})
                .sort(doc! {"pos": 1})
                .limit(limit - out.len() as i64)
                .await?
                .try_collect()
                .await?;
            out.extend(docs.iter().filter_map(item));
            lo = hi;
            width *= 2.0;
        }
        Ok(out)
    }

    /// How often each of `songs` was added to any playlist since `since`.
    pub async fn adds_since(
        &self,
        songs: &[Uuid],
        since: DateTime<Utc>,
    ) -> Result<std::collections::HashMap<Uuid, u64>> {
        let docs = crate::repo::find_in(
            &self.items,
            "song_id",
            crate::repo::catalog::bids(songs),
            doc! {"added_at": {"$gte": BDateTime::from_millis(since.timestamp_millis())}},
            Some(doc! {"song_id": 1}),
        )
        .await?;
        let mut out = std::collections::HashMap::new();
        for d in &docs {
            if let Some(s) = uid(d.get("song_id")) {
                *out.entry(s).or_default() += 1;
            }
        }
        Ok(out)
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

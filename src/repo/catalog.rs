//! The catalog in MongoDB: artists, albums, songs, and the pre-aggregated charts document
//! the home page reads. Every hot query has an equality prefix on an index or is an `_id`
//! lookup (TOOLCHAIN.md §6); whole-collection work happens only in `refresh_charts`.

use chrono::{NaiveDate, TimeZone, Utc};
use futures::TryStreamExt;
use mongodb::{
    bson::{self, doc, DateTime as BDateTime, Document, Uuid as BUuid},
    options::{FindOptions, InsertManyOptions, ReplaceOptions, UpdateOneModel, WriteModel},
    Collection, Database,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    catalog::*,
    db::coll,
    repo::{find_in, IN_CHUNK},
    Error, Result,
};

fn from_bdt(d: BDateTime) -> chrono::DateTime<Utc> {
    chrono::DateTime::<Utc>::from_timestamp_millis(d.timestamp_millis()).unwrap_or_default()
}

/// Which catalog documents one write touched (see `CatalogRepo::changed`).
#[derive(Default, Clone, Copy)]
pub struct Changed<'a> {
    pub songs: &'a [Uuid],
    pub albums: &'a [Uuid],
    pub artists: &'a [Uuid],
}

impl<'a> Changed<'a> {
    pub fn songs(songs: &'a [Uuid]) -> Self {
        Changed {
            songs,
            ..Default::default()
        }
    }
    pub fn albums(albums: &'a [Uuid]) -> Self {
        Changed {
            albums,
            ..Default::default()
        }
    }
    pub fn artists(artists: &'a [Uuid]) -> Self {
        Changed {
            artists,
            ..Default::default()
        }
    }
}

/// One entry of the catalog change log.
#[derive(Clone, Debug)]
pub struct CatalogChange {
    pub id: String,
    pub at: chrono::DateTime<Utc>,
    pub songs: Vec<Uuid>,
    pub albums: Vec<Uuid>,
    pub artists: Vec<Uuid>,
}

/// An album belongs in browse lists (app album lists) unless a history import made it
/// (tracks without audio) or none of its songs is published yet.
fn album_listed(d: &AlbumDoc) -> bool {
    !d.imported && d.track_count > 0
}

/// Which albums an app list shows, in which order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlbumList {
    Newest,
    Popular,
    ByTitle,
    ByArtist,
    /// Release years from..=to (newest first when from > to).
    Years(i32, i32),
    Genre(String),
    /// Somewhere random (the seed picks where).
    Random(u64),
}

pub fn bid(id: Uuid) -> BUuid {
    BUuid::from_bytes(id.into_bytes())
}
fn uid(id: BUuid) -> Uuid {
    Uuid::from_bytes(id.bytes())
}
fn bdate(d: NaiveDate) -> BDateTime {
    BDateTime::from_millis(
        Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap())
            .timestamp_millis(),
    )
}
fn ndate(d: BDateTime) -> NaiveDate {
    chrono::DateTime::<Utc>::from_timestamp_millis(d.timestamp_millis())
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

#[derive(Serialize, Deserialize)]
struct ArtistDoc {
    #[serde(rename = "_id")]
    id: BUuid,
    name: String,
    sort_name: String,
    sort_initial: String,
    bio: String,
    country: String,
    genres: Vec<String>,
    image: Option<String>,
    verified: bool,
    links: Vec<Link>,
    popularity: i32,
    created_at: BDateTime,
    /// `import::normalize(name)`, for matching imported history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name_key: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct AlbumDoc {
    #[serde(rename = "_id")]
    id: BUuid,
    title: String,
    artist_ids: Vec<BUuid>,
    artist_names: Vec<String>,
    album_type: AlbumType,
    release_date: BDateTime,
    release_year: i32,
    label: String,
    genres: Vec<String>,
    cover: Option<String>,
    track_count: i32,
    duration_ms: i64,
    popularity: i32,
    created_at: BDateTime,
    /// Primary artist and title, normalised (`import::match_key`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    match_key: Option<String>,
    /// Made by a history import for tracks without audio: not a release on this platform
    /// (kept out of "New releases").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    imported: bool,
}

#[derive(Serialize, Deserialize)]
struct CreditDoc {
    id: BUuid,
    name: String,
    role: ArtistRole,
}

#[derive(Serialize, Deserialize)]
struct SongDoc {
    #[serde(rename = "_id")]
    id: BUuid,
    title: String,
    artists: Vec<CreditDoc>,
    artist_ids: Vec<BUuid>,
    album_id: BUuid,
    album_title: String,
    /// The album's cover, denormalised so song lists need no album lookups.
    cover: Option<String>,
    track_number: i32,
    disc_number: i32,
    duration_ms: i64,
    genres: Vec<String>,
    explicit: bool,
    isrc: Option<String>,
    popularity: i32,
    features: AudioFeatures,
    audio: Option<AudioFile>,
    status: SongStatus,
    play_count: i64,
    like_count: i64,
    created_at: BDateTime,
    /// Primary artist and title, normalised (`import::match_key`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    match_key: Option<String>,
    /// Set on songs an import created from a Spotify history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    spotify_uri: Option<String>,
}

impl From<ArtistDoc> for Artist {
    fn from(d: ArtistDoc) -> Self {
        Artist {
            id: uid(d.id),
            name: d.name,
            sort_name: d.sort_name,
            bio: d.bio,
            country: d.country,
            genres: d.genres,
            image: d.image,
            verified: d.verified,
            links: d.links,
            popularity: d.popularity.max(0) as u32,
        }
    }
}

impl From<&Artist> for ArtistDoc {
    fn from(a: &Artist) -> Self {
        ArtistDoc {
            id: bid(a.id),
            name: a.name.clone(),
            sort_name: a.sort_name.clone(),
            sort_initial: sort_initial(&a.sort_name),
            bio: a.bio.clone(),
            country: a.country.clone(),
            genres: a.genres.clone(),
            image: a.image.clone(),
            verified: a.verified,
            links: a.links.clone(),
            popularity: a.popularity as i32,
            created_at: BDateTime::now(),
            name_key: Some(crate::import::normalize(&a.name)),
        }
    }
}

impl From<AlbumDoc> for Album {
    fn from(d: AlbumDoc) -> Self {
        Album {
            id: uid(d.id),
            title: d.title,
            artist_ids: d.artist_ids.into_iter().map(uid).collect(),
            artist_names: d.artist_names,
            album_type: d.album_type,
            release_date: ndate(d.release_date),
            label: d.label,
            genres: d.genres,
            cover: d.cover,
            track_count: d.track_count.max(0) as u32,
            duration_ms: d.duration_ms.max(0) as u64,
            popularity: d.popularity.max(0) as u32,
        }
    }
}

impl From<&Album> for AlbumDoc {
    fn from(a: &Album) -> Self {
        AlbumDoc {
            id: bid(a.id),
            title: a.title.clone(),
            artist_ids: a.artist_ids.iter().copied().map(bid).collect(),
            artist_names: a.artist_names.clone(),
            album_type: a.album_type,
            release_date: bdate(a.release_date),
            release_year: chrono::Datelike::year(&a.release_date),
            label: a.label.clone(),
            genres: a.genres.clone(),
            cover: a.cover.clone(),
            track_count: a.track_count as i32,
            duration_ms: a.duration_ms as i64,
            popularity: a.popularity as i32,
            created_at: BDateTime::now(),
            match_key: Some(crate::import::match_key(
                a.artist_names.first().map_or("", String::as_str),
                &a.title,
            )),
            imported: false,
        }
    }
}

impl SongDoc {
    fn from_song(s: &Song, cover: Option<String>) -> Self {
        SongDoc {
            id: bid(s.id),
            title: s.title.clone(),
            artists: s
                .artists
                .iter()
                .map(|c| CreditDoc {
                    id: bid(c.id),
                    name: c.name.clone(),
                    role: c.role,
                })
                .collect(),
            artist_ids: s.artists.iter().map(|c| bid(c.id)).collect(),
            album_id: bid(s.album_id),
            album_title: s.album_title.clone(),
            cover,
            track_number: s.track_number as i32,
            disc_number: s.disc_number as i32,
            duration_ms: s.duration_ms as i64,
            genres: s.genres.clone(),
            explicit: s.explicit,
            isrc: s.isrc.clone(),
            popularity: s.popularity as i32,
            features: s.features.clone(),
            audio: s.audio.clone(),
            status: s.status,
            play_count: s.play_count as i64,
            like_count: s.like_count as i64,
            created_at: BDateTime::now(),
            match_key: Some(song_key(s)),
            spotify_uri: None,
        }
    }

    fn into_song(self) -> (Song, Option<String>) {
        let song = Song {
            id: uid(self.id),
            title: self.title,
            artists: self
                .artists
                .into_iter()
                .map(|c| ArtistCredit {
                    id: uid(c.id),
                    name: c.name,
                    role: c.role,
                })
                .collect(),
            album_id: uid(self.album_id),
            album_title: self.album_title,
            track_number: self.track_number.max(0) as u32,
            disc_number: self.disc_number.max(0) as u32,
            duration_ms: self.duration_ms.max(0) as u64,
            genres: self.genres,
            explicit: self.explicit,
            isrc: self.isrc,
            popularity: self.popularity.max(0) as u32,
            features: self.features,
            audio: self.audio,
            status: self.status,
            play_count: self.play_count.max(0) as u64,
            like_count: self.like_count.max(0) as u64,
        };
        (song, self.cover)
    }

    fn into_row(self) -> SongRow {
        let (song, cover) = self.into_song();
        song.row(cover)
    }
}

/// A song's match key: its first primary artist and its title.
fn song_key(s: &Song) -> String {
    let artist = s
        .artists
        .iter()
        .find(|a| a.role == ArtistRole::Primary)
        .or(s.artists.first())
        .map_or("", |a| a.name.as_str());
    crate::import::match_key(artist, &s.title)
}

/// Songs found for an import, by each way of matching.
#[derive(Default)]
pub struct ImportMatches {
    pub by_uri: std::collections::HashMap<String, Song>,
    pub by_isrc: std::collections::HashMap<String, Song>,
    pub by_key: std::collections::HashMap<String, Song>,
}

/// The home page's pre-aggregated document (`catalog_charts`, `_id: "home"`).
#[derive(Serialize, Deserialize)]
struct ChartsDoc {
    #[serde(rename = "_id")]
    id: String,
    home: HomeCatalog,
    updated_at: BDateTime,
}

#[derive(Clone)]
pub struct CatalogRepo {
    artists: Collection<ArtistDoc>,
    albums: Collection<AlbumDoc>,
    songs: Collection<SongDoc>,
    charts: Collection<ChartsDoc>,
    raw_songs: Collection<Document>,
    changes: Collection<Document>,
    /// Songs as play reports see them (see [`CatalogRepo::song_for_play`]).
    play_songs: moka::sync::Cache<Uuid, (Song, Option<String>)>,
}

/// How long a play report may use a song read earlier. A takedown or status change made
/// on another instance reaches this one's play reports within this time.
const PLAY_SONG_TTL: std::time::Duration = std::time::Duration::from_secs(10);

const PUBLISHED: &str = "published";

impl CatalogRepo {
    pub fn new(db: &Database) -> Self {
        CatalogRepo {
            artists: db.collection(coll::ARTISTS),
            albums: db.collection(coll::ALBUMS),
            songs: db.collection(coll::SONGS),
            charts: db.collection(coll::CATALOG_CHARTS),
            raw_songs: db.collection(coll::SONGS),
            changes: db.collection(coll::CATALOG_CHANGES),
            play_songs: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(PLAY_SONG_TTL)
                .build(),
        }
    }

    // --- writes (generator, uploads) ------------------------------------------------------

    pub async fn insert_artists(&self, artists: &[Artist]) -> Result<()> {
        if artists.is_empty() {
            return Ok(());
        }
        let r = self
            .artists
            .insert_many(artists.iter().map(ArtistDoc::from))
            .with_options(InsertManyOptions::builder().ordered(false).build())
            .await;
        already_there(r)?;
        let ids: Vec<Uuid> = artists.iter().map(|a| a.id).collect();
        self.changed(Changed::artists(&ids)).await
    }

    pub async fn insert_albums(&self, albums: &[Album]) -> Result<()> {
        self.insert_album_docs(albums, false).await
    }

    /// Albums a history import made for tracks without audio (not shown as new releases).
    pub async fn insert_imported_albums(&self, albums: &[Album]) -> Result<()> {
        self.insert_album_docs(albums, true).await
    }

    async fn insert_album_docs(&self, albums: &[Album], imported: bool) -> Result<()> {
        if albums.is_empty() {
            return Ok(());
        }
        let r = self
            .albums
            .insert_many(albums.iter().map(|a| AlbumDoc {
                imported,
                ..AlbumDoc::from(a)
            }))
            .with_options(InsertManyOptions::builder().ordered(false).build())
            .await;
        already_there(r)?;
        let ids: Vec<Uuid> = albums.iter().map(|a| a.id).collect();
        self.changed(Changed::albums(&ids)).await
    }

    /// Inserts songs; `cover` gives each song its album's cover for list rows.
    pub async fn insert_songs(&self, songs: &[(Song, Option<String>)]) -> Result<()> {
        for (s, _) in songs {
            validate_song(s)?;
        }
        if songs.is_empty() {
            return Ok(());
        }
        self.songs
            .insert_many(songs.iter().map(|(s, c)| SongDoc::from_song(s, c.clone())))
            .with_options(InsertManyOptions::builder().ordered(false).build())
            .await?;
        let ids: Vec<Uuid> = songs.iter().map(|(s, _)| s.id).collect();
        self.changed(Changed::songs(&ids)).await
    }

    pub async fn set_song_status(&self, id: Uuid, status: SongStatus) -> Result<bool> {
        let status = bson::to_bson(&status).map_err(|e| Error::Internal(e.to_string()))?;
        let r = self
            .raw_songs
            .update_one(doc! {"_id": bid(id)}, doc! {"$set": {"status": status}})
            .await?;
        self.changed(Changed::songs(&[id])).await?;
        Ok(r.matched_count == 1)
    }

    /// Creates the album unless it exists (an upload's album appears with its first
    /// approved song), then sets its track count and length from its published songs.
    /// Both steps are idempotent, so a retried approval converges.
    pub async fn ensure_album(&self, album: &Album) -> Result<()> {
        let mut d = bson::to_document(&AlbumDoc::from(album))
            .map_err(|e| Error::Internal(e.to_string()))?;
        d.remove("track_count");
        d.remove("duration_ms");
        self.albums
            .clone_with_type::<Document>()
            .update_one(doc! {"_id": bid(album.id)}, doc! {"$setOnInsert": d})
            .with_options(
                mongodb::options::UpdateOptions::builder()
                    .upsert(true)
                    .build(),
            )
            .await?;
        self.recount_albums(&[album.id]).await
    }

    /// Albums for app lists (Subsonic `getAlbumList2`), a page by offset. Albums an
    /// import made (no audio) and albums with no published track are left out.
    pub async fn album_list(&self, kind: &AlbumList, offset: u64, size: i64) -> Result<Vec<Album>> {
        let (mut filter, sort, offset) = match kind {
            AlbumList::Newest => (doc! {}, doc! {"release_date": -1, "_id": -1}, offset),
            AlbumList::Popular => (doc! {}, doc! {"popularity": -1, "_id": 1}, offset),
            AlbumList::ByTitle => (doc! {}, doc! {"title": 1, "_id": 1}, offset),
            AlbumList::ByArtist => (doc! {}, doc! {"artist_names": 1, "title": 1}, offset),
            AlbumList::Years(from, to) => {
                let (lo, hi, dir) = if from <= to {
                    (*from, *to, 1)
                } else {
                    (*to, *from, -1)
                };
                (
                    doc! {"release_year": {"$gte": lo, "$lte": hi}},
                    doc! {"release_year": dir, "release_date": dir},
                    offset,
                )
            }
            AlbumList::Genre(g) => (
                doc! {"genres": g.to_lowercase()},
                doc! {"popularity": -1, "_id": 1},
                offset,
            ),
            AlbumList::Random(seed) => {
                // A slice at a random place in _id order (ids are random UUIDs).
                let total = self.albums.estimated_document_count().await?;
                let room = total.saturating_sub(size.max(0) as u64);
                (
                    doc! {},
                    doc! {"_id": 1},
                    if room == 0 { 0 } else { seed % (room + 1) },
                )
            }
        };
        filter.insert("imported", doc! {"$ne": true});
        // Albums whose songs all wait for review (or were taken down) have nothing to play.
        filter.insert("track_count", doc! {"$gt": 0});
        let docs: Vec<AlbumDoc> = self
            .albums
            .find(filter)
            .sort(sort)
            .skip(offset)
            .limit(size)
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(Into::into).collect())
    }

    /// Sets the track count and length of albums from their published songs (indexed
    /// `$in` reads of 500 albums at a time; a recount, so running it twice changes nothing).
    pub async fn recount_albums(&self, ids: &[Uuid]) -> Result<()> {
        use futures::StreamExt;
        let albums = self.albums.clone_with_type::<Document>();
        for part in ids.chunks(500) {
            let mut totals: std::collections::HashMap<Uuid, (i32, i64)> =
                part.iter().map(|id| (*id, (0, 0))).collect();
            let found = find_in(
                &self.raw_songs,
                "album_id",
                bids(part),
                doc! {"status": PUBLISHED},
                Some(doc! {"album_id": 1, "duration_ms": 1}),
            )
            .await?;
            for d in found {
                let Some(bson::Bson::Binary(b)) = d.get("album_id") else {
                    continue;
                };
                let Ok(id) = Uuid::from_slice(&b.bytes) else {
                    continue;
                };
                let ms = d
                    .get_i64("duration_ms")
                    .or_else(|_| d.get_i32("duration_ms").map(i64::from));
                if let Some(t) = totals.get_mut(&id) {
                    t.0 += 1;
                    t.1 += ms.unwrap_or(0);
                }
            }
            futures::stream::iter(totals)
                .map(|(id, (n, ms))| {
                    let albums = &albums;
                    async move {
                        albums
                            .update_one(
                                doc! {"_id": bid(id)},
                                doc! {"$set": {"track_count": n, "duration_ms": ms}},
                            )
                            .await
                    }
                })
                .buffer_unordered(16)
                .try_collect::<Vec<_>>()
                .await?;
        }
        self.changed(Changed::albums(ids)).await
    }

    /// Songs matching an import batch: by Spotify URI, ISRC and normalised artist + title
    /// (three indexed `$in` lookups; published songs first when keys collide).
    pub async fn import_matches(
        &self,
        uris: Vec<String>,
        isrcs: Vec<String>,
        keys: Vec<String>,
    ) -> Result<ImportMatches> {
        let mut m = ImportMatches::default();
        for (field, values) in [("spotify_uri", uris), ("isrc", isrcs), ("match_key", keys)] {
            if values.is_empty() {
                continue;
            }
            let docs: Vec<SongDoc> = find_in(
                &self.songs,
                field,
                values.into_iter().map(Into::into).collect(),
                doc! {"status": {"$ne": "taken_down"}},
                None,
            )
            .await?;
            for d in docs {
                let value = match field {
                    "spotify_uri" => d.spotify_uri.clone(),
                    "isrc" => d.isrc.clone(),
                    _ => d.match_key.clone(),
                };
                let Some(value) = value else { continue };
                let target = match field {
                    "spotify_uri" => &mut m.by_uri,
                    "isrc" => &mut m.by_isrc,
                    _ => &mut m.by_key,
                };
                let song = d.into_song().0;
                let better = target.get(&value).is_none_or(|old| {
                    old.status != SongStatus::Published && song.status == SongStatus::Published
                });
                if better {
                    target.insert(value, song);
                }
            }
        }
        Ok(m)
    }

    /// Artists by normalised name (imports reuse them rather than creating twins).
    pub async fn artists_by_name_keys(
        &self,
        keys: Vec<String>,
    ) -> Result<std::collections::HashMap<String, Artist>> {
        let keys = keys.into_iter().map(Into::into).collect();
        let docs: Vec<ArtistDoc> = find_in(&self.artists, "name_key", keys, doc! {}, None).await?;
        Ok(docs
            .into_iter()
            .filter_map(|d| Some((d.name_key.clone()?, Artist::from(d))))
            .collect())
    }

    /// Albums by normalised primary artist + title.
    pub async fn albums_by_match_keys(
        &self,
        keys: Vec<String>,
    ) -> Result<std::collections::HashMap<String, Album>> {
        let keys = keys.into_iter().map(Into::into).collect();
        let docs: Vec<AlbumDoc> = find_in(&self.albums, "match_key", keys, doc! {}, None).await?;
        Ok(docs
            .into_iter()
            .filter_map(|d| Some((d.match_key.clone()?, Album::from(d))))
            .collect())
    }

    /// Songs an import creates (no audio: listed, counted, not playable), each with the
    /// Spotify URI it was created for.
    pub async fn insert_imported_songs(
        &self,
        songs: &[(Song, Option<String>, Option<String>)],
    ) -> Result<()> {
        for (s, _, _) in songs {
            validate_song(s)?;
        }
        if songs.is_empty() {
            return Ok(());
        }
        let r = self
            .songs
            .insert_many(songs.iter().map(|(s, c, uri)| SongDoc {
                spotify_uri: uri.clone(),
                ..SongDoc::from_song(s, c.clone())
            }))
            .with_options(InsertManyOptions::builder().ordered(false).build())
            .await;
        already_there(r)?;
        let ids: Vec<Uuid> = songs.iter().map(|(s, _, _)| s.id).collect();
        self.changed(Changed::songs(&ids)).await
    }

    /// Gives match keys to catalog documents written before they existed (idempotent;
    /// cheap when there is nothing to do).
    pub async fn backfill_match_keys(&self) -> Result<u64> {
        // Done once per database: every write since gives new documents their keys.
        const MARK: &str = "match_keys_backfilled";
        if self
            .raw_charts()
            .find_one(doc! {"_id": MARK})
            .await?
            .is_some()
        {
            return Ok(0);
        }
        let mut n = 0;
        let missing: Vec<SongDoc> = self
            .songs
            .find(doc! {"match_key": {"$exists": false}})
            .await?
            .try_collect()
            .await?;
        let ns = self.songs.namespace();
        let models: Vec<WriteModel> = missing
            .into_iter()
            .map(|d| {
                let (song, _) = d.into_song();
                UpdateOneModel::builder()
                    .namespace(ns.clone())
                    .filter(doc! {"_id": bid(song.id)})
                    .update(doc! {"$set": {"match_key": song_key(&song)}})
                    .build()
                    .into()
            })
            .collect();
        for chunk in models.chunks(1000) {
            n += chunk.len() as u64;
            self.songs
                .client()
                .bulk_write(chunk.to_vec())
                .ordered(false)
                .await?;
        }
        let artists: Vec<ArtistDoc> = self
            .artists
            .find(doc! {"name_key": {"$exists": false}})
            .await?
            .try_collect()
            .await?;
        let ans = self.artists.namespace();
        let mut models: Vec<WriteModel> = artists
            .into_iter()
            .map(|a| {
                UpdateOneModel::builder()
                    .namespace(ans.clone())
                    .filter(doc! {"_id": a.id})
                    .update(doc! {"$set": {"name_key": crate::import::normalize(&a.name)}})
                    .build()
                    .into()
            })
            .collect();
        let albums: Vec<AlbumDoc> = self
            .albums
            .find(doc! {"match_key": {"$exists": false}})
            .await?
            .try_collect()
            .await?;
        let bns = self.albums.namespace();
        models.extend(albums.into_iter().map(|a| {
            let key = crate::import::match_key(
                a.artist_names.first().map_or("", String::as_str),
                &a.title,
            );
            UpdateOneModel::builder()
                .namespace(bns.clone())
                .filter(doc! {"_id": a.id})
                .update(doc! {"$set": {"match_key": key}})
                .build()
                .into()
        }));
        for chunk in models.chunks(1000) {
            n += chunk.len() as u64;
            self.songs
                .client()
                .bulk_write(chunk.to_vec())
                .ordered(false)
                .await?;
        }
        self.raw_charts()
            .update_one(doc! {"_id": MARK}, doc! {"$set": {"at": BDateTime::now()}})
            .with_options(
                mongodb::options::UpdateOptions::builder()
                    .upsert(true)
                    .build(),
            )
            .await?;
        Ok(n)
    }

    /// Removes songs (a rejected upload, or one whose record could not be written).
    pub async fn delete_songs(&self, ids: &[Uuid]) -> Result<()> {
        for part in ids.chunks(IN_CHUNK) {
            self.songs
                .delete_many(doc! {"_id": {"$in": bids(part)}})
                .await?;
        }
        self.changed(Changed::songs(ids)).await
    }

    pub async fn set_artist_image(&self, id: Uuid, image: &str) -> Result<bool> {
        let r = self
            .artists
            .update_one(doc! {"_id": bid(id)}, doc! {"$set": {"image": image}})
            .await?;
        self.changed(Changed::artists(&[id])).await?;
        Ok(r.matched_count == 1)
    }

    /// A linked artist's own words: bio and links (validated by the caller).
    pub async fn set_artist_profile(&self, id: Uuid, bio: &str, links: &[Link]) -> Result<bool> {
        let links = bson::to_bson(links).map_err(|e| Error::Internal(e.to_string()))?;
        let r = self
            .artists
            .update_one(
                doc! {"_id": bid(id)},
                doc! {"$set": {"bio": bio, "links": links}},
            )
            .await?;
        Ok(r.matched_count == 1)
    }

    /// Every song crediting the artist, any status (the artist's own dashboard).
    pub async fn songs_of_artist(&self, artist_id: Uuid) -> Result<Vec<(Song, Option<String>)>> {
        let docs: Vec<SongDoc> = self
            .songs
            .find(doc! {"artist_ids": bid(artist_id)})
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(SongDoc::into_song).collect())
    }

    pub async fn set_explicit(&self, id: Uuid, explicit: bool) -> Result<bool> {
        let r = self
            .raw_songs
            .update_one(doc! {"_id": bid(id)}, doc! {"$set": {"explicit": explicit}})
            .await?;
        self.changed(Changed::songs(&[id])).await?;
        Ok(r.matched_count == 1)
    }

    /// Records which catalog documents a write touched, stamped with the database's own
    /// clock (`$currentDate`, so every instance's writes share one clock). Each app
    /// instance's search index reads this log to follow the catalog (`search::refresh`);
    /// entries expire after `CHANGE_LOG_DAYS` (TTL index).
    pub async fn changed(&self, c: Changed<'_>) -> Result<()> {
        // This instance's play reports see its own changes at once.
        for id in c.songs {
            self.play_songs.invalidate(id);
        }
        let ids = |v: &[Uuid]| v.iter().map(|i| bid(*i)).collect::<Vec<_>>();
        // 10,000 ids per entry keeps each one far below MongoDB's 16 MB document limit.
        const PER: usize = 10_000;
        let parts = c
            .songs
            .len()
            .max(c.albums.len())
            .max(c.artists.len())
            .div_ceil(PER);
        for i in 0..parts {
            let part =
                |v: &[Uuid]| ids(v.get(i * PER..((i + 1) * PER).min(v.len())).unwrap_or(&[]));
            self.changes
                .update_one(
                    doc! {"_id": bson::oid::ObjectId::new()},
                    doc! {
                        "$currentDate": {"at": true},
                        "$set": {
                            "songs": part(c.songs),
                            "albums": part(c.albums),
                            "artists": part(c.artists),
                        },
                    },
                )
                .with_options(
                    mongodb::options::UpdateOptions::builder()
                        .upsert(true)
                        .build(),
                )
                .await?;
        }
        Ok(())
    }

    /// Change-log entries stamped at or after `since` (indexed range on `at`), oldest first.
    pub async fn changes_since(&self, since: chrono::DateTime<Utc>) -> Result<Vec<CatalogChange>> {
        let docs: Vec<Document> = self
            .changes
            .find(doc! {"at": {"$gte": BDateTime::from_millis(since.timestamp_millis())}})
            .sort(doc! {"at": 1})
            .await?
            .try_collect()
            .await?;
        let ids = |d: &Document, k: &str| -> Vec<Uuid> {
            d.get_array(k)
                .map(|a| {
                    a.iter()
                        .filter_map(|b| match b {
                            bson::Bson::Binary(b) => Uuid::from_slice(&b.bytes).ok(),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        Ok(docs
            .iter()
            .filter_map(|d| {
                Some(CatalogChange {
                    id: d.get_object_id("_id").ok()?.to_hex(),
                    at: from_bdt(*d.get_datetime("at").ok()?),
                    songs: ids(d, "songs"),
                    albums: ids(d, "albums"),
                    artists: ids(d, "artists"),
                })
            })
            .collect())
    }

    /// A random id this catalog database got when first asked (kept in `catalog_charts`):
    /// an index built from another database (a reset, a restore) is not reused.
    pub async fn epoch(&self) -> Result<String> {
        let d = self
            .raw_charts()
            .find_one_and_update(
                doc! {"_id": "epoch"},
                doc! {"$setOnInsert": {"id": Uuid::new_v4().to_string()}},
            )
            .upsert(true)
            .return_document(mongodb::options::ReturnDocument::After)
            .await?
            .ok_or_else(|| Error::Internal("no epoch document".into()))?;
        Ok(d.get_str("id").unwrap_or_default().to_string())
    }

    /// The database's clock (what change-log entries are stamped with).
    pub async fn clock(&self) -> Result<chrono::DateTime<Utc>> {
        let d = self
            .raw_charts()
            .find_one_and_update(doc! {"_id": "clock"}, doc! {"$currentDate": {"at": true}})
            .upsert(true)
            .return_document(mongodb::options::ReturnDocument::After)
            .await?
            .ok_or_else(|| Error::Internal("no clock document".into()))?;
        Ok(from_bdt(
            *d.get_datetime("at")
                .map_err(|e| Error::Internal(e.to_string()))?,
        ))
    }

    /// Published songs among `ids`, as search rows with their popularity.
    pub async fn index_songs(&self, ids: &[Uuid]) -> Result<Vec<(SongRow, u32)>> {
        let docs = by_ids(&self.songs, ids, doc! {"status": PUBLISHED}).await?;
        Ok(docs
            .into_iter()
            .map(|d| {
                let p = d.popularity.max(0) as u32;
                (d.into_row(), p)
            })
            .collect())
    }

    /// Albums among `ids`, each with whether it is listed (`album_listed`).
    pub async fn index_albums(&self, ids: &[Uuid]) -> Result<Vec<(Album, bool)>> {
        let docs = by_ids(&self.albums, ids, doc! {}).await?;
        Ok(docs
            .into_iter()
            .map(|d| {
                let listed = album_listed(&d);
                (Album::from(d), listed)
            })
            .collect())
    }

    pub async fn index_artists(&self, ids: &[Uuid]) -> Result<Vec<Artist>> {
        let docs = by_ids(&self.artists, ids, doc! {}).await?;
        Ok(docs.into_iter().map(Artist::from).collect())
    }

    fn raw_charts(&self) -> Collection<Document> {
        self.charts.clone_with_type()
    }

    pub async fn all_artists(&self) -> Result<impl futures::Stream<Item = Result<Artist>>> {
        Ok(self
            .artists
            .find(doc! {})
            .await?
            .map_ok(Artist::from)
            .map_err(Error::from))
    }

    /// Every album, each with whether it is listed (`album_listed`).
    pub async fn all_albums(&self) -> Result<impl futures::Stream<Item = Result<(Album, bool)>>> {
        Ok(self
            .albums
            .find(doc! {})
            .await?
            .map_ok(|d| {
                let listed = album_listed(&d);
                (Album::from(d), listed)
            })
            .map_err(Error::from))
    }

    /// Published songs as list rows, with their popularity (for search ranking).
    pub async fn all_published_song_rows(
        &self,
    ) -> Result<impl futures::Stream<Item = Result<(SongRow, u32)>>> {
        Ok(self
            .songs
            .find(doc! {"status": PUBLISHED})
            .await?
            .map_ok(|d| {
                let p = d.popularity.max(0) as u32;
                (d.into_row(), p)
            })
            .map_err(Error::from))
    }

    /// List rows for songs by id (any status), in the order of `ids`.
    pub async fn song_rows(&self, ids: &[Uuid]) -> Result<Vec<SongRow>> {
        Ok(self
            .songs_by_ids(ids)
            .await?
            .into_iter()
            .map(|(s, cover)| s.row(cover))
            .collect())
    }

    /// Albums of these artists released before `before`, newest first (the feed).
    pub async fn releases_of(
        &self,
        artists: &[Uuid],
        before: chrono::DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Album>> {
        if artists.is_empty() {
            return Ok(vec![]);
        }
        // Newest `limit` of each chunk of artists, then the newest `limit` of those.
        let mut albums: Vec<Album> = vec![];
        for part in artists.chunks(IN_CHUNK) {
            let docs: Vec<AlbumDoc> = self
                .albums
                .find(doc! {
                    "artist_ids": {"$in": bids(part)},
                    "release_date": {"$lt": BDateTime::from_millis(before.timestamp_millis())},
                })
                .sort(doc! {"release_date": -1})
                .limit(limit)
                .await?
                .try_collect()
                .await?;
            albums.extend(docs.into_iter().map(Album::from));
        }
        // An album of artists in two chunks is found twice.
        albums.sort_by(|a, b| (b.release_date, b.id).cmp(&(a.release_date, a.id)));
        albums.dedup_by_key(|a| a.id);
        albums.truncate(limit.max(0) as usize);
        Ok(albums)
    }

    /// Artist names by id.
    pub async fn artist_names(
        &self,
        ids: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, String>> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let docs = by_ids(&self.artists, ids, doc! {}).await?;
        Ok(docs.into_iter().map(|d| (uid(d.id), d.name)).collect())
    }

    pub async fn song_count(&self) -> Result<u64> {
        Ok(self.songs.estimated_document_count().await?)
    }

    // --- reads ----------------------------------------------------------------------------

    pub async fn artist(&self, id: Uuid) -> Result<Option<Artist>> {
        Ok(self
            .artists
            .find_one(doc! {"_id": bid(id)})
            .await?
            .map(Into::into))
    }

    pub async fn album(&self, id: Uuid) -> Result<Option<Album>> {
        Ok(self
            .albums
            .find_one(doc! {"_id": bid(id)})
            .await?
            .map(Into::into))
    }

    /// A song with its album cover, whatever its status (callers decide who may see it).
    /// Songs by id, in the order asked (unknown ids left out), with their album covers.
    pub async fn songs_by_ids(&self, ids: &[Uuid]) -> Result<Vec<(Song, Option<String>)>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let docs = by_ids(&self.songs, ids, doc! {}).await?;
        let mut by_id: std::collections::HashMap<Uuid, (Song, Option<String>)> = docs
            .into_iter()
            .map(|d| {
                let s = d.into_song();
                (s.0.id, s)
            })
            .collect();
        Ok(ids.iter().filter_map(|i| by_id.remove(i)).collect())
    }

    /// Up to `n` published songs in storage order (no sort: a cheap sample for bulk loads).
    pub async fn some_songs(&self, n: i64) -> Result<Vec<(Song, Option<String>)>> {
        let docs: Vec<SongDoc> = self
            .songs
            .find(doc! {"status": "published"})
            .limit(n)
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(SongDoc::into_song).collect())
    }

    pub async fn song(&self, id: Uuid) -> Result<Option<(Song, Option<String>)>> {
        Ok(self
            .songs
            .find_one(doc! {"_id": bid(id)})
            .await?
            .map(SongDoc::into_song))
    }

    /// [`Self::song`] for the play-report path: a song read in the last
    /// [`PLAY_SONG_TTL`] is reused (popular songs are reported many times a second, and
    /// the lookup was a fifth of a report's acknowledgement time). Songs not found are
    /// not remembered.
    pub async fn song_for_play(&self, id: Uuid) -> Result<Option<(Song, Option<String>)>> {
        if let Some(hit) = self.play_songs.get(&id) {
            return Ok(Some(hit));
        }
        let found = self.song(id).await?;
        if let Some(s) = &found {
            self.play_songs.insert(id, s.clone());
        }
        Ok(found)
    }

    /// The album's published tracks in disc/track order.
    pub async fn album_tracks(&self, album_id: Uuid) -> Result<Vec<SongRow>> {
        let docs: Vec<SongDoc> = self
            .songs
            .find(doc! {"album_id": bid(album_id)})
            .sort(doc! {"disc_number": 1, "track_number": 1})
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .into_iter()
            .filter(|d| d.status == SongStatus::Published)
            .map(SongDoc::into_row)
            .collect())
    }

    pub async fn top_songs_by_artist(&self, artist_id: Uuid, limit: i64) -> Result<Vec<SongRow>> {
        let docs: Vec<SongDoc> = self
            .songs
            .find(doc! {"artist_ids": bid(artist_id), "status": PUBLISHED})
            .sort(doc! {"popularity": -1})
            .limit(limit)
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(SongDoc::into_row).collect())
    }

    pub async fn albums_by_artist(&self, artist_id: Uuid) -> Result<Vec<Album>> {
        let docs: Vec<AlbumDoc> = self
            .albums
            .find(doc! {"artist_ids": bid(artist_id)})
            .sort(doc! {"release_date": -1})
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(Into::into).collect())
    }

    /// Artists whose sort name starts with `initial`, by sort name, after `cursor`.
    pub async fn artists_by_initial(
        &self,
        initial: &str,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<BrowsePage<ArtistSummary>> {
        let mut filter = doc! {"sort_initial": initial};
        if let Some(c) = cursor {
            filter.insert("sort_name", doc! {"$gt": c});
        }
        let docs: Vec<ArtistDoc> = self
            .artists
            .find(filter)
            .with_options(
                FindOptions::builder()
                    .sort(doc! {"sort_name": 1})
                    .limit(limit + 1)
                    .build(),
            )
            .await?
            .try_collect()
            .await?;
        let more = docs.len() as i64 > limit;
        let items: Vec<ArtistSummary> = docs
            .into_iter()
            .take(limit as usize)
            .map(|d| Artist::from(d).summary())
            .collect();
        let next = if more {
            // The cursor is the last sort name shown; names are unique per catalog.
            self.artists_last_sort_name(&items).await
        } else {
            None
        };
        Ok(BrowsePage { items, next })
    }

    async fn artists_last_sort_name(&self, items: &[ArtistSummary]) -> Option<String> {
        let last = items.last()?;
        self.artist(last.id)
            .await
            .ok()
            .flatten()
            .map(|a| a.sort_name)
    }

    /// Albums released in `year`, newest or oldest first, after the `(date, id)` cursor.
    pub async fn albums_by_year(
        &self,
        year: i32,
        newest_first: bool,
        cursor: Option<(NaiveDate, Uuid)>,
        limit: i64,
    ) -> Result<BrowsePage<Album>> {
        let mut filter = doc! {"release_year": year};
        let (op, dir) = if newest_first {
            ("$lt", -1)
        } else {
            ("$gt", 1)
        };
        if let Some((d, id)) = cursor {
            filter.insert(
                "$or",
                vec![
                    doc! {"release_date": {op: bdate(d)}},
                    doc! {"release_date": bdate(d), "_id": {op: bid(id)}},
                ],
            );
        }
        let docs: Vec<AlbumDoc> = self
            .albums
            .find(filter)
            .sort(doc! {"release_date": dir, "_id": dir})
            .limit(limit + 1)
            .await?
            .try_collect()
            .await?;
        let more = docs.len() as i64 > limit;
        let items: Vec<Album> = docs
            .into_iter()
            .take(limit as usize)
            .map(Into::into)
            .collect();
        let next = if more {
            items.last().map(|a| format!("{}_{}", a.release_date, a.id))
        } else {
            None
        };
        Ok(BrowsePage { items, next })
    }

    pub async fn genre(&self, genre: &str, limit: i64) -> Result<GenrePage> {
        let artists: Vec<ArtistDoc> = self
            .artists
            .find(doc! {"genres": genre})
            .sort(doc! {"popularity": -1})
            .limit(24)
            .await?
            .try_collect()
            .await?;
        let songs = self.genre_song_docs(genre, limit).await?;
        Ok(GenrePage {
            genre: genre.to_string(),
            artists: artists
                .into_iter()
                .map(|d| Artist::from(d).summary())
                .collect(),
            songs: songs.into_iter().map(SongDoc::into_row).collect(),
        })
    }

    async fn genre_song_docs(&self, genre: &str, limit: i64) -> Result<Vec<SongDoc>> {
        Ok(self
            .songs
            .find(doc! {"genres": genre, "status": PUBLISHED})
            .sort(doc! {"popularity": -1})
            .limit(limit)
            .await?
            .try_collect()
            .await?)
    }

    /// A genre's most popular published songs, full documents (the recommendation job).
    pub async fn songs_in_genre(
        &self,
        genre: &str,
        limit: i64,
    ) -> Result<Vec<(Song, Option<String>)>> {
        let docs = self.genre_song_docs(genre, limit).await?;
        Ok(docs.into_iter().map(SongDoc::into_song).collect())
    }

    /// The home page: one `_id` lookup.
    pub async fn home(&self) -> Result<HomeCatalog> {
        Ok(self
            .charts
            .find_one(doc! {"_id": "home"})
            .await?
            .map(|c| c.home)
            .unwrap_or_default())
    }

    /// Changes the home page's charts in place (a read and a compare-and-set on its
    /// `updated_at`, retried, so concurrent changes are not lost) instead of recomputing
    /// them from the whole catalog, which is a full scan on SecantusDB at scale.
    pub async fn update_charts(&self, change: impl Fn(&mut HomeCatalog)) -> Result<()> {
        for _ in 0..20 {
            let current = self.charts.find_one(doc! {"_id": "home"}).await?;
            let Some(mut c) = current else {
                self.refresh_charts().await?;
                return Ok(());
            };
            let seen = c.updated_at;
            change(&mut c.home);
            let mut next = BDateTime::now();
            if next <= seen {
                next = BDateTime::from_millis(seen.timestamp_millis() + 1);
            }
            c.updated_at = next;
            let r = self
                .charts
                .replace_one(doc! {"_id": "home", "updated_at": seen}, c)
                .await?;
            if r.matched_count == 1 {
                return Ok(());
            }
        }
        Err(Error::Conflict(
            "The home page charts are busy; try again.".into(),
        ))
    }

    /// A newly published song: its album joins the new releases (if new enough) and its
    /// genres count it.
    pub async fn chart_published(&self, album: &Album, song: &Song) -> Result<()> {
        self.update_charts(|h| {
            if !h.new_releases.iter().any(|a| a.id == album.id) {
                h.new_releases.push(album.clone());
                h.new_releases
                    .sort_by(|a, b| b.release_date.cmp(&a.release_date));
                h.new_releases.truncate(12);
            }
            for g in &song.genres {
                match h.genres.iter_mut().find(|c| &c.genre == g) {
                    Some(c) => c.songs += 1,
                    None => h.genres.push(GenreCount {
                        genre: g.clone(),
                        songs: 1,
                    }),
                }
            }
            h.genres.sort_by(|a, b| b.songs.cmp(&a.songs));
        })
        .await
    }

    /// A song no longer published: out of the popular list and the genre counts.
    pub async fn chart_unpublished(&self, song: &Song) -> Result<()> {
        self.update_charts(|h| {
            h.popular.retain(|r| r.id != song.id);
            for g in &song.genres {
                if let Some(c) = h.genres.iter_mut().find(|c| &c.genre == g) {
                    c.songs = c.songs.saturating_sub(1);
                }
            }
            h.genres.retain(|c| c.songs > 0);
            h.genres.sort_by(|a, b| b.songs.cmp(&a.songs));
        })
        .await
    }

    /// Recomputes the charts document from the whole catalog (a job, not a request).
    pub async fn refresh_charts(&self) -> Result<HomeCatalog> {
        let new_releases: Vec<AlbumDoc> = self
            .albums
            .find(doc! {"imported": {"$ne": true}})
            .sort(doc! {"release_date": -1})
            .limit(12)
            .await?
            .try_collect()
            .await?;
        let popular: Vec<SongDoc> = self
            .songs
            .find(doc! {"status": PUBLISHED})
            .sort(doc! {"popularity": -1})
            .limit(20)
            .await?
            .try_collect()
            .await?;
        let mut genres = vec![];
        let mut cur = self
            .raw_songs
            .aggregate(vec![
                doc! {"$match": {"status": PUBLISHED}},
                doc! {"$unwind": "$genres"},
                doc! {"$group": {"_id": "$genres", "n": {"$sum": 1}}},
                doc! {"$sort": {"n": -1}},
            ])
            .await?;
        while let Some(d) = cur.try_next().await? {
            if let (Ok(g), Some(n)) = (d.get_str("_id"), d.get("n").and_then(bson_int)) {
                genres.push(GenreCount {
                    genre: g.to_string(),
                    songs: n as u64,
                });
            }
        }
        let home = HomeCatalog {
            new_releases: new_releases.into_iter().map(Into::into).collect(),
            popular: popular.into_iter().map(SongDoc::into_row).collect(),
            genres,
        };
        self.save_charts(&home).await?;
        Ok(home)
    }

    /// Stores the home page's charts as computed elsewhere (the generator knows them
    /// without reading the catalog back).
    pub async fn save_charts(&self, home: &HomeCatalog) -> Result<()> {
        self.charts
            .replace_one(
                doc! {"_id": "home"},
                ChartsDoc {
                    id: "home".into(),
                    home: home.clone(),
                    updated_at: BDateTime::now(),
                },
            )
            .with_options(ReplaceOptions::builder().upsert(true).build())
            .await?;
        Ok(())
    }
}

/// The documents of `coll` whose `_id` is among `ids` and that match `also`.
async fn by_ids<T>(coll: &Collection<T>, ids: &[Uuid], also: Document) -> Result<Vec<T>>
where
    T: serde::de::DeserializeOwned + Send + Sync,
{
    find_in(coll, "_id", bids(ids), also, None).await
}

/// Ids as BSON values (for `$in` lists).
pub fn bids(ids: &[Uuid]) -> Vec<bson::Bson> {
    ids.iter().map(|i| bid(*i).into()).collect()
}

/// An insert of documents with fresh UUIDs that failed only on duplicate keys was applied
/// already (the driver retried a write whose answer was lost): that is success.
fn already_there<T>(r: mongodb::error::Result<T>) -> Result<()> {
    match r {
        Ok(_) => Ok(()),
        Err(e) => match *e.kind {
            mongodb::error::ErrorKind::InsertMany(ref f)
                if f.write_concern_error.is_none()
                    && f.write_errors
                        .as_ref()
                        .is_some_and(|w| w.iter().all(|w| w.code == 11000)) =>
            {
                tracing::warn!(
                    n = f.write_errors.as_ref().map_or(0, Vec::len),
                    "insert found its documents already stored (a retried write)"
                );
                Ok(())
            }
            _ => Err(e.into()),
        },
    }
}

fn bson_int(b: &bson::Bson) -> Option<i64> {
    match b {
        bson::Bson::Int32(n) => Some(i64::from(*n)),
        bson::Bson::Int64(n) => Some(*n),
        bson::Bson::Double(f) => Some(*f as i64),
        _ => None,
    }
}

/// Checks a song before it is written: clear messages, nothing stored on failure.
pub fn validate_song(s: &Song) -> Result<()> {
    let mut e = crate::FieldErrors::default();
    if s.title.trim().is_empty() || s.title.chars().count() > 200 {
        e.add("title", "Song titles are 1 to 200 characters long.");
    }
    if s.artists.is_empty() || !s.artists.iter().any(|a| a.role == ArtistRole::Primary) {
        e.add("artists", "A song needs at least one primary artist.");
    }
    if s.duration_ms == 0 || s.duration_ms > 6 * 3600 * 1000 {
        e.add("duration_ms", "Durations are between 1 ms and 6 hours.");
    }
    if s.track_number == 0 || s.disc_number == 0 {
        e.add("track_number", "Track and disc numbers start at 1.");
    }
    if let Some(isrc) = &s.isrc {
        if !crate::validate::isrc(isrc) {
            e.add(
                "isrc",
                "ISRCs look like CC-XXX-YY-NNNNN (12 characters, no dashes).",
            );
        }
    }
    let f = &s.features;
    let unit = [
        f.danceability,
        f.energy,
        f.speechiness,
        f.acousticness,
        f.instrumentalness,
        f.liveness,
        f.valence,
    ];
    if unit.iter().any(|v| !(0.0..=1.0).contains(v))
        || f.key > 11
        || f.mode > 1
        || !(0.0..=300.0).contains(&f.tempo)
    {
        e.add("features", "Audio features are out of range.");
    }
    if let Some(a) = &s.audio {
        if !is_safe_media_name(&a.file) {
            e.add(
                "audio",
                "Audio file names are a content hash with an extension.",
            );
        }
    }
    if e.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(e))
    }
}

/// `<64 hex>.<ext>`: the only audio file names the media routes will ever open.
pub fn is_safe_media_name(name: &str) -> bool {
    is_hash_name(name, &["wav", "mp3", "ogg", "flac", "m4a"])
}

/// A lowercase sha256 in hex, a dot and one of `exts`: content-addressed file names.
pub fn is_hash_name(name: &str, exts: &[&str]) -> bool {
    match name.split_once('.') {
        Some((hash, ext)) => {
            hash.len() == 64
                && hash
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
                && exts.contains(&ext)
        }
        None => false,
    }
}

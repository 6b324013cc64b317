//! Importing listening history. Uploading checks the whole file first (`crate::import`):
//! a bad file is refused with a clear message and nothing is stored. A good one is kept
//! under `<data dir>/imports` and queued; a background job (any instance, under a lease)
//! works through it in batches: podcasts, audiobooks and incognito plays are skipped and
//! counted; tracks are matched by Spotify URI, then ISRC, then normalised artist + title;
//! unknown tracks become catalog entries without audio; plays are stored as played
//! history (per-user-per-day buckets of raw events marked `imported`,
//! `ListeningRepo::record_history`) — the aggregator counts them like live plays. Event
//! ids are derived from (user, end time, track), so importing a file again adds nothing,
//! and a run that crashed resumes at the last recorded batch.

use std::{collections::HashMap, path::Path};

use chrono::{Duration, Utc};
use uuid::Uuid;

use crate::{
    catalog::{
        Album, AlbumType, Artist, ArtistCredit, ArtistRole, AudioFeatures, Song, SongStatus,
    },
    import::{match_key, normalize, parse, Kind, Parsed, Record},
    listening::{EndReason, HistoryImport, PlayEvent, Source},
    model::SessionUser,
    repo::{imports::Tally, Repos},
    upload::Received,
    Error, Result,
};

/// Records per batch (one resume point each).
pub const BATCH: usize = 2_000;
const LEASE_SECS: i64 = 120;
/// Ids of imported plays: UUID v5 in this namespace over "user|end ms|track".
const NAMESPACE: Uuid = Uuid::from_u128(0x6a1c_55e0_2f7b_4c1e_9d3a_5b8e_0c4f_1a27);

fn dir(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("imports")
}

/// Checks an uploaded file in full and queues it for the user. Returns the import id.
pub async fn upload(
    repos: &Repos,
    data_dir: &Path,
    user: &SessionUser,
    file: Received,
) -> Result<Uuid> {
    queue(repos, data_dir, Some(user.id), Some(user.id), file).await
}

/// Checks a file and queues it; `user` None means the file names its users (CLI).
pub async fn queue(
    repos: &Repos,
    data_dir: &Path,
    user: Option<Uuid>,
    requested_by: Option<Uuid>,
    file: Received,
) -> Result<Uuid> {
    let (file, parsed) = tokio::task::spawn_blocking(move || {
        let parsed = std::fs::read(file.path())
            .map_err(|e| Error::Internal(e.to_string()))
            .and_then(|b| parse(&b, &file.original_name).map_err(|m| Error::field("file", m)));
        (file, parsed)
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?;
    let parsed = parsed?;
    let id = Uuid::new_v4();
    let name = file.original_name.clone();
    let size = file.size as i64;
    // One directory per import: two imports of the same file never share (or delete)
    // each other's copy.
    let stored = format!(
        "{id}/{}",
        file.keep_as(&dir(data_dir).join(id.to_string()), "data")?
    );
    let errors: Vec<(i64, String)> = parsed
        .errors
        .iter()
        .take(crate::repo::imports::KEEP_ERRORS)
        .map(|e| (e.n as i64, e.message.clone()))
        .collect();
    repos
        .imports
        .insert(
            id,
            user,
            requested_by,
            &name,
            &stored,
            size,
            &parsed.format,
            parsed.read() as i64,
            &errors,
            parsed.errors.len() as i64,
        )
        .await?;
    Ok(id)
}

/// The user's imports, newest first.
pub async fn mine(repos: &Repos, user: &SessionUser) -> Result<Vec<HistoryImport>> {
    repos.imports.of_user(user.id).await
}

/// Runs the oldest waiting import (or `only` that one) to its end, `batch` records per
/// resume point ([`BATCH`]; `max_batches` stops early, as a crash would — for tests).
/// `progress` hears (records done, records in the file). Returns the import run, if any.
pub async fn run_next(
    repos: &Repos,
    data_dir: &Path,
    only: Option<Uuid>,
    batch: usize,
    max_batches: Option<usize>,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<Option<Uuid>> {
    let Some(job) = repos.imports.claim(LEASE_SECS, only).await? else {
        return Ok(None);
    };
    let path = dir(data_dir).join(&job.stored_file);
    let bytes = match tokio::fs::read(&path).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, import = %job.id, "import file missing");
            repos
                .imports
                .finish(
                    job.id,
                    "failed",
                    "The uploaded file is no longer there; upload it again.",
                )
                .await?;
            return Ok(Some(job.id));
        }
    };
    let name = job.file_name.clone();
    let parsed: Parsed = tokio::task::spawn_blocking(move || parse(&bytes, &name))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
        .map_err(|m| Error::Internal(format!("a queued file no longer parses: {m}")))?;
    let total = parsed.read();
    // Parse errors were recorded at upload; the job walks the good records by number.
    let records: Vec<Record> = parsed
        .records
        .into_iter()
        .filter(|r| r.n as i64 > job.position)
        .collect();
    repos.catalog.backfill_match_keys().await?;
    let mut state = State::default();
    let mut batches = 0;
    // A batch is matched (and its catalog entries made) while the previous one's plays are
    // being stored; the resume point moves only once a batch is stored.
    let mut storing: Option<(tokio::task::JoinHandle<Result<Tally>>, i64)> = None;
    let tag = format!("import:{}", job.id);
    let origin = Origin {
        user_id: job.user_id,
        source_id: tag.clone(),
        imported: true,
    };
    for chunk in records.chunks(batch.max(1)) {
        if max_batches.is_some_and(|m| batches >= m) {
            if let Some((h, last)) = storing.take() {
                let t = h.await.map_err(|e| Error::Internal(e.to_string()))??;
                repos.imports.advance(job.id, last, &t, LEASE_SECS).await?;
            }
            return Ok(Some(job.id)); // a test's simulated crash: the lease is left to run out
        }
        let (tally, plays) = prepare_batch(repos, &origin, chunk, &mut state).await?;
        if let Some((h, last)) = storing.take() {
            let t = h.await.map_err(|e| Error::Internal(e.to_string()))??;
            repos.imports.advance(job.id, last, &t, LEASE_SECS).await?;
            progress(last as u64, total);
        }
        let last = chunk.last().map_or(job.position, |r| r.n as i64);
        let (repos2, tag2) = (repos.clone(), tag.clone());
        storing = Some((
            tokio::spawn(async move { store_batch(&repos2, tally, plays, &tag2).await }),
            last,
        ));
        batches += 1;
    }
    if let Some((h, last)) = storing.take() {
        let t = h.await.map_err(|e| Error::Internal(e.to_string()))??;
        repos.imports.advance(job.id, last, &t, LEASE_SECS).await?;
        progress(last as u64, total);
    }
    repos
        .imports
        .advance(job.id, total as i64, &Tally::default(), LEASE_SECS)
        .await?;
    let albums = repos.imports.albums_to_recount(job.id).await?;
    repos.catalog.recount_albums(&albums).await?;
    repos.imports.finish(job.id, "done", "").await?;
    progress(total, total);
    // The plays are stored; the file is not needed any more (and is the user's data).
    let _ = tokio::fs::remove_dir_all(dir(data_dir).join(job.id.to_string())).await;
    Ok(Some(job.id))
}

/// Whose plays a batch stores and how they are marked.
pub struct Origin {
    /// The user, or None when each record names its user (platform imports).
    pub user_id: Option<Uuid>,
    /// Kept with every play (`import:<id>`, `listenbrainz`).
    pub source_id: String,
    /// Imported history rather than plays reported as they happened.
    pub imported: bool,
}

/// Matches `records` to the catalog (creating entries without audio for unknown tracks)
/// and stores them as plays, each once however often it is sent: the rules of an import,
/// for listens submitted by API. Returns what happened to them.
pub async fn store_plays(repos: &Repos, origin: &Origin, records: &[Record]) -> Result<Tally> {
    let mut st = State::default();
    let (tally, plays) = prepare_batch(repos, origin, records, &mut st).await?;
    let mut t = store_batch(repos, tally, plays, &origin.source_id).await?;
    repos
        .catalog
        .recount_albums(&std::mem::take(&mut t.albums))
        .await?;
    Ok(t)
}

/// What one run remembers between batches: users by name, songs by URI / "isrc:…" /
/// match key (found or created), and values the catalog did not have.
#[derive(Default)]
struct State {
    users: HashMap<String, Option<Uuid>>,
    songs: HashMap<String, Song>,
    missed: std::collections::HashSet<(u8, String)>,
    /// Artists by normalised name and albums by match key, as found or made (an album's
    /// track count here numbers the tracks this run adds).
    artists: HashMap<String, Option<Artist>>,
    albums: HashMap<String, Option<Album>>,
}

fn reason(r: &Record) -> EndReason {
    match r.reason_end.as_str() {
        "trackdone" => EndReason::Finished,
        _ if r.skipped => EndReason::Skipped,
        "fwdbtn" | "backbtn" | "clickrow" | "remote" | "playbtn" => EndReason::Skipped,
        "trackerror" | "unexpected-exit" | "unexpected-exit-while-paused" => EndReason::Error,
        "" => EndReason::Finished,
        _ => EndReason::PausedAndLeft,
    }
}

fn key_of(r: &Record) -> Option<String> {
    match (&r.artist, &r.track) {
        (Some(a), Some(t)) => Some(match_key(a, t)),
        _ => None,
    }
}

/// A song this run already knows for the record: by URI, ISRC, or artist + title.
fn cached(r: &Record, st: &State) -> Option<Song> {
    r.spotify_uri
        .as_ref()
        .and_then(|u| st.songs.get(u))
        .or_else(|| {
            r.isrc
                .as_ref()
                .and_then(|i| st.songs.get(&format!("isrc:{i}")))
        })
        .or_else(|| key_of(r).and_then(|k| st.songs.get(&k)))
        .cloned()
}

/// The track's identity for event ids and grouping: the URI, else artist + title.
fn identity(r: &Record) -> Option<String> {
    r.spotify_uri
        .clone()
        .or_else(|| match (&r.artist, &r.track) {
            (Some(a), Some(t)) => Some(match_key(a, t)),
            _ => None,
        })
}

/// Sorts a batch's records (skipped, errors, whose) and matches or creates their songs;
/// returns the tally so far and the plays to store.
async fn prepare_batch(
    repos: &Repos,
    job: &Origin,
    chunk: &[Record],
    st: &mut State,
) -> Result<(Tally, Vec<(PlayEvent, Song)>)> {
    let mut t = Tally::default();
    // Whose plays: the uploader, or (platform import) the user the record names.
    if job.user_id.is_none() {
        let unknown: Vec<String> = chunk
            .iter()
            .filter_map(|r| r.username.as_ref().map(|u| u.to_lowercase()))
            .filter(|u| !st.users.contains_key(u))
            .collect::<std::collections::HashSet<_>>()
            .into_iter()
            .collect();
        if !unknown.is_empty() {
            let found = repos.imports.user_ids(&unknown).await?;
            for u in unknown {
                let id = found.get(&u).copied();
                st.users.insert(u, id);
            }
        }
    }
    let mut music: Vec<(&Record, Uuid)> = vec![];
    for r in chunk {
        match r.kind {
            Kind::Podcast => t.skipped_podcast += 1,
            Kind::Audiobook => t.skipped_audiobook += 1,
            Kind::Music if r.incognito => t.skipped_incognito += 1,
            Kind::Music => {
                let user = job.user_id.or_else(|| {
                    r.username
                        .as_ref()
                        .and_then(|u| st.users.get(&u.to_lowercase()).copied().flatten())
                });
                match user {
                    Some(u) => music.push((r, u)),
                    None => t.errors.push((
                        r.n as i64,
                        match &r.username {
                            Some(u) => format!("no user named “{u}”"),
                            None => {
                                "the file does not say whose play this is (import it for a user)"
                                    .into()
                            }
                        },
                    )),
                }
            }
        }
    }
    // Match: URI, then ISRC, then artist + title.
    // Look up what this run has not seen yet, in three rounds: URI, then ISRC, then
    // artist + title (each value once; misses remembered, hits cached for later batches).
    for round in 0..3u8 {
        let mut want = std::collections::HashSet::new();
        for (r, _) in &music {
            if cached(r, st).is_some() {
                continue;
            }
            let v = match round {
                0 => r.spotify_uri.clone(),
                1 => r.isrc.clone(),
                _ => key_of(r),
            };
            if let Some(v) = v.filter(|v| !st.missed.contains(&(round, v.clone()))) {
                want.insert(v);
            }
        }
        if want.is_empty() {
            continue;
        }
        let want: Vec<String> = want.into_iter().collect();
        let m = match round {
            0 => {
                repos
                    .catalog
                    .import_matches(want.clone(), vec![], vec![])
                    .await?
                    .by_uri
            }
            1 => {
                repos
                    .catalog
                    .import_matches(vec![], want.clone(), vec![])
                    .await?
                    .by_isrc
            }
            _ => {
                repos
                    .catalog
                    .import_matches(vec![], vec![], want.clone())
                    .await?
                    .by_key
            }
        };
        for v in want {
            match m.get(&v) {
                Some(song) => {
                    let k = if round == 1 { format!("isrc:{v}") } else { v };
                    st.songs.insert(k, song.clone());
                }
                None => {
                    st.missed.insert((round, v));
                }
            }
        }
    }
    let find = |r: &Record, st: &State| cached(r, st);
    // Unknown tracks become catalog entries (once per track).
    let unknown: Vec<&Record> = {
        let mut seen = std::collections::HashSet::new();
        music
            .iter()
            .map(|(r, _)| *r)
            .filter(|r| find(r, st).is_none())
            .filter(|r| identity(r).is_some_and(|k| seen.insert(k)))
            .collect()
    };
    t.created = create_entries(repos, &unknown, chunk, st).await? as i64;

    let mut first_of_created: std::collections::HashSet<String> = unknown
        .iter()
        .filter(|r| r.artist.is_some() && r.track.is_some())
        .filter_map(|r| identity(r))
        .collect();
    let mut plays: Vec<(PlayEvent, Song)> = vec![];
    // Albums of catalog entries without audio (made by this or an earlier import; an
    // earlier run of this one may have crashed before it recounted them).
    let mut albums_seen = std::collections::HashSet::new();
    for (r, user) in &music {
        let Some(song) = find(r, st) else {
            t.errors.push((
                r.n as i64,
                "a track URI without a name cannot be added to the catalog".into(),
            ));
            continue;
        };
        let Some(ident) = identity(r) else { continue };
        if song.audio.is_none() && albums_seen.insert(song.album_id) {
            t.albums.push(song.album_id);
        }
        // The play that caused a catalog entry counts as created, later ones as matched.
        if !first_of_created.remove(&ident) {
            t.matched += 1;
        }
        let (started_at, ms_played) = if r.whole {
            (r.ended_at, song.duration_ms)
        } else {
            (
                r.ended_at - Duration::milliseconds(r.ms_played as i64),
                r.ms_played,
            )
        };
        plays.push((
            PlayEvent {
                event_id: Uuid::new_v5(
                    &NAMESPACE,
                    format!("{user}|{}|{ident}", r.ended_at.timestamp_millis()).as_bytes(),
                ),
                user_id: *user,
                song_id: song.id,
                started_at,
                ms_played,
                reason_end: reason(r),
                shuffle: r.shuffle,
                source: Source::Other,
                source_id: Some(job.source_id.clone()),
                platform: crate::listening::breakdown_key(&r.platform, "unknown"),
                country: crate::listening::breakdown_key(&r.country, "unknown"),
                offline: r.offline,
                private: false,
                imported: job.imported,
            },
            song,
        ));
    }
    Ok((t, plays))
}

/// Stores a batch's plays as played history (already stored ones are skipped) and
/// completes its tally.
async fn store_batch(
    repos: &Repos,
    mut t: Tally,
    plays: Vec<(PlayEvent, Song)>,
    tag: &str,
) -> Result<Tally> {
    let refs: Vec<(PlayEvent, &Song)> = plays.iter().map(|(e, s)| (e.clone(), s)).collect();
    let stored = repos.listening.record_history(&refs, tag).await?;
    // A run that crashed after storing this batch left its plays under this import's tag.
    t.imported = (stored.new + stored.ours) as i64;
    t.duplicates = stored.duplicates as i64;
    Ok(t)
}

/// Creates artists, albums and songs (without audio) for unknown tracks, reusing artists
/// and albums the catalog already has by name. Returns the songs created.
async fn create_entries(
    repos: &Repos,
    unknown: &[&Record],
    chunk: &[Record],
    st: &mut State,
) -> Result<usize> {
    let named: Vec<&Record> = unknown
        .iter()
        .copied()
        .filter(|r| r.artist.is_some() && r.track.is_some())
        .collect();
    if named.is_empty() {
        return Ok(0);
    }
    let first_play = chunk
        .iter()
        .map(|r| r.ended_at)
        .min()
        .unwrap_or_else(Utc::now)
        .date_naive();
    let album_key = |r: &Record| {
        match_key(
            r.artist.as_deref().unwrap_or(""),
            r.album.as_deref().unwrap_or("Imported tracks"),
        )
    };
    // Look up only the artists and albums this run has not met yet (each once).
    let want = unseen(
        named
            .iter()
            .map(|r| normalize(r.artist.as_deref().unwrap_or("")))
            .collect(),
        &st.artists,
    );
    let mut found = repos.catalog.artists_by_name_keys(want.clone()).await?;
    for k in want {
        let a = found.remove(&k);
        st.artists.insert(k, a);
    }
    let want = unseen(named.iter().map(|r| album_key(r)).collect(), &st.albums);
    let mut found = repos.catalog.albums_by_match_keys(want.clone()).await?;
    for k in want {
        let a = found.remove(&k);
        st.albums.insert(k, a);
    }
    let (mut new_artists, mut new_albums, mut new_songs) = (vec![], vec![], vec![]);
    // The CSV knows a track's length; otherwise the longest play of it in this batch.
    let mut longest: HashMap<String, u64> = HashMap::new();
    for x in chunk {
        if let Some(k) = identity(x) {
            let m = longest.entry(k).or_default();
            *m = (*m).max(x.ms_played);
        }
    }
    for r in named {
        let artist_name = r.artist.clone().unwrap_or_default();
        let akey = normalize(&artist_name);
        let artist = match st.artists.get(&akey).cloned().flatten() {
            Some(a) => a,
            None => {
                let a = Artist {
                    id: Uuid::new_v4(),
                    name: artist_name.clone(),
                    sort_name: artist_name.trim_start_matches("The ").to_string(),
                    bio: String::new(),
                    country: String::new(),
                    genres: r.genres.clone(),
                    image: None,
                    verified: false,
                    links: vec![],
                    popularity: 0,
                };
                st.artists.insert(akey, Some(a.clone()));
                new_artists.push(a.clone());
                a
            }
        };
        let albkey = album_key(r);
        let album = match st.albums.get(&albkey).cloned().flatten() {
            Some(a) => a,
            None => {
                let a = Album {
                    id: Uuid::new_v4(),
                    title: r.album.clone().unwrap_or_else(|| "Imported tracks".into()),
                    artist_ids: vec![artist.id],
                    artist_names: vec![artist.name.clone()],
                    album_type: AlbumType::Album,
                    release_date: first_play,
                    label: String::new(),
                    genres: r.genres.clone(),
                    cover: None,
                    track_count: 0,
                    duration_ms: 0,
                    popularity: 0,
                };
                st.albums.insert(albkey.clone(), Some(a.clone()));
                new_albums.push(a.clone());
                a
            }
        };
        let n = album.track_count + 1;
        if let Some(Some(a)) = st.albums.get_mut(&albkey) {
            a.track_count = n;
        }
        let longest = identity(r)
            .and_then(|k| longest.get(&k).copied())
            .unwrap_or(0);
        let song = Song {
            id: Uuid::new_v4(),
            title: r.track.clone().unwrap_or_default(),
            artists: vec![ArtistCredit {
                id: artist.id,
                name: artist.name.clone(),
                role: ArtistRole::Primary,
            }],
            album_id: album.id,
            album_title: album.title.clone(),
            track_number: n,
            disc_number: 1,
            // A scrobble of unknown length: a typical song's 3:30.
            duration_ms: r
                .duration_ms
                .unwrap_or(if r.whole { 210_000 } else { longest })
                .max(1_000),
            genres: r.genres.clone(),
            explicit: false,
            isrc: r.isrc.clone().filter(|i| crate::validate::isrc(i)),
            popularity: 0,
            features: AudioFeatures::default(),
            audio: None,
            status: SongStatus::Published,
            play_count: 0,
            like_count: 0,
        };
        if let Some(u) = &r.spotify_uri {
            st.songs.insert(u.clone(), song.clone());
        }
        st.songs
            .insert(match_key(&artist.name, &song.title), song.clone());
        if let (Some(a), Some(ti)) = (&r.artist, &r.track) {
            st.songs.insert(match_key(a, ti), song.clone());
        }
        new_songs.push((song, album.cover.clone(), r.spotify_uri.clone()));
    }
    // New albums carry their track count and length; the end of the import recounts them
    // and the albums that existed (see `Tally::albums`).
    let mut totals: HashMap<Uuid, (u32, u64)> = HashMap::new();
    for (s, _, _) in &new_songs {
        let t = totals.entry(s.album_id).or_default();
        t.0 += 1;
        t.1 += s.duration_ms;
    }
    for a in &mut new_albums {
        (a.track_count, a.duration_ms) = totals.get(&a.id).copied().unwrap_or_default();
    }
    repos.catalog.insert_artists(&new_artists).await?;
    repos.catalog.insert_imported_albums(&new_albums).await?;
    let created = new_songs.len();
    repos.catalog.insert_imported_songs(&new_songs).await?;
    Ok(created)
}

/// The distinct keys a run has not looked up yet.
fn unseen<T>(keys: Vec<String>, seen: &HashMap<String, T>) -> Vec<String> {
    let set: std::collections::HashSet<String> =
        keys.into_iter().filter(|k| !seen.contains_key(k)).collect();
    set.into_iter().collect()
}

//! The OpenSubsonic API under `/rest/` (`/rest/NAME` and `/rest/NAME.view`, GET or form
//! POST): XML by default, JSON with `f=json`, JSONP with `f=jsonp&callback=`. Every answer
//! is HTTP 200 with `status` ok/failed as clients expect; errors carry Subsonic's codes.
//! Authentication is by app password (see `encore::service::apps`); everything else goes
//! through the same repositories and services as the web pages.

use axum::{
    body::{Body, Bytes},
    extract::{Path, Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    response::{IntoResponse, Response},
};
use chrono::{TimeZone, Utc};
use encore::{
    catalog::{Album, Song, SongRow, SongStatus},
    listening::{EndReason, Source},
    model::SessionUser,
    service::{
        apps::{authenticate, ApiCredentials},
        listening::{report, PlayReport},
    },
};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::AppState;

/// The Subsonic API version these answers follow.
pub const API_VERSION: &str = "1.16.1";
const MAX_BODY: usize = 64 * 1024;

/// Request parameters: the query string, then a form body's (repeatable, in order).
struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn num(&self, name: &str, default: i64, max: i64) -> Result<i64, Failure> {
        match self.get(name) {
            None | Some("") => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .map(|n| n.min(max))
                .ok_or_else(|| Failure::new(0, format!("Parameter {name} must be a number."))),
        }
    }
    fn id(&self, name: &str) -> Result<Uuid, Failure> {
        let v = self
            .get(name)
            .ok_or_else(|| Failure::new(10, format!("Required parameter is missing: {name}")))?;
        parse_id(v)
    }
    /// Every value of a repeatable id parameter (`id`, `albumId`, …).
    fn ids(&self, name: &str) -> Result<Vec<Uuid>, Failure> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| parse_id(v))
            .collect()
    }
}

/// An id as apps send it. Cover-art ids may carry a kind prefix ("al-", "ar-"): the UUID
/// is what counts.
fn parse_id(v: &str) -> Result<Uuid, Failure> {
    let raw = v
        .strip_prefix("al-")
        .or_else(|| v.strip_prefix("ar-"))
        .unwrap_or(v);
    Uuid::parse_str(raw).map_err(|_| not_found())
}

/// An artist in lists (index, search, starred).
fn artist_json(id: Uuid, name: &str) -> Value {
    json!({"id": id.to_string(), "name": name, "coverArt": format!("ar-{id}")})
}

/// A failed answer: Subsonic error code and message.
struct Failure {
    code: u32,
    message: String,
}

impl Failure {
    fn new(code: u32, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }
}

fn not_found() -> Failure {
    Failure::new(70, "The requested data was not found.")
}

fn internal(e: encore::Error) -> Failure {
    tracing::error!(error = %e, "subsonic");
    Failure::new(0, "Something went wrong on the server; try again.")
}

#[derive(Clone, Copy)]
enum Format {
    Xml,
    Json,
    Jsonp,
}

/// What a method answers: a body element, nothing (ping), or a file.
enum Answer {
    Empty,
    Element(&'static str, Value),
    File(Response),
}

async fn params(headers: &HeaderMap, query: Option<&str>, body: Bytes) -> Params {
    let mut v: Vec<(String, String)> = query
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if form {
        if let Ok(more) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) {
            v.extend(more);
        }
    }
    Params(v)
}

/// `/rest/{method}`: every OpenSubsonic method.
pub async fn handle(
    State(state): State<AppState>,
    Path(method): Path<String>,
    req: Request<Body>,
) -> Response {
    let (parts, body) = req.into_parts();
    let body = if parts.method == Method::POST {
        axum::body::to_bytes(body, MAX_BODY)
            .await
            .unwrap_or_default()
    } else {
        Bytes::new()
    };
    let p = params(&parts.headers, parts.uri.query(), body).await;
    let format = match p.get("f") {
        Some("json") => Format::Json,
        Some("jsonp") => Format::Jsonp,
        _ => Format::Xml,
    };
    let callback = p.get("callback").unwrap_or("callback").to_string();
    let method = method.strip_suffix(".view").unwrap_or(&method).to_string();
    let creds = ApiCredentials {
        username: p.get("u").map(str::to_string),
        password: p.get("p").map(str::to_string),
        token: p.get("t").map(str::to_string),
        salt: p.get("s").map(str::to_string),
        api_key: p.get("apiKey").map(str::to_string),
    };
    let answer = match authenticate(&state.ctx.repos, &creds).await {
        Err(e) => Err(internal(e)),
        Ok(Err(e)) => Err(Failure::new(e.code(), e.message())),
        Ok(Ok(me)) => {
            // Ranges and caching of the file routes need the original request's headers.
            let req = Request::from_parts(parts, Body::empty());
            call(&state, &me, &method, &p, req).await
        }
    };
    match answer {
        Ok(Answer::File(r)) => r,
        Ok(Answer::Empty) => reply(format, &callback, true, None),
        Ok(Answer::Element(k, v)) => reply(format, &callback, true, Some((k, v))),
        Err(f) => reply(
            format,
            &callback,
            false,
            Some(("error", json!({"code": f.code, "message": f.message}))),
        ),
    }
}

async fn call(
    state: &AppState,
    me: &SessionUser,
    method: &str,
    p: &Params,
    req: Request<Body>,
) -> Result<Answer, Failure> {
    let repos = &state.ctx.repos;
    let explicit_ok = || async {
        repos
            .accounts
            .preferences(me.id)
            .await
            .map(|pr| !pr.explicit_filter)
            .map_err(internal)
    };
    Ok(match method {
        "ping" => Answer::Empty,
        "getLicense" => Answer::Element("license", json!({"valid": true})),
        "getOpenSubsonicExtensions" => Answer::Element(
            "openSubsonicExtensions",
            json!([
                {"name": "apiKeyAuthentication", "versions": [1]},
                {"name": "formPost", "versions": [1]},
            ]),
        ),
        "getMusicFolders" => Answer::Element(
            "musicFolders",
            json!({"musicFolder": [{"id": 1, "name": "Encore"}]}),
        ),
        "getArtists" | "getIndexes" => {
            // From the catalog index (a read of every artist from MongoDB only until it
            // is first built).
            let artists = match state.ctx.search.artists_by_sort_name().map_err(internal)? {
                Some(list) => list,
                None => {
                    use futures::TryStreamExt;
                    let mut all: Vec<(String, Uuid, String)> = repos
                        .catalog
                        .all_artists()
                        .await
                        .map_err(internal)?
                        .map_ok(|a| (a.sort_name.to_lowercase(), a.id, a.name))
                        .try_collect()
                        .await
                        .map_err(internal)?;
                    all.sort();
                    all
                }
            };
            let mut index: Vec<(String, Vec<Value>)> = vec![];
            for (sort_name, id, name) in artists {
                let initial = sort_name
                    .chars()
                    .next()
                    .filter(|c| c.is_alphabetic())
                    .map_or("#".to_string(), |c| c.to_uppercase().to_string());
                let v = artist_json(id, &name);
                match index.last_mut() {
                    Some((i, list)) if *i == initial => list.push(v),
                    _ => index.push((initial, vec![v])),
                }
            }
            Answer::Element(
                if method == "getIndexes" {
                    "indexes"
                } else {
                    "artists"
                },
                json!({
                    "ignoredArticles": "The",
                    "lastModified": 0,
                    "index": index.into_iter().map(|(name, artist)| json!({"name": name, "artist": artist})).collect::<Vec<_>>(),
                }),
            )
        }
        "getArtist" => {
            let id = p.id("id")?;
            let artist = repos
                .catalog
                .artist(id)
                .await
                .map_err(internal)?
                .ok_or_else(not_found)?;
            let mut albums = repos.catalog.albums_by_artist(id).await.map_err(internal)?;
            // Albums whose songs all wait for review have nothing to play yet.
            albums.retain(|a| a.track_count > 0);
            Answer::Element(
                "artist",
                json!({
                    "id": artist.id.to_string(),
                    "name": artist.name,
                    "coverArt": format!("ar-{}", artist.id),
                    "albumCount": albums.len(),
                    "album": albums.iter().map(album_json).collect::<Vec<_>>(),
                }),
            )
        }
        "getAlbum" => {
            let id = p.id("id")?;
            let album = repos
                .catalog
                .album(id)
                .await
                .map_err(internal)?
                .ok_or_else(not_found)?;
            let mut tracks = repos.catalog.album_tracks(id).await.map_err(internal)?;
            if !explicit_ok().await? {
                tracks.retain(|t| !t.explicit);
            }
            let mut v = album_json(&album);
            v["song"] = Value::Array(tracks.iter().map(|t| row_json(t, &album)).collect());
            Answer::Element("album", v)
        }
        "getAlbumList2" => {
            use encore::repo::catalog::AlbumList;
            let size = p.num("size", 10, 500)?;
            let offset = p.num("offset", 0, 1_000_000)? as u64;
            let kind = p
                .get("type")
                .ok_or_else(|| Failure::new(10, "Required parameter is missing: type"))?;
            let list = match kind {
                "newest" => AlbumList::Newest,
                "frequent" | "highest" => AlbumList::Popular,
                "alphabeticalByName" => AlbumList::ByTitle,
                "alphabeticalByArtist" => AlbumList::ByArtist,
                "byYear" => AlbumList::Years(
                    p.num("fromYear", 0, 9999)? as i32,
                    p.num("toYear", 9999, 9999)? as i32,
                ),
                "byGenre" => AlbumList::Genre(
                    p.get("genre")
                        .ok_or_else(|| Failure::new(10, "Required parameter is missing: genre"))?
                        .to_string(),
                ),
                "random" => AlbumList::Random(Utc::now().timestamp_subsec_nanos() as u64),
                // The user's own lists: liked albums (newest like first), or the albums of
                // their latest plays (newest first, each once).
                "recent" | "starred" => {
                    let want = (offset as i64 + size) as usize;
                    let ids: Vec<Uuid> = if kind == "starred" {
                        repos.accounts.starred(me.id, want as i64).await.map_err(internal)?.0
                    } else {
                        let plays = encore::service::listening::history(repos, me, None, None, 500)
                            .await
                            .map_err(internal)?;
                        let mut seen = std::collections::HashSet::new();
                        plays
                            .iter()
                            .map(|h| h.song.album_id)
                            .filter(|id| seen.insert(*id))
                            .take(want)
                            .collect()
                    };
                    let mut albums = vec![];
                    for id in ids.into_iter().skip(offset as usize) {
                        if let Some(a) = repos.catalog.album(id).await.map_err(internal)? {
                            albums.push(album_json(&a));
                        }
                    }
                    return Ok(Answer::Element("albumList2", json!({"album": albums})));
                }
                other => {
                    return Err(Failure::new(
                        0,
                        format!("Unknown list type {other}: use newest, frequent, highest, alphabeticalByName, alphabeticalByArtist, byYear, byGenre, random, recent or starred."),
                    ))
                }
            };
            let albums = album_list(state, &list, offset, size).await?;
            Answer::Element(
                "albumList2",
                json!({"album": albums.iter().map(album_json).collect::<Vec<_>>()}),
            )
        }
        "getGenres" => {
            let home = repos.catalog.home().await.map_err(internal)?;
            Answer::Element(
                "genres",
                json!({"genre": home.genres.iter().map(|g| json!({"value": g.genre, "songCount": g.songs, "albumCount": 0})).collect::<Vec<_>>()}),
            )
        }
        "getSongsByGenre" => {
            let genre = p
                .get("genre")
                .ok_or_else(|| Failure::new(10, "Required parameter is missing: genre"))?;
            let count = p.num("count", 10, 500)?;
            let offset = p.num("offset", 0, 5_000)?;
            let mut songs = repos
                .catalog
                .songs_in_genre(&genre.to_lowercase(), count + offset)
                .await
                .map_err(internal)?;
            if !explicit_ok().await? {
                songs.retain(|(s, _)| !s.explicit);
            }
            Answer::Element(
                "songsByGenre",
                json!({"song": songs.iter().skip(offset as usize).take(count as usize).map(|(s, _)| song_json(s)).collect::<Vec<_>>()}),
            )
        }
        "getRandomSongs" => {
            use encore::repo::catalog::AlbumList;
            let size = p.num("size", 10, 500)? as usize;
            let seed = Utc::now().timestamp_subsec_nanos() as u64;
            // Random albums, then one track from each in turn until there are enough.
            let albums =
                album_list(state, &AlbumList::Random(seed), 0, (size as i64).max(10)).await?;
            let explicit = explicit_ok().await?;
            let mut picked: Vec<Value> = vec![];
            for (i, a) in albums.iter().enumerate() {
                let tracks = repos.catalog.album_tracks(a.id).await.map_err(internal)?;
                let ok: Vec<&SongRow> = tracks.iter().filter(|t| explicit || !t.explicit).collect();
                if let Some(t) = ok.get((seed as usize + i) % ok.len().max(1)) {
                    picked.push(row_json(t, a));
                }
                if picked.len() >= size {
                    break;
                }
            }
            Answer::Element("randomSongs", json!({"song": picked}))
        }
        "star" | "unstar" => {
            let on = method == "star";
            let (songs, albums, artists) = (p.ids("id")?, p.ids("albumId")?, p.ids("artistId")?);
            if songs.is_empty() && albums.is_empty() && artists.is_empty() {
                return Err(Failure::new(
                    10,
                    "Required parameter is missing: id, albumId or artistId",
                ));
            }
            let done = |r: encore::Result<()>| match r {
                Ok(()) => Ok(()),
                Err(encore::Error::NotFound | encore::Error::Forbidden) => Err(not_found()),
                Err(e) => Err(internal(e)),
            };
            use encore::{model::LikeKind, service::social};
            for id in songs {
                done(social::set_like(repos, me, LikeKind::Song, id, on).await)?;
            }
            for id in albums {
                done(social::set_like(repos, me, LikeKind::Album, id, on).await)?;
            }
            for id in artists {
                done(social::follow_artist(repos, me, id, on).await)?;
            }
            Answer::Empty
        }
        "getStarred2" => {
            let song_ids = repos
                .accounts
                .liked_song_ids(me.id, 500)
                .await
                .map_err(internal)?;
            let songs = repos
                .catalog
                .songs_by_ids(&song_ids)
                .await
                .map_err(internal)?;
            let (album_ids, artist_ids) =
                repos.accounts.starred(me.id, 500).await.map_err(internal)?;
            let mut albums = vec![];
            for id in album_ids {
                if let Some(a) = repos.catalog.album(id).await.map_err(internal)? {
                    albums.push(album_json(&a));
                }
            }
            let mut artists = vec![];
            for id in artist_ids {
                if let Some(a) = repos.catalog.artist(id).await.map_err(internal)? {
                    artists.push(artist_json(a.id, &a.name));
                }
            }
            Answer::Element(
                "starred2",
                json!({
                    "artist": artists,
                    "album": albums,
                    "song": songs.iter().filter(|(s, _)| s.status == SongStatus::Published).map(|(s, _)| song_json(s)).collect::<Vec<_>>(),
                }),
            )
        }
        "getArtistInfo2" => {
            let a = repos
                .catalog
                .artist(p.id("id")?)
                .await
                .map_err(internal)?
                .ok_or_else(not_found)?;
            let mut v = json!({"biography": a.bio});
            if let Some(img) = &a.image {
                for k in ["smallImageUrl", "mediumImageUrl", "largeImageUrl"] {
                    v[k] = json!(img);
                }
            }
            Answer::Element("artistInfo2", v)
        }
        "getAlbumInfo2" => {
            let a = repos
                .catalog
                .album(p.id("id")?)
                .await
                .map_err(internal)?
                .ok_or_else(not_found)?;
            let mut v = json!({"notes": format!("{} · {} · {}", a.artist_names.join(", "), a.release_date, a.label)});
            if let Some(c) = &a.cover {
                for k in ["smallImageUrl", "mediumImageUrl", "largeImageUrl"] {
                    v[k] = json!(c);
                }
            }
            Answer::Element("albumInfo", v)
        }
        "getPlaylists" => {
            let mine = repos.playlists.library(me.id).await.map_err(internal)?;
            let saved = repos.playlists.saved(me.id).await.map_err(internal)?;
            Answer::Element(
                "playlists",
                json!({"playlist": mine.iter().chain(&saved).map(|pl| json!({
                    "id": pl.id.to_string(), "name": pl.title, "owner": pl.owner_name,
                    "public": pl.visibility == encore::playlists::Visibility::Public,
                    "songCount": pl.track_count, "duration": 0,
                    "created": "1970-01-01T00:00:00Z", "changed": "1970-01-01T00:00:00Z",
                    "coverArt": pl.id.to_string(),
                })).collect::<Vec<_>>()}),
            )
        }
        "getPlaylist" => {
            let (pl, items) = playlist(state, me, p.id("id")?).await?;
            Answer::Element("playlist", playlist_json(&pl, Some(&items)))
        }
        "createPlaylist" | "updatePlaylist" | "deletePlaylist" => {
            use encore::{playlists::Visibility, service::playlists as pls};
            let fail = |e: encore::Error| match e {
                encore::Error::NotFound => not_found(),
                encore::Error::Forbidden => Failure::new(50, "You may not change this playlist."),
                encore::Error::Invalid(f) => Failure::new(
                    0,
                    f.0.first()
                        .map_or("Invalid playlist.".to_string(), |(_, m)| m.clone()),
                ),
                e => internal(e),
            };
            let all = |name: &str| -> Vec<&str> {
                p.0.iter()
                    .filter(|(k, _)| k == name)
                    .map(|(_, v)| v.as_str())
                    .collect()
            };
            let id = match method {
                "createPlaylist" => match p.get("playlistId") {
                    Some(_) => p.id("playlistId")?,
                    None => {
                        let name = p.get("name").ok_or_else(|| {
                            Failure::new(10, "Required parameter is missing: name")
                        })?;
                        pls::create(repos, me, name, "", Visibility::Private)
                            .await
                            .map_err(fail)?
                    }
                },
                _ => p.id(if method == "deletePlaylist" {
                    "id"
                } else {
                    "playlistId"
                })?,
            };
            if method == "deletePlaylist" {
                pls::delete(repos, me, id).await.map_err(fail)?;
                return Ok(Answer::Empty);
            }
            if method == "updatePlaylist"
                && (p.get("name").is_some()
                    || p.get("comment").is_some()
                    || p.get("public").is_some())
            {
                let (pl, _) = playlist(state, me, id).await?;
                let vis = match p.get("public") {
                    Some("true") => Visibility::Public,
                    Some("false") if pl.visibility == Visibility::Public => Visibility::Private,
                    _ => pl.visibility,
                };
                pls::update(
                    repos,
                    me,
                    id,
                    p.get("name").unwrap_or(&pl.title),
                    p.get("comment").unwrap_or(&pl.description),
                    vis,
                    pl.collaborative,
                )
                .await
                .map_err(fail)?;
            }
            // Removals by index (of the list before this call), highest first.
            let mut remove: Vec<usize> = all("songIndexToRemove")
                .iter()
                .map(|i| {
                    i.parse::<usize>()
                        .map_err(|_| Failure::new(0, "songIndexToRemove must be a number."))
                })
                .collect::<Result<_, _>>()?;
            if !remove.is_empty() {
                let (_, items) = playlist(state, me, id).await?;
                remove.sort_unstable();
                remove.dedup();
                for i in remove.into_iter().rev() {
                    let item = items.get(i).ok_or_else(not_found)?;
                    pls::remove_item(repos, me, id, item.item_id)
                        .await
                        .map_err(fail)?;
                }
            }
            let adds = if method == "createPlaylist" {
                all("songId")
            } else {
                all("songIdToAdd")
            };
            for song in adds {
                let song = Uuid::parse_str(song).map_err(|_| not_found())?;
                pls::add_song(repos, me, id, song).await.map_err(fail)?;
            }
            if method == "createPlaylist" {
                let (pl, items) = playlist(state, me, id).await?;
                Answer::Element("playlist", playlist_json(&pl, Some(&items)))
            } else {
                Answer::Empty
            }
        }
        "getNowPlaying" => {
            // What the people this user follows are playing (the feed's rules: they share
            // their activity, no private session, no blocks), in the last 15 minutes.
            let feed = encore::service::feed::feed(repos, me, None)
                .await
                .map_err(internal)?;
            let since = Utc::now() - chrono::Duration::minutes(15);
            let entries: Vec<Value> = feed
                .iter()
                .filter(|f| f.at > since)
                .filter_map(|f| match &f.event {
                    encore::model::FeedEvent::Listened { user, song } => {
                        let mut v = row_json(song, &placeholder_album());
                        v["username"] = json!(user.username);
                        v["minutesAgo"] = json!((Utc::now() - f.at).num_minutes());
                        v["playerId"] = json!(0);
                        Some(v)
                    }
                    _ => None,
                })
                .collect();
            Answer::Element("nowPlaying", json!({"entry": entries}))
        }
        "savePlayQueue" => {
            let ids: Vec<Uuid> =
                p.0.iter()
                    .filter(|(k, _)| k == "id")
                    .map(|(_, v)| Uuid::parse_str(v).map_err(|_| not_found()))
                    .collect::<Result<_, _>>()?;
            if ids.len() > 1000 {
                return Err(Failure::new(0, "A play queue holds at most 1,000 songs."));
            }
            let current = match p.get("current") {
                Some(c) => Some(Uuid::parse_str(c).map_err(|_| not_found())?),
                None => ids.first().copied(),
            };
            if current.is_some_and(|c| !ids.contains(&c)) {
                return Err(Failure::new(0, "current must be one of the queued ids."));
            }
            let position = p.num("position", 0, i64::MAX)?;
            let client: String = p.get("c").unwrap_or("").chars().take(100).collect();
            repos
                .accounts
                .save_play_queue(me.id, &ids, current, position, &client)
                .await
                .map_err(internal)?;
            Answer::Empty
        }
        "getPlayQueue" => match repos.accounts.play_queue(me.id).await.map_err(internal)? {
            None => Answer::Empty,
            Some((ids, current, position, by, at)) => {
                let songs = repos.catalog.songs_by_ids(&ids).await.map_err(internal)?;
                let mut v = json!({
                    "username": me.username,
                    "position": position,
                    "changed": at.to_rfc3339(),
                    "changedBy": by,
                    "entry": songs.iter().filter(|(s, _)| s.status == SongStatus::Published).map(|(s, _)| song_json(s)).collect::<Vec<_>>(),
                });
                if let Some(c) = current {
                    v["current"] = json!(c.to_string());
                }
                Answer::Element("playQueue", v)
            }
        },
        "getSong" => {
            let song = published(state, p.id("id")?).await?;
            Answer::Element("song", song_json(&song))
        }
        "search3" => {
            let q: String = p
                .get("query")
                .unwrap_or("")
                .trim_matches('"')
                .chars()
                .take(100)
                .collect();
            let (na, nb, ns) = (
                p.num("artistCount", 20, 100)?,
                p.num("albumCount", 20, 100)?,
                p.num("songCount", 20, 100)?,
            );
            let mut r = if q.trim().is_empty() {
                encore::catalog::SearchResults::default()
            } else {
                state
                    .ctx
                    .search
                    .search(&q, na.max(nb).max(ns) as usize)
                    .map_err(internal)?
            };
            if !explicit_ok().await? {
                r.songs.retain(|s| !s.explicit);
            }
            r.artists.truncate(na as usize);
            r.albums.truncate(nb as usize);
            r.songs.truncate(ns as usize);
            Answer::Element(
                "searchResult3",
                json!({
                    "artist": r.artists.iter().map(|a| artist_json(a.id, &a.name)).collect::<Vec<_>>(),
                    "album": r.albums.iter().map(album_json).collect::<Vec<_>>(),
                    "song": r.songs.iter().map(|s| row_json(s, &Album { id: s.album_id, title: s.album_title.clone(), ..placeholder_album() })).collect::<Vec<_>>(),
                }),
            )
        }
        "stream" | "download" => {
            let id = p.id("id")?;
            // The plan's quality, lowered to `maxBitRate` (kbit/s) when an app asks for
            // less; `format` is accepted (renditions are Ogg Vorbis).
            let cap = match p.num("maxBitRate", 0, 100_000)? {
                0 => None,
                k => Some(encore::renditions::Quality::for_max_kbps(k as u32)),
            };
            Answer::File(crate::media::stream_for(state, me, id, cap, req).await)
        }
        "getCoverArt" => {
            let id = p.id("id")?;
            let file = cover_of(state, id).await?.ok_or_else(not_found)?;
            let (kind, name) = file
                .strip_prefix("/media/")
                .and_then(|f| f.split_once('/'))
                .ok_or_else(not_found)?;
            let size = match p.get("size") {
                Some(_) => Some(p.num("size", 0, 100_000)?.max(1) as u32),
                None => None,
            };
            Answer::File(crate::media::cover_art(state, kind, name, size, req).await)
        }
        "scrobble" => {
            let song = published(state, p.id("id")?).await?;
            if p.get("submission") == Some("false") {
                return Ok(Answer::Empty); // "now playing" is not a play
            }
            let now = Utc::now();
            let sent = match p.get("time") {
                Some(t) => Some(
                    t.parse::<i64>()
                        .ok()
                        .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
                        .ok_or_else(|| {
                            Failure::new(0, "Parameter time must be milliseconds since 1970.")
                        })?,
                ),
                None => None,
            };
            let latest = now - chrono::Duration::milliseconds(song.duration_ms as i64);
            let started_at = sent.map_or(latest, |t| t.min(latest));
            let r = PlayReport {
                // The same scrobble sent twice is one play.
                event_id: Uuid::new_v5(
                    &Uuid::NAMESPACE_OID,
                    format!(
                        "subsonic|{}|{}|{}",
                        me.id,
                        song.id,
                        sent.unwrap_or(started_at).timestamp_millis()
                    )
                    .as_bytes(),
                ),
                song_id: song.id,
                started_at,
                ms_played: song.duration_ms,
                reason_end: EndReason::Finished,
                shuffle: false,
                source: Source::Other,
                source_id: Some("subsonic".into()),
                offline: now - started_at > chrono::Duration::hours(20),
            };
            match report(repos, me, r, "subsonic", "ZZ").await {
                Ok(_) => Answer::Empty,
                Err(encore::Error::NotFound) => return Err(not_found()),
                Err(encore::Error::Invalid(e)) => {
                    return Err(Failure::new(
                        0,
                        e.0.first()
                            .map_or("Invalid scrobble.".to_string(), |(_, m)| m.clone()),
                    ))
                }
                Err(e) => return Err(internal(e)),
            }
        }
        "getUser" => {
            let name = p
                .get("username")
                .ok_or_else(|| Failure::new(10, "Required parameter is missing: username"))?;
            if !name.eq_ignore_ascii_case(&me.username) && !me.role.is_admin() {
                return Err(Failure::new(50, "You may only see your own account."));
            }
            let admin = me.role.is_admin() && name.eq_ignore_ascii_case(&me.username);
            Answer::Element(
                "user",
                json!({
                    "username": name, "scrobblingEnabled": true, "adminRole": admin,
                    "settingsRole": true, "downloadRole": true, "uploadRole": false,
                    "playlistRole": true, "coverArtRole": false, "commentRole": true,
                    "podcastRole": false, "streamRole": true, "jukeboxRole": false,
                    "shareRole": true, "videoConversionRole": false, "folder": [1],
                }),
            )
        }
        _ => {
            return Err(Failure::new(
                0,
                format!("Encore does not offer the method {method}."),
            ))
        }
    })
}

/// A playlist the user may see, with its items (all of them, page by page).
async fn playlist(
    state: &AppState,
    me: &SessionUser,
    id: Uuid,
) -> Result<
    (
        encore::playlists::Playlist,
        Vec<encore::playlists::PlaylistItem>,
    ),
    Failure,
> {
    let repos = &state.ctx.repos;
    let mut after = None;
    let mut items = vec![];
    loop {
        let page = match encore::service::playlists::page(repos, id, Some(me), after).await {
            Ok(p) => p,
            Err(encore::Error::NotFound | encore::Error::Forbidden) => return Err(not_found()),
            Err(e) => return Err(internal(e)),
        };
        items.extend(page.items);
        if page.next.is_none() || items.len() >= 10_000 {
            return Ok((page.playlist, items));
        }
        after = page.next;
    }
}

/// A playlist, with its songs when `items` are given.
fn playlist_json(
    pl: &encore::playlists::Playlist,
    items: Option<&[encore::playlists::PlaylistItem]>,
) -> Value {
    let mut v = json!({
        "id": pl.id.to_string(),
        "name": pl.title,
        "comment": pl.description,
        "owner": pl.owner_username,
        "public": pl.visibility == encore::playlists::Visibility::Public,
        "songCount": pl.track_count,
        "duration": pl.total_duration_ms / 1000,
        "created": pl.updated_at.to_rfc3339(),
        "changed": pl.updated_at.to_rfc3339(),
        "coverArt": pl.id.to_string(),
    });
    if let Some(items) = items {
        v["entry"] = items
            .iter()
            .map(|i| row_json(&i.song, &placeholder_album()))
            .collect();
    }
    v
}

/// A song listeners may see (published), or "not found".
async fn published(state: &AppState, id: Uuid) -> Result<Song, Failure> {
    match state.ctx.repos.catalog.song(id).await.map_err(internal)? {
        Some((s, _)) if s.status == SongStatus::Published => Ok(s),
        _ => Err(not_found()),
    }
}

/// The picture for a cover-art id: an album's cover, an artist's image, a song's album.
async fn cover_of(state: &AppState, id: Uuid) -> Result<Option<String>, Failure> {
    let c = &state.ctx.repos.catalog;
    if let Some(a) = c.album(id).await.map_err(internal)? {
        return Ok(a.cover);
    }
    if let Some(a) = c.artist(id).await.map_err(internal)? {
        return Ok(a.image);
    }
    if let Some((_, cover)) = c.song(id).await.map_err(internal)? {
        return Ok(cover);
    }
    // A playlist's cover is its first song's album cover (no more than its list shows).
    Ok(state
        .ctx
        .repos
        .playlists
        .get(id)
        .await
        .map_err(internal)?
        .and_then(|p| p.cover))
}

fn placeholder_album() -> Album {
    Album {
        id: Uuid::nil(),
        title: String::new(),
        artist_ids: vec![],
        artist_names: vec![],
        album_type: encore::catalog::AlbumType::Album,
        release_date: chrono::NaiveDate::MIN,
        label: String::new(),
        genres: vec![],
        cover: None,
        track_count: 0,
        duration_ms: 0,
        popularity: 0,
    }
}

fn album_json(a: &Album) -> Value {
    let mut v = json!({
        "id": a.id.to_string(),
        "name": a.title,
        "artist": a.artist_names.join(", "),
        "coverArt": format!("al-{}", a.id),
        "songCount": a.track_count,
        "duration": a.duration_ms / 1000,
        "created": format!("{}T00:00:00Z", a.release_date),
        "year": chrono::Datelike::year(&a.release_date),
        "genres": a.genres.iter().map(|g| json!({"name": g})).collect::<Vec<_>>(),
        "artists": a.artist_ids.iter().zip(&a.artist_names).map(|(i, n)| json!({"id": i.to_string(), "name": n})).collect::<Vec<_>>(),
    });
    if let Some(first) = a.artist_ids.first() {
        v["artistId"] = json!(first.to_string());
    }
    if let Some(g) = a.genres.first() {
        v["genre"] = json!(g);
    }
    v
}

/// A song as a Subsonic `Child`, from a list row (its album gives year and genre).
fn row_json(s: &SongRow, album: &Album) -> Value {
    let mut v = json!({
        "id": s.id.to_string(),
        "parent": s.album_id.to_string(),
        "isDir": false,
        "title": s.title,
        "album": s.album_title,
        "albumId": s.album_id.to_string(),
        "artist": s.artists.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "),
        "artists": s.artists.iter().map(|a| json!({"id": a.id.to_string(), "name": a.name})).collect::<Vec<_>>(),
        "track": s.track_number,
        "duration": s.duration_ms / 1000,
        "coverArt": format!("al-{}", s.album_id),
        "type": "music",
        "mediaType": "song",
        "isVideo": false,
        "explicitStatus": if s.explicit { "explicit" } else { "clean" },
    });
    if let Some(a) = s.artists.first() {
        v["artistId"] = json!(a.id.to_string());
    }
    if album.id == s.album_id && album.release_date != chrono::NaiveDate::MIN {
        v["year"] = json!(chrono::Datelike::year(&album.release_date));
        if let Some(g) = album.genres.first() {
            v["genre"] = json!(g);
        }
    }
    v
}

/// A song with everything its document knows (size, format, ISRC…).
fn song_json(s: &Song) -> Value {
    let mut v = row_json(&s.row(None), &placeholder_album());
    v["discNumber"] = json!(s.disc_number);
    v["playCount"] = json!(s.play_count);
    v["genres"] = json!(s
        .genres
        .iter()
        .map(|g| json!({"name": g}))
        .collect::<Vec<_>>());
    if let Some(g) = s.genres.first() {
        v["genre"] = json!(g);
    }
    if let Some(isrc) = &s.isrc {
        v["isrc"] = json!([isrc]);
    }
    if let Some(a) = &s.audio {
        v["contentType"] = json!(a.mime);
        v["size"] = json!(a.size);
        v["bitRate"] = json!(a.bitrate / 1000);
        v["samplingRate"] = json!(a.sample_rate);
        v["suffix"] = json!(a.file.rsplit('.').next().unwrap_or(""));
    }
    v
}

/// The `subsonic-response` in the format asked for.
fn reply(format: Format, callback: &str, ok: bool, body: Option<(&str, Value)>) -> Response {
    let mut root = Map::new();
    root.insert("status".into(), json!(if ok { "ok" } else { "failed" }));
    root.insert("version".into(), json!(API_VERSION));
    root.insert("type".into(), json!("encore"));
    root.insert("serverVersion".into(), json!(env!("CARGO_PKG_VERSION")));
    root.insert("openSubsonic".into(), json!(true));
    if let Some((k, mut v)) = body {
        prune(&mut v);
        root.insert(k.into(), v);
    }
    let root = Value::Object(root);
    let (ctype, text) = match format {
        Format::Json => (
            "application/json",
            json!({"subsonic-response": root}).to_string(),
        ),
        Format::Jsonp => {
            let safe: String = callback
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '$'))
                .take(64)
                .collect();
            (
                "application/javascript",
                format!("{safe}({});", json!({"subsonic-response": root})),
            )
        }
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            xml_element(&mut out, "subsonic-response", &root, true);
            ("text/xml; charset=utf-8", out)
        }
    };
    (StatusCode::OK, [(header::CONTENT_TYPE, ctype)], text).into_response()
}

/// Empty lists are left out, so an empty result is an empty container (`"album": {}`)
/// as clients expect, not a key with `[]`.
fn prune(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !matches!(x, Value::Array(a) if a.is_empty()));
            m.values_mut().for_each(prune);
        }
        Value::Array(a) => a.iter_mut().for_each(prune),
        _ => {}
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Subsonic's XML is its JSON turned round: scalar fields are attributes, objects are
/// child elements, arrays repeat the element, and `value` is the text.
fn xml_element(out: &mut String, name: &str, v: &Value, root: bool) {
    out.push('<');
    out.push_str(name);
    if root {
        out.push_str(" xmlns=\"http://subsonic.org/restapi\"");
    }
    let Value::Object(m) = v else {
        out.push('>');
        out.push_str(&escape(&scalar(v).unwrap_or_default()));
        out.push_str(&format!("</{name}>"));
        return;
    };
    for (k, val) in m {
        if k != "value" {
            if let Some(s) = scalar(val) {
                out.push_str(&format!(" {k}=\"{}\"", escape(&s)));
            }
        }
    }
    out.push('>');
    if let Some(text) = m.get("value").and_then(scalar) {
        out.push_str(&escape(&text));
    }
    for (k, val) in m {
        match val {
            Value::Object(_) => xml_element(out, k, val, false),
            Value::Array(items) => {
                for item in items {
                    xml_element(out, k, item, false);
                }
            }
            _ => {}
        }
    }
    out.push_str(&format!("</{name}>"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_mirrors_json() {
        let mut out = String::new();
        xml_element(
            &mut out,
            "subsonic-response",
            &json!({"status": "ok", "musicFolders": {"musicFolder": [{"id": 1, "name": "A & B"}]},
                    "genres": {"genre": [{"songCount": 2, "value": "Rock"}]}}),
            true,
        );
        assert_eq!(
            out,
            "<subsonic-response xmlns=\"http://subsonic.org/restapi\" status=\"ok\"><musicFolders><musicFolder id=\"1\" name=\"A &amp; B\"></musicFolder></musicFolders><genres><genre songCount=\"2\">Rock</genre></genres></subsonic-response>"
        );
    }
}

/// An app album list from this instance's catalog index; straight from MongoDB only until
/// the index has been built (those sorts are full scans on SecantusDB at scale).
async fn album_list(
    state: &AppState,
    list: &encore::repo::catalog::AlbumList,
    offset: u64,
    size: i64,
) -> Result<Vec<encore::catalog::Album>, Failure> {
    let from_index = state
        .ctx
        .search
        .album_list(list, offset as usize, size.max(0) as usize)
        .map_err(internal)?;
    match from_index {
        Some(albums) => Ok(albums),
        None => state
            .ctx
            .repos
            .catalog
            .album_list(list, offset, size)
            .await
            .map_err(internal),
    }
}

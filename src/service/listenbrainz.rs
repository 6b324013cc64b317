//! ListenBrainz-compatible scrobbling: user tokens, validating and storing submitted
//! listens (matched or added to the catalog by the same rules as history imports), and
//! reading them back.

use chrono::{DateTime, TimeZone, Utc};
use rand::{distributions::Alphanumeric, Rng};
use serde_json::{json, Value};

use crate::{
    import::{Kind, Record},
    model::{SessionUser, UserStatus},
    repo::Repos,
    service::imports::{store_plays, Origin},
    Result,
};

/// Listens one `import` submission may carry (ListenBrainz's own limit).
pub const MAX_LISTENS: usize = 1000;
/// Requests per token (or address) and window.
pub const RATE_LIMIT: i64 = 60;
pub const RATE_WINDOW_SECS: i64 = 10;
/// ListenBrainz's earliest accepted listen (2002-10-01).
const MIN_TS: i64 = 1_033_410_600;

fn new_token() -> String {
    let s: String = rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect();
    // Shaped like ListenBrainz's (a UUID), so clients that check the shape accept it.
    format!(
        "{}-{}-{}-{}-{}",
        &s[..8],
        &s[8..12],
        &s[12..16],
        &s[16..20],
        &s[20..32]
    )
    .to_lowercase()
}

pub async fn token(repos: &Repos, user: &SessionUser) -> Result<String> {
    repos.accounts.listen_token(user.id, &new_token()).await
}

pub async fn regenerate(repos: &Repos, user: &SessionUser) -> Result<String> {
    let t = new_token();
    repos.accounts.replace_listen_token(user.id, &t).await?;
    Ok(t)
}

/// The active user a token belongs to (suspended accounts: none).
pub async fn user_of(repos: &Repos, token: &str) -> Result<Option<SessionUser>> {
    Ok(repos
        .accounts
        .user_by_listen_token(token.trim())
        .await?
        .filter(|u| u.status == UserStatus::Active)
        .map(|u| u.session_user()))
}

/// A refused request: HTTP status and ListenBrainz's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: u16,
    pub error: String,
}

fn bad(error: impl Into<String>) -> Refusal {
    Refusal {
        code: 400,
        error: error.into(),
    }
}

/// One checked listen (kept as JSON in `listen_queue` until it is stored).
#[derive(serde::Serialize, serde::Deserialize)]
struct Listen {
    listened_at: Option<i64>,
    artist: String,
    track: String,
    release: Option<String>,
    duration_ms: Option<u64>,
    isrc: Option<String>,
    spotify: Option<String>,
    player: Option<String>,
}

fn text(v: Option<&Value>, max: usize) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(max).collect())
}

fn listen(i: usize, v: &Value, needs_ts: bool, now: i64) -> std::result::Result<Listen, Refusal> {
    let at = |m: &str| bad(format!("Listen {}: {m}", i + 1));
    let meta = v
        .get("track_metadata")
        .filter(|m| m.is_object())
        .ok_or_else(|| at("track_metadata is missing."))?;
    let artist = text(meta.get("artist_name"), 500).ok_or_else(|| at("artist_name is empty."))?;
    let track = text(meta.get("track_name"), 500).ok_or_else(|| at("track_name is empty."))?;
    let listened_at = match v.get("listened_at") {
        None | Some(Value::Null) if needs_ts => return Err(at("listened_at is missing.")),
        None | Some(Value::Null) => None,
        Some(ts) => {
            let ts = ts
                .as_i64()
                .ok_or_else(|| at("listened_at must be a whole number of seconds."))?;
            if ts > now + 600 {
                return Err(at("listened_at is in the future."));
            }
            if ts < MIN_TS {
                return Err(at("listened_at is before 2002-10-01."));
            }
            Some(ts)
        }
    };
    let info = meta.get("additional_info");
    let field = |k: &str| info.and_then(|i| i.get(k));
    let duration_ms = field("duration_ms")
        .and_then(Value::as_u64)
        .or_else(|| field("duration").and_then(Value::as_u64).map(|s| s * 1000))
        .filter(|d| *d > 0 && *d < 6 * 3600 * 1000);
    let spotify = text(field("spotify_id"), 200)
        .and_then(|u| u.rsplit('/').next().map(|id| format!("spotify:track:{id}")));
    Ok(Listen {
        listened_at,
        artist,
        track,
        release: text(meta.get("release_name"), 500),
        duration_ms,
        isrc: text(field("isrc"), 20).map(|i| i.replace('-', "").to_uppercase()),
        spotify,
        player: text(field("media_player"), 60).or_else(|| text(field("submission_client"), 60)),
    })
}

/// `POST /1/submit-listens`: checks the whole body first (a bad listen refuses the
/// request and stores nothing), then queues the listens. Returns how many were queued.
pub async fn submit(
    repos: &Repos,
    user: &SessionUser,
    body: &[u8],
) -> Result<std::result::Result<i64, Refusal>> {
    let v: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => return Ok(Err(bad("Cannot parse JSON document."))),
    };
    let kind = v.get("listen_type").and_then(Value::as_str).unwrap_or("");
    if !matches!(kind, "single" | "playing_now" | "import") {
        return Ok(Err(bad(
            "listen_type must be single, playing_now or import.",
        )));
    }
    let Some(payload) = v.get("payload").and_then(Value::as_array) else {
        return Ok(Err(bad("payload must be a list of listens.")));
    };
    if payload.is_empty() {
        return Ok(Err(bad("payload is empty.")));
    }
    if kind != "import" && payload.len() > 1 {
        return Ok(Err(bad(format!(
            "A {kind} submission has exactly one listen."
        ))));
    }
    if payload.len() > MAX_LISTENS {
        return Ok(Err(bad(format!(
            "Too many listens: at most {MAX_LISTENS} in one submission."
        ))));
    }
    let now = Utc::now().timestamp();
    let mut listens = vec![];
    for (i, l) in payload.iter().enumerate() {
        if kind == "playing_now" && l.get("listened_at").is_some_and(|t| !t.is_null()) {
            return Ok(Err(bad("A playing_now listen has no listened_at.")));
        }
        match listen(i, l, kind != "playing_now", now) {
            Ok(l) => listens.push(l),
            Err(r) => return Ok(Err(r)),
        }
    }
    if kind == "playing_now" {
        let l = &listens[0];
        let secs = l.duration_ms.map_or(300, |d| (d / 1000) as i64 + 30);
        repos
            .accounts
            .set_now_playing(user.id, &l.artist, &l.track, l.release.as_deref(), secs)
            .await?;
        return Ok(Ok(0));
    }
    // Acknowledged once durably queued; `drain` matches and stores them (in the
    // background, or first thing when the user reads their listens back).
    let n = listens.len() as i64;
    sqlx::query("insert into listen_queue (user_id, imported, listens) values ($1, $2, $3)")
        .bind(user.id)
        .bind(kind == "import")
        .bind(sqlx::types::Json(&listens))
        .execute(&repos.pg)
        .await?;
    Ok(Ok(n))
}

/// Stores queued listens as plays: every user's when `user` is None (rows another
/// instance is working on are skipped), or all of one user's (waiting for rows another
/// instance holds, so a read afterwards sees them). A row leaves the queue in the same
/// PostgreSQL transaction that follows its store; a crash in between stores it again,
/// which adds nothing (plays have deterministic ids). Returns the queue rows done.
pub async fn drain(repos: &Repos, user: Option<uuid::Uuid>, rows: i64) -> Result<usize> {
    let mut tx = repos.pg.begin().await?;
    let claimed: Vec<(i64, uuid::Uuid, bool, sqlx::types::Json<Vec<Listen>>)> = match user {
        Some(u) => {
            sqlx::query_as(
                "select id, user_id, imported, listens from listen_queue
                  where user_id = $1 order by id limit $2 for update",
            )
            .bind(u)
            .bind(rows)
            .fetch_all(&mut *tx)
            .await?
        }
        None => {
            sqlx::query_as(
                "select id, user_id, imported, listens from listen_queue
                  where attempts < 10 order by id limit $1 for update skip locked",
            )
            .bind(rows)
            .fetch_all(&mut *tx)
            .await?
        }
    };
    let mut done = 0;
    for (id, user_id, imported, listens) in claimed {
        let origin = Origin {
            user_id: Some(user_id),
            source_id: crate::listening::SCROBBLE_SOURCE.into(),
            imported,
        };
        match store_plays(repos, &origin, &records(listens.0)).await {
            Ok(_) => done += 1,
            Err(e) => {
                // Kept for another try (counted, so a row that always fails stops
                // blocking the queue); the rest of the claim is released.
                tx.rollback().await?;
                sqlx::query(
                    "update listen_queue set attempts = attempts + 1, last_error = $2 where id = $1",
                )
                .bind(id)
                .bind(e.to_string())
                .execute(&repos.pg)
                .await?;
                return Err(e);
            }
        }
        sqlx::query("delete from listen_queue where id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(done)
}

fn records(listens: Vec<Listen>) -> Vec<Record> {
    listens
        .into_iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let start = Utc.timestamp_opt(l.listened_at?, 0).single()?;
            let (ended_at, ms, whole) = match l.duration_ms {
                Some(d) => (start + chrono::Duration::milliseconds(d as i64), d, false),
                None => (start, 0, true),
            };
            Some(Record {
                n: i as u64 + 1,
                ended_at,
                ms_played: ms,
                kind: Kind::Music,
                track: Some(l.track),
                artist: Some(l.artist),
                album: l.release,
                spotify_uri: l.spotify,
                isrc: l.isrc,
                platform: l.player.unwrap_or_else(|| "ListenBrainz".into()),
                country: "unknown".into(),
                reason_end: "trackdone".into(),
                shuffle: false,
                skipped: false,
                offline: false,
                incognito: false,
                username: None,
                duration_ms: l.duration_ms,
                genres: vec![],
                whole,
            })
        })
        .collect()
}

/// `GET /1/user/{name}/listens`, newest first: listens before `max_ts` / after `min_ts`.
pub async fn listens(
    repos: &Repos,
    user: &SessionUser,
    max_ts: Option<i64>,
    min_ts: Option<i64>,
    count: i64,
) -> Result<Value> {
    // Read your own writes: this user's queued listens are stored first.
    while drain(repos, Some(user.id), 20).await? > 0 {}
    let ts = |s: i64| Utc.timestamp_opt(s, 0).single();
    let to: Option<DateTime<Utc>> = max_ts.and_then(ts);
    let from: Option<DateTime<Utc>> = min_ts.and_then(|m| ts(m + 1));
    let entries =
        crate::service::listening::history(repos, user, from, to, count.clamp(1, 1000)).await?;
    let list: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({
                "listened_at": e.played_at.timestamp(),
                "inserted_at": e.played_at.timestamp(),
                "recording_msid": e.event_id.to_string(),
                "user_name": user.username,
                "track_metadata": {
                    "artist_name": e.song.artists.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "),
                    "track_name": e.song.title,
                    "release_name": e.song.album_title,
                    "additional_info": {
                        "duration_ms": e.song.duration_ms,
                        "ms_played": e.ms_played,
                        "encore_song_id": e.song.id.to_string(),
                        "playable": e.song.playable,
                    },
                },
            })
        })
        .collect();
    Ok(json!({"payload": {
        "count": list.len(),
        "user_id": user.username,
        "latest_listen_ts": entries.first().map(|e| e.played_at.timestamp()),
        "oldest_listen_ts": entries.last().map(|e| e.played_at.timestamp()),
        "listens": list,
    }}))
}

/// `GET /1/user/{name}/playing-now`.
pub async fn playing_now(repos: &Repos, user: &SessionUser) -> Result<Value> {
    let now = repos.accounts.now_playing(user.id).await?;
    let listens: Vec<Value> = now
        .into_iter()
        .map(|(artist, track, release)| {
            json!({"playing_now": true, "track_metadata": {
                "artist_name": artist, "track_name": track, "release_name": release,
            }})
        })
        .collect();
    Ok(json!({"payload": {
        "count": listens.len(),
        "user_id": user.username,
        "playing_now": true,
        "listens": listens,
    }}))
}

//! Recording plays and reading history and stats. The rules live here: what counts as a
//! stream or a skip, what a report may claim, and that private sessions stay private.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, Utc};
use uuid::Uuid;

use crate::{
    catalog::{SongRow, SongStatus},
    error::FieldErrors,
    listening::*,
    model::SessionUser,
    repo::{listening::fold, Repos},
    Error, Result,
};

/// What a client reports when a play ends.
#[derive(Clone, Debug)]
pub struct PlayReport {
    pub event_id: Uuid,
    pub song_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub ms_played: u64,
    pub reason_end: EndReason,
    pub shuffle: bool,
    pub source: Source,
    pub source_id: Option<String>,
    pub offline: bool,
}

/// Records a play for `user`. `Ok(false)` means this event was already recorded.
pub async fn report(
    repos: &Repos,
    user: &SessionUser,
    r: PlayReport,
    platform: &str,
    country: &str,
) -> Result<bool> {
    let t0 = std::time::Instant::now();
    // The song and the listener's private-session switch are independent reads.
    let ((song, song_ms), (prefs, prefs_ms)) = tokio::join!(
        timed(repos.catalog.song_for_play(r.song_id)),
        timed(repos.accounts.preferences(user.id))
    );
    let (song, prefs) = (song?, prefs?);
    let (song, _) = song.ok_or(Error::NotFound)?;
    if song.status != SongStatus::Published {
        return Err(Error::NotFound);
    }
    let mut e = FieldErrors::default();
    let now = Utc::now();
    if r.started_at > now + Duration::minutes(5) {
        e.add("started_at", "A play cannot start in the future.");
    }
    // Offline plays may arrive late; live ones within a day.
    let oldest = if r.offline {
        now - Duration::days(30)
    } else {
        now - Duration::days(1)
    };
    if r.started_at < oldest {
        e.add("started_at", "This play is too old to report.");
    }
    if r.ms_played > song.duration_ms + 10_000 {
        e.add("ms_played", "More time played than the song lasts.");
    }
    // A live play cannot last longer than the time since it started.
    let elapsed = (now - r.started_at).num_milliseconds().max(0) as u64;
    if !r.offline && r.ms_played > elapsed + 5_000 {
        e.add(
            "ms_played",
            "More time played than has passed since the play started.",
        );
    }
    if r.source_id.as_ref().is_some_and(|s| s.len() > 100) {
        e.add("source_id", "Source ids are at most 100 characters.");
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    let private = prefs.private_session;
    let event = PlayEvent {
        event_id: r.event_id,
        user_id: user.id,
        song_id: r.song_id,
        started_at: r.started_at,
        ms_played: r.ms_played,
        reason_end: r.reason_end,
        shuffle: r.shuffle,
        source: r.source,
        source_id: r.source_id,
        platform: crate::listening::breakdown_key(platform, "unknown"),
        country: crate::listening::breakdown_key(country, "ZZ"),
        offline: r.offline,
        private,
        imported: false,
    };
    // Friends' listening in the feed: the latest play only, never from a private session.
    // Written beside the event: the guard keeps the newest start, so a repeated event (or
    // an older one arriving late) changes nothing. Its commit does not wait for the WAL
    // flush (`synchronous_commit = off` for this transaction only): with the disk busy
    // (10M stored plays, SecantusDB's checkpoints) that fsync held acknowledgements for
    // 100–550 ms. A crash can lose the last fraction of a second of these rows, which the
    // next play rewrites; the play itself is the MongoDB insert beside it.
    let listening_now = async {
        if !private {
            let mut tx = repos.pg.begin().await?;
            sqlx::query("set local synchronous_commit = off")
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "insert into listening_now (user_id, song_id, started_at) values ($1, $2, $3)
                 on conflict (user_id) do update set song_id = excluded.song_id, started_at = excluded.started_at
                 where listening_now.started_at < excluded.started_at",
            )
            .bind(user.id)
            .bind(event.song_id)
            .bind(event.started_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        Ok::<_, Error>(())
    };
    let ((new, event_ms), (now_row, now_ms)) = tokio::join!(
        timed(repos.listening.record(&event, &song)),
        timed(listening_now)
    );
    let total_ms = t0.elapsed().as_millis() as u64;
    if total_ms >= slow_report_ms() {
        // The acknowledgement's budget is 20 ms at p99: which step held a slow one up.
        tracing::warn!(
            total_ms,
            song_ms,
            prefs_ms,
            event_ms,
            now_ms,
            "slow play report"
        );
    }
    now_row?;
    new
}

/// A play report taking this long (or its session lookup, in the server function) is
/// logged with its steps' times: `ENCORE_SLOW_REPORT_MS`, 100 by default (the ingestion
/// benchmark lowers it to see which step holds up the slowest percent).
pub fn slow_report_ms() -> u64 {
    static MS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *MS.get_or_init(|| {
        std::env::var("ENCORE_SLOW_REPORT_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100)
    })
}

/// `f`'s output and how long it took, in ms.
async fn timed<T>(f: impl std::future::Future<Output = T>) -> (T, u64) {
    let t = std::time::Instant::now();
    let out = f.await;
    (out, t.elapsed().as_millis() as u64)
}

/// Recent plays (or plays within `[from, to)`), newest first, with resume positions.
pub async fn history(
    repos: &Repos,
    user: &SessionUser,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    limit: i64,
) -> Result<Vec<HistoryEntry>> {
    let docs = repos.listening.history(user.id, from, to, limit).await?;
    let ids: Vec<Uuid> = docs.iter().filter_map(fold::event_song).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    let rows: HashMap<Uuid, _> = repos
        .catalog
        .song_rows(&unique)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    Ok(docs
        .iter()
        .filter_map(|d| {
            let song = rows.get(&fold::event_song(d)?)?.clone();
            let ms = fold::get_int(d, "ms_played");
            let finished = d.get_str("reason_end").ok() == Some("finished");
            let resume_ms =
                (!finished && ms >= 5_000 && ms + 10_000 < song.duration_ms).then_some(ms);
            Some(HistoryEntry {
                event_id: fold::event_id(d)?,
                song,
                played_at: fold::event_time(d)?,
                ms_played: ms,
                resume_ms,
            })
        })
        .collect())
}

/// What a profile shows of someone's listening: their latest plays outside private
/// sessions (newest first, each song once) and the artists most played among them.
/// The caller checks that the user shows their listening.
pub async fn public_listening(
    repos: &Repos,
    user: Uuid,
    n: usize,
) -> Result<(Vec<SongRow>, Vec<Ranked<NamedRef>>)> {
    let docs = repos.listening.history(user, None, None, 50).await?;
    let public: Vec<_> = docs
        .iter()
        .filter(|d| !d.get_bool("private").unwrap_or(false))
        .collect();
    let mut ids: Vec<Uuid> = vec![];
    for id in public.iter().filter_map(|d| fold::event_song(d)) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let rows = repos.catalog.song_rows(&ids).await?;
    let mut artists: HashMap<String, u64> = HashMap::new();
    for d in &public {
        if let Ok(list) = d.get_array("artist_ids") {
            for a in list.iter().filter_map(|b| match b {
                mongodb::bson::Bson::Binary(bin) => Uuid::from_slice(&bin.bytes).ok(),
                _ => None,
            }) {
                *artists.entry(a.to_string()).or_default() += 1;
            }
        }
    }
    Ok((
        rows.into_iter().take(n).collect(),
        top_artists(repos, artists, n).await?,
    ))
}

/// "Your stats" for a range, from the pre-aggregated counters only.
pub async fn stats(repos: &Repos, user: &SessionUser, range: StatsRange) -> Result<UserStats> {
    let today = Utc::now().date_naive();
    let last28 = repos
        .listening
        .user_days(user.id, today - Duration::days(27))
        .await?;
    let (songs, artists, genres, streams, ms, heat_docs) = match range.days() {
        Some(days) => {
            let docs = if days == 28 {
                last28.clone()
            } else {
                repos
                    .listening
                    .user_days(user.id, today - Duration::days(days - 1))
                    .await?
            };
            (
                fold::sum_map(&docs, "songs"),
                fold::sum_map(&docs, "artists"),
                fold::sum_map(&docs, "genres"),
                fold::sum(&docs, "streams"),
                fold::sum(&docs, "ms_played"),
                docs,
            )
        }
        None => {
            let t = repos
                .listening
                .user_totals(user.id)
                .await?
                .map(|d| vec![d])
                .unwrap_or_default();
            let all_days = repos
                .listening
                .user_days(user.id, chrono::NaiveDate::MIN)
                .await?;
            (
                fold::sum_map(&t, "songs"),
                fold::sum_map(&t, "artists"),
                fold::sum_map(&t, "genres"),
                fold::sum(&t, "streams"),
                fold::sum(&t, "ms_played"),
                all_days,
            )
        }
    };
    let (top_songs, features) = top_songs_and_profile(repos, songs, 10).await?;
    let top_artists = top_artists(repos, artists, 10).await?;
    let top_genres = fold::top(genres, 10)
        .into_iter()
        .map(|(g, n)| Ranked {
            item: g,
            streams: n,
        })
        .collect();

    let by_day: HashMap<String, u64> = last28
        .iter()
        .filter_map(|d| {
            Some((
                d.get_str("day").ok()?.to_string(),
                fold::get_int(d, "ms_played"),
            ))
        })
        .collect();
    let minutes_per_day = (0..28)
        .rev()
        .map(|i| {
            let day = today - Duration::days(i);
            (
                day,
                by_day.get(&day.to_string()).copied().unwrap_or(0) / 60_000,
            )
        })
        .collect();
    let mut heatmap = vec![[0u64; 24]; 7];
    for d in &heat_docs {
        let Some(day) = fold::day(d) else {
            continue;
        };
        let wd = day.weekday().num_days_from_monday() as usize;
        if let Ok(hours) = d.get_document("hours") {
            for (h, v) in hours {
                if let Ok(h) = h.parse::<usize>() {
                    if h < 24 {
                        heatmap[wd][h] += fold::as_u64(v);
                    }
                }
            }
        }
    }
    Ok(UserStats {
        total_streams: streams,
        total_minutes: ms / 60_000,
        top_songs,
        top_artists,
        top_genres,
        minutes_per_day,
        heatmap,
        features,
    })
}

/// The `n` most streamed songs as rows, and the audio-feature profile over the 50 most
/// streamed (one song lookup for both).
async fn top_songs_and_profile(
    repos: &Repos,
    songs: HashMap<String, u64>,
    n: usize,
) -> Result<(Vec<Ranked<SongRow>>, Option<FeatureProfile>)> {
    let counts = fold::top(songs, 50);
    let ids: Vec<Uuid> = counts
        .iter()
        .filter_map(|(k, _)| Uuid::parse_str(k).ok())
        .collect();
    let found: HashMap<Uuid, (crate::catalog::Song, Option<String>)> = repos
        .catalog
        .songs_by_ids(&ids)
        .await?
        .into_iter()
        .map(|s| (s.0.id, s))
        .collect();
    let mut top = vec![];
    let mut weighted = vec![];
    for (k, streams) in &counts {
        let Some((song, cover)) = Uuid::parse_str(k).ok().and_then(|id| found.get(&id)) else {
            continue;
        };
        if top.len() < n {
            top.push(Ranked {
                item: song.row(cover.clone()),
                streams: *streams,
            });
        }
        weighted.push((&song.features, *streams));
    }
    Ok((top, FeatureProfile::of(&weighted)))
}

async fn top_artists(
    repos: &Repos,
    artists: HashMap<String, u64>,
    n: usize,
) -> Result<Vec<Ranked<NamedRef>>> {
    let counts = fold::top(artists, n);
    let ids: Vec<Uuid> = counts
        .iter()
        .filter_map(|(k, _)| Uuid::parse_str(k).ok())
        .collect();
    let names = repos.catalog.artist_names(&ids).await?;
    Ok(counts
        .iter()
        .filter_map(|(k, streams)| {
            let id = Uuid::parse_str(k).ok()?;
            Some(Ranked {
                item: NamedRef {
                    id,
                    name: names.get(&id)?.clone(),
                },
                streams: *streams,
            })
        })
        .collect())
}

/// One calendar year (UTC) of the user's listening, from their daily counters.
pub async fn year_in_review(repos: &Repos, user: &SessionUser, year: i32) -> Result<YearInReview> {
    let start = chrono::NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| Error::field("year", "No such year."))?;
    let end = chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1)
        .ok_or_else(|| Error::field("year", "No such year."))?;
    let docs: Vec<_> = repos
        .listening
        .user_days(user.id, start)
        .await?
        .into_iter()
        .filter(|d| fold::day(d).is_some_and(|d| d < end))
        .collect();
    let songs = fold::sum_map(&docs, "songs");
    let artists = fold::sum_map(&docs, "artists");
    let (distinct_songs, distinct_artists) = (songs.len(), artists.len());
    let (top_songs, features) = top_songs_and_profile(repos, songs, 5).await?;
    let mut months = vec![0u64; 12];
    let mut biggest_day: Option<(chrono::NaiveDate, u64)> = None;
    for d in &docs {
        let Some(day) = fold::day(d) else {
            continue;
        };
        let minutes = fold::get_int(d, "ms_played") / 60_000;
        months[day.month0() as usize] += minutes;
        if biggest_day.is_none_or(|(_, m)| minutes > m) {
            biggest_day = Some((day, minutes));
        }
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    Ok(YearInReview {
        year,
        streams: fold::sum(&docs, "streams"),
        minutes: fold::sum(&docs, "ms_played") / 60_000,
        distinct_songs,
        distinct_artists,
        top_songs,
        top_artists: top_artists(repos, artists, 5).await?,
        top_genres: fold::top(fold::sum_map(&docs, "genres"), 5)
            .into_iter()
            .map(|(g, n)| Ranked {
                item: g,
                streams: n,
            })
            .collect(),
        minutes_per_month: MONTHS
            .iter()
            .zip(months)
            .map(|(m, v)| (m.to_string(), v))
            .collect(),
        biggest_day: biggest_day.filter(|(_, m)| *m > 0),
        features,
    })
}

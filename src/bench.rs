//! The benchmark dataset (`encore bench-seed`) and the direct-query baselines
//! (`encore bench-queries`). The dataset is added on top of a generated catalog: listeners,
//! one "fan" who follows many of them (the feed), public playlists and likes to fill that
//! feed, a very long playlist, and play events with a Zipf-like song popularity, counted by
//! the same aggregator as live plays. Its description is stored in MongoDB
//! (`bench_meta`), so a second run reuses it.

use std::time::{Duration, Instant};

use chrono::Utc;
use mongodb::bson::{doc, Bson, Document};
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    catalog::Song,
    listening::{EndReason, PlayEvent, Source},
    model::{Role, SessionUser},
    playlists::Visibility,
    repo::{
        listening::{all_time, increments, CounterOp},
        Repos,
    },
    Error, Result,
};

pub const FAN: &str = "benchfan";
pub const FAN_PASSWORD: &str = "bench-fan-password";

#[derive(Clone, Debug)]
pub struct BenchOptions {
    pub users: usize,
    pub follows: usize,
    pub playlist_tracks: usize,
    pub events: usize,
    pub seed: u64,
}

/// What the load generator and the query baselines need to find in the dataset.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BenchInfo {
    pub fan_username: String,
    pub fan_password: String,
    pub fan_id: Uuid,
    pub artist_id: Uuid,
    pub album_id: Uuid,
    pub song_id: Uuid,
    pub playlist_id: Uuid,
    pub search_q: String,
    pub songs: u64,
    pub users: usize,
    pub follows: usize,
    pub playlist_tracks: usize,
    pub events: usize,
    /// Bulk-loading the events, writing their counters (events/s), and the aggregator's
    /// own speed on a sample.
    pub events_insert_per_s: f64,
    #[serde(default)]
    pub counters_written_per_s: f64,
    pub events_counted_per_s: f64,
    /// Play events in the store when the dataset was last read (not saved with it).
    #[serde(default)]
    pub events_stored: u64,
}

const META: &str = "bench_meta";

pub async fn info(repos: &Repos) -> Result<Option<BenchInfo>> {
    let d = repos
        .mongo
        .collection::<Document>(META)
        .find_one(doc! {"_id": "dataset"})
        .await?;
    Ok(d.and_then(|d| {
        d.get_str("json")
            .ok()
            .and_then(|j| serde_json::from_str(j).ok())
    }))
}

/// The fan is also a linked account of the benchmark artist, so the artist dashboard can
/// be measured as the fan (idempotent; datasets made before the dashboard get it too).
pub async fn link_fan_to_artist(repos: &Repos, i: &BenchInfo) -> Result<()> {
    sqlx::query(
        "insert into artist_members (user_id, artist_id) values ($1, $2) on conflict do nothing",
    )
    .bind(i.fan_id)
    .bind(i.artist_id)
    .execute(&repos.pg)
    .await?;
    Ok(())
}

/// Runs before this script's ingestion scenario had its own listener reported their
/// plays as the fan (without a source id, unlike the seeded plays); they are removed so
/// the fan's pages weigh the same in every run. Idempotent.
pub async fn tidy(repos: &Repos, i: &BenchInfo) -> Result<u64> {
    let mut n = 0;
    let names = repos.mongo.list_collection_names().await?;
    for name in names.iter().filter(|c| c.starts_with("play_events_")) {
        n += repos
            .mongo
            .collection::<Document>(name)
            .delete_many(
                doc! {"user_id": crate::repo::catalog::bid(i.fan_id), "source_id": Bson::Null},
            )
            .await?
            .deleted_count;
    }
    Ok(n)
}

/// Zipf-like ranks: rank r is drawn with weight 1/(r+1).
struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    fn new(n: usize) -> Self {
        let mut acc = 0.0;
        let cdf = (0..n)
            .map(|r| {
                acc += 1.0 / (r as f64 + 1.0);
                acc
            })
            .collect();
        Zipf { cdf }
    }
    fn sample(&self, rng: &mut StdRng) -> usize {
        let x = rng.gen::<f64>() * self.cdf.last().copied().unwrap_or(0.0);
        self.cdf
            .partition_point(|c| *c < x)
            .min(self.cdf.len().saturating_sub(1))
    }
}

/// Builds the dataset (or returns the one already there). `progress(stage, done, total)`.
pub async fn seed(
    repos: &Repos,
    o: &BenchOptions,
    progress: &(dyn Fn(&str, u64, u64) + Sync),
) -> Result<BenchInfo> {
    if let Some(i) = info(repos).await? {
        return Ok(i);
    }
    let meta = repos.mongo.collection::<Document>(META);
    let pool_size = o.playlist_tracks.max(2_000) as i64;
    let pool: Vec<(Song, Option<String>)> = repos.catalog.some_songs(pool_size).await?;
    if pool.len() < o.playlist_tracks.max(10) {
        return Err(Error::Internal(format!(
            "the catalog has {} songs; generate at least {} first",
            pool.len(),
            o.playlist_tracks.max(10)
        )));
    }
    // A seed that stopped (crash, end of a session) resumes where it was: listeners,
    // follows and playlists are made once, then each day's plays are stored and counted
    // and the day is marked done (`Progress`).
    let pool_key = format!(
        "{}:{}:{}",
        pool.len(),
        pool[0].0.id,
        pool[pool.len() - 1].0.id
    );
    let mut p = match meta.find_one(doc! {"_id": PROGRESS}).await? {
        Some(d) => {
            let p: Progress = mongodb::bson::from_document(d)
                .map_err(|e| Error::Internal(format!("seed progress: {e}")))?;
            if p.pool_key != pool_key || p.events != o.events as i64 {
                return Err(Error::Internal(
                    "an unfinished seed of another catalog or size is stored here; delete the dataset to start over".into(),
                ));
            }
            p
        }
        None => {
            let p = setup(repos, o, &pool, pool_key, progress).await?;
            meta.insert_one(
                mongodb::bson::to_document(&p).map_err(|e| Error::Internal(e.to_string()))?,
            )
            .await?;
            p
        }
    };
    let fan_id = p.fan_id;
    let user_ids: Vec<Uuid> = sqlx::query_scalar(
        "select id from users where username like 'bench%' and username <> $1 order by username",
    )
    .bind(FAN)
    .fetch_all(&repos.pg)
    .await?;

    // Play events, oldest day first: listening sessions (a listener plays 1-30 songs in a
    // row) over `DAYS` days ending yesterday (the day the seed started), songs Zipf over the
    // pool, the fan a heavy listener (up to 100 plays a day, so their pages have data). Each
    // day's plays are stored as counted and its counters written at once with the
    // aggregator's own increments (`increments` + `write_counters`, guarded by one batch id
    // per day); the users' and songs' all-time totals are summed over the days and written
    // at the end. Counting 10M plays through the aggregator would keep SecantusDB busy for
    // days. Every day has its own random generator, so a resumed seed makes the same plays:
    // a day done before is generated again only to sum its totals; a day stopped halfway
    // stores what is missing (stored ids are refused) and writes its counters from all of
    // its plays (documents that already have the day's batch id are left alone).
    let zipf = Zipf::new(pool.len());
    // The aggregator's own speed is measured on a sample stored uncounted at the end.
    let sample = (o.events / 50).clamp(1, 20_000).min(o.events);
    let seeded = o.events - sample;
    let per_day = seeded.div_ceil(DAYS);
    let fan_quota = per_day.div_ceil(20).min(100);
    let mut totals: std::collections::HashMap<String, CounterOp> = Default::default();
    let mut done = 0usize;
    let mut pending = None;
    for d in 0..DAYS {
        let day = p.first_day + chrono::Duration::days(d as i64);
        let day_start = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        let n_day = per_day.min(seeded - done);
        let mut rng =
            StdRng::seed_from_u64(o.seed ^ (d as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut plays: Vec<(PlayEvent, &Song)> = Vec::with_capacity(n_day);
        let mut fan_plays = 0;
        while plays.len() < n_day {
            let fan = fan_plays < fan_quota;
            let user_id = if fan {
                fan_id
            } else {
                user_ids[rng.gen_range(0..user_ids.len())]
            };
            let mut len = rng.gen_range(1..=30).min(n_day - plays.len());
            if fan {
                len = len.min(fan_quota - fan_plays);
                fan_plays += len;
            }
            let mut t = day_start + chrono::Duration::seconds(rng.gen_range(0..86_000));
            for _ in 0..len {
                let song = &pool[zipf.sample(&mut rng)].0;
                let e = bench_play(&mut rng, song, user_id, t);
                t = (t + chrono::Duration::milliseconds(e.0.ms_played as i64 + 2_000))
                    .min(day_start + chrono::Duration::seconds(86_399));
                plays.push(e);
            }
        }
        let day_done = (d as i64) < p.days_done;
        // The day's counters are summed over its chunks and written once.
        let mut daily: std::collections::HashMap<String, CounterOp> = Default::default();
        let mut chunks = vec![];
        for part in plays.chunks(5_000) {
            let docs = crate::repo::listening::counted_docs(part)?;
            for op in increments(&docs) {
                if all_time(&op) {
                    sum_into(&mut totals, op);
                } else if !day_done {
                    sum_into(&mut daily, op);
                }
            }
            if !day_done {
                chunks.push(docs);
            }
        }
        // The day's writes run in a task while the next day is generated (the seeder and
        // SecantusDB would otherwise wait for each other); days are marked done in order.
        finish_day(&meta, &mut p, pending.take()).await?;
        if !day_done {
            let (repos, batch) = (repos.clone(), format!("seed:{day}"));
            let ops: Vec<CounterOp> = daily.into_values().collect();
            let task = tokio::spawn(async move {
                let t0 = Instant::now();
                for docs in chunks {
                    repos.listening.load_counted(docs).await?;
                }
                let t1 = Instant::now();
                repos.listening.write_counters(&batch, ops).await?;
                Ok::<_, Error>((t1 - t0, t1.elapsed()))
            });
            pending = Some((d as i64 + 1, task));
        }
        progress("events", done as u64, o.events as u64);
        done += plays.len();
    }
    finish_day(&meta, &mut p, pending.take()).await?;
    progress("events", done as u64, o.events as u64);
    let t1 = Instant::now();
    repos
        .listening
        .write_counters("seed:totals", totals.into_values().collect())
        .await?;
    p.write_s += t1.elapsed().as_secs_f64();
    // The sample: plays of the last day stored uncounted, then counted by the aggregator
    // (stored again by a resumed seed: already stored ids are refused).
    let mut rng = StdRng::seed_from_u64(o.seed ^ 0x5A3F_19C7_0B2D_E841);
    let last = p.first_day + chrono::Duration::days(DAYS as i64);
    let end = last.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let plays: Vec<(PlayEvent, &Song)> = (0..sample)
        .map(|_| {
            let user_id = user_ids[rng.gen_range(0..user_ids.len())];
            let t = end - chrono::Duration::seconds(rng.gen_range(3_600..86_400));
            let song = &pool[zipf.sample(&mut rng)].0;
            bench_play(&mut rng, song, user_id, t)
        })
        .collect();
    repos.listening.record_many(&plays).await?;
    let t2 = Instant::now();
    let mut counted = 0usize;
    loop {
        let n = repos.listening.aggregate_once(2_000).await?;
        if n == 0 {
            break;
        }
        counted += n;
        progress("counting", counted as u64, sample as u64);
    }
    let count_s = t2.elapsed().as_secs_f64();

    let probe = &pool[pool.len() / 3].0;
    let info = BenchInfo {
        fan_username: FAN.into(),
        fan_password: FAN_PASSWORD.into(),
        fan_id,
        artist_id: probe.artists[0].id,
        album_id: probe.album_id,
        song_id: probe.id,
        playlist_id: p.playlist_id,
        search_q: probe
            .title
            .split_whitespace()
            .max_by_key(|w| w.len())
            .unwrap_or("love")
            .to_lowercase(),
        songs: repos.catalog.song_count().await?,
        users: user_ids.len(),
        follows: p.follows as usize,
        playlist_tracks: p.playlist_tracks as usize,
        events: o.events,
        events_insert_per_s: per_s(seeded, p.insert_s),
        counters_written_per_s: per_s(seeded, p.write_s),
        events_counted_per_s: per_s(counted, count_s),
        events_stored: 0,
    };
    let json = serde_json::to_string(&info).map_err(|e| Error::Internal(e.to_string()))?;
    repos
        .mongo
        .collection::<Document>(META)
        .insert_one(doc! {"_id": "dataset", "json": json})
        .await?;
    Ok(info)
}

/// How far a seed got (`bench_meta`, `_id: "seed"`): made once the listeners, follows and
/// playlists exist, then updated after each day of plays.
#[derive(Debug, Serialize, Deserialize)]
struct Progress {
    #[serde(rename = "_id")]
    id: String,
    /// The song pool's size, first and last id: a resume must draw from the same songs.
    pool_key: String,
    events: i64,
    first_day: chrono::NaiveDate,
    fan_id: Uuid,
    playlist_id: Uuid,
    follows: i64,
    playlist_tracks: i64,
    days_done: i64,
    insert_s: f64,
    write_s: f64,
}

const PROGRESS: &str = "seed";
/// Days of plays the dataset spans (ending the day before the seed started).
const DAYS: usize = 180;

/// Listeners (all with one password), the fan, the fan's follows with their playlists
/// and likes, and the long playlist.
async fn setup(
    repos: &Repos,
    o: &BenchOptions,
    pool: &[(Song, Option<String>)],
    pool_key: String,
    progress: &(dyn Fn(&str, u64, u64) + Sync),
) -> Result<Progress> {
    let mut rng = StdRng::seed_from_u64(o.seed);
    // Listeners share one password hash (hashing 100k passwords would take hours).
    progress("users", 0, o.users as u64);
    let hash = crate::service::password::hash(FAN_PASSWORD.to_string()).await?;
    for start in (0..o.users).step_by(10_000) {
        let end = (start + 10_000).min(o.users);
        sqlx::query(
            "insert into users (id, username, email, password_hash, display_name, created_at)
             select gen_random_uuid(), 'bench' || i, 'bench' || i || '@bench.invalid', $1, 'Listener ' || i,
                    now() - (i % 365) * interval '1 day'
             from generate_series($2::int, $3::int) i on conflict do nothing",
        )
        .bind(&hash)
        .bind(start as i32 + 1)
        .bind(end as i32)
        .execute(&repos.pg)
        .await?;
        progress("users", end as u64, o.users as u64);
    }
    sqlx::query(
        "insert into users (id, username, email, password_hash, display_name) values (gen_random_uuid(), $1, $2, $3, 'Bench fan')
         on conflict do nothing",
    )
    .bind(FAN)
    .bind(format!("{FAN}@bench.invalid"))
    .bind(&hash)
    .execute(&repos.pg)
    .await?;
    let fan_id: Uuid = sqlx::query_scalar("select id from users where username = $1")
        .bind(FAN)
        .fetch_one(&repos.pg)
        .await?;
    let user_ids: Vec<Uuid> = sqlx::query_scalar(
        "select id from users where username like 'bench%' and username <> $1 order by username",
    )
    .bind(FAN)
    .fetch_all(&repos.pg)
    .await?;

    // The fan follows `follows` listeners; each has a public playlist and two liked songs.
    let followees: Vec<Uuid> = user_ids.iter().take(o.follows).copied().collect();
    progress("follows", 0, followees.len() as u64);
    sqlx::query("insert into user_follows (follower_id, followee_id) select $1, unnest($2::uuid[]) on conflict do nothing")
        .bind(fan_id)
        .bind(&followees)
        .execute(&repos.pg)
        .await?;
    let liked: Vec<Uuid> = followees
        .iter()
        .flat_map(|_| [0, 1])
        .map(|_| pool[rng.gen_range(0..pool.len())].0.id)
        .collect();
    let likers: Vec<Uuid> = followees.iter().flat_map(|u| [*u, *u]).collect();
    sqlx::query(
        "insert into favorites (user_id, target_type, target_id, created_at)
         select u, 'song', s, now() - random() * interval '30 days' from unnest($1::uuid[], $2::uuid[]) as t(u, s)
         on conflict do nothing",
    )
    .bind(&likers)
    .bind(&liked)
    .execute(&repos.pg)
    .await?;
    sqlx::query(
        "insert into playlists (id, owner_id, title, visibility, created_at)
         select gen_random_uuid(), u, 'Mix ' || row_number() over (), 'public', now() - random() * interval '30 days'
         from unnest($1::uuid[]) as t(u)",
    )
    .bind(&followees)
    .execute(&repos.pg)
    .await?;
    progress("follows", followees.len() as u64, followees.len() as u64);

    // The long playlist.
    progress("playlist", 0, o.playlist_tracks as u64);
    let fan = SessionUser {
        id: fan_id,
        username: FAN.into(),
        display_name: "Bench fan".into(),
        role: Role::Listener,
    };
    let playlist_id = crate::service::playlists::create(
        repos,
        &fan,
        "Everything, in order",
        "The benchmark's long playlist.",
        Visibility::Public,
    )
    .await?;
    let tracks: Vec<(Uuid, i64)> = pool
        .iter()
        .take(o.playlist_tracks)
        .map(|(s, _)| (s.id, s.duration_ms as i64))
        .collect();
    repos
        .playlists
        .append_items(playlist_id, &tracks, fan_id)
        .await?;
    crate::service::playlists::reconcile_one(repos, playlist_id).await?;
    progress(
        "playlist",
        o.playlist_tracks as u64,
        o.playlist_tracks as u64,
    );

    Ok(Progress {
        id: PROGRESS.into(),
        pool_key,
        events: o.events as i64,
        first_day: Utc::now().date_naive() - chrono::Duration::days(DAYS as i64),
        fan_id,
        playlist_id,
        follows: followees.len() as i64,
        playlist_tracks: tracks.len() as i64,
        days_done: 0,
        insert_s: 0.0,
        write_s: 0.0,
    })
}

/// A day's writes in flight: the number of days done once they finish, and the task
/// (seconds storing the events, seconds writing the counters).
type DayWrite = (i64, tokio::task::JoinHandle<Result<(Duration, Duration)>>);

/// Waits for a day's writes, then marks the day done.
async fn finish_day(
    meta: &mongodb::Collection<Document>,
    p: &mut Progress,
    pending: Option<DayWrite>,
) -> Result<()> {
    let Some((days_done, task)) = pending else {
        return Ok(());
    };
    let (insert, write) = task.await.map_err(|e| Error::Internal(e.to_string()))??;
    p.insert_s += insert.as_secs_f64();
    p.write_s += write.as_secs_f64();
    p.days_done = days_done;
    meta.update_one(
        doc! {"_id": PROGRESS},
        doc! {"$set": {"days_done": p.days_done, "insert_s": p.insert_s, "write_s": p.write_s}},
    )
    .await?;
    Ok(())
}

/// Adds a counter document's increments to those already summed for it.
fn sum_into(sums: &mut std::collections::HashMap<String, CounterOp>, op: CounterOp) {
    match sums.entry(format!("{}:{}", op.0, op.1)) {
        std::collections::hash_map::Entry::Occupied(mut o) => o.get_mut().2.merge(op.2),
        std::collections::hash_map::Entry::Vacant(v) => {
            v.insert(op);
        }
    }
}

/// One benchmark play of `song` by `user` started at `t`: three in ten skipped.
fn bench_play<'a>(
    rng: &mut StdRng,
    song: &'a Song,
    user_id: Uuid,
    t: chrono::DateTime<Utc>,
) -> (PlayEvent, &'a Song) {
    const COUNTRIES: [&str; 10] = ["US", "GB", "DE", "FR", "BR", "JP", "SE", "MX", "IN", "NG"];
    const PLATFORMS: [&str; 4] = ["web", "android", "ios", "desktop"];
    let skipped = rng.gen_ratio(3, 10);
    let ms_played = if skipped {
        rng.gen_range(1_000..song.duration_ms.max(2_000))
    } else {
        song.duration_ms
    };
    let e = PlayEvent {
        event_id: Uuid::from_u128(rng.gen()),
        user_id,
        song_id: song.id,
        started_at: t,
        ms_played,
        reason_end: if skipped {
            EndReason::Skipped
        } else {
            EndReason::Finished
        },
        shuffle: rng.gen_ratio(1, 3),
        source: Source::Album,
        source_id: Some(song.album_id.to_string()),
        platform: PLATFORMS[rng.gen_range(0..PLATFORMS.len())].into(),
        country: COUNTRIES[rng.gen_range(0..COUNTRIES.len())].into(),
        offline: false,
        private: false,
        imported: false,
    };
    (e, song)
}

fn per_s(n: usize, secs: f64) -> f64 {
    if secs > 0.0 {
        (n as f64 / secs).round()
    } else {
        0.0
    }
}

/// One timed query scenario: the same repository and service calls the page makes.
#[derive(Debug, Serialize)]
pub struct QueryTiming {
    pub scenario: String,
    pub runs: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    (sorted[i].as_secs_f64() * 1000.0 * 100.0).round() / 100.0
}

/// Runs each page's queries `runs` times, one after another, straight on the stores.
///
/// `only` picks one scenario (`search` needs the index). Before each scenario a marker
/// statement `select 'bench:<scenario>'` goes to PostgreSQL, so a statement log taken
/// during a run (`scripts/bench.sh`: `log_statement = all`, one run) splits into each
/// page's own PostgreSQL statements — its pgbench script.
pub async fn time_queries(
    repos: &Repos,
    search: Option<&crate::search::SearchIndex>,
    i: &BenchInfo,
    runs: usize,
    only: Option<&str>,
) -> Result<Vec<QueryTiming>> {
    let fan = SessionUser {
        id: i.fan_id,
        username: i.fan_username.clone(),
        display_name: String::new(),
        role: Role::Listener,
    };
    let mut out = vec![];
    macro_rules! time {
        ($name:expr, $body:expr) => {{
            if only.is_none_or(|o| o == $name) {
                sqlx::query(&format!("select 'bench:{}'", $name))
                    .execute(&repos.pg)
                    .await?;
                let mut ts = Vec::with_capacity(runs);
                for _ in 0..runs {
                    let t = Instant::now();
                    $body;
                    ts.push(t.elapsed());
                }
                ts.sort();
                out.push(QueryTiming {
                    scenario: $name.into(),
                    runs,
                    p50_ms: percentile(&ts, 0.5),
                    p99_ms: percentile(&ts, 0.99),
                });
            }
        }};
    }
    time!("home", repos.catalog.home().await?);
    time!("artist", {
        repos.catalog.artist(i.artist_id).await?;
        repos.catalog.top_songs_by_artist(i.artist_id, 10).await?;
        repos.catalog.albums_by_artist(i.artist_id).await?;
        repos.accounts.artist_follower_count(i.artist_id).await?;
    });
    time!(
        "artist_dashboard",
        crate::service::artists::dashboard(repos, &fan, i.artist_id, 28).await?
    );
    time!("album", {
        repos.catalog.album(i.album_id).await?;
        repos.catalog.album_tracks(i.album_id).await?;
    });
    time!("search", {
        search
            .ok_or_else(|| Error::Internal("the search scenario needs the index".into()))?
            .search(&i.search_q, 8)?;
        repos.playlists.search_public(&i.search_q, 5).await?;
    });
    time!(
        "playlist_10k",
        crate::service::playlists::page(repos, i.playlist_id, Some(&fan), None).await?
    );
    // A reorder on the long playlist: its last song to the front (and the next run moves
    // the new last one), each against the current version, as the page's form sends it.
    time!("playlist_reorder", {
        let p = repos
            .playlists
            .get(i.playlist_id)
            .await?
            .ok_or(Error::NotFound)?;
        let first = repos
            .playlists
            .first_item(i.playlist_id)
            .await?
            .ok_or(Error::NotFound)?;
        let last = repos
            .playlists
            .last_item(i.playlist_id)
            .await?
            .ok_or(Error::NotFound)?;
        crate::service::playlists::move_item(
            repos,
            &fan,
            i.playlist_id,
            last.item_id,
            Some(first.item_id),
            p.version,
        )
        .await?;
    });
    time!(
        "feed_follows",
        crate::service::feed::feed(repos, &fan, None).await?
    );
    time!(
        "stats",
        crate::service::listening::stats(repos, &fan, crate::listening::StatsRange::Weeks4).await?
    );
    // The platform analytics page's default range, as an admin sees it (the service
    // checks the role it is given, as the page's server function does).
    let admin = SessionUser {
        role: Role::Admin,
        ..fan.clone()
    };
    time!(
        "admin_analytics",
        crate::service::analytics::analytics(repos, &admin, 28).await?
    );
    // Where the last scenario's statements end in a statement log.
    sqlx::query("select 'bench:end'").execute(&repos.pg).await?;
    Ok(out)
}

/// A listening history in the seed CSV's columns for the import benchmark: `records`
/// plays by `username` over 2010–2023 (fixed, so the file is the same every run), about
/// one track per five plays and one artist per twenty, a fifth of the plays on catalog
/// songs (matched by name), the rest on tracks the catalog does not know (created), 2 %
/// podcast episodes and 1 % incognito plays; popularity skewed like real listening.
pub async fn history_csv(
    repos: &Repos,
    records: usize,
    username: &str,
    seed: u64,
) -> Result<String> {
    use std::fmt::Write;
    let mut rng = StdRng::seed_from_u64(seed);
    let catalog: Vec<(String, String, String)> = repos
        .catalog
        .some_songs(5_000)
        .await?
        .into_iter()
        .map(|(s, _)| {
            (
                s.artists[0].name.clone(),
                s.title.clone(),
                s.album_title.clone(),
            )
        })
        .collect();
    // Twelve tracks an album, three albums an artist (an album by one artist, as in a
    // real history).
    let tracks = (records / 5).max(10);
    let artists = (tracks / 36).max(3);
    let start = chrono::NaiveDate::from_ymd_opt(2010, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let span = 14 * 365 * 86_400_i64;
    let mut out = String::from(
        "spotify_track_uri,ts_x,username,platform,ms_played_x,conn_country,master_metadata_track_name_x,master_metadata_album_artist_name_x,master_metadata_album_album_name_x,reason_start,reason_end,shuffle,skipped,offline,incognito_mode,episode_name,ISRC_releases,Track Duration (ms)_releases,Artist Genres\n",
    );
    for i in 0..records {
        let ts = start + chrono::Duration::seconds(span * i as i64 / records as i64);
        let ts = ts.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let u: f64 = rng.gen();
        let t = ((u * u * u) * tracks as f64) as usize; // skewed: low indexes are popular
        let ms = rng.gen_range(5_000..320_000);
        let (skip, reason) = if ms < 30_000 {
            ("True", "fwdbtn")
        } else {
            ("False", "trackdone")
        };
        let platform = ["android", "ios", "windows", "osx", "web_player"][t % 5];
        let country = ["US", "DE", "SE", "BR", "JP", "GB"][t % 6];
        let incognito = if rng.gen_ratio(1, 100) {
            "True"
        } else {
            "False"
        };
        if rng.gen_ratio(1, 50) {
            let _ = writeln!(out, ",{ts},{username},{platform},{ms},{country},,,,clickrow,endplay,False,False,False,{incognito},Episode {t},,,");
            continue;
        }
        let (artist, title, album) = if !catalog.is_empty() && t % 5 == 0 {
            catalog[t % catalog.len()].clone()
        } else {
            let album = t / 12;
            (
                format!("Imported Artist {}", album % artists),
                format!("Imported Track {t}"),
                format!("Imported Album {album}"),
            )
        };
        let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let _ = writeln!(
            out,
            "spotify:track:bench{t:08},{ts},{username},{platform},{ms},{country},{},{},{},clickrow,{reason},False,{skip},False,{incognito},,,{},\"['indie', 'pop']\"",
            q(&title),
            q(&artist),
            q(&album),
            180_000 + (t % 120) * 1000
        );
    }
    Ok(out)
}

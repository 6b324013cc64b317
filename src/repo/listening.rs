//! Listening data in MongoDB.
//!
//! * Raw events: one collection per month (`play_events_YYYYMM`), `_id` = the client's
//!   event UUID, so a retried report is a duplicate-key no-op and counts once. Live
//!   reports carry their process's lane and sequence (`lanes`), from which the aggregator
//!   knows what it counted; bulk loads carry a `counted` flag instead.
//! * Played history (imports, ListenBrainz): the same event documents, a user's plays of a
//!   UTC day held together in `play_buckets` documents (`record_history`) — a document
//!   per play is what limits an import on SecantusDB.
//! * Counters: `song_daily`, `artist_daily`, `user_daily` (string `_id` "<uuid>:<day>"),
//!   `user_totals` and `song_totals` (play counts). The aggregator folds uncounted events
//!   into them in batches — one `$inc` per counter document per batch, never one write
//!   per event — guarded by a batch id so a crash at any point neither loses nor
//!   double-counts anything (see `aggregate_once`). No multi-document transactions: they
//!   were not reliable under a killed client on SecantusDB, and guarded single-document
//!   updates are just as safe on a sharded MongoDB.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use futures::{StreamExt, TryStreamExt};
use mongodb::{
    bson::{doc, Bson, DateTime as BDateTime, Document},
    error::{ErrorKind, WriteFailure},
    options::{IndexOptions, UpdateOneModel, UpdateOptions, WriteModel},
    Collection, Database, IndexModel,
};
use uuid::Uuid;

mod lanes;

use crate::{
    catalog::Song,
    listening::*,
    repo::{
        catalog::{bid, bids},
        find_in,
    },
    Error, Result,
};

const REGISTRY: &str = "play_event_months";
const SONG_DAILY: &str = "song_daily";
const ARTIST_DAILY: &str = "artist_daily";
/// Per artist and UTC hour: plays and streams (the dashboards' live last 24 hours).
const ARTIST_HOURLY: &str = "artist_hourly";
/// Per day, the whole platform: plays, streams, ms and the active users' registers.
const PLATFORM_DAILY: &str = "platform_daily";
const USER_DAILY: &str = "user_daily";
const USER_TOTALS: &str = "user_totals";
const SONG_TOTALS: &str = "song_totals";
const BATCHES: &str = "play_event_batches";
/// Played history (imports, ListenBrainz): a user's plays of one UTC day in one document
/// per submission that brought new ones ("parts"; see `record_history`).
const BUCKETS: &str = "play_buckets";
/// The `month` of a manifest that lists buckets rather than events.
const BUCKET_MANIFEST: &str = "buckets";
/// Bucket ids: UUID v5 in this namespace over "user|day", then ":" and the part number,
/// so a bucket's id does not name its listener (an account purge keeps the plays).
const BUCKET_NS: Uuid = Uuid::from_u128(0x3f0e_8b1c_77a4_4d29_a6c5_19e2_d0b3_5c48);
/// How many recent batch ids a counter remembers. Only the last unfinished batch can ever
/// be re-applied, so a handful is plenty.
const APPLIED_KEEP: i32 = 16;
/// A past day's listener registers packed into one binary field (`ListeningRepo::seal`).
const PACKED: &str = "hll_packed";

/// Whose unique listeners to count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listened {
    Song,
    Artist,
}

#[derive(Clone)]
pub struct ListeningRepo {
    db: Database,
    /// Months whose collection and indexes this process has already ensured (both are
    /// idempotent, so every instance does them once itself).
    months: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    /// Counter documents this process is packing now (`seal`): readers arriving before
    /// the packing lands do not queue the same writes again.
    sealing: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    /// This process's writer of live reports (`lanes`).
    writer: std::sync::Arc<lanes::Writer>,
    /// Whether MongoDB is a sharded cluster (asked once; `lanes`).
    sharded: std::sync::Arc<tokio::sync::OnceCell<bool>>,
}

fn month_of(t: DateTime<Utc>) -> String {
    format!("{:04}{:02}", t.year(), t.month())
}

/// The oldest month live plays land in (offline ones may be 30 days late): the
/// aggregator's frequent pass always checks it and every newer one.
fn first_live_month() -> String {
    month_of(Utc::now() - Duration::days(31))
}

pub fn bdt(t: DateTime<Utc>) -> BDateTime {
    BDateTime::from_millis(t.timestamp_millis())
}

fn events_coll_name(month: &str) -> String {
    format!("play_events_{month}")
}

fn uid(b: &Bson) -> Option<Uuid> {
    match b {
        Bson::Binary(bin) => Uuid::from_slice(&bin.bytes).ok(),
        _ => None,
    }
}

fn int(b: Option<&Bson>) -> u64 {
    match b {
        Some(Bson::Int32(n)) => (*n).max(0) as u64,
        Some(Bson::Int64(n)) => (*n).max(0) as u64,
        Some(Bson::Double(f)) => f.max(0.0) as u64,
        _ => 0,
    }
}

/// The stored form of one play (its `_id` is the client's event id).
fn event_doc(e: &PlayEvent, song: &Song) -> Result<Document> {
    let ended = e.started_at + Duration::milliseconds(e.ms_played as i64);
    Ok(doc! {
        "_id": bid(e.event_id),
        "user_id": bid(e.user_id),
        "song_id": bid(e.song_id),
        "artist_ids": song.artists.iter().map(|a| Bson::from(bid(a.id))).collect::<Vec<_>>(),
        "album_id": bid(song.album_id),
        "genres": song.genres.clone(),
        "ts": bdt(e.started_at),
        "ended_at": bdt(ended),
        "ms_played": e.ms_played as i64,
        "duration_ms": song.duration_ms as i64,
        "reason_end": mongodb::bson::to_bson(&e.reason_end).map_err(|x| Error::Internal(x.to_string()))?,
        "shuffle": e.shuffle,
        "source": e.source.as_str(),
        "source_id": e.source_id.clone(),
        "platform": e.platform.clone(),
        "country": e.country.clone(),
        "offline": e.offline,
        "private": e.private,
        "imported": e.imported,
        "stream": e.is_stream(),
        "skip": e.is_skip(),
        "completion": e.is_completion(),
        "counted": false,
    })
}

/// Event documents of plays stored as already counted (see `ListeningRepo::load_counted`).
pub fn counted_docs(plays: &[(PlayEvent, &Song)]) -> Result<Vec<Document>> {
    plays
        .iter()
        .map(|(e, song)| {
            let mut d = event_doc(e, song)?;
            d.insert("counted", true);
            Ok(d)
        })
        .collect()
}

/// What `ListeningRepo::record_history` did with a submission's plays.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HistoryStored {
    /// Plays stored now.
    pub new: u64,
    /// Plays already stored under the same `source_id` (a crashed run's batch).
    pub ours: u64,
    /// Plays already stored by another submission (or twice in this one).
    pub duplicates: u64,
}

/// A bucket part of played history (see `ListeningRepo::record_history`): `plays` are
/// event documents without `user_id` and `counted`, which the bucket holds for all.
fn bucket_doc(key: (Uuid, NaiveDate), part: i32, tag: &str, plays: &[Document]) -> Document {
    let (user, day) = key;
    let id = Uuid::new_v5(&BUCKET_NS, format!("{user}|{day}").as_bytes());
    doc! {
        "_id": format!("{id}:{part}"),
        "user_id": bid(user),
        "day": day.to_string(),
        "part": part,
        "source_id": tag,
        "n": plays.len() as i64,
        "counted": false,
        "created_at": BDateTime::now(),
        "plays": plays.to_vec(),
    }
}

/// A bucket's plays as event documents (its user on each; purged users' are nil).
fn bucket_plays(b: &Document) -> Vec<Document> {
    let user = b.get("user_id").cloned().unwrap_or(Bson::Null);
    b.get_array("plays")
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_document().cloned())
        .map(|mut p| {
            p.insert("user_id", user.clone());
            p
        })
        .collect()
}

/// A counter update that also records the batch (see `aggregate_once`). `inc` may carry
/// HyperLogLog registers under `$max` (idempotent by nature).
fn guarded_update(inc: &Inc, batch_id: &str, on_insert: Document) -> Document {
    let mut update = doc! {
        "$inc": inc.doc(),
        "$push": {"applied": {"$each": [batch_id], "$slice": -APPLIED_KEEP}},
    };
    if !inc.max.is_empty() {
        update.insert(
            "$max",
            inc.max
                .iter()
                .map(|(k, v)| (k.clone(), Bson::Int32(i32::from(*v))))
                .collect::<Document>(),
        );
    }
    // MongoDB refuses an empty operator document.
    if !on_insert.is_empty() {
        update.insert("$setOnInsert", on_insert);
    }
    update
}

/// The counter document `guarded_update` would create where none exists: `_id`,
/// `on_insert`, the increments and registers at their (dotted) paths, and the batch.
fn whole_counter(id: Bson, inc: &Inc, batch_id: &str, on_insert: Document) -> Document {
    fn put(d: &mut Document, path: &str, v: Bson) {
        match path.split_once('.') {
            Some((head, rest)) => {
                if !matches!(d.get(head), Some(Bson::Document(_))) {
                    d.insert(head, Document::new());
                }
                if let Some(Bson::Document(sub)) = d.get_mut(head) {
                    put(sub, rest, v);
                }
            }
            None => {
                d.insert(path, v);
            }
        }
    }
    let mut d = doc! {"_id": id};
    d.extend(on_insert);
    for (k, v) in &inc.inc {
        put(&mut d, k, Bson::Int64(*v));
    }
    for (k, v) in &inc.max {
        put(&mut d, k, Bson::Int32(i32::from(*v)));
    }
    d.insert("applied", vec![Bson::String(batch_id.to_string())]);
    d
}

/// Inserts `docs` unordered; returns the positions refused because their `_id` exists
/// (any other failure is an error).
async fn insert_new(coll: &Collection<Document>, docs: &[Document]) -> Result<Vec<usize>> {
    match coll.insert_many(docs).ordered(false).await {
        Ok(_) => Ok(vec![]),
        Err(err) => match *err.kind {
            ErrorKind::InsertMany(ref f)
                if f.write_errors
                    .as_ref()
                    .is_some_and(|w| w.iter().all(|w| w.code == 11000))
                    && f.write_concern_error.is_none() =>
            {
                Ok(f.write_errors.iter().flatten().map(|w| w.index).collect())
            }
            _ => Err(err.into()),
        },
    }
}

fn is_duplicate(e: &mongodb::error::Error) -> bool {
    matches!(*e.kind, ErrorKind::Write(WriteFailure::WriteError(ref w)) if w.code == 11000)
}

/// Map keys may not contain '.' or start with '$'.
fn key(s: &str) -> String {
    s.replace(['.', '$'], "_")
}

/// Increments for one counter document, and the unique-listener registers it may raise.
#[derive(Default, Clone)]
pub struct Inc {
    inc: BTreeMap<String, i64>,
    max: BTreeMap<String, u8>,
}

impl Inc {
    /// Adds `other`'s increments and raises to its registers.
    pub fn merge(&mut self, other: Inc) {
        for (k, v) in other.inc {
            *self.inc.entry(k).or_default() += v;
        }
        for (k, v) in other.max {
            let r = self.max.entry(k).or_default();
            *r = (*r).max(v);
        }
    }
    fn add(&mut self, field: String, n: i64) {
        *self.inc.entry(field).or_default() += n;
    }
    /// Counts `user` as a listener (HyperLogLog register under `hll.`).
    fn listener(&mut self, user: Uuid) {
        let (idx, rank) = crate::hll::register(user);
        let r = self
            .max
            .entry(format!("hll.{}", crate::hll::field(idx)))
            .or_default();
        *r = (*r).max(rank);
    }
    fn doc(&self) -> Document {
        self.inc
            .iter()
            .map(|(k, v)| (k.clone(), Bson::Int64(*v)))
            .collect()
    }
}

/// One counter document's increments: collection, `_id`, increments, fields it gets
/// when created.
pub type CounterOp = (&'static str, Bson, Inc, Document);

/// Whether a counter document is one of the all-time totals (a user's or a song's), which
/// every day's plays add to (bulk loads sum them over all days before writing).
pub fn all_time(op: &CounterOp) -> bool {
    matches!(op.0, USER_TOTALS | SONG_TOTALS)
}

/// What a batch of raw events adds to the counters, one entry per counter document.
pub fn increments(events: &[Document]) -> Vec<CounterOp> {
    let mut song: HashMap<(Uuid, String), Inc> = HashMap::new();
    let mut artist: HashMap<(Uuid, String), Inc> = HashMap::new();
    let mut user: HashMap<(Uuid, String), Inc> = HashMap::new();
    let mut totals: HashMap<Uuid, Inc> = HashMap::new();
    let mut song_totals: HashMap<Uuid, Inc> = HashMap::new();
    let mut recs: HashMap<(&'static str, String), Inc> = HashMap::new();
    let mut hourly: HashMap<(Uuid, String), Inc> = HashMap::new();
    let mut platform: HashMap<String, Inc> = HashMap::new();
    for e in events {
        let (Some(user_id), Some(song_id)) = (
            e.get("user_id").and_then(uid),
            e.get("song_id").and_then(uid),
        ) else {
            continue;
        };
        let ts = e
            .get_datetime("ts")
            .ok()
            .and_then(|t| DateTime::from_timestamp_millis(t.timestamp_millis()))
            .unwrap_or_else(Utc::now);
        let day = ts.date_naive().to_string();
        let ms = int(e.get("ms_played")) as i64;
        let stream = e.get_bool("stream").unwrap_or(false);
        let skip = e.get_bool("skip").unwrap_or(false);
        let completion = e.get_bool("completion").unwrap_or(false);
        let s = i64::from(stream);
        let common = |inc: &mut Inc| {
            inc.add("plays".into(), 1);
            inc.add("streams".into(), s);
            inc.add("ms_played".into(), ms);
            inc.add("skips".into(), i64::from(skip));
            inc.add("completions".into(), i64::from(completion));
        };
        let breakdown = |inc: &mut Inc| {
            for f in ["country", "platform", "source"] {
                let v = e.get_str(f).unwrap_or("unknown");
                inc.add(format!("{f}.{}", key(v)), 1);
            }
        };
        // Plays started from a recommendation, per algorithm variant (admin panel).
        if e.get_str("source") == Ok(Source::Recommendation.as_str()) {
            if let Some(v) = e
                .get_str("source_id")
                .ok()
                .and_then(crate::recommend::Variant::parse)
            {
                recs.entry((v.as_str(), day.clone()))
                    .or_default()
                    .add("plays".into(), 1);
            }
        }
        let pi = platform.entry(day.clone()).or_default();
        common(pi);
        pi.listener(user_id);
        let si = song.entry((song_id, day.clone())).or_default();
        common(si);
        breakdown(si);
        if stream {
            si.listener(user_id);
        }
        common(song_totals.entry(song_id).or_default());
        if let Ok(artists) = e.get_array("artist_ids") {
            for a in artists.iter().filter_map(uid) {
                let ai = artist.entry((a, day.clone())).or_default();
                common(ai);
                breakdown(ai);
                let hi = hourly
                    .entry((a, ts.format("%Y-%m-%dT%H").to_string()))
                    .or_default();
                hi.add("plays".into(), 1);
                hi.add("streams".into(), s);
                if stream {
                    ai.listener(user_id);
                    user.entry((user_id, day.clone()))
                        .or_default()
                        .add(format!("artists.{a}"), 1);
                    totals
                        .entry(user_id)
                        .or_default()
                        .add(format!("artists.{a}"), 1);
                }
            }
        }
        let ui = user.entry((user_id, day.clone())).or_default();
        common(ui);
        ui.add(format!("hours.{}", ts.hour()), 1);
        let ti = totals.entry(user_id).or_default();
        ti.add("streams".into(), s);
        ti.add("ms_played".into(), ms);
        if stream {
            ui.add(format!("songs.{song_id}"), 1);
            ti.add(format!("songs.{song_id}"), 1);
            if let Ok(genres) = e.get_array("genres") {
                for g in genres.iter().filter_map(|g| g.as_str()) {
                    ui.add(format!("genres.{}", key(g)), 1);
                    ti.add(format!("genres.{}", key(g)), 1);
                }
            }
        }
    }
    let mut ops: Vec<CounterOp> = vec![];
    for ((id, day), inc) in song {
        ops.push((
            SONG_DAILY,
            Bson::String(format!("{id}:{day}")),
            inc,
            doc! {"song_id": bid(id), "day": day},
        ));
    }
    for ((id, day), inc) in artist {
        ops.push((
            ARTIST_DAILY,
            Bson::String(format!("{id}:{day}")),
            inc,
            doc! {"artist_id": bid(id), "day": day},
        ));
    }
    for ((id, day), inc) in user {
        ops.push((
            USER_DAILY,
            Bson::String(format!("{id}:{day}")),
            inc,
            doc! {"user_id": bid(id), "day": day},
        ));
    }
    for (id, inc) in totals {
        ops.push((USER_TOTALS, bid(id).into(), inc, doc! {}));
    }
    for (id, inc) in song_totals {
        ops.push((SONG_TOTALS, bid(id).into(), inc, doc! {}));
    }
    for (day, inc) in platform {
        ops.push((
            PLATFORM_DAILY,
            Bson::String(day.clone()),
            inc,
            doc! {"day": day},
        ));
    }
    for ((id, hour), inc) in hourly {
        ops.push((
            ARTIST_HOURLY,
            Bson::String(format!("{id}:{hour}")),
            inc,
            doc! {"artist_id": bid(id), "hour": hour},
        ));
    }
    for ((variant, day), inc) in recs {
        ops.push((
            crate::repo::recs::REC_STATS,
            Bson::String(format!("{variant}:{day}")),
            inc,
            doc! {"variant": variant, "day": day},
        ));
    }
    ops
}

impl ListeningRepo {
    pub fn new(db: &Database) -> Self {
        ListeningRepo {
            db: db.clone(),
            months: Default::default(),
            sealing: Default::default(),
            writer: Default::default(),
            sharded: Default::default(),
        }
    }

    fn events(&self, month: &str) -> Collection<Document> {
        self.db.collection(&events_coll_name(month))
    }

    fn coll(&self, name: &str) -> Collection<Document> {
        self.db.collection(name)
    }

    /// Creates the counter collections' indexes (start-up, idempotent).
    pub async fn ensure_indexes(&self) -> Result<()> {
        let ix = |keys: Document, name: &str| {
            IndexModel::builder()
                .keys(keys)
                .options(IndexOptions::builder().name(name.to_string()).build())
                .build()
        };
        self.coll(SONG_DAILY)
            .create_index(ix(doc! {"song_id": 1, "day": 1}, "by_song_day"))
            .await?;
        self.coll(ARTIST_DAILY)
            .create_index(ix(doc! {"artist_id": 1, "day": 1}, "by_artist_day"))
            .await?;
        self.coll(USER_DAILY)
            .create_index(ix(doc! {"user_id": 1, "day": 1}, "by_user_day"))
            .await?;
        // The recommendation job reads recent days across all songs and users.
        self.coll(SONG_DAILY)
            .create_index(ix(doc! {"day": 1}, "by_day"))
            .await?;
        self.coll(USER_DAILY)
            .create_index(ix(doc! {"day": 1}, "by_day"))
            .await?;
        self.coll(ARTIST_DAILY)
            .create_index(ix(doc! {"day": 1}, "by_day"))
            .await?;
        self.coll(BATCHES)
            .create_index(ix(doc! {"month": 1}, "by_month"))
            .await?;
        self.coll(BUCKETS)
            .create_index(ix(doc! {"user_id": 1, "day": 1}, "by_user_day"))
            .await?;
        // The aggregator asks for uncounted buckets, or (while an import is stored) for
        // uncounted scrobbles only: an equality prefix either way.
        self.coll(BUCKETS)
            .create_index(ix(doc! {"counted": 1, "source_id": 1}, "by_counted_source"))
            .await?;
        // Month collections that live reports may still reach get the indexes a newer
        // version added (the lanes' `lane_seq`) now, not in the first report's request.
        let live = first_live_month();
        for month in self.months_desc().await? {
            if month >= live {
                self.ensure_month(&month).await?;
            }
        }
        Ok(())
    }

    /// Creates a month's event collection with its indexes, then registers the month
    /// (idempotent). Every process does both itself before its first insert into the
    /// month, so no insert ever creates the collection implicitly: an insert that does
    /// while another connection creates the same collection's indexes deadlocks
    /// SecantusDB 0.7 (its insert holds the new collection's catalog entry in an open
    /// transaction and waits for a lock the index build holds while it waits for that
    /// entry). The registry only lists months whose collection exists.
    async fn ensure_month(&self, month: &str) -> Result<()> {
        if self.months.lock().map_or(false, |m| m.contains(month)) {
            return Ok(());
        }
        let c = self.events(month);
        c.create_index(
            IndexModel::builder()
                .keys(doc! {"user_id": 1, "ts": -1})
                .build(),
        )
        .await?;
        c.create_index(IndexModel::builder().keys(doc! {"counted": 1}).build())
            .await?;
        // Live reports' lanes (`lanes`): the aggregator reads `{lane, seq > w}`.
        c.create_index(
            IndexModel::builder()
                .keys(doc! {"lane": 1, "seq": 1})
                .options(IndexOptions::builder().name("lane_seq".to_string()).build())
                .build(),
        )
        .await?;
        self.coll(REGISTRY)
            .update_one(
                doc! {"_id": month},
                doc! {"$setOnInsert": {"created_at": BDateTime::now()}},
            )
            .with_options(UpdateOptions::builder().upsert(true).build())
            .await?;
        if let Ok(mut m) = self.months.lock() {
            m.insert(month.to_string());
        }
        Ok(())
    }

    /// Account purge: the user's raw plays stay as anonymous plays (the song and artist
    /// counters and any recount from raw events still agree), their personal counters go.
    /// Idempotent.
    pub async fn purge_user(&self, user_id: Uuid) -> Result<()> {
        for month in self.months_desc().await? {
            self.events(&month)
                .update_many(
                    doc! {"user_id": bid(user_id)},
                    doc! {"$set": {"user_id": bid(Uuid::nil())}},
                )
                .await?;
        }
        self.coll(BUCKETS)
            .update_many(
                doc! {"user_id": bid(user_id)},
                doc! {"$set": {"user_id": bid(Uuid::nil())}},
            )
            .await?;
        self.coll(USER_DAILY)
            .delete_many(doc! {"user_id": bid(user_id)})
            .await?;
        self.coll(USER_TOTALS)
            .delete_one(doc! {"_id": bid(user_id)})
            .await?;
        Ok(())
    }

    async fn months_desc(&self) -> Result<Vec<String>> {
        self.months_where(doc! {}).await
    }

    /// Months the aggregator's frequent pass checks (see `aggregate_months`).
    async fn recent_months(&self) -> Result<Vec<String>> {
        let live = first_live_month();
        let since = BDateTime::from_millis((Utc::now() - Duration::minutes(10)).timestamp_millis());
        self.months_where(doc! {"$or": [{"_id": {"$gte": &live}}, {"touched_at": {"$gte": since}}]})
            .await
    }

    /// Registered months matching `filter`, newest first.
    async fn months_where(&self, filter: Document) -> Result<Vec<String>> {
        let docs: Vec<Document> = self
            .coll(REGISTRY)
            .find(filter)
            .sort(doc! {"_id": -1})
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .iter()
            .filter_map(|d| d.get_str("_id").ok().map(str::to_string))
            .collect())
    }

    /// Marks a month as just written outside the live months, so the aggregator's
    /// frequent pass looks at it.
    async fn touch_month(&self, month: &str) -> Result<()> {
        if month >= first_live_month().as_str() {
            return Ok(());
        }
        self.coll(REGISTRY)
            .update_one(
                doc! {"_id": month},
                doc! {"$set": {"touched_at": BDateTime::now()}},
            )
            .await?;
        Ok(())
    }

    /// Stores many plays (bulk loads: benchmarks, imports), unordered, one insert per
    /// month. Already recorded event ids are skipped; returns how many were new.
    pub async fn record_many(&self, plays: &[(PlayEvent, &Song)]) -> Result<u64> {
        let docs = plays
            .iter()
            .map(|(e, song)| event_doc(e, song))
            .collect::<Result<Vec<_>>>()?;
        self.insert_events(docs, true).await
    }

    /// Stores event documents made by `counted_docs`, whose counters the caller writes
    /// itself (`increments` + `write_counters`; the benchmark's bulk load, where counting
    /// 10M plays one batch at a time would take the aggregator days). Ids already stored
    /// are skipped; returns how many were new.
    pub async fn load_counted(&self, docs: Vec<Document>) -> Result<u64> {
        self.insert_events(docs, false).await
    }

    /// Inserts event documents into their months' collections (each made first), one
    /// unordered insert per month; returns how many were new. `touch` marks past months
    /// for the aggregator's frequent pass (plays it has to count).
    async fn insert_events(&self, docs: Vec<Document>, touch: bool) -> Result<u64> {
        let mut by_month: BTreeMap<String, Vec<Document>> = Default::default();
        for d in docs {
            let ts = d
                .get_datetime("ts")
                .map_err(|e| Error::Internal(format!("event without ts: {e}")))?
                .timestamp_millis();
            let ts = DateTime::<Utc>::from_timestamp_millis(ts).unwrap_or_default();
            by_month.entry(month_of(ts)).or_default().push(d);
        }
        let mut inserted = 0;
        for (month, docs) in by_month {
            self.ensure_month(&month).await?;
            if touch {
                self.touch_month(&month).await?;
            }
            inserted += (docs.len() - insert_new(&self.events(&month), &docs).await?.len()) as u64;
        }
        Ok(inserted)
    }

    /// Stores played history (an import's batch, ListenBrainz listens) as buckets: the
    /// plays of one user and UTC day that this call brings go into one new document
    /// (`part` n of that day), each play once however often it is sent. Per play this
    /// costs a fraction of a document of its own on SecantusDB (the import benchmark:
    /// 200,000 records). A part's id is "<v5(user|day)>:<part>", so two writers adding to
    /// the same day race for the same id: the loser reads what the winner stored and
    /// tries the next part with what is still new. Plays stored as single events by an
    /// earlier version (imported ones, or ListenBrainz's) are recognised and skipped.
    /// `tag` is the submission's `source_id`; plays already stored under it count as
    /// `ours` (a run that crashed after storing a batch), any others as duplicates.
    pub async fn record_history(
        &self,
        plays: &[(PlayEvent, &Song)],
        tag: &str,
    ) -> Result<HistoryStored> {
        let legacy = self.legacy_events(plays).await?;
        let mut out = HistoryStored::default();
        let mut groups: BTreeMap<(Uuid, NaiveDate), Vec<Document>> = BTreeMap::new();
        let mut seen = std::collections::HashSet::new();
        for (e, song) in plays {
            // Twice in this submission, or stored as a single event by an earlier version.
            if !seen.insert(e.event_id) || legacy.contains(&e.event_id) {
                out.duplicates += 1;
                continue;
            }
            let mut d = event_doc(e, song)?;
            d.remove("user_id");
            d.remove("counted");
            groups
                .entry((e.user_id, e.started_at.date_naive()))
                .or_default()
                .push(d);
        }
        for _attempt in 0..20 {
            if groups.is_empty() {
                return Ok(out);
            }
            let mut stored = self.stored_parts(groups.keys().copied().collect()).await?;
            let mut docs = vec![];
            let mut keys = vec![];
            for (key, plays) in std::mem::take(&mut groups) {
                let (next, ids) = stored.remove(&key).unwrap_or_default();
                let mut new = vec![];
                for p in plays {
                    match p.get("_id").and_then(uid).and_then(|id| ids.get(&id)) {
                        Some(source) if source == tag => out.ours += 1,
                        Some(_) => out.duplicates += 1,
                        None => new.push(p),
                    }
                }
                if new.is_empty() {
                    continue;
                }
                docs.push(bucket_doc(key, next, tag, &new));
                keys.push((key, new));
            }
            let refused = if docs.is_empty() {
                vec![]
            } else {
                insert_new(&self.coll(BUCKETS), &docs).await?
            };
            for (i, (key, new)) in keys.into_iter().enumerate() {
                if refused.contains(&i) {
                    groups.insert(key, new); // another writer took that part: again
                } else {
                    out.new += new.len() as u64;
                }
            }
        }
        Err(Error::Internal(
            "played history: too many concurrent writers for the same days".into(),
        ))
    }

    /// For each (user, day) already in buckets: the next free part number, and every
    /// stored play's id with the `source_id` it was stored under.
    async fn stored_parts(
        &self,
        keys: Vec<(Uuid, NaiveDate)>,
    ) -> Result<HashMap<(Uuid, NaiveDate), (i32, HashMap<Uuid, String>)>> {
        let mut span: BTreeMap<Uuid, (NaiveDate, NaiveDate)> = BTreeMap::new();
        for (u, d) in &keys {
            let s = span.entry(*u).or_insert((*d, *d));
            s.0 = s.0.min(*d);
            s.1 = s.1.max(*d);
        }
        let coll = self.coll(BUCKETS);
        let found: Vec<Vec<Document>> = futures::stream::iter(span)
            .map(|(u, (lo, hi))| {
                let coll = coll.clone();
                async move {
                    coll.find(doc! {"user_id": bid(u), "day": {"$gte": lo.to_string(), "$lte": hi.to_string()}})
                        .await?
                        .try_collect::<Vec<Document>>()
                        .await
                }
            })
            .buffered(4)
            .try_collect()
            .await?;
        let mut out: HashMap<(Uuid, NaiveDate), (i32, HashMap<Uuid, String>)> = HashMap::new();
        for b in found.iter().flatten() {
            let (Some(user), Some(day)) = (
                b.get("user_id").and_then(uid),
                b.get_str("day")
                    .ok()
                    .and_then(|d| d.parse::<NaiveDate>().ok()),
            ) else {
                continue;
            };
            let e = out.entry((user, day)).or_default();
            e.0 = e.0.max(b.get_i32("part").unwrap_or(0) + 1);
            let source = b.get_str("source_id").unwrap_or_default();
            for p in b.get_array("plays").into_iter().flatten() {
                if let Some(id) = p.as_document().and_then(|p| p.get("_id")).and_then(uid) {
                    e.1.insert(id, source.to_string());
                }
            }
        }
        Ok(out)
    }

    /// Ids of these plays that an earlier version stored as single events (imports and
    /// ListenBrainz listens went to the month collections before `record_history`). Only
    /// where the user has such events in the plays' time span are the ids looked up.
    async fn legacy_events(
        &self,
        plays: &[(PlayEvent, &Song)],
    ) -> Result<std::collections::HashSet<Uuid>> {
        let months = self.months_desc().await?;
        let mut by: BTreeMap<(Uuid, String), Vec<&PlayEvent>> = BTreeMap::new();
        for (e, _) in plays {
            let m = month_of(e.started_at);
            if months.contains(&m) {
                by.entry((e.user_id, m)).or_default().push(e);
            }
        }
        let mut out = std::collections::HashSet::new();
        for ((user, month), es) in by {
            let lo = es.iter().map(|e| e.started_at).min().unwrap_or_default();
            let hi = es.iter().map(|e| e.started_at).max().unwrap_or_default();
            let events = self.events(&month);
            let span = doc! {"user_id": bid(user), "ts": {"$gte": bdt(lo), "$lte": bdt(hi)}};
            let mut any = false;
            for also in [doc! {"imported": true}, doc! {"source_id": SCROBBLE_SOURCE}] {
                let mut f = span.clone();
                f.extend(also);
                if events.find_one(f).await?.is_some() {
                    any = true;
                    break;
                }
            }
            if !any {
                continue;
            }
            let ids = es.iter().map(|e| Bson::from(bid(e.event_id))).collect();
            let found = find_in(&events, "_id", ids, doc! {}, Some(doc! {"_id": 1})).await?;
            out.extend(found.iter().filter_map(|d| d.get("_id").and_then(uid)));
        }
        Ok(out)
    }

    /// Folds up to `batch` uncounted events of every month into the counters. Returns how
    /// many events were counted. Call it from one instance at a time (advisory lock).
    ///
    /// Exactly once without multi-document transactions:
    /// 1. a batch manifest (`play_event_batches`: id + the event ids) is written first, in
    ///    one atomic insert, so a batch's events never change;
    /// 2. every counter document is updated with a guard — its `applied` list must not
    ///    hold the batch id — in the same single-document update that records the id;
    /// 3. the events are marked counted (live reports: their lane's marks move on, see
    ///    `lanes`), and the manifest is deleted.
    /// A crash anywhere leaves an open manifest; the next run finishes it first, and
    /// documents that already took the batch skip it. Events already counted by another
    /// batch are left out, so even a write that lands after its client died cannot count
    /// an event twice.
    pub async fn aggregate_once(&self, batch: i64) -> Result<usize> {
        self.aggregate_months(batch, false, false).await
    }

    /// `aggregate_once` over the months where new plays may be waiting when `recent`
    /// (every month otherwise): the current and previous calendar month (live plays) and
    /// months a bulk insert or a late (offline) play touched in the last 10 minutes. An
    /// imported history registers every month since 2010 or so; checking all ~170 of them
    /// (two queries each) twice a second kept SecantusDB busy while nothing was waiting.
    /// The job still checks every month once a minute.
    ///
    /// `importing` (an import is being stored now) leaves imported history for later and
    /// counts only scrobbles (ListenBrainz): counting a play writes several counter
    /// documents, so counting an import while it is stored would take most of
    /// SecantusDB's time and slow the import several times over; its plays are counted
    /// once it is done.
    pub async fn aggregate_months(
        &self,
        batch: i64,
        recent: bool,
        importing: bool,
    ) -> Result<usize> {
        // Live reports first (`lanes`), then plays stored with a `counted` flag.
        let mut total = self.aggregate_lanes(batch, recent).await?;
        let months = if recent {
            self.recent_months().await?
        } else {
            self.months_desc().await?
        };
        for month in months {
            let events = self.events(&month);
            // Finish any batch a crashed run left open, then take one new batch.
            total += self.finish_open(&month, &events, false).await?;
            // The events themselves, not just their ids: reading them again by id for
            // the batch was a `$in` per 50 events, SecantusDB's largest share of a pass.
            let waiting: Vec<Document> = events
                .find(doc! {"counted": false})
                .limit(batch)
                .await?
                .try_collect()
                .await?;
            total += self.new_event_batch(&month, &events, waiting).await?;
        }
        total += self.aggregate_buckets(batch, importing).await?;
        Ok(total)
    }

    /// Finishes the batches a crashed run left open for `key` (a month, or buckets).
    async fn finish_open(
        &self,
        key: &str,
        coll: &Collection<Document>,
        buckets: bool,
    ) -> Result<usize> {
        let mut total = 0;
        while let Some(m) = self.coll(BATCHES).find_one(doc! {"month": key}).await? {
            let b = m
                .get_str("_id")
                .map_err(|e| Error::Internal(e.to_string()))?
                .to_string();
            let ids = m.get_array("events").cloned().unwrap_or_default();
            total += self.run_batch(coll, &b, ids, buckets).await?;
        }
        Ok(total)
    }

    /// Step 1 (the manifest) for the played-history buckets `ids` of `coll`, then steps
    /// 2 and 3 (their plays read again by id: a bucket holds many).
    async fn new_bucket_batch(&self, coll: &Collection<Document>, ids: Vec<Bson>) -> Result<usize> {
        if ids.is_empty() {
            return Ok(0);
        }
        let b = self.open_manifest(BUCKET_MANIFEST, &ids).await?;
        self.run_batch(coll, &b, ids, true).await
    }

    /// [`Self::new_bucket_batch`] for events just read uncounted (under the aggregation lock,
    /// after any open batch was finished): their manifest, then steps 2 and 3 with the
    /// documents in hand.
    async fn new_event_batch(
        &self,
        month: &str,
        coll: &Collection<Document>,
        events: Vec<Document>,
    ) -> Result<usize> {
        if events.is_empty() {
            return Ok(0);
        }
        let ids: Vec<Bson> = events
            .iter()
            .filter_map(|d| d.get("_id").cloned())
            .collect();
        let b = self.open_manifest(month, &ids).await?;
        self.finish_batch(coll, &b, ids, events).await
    }

    async fn open_manifest(&self, key: &str, ids: &[Bson]) -> Result<String> {
        let b = Uuid::new_v4().to_string();
        self.coll(BATCHES)
            .insert_one(
                doc! {"_id": &b, "month": key, "events": ids, "created_at": BDateTime::now()},
            )
            .await?;
        Ok(b)
    }

    /// `aggregate_months` for played history: the same manifests (`month: "buckets"`,
    /// listing bucket ids), buckets of up to about `batch` plays in all, each bucket
    /// marked counted as a whole.
    async fn aggregate_buckets(&self, batch: i64, scrobbles_only: bool) -> Result<usize> {
        let coll = self.coll(BUCKETS);
        let mut total = self.finish_open(BUCKET_MANIFEST, &coll, true).await?;
        let mut filter = doc! {"counted": false};
        if scrobbles_only {
            filter.insert("source_id", SCROBBLE_SOURCE);
        }
        let waiting: Vec<Document> = coll
            .find(filter)
            .projection(doc! {"_id": 1, "n": 1})
            .limit(batch.clamp(1, 200))
            .await?
            .try_collect()
            .await?;
        let mut ids = vec![];
        let mut plays = 0;
        for d in waiting {
            if plays >= batch && !ids.is_empty() {
                break;
            }
            plays += d.get("n").map_or(0, |n| int(Some(n)) as i64);
            ids.extend(d.get("_id").cloned());
        }
        total += self.new_bucket_batch(&coll, ids).await?;
        Ok(total)
    }

    /// Steps 2 and 3 for one manifest of `coll`'s documents (events, or buckets whose
    /// plays are counted); returns the plays newly counted.
    async fn run_batch(
        &self,
        coll: &Collection<Document>,
        batch_id: &str,
        ids: Vec<Bson>,
        buckets: bool,
    ) -> Result<usize> {
        let docs = find_in(coll, "_id", ids.clone(), doc! {"counted": false}, None).await?;
        let plays = if buckets {
            docs.iter().flat_map(bucket_plays).collect()
        } else {
            docs
        };
        self.finish_batch(coll, batch_id, ids, plays).await
    }

    /// Steps 2 and 3: counts `plays` (all uncounted) under `batch_id`, marks the
    /// documents `ids` counted and closes the manifest; returns the plays counted.
    async fn finish_batch(
        &self,
        coll: &Collection<Document>,
        batch_id: &str,
        ids: Vec<Bson>,
        plays: Vec<Document>,
    ) -> Result<usize> {
        self.apply(batch_id, &plays).await?;
        // One `_id` update per document in one bulk write: cheaper than an `$in` on
        // SecantusDB.
        let ns = coll.namespace();
        let marks = ids.into_iter().map(|id| {
            UpdateOneModel::builder()
                .namespace(ns.clone())
                .filter(doc! {"_id": id})
                .update(doc! {"$set": {"counted": true}})
                .build()
        });
        self.db.client().bulk_write(marks).ordered(false).await?;
        self.coll(BATCHES)
            .delete_one(doc! {"_id": batch_id})
            .await?;
        Ok(plays.len())
    }

    /// Applies one batch's increments, each counter document at most once per batch.
    async fn apply(&self, batch_id: &str, events: &[Document]) -> Result<()> {
        self.write_counters(batch_id, increments(events)).await
    }

    /// Inserts counter documents whole, a thousand per request; returns the positions of
    /// those that exist (the insert was refused).
    async fn insert_whole(&self, batch_id: &str, ops: &[CounterOp]) -> Result<Vec<usize>> {
        let mut by_coll: BTreeMap<&'static str, Vec<usize>> = BTreeMap::new();
        for (i, op) in ops.iter().enumerate() {
            by_coll.entry(op.0).or_default().push(i);
        }
        let mut existing: Vec<usize> = vec![];
        for (coll, idxs) in by_coll {
            for chunk in idxs.chunks(1000) {
                let docs: Vec<Document> = chunk
                    .iter()
                    .map(|i| {
                        let (_, id, inc, on_insert) = &ops[*i];
                        whole_counter(id.clone(), inc, batch_id, on_insert.clone())
                    })
                    .collect();
                let refused = insert_new(&self.coll(coll), &docs).await?;
                existing.extend(refused.into_iter().map(|i| chunk[i]));
            }
        }
        Ok(existing)
    }

    /// Writes counter increments (see `apply`; `batch_id` guards every document).
    pub async fn write_counters(&self, batch_id: &str, ops: Vec<CounterOp>) -> Result<()> {
        // Counter documents are first inserted whole, a thousand per request: a batch of
        // imported history mostly creates them, and SecantusDB inserts about four times
        // faster than it upserts. A document that exists refuses the insert (duplicate key)
        // and gets the guarded update instead.
        // A live batch (every dated document of today or yesterday) mostly updates documents
        // that exist, where a refused insert only adds work (measured with pymongo on 1,000
        // existing documents: refused inserts 0.15-0.27 s, then the upserts 1.4-2.0 s), so
        // it goes straight to the upserts.
        let live = {
            let recent = (Utc::now() - Duration::days(1)).date_naive().to_string();
            let days: Vec<&str> = ops.iter().filter_map(|o| o.3.get_str("day").ok()).collect();
            !days.is_empty() && days.iter().all(|d| *d >= recent.as_str())
        };
        let existing: Vec<usize> = if live {
            (0..ops.len()).collect()
        } else {
            self.insert_whole(batch_id, &ops).await?
        };
        // One round trip per thousand documents; an upsert that collided with a document
        // already holding this batch is sorted out one by one.
        let models: Vec<(WriteModel, &'static str, Bson, &Inc, Document)> = existing
            .into_iter()
            .map(|i| {
                let (coll, id, inc, on_insert) = &ops[i];
                let update = guarded_update(inc, batch_id, on_insert.clone());
                let m = UpdateOneModel::builder()
                    .namespace(self.coll(coll).namespace())
                    .filter(doc! {"_id": id.clone(), "applied": {"$ne": batch_id}})
                    .update(update)
                    .upsert(true)
                    .build();
                (m.into(), *coll, id.clone(), inc, on_insert.clone())
            })
            .collect();
        // A live batch in small requests: SecantusDB runs a bulk write's updates one by
        // one on its single Python core, and a report insert arriving meanwhile waits for
        // all of them (one request per thousand held acknowledgements for 20–50 ms).
        for chunk in models.chunks(if live { 16 } else { 1000 }) {
            let r = self
                .db
                .client()
                .bulk_write(chunk.iter().map(|m| m.0.clone()))
                .ordered(false)
                .await;
            if let Err(e) = r {
                let ErrorKind::BulkWrite(ref bw) = *e.kind else {
                    return Err(e.into());
                };
                if !bw.write_concern_errors.is_empty()
                    || bw.write_errors.values().any(|w| w.code != 11000)
                {
                    return Err(e.into());
                }
                for i in bw.write_errors.keys() {
                    let (_, coll, id, inc, on_insert) = &chunk[*i];
                    self.guarded(coll, id.clone(), batch_id, inc, on_insert.clone())
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// `$inc` on one counter document unless it already took `batch_id`. The document is
    /// created on first use; the filter then matches it, or the duplicate key tells us
    /// another update created it first and we retry.
    async fn guarded(
        &self,
        coll: &str,
        id: Bson,
        batch_id: &str,
        inc: &Inc,
        on_insert: Document,
    ) -> Result<()> {
        let c = self.coll(coll);
        let update = guarded_update(inc, batch_id, on_insert);
        for _ in 0..3 {
            let r = c
                .update_one(
                    doc! {"_id": id.clone(), "applied": {"$ne": batch_id}},
                    update.clone(),
                )
                .with_options(UpdateOptions::builder().upsert(true).build())
                .await;
            match r {
                Ok(_) => return Ok(()),
                // The document exists and already has this batch: the upsert collided.
                Err(e) if is_duplicate(&e) => {
                    let has = c
                        .find_one(doc! {"_id": id.clone(), "applied": batch_id})
                        .await?;
                    if has.is_some() {
                        return Ok(());
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Internal(format!(
            "counter {coll} could not be updated"
        )))
    }

    /// The user's most recent plays, newest first, across month collections.
    pub async fn recent(&self, user_id: Uuid, limit: i64) -> Result<Vec<Document>> {
        self.history(user_id, None, None, limit).await
    }

    /// Plays in `[from, to)`, newest first, at most `limit`.
    ///
    /// SecantusDB reads every index match before it sorts and limits, so one query over a
    /// heavy listener's month reads the whole month. Walking back in growing windows (a
    /// day, a week, a month, a year, then the rest) reads little more than what is shown.
    pub async fn history(
        &self,
        user_id: Uuid,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: i64,
    ) -> Result<Vec<Document>> {
        let floor = from.unwrap_or(DateTime::UNIX_EPOCH);
        let mut hi = to.unwrap_or_else(|| Utc::now() + Duration::days(1));
        let mut out = Vec::new();
        for span in [Some(1), Some(7), Some(30), Some(365), Some(1461), None] {
            if out.len() as i64 >= limit || hi <= floor {
                break;
            }
            let lo = span.map_or(floor, |d| (hi - Duration::days(d)).max(floor));
            out.extend(
                self.history_between(user_id, lo, hi, limit - out.len() as i64)
                    .await?,
            );
            hi = lo;
        }
        Ok(out)
    }

    async fn history_between(
        &self,
        user_id: Uuid,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Document>> {
        let mut out = Vec::new();
        for month in self.months_desc().await? {
            if month > month_of(to) {
                continue;
            }
            if month < month_of(from) {
                break;
            }
            let filter = doc! {"user_id": bid(user_id), "ts": {"$gte": bdt(from), "$lt": bdt(to)}};
            let docs: Vec<Document> = self
                .events(&month)
                .find(filter)
                .sort(doc! {"ts": -1})
                .limit(limit - out.len() as i64)
                .await?
                .try_collect()
                .await?;
            out.extend(docs);
            if out.len() as i64 >= limit {
                break;
            }
        }
        // Played history (imports) in the same span, merged in.
        let filter = doc! {"user_id": bid(user_id), "day": {
        "$gte": from.date_naive().to_string(), "$lte": to.date_naive().to_string()}};
        let buckets: Vec<Document> = self.coll(BUCKETS).find(filter).await?.try_collect().await?;
        if !buckets.is_empty() {
            let ts = |d: &Document| d.get_datetime("ts").map_or(0, |t| t.timestamp_millis());
            let (lo, hi) = (from.timestamp_millis(), to.timestamp_millis());
            out.extend(
                buckets
                    .iter()
                    .flat_map(bucket_plays)
                    .filter(|p| (lo..hi).contains(&ts(p))),
            );
            out.sort_by_key(|d| std::cmp::Reverse(ts(d)));
            out.truncate(limit.max(0) as usize);
        }
        Ok(out)
    }

    /// The user's daily counter documents from `since` (inclusive), oldest first.
    pub async fn user_days(&self, user_id: Uuid, since: NaiveDate) -> Result<Vec<Document>> {
        Ok(self
            .coll(USER_DAILY)
            .find(doc! {"user_id": bid(user_id), "day": {"$gte": since.to_string()}})
            .sort(doc! {"day": 1})
            .await?
            .try_collect()
            .await?)
    }

    pub async fn user_totals(&self, user_id: Uuid) -> Result<Option<Document>> {
        Ok(self
            .coll(USER_TOTALS)
            .find_one(doc! {"_id": bid(user_id)})
            .await?)
    }

    /// A song's all-time counters (plays, streams, ms_played, skips, completions).
    pub async fn song_totals(&self, song_id: Uuid) -> Result<Option<Document>> {
        Ok(self
            .coll(SONG_TOTALS)
            .find_one(doc! {"_id": bid(song_id)})
            .await?)
    }

    /// An artist's streams per UTC hour for the hours given ("YYYY-MM-DDTHH"; `_id` lookups).
    pub async fn artist_hours(
        &self,
        artist: Uuid,
        hours: &[String],
    ) -> Result<HashMap<String, u64>> {
        let ids = hours
            .iter()
            .map(|h| format!("{artist}:{h}").into())
            .collect();
        let docs = find_in(&self.coll(ARTIST_HOURLY), "_id", ids, doc! {}, None).await?;
        Ok(docs
            .iter()
            .filter_map(|d| Some((d.get_str("hour").ok()?.to_string(), int(d.get("streams")))))
            .collect())
    }

    /// The platform's daily documents for `days` (`_id` lookups), by day.
    pub async fn platform_days(&self, days: &[NaiveDate]) -> Result<HashMap<NaiveDate, Document>> {
        let ids = days.iter().map(|d| d.to_string().into()).collect();
        let docs = find_in(&self.coll(PLATFORM_DAILY), "_id", ids, doc! {}, None).await?;
        self.seal(PLATFORM_DAILY, &docs);
        Ok(docs
            .into_iter()
            .filter_map(|d| Some((d.get_str("_id").ok()?.parse().ok()?, d)))
            .collect())
    }

    /// Every artist's (artist, streams) per day from `since` on (the charts job).
    pub async fn artist_streams_since(&self, since: NaiveDate) -> Result<HashMap<Uuid, u64>> {
        let docs = self
            .days_since(ARTIST_DAILY, since, doc! {"artist_id": 1, "streams": 1})
            .await?;
        let mut out: HashMap<Uuid, u64> = HashMap::new();
        for d in &docs {
            if let Some(a) = d.get("artist_id").and_then(uid) {
                *out.entry(a).or_default() += int(d.get("streams"));
            }
        }
        Ok(out)
    }

    /// An artist's daily counters from `since` on (index prefix artist_id, day).
    pub async fn artist_days(&self, artist: Uuid, since: NaiveDate) -> Result<Vec<Document>> {
        let docs: Vec<Document> = self
            .coll(ARTIST_DAILY)
            .find(doc! {"artist_id": bid(artist), "day": {"$gte": since.to_string()}})
            .await?
            .try_collect()
            .await?;
        self.seal(ARTIST_DAILY, &docs);
        Ok(docs)
    }

    /// Packs the listener registers of the past days' documents just read from `coll`
    /// into one binary field, in the background. SecantusDB's time goes per field, and a
    /// day's platform document holds thousands of `hll.r<i>` fields: 28 of them took 75 ms
    /// to read at 10M events, packed 7 ms. The update applies only while `plays` is what
    /// was read (every counter write raises it), so no register written in between is
    /// lost; a later write (a late or imported play) adds sparse fields again, which
    /// readers merge with the packed ones (a maximum per register) and the next read packs.
    ///
    /// Each process packs a document once at a time (`sealing`), and the update also
    /// requires the sparse fields to be there, so a copy that another instance packed
    /// first is left alone: at most a lookup, never a second write.
    fn seal(&self, coll: &'static str, docs: &[Document]) {
        let today = Utc::now().date_naive();
        let mut sealing = self.sealing.lock().unwrap_or_else(|e| e.into_inner());
        let seals: Vec<(String, Bson, Bson, Vec<u8>)> = docs
            .iter()
            .filter(|d| fold::day(d).is_some_and(|day| day < today))
            .filter(|d| d.get_document("hll").is_ok_and(|h| !h.is_empty()))
            .filter_map(|d| {
                let (id, plays) = (d.get("_id")?, d.get("plays")?);
                let key = format!("{coll}/{id}");
                sealing.insert(key.clone()).then(|| {
                    let packed = fold::listeners([d]).pack();
                    (key, id.clone(), plays.clone(), packed)
                })
            })
            .collect();
        drop(sealing);
        if seals.is_empty() {
            return;
        }
        let (c, sealing) = (self.coll(coll), self.sealing.clone());
        tokio::spawn(async move {
            let mut failed = None;
            for (key, id, plays, bytes) in seals {
                if failed.is_none() {
                    let packed = mongodb::bson::Binary {
                        subtype: mongodb::bson::spec::BinarySubtype::Generic,
                        bytes,
                    };
                    let filter = doc! {"_id": id, "plays": plays, "hll": {"$exists": true}};
                    let update = doc! {"$set": {PACKED: packed}, "$unset": {"hll": ""}};
                    failed = c.update_one(filter, update).await.err();
                }
                sealing
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&key);
            }
            if let Some(e) = failed {
                tracing::warn!("packing listener registers in {coll}: {e}");
            }
        });
    }

    /// Songs' daily counters (with their listener registers) from `since` on: one
    /// equality-plus-range query per song on `by_song_day`, a few in flight. (A `$in` on
    /// `song_id` with the range reads every day of every song on SecantusDB — 1,635
    /// documents for 251 wanted, 211 ms against 52 ms, measured at 10M events.)
    pub async fn songs_days(&self, songs: &[Uuid], since: NaiveDate) -> Result<Vec<Document>> {
        let coll = self.coll(SONG_DAILY);
        let since = since.to_string();
        let found: Vec<Vec<Document>> = futures::stream::iter(songs.to_vec())
            .map(|s| {
                let filter = doc! {"song_id": bid(s), "day": {"$gte": since.clone()}};
                let coll = coll.clone();
                async move { coll.find(filter).await?.try_collect::<Vec<_>>().await }
            })
            .buffered(4)
            .try_collect()
            .await?;
        let docs: Vec<Document> = found.into_iter().flatten().collect();
        self.seal(SONG_DAILY, &docs);
        Ok(docs)
    }

    /// All-time streams of each song asked for (`_id` lookups; absent = 0).
    pub async fn song_streams(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, u64>> {
        let docs = find_in(
            &self.coll(SONG_TOTALS),
            "_id",
            bids(ids),
            doc! {},
            Some(doc! {"streams": 1}),
        )
        .await?;
        Ok(docs
            .iter()
            .filter_map(|d| Some((d.get("_id").and_then(uid)?, int(d.get("streams")))))
            .collect())
    }

    /// A song's or artist's daily counters (for dashboards and recount checks).
    pub async fn song_day(&self, song_id: Uuid, day: NaiveDate) -> Result<Option<Document>> {
        Ok(self
            .coll(SONG_DAILY)
            .find_one(doc! {"_id": format!("{song_id}:{day}")})
            .await?)
    }

    pub async fn artist_day(&self, artist_id: Uuid, day: NaiveDate) -> Result<Option<Document>> {
        Ok(self
            .coll(ARTIST_DAILY)
            .find_one(doc! {"_id": format!("{artist_id}:{day}")})
            .await?)
    }

    /// The daily counter documents of every song or user from `since` on (by the `day`
    /// index), with only the `fields` asked for.
    async fn days_since(
        &self,
        coll: &str,
        since: NaiveDate,
        fields: Document,
    ) -> Result<Vec<Document>> {
        Ok(self
            .coll(coll)
            .find(doc! {"day": {"$gte": since.to_string()}})
            .projection(fields)
            .await?
            .try_collect()
            .await?)
    }

    /// Every song's (song, day, streams) from `since` on (the recommendation job).
    pub async fn song_days_since(&self, since: NaiveDate) -> Result<Vec<(Uuid, NaiveDate, u64)>> {
        let docs = self
            .days_since(
                SONG_DAILY,
                since,
                doc! {"song_id": 1, "day": 1, "streams": 1},
            )
            .await?;
        Ok(docs
            .iter()
            .filter_map(|d| {
                Some((
                    d.get("song_id").and_then(uid)?,
                    fold::day(d)?,
                    int(d.get("streams")),
                ))
            })
            .collect())
    }

    /// Every user's streamed songs (song → streams) per day from `since` on.
    pub async fn user_songs_since(
        &self,
        since: NaiveDate,
    ) -> Result<Vec<(Uuid, HashMap<Uuid, u64>)>> {
        let docs = self
            .days_since(USER_DAILY, since, doc! {"user_id": 1, "songs": 1})
            .await?;
        Ok(docs
            .iter()
            .filter_map(|d| {
                let user = d.get("user_id").and_then(uid)?;
                let songs = d
                    .get_document("songs")
                    .map(|m| {
                        m.iter()
                            .filter_map(|(k, v)| Some((k.parse().ok()?, int(Some(v)))))
                            .collect()
                    })
                    .unwrap_or_default();
                Some((user, songs))
            })
            .collect())
    }

    /// Unique listeners (people who streamed) of a song or artist over the `days` days
    /// ending with `last`: the days' HyperLogLog registers merged (`_id` lookups only).
    pub async fn unique_listeners(
        &self,
        of: Listened,
        id: Uuid,
        last: NaiveDate,
        days: u32,
    ) -> Result<u64> {
        let ids: Vec<Bson> = (0..days)
            .map(|i| format!("{id}:{}", last - Duration::days(i64::from(i))).into())
            .collect();
        let coll = match of {
            Listened::Song => SONG_DAILY,
            Listened::Artist => ARTIST_DAILY,
        };
        let fields = doc! {"hll": 1, PACKED: 1, "day": 1, "plays": 1};
        let docs = find_in(&self.coll(coll), "_id", ids, doc! {}, Some(fields)).await?;
        self.seal(coll, &docs);
        Ok(fold::listeners(&docs).estimate())
    }

    /// Play events stored in all months (the collections' document counts).
    pub async fn stored(&self) -> Result<u64> {
        let mut n = 0;
        for month in self.months_desc().await? {
            n += self.events(&month).estimated_document_count().await?;
        }
        Ok(n + self.bucket_plays_where(doc! {}).await?)
    }

    /// Plays in buckets matching `filter` (their `n` summed).
    async fn bucket_plays_where(&self, filter: Document) -> Result<u64> {
        let mut cur = self
            .coll(BUCKETS)
            .aggregate(vec![
                doc! {"$match": filter},
                doc! {"$group": {"_id": Bson::Null, "n": {"$sum": "$n"}}},
            ])
            .await?;
        Ok(match cur.try_next().await? {
            Some(d) => int(d.get("n")),
            None => 0,
        })
    }

    /// Number of events not yet folded into the counters (tests, health).
    pub async fn uncounted(&self) -> Result<u64> {
        let mut n = 0;
        for month in self.months_desc().await? {
            n += self
                .events(&month)
                .count_documents(doc! {"counted": false})
                .await?;
        }
        n += self.uncounted_in_lanes().await?;
        Ok(n + self.bucket_plays_where(doc! {"counted": false}).await?)
    }
}

/// Helpers for turning counter documents into stats.
pub mod fold {
    use super::*;

    /// The day of a daily counter document.
    pub fn day(d: &Document) -> Option<NaiveDate> {
        d.get_str("day").ok()?.parse().ok()
    }

    /// The unique-listener registers of several daily documents, merged.
    pub fn listeners<'a>(docs: impl IntoIterator<Item = &'a Document>) -> crate::hll::Sketch {
        let mut sketch = crate::hll::Sketch::default();
        for d in docs {
            if let Ok(h) = d.get_document("hll") {
                sketch.merge_fields(h.iter().map(|(k, v)| (k.as_str(), int(Some(v)) as i64)));
            }
            if let Ok(p) = d.get_binary_generic(PACKED) {
                sketch.merge_packed(p);
            }
        }
        sketch
    }

    /// Sums a `prefix.<key>` map over several documents.
    pub fn sum_map(docs: &[Document], field: &str) -> HashMap<String, u64> {
        let mut m: HashMap<String, u64> = HashMap::new();
        for d in docs {
            if let Ok(sub) = d.get_document(field) {
                for (k, v) in sub {
                    *m.entry(k.clone()).or_default() += int(Some(v));
                }
            }
        }
        m
    }

    pub fn sum(docs: &[Document], field: &str) -> u64 {
        docs.iter().map(|d| int(d.get(field))).sum()
    }

    pub fn top(m: HashMap<String, u64>, n: usize) -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = m.into_iter().filter(|(_, c)| *c > 0).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v.truncate(n);
        v
    }

    pub fn get_int(d: &Document, field: &str) -> u64 {
        int(d.get(field))
    }
    pub fn as_u64(b: &Bson) -> u64 {
        int(Some(b))
    }

    pub fn event_song(d: &Document) -> Option<Uuid> {
        d.get("song_id").and_then(uid)
    }
    pub fn event_id(d: &Document) -> Option<Uuid> {
        d.get("_id").and_then(uid)
    }
    pub fn event_time(d: &Document) -> Option<DateTime<Utc>> {
        d.get_datetime("ts")
            .ok()
            .and_then(|t| DateTime::from_timestamp_millis(t.timestamp_millis()))
    }
}

//! Listening data in MongoDB.
//!
//! * Raw events: one collection per month (`play_events_YYYYMM`), `_id` = the client's
//!   event UUID, so a retried report is a duplicate-key no-op and counts once.
//! * Counters: `song_daily`, `artist_daily`, `user_daily` (string `_id` "<uuid>:<day>")
//!   and `user_totals`, plus `songs.play_count`. The aggregator folds uncounted events
//!   into them in batches — one `$inc` per counter document per batch, never one write
//!   per event — and marks the events counted in the same transaction, so a crash
//!   between the two can neither lose nor double-count anything.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use futures::TryStreamExt;
use mongodb::{
    bson::{doc, Bson, DateTime as BDateTime, Document},
    error::{ErrorKind, WriteFailure},
    options::{IndexOptions, UpdateOptions},
    Collection, Database, IndexModel,
};
use uuid::Uuid;

use crate::{
    catalog::Song,
    listening::*,
    repo::catalog::bid,
    Error, Result,
};

const REGISTRY: &str = "play_event_months";
const SONG_DAILY: &str = "song_daily";
const ARTIST_DAILY: &str = "artist_daily";
const USER_DAILY: &str = "user_daily";
const USER_TOTALS: &str = "user_totals";

#[derive(Clone)]
pub struct ListeningRepo {
    db: Database,
}

fn month_of(t: DateTime<Utc>) -> String {
    format!("{:04}{:02}", t.year(), t.month())
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

fn is_duplicate(e: &mongodb::error::Error) -> bool {
    matches!(*e.kind, ErrorKind::Write(WriteFailure::WriteError(ref w)) if w.code == 11000)
}

/// Map keys may not contain '.' or start with '$'.
fn key(s: &str) -> String {
    s.replace(['.', '$'], "_")
}

/// Increments for one counter document.
#[derive(Default)]
struct Inc(BTreeMap<String, i64>);

impl Inc {
    fn add(&mut self, field: String, n: i64) {
        *self.0.entry(field).or_default() += n;
    }
    fn doc(&self) -> Document {
        self.0.iter().map(|(k, v)| (k.clone(), Bson::Int64(*v))).collect()
    }
}

impl ListeningRepo {
    pub fn new(db: &Database) -> Self {
        ListeningRepo { db: db.clone() }
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
            IndexModel::builder().keys(keys).options(IndexOptions::builder().name(name.to_string()).build()).build()
        };
        self.coll(SONG_DAILY).create_index(ix(doc! {"song_id": 1, "day": 1}, "by_song_day")).await?;
        self.coll(ARTIST_DAILY).create_index(ix(doc! {"artist_id": 1, "day": 1}, "by_artist_day")).await?;
        self.coll(USER_DAILY).create_index(ix(doc! {"user_id": 1, "day": 1}, "by_user_day")).await?;
        Ok(())
    }

    /// Registers a month's event collection and its indexes (idempotent).
    async fn ensure_month(&self, month: &str) -> Result<()> {
        let reg = self.coll(REGISTRY);
        let r = reg
            .update_one(doc! {"_id": month}, doc! {"$setOnInsert": {"created_at": BDateTime::now()}})
            .with_options(UpdateOptions::builder().upsert(true).build())
            .await?;
        if r.upserted_id.is_some() {
            let c = self.events(month);
            c.create_index(IndexModel::builder().keys(doc! {"user_id": 1, "ts": -1}).build()).await?;
            c.create_index(IndexModel::builder().keys(doc! {"counted": 1, "ts": 1}).build()).await?;
        }
        Ok(())
    }

    async fn months_desc(&self) -> Result<Vec<String>> {
        let docs: Vec<Document> = self.coll(REGISTRY).find(doc! {}).sort(doc! {"_id": -1}).await?.try_collect().await?;
        Ok(docs.iter().filter_map(|d| d.get_str("_id").ok().map(str::to_string)).collect())
    }

    /// Stores one play. Returns `false` when this event id was already recorded.
    pub async fn record(&self, e: &PlayEvent, song: &Song) -> Result<bool> {
        let month = month_of(e.started_at);
        self.ensure_month(&month).await?;
        let ended = e.started_at + Duration::milliseconds(e.ms_played as i64);
        let d = doc! {
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
        };
        match self.events(&month).insert_one(d).await {
            Ok(_) => Ok(true),
            Err(err) if is_duplicate(&err) => Ok(false),
            Err(err) => Err(err.into()),
        }
    }

    /// Folds up to `batch` uncounted events of every month into the counters. Returns how
    /// many events were counted. Call it from one instance at a time (advisory lock).
    pub async fn aggregate_once(&self, batch: i64) -> Result<usize> {
        let mut total = 0;
        for month in self.months_desc().await? {
            let events: Vec<Document> = self
                .events(&month)
                .find(doc! {"counted": false})
                .limit(batch)
                .await?
                .try_collect()
                .await?;
            if events.is_empty() {
                continue;
            }
            self.apply(&month, &events).await?;
            total += events.len();
        }
        Ok(total)
    }

    async fn apply(&self, month: &str, events: &[Document]) -> Result<()> {
        let mut song: HashMap<(Uuid, String), Inc> = HashMap::new();
        let mut artist: HashMap<(Uuid, String), Inc> = HashMap::new();
        let mut user: HashMap<(Uuid, String), Inc> = HashMap::new();
        let mut totals: HashMap<Uuid, Inc> = HashMap::new();
        let mut play_counts: HashMap<Uuid, i64> = HashMap::new();
        let mut ids = Vec::with_capacity(events.len());
        for e in events {
            ids.push(e.get("_id").cloned().unwrap_or(Bson::Null));
            let (Some(user_id), Some(song_id)) = (e.get("user_id").and_then(uid), e.get("song_id").and_then(uid)) else {
                continue;
            };
            let ts = e.get_datetime("ts").ok().and_then(|t| DateTime::from_timestamp_millis(t.timestamp_millis())).unwrap_or_else(Utc::now);
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
            let si = song.entry((song_id, day.clone())).or_default();
            common(si);
            breakdown(si);
            if let Ok(artists) = e.get_array("artist_ids") {
                for a in artists.iter().filter_map(uid) {
                    let ai = artist.entry((a, day.clone())).or_default();
                    common(ai);
                    breakdown(ai);
                    if stream {
                        user.entry((user_id, day.clone())).or_default().add(format!("artists.{a}"), 1);
                        totals.entry(user_id).or_default().add(format!("artists.{a}"), 1);
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
                *play_counts.entry(song_id).or_default() += 1;
            }
        }

        let client = self.db.client();
        let mut session = client.start_session().await?;
        session.start_transaction().await?;
        let upsert = UpdateOptions::builder().upsert(true).build();
        let res: Result<()> = async {
            for ((id, day), inc) in &song {
                self.coll(SONG_DAILY)
                    .update_one(
                        doc! {"_id": format!("{id}:{day}")},
                        doc! {"$inc": inc.doc(), "$setOnInsert": {"song_id": bid(*id), "day": day}},
                    )
                    .with_options(upsert.clone())
                    .session(&mut session)
                    .await?;
            }
            for ((id, day), inc) in &artist {
                self.coll(ARTIST_DAILY)
                    .update_one(
                        doc! {"_id": format!("{id}:{day}")},
                        doc! {"$inc": inc.doc(), "$setOnInsert": {"artist_id": bid(*id), "day": day}},
                    )
                    .with_options(upsert.clone())
                    .session(&mut session)
                    .await?;
            }
            for ((id, day), inc) in &user {
                self.coll(USER_DAILY)
                    .update_one(
                        doc! {"_id": format!("{id}:{day}")},
                        doc! {"$inc": inc.doc(), "$setOnInsert": {"user_id": bid(*id), "day": day}},
                    )
                    .with_options(upsert.clone())
                    .session(&mut session)
                    .await?;
            }
            for (id, inc) in &totals {
                self.coll(USER_TOTALS)
                    .update_one(doc! {"_id": bid(*id)}, doc! {"$inc": inc.doc()})
                    .with_options(upsert.clone())
                    .session(&mut session)
                    .await?;
            }
            for (id, n) in &play_counts {
                self.coll(crate::db::coll::SONGS)
                    .update_one(doc! {"_id": bid(*id)}, doc! {"$inc": {"play_count": *n}})
                    .session(&mut session)
                    .await?;
            }
            self.events(month)
                .update_many(doc! {"_id": {"$in": ids}, "counted": false}, doc! {"$set": {"counted": true}})
                .session(&mut session)
                .await?;
            Ok(())
        }
        .await;
        match res {
            Ok(()) => {
                session.commit_transaction().await?;
                Ok(())
            }
            Err(e) => {
                let _ = session.abort_transaction().await;
                Err(e)
            }
        }
    }

    /// The user's most recent plays, newest first, across month collections.
    pub async fn recent(&self, user_id: Uuid, limit: i64) -> Result<Vec<Document>> {
        self.history(user_id, None, None, limit).await
    }

    /// Plays in `[from, to)`, newest first.
    pub async fn history(
        &self,
        user_id: Uuid,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: i64,
    ) -> Result<Vec<Document>> {
        let mut out = Vec::new();
        for month in self.months_desc().await? {
            if let Some(to) = to {
                if month > month_of(to) {
                    continue;
                }
            }
            if let Some(from) = from {
                if month < month_of(from) {
                    break;
                }
            }
            let mut range = doc! {};
            if let Some(f) = from {
                range.insert("$gte", bdt(f));
            }
            if let Some(t) = to {
                range.insert("$lt", bdt(t));
            }
            let mut filter = doc! {"user_id": bid(user_id)};
            if !range.is_empty() {
                filter.insert("ts", range);
            }
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
        Ok(self.coll(USER_TOTALS).find_one(doc! {"_id": bid(user_id)}).await?)
    }

    /// A song's or artist's daily counters (for dashboards and recount checks).
    pub async fn song_day(&self, song_id: Uuid, day: NaiveDate) -> Result<Option<Document>> {
        Ok(self.coll(SONG_DAILY).find_one(doc! {"_id": format!("{song_id}:{day}")}).await?)
    }

    pub async fn artist_day(&self, artist_id: Uuid, day: NaiveDate) -> Result<Option<Document>> {
        Ok(self.coll(ARTIST_DAILY).find_one(doc! {"_id": format!("{artist_id}:{day}")}).await?)
    }

    /// Number of events not yet folded into the counters (tests, health).
    pub async fn uncounted(&self) -> Result<u64> {
        let mut n = 0;
        for month in self.months_desc().await? {
            n += self.events(&month).count_documents(doc! {"counted": false}).await?;
        }
        Ok(n)
    }
}

/// Helpers for turning counter documents into stats.
pub mod fold {
    use super::*;

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
        d.get_datetime("ts").ok().and_then(|t| DateTime::from_timestamp_millis(t.timestamp_millis()))
    }
}


//! Live play reports in per-process lanes, counted without a second write per play.
//!
//! Every process stores its live reports through one writer task, its *lane*: the reports
//! waiting at that moment go into one unordered insert per month, every document stamped
//! with the lane's id and the same sequence number, and the next insert starts only after
//! this one returned. So once a document of sequence `s` is visible, every document of an
//! earlier sequence of the lane is stored (or never will be). Per lane and month the
//! aggregator keeps a watermark `w` (every play of sequence ≤ `w` is counted) and the ids
//! it counted above it (`p`), and reads `{lane, seq > w}` on the index `lane_seq`. A
//! read in sequence order that reached `s` has every play of the sequences before it (a
//! play landing late in its sequence sorts after that sequence's others in the index, by
//! record id, so the scan still meets it; and `s` was written after they all landed), so
//! `w` moves to just below the newest sequence read, and `p` holds that one's ids (it may
//! still be landing). On a sharded cluster a read is not that (shards are read at
//! different moments): `w` then only moves below the newest sequence an *earlier* read saw
//! (`t`), whose plays were stored before this read began, and `p` holds about two passes'
//! plays. A play is written once; marking each one counted afterwards (the
//! `counted` flag, still used for bulk loads) was a second write per play that took most
//! of SecantusDB's time beside the inserts (README, Performance).
//!
//! Exactly once, with the batch manifests of `aggregate_once`: a lane batch's manifest
//! has the id "lane:<lane>:<month>:<v>" for the state version `v` it starts from, so two
//! runs can never make two different batches of one step; it is applied only while the
//! state is still at `v` (a manifest landing after its step was done is dropped), and the
//! state moves to `v + 1` with a compare-and-set.
//!
//! A writer insert that fails (other than with duplicates) may still land later, so the
//! writer leaves that lane and goes on in a new one. The aggregator looks at a lane until
//! an hour after its last write (a late insert there has a higher sequence than anything
//! counted, so it is found), then closes it in a full pass that finds nothing left in it;
//! a writer whose lane was closed starts another.

use std::collections::{BTreeSet, HashSet};

use tokio::sync::{mpsc, oneshot};

use super::*;

/// Lanes: `_id` (a UUID string), `months` written to, `seen_at` (refreshed at least every
/// `HEARTBEAT_SECS` while the lane is written), `closed`.
const LANES: &str = "play_lanes";
/// Per lane and month ("<lane>:<month>"): `v`, `w`, `p` (see the module doc).
const LANE_MARKS: &str = "play_lane_marks";
/// Most reports in one writer insert.
const LANE_BATCH: usize = 200;
/// Plays per aggregator read (`read_lane`).
const LANE_PAGE: i64 = 50;
const HEARTBEAT_SECS: i64 = 30;
/// The aggregator's frequent pass looks at lanes written in the last 10 minutes, the
/// full pass at every open lane, and closes those silent for an hour.
const LANE_RECENT_MINS: i64 = 10;
const LANE_CLOSE_MINS: i64 = 60;

/// A report waiting for the lane writer.
pub(super) struct Job {
    month: String,
    doc: Document,
    reply: oneshot::Sender<Result<bool>>,
}

/// The process's lane writer (started on first use, again if its runtime went away).
#[derive(Default)]
pub(super) struct Writer {
    tx: std::sync::Mutex<Option<mpsc::UnboundedSender<Job>>>,
}

/// The lane a writer is in now.
struct Lane {
    id: String,
    seq: i64,
    months: BTreeSet<String>,
    beat: DateTime<Utc>,
}

/// Where a lane and month stand (see the module doc).
#[derive(Clone, Default)]
struct Marks {
    v: i64,
    w: i64,
    p: Vec<Bson>,
    /// The newest sequence a read has seen.
    t: i64,
}

impl Marks {
    fn of(d: &Document) -> Marks {
        Marks {
            v: d.get_i64("v").unwrap_or(0),
            w: d.get_i64("w").unwrap_or(0),
            p: d.get_array("p").cloned().unwrap_or_default(),
            t: d.get_i64("t").unwrap_or(0),
        }
    }
}

fn seq_of(d: &Document) -> i64 {
    d.get_i64("seq").unwrap_or(0)
}

impl ListeningRepo {
    /// Stores one live play through this process's lane. Returns `false` when this event
    /// id was already recorded.
    pub async fn record(&self, e: &PlayEvent, song: &Song) -> Result<bool> {
        let mut doc = event_doc(e, song)?;
        doc.remove("counted");
        let (reply, answer) = oneshot::channel();
        let job = Job {
            month: month_of(e.started_at),
            doc,
            reply,
        };
        let stopped = || Error::Internal("the play writer stopped".into());
        self.lane_writer().send(job).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    fn lane_writer(&self) -> mpsc::UnboundedSender<Job> {
        let mut tx = self.writer.tx.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = tx.as_ref().filter(|t| !t.is_closed()) {
            return t.clone();
        }
        let (t, rx) = mpsc::unbounded_channel();
        tokio::spawn(self.clone().write_lane(rx));
        *tx = Some(t.clone());
        t
    }

    /// The writer task: the reports waiting now, one insert per month, then the next.
    async fn write_lane(self, mut rx: mpsc::UnboundedReceiver<Job>) {
        let mut lane: Option<Lane> = None;
        while let Some(first) = rx.recv().await {
            let mut jobs = vec![first];
            while jobs.len() < LANE_BATCH {
                match rx.try_recv() {
                    Ok(j) => jobs.push(j),
                    Err(_) => break,
                }
            }
            let (meta, replies): (Vec<_>, Vec<_>) = jobs
                .into_iter()
                .map(|j| ((j.month, j.doc), j.reply))
                .unzip();
            match self.write_lane_batch(&mut lane, meta).await {
                Ok(new) => {
                    for (r, n) in replies.into_iter().zip(new) {
                        let _ = r.send(Ok(n));
                    }
                }
                Err(e) => {
                    // The insert may still land: its sequence must stay the lane's last.
                    lane = None;
                    tracing::warn!(error = %e, "storing play reports failed; new lane");
                    for r in replies {
                        let _ = r.send(Err(Error::Internal(format!("storing the play: {e}"))));
                    }
                }
            }
        }
    }

    /// One writer step; returns for each report whether it was new.
    async fn write_lane_batch(
        &self,
        lane: &mut Option<Lane>,
        jobs: Vec<(String, Document)>,
    ) -> Result<Vec<bool>> {
        let months: BTreeSet<String> = jobs.iter().map(|j| j.0.clone()).collect();
        for m in &months {
            self.ensure_month(m).await?;
        }
        let now = Utc::now();
        let stale = lane.as_ref().map_or(true, |l| {
            !months.is_subset(&l.months) || now - l.beat > Duration::seconds(HEARTBEAT_SECS)
        });
        if stale {
            self.register_lane(lane, &months, now).await?;
        }
        let Some(l) = lane.as_mut() else {
            return Err(Error::Internal("no lane".into()));
        };
        l.seq += 1;
        let mut new = vec![true; jobs.len()];
        for m in &months {
            let mut idx = vec![];
            let mut docs = vec![];
            for (i, (month, d)) in jobs.iter().enumerate() {
                if month == m {
                    let mut d = d.clone();
                    d.insert("lane", l.id.clone());
                    d.insert("seq", l.seq);
                    idx.push(i);
                    docs.push(d);
                }
            }
            for refused in insert_new(&self.events(m), &docs).await? {
                new[idx[refused]] = false;
            }
        }
        Ok(new)
    }

    /// Announces the lane (or a new one, if the aggregator closed it) with its months.
    async fn register_lane(
        &self,
        lane: &mut Option<Lane>,
        months: &BTreeSet<String>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        for _ in 0..2 {
            let (id, seq, mut known) = match lane.take() {
                Some(l) => (l.id, l.seq, l.months),
                None => (Uuid::new_v4().to_string(), 0, BTreeSet::new()),
            };
            known.extend(months.iter().cloned());
            let all: Vec<&String> = known.iter().collect();
            let r = self
                .coll(LANES)
                .update_one(
                    doc! {"_id": &id, "closed": {"$ne": true}},
                    doc! {
                        "$set": {"seen_at": bdt(now)},
                        "$addToSet": {"months": {"$each": all}},
                        "$setOnInsert": {"created_at": bdt(now)},
                    },
                )
                .with_options(UpdateOptions::builder().upsert(true).build())
                .await;
            match r {
                Ok(_) => {
                    *lane = Some(Lane {
                        id,
                        seq,
                        months: known,
                        beat: now,
                    });
                    return Ok(());
                }
                // Closed (the upsert hit the existing id): start a new lane.
                Err(e) if is_duplicate(&e) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Internal("could not open a play lane".into()))
    }

    /// Counts the plays waiting in lanes (the frequent pass: lanes written in the last
    /// minutes; otherwise every open lane, closing those silent for an hour). Returns the
    /// plays counted.
    pub(super) async fn aggregate_lanes(&self, batch: i64, recent: bool) -> Result<usize> {
        let now = Utc::now();
        let quiet = bdt(now - Duration::minutes(LANE_CLOSE_MINS));
        let mut filter = doc! {"closed": {"$ne": true}};
        if recent {
            filter.insert(
                "seen_at",
                doc! {"$gte": bdt(now - Duration::minutes(LANE_RECENT_MINS))},
            );
        }
        let lanes: Vec<Document> = self.coll(LANES).find(filter).await?.try_collect().await?;
        let mut total = 0;
        for l in lanes {
            let Ok(id) = l.get_str("_id") else { continue };
            let mut counted = 0;
            for m in l.get_array("months").into_iter().flatten() {
                if let Some(month) = m.as_str() {
                    counted += self.aggregate_lane(id, month, batch).await?;
                }
            }
            total += counted;
            // Closed only in a pass that found nothing left to count in it.
            let silent = l.get_datetime("seen_at").is_ok_and(|t| *t < quiet);
            if !recent && silent && counted == 0 {
                self.coll(LANES)
                    .update_one(
                        doc! {"_id": id, "seen_at": {"$lt": quiet}},
                        doc! {"$set": {"closed": true}},
                    )
                    .await?;
            }
        }
        Ok(total)
    }

    /// One lane and month: a batch a crashed run left, then up to `batch` new plays.
    async fn aggregate_lane(&self, lane: &str, month: &str, batch: i64) -> Result<usize> {
        let key = format!("{lane}:{month}");
        let events = self.events(month);
        let mut marks = match self.coll(LANE_MARKS).find_one(doc! {"_id": &key}).await? {
            Some(d) => Marks::of(&d),
            None => Marks::default(),
        };
        let mut total = 0;
        while let Some(m) = self.coll(BATCHES).find_one(doc! {"month": &key}).await? {
            let b = m
                .get_str("_id")
                .map_err(|e| Error::Internal(e.to_string()))?
                .to_string();
            if m.get_i64("v").ok() == Some(marks.v) {
                let ids = m.get_array("events").cloned().unwrap_or_default();
                let plays = find_in(&events, "_id", ids, doc! {}, None).await?;
                let next = Marks {
                    v: marks.v + 1,
                    ..Marks::of(&m)
                };
                total += self
                    .finish_lane_batch(&key, &b, &marks, &next, plays)
                    .await?;
                marks = next;
            } else {
                // Its step was done already (it landed after its run was killed).
                self.coll(BATCHES).delete_one(doc! {"_id": &b}).await?;
            }
        }
        let had: HashSet<Uuid> = marks.p.iter().filter_map(uid).collect();
        let found = self.read_lane(&events, lane, marks.w, &had, batch).await?;
        let Some(top) = found.last().map(seq_of) else {
            return Ok(total);
        };
        let plays: Vec<Document> = found
            .iter()
            .filter(|d| {
                d.get("_id")
                    .and_then(uid)
                    .is_some_and(|id| !had.contains(&id))
            })
            .cloned()
            .collect();
        if plays.is_empty() {
            // Only plays counted before: nothing to count, the marks can wait.
            return Ok(total);
        }
        // Complete now: every sequence below the last one this read reached (it read in
        // order, and the writer began that one after the others returned). On a sharded
        // cluster the shards are read at different moments, so one shard's part of an
        // older sequence may land after another shard showed a newer one: there only the
        // sequences below the newest one the *previous* read saw count as complete (they
        // were stored before this read began), and their plays are read twice.
        let w = if self.sharded().await? {
            marks.w.max(marks.t.min(top) - 1)
        } else {
            marks.w.max(top - 1)
        };
        let read: HashSet<Uuid> = found
            .iter()
            .filter_map(|d| d.get("_id").and_then(uid))
            .collect();
        let mut p: Vec<Bson> = found
            .iter()
            .filter(|d| seq_of(d) > w)
            .filter_map(|d| d.get("_id").cloned())
            .collect();
        // Counted before and beyond what this read reached.
        p.extend(
            marks
                .p
                .iter()
                .filter(|id| uid(id).is_some_and(|id| !read.contains(&id)))
                .cloned(),
        );
        let next = Marks {
            v: marks.v + 1,
            w,
            p,
            t: marks.t.max(top),
        };
        let ids: Vec<Bson> = plays.iter().filter_map(|d| d.get("_id").cloned()).collect();
        let b = format!("lane:{key}:{}", marks.v);
        let manifest = doc! {
            "_id": &b, "month": &key, "v": marks.v, "w": next.w, "p": next.p.clone(), "t": next.t,
            "events": ids, "created_at": BDateTime::now(),
        };
        match self.coll(BATCHES).insert_one(manifest).await {
            Ok(_) => {}
            // A killed run's manifest for this step landed just now: the next pass has it.
            Err(e) if is_duplicate(&e) => return Ok(total),
            Err(e) => return Err(e.into()),
        }
        total += self
            .finish_lane_batch(&key, &b, &marks, &next, plays)
            .await?;
        Ok(total)
    }

    /// The lane's plays of sequence above `after`, in order, a page at a time, until
    /// `batch` not in `had` are read: every play of each sequence read, so all plays up to
    /// the last one's sequence are in. Pages of `LANE_PAGE`, each a short request: reading
    /// a few hundred documents at once kept SecantusDB's one Python core for 20–50 ms,
    /// and the report insert waiting behind it was the acknowledgement's tail.
    async fn read_lane(
        &self,
        events: &Collection<Document>,
        lane: &str,
        mut after: i64,
        had: &HashSet<Uuid>,
        batch: i64,
    ) -> Result<Vec<Document>> {
        let mut found: Vec<Document> = vec![];
        let mut fresh = 0;
        loop {
            let mut page: Vec<Document> = events
                .find(doc! {"lane": lane, "seq": {"$gt": after}})
                .sort(doc! {"seq": 1})
                .limit(LANE_PAGE)
                .await?
                .try_collect()
                .await?;
            let (Some(first), Some(last)) = (page.first().map(seq_of), page.last().map(seq_of))
            else {
                break;
            };
            let full = page.len() as i64 == LANE_PAGE;
            if full && first == last {
                // One writer insert fills the page: that sequence whole (≤ LANE_BATCH).
                page = events
                    .find(doc! {"lane": lane, "seq": last})
                    .await?
                    .try_collect()
                    .await?;
            } else if full {
                // The last sequence may be cut off: the next page starts with it.
                page.retain(|d| seq_of(d) < last);
            }
            after = page.last().map_or(after, seq_of);
            fresh += page
                .iter()
                .filter(|d| {
                    d.get("_id")
                        .and_then(uid)
                        .is_some_and(|id| !had.contains(&id))
                })
                .count() as i64;
            found.extend(page);
            if !full || fresh >= batch.max(1) {
                break;
            }
            // Room for the report inserts waiting behind this read.
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        Ok(found)
    }

    /// Counts a lane batch's plays under its manifest `b`, moves the marks from `from` to
    /// `to` (unless a write of the same step got there first) and closes the manifest.
    async fn finish_lane_batch(
        &self,
        key: &str,
        b: &str,
        from: &Marks,
        to: &Marks,
        plays: Vec<Document>,
    ) -> Result<usize> {
        self.apply(b, &plays).await?;
        let marks = self.coll(LANE_MARKS);
        let (lane, month) = key.split_once(':').unwrap_or((key, ""));
        let set = doc! {
            "lane": lane, "month": month, "v": to.v, "w": to.w, "p": to.p.clone(), "t": to.t,
        };
        if from.v == 0 {
            let mut d = set;
            d.insert("_id", key);
            match marks.insert_one(d).await {
                Ok(_) => {}
                Err(e) if is_duplicate(&e) => {}
                Err(e) => return Err(e.into()),
            }
        } else {
            marks
                .update_one(doc! {"_id": key, "v": from.v}, doc! {"$set": set})
                .await?;
        }
        self.coll(BATCHES).delete_one(doc! {"_id": b}).await?;
        Ok(plays.len())
    }

    /// Whether the database is a sharded cluster (a `mongos`: `hello` says "isdbgrid").
    async fn sharded(&self) -> Result<bool> {
        let db = self.db.clone();
        Ok(*self
            .sharded
            .get_or_try_init(|| async move {
                let hello = db.run_command(doc! {"hello": 1}).await?;
                Ok::<_, Error>(hello.get_str("msg").ok() == Some("isdbgrid"))
            })
            .await?)
    }

    /// Tests: count lanes as on a sharded cluster (before the first count).
    #[doc(hidden)]
    pub fn assume_sharded(&self) {
        let _ = self.sharded.set(true);
    }

    /// Plays stored in lanes and not counted yet.
    pub(super) async fn uncounted_in_lanes(&self) -> Result<u64> {
        let lanes: Vec<Document> = self
            .coll(LANES)
            .find(doc! {"closed": {"$ne": true}})
            .await?
            .try_collect()
            .await?;
        let mut n = 0;
        for l in lanes {
            let Ok(id) = l.get_str("_id") else { continue };
            for m in l.get_array("months").into_iter().flatten() {
                let Some(month) = m.as_str() else { continue };
                let key = format!("{id}:{month}");
                let marks = match self.coll(LANE_MARKS).find_one(doc! {"_id": &key}).await? {
                    Some(d) => Marks::of(&d),
                    None => Marks::default(),
                };
                let waiting = self
                    .events(month)
                    .count_documents(doc! {"lane": id, "seq": {"$gt": marks.w}})
                    .await?;
                n += waiting.saturating_sub(marks.p.len() as u64);
            }
        }
        Ok(n)
    }
}

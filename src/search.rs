//! The in-process catalog index (tantivy): typo-tolerant search — MongoDB-protocol
//! servers other than MongoDB Atlas have no usable text search (TOOLCHAIN.md §6) — and the
//! app album lists, since "every album sorted by X" is a full scan on SecantusDB.
//!
//! Each app instance keeps its own index: on disk under the data dir (the first free
//! `slot-N` directory, so instances sharing a data dir each get one), or in memory for
//! tools and tests. It follows the catalog through MongoDB's change log
//! (`catalog_changes`): every catalog write records the ids it touched, stamped with the
//! database's clock, and every few seconds each instance reads the entries stamped since
//! its watermark minus a minute (so a write that became visible late is not missed;
//! entries it has applied are skipped) and re-indexes just those documents. The whole
//! catalog is read only for a new index, one older than the log keeps, a catch-up of more
//! than 50,000 ids and a fifth of the index, and once a day as a safety net (a process that died between its
//! catalog write and the log entry). The index on disk survives restarts, so an instance
//! serves search at once and a 1M-song catalog is read in full only the first time.

use std::{
    collections::{HashMap, HashSet},
    ops::Bound,
    path::Path,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
};

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use futures::TryStreamExt;
use tantivy::{
    collector::{Count, TopDocs},
    directory::{error::LockError, MmapDirectory},
    query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, RangeQuery, TermQuery},
    schema::{Field, IndexRecordOption, Schema, Value, FAST, INDEXED, STORED, STRING, TEXT},
    DocAddress, DocId, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Score, SegmentReader,
    TantivyDocument, TantivyError, Term,
};
use uuid::Uuid;

use crate::{
    catalog::*,
    repo::{
        catalog::{AlbumList, CatalogChange},
        CatalogRepo,
    },
    Error, Result,
};

/// Bumped when what is indexed changes: an index written by another version is rebuilt.
const FORMAT: &str = "encore-catalog-6";
/// How long catalog change-log entries are kept (TTL index).
pub const CHANGE_LOG_DAYS: i64 = 7;
const OVERLAP_SECS: i64 = 60;
const MAX_CATCH_UP_IDS: usize = 50_000;
const FULL_EVERY_HOURS: i64 = 24;
const WRITER_BUDGET: usize = 64_000_000;
const SLOTS: usize = 16;

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    kind: Field,
    text: Field,
    popularity: Field,
    json: Field,
    listed: Field,
    genre: Field,
    year: Field,
    released: Field,
    title_key: Field,
    title_order: Field,
    artist_order: Field,
    shuffle: Field,
}

struct Built {
    index: Index,
    reader: IndexReader,
    f: Fields,
    ready: AtomicBool,
    updater: tokio::sync::Mutex<Updater>,
}

struct Updater {
    writer: IndexWriter<TantivyDocument>,
    /// The newest change-log stamp applied (database clock).
    watermark: Option<DateTime<Utc>>,
    /// When the catalog was last read in full (database clock).
    last_full: Option<DateTime<Utc>>,
    /// Change-log entries applied, kept while they are inside the re-read window.
    applied: HashMap<String, DateTime<Utc>>,
    /// The catalog database the index was built from (`CatalogRepo::epoch`), and whether
    /// this process has compared it with the database it talks to.
    epoch: String,
    epoch_checked: bool,
}

/// Cheap to clone; searches never wait for an update (the last commit serves meanwhile).
#[derive(Clone)]
pub struct SearchIndex {
    b: Arc<Built>,
}

/// What `SearchIndex::refresh` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Refreshed {
    UpToDate,
    /// Documents re-indexed from the change log.
    Changes(usize),
    /// Documents indexed by reading the whole catalog.
    Full(usize),
}

fn tantivy_err(e: TantivyError) -> Error {
    Error::Internal(format!("search index: {e}"))
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let id = b.add_text_field("id", STRING);
    let kind = b.add_text_field("kind", STRING);
    let text = b.add_text_field("text", TEXT);
    let popularity = b.add_u64_field("popularity", FAST);
    let json = b.add_text_field("json", STORED);
    // Albums only: what the app lists filter and sort on.
    let listed = b.add_text_field("listed", STRING);
    let genre = b.add_text_field("genre", STRING);
    let year = b.add_i64_field("year", INDEXED | FAST);
    let released = b.add_u64_field("released", FAST);
    let title_key = b.add_text_field("title_key", STRING | FAST);
    let title_order = b.add_u64_field("title_order", FAST);
    let artist_order = b.add_u64_field("artist_order", FAST);
    let shuffle = b.add_u64_field("shuffle", INDEXED | FAST);
    (
        b.build(),
        Fields {
            id,
            kind,
            text,
            popularity,
            json,
            listed,
            genre,
            year,
            released,
            title_key,
            title_order,
            artist_order,
            shuffle,
        },
    )
}

fn payload(u: &Updater) -> String {
    let ms = |t: Option<DateTime<Utc>>| t.map_or(0, |t| t.timestamp_millis());
    format!(
        "{FORMAT} {} {} {}",
        ms(u.watermark),
        ms(u.last_full),
        u.epoch
    )
}

type Saved = (DateTime<Utc>, DateTime<Utc>, String);

/// (watermark, last full read, catalog epoch) from a commit's payload written by this
/// version.
fn parse_payload(p: &str) -> Option<Saved> {
    let mut it = p.split_whitespace();
    if it.next()? != FORMAT {
        return None;
    }
    let mut t = || {
        it.next()?
            .parse::<i64>()
            .ok()
            .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
    };
    let (w, last) = (t()?, t()?);
    Some((w, last, it.next()?.to_string()))
}

fn open_dir(path: &Path, schema: &Schema) -> tantivy::Result<Index> {
    Index::open_or_create(MmapDirectory::open(path)?, schema.clone())
}

impl Default for SearchIndex {
    /// An empty in-memory index (tools, tests).
    fn default() -> Self {
        let (schema, f) = schema();
        let index = Index::create_in_ram(schema);
        let writer = index
            .writer_with_num_threads(1, WRITER_BUDGET)
            .expect("a writer for a new in-memory index");
        SearchIndex::with(index, f, writer, None).expect("a reader for a new in-memory index")
    }
}

impl SearchIndex {
    /// Opens (or creates) this instance's index under `dir`, in the first `slot-N`
    /// directory no running instance holds. What it held at its last commit serves at
    /// once; `refresh` catches up from the change log.
    pub fn open(dir: &Path) -> Result<SearchIndex> {
        let (schema, f) = schema();
        let io = |e: std::io::Error| Error::Internal(format!("search index: {e}"));
        for slot in 0..SLOTS {
            let path = dir.join(format!("slot-{slot}"));
            std::fs::create_dir_all(&path).map_err(io)?;
            let index = match open_dir(&path, &schema) {
                Ok(i) => i,
                Err(e) => {
                    // Another version's schema, or damaged: start this slot afresh.
                    tracing::warn!(path = %path.display(), error = %e, "search index reset");
                    std::fs::remove_dir_all(&path).map_err(io)?;
                    std::fs::create_dir_all(&path).map_err(io)?;
                    open_dir(&path, &schema).map_err(tantivy_err)?
                }
            };
            let writer = match index.writer_with_num_threads(1, WRITER_BUDGET) {
                Ok(w) => w,
                Err(TantivyError::LockFailure(LockError::LockBusy, _)) => continue,
                Err(e) => return Err(tantivy_err(e)),
            };
            let saved = index
                .load_metas()
                .ok()
                .and_then(|m| m.payload)
                .and_then(|p| parse_payload(&p));
            tracing::info!(path = %path.display(), ?saved, "search index opened");
            return SearchIndex::with(index, f, writer, saved);
        }
        Err(Error::Internal(format!(
            "all {SLOTS} search index directories under {} are in use",
            dir.display()
        )))
    }

    fn with(
        index: Index,
        f: Fields,
        writer: IndexWriter<TantivyDocument>,
        saved: Option<Saved>,
    ) -> Result<SearchIndex> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(tantivy_err)?;
        Ok(SearchIndex {
            b: Arc::new(Built {
                index,
                reader,
                f,
                ready: AtomicBool::new(saved.is_some()),
                updater: tokio::sync::Mutex::new(Updater {
                    writer,
                    watermark: saved.as_ref().map(|s| s.0),
                    last_full: saved.as_ref().map(|s| s.1),
                    epoch: saved.map(|s| s.2).unwrap_or_default(),
                    epoch_checked: false,
                    applied: HashMap::new(),
                }),
            }),
        })
    }

    /// Whether the index holds the catalog (from this run or a previous one).
    pub fn is_ready(&self) -> bool {
        self.b.ready.load(Ordering::Acquire)
    }

    /// Brings the index up to date: the change log since the watermark, or the whole
    /// catalog when that is due (see the module doc). One refresh at a time.
    pub async fn refresh(&self, catalog: &CatalogRepo) -> Result<Refreshed> {
        let mut u = self.b.updater.lock().await;
        if !u.epoch_checked {
            let epoch = catalog.epoch().await?;
            if epoch != u.epoch {
                // Built from another catalog database (or never): start afresh.
                u.watermark = None;
                u.epoch = epoch;
                self.b.ready.store(false, Ordering::Release);
            }
            u.epoch_checked = true;
        }
        let now = Utc::now();
        let full_due = match (u.watermark, u.last_full) {
            (Some(w), Some(last)) => {
                now - w > Duration::days(CHANGE_LOG_DAYS - 1)
                    || now - last > Duration::hours(FULL_EVERY_HOURS)
            }
            _ => true,
        };
        if let (false, Some(w)) = (full_due, u.watermark) {
            let since = w - Duration::seconds(OVERLAP_SECS);
            let changes = catalog.changes_since(since).await?;
            u.applied.retain(|_, at| *at >= since);
            let fresh: Vec<CatalogChange> = changes
                .into_iter()
                .filter(|c| !u.applied.contains_key(&c.id))
                .collect();
            if fresh.is_empty() {
                return Ok(Refreshed::UpToDate);
            }
            let ids: usize = fresh
                .iter()
                .map(|c| c.songs.len() + c.albums.len() + c.artists.len())
                .sum();
            // Re-reading by id costs about as much per document as reading everything.
            let indexed = self.b.reader.searcher().num_docs() as usize;
            if ids <= MAX_CATCH_UP_IDS.max(indexed / 5) {
                let n = match self.apply(&mut u, catalog, &fresh).await {
                    Ok(n) => n,
                    Err(e) => {
                        u.writer.rollback().map_err(tantivy_err)?;
                        return Err(e);
                    }
                };
                let newest = fresh.iter().map(|c| c.at).max().unwrap_or(w);
                u.watermark = Some(newest.max(w));
                for c in fresh {
                    u.applied.insert(c.id, c.at);
                }
                self.commit(&mut u)?;
                return Ok(Refreshed::Changes(n));
            }
        }
        match self.full(&mut u, catalog).await {
            Ok(n) => Ok(Refreshed::Full(n)),
            Err(e) => {
                u.writer.rollback().map_err(tantivy_err)?;
                Err(e)
            }
        }
    }

    /// Reads the whole catalog into the index (the previous commit serves meanwhile).
    /// Returns documents indexed.
    pub async fn rebuild(&self, catalog: &CatalogRepo) -> Result<usize> {
        let mut u = self.b.updater.lock().await;
        match self.full(&mut u, catalog).await {
            Ok(n) => Ok(n),
            Err(e) => {
                u.writer.rollback().map_err(tantivy_err)?;
                Err(e)
            }
        }
    }

    async fn full(&self, u: &mut Updater, catalog: &CatalogRepo) -> Result<usize> {
        // Changes stamped from here on are read again by the next catch-up. Entries already
        // in the log describe writes that finished before they were logged, so the full
        // read below sees them: they count as applied.
        let started = catalog.clock().await?;
        u.epoch = catalog.epoch().await?;
        u.epoch_checked = true;
        let logged = catalog
            .changes_since(started - Duration::seconds(OVERLAP_SECS))
            .await?;
        let f = self.b.f;
        u.writer.delete_all_documents().map_err(tantivy_err)?;
        let mut n = 0usize;
        let mut artists = catalog.all_artists().await?;
        while let Some(a) = artists.try_next().await? {
            add_artist(&u.writer, f, &a)?;
            n += 1;
        }
        let mut albums = catalog.all_albums().await?;
        while let Some((a, listed)) = albums.try_next().await? {
            add_album(&u.writer, f, &a, listed)?;
            n += 1;
        }
        let mut songs = catalog.all_published_song_rows().await?;
        while let Some((row, popularity)) = songs.try_next().await? {
            add_song(&u.writer, f, &row, popularity)?;
            n += 1;
        }
        u.watermark = Some(started);
        u.last_full = Some(started);
        u.applied = logged.into_iter().map(|c| (c.id, c.at)).collect();
        self.commit(u)?;
        Ok(n)
    }

    /// Re-indexes the documents these change-log entries name (deleted or unpublished
    /// ones just leave the index). Returns how many ids were looked at.
    async fn apply(
        &self,
        u: &mut Updater,
        catalog: &CatalogRepo,
        changes: &[CatalogChange],
    ) -> Result<usize> {
        let uniq = |pick: fn(&CatalogChange) -> &Vec<Uuid>| -> Vec<Uuid> {
            let mut seen = HashSet::new();
            changes
                .iter()
                .flat_map(|c| pick(c).iter().copied())
                .filter(|id| seen.insert(*id))
                .collect()
        };
        let (songs, albums, artists) = (
            uniq(|c| &c.songs),
            uniq(|c| &c.albums),
            uniq(|c| &c.artists),
        );
        let song_rows = catalog.index_songs(&songs).await?;
        let album_docs = catalog.index_albums(&albums).await?;
        let artist_docs = catalog.index_artists(&artists).await?;
        let f = self.b.f;
        for id in songs.iter().chain(&albums).chain(&artists) {
            u.writer
                .delete_term(Term::from_field_text(f.id, &id.to_string()));
        }
        for (row, popularity) in &song_rows {
            add_song(&u.writer, f, row, *popularity)?;
        }
        for (a, listed) in &album_docs {
            add_album(&u.writer, f, a, *listed)?;
        }
        for a in &artist_docs {
            add_artist(&u.writer, f, a)?;
        }
        Ok(songs.len() + albums.len() + artists.len())
    }

    fn commit(&self, u: &mut Updater) -> Result<()> {
        let saved = payload(u);
        let mut p = u.writer.prepare_commit().map_err(tantivy_err)?;
        p.set_payload(&saved);
        p.commit().map_err(tantivy_err)?;
        self.b.reader.reload().map_err(tantivy_err)?;
        self.b.ready.store(true, Ordering::Release);
        Ok(())
    }

    /// A page of an app album list (listed albums only: see `album_listed`), or `None`
    /// while the index has not been built yet.
    pub fn album_list(
        &self,
        kind: &AlbumList,
        offset: usize,
        size: usize,
    ) -> Result<Option<Vec<Album>>> {
        if !self.is_ready() || size == 0 {
            return Ok(self.is_ready().then(Vec::new));
        }
        let b = &self.b;
        let f = b.f;
        let searcher = b.reader.searcher();
        let term = |field: Field, v: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, v),
                IndexRecordOption::Basic,
            ))
        };
        let q: Box<dyn Query> = match kind {
            AlbumList::Years(from, to) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, term(f.listed, "yes")),
                (
                    Occur::Must,
                    Box::new(RangeQuery::new(
                        Bound::Included(Term::from_field_i64(f.year, (*from).min(*to).into())),
                        Bound::Included(Term::from_field_i64(f.year, (*from).max(*to).into())),
                    )),
                ),
            ])),
            AlbumList::Genre(g) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, term(f.listed, "yes")),
                (Occur::Must, term(f.genre, &g.to_lowercase())),
            ])),
            _ => term(f.listed, "yes"),
        };
        fn addrs<K>(v: Vec<(K, DocAddress)>) -> Vec<DocAddress> {
            v.into_iter().map(|(_, a)| a).collect()
        }
        // Every list is one number field in one direction (all u64, see `add_album`).
        let sorted = |q: &dyn Query, field: &str, order: Order, n: usize, offset: usize| {
            searcher
                .search(
                    q,
                    &TopDocs::with_limit(n)
                        .and_offset(offset)
                        .order_by_fast_field::<u64>(field, order),
                )
                .map(addrs)
                .map_err(tantivy_err)
        };
        let found: Vec<DocAddress> = match kind {
            AlbumList::Random(seed) => {
                // The albums after a random point of a fixed random order (a range on the
                // `shuffle` number, so no deep offset), wrapping round at the end.
                let start = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                let after = BooleanQuery::new(vec![
                    (Occur::Must, q.box_clone()),
                    (
                        Occur::Must,
                        Box::new(RangeQuery::new(
                            Bound::Included(Term::from_field_u64(f.shuffle, start)),
                            Bound::Unbounded,
                        )),
                    ),
                ]);
                let mut found = sorted(&after, "shuffle", Order::Asc, size, 0)?;
                if found.len() < size {
                    let mut more = sorted(q.as_ref(), "shuffle", Order::Asc, size, 0)?;
                    more.retain(|a| !found.contains(a));
                    more.truncate(size - found.len());
                    found.extend(more);
                }
                found
            }
            other => {
                let (field, order) = match other {
                    AlbumList::Newest => ("released", Order::Desc),
                    AlbumList::Popular | AlbumList::Genre(_) => ("popularity", Order::Desc),
                    AlbumList::ByTitle => ("title_order", Order::Asc),
                    AlbumList::ByArtist => ("artist_order", Order::Asc),
                    AlbumList::Years(from, to) if from <= to => ("released", Order::Asc),
                    _ => ("released", Order::Desc),
                };
                sorted(q.as_ref(), field, order, size, offset)?
            }
        };
        let mut out = Vec::with_capacity(found.len());
        for addr in found {
            out.extend(stored::<Album>(&searcher, f, addr)?);
        }
        Ok(Some(out))
    }

    /// Every artist as (lower-case sort name, id, name), by sort name (the app artist
    /// index); `None` while the index has not been built yet.
    pub fn artists_by_sort_name(&self) -> Result<Option<Vec<(String, Uuid, String)>>> {
        if !self.is_ready() {
            return Ok(None);
        }
        let f = self.b.f;
        let searcher = self.b.reader.searcher();
        let q = TermQuery::new(
            Term::from_field_text(f.kind, "artist"),
            IndexRecordOption::Basic,
        );
        let n = searcher.search(&q, &Count).map_err(tantivy_err)?;
        let hits = searcher
            .search(
                &q,
                &TopDocs::with_limit(n.max(1)).order_by_string_fast_field("title_key", Order::Asc),
            )
            .map_err(tantivy_err)?;
        let mut out = Vec::with_capacity(hits.len());
        for (key, addr) in hits {
            if let Some(a) = stored::<ArtistSummary>(&searcher, f, addr)? {
                out.push((key.unwrap_or_default(), a.id, a.name));
            }
        }
        Ok(Some(out))
    }

    /// Up to `per_kind` hits of each kind for `q`: every word must match (exactly, as a
    /// prefix for the last word, or within 1–2 typos), ranked by relevance × popularity.
    pub fn search(&self, q: &str, per_kind: usize) -> Result<SearchResults> {
        let mut out = SearchResults::default();
        let b = &self.b;
        let Some(query) = build_query(b, q) else {
            return Ok(out);
        };
        let searcher = b.reader.searcher();
        for kind in ["song", "artist", "album"] {
            let q: Box<dyn Query> = Box::new(BooleanQuery::new(vec![
                (Occur::Must, query.box_clone()),
                (
                    Occur::Must,
                    Box::new(TermQuery::new(
                        Term::from_field_text(b.f.kind, kind),
                        IndexRecordOption::Basic,
                    )),
                ),
            ]));
            let collector =
                TopDocs::with_limit(per_kind).tweak_score(move |seg: &SegmentReader| {
                    let pop = seg
                        .fast_fields()
                        .u64("popularity")
                        .map(|c| c.first_or_default_col(0));
                    move |doc: DocId, score: Score| {
                        let p = pop.as_ref().map(|c| c.get_val(doc)).unwrap_or(0);
                        score * (1.0 + p as f32 / 50.0)
                    }
                });
            let hits = searcher.search(&q, &collector).map_err(tantivy_err)?;
            for (_, addr) in hits {
                match kind {
                    "song" => out.songs.extend(stored(&searcher, b.f, addr)?),
                    "artist" => out.artists.extend(stored(&searcher, b.f, addr)?),
                    _ => out.albums.extend(stored(&searcher, b.f, addr)?),
                }
            }
        }
        Ok(out)
    }
}

/// The stored copy of a hit (`None`, with a warning, if it does not read as `T`).
fn stored<T: serde::de::DeserializeOwned>(
    searcher: &tantivy::Searcher,
    f: Fields,
    addr: DocAddress,
) -> Result<Option<T>> {
    let doc: TantivyDocument = searcher.doc(addr).map_err(tantivy_err)?;
    let Some(j) = doc.get_first(f.json).and_then(|v| v.as_str()) else {
        return Ok(None);
    };
    match serde_json::from_str(j) {
        Ok(v) => Ok(Some(v)),
        Err(e) => {
            tracing::warn!(error = %e, "bad stored search document");
            Ok(None)
        }
    }
}

fn base(
    f: Fields,
    id: Uuid,
    kind: &str,
    text: &str,
    popularity: u32,
    json: &str,
) -> TantivyDocument {
    let mut d = TantivyDocument::default();
    d.add_text(f.id, id.to_string());
    d.add_text(f.kind, kind);
    d.add_text(f.text, text);
    d.add_u64(f.popularity, u64::from(popularity));
    d.add_text(f.json, json);
    d
}

fn add_artist(w: &IndexWriter<TantivyDocument>, f: Fields, a: &Artist) -> Result<()> {
    let s = ArtistSummary {
        id: a.id,
        name: a.name.clone(),
        image: a.image.clone(),
        genres: a.genres.clone(),
    };
    let mut d = base(f, a.id, "artist", &a.name, a.popularity, &json(&s));
    d.add_text(f.title_key, a.sort_name.to_lowercase());
    w.add_document(d).map_err(tantivy_err)?;
    Ok(())
}

fn add_album(w: &IndexWriter<TantivyDocument>, f: Fields, a: &Album, listed: bool) -> Result<()> {
    let text = format!("{} {}", a.title, a.artist_names.join(" "));
    let mut d = base(f, a.id, "album", &text, a.popularity, &json(a));
    if listed {
        d.add_text(f.listed, "yes");
    }
    for g in &a.genres {
        d.add_text(f.genre, g.to_lowercase());
    }
    d.add_i64(f.year, i64::from(a.release_date.year()));
    // Days since 1 January of year 1: positive for every real date, so a u64.
    d.add_u64(f.released, a.release_date.num_days_from_ce().max(0) as u64);
    d.add_u64(f.title_order, sort_prefix(&a.title.to_lowercase()));
    let artist = a
        .artist_names
        .first()
        .map(|n| n.to_lowercase())
        .unwrap_or_default();
    d.add_u64(f.artist_order, sort_prefix(&artist));
    // A fixed random order for "random" lists (ids are random UUIDs).
    d.add_u64(f.shuffle, a.id.as_u64_pair().0);
    w.add_document(d).map_err(tantivy_err)?;
    Ok(())
}

/// A number that sorts like the first 8 bytes of `s` (UTF-8 keeps code-point order):
/// sorting a string fast field at a deep offset took ~270 ms at 200,000 albums. Lists are
/// ordered by their first 8 letters; ties keep index order.
fn sort_prefix(s: &str) -> u64 {
    let mut b = [0u8; 8];
    for (slot, byte) in b.iter_mut().zip(s.bytes()) {
        *slot = byte;
    }
    u64::from_be_bytes(b)
}

fn add_song(
    w: &IndexWriter<TantivyDocument>,
    f: Fields,
    row: &SongRow,
    popularity: u32,
) -> Result<()> {
    let artists: Vec<&str> = row.artists.iter().map(|a| a.name.as_str()).collect();
    let text = format!("{} {} {}", row.title, artists.join(" "), row.album_title);
    w.add_document(base(f, row.id, "song", &text, popularity, &json(row)))
        .map_err(tantivy_err)?;
    Ok(())
}

fn build_query(b: &Built, q: &str) -> Option<Box<dyn Query>> {
    let mut tokenizer = b.index.tokenizer_for_field(b.f.text).ok()?;
    let mut words = vec![];
    let mut stream = tokenizer.token_stream(q);
    while stream.advance() {
        words.push(stream.token().text.clone());
    }
    words.truncate(8);
    let last = words.len().checked_sub(1)?;
    let clauses: Vec<(Occur, Box<dyn Query>)> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let term = Term::from_field_text(b.f.text, w);
            let typos = match w.chars().count() {
                0..=3 => 0,
                4..=6 => 1,
                _ => 2,
            };
            let mut alts: Vec<(Occur, Box<dyn Query>)> = vec![(
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                    3.0,
                )),
            )];
            if i == last {
                // As-you-type: the last word may be unfinished.
                alts.push((
                    Occur::Should,
                    Box::new(FuzzyTermQuery::new_prefix(term.clone(), typos.min(1), true)),
                ));
            }
            if typos > 0 {
                alts.push((
                    Occur::Should,
                    Box::new(FuzzyTermQuery::new(term, typos, true)),
                ));
            }
            (
                Occur::Must,
                Box::new(BooleanQuery::new(alts)) as Box<dyn Query>,
            )
        })
        .collect();
    Some(Box::new(BooleanQuery::new(clauses)))
}

/// The stored copy of a hit, returned as-is (no database round trip per result).
fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

//! In-process, typo-tolerant search over the catalog with tantivy (MongoDB-protocol
//! servers other than MongoDB Atlas have no usable text search; TOOLCHAIN.md §6).
//! Each app instance holds its own in-memory index, rebuilt from MongoDB at start and
//! whenever the catalog version counter moves, so several instances stay consistent.

use std::sync::{Arc, RwLock};

use futures::TryStreamExt;
use tantivy::{
    collector::TopDocs,
    query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery},
    schema::{Field, IndexRecordOption, Schema, Value, FAST, STORED, STRING, TEXT},
    DocId, Index, IndexReader, Score, SegmentReader, TantivyDocument, Term,
};

use crate::{catalog::*, repo::CatalogRepo, Error, Result};

#[derive(Clone, Copy)]
struct Fields {
    kind: Field,
    text: Field,
    popularity: Field,
    json: Field,
}

struct Built {
    index: Index,
    reader: IndexReader,
    f: Fields,
    version: i64,
}

/// Cheap to clone; searches never wait for a rebuild (the old index serves meanwhile).
#[derive(Clone, Default)]
pub struct SearchIndex {
    inner: Arc<RwLock<Option<Arc<Built>>>>,
}

fn tantivy_err(e: tantivy::TantivyError) -> Error {
    Error::Internal(format!("search index: {e}"))
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let kind = b.add_text_field("kind", STRING);
    let text = b.add_text_field("text", TEXT);
    let popularity = b.add_u64_field("popularity", FAST);
    let json = b.add_text_field("json", STORED);
    (
        b.build(),
        Fields {
            kind,
            text,
            popularity,
            json,
        },
    )
}

impl SearchIndex {
    /// The catalog version the index was built from (`None` before the first build).
    pub fn version(&self) -> Option<i64> {
        self.current().map(|b| b.version)
    }

    fn current(&self) -> Option<Arc<Built>> {
        self.inner.read().ok().and_then(|g| g.clone())
    }

    /// Reads the whole catalog and swaps in a fresh index. Returns documents indexed.
    pub async fn rebuild(&self, catalog: &CatalogRepo) -> Result<usize> {
        let version = catalog.version().await?;
        let (schema, f) = schema();
        let index = Index::create_in_ram(schema);
        let mut writer: tantivy::IndexWriter<TantivyDocument> =
            index.writer(50_000_000).map_err(tantivy_err)?;
        let mut n = 0usize;
        let mut artists = catalog.all_artists().await?;
        while let Some(a) = artists.try_next().await? {
            let s = ArtistSummary {
                id: a.id,
                name: a.name.clone(),
                image: a.image.clone(),
                genres: a.genres.clone(),
            };
            add(&mut writer, f, "artist", &a.name, a.popularity, &json(&s))?;
            n += 1;
        }
        let mut albums = catalog.all_albums().await?;
        while let Some(a) = albums.try_next().await? {
            let text = format!("{} {}", a.title, a.artist_names.join(" "));
            add(&mut writer, f, "album", &text, a.popularity, &json(&a))?;
            n += 1;
        }
        let mut songs = catalog.all_published_song_rows().await?;
        while let Some((row, popularity)) = songs.try_next().await? {
            let artists: Vec<&str> = row.artists.iter().map(|a| a.name.as_str()).collect();
            let text = format!("{} {} {}", row.title, artists.join(" "), row.album_title);
            add(&mut writer, f, "song", &text, popularity, &json(&row))?;
            n += 1;
        }
        writer.commit().map_err(tantivy_err)?;
        let reader = index.reader().map_err(tantivy_err)?;
        let built = Arc::new(Built {
            index,
            reader,
            f,
            version,
        });
        if let Ok(mut g) = self.inner.write() {
            *g = Some(built);
        }
        Ok(n)
    }

    /// Up to `per_kind` hits of each kind for `q`: every word must match (exactly, as a
    /// prefix for the last word, or within 1–2 typos), ranked by relevance × popularity.
    pub fn search(&self, q: &str, per_kind: usize) -> Result<SearchResults> {
        let mut out = SearchResults::default();
        let Some(b) = self.current() else {
            return Ok(out);
        };
        let Some(query) = build_query(&b, q) else {
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
                let doc: TantivyDocument = searcher.doc(addr).map_err(tantivy_err)?;
                let Some(j) = doc
                    .get_first(b.f.json)
                    .and_then(|v| v.as_str().map(str::to_string))
                else {
                    continue;
                };
                let parsed = match kind {
                    "song" => serde_json::from_str(&j).map(|r| out.songs.push(r)),
                    "artist" => serde_json::from_str(&j).map(|r| out.artists.push(r)),
                    _ => serde_json::from_str(&j).map(|r| out.albums.push(r)),
                };
                if let Err(e) = parsed {
                    tracing::warn!(error = %e, "bad stored search document");
                }
            }
        }
        Ok(out)
    }
}

fn add(
    w: &mut tantivy::IndexWriter<TantivyDocument>,
    f: Fields,
    kind: &str,
    text: &str,
    popularity: u32,
    json: &str,
) -> Result<()> {
    let mut d = TantivyDocument::default();
    d.add_text(f.kind, kind);
    d.add_text(f.text, text);
    d.add_u64(f.popularity, u64::from(popularity));
    d.add_text(f.json, json);
    w.add_document(d).map_err(tantivy_err)?;
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

//! Recommendation data in MongoDB, all pre-aggregated by the refresh job so pages read
//! single documents by `_id`:
//! * `auto_playlists`: one document per generated playlist (slug as `_id`) plus an
//!   `_index` document listing them;
//! * `rec_pools`: per genre, its most popular songs with their audio features (content-based
//!   candidates);
//! * `co_listen`: per song, the songs its listeners also streamed, best first;
//! * `rec_stats`: per variant and day, impressions, clicks and plays (plays are added by
//!   the listening aggregator, exactly once).

use chrono::NaiveDate;
use mongodb::{
    bson::{self, doc, Bson, DateTime as BDateTime, Document},
    options::{ReplaceOneModel, UpdateOptions},
    Collection, Database,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    recommend::{AutoPlaylist, AutoPlaylistSummary, Variant, VariantStats},
    repo::catalog::bid,
    Error, Result,
};

pub const REC_STATS: &str = "rec_stats";

/// A content-based candidate: a song and its audio-feature vector (each 0..1).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PoolSong {
    pub id: Uuid,
    pub artist: Uuid,
    pub features: Vec<f64>,
}

#[derive(Serialize, Deserialize)]
struct PoolDoc {
    #[serde(rename = "_id")]
    genre: String,
    songs: Vec<PoolSong>,
}

#[derive(Serialize, Deserialize)]
struct IndexDoc {
    #[serde(rename = "_id")]
    id: String,
    items: Vec<AutoPlaylistSummary>,
}

fn to_doc<T: Serialize>(v: &T) -> Result<Document> {
    bson::to_document(v).map_err(|e| Error::Internal(e.to_string()))
}

fn from_doc<T: serde::de::DeserializeOwned>(d: Document) -> Result<T> {
    bson::from_document(d).map_err(|e| Error::Internal(e.to_string()))
}

#[derive(Clone)]
pub struct RecsRepo {
    db: Database,
}

impl RecsRepo {
    pub fn new(db: &Database) -> Self {
        RecsRepo { db: db.clone() }
    }

    fn coll(&self, name: &str) -> Collection<Document> {
        self.db.collection(name)
    }

    // --- auto playlists ------------------------------------------------------------------

    /// Replaces the generated playlists (each a whole-document replace, then the index):
    /// readers see the old or the new version of each, never half of one.
    pub async fn put_auto_playlists(&self, lists: &[AutoPlaylist]) -> Result<()> {
        let c = self.coll("auto_playlists");
        for l in lists {
            let mut d = to_doc(l)?;
            d.insert("_id", l.slug.clone());
            c.replace_one(doc! {"_id": &l.slug}, d).upsert(true).await?;
        }
        let index = IndexDoc {
            id: "_index".into(),
            items: lists.iter().map(AutoPlaylist::summary).collect(),
        };
        c.replace_one(doc! {"_id": "_index"}, to_doc(&index)?)
            .upsert(true)
            .await?;
        Ok(())
    }

    pub async fn auto_playlist(&self, slug: &str) -> Result<Option<AutoPlaylist>> {
        match self
            .coll("auto_playlists")
            .find_one(doc! {"_id": slug})
            .await?
        {
            Some(mut d) if slug != "_index" => {
                d.remove("_id");
                Ok(Some(from_doc(d)?))
            }
            _ => Ok(None),
        }
    }

    pub async fn auto_playlists(&self) -> Result<Vec<AutoPlaylistSummary>> {
        Ok(
            match self
                .coll("auto_playlists")
                .find_one(doc! {"_id": "_index"})
                .await?
            {
                Some(d) => from_doc::<IndexDoc>(d)?.items,
                None => vec![],
            },
        )
    }

    // --- content-based pools -------------------------------------------------------------

    pub async fn put_pool(&self, genre: &str, songs: Vec<PoolSong>) -> Result<()> {
        let d = to_doc(&PoolDoc {
            genre: genre.to_string(),
            songs,
        })?;
        self.coll("rec_pools")
            .replace_one(doc! {"_id": genre}, d)
            .upsert(true)
            .await?;
        Ok(())
    }

    pub async fn pool(&self, genre: &str) -> Result<Vec<PoolSong>> {
        Ok(
            match self.coll("rec_pools").find_one(doc! {"_id": genre}).await? {
                Some(d) => from_doc::<PoolDoc>(d)?.songs,
                None => vec![],
            },
        )
    }

    // --- co-listening --------------------------------------------------------------------

    /// Stores each song's co-listened songs (best first), a thousand per round trip.
    pub async fn put_neighbors(&self, lists: &[(Uuid, Vec<Uuid>)]) -> Result<()> {
        let c = self.coll("co_listen");
        let ns = c.namespace();
        for chunk in lists.chunks(1000) {
            let models = chunk.iter().map(|(song, near)| {
                ReplaceOneModel::builder()
                    .namespace(ns.clone())
                    .filter(doc! {"_id": bid(*song)})
                    .replacement(doc! {
                        "_id": bid(*song),
                        "songs": near.iter().map(|s| Bson::from(bid(*s))).collect::<Vec<_>>(),
                        "updated_at": BDateTime::now(),
                    })
                    .upsert(true)
                    .build()
            });
            self.db.client().bulk_write(models).ordered(false).await?;
        }
        Ok(())
    }

    pub async fn neighbors(&self, song: Uuid) -> Result<Vec<Uuid>> {
        let d = self
            .coll("co_listen")
            .find_one(doc! {"_id": bid(song)})
            .await?;
        Ok(d.and_then(|d| d.get_array("songs").ok().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|b| match b {
                Bson::Binary(bin) => Uuid::from_slice(&bin.bytes).ok(),
                _ => None,
            })
            .collect())
    }

    // --- the week's charts ----------------------------------------------------------------

    /// The most streamed songs and artists of the last 7 days (ids with streams).
    pub async fn put_week_charts(
        &self,
        songs: &[(Uuid, u64)],
        artists: &[(Uuid, u64)],
    ) -> Result<()> {
        let pairs = |v: &[(Uuid, u64)]| {
            v.iter()
                .map(|(id, n)| Bson::from(doc! {"id": bid(*id), "streams": *n as i64}))
                .collect::<Vec<_>>()
        };
        self.coll("platform_charts")
            .replace_one(
                doc! {"_id": "week"},
                doc! {"_id": "week", "songs": pairs(songs), "artists": pairs(artists), "updated_at": BDateTime::now()},
            )
            .upsert(true)
            .await?;
        Ok(())
    }

    pub async fn week_charts(&self) -> Result<(Vec<(Uuid, u64)>, Vec<(Uuid, u64)>)> {
        let d = self
            .coll("platform_charts")
            .find_one(doc! {"_id": "week"})
            .await?;
        let read = |field: &str| -> Vec<(Uuid, u64)> {
            d.as_ref()
                .and_then(|d| d.get_array(field).ok())
                .map(|a| {
                    a.iter()
                        .filter_map(|e| {
                            let e = e.as_document()?;
                            let id = match e.get("id")? {
                                Bson::Binary(b) => Uuid::from_slice(&b.bytes).ok()?,
                                _ => return None,
                            };
                            Some((id, e.get_i64("streams").unwrap_or(0).max(0) as u64))
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        Ok((read("songs"), read("artists")))
    }

    // --- variant statistics --------------------------------------------------------------

    /// Counts an impression or a click (`field`) for a variant today.
    pub async fn count(&self, variant: Variant, day: NaiveDate, field: &str) -> Result<()> {
        self.coll(REC_STATS)
            .update_one(
                doc! {"_id": format!("{}:{day}", variant.as_str())},
                doc! {"$inc": {field: 1i64}, "$setOnInsert": {"variant": variant.as_str(), "day": day.to_string()}},
            )
            .with_options(UpdateOptions::builder().upsert(true).build())
            .await?;
        Ok(())
    }

    /// Totals per variant over the days from `since` (one `_id` lookup per variant and day).
    pub async fn variant_stats(
        &self,
        since: NaiveDate,
        today: NaiveDate,
    ) -> Result<Vec<VariantStats>> {
        let mut out = vec![];
        for v in Variant::ALL {
            let ids = since
                .iter_days()
                .take_while(|d| *d <= today)
                .map(|d| format!("{}:{d}", v.as_str()).into())
                .collect();
            let docs =
                crate::repo::find_in(&self.coll(REC_STATS), "_id", ids, doc! {}, None).await?;
            let sum = |f: &str| {
                docs.iter()
                    .map(|d| crate::repo::listening::fold::get_int(d, f))
                    .sum::<u64>()
            };
            out.push(VariantStats {
                variant: v,
                impressions: sum("impressions"),
                clicks: sum("clicks"),
                plays: sum("plays"),
            });
        }
        Ok(out)
    }
}

//! The repository layer: concrete structs over PostgreSQL and MongoDB, grouped in a
//! cheap-to-clone [`Repos`]. Row and document types stay private to their modules.

pub mod accounts;
pub mod activity;
pub mod artists;
pub mod billing;
pub mod catalog;
pub mod events;
pub mod imports;
pub mod listening;
pub mod parties;
pub mod platform;
pub mod playlists;
pub mod recs;
pub mod tips;
pub mod uploads;

use futures::{StreamExt, TryStreamExt};
use mongodb::{
    bson::{doc, Bson, Document},
    Collection, Database,
};
use sqlx::PgPool;

pub use accounts::AccountRepo;
pub use activity::ActivityRepo;
pub use artists::ArtistRepo;
pub use billing::BillingRepo;
pub use catalog::CatalogRepo;
pub use events::EventRepo;
pub use imports::ImportRepo;
pub use listening::ListeningRepo;
pub use parties::PartyRepo;
pub use platform::PlatformRepo;
pub use playlists::PlaylistRepo;
pub use recs::RecsRepo;
pub use tips::TipRepo;
pub use uploads::UploadRepo;

#[derive(Clone)]
pub struct Repos {
    pub pg: PgPool,
    pub mongo: Database,
    /// The same database without retryable writes (see [`crate::db::mongo_ingest_database`]).
    pub ingest: Database,
    pub accounts: AccountRepo,
    pub activity: ActivityRepo,
    pub artists: ArtistRepo,
    pub billing: BillingRepo,
    pub catalog: CatalogRepo,
    pub events: EventRepo,
    pub imports: ImportRepo,
    pub listening: ListeningRepo,
    pub parties: PartyRepo,
    pub platform: PlatformRepo,
    pub playlists: PlaylistRepo,
    pub recs: RecsRepo,
    pub tips: TipRepo,
    pub uploads: UploadRepo,
}

impl Repos {
    /// `ingest` is the database as [`crate::db::mongo_ingest_database`] opens it (the
    /// listening repository's writes).
    pub fn new(pg: PgPool, mongo: Database, ingest: Database) -> Self {
        Repos {
            accounts: AccountRepo::new(pg.clone()),
            activity: ActivityRepo::new(&mongo),
            artists: ArtistRepo::new(pg.clone()),
            billing: BillingRepo::new(pg.clone()),
            catalog: CatalogRepo::new(&mongo),
            events: EventRepo::new(pg.clone()),
            imports: ImportRepo::new(pg.clone()),
            listening: ListeningRepo::new(&ingest),
            parties: PartyRepo::new(pg.clone()),
            platform: PlatformRepo::new(pg.clone()),
            playlists: PlaylistRepo::new(pg.clone(), &mongo),
            recs: RecsRepo::new(&mongo),
            tips: TipRepo::new(pg.clone()),
            uploads: UploadRepo::new(pg.clone()),
            pg,
            mongo,
            ingest,
        }
    }
}

/// Longest `$in` list sent in one query. SecantusDB compares every document a `$in`
/// matches with the list one element at a time, so a query costs matches × list length:
/// measured there, 2,000 `_id`s took 4.3 s in one `$in` and 0.43 s in chunks of 50
/// (5,000: 53 s in one). MongoDB does not care either way.
pub const IN_CHUNK: usize = 50;

/// The documents of `coll` with `field` among `values` that also match `also`, asked
/// [`IN_CHUNK`] values at a time (a few chunks in flight) and concatenated: no order
/// across chunks, so no sort or limit here.
pub async fn find_in<T>(
    coll: &Collection<T>,
    field: &str,
    values: Vec<Bson>,
    also: Document,
    projection: Option<Document>,
) -> crate::Result<Vec<T>>
where
    T: serde::de::DeserializeOwned + Send + Sync,
{
    let parts: Vec<Vec<Bson>> = values.chunks(IN_CHUNK).map(<[Bson]>::to_vec).collect();
    let found: Vec<Vec<T>> = futures::stream::iter(parts)
        .map(|part| {
            let mut filter = doc! {field: {"$in": part}};
            filter.extend(also.clone());
            let projection = projection.clone();
            async move {
                let mut q = coll.find(filter);
                if let Some(p) = projection {
                    q = q.projection(p);
                }
                q.await?.try_collect::<Vec<T>>().await
            }
        })
        .buffered(4)
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}

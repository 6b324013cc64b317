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

use mongodb::Database;
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
    pub fn new(pg: PgPool, mongo: Database) -> Self {
        Repos {
            accounts: AccountRepo::new(pg.clone()),
            activity: ActivityRepo::new(&mongo),
            artists: ArtistRepo::new(pg.clone()),
            billing: BillingRepo::new(pg.clone()),
            catalog: CatalogRepo::new(&mongo),
            events: EventRepo::new(pg.clone()),
            imports: ImportRepo::new(pg.clone()),
            listening: ListeningRepo::new(&mongo),
            parties: PartyRepo::new(pg.clone()),
            platform: PlatformRepo::new(pg.clone()),
            playlists: PlaylistRepo::new(pg.clone(), &mongo),
            recs: RecsRepo::new(&mongo),
            tips: TipRepo::new(pg.clone()),
            uploads: UploadRepo::new(pg.clone()),
            pg,
            mongo,
        }
    }
}

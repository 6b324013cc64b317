//! The repository layer: concrete structs over PostgreSQL and MongoDB, grouped in a
//! cheap-to-clone [`Repos`]. Row and document types stay private to their modules.

pub mod accounts;
pub mod activity;

use mongodb::Database;
use sqlx::PgPool;

pub use accounts::AccountRepo;
pub use activity::ActivityRepo;

#[derive(Clone)]
pub struct Repos {
    pub pg: PgPool,
    pub mongo: Database,
    pub accounts: AccountRepo,
    pub activity: ActivityRepo,
}

impl Repos {
    pub fn new(pg: PgPool, mongo: Database) -> Self {
        Repos {
            accounts: AccountRepo::new(pg.clone()),
            activity: ActivityRepo::new(&mongo),
            pg,
            mongo,
        }
    }
}

//! Connections to both stores, migrations, MongoDB collections and indexes, health checks.

use std::time::Duration;

use mongodb::{
    bson::doc,
    options::{ClientOptions, IndexOptions},
    Client, Database, IndexModel,
};
use sqlx::{postgres::PgPoolOptions, PgPool};

use crate::Result;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Opens a lazily-connecting pool: the app starts (and `/healthz` reports 503) while
/// PostgreSQL is down, and reconnects by itself when it comes back.
pub fn pg_pool(url: &str, max_connections: u32) -> Result<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(3))
        .test_before_acquire(true)
        .connect_lazy(url)?)
}

/// The MongoDB client never needs reconnecting by hand: the driver's server monitor
/// rediscovers the server when it comes back. Timeouts are 3 s unless the URI sets them
/// (`connectTimeoutMS` also bounds the monitor's checks: bulk tools on a busy
/// single-threaded server such as SecantusDB may need more).
pub async fn mongo_database(uri: &str, db_name: &str) -> Result<Database> {
    Ok(Client::with_options(mongo_options(uri).await?)?.database(db_name))
}

/// The same database through a client whose writes the driver never retries, for the
/// listening repository: every write there is idempotent on its own (events keyed by
/// the client's event id, counters guarded by batch ids), and a retryable write costs
/// SecantusDB 0.7.0b3 a record of its reply that it prunes on every later write — a
/// scan of all records up to 10,000, past that a sort of them — which at ingestion rates
/// doubled a play report's acknowledgement time within a minute (README, Performance).
pub async fn mongo_ingest_database(uri: &str, db_name: &str) -> Result<Database> {
    let mut opts = mongo_options(uri).await?;
    opts.retry_writes = Some(false);
    opts.app_name = Some("encore-ingest".into());
    Ok(Client::with_options(opts)?.database(db_name))
}

async fn mongo_options(uri: &str) -> Result<ClientOptions> {
    let mut opts = ClientOptions::parse(uri).await?;
    opts.app_name = Some("encore".into());
    opts.server_selection_timeout = opts
        .server_selection_timeout
        .or(Some(Duration::from_secs(3)));
    opts.connect_timeout = opts.connect_timeout.or(Some(Duration::from_secs(3)));
    // SecantusDB closes a connection that sent nothing for 300 s (`client_idle_timeout_s`);
    // a pooled connection idle that long would fail its next operation. The driver keeps
    // none idle for more than 2 minutes (a CLI tool that computes for minutes between
    // writes, such as the benchmark seeder resuming, has such quiet spells).
    opts.max_idle_time = opts.max_idle_time.or(Some(Duration::from_secs(120)));
    Ok(opts)
}

pub async fn migrate(pool: &PgPool) -> Result<()> {
    MIGRATOR
        .run(pool)
        .await
        .map_err(|e| crate::Error::Internal(format!("migration failed: {e}")))
}

/// Collection names, in one place.
pub mod coll {
    pub const ARTISTS: &str = "artists";
    pub const ALBUMS: &str = "albums";
    pub const SONGS: &str = "songs";
    pub const PLAYLIST_TRACKS: &str = "playlist_tracks";
    pub const USER_ACTIVITY: &str = "user_activity";
    pub const CATALOG_CHARTS: &str = "catalog_charts";
    pub const CATALOG_CHANGES: &str = "catalog_changes";
}

fn index(keys: mongodb::bson::Document, name: &str, unique: bool) -> IndexModel {
    IndexModel::builder()
        .keys(keys)
        .options(
            IndexOptions::builder()
                .name(name.to_string())
                .unique(unique)
                .build(),
        )
        .build()
}

/// Creates collections and indexes; safe to run on every start and from several
/// instances at once (MongoDB treats an identical index as already there).
pub async fn ensure_mongo_schema(db: &Database) -> Result<()> {
    let existing = db.list_collection_names().await?;
    for name in [
        coll::ARTISTS,
        coll::ALBUMS,
        coll::SONGS,
        coll::PLAYLIST_TRACKS,
        coll::USER_ACTIVITY,
        coll::CATALOG_CHARTS,
        coll::CATALOG_CHANGES,
    ] {
        if !existing.iter().any(|n| n == name) {
            // Another instance may win the race; "already exists" (48) is fine.
            if let Err(e) = db.create_collection(name).await {
                if !matches!(*e.kind, mongodb::error::ErrorKind::Command(ref c) if c.code == 48) {
                    return Err(e.into());
                }
            }
        }
    }
    let d = |c: &str| db.collection::<mongodb::bson::Document>(c);
    d(coll::ARTISTS)
        .create_indexes([
            index(
                doc! {"sort_initial": 1, "sort_name": 1},
                "by_initial_sort_name",
                false,
            ),
            index(
                doc! {"genres": 1, "popularity": -1},
                "by_genre_popularity",
                false,
            ),
            index(doc! {"name_key": 1}, "by_name_key", false),
        ])
        .await?;
    d(coll::ALBUMS)
        .create_indexes([
            index(
                doc! {"artist_ids": 1, "release_date": -1},
                "by_artist_release",
                false,
            ),
            index(
                doc! {"release_year": 1, "release_date": -1},
                "by_year_release",
                false,
            ),
            index(doc! {"match_key": 1}, "by_match_key", false),
        ])
        .await?;
    d(coll::SONGS)
        .create_indexes([
            index(
                doc! {"album_id": 1, "disc_number": 1, "track_number": 1},
                "by_album_track",
                false,
            ),
            index(
                doc! {"artist_ids": 1, "popularity": -1},
                "by_artist_popularity",
                false,
            ),
            index(doc! {"isrc": 1}, "by_isrc", false),
            index(doc! {"match_key": 1}, "by_match_key", false),
            index(doc! {"spotify_uri": 1}, "by_spotify_uri", false),
            index(
                doc! {"genres": 1, "popularity": -1},
                "by_genre_popularity",
                false,
            ),
        ])
        .await?;
    // The search index follows the catalog through this log (search.rs); entries expire.
    d(coll::CATALOG_CHANGES)
        .create_index(
            IndexModel::builder()
                .keys(doc! {"at": 1})
                .options(
                    IndexOptions::builder()
                        .name("by_at_ttl".to_string())
                        .expire_after(Duration::from_secs(
                            crate::search::CHANGE_LOG_DAYS as u64 * 86_400,
                        ))
                        .build(),
                )
                .build(),
        )
        .await?;
    crate::repo::ListeningRepo::new(db).ensure_indexes().await?;
    db.collection::<mongodb::bson::Document>(crate::repo::playlists::ITEMS)
        .create_indexes([
            index(doc! {"playlist_id": 1, "pos": 1}, "by_playlist_pos", false),
            index(
                doc! {"playlist_id": 1, "song_id": 1},
                "one_song_per_playlist",
                true,
            ),
            // Playlist adds per song (artist dashboards).
            index(doc! {"song_id": 1, "added_at": 1}, "by_song_added", false),
        ])
        .await?;
    Ok(())
}

/// State of one store for `/healthz`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoreHealth {
    pub ok: bool,
    pub detail: String,
}

pub async fn pg_health(pool: &PgPool) -> StoreHealth {
    let r = tokio::time::timeout(
        Duration::from_secs(3),
        sqlx::query_scalar::<_, i32>("select 1").fetch_one(pool),
    )
    .await;
    match r {
        Ok(Ok(_)) => StoreHealth {
            ok: true,
            detail: "ok".into(),
        },
        Ok(Err(e)) => StoreHealth {
            ok: false,
            detail: e.to_string(),
        },
        Err(_) => StoreHealth {
            ok: false,
            detail: "timed out".into(),
        },
    }
}

pub async fn mongo_health(db: &Database) -> StoreHealth {
    let r = tokio::time::timeout(Duration::from_secs(3), db.run_command(doc! {"ping": 1})).await;
    match r {
        Ok(Ok(_)) => StoreHealth {
            ok: true,
            detail: "ok".into(),
        },
        Ok(Err(e)) => StoreHealth {
            ok: false,
            detail: e.to_string(),
        },
        Err(_) => StoreHealth {
            ok: false,
            detail: "timed out".into(),
        },
    }
}

//! The `encore` binary: `serve` (default), `migrate`, `create-admin`, `seed-demo`.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use axum::serve::ListenerExt;
use clap::{Parser, Subcommand};
use encore::{
    catalog_gen::GenOptions,
    model::Role,
    repo::Repos,
    service::auth::{AuthService, Throttle},
    validate::NewAccount,
};
use encore_app::server::ServerContext;
use encore_server::{jobs, leptos_options, router, AppState, Config};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "encore", about = "Encore music streaming server")]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTP (the default).
    Serve {
        /// Create the demo accounts when there are no users yet.
        #[arg(long)]
        seed_demo: bool,
    },
    /// Apply PostgreSQL migrations and create MongoDB collections and indexes.
    Migrate,
    /// Create the first admin, or promote an existing user. The password comes from
    /// ENCORE_ADMIN_PASSWORD or is asked for.
    CreateAdmin {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
    },
    /// Make an app password (Subsonic apps) for a user and print it.
    AppPassword {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "CLI")]
        name: String,
    },
    /// Print a user's ListenBrainz token (made if the user has none yet).
    ListenbrainzToken {
        #[arg(long)]
        username: String,
    },
    /// Create the demo accounts if there are no users yet.
    SeedDemo,
    /// Repair playlist counts and remove items of deleted playlists (also runs hourly).
    ReconcilePlaylists,
    /// Recompute recommendations and the generated playlists (also runs on a timer).
    RefreshRecs,
    /// Benchmark: waits until the running server's aggregator has counted every reported
    /// play event and prints how long that took (JSON).
    BenchLag,
    /// Benchmark: prints how many reported play events are not counted yet.
    BenchUncounted,
    /// Benchmark: `listeners` WebSocket clients in one listening party on the running
    /// server at `base`; the host changes the state `changes` times, listeners chat at
    /// `chat_per_s` for `chat_secs`; prints delivery latencies and losses (JSON).
    BenchParty {
        #[arg(long)]
        base: String,
        #[arg(long, default_value_t = 500)]
        listeners: usize,
        #[arg(long, default_value_t = 20)]
        changes: usize,
        #[arg(long, default_value_t = 50)]
        chat_per_s: u32,
        #[arg(long, default_value_t = 10)]
        chat_secs: u32,
    },
    /// Generate a demo catalog (artists, albums, songs, covers, audio) into an empty
    /// database, with a progress bar.
    GenerateCatalog {
        #[arg(long, default_value_t = 50)]
        artists: usize,
        #[arg(long, default_value_t = 200)]
        albums: usize,
        #[arg(long, default_value_t = 2000)]
        songs: usize,
        #[arg(long, default_value_t = 24)]
        audio_files: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Do nothing (successfully) when the catalog already has songs.
        #[arg(long)]
        if_empty: bool,
    },
    /// Add the benchmark dataset (listeners, follows, a long playlist, play events) on top
    /// of a generated catalog, or reuse the one there; prints its description as JSON.
    BenchSeed {
        #[arg(long, default_value_t = 100_000)]
        users: usize,
        #[arg(long, default_value_t = 1_000)]
        follows: usize,
        #[arg(long, default_value_t = 10_000)]
        playlist_tracks: usize,
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Import a listening-history file (Spotify extended or basic JSON, a zip of them, or
    /// the seed CSV) for one user, or — without --user — for the users the file names
    /// (its `username` column/field). Resumes an import a crash interrupted.
    ImportHistory {
        file: std::path::PathBuf,
        #[arg(long)]
        user: Option<String>,
    },
    /// Benchmark: write a listening-history CSV (the seed's columns) for `username`.
    BenchHistory {
        #[arg(long, default_value_t = 200_000)]
        records: usize,
        #[arg(long)]
        username: String,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Time each benchmarked page's own queries straight on the stores (the baselines);
    /// prints JSON.
    BenchQueries {
        #[arg(long, default_value_t = 200)]
        runs: usize,
        /// Only this scenario (the search index is opened only for `search`).
        #[arg(long)]
        only: Option<String>,
    },
}

/// Demo accounts: (username, role, password). Listed in the README.
const DEMO_ACCOUNTS: [(&str, Role, &str); 4] = [
    ("admin", Role::Admin, "encore-admin-demo"),
    ("moderator", Role::Moderator, "encore-moderator-demo"),
    ("artist", Role::Artist, "encore-artist-demo"),
    ("listener", Role::Listener, "encore-listener-demo"),
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,mongodb=warn")),
        )
        // Logs on stderr: the CLI commands print their results (JSON) on stdout, and a
        // background task's warning must not land after them.
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let cfg = cli.config;
    let repos = connect(&cfg).await?;
    let auth = AuthService::new(
        repos.clone(),
        Throttle {
            window_secs: cfg.signin_window_secs,
            max_per_account: cfg.signin_max_per_account,
            max_per_ip: cfg.signin_max_per_ip,
        },
    );
    match cli.command.unwrap_or(Command::Serve { seed_demo: false }) {
        Command::Migrate => {
            migrate(&repos).await?;
            println!("migrations applied; MongoDB collections and indexes ensured");
        }
        Command::CreateAdmin { username, email } => {
            migrate(&repos).await?;
            let password = match std::env::var("ENCORE_ADMIN_PASSWORD") {
                Ok(p) => p,
                Err(_) => rpassword::prompt_password("Password for the admin: ")?,
            };
            let new = NewAccount::parse(&username, &email, "", &password, &password)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let user = auth
                .create_admin(new)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("admin ready: {} ({})", user.username, user.id);
        }
        Command::AppPassword { username, name } => {
            migrate(&repos).await?;
            let me = user_named(&repos, &username).await?;
            let id = encore::service::apps::create(&repos, &me, &name)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let all = encore::service::apps::list(&repos, &me)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let made = all.iter().find(|k| k.id == id).map(|k| k.secret.clone());
            println!("{}", made.unwrap_or_default());
        }
        Command::ListenbrainzToken { username } => {
            migrate(&repos).await?;
            let me = user_named(&repos, &username).await?;
            let token = encore::service::listenbrainz::token(&repos, &me)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{token}");
        }
        Command::SeedDemo => {
            migrate(&repos).await?;
            seed_demo(&repos, &auth).await?;
        }
        Command::ReconcilePlaylists => {
            migrate(&repos).await?;
            match jobs::reconcile_playlists_once(&repos).await.map_err(|e| anyhow::anyhow!("{e}"))? {
                Some(r) => println!(
                    "{} playlists checked, {} counts fixed, {} orphaned playlists ({} items) removed",
                    r.playlists, r.counts_fixed, r.orphan_playlists, r.orphan_items
                ),
                None => println!("another instance is reconciling right now; try again later"),
            }
        }
        Command::BenchParty {
            base,
            listeners,
            changes,
            chat_per_s,
            chat_secs,
        } => {
            let r = encore_server::party_bench::run(
                &repos,
                encore_server::party_bench::Options {
                    base,
                    listeners,
                    changes,
                    chat_per_s,
                    chat_secs,
                },
            )
            .await?;
            println!("{r}");
        }
        Command::BenchUncounted => {
            let left = repos
                .listening
                .uncounted()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{left}");
        }
        Command::BenchLag => {
            let started = std::time::Instant::now();
            let first = repos
                .listening
                .uncounted()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut left = first;
            while left > 0 && started.elapsed() < std::time::Duration::from_secs(600) {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                left = repos
                    .listening
                    .uncounted()
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            anyhow::ensure!(left == 0, "{left} events still uncounted after 10 minutes");
            println!(
                "{{\"uncounted_at_start\": {first}, \"lag_ms\": {}}}",
                if first == 0 {
                    0
                } else {
                    started.elapsed().as_millis()
                }
            );
        }
        Command::RefreshRecs => {
            migrate(&repos).await?;
            match jobs::refresh_recs_once(&repos)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
            {
                Some(r) => println!(
                    "{} generated playlists, {} genre pools, {} songs with co-listened neighbours",
                    r.playlists, r.pools, r.co_listened_songs
                ),
                None => println!("another instance is refreshing right now; try again later"),
            }
        }
        Command::GenerateCatalog {
            artists,
            albums,
            songs,
            audio_files,
            seed,
            if_empty,
        } => {
            migrate(&repos).await?;
            let existing = repos.catalog.song_count().await?;
            if if_empty && existing > 0 {
                println!("the catalog already has {existing} songs; nothing generated");
                return Ok(());
            }
            let opts = GenOptions {
                artists,
                albums,
                songs,
                audio_files,
                seed,
            };
            generate_catalog(&repos, &cfg, &opts).await?;
        }
        Command::BenchSeed {
            users,
            follows,
            playlist_tracks,
            events,
            seed,
        } => {
            migrate(&repos).await?;
            let opts = encore::bench::BenchOptions {
                users,
                follows,
                playlist_tracks,
                events,
                seed,
            };
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg:10} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            let progress = |stage: &str, done: u64, total: u64| {
                if bar.message() != stage {
                    bar.set_message(stage.to_string());
                    bar.reset();
                }
                bar.set_length(total);
                bar.set_position(done);
            };
            let mut info = encore::bench::seed(&repos, &opts, &progress)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            info.events_stored = repos
                .listening
                .stored()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            encore::bench::link_fan_to_artist(&repos, &info)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            encore::bench::tidy(&repos, &info)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            bar.finish_and_clear();
            println!("{}", serde_json::to_string(&info)?);
        }
        Command::BenchHistory {
            records,
            username,
            out,
        } => {
            let csv = encore::bench::history_csv(&repos, records, &username, 11)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            std::fs::write(&out, csv)?;
            println!("{records} records for {username} in {}", out.display());
        }
        Command::ImportHistory { file, user } => {
            migrate(&repos).await?;
            let user_id = match user {
                Some(name) => {
                    let found = repos
                        .imports
                        .user_ids(&[name.to_lowercase()])
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    Some(
                        *found
                            .get(&name.to_lowercase())
                            .ok_or_else(|| anyhow::anyhow!("no user named {name}"))?,
                    )
                }
                None => None,
            };
            // Catalog documents from before match keys get them first (once; not timed).
            let keyed = repos
                .catalog
                .backfill_match_keys()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if keyed > 0 {
                eprintln!("gave {keyed} catalog documents their match keys");
            }
            let started = std::time::Instant::now();
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let f = tokio::fs::File::open(&file).await?;
            let body = file_stream(f);
            let received = encore::upload::receive(
                &encore::upload::temp_dir(&cfg.data_dir),
                body,
                u64::MAX,
                &name,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let id =
                encore::service::imports::queue(&repos, &cfg.data_dir, user_id, None, received)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "import [{bar:40}] {pos}/{len} records ({per_sec}, eta {eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            let progress = |done: u64, total: u64| {
                bar.set_length(total);
                bar.set_position(done);
            };
            let ran = encore::service::imports::run_next(
                &repos,
                &cfg.data_dir,
                Some(id),
                encore::service::imports::BATCH,
                None,
                &progress,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            if ran.is_none() {
                // A running server's import job took it first: follow its progress.
                loop {
                    let r = repos
                        .imports
                        .get(id)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    let Some(r) = r else { break };
                    progress(r.position as u64, r.total as u64);
                    if r.status == "done" || r.status == "failed" {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                }
            }
            bar.finish_and_clear();
            let r = repos
                .imports
                .get(id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .ok_or_else(|| anyhow::anyhow!("import vanished"))?;
            println!(
                "{}",
                serde_json::json!({
                    "import": id, "status": r.status, "format": r.format, "read": r.total,
                    "imported": r.imported, "matched": r.matched, "created": r.created,
                    "duplicates": r.duplicates, "skipped_podcast": r.skipped_podcast,
                    "skipped_audiobook": r.skipped_audiobook, "skipped_incognito": r.skipped_incognito,
                    "errors": r.error_count, "first_errors": r.errors.iter().take(10).collect::<Vec<_>>(),
                    "seconds": started.elapsed().as_secs_f64(),
                })
            );
        }
        Command::BenchQueries { runs, only } => {
            let info = encore::bench::info(&repos)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .context("no benchmark dataset; run bench-seed first")?;
            // The same on-disk index the server then opens (read in full only once).
            let search = if only.as_deref().is_none_or(|o| o == "search") {
                let search = encore::search::SearchIndex::open(&cfg.data_dir.join("search"))
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let started = std::time::Instant::now();
                let done = search
                    .refresh(&repos.catalog)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                eprintln!(
                    "search index: {done:?} in {:.1} s",
                    started.elapsed().as_secs_f64()
                );
                Some(search)
            } else {
                None
            };
            let t =
                encore::bench::time_queries(&repos, search.as_ref(), &info, runs, only.as_deref())
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}", serde_json::to_string(&t)?);
        }
        Command::Serve { seed_demo: seed } => {
            migrate(&repos).await?;
            if seed {
                seed_demo(&repos, &auth).await?;
                if repos.catalog.song_count().await? == 0 {
                    generate_catalog(&repos, &cfg, &GenOptions::default()).await?;
                }
                link_demo_artist(&repos).await?;
            }
            serve(cfg, repos.clone(), auth).await?;
        }
    }
    // Close the MongoDB clients while the runtime still runs (dropping one at exit panics
    // in the driver's session cleanup).
    repos.mongo.client().clone().shutdown().await;
    repos.ingest.client().clone().shutdown().await;
    Ok(())
}

/// Connects to both stores, waiting up to a minute for them to come up.
async fn connect(cfg: &Config) -> anyhow::Result<Repos> {
    let pg = encore::db::pg_pool(&cfg.database_url, cfg.database_max_connections)?;
    let mongo = encore::db::mongo_database(&cfg.mongodb_uri, &cfg.mongodb_db).await?;
    let ingest = encore::db::mongo_ingest_database(&cfg.mongodb_uri, &cfg.mongodb_db).await?;
    for attempt in 1..=60 {
        let (p, m) = tokio::join!(encore::db::pg_health(&pg), encore::db::mongo_health(&mongo));
        if p.ok && m.ok {
            break;
        }
        if attempt == 60 {
            anyhow::bail!(
                "databases not reachable: postgres: {}; mongodb: {}",
                p.detail,
                m.detail
            );
        }
        tracing::info!(postgres = %p.detail, mongodb = %m.detail, "waiting for databases");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(Repos::new(pg, mongo, ingest))
}

async fn migrate(repos: &Repos) -> anyhow::Result<()> {
    encore::db::migrate(&repos.pg)
        .await
        .context("postgres migrations")?;
    encore::db::ensure_mongo_schema(&repos.mongo)
        .await
        .context("mongodb schema")?;
    Ok(())
}

async fn seed_demo(repos: &Repos, auth: &AuthService) -> anyhow::Result<()> {
    if repos.accounts.count_users().await? > 0 {
        tracing::info!("users exist; demo accounts not seeded");
        return Ok(());
    }
    for (username, role, password) in DEMO_ACCOUNTS {
        let new = NewAccount::parse(
            username,
            &format!("{username}@demo.encore.local"),
            "",
            password,
            password,
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let user = auth
            .sign_up(new)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if role != Role::Listener {
            repos
                .accounts
                .set_role(user.id, role)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    println!("demo accounts created (see README)");
    Ok(())
}

/// The demo `artist` account manages the most popular demo artist (so its artist area and
/// insights have something to show). Only when it has no artist yet.
async fn link_demo_artist(repos: &Repos) -> anyhow::Result<()> {
    let err = |e: encore::Error| anyhow::anyhow!("{e}");
    let row: Option<(uuid::Uuid, String)> =
        sqlx::query_as("select id, role from users where username = 'artist'")
            .fetch_optional(&repos.pg)
            .await?;
    let Some((user_id, role)) = row else {
        return Ok(());
    };
    if role != Role::Artist.as_str()
        || !repos
            .artists
            .artists_of(user_id)
            .await
            .map_err(err)?
            .is_empty()
    {
        return Ok(());
    }
    let home = repos.catalog.home().await.map_err(err)?;
    if let Some(artist) = home.popular.first().and_then(|s| s.artists.first()) {
        sqlx::query("insert into artist_members (user_id, artist_id) values ($1, $2) on conflict do nothing")
            .bind(user_id)
            .bind(artist.id)
            .execute(&repos.pg)
            .await?;
        println!("demo account `artist` manages {}", artist.name);
    }
    Ok(())
}

async fn generate_catalog(repos: &Repos, cfg: &Config, opts: &GenOptions) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let bar = indicatif::ProgressBar::new(opts.songs as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} songs ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message("generating catalog");
    let progress = |done: u64, _total: u64| bar.set_position(done);
    let report = encore::catalog_gen::generate(repos, &cfg.data_dir, opts, &progress)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish();
    println!(
        "catalog: {} artists, {} albums, {} songs, {} audio files ({:.1} MB) in {:.1}s",
        report.artists,
        report.albums,
        report.songs,
        report.audio_files,
        report.audio_bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The account a CLI command names.
async fn user_named(repos: &Repos, username: &str) -> anyhow::Result<encore::model::SessionUser> {
    let (user, _) = repos
        .accounts
        .user_with_app_passwords(username)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .ok_or_else(|| anyhow::anyhow!("no user named {username}"))?;
    Ok(user.session_user())
}

async fn serve(cfg: Config, repos: Repos, auth: AuthService) -> anyhow::Result<()> {
    std::fs::create_dir_all(&cfg.data_dir)
        .with_context(|| format!("creating {}", cfg.data_dir.display()))?;
    jobs::spawn_cleanup(repos.clone());
    jobs::spawn_aggregator(repos.clone());
    jobs::spawn_listen_queue(repos.clone());
    jobs::spawn_reconciler(repos.clone());
    jobs::spawn_purger(repos.clone());
    jobs::spawn_recs(repos.clone(), cfg.recs_interval_secs);
    jobs::spawn_renewals(repos.clone());
    jobs::spawn_imports(repos.clone(), cfg.data_dir.clone());
    // This instance's catalog index, kept under the data dir across restarts.
    let search =
        encore::search::SearchIndex::open(&cfg.data_dir.join("search")).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "search index on disk unavailable; keeping it in memory");
            encore::search::SearchIndex::default()
        });
    jobs::spawn_search_refresh(repos.clone(), search.clone());
    let parties = encore_server::party_ws::Hub::start(repos.pg.clone());
    let ctx = ServerContext {
        repos,
        auth,
        search,
        country_header: cfg.country_header.clone(),
        trust_forwarded_for: cfg.trust_forwarded_for,
        upload_max_bytes: cfg.upload_max_mb * 1024 * 1024,
        import_max_bytes: cfg.import_max_mb * 1024 * 1024,
    };
    encore_app::server::install(ctx.clone());
    let swept = encore::upload::sweep_temp(&cfg.data_dir);
    if swept > 0 {
        tracing::info!(
            swept,
            "removed temporary upload files left by a stopped process"
        );
    }
    let state = AppState {
        leptos_options: leptos_options(&cfg),
        ctx,
        public_origin: cfg.public_origin.as_deref().map(Arc::from),
        data_dir: Arc::from(cfg.data_dir.as_path()),
        parties,
    };
    let app = router(state, &cfg);
    // Nagle off: multi-part responses (static files, audio ranges) otherwise wait for
    // delayed ACKs (TOOLCHAIN.md §7).
    let listener = tokio::net::TcpListener::bind(cfg.bind)
        .await
        .with_context(|| format!("binding {}", cfg.bind))?
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    tracing::info!("listening on http://{}", cfg.bind);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// A file as a stream of 1 MB chunks (for `upload::receive`).
fn file_stream(
    f: tokio::fs::File,
) -> std::pin::Pin<Box<dyn futures::Stream<Item = std::io::Result<bytes::Bytes>> + Send>> {
    use tokio::io::AsyncReadExt;
    Box::pin(futures::stream::unfold(Some(f), |f| async move {
        let mut f = f?;
        let mut buf = vec![0u8; 1 << 20];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(bytes::Bytes::from(buf)), Some(f)))
            }
            Err(e) => Some((Err(e), None)),
        }
    }))
}

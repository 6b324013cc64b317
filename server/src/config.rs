//! Configuration from the environment (and the same names as command-line flags).

use std::{net::SocketAddr, path::PathBuf};

use clap::Args;

#[derive(Args, Debug, Clone)]
pub struct Config {
    /// Address to serve HTTP on.
    #[arg(long, env = "ENCORE_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,
    /// PostgreSQL URL.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 16)]
    pub database_max_connections: u32,
    /// MongoDB URL (MongoDB 7/8 or SecantusDB).
    #[arg(long, env = "MONGODB_URI")]
    pub mongodb_uri: String,
    #[arg(long, env = "MONGODB_DB", default_value = "encore")]
    pub mongodb_db: String,
    /// Where uploaded and generated media live.
    #[arg(long, env = "ENCORE_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Built assets (pkg/encore.js, pkg/encore_bg.wasm, pkg/encore.css, favicon).
    #[arg(long, env = "ENCORE_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,
    /// Mark the session cookie `Secure` (set when serving over HTTPS).
    #[arg(long, env = "ENCORE_COOKIE_SECURE", default_value_t = false)]
    pub cookie_secure: bool,
    /// Sessions end after this many days without a request.
    #[arg(long, env = "ENCORE_SESSION_DAYS", default_value_t = 14)]
    pub session_days: i64,
    /// The public origin (e.g. https://music.example.org) accepted by the CSRF check in
    /// addition to the request's own Host.
    #[arg(long, env = "ENCORE_PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,
    /// Request header with the listener's two-letter country (e.g. `CF-IPCountry`).
    #[arg(long, env = "ENCORE_COUNTRY_HEADER")]
    pub country_header: Option<String>,
    /// Take the client address from X-Forwarded-For (only behind a trusted proxy).
    #[arg(long, env = "ENCORE_TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,
    /// Seconds between refreshes of recommendations and generated playlists (0: never;
    /// `encore refresh-recs` runs one by hand).
    #[arg(long, env = "ENCORE_RECS_INTERVAL_SECS", default_value_t = 3600)]
    pub recs_interval_secs: u64,
    /// Largest audio file an artist may upload, in MB (covers: 5 MB).
    #[arg(long, env = "ENCORE_UPLOAD_MAX_MB", default_value_t = 100)]
    pub upload_max_mb: u64,
    /// Largest listening-history file (JSON, zip or CSV) a user may import, in MB.
    #[arg(long, env = "ENCORE_IMPORT_MAX_MB", default_value_t = 200)]
    pub import_max_mb: u64,
    #[arg(long, env = "ENCORE_SIGNIN_WINDOW_SECS", default_value_t = 900)]
    pub signin_window_secs: i64,
    #[arg(long, env = "ENCORE_SIGNIN_MAX_PER_ACCOUNT", default_value_t = 5)]
    pub signin_max_per_account: i64,
    #[arg(long, env = "ENCORE_SIGNIN_MAX_PER_IP", default_value_t = 30)]
    pub signin_max_per_ip: i64,
}

//! Encore's server: configuration, pools, the session layer, the router (a function, so
//! tests can build it without a socket), CSRF protection, health, and background jobs.

pub mod config;
pub mod jobs;
pub mod listenbrainz;
pub mod media;
pub mod party_bench;
pub mod party_ws;
pub mod subsonic;
pub mod uploads;

use std::sync::Arc;

use axum::{
    body::Body,
    extract::{FromRef, Request, State},
    http::{header, Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use encore::repo::Repos;
use encore_app::{server::ServerContext, shell, App};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;
use tracing::Level;

pub use config::Config;

/// Router state: Leptos' options plus what handlers and server functions need.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub ctx: ServerContext,
    pub public_origin: Option<Arc<str>>,
    pub data_dir: Arc<std::path::Path>,
    /// This instance's fan-out of listening-party events (fed by PostgreSQL LISTEN).
    pub parties: party_ws::Hub,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
}

pub fn leptos_options(cfg: &Config) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("encore")
        .site_root(cfg.site_root.clone())
        .site_pkg_dir("pkg")
        .site_addr(cfg.bind)
        .build()
}

/// The whole HTTP application.
pub fn router(state: AppState, cfg: &Config) -> Router {
    let routes = generate_route_list(App);
    let ctx = state.ctx.clone();
    let provide = move || provide_context(ctx.clone());
    let options = state.leptos_options.clone();

    let session_layer = SessionManagerLayer::new(PostgresStore::new(state.ctx.repos.pg.clone()))
        .with_name("encore_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(cfg.cookie_secure)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(cfg.session_days)));

    Router::new()
        .route("/healthz", get(healthz))
        // Liveness: answers without touching a store (also the benchmark's framework floor).
        .route("/healthz/live", get(|| async { "ok" }))
        .route("/stream/{id}", get(media::stream))
        .route(
            "/rest/{method}",
            get(subsonic::handle).post(subsonic::handle),
        )
        .route("/1/validate-token", get(listenbrainz::validate_token))
        .route(
            "/1/submit-listens",
            axum::routing::post(listenbrainz::submit_listens)
                .layer(axum::extract::DefaultBodyLimit::max(2 * 1024 * 1024)),
        )
        .route("/1/user/{name}/listens", get(listenbrainz::user_listens))
        .route("/1/user/{name}/playing-now", get(listenbrainz::playing_now))
        .route("/media/{kind}/{file}", get(media::image))
        .route("/party/{id}/ws", get(party_ws::socket))
        .route("/account/export.json", get(export_my_data))
        .route("/artist/{id}/insights.csv", get(artist_insights_csv))
        .route("/admin/analytics.csv", get(analytics_csv))
        .route(
            "/artist/{id}/uploads",
            axum::routing::post(uploads::upload).layer(axum::extract::DefaultBodyLimit::max(
                (cfg.upload_max_mb as usize * 1024 * 1024 + 64 * 1024)
                    * (encore::service::uploads::MAX_FILES + 1),
            )),
        )
        .route(
            "/import",
            axum::routing::post(uploads::history).layer(axum::extract::DefaultBodyLimit::max(
                cfg.import_max_mb as usize * 1024 * 1024 + 64 * 1024,
            )),
        )
        .route(
            "/artist/{id}/image",
            axum::routing::post(uploads::artist_image).layer(axum::extract::DefaultBodyLimit::max(
                encore::upload::MAX_COVER_BYTES as usize + 64 * 1024,
            )),
        )
        .leptos_routes_with_context(&state, routes, provide.clone(), move || {
            shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide, shell))
        .layer(session_layer)
        .layer(middleware::from_fn_with_state(state.clone(), csrf_guard))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// `GET /account/export.json`: the signed-in user's data as a JSON download.
async fn export_my_data(
    State(state): State<AppState>,
    session: tower_sessions::Session,
) -> Response {
    let me = match signed_in(&state, &session, "Sign in to download your data.").await {
        Ok(me) => me,
        Err(r) => return r,
    };
    match encore::service::export::export_user_data(&state.ctx.repos, &me).await {
        Ok(v) => (
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"encore-{}.json\"", me.username),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            Json(v),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "export failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Could not export your data; try again.",
            )
                .into_response()
        }
    }
}

#[derive(serde::Deserialize)]
struct DaysQuery {
    days: Option<u32>,
}

/// The signed-in user of a plain handler, or the response to send instead.
pub(crate) async fn signed_in(
    state: &AppState,
    session: &tower_sessions::Session,
    unauthorized: &'static str,
) -> Result<encore::model::SessionUser, Response> {
    match encore_app::server::user_from_session(session, &state.ctx).await {
        Ok(Some(me)) => Ok(me),
        Ok(None) => Err((StatusCode::UNAUTHORIZED, unauthorized).into_response()),
        Err(_) => Err((StatusCode::SERVICE_UNAVAILABLE, "Try again shortly.").into_response()),
    }
}

/// A CSV download, or the refusal for `Forbidden` / `NotFound`.
fn csv_download(what: &str, result: encore::Result<(String, String)>) -> Response {
    match result {
        Ok((filename, body)) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            body,
        )
            .into_response(),
        Err(encore::Error::Forbidden) => {
            (StatusCode::FORBIDDEN, "You may not download this.").into_response()
        }
        Err(encore::Error::NotFound) => (StatusCode::NOT_FOUND, "Not found.").into_response(),
        Err(e) => {
            tracing::error!(error = %e, what, "CSV export failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Could not export; try again.",
            )
                .into_response()
        }
    }
}

/// `GET /artist/{id}/insights.csv?days=28`: the dashboard's per-song table (linked
/// accounts and admins only).
async fn artist_insights_csv(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    axum::extract::Path(id): axum::extract::Path<String>,
    axum::extract::Query(q): axum::extract::Query<DaysQuery>,
) -> Response {
    let me = match signed_in(&state, &session, "Sign in first.").await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return (StatusCode::NOT_FOUND, "No such artist.").into_response();
    };
    let days = q.days.unwrap_or(28);
    let r = encore::service::artists::dashboard(&state.ctx.repos, &me, id, days).await;
    csv_download(
        "insights",
        r.map(|d| {
            (
                format!("encore-insights-{id}-{}d.csv", d.days),
                d.songs_csv(),
            )
        }),
    )
}

/// `GET /admin/analytics.csv?days=28`: the analytics' per-day series (admins only).
async fn analytics_csv(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    axum::extract::Query(q): axum::extract::Query<DaysQuery>,
) -> Response {
    let me = match signed_in(&state, &session, "Sign in first.").await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let r =
        encore::service::analytics::analytics(&state.ctx.repos, &me, q.days.unwrap_or(28)).await;
    csv_download(
        "analytics",
        r.map(|a| (format!("encore-analytics-{}d.csv", a.days), a.days_csv())),
    )
}

/// `/healthz`: 200 when both stores answer, otherwise 503 naming the one that does not.
async fn healthz(State(state): State<AppState>) -> Response {
    let repos: &Repos = &state.ctx.repos;
    let (pg, mongo) = tokio::join!(
        encore::db::pg_health(&repos.pg),
        encore::db::mongo_health(&repos.mongo)
    );
    let ok = pg.ok && mongo.ok;
    let mut failing = vec![];
    if !pg.ok {
        failing.push("postgres");
    }
    if !mongo.ok {
        failing.push("mongodb");
    }
    let body = serde_json::json!({
        "status": if ok { "ok" } else { "unavailable" },
        "failing": failing,
        "postgres": pg,
        "mongodb": mongo,
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// Refuses state-changing requests (and WebSocket handshakes) from other sites: the `Origin` (or, failing that,
/// `Sec-Fetch-Site`) must be this site. Requests without either header come from
/// non-browser clients, which cannot carry a victim's SameSite=Lax cookie anyway.
async fn csrf_guard(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    // A WebSocket handshake is a GET that carries the session cookie into a live
    // connection: it gets the same origin check as a form post.
    let upgrade = req
        .headers()
        .get(header::UPGRADE)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"));
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) && !upgrade {
        return next.run(req).await;
    }
    // The app APIs (Subsonic, ListenBrainz) authenticate every request with their own
    // credentials (never the session cookie), so a web player on another site may call them.
    if req.uri().path().starts_with("/rest/") || req.uri().path().starts_with("/1/") {
        return next.run(req).await;
    }
    let headers = req.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let allowed = match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => {
            let authority = origin.split_once("://").map(|(_, a)| a).unwrap_or("");
            (!host.is_empty() && authority == host)
                || state.public_origin.as_deref().is_some_and(|p| p == origin)
        }
        None => match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
            Some(site) => site == "same-origin" || site == "none",
            None => true,
        },
    };
    if allowed {
        next.run(req).await
    } else {
        tracing::warn!(method = %req.method(), uri = %req.uri(), "cross-site request refused");
        (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response()
    }
}

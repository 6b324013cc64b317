//! Server-only helpers for server functions: the shared context, the session's user,
//! the client's address, cookies and HTTP status during SSR.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use encore::{
    model::{SessionUser, UserStatus},
    repo::Repos,
    service::auth::AuthService,
};
use http::{header, HeaderMap, StatusCode};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use tower_sessions::Session;
use uuid::Uuid;

use crate::error::AppError;

/// What server functions get from the server, provided with `leptos_routes_with_context`.
#[derive(Clone)]
pub struct ServerContext {
    pub repos: Repos,
    pub auth: AuthService,
    pub search: encore::search::SearchIndex,
    /// Header carrying the listener's country (e.g. `CF-IPCountry`), set by a proxy.
    pub country_header: Option<String>,
    /// Trust `X-Forwarded-For` for the client address (behind a proxy only).
    pub trust_forwarded_for: bool,
    /// Largest audio file an artist may upload, in bytes.
    pub upload_max_bytes: u64,
    /// Largest listening-history file a user may import, in bytes.
    pub import_max_bytes: u64,
}

static PROCESS_CTX: std::sync::OnceLock<ServerContext> = std::sync::OnceLock::new();

/// Registers the process's context as well: a resource of a suspended view that was
/// re-rendered during SSR keeps running after its owner (and so the request's context)
/// was disposed; its result is thrown away, but it should not fail on the way.
pub fn install(ctx: ServerContext) {
    let _ = PROCESS_CTX.set(ctx);
}

#[track_caller]
pub fn ctx() -> Result<ServerContext, AppError> {
    let caller = std::panic::Location::caller();
    // The process's context first: it is the one every request is given, and reading the
    // reactive owner's context from a resource whose owner was disposed deadlocked a
    // worker thread in reactive_graph 0.2.16 (the owner's cleanup ran inside
    // `use_context`, waiting on its own lock).
    PROCESS_CTX
        .get()
        .cloned()
        .or_else(use_context::<ServerContext>)
        .ok_or_else(|| {
            tracing::error!(%caller, "ServerContext missing");
            AppError::Internal
        })
}

pub const SESSION_USER: &str = "uid";
pub const SESSION_EPOCH: &str = "epoch";

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "no session layer");
        AppError::Internal
    })
}

/// The signed-in user of this request. A session whose user was suspended, deleted or
/// whose password changed since (epoch mismatch) is ended here.
pub async fn session_user() -> Result<Option<SessionUser>, AppError> {
    user_from_session(&session().await?, &ctx()?).await
}

/// The same check for plain axum handlers (audio streaming, media).
pub async fn user_from_session(
    session: &Session,
    ctx: &ServerContext,
) -> Result<Option<SessionUser>, AppError> {
    let Some(uid) = session.get::<Uuid>(SESSION_USER).await? else {
        return Ok(None);
    };
    let epoch = session.get::<i32>(SESSION_EPOCH).await?.unwrap_or(-1);
    match ctx.repos.accounts.session_state(uid).await? {
        Some(s) if s.session_epoch == epoch && s.user.status == UserStatus::Active => {
            Ok(Some(s.user.session_user()))
        }
        _ => {
            session.flush().await?;
            Ok(None)
        }
    }
}

/// Like [`session_user`], but an absent user is `Unauthorized`.
pub async fn require_user() -> Result<SessionUser, AppError> {
    session_user().await?.ok_or(AppError::Unauthorized)
}

/// For page data: the signed-in user, or a redirect to sign-in that comes back to `next`
/// (a 302 during SSR; hydrated, the client follows the server function's redirect).
pub async fn require_user_or_redirect(next: &str) -> Result<SessionUser, AppError> {
    match session_user().await? {
        Some(u) => Ok(u),
        None => {
            leptos_axum::redirect(&format!(
                "/signin?next={}",
                crate::url::encode(&safe_next(next))
            ));
            Err(AppError::Unauthorized)
        }
    }
}

/// Maps `Forbidden` to an HTTP 403 during SSR.
pub fn forbidden_status(e: AppError) -> AppError {
    if e == AppError::Forbidden {
        set_status(StatusCode::FORBIDDEN);
    }
    e
}

pub async fn client_ip() -> String {
    let trust = use_context::<ServerContext>()
        .map(|c| c.trust_forwarded_for)
        .unwrap_or(false);
    if trust {
        if let Some(parts) = use_context::<http::request::Parts>() {
            if let Some(first) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
            {
                return first.trim().to_string();
            }
        }
    }
    match leptos_axum::extract::<ConnectInfo<SocketAddr>>().await {
        Ok(ConnectInfo(addr)) => addr.ip().to_string(),
        Err(_) => "unknown".into(),
    }
}

/// The listener's country from the configured header, as an upper-case ISO code.
pub fn request_country(ctx: &ServerContext) -> String {
    ctx.country_header
        .as_deref()
        .and_then(|h| {
            use_context::<http::request::Parts>()?
                .headers
                .get(h)?
                .to_str()
                .ok()
                .map(str::to_string)
        })
        .filter(|c| c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()))
        .map(|c| c.to_ascii_uppercase())
        .unwrap_or_else(|| "ZZ".into())
}

pub fn user_agent() -> String {
    use_context::<http::request::Parts>()
        .and_then(|p| {
            p.headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_default()
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn set_status(status: StatusCode) {
    if let Some(r) = use_context::<ResponseOptions>() {
        r.set_status(status);
    }
}

pub fn append_header(name: header::HeaderName, value: &str) {
    if let (Some(r), Ok(v)) = (
        use_context::<ResponseOptions>(),
        http::HeaderValue::from_str(value),
    ) {
        r.append_header(name, v);
    }
}

/// Only same-site absolute paths are allowed as post-sign-in targets (no open redirect).
pub fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        "/".to_string()
    }
}

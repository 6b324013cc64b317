//! Media routes: audio streaming (signed-in users, HTTP Range via tower-http's ServeFile)
//! and generated images. No request value ever becomes a path: ids are parsed as UUIDs
//! and audio file names come from the database, checked against a strict pattern.

use std::path::PathBuf;

use axum::{
    body::Body,
    extract::{Path, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use encore::{
    catalog::SongStatus,
    model::SessionUser,
    renditions::{self, Quality},
    repo::catalog::is_safe_media_name,
    service::uploads::may_hear,
    upload::{cover_mime, is_safe_cover_name},
};
use encore_app::server::user_from_session;
use tower::ServiceExt;
use tower_http::services::ServeFile;
use tower_sessions::Session;
use uuid::Uuid;

use crate::AppState;

fn status(code: StatusCode, msg: &'static str) -> Response {
    (code, msg).into_response()
}

/// `GET /stream/{song_id}`: 401 signed out, 404 unknown / pending / taken down, else the
/// file with Range support (206, Content-Range, 416).
pub async fn stream(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    req: Request<Body>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return status(StatusCode::NOT_FOUND, "No such song.");
    };
    let me = match user_from_session(&session, &state.ctx).await {
        Ok(Some(me)) => me,
        Ok(None) => return status(StatusCode::UNAUTHORIZED, "Sign in to listen."),
        Err(_) => return status(StatusCode::SERVICE_UNAVAILABLE, "Try again shortly."),
    };
    stream_for(&state, &me, id, None, req).await
}

/// The song's audio for `me` at their plan's quality, lowered to `cap` when an app asks
/// for less (also the Subsonic API's stream and download).
pub async fn stream_for(
    state: &AppState,
    me: &SessionUser,
    id: Uuid,
    cap: Option<Quality>,
    req: Request<Body>,
) -> Response {
    let song = match state.ctx.repos.catalog.song(id).await {
        Ok(Some((song, _))) => song,
        Ok(None) => return status(StatusCode::NOT_FOUND, "No such song."),
        Err(e) => {
            tracing::error!(error = %e, "stream lookup");
            return status(StatusCode::SERVICE_UNAVAILABLE, "Try again shortly.");
        }
    };
    // Pending uploads: only their artist and moderators (the review preview) hear them.
    match may_hear(&state.ctx.repos, me, &song).await {
        Ok(true) => {}
        Ok(false) => return status(StatusCode::NOT_FOUND, "No such song."),
        Err(e) => {
            tracing::error!(error = %e, "stream permission");
            return status(StatusCode::SERVICE_UNAVAILABLE, "Try again shortly.");
        }
    }
    let cache = if song.status == SongStatus::Published {
        "private, max-age=86400"
    } else {
        "private, no-store"
    };
    let Some(audio) = song.audio.filter(|a| is_safe_media_name(&a.file)) else {
        return status(StatusCode::NOT_FOUND, "No such song.");
    };
    let dir = state.data_dir.join("audio");
    match renditions::for_user(&state.ctx.repos, me, &dir, &audio, cap).await {
        Ok(chosen) => serve(chosen.path, req, &chosen.mime, cache).await,
        Err(e) => {
            tracing::error!(error = %e, file = %audio.file, "audio rendition");
            status(
                StatusCode::SERVICE_UNAVAILABLE,
                "This song could not be prepared for playback; try again shortly.",
            )
        }
    }
}

/// `GET /media/{kind}/{uuid}.svg` for generated covers and artist images, and
/// `/media/{covers,images}/<sha256>.<png|jpg|webp>` for uploaded covers and artist images.
pub async fn image(
    State(state): State<AppState>,
    Path((kind, file)): Path<(String, String)>,
    req: Request<Body>,
) -> Response {
    image_file(&state, &kind, &file, req).await
}

/// A cover or artist image by the kind and name its URL gives (also the Subsonic API's
/// getCoverArt).
pub async fn image_file(state: &AppState, kind: &str, file: &str, req: Request<Body>) -> Response {
    let Some((dir, name)) = image_name(kind, file) else {
        return status(StatusCode::NOT_FOUND, "Not found.");
    };
    let mime = cover_mime(&name);
    let path = state.data_dir.join(dir).join(name);
    serve(path, req, mime, "public, max-age=604800").await
}

/// The directory and file name an image URL names, if it is one (never a path from the
/// request: a UUID or a checked content-hash name).
fn image_name(kind: &str, file: &str) -> Option<(&'static str, String)> {
    let dir = match kind {
        "covers" => "covers",
        "images" => "images",
        _ => return None,
    };
    let name = match file
        .strip_suffix(".svg")
        .and_then(|s| Uuid::parse_str(s).ok())
    {
        Some(id) => format!("{id}.svg"),
        None if is_safe_cover_name(file) => file.to_string(),
        None => return None,
    };
    Some((dir, name))
}

/// Cover art for apps (Subsonic `getCoverArt`): a PNG at `size` px (SVG covers are always
/// drawn, at 600 px without a size); a stored PNG/JPEG/WebP as it is without one.
pub async fn cover_art(
    state: &AppState,
    kind: &str,
    file: &str,
    size: Option<u32>,
    req: Request<Body>,
) -> Response {
    let Some((dir, name)) = image_name(kind, file) else {
        return status(StatusCode::NOT_FOUND, "Not found.");
    };
    if size.is_none() && !name.ends_with(".svg") {
        return image_file(state, kind, file, req).await;
    }
    let size = size.unwrap_or(encore::covers::DEFAULT_SIZE);
    let base = state.data_dir.join(dir);
    match tokio::task::spawn_blocking(move || encore::covers::sized(&base, &name, size)).await {
        Ok(Ok(Some(path))) => serve(path, req, "image/png", "public, max-age=604800").await,
        Ok(Ok(None)) => status(StatusCode::NOT_FOUND, "Not found."),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "cover art");
            status(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The cover could not be drawn.",
            )
        }
        Err(e) => {
            tracing::warn!(error = %e, "cover art task");
            status(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The cover could not be drawn.",
            )
        }
    }
}

async fn serve(path: PathBuf, req: Request<Body>, mime: &str, cache: &'static str) -> Response {
    let mime: mime::Mime = mime.parse().unwrap_or(mime::APPLICATION_OCTET_STREAM);
    match ServeFile::new_with_mime(path, &mime).oneshot(req).await {
        Ok(mut res) => {
            if res.status() == StatusCode::NOT_FOUND {
                return status(StatusCode::NOT_FOUND, "Not found.");
            }
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            res.headers_mut().insert(
                "x-content-type-options",
                HeaderValue::from_static("nosniff"),
            );
            res.map(Body::new)
        }
        Err(never) => match never {},
    }
}

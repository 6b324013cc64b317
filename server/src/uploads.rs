//! `POST /artist/{id}/uploads`: the artist's multipart upload form. Who may upload is
//! checked before a byte of the body is read; each file streams to a temporary file
//! (`encore::upload::receive`), then `service::uploads::submit` probes and stores them.
//! A plain form post is answered with a redirect back to the uploads page (with the
//! outcome in the query); the page's script asks for JSON and follows the same URL.

use axum::{
    extract::{multipart::MultipartRejection, Multipart, Path, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Json,
};
use encore::{
    service::uploads::{self, UploadForm, MAX_FILES},
    upload::{receive, temp_dir, MAX_COVER_BYTES},
    Error,
};
use uuid::Uuid;

use crate::AppState;

/// Longest accepted text field (titles and the genre).
const MAX_TEXT: usize = 4096;

pub async fn upload(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    Path(id): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let Ok(artist) = Uuid::parse_str(&id) else {
        return (StatusCode::NOT_FOUND, "No such artist.").into_response();
    };
    let me = match crate::signed_in(&state, &session, "Sign in to upload.").await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let repos = &state.ctx.repos;
    match uploads::may_upload(repos, &me, artist).await {
        Ok(()) => {}
        Err(Error::Forbidden) => {
            return (StatusCode::FORBIDDEN, "You may not upload for this artist.").into_response()
        }
        Err(Error::NotFound) => return (StatusCode::NOT_FOUND, "No such artist.").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "upload permission check");
            return (StatusCode::SERVICE_UNAVAILABLE, "Try again shortly.").into_response();
        }
    }
    let back = |q: String| {
        let url = format!("/artist/{artist}/uploads?{q}");
        if json {
            Json(serde_json::json!({ "redirect": url })).into_response()
        } else {
            Redirect::to(&url).into_response()
        }
    };
    let fail = |msg: String| back(format!("error={}", encore_app::url::encode(&msg)));
    let Ok(mut multipart) = multipart else {
        return fail("The upload was not a form with files; try again.".into());
    };

    let dir = temp_dir(&state.data_dir);
    let max = state.ctx.upload_max_bytes;
    let mut form = UploadForm::default();
    let mut files = vec![];
    let mut cover = None;
    let outcome: Result<(), Error> = async {
        while let Some(field) = multipart.next_field().await.map_err(interrupted)? {
            let name = field.name().unwrap_or("").to_string();
            match name.as_str() {
                "file" | "cover" => {
                    let original = field.file_name().unwrap_or("").to_string();
                    // An empty file input still sends a part: no name, no bytes.
                    if original.is_empty() {
                        continue;
                    }
                    if name == "file" && files.len() >= MAX_FILES {
                        return Err(Error::field(
                            "file",
                            format!("Upload at most {MAX_FILES} files at a time."),
                        ));
                    }
                    let limit = if name == "file" { max } else { MAX_COVER_BYTES };
                    let got = receive(&dir, Box::pin(field), limit, &original).await?;
                    if name == "file" {
                        files.push(got);
                    } else {
                        cover = Some(got);
                    }
                }
                "title" | "album_title" | "genre" | "explicit" => {
                    let text = field.text().await.map_err(interrupted)?;
                    if text.len() > MAX_TEXT {
                        return Err(Error::field(&name, "That is far too long."));
                    }
                    match name.as_str() {
                        "title" => form.title = text,
                        "album_title" => form.album_title = text,
                        "genre" => form.genre = text,
                        _ => form.explicit = !text.is_empty(),
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
    .await;
    if let Err(e) = outcome {
        // Let the browser finish sending so it sees the answer (bounded by the body limit).
        while let Ok(Some(mut f)) = multipart.next_field().await {
            while let Ok(Some(_)) = f.chunk().await {}
        }
        drop((files, cover));
        return fail(message(e));
    }
    match uploads::submit(repos, &state.data_dir, &me, artist, form, files, cover).await {
        Ok(ids) => back(format!("sent={}", ids.len())),
        Err(e) => fail(message(e)),
    }
}

fn interrupted(e: axum::extract::multipart::MultipartError) -> Error {
    Error::field(
        "file",
        format!(
            "The upload was interrupted ({}); nothing was kept.",
            e.body_text()
        ),
    )
}

fn message(e: Error) -> String {
    match e {
        Error::Invalid(f) => f.to_string(),
        Error::Conflict(m) => m,
        Error::Forbidden => "You may not upload for this artist.".into(),
        Error::NotFound => "No such artist.".into(),
        e => {
            tracing::error!(error = %e, "upload failed");
            "The upload could not be stored; nothing was kept. Try again.".into()
        }
    }
}

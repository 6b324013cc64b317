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

/// How to answer: JSON `{"redirect": url}` for the page's script, else a redirect.
struct Reply {
    json: bool,
    page: String,
}

impl Reply {
    fn new(headers: &HeaderMap, page: String) -> Self {
        let json = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json"));
        Reply { json, page }
    }

    fn to(&self, query: &str) -> Response {
        let url = format!("{}?{query}", self.page);
        if self.json {
            Json(serde_json::json!({ "redirect": url })).into_response()
        } else {
            Redirect::to(&url).into_response()
        }
    }

    fn fail(&self, msg: &str) -> Response {
        self.to(&format!("error={}", encore_app::url::encode(msg)))
    }
}

/// Signed in and allowed to manage the artist — checked before the body is read.
async fn manager(
    state: &AppState,
    session: &tower_sessions::Session,
    id: &str,
) -> Result<(encore::model::SessionUser, Uuid), Response> {
    let Ok(artist) = Uuid::parse_str(id) else {
        return Err((StatusCode::NOT_FOUND, "No such artist.").into_response());
    };
    let me = crate::signed_in(state, session, "Sign in first.").await?;
    match uploads::may_upload(&state.ctx.repos, &me, artist).await {
        Ok(()) => Ok((me, artist)),
        Err(Error::Forbidden) => {
            Err((StatusCode::FORBIDDEN, "You may not manage this artist.").into_response())
        }
        Err(Error::NotFound) => Err((StatusCode::NOT_FOUND, "No such artist.").into_response()),
        Err(e) => {
            tracing::error!(error = %e, "artist permission check");
            Err((StatusCode::SERVICE_UNAVAILABLE, "Try again shortly.").into_response())
        }
    }
}

/// Reads what is left of a refused body, so the browser gets to see the answer (bounded
/// by the route's body limit).
async fn drain(multipart: &mut Multipart) {
    while let Ok(Some(mut f)) = multipart.next_field().await {
        while let Ok(Some(_)) = f.chunk().await {}
    }
}

/// The one file sent as `name` (other fields ignored), streamed to a temporary file; on
/// an error the rest of the body is read and dropped.
async fn single_file(
    multipart: &mut Multipart,
    name: &str,
    state: &AppState,
    max: u64,
) -> Result<Option<encore::upload::Received>, Error> {
    let mut file = None;
    let got: Result<(), Error> = async {
        while let Some(field) = multipart.next_field().await.map_err(interrupted)? {
            let original = field.file_name().unwrap_or("").to_string();
            if field.name() == Some(name) && !original.is_empty() && file.is_none() {
                let dir = temp_dir(&state.data_dir);
                file = Some(receive(&dir, Box::pin(field), max, &original).await?);
            }
        }
        Ok(())
    }
    .await;
    match got {
        Ok(()) => Ok(file),
        Err(e) => {
            drain(multipart).await;
            Err(e)
        }
    }
}

pub async fn upload(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    Path(id): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let (me, artist) = match manager(&state, &session, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let repos = &state.ctx.repos;
    let reply = Reply::new(&headers, format!("/artist/{artist}/uploads"));
    let Ok(mut multipart) = multipart else {
        return reply.fail("The upload was not a form with files; try again.");
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
        drain(&mut multipart).await;
        drop((files, cover));
        return reply.fail(&message(e));
    }
    match uploads::submit(repos, &state.data_dir, &me, artist, form, files, cover).await {
        Ok(ids) => reply.to(&format!("sent={}", ids.len())),
        Err(e) => reply.fail(&message(e)),
    }
}

/// `POST /artist/{id}/image`: a linked artist's new picture (one `image` file field).
pub async fn artist_image(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    Path(id): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let (me, artist) = match manager(&state, &session, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let reply = Reply::new(&headers, format!("/artist/{artist}/insights"));
    let Ok(mut multipart) = multipart else {
        return reply.fail("Choose an image file.");
    };
    let image = match single_file(&mut multipart, "image", &state, MAX_COVER_BYTES).await {
        Ok(Some(f)) => f,
        Ok(None) => return reply.fail("Choose an image file."),
        Err(e) => return reply.fail(&message(e)),
    };
    match encore::service::artists::set_image(&state.ctx.repos, &state.data_dir, &me, artist, image)
        .await
    {
        Ok(()) => reply.to("saved=image"),
        Err(e) => reply.fail(&message(e)),
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
        Error::Forbidden => "You may not manage this artist.".into(),
        Error::NotFound => "No such artist.".into(),
        e => {
            tracing::error!(error = %e, "upload failed");
            "The upload could not be stored; nothing was kept. Try again.".into()
        }
    }
}

/// `POST /import`: a signed-in user's listening-history file (one `file` field). The
/// whole file is checked before it is queued; the import page shows the job's progress.
pub async fn history(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let me = match crate::signed_in(&state, &session, "Sign in to import your history.").await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let reply = Reply::new(&headers, "/import".into());
    let Ok(mut multipart) = multipart else {
        return reply.fail("Choose a history file.");
    };
    let max = state.ctx.import_max_bytes;
    let file = match single_file(&mut multipart, "file", &state, max).await {
        Ok(Some(f)) => f,
        Ok(None) => return reply.fail("Choose a history file."),
        Err(e) => return reply.fail(&message(e)),
    };
    match encore::service::imports::upload(&state.ctx.repos, &state.data_dir, &me, file).await {
        Ok(_) => reply.to("started=1"),
        Err(e) => reply.fail(&message(e)),
    }
}

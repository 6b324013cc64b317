//! Playlists and likes. Every action re-checks permissions in the service; ids in a
//! request never grant anything by themselves.

use encore::{
    catalog::SongRow,
    playlists::{PlaylistPage, PlaylistSummary},
};
use leptos::prelude::*;

use crate::error::AppError;

#[cfg(feature = "ssr")]
fn id(s: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(s.trim()).map_err(|_| AppError::NotFound)
}

#[cfg(feature = "ssr")]
fn visibility(s: &str) -> Result<encore::playlists::Visibility, AppError> {
    encore::playlists::Visibility::parse(s).ok_or_else(|| {
        AppError::Invalid(encore::FieldErrors::single(
            "visibility",
            "Pick public, unlisted or private.",
        ))
    })
}

#[server(endpoint = "playlists/create")]
pub async fn create_playlist(
    title: String,
    description: String,
    visibility: String,
) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let vis = self::visibility(&visibility)?;
    let pid =
        encore::service::playlists::create(&ctx()?.repos, &me, &title, &description, vis).await?;
    leptos_axum::redirect(&format!("/playlist/{pid}"));
    Ok(())
}

#[server(endpoint = "playlists/get")]
pub async fn get_playlist(id: String, after: Option<f64>) -> Result<PlaylistPage, AppError> {
    use crate::server::*;
    let me = session_user().await?;
    encore::service::playlists::page(&ctx()?.repos, self::id(&id)?, me.as_ref(), after)
        .await
        .map_err(|e| {
            let e = AppError::from(e);
            if e == AppError::NotFound {
                set_status(http::StatusCode::NOT_FOUND);
            }
            e
        })
}

#[server(endpoint = "playlists/update")]
pub async fn update_playlist(
    id: String,
    title: String,
    description: String,
    visibility: String,
    collaborative: Option<String>,
) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let pid = self::id(&id)?;
    let vis = self::visibility(&visibility)?;
    encore::service::playlists::update(
        &ctx()?.repos,
        &me,
        pid,
        &title,
        &description,
        vis,
        collaborative.is_some(),
    )
    .await?;
    leptos_axum::redirect(&format!("/playlist/{pid}?saved=details"));
    Ok(())
}

#[server(endpoint = "playlists/delete")]
pub async fn delete_playlist(id: String) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    encore::service::playlists::delete(&ctx()?.repos, &me, self::id(&id)?).await?;
    leptos_axum::redirect("/library?saved=deleted");
    Ok(())
}

/// Adds a song, then goes back to the page the form was on (`back`, a same-site path;
/// the song page when missing).
#[server(endpoint = "playlists/add")]
pub async fn add_to_playlist(
    playlist_id: String,
    song_id: String,
    back: Option<String>,
) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let (pid, sid) = (self::id(&playlist_id)?, self::id(&song_id)?);
    encore::service::playlists::add_song(&ctx()?.repos, &me, pid, sid).await?;
    let back = back
        .filter(|b| !b.is_empty())
        .map(|b| safe_next(&b))
        .unwrap_or_else(|| format!("/song/{sid}"));
    leptos_axum::redirect(&crate::url::with_saved(&back, "added"));
    Ok(())
}

/// A new playlist that starts with one song (from the add-to-playlist page).
#[server(endpoint = "playlists/create_with")]
pub async fn create_playlist_with(
    title: String,
    song_id: String,
    back: Option<String>,
) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let sid = self::id(&song_id)?;
    let repos = ctx()?.repos;
    // Checked before creating, so a bad song leaves no empty playlist behind.
    repos
        .catalog
        .song(sid)
        .await?
        .filter(|(s, _)| s.status == encore::catalog::SongStatus::Published)
        .ok_or(AppError::NotFound)?;
    let pid = encore::service::playlists::create(
        &repos,
        &me,
        &title,
        "",
        encore::playlists::Visibility::Private,
    )
    .await?;
    encore::service::playlists::add_song(&repos, &me, pid, sid).await?;
    let back = back
        .filter(|b| !b.is_empty())
        .map(|b| safe_next(&b))
        .unwrap_or_else(|| format!("/playlist/{pid}"));
    leptos_axum::redirect(&crate::url::with_saved(&back, "added"));
    Ok(())
}

/// For the add-to-playlist page: the song and the playlists the user may add it to.
#[server(endpoint = "playlists/add_menu")]
pub async fn add_menu(
    song_id: String,
    back: Option<String>,
) -> Result<(SongRow, Vec<PlaylistSummary>), AppError> {
    use crate::server::*;
    let mut next = format!("/add-to-playlist?song={}", crate::url::encode(&song_id));
    if let Some(b) = back.filter(|b| !b.is_empty()) {
        next.push_str(&format!("&back={}", crate::url::encode(&b)));
    }
    let me = require_user_or_redirect(&next).await?;
    let repos = ctx()?.repos;
    let sid = self::id(&song_id)?;
    let song = repos
        .catalog
        .song(sid)
        .await?
        .filter(|(s, _)| s.status == encore::catalog::SongStatus::Published);
    let Some(row) = song.map(|(s, cover)| s.row(cover)) else {
        set_status(http::StatusCode::NOT_FOUND);
        return Err(AppError::NotFound);
    };
    Ok((row, repos.playlists.editable(me.id).await?))
}

#[server(endpoint = "playlists/remove")]
pub async fn remove_from_playlist(id: String, item_id: String) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let pid = self::id(&id)?;
    encore::service::playlists::remove_item(&ctx()?.repos, &me, pid, self::id(&item_id)?).await?;
    leptos_axum::redirect(&format!("/playlist/{pid}?saved=removed"));
    Ok(())
}

/// Moves an item before another (empty: to the end), if the playlist is still at
/// `version`.
#[server(endpoint = "playlists/move")]
pub async fn move_in_playlist(
    id: String,
    item_id: String,
    before: Option<String>,
    version: i64,
) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let pid = self::id(&id)?;
    let before = match before.filter(|b| !b.is_empty()) {
        Some(b) => Some(self::id(&b)?),
        None => None,
    };
    encore::service::playlists::move_item(
        &ctx()?.repos,
        &me,
        pid,
        self::id(&item_id)?,
        before,
        version,
    )
    .await?;
    leptos_axum::redirect(&format!("/playlist/{pid}?saved=moved"));
    Ok(())
}

#[server(endpoint = "playlists/invite")]
pub async fn invite_collaborator(
    id: String,
    username: String,
    role: String,
) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let pid = self::id(&id)?;
    let role = encore::playlists::CollabRole::parse(&role).ok_or_else(|| {
        AppError::Invalid(encore::FieldErrors::single(
            "role",
            "Pick editor or viewer.",
        ))
    })?;
    encore::service::playlists::set_collaborator(&ctx()?.repos, &me, pid, &username, role).await?;
    leptos_axum::redirect(&format!("/playlist/{pid}?saved=invited"));
    Ok(())
}

#[server(endpoint = "playlists/uninvite")]
pub async fn remove_collaborator(id: String, user_id: String) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let pid = self::id(&id)?;
    encore::service::playlists::remove_collaborator(&ctx()?.repos, &me, pid, self::id(&user_id)?)
        .await?;
    leptos_axum::redirect(&format!("/playlist/{pid}?saved=uninvited"));
    Ok(())
}

#[server(endpoint = "playlists/save")]
pub async fn save_playlist(id: String, saved: bool) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let pid = self::id(&id)?;
    encore::service::playlists::set_saved(&ctx()?.repos, &me, pid, saved).await?;
    leptos_axum::redirect(&format!("/playlist/{pid}"));
    Ok(())
}

/// The Library: own and shared playlists, saved playlists.
#[server(endpoint = "playlists/library")]
pub async fn my_playlists() -> Result<(Vec<PlaylistSummary>, Vec<PlaylistSummary>), AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/library").await?;
    let repos = ctx()?.repos;
    Ok((
        repos.playlists.library(me.id).await?,
        repos.playlists.saved(me.id).await?,
    ))
}

#[server(endpoint = "playlists/public")]
pub async fn public_playlists() -> Result<Vec<PlaylistSummary>, AppError> {
    Ok(crate::server::ctx()?.repos.playlists.public(100).await?)
}

/// For the song page: the playlists the user can add to (`None` when signed out).
#[server(endpoint = "playlists/song_menu")]
pub async fn song_menu(song_id: String) -> Result<Option<Vec<PlaylistSummary>>, AppError> {
    use crate::server::*;
    let Some(me) = session_user().await? else {
        return Ok(None);
    };
    self::id(&song_id)?;
    Ok(Some(ctx()?.repos.playlists.editable(me.id).await?))
}

#[cfg(feature = "ssr")]
fn like_kind(s: &str) -> Result<encore::model::LikeKind, AppError> {
    encore::model::LikeKind::parse(s).ok_or(AppError::NotFound)
}

/// Likes or unlikes a song, album or playlist; back to `back` afterwards.
#[server(endpoint = "likes/set")]
pub async fn set_like(
    kind: String,
    target_id: String,
    liked: bool,
    back: String,
) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    encore::service::social::set_like(
        &ctx()?.repos,
        &me,
        like_kind(&kind)?,
        self::id(&target_id)?,
        liked,
    )
    .await?;
    leptos_axum::redirect(&safe_next(&back));
    Ok(())
}

#[server(endpoint = "likes/state")]
pub async fn get_like_state(
    kind: String,
    target_id: String,
) -> Result<encore::model::LikeState, AppError> {
    use crate::server::*;
    let me = session_user().await?;
    Ok(encore::service::social::like_state(
        &ctx()?.repos,
        me.as_ref(),
        like_kind(&kind)?,
        self::id(&target_id)?,
    )
    .await?)
}

#[server(endpoint = "likes/songs")]
pub async fn liked_songs() -> Result<Vec<SongRow>, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/collection/tracks").await?;
    let repos = ctx()?.repos;
    let ids = repos.accounts.liked_song_ids(me.id, 1000).await?;
    Ok(repos.catalog.song_rows(&ids).await?)
}

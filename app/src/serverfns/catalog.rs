//! Catalog pages' data. Explicit songs are removed on the server when the signed-in
//! user's filter says so; unpublished songs never leave the repository layer.

use encore::catalog::*;
use leptos::prelude::*;

use crate::error::AppError;

#[cfg(feature = "ssr")]
pub(crate) async fn explicit_filter() -> Result<bool, AppError> {
    use crate::server::*;
    Ok(match session_user().await? {
        Some(me) => {
            ctx()?
                .repos
                .accounts
                .preferences(me.id)
                .await?
                .explicit_filter
        }
        None => false,
    })
}

#[cfg(feature = "ssr")]
fn parse_id(id: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(id).map_err(|_| not_found())
}

#[cfg(feature = "ssr")]
pub(crate) fn not_found() -> AppError {
    crate::server::set_status(http::StatusCode::NOT_FOUND);
    AppError::NotFound
}

#[cfg(feature = "ssr")]
pub(crate) fn keep(rows: &mut Vec<SongRow>, hide_explicit: bool) -> u32 {
    let before = rows.len();
    if hide_explicit {
        rows.retain(|r| !r.explicit);
    }
    (before - rows.len()) as u32
}

#[server(endpoint = "catalog/home")]
pub async fn get_home_catalog() -> Result<HomeCatalog, AppError> {
    let mut home = crate::server::ctx()?.repos.catalog.home().await?;
    keep(&mut home.popular, explicit_filter().await?);
    Ok(home)
}

#[server(endpoint = "catalog/artist")]
pub async fn get_artist(id: String) -> Result<ArtistPage, AppError> {
    let id = parse_id(&id)?;
    let ctx = crate::server::ctx()?;
    let artist = ctx.repos.catalog.artist(id).await?.ok_or_else(not_found)?;
    let (top, albums, followers, listeners) = tokio::join!(
        ctx.repos.catalog.top_songs_by_artist(id, 10),
        ctx.repos.catalog.albums_by_artist(id),
        ctx.repos.accounts.artist_follower_count(id),
        ctx.repos.listening.unique_listeners(
            encore::repo::listening::Listened::Artist,
            id,
            chrono::Utc::now().date_naive(),
            28
        ),
    );
    let mut top_songs = top?;
    keep(&mut top_songs, explicit_filter().await?);
    let following = match crate::server::session_user().await? {
        Some(me) => Some(ctx.repos.accounts.follows_artist(me.id, id).await?),
        None => None,
    };
    Ok(ArtistPage {
        artist,
        followers: followers?,
        monthly_listeners: listeners?,
        following,
        top_songs,
        albums: albums?,
    })
}

#[server(endpoint = "catalog/album")]
pub async fn get_album(id: String) -> Result<AlbumPage, AppError> {
    let id = parse_id(&id)?;
    let ctx = crate::server::ctx()?;
    let album = ctx.repos.catalog.album(id).await?.ok_or_else(not_found)?;
    let mut tracks = ctx.repos.catalog.album_tracks(id).await?;
    let hidden_explicit = keep(&mut tracks, explicit_filter().await?);
    Ok(AlbumPage {
        album,
        tracks,
        hidden_explicit,
    })
}

#[server(endpoint = "catalog/song")]
pub async fn get_song(id: String) -> Result<SongPage, AppError> {
    let id = parse_id(&id)?;
    let ctx = crate::server::ctx()?;
    let (song, cover) = ctx.repos.catalog.song(id).await?.ok_or_else(not_found)?;
    if song.status != SongStatus::Published {
        return Err(not_found());
    }
    let hidden_by_filter = song.explicit && explicit_filter().await?;
    let listeners_28d = ctx
        .repos
        .listening
        .unique_listeners(
            encore::repo::listening::Listened::Song,
            id,
            chrono::Utc::now().date_naive(),
            28,
        )
        .await?;
    Ok(SongPage {
        song,
        cover,
        hidden_by_filter,
        listeners_28d,
    })
}

#[server(endpoint = "catalog/artists")]
pub async fn browse_artists(
    initial: String,
    after: Option<String>,
) -> Result<BrowsePage<ArtistSummary>, AppError> {
    let initial = sort_initial(&initial);
    let after = after.filter(|a| !a.is_empty());
    Ok(crate::server::ctx()?
        .repos
        .catalog
        .artists_by_initial(&initial, after.as_deref(), 48)
        .await?)
}

#[server(endpoint = "catalog/albums")]
pub async fn browse_albums(
    year: i32,
    oldest: bool,
    after: Option<String>,
) -> Result<BrowsePage<Album>, AppError> {
    if !(1900..=2100).contains(&year) {
        return Err(AppError::Invalid(encore::FieldErrors::single(
            "year",
            "Pick a year between 1900 and 2100.",
        )));
    }
    let cursor = after.as_deref().and_then(|a| {
        let (d, id) = a.split_once('_')?;
        Some((d.parse().ok()?, uuid::Uuid::parse_str(id).ok()?))
    });
    Ok(crate::server::ctx()?
        .repos
        .catalog
        .albums_by_year(year, !oldest, cursor, 48)
        .await?)
}

#[server(endpoint = "catalog/genre")]
pub async fn get_genre(name: String) -> Result<GenrePage, AppError> {
    let name = name.trim().to_lowercase();
    if name.is_empty() || name.len() > 40 {
        return Err(not_found());
    }
    let mut page = crate::server::ctx()?.repos.catalog.genre(&name, 50).await?;
    if page.artists.is_empty() && page.songs.is_empty() {
        return Err(not_found());
    }
    keep(&mut page.songs, explicit_filter().await?);
    Ok(page)
}

/// Songs, artists and albums from the search index; people from PostgreSQL.
#[server(endpoint = "catalog/search")]
pub async fn search(q: String) -> Result<SearchResults, AppError> {
    let q: String = q.chars().take(100).collect();
    if q.trim().is_empty() {
        return Ok(SearchResults::default());
    }
    let ctx = crate::server::ctx()?;
    let mut results = ctx.search.search(&q, 8)?;
    keep(&mut results.songs, explicit_filter().await?);
    let prefix = encore::validate::normalize_username(&q);
    if prefix.len() <= 30 && !prefix.contains(' ') {
        results.users = ctx.repos.accounts.search_users(&prefix, 5).await?;
    }
    results.playlists = ctx.repos.playlists.search_public(q.trim(), 5).await?;
    Ok(results)
}

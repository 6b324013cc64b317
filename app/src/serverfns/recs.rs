//! Discover, generated playlists, recommendation clicks and the variants' numbers.

use encore::recommend::{AutoPlaylist, DiscoverPage, VariantStats};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;

#[server(endpoint = "recs/discover")]
pub async fn get_discover() -> Result<DiscoverPage, AppError> {
    use crate::server::*;
    let me = session_user().await?;
    let mut page = encore::service::recommend::discover(&ctx()?.repos, me.as_ref()).await?;
    let hide = crate::serverfns::catalog::explicit_filter().await?;
    for shelf in &mut page.shelves {
        crate::serverfns::catalog::keep(&mut shelf.songs, hide);
    }
    crate::serverfns::catalog::keep(&mut page.daily_mix, hide);
    page.shelves.retain(|s| !s.songs.is_empty());
    Ok(page)
}

#[server(endpoint = "recs/playlist")]
pub async fn get_auto_playlist(slug: String) -> Result<AutoPlaylist, AppError> {
    use crate::server::*;
    let mut list = ctx()?
        .repos
        .recs
        .auto_playlist(&slug)
        .await?
        .ok_or_else(crate::serverfns::catalog::not_found)?;
    crate::serverfns::catalog::keep(
        &mut list.songs,
        crate::serverfns::catalog::explicit_filter().await?,
    );
    Ok(list)
}

/// A recommended song was opened (a plain link, so it works without JavaScript): counts
/// the click for the variant, then goes to the song.
#[server(endpoint = "recs/open", input = GetUrl)]
pub async fn open_recommendation(variant: String, song_id: String) -> Result<(), AppError> {
    use crate::server::*;
    let id = uuid::Uuid::parse_str(&song_id).map_err(|_| AppError::NotFound)?;
    encore::service::recommend::click(&ctx()?.repos, &variant).await?;
    leptos_axum::redirect(&format!("/song/{id}"));
    Ok(())
}

#[server(endpoint = "admin/recs")]
pub async fn admin_variant_stats() -> Result<Vec<VariantStats>, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/admin/recommendations").await?;
    encore::service::recommend::variant_stats(&ctx()?.repos, &me, 28)
        .await
        .map_err(|e| forbidden_status(e.into()))
}

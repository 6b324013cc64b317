//! Following and blocking. The actor is always the session's user.

use encore::model::{PublicProfile, Relation, UserSummary};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileView {
    pub profile: PublicProfile,
    pub is_me: bool,
    /// `None` when signed out or looking at yourself.
    pub relation: Option<Relation>,
    pub followers: Vec<UserSummary>,
    pub following: Vec<UserSummary>,
    pub playlists: Vec<encore::playlists::PlaylistSummary>,
    /// Recently played and top artists lately, when the user shows their listening.
    pub listening: Option<(
        Vec<encore::catalog::SongRow>,
        Vec<encore::listening::Ranked<encore::listening::NamedRef>>,
    )>,
}

#[cfg(feature = "ssr")]
async fn target(username: &str) -> Result<PublicProfile, AppError> {
    let uname = encore::validate::normalize_username(username);
    crate::server::ctx()?
        .repos
        .accounts
        .profile_by_username(&uname)
        .await?
        .ok_or_else(|| {
            crate::server::set_status(http::StatusCode::NOT_FOUND);
            AppError::NotFound
        })
}

#[server(endpoint = "social/profile")]
pub async fn get_profile_view(username: String) -> Result<ProfileView, AppError> {
    use crate::server::*;
    let profile = target(&username).await?;
    let repos = ctx()?.repos;
    let me = session_user().await?;
    let is_me = me.as_ref().is_some_and(|m| m.id == profile.id);
    let relation = match &me {
        Some(m) if !is_me => Some(encore::service::social::relation(&repos, m, profile.id).await?),
        _ => None,
    };
    // Someone who blocks you keeps their lists from you.
    let hidden = match &me {
        Some(m) if !is_me => repos.accounts.blocked_either_way(m.id, profile.id).await?,
        _ => false,
    };
    let (followers, following) = if hidden {
        (vec![], vec![])
    } else {
        (
            repos.accounts.follow_list(profile.id, true, 50).await?,
            repos.accounts.follow_list(profile.id, false, 50).await?,
        )
    };
    let playlists = if hidden {
        vec![]
    } else {
        repos.playlists.public_of(profile.id, 50).await?
    };
    let shows = repos.accounts.preferences(profile.id).await?.show_listening;
    let listening = if hidden || !shows {
        None
    } else {
        Some(encore::service::listening::public_listening(&repos, profile.id, 5).await?)
    };
    Ok(ProfileView {
        profile,
        is_me,
        relation,
        followers,
        following,
        playlists,
        listening,
    })
}

#[server(endpoint = "social/follow_user")]
pub async fn follow_user(username: String, follow: bool) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let t = target(&username).await?;
    encore::service::social::follow_user(&ctx()?.repos, &me, t.id, follow).await?;
    leptos_axum::redirect(&format!("/u/{}", t.username));
    Ok(())
}

#[server(endpoint = "social/block_user")]
pub async fn block_user(username: String, block: bool) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let t = target(&username).await?;
    encore::service::social::block(&ctx()?.repos, &me, t.id, block).await?;
    leptos_axum::redirect(&format!("/u/{}", t.username));
    Ok(())
}

#[server(endpoint = "social/follow_artist")]
pub async fn follow_artist(artist_id: String, follow: bool) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let id = uuid::Uuid::parse_str(&artist_id).map_err(|_| AppError::NotFound)?;
    encore::service::social::follow_artist(&ctx()?.repos, &me, id, follow).await?;
    leptos_axum::redirect(&format!("/artist/{id}"));
    Ok(())
}

#[server(endpoint = "social/feed")]
pub async fn get_feed(before: Option<String>) -> Result<Vec<encore::model::FeedItem>, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/feed").await?;
    let before = before
        .filter(|b| !b.is_empty())
        .map(|b| chrono::DateTime::parse_from_rfc3339(&b).map(|t| t.with_timezone(&chrono::Utc)))
        .transpose()
        .map_err(|_| AppError::Invalid(encore::FieldErrors::single("before", "Not a time.")))?;
    Ok(encore::service::feed::feed(&ctx()?.repos, &me, before).await?)
}

#[server(endpoint = "social/suggestions")]
pub async fn get_suggestions() -> Result<Vec<encore::model::Suggestion>, AppError> {
    use crate::server::*;
    let Some(me) = session_user().await? else {
        return Ok(vec![]);
    };
    Ok(encore::service::social::suggestions(&ctx()?.repos, &me, 5).await?)
}

//! Linking accounts to artist profiles, the linked artist's profile and dashboard.

use encore::{
    artists::{ArtistClaim, ArtistDashboard},
    catalog::ArtistSummary,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArtistArea {
    pub artists: Vec<ArtistSummary>,
    pub claims: Vec<ArtistClaim>,
}

#[cfg(feature = "ssr")]
fn id(s: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}

#[server(endpoint = "artists/claim")]
pub async fn claim_artist(artist_id: String, message: String) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let artist = self::id(&artist_id)?;
    encore::service::artists::claim(&ctx()?.repos, &me, artist, &message).await?;
    leptos_axum::redirect(&format!("/artist/{artist}?saved=claimed"));
    Ok(())
}

#[server(endpoint = "artists/area")]
pub async fn get_artist_area() -> Result<ArtistArea, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/artist").await?;
    let repos = ctx()?.repos;
    Ok(ArtistArea {
        artists: encore::service::artists::my_artists(&repos, &me).await?,
        claims: encore::service::artists::my_claims(&repos, &me).await?,
    })
}

#[server(endpoint = "artists/dashboard")]
pub async fn get_artist_dashboard(
    artist_id: String,
    days: u32,
) -> Result<ArtistDashboard, AppError> {
    use crate::server::*;
    let artist = self::id(&artist_id)?;
    let me = require_user_or_redirect(&format!("/artist/{artist}/insights")).await?;
    encore::service::artists::dashboard(&ctx()?.repos, &me, artist, days)
        .await
        .map_err(|e| forbidden_status(e.into()))
}

#[server(endpoint = "artists/profile")]
pub async fn update_artist_profile(
    artist_id: String,
    bio: String,
    links: String,
) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let artist = self::id(&artist_id)?;
    encore::service::artists::update_profile(&ctx()?.repos, &me, artist, &bio, &links)
        .await
        .map_err(|e| forbidden_status(e.into()))?;
    leptos_axum::redirect(&format!("/artist/{artist}/insights?saved=profile"));
    Ok(())
}

#[server(endpoint = "admin/artist_claims")]
pub async fn pending_artist_claims() -> Result<Vec<ArtistClaim>, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/admin/claims").await?;
    encore::service::artists::pending_claims(&ctx()?.repos, &me)
        .await
        .map_err(|e| forbidden_status(e.into()))
}

#[server(endpoint = "admin/decide_claim")]
pub async fn decide_artist_claim(
    claim_id: String,
    decision: String,
    note: String,
) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let approve = match decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => {
            return Err(AppError::Invalid(encore::FieldErrors::single(
                "decision",
                "Approve or reject.",
            )))
        }
    };
    encore::service::artists::decide(&ctx()?.repos, &me, self::id(&claim_id)?, approve, &note)
        .await
        .map_err(|e| forbidden_status(e.into()))?;
    leptos_axum::redirect("/admin/claims?saved=decided");
    Ok(())
}

#[server(endpoint = "artists/uploads")]
pub async fn get_upload_page(artist_id: String) -> Result<encore::artists::UploadPage, AppError> {
    use crate::server::*;
    let artist = self::id(&artist_id)?;
    let me = require_user_or_redirect(&format!("/artist/{artist}/uploads")).await?;
    let c = ctx()?;
    encore::service::uploads::page(&c.repos, &me, artist, c.upload_max_bytes)
        .await
        .map_err(|e| forbidden_status(e.into()))
}

#[server(endpoint = "admin/uploads")]
pub async fn pending_uploads() -> Result<Vec<encore::artists::Upload>, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/admin/uploads").await?;
    encore::service::uploads::pending(&ctx()?.repos, &me)
        .await
        .map_err(|e| forbidden_status(e.into()))
}

#[server(endpoint = "admin/decide_upload")]
pub async fn decide_upload(
    upload_id: String,
    decision: String,
    reason: String,
) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let id = self::id(&upload_id)?;
    let repos = ctx()?.repos;
    match decision.as_str() {
        "approve" => encore::service::uploads::approve(&repos, &me, id).await,
        "reject" => encore::service::uploads::reject(&repos, &me, id, &reason).await,
        _ => {
            return Err(AppError::Invalid(encore::FieldErrors::single(
                "decision",
                "Approve or reject.",
            )))
        }
    }
    .map_err(|e| forbidden_status(e.into()))?;
    let saved = if decision == "approve" {
        "approved"
    } else {
        "rejected"
    };
    leptos_axum::redirect(&format!("/admin/uploads?saved={saved}"));
    Ok(())
}

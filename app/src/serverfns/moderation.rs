//! Reports (any signed-in user) and the moderation queue (moderators and admins).

use encore::model::Report;
use leptos::prelude::*;

use crate::error::AppError;

#[server(endpoint = "reports/song")]
pub async fn report_song(song_id: String, reason: String, details: String) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let id = uuid::Uuid::parse_str(&song_id).map_err(|_| AppError::NotFound)?;
    encore::service::moderation::report_song(&ctx()?.repos, &me, id, &reason, &details).await?;
    leptos_axum::redirect(&format!("/song/{id}?saved=reported"));
    Ok(())
}

/// A report about a song, comment, playlist or user; back to `back` afterwards.
#[server(endpoint = "reports/file")]
pub async fn file_report(
    target_type: String,
    target_id: String,
    reason: String,
    details: String,
    back: String,
) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let id = uuid::Uuid::parse_str(&target_id).map_err(|_| AppError::NotFound)?;
    encore::service::moderation::report(&ctx()?.repos, &me, &target_type, id, &reason, &details)
        .await?;
    leptos_axum::redirect(&crate::url::with_saved(&safe_next(&back), "reported"));
    Ok(())
}

#[server(endpoint = "moderation/warnings")]
pub async fn my_warnings() -> Result<Vec<encore::model::Warning>, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/reports").await?;
    Ok(encore::service::moderation::my_warnings(&ctx()?.repos, &me).await?)
}

#[server(endpoint = "reports/mine")]
pub async fn my_reports() -> Result<Vec<Report>, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/reports").await?;
    Ok(encore::service::moderation::my_reports(&ctx()?.repos, &me).await?)
}

#[server(endpoint = "moderation/queue")]
pub async fn get_queue(reason: Option<String>) -> Result<Vec<Report>, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/admin/reports").await?;
    let reason = reason.filter(|r| !r.is_empty());
    encore::service::moderation::queue(&ctx()?.repos, &me, reason.as_deref())
        .await
        .map_err(|e| forbidden_status(e.into()))
}

#[server(endpoint = "moderation/act")]
pub async fn act_on_report(
    report_id: String,
    action: String,
    note: String,
) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let id = uuid::Uuid::parse_str(&report_id).map_err(|_| AppError::NotFound)?;
    let action = encore::service::moderation::Action::parse(&action).ok_or_else(|| {
        AppError::Invalid(encore::FieldErrors::single("action", "Pick an action."))
    })?;
    encore::service::moderation::act(&ctx()?.repos, &me, id, action, &note)
        .await
        .map_err(|e| forbidden_status(e.into()))?;
    leptos_axum::redirect("/admin/reports?saved=done");
    Ok(())
}

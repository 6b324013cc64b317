//! Listening parties. Every rule (who controls, who chats, who moderates) is in
//! `encore::service::parties`; these only authenticate and redirect (so each form also
//! works as a plain post without JavaScript).

use encore::party::{PartySummary, PartyView};
use leptos::prelude::*;

use crate::error::AppError;

#[cfg(feature = "ssr")]
fn id(s: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(s.trim()).map_err(|_| AppError::NotFound)
}

#[server(endpoint = "parties/get")]
pub async fn get_party(party_id: String) -> Result<PartyView, AppError> {
    use crate::server::*;
    let me = session_user().await?;
    encore::service::parties::view(&ctx()?.repos, me.as_ref(), self::id(&party_id)?)
        .await
        .map_err(|e| forbidden_status(e.into()))
}

/// Live parties (of one host when `host` names them), most listeners first.
#[server(endpoint = "parties/live")]
pub async fn live_parties(host: Option<String>) -> Result<Vec<PartySummary>, AppError> {
    use crate::server::*;
    let repos = ctx()?.repos;
    let host_id = match host {
        Some(h) => match repos.accounts.profile_by_username(&h).await? {
            Some(u) => Some(u.id),
            None => return Ok(vec![]),
        },
        None => None,
    };
    Ok(repos.parties.live(host_id, 50).await?)
}

#[server(endpoint = "parties/start")]
pub async fn start_party(kind: String, source_id: String) -> Result<(), AppError> {
    use crate::server::*;
    use encore::service::parties::PartySource;
    let me = require_user().await?;
    let sid = self::id(&source_id)?;
    let source = match kind.as_str() {
        "album" => PartySource::Album(sid),
        "playlist" => PartySource::Playlist(sid),
        _ => return Err(AppError::NotFound),
    };
    let pid = encore::service::parties::start(&ctx()?.repos, &me, source).await?;
    leptos_axum::redirect(&format!("/party/{pid}?saved=started"));
    Ok(())
}

/// A party from the player's queue (the browser sends the song ids); returns its id.
#[server(endpoint = "parties/start-queue")]
pub async fn start_queue_party(song_ids: Vec<String>) -> Result<String, AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let ids = song_ids
        .iter()
        .filter_map(|s| uuid::Uuid::parse_str(s.trim()).ok())
        .collect();
    let pid = encore::service::parties::start(
        &ctx()?.repos,
        &me,
        encore::service::parties::PartySource::Queue(ids),
    )
    .await?;
    Ok(pid.to_string())
}

#[server(endpoint = "parties/join")]
pub async fn join_party(party_id: String) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let pid = self::id(&party_id)?;
    encore::service::parties::join(&ctx()?.repos, &me, pid).await?;
    leptos_axum::redirect(&format!("/party/{pid}?saved=joined"));
    Ok(())
}

#[server(endpoint = "parties/leave")]
pub async fn leave_party(party_id: String) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let pid = self::id(&party_id)?;
    encore::service::parties::leave(&ctx()?.repos, &me, pid).await?;
    leptos_axum::redirect(&format!("/party/{pid}?saved=left"));
    Ok(())
}

#[server(endpoint = "parties/control")]
pub async fn party_control(
    party_id: String,
    action: String,
    value: Option<String>,
) -> Result<(), AppError> {
    use crate::server::*;
    use encore::service::parties::{control, Control};
    let me = require_user().await?;
    let pid = self::id(&party_id)?;
    let c = Control::parse(&action, value.as_deref().unwrap_or(""))?;
    control(&ctx()?.repos, &me, pid, c).await?;
    leptos_axum::redirect(&format!("/party/{pid}?saved=control"));
    Ok(())
}

#[server(endpoint = "parties/message")]
pub async fn party_message(
    party_id: String,
    kind: Option<String>,
    body: String,
) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let pid = self::id(&party_id)?;
    let kind = kind.unwrap_or_default();
    encore::service::parties::post(&ctx()?.repos, &me, pid, &kind, &body).await?;
    leptos_axum::redirect(&format!("/party/{pid}?saved=sent#chat"));
    Ok(())
}

#[server(endpoint = "parties/delete-message")]
pub async fn party_delete_message(party_id: String, message_id: i64) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let pid = self::id(&party_id)?;
    encore::service::parties::delete_message(&ctx()?.repos, &me, pid, message_id).await?;
    leptos_axum::redirect(&format!("/party/{pid}?saved=deleted#chat"));
    Ok(())
}

#[server(endpoint = "parties/member")]
pub async fn party_member(
    party_id: String,
    user_id: String,
    action: String,
) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let pid = self::id(&party_id)?;
    let uid = self::id(&user_id)?;
    encore::service::parties::moderate_member(&ctx()?.repos, &me, pid, uid, &action).await?;
    leptos_axum::redirect(&format!("/party/{pid}?saved=member#members"));
    Ok(())
}

#[server(endpoint = "parties/slow-mode")]
pub async fn party_slow_mode(party_id: String, seconds: u32) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let pid = self::id(&party_id)?;
    encore::service::parties::set_slow_mode(&ctx()?.repos, &me, pid, seconds).await?;
    leptos_axum::redirect(&format!("/party/{pid}?saved=slow#chat"));
    Ok(())
}

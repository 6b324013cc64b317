//! Scheduled live events and in-app notifications. Rules live in
//! `encore::service::events`.

use encore::party::{EventView, LiveEvent, Notification};
use leptos::prelude::*;

use crate::error::AppError;

#[cfg(feature = "ssr")]
fn id(s: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(s.trim()).map_err(|_| AppError::NotFound)
}

#[server(endpoint = "events/get")]
pub async fn get_event(event_id: String) -> Result<EventView, AppError> {
    use crate::server::*;
    let me = session_user().await?;
    Ok(encore::service::events::view(&ctx()?.repos, me.as_ref(), self::id(&event_id)?).await?)
}

/// An artist's events, whether the signed-in user may schedule them, and (for those who
/// may) the artist's releases as (id, title) to choose the music from.
#[server(endpoint = "events/of-artist")]
pub async fn artist_events(
    artist_id: String,
) -> Result<(Vec<LiveEvent>, bool, Vec<(String, String)>), AppError> {
    use crate::server::*;
    let repos = ctx()?.repos;
    let aid = self::id(&artist_id)?;
    let events = encore::service::events::of_artist(&repos, aid).await?;
    let manage = match session_user().await? {
        Some(me) => encore::service::artists::may_manage(&repos, &me, aid)
            .await
            .is_ok(),
        None => false,
    };
    let albums = if manage {
        repos
            .catalog
            .albums_by_artist(aid)
            .await?
            .into_iter()
            .map(|a| (a.id.to_string(), a.title))
            .collect()
    } else {
        vec![]
    };
    Ok((events, manage, albums))
}

#[server(endpoint = "events/schedule")]
pub async fn schedule_event(
    artist_id: String,
    album_id: String,
    title: String,
    description: String,
    starts_at: String,
) -> Result<(), AppError> {
    use crate::server::*;
    use encore::service::events::{schedule, NewEventForm};
    let me = require_user().await?;
    let artist = self::id(&artist_id)?;
    let album = uuid::Uuid::parse_str(album_id.trim()).unwrap_or_default();
    let eid = schedule(
        &ctx()?.repos,
        &me,
        NewEventForm {
            artist_id: artist,
            album_id: album,
            title: &title,
            description: &description,
            starts_at: &starts_at,
        },
    )
    .await
    .map_err(|e| forbidden_status(e.into()))?;
    leptos_axum::redirect(&format!("/event/{eid}?saved=scheduled"));
    Ok(())
}

#[server(endpoint = "events/rsvp")]
pub async fn rsvp_event(event_id: String, going: bool) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let eid = self::id(&event_id)?;
    encore::service::events::rsvp(&ctx()?.repos, &me, eid, going).await?;
    leptos_axum::redirect(&format!(
        "/event/{eid}?saved={}",
        if going { "going" } else { "not-going" }
    ));
    Ok(())
}

#[server(endpoint = "events/go-live")]
pub async fn go_live(event_id: String) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let eid = self::id(&event_id)?;
    let party = encore::service::events::go_live(&ctx()?.repos, &me, eid)
        .await
        .map_err(|e| forbidden_status(e.into()))?;
    leptos_axum::redirect(&format!("/party/{party}?saved=started"));
    Ok(())
}

#[server(endpoint = "notifications/list")]
pub async fn my_notifications() -> Result<Vec<Notification>, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/notifications").await?;
    Ok(encore::service::events::notifications(&ctx()?.repos, &me).await?)
}

/// Unread notifications of the signed-in user (0 when signed out).
#[server(endpoint = "notifications/unread")]
pub async fn unread_notifications() -> Result<i64, AppError> {
    use crate::server::*;
    match session_user().await? {
        Some(me) => Ok(ctx()?.repos.events.unread(me.id).await?),
        None => Ok(0),
    }
}

#[server(endpoint = "notifications/read")]
pub async fn mark_notifications_read() -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    ctx()?.repos.events.mark_read(me.id).await?;
    leptos_axum::redirect("/notifications?saved=read");
    Ok(())
}

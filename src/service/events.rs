//! Scheduled live events: linked artist accounts schedule them and go live (a listening
//! party of the event's album); fans RSVP; followers and RSVPs get a notification.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use uuid::Uuid;

use super::parties::{self, PartySource};
use crate::{
    error::FieldErrors,
    model::SessionUser,
    party::{EventView, LiveEvent, Notification},
    repo::{events::NewEvent, Repos},
    Error, Result,
};

/// A start time from a form: `YYYY-MM-DDTHH:MM` (a `datetime-local` field, in UTC) or
/// RFC 3339.
pub fn parse_start(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.to_utc())
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
                .ok()
                .map(|t| t.and_utc())
        })
}

pub struct NewEventForm<'a> {
    pub artist_id: Uuid,
    pub album_id: Uuid,
    pub title: &'a str,
    pub description: &'a str,
    pub starts_at: &'a str,
}

/// Schedules an event (linked accounts of the artist and admins).
pub async fn schedule(repos: &Repos, me: &SessionUser, f: NewEventForm<'_>) -> Result<Uuid> {
    let artist = super::artists::managed_artist(repos, me, f.artist_id).await?;
    let mut e = FieldErrors::default();
    let title = f.title.trim();
    let description = f.description.trim();
    if title.is_empty() || title.chars().count() > 120 {
        e.add("title", "Titles are 1 to 120 characters long.");
    }
    if description.chars().count() > 2000 {
        e.add("description", "Descriptions are at most 2,000 characters.");
    }
    let now = Utc::now();
    let starts_at = parse_start(f.starts_at);
    match starts_at {
        None => e.add("starts_at", "Give a date and time (UTC)."),
        Some(t) if t < now - Duration::minutes(5) => {
            e.add("starts_at", "Events are scheduled in the future.")
        }
        Some(t) if t > now + Duration::days(366) => {
            e.add("starts_at", "Events are at most a year ahead.")
        }
        _ => {}
    }
    let album = repos.catalog.album(f.album_id).await?;
    let album = match album {
        Some(a) if a.artist_ids.contains(&artist.id) => Some(a),
        _ => {
            e.add("album_id", "Choose one of this artist's releases.");
            None
        }
    };
    if !e.is_empty() {
        return Err(e.into());
    }
    let (album, starts_at) = (album.expect("checked"), starts_at.expect("checked"));
    let id = Uuid::new_v4();
    repos
        .events
        .create(&NewEvent {
            id,
            artist_id: artist.id,
            artist_name: &artist.name,
            album_id: album.id,
            cover: album.cover.as_deref(),
            created_by: me.id,
            title,
            description,
            starts_at,
        })
        .await?;
    Ok(id)
}

async fn event(repos: &Repos, id: Uuid) -> Result<LiveEvent> {
    repos.events.get(id).await?.ok_or(Error::NotFound)
}

pub async fn view(repos: &Repos, me: Option<&SessionUser>, id: Uuid) -> Result<EventView> {
    let event = event(repos, id).await?;
    let i_rsvped = match me {
        Some(u) => Some(repos.events.rsvped(id, u.id).await?),
        None => None,
    };
    let i_manage = match me {
        Some(u) => super::artists::may_manage(repos, u, event.artist_id)
            .await
            .is_ok(),
        None => false,
    };
    let (listened, replay) = match event.party_id.filter(|_| event.ended) {
        Some(p) => (
            Some(repos.events.listened(p).await?),
            repos
                .parties
                .recent_messages(p, me.map(|u| u.id), 500)
                .await?,
        ),
        None => (None, vec![]),
    };
    Ok(EventView {
        attendees: repos.events.attendees(id).await?,
        event,
        i_rsvped,
        i_manage,
        listened,
        replay,
    })
}

pub async fn rsvp(repos: &Repos, me: &SessionUser, id: Uuid, going: bool) -> Result<()> {
    let e = event(repos, id).await?;
    if e.ended {
        return Err(Error::Conflict("This event is over.".into()));
    }
    repos.events.set_rsvp(id, me.id, going).await
}

/// Starts the event's listening party (once; going live again returns the same party)
/// and notifies followers and RSVPs.
pub async fn go_live(repos: &Repos, me: &SessionUser, id: Uuid) -> Result<Uuid> {
    let e = event(repos, id).await?;
    super::artists::may_manage(repos, me, e.artist_id).await?;
    if let Some(p) = e.party_id {
        return Ok(p);
    }
    let party =
        parties::start_titled(repos, me, PartySource::Album(e.album_id), Some(&e.title)).await?;
    let message: String = format!("{} is live: {}", e.artist_name, e.title)
        .chars()
        .take(300)
        .collect();
    if repos.events.go_live(id, party, &message).await? {
        Ok(party)
    } else {
        // Someone else went live at the same moment: theirs is the event's party.
        parties::control(repos, me, party, parties::Control::End).await?;
        event(repos, id)
            .await?
            .party_id
            .ok_or_else(|| Error::Internal("event lost its party".into()))
    }
}

pub async fn of_artist(repos: &Repos, artist: Uuid) -> Result<Vec<LiveEvent>> {
    repos.events.of_artist(artist, 50).await
}

pub async fn notifications(repos: &Repos, me: &SessionUser) -> Result<Vec<Notification>> {
    repos.events.notifications(me.id, 50).await
}

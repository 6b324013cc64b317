//! Listening parties: who may start, join, control, chat and moderate. The state lives in
//! PostgreSQL (any app instance can serve any listener); every change is announced with
//! NOTIFY by the repository.

use uuid::Uuid;

use crate::{
    error::FieldErrors,
    model::{Role, SessionUser},
    party::*,
    repo::{
        parties::{Membership, NewParty, PartyRow},
        Repos,
    },
    Error, Result,
};

/// What a party is started from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartySource {
    Album(Uuid),
    Playlist(Uuid),
    /// The host's own play queue (song ids in order).
    Queue(Vec<Uuid>),
}

/// Starts a party playing `source` from its first song; the host controls it.
pub async fn start(repos: &Repos, me: &SessionUser, source: PartySource) -> Result<Uuid> {
    start_titled(repos, me, source, None).await
}

/// Like [`start`], with a title of its own (a live event's).
pub async fn start_titled(
    repos: &Repos,
    me: &SessionUser,
    source: PartySource,
    custom_title: Option<&str>,
) -> Result<Uuid> {
    let (kind, source_id, title, songs) = match source {
        PartySource::Album(id) => {
            let album = repos.catalog.album(id).await?.ok_or(Error::NotFound)?;
            let songs = repos.catalog.album_tracks(id).await?;
            ("album", id, album.title, songs)
        }
        PartySource::Playlist(id) => {
            let mut page = super::playlists::page(repos, id, Some(me), None).await?;
            let title = page.playlist.title.clone();
            let mut songs: Vec<_> = page.items.drain(..).map(|i| i.song).collect();
            while let Some(after) = page.next.filter(|_| songs.len() < MAX_SONGS) {
                page = super::playlists::page(repos, id, Some(me), Some(after)).await?;
                songs.extend(page.items.drain(..).map(|i| i.song));
            }
            ("playlist", id, title, songs)
        }
        PartySource::Queue(ids) => {
            let ids: Vec<Uuid> = ids.into_iter().take(MAX_SONGS).collect();
            let songs = repos
                .catalog
                .songs_by_ids(&ids)
                .await?
                .into_iter()
                .filter(|(s, _)| s.status == crate::catalog::SongStatus::Published)
                .map(|(s, cover)| s.row(cover))
                .collect();
            ("queue", me.id, "their queue".to_string(), songs)
        }
    };
    let songs: Vec<_> = songs
        .into_iter()
        .filter(|s| s.playable)
        .take(MAX_SONGS)
        .collect();
    if songs.is_empty() {
        return Err(
            FieldErrors::single("source", "There is nothing playable to share in this.").into(),
        );
    }
    let id = Uuid::new_v4();
    let ids: Vec<Uuid> = songs.iter().map(|s| s.id).collect();
    let durations: Vec<u64> = songs.iter().map(|s| s.duration_ms.max(1)).collect();
    let title: String = match custom_title {
        Some(t) => t.to_string(),
        None => format!("{}'s party: {title}", me.display_name),
    }
    .chars()
    .take(120)
    .collect();
    repos
        .parties
        .create(&NewParty {
            id,
            host_id: me.id,
            title: &title,
            source_kind: kind,
            source_id,
            song_ids: &ids,
            durations_ms: &durations,
        })
        .await?;
    Ok(id)
}

async fn party(repos: &Repos, id: Uuid) -> Result<PartyRow> {
    repos.parties.get(id).await?.ok_or(Error::NotFound)
}

fn moderates(me: &SessionUser, p: &PartyRow) -> bool {
    me.id == p.host_id || me.role.can_moderate()
}

/// The party page. Anyone may look (a party is shared by link); members see more.
pub async fn view(repos: &Repos, me: Option<&SessionUser>, id: Uuid) -> Result<PartyView> {
    let p = party(repos, id).await?;
    let membership = match me {
        Some(u) => repos.parties.membership(id, u.id).await?,
        None => None,
    };
    if membership.is_some_and(|m| m.removed) {
        return Err(Error::Forbidden);
    }
    let rows: std::collections::HashMap<Uuid, crate::catalog::SongRow> = repos
        .catalog
        .song_rows(&p.song_ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    // The state's indexes refer to the stored list: a song that vanished since keeps its
    // slot (with the stored duration) so everyone stays on the same track.
    let songs = p
        .song_ids
        .iter()
        .zip(&p.durations_ms)
        .map(|(sid, d)| {
            rows.get(sid)
                .cloned()
                .unwrap_or_else(|| crate::catalog::SongRow {
                    id: *sid,
                    title: "(no longer available)".into(),
                    artists: vec![],
                    album_id: Uuid::nil(),
                    album_title: String::new(),
                    track_number: 0,
                    duration_ms: *d,
                    explicit: false,
                    playable: false,
                    cover: None,
                })
        })
        .collect();
    let messages = repos
        .parties
        .recent_messages(id, me.map(|u| u.id), 100)
        .await?;
    Ok(PartyView {
        id,
        title: p.title.clone(),
        host_id: p.host_id,
        host_username: p.host_username.clone(),
        host_name: p.host_name.clone(),
        host_is_artist: Role::parse(&p.host_role) == Some(Role::Artist),
        songs,
        state: p.state,
        server_now_ms: chrono::Utc::now().timestamp_millis(),
        slow_mode_secs: p.slow_mode_secs,
        members: repos.parties.members(id).await?,
        listeners: repos.parties.listener_count(id).await?,
        messages,
        me: me.map(|u| u.id),
        i_am_member: membership.is_some(),
        i_control: me.is_some_and(|u| u.id == p.state.controller_id || u.id == p.host_id),
        i_moderate: me.is_some_and(|u| moderates(u, &p)),
        i_am_muted: membership.is_some_and(|m| m.muted),
        tip_artist: repos.events.artist_of_party(id).await?,
        tip_request_id: Uuid::new_v4(),
    })
}

/// Joins (idempotent). Removed members and ended parties are refused.
pub async fn join(repos: &Repos, me: &SessionUser, id: Uuid) -> Result<()> {
    let p = party(repos, id).await?;
    if p.state.ended {
        return Err(Error::Conflict("This party has ended.".into()));
    }
    if repos.parties.join(id, me.id).await?.removed {
        return Err(Error::Forbidden);
    }
    Ok(())
}

pub async fn leave(repos: &Repos, me: &SessionUser, id: Uuid) -> Result<()> {
    party(repos, id).await?;
    repos.parties.leave(id, me.id).await?;
    repos.parties.touch(id, me.id, false, true).await?;
    Ok(())
}

/// A playback command from whoever holds the controls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Play,
    Pause,
    Next,
    Previous,
    /// To this many seconds into the current track.
    Seek(u64),
    /// Hands the controls to another member (the host can always take them back).
    HandOver(Uuid),
    End,
}

impl Control {
    /// From a form's `action` and `value`.
    pub fn parse(action: &str, value: &str) -> Result<Control> {
        let bad = |m: &str| -> Error { FieldErrors::single("value", m).into() };
        Ok(match action {
            "play" => Control::Play,
            "pause" => Control::Pause,
            "next" => Control::Next,
            "previous" => Control::Previous,
            "end" => Control::End,
            "seek" => Control::Seek(
                value
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| bad("Give the position in whole seconds."))?,
            ),
            "hand_over" => Control::HandOver(
                Uuid::parse_str(value.trim()).map_err(|_| bad("Choose a listener."))?,
            ),
            _ => return Err(FieldErrors::single("action", "Unknown control.").into()),
        })
    }
}

pub async fn control(repos: &Repos, me: &SessionUser, id: Uuid, c: Control) -> Result<PartyState> {
    let p = party(repos, id).await?;
    let is_host = me.id == p.host_id;
    if !is_host && me.id != p.state.controller_id {
        return Err(Error::Forbidden);
    }
    if let Control::HandOver(to) = c {
        let m = repos.parties.membership(id, to).await?;
        if !m.is_some_and(|m| !m.removed) {
            return Err(FieldErrors::single(
                "value",
                "Only a member of the party can take the controls.",
            )
            .into());
        }
    }
    let last = p.durations_ms.len().saturating_sub(1);
    repos
        .parties
        .change_state(id, move |old, durations, now| {
            if old.ended {
                return Err(Error::Conflict("This party has ended.".into()));
            }
            // Where playback is now (past the end: on the last track's end).
            let (i, pos) = effective(old, durations, now)
                .unwrap_or((last, durations.get(last).copied().unwrap_or(0)));
            let mut s = PartyState {
                track_index: i,
                position_ms: pos,
                ..*old
            };
            match c {
                Control::Play => {
                    if effective(old, durations, now).is_none() {
                        // Finished: play again from the top.
                        s.track_index = 0;
                        s.position_ms = 0;
                    }
                    s.playing = true;
                }
                Control::Pause => s.playing = false,
                Control::Next => {
                    if i >= last {
                        return Err(Error::Conflict(
                            "This is the last song of the party.".into(),
                        ));
                    }
                    s.track_index = i + 1;
                    s.position_ms = 0;
                    s.playing = true;
                }
                Control::Previous => {
                    // Like every player: back to the start first, then the previous track.
                    if pos <= 3_000 && i > 0 {
                        s.track_index = i - 1;
                    }
                    s.position_ms = 0;
                }
                Control::Seek(secs) => {
                    let d = durations.get(i).copied().unwrap_or(0);
                    if secs * 1000 >= d {
                        return Err(FieldErrors::single(
                            "value",
                            &format!("This song is {} long.", crate::catalog::format_duration(d)),
                        )
                        .into());
                    }
                    s.position_ms = secs * 1000;
                }
                Control::HandOver(to) => s.controller_id = to,
                Control::End => {
                    if !is_host {
                        return Err(Error::Forbidden);
                    }
                    s.playing = false;
                    s.ended = true;
                }
            }
            Ok(s)
        })
        .await
}

/// Posts a chat message or a reaction (members only; muted members, slow mode and the
/// per-person rate limit are refused with a clear message).
pub async fn post(
    repos: &Repos,
    me: &SessionUser,
    id: Uuid,
    kind: &str,
    body: &str,
) -> Result<ChatMessage> {
    let p = party(repos, id).await?;
    let m = repos.parties.membership(id, me.id).await?;
    match m {
        None => return Err(Error::Conflict("Join the party to chat.".into())),
        Some(Membership { removed: true, .. }) => return Err(Error::Forbidden),
        Some(Membership { muted: true, .. }) => {
            return Err(Error::Conflict("You are muted in this party.".into()))
        }
        _ => {}
    }
    if p.state.ended {
        return Err(Error::Conflict("This party has ended.".into()));
    }
    let body = body.trim();
    let kind = match kind {
        "reaction" if REACTIONS.contains(&body) => "reaction",
        "reaction" => return Err(FieldErrors::single("body", "Pick one of the reactions.").into()),
        _ => "text",
    };
    if body.is_empty() {
        return Err(FieldErrors::single("body", "Write a message first.").into());
    }
    if body.chars().count() > MAX_MESSAGE_CHARS {
        return Err(FieldErrors::single(
            "body",
            &format!("Messages are at most {MAX_MESSAGE_CHARS} characters."),
        )
        .into());
    }
    let (hits, reset) = repos
        .accounts
        .rate_hit(&format!("party-chat:{}", me.id), RATE_WINDOW_SECS)
        .await?;
    if hits > RATE_MESSAGES {
        return Err(Error::RateLimited(format!(
            "You are sending messages too fast; wait {reset} s."
        )));
    }
    let slow = if moderates(me, &p) {
        0
    } else {
        p.slow_mode_secs
    };
    repos
        .parties
        .post_message(id, me.id, kind, body, slow)
        .await?
        .ok_or_else(|| {
            Error::RateLimited(format!(
                "Slow mode is on: one message every {} s.",
                p.slow_mode_secs
            ))
        })
}

/// Deletes a message: its author, the host or a moderator.
pub async fn delete_message(repos: &Repos, me: &SessionUser, id: Uuid, message: i64) -> Result<()> {
    let p = party(repos, id).await?;
    let author = repos
        .parties
        .message_author(id, message)
        .await?
        .ok_or(Error::NotFound)?;
    if author != me.id && !moderates(me, &p) {
        return Err(Error::Forbidden);
    }
    repos.parties.delete_message(id, message, me.id).await
}

/// Host and moderators: mute, unmute or remove a member (never the host).
pub async fn moderate_member(
    repos: &Repos,
    me: &SessionUser,
    id: Uuid,
    user: Uuid,
    action: &str,
) -> Result<()> {
    let p = party(repos, id).await?;
    if !moderates(me, &p) {
        return Err(Error::Forbidden);
    }
    if user == p.host_id {
        return Err(Error::Conflict(
            "The host cannot be muted or removed.".into(),
        ));
    }
    let current = repos
        .parties
        .membership(id, user)
        .await?
        .ok_or(Error::NotFound)?;
    let m = match action {
        "mute" => Membership {
            muted: true,
            ..current
        },
        "unmute" => Membership {
            muted: false,
            ..current
        },
        "remove" => Membership {
            removed: true,
            ..current
        },
        _ => return Err(FieldErrors::single("action", "Unknown action.").into()),
    };
    repos.parties.set_member(id, user, m).await?;
    if m.removed && p.state.controller_id == user {
        // The controls go back to the host.
        let host = p.host_id;
        repos
            .parties
            .change_state(id, move |old, _, _| {
                Ok(PartyState {
                    controller_id: host,
                    ..*old
                })
            })
            .await?;
    }
    Ok(())
}

/// Host and moderators: slow mode (0 = off).
pub async fn set_slow_mode(repos: &Repos, me: &SessionUser, id: Uuid, secs: u32) -> Result<()> {
    let p = party(repos, id).await?;
    if !moderates(me, &p) {
        return Err(Error::Forbidden);
    }
    if secs > 300 {
        return Err(FieldErrors::single("slow_mode_secs", "Slow mode is at most 300 s.").into());
    }
    repos.parties.set_slow_mode(id, secs).await
}

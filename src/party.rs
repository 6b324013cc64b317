//! Listening parties (shared by the server and the browser build): the state every
//! listener follows, the events pushed over the party WebSocket, and the one function that
//! says where playback is at a given moment — the server and every browser run the same
//! code, so they agree on the track and position without talking.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalog::SongRow;

/// The most songs a party plays (an album, or the first 500 of a playlist).
pub const MAX_SONGS: usize = 500;
/// The longest chat message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 500;
/// Messages one person may send in `RATE_WINDOW_SECS` (on top of a party's slow mode).
pub const RATE_MESSAGES: i64 = 5;
pub const RATE_WINDOW_SECS: i64 = 10;
/// The reactions a listener can send with one tap.
pub const REACTIONS: [&str; 6] = ["🔥", "❤️", "👏", "😂", "😮", "🎉"];
/// A listener counts as "here" while their socket refreshed their presence this recently.
pub const PRESENCE_SECS: i64 = 45;

/// Where playback stands: `position_ms` into `track_index` at `updated_at_ms` (server
/// clock, milliseconds since the epoch), moving on while `playing`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyState {
    pub track_index: usize,
    pub position_ms: u64,
    pub playing: bool,
    pub updated_at_ms: i64,
    pub version: i64,
    pub controller_id: Uuid,
    pub ended: bool,
}

/// Where playback is at `now_ms`: the track index and the position in it, or `None` when
/// the last track has finished. Tracks follow each other by their durations.
pub fn effective(state: &PartyState, durations_ms: &[u64], now_ms: i64) -> Option<(usize, u64)> {
    let mut i = state.track_index;
    let mut pos = state.position_ms;
    if state.playing {
        pos += (now_ms - state.updated_at_ms).max(0) as u64;
    }
    loop {
        let d = *durations_ms.get(i)?;
        if pos < d {
            return Some((i, pos));
        }
        pos -= d;
        i += 1;
    }
}

/// One chat line (text only: the page renders it as text, never as markup).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub id: i64,
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    /// `text` or `reaction`.
    pub kind: String,
    pub body: String,
    pub at_ms: i64,
}

/// What the party WebSocket pushes (JSON, tagged by `type`). The same values travel
/// between app instances through PostgreSQL NOTIFY.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PartyEvent {
    /// The playback state changed (or a socket just opened). `server_now_ms` lets the
    /// browser correct for its own clock.
    State {
        state: PartyState,
        server_now_ms: i64,
    },
    Chat {
        message: ChatMessage,
    },
    Deleted {
        id: i64,
    },
    /// How many listeners are here now.
    Listeners {
        count: i64,
    },
    /// A member was muted, unmuted or removed (the client of that user reacts).
    Member {
        user_id: Uuid,
        muted: bool,
        removed: bool,
    },
}

/// A member as the party page lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyMember {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub muted: bool,
    pub here: bool,
}

/// Everything the party page needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartyView {
    pub id: Uuid,
    pub title: String,
    pub host_id: Uuid,
    pub host_username: String,
    pub host_name: String,
    pub host_is_artist: bool,
    pub songs: Vec<SongRow>,
    pub state: PartyState,
    pub server_now_ms: i64,
    pub slow_mode_secs: u32,
    pub members: Vec<PartyMember>,
    pub listeners: i64,
    /// The last 100 messages, oldest first (without those of people blocked either way).
    pub messages: Vec<ChatMessage>,
    pub me: Option<Uuid>,
    pub i_am_member: bool,
    pub i_control: bool,
    pub i_moderate: bool,
    pub i_am_muted: bool,
    /// The artist of the party's live event (tips go to them), if it is one.
    pub tip_artist: Option<(Uuid, String)>,
    /// A fresh key for the tip form, so a resubmitted form cannot pay twice.
    pub tip_request_id: Uuid,
}

impl PartyView {
    /// The song playing now and the position in it (seconds), by the server's clock.
    pub fn now_playing(&self) -> Option<(&SongRow, u64)> {
        let durations: Vec<u64> = self.songs.iter().map(|s| s.duration_ms).collect();
        let (i, pos) = effective(&self.state, &durations, self.server_now_ms)?;
        Some((self.songs.get(i)?, pos / 1000))
    }
}

/// A live party, for a host's profile and the parties list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartySummary {
    pub id: Uuid,
    pub title: String,
    pub host_username: String,
    pub host_name: String,
    pub listeners: i64,
}

/// A scheduled live event (its party, once live).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveEvent {
    pub id: Uuid,
    pub artist_id: Uuid,
    pub artist_name: String,
    pub album_id: Uuid,
    pub cover: Option<String>,
    pub title: String,
    pub description: String,
    pub starts_at_ms: i64,
    pub party_id: Option<Uuid>,
    /// The party ran and ended.
    pub ended: bool,
    pub rsvps: i64,
}

/// The event page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    pub event: LiveEvent,
    /// Up to 100 people who RSVPed (display names and usernames).
    pub attendees: Vec<(String, String)>,
    pub i_rsvped: Option<bool>,
    pub i_manage: bool,
    /// After the party: how many listened, and its chat.
    pub listened: Option<i64>,
    pub replay: Vec<ChatMessage>,
}

/// One in-app notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    pub message: String,
    pub link: String,
    pub at_ms: i64,
    pub read: bool,
}

/// A tip, for the artist's dashboard and the admins' list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tip {
    pub id: Uuid,
    pub from_username: Option<String>,
    pub artist_id: Uuid,
    pub artist_name: String,
    pub amount_cents: i64,
    pub message: String,
    pub refunded: bool,
    pub at_ms: i64,
}

/// Tips over a period: paid (not refunded) total and count, refunded total, the newest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TipSummary {
    pub days: u32,
    pub paid_cents: i64,
    pub paid_count: i64,
    pub refunded_cents: i64,
    pub recent: Vec<Tip>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(i: usize, pos: u64, playing: bool, at: i64) -> PartyState {
        PartyState {
            track_index: i,
            position_ms: pos,
            playing,
            updated_at_ms: at,
            version: 1,
            controller_id: Uuid::nil(),
            ended: false,
        }
    }

    #[test]
    fn playback_moves_through_tracks_by_their_durations_and_stops_after_the_last() {
        let d = [10_000, 20_000, 5_000];
        assert_eq!(effective(&state(0, 0, true, 1000), &d, 1000), Some((0, 0)));
        assert_eq!(
            effective(&state(0, 0, true, 1000), &d, 9_000),
            Some((0, 8_000))
        );
        assert_eq!(
            effective(&state(0, 0, true, 1000), &d, 11_000),
            Some((1, 0))
        );
        assert_eq!(
            effective(&state(0, 9_000, true, 0), &d, 25_000),
            Some((2, 4_000))
        );
        assert_eq!(effective(&state(0, 0, true, 0), &d, 35_000), None);
        // Paused: time does not move it; a clock behind the server's does not go back.
        assert_eq!(
            effective(&state(1, 3_000, false, 0), &d, 99_000),
            Some((1, 3_000))
        );
        assert_eq!(
            effective(&state(1, 3_000, true, 5_000), &d, 4_000),
            Some((1, 3_000))
        );
        assert_eq!(effective(&state(7, 0, true, 0), &d, 0), None);
    }
}

//! Listening events as the player reports them, and the history and stats views.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalog::SongRow;

/// A play counts as a stream from this many milliseconds on.
pub const STREAM_MS: u64 = 30_000;
/// The `source_id` of plays scrobbled through the ListenBrainz API (played history that
/// is counted even while an import is being stored).
pub const SCROBBLE_SOURCE: &str = "listenbrainz";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    Finished,
    Skipped,
    PausedAndLeft,
    Error,
}

impl EndReason {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "finished" => EndReason::Finished,
            "skipped" => EndReason::Skipped,
            "paused_and_left" => EndReason::PausedAndLeft,
            "error" => EndReason::Error,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Album,
    Playlist,
    Search,
    Artist,
    Recommendation,
    Other,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Album => "album",
            Source::Playlist => "playlist",
            Source::Search => "search",
            Source::Artist => "artist",
            Source::Recommendation => "recommendation",
            Source::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "album" => Source::Album,
            "playlist" => Source::Playlist,
            "search" => Source::Search,
            "artist" => Source::Artist,
            "recommendation" => Source::Recommendation,
            "other" => Source::Other,
            _ => return None,
        })
    }
}

/// What the server records for one play (the client's report plus what the server knows).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlayEvent {
    /// Made by the client, so a retried report is recognised and counted once.
    pub event_id: Uuid,
    pub user_id: Uuid,
    pub song_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub ms_played: u64,
    pub reason_end: EndReason,
    pub shuffle: bool,
    pub source: Source,
    pub source_id: Option<String>,
    pub platform: String,
    pub country: String,
    pub offline: bool,
    /// Played in a private session: kept for the user, never shared.
    pub private: bool,
    pub imported: bool,
}

impl PlayEvent {
    pub fn is_stream(&self) -> bool {
        self.ms_played >= STREAM_MS
    }
    /// A skip is the user ending a play before it became a stream.
    pub fn is_skip(&self) -> bool {
        self.reason_end == EndReason::Skipped && !self.is_stream()
    }
    pub fn is_completion(&self) -> bool {
        self.reason_end == EndReason::Finished
    }
}

/// "Linux", "Android", "iOS", "macOS", "Windows" or "Other", from a User-Agent.
pub fn platform_from_user_agent(ua: &str) -> &'static str {
    let ua = ua.to_ascii_lowercase();
    if ua.contains("android") {
        "Android"
    } else if ua.contains("iphone") || ua.contains("ipad") {
        "iOS"
    } else if ua.contains("mac os x") || ua.contains("macintosh") {
        "macOS"
    } else if ua.contains("windows") {
        "Windows"
    } else if ua.contains("linux") || ua.contains("x11") {
        "Linux"
    } else {
        "Other"
    }
}

/// One line of the history page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub event_id: Uuid,
    pub song: SongRow,
    pub played_at: DateTime<Utc>,
    pub ms_played: u64,
    /// Where to resume: set when the play stopped before the end.
    pub resume_ms: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatsRange {
    Weeks4,
    Months6,
    AllTime,
}

impl StatsRange {
    pub fn parse(s: &str) -> StatsRange {
        match s {
            "6m" => StatsRange::Months6,
            "all" => StatsRange::AllTime,
            _ => StatsRange::Weeks4,
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            StatsRange::Weeks4 => "4w",
            StatsRange::Months6 => "6m",
            StatsRange::AllTime => "all",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            StatsRange::Weeks4 => "Last 4 weeks",
            StatsRange::Months6 => "Last 6 months",
            StatsRange::AllTime => "All time",
        }
    }
    pub fn days(self) -> Option<i64> {
        match self {
            StatsRange::Weeks4 => Some(28),
            StatsRange::Months6 => Some(182),
            StatsRange::AllTime => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ranked<T> {
    pub item: T,
    pub streams: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NamedRef {
    pub id: Uuid,
    pub name: String,
}

/// "Your stats" for one range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct UserStats {
    pub total_streams: u64,
    pub total_minutes: u64,
    pub top_songs: Vec<Ranked<SongRow>>,
    pub top_artists: Vec<Ranked<NamedRef>>,
    pub top_genres: Vec<Ranked<String>>,
    /// Minutes listened per day over the last 28 days, oldest first.
    pub minutes_per_day: Vec<(NaiveDate, u64)>,
    /// Plays by weekday (0 = Monday) and hour (UTC).
    pub heatmap: Vec<[u64; 24]>,
    /// The sound of what you play most: stream-weighted means over your top songs.
    pub features: Option<FeatureProfile>,
}

/// Stream-weighted means of the audio features of a user's most played songs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureProfile {
    /// (name, 0..=1) for danceability, energy, valence, acousticness, instrumentalness,
    /// speechiness, liveness.
    pub shares: Vec<(String, f64)>,
    pub tempo_bpm: f64,
    /// How many streams (of how many songs) the means are over.
    pub streams: u64,
    pub songs: usize,
}

impl FeatureProfile {
    /// `None` without streams.
    pub fn of(weighted: &[(&crate::catalog::AudioFeatures, u64)]) -> Option<Self> {
        let total: u64 = weighted.iter().map(|w| w.1).sum();
        if total == 0 {
            return None;
        }
        let mean = |f: fn(&crate::catalog::AudioFeatures) -> f32| {
            weighted
                .iter()
                .map(|(a, n)| f(a) as f64 * *n as f64)
                .sum::<f64>()
                / total as f64
        };
        let shares = [
            ("danceability", mean(|a| a.danceability)),
            ("energy", mean(|a| a.energy)),
            ("valence", mean(|a| a.valence)),
            ("acousticness", mean(|a| a.acousticness)),
            ("instrumentalness", mean(|a| a.instrumentalness)),
            ("speechiness", mean(|a| a.speechiness)),
            ("liveness", mean(|a| a.liveness)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), (v * 1000.0).round() / 1000.0))
        .collect();
        Some(FeatureProfile {
            shares,
            tempo_bpm: mean(|a| a.tempo).round(),
            streams: total,
            songs: weighted.len(),
        })
    }
}

/// A year of one user's listening.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct YearInReview {
    pub year: i32,
    pub streams: u64,
    pub minutes: u64,
    pub distinct_songs: usize,
    pub distinct_artists: usize,
    pub top_songs: Vec<Ranked<SongRow>>,
    pub top_artists: Vec<Ranked<NamedRef>>,
    pub top_genres: Vec<Ranked<String>>,
    /// Minutes per month, January first.
    pub minutes_per_month: Vec<(String, u64)>,
    /// The day with the most minutes, and how many.
    pub biggest_day: Option<(NaiveDate, u64)>,
    pub features: Option<FeatureProfile>,
}

/// A listening-history import as its owner sees it (progress and report).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryImport {
    pub id: uuid::Uuid,
    pub file_name: String,
    pub format: String,
    /// queued, running, done or failed
    pub status: String,
    pub total: i64,
    pub position: i64,
    pub imported: i64,
    pub matched: i64,
    pub created: i64,
    pub duplicates: i64,
    pub skipped_podcast: i64,
    pub skipped_audiobook: i64,
    pub skipped_incognito: i64,
    pub error_count: i64,
    /// The first errors: record number and message.
    pub errors: Vec<(i64, String)>,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A platform or country name as counters use it: it becomes part of a field path in
/// the daily documents, so it is never empty and has no `.` or leading `$`.
pub fn breakdown_key(s: &str, empty: &str) -> String {
    let k: String = s
        .trim()
        .chars()
        .take(60)
        .map(|c| if c == '.' || c == '$' { '_' } else { c })
        .collect();
    if k.is_empty() {
        empty.to_string()
    } else {
        k
    }
}

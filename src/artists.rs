//! Artist profiles claimed by accounts, and the artist's insights dashboard.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalog::{ArtistSummary, Link, SongRow};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArtistClaim {
    pub id: Uuid,
    pub user_id: Uuid,
    pub username: String,
    pub artist_id: Uuid,
    pub artist_name: String,
    pub message: String,
    /// pending, approved or rejected
    pub status: String,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

/// One song's numbers over the dashboard's period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SongInsight {
    pub song: SongRow,
    pub plays: u64,
    pub streams: u64,
    pub listeners: u64,
    pub skips: u64,
    pub completions: u64,
    pub saves: u64,
    pub playlist_adds: u64,
}

impl SongInsight {
    /// Share of plays the listener skipped (ended before 30 s), in %.
    pub fn skip_rate(&self) -> f64 {
        pct(self.skips, self.plays)
    }
    /// Share of plays heard to the end, in %.
    pub fn completion_rate(&self) -> f64 {
        pct(self.completions, self.plays)
    }
}

fn pct(n: u64, of: u64) -> f64 {
    if of == 0 {
        0.0
    } else {
        100.0 * n as f64 / of as f64
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArtistDashboard {
    pub artist: ArtistSummary,
    pub bio: String,
    pub links: Vec<Link>,
    pub days: u32,
    pub streams: u64,
    pub listeners: u64,
    pub followers: i64,
    pub new_followers: i64,
    pub saves: u64,
    pub streams_per_day: Vec<(NaiveDate, u64)>,
    pub listeners_per_day: Vec<(NaiveDate, u64)>,
    pub songs: Vec<SongInsight>,
    pub countries: Vec<(String, u64)>,
    pub platforms: Vec<(String, u64)>,
    pub sources: Vec<(String, u64)>,
    pub fans_also_like: Vec<ArtistSummary>,
    /// Streams per UTC hour over the last 24 hours ("HH", oldest first).
    pub last_24h: Vec<(String, u64)>,
}

/// The periods a dashboard covers.
pub const DASHBOARD_DAYS: [u32; 3] = [7, 28, 365];

impl ArtistDashboard {
    /// The per-song table as CSV (RFC 4180 quoting).
    pub fn songs_csv(&self) -> String {
        let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let mut out = String::from(
            "song_id,title,plays,streams,listeners,skip_rate_pct,completion_rate_pct,saves,playlist_adds\r\n",
        );
        for s in &self.songs {
            out.push_str(&format!(
                "{},{},{},{},{},{:.1},{:.1},{},{}\r\n",
                s.song.id,
                q(&s.song.title),
                s.plays,
                s.streams,
                s.listeners,
                s.skip_rate(),
                s.completion_rate(),
                s.saves,
                s.playlist_adds
            ));
        }
        out
    }
}

/// An uploaded song as the artist and the review queue see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Upload {
    /// The song's id.
    pub id: Uuid,
    pub artist_id: Uuid,
    pub artist_name: String,
    pub uploader: String,
    pub album_id: Uuid,
    pub album_title: String,
    pub album_type: String,
    pub title: String,
    pub original_name: String,
    pub codec: String,
    pub size_bytes: i64,
    pub duration_ms: i64,
    /// pending, approved or rejected
    pub status: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// What the upload page needs besides the list: the form's choices and limits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UploadPage {
    pub artist: ArtistSummary,
    pub genres: Vec<String>,
    pub max_mb: u64,
    pub uploads: Vec<Upload>,
}

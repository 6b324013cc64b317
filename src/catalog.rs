//! Catalog types shared with the browser: artists, albums, songs and the pages' views.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlbumType {
    Album,
    Ep,
    Single,
}

impl AlbumType {
    pub fn label(self) -> &'static str {
        match self {
            AlbumType::Album => "Albums",
            AlbumType::Ep => "EPs",
            AlbumType::Single => "Singles",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SongStatus {
    Published,
    Pending,
    TakenDown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArtistRole {
    Primary,
    Featured,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub label: String,
    pub url: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Artist {
    pub id: Uuid,
    pub name: String,
    pub sort_name: String,
    pub bio: String,
    pub country: String,
    pub genres: Vec<String>,
    pub image: Option<String>,
    pub verified: bool,
    pub links: Vec<Link>,
    pub popularity: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArtistCredit {
    pub id: Uuid,
    pub name: String,
    pub role: ArtistRole,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Album {
    pub id: Uuid,
    pub title: String,
    pub artist_ids: Vec<Uuid>,
    pub artist_names: Vec<String>,
    pub album_type: AlbumType,
    pub release_date: NaiveDate,
    pub label: String,
    pub genres: Vec<String>,
    pub cover: Option<String>,
    pub track_count: u32,
    pub duration_ms: u64,
    pub popularity: u32,
}

/// Spotify-style audio features, each 0..=1 unless noted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct AudioFeatures {
    pub danceability: f32,
    pub energy: f32,
    /// Pitch class 0 (C) ..= 11 (B).
    pub key: u8,
    /// dB, typically -60..0.
    pub loudness: f32,
    /// 1 major, 0 minor.
    pub mode: u8,
    pub speechiness: f32,
    pub acousticness: f32,
    pub instrumentalness: f32,
    pub liveness: f32,
    pub valence: f32,
    /// Beats per minute.
    pub tempo: f32,
    pub time_signature: u8,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AudioFile {
    /// File name under `<data dir>/audio/` (a content hash plus extension).
    pub file: String,
    pub mime: String,
    pub bitrate: i64,
    pub sample_rate: i64,
    pub size: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Song {
    pub id: Uuid,
    pub title: String,
    pub artists: Vec<ArtistCredit>,
    pub album_id: Uuid,
    pub album_title: String,
    pub track_number: u32,
    pub disc_number: u32,
    pub duration_ms: u64,
    pub genres: Vec<String>,
    pub explicit: bool,
    pub isrc: Option<String>,
    pub popularity: u32,
    pub features: AudioFeatures,
    pub audio: Option<AudioFile>,
    pub status: SongStatus,
    pub play_count: u64,
    pub like_count: u64,
}

/// A song as lists show it (and as the player queues it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SongRow {
    pub id: Uuid,
    pub title: String,
    pub artists: Vec<ArtistCredit>,
    pub album_id: Uuid,
    pub album_title: String,
    pub track_number: u32,
    pub duration_ms: u64,
    pub explicit: bool,
    pub playable: bool,
    pub cover: Option<String>,
}

impl Song {
    pub fn row(&self, cover: Option<String>) -> SongRow {
        SongRow {
            id: self.id,
            title: self.title.clone(),
            artists: self.artists.clone(),
            album_id: self.album_id,
            album_title: self.album_title.clone(),
            track_number: self.track_number,
            duration_ms: self.duration_ms,
            explicit: self.explicit,
            playable: self.audio.is_some() && self.status == SongStatus::Published,
            cover,
        }
    }
}

impl Artist {
    /// The short form shown in lists and grids.
    pub fn summary(&self) -> ArtistSummary {
        ArtistSummary {
            id: self.id,
            name: self.name.clone(),
            image: self.image.clone(),
            genres: self.genres.clone(),
        }
    }
}

/// "3:07", "1:02:03".
pub fn format_duration(ms: u64) -> String {
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// "12,345".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}

/// "1 listener", "12,345 listeners".
pub fn plural(n: u64, noun: &str) -> String {
    format!("{} {noun}{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// The first letter used to bucket artists for browsing ("#" for non-letters).
pub fn sort_initial(sort_name: &str) -> String {
    match sort_name.chars().next().map(|c| c.to_ascii_uppercase()) {
        Some(c) if c.is_ascii_alphabetic() => c.to_string(),
        _ => "#".into(),
    }
}

/// "The Beatles" sorts as "Beatles, The".
pub fn sort_name(name: &str) -> String {
    for article in ["The ", "A ", "An "] {
        if let Some(rest) = name.strip_prefix(article) {
            return format!("{rest}, {}", article.trim());
        }
    }
    name.to_string()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArtistPage {
    pub artist: Artist,
    pub followers: i64,
    /// Unique listeners over the last 28 days (HyperLogLog, see `hll`).
    pub monthly_listeners: u64,
    /// Whether the signed-in user follows the artist (`None` when signed out).
    pub following: Option<bool>,
    pub top_songs: Vec<SongRow>,
    pub albums: Vec<Album>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlbumPage {
    pub album: Album,
    pub tracks: Vec<SongRow>,
    pub hidden_explicit: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SongPage {
    pub song: Song,
    pub cover: Option<String>,
    pub hidden_by_filter: bool,
    /// Unique listeners over the last 28 days.
    pub listeners_28d: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenreCount {
    pub genre: String,
    pub songs: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct HomeCatalog {
    pub new_releases: Vec<Album>,
    pub popular: Vec<SongRow>,
    pub genres: Vec<GenreCount>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArtistSummary {
    pub id: Uuid,
    pub name: String,
    pub image: Option<String>,
    pub genres: Vec<String>,
}

/// One page of a browse list; `next` is the opaque cursor of the following page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BrowsePage<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenrePage {
    pub genre: String,
    pub artists: Vec<ArtistSummary>,
    pub songs: Vec<SongRow>,
}

/// Search results, grouped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct SearchResults {
    pub songs: Vec<SongRow>,
    pub artists: Vec<ArtistSummary>,
    pub albums: Vec<Album>,
    pub users: Vec<crate::model::UserSummary>,
    pub playlists: Vec<crate::playlists::PlaylistSummary>,
}

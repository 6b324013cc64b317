//! Playlist types shared with the browser.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalog::SongRow;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    Public,
    Unlisted,
    Private,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Unlisted => "unlisted",
            Visibility::Private => "private",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "public" => Visibility::Public,
            "unlisted" => Visibility::Unlisted,
            "private" => Visibility::Private,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CollabRole {
    Editor,
    Viewer,
}

impl CollabRole {
    pub fn as_str(self) -> &'static str {
        match self {
            CollabRole::Editor => "editor",
            CollabRole::Viewer => "viewer",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "editor" => Some(CollabRole::Editor),
            "viewer" => Some(CollabRole::Viewer),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Playlist {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub owner_username: String,
    pub owner_name: String,
    pub title: String,
    pub description: String,
    pub visibility: Visibility,
    pub collaborative: bool,
    pub track_count: i32,
    pub total_duration_ms: i64,
    /// Bumped by every change; a reorder must name the version it was made against.
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    /// The cover of the first song's album (kept up to date by every change).
    pub cover: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlaylistItem {
    pub item_id: Uuid,
    pub song: SongRow,
    pub added_by: Uuid,
    pub added_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Collaborator {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: CollabRole,
}

/// What the viewer may do with a playlist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PlaylistRights {
    pub edit_items: bool,
    pub manage: bool,
    pub save: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlaylistPage {
    pub playlist: Playlist,
    pub items: Vec<PlaylistItem>,
    /// Cursor (position) of the next page of items.
    pub next: Option<f64>,
    pub rights: PlaylistRights,
    pub collaborators: Vec<Collaborator>,
    pub saved: bool,
}

/// A playlist in lists (library, public playlists, "add to playlist" menus).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlaylistSummary {
    pub id: Uuid,
    pub title: String,
    pub owner_name: String,
    pub visibility: Visibility,
    pub track_count: i32,
    pub cover: Option<String>,
}

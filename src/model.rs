//! Browser-safe domain types shared by server functions and pages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a user may do on the platform. Ordered: each role includes the ones before it,
/// except that `Artist` grants nothing a moderator needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Listener,
    Artist,
    Moderator,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Listener, Role::Artist, Role::Moderator, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Listener => "listener",
            Role::Artist => "artist",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Moderators and admins work the admin panel.
    pub fn can_moderate(self) -> bool {
        matches!(self, Role::Moderator | Role::Admin)
    }

    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }

    pub fn is_artist(self) -> bool {
        self == Role::Artist
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Active,
    Suspended,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Suspended => "suspended",
        }
    }
    pub fn parse(s: &str) -> Option<UserStatus> {
        match s {
            "active" => Some(UserStatus::Active),
            "suspended" => Some(UserStatus::Suspended),
            _ => None,
        }
    }
}

/// The signed-in user as the UI sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

/// A full account, for the owner and for admins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub role: Role,
    pub status: UserStatus,
    pub suspended_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

impl User {
    pub fn session_user(&self) -> SessionUser {
        SessionUser {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
        }
    }
}

/// What anybody may see of a user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicProfile {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub role: Role,
    pub joined: DateTime<Utc>,
    pub followers: i64,
    pub following: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
    pub fn parse(s: &str) -> Option<Theme> {
        match s {
            "system" => Some(Theme::System),
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct Preferences {
    pub explicit_filter: bool,
    pub private_session: bool,
    pub share_activity: bool,
    pub show_listening: bool,
    pub theme: Theme,
}

/// The settings page: profile fields plus preferences.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub user: User,
    pub preferences: Preferences,
}

/// Counts for the admin overview.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct AdminOverview {
    pub users_by_role: Vec<(Role, i64)>,
    pub suspended: i64,
    pub recent_users: Vec<User>,
}

/// The Library page's counts (PostgreSQL side).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct LibraryCounts {
    pub playlists: i64,
    pub saved_playlists: i64,
    pub liked_songs: i64,
    pub followed_artists: i64,
    pub following_users: i64,
}

/// A user in search results and lists.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserSummary {
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

impl UserSummary {
    /// From a `(username, display_name, role)` row; an unknown role reads as listener.
    pub fn from_row((username, display_name, role): (String, String, String)) -> Self {
        UserSummary {
            username,
            display_name,
            role: Role::parse(&role).unwrap_or(Role::Listener),
        }
    }
}

/// How the viewer relates to a profile.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    pub following: bool,
    pub followed_by: bool,
    pub blocking: bool,
}

impl Relation {
    /// Mutual follows are friends.
    pub fn friends(&self) -> bool {
        self.following && self.followed_by
    }
}

/// Feed items per page.
pub const FEED_PAGE: i64 = 30;

/// One entry of the activity feed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FeedEvent {
    /// A followed user made a public playlist.
    Playlist {
        user: UserSummary,
        playlist_id: Uuid,
        title: String,
    },
    /// A followed user liked a song.
    Like {
        user: UserSummary,
        song: crate::catalog::SongRow,
    },
    /// A followed artist released an album.
    Release { album: crate::catalog::Album },
    /// A followed user listened to a song (their latest play, when they share activity
    /// and were not in a private session).
    Listened {
        user: UserSummary,
        song: crate::catalog::SongRow,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeedItem {
    pub at: DateTime<Utc>,
    pub event: FeedEvent,
}

/// A report as its reporter and the moderation queue see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: Uuid,
    pub reporter: Option<String>,
    pub target_type: String,
    pub target_id: Uuid,
    /// What the target is called (song title, username…), when it still exists.
    pub target_label: String,
    /// Where the target can be seen, when it still can.
    pub target_link: Option<String>,
    pub reason: String,
    pub details: String,
    pub status: String,
    pub resolution_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

pub const REPORT_REASONS: [&str; 6] = [
    "spam",
    "abuse",
    "copyright",
    "explicit",
    "impersonation",
    "other",
];

/// A comment on a song as one viewer sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommentView {
    pub id: Uuid,
    pub author_username: String,
    pub author_name: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub edited: bool,
    /// The viewer wrote it (may edit and delete).
    pub mine: bool,
    /// The viewer may delete it (author, or a moderator).
    pub can_delete: bool,
}

/// A page of comments, newest first, with the total count.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CommentPage {
    pub total: i64,
    pub comments: Vec<CommentView>,
    /// `before` for the next (older) page.
    pub next: Option<DateTime<Utc>>,
}

pub const COMMENT_PAGE: i64 = 50;
pub const COMMENT_MAX_CHARS: usize = 2000;

/// What can be liked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LikeKind {
    Song,
    Album,
    Playlist,
}

impl LikeKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "song" => Some(LikeKind::Song),
            "album" => Some(LikeKind::Album),
            "playlist" => Some(LikeKind::Playlist),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            LikeKind::Song => "song",
            LikeKind::Album => "album",
            LikeKind::Playlist => "playlist",
        }
    }
}

/// A like button's state: `liked` is `None` when signed out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LikeState {
    pub liked: Option<bool>,
    pub count: i64,
}

/// Someone to follow, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub user: UserSummary,
    pub reason: String,
}

/// One audit-log entry, for the admins' browser.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub actor: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub details: String,
    pub created_at: DateTime<Utc>,
}

pub const AUDIT_PAGE: i64 = 100;

/// A warning a moderator gave the user, as they see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    pub note: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// An app password (Subsonic clients) as its owner sees it in settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AppPassword {
    pub id: Uuid,
    pub name: String,
    pub secret: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

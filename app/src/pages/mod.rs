//! One module per page; each page's data comes from server functions in `serverfns`.

mod account_pages;
mod admin_page;
mod analytics_page;
mod artist_pages;
mod auth_pages;
mod billing_pages;
pub(crate) mod catalog_pages;
mod comment_section;
mod discover_pages;
mod event_pages;
mod feed_page;
mod home_page;
mod import_page;
mod listening_pages;
mod misc_pages;
pub(crate) mod moderation_pages;
mod party_pages;
mod playlist_pages;
mod tip_pages;
mod upload_pages;

pub use account_pages::{LibraryPage, ProfilePage, SettingsPage};
pub use admin_page::{AdminPage, AdminUsersPage, AuditPage};
pub use analytics_page::AnalyticsPage;
pub use artist_pages::{AdminClaimsPage, ArtistAreaPage, ArtistInsightsPage, ClaimArtistForm};
pub use auth_pages::{SignInPage, SignUpPage};
pub use billing_pages::{AdminPlansPage, PremiumPage};
pub use catalog_pages::{
    AlbumPage, AlbumsPage, ArtistPage, ArtistsPage, GenreLinks, GenrePage, GenresPage, SongPage,
};
pub use comment_section::CommentSection;
pub use discover_pages::{AdminRecsPage, DiscoverPage, MixPage};
pub use event_pages::{ArtistEventsPage, EventPage, NotificationsPage};
pub use feed_page::FeedPage;
pub use home_page::HomePage;
pub use import_page::ImportPage;
pub use listening_pages::{HistoryItem, HistoryPage, StatsPage, YearPage};
pub use misc_pages::{NotFoundPage, SearchPage};
pub use moderation_pages::{MyReportsPage, QueuePage, ReportForm, ReportSongForm};
pub use party_pages::{LiveNow, PartiesPage, PartyPage, StartPartyForm};
pub use playlist_pages::{
    AddToPlaylistPage, CreatePlaylistForm, LikeButton, LikedSongsPage, PlaylistList, PlaylistPage,
    PublicPlaylistsPage, SongActions,
};
pub use tip_pages::{AdminTips, ArtistTips, TipForm};
pub use upload_pages::{AdminUploadsPage, ArtistUploadsPage};

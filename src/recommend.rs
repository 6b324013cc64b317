//! Recommendations and auto-generated playlists: what the pages show.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalog::SongRow;

/// The algorithm a listener's "Because you listened to…" shelves come from. Every user is
/// assigned one for good by a hash of their id, so the variants can be compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Variant {
    /// Songs that sound alike: audio features within the seed's genre.
    Content,
    /// Songs the seed's listeners also streamed (item-to-item co-listening).
    Collaborative,
}

impl Variant {
    pub const ALL: [Variant; 2] = [Variant::Content, Variant::Collaborative];

    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Content => "content",
            Variant::Collaborative => "collab",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Variant::Content => "Content-based (audio features and genre)",
            Variant::Collaborative => "Collaborative (co-listened songs)",
        }
    }

    /// The user's variant: a stable hash of the id (the same on every instance).
    pub fn for_user(user: Uuid) -> Self {
        let v = user.as_u128();
        let mut z = (v as u64) ^ ((v >> 64) as u64) ^ 0x5EED_0F_EC5;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Self::ALL[(z % Self::ALL.len() as u64) as usize]
    }
}

/// One "Because you listened to …" shelf.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecShelf {
    pub seed: SongRow,
    pub songs: Vec<SongRow>,
    /// The algorithm that filled it (the user's variant, or the other one when the
    /// variant had nothing for this seed yet).
    pub variant: Variant,
}

/// A generated playlist (Trending, New Releases, Top 50 per genre).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AutoPlaylist {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub songs: Vec<SongRow>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AutoPlaylistSummary {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub count: usize,
    pub cover: Option<String>,
}

impl AutoPlaylist {
    pub fn summary(&self) -> AutoPlaylistSummary {
        AutoPlaylistSummary {
            slug: self.slug.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            count: self.songs.len(),
            cover: self.songs.iter().find_map(|s| s.cover.clone()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct DiscoverPage {
    /// `None` when signed out (no personal shelves).
    pub variant: Option<Variant>,
    pub shelves: Vec<RecShelf>,
    pub daily_mix: Vec<SongRow>,
    pub playlists: Vec<AutoPlaylistSummary>,
}

/// Impressions, clicks and plays of one variant over a period (admin panel).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantStats {
    pub variant: Variant,
    pub impressions: u64,
    pub clicks: u64,
    pub plays: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_stable_and_both_used() {
        let ids: Vec<Uuid> = (0..1000u128)
            .map(|i| Uuid::from_u128(i * 7919 + 1))
            .collect();
        let content = ids
            .iter()
            .filter(|u| Variant::for_user(**u) == Variant::Content)
            .count();
        assert!((350..650).contains(&content), "{content} of 1000");
        for u in &ids {
            assert_eq!(Variant::for_user(*u), Variant::for_user(*u));
        }
        assert_eq!(Variant::parse("collab"), Some(Variant::Collaborative));
        assert_eq!(Variant::parse("x"), None);
    }
}

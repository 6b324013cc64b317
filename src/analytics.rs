//! Platform analytics for admins.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{
    catalog::{ArtistSummary, SongRow},
    recommend::VariantStats,
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlatformAnalytics {
    pub days: u32,
    /// Unique active listeners (anyone who played something): today, 7 and 28 days.
    pub dau: u64,
    pub wau: u64,
    pub mau: u64,
    pub active_per_day: Vec<(NaiveDate, u64)>,
    pub streams_per_day: Vec<(NaiveDate, u64)>,
    pub signups_per_day: Vec<(NaiveDate, u64)>,
    pub streams: u64,
    pub signups: u64,
    pub users: i64,
    /// Most streamed in the last 7 days (refreshed with the recommendations).
    pub top_songs: Vec<(SongRow, u64)>,
    pub top_artists: Vec<(ArtistSummary, u64)>,
    pub subscribers: i64,
    pub conversion_pct: f64,
    pub canceled: i64,
    pub churn_pct: f64,
    /// Monthly recurring revenue in cents (yearly plans divided by 12).
    pub mrr_cents: i64,
    pub plan_mix: Vec<(String, i64)>,
    pub reports_open: i64,
    pub reports_closed: i64,
    pub median_hours_to_action: Option<f64>,
    pub variants: Vec<VariantStats>,
}

/// The periods analytics cover.
pub const ANALYTICS_DAYS: [u32; 3] = [7, 28, 90];

impl PlatformAnalytics {
    /// The per-day series as CSV.
    pub fn days_csv(&self) -> String {
        let mut out = String::from("day,active_listeners,streams,signups\r\n");
        for (i, (day, active)) in self.active_per_day.iter().enumerate() {
            out.push_str(&format!(
                "{day},{active},{},{}\r\n",
                self.streams_per_day.get(i).map_or(0, |x| x.1),
                self.signups_per_day.get(i).map_or(0, |x| x.1)
            ));
        }
        out
    }
}

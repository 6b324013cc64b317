//! Play reports from the player, history and stats.

use encore::listening::{HistoryEntry, UserStats};
use leptos::prelude::*;

use crate::error::AppError;

/// Called by the player when a play ends (also by `navigator.sendBeacon` on page exit, as
/// a form post). Returns `false` when the same event was reported before.
#[server(endpoint = "listening/report")]
#[allow(clippy::too_many_arguments)]
pub async fn report_play(
    event_id: String,
    song_id: String,
    started_at_ms: i64,
    ms_played: u64,
    reason: String,
    shuffle: Option<String>,
    source: String,
    source_id: Option<String>,
    offline: Option<String>,
) -> Result<bool, AppError> {
    use crate::server::*;
    use encore::listening::*;
    let t = std::time::Instant::now();
    let me = require_user().await?;
    let session_ms = t.elapsed().as_millis() as u64;
    if session_ms >= encore::service::listening::slow_report_ms() {
        tracing::warn!(session_ms, "slow play report: the session lookup");
    }
    let bad = |f: &str, m: &str| AppError::Invalid(encore::FieldErrors::single(f, m));
    let report = encore::service::listening::PlayReport {
        event_id: uuid::Uuid::parse_str(&event_id).map_err(|_| bad("event_id", "Not a UUID."))?,
        song_id: uuid::Uuid::parse_str(&song_id).map_err(|_| bad("song_id", "Not a UUID."))?,
        started_at: chrono::DateTime::from_timestamp_millis(started_at_ms)
            .ok_or_else(|| bad("started_at", "Not a time."))?,
        ms_played,
        reason_end: EndReason::parse(&reason)
            .ok_or_else(|| bad("reason", "Unknown end reason."))?,
        shuffle: shuffle.as_deref() == Some("true"),
        source: Source::parse(&source).ok_or_else(|| bad("source", "Unknown source."))?,
        source_id: source_id.filter(|s| !s.is_empty()),
        offline: offline.as_deref() == Some("true"),
    };
    let ctx = ctx()?;
    let platform = platform_from_user_agent(&user_agent());
    let country = request_country(&ctx);
    Ok(encore::service::listening::report(&ctx.repos, &me, report, platform, &country).await?)
}

#[server(endpoint = "listening/history")]
pub async fn get_history(
    from: Option<String>,
    to: Option<String>,
) -> Result<Vec<HistoryEntry>, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/history").await?;
    let parse = |s: Option<String>,
                 field: &str|
     -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
        match s.filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => s
                .parse::<chrono::NaiveDate>()
                .map(|d| Some(d.and_hms_opt(0, 0, 0).unwrap().and_utc()))
                .map_err(|_| {
                    AppError::Invalid(encore::FieldErrors::single(
                        field,
                        "Use a date like 2026-11-26.",
                    ))
                }),
        }
    };
    let from = parse(from, "from")?;
    // "to" is inclusive for people: up to the end of that day.
    let to = parse(to, "to")?.map(|t| t + chrono::Duration::days(1));
    let ctx = ctx()?;
    Ok(encore::service::listening::history(&ctx.repos, &me, from, to, 100).await?)
}

#[server(endpoint = "listening/recent")]
pub async fn get_recent() -> Result<Vec<HistoryEntry>, AppError> {
    use crate::server::*;
    let Some(me) = session_user().await? else {
        return Ok(vec![]);
    };
    let ctx = ctx()?;
    let mut recent = encore::service::listening::history(&ctx.repos, &me, None, None, 30).await?;
    // One card per song.
    let mut seen = std::collections::HashSet::new();
    recent.retain(|e| seen.insert(e.song.id));
    recent.truncate(8);
    Ok(recent)
}

#[server(endpoint = "listening/stats")]
pub async fn get_stats(range: String) -> Result<UserStats, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/stats").await?;
    let range = encore::listening::StatsRange::parse(&range);
    Ok(encore::service::listening::stats(&ctx()?.repos, &me, range).await?)
}

#[server(endpoint = "listening/year")]
pub async fn get_year_in_review(
    year: Option<i32>,
) -> Result<encore::listening::YearInReview, AppError> {
    use crate::server::*;
    use chrono::Datelike;
    let year = year.unwrap_or_else(|| chrono::Utc::now().year());
    let me = require_user_or_redirect(&format!("/stats/year?year={year}")).await?;
    Ok(encore::service::listening::year_in_review(&ctx()?.repos, &me, year).await?)
}

#[server(endpoint = "listening/imports")]
pub async fn get_imports() -> Result<ImportPageData, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/import").await?;
    let c = ctx()?;
    Ok(ImportPageData {
        imports: encore::service::imports::mine(&c.repos, &me).await?,
        max_mb: c.import_max_bytes / (1024 * 1024),
    })
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ImportPageData {
    pub imports: Vec<encore::listening::HistoryImport>,
    pub max_mb: u64,
}

//! Platform analytics (admins only): active listeners (HyperLogLog over the platform's
//! daily registers), streams and sign-ups per day, the week's top songs and artists,
//! subscriptions (conversion, churn, MRR), moderation throughput and the recommendation
//! variants — all from pre-aggregated documents and indexed PostgreSQL counts.

use chrono::{Duration, NaiveDate, Utc};

use crate::{
    analytics::*,
    catalog::{ArtistSummary, SongRow},
    model::SessionUser,
    repo::{listening::fold, Repos},
    Error, Result,
};

pub async fn analytics(repos: &Repos, admin: &SessionUser, days: u32) -> Result<PlatformAnalytics> {
    if !admin.role.is_admin() {
        return Err(Error::Forbidden);
    }
    let days = if ANALYTICS_DAYS.contains(&days) {
        days
    } else {
        28
    };
    let today = Utc::now().date_naive();
    let first = today - Duration::days(i64::from(days.max(28)) - 1);
    let range: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= today).collect();
    let since = today - Duration::days(i64::from(days) - 1);
    let since_t = since.and_time(chrono::NaiveTime::MIN).and_utc();
    // The reads do not depend on each other: PostgreSQL's run while MongoDB's do.
    let (docs, signups, (top_songs, top_artists), users, subs, moderation, variants) = futures::try_join!(
        repos.listening.platform_days(&range),
        repos.platform.signups_since(since_t),
        week_charts(repos),
        repos.platform.users(),
        repos.platform.subscriptions(since_t),
        repos.platform.moderation(since_t),
        repos.recs.variant_stats(since, today),
    )?;
    let (reports_open, reports_closed, median_hours_to_action) = moderation;
    let shown: Vec<NaiveDate> = since.iter_days().take_while(|d| *d <= today).collect();
    let merged = |n: i64| {
        fold::listeners(
            range
                .iter()
                .filter(|d| **d > today - Duration::days(n))
                .filter_map(|d| docs.get(d)),
        )
        .estimate()
    };
    let active_per_day = shown
        .iter()
        .map(|d| {
            (
                *d,
                docs.get(d).map_or(0, |x| fold::listeners([x]).estimate()),
            )
        })
        .collect();
    let streams_per_day: Vec<(NaiveDate, u64)> = shown
        .iter()
        .map(|d| (*d, docs.get(d).map_or(0, |x| fold::get_int(x, "streams"))))
        .collect();
    let signups: std::collections::HashMap<NaiveDate, i64> = signups.into_iter().collect();
    let signups_per_day: Vec<(NaiveDate, u64)> = shown
        .iter()
        .map(|d| (*d, signups.get(d).copied().unwrap_or(0).max(0) as u64))
        .collect();

    let pct = |a: i64, b: i64| {
        if b > 0 {
            100.0 * a as f64 / b as f64
        } else {
            0.0
        }
    };
    Ok(PlatformAnalytics {
        days,
        dau: merged(1),
        wau: merged(7),
        mau: merged(28),
        streams: streams_per_day.iter().map(|x| x.1).sum(),
        signups: signups_per_day.iter().map(|x| x.1).sum(),
        active_per_day,
        streams_per_day,
        signups_per_day,
        users,
        top_songs,
        top_artists,
        subscribers: subs.subscribers,
        conversion_pct: pct(subs.subscribers, users),
        canceled: subs.canceled,
        churn_pct: pct(subs.canceled, subs.active_at_start),
        mrr_cents: subs.mrr_cents,
        plan_mix: subs.plan_mix,
        reports_open,
        reports_closed,
        median_hours_to_action,
        variants,
    })
}

/// The week's most streamed songs and artists (the charts job's document), with their
/// catalog entries.
async fn week_charts(repos: &Repos) -> Result<(Vec<(SongRow, u64)>, Vec<(ArtistSummary, u64)>)> {
    let (week_songs, week_artists) = repos.recs.week_charts().await?;
    let ids: Vec<_> = week_songs.iter().map(|s| s.0).collect();
    let rows = repos.catalog.songs_by_ids(&ids).await?;
    let top_songs = rows
        .into_iter()
        .filter_map(|(s, c)| {
            let n = week_songs.iter().find(|w| w.0 == s.id)?.1;
            Some((s.row(c), n))
        })
        .collect();
    let mut top_artists = vec![];
    for (id, n) in week_artists {
        if let Some(a) = repos.catalog.artist(id).await? {
            top_artists.push((a.summary(), n));
        }
    }
    Ok((top_songs, top_artists))
}

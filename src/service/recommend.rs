//! Recommendations and generated playlists.
//!
//! A background job ([`refresh`], one instance at a time, idempotent: it only replaces
//! documents) pre-computes everything pages need, so a page reads a handful of documents
//! by `_id`:
//! * content-based pools: per genre, its 300 most popular songs with audio features;
//!   "Because you listened to X" ranks X's genre pool by distance in feature space;
//! * collaborative: item-to-item co-listening over the last 28 days (per user, their 20
//!   most-streamed songs; every pair counted once per user), each song's 20 best
//!   neighbours stored;
//! * generated playlists: Trending (7-day growth in streams over the 7 days before),
//!   New Releases, and Top 50 per genre (by streams, then popularity).
//!
//! Users are assigned a [`Variant`] by a hash of their id; impressions (Discover shown
//! with recommendations), clicks (a recommended song opened) and plays (started from a
//! recommendation, counted by the listening aggregator) are kept per variant and day.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate, Utc};
use uuid::Uuid;

use crate::{
    catalog::{Song, SongRow},
    model::SessionUser,
    recommend::*,
    repo::{listening::fold, recs::PoolSong, Repos},
    Result,
};

const POOL: i64 = 300;
const SHELF: usize = 12;
const NEIGHBOURS: usize = 20;
const PER_USER: usize = 20;
const MAX_USERS: usize = 20_000;
const GENRES: usize = 24;

/// A song's audio features, each scaled to 0..1.
pub fn features(s: &Song) -> Vec<f64> {
    let f = &s.features;
    vec![
        f64::from(f.danceability),
        f64::from(f.energy),
        f64::from(f.valence),
        f64::from(f.acousticness),
        f64::from(f.instrumentalness),
        f64::from(f.speechiness),
        f64::from(f.liveness),
        (f64::from(f.tempo) / 220.0).clamp(0.0, 1.0),
        ((f64::from(f.loudness) + 60.0) / 60.0).clamp(0.0, 1.0),
    ]
}

/// Squared Euclidean distance between two feature vectors.
pub fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>()
}

pub fn genre_slug(genre: &str) -> String {
    let s: String = genre
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("top-{}", s.trim_matches('-'))
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct RefreshReport {
    pub playlists: usize,
    pub pools: usize,
    pub co_listened_songs: usize,
}

/// Recomputes pools, co-listening and the generated playlists. Safe to run anywhere, any
/// number of times (each result replaces the previous one whole).
pub async fn refresh(repos: &Repos) -> Result<RefreshReport> {
    let today = Utc::now().date_naive();
    let mut report = RefreshReport::default();
    let mut lists = vec![];

    // Trending: streams over the last 7 days against the 7 before.
    let mut growth: HashMap<Uuid, (i64, i64)> = HashMap::new();
    let week_start = today - Duration::days(6);
    for (song, day, streams) in repos
        .listening
        .song_days_since(today - Duration::days(13))
        .await?
    {
        let recent = day >= week_start;
        let e = growth.entry(song).or_default();
        if recent {
            e.0 += streams as i64;
        } else {
            e.1 += streams as i64;
        }
    }
    let mut trending: Vec<(Uuid, i64, i64)> = growth
        .into_iter()
        .filter(|(_, (now, _))| *now > 0)
        .map(|(s, (now, before))| (s, now - before, now))
        .collect();
    // The week's charts for the admins' analytics: songs and artists by 7-day streams.
    let mut week: Vec<(Uuid, u64)> = trending.iter().map(|t| (t.0, t.2 as u64)).collect();
    week.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    week.truncate(10);
    let mut artists: Vec<(Uuid, u64)> = repos
        .listening
        .artist_streams_since(week_start)
        .await?
        .into_iter()
        .filter(|a| a.1 > 0)
        .collect();
    artists.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    artists.truncate(10);
    repos.recs.put_week_charts(&week, &artists).await?;
    trending.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    let ids: Vec<Uuid> = trending.iter().take(50).map(|t| t.0).collect();
    lists.push(AutoPlaylist {
        slug: "trending".into(),
        title: "Trending".into(),
        description: "The songs whose streams grew most this week against the week before.".into(),
        songs: published_rows(repos, &ids).await?,
        updated_at: Utc::now(),
    });

    // New releases: the newest albums' tracks.
    let home = repos.catalog.home().await?;
    let mut new = vec![];
    for a in &home.new_releases {
        new.extend(repos.catalog.album_tracks(a.id).await?.into_iter().take(5));
        if new.len() >= 50 {
            break;
        }
    }
    new.truncate(50);
    lists.push(AutoPlaylist {
        slug: "new-releases".into(),
        title: "New Releases".into(),
        description: "Fresh tracks from the latest albums, singles and EPs.".into(),
        songs: new,
        updated_at: Utc::now(),
    });

    // Per genre: the content-based pool and the Top 50.
    for g in home.genres.iter().take(GENRES) {
        let songs = repos.catalog.songs_in_genre(&g.genre, POOL).await?;
        let pool: Vec<PoolSong> = songs
            .iter()
            .filter_map(|(s, _)| {
                Some(PoolSong {
                    id: s.id,
                    artist: s.artists.first()?.id,
                    features: features(s),
                })
            })
            .collect();
        repos.recs.put_pool(&g.genre, pool).await?;
        report.pools += 1;
        let ids: Vec<Uuid> = songs.iter().map(|(s, _)| s.id).collect();
        let streams = repos.listening.song_streams(&ids).await?;
        let mut ranked: Vec<&(Song, Option<String>)> = songs.iter().collect();
        ranked.sort_by(|a, b| {
            let sa = streams.get(&a.0.id).copied().unwrap_or(0);
            let sb = streams.get(&b.0.id).copied().unwrap_or(0);
            sb.cmp(&sa).then(b.0.popularity.cmp(&a.0.popularity))
        });
        lists.push(AutoPlaylist {
            slug: genre_slug(&g.genre),
            title: format!("Top 50: {}", g.genre),
            description: format!("The most streamed {} songs on Encore.", g.genre),
            songs: ranked
                .into_iter()
                .take(50)
                .map(|(s, c)| s.row(c.clone()))
                .collect(),
            updated_at: Utc::now(),
        });
    }
    report.playlists = lists.len();
    repos.recs.put_auto_playlists(&lists).await?;

    // Co-listening over the last 28 days.
    let mut per_user: HashMap<Uuid, HashMap<Uuid, u64>> = HashMap::new();
    for (user, songs) in repos
        .listening
        .user_songs_since(today - Duration::days(27))
        .await?
    {
        if per_user.len() >= MAX_USERS && !per_user.contains_key(&user) {
            continue;
        }
        let m = per_user.entry(user).or_default();
        for (s, n) in songs {
            *m.entry(s).or_default() += n;
        }
    }
    let mut pairs: HashMap<Uuid, HashMap<Uuid, u32>> = HashMap::new();
    for songs in per_user.values() {
        let mut top: Vec<(&Uuid, &u64)> = songs.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let top: Vec<Uuid> = top.into_iter().take(PER_USER).map(|(s, _)| *s).collect();
        for a in &top {
            for b in &top {
                if a != b {
                    *pairs.entry(*a).or_default().entry(*b).or_default() += 1;
                }
            }
        }
    }
    let lists: Vec<(Uuid, Vec<Uuid>)> = pairs
        .into_iter()
        .map(|(song, near)| {
            let mut near: Vec<(Uuid, u32)> = near.into_iter().collect();
            near.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            (
                song,
                near.into_iter().take(NEIGHBOURS).map(|n| n.0).collect(),
            )
        })
        .collect();
    report.co_listened_songs = lists.len();
    repos.recs.put_neighbors(&lists).await?;
    Ok(report)
}

/// Rows for ids in their order, published songs only.
async fn published_rows(repos: &Repos, ids: &[Uuid]) -> Result<Vec<SongRow>> {
    Ok(repos
        .catalog
        .songs_by_ids(ids)
        .await?
        .into_iter()
        .filter(|(s, _)| s.status == crate::catalog::SongStatus::Published)
        .map(|(s, c)| s.row(c))
        .collect())
}

/// Up to `n` songs recommended after `seed` by one algorithm, leaving out `exclude`.
pub async fn because(
    repos: &Repos,
    seed: &Song,
    variant: Variant,
    exclude: &HashSet<Uuid>,
    n: usize,
) -> Result<Vec<Uuid>> {
    Ok(match variant {
        Variant::Content => {
            let Some(genre) = seed.genres.first() else {
                return Ok(vec![]);
            };
            let me = features(seed);
            let mut pool = repos.recs.pool(genre).await?;
            pool.retain(|p| p.id != seed.id && !exclude.contains(&p.id));
            pool.sort_by(|a, b| {
                distance(&a.features, &me)
                    .total_cmp(&distance(&b.features, &me))
                    .then(a.id.cmp(&b.id))
            });
            // At most three songs by any one artist, so a shelf is not one discography.
            let mut per_artist: HashMap<Uuid, usize> = HashMap::new();
            pool.into_iter()
                .filter(|p| {
                    let k = per_artist.entry(p.artist).or_default();
                    *k += 1;
                    *k <= 3
                })
                .take(n)
                .map(|p| p.id)
                .collect()
        }
        Variant::Collaborative => repos
            .recs
            .neighbors(seed.id)
            .await?
            .into_iter()
            .filter(|s| *s != seed.id && !exclude.contains(s))
            .take(n)
            .collect(),
    })
}

/// The user's most streamed songs of the last 28 days, best first.
async fn seeds(repos: &Repos, user: &SessionUser, n: usize) -> Result<Vec<Uuid>> {
    let today = Utc::now().date_naive();
    let days = repos
        .listening
        .user_days(user.id, today - Duration::days(27))
        .await?;
    Ok(fold::top(fold::sum_map(&days, "songs"), n)
        .into_iter()
        .filter_map(|(id, _)| id.parse().ok())
        .collect())
}

fn mix_seed(user: Uuid, day: NaiveDate) -> u64 {
    let v = user.as_u128()
        ^ u128::from(day.to_string().bytes().fold(0u64, |h, b| {
            h.wrapping_mul(1_099_511_628_211).wrapping_add(u64::from(b))
        }));
    (v as u64) ^ ((v >> 64) as u64)
}

/// The Discover page: shelves and a daily mix for a signed-in user (by their variant,
/// falling back to the other algorithm for a seed the variant knows nothing about yet),
/// and the generated playlists for everyone. Counts an impression when it recommends.
pub async fn discover(repos: &Repos, user: Option<&SessionUser>) -> Result<DiscoverPage> {
    let playlists = repos.recs.auto_playlists().await?;
    let Some(user) = user else {
        return Ok(DiscoverPage {
            playlists,
            ..Default::default()
        });
    };
    let variant = Variant::for_user(user.id);
    let seed_ids = seeds(repos, user, 5).await?;
    let seed_songs = repos.catalog.songs_by_ids(&seed_ids).await?;
    let known: HashSet<Uuid> = seed_ids.iter().copied().collect();
    let mut shelves = vec![];
    let mut mix: Vec<Uuid> = vec![];
    for (i, (seed, cover)) in seed_songs.iter().enumerate() {
        let mut used = variant;
        let mut ids = because(repos, seed, variant, &known, SHELF).await?;
        if ids.is_empty() {
            used = if variant == Variant::Content {
                Variant::Collaborative
            } else {
                Variant::Content
            };
            ids = because(repos, seed, used, &known, SHELF).await?;
        }
        mix.push(seed.id);
        mix.extend(ids.iter().take(5));
        if i < 2 && !ids.is_empty() {
            shelves.push(RecShelf {
                seed: seed.row(cover.clone()),
                songs: published_rows(repos, &ids).await?,
                variant: used,
            });
        }
    }
    // The daily mix: favourites and their recommendations, shuffled the same way all day.
    let today = Utc::now().date_naive();
    let mut seen = HashSet::new();
    mix.retain(|s| seen.insert(*s));
    let mut state = mix_seed(user.id, today) | 1;
    for i in (1..mix.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        mix.swap(i, (state % (i as u64 + 1)) as usize);
    }
    mix.truncate(30);
    let daily_mix = published_rows(repos, &mix).await?;
    if !shelves.is_empty() {
        repos.recs.count(variant, today, "impressions").await?;
    }
    Ok(DiscoverPage {
        variant: Some(variant),
        shelves,
        daily_mix,
        playlists,
    })
}

/// A recommended song was opened: one click for the variant (unknown variants ignored).
pub async fn click(repos: &Repos, variant: &str) -> Result<()> {
    if let Some(v) = Variant::parse(variant) {
        repos
            .recs
            .count(v, Utc::now().date_naive(), "clicks")
            .await?;
    }
    Ok(())
}

/// Impressions, clicks and plays per variant over the last `days` days (admins only).
pub async fn variant_stats(
    repos: &Repos,
    admin: &SessionUser,
    days: i64,
) -> Result<Vec<VariantStats>> {
    if !admin.role.is_admin() {
        return Err(crate::Error::Forbidden);
    }
    let today = Utc::now().date_naive();
    repos
        .recs
        .variant_stats(today - Duration::days(days - 1), today)
        .await
}

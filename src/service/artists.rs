//! Artists: linking an account to an artist profile (asked by the user, decided by a
//! moderator, audited), the linked artist's profile edits, and the insights dashboard —
//! visible only to the artist's linked accounts and admins.
//!
//! The dashboard reads pre-aggregated counters only: `artist_daily` (streams, breakdowns
//! and listener registers per day), `song_daily` for the artist's songs, `artist_hourly`
//! for the live last 24 hours, likes and follows from PostgreSQL, playlist adds from
//! `playlist_tracks`, and "fans also like" from the recommendation job's co-listening.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};
use uuid::Uuid;

use crate::{
    artists::*,
    catalog::{ArtistSummary, Link},
    error::FieldErrors,
    model::SessionUser,
    repo::{listening::fold, Repos},
    Error, Result,
};

/// Asks to link the user's account to an artist profile.
pub async fn claim(repos: &Repos, user: &SessionUser, artist: Uuid, message: &str) -> Result<Uuid> {
    repos.catalog.artist(artist).await?.ok_or(Error::NotFound)?;
    let message = message.trim();
    if message.chars().count() > 1000 {
        return Err(FieldErrors::single("message", "Tell us in at most 1,000 characters.").into());
    }
    if repos.artists.is_member(user.id, artist).await? {
        return Err(Error::Conflict(
            "Your account is already linked to this artist.".into(),
        ));
    }
    let id = repos.artists.insert_claim(user.id, artist, message).await?;
    repos
        .accounts
        .audit(
            Some(user.id),
            "artist.claim",
            "artist",
            &artist.to_string(),
            serde_json::json!({"claim": id}),
        )
        .await?;
    Ok(id)
}

async fn named(
    repos: &Repos,
    rows: Vec<crate::repo::artists::ArtistClaimRow>,
) -> Result<Vec<ArtistClaim>> {
    let mut out = vec![];
    for r in rows {
        let name = repos
            .catalog
            .artist(r.artist_id())
            .await?
            .map(|a| a.name)
            .unwrap_or_else(|| "(removed artist)".into());
        out.push(r.with_name(name));
    }
    Ok(out)
}

pub async fn my_claims(repos: &Repos, user: &SessionUser) -> Result<Vec<ArtistClaim>> {
    named(repos, repos.artists.claims_of(user.id).await?).await
}

/// The moderators' queue of claims, oldest first.
pub async fn pending_claims(repos: &Repos, moderator: &SessionUser) -> Result<Vec<ArtistClaim>> {
    if !moderator.role.can_moderate() {
        return Err(Error::Forbidden);
    }
    named(repos, repos.artists.pending().await?).await
}

/// Approves (links the account; a listener becomes an artist) or rejects a claim.
pub async fn decide(
    repos: &Repos,
    moderator: &SessionUser,
    claim: Uuid,
    approve: bool,
    note: &str,
) -> Result<()> {
    if !moderator.role.can_moderate() {
        return Err(Error::Forbidden);
    }
    let note = note.trim();
    if note.chars().count() > 1000 {
        return Err(FieldErrors::single("note", "Notes are at most 1,000 characters.").into());
    }
    let Some((user, artist)) = repos
        .artists
        .decide(claim, moderator.id, approve, note)
        .await?
    else {
        return Err(Error::Conflict("This claim was already decided.".into()));
    };
    repos
        .accounts
        .audit(
            Some(moderator.id),
            if approve {
                "artist.claim_approved"
            } else {
                "artist.claim_rejected"
            },
            "user",
            &user.to_string(),
            serde_json::json!({"claim": claim, "artist": artist, "note": note}),
        )
        .await
}

/// The artist profiles linked to the user's account.
pub async fn my_artists(repos: &Repos, user: &SessionUser) -> Result<Vec<ArtistSummary>> {
    let mut out = vec![];
    for id in repos.artists.artists_of(user.id).await? {
        if let Some(a) = repos.catalog.artist(id).await? {
            out.push(a.summary());
        }
    }
    Ok(out)
}

/// Linked accounts and admins may manage an artist; everyone else is refused.
pub async fn may_manage(repos: &Repos, user: &SessionUser, artist: Uuid) -> Result<()> {
    if user.role.is_admin() || repos.artists.is_member(user.id, artist).await? {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// The artist, when the user may manage it (`Forbidden` before `NotFound`).
pub async fn managed_artist(
    repos: &Repos,
    user: &SessionUser,
    artist: Uuid,
) -> Result<crate::catalog::Artist> {
    may_manage(repos, user, artist).await?;
    repos.catalog.artist(artist).await?.ok_or(Error::NotFound)
}

/// Parses "one link per line" (a URL, optionally after a label): http(s) only, at most 5.
pub fn parse_links(text: &str) -> Result<Vec<Link>> {
    let mut links = vec![];
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (label, url) = match line.rsplit_once(char::is_whitespace) {
            Some((label, url)) => (label.trim().to_string(), url.to_string()),
            None => (String::new(), line.to_string()),
        };
        let host = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .and_then(|rest| rest.split(['/', '?', '#']).next())
            .filter(|h| {
                !h.is_empty() && h.contains('.') && !h.contains(['<', '>', '"', '\'', ' '])
            });
        let Some(host) = host else {
            return Err(FieldErrors::single(
                "links",
                format!("\"{line}\" is not an http(s) link."),
            )
            .into());
        };
        if url.len() > 300 || label.chars().count() > 40 {
            return Err(FieldErrors::single(
                "links",
                "Links are at most 300 characters, labels 40.",
            )
            .into());
        }
        let label = if label.is_empty() {
            host.to_string()
        } else {
            label
        };
        links.push(Link { label, url });
    }
    if links.len() > 5 {
        return Err(FieldErrors::single("links", "At most 5 links.").into());
    }
    Ok(links)
}

/// A linked artist edits the profile's bio and links.
pub async fn update_profile(
    repos: &Repos,
    user: &SessionUser,
    artist: Uuid,
    bio: &str,
    links: &str,
) -> Result<()> {
    may_manage(repos, user, artist).await?;
    let bio = bio.trim();
    let mut e = FieldErrors::default();
    if bio.chars().count() > 2000 {
        e.add("bio", "Bios are at most 2,000 characters.");
    }
    let links = match parse_links(links) {
        Ok(l) => l,
        Err(Error::Invalid(f)) => {
            e.0.extend(f.0);
            vec![]
        }
        Err(x) => return Err(x),
    };
    if !e.is_empty() {
        return Err(e.into());
    }
    if !repos
        .catalog
        .set_artist_profile(artist, bio, &links)
        .await?
    {
        return Err(Error::NotFound);
    }
    repos
        .accounts
        .audit(
            Some(user.id),
            "artist.profile_edited",
            "artist",
            &artist.to_string(),
            serde_json::json!({}),
        )
        .await
}

/// A linked artist's new picture: checked like a cover (decoded in full, 100 to 5,000
/// pixels a side), kept by content hash under `<data dir>/images`, audited.
pub async fn set_image(
    repos: &Repos,
    data_dir: &std::path::Path,
    user: &SessionUser,
    artist: Uuid,
    file: crate::upload::Received,
) -> Result<()> {
    managed_artist(repos, user, artist).await?;
    let (file, ext) = tokio::task::spawn_blocking(move || {
        let ext =
            crate::upload::check_image(file.path(), &file.original_name, "image", "artist images");
        (file, ext)
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?;
    let name = file.keep_as(&data_dir.join("images"), ext?)?;
    let url = format!("/media/images/{name}");
    repos.catalog.set_artist_image(artist, &url).await?;
    repos
        .accounts
        .audit(
            Some(user.id),
            "artist.image_changed",
            "artist",
            &artist.to_string(),
            serde_json::json!({"image": url}),
        )
        .await
}

/// The dashboard over the last `days` days (7, 28 or 365; anything else means 28).
pub async fn dashboard(
    repos: &Repos,
    user: &SessionUser,
    artist_id: Uuid,
    days: u32,
) -> Result<ArtistDashboard> {
    let artist = managed_artist(repos, user, artist_id).await?;
    let days = if DASHBOARD_DAYS.contains(&days) {
        days
    } else {
        28
    };
    let now = Utc::now();
    let today = now.date_naive();
    let since = today - Duration::days(i64::from(days) - 1);
    let since_t = since.and_time(chrono::NaiveTime::MIN).and_utc();

    let hours: Vec<chrono::DateTime<Utc>> =
        (0..24).rev().map(|h| now - Duration::hours(h)).collect();
    let keys: Vec<String> = hours
        .iter()
        .map(|h| h.format("%Y-%m-%dT%H").to_string())
        .collect();
    // The reads do not depend on each other: PostgreSQL's run while MongoDB's do.
    let (adocs, insights, counts, (followers, new_followers)) = futures::try_join!(
        repos.listening.artist_days(artist_id, since),
        song_insights(repos, artist_id, since),
        repos.listening.artist_hours(artist_id, &keys),
        repos.artists.followers(artist_id, since_t),
    )?;
    let by_day: HashMap<NaiveDate, &mongodb::bson::Document> = adocs
        .iter()
        .filter_map(|d| Some((fold::day(d)?, d)))
        .collect();
    let range: Vec<NaiveDate> = since.iter_days().take_while(|d| *d <= today).collect();
    let streams_per_day = range
        .iter()
        .map(|d| (*d, by_day.get(d).map_or(0, |x| fold::get_int(x, "streams"))))
        .collect();
    let listeners_per_day = range
        .iter()
        .map(|d| {
            (
                *d,
                by_day
                    .get(d)
                    .map_or(0, |x| fold::listeners([*x]).estimate()),
            )
        })
        .collect();
    let fans_also_like = fans_also_like(repos, artist_id, &insights).await?;
    let last_24h = hours
        .iter()
        .zip(&keys)
        .map(|(h, k)| {
            (
                h.format("%H").to_string(),
                counts.get(k).copied().unwrap_or(0),
            )
        })
        .collect();
    Ok(ArtistDashboard {
        artist: artist.summary(),
        bio: artist.bio.clone(),
        links: artist.links.clone(),
        days,
        streams: fold::sum(&adocs, "streams"),
        listeners: fold::listeners(&adocs).estimate(),
        followers,
        new_followers,
        saves: insights.iter().map(|s| s.saves).sum(),
        streams_per_day,
        listeners_per_day,
        songs: insights,
        countries: fold::top(fold::sum_map(&adocs, "country"), 10),
        platforms: fold::top(fold::sum_map(&adocs, "platform"), 10),
        sources: fold::top(fold::sum_map(&adocs, "source"), 10),
        fans_also_like,
        last_24h,
    })
}

/// The per-song table: each of the artist's songs with its counters from `since` on,
/// most streamed first.
async fn song_insights(
    repos: &Repos,
    artist_id: Uuid,
    since: NaiveDate,
) -> Result<Vec<SongInsight>> {
    let since_t = since.and_time(chrono::NaiveTime::MIN).and_utc();
    let songs = repos.catalog.songs_of_artist(artist_id).await?;
    let ids: Vec<Uuid> = songs.iter().map(|(s, _)| s.id).collect();
    let (sdocs, saves, adds) = futures::try_join!(
        repos.listening.songs_days(&ids, since),
        repos.artists.saves_since(&ids, since_t),
        repos.playlists.adds_since(&ids, since_t),
    )?;
    let mut per_song: HashMap<Uuid, Vec<&mongodb::bson::Document>> = HashMap::new();
    for d in &sdocs {
        if let Some(id) = fold::event_song(d) {
            per_song.entry(id).or_default().push(d);
        }
    }
    let mut insights: Vec<SongInsight> = songs
        .iter()
        .map(|(s, cover)| {
            let docs = per_song.get(&s.id).cloned().unwrap_or_default();
            let sum = |f: &str| docs.iter().map(|d| fold::get_int(d, f)).sum::<u64>();
            SongInsight {
                song: s.row(cover.clone()),
                plays: sum("plays"),
                streams: sum("streams"),
                listeners: fold::listeners(docs.iter().copied()).estimate(),
                skips: sum("skips"),
                completions: sum("completions"),
                saves: saves.get(&s.id).copied().unwrap_or(0),
                playlist_adds: adds.get(&s.id).copied().unwrap_or(0),
            }
        })
        .collect();
    insights.sort_by(|a, b| {
        b.streams
            .cmp(&a.streams)
            .then(a.song.title.cmp(&b.song.title))
    });
    Ok(insights)
}

/// Fans also like: the artists of the songs co-listened with this artist's top songs.
/// Every neighbour of every top song counts (a song near two top songs counts twice);
/// the songs themselves are read once.
async fn fans_also_like(
    repos: &Repos,
    artist_id: Uuid,
    insights: &[SongInsight],
) -> Result<Vec<ArtistSummary>> {
    let top = insights.iter().filter(|s| s.streams > 0).take(5);
    let near: Vec<Uuid> =
        futures::future::try_join_all(top.map(|s| repos.recs.neighbors(s.song.id)))
            .await?
            .into_iter()
            .flatten()
            .collect();
    let mut distinct = near.clone();
    distinct.sort();
    distinct.dedup();
    let near_songs: HashMap<Uuid, crate::catalog::Song> = repos
        .catalog
        .songs_by_ids(&distinct)
        .await?
        .into_iter()
        .map(|(s, _)| (s.id, s))
        .collect();
    let mut others: HashMap<Uuid, u64> = HashMap::new();
    for song in near.iter().filter_map(|id| near_songs.get(id)) {
        for a in song.artists.iter().filter(|a| a.id != artist_id) {
            *others.entry(a.id).or_default() += 1;
        }
    }
    let mut others: Vec<(Uuid, u64)> = others.into_iter().collect();
    others.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out = vec![];
    for (id, _) in others.into_iter().take(5) {
        if let Some(a) = repos.catalog.artist(id).await? {
            out.push(a.summary());
        }
    }
    Ok(out)
}

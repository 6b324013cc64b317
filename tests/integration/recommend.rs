use std::collections::HashSet;

use chrono::{Duration, Utc};
use encore::{
    listening::*,
    model::{Role, SessionUser},
    recommend::Variant,
    service::{
        listening::{report, PlayReport},
        recommend::{
            because, click, discover, distance, features, genre_slug, refresh, variant_stats,
        },
    },
    Error,
};
use uuid::Uuid;

use crate::{catalog::small_catalog, songs, TestApp};

fn stream(
    song: &encore::catalog::SongRow,
    source: Source,
    source_id: Option<String>,
) -> PlayReport {
    PlayReport {
        event_id: Uuid::new_v4(),
        song_id: song.id,
        started_at: Utc::now() - Duration::minutes(10),
        ms_played: 45_000.min(song.duration_ms),
        reason_end: EndReason::Finished,
        shuffle: false,
        source,
        source_id,
        offline: false,
    }
}

async fn drain(app: &TestApp) {
    while app.repos.listening.aggregate_once(500).await.unwrap() > 0 {}
}

/// Co-listening, audio-feature neighbours, generated playlists, the Discover page and
/// the variants' impressions, clicks and plays, on a small known dataset.
#[tokio::test]
async fn recommendations_from_known_listening() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let r = &app.repos;
    let list = songs(&app, 40).await;
    let (x, y, z) = (&list[0], &list[7], &list[15]);
    let mut users: Vec<SessionUser> = vec![];
    for name in ["reca", "recb", "recc"] {
        users.push(app.user(name).await.session_user());
    }
    // a and b stream x, y and z; c streams x only.
    for u in &users[..2] {
        for s in [x, y, z] {
            report(r, u, stream(s, Source::Album, None), "Linux", "SE")
                .await
                .unwrap();
        }
    }
    report(r, &users[2], stream(x, Source::Album, None), "Linux", "SE")
        .await
        .unwrap();
    drain(&app).await;

    let rep = refresh(r).await.unwrap();
    assert!(rep.pools > 0);
    assert_eq!(rep.co_listened_songs, 3, "x, y and z have neighbours");
    let again = refresh(r).await.unwrap();
    assert_eq!(again, rep, "refreshing is idempotent");

    // Collaborative: x's listeners also streamed y and z.
    let (xs, _) = r.catalog.song(x.id).await.unwrap().unwrap();
    let collab = because(r, &xs, Variant::Collaborative, &HashSet::new(), 12)
        .await
        .unwrap();
    assert_eq!(
        collab.iter().copied().collect::<HashSet<_>>(),
        HashSet::from([y.id, z.id])
    );
    let without_y = because(r, &xs, Variant::Collaborative, &HashSet::from([y.id]), 12)
        .await
        .unwrap();
    assert_eq!(without_y, vec![z.id]);

    // Content-based: songs of x's genre, nearest first, never x itself.
    let content = because(r, &xs, Variant::Content, &HashSet::new(), 12)
        .await
        .unwrap();
    assert!(!content.is_empty() && !content.contains(&x.id));
    let genre = xs.genres[0].clone();
    let near: Vec<_> = r.catalog.songs_by_ids(&content).await.unwrap();
    assert!(near.iter().all(|(s, _)| s.genres.contains(&genre)));
    let d = |s: &encore::catalog::Song| distance(&features(s), &features(&xs));
    let by_id: std::collections::HashMap<_, _> = near.iter().map(|(s, _)| (s.id, d(s))).collect();
    let dists: Vec<f64> = content.iter().map(|id| by_id[id]).collect();
    assert!(
        dists.windows(2).all(|w| w[0] <= w[1]),
        "nearest first: {dists:?}"
    );
    let pool = r.catalog.songs_in_genre(&genre, 300).await.unwrap();
    let best = pool
        .iter()
        .filter(|(s, _)| s.id != x.id)
        .map(|(s, _)| d(s))
        .fold(f64::INFINITY, f64::min);
    assert_eq!(dists[0], best, "the first is the closest song of the genre");

    // Generated playlists: x is trending first (3 listeners), and tops its genre.
    let trending = r.recs.auto_playlist("trending").await.unwrap().unwrap();
    assert_eq!(trending.songs.first().map(|s| s.id), Some(x.id));
    assert_eq!(trending.songs.len(), 3);
    let top = r
        .recs
        .auto_playlist(&genre_slug(&genre))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(top.songs.first().map(|s| s.id), Some(x.id));
    assert!(top.songs.len() <= 50);
    let fresh = r.recs.auto_playlist("new-releases").await.unwrap().unwrap();
    assert!(!fresh.songs.is_empty());
    assert!(r
        .recs
        .auto_playlists()
        .await
        .unwrap()
        .iter()
        .any(|p| p.slug == "trending"));

    // Discover for c: a shelf seeded by x; an impression for c's variant.
    let c = &users[2];
    let variant = Variant::for_user(c.id);
    let page = discover(r, Some(c)).await.unwrap();
    assert_eq!(page.variant, Some(variant));
    assert_eq!(page.shelves[0].seed.id, x.id);
    assert!(!page.shelves[0].songs.is_empty());
    assert!(
        page.daily_mix.iter().any(|s| s.id == x.id),
        "the mix holds favourites"
    );
    let signed_out = discover(r, None).await.unwrap();
    assert!(signed_out.shelves.is_empty() && signed_out.variant.is_none());

    // A click and a play from the recommendation, and one with a made-up variant.
    click(r, variant.as_str()).await.unwrap();
    click(r, "nonsense").await.unwrap();
    let rec = &page.shelves[0].songs[0];
    report(
        r,
        c,
        stream(rec, Source::Recommendation, Some(variant.as_str().into())),
        "Linux",
        "SE",
    )
    .await
    .unwrap();
    report(
        r,
        c,
        stream(rec, Source::Recommendation, Some("bogus".into())),
        "Linux",
        "SE",
    )
    .await
    .unwrap();
    drain(&app).await;

    let listener = &users[0];
    assert!(matches!(
        variant_stats(r, listener, 28).await,
        Err(Error::Forbidden)
    ));
    let admin = app.user_with_role("recadmin", Role::Admin).await;
    let stats = variant_stats(r, &admin, 28).await.unwrap();
    let mine = stats.iter().find(|s| s.variant == variant).unwrap();
    let other = stats.iter().find(|s| s.variant != variant).unwrap();
    assert_eq!((mine.impressions, mine.clicks, mine.plays), (1, 1, 1));
    assert_eq!((other.impressions, other.clicks, other.plays), (0, 0, 0));
}

use chrono::{Duration, Utc};
use encore::{
    listening::*,
    model::Role,
    playlists::Visibility,
    service::{
        artists::{
            claim, dashboard, decide, may_manage, my_artists, pending_claims, update_profile,
        },
        listening::{report, PlayReport},
        playlists,
    },
    Error,
};
use uuid::Uuid;

use crate::{catalog::small_catalog, songs, TestApp};

fn play(song: Uuid, ms: u64, reason: EndReason) -> PlayReport {
    PlayReport {
        event_id: Uuid::new_v4(),
        song_id: song,
        started_at: Utc::now() - Duration::minutes(3),
        ms_played: ms,
        reason_end: reason,
        shuffle: false,
        source: Source::Album,
        source_id: None,
        offline: false,
    }
}

/// Claiming, moderating, who may see the dashboard, and dashboard numbers that match what
/// happened (streams, listeners, skips, saves, playlist adds, followers, the live hours).
#[tokio::test]
async fn claim_approve_and_a_dashboard_that_matches_the_plays() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let r = &app.repos;
    let list = songs(&app, 30).await;
    let s1 = &list[0];
    let artist = s1.artists[0].id;
    let s2 = list
        .iter()
        .find(|s| s.id != s1.id && s.artists[0].id == artist)
        .expect("two songs by one artist");
    let other_artist = list
        .iter()
        .map(|s| s.artists[0].id)
        .find(|a| *a != artist)
        .unwrap();

    let me = app.user("bandmember").await.session_user();
    let fan1 = app.user("fanone").await.session_user();
    let fan2 = app.user("fantwo").await.session_user();
    let moderator = app.user_with_role("claimsmod", Role::Moderator).await;
    let admin = app.user_with_role("claimsadmin", Role::Admin).await;

    // Claims.
    let c = claim(r, &me, artist, "I sing on every track.")
        .await
        .unwrap();
    assert!(matches!(
        claim(r, &me, artist, "").await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        claim(r, &me, Uuid::new_v4(), "").await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        pending_claims(r, &fan1).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        decide(r, &fan1, c, true, "").await,
        Err(Error::Forbidden)
    ));
    assert!(
        matches!(dashboard(r, &me, artist, 28).await, Err(Error::Forbidden)),
        "not before approval"
    );
    let pending = pending_claims(r, &moderator).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].username, "bandmember");
    decide(r, &moderator, c, true, "Welcome").await.unwrap();
    assert!(matches!(
        decide(r, &moderator, c, false, "").await,
        Err(Error::Conflict(_))
    ));
    let me_now = r
        .accounts
        .session_state(me.id)
        .await
        .unwrap()
        .unwrap()
        .user
        .session_user();
    assert_eq!(me_now.role, Role::Artist, "a listener becomes an artist");
    assert_eq!(
        my_artists(r, &me_now)
            .await
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect::<Vec<_>>(),
        vec![artist]
    );
    // A rejected claim links nothing.
    let c2 = claim(r, &fan2, other_artist, "").await.unwrap();
    decide(r, &moderator, c2, false, "No proof").await.unwrap();
    assert!(matches!(
        may_manage(r, &fan2, other_artist).await,
        Err(Error::Forbidden)
    ));
    let audited: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action like 'artist.%'")
            .fetch_one(&r.pg)
            .await
            .unwrap();
    assert_eq!(audited, 4, "two claims and two decisions");

    // Who may see which dashboard.
    assert!(matches!(
        dashboard(r, &me_now, other_artist, 28).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        dashboard(r, &fan1, artist, 28).await,
        Err(Error::Forbidden)
    ));
    assert!(dashboard(r, &admin, artist, 28).await.is_ok());

    // What happens: fan1 streams s1 twice and skips s2; fan2 streams s1; fan1 likes s1 and
    // follows the artist; fan2 puts s1 in a playlist.
    for (u, s, ms, why) in [
        (&fan1, s1.id, 45_000, EndReason::Finished),
        (&fan1, s1.id, 40_000, EndReason::Finished),
        (&fan1, s2.id, 8_000, EndReason::Skipped),
        (
            &fan2,
            s1.id,
            60_000.min(s1.duration_ms),
            EndReason::Finished,
        ),
    ] {
        report(r, u, play(s, ms, why), "Linux", "SE").await.unwrap();
    }
    r.accounts
        .set_song_like(fan1.id, s1.id, true)
        .await
        .unwrap();
    r.accounts
        .set_artist_follow(fan1.id, artist, true)
        .await
        .unwrap();
    let pl = playlists::create(r, &fan2, "Mine", "", Visibility::Private)
        .await
        .unwrap();
    playlists::add_song(r, &fan2, pl, s1.id).await.unwrap();
    while r.listening.aggregate_once(500).await.unwrap() > 0 {}

    let d = dashboard(r, &me_now, artist, 28).await.unwrap();
    assert_eq!((d.streams, d.listeners), (3, 2));
    assert_eq!((d.followers, d.new_followers, d.saves), (1, 1, 1));
    let row = |id: Uuid| d.songs.iter().find(|s| s.song.id == id).unwrap();
    let a = row(s1.id);
    assert_eq!(
        (a.plays, a.streams, a.listeners, a.saves, a.playlist_adds),
        (3, 3, 2, 1, 1)
    );
    let b = row(s2.id);
    assert_eq!((b.plays, b.streams, b.skips), (1, 0, 1));
    assert_eq!(b.skip_rate(), 100.0);
    assert_eq!(d.songs[0].song.id, s1.id, "most streamed first");
    assert_eq!(d.streams_per_day.len(), 28);
    assert_eq!(d.streams_per_day.iter().map(|x| x.1).sum::<u64>(), 3);
    assert_eq!(d.last_24h.len(), 24);
    assert_eq!(d.last_24h.iter().map(|x| x.1).sum::<u64>(), 3);
    assert_eq!(d.countries, vec![("SE".to_string(), 4)]);
    let csv = d.songs_csv();
    assert!(csv.starts_with("song_id,title,plays,streams,listeners,"));
    assert!(csv.contains(&format!("{},", s1.id)) && csv.contains(",3,3,2,"));
    // The same through the other periods.
    assert_eq!(dashboard(r, &me_now, artist, 7).await.unwrap().streams, 3);
    assert_eq!(
        dashboard(r, &me_now, artist, 365)
            .await
            .unwrap()
            .streams_per_day
            .len(),
        365
    );

    // Profile edits: the linked artist only, links checked.
    assert!(matches!(
        update_profile(r, &me_now, artist, "Bio", "javascript:alert(1)").await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        update_profile(r, &fan1, artist, "Hacked", "").await,
        Err(Error::Forbidden)
    ));
    update_profile(
        r,
        &me_now,
        artist,
        "  Our new bio.  ",
        "Website https://band.example.org\nhttps://shop.example.org/x",
    )
    .await
    .unwrap();
    let a = r.catalog.artist(artist).await.unwrap().unwrap();
    assert_eq!(a.bio, "Our new bio.");
    assert_eq!(a.links.len(), 2);
    assert_eq!(
        (a.links[0].label.as_str(), a.links[1].label.as_str()),
        ("Website", "shop.example.org")
    );
}

use encore::{service::social::*, Error};

use crate::{catalog::small_catalog, TestApp};

#[tokio::test]
async fn follows_are_idempotent_never_self_and_blocks_end_them() {
    let app = TestApp::init().await;
    let a = app.user("ann").await.session_user();
    let b = app.user("ben").await.session_user();
    let r = &app.repos;
    follow_user(r, &a, b.id, true).await.unwrap();
    follow_user(r, &a, b.id, true).await.unwrap();
    assert!(matches!(
        follow_user(r, &a, a.id, true).await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(
        r.accounts
            .profile_by_username("ben")
            .await
            .unwrap()
            .unwrap()
            .followers,
        1
    );
    follow_user(r, &b, a.id, true).await.unwrap();
    assert!(relation(r, &a, b.id).await.unwrap().friends());

    // Ben blocks Ann: both follows end, and Ann cannot follow again.
    block(r, &b, a.id, true).await.unwrap();
    let rel = relation(r, &a, b.id).await.unwrap();
    assert!(!rel.following && !rel.followed_by);
    assert!(relation(r, &b, a.id).await.unwrap().blocking);
    assert!(matches!(
        follow_user(r, &a, b.id, true).await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        follow_user(r, &b, a.id, true).await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(
        r.accounts
            .profile_by_username("ben")
            .await
            .unwrap()
            .unwrap()
            .followers,
        0
    );
    block(r, &b, a.id, false).await.unwrap();
    follow_user(r, &a, b.id, true).await.unwrap();
    assert!(matches!(
        block(r, &a, a.id, true).await,
        Err(Error::Conflict(_))
    ));
}

#[tokio::test]
async fn artist_follows_count_and_need_a_real_artist() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let me = app.user("fan").await.session_user();
    let artist = app.repos.catalog.home().await.unwrap().popular[0].artists[0].id;
    follow_artist(&app.repos, &me, artist, true).await.unwrap();
    follow_artist(&app.repos, &me, artist, true).await.unwrap();
    assert_eq!(
        app.repos
            .accounts
            .artist_follower_count(artist)
            .await
            .unwrap(),
        1
    );
    assert!(matches!(
        follow_artist(&app.repos, &me, uuid::Uuid::new_v4(), true).await,
        Err(Error::NotFound)
    ));
    follow_artist(&app.repos, &me, artist, false).await.unwrap();
    assert_eq!(
        app.repos
            .accounts
            .artist_follower_count(artist)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn the_feed_shows_followees_public_playlists_likes_and_releases_only() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let r = &app.repos;
    let me = app.user("reader").await.session_user();
    let friend = app.user("friend").await.session_user();
    let quiet = app.user("quiet").await.session_user();
    let stranger = app.user("nobody").await.session_user();
    for who in [&friend, &quiet] {
        follow_user(r, &me, who.id, true).await.unwrap();
    }
    let home = r.catalog.home().await.unwrap();
    let song = home.popular[0].clone();
    let artist = home.new_releases[0].artist_ids[0];
    follow_artist(r, &me, artist, true).await.unwrap();

    use encore::{playlists::Visibility, service::playlists::create};
    create(r, &friend, "Shared mix", "", Visibility::Public)
        .await
        .unwrap();
    create(r, &friend, "Secret mix", "", Visibility::Private)
        .await
        .unwrap();
    create(r, &stranger, "Stranger mix", "", Visibility::Public)
        .await
        .unwrap();
    r.accounts
        .set_song_like(friend.id, song.id, true)
        .await
        .unwrap();
    // Someone who does not share activity: their likes stay out.
    let mut prefs = r.accounts.preferences(quiet.id).await.unwrap();
    prefs.share_activity = false;
    r.accounts
        .update_preferences(quiet.id, &prefs)
        .await
        .unwrap();
    r.accounts
        .set_song_like(quiet.id, song.id, true)
        .await
        .unwrap();

    // Listening: the friend's latest play shows; a play in a private session does not
    // replace it; the quiet user's plays never show.
    let listen =
        |who: &encore::model::SessionUser, s: &encore::catalog::SongRow, minutes_ago: i64| {
            let (who, s) = (who.clone(), s.clone());
            async move {
                let p = encore::service::listening::PlayReport {
                    event_id: uuid::Uuid::new_v4(),
                    song_id: s.id,
                    started_at: chrono::Utc::now() - chrono::Duration::minutes(minutes_ago),
                    ms_played: 40_000,
                    reason_end: encore::listening::EndReason::Skipped,
                    shuffle: false,
                    source: encore::listening::Source::Album,
                    source_id: None,
                    offline: false,
                };
                encore::service::listening::report(r, &who, p, "web", "SE")
                    .await
                    .unwrap();
            }
        };
    let other_song = home.popular[1].clone();
    listen(&friend, &song, 5).await;
    let mut private = r.accounts.preferences(friend.id).await.unwrap();
    private.private_session = true;
    r.accounts
        .update_preferences(friend.id, &private)
        .await
        .unwrap();
    listen(&friend, &other_song, 1).await;
    private.private_session = false;
    r.accounts
        .update_preferences(friend.id, &private)
        .await
        .unwrap();
    listen(&quiet, &other_song, 2).await;

    let items = encore::service::feed::feed(r, &me, None).await.unwrap();
    use encore::model::FeedEvent;
    let listened: Vec<(&str, uuid::Uuid)> = items
        .iter()
        .filter_map(|i| match &i.event {
            FeedEvent::Listened { user, song } => Some((user.username.as_str(), song.id)),
            _ => None,
        })
        .collect();
    assert_eq!(listened, [("friend", song.id)]);
    // The friend's profile: recently played without the private-session play.
    let (recent, top) = encore::service::listening::public_listening(r, friend.id, 5)
        .await
        .unwrap();
    assert_eq!(recent.iter().map(|s| s.id).collect::<Vec<_>>(), [song.id]);
    assert_eq!(top[0].item.id, song.artists[0].id);
    let titles: Vec<&str> = items
        .iter()
        .filter_map(|i| match &i.event {
            FeedEvent::Playlist { title, .. } => Some(title.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(titles, ["Shared mix"]);
    let likers: Vec<&str> = items
        .iter()
        .filter_map(|i| match &i.event {
            FeedEvent::Like { user, .. } => Some(user.username.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(likers, ["friend"]);
    assert!(items.iter().any(
        |i| matches!(&i.event, FeedEvent::Release { album } if album.artist_ids.contains(&artist))
    ));
    assert!(items.windows(2).all(|w| w[0].at >= w[1].at), "newest first");

    // A block hides the blocker's activity from the blocked.
    block(r, &friend, me.id, true).await.unwrap();
    let items = encore::service::feed::feed(r, &me, None).await.unwrap();
    assert!(!items.iter().any(|i| matches!(
        &i.event,
        FeedEvent::Playlist { .. } | FeedEvent::Like { .. } | FeedEvent::Listened { .. }
    )));
}

#[tokio::test]
async fn suggestions_are_friends_of_friends_then_shared_likes_never_blocked_or_followed() {
    use encore::service::social::{block, follow_user, suggestions};
    let app = TestApp::init().await;
    crate::catalog::small_catalog(&app).await;
    let r = &app.repos;
    let [alice, bob, carol, dave, erin, fay] = [
        app.user("alice").await.session_user(),
        app.user("bob").await.session_user(),
        app.user("carol").await.session_user(),
        app.user("dave").await.session_user(),
        app.user("erin").await.session_user(),
        app.user("fay").await.session_user(),
    ];
    let song = crate::songs(&app, 1).await[0].id;
    follow_user(r, &alice, bob.id, true).await.unwrap();
    follow_user(r, &alice, fay.id, true).await.unwrap();
    for f in [&bob, &fay] {
        follow_user(r, f, carol.id, true).await.unwrap();
    }
    follow_user(r, &bob, dave.id, true).await.unwrap();
    follow_user(r, &bob, erin.id, true).await.unwrap();
    follow_user(r, &bob, alice.id, true).await.unwrap();
    block(r, &erin, alice.id, true).await.unwrap();
    let liker = app.user("gus").await.session_user();
    r.accounts
        .set_song_like(alice.id, song, true)
        .await
        .unwrap();
    r.accounts
        .set_song_like(liker.id, song, true)
        .await
        .unwrap();

    let s = suggestions(r, &alice, 5).await.unwrap();
    let names: Vec<&str> = s.iter().map(|x| x.user.username.as_str()).collect();
    assert_eq!(
        names,
        vec!["carol", "dave", "gus"],
        "most mutual first; erin blocked alice; bob and fay already followed"
    );
    assert_eq!(s[0].reason, "Followed by 2 people you follow");
    assert_eq!(s[2].reason, "Likes a song you like");
}

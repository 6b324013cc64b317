use encore::{
    model::{Role, SessionUser},
    service::{comments, moderation, social},
    Error,
};

use crate::{catalog::small_catalog, songs, TestApp};

#[tokio::test]
async fn only_the_author_edits_author_or_moderator_deletes_and_counts_stay_right() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let r = &app.repos;
    let alice = app.user("alice").await.session_user();
    let bob = app.user("bob").await.session_user();
    let moderator = app.user_with_role("mod", Role::Moderator).await;
    let song = songs(&app, 1).await[0].id;

    // Bad input changes nothing.
    assert!(matches!(
        comments::post(r, &alice, song, "   ").await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        comments::post(r, &alice, song, &"x".repeat(2001)).await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        comments::post(r, &alice, uuid::Uuid::new_v4(), "hi").await,
        Err(Error::NotFound)
    ));
    assert_eq!(comments::list(r, None, song, None).await.unwrap().total, 0);

    let a1 = comments::post(r, &alice, song, "  <b>Great</b> song  ")
        .await
        .unwrap();
    let b1 = comments::post(r, &bob, song, "Agreed").await.unwrap();
    let page = comments::list(r, Some(&alice), song, None).await.unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(page.comments[0].id, b1, "newest first");
    assert_eq!(
        page.comments[1].body, "<b>Great</b> song",
        "stored as typed (trimmed), rendered as text"
    );
    assert!(page.comments[1].mine && page.comments[1].can_delete && !page.comments[0].can_delete);

    // Bob may not edit or delete Alice's comment, whatever ids he sends.
    assert!(matches!(
        comments::edit(r, &bob, a1, "hacked").await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        comments::delete(r, &bob, a1).await,
        Err(Error::Forbidden)
    ));
    comments::edit(r, &alice, a1, "Great song, edited")
        .await
        .unwrap();
    let page = comments::list(r, None, song, None).await.unwrap();
    assert_eq!(
        (page.comments[1].body.as_str(), page.comments[1].edited),
        ("Great song, edited", true)
    );

    // A moderator deletes Bob's comment: audited. Alice deletes her own.
    comments::delete(r, &moderator, b1).await.unwrap();
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'comment.delete' and target_id = $1",
    )
    .bind(b1.to_string())
    .fetch_one(&r.pg)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    comments::delete(r, &alice, a1).await.unwrap();
    assert!(matches!(
        comments::delete(r, &alice, a1).await,
        Err(Error::NotFound)
    ));
    assert_eq!(comments::list(r, None, song, None).await.unwrap().total, 0);
}

#[tokio::test]
async fn blocked_users_do_not_see_each_other_and_fast_commenters_are_slowed() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let r = &app.repos;
    let alice = app.user("alice").await.session_user();
    let bob = app.user("bob").await.session_user();
    let carol = app.user("carol").await.session_user();
    let song = songs(&app, 1).await[0].id;
    comments::post(r, &bob, song, "from bob").await.unwrap();
    social::block(r, &alice, bob.id, true).await.unwrap();
    let seen = |u: &SessionUser| {
        let u = u.clone();
        async move {
            comments::list(r, Some(&u), song, None)
                .await
                .unwrap()
                .comments
                .len()
        }
    };
    assert_eq!(seen(&alice).await, 0, "the blocker no longer sees bob");
    comments::post(r, &alice, song, "from alice").await.unwrap();
    assert_eq!(
        seen(&bob).await,
        1,
        "bob sees only his own, not the blocker's"
    );
    assert_eq!(seen(&carol).await, 2);

    for i in 0..comments::PER_MINUTE {
        comments::post(r, &carol, song, &format!("comment {i}"))
            .await
            .unwrap();
    }
    match comments::post(r, &carol, song, "one too many").await {
        Err(Error::Invalid(e)) => assert!(format!("{e:?}").contains("wait a minute"), "{e:?}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn comments_playlists_and_users_can_be_reported_and_a_comment_hidden() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let r = &app.repos;
    let alice = app.user("alice").await.session_user();
    let bob = app.user("bob").await.session_user();
    let listener = app.user("lee").await.session_user();
    let moderator = app.user_with_role("mod", Role::Moderator).await;
    let song = songs(&app, 1).await[0].id;
    let c = comments::post(r, &bob, song, "buy followers at spam.example")
        .await
        .unwrap();
    let pl = encore::service::playlists::create(
        r,
        &bob,
        "Spam list",
        "",
        encore::playlists::Visibility::Public,
    )
    .await
    .unwrap();
    let private = encore::service::playlists::create(
        r,
        &bob,
        "Secret",
        "",
        encore::playlists::Visibility::Private,
    )
    .await
    .unwrap();

    let rc = moderation::report(r, &alice, "comment", c, "spam", "")
        .await
        .unwrap();
    assert!(matches!(
        moderation::report(r, &alice, "comment", c, "spam", "").await,
        Err(Error::Conflict(_))
    ));
    moderation::report(r, &alice, "playlist", pl, "spam", "")
        .await
        .unwrap();
    moderation::report(r, &alice, "user", bob.id, "impersonation", "")
        .await
        .unwrap();
    // What the reporter cannot see, or themself, cannot be reported.
    assert!(matches!(
        moderation::report(r, &alice, "playlist", private, "spam", "").await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        moderation::report(r, &alice, "user", alice.id, "spam", "").await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        moderation::report(r, &alice, "album", pl, "spam", "").await,
        Err(Error::NotFound)
    ));

    let q = moderation::queue(r, &moderator, None).await.unwrap();
    assert_eq!(q.len(), 3);
    let comment_report = q.iter().find(|x| x.id == rc).unwrap();
    assert!(
        comment_report.target_label.contains("buy followers")
            && comment_report.target_label.ends_with("by bob")
    );
    assert_eq!(
        comment_report.target_link.as_deref(),
        Some(format!("/song/{song}#comment-{c}").as_str())
    );

    // A listener cannot act; a song-only action does not apply to a comment.
    assert!(matches!(
        moderation::act(r, &listener, rc, moderation::Action::HideComment, "").await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        moderation::act(r, &moderator, rc, moderation::Action::TakeDown, "").await,
        Err(Error::Invalid(_))
    ));
    moderation::act(r, &moderator, rc, moderation::Action::HideComment, "Spam")
        .await
        .unwrap();
    assert_eq!(
        comments::list(r, Some(&alice), song, None)
            .await
            .unwrap()
            .total,
        0,
        "hidden from everyone"
    );
    let mine = moderation::my_reports(r, &alice).await.unwrap();
    assert!(mine.iter().any(|x| x.id == rc
        && x.status == "actioned"
        && x.resolution_note.as_deref() == Some("Spam")));
}

#[tokio::test]
async fn likes_on_songs_albums_and_playlists_count_once_and_respect_visibility() {
    use encore::model::LikeKind;
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let r = &app.repos;
    let alice = app.user("alice").await.session_user();
    let bob = app.user("bob").await.session_user();
    let song = songs(&app, 1).await[0].clone();
    let public = encore::service::playlists::create(
        r,
        &bob,
        "Open",
        "",
        encore::playlists::Visibility::Public,
    )
    .await
    .unwrap();
    let private = encore::service::playlists::create(
        r,
        &bob,
        "Mine",
        "",
        encore::playlists::Visibility::Private,
    )
    .await
    .unwrap();

    for (kind, id) in [
        (LikeKind::Song, song.id),
        (LikeKind::Album, song.album_id),
        (LikeKind::Playlist, public),
    ] {
        social::set_like(r, &alice, kind, id, true).await.unwrap();
        social::set_like(r, &alice, kind, id, true).await.unwrap(); // a retry counts once
        social::set_like(r, &bob, kind, id, true).await.unwrap();
        let s = social::like_state(r, Some(&alice), kind, id).await.unwrap();
        assert_eq!((s.liked, s.count), (Some(true), 2), "{kind:?}");
        social::set_like(r, &alice, kind, id, false).await.unwrap();
        let s = social::like_state(r, None, kind, id).await.unwrap();
        assert_eq!((s.liked, s.count), (None, 1), "{kind:?}");
    }
    // Someone else's private playlist cannot be liked (or even seen); unknown ids are 404.
    assert!(matches!(
        social::set_like(r, &alice, LikeKind::Playlist, private, true).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        social::like_state(r, Some(&alice), LikeKind::Playlist, private).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        social::set_like(r, &alice, LikeKind::Album, uuid::Uuid::new_v4(), true).await,
        Err(Error::NotFound)
    ));
    social::set_like(r, &bob, LikeKind::Playlist, private, true)
        .await
        .unwrap();
}

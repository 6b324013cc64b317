use encore::{
    catalog::SongStatus,
    model::Role,
    service::moderation::{act, my_reports, queue, report_song, Action},
    Error,
};

use crate::{catalog::small_catalog, songs, TestApp};

#[tokio::test]
async fn reports_are_worked_by_moderators_only_and_every_action_is_audited() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let r = &app.repos;
    let listener = app.user("reporter").await.session_user();
    let artist = app.user("artisto").await;
    r.accounts.set_role(artist.id, Role::Artist).await.unwrap();
    let artist = encore::model::SessionUser {
        role: Role::Artist,
        ..artist.session_user()
    };
    let m = app.user("modder").await;
    r.accounts.set_role(m.id, Role::Moderator).await.unwrap();
    let moderator = encore::model::SessionUser {
        role: Role::Moderator,
        ..m.session_user()
    };
    let list = songs(&app, 3).await;

    assert!(matches!(
        report_song(r, &listener, list[0].id, "because", "").await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        report_song(r, &listener, uuid::Uuid::new_v4(), "spam", "").await,
        Err(Error::NotFound)
    ));
    let rep = report_song(r, &listener, list[0].id, "copyright", "Not theirs")
        .await
        .unwrap();
    assert!(matches!(
        report_song(r, &listener, list[0].id, "spam", "").await,
        Err(Error::Conflict(_))
    ));
    let explicit = report_song(r, &listener, list[1].id, "explicit", "")
        .await
        .unwrap();
    let spam = report_song(r, &listener, list[2].id, "spam", "")
        .await
        .unwrap();

    for who in [&listener, &artist] {
        assert!(matches!(queue(r, who, None).await, Err(Error::Forbidden)));
        assert!(matches!(
            act(r, who, rep, Action::TakeDown, "").await,
            Err(Error::Forbidden)
        ));
    }
    let q = queue(r, &moderator, None).await.unwrap();
    assert_eq!(
        q.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![rep, explicit, spam],
        "oldest first"
    );
    assert_eq!(q[0].target_label, list[0].title);
    assert_eq!(queue(r, &moderator, Some("spam")).await.unwrap().len(), 1);

    act(
        r,
        &moderator,
        rep,
        Action::TakeDown,
        "Rights holder confirmed",
    )
    .await
    .unwrap();
    act(r, &moderator, explicit, Action::MarkExplicit, "")
        .await
        .unwrap();
    act(r, &moderator, spam, Action::Dismiss, "Looks fine")
        .await
        .unwrap();
    assert!(matches!(
        act(r, &moderator, rep, Action::Dismiss, "").await,
        Err(Error::Conflict(_))
    ));

    let (song, _) = r.catalog.song(list[0].id).await.unwrap().unwrap();
    assert_eq!(song.status, SongStatus::TakenDown);
    assert!(
        r.catalog
            .song(list[1].id)
            .await
            .unwrap()
            .unwrap()
            .0
            .explicit
    );
    assert!(!r
        .catalog
        .home()
        .await
        .unwrap()
        .popular
        .iter()
        .any(|s| s.id == list[0].id));
    // The home page's genre counts were changed in place, and equal a recount.
    let genres = |h: encore::catalog::HomeCatalog| {
        h.genres
            .into_iter()
            .map(|g| (g.genre, g.songs))
            .collect::<std::collections::HashMap<_, _>>()
    };
    assert_eq!(
        genres(r.catalog.home().await.unwrap()),
        genres(r.catalog.refresh_charts().await.unwrap())
    );
    assert!(queue(r, &moderator, None).await.unwrap().is_empty());

    let mine = my_reports(r, &listener).await.unwrap();
    let taken = mine.iter().find(|x| x.id == rep).unwrap();
    assert_eq!(
        (taken.status.as_str(), taken.resolution_note.as_deref()),
        ("actioned", Some("Rights holder confirmed"))
    );
    assert_eq!(
        mine.iter().find(|x| x.id == spam).unwrap().status,
        "dismissed"
    );

    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where actor_id = $1 and action like 'report.%'",
    )
    .bind(moderator.id)
    .fetch_one(&r.pg)
    .await
    .unwrap();
    let actions: i64 =
        sqlx::query_scalar("select count(*) from moderation_actions where moderator_id = $1")
            .bind(moderator.id)
            .fetch_one(&r.pg)
            .await
            .unwrap();
    assert_eq!((audited, actions), (3, 3));
}

/// Warn the author of a reported comment (they see it), suspend a reported user for a
/// week; both audited; neither applies to a song.
#[tokio::test]
async fn warn_and_suspend_from_the_queue() {
    use encore::{
        model::UserStatus,
        service::{
            comments,
            moderation::{my_warnings, report},
        },
    };
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let r = &app.repos;
    let song = songs(&app, 1).await[0].id;
    let alice = app.user("walice").await.session_user();
    let bob = app.user("wbob").await.session_user();
    let moderator = app.user_with_role("wmod", Role::Moderator).await;

    let comment = comments::post(r, &alice, song, "You all have terrible taste")
        .await
        .unwrap();
    let rep = report(r, &bob, "comment", comment, "abuse", "")
        .await
        .unwrap();
    assert!(matches!(
        act(r, &bob, rep, Action::Warn, "").await,
        Err(Error::Forbidden)
    ));
    act(r, &moderator, rep, Action::Warn, "Please keep it friendly.")
        .await
        .unwrap();
    let w = my_warnings(r, &alice).await.unwrap();
    assert_eq!(
        w.iter().map(|w| w.note.as_str()).collect::<Vec<_>>(),
        vec!["Please keep it friendly."]
    );
    assert!(my_warnings(r, &bob).await.unwrap().is_empty());

    let rep = report(r, &bob, "user", alice.id, "spam", "").await.unwrap();
    act(r, &moderator, rep, Action::Suspend(7), "A week off.")
        .await
        .unwrap();
    let state = r.accounts.session_state(alice.id).await.unwrap().unwrap();
    assert_eq!(state.user.status, UserStatus::Suspended);

    let rep = report_song(r, &bob, song, "spam", "").await.unwrap();
    assert!(matches!(
        act(r, &moderator, rep, Action::Warn, "").await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        act(r, &moderator, rep, Action::Suspend(1), "").await,
        Err(Error::Invalid(_))
    ));
    let audited: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where action in ('report.warn', 'report.suspend', 'user.suspend') order by id",
    )
    .fetch_all(&r.pg)
    .await
    .unwrap();
    assert_eq!(
        audited,
        vec!["report.warn", "user.suspend", "report.suspend"]
    );
    assert_eq!(Action::parse("suspend_7"), Some(Action::Suspend(7)));
    assert_eq!(Action::parse("suspend_999"), None);
}

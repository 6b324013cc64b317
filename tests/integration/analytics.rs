use chrono::{Duration, Utc};
use encore::{
    listening::*,
    model::Role,
    service::{analytics::analytics, listening::report, recommend::refresh},
    Error,
};
use uuid::Uuid;

use crate::{catalog::small_catalog, songs, TestApp};

/// Active listeners, streams, sign-ups, subscriptions, moderation throughput and the
/// week's charts on a small dataset with known answers; admins only.
#[tokio::test]
async fn platform_analytics_on_a_known_dataset() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let r = &app.repos;
    let list = songs(&app, 5).await;
    let admin = app.user_with_role("anadmin", Role::Admin).await;
    let moderator = app.user_with_role("anmod", Role::Moderator).await;
    let mut users = vec![];
    for i in 0..3 {
        users.push(app.user(&format!("active{i}")).await.session_user());
    }
    assert!(matches!(
        analytics(r, &users[0], 28).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        analytics(r, &moderator, 28).await,
        Err(Error::Forbidden)
    ));

    let play = |song: &encore::catalog::SongRow, ms: u64| encore::service::listening::PlayReport {
        event_id: Uuid::new_v4(),
        song_id: song.id,
        started_at: Utc::now() - Duration::minutes(2),
        ms_played: ms,
        reason_end: EndReason::Finished,
        shuffle: false,
        source: Source::Album,
        source_id: None,
        offline: false,
    };
    // Today: three listeners, four streams of song 0, one short play of song 1.
    for (u, s, ms) in [
        (0, 0, 40_000),
        (0, 0, 41_000),
        (1, 0, 50_000),
        (2, 0, 35_000),
        (2, 1, 5_000),
    ] {
        report(r, &users[u], play(&list[s], ms), "Linux", "SE")
            .await
            .unwrap();
    }
    // Three days ago: someone else (an offline play reported late).
    let (song, _) = r.catalog.song(list[2].id).await.unwrap().unwrap();
    let late = encore::listening::PlayEvent {
        event_id: Uuid::new_v4(),
        user_id: Uuid::new_v4(),
        song_id: song.id,
        started_at: Utc::now() - Duration::days(3),
        ms_played: 60_000,
        reason_end: EndReason::Finished,
        shuffle: false,
        source: Source::Album,
        source_id: None,
        platform: "Android".into(),
        country: "DE".into(),
        offline: true,
        private: false,
        imported: false,
    };
    r.listening.record_many(&[(late, &song)]).await.unwrap();
    while r.listening.aggregate_once(500).await.unwrap() > 0 {}
    refresh(r).await.unwrap();

    // One paying subscriber, one who cancelled; one open report, one closed after 2 hours.
    sqlx::query(
        "insert into user_subscriptions (id, user_id, plan_id, status, current_period_end) values
         ($1, $2, '00000000-0000-4000-8000-000000000002', 'active', now() + interval '30 days')",
    )
    .bind(Uuid::new_v4())
    .bind(users[0].id)
    .execute(&r.pg)
    .await
    .unwrap();
    sqlx::query(
        "insert into user_subscriptions (id, user_id, plan_id, status, started_at, current_period_end, canceled_at) values
         ($1, $2, '00000000-0000-4000-8000-000000000004', 'canceled', now() - interval '60 days', now() + interval '1 day', now() - interval '1 day')",
    )
    .bind(Uuid::new_v4())
    .bind(users[1].id)
    .execute(&r.pg)
    .await
    .unwrap();
    sqlx::query(
        "insert into reports (id, reporter_id, target_type, target_id, reason, status, resolved_at, created_at) values
         ($1, $3, 'song', $4, 'spam', 'open', null, now()),
         ($2, $3, 'song', $4, 'spam', 'actioned', now(), now() - interval '2 hours')",
    )
    .bind(Uuid::new_v4())
    .bind(Uuid::new_v4())
    .bind(users[2].id)
    .bind(list[0].id)
    .execute(&r.pg)
    .await
    .unwrap();

    let a = analytics(r, &admin, 28).await.unwrap();
    assert_eq!((a.dau, a.wau, a.mau), (3, 4, 4));
    assert_eq!(a.streams, 5, "four today and one three days ago");
    assert_eq!(a.streams_per_day.last().unwrap().1, 4);
    assert_eq!(a.active_per_day.len(), 28);
    assert_eq!((a.users, a.signups), (5, 5));
    assert_eq!((a.subscribers, a.canceled, a.mrr_cents), (1, 1, 1099));
    assert_eq!(a.conversion_pct, 20.0);
    assert_eq!(
        a.churn_pct, 100.0,
        "the one subscription active at the start was cancelled"
    );
    assert_eq!((a.reports_open, a.reports_closed), (1, 1));
    assert!((a.median_hours_to_action.unwrap() - 2.0).abs() < 0.01);
    assert_eq!(
        a.top_songs.first().map(|(s, n)| (s.id, *n)),
        Some((list[0].id, 4))
    );
    let a0 = list[0].artists[0].id;
    let expect = 4 + u64::from(song.artists.iter().any(|x| x.id == a0));
    assert_eq!(
        a.top_artists
            .iter()
            .find(|(ar, _)| ar.id == a0)
            .map(|x| x.1),
        Some(expect)
    );
    let csv = a.days_csv();
    assert_eq!(csv.lines().count(), 29);
    assert!(csv.lines().last().unwrap().ends_with(",3,4,5"));
    let week = analytics(r, &admin, 7).await.unwrap();
    assert_eq!(
        (week.days, week.streams, week.streams_per_day.len()),
        (7, 5, 7)
    );
}

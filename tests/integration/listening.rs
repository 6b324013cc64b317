use std::{collections::HashMap, sync::Arc};

use chrono::{Datelike, Duration, Timelike, Utc};
use encore::{
    catalog::SongRow,
    listening::*,
    model::SessionUser,
    service::listening::{history, report, stats, PlayReport},
    Error,
};
use futures::{FutureExt, TryStreamExt};
use mongodb::bson::{doc, Document};
use uuid::Uuid;

use crate::{catalog::small_catalog, songs, TestApp};

fn play(song: &SongRow, ms: u64, reason: EndReason, minutes_ago: i64) -> PlayReport {
    PlayReport {
        event_id: Uuid::new_v4(),
        song_id: song.id,
        started_at: Utc::now() - Duration::minutes(minutes_ago),
        ms_played: ms,
        reason_end: reason,
        shuffle: false,
        source: Source::Album,
        source_id: Some(song.album_id.to_string()),
        offline: false,
    }
}

/// A finished album play as the repository stores it (for bulk inserts in tests).
fn stored_play(
    user_id: Uuid,
    song_id: Uuid,
    started_at: chrono::DateTime<Utc>,
    ms: u64,
) -> PlayEvent {
    PlayEvent {
        event_id: Uuid::new_v4(),
        user_id,
        song_id,
        started_at,
        ms_played: ms,
        reason_end: EndReason::Finished,
        shuffle: false,
        source: Source::Album,
        source_id: None,
        platform: "Linux".into(),
        country: "SE".into(),
        offline: false,
        private: false,
        imported: false,
    }
}

/// The first `n` catalog songs as the repository stores them.
async fn full_songs(app: &TestApp, n: usize) -> Vec<encore::catalog::Song> {
    let mut list = vec![];
    for r in songs(app, n).await {
        list.push(app.repos.catalog.song(r.id).await.unwrap().unwrap().0);
    }
    list
}

/// An imported play (played history) of `ms` at `at`.
fn imported_play(
    user_id: Uuid,
    song_id: Uuid,
    at: chrono::DateTime<Utc>,
    ms: u64,
    tag: &str,
) -> PlayEvent {
    PlayEvent {
        imported: true,
        source_id: Some(tag.into()),
        ..stored_play(user_id, song_id, at, ms)
    }
}

/// Runs the aggregator until nothing is left. A transaction abandoned by a killed
/// aggregator may still hold its documents for a moment: retry like the job does.
pub async fn drain(app: &TestApp) {
    let mut failures = 0;
    loop {
        match app.repos.listening.aggregate_once(500).await {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) => {
                failures += 1;
                assert!(failures < 100, "aggregator keeps failing: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

/// Recounts streams/plays/ms/skips per song and day straight from the raw events (the
/// month collections', grouped by the server, and played history's buckets, here).
pub async fn recount(app: &TestApp) -> HashMap<String, (i64, i64, i64, i64)> {
    let db = &app.repos.mongo;
    let mut out: HashMap<String, (i64, i64, i64, i64)> = HashMap::new();
    let mut buckets = db
        .collection::<Document>("play_buckets")
        .find(doc! {})
        .await
        .unwrap();
    while let Some(b) = buckets.try_next().await.unwrap() {
        for p in b.get_array("plays").unwrap() {
            let p = p.as_document().unwrap();
            let song = match p.get("song_id").unwrap() {
                mongodb::bson::Bson::Binary(b) => Uuid::from_slice(&b.bytes).unwrap(),
                other => panic!("{other:?}"),
            };
            let ms = p.get_datetime("ts").unwrap().timestamp_millis();
            let day = chrono::DateTime::from_timestamp_millis(ms)
                .unwrap()
                .date_naive();
            let e = out.entry(format!("{song}:{day}")).or_default();
            e.0 += i64::from(p.get_bool("stream").unwrap());
            e.1 += 1;
            e.2 += encore::repo::listening::fold::get_int(p, "ms_played") as i64;
            e.3 += i64::from(p.get_bool("skip").unwrap());
        }
    }
    for name in db
        .list_collection_names()
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.starts_with("play_events_"))
    {
        let mut cur = db
            .collection::<Document>(&name)
            .aggregate(vec![
                doc! {"$group": {
                    "_id": {"song": "$song_id", "day": {"$dateToString": {"format": "%Y-%m-%d", "date": "$ts"}}},
                    "plays": {"$sum": 1},
                    "streams": {"$sum": {"$cond": ["$stream", 1, 0]}},
                    "skips": {"$sum": {"$cond": ["$skip", 1, 0]}},
                    "ms": {"$sum": "$ms_played"},
                }},
            ])
            .await
            .unwrap();
        while let Some(d) = cur.try_next().await.unwrap() {
            let id = d.get_document("_id").unwrap();
            let song = match id.get("song").unwrap() {
                mongodb::bson::Bson::Binary(b) => Uuid::from_slice(&b.bytes).unwrap(),
                other => panic!("{other:?}"),
            };
            let n = |f: &str| encore::repo::listening::fold::get_int(&d, f) as i64;
            let e = out
                .entry(format!("{song}:{}", id.get_str("day").unwrap()))
                .or_default();
            e.0 += n("streams");
            e.1 += n("plays");
            e.2 += n("ms");
            e.3 += n("skips");
        }
    }
    out
}

pub async fn assert_counters_match_recount(app: &TestApp) {
    let raw = recount(app).await;
    assert!(!raw.is_empty());
    let daily: Vec<Document> = app
        .repos
        .mongo
        .collection::<Document>("song_daily")
        .find(doc! {})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let counted: HashMap<String, (i64, i64, i64, i64)> = daily
        .iter()
        .map(|d| {
            let n = |f: &str| encore::repo::listening::fold::get_int(d, f) as i64;
            (
                d.get_str("_id").unwrap().to_string(),
                (n("streams"), n("plays"), n("ms_played"), n("skips")),
            )
        })
        .collect();
    assert_eq!(
        counted, raw,
        "song_daily differs from a recount of the raw events"
    );
    assert_eq!(app.repos.listening.uncounted().await.unwrap(), 0);
    // Per-song totals equal the sum of the days.
    let mut plays_by_song: HashMap<Uuid, (i64, i64)> = HashMap::new();
    for (k, v) in &raw {
        let e = plays_by_song
            .entry(Uuid::parse_str(k.split(':').next().unwrap()).unwrap())
            .or_default();
        e.0 += v.0;
        e.1 += v.1;
    }
    for (song, (streams, plays)) in plays_by_song {
        let t = app
            .repos
            .listening
            .song_totals(song)
            .await
            .unwrap()
            .unwrap();
        let n = |f: &str| encore::repo::listening::fold::get_int(&t, f) as i64;
        assert_eq!((n("streams"), n("plays")), (streams, plays));
    }
}

fn listener(app_user: &encore::model::User) -> SessionUser {
    app_user.session_user()
}

#[tokio::test]
async fn the_same_event_twice_counts_once() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let me = listener(&app.user("ev1").await);
    let s = &songs(&app, 1).await[0];
    let p = play(s, 40_000, EndReason::Skipped, 5);
    assert!(report(&app.repos, &me, p.clone(), "Linux", "SE")
        .await
        .unwrap());
    assert!(
        !report(&app.repos, &me, p.clone(), "Linux", "SE")
            .await
            .unwrap(),
        "a retry is recognised"
    );
    drain(&app).await;
    assert!(
        !report(&app.repos, &me, p, "Linux", "SE").await.unwrap(),
        "and still after aggregation"
    );
    drain(&app).await;
    let day = app
        .repos
        .listening
        .song_day(s.id, (Utc::now() - Duration::minutes(5)).date_naive())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(encore::repo::listening::fold::get_int(&day, "plays"), 1);
    assert_eq!(encore::repo::listening::fold::get_int(&day, "streams"), 1);
    assert_eq!(
        encore::repo::listening::fold::get_int(day.get_document("country").unwrap(), "SE"),
        1
    );
    assert_counters_match_recount(&app).await;
}

/// "Listening now" (friends' feed) keeps the newest play: it is written beside the event,
/// so a repeated event or an older one arriving late must leave it alone.
#[tokio::test]
async fn listening_now_keeps_the_newest_play_through_repeats_and_late_arrivals() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let me = listener(&app.user("now1").await);
    let s = songs(&app, 3).await;
    let now_playing = || async {
        sqlx::query_as::<_, (Uuid, chrono::DateTime<Utc>)>(
            "select song_id, started_at from listening_now where user_id = $1",
        )
        .bind(me.id)
        .fetch_optional(&app.repos.pg)
        .await
        .unwrap()
    };
    let first = play(&s[0], 40_000, EndReason::Finished, 5);
    let second = play(&s[1], 40_000, EndReason::Finished, 2);
    assert!(report(&app.repos, &me, first.clone(), "Linux", "SE")
        .await
        .unwrap());
    assert_eq!(now_playing().await.unwrap().0, s[0].id);
    assert!(report(&app.repos, &me, second.clone(), "Linux", "SE")
        .await
        .unwrap());
    let newest = now_playing().await.unwrap();
    assert_eq!(newest.0, s[1].id);
    // The first play again (a retry), and a new play that started earlier (offline).
    assert!(!report(&app.repos, &me, first, "Linux", "SE").await.unwrap());
    let late = play(&s[2], 40_000, EndReason::Finished, 30);
    assert!(report(&app.repos, &me, late, "Linux", "SE").await.unwrap());
    assert_eq!(now_playing().await, Some(newest));
    // A bad report writes nothing there either.
    let bad = play(&s[2], s[2].duration_ms + 60_000, EndReason::Finished, 1);
    assert!(report(&app.repos, &me, bad, "Linux", "SE").await.is_err());
    assert_eq!(now_playing().await, Some(newest));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn counters_equal_a_recount_after_a_burst_with_concurrent_aggregation() {
    let app = Arc::new(TestApp::init().await);
    small_catalog(&app).await;
    let list = Arc::new(songs(&app, 12).await);
    let mut users = vec![];
    for i in 0..4 {
        users.push(listener(&app.user(&format!("burst{i}")).await));
    }
    let writers: Vec<_> = (0..8)
        .map(|t| {
            let (app, list, me) = (app.clone(), list.clone(), users[t % 4].clone());
            tokio::spawn(async move {
                for i in 0..40 {
                    let s = &list[(t * 7 + i) % list.len()];
                    let ms = ((i * 7_919) as u64 % s.duration_ms).max(1);
                    let reason = if i % 3 == 0 {
                        EndReason::Skipped
                    } else {
                        EndReason::Finished
                    };
                    let p = play(s, ms, reason, 10 + (i % 50) as i64);
                    report(&app.repos, &me, p.clone(), "Android", "BR")
                        .await
                        .unwrap();
                    if i % 10 == 0 {
                        // A client retry of the same event.
                        report(&app.repos, &me, p, "Android", "BR").await.unwrap();
                    }
                }
            })
        })
        .collect();
    let aggregator = {
        let app = app.clone();
        tokio::spawn(async move {
            for _ in 0..20 {
                app.repos.listening.aggregate_once(50).await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        })
    };
    for w in writers {
        w.await.unwrap();
    }
    aggregator.await.unwrap();
    drain(&app).await;
    let raw_total: i64 = recount(&app).await.values().map(|v| v.1).sum();
    assert_eq!(raw_total, 8 * 40, "one raw event per distinct report");
    assert_counters_match_recount(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashing_aggregator_neither_loses_nor_double_counts() {
    let app = Arc::new(TestApp::init().await);
    small_catalog(&app).await;
    let list = songs(&app, 6).await;
    let me = listener(&app.user("crash").await);
    for i in 0..120 {
        report(
            &app.repos,
            &me,
            play(&list[i % 6], 31_000 + i as u64, EndReason::Finished, 1),
            "Linux",
            "DE",
        )
        .await
        .unwrap();
    }
    kill_the_aggregator_mid_run(&app).await;
    drain(&app).await;
    assert_counters_match_recount(&app).await;
}

/// Kills the aggregator at different points of its run, many times.
async fn kill_the_aggregator_mid_run(app: &Arc<TestApp>) {
    for delay_ms in [1u64, 3, 5, 8, 12, 20, 30, 45] {
        let app2 = app.clone();
        let task = tokio::spawn(async move { app2.repos.listening.aggregate_once(40).await });
        tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        task.abort();
        let _ = task.await;
    }
}

/// The same for played history: buckets from several submissions (imports), the
/// aggregator killed at many points while it counts them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashing_aggregator_counts_played_history_exactly_once() {
    let app = Arc::new(TestApp::init().await);
    small_catalog(&app).await;
    let list = full_songs(&app, 4).await;
    let me = app.user("crashhistory").await.session_user();
    let start = Utc::now() - Duration::days(20);
    for part in 0..6 {
        let tag = format!("import:{part}");
        let plays: Vec<(PlayEvent, &encore::catalog::Song)> = (0..60)
            .map(|i| {
                let n = part * 60 + i;
                let s = &list[n % 4];
                let at = start + Duration::minutes(67 * n as i64);
                (imported_play(me.id, s.id, at, 31_000 + n as u64, &tag), s)
            })
            .collect();
        let stored = app
            .repos
            .listening
            .record_history(&plays, &tag)
            .await
            .unwrap();
        assert_eq!(stored.new, 60);
    }
    kill_the_aggregator_mid_run(&app).await;
    drain(&app).await;
    let raw_total: i64 = recount(&app).await.values().map(|v| v.1).sum();
    assert_eq!(raw_total, 360);
    assert_counters_match_recount(&app).await;
}

#[tokio::test]
async fn stats_and_history_on_a_known_dataset() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let me = listener(&app.user("stats").await);
    let other = listener(&app.user("other").await);
    let list = songs(&app, 3).await;
    let (a, b, c) = (&list[0], &list[1], &list[2]);
    for m in [30, 20, 10] {
        report(
            &app.repos,
            &me,
            play(a, a.duration_ms, EndReason::Finished, m),
            "Linux",
            "SE",
        )
        .await
        .unwrap();
    }
    report(
        &app.repos,
        &me,
        play(b, 10_000, EndReason::Skipped, 5),
        "Linux",
        "SE",
    )
    .await
    .unwrap();
    report(
        &app.repos,
        &me,
        play(c, 60_000, EndReason::PausedAndLeft, 2),
        "Linux",
        "SE",
    )
    .await
    .unwrap();
    report(
        &app.repos,
        &other,
        play(b, b.duration_ms, EndReason::Finished, 10),
        "Linux",
        "SE",
    )
    .await
    .unwrap();
    drain(&app).await;

    let s = stats(&app.repos, &me, StatsRange::Weeks4).await.unwrap();
    assert_eq!(
        s.total_streams, 4,
        "3 × a + c (60 s); the 10 s skip is not a stream"
    );
    assert_eq!(
        s.total_minutes,
        (3 * a.duration_ms + 10_000 + 60_000) / 60_000
    );
    assert_eq!(s.top_songs[0].item.id, a.id);
    assert_eq!(s.top_songs[0].streams, 3);
    assert!(
        !s.top_songs.iter().any(|t| t.item.id == b.id),
        "other users' plays never leak in"
    );
    assert_eq!(s.top_artists[0].item.id, a.artists[0].id);
    assert_eq!(s.minutes_per_day.len(), 28);
    assert_eq!(
        s.minutes_per_day.iter().map(|d| d.1).sum::<u64>() <= s.total_minutes,
        true
    );
    let plays_in_heatmap: u64 = s.heatmap.iter().flat_map(|r| r.iter()).sum();
    assert_eq!(plays_in_heatmap, 5);
    let hour = (Utc::now() - Duration::minutes(2)).hour() as usize;
    assert!(s.heatmap.iter().any(|r| r[hour] > 0));
    let all = stats(&app.repos, &me, StatsRange::AllTime).await.unwrap();
    assert_eq!((all.total_streams, all.top_songs[0].streams), (4, 3));

    // The sound profile: stream-weighted means over the streamed songs (3 × a, 1 × c).
    let fa = app
        .repos
        .catalog
        .song(a.id)
        .await
        .unwrap()
        .unwrap()
        .0
        .features;
    let fc = app
        .repos
        .catalog
        .song(c.id)
        .await
        .unwrap()
        .unwrap()
        .0
        .features;
    let f = s.features.clone().expect("a profile");
    assert_eq!((f.streams, f.songs), (4, 2));
    let energy = f.shares.iter().find(|(k, _)| k == "energy").unwrap().1;
    let expected = (3.0 * fa.energy as f64 + fc.energy as f64) / 4.0;
    assert!((energy - expected).abs() < 0.001, "{energy} vs {expected}");
    assert_eq!(
        f.tempo_bpm,
        ((3.0 * fa.tempo as f64 + fc.tempo as f64) / 4.0).round()
    );

    // The year in review agrees with the counters; another year is empty.
    let this_year = Utc::now().year();
    let y = encore::service::listening::year_in_review(&app.repos, &me, this_year)
        .await
        .unwrap();
    let plays_minutes_before_today = (Utc::now() - Duration::minutes(30)).year() == this_year;
    if plays_minutes_before_today {
        assert_eq!(
            (y.streams, y.distinct_songs, y.top_songs[0].item.id),
            (4, 2, a.id)
        );
        assert_eq!(y.minutes, s.total_minutes);
        assert!(
            y.minutes_per_month.iter().map(|m| m.1).sum::<u64>() <= y.minutes,
            "whole minutes per day, summed"
        );
    }
    let empty = encore::service::listening::year_in_review(&app.repos, &me, this_year - 3)
        .await
        .unwrap();
    assert_eq!((empty.streams, empty.features.is_none()), (0, true));

    let h = history(&app.repos, &me, None, None, 10).await.unwrap();
    assert_eq!(h.len(), 5);
    assert!(
        h.windows(2).all(|w| w[0].played_at >= w[1].played_at),
        "newest first"
    );
    assert_eq!(h[0].song.id, c.id);
    assert_eq!(
        h[0].resume_ms,
        Some(60_000),
        "paused after a minute: resume there"
    );
    assert_eq!(
        h.iter().find(|e| e.song.id == a.id).unwrap().resume_ms,
        None,
        "finished plays do not resume"
    );
    let none = history(
        &app.repos,
        &me,
        Some(Utc::now() + Duration::days(1)),
        None,
        10,
    )
    .await
    .unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn bad_reports_are_refused_and_write_nothing() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let me = listener(&app.user("bad").await);
    let s = &songs(&app, 1).await[0];
    let too_long = play(s, s.duration_ms + 60_000, EndReason::Finished, 1);
    assert!(matches!(
        report(&app.repos, &me, too_long, "Linux", "SE").await,
        Err(Error::Invalid(_))
    ));
    let too_fast = play(s, 120_000, EndReason::Finished, 1);
    assert!(
        matches!(
            report(&app.repos, &me, too_fast, "Linux", "SE").await,
            Err(Error::Invalid(_))
        ),
        "2 minutes played in 1"
    );
    let mut future = play(s, 1_000, EndReason::Skipped, 0);
    future.started_at = Utc::now() + Duration::hours(2);
    assert!(matches!(
        report(&app.repos, &me, future, "Linux", "SE").await,
        Err(Error::Invalid(_))
    ));
    let mut unknown = play(s, 1_000, EndReason::Skipped, 0);
    unknown.song_id = Uuid::new_v4();
    assert!(matches!(
        report(&app.repos, &me, unknown, "Linux", "SE").await,
        Err(Error::NotFound)
    ));
    app.repos
        .catalog
        .set_song_status(s.id, encore::catalog::SongStatus::TakenDown)
        .await
        .unwrap();
    assert!(matches!(
        report(
            &app.repos,
            &me,
            play(s, 1_000, EndReason::Skipped, 0),
            "Linux",
            "SE"
        )
        .await,
        Err(Error::NotFound)
    ));
    assert!(history(&app.repos, &me, None, None, 10)
        .await
        .unwrap()
        .is_empty());
}

#[test]
fn platforms_come_from_the_user_agent() {
    assert_eq!(
        platform_from_user_agent("Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/156"),
        "Linux"
    );
    assert_eq!(
        platform_from_user_agent("Mozilla/5.0 (Linux; Android 14; Pixel 8)"),
        "Android"
    );
    assert_eq!(
        platform_from_user_agent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"),
        "iOS"
    );
    assert_eq!(platform_from_user_agent("curl/8"), "Other");
}

#[tokio::test]
async fn an_account_purge_leaves_nothing_of_the_user_in_either_store_and_is_idempotent() {
    use encore::{model::Role, service::admin};
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let r = &app.repos;
    let gone = app.user("goner").await;
    let me = listener(&gone);
    let friend = app.user("friend").await.session_user();
    let a = app.user("boss").await;
    r.accounts.set_role(a.id, Role::Admin).await.unwrap();
    let boss = SessionUser {
        role: Role::Admin,
        ..a.session_user()
    };
    let list = songs(&app, 4).await;

    // Data everywhere: plays (counted), a playlist with items, a song in a friend's
    // playlist, likes, a comment, follows both ways.
    for (i, s) in list.iter().enumerate() {
        report(
            r,
            &me,
            play(s, s.duration_ms, EndReason::Finished, 10 + i as i64),
            "web",
            "SE",
        )
        .await
        .unwrap();
    }
    drain(&app).await;
    let own = encore::service::playlists::create(
        r,
        &me,
        "Mine",
        "",
        encore::playlists::Visibility::Public,
    )
    .await
    .unwrap();
    encore::service::playlists::add_song(r, &me, own, list[0].id)
        .await
        .unwrap();
    let theirs = encore::service::playlists::create(
        r,
        &friend,
        "Shared",
        "",
        encore::playlists::Visibility::Public,
    )
    .await
    .unwrap();
    encore::service::playlists::update(
        r,
        &friend,
        theirs,
        "Shared",
        "",
        encore::playlists::Visibility::Public,
        true,
    )
    .await
    .unwrap();
    encore::service::playlists::set_collaborator(
        r,
        &friend,
        theirs,
        "goner",
        encore::playlists::CollabRole::Editor,
    )
    .await
    .unwrap();
    encore::service::playlists::add_song(r, &me, theirs, list[1].id)
        .await
        .unwrap();
    r.accounts
        .set_song_like(me.id, list[2].id, true)
        .await
        .unwrap();
    encore::service::comments::post(r, &me, list[2].id, "bye")
        .await
        .unwrap();
    encore::service::social::follow_user(r, &me, friend.id, true)
        .await
        .unwrap();
    encore::service::social::follow_user(r, &friend, me.id, true)
        .await
        .unwrap();
    r.activity.record_sign_in(me.id).await.unwrap();

    // Only admins, only with the username typed, never an admin.
    assert!(matches!(
        admin::delete_account(r, &friend, me.id, "goner").await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        admin::delete_account(r, &boss, me.id, "someone").await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        admin::delete_account(r, &boss, boss.id, "boss").await,
        Err(Error::Conflict(_))
    ));

    // A crash right after the request: the job finishes it.
    sqlx::query(
        "insert into account_purges (user_id, username, requested_by) values ($1, 'goner', $2)",
    )
    .bind(me.id)
    .bind(boss.id)
    .execute(&r.pg)
    .await
    .unwrap();
    assert_eq!(admin::purge_pending(r).await.unwrap(), 1);
    assert_eq!(admin::purge_pending(r).await.unwrap(), 0, "idempotent");
    // Asking again for an account that is gone is a 404, not a second purge.
    assert!(matches!(
        admin::delete_account(r, &boss, me.id, "goner").await,
        Err(Error::NotFound)
    ));

    // PostgreSQL: no row anywhere mentions the user, except the purge record's bare id.
    let tables: Vec<(String, String)> = sqlx::query_as(
        "select c.table_schema || '.' || c.table_name, c.column_name from information_schema.columns c
         where c.data_type = 'uuid' and c.table_schema not in ('pg_catalog', 'information_schema')",
    )
    .fetch_all(&r.pg)
    .await
    .unwrap();
    for (table, column) in tables {
        let n: i64 =
            sqlx::query_scalar(&format!("select count(*) from {table} where {column} = $1"))
                .bind(me.id)
                .fetch_one(&r.pg)
                .await
                .unwrap();
        let allowed = i64::from(table == "public.account_purges" && column == "user_id");
        assert_eq!(n, allowed, "{table}.{column}");
    }
    let text_refs: i64 =
        sqlx::query_scalar("select count(*) from account_purges where username <> ''")
            .fetch_one(&r.pg)
            .await
            .unwrap();
    assert_eq!(text_refs, 0);

    // MongoDB: no document holds the user's id in any field we write it to.
    let id = mongodb::bson::Binary {
        subtype: mongodb::bson::spec::BinarySubtype::Uuid,
        bytes: me.id.as_bytes().to_vec(),
    };
    for name in r.mongo.list_collection_names().await.unwrap() {
        let c = r.mongo.collection::<Document>(&name);
        let n = c
            .count_documents(doc! {"$or": [{"_id": id.clone()}, {"user_id": id.clone()}, {"added_by": id.clone()}]})
            .await
            .unwrap();
        assert_eq!(n, 0, "{name}");
    }
    // The friend's playlist keeps the song; song counters still equal a recount.
    assert_eq!(
        encore::service::playlists::page(r, theirs, Some(&friend), None)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert_counters_match_recount(&app).await;
}

/// Unique listeners (HyperLogLog in the daily counters): a person counts once however
/// often and on however many days they streamed; plays under 30 s and days outside the
/// window do not count; the estimate is within 2 % of the exact count.
#[tokio::test]
async fn unique_listeners_per_day_and_per_28_days() {
    use encore::repo::listening::Listened;
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let row = &songs(&app, 1).await[0];
    let (song, _) = app.repos.catalog.song(row.id).await.unwrap().unwrap();
    let artist = song.artists[0].id;
    // Fixed ids, so the estimate is repeatable.
    let user =
        |i: u128| Uuid::from_u128(i.wrapping_mul(0x2545_F491_4F6C_DD1D_9E37_79B9_7F4A_7C15) + 77);
    let now = Utc::now() - Duration::minutes(5);
    let today = now.date_naive();
    let event = |u: Uuid, days_ago: i64, ms: u64| {
        stored_play(u, song.id, now - Duration::days(days_ago), ms)
    };
    let mut plays = vec![];
    for i in 0..1500 {
        plays.push((event(user(i), 0, 60_000), &song));
        if i % 3 == 0 {
            // Streamed twice today: still one listener.
            plays.push((event(user(i), 0, 45_000), &song));
        }
    }
    for i in 1200..1500 {
        plays.push((event(user(i), 1, 60_000), &song)); // 300 of today's, yesterday too
    }
    for i in 5000..5200 {
        plays.push((event(user(i), 10, 60_000), &song)); // 200 more, ten days ago
    }
    for i in 9000..9050 {
        plays.push((event(user(i), 40, 60_000), &song)); // outside the 28 days
    }
    for i in 7000..7100 {
        plays.push((event(user(i), 0, 5_000), &song)); // not streams
    }
    app.repos.listening.record_many(&plays).await.unwrap();
    drain(&app).await;
    // Re-applying registers is harmless: run the aggregator again on nothing.
    drain(&app).await;

    let l = &app.repos.listening;
    let close = |got: u64, exact: u64| {
        let err = (got as f64 - exact as f64).abs() / exact as f64;
        assert!(err < 0.02, "estimate {got}, exact {exact}");
    };
    close(
        l.unique_listeners(Listened::Song, song.id, today, 1)
            .await
            .unwrap(),
        1500,
    );
    let yesterday = today - Duration::days(1);
    close(
        l.unique_listeners(Listened::Song, song.id, yesterday, 1)
            .await
            .unwrap(),
        300,
    );
    close(
        l.unique_listeners(Listened::Song, song.id, today, 28)
            .await
            .unwrap(),
        1700,
    );
    close(
        l.unique_listeners(Listened::Artist, artist, today, 28)
            .await
            .unwrap(),
        1700,
    );
    close(
        l.unique_listeners(Listened::Song, song.id, today, 60)
            .await
            .unwrap(),
        1750,
    );
    assert_eq!(
        l.unique_listeners(Listened::Song, song.id, today - Duration::days(2), 1)
            .await
            .unwrap(),
        0
    );
}

/// Once read, a past day's listener registers are packed into one binary field (in the
/// background); today's stay sparse. A late play for that day adds sparse registers
/// beside the packed ones: both count, nothing is lost, and the next read packs again.
#[tokio::test]
async fn past_days_listener_registers_are_packed_and_late_plays_still_count() {
    use encore::repo::listening::{fold, Listened};
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let row = &songs(&app, 1).await[0];
    let (song, _) = app.repos.catalog.song(row.id).await.unwrap().unwrap();
    let user = |i: u128| Uuid::from_u128(i.wrapping_mul(0x9E37_79B9_7F4A_7C15_2545_F491) + 5);
    let now = Utc::now() - Duration::minutes(5);
    let (today, yesterday) = (now.date_naive(), now.date_naive() - Duration::days(1));
    let plays: Vec<_> = (0..400u128)
        .map(|i| {
            (
                stored_play(
                    user(i),
                    song.id,
                    now - Duration::days((i % 2) as i64),
                    60_000,
                ),
                &song,
            )
        })
        .collect();
    app.repos.listening.record_many(&plays).await.unwrap();
    drain(&app).await;
    let l = &app.repos.listening;
    let day_doc = |day| async move { l.song_day(song.id, day).await.unwrap().unwrap() };
    let packed = |d: &mongodb::bson::Document| d.get_binary_generic("hll_packed").is_ok();
    let sparse = |d: &mongodb::bson::Document| d.get_document("hll").is_ok_and(|h| !h.is_empty());
    let two_days = || l.unique_listeners(Listened::Song, song.id, today, 2);
    // The exact sketch of a set of listeners (what the registers must hold).
    let sketch = |ids: &mut dyn Iterator<Item = u128>| {
        let mut s = encore::hll::Sketch::default();
        ids.for_each(|i| s.add(user(i)));
        s.estimate()
    };
    assert_eq!(two_days().await.unwrap(), sketch(&mut (0..400)));
    let mut sealed = day_doc(yesterday).await;
    for _ in 0..100 {
        if packed(&sealed) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        sealed = day_doc(yesterday).await;
    }
    assert!(
        packed(&sealed) && !sparse(&sealed),
        "yesterday packed: {sealed:?}"
    );
    let live = day_doc(today).await;
    assert!(!packed(&live) && sparse(&live), "today stays sparse");
    let odd = || (0..400u128).filter(|i| i % 2 == 1);
    assert_eq!(fold::listeners([&sealed]).estimate(), sketch(&mut odd()));
    assert_eq!(two_days().await.unwrap(), sketch(&mut (0..400)));

    // 50 late plays for yesterday by new listeners, and one by a known one.
    let late: Vec<_> = (1000..1050u128)
        .chain([1])
        .map(|i| {
            (
                stored_play(user(i), song.id, now - Duration::days(1), 60_000),
                &song,
            )
        })
        .collect();
    app.repos.listening.record_many(&late).await.unwrap();
    drain(&app).await;
    let mixed = day_doc(yesterday).await;
    assert!(
        packed(&mixed) && sparse(&mixed),
        "late registers beside the packed ones"
    );
    let late_day = || odd().chain(1000..1050);
    assert_eq!(
        fold::listeners([&mixed]).estimate(),
        sketch(&mut late_day())
    );
    assert_eq!(fold::get_int(&mixed, "streams"), 251);
    assert_eq!(
        two_days().await.unwrap(),
        sketch(&mut (0..400).chain(1000..1050))
    );
    let mut again = day_doc(yesterday).await;
    for _ in 0..100 {
        if !sparse(&again) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        again = day_doc(yesterday).await;
    }
    assert!(packed(&again) && !sparse(&again), "packed again: {again:?}");
    assert_eq!(
        fold::listeners([&again]).estimate(),
        sketch(&mut late_day())
    );
    assert_counters_match_recount(&app).await;
}

/// Platform and country names end up in counter field paths: an empty country or a
/// player called "foo.bar 1.2" or "$x" must be counted, not stop the aggregator.
#[tokio::test]
async fn odd_platform_and_country_names_are_counted() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let me = listener(&app.user("oddnames").await);
    let s = &songs(&app, 1).await[0];
    for (platform, country) in [("foo.bar 1.2", ""), ("$x", " "), ("", "S.E")] {
        let p = play(s, 40_000, EndReason::Finished, 5);
        assert!(report(&app.repos, &me, p, platform, country).await.unwrap());
    }
    drain(&app).await;
    let totals = app
        .repos
        .listening
        .user_totals(me.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        encore::repo::listening::fold::get_int(&totals, "streams"),
        3
    );
}

/// The aggregator's frequent pass looks at the live months and at months a bulk insert
/// touched in the last 10 minutes; a month nobody touched waits for the full pass.
#[tokio::test]
async fn the_frequent_pass_counts_live_and_just_imported_months_only() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let me = listener(&app.user("passes").await);
    let row = &songs(&app, 1).await[0];
    let song = app.repos.catalog.song(row.id).await.unwrap().unwrap().0;
    let l = &app.repos.listening;
    assert!(report(
        &app.repos,
        &me,
        play(row, 40_000, EndReason::Finished, 5),
        "Linux",
        "SE"
    )
    .await
    .unwrap());
    assert_eq!(l.aggregate_months(500, true, false).await.unwrap(), 1);
    // An imported play from March 2015: its month was just touched, so the next pass sees it.
    let old = |day: u32| PlayEvent {
        imported: true,
        ..stored_play(
            me.id,
            row.id,
            chrono::TimeZone::with_ymd_and_hms(&Utc, 2015, 3, day, 12, 0, 0).unwrap(),
            40_000,
        )
    };
    assert_eq!(l.record_many(&[(old(1), &song)]).await.unwrap(), 1);
    assert_eq!(l.aggregate_months(500, true, false).await.unwrap(), 1);
    // The same month touched 11 minutes ago: the frequent pass leaves it, the full one counts.
    assert_eq!(l.record_many(&[(old(2), &song)]).await.unwrap(), 1);
    app.repos
        .mongo
        .collection::<Document>("play_event_months")
        .update_one(
            doc! {"_id": "201503"},
            doc! {"$set": {"touched_at": mongodb::bson::DateTime::from_millis((Utc::now() - Duration::minutes(11)).timestamp_millis())}},
        )
        .await
        .unwrap();
    assert_eq!(l.aggregate_months(500, true, false).await.unwrap(), 0);
    assert_eq!(l.aggregate_months(500, false, false).await.unwrap(), 1);
    assert_counters_match_recount(&app).await;
}

/// The benchmark's bulk load stores plays as counted and writes their counters itself with
/// the aggregator's increments (a day at a time, all-time totals at the end): the counters
/// equal a recount of the raw events, also when a seed stopped halfway was resumed, and a
/// second run adds nothing.
#[tokio::test]
async fn bulk_loaded_plays_are_counted_like_the_aggregator_counts() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let o = encore::bench::BenchOptions {
        users: 40,
        follows: 5,
        playlist_tracks: 20,
        events: 3_000,
        seed: 3,
    };
    // A first seed stops (here: panics) after a day's plays are stored and before their
    // counters are written; the second one resumes.
    let stop = |stage: &str, done: u64, _: u64| {
        if stage == "events" && done >= 1_000 {
            panic!("stopped at {done}");
        }
    };
    let stopped = std::panic::AssertUnwindSafe(encore::bench::seed(&app.repos, &o, &stop))
        .catch_unwind()
        .await;
    assert!(stopped.is_err());
    assert!(recount(&app).await.values().map(|v| v.1).sum::<i64>() >= 1_000);
    let info = encore::bench::seed(&app.repos, &o, &|_, _, _| {})
        .await
        .unwrap();
    let raw = recount(&app).await;
    let plays: i64 = raw.values().map(|v| v.1).sum();
    assert_eq!(plays, 3_000);
    assert_eq!(app.repos.listening.stored().await.unwrap(), 3_000);
    assert_counters_match_recount(&app).await;
    // The fan's all-time totals equal their raw plays.
    let db = &app.repos.mongo;
    let (mut streams, mut ms) = (0i64, 0i64);
    for name in db.list_collection_names().await.unwrap() {
        if !name.starts_with("play_events_") {
            continue;
        }
        let docs: Vec<Document> = db
            .collection::<Document>(&name)
            .find(doc! {"user_id": encore::repo::catalog::bid(info.fan_id)})
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        streams += docs
            .iter()
            .filter(|d| d.get_bool("stream").unwrap())
            .count() as i64;
        ms += docs
            .iter()
            .map(|d| encore::repo::listening::fold::get_int(d, "ms_played") as i64)
            .sum::<i64>();
    }
    assert!(streams > 0);
    let t = app
        .repos
        .listening
        .user_totals(info.fan_id)
        .await
        .unwrap()
        .unwrap();
    let n = |f: &str| encore::repo::listening::fold::get_int(&t, f) as i64;
    assert_eq!((n("streams"), n("ms_played")), (streams, ms));
    // Run again: the stored description comes back and nothing is added.
    encore::bench::seed(&app.repos, &o, &|_, _, _| {})
        .await
        .unwrap();
    assert_eq!(recount(&app).await, raw);
}

/// Played history (imports, ListenBrainz) goes into per-user-per-day buckets: two writers
/// storing overlapping plays at the same time store each play once, plays an earlier
/// version stored as single imported events are recognised, a resubmission under the
/// same tag counts as "ours", history merges buckets with live events, and the counters
/// equal a recount.
#[tokio::test]
async fn played_history_buckets_store_each_play_once_under_concurrent_writers() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let rows = songs(&app, 3).await;
    let list = full_songs(&app, 3).await;
    let me = app.user("bucketuser").await.session_user();
    let start = Utc::now() - Duration::days(3);
    // 300 imported plays over three days, one every 14.4 minutes.
    let imported: Vec<PlayEvent> = (0..300)
        .map(|i| {
            let at = start + Duration::seconds(864 * i as i64);
            let ms = if i % 4 == 0 { 10_000 } else { 60_000 };
            imported_play(me.id, list[i % 3].id, at, ms, "import:test")
        })
        .collect();
    let with_song = |es: &[PlayEvent]| -> Vec<(PlayEvent, &encore::catalog::Song)> {
        es.iter()
            .map(|e| {
                let s = list.iter().find(|s| s.id == e.song_id).unwrap();
                (e.clone(), s)
            })
            .collect()
    };
    // An earlier version stored ten of them as single events.
    let legacy = with_song(&imported[290..]);
    app.repos.listening.record_many(&legacy).await.unwrap();
    let l = &app.repos.listening;
    let (a, b) = (with_song(&imported[..200]), with_song(&imported[100..]));
    let (ra, rb) = tokio::join!(
        l.record_history(&a, "import:a"),
        l.record_history(&b, "import:b")
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.new + rb.new, 290, "{ra:?} {rb:?}");
    assert_eq!(ra.duplicates + rb.duplicates, 100 + 10, "{ra:?} {rb:?}");
    // The same plays again under a tag that stored some of them: those are "ours".
    let again = l.record_history(&a, "import:a").await.unwrap();
    assert_eq!(again.new, 0);
    assert_eq!(again.ours + again.duplicates, 200);
    assert_eq!(again.ours, ra.new);
    assert_eq!(l.stored().await.unwrap(), 300);
    assert_eq!(l.uncounted().await.unwrap(), 300);

    // Live plays beside them: history is one list, newest first.
    let live = Uuid::new_v4();
    let mut p = play(&rows[0], 60_000, EndReason::Finished, 2);
    p.event_id = live;
    report(&app.repos, &me, p, "Linux", "SE").await.unwrap();
    drain(&app).await;
    assert_eq!(l.uncounted().await.unwrap(), 0);
    let recent = l.recent(me.id, 5).await.unwrap();
    assert_eq!(
        encore::repo::listening::fold::event_id(&recent[0]),
        Some(live),
        "the live play is the newest"
    );
    let ts: Vec<i64> = l
        .history(me.id, None, None, 400)
        .await
        .unwrap()
        .iter()
        .map(|d| d.get_datetime("ts").unwrap().timestamp_millis())
        .collect();
    assert_eq!(ts.len(), 301);
    assert!(ts.windows(2).all(|w| w[0] >= w[1]), "newest first");
    // A date filter: the second day only.
    let day2 = start + Duration::days(1);
    let page = l
        .history(me.id, Some(day2), Some(day2 + Duration::days(1)), 400)
        .await
        .unwrap();
    assert_eq!(page.len(), 100);
    let totals = l.user_totals(me.id).await.unwrap().unwrap();
    assert_eq!(
        encore::repo::listening::fold::get_int(&totals, "streams"),
        1 + 225
    );
    assert_counters_match_recount(&app).await;
}

/// While an import is being stored, the aggregator leaves imported history for later
/// (counting it would take most of the database's time) but keeps counting scrobbles.
#[tokio::test]
async fn imported_history_is_counted_after_the_import_scrobbles_at_once() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let list = full_songs(&app, 2).await;
    let me = app.user("waitcount").await.session_user();
    let l = &app.repos.listening;
    let at = Utc::now() - Duration::hours(5);
    let play = |i: i64, tag: &str| {
        let e = imported_play(me.id, list[0].id, at + Duration::minutes(i), 60_000, tag);
        (e, &list[0])
    };
    let imported: Vec<_> = (0..30).map(|i| play(i, "import:big")).collect();
    let scrobbled: Vec<_> = (30..34)
        .map(|i| play(i, encore::listening::SCROBBLE_SOURCE))
        .collect();
    l.record_history(&imported, "import:big").await.unwrap();
    l.record_history(&scrobbled, encore::listening::SCROBBLE_SOURCE)
        .await
        .unwrap();
    assert_eq!(l.aggregate_months(2_000, false, true).await.unwrap(), 4);
    assert_eq!(l.aggregate_months(2_000, false, true).await.unwrap(), 0);
    assert_eq!(l.uncounted().await.unwrap(), 30);
    drain(&app).await;
    assert_eq!(l.uncounted().await.unwrap(), 0);
    assert_counters_match_recount(&app).await;
}

/// Live reports are written through a lane (one writer per process, a sequence number per
/// insert) and counted from a watermark, not by marking every play. Plays of a sequence
/// that land after some of it was counted are counted, once; on a sharded cluster (shards
/// read at different moments) so is a play of an older sequence that becomes visible
/// after a newer one. A batch manifest that lands after its step was done is dropped
/// without counting anything again.
#[tokio::test]
async fn lane_plays_landing_late_and_stale_manifests_count_once() {
    lane_plays_landing_late(false).await;
}

#[tokio::test]
async fn lane_plays_landing_late_on_a_sharded_cluster_count_once() {
    lane_plays_landing_late(true).await;
}

async fn lane_plays_landing_late(sharded: bool) {
    let app = TestApp::init().await;
    let l = &app.repos.listening;
    if sharded {
        l.assume_sharded();
    }
    small_catalog(&app).await;
    let me = listener(&app.user("lanes").await);
    let row = &songs(&app, 1).await[0];
    let song = app.repos.catalog.song(row.id).await.unwrap().unwrap().0;
    let db = &app.repos.mongo;
    assert!(report(
        &app.repos,
        &me,
        play(row, 40_000, EndReason::Finished, 1),
        "Linux",
        "SE"
    )
    .await
    .unwrap());
    assert_eq!(l.aggregate_once(500).await.unwrap(), 1);
    let lanes: Vec<Document> = db
        .collection::<Document>("play_lanes")
        .find(doc! {})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(lanes.len(), 1, "one process, one lane");
    let month = lanes[0].get_array("months").unwrap()[0]
        .as_str()
        .unwrap()
        .to_string();
    let events = db.collection::<Document>(&format!("play_events_{month}"));
    // Another process's lane, whose plays we store with the sequence numbers we choose.
    let lane = Uuid::new_v4().to_string();
    db.collection::<Document>("play_lanes")
        .insert_one(doc! {
            "_id": &lane, "months": [&month],
            "seen_at": mongodb::bson::DateTime::now(), "created_at": mongodb::bson::DateTime::now(),
        })
        .await
        .unwrap();
    let at = Utc::now() - Duration::minutes(2);
    let lane_play = |seq: i64| {
        let e = stored_play(me.id, row.id, at, 35_000);
        let mut d = encore::repo::listening::counted_docs(&[(e, &song)])
            .unwrap()
            .remove(0);
        d.remove("counted");
        d.insert("lane", lane.clone());
        d.insert("seq", seq);
        d
    };
    let (a, b) = (lane_play(100), lane_play(101));
    let ids = vec![a.get("_id").unwrap().clone(), b.get("_id").unwrap().clone()];
    if sharded {
        // 100 and 101 seen, then more of 100 (from a shard read earlier).
        events.insert_many([a, b]).await.unwrap();
        assert_eq!(l.aggregate_once(500).await.unwrap(), 2);
        assert_eq!(l.aggregate_once(500).await.unwrap(), 0);
        events.insert_one(lane_play(100)).await.unwrap();
    } else {
        // Part of 100 seen, then the rest of it, then 101.
        events.insert_one(a).await.unwrap();
        assert_eq!(l.aggregate_once(500).await.unwrap(), 1);
        events.insert_one(lane_play(100)).await.unwrap();
        assert_eq!(l.uncounted().await.unwrap(), 1);
        assert_eq!(l.aggregate_once(500).await.unwrap(), 1);
        assert_eq!(l.aggregate_once(500).await.unwrap(), 0);
        events.insert_one(b).await.unwrap();
    }
    assert_eq!(l.uncounted().await.unwrap(), 1);
    assert_eq!(l.aggregate_once(500).await.unwrap(), 1);
    assert_eq!(l.aggregate_once(500).await.unwrap(), 0);
    // A manifest of the step that counted a (state version 0), landing after a killed
    // run's retry did the step: dropped, nothing counted twice. Its id here is one the
    // counters never took, so their batch guard cannot be what stops it.
    let batches = db.collection::<Document>("play_event_batches");
    batches
        .insert_one(doc! {
            "_id": format!("lane:{lane}:{month}:0:late"), "month": format!("{lane}:{month}"),
            "v": 0i64, "w": 0i64, "p": ids.clone(), "t": 101i64, "events": ids,
        })
        .await
        .unwrap();
    assert_eq!(l.aggregate_once(500).await.unwrap(), 0);
    assert_eq!(batches.count_documents(doc! {}).await.unwrap(), 0);
    // More reports through the writer go on from there.
    for i in 0..5 {
        report(
            &app.repos,
            &me,
            play(row, 31_000 + i, EndReason::Finished, 1),
            "Linux",
            "SE",
        )
        .await
        .unwrap();
    }
    drain(&app).await;
    let raw_total: i64 = recount(&app).await.values().map(|v| v.1).sum();
    assert_eq!(raw_total, 9);
    assert_counters_match_recount(&app).await;
}

/// A lane silent for an hour (its process gone) is closed by the full pass, but only once
/// everything in it is counted.
#[tokio::test]
async fn a_silent_lane_is_closed_once_its_plays_are_counted() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let me = listener(&app.user("quietlane").await);
    let row = &songs(&app, 1).await[0];
    let song = app.repos.catalog.song(row.id).await.unwrap().unwrap().0;
    let l = &app.repos.listening;
    let db = &app.repos.mongo;
    // A live report makes the month's collection (and the writer's own lane).
    report(
        &app.repos,
        &me,
        play(row, 40_000, EndReason::Finished, 1),
        "Linux",
        "SE",
    )
    .await
    .unwrap();
    drain(&app).await;
    let at = Utc::now() - Duration::minutes(1);
    let month = at.format("%Y%m").to_string();
    let lane = Uuid::new_v4().to_string();
    let lanes = db.collection::<Document>("play_lanes");
    let long_ago =
        mongodb::bson::DateTime::from_millis((Utc::now() - Duration::hours(2)).timestamp_millis());
    lanes
        .insert_one(doc! {"_id": &lane, "months": [&month], "seen_at": long_ago})
        .await
        .unwrap();
    // More than one page of the aggregator's lane reads (50).
    let docs: Vec<Document> = (1..=60)
        .map(|seq| {
            let e = stored_play(me.id, row.id, at, 33_000);
            let mut d = encore::repo::listening::counted_docs(&[(e, &song)])
                .unwrap()
                .remove(0);
            d.remove("counted");
            d.insert("lane", lane.clone());
            d.insert("seq", seq as i64);
            d
        })
        .collect();
    db.collection::<Document>(&format!("play_events_{month}"))
        .insert_many(docs)
        .await
        .unwrap();
    let closed = || async {
        lanes
            .find_one(doc! {"_id": &lane})
            .await
            .unwrap()
            .unwrap()
            .get_bool("closed")
            .unwrap_or(false)
    };
    // The frequent pass does not look at it; the full pass counts it a batch at a time
    // and closes it in the first pass that finds nothing more.
    assert_eq!(l.aggregate_months(2, true, false).await.unwrap(), 0);
    let mut counted = vec![];
    loop {
        let n = l.aggregate_months(2, false, false).await.unwrap();
        if n == 0 {
            break;
        }
        assert!(!closed().await, "closed with plays left");
        counted.push(n);
    }
    assert!(counted.len() >= 2, "one batch at a time: {counted:?}");
    assert_eq!(counted.iter().sum::<usize>(), 60);
    assert!(closed().await);
    assert_counters_match_recount(&app).await;
}

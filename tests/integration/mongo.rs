use std::sync::Arc;

use crate::TestApp;

/// Concurrent updates of one MongoDB document through the repository layer: none lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_counter_updates_of_one_document_are_never_lost() {
    let app = Arc::new(TestApp::init().await);
    let user = app.user("mona").await;
    const TASKS: usize = 8;
    const EACH: usize = 50;
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                for _ in 0..EACH {
                    app.repos.activity.record_sign_in(user.id).await.unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(
        app.repos.activity.sign_ins(user.id).await.unwrap(),
        (TASKS * EACH) as i64
    );
}

#[tokio::test]
async fn the_mongo_schema_is_idempotent_and_health_reports_ok() {
    let app = TestApp::init().await;
    encore::db::ensure_mongo_schema(&app.repos.mongo)
        .await
        .unwrap();
    encore::db::ensure_mongo_schema(&app.repos.mongo)
        .await
        .unwrap();
    let names = app.repos.mongo.list_collection_names().await.unwrap();
    for c in [
        "songs",
        "albums",
        "artists",
        "playlist_tracks",
        "user_activity",
    ] {
        assert!(names.iter().any(|n| n == c), "{c} missing from {names:?}");
    }
    assert!(encore::db::mongo_health(&app.repos.mongo).await.ok);
    assert!(encore::db::pg_health(&app.repos.pg).await.ok);
}

#[tokio::test]
async fn health_reports_a_database_that_does_not_answer() {
    let pg = encore::db::pg_pool("postgres://postgres@127.0.0.1:1/none", 1).unwrap();
    let h = encore::db::pg_health(&pg).await;
    assert!(!h.ok);
    let mongo = encore::db::mongo_database(
        "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500",
        "none",
    )
    .await
    .unwrap();
    assert!(!encore::db::mongo_health(&mongo).await.ok);
}

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
    assert!(matches!(follow_user(r, &a, a.id, true).await, Err(Error::Conflict(_))));
    assert_eq!(r.accounts.profile_by_username("ben").await.unwrap().unwrap().followers, 1);
    follow_user(r, &b, a.id, true).await.unwrap();
    assert!(relation(r, &a, b.id).await.unwrap().friends());

    // Ben blocks Ann: both follows end, and Ann cannot follow again.
    block(r, &b, a.id, true).await.unwrap();
    let rel = relation(r, &a, b.id).await.unwrap();
    assert!(!rel.following && !rel.followed_by);
    assert!(relation(r, &b, a.id).await.unwrap().blocking);
    assert!(matches!(follow_user(r, &a, b.id, true).await, Err(Error::Conflict(_))));
    assert!(matches!(follow_user(r, &b, a.id, true).await, Err(Error::Conflict(_))));
    assert_eq!(r.accounts.profile_by_username("ben").await.unwrap().unwrap().followers, 0);
    block(r, &b, a.id, false).await.unwrap();
    follow_user(r, &a, b.id, true).await.unwrap();
    assert!(matches!(block(r, &a, a.id, true).await, Err(Error::Conflict(_))));
}

#[tokio::test]
async fn artist_follows_count_and_need_a_real_artist() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let me = app.user("fan").await.session_user();
    let artist = app.repos.catalog.home().await.unwrap().popular[0].artists[0].id;
    follow_artist(&app.repos, &me, artist, true).await.unwrap();
    follow_artist(&app.repos, &me, artist, true).await.unwrap();
    assert_eq!(app.repos.accounts.artist_follower_count(artist).await.unwrap(), 1);
    assert!(matches!(follow_artist(&app.repos, &me, uuid::Uuid::new_v4(), true).await, Err(Error::NotFound)));
    follow_artist(&app.repos, &me, artist, false).await.unwrap();
    assert_eq!(app.repos.accounts.artist_follower_count(artist).await.unwrap(), 0);
}

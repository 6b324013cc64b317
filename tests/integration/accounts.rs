use encore::{
    model::{Preferences, Role, Theme},
    service::{admin, require_admin, require_artist, require_moderator},
    Error,
};

use crate::TestApp;

#[tokio::test]
async fn only_moderators_and_admins_see_the_admin_overview() {
    let app = TestApp::init().await;
    let listener = app.user("listener1").await.session_user();
    let artist = app.user("artist1").await;
    app.repos.accounts.set_role(artist.id, Role::Artist).await.unwrap();
    let moderator = app.user("mod1").await;
    app.repos.accounts.set_role(moderator.id, Role::Moderator).await.unwrap();

    for who in [listener.clone(), encore::model::SessionUser { role: Role::Artist, ..artist.session_user() }] {
        assert!(matches!(admin::overview(&app.repos, &who).await, Err(Error::Forbidden)));
    }
    let m = encore::model::SessionUser { role: Role::Moderator, ..moderator.session_user() };
    let o = admin::overview(&app.repos, &m).await.unwrap();
    assert_eq!(o.recent_users.len(), 3);
    assert!(o.users_by_role.contains(&(Role::Listener, 1)));

    assert!(require_moderator(&listener).is_err());
    assert!(require_admin(&m).is_err());
    assert!(require_artist(&listener).is_err());
}

#[tokio::test]
async fn preferences_round_trip_and_profile_updates() {
    let app = TestApp::init().await;
    let u = app.user("ivy").await;
    let p = app.repos.accounts.preferences(u.id).await.unwrap();
    assert!(!p.explicit_filter && p.share_activity);
    let new = Preferences { explicit_filter: true, private_session: true, share_activity: false, show_listening: false, theme: Theme::Dark };
    app.repos.accounts.update_preferences(u.id, &new).await.unwrap();
    assert_eq!(app.repos.accounts.preferences(u.id).await.unwrap(), new);
    app.repos.accounts.update_profile(u.id, "Ivy V", "hello").await.unwrap();
    let prof = app.repos.accounts.profile_by_username("ivy").await.unwrap().unwrap();
    assert_eq!((prof.display_name.as_str(), prof.bio.as_str()), ("Ivy V", "hello"));
    assert!(app.repos.accounts.profile_by_username("nobody").await.unwrap().is_none());
}

#[tokio::test]
async fn the_schema_refuses_self_follows_and_bad_values() {
    let app = TestApp::init().await;
    let u = app.user("jack").await;
    let self_follow = sqlx::query("insert into user_follows (follower_id, followee_id) values ($1, $1)")
        .bind(u.id)
        .execute(&app.repos.pg)
        .await;
    assert!(self_follow.is_err(), "self-follow must violate the CHECK");
    let bad_role = sqlx::query("update users set role = 'superuser' where id = $1").bind(u.id).execute(&app.repos.pg).await;
    assert!(bad_role.is_err());
    let self_block = sqlx::query("insert into blocks (blocker_id, blocked_id) values ($1, $1)").bind(u.id).execute(&app.repos.pg).await;
    assert!(self_block.is_err());
    // updated_at trigger
    let before: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("select updated_at from users where id = $1").bind(u.id).fetch_one(&app.repos.pg).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    app.repos.accounts.update_profile(u.id, "Jack", "").await.unwrap();
    let after: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("select updated_at from users where id = $1").bind(u.id).fetch_one(&app.repos.pg).await.unwrap();
    assert!(after > before);
}

#[tokio::test]
async fn user_search_is_a_prefix_match_that_escapes_wildcards() {
    let app = TestApp::init().await;
    for n in ["kate", "kathy", "karl_x", "liam"] {
        app.user(n).await;
    }
    let names = |v: Vec<encore::model::UserSummary>| v.into_iter().map(|u| u.username).collect::<Vec<_>>();
    assert_eq!(names(app.repos.accounts.search_users("kat", 10).await.unwrap()), ["kate", "kathy"]);
    assert!(app.repos.accounts.search_users("%", 10).await.unwrap().is_empty());
    assert_eq!(names(app.repos.accounts.search_users("karl_", 10).await.unwrap()), ["karl_x"]);
}

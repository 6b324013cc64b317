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
    app.repos
        .accounts
        .set_role(artist.id, Role::Artist)
        .await
        .unwrap();
    let moderator = app.user("mod1").await;
    app.repos
        .accounts
        .set_role(moderator.id, Role::Moderator)
        .await
        .unwrap();

    for who in [
        listener.clone(),
        encore::model::SessionUser {
            role: Role::Artist,
            ..artist.session_user()
        },
    ] {
        assert!(matches!(
            admin::overview(&app.repos, &who).await,
            Err(Error::Forbidden)
        ));
    }
    let m = encore::model::SessionUser {
        role: Role::Moderator,
        ..moderator.session_user()
    };
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
    let new = Preferences {
        explicit_filter: true,
        private_session: true,
        share_activity: false,
        show_listening: false,
        theme: Theme::Dark,
    };
    app.repos
        .accounts
        .update_preferences(u.id, &new)
        .await
        .unwrap();
    assert_eq!(app.repos.accounts.preferences(u.id).await.unwrap(), new);
    app.repos
        .accounts
        .update_profile(u.id, "Ivy V", "hello")
        .await
        .unwrap();
    let prof = app
        .repos
        .accounts
        .profile_by_username("ivy")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (prof.display_name.as_str(), prof.bio.as_str()),
        ("Ivy V", "hello")
    );
    assert!(app
        .repos
        .accounts
        .profile_by_username("nobody")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn the_schema_refuses_self_follows_and_bad_values() {
    let app = TestApp::init().await;
    let u = app.user("jack").await;
    let self_follow =
        sqlx::query("insert into user_follows (follower_id, followee_id) values ($1, $1)")
            .bind(u.id)
            .execute(&app.repos.pg)
            .await;
    assert!(self_follow.is_err(), "self-follow must violate the CHECK");
    let bad_role = sqlx::query("update users set role = 'superuser' where id = $1")
        .bind(u.id)
        .execute(&app.repos.pg)
        .await;
    assert!(bad_role.is_err());
    let self_block = sqlx::query("insert into blocks (blocker_id, blocked_id) values ($1, $1)")
        .bind(u.id)
        .execute(&app.repos.pg)
        .await;
    assert!(self_block.is_err());
    // updated_at trigger
    let before: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("select updated_at from users where id = $1")
            .bind(u.id)
            .fetch_one(&app.repos.pg)
            .await
            .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    app.repos
        .accounts
        .update_profile(u.id, "Jack", "")
        .await
        .unwrap();
    let after: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("select updated_at from users where id = $1")
            .bind(u.id)
            .fetch_one(&app.repos.pg)
            .await
            .unwrap();
    assert!(after > before);
}

#[tokio::test]
async fn user_search_is_a_prefix_match_that_escapes_wildcards() {
    let app = TestApp::init().await;
    for n in ["kate", "kathy", "karl_x", "liam"] {
        app.user(n).await;
    }
    let names =
        |v: Vec<encore::model::UserSummary>| v.into_iter().map(|u| u.username).collect::<Vec<_>>();
    assert_eq!(
        names(app.repos.accounts.search_users("kat", 10).await.unwrap()),
        ["kate", "kathy"]
    );
    assert!(app
        .repos
        .accounts
        .search_users("%", 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        names(app.repos.accounts.search_users("karl_", 10).await.unwrap()),
        ["karl_x"]
    );
}

#[tokio::test]
async fn user_management_is_for_admins_and_suspension_ends_sessions() {
    use encore::service::admin::{reactivate, search_users, set_role, suspend};
    let app = TestApp::init().await;
    let r = &app.repos;
    let admin = app
        .auth()
        .create_admin(crate::account("boss"))
        .await
        .unwrap()
        .session_user();
    let m = app.user("mody").await;
    r.accounts.set_role(m.id, Role::Moderator).await.unwrap();
    let moderator = encore::model::SessionUser {
        role: Role::Moderator,
        ..m.session_user()
    };
    let victim = app.user("victim").await;
    let listener = app.user("plain").await.session_user();

    for who in [&listener, &moderator] {
        assert!(matches!(
            search_users(r, who, "vic").await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            set_role(r, who, victim.id, Role::Admin).await,
            Err(Error::Forbidden)
        ));
    }
    assert!(matches!(
        suspend(r, &listener, victim.id, 3, "").await,
        Err(Error::Forbidden)
    ));
    assert!(
        matches!(
            suspend(r, &moderator, admin.id, 3, "").await,
            Err(Error::Forbidden)
        ),
        "moderators cannot suspend admins"
    );
    assert!(matches!(
        set_role(r, &admin, admin.id, Role::Listener).await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(
        search_users(r, &admin, "VIC").await.unwrap()[0].id,
        victim.id
    );

    set_role(r, &admin, victim.id, Role::Artist).await.unwrap();
    assert_eq!(
        r.accounts
            .find_by_id(victim.id)
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Artist
    );

    // A signed-in session of the victim…
    r.accounts
        .record_session("victim-session", victim.id, "127.0.0.1", "test")
        .await
        .unwrap();
    sqlx::query("insert into tower_sessions.session (id, data, expiry_date) values ('victim-session', '\\x00', now() + interval '1 day')")
        .execute(&r.pg)
        .await
        .unwrap();
    let epoch_before = r
        .accounts
        .session_state(victim.id)
        .await
        .unwrap()
        .unwrap()
        .session_epoch;
    suspend(r, &moderator, victim.id, 3, "spam").await.unwrap();
    // … is gone, and any other session is dead by epoch.
    let left: i64 = sqlx::query_scalar(
        "select count(*) from tower_sessions.session where id = 'victim-session'",
    )
    .fetch_one(&r.pg)
    .await
    .unwrap();
    assert_eq!(left, 0);
    let state = r.accounts.session_state(victim.id).await.unwrap().unwrap();
    assert!(state.session_epoch > epoch_before);
    assert!(
        matches!(app.auth().sign_in("victim", crate::PASSWORD, "10.1.1.1").await, Err(Error::Conflict(m)) if m.contains("suspended until"))
    );

    reactivate(r, &moderator, victim.id).await.unwrap();
    assert!(app
        .auth()
        .sign_in("victim", crate::PASSWORD, "10.1.1.1")
        .await
        .is_ok());
    let audited: Vec<String> =
        sqlx::query_scalar("select action from audit_log where target_id = $1 order by id")
            .bind(victim.id.to_string())
            .fetch_all(&r.pg)
            .await
            .unwrap();
    assert_eq!(
        audited,
        ["user.set_role", "user.suspend", "user.reactivate"]
    );
}

#[tokio::test]
async fn an_expired_suspension_ends_at_the_next_sign_in() {
    let app = TestApp::init().await;
    let u = app.user("later").await;
    app.repos
        .accounts
        .set_status(
            u.id,
            true,
            Some(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .await
        .unwrap();
    assert!(app
        .auth()
        .sign_in("later", crate::PASSWORD, "10.1.1.2")
        .await
        .is_ok());
    assert_eq!(
        app.repos
            .accounts
            .find_by_id(u.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        encore::model::UserStatus::Active
    );
}

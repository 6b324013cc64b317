use encore::{
    model::{Role, UserStatus},
    service::auth::Throttle,
    Error,
};

use crate::{account, TestApp, PASSWORD};

#[tokio::test]
async fn a_new_account_can_sign_in_and_gets_a_session_epoch() {
    let app = TestApp::init().await;
    let user = app.user("alice").await;
    assert_eq!(user.role, Role::Listener);
    let signed = app
        .auth()
        .sign_in("Alice", PASSWORD, "10.0.0.1")
        .await
        .unwrap();
    assert_eq!(signed.user.id, user.id);
    assert_eq!(signed.session_epoch, 0);
    assert!(app
        .repos
        .accounts
        .find_by_id(user.id)
        .await
        .unwrap()
        .unwrap()
        .last_sign_in_at
        .is_some());
    assert_eq!(app.repos.activity.sign_ins(user.id).await.unwrap(), 1);
}

#[tokio::test]
async fn duplicate_usernames_and_emails_get_field_errors_and_write_nothing() {
    let app = TestApp::init().await;
    app.user("bob").await;
    let mut dup_name = account("bob");
    dup_name.email = "other@example.com".into();
    match app.auth().sign_up(dup_name).await {
        Err(Error::Invalid(f)) => assert_eq!(
            f.get("username"),
            Some("That username is taken. Try another one.")
        ),
        other => panic!("expected a username error, got {other:?}"),
    }
    let mut dup_mail = account("bobby");
    dup_mail.email = "BOB@example.com".into();
    match app.auth().sign_up(dup_mail).await {
        Err(Error::Invalid(f)) => assert!(f.get("email").is_some()),
        other => panic!("expected an email error, got {other:?}"),
    }
    assert_eq!(app.repos.accounts.count_users().await.unwrap(), 1);
    let prefs: i64 = sqlx::query_scalar("select count(*) from user_preferences")
        .fetch_one(&app.repos.pg)
        .await
        .unwrap();
    assert_eq!(
        prefs, 1,
        "a failed sign-up must not leave preferences behind"
    );
}

#[tokio::test]
async fn wrong_passwords_and_unknown_users_get_the_same_answer() {
    let app = TestApp::init().await;
    app.user("carol").await;
    for (user, pw) in [("carol", "wrong password"), ("nobody", PASSWORD)] {
        match app.auth().sign_in(user, pw, "10.0.0.2").await {
            Err(Error::Invalid(f)) => {
                assert_eq!(f.get("password"), Some("Wrong username or password."))
            }
            other => panic!("expected a sign-in error, got {:?}", other.map(|s| s.user)),
        }
    }
}

#[tokio::test]
async fn sign_in_is_throttled_per_account_and_per_ip() {
    let app = TestApp::init().await;
    app.user("dave").await;
    let auth = app.auth_with(Throttle {
        window_secs: 900,
        max_per_account: 3,
        max_per_ip: 5,
    });
    for _ in 0..3 {
        assert!(matches!(
            auth.sign_in("dave", "nope nope", "10.0.0.3").await,
            Err(Error::Invalid(_))
        ));
    }
    // Even the right password is refused while the account is locked.
    assert!(matches!(
        auth.sign_in("dave", PASSWORD, "10.0.0.9").await,
        Err(Error::RateLimited(_))
    ));

    // Per IP: failures spread over accounts from one address.
    for i in 0..5 {
        let _ = auth
            .sign_in(&format!("ghost{i}"), "nope nope", "10.0.0.4")
            .await;
    }
    app.user("erin").await;
    assert!(matches!(
        auth.sign_in("erin", PASSWORD, "10.0.0.4").await,
        Err(Error::RateLimited(_))
    ));
    assert!(auth.sign_in("erin", PASSWORD, "10.0.0.5").await.is_ok());
}

#[tokio::test]
async fn a_suspended_account_cannot_sign_in() {
    let app = TestApp::init().await;
    let u = app.user("frank").await;
    sqlx::query("update users set status = 'suspended', suspended_until = now() + interval '1 day' where id = $1")
        .bind(u.id)
        .execute(&app.repos.pg)
        .await
        .unwrap();
    match app.auth().sign_in("frank", PASSWORD, "10.0.0.6").await {
        Err(Error::Conflict(m)) => assert!(m.contains("suspended"), "{m}"),
        other => panic!(
            "expected suspension, got {:?}",
            other.map(|s| s.user.status == UserStatus::Active)
        ),
    }
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_other_sessions() {
    let app = TestApp::init().await;
    let u = app.user("gina").await;
    let auth = app.auth();
    match auth
        .change_password(u.id, "wrong wrong", "new password 123", "new password 123")
        .await
    {
        Err(Error::Invalid(f)) => assert!(f.get("current_password").is_some()),
        other => panic!("{other:?}"),
    }
    match auth.change_password(u.id, PASSWORD, "short", "short").await {
        Err(Error::Invalid(f)) => assert!(f.get("new_password").is_some()),
        other => panic!("{other:?}"),
    }
    let epoch = auth
        .change_password(u.id, PASSWORD, "new password 123", "new password 123")
        .await
        .unwrap();
    assert_eq!(epoch, 1);
    assert_eq!(
        app.repos
            .accounts
            .session_state(u.id)
            .await
            .unwrap()
            .unwrap()
            .session_epoch,
        1
    );
    assert!(auth.sign_in("gina", PASSWORD, "10.0.0.7").await.is_err());
    assert!(auth
        .sign_in("gina", "new password 123", "10.0.0.7")
        .await
        .is_ok());
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'user.change_password' and actor_id = $1",
    )
    .bind(u.id)
    .fetch_one(&app.repos.pg)
    .await
    .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn create_admin_creates_or_promotes_and_is_audited() {
    let app = TestApp::init().await;
    let admin = app.auth().create_admin(account("root")).await.unwrap();
    assert_eq!(admin.role, Role::Admin);
    app.user("henry").await;
    let promoted = app.auth().create_admin(account("henry")).await.unwrap();
    assert_eq!(promoted.role, Role::Admin);
    assert_eq!(
        app.repos
            .accounts
            .find_by_id(promoted.id)
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Admin
    );
    let n: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action like 'user.%admin'")
            .fetch_one(&app.repos.pg)
            .await
            .unwrap();
    assert_eq!(n, 2);
}

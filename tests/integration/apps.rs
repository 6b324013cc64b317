//! App passwords and how the Subsonic API authenticates with them.

use encore::{
    model::Role,
    service::apps::{authenticate, create, list, revoke, ApiAuthError, ApiCredentials},
    Error,
};

use crate::TestApp;

fn md5_hex(s: &str) -> String {
    use md5::{Digest, Md5};
    Md5::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn app_passwords_authenticate_and_revoke() {
    let app = TestApp::init().await;
    let r = &app.repos;
    let me = app.user("phoneuser").await.session_user();
    let other = app.user("otheruser").await.session_user();
    // Bad names change nothing.
    assert!(matches!(create(r, &me, "  ").await, Err(Error::Invalid(_))));
    assert!(list(r, &me).await.unwrap().is_empty());
    let id = create(r, &me, "Phone").await.unwrap();
    let keys = list(r, &me).await.unwrap();
    assert_eq!(keys.len(), 1);
    let secret = keys[0].secret.clone();
    assert_eq!(secret.len(), 24);
    let who = |c: ApiCredentials| async move { authenticate(r, &c).await.unwrap().map(|u| u.id) };
    let named = |p: Option<String>, t: Option<String>, s: Option<&str>| ApiCredentials {
        username: Some("PhoneUser".into()),
        password: p,
        token: t,
        salt: s.map(str::to_string),
        api_key: None,
    };
    // Token, plain, hex-encoded and API key all work; the account password never does.
    assert_eq!(
        who(named(
            None,
            Some(md5_hex(&format!("{secret}abc123"))),
            Some("abc123")
        ))
        .await,
        Ok(me.id)
    );
    assert_eq!(
        who(named(Some(secret.clone()), None, None)).await,
        Ok(me.id)
    );
    let hex: String = secret.bytes().map(|b| format!("{b:02X}")).collect();
    assert_eq!(
        who(named(Some(format!("enc:{hex}")), None, None)).await,
        Ok(me.id)
    );
    let key = ApiCredentials {
        api_key: Some(secret.clone()),
        ..Default::default()
    };
    assert_eq!(who(key.clone()).await, Ok(me.id));
    assert_eq!(
        who(named(Some("correct horse battery".into()), None, None)).await,
        Err(ApiAuthError::Wrong)
    );
    assert_eq!(
        who(named(None, Some(md5_hex(&format!("{secret}x"))), Some("y"))).await,
        Err(ApiAuthError::Wrong)
    );
    assert_eq!(
        who(named(None, None, None)).await,
        Err(ApiAuthError::Missing)
    );
    assert_eq!(
        who(ApiCredentials {
            username: Some("phoneuser".into()),
            ..key.clone()
        })
        .await,
        Err(ApiAuthError::Conflicting)
    );
    // Another user's secret does not open this account.
    let theirs = create(r, &other, "Laptop").await.unwrap();
    let their_secret = list(r, &other).await.unwrap()[0].secret.clone();
    assert_eq!(
        who(named(Some(their_secret), None, None)).await,
        Err(ApiAuthError::Wrong)
    );
    // Nobody revokes another user's password.
    assert!(matches!(revoke(r, &me, theirs).await, Err(Error::NotFound)));
    assert_eq!(list(r, &other).await.unwrap().len(), 1);
    // Suspended accounts are refused.
    let admin = app.user_with_role("appadmin", Role::Admin).await;
    encore::service::admin::suspend(r, &admin, me.id, 1, "test")
        .await
        .unwrap();
    assert_eq!(who(key.clone()).await, Err(ApiAuthError::NotAllowed));
    encore::service::admin::reactivate(r, &admin, me.id)
        .await
        .unwrap();
    assert_eq!(who(key.clone()).await, Ok(me.id));
    assert!(list(r, &me).await.unwrap()[0].last_used_at.is_some());
    // Revoked: the key is unknown.
    revoke(r, &me, id).await.unwrap();
    assert_eq!(who(key).await, Err(ApiAuthError::BadKey));
}

/// The API rate limit counts in PostgreSQL: concurrent requests (as from several app
/// instances) each get their own count, and a new window starts from one.
#[tokio::test]
async fn rate_limit_counts_exactly_across_requests() {
    let app = TestApp::init().await;
    let r = app.repos.clone();
    let hits = futures::future::join_all((0..20).map(|_| {
        let r = r.clone();
        async move { r.accounts.rate_hit("lb:test", 60).await.unwrap() }
    }))
    .await;
    let mut counts: Vec<i64> = hits.iter().map(|(n, _)| *n).collect();
    counts.sort();
    assert_eq!(counts, (1..=20).collect::<Vec<_>>());
    assert!(hits.iter().all(|(_, reset)| (0..=60).contains(reset)));
    // Another key has its own window; an expired window starts again.
    assert_eq!(r.accounts.rate_hit("lb:other", 60).await.unwrap().0, 1);
    sqlx::query(
        "update api_rate set window_start = now() - interval '61 seconds' where key = 'lb:test'",
    )
    .execute(&r.pg)
    .await
    .unwrap();
    assert_eq!(r.accounts.rate_hit("lb:test", 60).await.unwrap().0, 1);
}

#[tokio::test]
async fn submitted_listens_are_queued_then_stored_once() {
    use encore::service::{listenbrainz as lb, listening::history};
    let app = TestApp::init().await;
    let r = &app.repos;
    let me = app.user("scrobbler").await.session_user();
    let other = app.user("bystander").await.session_user();
    let (_audio, _) = crate::catalog::small_catalog(&app).await;
    let songs = crate::songs(&app, 2).await;
    let t0 = chrono::Utc::now().timestamp() - 7 * 86_400;
    let listen = |i: i64, artist: &str, track: &str| {
        serde_json::json!({"listened_at": t0 + i * 240,
            "track_metadata": {"artist_name": artist, "track_name": track}})
    };
    let known = &songs[0];
    let mut payload: Vec<serde_json::Value> = (0..999)
        .map(|i| listen(i, "Queue Band", &format!("Queued Track {}", i % 7)))
        .collect();
    payload.push(listen(999, &known.artists[0].name, &known.title));
    let body =
        serde_json::to_vec(&serde_json::json!({"listen_type": "import", "payload": payload}))
            .unwrap();
    // Acknowledged once queued: nothing is in MongoDB yet.
    assert_eq!(lb::submit(r, &me, &body).await.unwrap(), Ok(1000));
    assert_eq!(
        lb::submit(r, &me, &body).await.unwrap(),
        Ok(1000),
        "a resend"
    );
    assert!(history(r, &me, None, None, 10).await.unwrap().is_empty());
    // A refused body queues nothing.
    let bad = br#"{"listen_type": "import", "payload": [{"track_metadata": {"artist_name": "x", "track_name": "y"}}]}"#;
    assert_eq!(
        lb::submit(r, &me, bad).await.unwrap().unwrap_err().code,
        400
    );
    let queued: i64 = sqlx::query_scalar("select count(*) from listen_queue")
        .fetch_one(&r.pg)
        .await
        .unwrap();
    assert_eq!(queued, 2);
    // Another user's drain does not touch these; the worker's does, and the resend
    // adds nothing.
    assert_eq!(lb::drain(r, Some(other.id), 20).await.unwrap(), 0);
    assert_eq!(lb::drain(r, None, 10).await.unwrap(), 2);
    assert_eq!(lb::drain(r, None, 10).await.unwrap(), 0);
    let plays = history(r, &me, None, None, 1000).await.unwrap();
    assert_eq!(plays.len(), 1000);
    assert_eq!(plays[0].song.id, known.id, "matched to the catalog song");
    assert!(history(r, &other, None, None, 10).await.unwrap().is_empty());

    // Reading back right after a submission sees it (the read stores the user's queue).
    let one = serde_json::to_vec(&serde_json::json!({"listen_type": "single",
        "payload": [listen(2000, "Late Band", "Late Track")]}))
    .unwrap();
    assert_eq!(lb::submit(r, &me, &one).await.unwrap(), Ok(1));
    let back = lb::listens(r, &me, None, None, 5).await.unwrap();
    assert_eq!(
        back["payload"]["listens"][0]["track_metadata"]["track_name"],
        "Late Track"
    );
}

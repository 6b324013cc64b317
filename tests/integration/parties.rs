use encore::{
    model::Role,
    party::PartyEvent,
    repo::parties::CHANNEL,
    service::parties::{self, Control, PartySource},
    Error,
};
use uuid::Uuid;

use crate::{catalog::small_catalog, songs, TestApp};

/// An album of the generated catalog with at least three playable songs.
async fn album(app: &TestApp) -> Uuid {
    let home = app.repos.catalog.home().await.unwrap();
    for a in &home.new_releases {
        let t = app.repos.catalog.album_tracks(a.id).await.unwrap();
        if t.iter().filter(|s| s.playable).count() >= 3 {
            return a.id;
        }
    }
    panic!("no album with three songs in the test catalog");
}

/// Who may control, chat and moderate is decided on the server; refused actions change
/// nothing.
#[tokio::test]
async fn party_rules_are_checked_on_the_server() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let r = &app.repos;
    let host = app.user("host").await.session_user();
    let ann = app.user("ann").await.session_user();
    let bob = app.user("bob").await.session_user();
    let stranger = app.user("stranger").await.session_user();
    let moderator = app.user_with_role("mod", Role::Moderator).await;
    let album = album(&app).await;

    assert!(matches!(
        parties::start(r, &host, PartySource::Album(Uuid::new_v4())).await,
        Err(Error::NotFound)
    ));
    // Another user's private playlist cannot be shared.
    let private = r
        .playlists
        .insert(ann.id, "mine", "", encore::playlists::Visibility::Private)
        .await
        .unwrap();
    assert!(matches!(
        parties::start(r, &host, PartySource::Playlist(private)).await,
        Err(Error::NotFound)
    ));
    // From a queue: its songs in its order (unknown ids dropped); an empty one is refused.
    let q = songs(&app, 3).await;
    let qp = parties::start(
        r,
        &ann,
        PartySource::Queue(vec![q[2].id, Uuid::new_v4(), q[0].id]),
    )
    .await
    .unwrap();
    let qv = parties::view(r, Some(&ann), qp).await.unwrap();
    assert_eq!(
        qv.songs.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![q[2].id, q[0].id]
    );
    assert!(matches!(
        parties::start(r, &ann, PartySource::Queue(vec![])).await,
        Err(Error::Invalid(_))
    ));
    let id = parties::start(r, &host, PartySource::Album(album))
        .await
        .unwrap();
    let v = parties::view(r, Some(&host), id).await.unwrap();
    assert!(v.songs.len() >= 3 && v.i_control && v.i_am_member && v.state.playing);
    let version = v.state.version;

    // Strangers and plain members cannot control; bad input changes nothing.
    for who in [&stranger, &ann] {
        assert!(matches!(
            parties::control(r, who, id, Control::Next).await,
            Err(Error::Forbidden)
        ));
    }
    assert!(matches!(
        parties::post(r, &stranger, id, "text", "hi").await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        parties::control(r, &host, id, Control::Seek(100_000)).await,
        Err(Error::Invalid(_))
    ));
    assert!(Control::parse("seek", "soon").is_err() && Control::parse("explode", "").is_err());
    assert_eq!(
        parties::view(r, None, id).await.unwrap().state.version,
        version
    );

    // The host hands the controls to Ann (a member); she skips, pauses and seeks.
    assert!(matches!(
        parties::control(r, &host, id, Control::HandOver(stranger.id)).await,
        Err(Error::Invalid(_))
    ));
    parties::join(r, &ann, id).await.unwrap();
    parties::join(r, &ann, id).await.unwrap(); // idempotent
    parties::control(r, &host, id, Control::HandOver(ann.id))
        .await
        .unwrap();
    let s = parties::control(r, &ann, id, Control::Next).await.unwrap();
    assert_eq!(
        (s.track_index, s.position_ms, s.controller_id),
        (1, 0, ann.id)
    );
    let s = parties::control(r, &ann, id, Control::Seek(5))
        .await
        .unwrap();
    assert!(s.position_ms == 5_000 && s.playing);
    let s = parties::control(r, &ann, id, Control::Pause).await.unwrap();
    assert!(!s.playing && (5_000..6_000).contains(&s.position_ms));
    assert!(matches!(
        parties::control(r, &ann, id, Control::End).await,
        Err(Error::Forbidden)
    ));
    assert!(s.version > version);

    // Chat: text only, length, mute, delete, blocks, rate limit.
    assert!(matches!(
        parties::post(r, &ann, id, "text", "  ").await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        parties::post(r, &ann, id, "text", &"x".repeat(501)).await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        parties::post(r, &ann, id, "reaction", "<b>").await,
        Err(Error::Invalid(_))
    ));
    let m1 = parties::post(r, &ann, id, "text", "<script>hi</script>")
        .await
        .unwrap();
    assert_eq!(
        m1.body, "<script>hi</script>",
        "stored as written, shown as text"
    );
    parties::post(r, &ann, id, "reaction", "🔥").await.unwrap();
    parties::join(r, &bob, id).await.unwrap();
    let m2 = parties::post(r, &bob, id, "text", "bob here")
        .await
        .unwrap();
    assert!(matches!(
        parties::delete_message(r, &ann, id, m2.id).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        parties::moderate_member(r, &ann, id, bob.id, "mute").await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        parties::moderate_member(r, &moderator, id, host.id, "mute").await,
        Err(Error::Conflict(_))
    ));
    parties::moderate_member(r, &moderator, id, bob.id, "mute")
        .await
        .unwrap();
    assert!(matches!(
        parties::post(r, &bob, id, "text", "still here?").await,
        Err(Error::Conflict(m)) if m.contains("muted")
    ));
    // Leaving and coming back does not lift a mute.
    parties::leave(r, &bob, id).await.unwrap();
    parties::join(r, &bob, id).await.unwrap();
    assert!(parties::view(r, Some(&bob), id).await.unwrap().i_am_muted);
    // Blocked either way: neither sees the other's messages.
    r.accounts.set_block(ann.id, bob.id, true).await.unwrap();
    let seen = |v: encore::party::PartyView| v.messages.iter().map(|m| m.id).collect::<Vec<_>>();
    assert!(!seen(parties::view(r, Some(&ann), id).await.unwrap()).contains(&m2.id));
    assert!(!seen(parties::view(r, Some(&bob), id).await.unwrap()).contains(&m1.id));
    assert!(seen(parties::view(r, Some(&host), id).await.unwrap()).contains(&m2.id));
    parties::delete_message(r, &host, id, m2.id).await.unwrap();
    assert!(!seen(parties::view(r, Some(&host), id).await.unwrap()).contains(&m2.id));
    // Five messages in ten seconds per person.
    for i in 0..3 {
        parties::post(r, &ann, id, "text", &format!("m{i}"))
            .await
            .unwrap();
    }
    assert!(matches!(
        parties::post(r, &ann, id, "text", "one too many").await,
        Err(Error::RateLimited(_))
    ));
    // Slow mode holds listeners (not the host) back.
    assert!(matches!(
        parties::set_slow_mode(r, &ann, id, 30).await,
        Err(Error::Forbidden)
    ));
    parties::set_slow_mode(r, &host, id, 30).await.unwrap();
    let carl = app.user("carl").await.session_user();
    parties::join(r, &carl, id).await.unwrap();
    parties::post(r, &carl, id, "text", "first").await.unwrap();
    assert!(matches!(
        parties::post(r, &carl, id, "text", "second").await,
        Err(Error::RateLimited(m)) if m.contains("Slow mode")
    ));
    parties::post(r, &host, id, "text", "host one")
        .await
        .unwrap();
    parties::post(r, &host, id, "text", "host two")
        .await
        .unwrap();

    // Removing the co-host gives the controls back to the host; the removed member cannot
    // see, rejoin or act.
    parties::moderate_member(r, &host, id, ann.id, "remove")
        .await
        .unwrap();
    let v = parties::view(r, Some(&host), id).await.unwrap();
    assert_eq!(v.state.controller_id, host.id);
    assert!(!v.members.iter().any(|m| m.user_id == ann.id));
    assert!(matches!(
        parties::view(r, Some(&ann), id).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        parties::join(r, &ann, id).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        parties::control(r, &ann, id, Control::Play).await,
        Err(Error::Forbidden)
    ));

    // The host ends it: no more joining or chat; it leaves the live list.
    assert_eq!(r.parties.live(Some(host.id), 10).await.unwrap().len(), 1);
    parties::control(r, &host, id, Control::End).await.unwrap();
    assert!(matches!(
        parties::join(r, &stranger, id).await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        parties::post(r, &carl, id, "text", "hello?").await,
        Err(Error::Conflict(_))
    ));
    assert!(r.parties.live(Some(host.id), 10).await.unwrap().is_empty());
}

/// Every change is announced on the `encore_party` channel once committed (what each app
/// instance listens to), and concurrent commands from two controllers lose none.
#[tokio::test]
async fn party_changes_are_announced_to_every_instance_and_none_is_lost() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let r = &app.repos;
    let host = app.user("host").await.session_user();
    let ann = app.user("ann").await.session_user();
    let id = parties::start(r, &host, PartySource::Album(album(&app).await))
        .await
        .unwrap();
    parties::join(r, &ann, id).await.unwrap();
    let mut listener = sqlx::postgres::PgListener::connect_with(&r.pg)
        .await
        .unwrap();
    listener.listen(CHANNEL).await.unwrap();

    let s = parties::control(r, &host, id, Control::Next).await.unwrap();
    let m = parties::post(r, &ann, id, "text", "hello").await.unwrap();
    let mut got = vec![];
    for _ in 0..2 {
        let n = tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv())
            .await
            .expect("a notification within 5 s")
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(n.payload()).unwrap();
        assert_eq!(v["party"], serde_json::json!(id));
        got.push(serde_json::from_value::<PartyEvent>(v["event"].clone()).unwrap());
    }
    assert!(matches!(&got[0], PartyEvent::State { state, .. } if *state == s));
    assert!(matches!(&got[1], PartyEvent::Chat { message } if *message == m));

    // A refused command announces nothing.
    assert!(parties::control(r, &ann, id, Control::Next).await.is_err());
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), listener.recv())
            .await
            .is_err()
    );

    // 20 concurrent seeks by two controllers: each one is a version of its own.
    parties::control(r, &host, id, Control::HandOver(ann.id))
        .await
        .unwrap();
    let before = parties::view(r, None, id).await.unwrap().state.version;
    let mut tasks = vec![];
    for i in 0..20u64 {
        let (r, who) = (
            r.clone(),
            if i % 2 == 0 {
                host.clone()
            } else {
                ann.clone()
            },
        );
        tasks.push(tokio::spawn(async move {
            parties::control(&r, &who, id, Control::Seek(i))
                .await
                .unwrap()
                .version
        }));
    }
    let mut versions = vec![];
    for t in tasks {
        versions.push(t.await.unwrap());
    }
    versions.sort();
    versions.dedup();
    assert_eq!(versions.len(), 20);
    assert_eq!(
        parties::view(r, None, id).await.unwrap().state.version,
        before + 20
    );
}

/// Live events: only the artist's linked accounts schedule and go live; going live once
/// starts one party and notifies followers and RSVPs (nobody else); afterwards the event
/// shows how many listened and the chat.
#[tokio::test]
async fn live_events_notify_followers_and_rsvps_once() {
    use encore::service::{
        artists::{claim, decide},
        events::{self, NewEventForm},
        social,
    };
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let r = &app.repos;
    let album_id = album(&app).await;
    let album = r.catalog.album(album_id).await.unwrap().unwrap();
    let artist = album.artist_ids[0];
    let singer = app.user_with_role("singer", Role::Artist).await;
    let moderator = app.user_with_role("mod", Role::Moderator).await;
    let c = claim(r, &singer, artist, "").await.unwrap();
    decide(r, &moderator, c, true, "").await.unwrap();
    let follower = app.user("follower").await.session_user();
    let rsvper = app.user("rsvper").await.session_user();
    let bystander = app.user("bystander").await.session_user();
    social::follow_artist(r, &follower, artist, true)
        .await
        .unwrap();

    let soon = (chrono::Utc::now() + chrono::Duration::hours(2))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    fn form<'a>(artist: Uuid, album: Uuid, title: &'a str, starts: &'a str) -> NewEventForm<'a> {
        NewEventForm {
            artist_id: artist,
            album_id: album,
            title,
            description: "Songs and stories",
            starts_at: starts,
        }
    }
    let other = Uuid::new_v4();
    // Others are refused; bad input says which field.
    assert!(matches!(
        events::schedule(r, &bystander, form(artist, album_id, "Mine", &soon)).await,
        Err(Error::Forbidden)
    ));
    for (f, field) in [
        (form(artist, album_id, "", &soon), "title"),
        (
            form(artist, album_id, "Past", "2020-01-01T10:00"),
            "starts_at",
        ),
        (form(artist, album_id, "When", "tomorrow"), "starts_at"),
        (form(artist, other, "Not theirs", &soon), "album_id"),
    ] {
        match events::schedule(r, &singer, f).await {
            Err(Error::Invalid(e)) => assert!(e.get(field).is_some(), "{field}"),
            other => panic!("{field}: {other:?}"),
        }
    }
    let id = events::schedule(r, &singer, form(artist, album_id, "Release night", &soon))
        .await
        .unwrap();
    assert_eq!(events::of_artist(r, artist).await.unwrap().len(), 1);

    events::rsvp(r, &rsvper, id, true).await.unwrap();
    events::rsvp(r, &rsvper, id, true).await.unwrap(); // idempotent
    events::rsvp(r, &follower, id, true).await.unwrap(); // follower and RSVP: one notice
    let v = events::view(r, Some(&rsvper), id).await.unwrap();
    assert_eq!(
        (v.event.rsvps, v.i_rsvped, v.i_manage),
        (2, Some(true), false)
    );
    assert!(events::view(r, Some(&singer), id).await.unwrap().i_manage);

    assert!(matches!(
        events::go_live(r, &bystander, id).await,
        Err(Error::Forbidden)
    ));
    let party = events::go_live(r, &singer, id).await.unwrap();
    assert_eq!(
        events::go_live(r, &singer, id).await.unwrap(),
        party,
        "live once"
    );
    for (who, n) in [(&follower, 1), (&rsvper, 1), (&bystander, 0), (&singer, 0)] {
        let list = events::notifications(r, who).await.unwrap();
        assert_eq!(list.len(), n, "{}", who.username);
        if n == 1 {
            assert_eq!(list[0].link, format!("/party/{party}"));
            assert!(list[0].message.contains("is live: Release night"));
        }
    }
    assert_eq!(r.events.unread(follower.id).await.unwrap(), 1);
    r.events.mark_read(follower.id).await.unwrap();
    assert_eq!(r.events.unread(follower.id).await.unwrap(), 0);
    let pv = parties::view(r, Some(&singer), party).await.unwrap();
    assert!(pv.host_is_artist && pv.title == "Release night");

    // Two listen, one chats; the party ends: the event shows 2 listened and the chat.
    for who in [&follower, &rsvper] {
        parties::join(r, who, party).await.unwrap();
        r.parties.touch(party, who.id, true, false).await.unwrap();
    }
    parties::post(r, &follower, party, "text", "what a night")
        .await
        .unwrap();
    parties::control(r, &singer, party, Control::End)
        .await
        .unwrap();
    let v = events::view(r, None, id).await.unwrap();
    assert!(v.event.ended);
    assert_eq!(v.listened, Some(2));
    assert_eq!(v.replay.len(), 1);
    assert!(matches!(
        events::rsvp(r, &bystander, id, true).await,
        Err(Error::Conflict(_))
    ));
}

/// Tips: validated, charged once per form (a resubmit pays nothing more), shown in the
/// live event's chat, seen by the artist's accounts and admins only, refunded by admins;
/// each paid tip and refund is audited.
#[tokio::test]
async fn tips_are_charged_once_shown_in_the_party_and_refunded_by_admins() {
    use encore::service::{
        artists::{claim, decide},
        billing::{TestMode, TEST_CARD_DECLINED, TEST_CARD_OK},
        events::{self, NewEventForm},
        tips::{self, TipForm},
    };
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let r = &app.repos;
    let album_id = album(&app).await;
    let artist = r.catalog.album(album_id).await.unwrap().unwrap().artist_ids[0];
    let singer = app.user_with_role("singer", Role::Artist).await;
    let admin = app.user_with_role("boss", Role::Admin).await;
    let c = claim(r, &singer, artist, "").await.unwrap();
    decide(r, &admin, c, true, "").await.unwrap();
    let fan = app.user("fan").await.session_user();
    let stranger = app.user("stranger").await.session_user();
    let soon = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let ev = events::schedule(
        r,
        &singer,
        NewEventForm {
            artist_id: artist,
            album_id,
            title: "Tip night",
            description: "",
            starts_at: &soon,
        },
    )
    .await
    .unwrap();
    let party = events::go_live(r, &singer, ev).await.unwrap();
    parties::join(r, &fan, party).await.unwrap();
    let form =
        |amount: &'static str, message: &'static str, card: &'static str, key: Uuid| TipForm {
            artist_id: artist,
            party_id: Some(party),
            amount,
            message,
            card,
            idempotency_key: key,
        };
    let summary = || async { r.tips.summary(Some(artist), 28, 20).await.unwrap() };

    for (f, field) in [
        (form("0.50", "", TEST_CARD_OK, Uuid::new_v4()), "amount"),
        (form("501", "", TEST_CARD_OK, Uuid::new_v4()), "amount"),
        (form("five", "", TEST_CARD_OK, Uuid::new_v4()), "amount"),
        (form("5", "", "1234", Uuid::new_v4()), "card"),
        (form("5", "", TEST_CARD_DECLINED, Uuid::new_v4()), "card"),
    ] {
        match tips::tip(r, &TestMode, &fan, f).await {
            Err(Error::Invalid(e)) => assert!(e.get(field).is_some(), "{field}"),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert!(matches!(
        tips::tip(
            r,
            &TestMode,
            &stranger,
            form("5", "", TEST_CARD_OK, Uuid::new_v4())
        )
        .await,
        Err(Error::Forbidden)
    ));
    assert_eq!(
        summary().await.paid_count,
        0,
        "nothing stored by refused tips"
    );

    let key = Uuid::new_v4();
    let t1 = tips::tip(
        r,
        &TestMode,
        &fan,
        form("5", "great show", TEST_CARD_OK, key),
    )
    .await
    .unwrap();
    let t2 = tips::tip(
        r,
        &TestMode,
        &fan,
        form("5", "great show", TEST_CARD_OK, key),
    )
    .await
    .unwrap();
    assert_eq!(t1, t2, "a resubmitted form pays once");
    let s = summary().await;
    assert_eq!((s.paid_cents, s.paid_count), (500, 1));
    let chat = parties::view(r, Some(&fan), party).await.unwrap().messages;
    let tips_in_chat: Vec<_> = chat.iter().filter(|m| m.kind == "tip").collect();
    assert_eq!(tips_in_chat.len(), 1);
    assert_eq!(tips_in_chat[0].body, "tipped €5.00: great show");

    assert_eq!(
        tips::of_artist(r, &singer, artist, 28)
            .await
            .unwrap()
            .paid_count,
        1
    );
    assert!(matches!(
        tips::of_artist(r, &fan, artist, 28).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        tips::all(r, &singer, 28).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        tips::refund(r, &TestMode, &singer, t1).await,
        Err(Error::Forbidden)
    ));
    tips::refund(r, &TestMode, &admin, t1).await.unwrap();
    assert!(matches!(
        tips::refund(r, &TestMode, &admin, t1).await,
        Err(Error::Conflict(_))
    ));
    let s = tips::all(r, &admin, 28).await.unwrap();
    assert_eq!((s.paid_cents, s.refunded_cents), (0, 500));
    assert!(s.recent[0].refunded);
    let audited: Vec<(String,)> = sqlx::query_as(
        "select action from audit_log where action like 'tip.%' order by created_at",
    )
    .fetch_all(&r.pg)
    .await
    .unwrap();
    assert_eq!(
        audited.into_iter().map(|a| a.0).collect::<Vec<_>>(),
        ["tip.paid", "tip.refunded"]
    );
}

//! `encore bench-party`: many WebSocket listeners in one listening party on a running
//! server. The host's commands and the chat go through the same service calls as the
//! server functions (so through PostgreSQL NOTIFY and the server's fan-out); each listener
//! is a real WebSocket client with a real session. Measures how long a state change takes
//! to reach every listener (p50 / p99 / max over all deliveries) and whether chat at a
//! given rate reaches everyone (deliveries expected vs received).

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{anyhow, Context};
use encore::{
    model::{Role, SessionUser},
    party::PartyEvent,
    repo::Repos,
    service::parties::{self, Control, PartySource},
};
use futures::StreamExt;
use tokio::sync::{watch, Barrier};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};
use tower_sessions::{
    session::{Id, Record},
    SessionStore,
};
use uuid::Uuid;

pub struct Options {
    /// The server, e.g. `http://127.0.0.1:3040`; several separated by commas (app
    /// instances on the same databases) take the listeners in turn.
    pub base: String,
    pub listeners: usize,
    pub changes: usize,
    pub chat_per_s: u32,
    pub chat_secs: u32,
}

/// What one listener saw: when each state version and each chat message arrived.
#[derive(Default)]
struct Seen {
    states: HashMap<i64, Instant>,
    chats: HashMap<i64, Instant>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub async fn run(repos: &Repos, o: Options) -> anyhow::Result<serde_json::Value> {
    let err = |e: encore::Error| anyhow!("{e}");
    let total = (o.chat_per_s * o.chat_secs) as usize;
    anyhow::ensure!(
        o.listeners > 0 && total <= o.listeners * 5,
        "each listener may send 5 messages in 10 s: use more listeners or less chat"
    );
    // Earlier runs' accounts (and with them their parties) go first.
    sqlx::query("delete from users where username like 'pbench%'")
        .execute(&repos.pg)
        .await?;
    let run = &Uuid::new_v4().simple().to_string()[..8];
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "insert into users (id, username, email, password_hash, display_name)
         select gen_random_uuid(), 'pbench' || $1 || i, 'pbench' || $1 || i || '@bench.invalid', '!', 'Bench ' || i
         from generate_series(0, $2) i returning id",
    )
    .bind(run)
    .bind(o.listeners as i64)
    .fetch_all(&repos.pg)
    .await?;
    let users: Vec<SessionUser> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| SessionUser {
            id: *id,
            username: format!("pbench{run}{i}"),
            display_name: format!("Bench {i}"),
            role: Role::Listener,
        })
        .collect();
    let (host, listeners) = users.split_first().context("no users")?;

    // A party on an album of at least three songs.
    let home = repos.catalog.home().await.map_err(err)?;
    let mut album = None;
    for a in &home.new_releases {
        if repos.catalog.album_tracks(a.id).await.map_err(err)?.len() >= 3 {
            album = Some(a.id);
            break;
        }
    }
    let album = album.context("no album with three songs in the catalog")?;
    let party = parties::start(repos, host, PartySource::Album(album))
        .await
        .map_err(err)?;
    sqlx::query("insert into party_members (party_id, user_id) select $1, unnest($2::uuid[])")
        .bind(party)
        .bind(&ids[1..])
        .execute(&repos.pg)
        .await?;

    // Sessions straight in the store (what signing in would write).
    let store = tower_sessions_sqlx_store::PostgresStore::new(repos.pg.clone());
    let mut cookies = vec![];
    for u in listeners {
        let mut r = Record {
            id: Id::default(),
            data: [
                (
                    encore_app::server::SESSION_USER.to_string(),
                    serde_json::json!(u.id),
                ),
                (
                    encore_app::server::SESSION_EPOCH.to_string(),
                    serde_json::json!(0),
                ),
            ]
            .into(),
            expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        };
        store
            .create(&mut r)
            .await
            .map_err(|e| anyhow!("session: {e}"))?;
        cookies.push(format!("encore_session={}", r.id));
    }

    let ws_urls: Vec<String> = o
        .base
        .split(',')
        .map(|b| {
            format!(
                "{}/party/{party}/ws",
                b.trim()
                    .replacen("http://", "ws://", 1)
                    .replacen("https://", "wss://", 1)
            )
        })
        .collect();
    let ready = Arc::new(Barrier::new(o.listeners + 1));
    let (done_tx, done_rx) = watch::channel(false);
    let connect_started = Instant::now();
    let mut tasks = vec![];
    for (i, cookie) in cookies.into_iter().enumerate() {
        let url = ws_urls[i % ws_urls.len()].clone();
        let (ready, mut done) = (ready.clone(), done_rx.clone());
        tasks.push(tokio::spawn(async move {
            let mut req = url.into_client_request()?;
            req.headers_mut().insert("cookie", cookie.parse()?);
            let (mut ws, _) = tokio_tungstenite::connect_async(req).await?;
            // The first message is the state: connected.
            ws.next().await.context("closed before the state")??;
            ready.wait().await;
            let mut seen = Seen::default();
            loop {
                tokio::select! {
                    m = ws.next() => match m {
                        Some(Ok(Message::Text(t))) => {
                            let at = Instant::now();
                            match serde_json::from_str::<PartyEvent>(t.as_str())? {
                                PartyEvent::State { state, .. } => { seen.states.insert(state.version, at); }
                                PartyEvent::Chat { message } => { seen.chats.insert(message.id, at); }
                                _ => {}
                            }
                        }
                        Some(Ok(_)) => {}
                        _ => break,
                    },
                    _ = done.changed() => break,
                }
            }
            let _ = ws.close(None).await;
            anyhow::Ok(seen)
        }));
    }
    tokio::time::timeout(Duration::from_secs(120), ready.wait())
        .await
        .map_err(|_| anyhow!("not every listener connected within 2 minutes"))?;
    let connect_ms = connect_started.elapsed().as_millis();

    // State changes by the host, 250 ms apart.
    let mut sent_states = HashMap::new();
    for k in 0..o.changes {
        let t0 = Instant::now();
        let s = parties::control(repos, host, party, Control::Seek(1 + (k as u64 % 20)))
            .await
            .map_err(err)?;
        sent_states.insert(s.version, t0);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Chat at `chat_per_s` for `chat_secs`, senders taking turns (each under the
    // per-person limit of 5 in 10 s).
    let mut sent_chats = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / o.chat_per_s.max(1) as f64));
    let chat_started = Instant::now();
    for n in 0..total {
        tick.tick().await;
        let who = &listeners[n % listeners.len()];
        let t0 = Instant::now();
        let m = parties::post(repos, who, party, "text", &format!("bench message {n}"))
            .await
            .map_err(err)?;
        sent_chats.insert(m.id, t0);
    }
    let chat_rate = total as f64 / chat_started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let _ = done_tx.send(true);

    let (mut state_lat, mut chat_lat) = (vec![], vec![]);
    let (mut state_missing, mut chat_missing) = (0usize, 0usize);
    for t in tasks {
        let seen = t.await??;
        for (v, t0) in &sent_states {
            match seen.states.get(v) {
                Some(at) => state_lat.push(at.duration_since(*t0).as_secs_f64() * 1000.0),
                None => state_missing += 1,
            }
        }
        for (id, t0) in &sent_chats {
            match seen.chats.get(id) {
                Some(at) => chat_lat.push(at.duration_since(*t0).as_secs_f64() * 1000.0),
                None => chat_missing += 1,
            }
        }
    }
    parties::control(repos, host, party, Control::End)
        .await
        .map_err(err)?;
    state_lat.sort_by(f64::total_cmp);
    chat_lat.sort_by(f64::total_cmp);
    let r = |v: f64| (v * 10.0).round() / 10.0;
    Ok(serde_json::json!({
        "listeners": o.listeners,
        "instances": ws_urls.len(),
        "connect_all_ms": connect_ms,
        "state_changes": o.changes,
        "state_deliveries": state_lat.len(),
        "state_missing": state_missing,
        "state_p50_ms": r(percentile(&state_lat, 0.5)),
        "state_p99_ms": r(percentile(&state_lat, 0.99)),
        "state_max_ms": r(state_lat.last().copied().unwrap_or(0.0)),
        "chat_sent": total,
        "chat_per_s": r(chat_rate),
        "chat_deliveries_expected": total * o.listeners,
        "chat_deliveries": chat_lat.len(),
        "chat_lost": chat_missing,
        "chat_p50_ms": r(percentile(&chat_lat, 0.5)),
        "chat_p99_ms": r(percentile(&chat_lat, 0.99)),
    }))
}

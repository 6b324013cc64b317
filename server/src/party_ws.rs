//! Listening-party WebSockets (`GET /party/{id}/ws`). The server only pushes: commands
//! and chat go through server functions (which also work as plain form posts), change
//! PostgreSQL and NOTIFY `encore_party`. Each app instance LISTENs once and fans the
//! events out to its own sockets, so listeners on different instances see the same party.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    extract::{
        ws::{Message, WebSocket, WebSocketUpgrade},
        Path, State,
    },
    http::StatusCode,
    response::{IntoResponse, Response},
};
use encore::{
    party::PartyEvent,
    repo::{
        parties::{PartyRepo, CHANNEL},
        Repos,
    },
};
use sqlx::{postgres::PgListener, PgPool};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::AppState;

/// What an instance's listener task hands its sockets.
#[derive(Clone, Debug)]
enum HubMsg {
    Event(Arc<PartyEvent>),
    /// The LISTEN connection dropped and came back: events may have been missed, so each
    /// socket sends its listener the current state again.
    Resync,
}

/// The local fan-out: one broadcast channel per party with sockets on this instance.
#[derive(Clone)]
pub struct Hub {
    parties: Arc<Mutex<HashMap<Uuid, broadcast::Sender<HubMsg>>>>,
    /// Parties whose listener count changed since the last push.
    presence: Arc<Mutex<HashSet<Uuid>>>,
    repo: PartyRepo,
}

impl Hub {
    /// A hub fed by a LISTEN on `pool`'s database (reconnecting when it drops).
    pub fn start(pool: PgPool) -> Hub {
        let hub = Hub {
            parties: Default::default(),
            presence: Default::default(),
            repo: PartyRepo::new(pool.clone()),
        };
        // Listener counts: one query per changed party per second, pushed to local sockets.
        let h = hub.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                let changed: Vec<Uuid> = h.presence.lock().unwrap().drain().collect();
                for party in changed {
                    if !h.parties.lock().unwrap().contains_key(&party) {
                        continue;
                    }
                    if let Ok(count) = h.repo.listener_count(party).await {
                        h.send(
                            party,
                            HubMsg::Event(Arc::new(PartyEvent::Listeners { count })),
                        );
                    }
                }
            }
        });
        let h = hub.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = h.listen(&pool).await {
                    tracing::warn!(error = %e, "party LISTEN connection lost; reconnecting");
                }
                h.broadcast_all(HubMsg::Resync);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        hub
    }

    async fn listen(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        // Anything sent while we were not listening is covered by a resync.
        self.broadcast_all(HubMsg::Resync);
        loop {
            // `None`: the connection was lost (sqlx reconnects on the next call, but
            // notifications in between are gone).
            let Some(n) = listener.try_recv().await? else {
                self.broadcast_all(HubMsg::Resync);
                continue;
            };
            #[derive(serde::Deserialize)]
            struct Payload {
                party: Uuid,
                event: Option<PartyEvent>,
                #[serde(default)]
                presence: bool,
            }
            match serde_json::from_str::<Payload>(n.payload()) {
                Ok(Payload {
                    party,
                    event: Some(e),
                    ..
                }) => self.send(party, HubMsg::Event(Arc::new(e))),
                Ok(Payload {
                    party,
                    presence: true,
                    ..
                }) => {
                    self.presence.lock().unwrap().insert(party);
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "unreadable party notification"),
            }
        }
    }

    fn send(&self, party: Uuid, msg: HubMsg) {
        if let Some(tx) = self.parties.lock().unwrap().get(&party) {
            let _ = tx.send(msg);
        }
    }

    fn broadcast_all(&self, msg: HubMsg) {
        for tx in self.parties.lock().unwrap().values() {
            let _ = tx.send(msg.clone());
        }
    }

    fn subscribe(&self, party: Uuid) -> broadcast::Receiver<HubMsg> {
        self.parties
            .lock()
            .unwrap()
            .entry(party)
            .or_insert_with(|| broadcast::channel(1024).0)
            .subscribe()
    }

    /// Drops the party's channel once its last local socket is gone.
    fn release(&self, party: Uuid) {
        let mut map = self.parties.lock().unwrap();
        if map.get(&party).is_some_and(|tx| tx.receiver_count() == 0) {
            map.remove(&party);
        }
    }
}

/// `GET /party/{id}/ws`: members only (a removed member or a stranger gets 403).
pub async fn socket(
    State(state): State<AppState>,
    Path(id): Path<String>,
    session: tower_sessions::Session,
    ws: WebSocketUpgrade,
) -> Response {
    let me = match crate::signed_in(&state, &session, "Sign in to join the party.").await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let Ok(party) = Uuid::parse_str(&id) else {
        return (StatusCode::NOT_FOUND, "No such party.").into_response();
    };
    let repos = state.ctx.repos.clone();
    match repos.parties.membership(party, me.id).await {
        Ok(Some(m)) if !m.removed => {}
        Ok(_) => return (StatusCode::FORBIDDEN, "Join the party first.").into_response(),
        Err(_) => return (StatusCode::SERVICE_UNAVAILABLE, "Try again shortly.").into_response(),
    }
    let hub = state.parties.clone();
    ws.on_upgrade(move |socket| async move {
        let rx = hub.subscribe(party);
        if let Err(e) = run(socket, rx, &repos, party, me.id).await {
            tracing::debug!(error = %e, "party socket ended");
        }
        let _ = repos.parties.touch(party, me.id, false, true).await;
        hub.release(party);
    })
}

/// The current state as an event (after a connect, a resync or a lag).
async fn snapshot(repos: &Repos, party: Uuid) -> encore::Result<PartyEvent> {
    let p = repos
        .parties
        .get(party)
        .await?
        .ok_or(encore::Error::NotFound)?;
    Ok(PartyEvent::State {
        state: p.state,
        server_now_ms: chrono::Utc::now().timestamp_millis(),
    })
}

async fn send(socket: &mut WebSocket, e: &PartyEvent) -> Result<(), axum::Error> {
    let text = serde_json::to_string(e).unwrap_or_default();
    socket.send(Message::Text(text.into())).await
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn run(
    mut socket: WebSocket,
    mut rx: broadcast::Receiver<HubMsg>,
    repos: &Repos,
    party: Uuid,
    me: Uuid,
) -> Result<(), BoxError> {
    let blocked: HashSet<Uuid> = repos.parties.blocked_either_way(me).await?;
    let count = repos.parties.touch(party, me, true, true).await?;
    send(&mut socket, &snapshot(repos, party).await?).await?;
    send(&mut socket, &PartyEvent::Listeners { count }).await?;
    let mut presence = tokio::time::interval(Duration::from_secs(20));
    presence.tick().await;
    loop {
        tokio::select! {
            msg = rx.recv() => {
                let event = match msg {
                    Ok(HubMsg::Event(e)) => e,
                    Ok(HubMsg::Resync) | Err(broadcast::error::RecvError::Lagged(_)) => {
                        Arc::new(snapshot(repos, party).await?)
                    }
                    Err(broadcast::error::RecvError::Closed) => return Ok(()),
                };
                match &*event {
                    PartyEvent::Chat { message } if blocked.contains(&message.user_id) => continue,
                    PartyEvent::Member { user_id, removed: true, .. } if *user_id == me => {
                        send(&mut socket, &event).await?;
                        let _ = socket.send(Message::Close(None)).await;
                        return Ok(());
                    }
                    _ => {}
                }
                send(&mut socket, &event).await?;
            }
            incoming = socket.recv() => match incoming {
                // The browser asks for the state again (e.g. after a track ended).
                Some(Ok(Message::Text(t))) if t.as_str() == "sync" => {
                    send(&mut socket, &snapshot(repos, party).await?).await?;
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Ok(()),
                Some(Ok(_)) => {}
            },
            _ = presence.tick() => {
                repos.parties.touch(party, me, true, false).await?;
            }
        }
    }
}

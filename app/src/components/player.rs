//! The persistent player: one `<audio>` element in the layout, outside the routes, so it
//! keeps playing while the user navigates. Queue, shuffle, repeat, seek, volume, keyboard
//! shortcuts and the Media Session (OS media keys). Without JavaScript the song page's
//! native `<audio controls>` plays instead.

use encore::{
    catalog::{format_duration, SongRow},
    listening::{EndReason, Source},
    party::{effective, ChatMessage, PartyEvent, PartyState},
};
use leptos::{html::Audio, prelude::*};
use uuid::Uuid;

/// The play being measured for the listening report (sent only by the browser build).
#[derive(Clone, Debug)]
struct Tracking {
    event_id: Uuid,
    song_id: Uuid,
    started_at_ms: i64,
    played_ms: f64,
    last_pos: f64,
    source: Source,
    source_id: Option<String>,
    shuffle: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    Off,
    All,
    One,
}

/// Following a listening party: the server's last state and the songs it indexes.
#[derive(Clone, Debug, PartialEq)]
pub struct PartyFollow {
    pub id: Uuid,
    pub title: String,
    pub durations: Vec<u64>,
    pub state: PartyState,
    /// The server's clock minus the browser's, in ms.
    pub offset_ms: i64,
    /// The signed-in listener (whose mute or removal the socket may announce).
    pub me: Uuid,
}

/// What the party socket keeps up to date for the party page.
#[derive(Clone, Copy)]
pub struct PartyLive {
    pub state: RwSignal<Option<PartyState>>,
    pub messages: RwSignal<Vec<ChatMessage>>,
    pub listeners: RwSignal<i64>,
    pub muted: RwSignal<bool>,
    /// The socket is open.
    pub connected: RwSignal<bool>,
    /// The host removed this listener.
    pub removed: RwSignal<bool>,
}

type SavedQueue = (Vec<SongRow>, Option<usize>, (Source, Option<String>));

#[derive(Clone, Copy)]
pub struct Player {
    pub queue: RwSignal<Vec<SongRow>>,
    pub index: RwSignal<Option<usize>>,
    pub playing: RwSignal<bool>,
    pub shuffle: RwSignal<bool>,
    pub repeat: RwSignal<Repeat>,
    pub volume: RwSignal<f64>,
    pub position: RwSignal<f64>,
    pub duration: RwSignal<f64>,
    /// Where the current queue came from (album, artist, search…), for play reports.
    pub source: RwSignal<(Source, Option<String>)>,
    /// A message for the listener (e.g. the plan's skip limit was reached).
    pub notice: RwSignal<Option<String>>,
    /// Seek here once the next track's metadata is loaded ("resume where you left off").
    resume_at: RwSignal<Option<f64>>,
    tracking: StoredValue<Option<Tracking>>,
    audio: NodeRef<Audio>,
    /// The listening party this player follows, if any.
    pub party: RwSignal<Option<PartyFollow>>,
    pub party_live: PartyLive,
    /// The listener's own queue while they follow a party (given back when they leave).
    saved: StoredValue<Option<SavedQueue>>,
    /// Bumped per party connection, so a stale socket's events and reconnects are ignored.
    party_gen: StoredValue<u64>,
}

impl Player {
    fn new() -> Self {
        Player {
            queue: RwSignal::new(vec![]),
            index: RwSignal::new(None),
            playing: RwSignal::new(false),
            shuffle: RwSignal::new(false),
            repeat: RwSignal::new(Repeat::Off),
            volume: RwSignal::new(0.8),
            position: RwSignal::new(0.0),
            duration: RwSignal::new(0.0),
            source: RwSignal::new((Source::Other, None)),
            notice: RwSignal::new(None),
            resume_at: RwSignal::new(None),
            tracking: StoredValue::new(None),
            audio: NodeRef::new(),
            party: RwSignal::new(None),
            party_live: PartyLive {
                state: RwSignal::new(None),
                messages: RwSignal::new(vec![]),
                listeners: RwSignal::new(0),
                muted: RwSignal::new(false),
                connected: RwSignal::new(false),
                removed: RwSignal::new(false),
            },
            saved: StoredValue::new(None),
            party_gen: StoredValue::new(0),
        }
    }

    /// Starts following a party: the listener's own queue is put aside, the party's songs
    /// become the queue and the socket keeps playback where the party is.
    pub fn follow_party(&self, v: &encore::party::PartyView) {
        let Some(me) = v.me else { return };
        let (id, title, songs, state) = (v.id, v.title.clone(), v.songs.clone(), v.state);
        if self.party.get_untracked().is_none() {
            self.saved.set_value(Some((
                self.queue.get_untracked(),
                self.index.get_untracked(),
                self.source.get_untracked(),
            )));
        }
        self.end_current(EndReason::Skipped);
        let durations = songs.iter().map(|s| s.duration_ms).collect();
        self.queue.set(songs);
        self.index.set(None);
        self.source
            .set((Source::Other, Some(format!("party:{id}"))));
        self.party.set(Some(PartyFollow {
            id,
            title,
            durations,
            state,
            offset_ms: v.server_now_ms - now_ms(),
            me,
        }));
        self.party_live.state.set(Some(state));
        self.party_live.messages.set(v.messages.clone());
        self.party_live.listeners.set(v.listeners);
        self.party_live.muted.set(v.i_am_muted);
        self.party_live.removed.set(false);
        self.party_sync(true);
        party_socket::connect(*self, id);
    }

    /// Stops following; the listener's own queue comes back (paused where it was).
    pub fn leave_party(&self) {
        if self.party.get_untracked().is_none() {
            return;
        }
        self.end_current(EndReason::Skipped);
        self.party_gen.update_value(|g| *g += 1);
        party_socket::close(*self);
        self.party.set(None);
        self.party_live.state.set(None);
        self.party_live.connected.set(false);
        self.playing.set(false);
        if let Some((q, i, src)) = self.saved.get_value() {
            self.saved.set_value(None);
            self.queue.set(q);
            self.index.set(i);
            self.source.set(src);
        } else {
            self.queue.set(vec![]);
            self.index.set(None);
        }
    }

    /// An event from the party socket.
    #[cfg_attr(not(feature = "hydrate"), expect(dead_code))]
    fn on_party_event(&self, e: PartyEvent) {
        let live = self.party_live;
        match e {
            PartyEvent::State {
                state,
                server_now_ms,
            } => {
                self.party.update(|f| {
                    if let Some(f) = f {
                        f.state = state;
                        f.offset_ms = server_now_ms - now_ms();
                    }
                });
                live.state.set(Some(state));
                self.party_sync(true);
            }
            PartyEvent::Chat { message } => live.messages.update(|m| {
                if !m.iter().any(|x| x.id == message.id) {
                    m.push(message);
                    let extra = m.len().saturating_sub(100);
                    m.drain(..extra);
                }
            }),
            PartyEvent::Deleted { id } => live.messages.update(|m| m.retain(|x| x.id != id)),
            PartyEvent::Listeners { count } => live.listeners.set(count),
            PartyEvent::Member {
                user_id,
                muted,
                removed,
            } => {
                if self.party.with_untracked(|f| f.as_ref().map(|f| f.me)) == Some(user_id) {
                    live.muted.set(muted);
                    if removed {
                        live.removed.set(true);
                        self.leave_party();
                    }
                }
            }
        }
    }

    /// Brings playback to where the party is: the right track, within a second of the
    /// right position. `force` (a new state from the server) also applies play/pause;
    /// the periodic check leaves a listener's own pause alone.
    fn party_sync(&self, force: bool) {
        let Some(f) = self.party.get_untracked() else {
            return;
        };
        let now = now_ms() + f.offset_ms;
        let Some((i, pos)) = effective(&f.state, &f.durations, now) else {
            // The party played its last song.
            self.playing.set(false);
            return;
        };
        let secs = pos as f64 / 1000.0;
        if self.index.get_untracked() != Some(i) {
            self.end_current(EndReason::Skipped);
            self.index.set(Some(i));
            self.position.set(secs);
            self.resume_at.set(Some(secs));
            self.playing.set(f.state.playing);
        } else if (self.position.get_untracked() - secs).abs() > 0.75 || (force && !f.state.playing)
        {
            self.seek(secs);
        }
        if force {
            self.playing.set(f.state.playing);
        }
    }

    pub fn current(&self) -> Option<SongRow> {
        let i = self.index.get()?;
        self.queue.with(|q| q.get(i).cloned())
    }

    /// Replaces the queue with `list` (playable songs only) and starts at `start`.
    pub fn play_list(&self, list: Vec<SongRow>, start: usize) {
        self.play_list_from(list, start, Source::Other, None);
    }

    /// Like `play_list`, remembering where the list came from.
    pub fn play_list_from(
        &self,
        list: Vec<SongRow>,
        start: usize,
        source: Source,
        source_id: Option<String>,
    ) {
        self.end_current(EndReason::Skipped);
        self.source.set((source, source_id));
        let start_id = list.get(start).map(|s| s.id);
        let list: Vec<SongRow> = list.into_iter().filter(|s| s.playable).collect();
        let i = start_id
            .and_then(|id| list.iter().position(|s| s.id == id))
            .unwrap_or(0);
        if list.is_empty() {
            return;
        }
        self.queue.set(list);
        self.index.set(Some(i));
        self.playing.set(true);
    }

    pub fn play_next(&self, song: SongRow) {
        let at = self.index.get_untracked().map(|i| i + 1).unwrap_or(0);
        self.queue.update(|q| q.insert(at.min(q.len()), song));
        if self.index.get_untracked().is_none() {
            self.index.set(Some(0));
        }
    }

    pub fn add_to_queue(&self, song: SongRow) {
        self.queue.update(|q| q.push(song));
        if self.index.get_untracked().is_none() {
            self.index.set(Some(0));
        }
    }

    pub fn toggle(&self) {
        if self.index.get_untracked().is_some() {
            self.playing.update(|p| *p = !*p);
        }
    }

    /// Resumes `song` at `ms` (history's "resume where you left off").
    pub fn resume(&self, song: SongRow, ms: u64) {
        self.play_list_from(vec![song], 0, Source::Other, None);
        self.resume_at.set(Some(ms as f64 / 1000.0));
    }

    pub fn jump_to(&self, i: usize) {
        self.end_current(EndReason::Skipped);
        self.index.set(Some(i));
        self.playing.set(true);
    }

    /// A skip the listener asked for. The server checks the plan's hourly skips first
    /// (Free: 6); when they are used up the song keeps playing and the player says why.
    pub fn user_skip(&self) {
        let p = *self;
        leptos::task::spawn_local(async move {
            match crate::serverfns::billing::request_skip().await {
                Err(crate::error::AppError::RateLimited(m)) => p.notice.set(Some(m)),
                _ => {
                    p.notice.set(None);
                    p.next(true);
                }
            }
        });
    }

    pub fn next(&self, user: bool) {
        if self.party.get_untracked().is_some() {
            // The party decides what comes next.
            if !user {
                self.end_current(EndReason::Finished);
            }
            self.party_sync(false);
            return;
        }
        let len = self.queue.with_untracked(Vec::len);
        let Some(i) = self.index.get_untracked() else {
            return;
        };
        if len == 0 {
            return;
        }
        self.end_current(if user {
            EndReason::Skipped
        } else {
            EndReason::Finished
        });
        if !user && self.repeat.get_untracked() == Repeat::One {
            self.seek(0.0);
            self.begin_tracking();
            if let Some(a) = self.audio.get_untracked() {
                let _ = a.play();
            }
            return;
        }
        let next = if self.shuffle.get_untracked() && len > 1 {
            let r = random_below(len - 1);
            if r >= i {
                r + 1
            } else {
                r
            }
        } else if i + 1 < len {
            i + 1
        } else if self.repeat.get_untracked() == Repeat::All || user {
            0
        } else {
            self.playing.set(false);
            return;
        };
        self.index.set(Some(next));
        self.playing.set(true);
    }

    pub fn prev(&self) {
        // Like every player: back to the start first, then to the previous track.
        if self.position.get_untracked() > 3.0 {
            self.seek(0.0);
            return;
        }
        if let Some(i) = self.index.get_untracked() {
            self.end_current(EndReason::Skipped);
            let len = self.queue.with_untracked(Vec::len);
            self.index
                .set(Some(if i == 0 { len.saturating_sub(1) } else { i - 1 }));
        }
    }

    /// Starts measuring the current track (a fresh event id per play).
    fn begin_tracking(&self) {
        let Some(song) = self.current_untracked() else {
            return;
        };
        let (source, source_id) = self.source.get_untracked();
        self.tracking.set_value(Some(Tracking {
            event_id: new_event_id(),
            song_id: song.id,
            started_at_ms: now_ms(),
            played_ms: 0.0,
            last_pos: self.position.get_untracked(),
            source,
            source_id,
            shuffle: self.shuffle.get_untracked(),
        }));
    }

    fn current_untracked(&self) -> Option<SongRow> {
        let i = self.index.get_untracked()?;
        self.queue.with_untracked(|q| q.get(i).cloned())
    }

    /// Counts real listening time: seeks do not add to it.
    fn on_time(&self, pos: f64) {
        self.position.set(pos);
        self.tracking.update_value(|t| {
            if let Some(t) = t {
                let delta = pos - t.last_pos;
                if delta > 0.0 && delta < 2.0 {
                    t.played_ms += delta * 1000.0;
                }
                t.last_pos = pos;
            }
        });
    }

    /// Reports the current play (if any) as ended for `reason`.
    fn end_current(&self, reason: EndReason) {
        if let Some(t) = self.tracking.get_value() {
            self.tracking.set_value(None);
            if t.played_ms >= 1.0 {
                report(t, reason);
            }
        }
    }

    pub fn seek(&self, secs: f64) {
        if let Some(a) = self.audio.get_untracked() {
            a.set_current_time(secs.max(0.0));
        }
        self.position.set(secs.max(0.0));
    }

    pub fn set_volume(&self, v: f64) {
        let v = v.clamp(0.0, 1.0);
        self.volume.set(v);
        if let Some(a) = self.audio.get_untracked() {
            a.set_volume(v);
        }
    }
}

#[cfg_attr(not(feature = "hydrate"), expect(dead_code))]
fn report_fields(t: &Tracking, reason: EndReason) -> Vec<(&'static str, String)> {
    let reason = match reason {
        EndReason::Finished => "finished",
        EndReason::Skipped => "skipped",
        EndReason::PausedAndLeft => "paused_and_left",
        EndReason::Error => "error",
    };
    vec![
        ("event_id", t.event_id.to_string()),
        ("song_id", t.song_id.to_string()),
        ("started_at_ms", t.started_at_ms.to_string()),
        ("ms_played", (t.played_ms.round() as u64).to_string()),
        ("reason", reason.to_string()),
        ("shuffle", t.shuffle.to_string()),
        ("source", t.source.as_str().to_string()),
        ("source_id", t.source_id.clone().unwrap_or_default()),
    ]
}

/// Sends a play report. First choice is `navigator.sendBeacon` (a form post the browser
/// delivers even when the page is left right after, e.g. skip then navigate); when the
/// browser will not queue it, a server-function call retried once with the same event id
/// (the server counts an event id once).
#[cfg(feature = "hydrate")]
fn report(t: Tracking, reason: EndReason) {
    let fields = report_fields(&t, reason);
    if send_beacon(&fields) {
        return;
    }
    leptos::task::spawn_local(async move {
        use crate::serverfns::listening::report_play;
        let get = |k: &str| {
            fields
                .iter()
                .find(|(f, _)| *f == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        for attempt in 0..2 {
            let r = report_play(
                get("event_id"),
                get("song_id"),
                get("started_at_ms").parse().unwrap_or_default(),
                get("ms_played").parse().unwrap_or_default(),
                get("reason"),
                Some(get("shuffle")),
                get("source"),
                Some(get("source_id")),
                None,
            )
            .await;
            if r.is_ok() || attempt == 1 {
                break;
            }
            gloo_timers_sleep(2000).await;
        }
    });
}

/// `true` when the browser queued the beacon.
#[cfg(feature = "hydrate")]
fn send_beacon(fields: &[(&'static str, String)]) -> bool {
    let Ok(params) = leptos::web_sys::UrlSearchParams::new() else {
        return false;
    };
    for (k, v) in fields {
        params.append(k, v);
    }
    let body: wasm_bindgen::JsValue = params.into();
    let nav = leptos::prelude::window().navigator();
    js_sys::Reflect::get(&nav, &"sendBeacon".into())
        .ok()
        .and_then(|f| wasm_bindgen::JsCast::dyn_into::<js_sys::Function>(f).ok())
        .and_then(|f| f.call2(&nav, &"/api/listening/report".into(), &body).ok())
        .and_then(|r| r.as_bool())
        .unwrap_or(false)
}

#[cfg(feature = "hydrate")]
async fn gloo_timers_sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let _ = leptos::prelude::window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

#[cfg(not(feature = "hydrate"))]
fn report(_t: Tracking, _reason: EndReason) {}

#[cfg(feature = "hydrate")]
fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}
#[cfg(not(feature = "hydrate"))]
fn now_ms() -> i64 {
    0
}

/// A version-4 UUID from the browser's random numbers.
#[cfg(feature = "hydrate")]
fn new_event_id() -> Uuid {
    let mut b = [0u8; 16];
    for x in b.iter_mut() {
        *x = (js_sys::Math::random() * 256.0) as u8;
    }
    uuid::Builder::from_random_bytes(b).into_uuid()
}
#[cfg(not(feature = "hydrate"))]
fn new_event_id() -> Uuid {
    Uuid::nil()
}

#[cfg(feature = "hydrate")]
fn random_below(n: usize) -> usize {
    (js_sys::Math::random() * n as f64) as usize % n.max(1)
}
#[cfg(not(feature = "hydrate"))]
fn random_below(_n: usize) -> usize {
    0
}

pub fn provide_player() -> Player {
    let p = Player::new();
    provide_context(p);
    p
}

pub fn use_player() -> Player {
    expect_context::<Player>()
}

const PLAY: &str = "M8 5v14l11-7z";
const PAUSE: &str = "M6 5h4v14H6zm8 0h4v14h-4z";
const PREV: &str = "M6 6h2v12H6zm3.5 6 8.5 6V6z";
const NEXT: &str = "M16 6h2v12h-2zM6 18l8.5-6L6 6z";
const REPEAT: &str = "M7 7h10v3l4-4-4-4v3H5v6h2zm10 10H7v-3l-4 4 4 4v-3h12v-6h-2z";
const SHUFFLE: &str = "M10.6 9.2 5.4 4 4 5.4l5.2 5.2zM14.5 4l2 2L4 18.6 5.4 20 18 7.5l2 2V4zm.3 9.4-1.4 1.4 3.1 3.1-2 2.1H20v-5.5l-2 2z";

/// A 24px icon; the button around it carries the accessible name.
#[component]
fn Icon(d: &'static str) -> impl IntoView {
    view! {
        <svg viewBox="0 0 24 24" width="20" height="20" fill="currentColor" aria-hidden="true" class="inline-block"><path d=d/></svg>
    }
}

const BTN: &str = "rounded-full p-2 hover:bg-zinc-200 dark:hover:bg-zinc-800 aria-pressed:text-violet-600 dark:aria-pressed:text-violet-400";

#[component]
pub fn PlayerBar() -> impl IntoView {
    let loc = leptos_router::hooks::use_location();
    let p = use_player();
    let src = move || {
        p.current()
            .map(|s| format!("/stream/{}", s.id))
            .unwrap_or_default()
    };

    // Drive the element from the state.
    Effect::new(move |_| {
        let playing = p.playing.get();
        let _ = src();
        if let Some(a) = p.audio.get() {
            if playing {
                let _ = a.play();
            } else {
                let _ = a.pause();
            }
        }
    });
    #[cfg(feature = "hydrate")]
    {
        media_session::install_handlers(p);
        let exit = window_event_listener(leptos::ev::pagehide, move |_| {
            if let Some(t) = p.tracking.get_value() {
                p.tracking.set_value(None);
                if t.played_ms >= 1.0 {
                    report(t, EndReason::PausedAndLeft);
                }
            }
        });
        on_cleanup(move || exit.remove());
        Effect::new(move |_| {
            if let Some(song) = p.current() {
                media_session::set_metadata(&song);
            }
        });
        keyboard::install(p);
    }

    let time = move || {
        format!(
            "{} / {}",
            format_duration((p.position.get() * 1000.0) as u64),
            format_duration((p.duration.get() * 1000.0) as u64)
        )
    };
    view! {
        <audio
            node_ref=p.audio
            data-testid="player-audio"
            src=src
            preload="metadata"
            on:timeupdate=move |ev| {
                p.on_time(event_target::<web_sys_audio::Audio>(&ev).current_time());
                p.party_sync(false);
            }
            on:loadedmetadata=move |ev| {
                let a = event_target::<web_sys_audio::Audio>(&ev);
                p.duration.set(a.duration());
                a.set_volume(p.volume.get_untracked());
                if let Some(at) = p.resume_at.get_untracked() {
                    p.resume_at.set(None);
                    a.set_current_time(at);
                }
            }
            on:ended=move |_| p.next(false)
            on:error=move |_| { p.end_current(EndReason::Error); }
            on:play=move |_| {
                p.playing.set(true);
                if p.tracking.with_value(|t| t.as_ref().map(|t| t.song_id)) != p.current_untracked().map(|s| s.id) {
                    p.begin_tracking();
                }
            }
            on:pause=move |_| p.playing.set(false)
        ></audio>
        <Show when=move || p.current().is_some()>
            <section aria-label="Player" class="fixed inset-x-0 bottom-0 z-40 border-t border-zinc-200 bg-white/95 px-3 py-2 dark:border-zinc-800 dark:bg-zinc-900/95">
                <div class="mx-auto flex max-w-5xl flex-wrap items-center gap-x-4 gap-y-1">
                    <div class="min-w-0 flex-1">
                        {move || p.current().map(|s| view! {
                            // (Re-rendered on navigation too, so "+ Playlist" comes back here.)
                            {loc.pathname.track(); loc.search.track();}
                            <p class="truncate font-semibold" data-testid="now-playing">{s.title.clone()}</p>
                            <p role="status" class="text-sm text-amber-700 dark:text-amber-300" data-testid="player-notice">{move || p.notice.get()}</p>
                            <p class="truncate text-sm text-zinc-600 dark:text-zinc-400">
                                {s.artists.iter().map(|a| a.name.clone()).collect::<Vec<_>>().join(", ")}
                                " · "
                                <a class="underline" aria-label=format!("Add {} to a playlist", s.title)
                                    href=crate::components::songs::add_to_playlist_href(&s.id.to_string(), &crate::components::songs::current_path())>
                                    "+ Playlist"</a>
                            </p>
                        })}
                    </div>
                    <div class="flex items-center gap-1" role="group" aria-label="Playback">
                        <button type="button" class=BTN aria-label="Shuffle" aria-pressed=move || p.shuffle.get().to_string()
                            on:click=move |_| p.shuffle.update(|s| *s = !*s)><Icon d=SHUFFLE/></button>
                        <button type="button" class=BTN aria-label="Previous" on:click=move |_| p.prev()><Icon d=PREV/></button>
                        <button type="button" class="rounded-full bg-violet-700 px-3 py-2 text-white hover:bg-violet-800"
                            aria-label=move || if p.playing.get() { "Pause" } else { "Play" }
                            on:click=move |_| p.toggle()>{move || view! { <Icon d=if p.playing.get() { PAUSE } else { PLAY }/> }}</button>
                        <button type="button" class=BTN aria-label="Next" on:click=move |_| p.user_skip()><Icon d=NEXT/></button>
                        <button type="button" class=BTN
                            aria-label=move || match p.repeat.get() { Repeat::Off => "Repeat: off", Repeat::All => "Repeat: all", Repeat::One => "Repeat: one" }
                            aria-pressed=move || (p.repeat.get() != Repeat::Off).to_string()
                            on:click=move |_| p.repeat.update(|r| *r = match r { Repeat::Off => Repeat::All, Repeat::All => Repeat::One, Repeat::One => Repeat::Off })>
                            <Icon d=REPEAT/>{move || (p.repeat.get() == Repeat::One).then_some(view! { <span class="text-[10px] font-bold">"1"</span> })}
                        </button>
                    </div>
                    <div class="flex min-w-[12rem] flex-1 items-center gap-2">
                        <label for="player-seek" class="sr-only">"Seek"</label>
                        <input id="player-seek" type="range" min="0" step="1" class="w-full"
                            max=move || p.duration.get().floor().to_string()
                            prop:value=move || p.position.get().floor().to_string()
                            aria-valuetext=time
                            on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse::<f64>() { p.seek(v) } }/>
                        <span class="whitespace-nowrap text-xs tabular-nums" data-testid="player-time">{time}</span>
                    </div>
                    <div class="flex items-center gap-2">
                        <label for="player-volume" class="text-sm">"Volume"</label>
                        <input id="player-volume" type="range" min="0" max="100" step="5" class="w-24"
                            prop:value=move || ((p.volume.get() * 100.0).round() as i64).to_string()
                            on:input=move |ev| { if let Ok(v) = event_target_value(&ev).parse::<f64>() { p.set_volume(v / 100.0) } }/>
                    </div>
                    <details class="text-xs">
                        <summary>"Queue (" {move || p.queue.with(Vec::len)} ")"</summary>
                        <ol class="max-h-48 overflow-auto">
                            {move || p.queue.get().into_iter().enumerate().map(|(i, s)| view! {
                                <li>
                                    <button type="button" class="underline aria-[current=true]:font-bold"
                                        aria-current=move || (p.index.get() == Some(i)).to_string()
                                        on:click=move |_| p.jump_to(i)>{s.title.clone()}</button>
                                </li>
                            }).collect_view()}
                        </ol>
                        <p class="mt-1">"Keys: Space/K play·pause, J/L −/+10 s, N next, P previous, M mute."</p>
                        {move || p.party.with(Option::is_none).then(|| view! {
                            <button type="button" class="mt-1 underline" on:click=move |_| start_party_from_queue(p)>
                                "Start a listening party with this queue"</button>
                        })}
                    </details>
                </div>
            </section>
        </Show>
    }
}

/// Starts a listening party playing the queue and opens its page (signed-in users; the
/// server says so otherwise).
fn start_party_from_queue(p: Player) {
    let ids: Vec<String> = p
        .queue
        .get_untracked()
        .iter()
        .map(|s| s.id.to_string())
        .collect();
    leptos::task::spawn_local(async move {
        match crate::serverfns::parties::start_queue_party(ids).await {
            Ok(id) => {
                #[cfg(feature = "hydrate")]
                let _ = leptos::prelude::window()
                    .location()
                    .set_href(&format!("/party/{id}?saved=started"));
                #[cfg(not(feature = "hydrate"))]
                let _ = id;
            }
            Err(e) => p.notice.set(Some(e.to_string())),
        }
    });
}

/// Web-sys' audio element type, under a name that compiles for SSR too.
mod web_sys_audio {
    pub type Audio = leptos::web_sys::HtmlAudioElement;
}

#[cfg(feature = "hydrate")]
mod keyboard {
    use leptos::{ev, prelude::*};
    use wasm_bindgen::JsCast;

    use super::Player;

    pub fn install(p: Player) {
        let handle =
            window_event_listener(ev::keydown, move |e: leptos::web_sys::KeyboardEvent| {
                if e.ctrl_key() || e.meta_key() || e.alt_key() {
                    return;
                }
                // Never steal keys from form fields or buttons.
                if let Some(t) = e
                    .target()
                    .and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok())
                {
                    let tag = t.tag_name().to_lowercase();
                    if matches!(
                        tag.as_str(),
                        "input" | "textarea" | "select" | "button" | "summary"
                    ) || t.has_attribute("contenteditable")
                    {
                        return;
                    }
                }
                if p.index.get_untracked().is_none() {
                    return;
                }
                match e.key().as_str() {
                    " " | "k" => p.toggle(),
                    "j" => p.seek(p.position.get_untracked() - 10.0),
                    "l" => p.seek(p.position.get_untracked() + 10.0),
                    "n" => p.user_skip(),
                    "p" => p.prev(),
                    "m" => p.set_volume(if p.volume.get_untracked() > 0.0 {
                        0.0
                    } else {
                        0.8
                    }),
                    _ => return,
                }
                e.prevent_default();
            });
        on_cleanup(move || handle.remove());
    }
}

#[cfg(feature = "hydrate")]
mod media_session {
    //! `navigator.mediaSession` through Reflect (web-sys gates it behind unstable APIs).
    use encore::catalog::SongRow;
    use js_sys::{Array, Function, Object, Reflect};
    use leptos::prelude::Set;
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};

    use super::Player;

    fn session() -> Result<Option<JsValue>, JsValue> {
        let ms = Reflect::get(
            &leptos::prelude::window().navigator(),
            &"mediaSession".into(),
        )?;
        Ok((!ms.is_undefined()).then_some(ms))
    }

    pub fn set_metadata(song: &SongRow) {
        let _ = try_set_metadata(song);
    }

    fn try_set_metadata(song: &SongRow) -> Result<(), JsValue> {
        let window = leptos::prelude::window();
        let Some(ms) = session()? else { return Ok(()) };
        let init = Object::new();
        Reflect::set(&init, &"title".into(), &song.title.as_str().into())?;
        let artists = song
            .artists
            .iter()
            .map(|a| a.name.clone())
            .collect::<Vec<_>>()
            .join(", ");
        Reflect::set(&init, &"artist".into(), &artists.into())?;
        Reflect::set(&init, &"album".into(), &song.album_title.as_str().into())?;
        if let Some(c) = &song.cover {
            let img = Object::new();
            Reflect::set(&img, &"src".into(), &c.as_str().into())?;
            Reflect::set(&img, &"type".into(), &"image/svg+xml".into())?;
            Reflect::set(&init, &"artwork".into(), &Array::of1(&img))?;
        }
        let ctor: Function = Reflect::get(&window, &"MediaMetadata".into())?.dyn_into()?;
        let md = Reflect::construct(&ctor, &Array::of1(&init))?;
        Reflect::set(&ms, &"metadata".into(), &md)?;
        Ok(())
    }

    /// Registers the OS media-key handlers once per page.
    pub fn install_handlers(p: Player) {
        let _ = try_install(p);
    }

    fn try_install(p: Player) -> Result<(), JsValue> {
        let Some(ms) = session()? else { return Ok(()) };
        let set: Function = Reflect::get(&ms, &"setActionHandler".into())?.dyn_into()?;
        let actions: [(&str, Box<dyn Fn()>); 4] = [
            ("play", Box::new(move || p.playing.set(true))),
            ("pause", Box::new(move || p.playing.set(false))),
            ("nexttrack", Box::new(move || p.user_skip())),
            ("previoustrack", Box::new(move || p.prev())),
        ];
        for (name, f) in actions {
            let cb = Closure::<dyn Fn()>::new(f);
            set.call2(&ms, &name.into(), cb.as_ref().unchecked_ref())?;
            // Handlers live as long as the page.
            cb.forget();
        }
        Ok(())
    }
}

/// The party WebSocket (browser build): events in, nothing out but "sync"; reconnects
/// after a drop (the first message after a connect is the current state, so a listener
/// who was away lands at the right position), and checks the drift once a second.
#[cfg(feature = "hydrate")]
mod party_socket {
    use std::cell::RefCell;

    use encore::party::PartyEvent;
    use leptos::{
        prelude::*,
        web_sys::{MessageEvent, WebSocket},
    };
    use uuid::Uuid;
    use wasm_bindgen::{closure::Closure, JsCast};

    use super::Player;

    thread_local! {
        static SOCKET: RefCell<Option<WebSocket>> = const { RefCell::new(None) };
        static TICK: RefCell<Option<i32>> = const { RefCell::new(None) };
    }

    fn current(p: Player, gen: u64, id: Uuid) -> bool {
        p.party_gen.get_value() == gen
            && p.party.with_untracked(|f| f.as_ref().map(|f| f.id)) == Some(id)
    }

    pub fn connect(p: Player, id: Uuid) {
        close(p);
        p.party_gen.update_value(|g| *g += 1);
        let gen = p.party_gen.get_value();
        open(p, id, gen);
        let tick = Closure::<dyn Fn()>::new(move || {
            if current(p, gen, id) {
                p.party_sync(false);
            }
        });
        if let Ok(h) = window().set_interval_with_callback_and_timeout_and_arguments_0(
            tick.as_ref().unchecked_ref(),
            1000,
        ) {
            TICK.with(|t| *t.borrow_mut() = Some(h));
        }
        tick.forget();
    }

    fn open(p: Player, id: Uuid, gen: u64) {
        let loc = window().location();
        let proto = if loc.protocol().as_deref() == Ok("https:") {
            "wss:"
        } else {
            "ws:"
        };
        let url = format!("{proto}//{}/party/{id}/ws", loc.host().unwrap_or_default());
        let Ok(ws) = WebSocket::new(&url) else {
            retry(p, id, gen);
            return;
        };
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
            if !current(p, gen, id) {
                return;
            }
            if let Some(text) = e.data().as_string() {
                match serde_json::from_str::<PartyEvent>(&text) {
                    Ok(event) => p.on_party_event(event),
                    Err(err) => leptos::logging::warn!("party event not understood: {err}"),
                }
            }
        });
        let on_open = Closure::<dyn Fn()>::new(move || {
            if current(p, gen, id) {
                p.party_live.connected.set(true);
            }
        });
        let on_close = Closure::<dyn Fn()>::new(move || {
            if current(p, gen, id) {
                p.party_live.connected.set(false);
                retry(p, id, gen);
            }
        });
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        // The handlers live as long as the socket (a few per party visit).
        on_message.forget();
        on_open.forget();
        on_close.forget();
        SOCKET.with(|s| *s.borrow_mut() = Some(ws));
    }

    /// Tries again in a second while the listener still follows this party.
    fn retry(p: Player, id: Uuid, gen: u64) {
        set_timeout(
            move || {
                if current(p, gen, id) && !p.party_live.removed.get_untracked() {
                    open(p, id, gen);
                }
            },
            std::time::Duration::from_secs(1),
        );
    }

    pub fn close(_p: Player) {
        if let Some(ws) = SOCKET.with(|s| s.borrow_mut().take()) {
            ws.set_onclose(None);
            let _ = ws.close();
        }
        if let Some(h) = TICK.with(|t| t.borrow_mut().take()) {
            window().clear_interval_with_handle(h);
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod party_socket {
    use uuid::Uuid;

    use super::Player;

    pub fn connect(_p: Player, _id: Uuid) {}
    pub fn close(_p: Player) {}
}

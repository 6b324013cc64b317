//! Listening parties: the party page (now playing, controls, members, live chat), the
//! list of live parties, "Live now" on a host's profile and the "Start a listening party"
//! button on albums and playlists. Every action is a plain form (works without
//! JavaScript); hydrated, "Listen along" hands the party to the persistent player, whose
//! WebSocket keeps the page live.

use encore::{
    catalog::format_duration,
    party::{PartyState, PartyView, REACTIONS},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::{
    components::{
        form::{Forbidden, FormError, Saved, BUTTON, CARD, FIELD, LINK},
        player::use_player,
    },
    serverfns::parties::*,
};

const SMALL_BTN: &str = "rounded border border-zinc-300 px-2 py-0.5 text-xs hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800";

/// "Start a listening party" for an album or a playlist (signed-in users).
#[component]
pub fn StartPartyForm(kind: &'static str, source_id: String) -> impl IntoView {
    let start = ServerAction::<StartParty>::new();
    let r: Signal<_> = start.value().into();
    let crate::CurrentUser(user) = expect_context::<crate::CurrentUser>();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let source_id = source_id.clone();
                Suspend::new(async move {
                    matches!(user.await, Ok(Some(_))).then(|| view! {
                        <ActionForm action=start attr:class="inline">
                            <input type="hidden" name="kind" value=kind/>
                            <input type="hidden" name="source_id" value=source_id/>
                            <button type="submit" class=SMALL_BTN>"Start a listening party"</button>
                        </ActionForm>
                        <FormError result=r field="source"/>
                    })
                })
            }}
        </Suspense>
    }
}

/// "Live now" on a profile: the parties this user hosts.
#[component]
pub fn LiveNow(username: String) -> impl IntoView {
    let parties = Resource::new(move || username.clone(), |u| live_parties(Some(u)));
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let list = parties.await.unwrap_or_default();
                (!list.is_empty()).then(|| view! {
                    <section aria-labelledby="live-h" class="rounded-lg border border-red-300 p-3 dark:border-red-800">
                        <h2 id="live-h" class="font-semibold"><span aria-hidden="true" class="mr-1 text-red-600">"●"</span>"Live now"</h2>
                        <ul>{list.into_iter().map(|p| view! {
                            <li><A href=format!("/party/{}", p.id) attr:class=LINK>{p.title}</A>
                                {format!(" · {} listening", p.listeners)}</li>
                        }).collect_view()}</ul>
                    </section>
                })
            })}
        </Suspense>
    }
}

/// `/parties`: live listening parties.
#[component]
pub fn PartiesPage() -> impl IntoView {
    let parties = Resource::new(|| (), |_| live_parties(None));
    view! {
        <Title text="Listening parties"/>
        <h1 class="mb-2 text-3xl font-bold">"Listening parties"</h1>
        <p class="mb-4 text-sm text-zinc-600 dark:text-zinc-400">"Listen along with others, at the same moment of the same song. Start one from any album or playlist."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match parties.await {
                    Ok(list) if list.is_empty() => view! { <p>"No party is live right now."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul aria-label="Live parties" class="divide-y divide-zinc-200 dark:divide-zinc-800">
                            {list.into_iter().map(|p| view! {
                                <li class="py-2"><A href=format!("/party/{}", p.id) attr:class="font-semibold hover:underline">{p.title}</A>
                                    <span class="text-sm text-zinc-600 dark:text-zinc-400">{format!(" · hosted by {} · {} listening", p.host_name, p.listeners)}</span></li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The page's forms; any of them refetches the page (so without the socket, e.g. before
/// "Listen along", the page still shows what the form did).
#[derive(Clone, Copy)]
struct Actions {
    join: ServerAction<JoinParty>,
    leave: ServerAction<LeaveParty>,
    member: ServerAction<PartyMember>,
    slow: ServerAction<PartySlowMode>,
    control: ServerAction<PartyControl>,
    message: ServerAction<PartyMessage>,
    delete: ServerAction<PartyDeleteMessage>,
    tip: ServerAction<crate::serverfns::tips::SendTip>,
}

#[component]
pub fn PartyPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let a = Actions {
        join: ServerAction::new(),
        leave: ServerAction::new(),
        member: ServerAction::new(),
        slow: ServerAction::new(),
        control: ServerAction::new(),
        message: ServerAction::new(),
        delete: ServerAction::new(),
        tip: ServerAction::new(),
    };
    let leave = a.leave;
    let data = Resource::new(
        move || {
            (
                id(),
                a.join.version().get(),
                a.leave.version().get(),
                a.member.version().get(),
                a.slow.version().get(),
                a.control.version().get(),
                a.message.version().get(),
                a.delete.version().get(),
                a.tip.version().get(),
            )
        },
        |(id, ..)| get_party(id),
    );

    let p = use_player();
    // The party was left through the form: the player gives the listener's queue back.
    Effect::new(move |_| {
        if matches!(leave.value().get(), Some(Ok(()))) {
            p.leave_party();
        }
    });
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => view! { <Party v=v a=a/> }.into_any(),
                    Err(crate::error::AppError::Forbidden) => view! { <Forbidden reason="You were removed from this party."/> }.into_any(),
                    Err(crate::error::AppError::NotFound) => view! { <Title text="Not found"/><h1 class="text-2xl font-bold">"No such party"</h1> }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Party(v: PartyView, a: Actions) -> impl IntoView {
    let p = use_player();
    let Actions {
        join,
        leave,
        member,
        slow,
        control,
        message,
        delete,
        tip: tip_action,
    } = a;
    let (control_r, message_r, delete_r, join_r, member_r, slow_r): (
        Signal<_>,
        Signal<_>,
        Signal<_>,
        Signal<_>,
        Signal<_>,
        Signal<_>,
    ) = (
        control.value().into(),
        message.value().into(),
        delete.value().into(),
        join.value().into(),
        member.value().into(),
        slow.value().into(),
    );
    // A sent message clears the box (a plain form post reloads the page instead).
    let chat_box = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move |_| {
        if matches!(message.value().get(), Some(Ok(()))) {
            if let Some(t) = chat_box.get_untracked() {
                t.set_value("");
            }
        }
    });
    // Hydrated: the native audio fallback below goes once the browser build runs.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    let pid = v.id;
    let v = StoredValue::new(v);
    let following = move || p.party.with(|f| f.as_ref().map(|f| f.id)) == Some(pid);
    let state = move || -> PartyState {
        if following() {
            p.party_live
                .state
                .get()
                .unwrap_or(v.with_value(|v| v.state))
        } else {
            v.with_value(|v| v.state)
        }
    };
    let me = v.with_value(|v| v.me);
    let host = v.with_value(|v| v.host_id);
    let i_control = move || me.is_some() && (me == Some(state().controller_id) || me == Some(host));
    let muted = move || {
        if following() {
            p.party_live.muted.get()
        } else {
            v.with_value(|v| v.i_am_muted)
        }
    };
    let listeners = move || {
        if following() {
            p.party_live.listeners.get()
        } else {
            v.with_value(|v| v.listeners)
        }
    };
    let messages = move || {
        if following() {
            p.party_live.messages.get()
        } else {
            v.with_value(|v| v.messages.clone())
        }
    };
    let now_playing = move || {
        if following() {
            p.current().map(|s| s.title)
        } else {
            v.with_value(|v| v.now_playing().map(|(s, _)| s.title.clone()))
        }
    };
    let current_index = move || {
        if following() {
            p.index.get()
        } else {
            v.with_value(|v| {
                let d: Vec<u64> = v.songs.iter().map(|s| s.duration_ms).collect();
                encore::party::effective(&v.state, &d, v.server_now_ms).map(|(i, _)| i)
            })
        }
    };
    let (title, host_name, host_username, host_is_artist, member_of, moderate, ended) = v
        .with_value(|v| {
            (
                v.title.clone(),
                v.host_name.clone(),
                v.host_username.clone(),
                v.host_is_artist,
                v.i_am_member,
                v.i_moderate,
                v.state.ended,
            )
        });
    let ids = pid.to_string();
    let follow = move |_| v.with_value(|v| p.follow_party(v));
    let stop_following = move |_| p.leave_party();

    let controls = {
        move || {
            (i_control() && !ended).then(|| {
                let others: Vec<_> = v.with_value(|v| {
                    v.members
                        .iter()
                        .filter(|m| Some(m.user_id) != me)
                        .cloned()
                        .collect()
                });
                let playing = state().playing;
                let button = move |action: &'static str, label: &'static str| {
                    view! {
                        <ActionForm action=control attr:class="inline">
                            <input type="hidden" name="party_id" value=pid.to_string()/>
                            <input type="hidden" name="action" value=action/>
                            <button type="submit" class=BUTTON>{label}</button>
                        </ActionForm>
                    }
                };
                view! {
                    <section aria-labelledby="controls-h" class=CARD>
                        <h2 id="controls-h" class="mb-2 font-semibold">"Controls"</h2>
                        <div class="flex flex-wrap items-end gap-2" role="group" aria-label="Party playback">
                            {button("previous", "Previous")}
                            {if playing { button("pause", "Pause for everyone") } else { button("play", "Play for everyone") }}
                            {button("next", "Next song")}
                            <ActionForm action=control attr:class="flex items-end gap-1">
                                <input type="hidden" name="party_id" value=pid.to_string()/>
                                <input type="hidden" name="action" value="seek"/>
                                <label class="flex flex-col text-sm">"Seek to (seconds)"
                                    <input name="value" type="number" min="0" step="1" required class=FIELD/></label>
                                <button type="submit" class=SMALL_BTN>"Seek"</button>
                            </ActionForm>
                            {(!others.is_empty()).then(|| view! {
                                <ActionForm action=control attr:class="flex items-end gap-1">
                                    <input type="hidden" name="party_id" value=pid.to_string()/>
                                    <input type="hidden" name="action" value="hand_over"/>
                                    <label class="flex flex-col text-sm">"Co-host"
                                        <select name="value" class=FIELD>{others.into_iter().map(|m| view! {
                                            <option value=m.user_id.to_string()>{m.display_name}</option>
                                        }).collect_view()}</select></label>
                                    <button type="submit" class=SMALL_BTN>"Hand over the controls"</button>
                                </ActionForm>
                            })}
                            {(me == Some(host)).then(|| button("end", "End the party"))}
                        </div>
                        <FormError result=control_r field="value"/>
                    </section>
                }
            })
        }
    };

    let no_js_audio = move || {
        (!hydrated.get() && member_of && !ended).then(|| {
            v.with_value(|v| {
                v.now_playing().map(|(s, at)| {
                    view! {
                        <p class="text-sm">"Listen along here (press play; the position is the party's):"</p>
                        <audio controls preload="none" src=format!("/stream/{}#t={at}", s.id)
                            aria-label=format!("Play {} from {}", s.title, format_duration(at * 1000))></audio>
                    }
                })
            })
        })
    };

    let chat_items = move || {
        messages()
            .into_iter()
            .map(|m| {
                let can_delete = me == Some(m.user_id) || moderate;
                let label = format!("Delete the message by {}", m.display_name);
                let ids = pid.to_string();
                let reaction = m.kind == "reaction";
                view! {
                    <li class="py-1" data-testid="chat-message">
                        <A href=format!("/u/{}", m.username) attr:class="font-semibold hover:underline">{m.display_name.clone()}</A>
                        " "
                        <span class=if reaction { "text-2xl" } else { "whitespace-pre-wrap break-words" }>{m.body.clone()}</span>
                        {can_delete.then(|| view! {
                            <ActionForm action=delete attr:class="ml-2 inline">
                                <input type="hidden" name="party_id" value=ids/>
                                <input type="hidden" name="message_id" value=m.id.to_string()/>
                                <button type="submit" class=SMALL_BTN aria-label=label>"Delete"</button>
                            </ActionForm>
                        })}
                    </li>
                }
            })
            .collect_view()
    };

    let members_list = v.with_value(|v| v.members.clone());
    let ids_join = ids.clone();
    let ids_leave = ids.clone();
    let ids_chat = ids.clone();
    let ids_slow = ids.clone();
    let songs = v.with_value(|v| v.songs.clone());
    let (tip, tip_key) = v.with_value(|v| (v.tip_artist.clone(), v.tip_request_id.to_string()));

    view! {
        <Title text=title.clone()/>
        <article class="flex flex-col gap-4" aria-labelledby="party-h">
            <header>
                <h1 id="party-h" class="text-3xl font-bold">{title.clone()}</h1>
                <p class="text-zinc-600 dark:text-zinc-400">
                    "Hosted by " <A href=format!("/u/{host_username}") attr:class=LINK>{host_name}</A>
                    {host_is_artist.then(|| view! { <span class="ml-2 rounded bg-amber-100 px-2 text-sm text-amber-900 dark:bg-amber-900 dark:text-amber-100">"Artist"</span> })}
                    " · "
                    <span data-testid="party-listeners" aria-live="polite">{move || format!("{} listening", listeners())}</span>
                    {ended.then_some(" · ended")}
                </p>
                <div role="status" class="text-sm text-green-700 dark:text-green-400">
                    <Saved what="started" message="Your party is live. Share this page's address."/>
                    <Saved what="joined" message="You joined the party."/>
                    <Saved what="left" message="You left the party."/>
                </div>
            </header>

            <section class=CARD aria-labelledby="np-h">
                <h2 id="np-h" class="font-semibold">"Now playing"</h2>
                <p class="text-xl" data-testid="party-now-playing">{move || now_playing().unwrap_or_else(|| "Nothing (the party reached its end)".into())}</p>
                <p class="text-sm text-zinc-600 dark:text-zinc-400">{move || if state().playing { "Playing" } else { "Paused" }}</p>
                {no_js_audio}
                <div class="mt-2 flex flex-wrap gap-2">
                    {match (me.is_some(), member_of) {
                        (false, _) => view! { <p class="text-sm"><A href=format!("/signin?next=/party/{pid}") attr:class=LINK>"Sign in"</A>" to join the party."</p> }.into_any(),
                        (true, false) => (!ended).then(|| view! {
                            <ActionForm action=join>
                                <input type="hidden" name="party_id" value=ids_join/>
                                <button type="submit" class=BUTTON>"Join the party"</button>
                            </ActionForm>
                        }).into_any(),
                        (true, true) => view! {
                            {move || (hydrated.get() && !ended).then(|| if following() {
                                view! { <button type="button" class=SMALL_BTN on:click=stop_following>"Stop listening along"</button> }.into_any()
                            } else {
                                view! { <button type="button" class=BUTTON on:click=follow>"Listen along"</button> }.into_any()
                            })}
                            {move || following().then(|| view! {
                                <span class="text-sm" data-testid="party-connection">{move || if p.party_live.connected.get() { "Connected" } else { "Reconnecting…" }}</span>
                            })}
                            <ActionForm action=leave>
                                <input type="hidden" name="party_id" value=ids_leave/>
                                <button type="submit" class=SMALL_BTN>"Leave the party"</button>
                            </ActionForm>
                        }.into_any(),
                    }}
                </div>
                <FormError result=join_r/>
            </section>

            {controls}

            {(member_of && !ended).then(|| tip.map(|(aid, name)| view! {
                <crate::pages::TipForm artist_id=aid.to_string() artist_name=name party_id=pid.to_string() request_id=tip_key.clone() send=tip_action/>
            })).flatten()}

            <div class="grid gap-4 md:grid-cols-2">
                <section id="chat" class=CARD aria-labelledby="chat-h">
                    <h2 id="chat-h" class="mb-2 font-semibold">"Chat"</h2>
                    <ol aria-label="Chat messages" aria-live="polite" class="mb-2 max-h-96 overflow-auto text-sm">{chat_items}</ol>
                    <Saved what="deleted" message="Message deleted."/>
                    <FormError result=delete_r/>
                    {(member_of && !ended).then(|| view! {
                        {move || muted().then(|| view! { <p class="text-sm text-amber-700 dark:text-amber-300">"You are muted in this party."</p> })}
                        <ActionForm action=message attr:class="flex flex-col gap-1">
                            <input type="hidden" name="party_id" value=ids_chat/>
                            <label for="f-chat" class="text-sm font-medium">"Your message"</label>
                            <textarea node_ref=chat_box id="f-chat" name="body" rows="2" maxlength="500" class=FIELD></textarea>
                            <button type="submit" class=BUTTON>"Send"</button>
                        </ActionForm>
                        <div class="mt-1 flex gap-1" role="group" aria-label="Reactions">
                            {REACTIONS.into_iter().map(|r| view! {
                                <ActionForm action=message attr:class="inline">
                                    <input type="hidden" name="party_id" value=pid.to_string()/>
                                    <input type="hidden" name="kind" value="reaction"/>
                                    <input type="hidden" name="body" value=r/>
                                    <button type="submit" class="rounded px-1 text-xl hover:bg-zinc-100 dark:hover:bg-zinc-800" aria-label=format!("React with {r}")>{r}</button>
                                </ActionForm>
                            }).collect_view()}
                        </div>
                        <FormError result=message_r field="body"/>
                    })}
                    {(moderate && !ended).then(|| view! {
                        <ActionForm action=slow attr:class="mt-2 flex items-end gap-1 text-sm">
                            <input type="hidden" name="party_id" value=ids_slow/>
                            <label class="flex flex-col">"Slow mode"
                                <select name="seconds" class=FIELD>
                                    {[0u32, 5, 10, 30, 60].into_iter().map(|s| view! {
                                        <option value=s.to_string() selected=v.with_value(|v| v.slow_mode_secs) == s>{if s == 0 { "Off".to_string() } else { format!("One message per {s} s") }}</option>
                                    }).collect_view()}
                                </select></label>
                            <button type="submit" class=SMALL_BTN>"Set slow mode"</button>
                        </ActionForm>
                        <Saved what="slow" message="Slow mode saved."/>
                        <FormError result=slow_r field="slow_mode_secs"/>
                    })}
                </section>

                <section id="members" class=CARD aria-labelledby="members-h">
                    <h2 id="members-h" class="mb-2 font-semibold">"Members"</h2>
                    <ul aria-label="Members" class="text-sm">
                        {members_list.into_iter().map(|m| {
                            let (ids_m, ids_r) = (pid.to_string(), pid.to_string());
                            let (uid_m, uid_r) = (m.user_id.to_string(), m.user_id.to_string());
                            let is_host = m.user_id == host;
                            let action = if m.muted { "unmute" } else { "mute" };
                            let (mute_label, remove_label) = (format!("{} {}", if m.muted { "Unmute" } else { "Mute" }, m.display_name), format!("Remove {}", m.display_name));
                            view! {
                                <li class="flex flex-wrap items-center gap-2 py-1">
                                    <A href=format!("/u/{}", m.username) attr:class="hover:underline">{m.display_name.clone()}</A>
                                    {is_host.then_some(" (host)")}
                                    {m.here.then_some(" · here")}
                                    {m.muted.then_some(" · muted")}
                                    {(moderate && !is_host).then(|| view! {
                                        <ActionForm action=member attr:class="inline">
                                            <input type="hidden" name="party_id" value=ids_m/>
                                            <input type="hidden" name="user_id" value=uid_m/>
                                            <input type="hidden" name="action" value=action/>
                                            <button type="submit" class=SMALL_BTN aria-label=mute_label>{if m.muted { "Unmute" } else { "Mute" }}</button>
                                        </ActionForm>
                                        <ActionForm action=member attr:class="inline">
                                            <input type="hidden" name="party_id" value=ids_r/>
                                            <input type="hidden" name="user_id" value=uid_r/>
                                            <input type="hidden" name="action" value="remove"/>
                                            <button type="submit" class=SMALL_BTN aria-label=remove_label>"Remove"</button>
                                        </ActionForm>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <FormError result=member_r field="action"/>
                </section>
            </div>

            <section class=CARD aria-labelledby="tracks-h">
                <h2 id="tracks-h" class="mb-2 font-semibold">"Songs"</h2>
                <ol aria-label="Party songs" class="list-decimal pl-6 text-sm">
                    {songs.into_iter().enumerate().map(|(i, s)| view! {
                        <li aria-current=move || (current_index() == Some(i)).then_some("true")
                            class="aria-[current=true]:font-bold">
                            {s.title.clone()}
                            <span class="text-zinc-600 dark:text-zinc-400">{format!(" · {} · {}", s.artists.iter().map(|a| a.name.clone()).collect::<Vec<_>>().join(", "), format_duration(s.duration_ms))}</span>
                        </li>
                    }).collect_view()}
                </ol>
            </section>
        </article>
    }
}

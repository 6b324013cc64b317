//! Live events (an artist's scheduled listening party) and in-app notifications. Plain
//! forms throughout, so all of it works without JavaScript.

use chrono::{DateTime, Utc};
use encore::party::LiveEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::{
    components::form::{FormError, Saved, BUTTON, CARD, FIELD, LINK},
    serverfns::events::*,
};

fn when(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%A %-d %B %Y, %H:%M UTC").to_string())
        .unwrap_or_default()
}

fn status(e: &LiveEvent) -> &'static str {
    match (e.party_id, e.ended) {
        (Some(_), true) => "Ended",
        (Some(_), false) => "Live now",
        (None, _) => "Upcoming",
    }
}

/// An artist's events (on the artist page: upcoming and live ones only).
#[component]
pub fn EventList(events: Vec<LiveEvent>, #[prop(into)] label: String) -> impl IntoView {
    view! {
        <ul aria-label=label class="flex flex-col gap-1">
            {events.into_iter().map(|e| {
                let meta = format!(" · {} · {} · {} going", status(&e), when(e.starts_at_ms), e.rsvps);
                view! {
                    <li><A href=format!("/event/{}", e.id) attr:class="font-medium hover:underline">{e.title}</A>
                        <span class="text-sm text-zinc-600 dark:text-zinc-400">{meta}</span></li>
                }
            }).collect_view()}
        </ul>
    }
}

/// `/artist/{id}/events`: the artist's events; linked accounts schedule new ones.
#[component]
pub fn ArtistEventsPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let schedule = ServerAction::<ScheduleEvent>::new();
    let data = Resource::new(id, artist_events);
    let r: Signal<Option<Result<(), crate::error::AppError>>> = schedule.value().into();
    let err = move |f: &'static str| move || r.get().and_then(|r| r.err()).and_then(|e| e.field(f));
    view! {
        <Title text="Live events"/>
        <h1 class="mb-4 text-2xl font-bold">"Live events"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (events, manage, albums) = match data.await {
                    Ok(d) => d,
                    Err(e) => return view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                };
                view! {
                    {if events.is_empty() { view! { <p class="mb-4">"No events yet."</p> }.into_any() }
                     else { view! { <div class="mb-6"><EventList events=events label="Events"/></div> }.into_any() }}
                    {manage.then(|| view! {
                        <section aria-labelledby="new-event-h" class=CARD>
                            <h2 id="new-event-h" class="mb-2 text-lg font-semibold">"Schedule a live event"</h2>
                            <ActionForm action=schedule attr:class="flex max-w-xl flex-col gap-2">
                                <FormError result=r/>
                                <input type="hidden" name="artist_id" value=id()/>
                                <label for="ev-title" class="text-sm font-medium">"Title"</label>
                                <input id="ev-title" name="title" maxlength="120" required class=FIELD aria-describedby="ev-title-e"/>
                                <p id="ev-title-e" role="alert" class="text-sm text-red-700 dark:text-red-400">{err("title")}</p>
                                <label for="ev-when" class="text-sm font-medium">"Starts at (UTC)"</label>
                                <input id="ev-when" name="starts_at" type="datetime-local" required class=FIELD aria-describedby="ev-when-e"/>
                                <p id="ev-when-e" role="alert" class="text-sm text-red-700 dark:text-red-400">{err("starts_at")}</p>
                                <label for="ev-album" class="text-sm font-medium">"Music (the party plays this release)"</label>
                                <select id="ev-album" name="album_id" class=FIELD aria-describedby="ev-album-e">
                                    {albums.into_iter().map(|(id, title)| view! { <option value=id>{title}</option> }).collect_view()}
                                </select>
                                <p id="ev-album-e" role="alert" class="text-sm text-red-700 dark:text-red-400">{err("album_id")}</p>
                                <label for="ev-desc" class="text-sm font-medium">"Description"</label>
                                <textarea id="ev-desc" name="description" rows="3" maxlength="2000" class=FIELD></textarea>
                                <p role="alert" class="text-sm text-red-700 dark:text-red-400">{err("description")}</p>
                                <button type="submit" class=BUTTON>"Schedule"</button>
                            </ActionForm>
                        </section>
                    })}
                }.into_any()
            })}
        </Suspense>
    }
}

/// `/event/{id}`: details, RSVP, attendees; the artist goes live here; afterwards how
/// many listened and the chat replay.
#[component]
pub fn EventPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let rsvp = ServerAction::<RsvpEvent>::new();
    let live = ServerAction::<GoLive>::new();
    let data = Resource::new(
        move || (id(), rsvp.version().get(), live.version().get()),
        |(id, ..)| get_event(id),
    );
    let (rsvp_r, live_r): (Signal<_>, Signal<_>) = (rsvp.value().into(), live.value().into());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let v = match data.await {
                    Ok(v) => v,
                    Err(crate::error::AppError::NotFound) => return view! { <Title text="Not found"/><h1 class="text-2xl font-bold">"No such event"</h1> }.into_any(),
                    Err(e) => return view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                };
                let e = v.event.clone();
                let eid = e.id.to_string();
                let (eid1, eid2) = (eid.clone(), eid.clone());
                view! {
                    <Title text=e.title.clone()/>
                    <article class="flex flex-col gap-4" aria-labelledby="event-h">
                        <header class="flex flex-wrap items-end gap-4">
                            {e.cover.clone().map(|c| view! { <img src=c alt="" width="160" height="160" class="h-40 w-40 rounded-md"/> })}
                            <div>
                                <p class="text-sm uppercase tracking-wide">{status(&e)}</p>
                                <h1 id="event-h" class="text-3xl font-bold">{e.title.clone()}</h1>
                                <p><A href=format!("/artist/{}", e.artist_id) attr:class=LINK>{e.artist_name.clone()}</A>{format!(" · {}", when(e.starts_at_ms))}</p>
                            </div>
                        </header>
                        <div role="status" class="text-sm text-green-700 dark:text-green-400">
                            <Saved what="scheduled" message="Scheduled. Your followers can RSVP now."/>
                            <Saved what="going" message="You are going. You will be notified when it goes live."/>
                            <Saved what="not-going" message="You are no longer going."/>
                        </div>
                        <p class="max-w-prose whitespace-pre-wrap">{e.description.clone()}</p>
                        {match (e.party_id, e.ended) {
                            (Some(p), false) => Some(view! { <p><A href=format!("/party/{p}") attr:class=BUTTON>"Join the live party"</A></p> }.into_any()),
                            (None, _) if v.i_manage => Some(view! {
                                <ActionForm action=live>
                                    <input type="hidden" name="event_id" value=eid1/>
                                    <button type="submit" class=BUTTON>"Go live now"</button>
                                </ActionForm>
                                <FormError result=live_r/>
                            }.into_any()),
                            _ => None,
                        }}
                        {v.i_rsvped.filter(|_| !e.ended).map(|going| view! {
                            <ActionForm action=rsvp>
                                <input type="hidden" name="event_id" value=eid2/>
                                <input type="hidden" name="going" value=(!going).to_string()/>
                                <button type="submit" class=if going { "rounded-md border border-zinc-400 px-3 py-2 text-sm" } else { BUTTON }
                                    aria-pressed=going.to_string()>{if going { "Going ✓ (cancel)" } else { "I'm going" }}</button>
                            </ActionForm>
                            <FormError result=rsvp_r/>
                        })}
                        {v.listened.map(|n| view! { <p data-testid="event-listened">{format!("{n} people listened.")}</p> })}
                        <section class=CARD aria-labelledby="att-h">
                            <h2 id="att-h" class="mb-2 font-semibold">{format!("Going ({})", e.rsvps)}</h2>
                            {if v.attendees.is_empty() { view! { <p class="text-sm">"Nobody yet."</p> }.into_any() } else {
                                view! { <ul aria-label="Going" class="flex flex-wrap gap-2 text-sm">{v.attendees.into_iter().map(|(name, user)| view! {
                                    <li><A href=format!("/u/{user}") attr:class="hover:underline">{name}</A></li>
                                }).collect_view()}</ul> }.into_any()
                            }}
                        </section>
                        {(!v.replay.is_empty()).then(|| view! {
                            <section class=CARD aria-labelledby="replay-h">
                                <h2 id="replay-h" class="mb-2 font-semibold">"Chat replay"</h2>
                                <ol aria-label="Chat replay" class="text-sm">{v.replay.into_iter().map(|m| view! {
                                    <li><span class="font-semibold">{m.display_name}</span>" "<span class="whitespace-pre-wrap break-words">{m.body}</span></li>
                                }).collect_view()}</ol>
                            </section>
                        })}
                    </article>
                }.into_any()
            })}
        </Suspense>
    }
}

/// `/notifications`: the newest 50; "Mark all as read".
#[component]
pub fn NotificationsPage() -> impl IntoView {
    let read = ServerAction::<MarkNotificationsRead>::new();
    let data = Resource::new(move || read.version().get(), |_| my_notifications());
    view! {
        <Title text="Notifications"/>
        <h1 class="mb-4 text-2xl font-bold">"Notifications"</h1>
        <Saved what="read" message="All marked as read."/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(list) if list.is_empty() => view! { <p>"Nothing yet. Follow artists to hear when they go live."</p> }.into_any(),
                    Ok(list) => {
                        let unread = list.iter().any(|n| !n.read);
                        view! {
                            {unread.then(|| view! {
                                <ActionForm action=read attr:class="mb-2"><button type="submit" class="rounded-md border border-zinc-400 px-3 py-1 text-sm">"Mark all as read"</button></ActionForm>
                            })}
                            <ul aria-label="Notifications" class="divide-y divide-zinc-200 dark:divide-zinc-800">
                                {list.into_iter().map(|n| view! {
                                    <li class="py-2">
                                        {(!n.read).then(|| view! { <span class="mr-1 font-bold text-violet-700 dark:text-violet-400">"New: "</span> })}
                                        <A href=n.link.clone() attr:class=LINK>{n.message.clone()}</A>
                                        <span class="text-sm text-zinc-600 dark:text-zinc-400">{format!(" · {}", when(n.at_ms))}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

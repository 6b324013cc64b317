//! The activity feed.

use encore::model::FeedEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    components::songs::ArtistLinks,
    serverfns::social::{get_feed, get_suggestions},
};

#[component]
pub fn FeedPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || query.read().get("before"), get_feed);
    let suggestions = Resource::new(|| (), |_| get_suggestions());
    view! {
        <Title text="Feed"/>
        <h1 class="mb-4 text-2xl font-bold">"Feed"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let list = suggestions.await.unwrap_or_default();
                (!list.is_empty()).then(|| view! {
                    <section aria-labelledby="suggest-h" class="mb-6">
                        <h2 id="suggest-h" class="mb-2 font-semibold">"People you may know"</h2>
                        <ul aria-label="People you may know" class="flex flex-wrap gap-3">
                            {list.into_iter().map(|s| view! {
                                <li class="rounded-lg border border-zinc-200 px-3 py-2 text-sm dark:border-zinc-800">
                                    <A href=format!("/u/{}", s.user.username) attr:class="font-medium underline">{s.user.display_name}</A>
                                    <span class="block text-zinc-600 dark:text-zinc-400">{s.reason}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Suspense>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(items) if items.is_empty() => view! {
                        <p>"Nothing yet. Follow people and artists to see what they do here."</p>
                    }.into_any(),
                    Ok(items) => {
                        let next = (items.len() as i64 >= encore::model::FEED_PAGE).then(|| items.last().map(|i| i.at.to_rfc3339())).flatten();
                        view! {
                            <ol aria-label="Activity" class="divide-y divide-zinc-200 dark:divide-zinc-800">
                                {items.into_iter().map(|i| {
                                    let when = i.at.format("%Y-%m-%d %H:%M").to_string();
                                    let body = match i.event {
                                        FeedEvent::Playlist { user, playlist_id, title } => view! {
                                            <A href=format!("/u/{}", user.username) attr:class="font-medium hover:underline">{user.display_name}</A>
                                            " made a playlist: "
                                            <A href=format!("/playlist/{playlist_id}") attr:class="font-medium hover:underline">{title}</A>
                                        }.into_any(),
                                        FeedEvent::Like { user, song } => view! {
                                            <A href=format!("/u/{}", user.username) attr:class="font-medium hover:underline">{user.display_name}</A>
                                            " liked "
                                            <A href=format!("/song/{}", song.id) attr:class="font-medium hover:underline">{song.title.clone()}</A>
                                            " by " <ArtistLinks artists=song.artists.clone()/>
                                        }.into_any(),
                                        FeedEvent::Listened { user, song } => view! {
                                            <A href=format!("/u/{}", user.username) attr:class="font-medium hover:underline">{user.display_name}</A>
                                            " listened to "
                                            <A href=format!("/song/{}", song.id) attr:class="font-medium hover:underline">{song.title.clone()}</A>
                                            " by " <ArtistLinks artists=song.artists.clone()/>
                                        }.into_any(),
                                        FeedEvent::Release { album } => view! {
                                            {album.artist_names.join(", ")}
                                            " released "
                                            <A href=format!("/album/{}", album.id) attr:class="font-medium hover:underline">{album.title.clone()}</A>
                                        }.into_any(),
                                    };
                                    view! {
                                        <li class="py-2">
                                            <time class="mr-3 text-sm tabular-nums text-zinc-600 dark:text-zinc-400" datetime=i.at.to_rfc3339()>{when}</time>
                                            {body}
                                        </li>
                                    }
                                }).collect_view()}
                            </ol>
                            {next.map(|n| view! {
                                <p class="mt-4"><A href=format!("/feed?before={}", crate::url::encode(&n)) attr:class="underline">"Older →"</A></p>
                            })}
                        }.into_any()
                    }
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

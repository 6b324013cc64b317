//! Song lists, album and artist grids. A song's play control is a link to its page (which
//! plays natively without JavaScript); hydrated, it queues the list in the player instead.

use encore::{
    catalog::{format_duration, Album, ArtistSummary, SongRow},
    listening::Source,
};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::player::use_player;

/// This page's path and query (without one-off confirmation or error parameters), to come
/// back to after a form elsewhere.
pub fn current_path() -> String {
    let loc = leptos_router::hooks::use_location();
    let query: Vec<String> = loc
        .search
        .get_untracked()
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("saved=") && !p.starts_with("__"))
        .map(str::to_string)
        .collect();
    let path = loc.pathname.get_untracked();
    if query.is_empty() {
        path
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// The add-to-playlist page for a song, coming back to `back`.
pub fn add_to_playlist_href(song_id: &str, back: &str) -> String {
    format!(
        "/add-to-playlist?song={song_id}&back={}",
        crate::url::encode(back)
    )
}

#[component]
pub fn ExplicitBadge() -> impl IntoView {
    view! {
        <span class="ml-1 rounded bg-zinc-300 px-1 text-[10px] font-bold text-zinc-800 dark:bg-zinc-700 dark:text-zinc-100"
            title="Explicit" aria-label="Explicit">"E"</span>
    }
}

#[component]
pub fn ArtistLinks(artists: Vec<encore::catalog::ArtistCredit>) -> impl IntoView {
    let n = artists.len();
    artists
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            view! {
                <A href=format!("/artist/{}", a.id) attr:class="hover:underline">{a.name}</A>
                {(i + 1 < n).then_some(", ")}
            }
        })
        .collect_view()
}

/// A numbered list of songs. `label` names the list for screen readers.
#[component]
pub fn SongList(
    songs: Vec<SongRow>,
    label: String,
    #[prop(default = true)] show_album: bool,
    /// Where plays started from this list come from (for listening reports).
    #[prop(default = Source::Other)]
    source: Source,
    #[prop(optional)] source_id: Option<String>,
    /// Recommended songs: title links count a click for this variant on the way.
    #[prop(optional)]
    via_variant: Option<String>,
) -> impl IntoView {
    let player = use_player();
    let all = StoredValue::new(songs.clone());
    let here = current_path();
    view! {
        <ol aria-label=label class="divide-y divide-zinc-200 dark:divide-zinc-800">
            {songs.into_iter().enumerate().map(|(i, s)| {
                let title = s.title.clone();
                let queue_label = format!("Add {} to queue", s.title);
                let next_label = format!("Play {} next", s.title);
                let row = s.clone();
                let row_next = s.clone();
                let add_href = add_to_playlist_href(&s.id.to_string(), &here);
                let add_label = format!("Add {} to a playlist", s.title);
                view! {
                    <li class="flex items-center gap-3 py-2">
                        <span class="w-6 text-right text-sm tabular-nums text-zinc-500">{i + 1}</span>
                        {if s.playable {
                            view! {
                                <a href=format!("/song/{}", s.id) aria-label=format!("Play {title}")
                                    class="rounded-full bg-violet-700 px-2 py-1 text-xs text-white hover:bg-violet-800"
                                    on:click={
                                        let source_id = source_id.clone();
                                        move |ev| { ev.prevent_default(); player.play_list_from(all.get_value(), i, source, source_id.clone()); }
                                    }>"▶"</a>
                            }.into_any()
                        } else {
                            view! { <span class="px-2 text-xs text-zinc-500" title="Not playable">"—"</span> }.into_any()
                        }}
                        <div class="min-w-0 flex-1">
                            {match &via_variant {
                                // A server round trip (rel=external keeps the client router out).
                                Some(v) => view! {
                                    <a href=format!("/api/recs/open?variant={v}&song_id={}", s.id) rel="external"
                                        class="font-medium hover:underline">{s.title.clone()}</a>
                                }.into_any(),
                                None => view! {
                                    <A href=format!("/song/{}", s.id) attr:class="font-medium hover:underline">{s.title.clone()}</A>
                                }.into_any(),
                            }}
                            {s.explicit.then(|| view! { <ExplicitBadge/> })}
                            <p class="truncate text-sm text-zinc-600 dark:text-zinc-400">
                                <ArtistLinks artists=s.artists.clone()/>
                                {show_album.then(|| view! { " · " <A href=format!("/album/{}", s.album_id) attr:class="hover:underline">{s.album_title.clone()}</A> })}
                            </p>
                        </div>
                        {s.playable.then(|| view! {
                            // Queue controls need JavaScript; without it they stay hidden.
                            <span class="js-only hidden gap-1 sm:flex">
                                <button type="button" class="rounded px-2 py-1 text-xs hover:bg-zinc-100 dark:hover:bg-zinc-800"
                                    aria-label=next_label
                                    on:click=move |_| player.play_next(row_next.clone())>"Next"</button>
                                <button type="button" class="rounded px-2 py-1 text-xs hover:bg-zinc-100 dark:hover:bg-zinc-800"
                                    aria-label=queue_label
                                    on:click=move |_| player.add_to_queue(row.clone())>"+ Queue"</button>
                            </span>
                        })}
                        <a href=add_href aria-label=add_label title="Add to playlist"
                            class="rounded px-2 py-1 text-xs hover:bg-zinc-100 dark:hover:bg-zinc-800">"+ Playlist"</a>
                        <span class="text-sm tabular-nums text-zinc-600 dark:text-zinc-400">{format_duration(s.duration_ms)}</span>
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

#[component]
pub fn AlbumGrid(albums: Vec<Album>, label: String) -> impl IntoView {
    view! {
        <ul aria-label=label class="grid grid-cols-2 gap-4 sm:grid-cols-3 md:grid-cols-4 lg:grid-cols-6">
            {albums.into_iter().map(|a| view! {
                <li>
                    <A href=format!("/album/{}", a.id) attr:class="group block">
                        <img src=a.cover.clone().unwrap_or_default() alt="" loading="lazy" width="300" height="300"
                            class="aspect-square w-full rounded-md object-cover group-hover:opacity-90"/>
                        <span class="mt-1 block truncate font-medium group-hover:underline">{a.title.clone()}</span>
                    </A>
                    <span class="block truncate text-sm text-zinc-600 dark:text-zinc-400">
                        {format!("{} · {}", a.release_date.format("%Y"), a.artist_names.join(", "))}
                    </span>
                </li>
            }).collect_view()}
        </ul>
    }
}

#[component]
pub fn ArtistGrid(artists: Vec<ArtistSummary>, label: String) -> impl IntoView {
    view! {
        <ul aria-label=label class="grid grid-cols-2 gap-4 sm:grid-cols-3 md:grid-cols-4 lg:grid-cols-6">
            {artists.into_iter().map(|a| view! {
                <li>
                    <A href=format!("/artist/{}", a.id) attr:class="group block text-center">
                        <img src=a.image.clone().unwrap_or_default() alt="" loading="lazy" width="300" height="300"
                            class="mx-auto aspect-square w-full rounded-full object-cover"/>
                        <span class="mt-1 block truncate font-medium group-hover:underline">{a.name.clone()}</span>
                    </A>
                </li>
            }).collect_view()}
        </ul>
    }
}

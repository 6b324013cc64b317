//! Search and 404.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_query_map},
    NavigateOptions,
};

use crate::{
    components::songs::{AlbumGrid, ArtistGrid, SongList},
    serverfns::catalog::search,
};

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::set_status(http::StatusCode::NOT_FOUND);
    view! {
        <Title text="Not found"/>
        <h1 class="text-2xl font-bold">"404 — page not found"</h1>
        <p class="mt-2">"There is nothing at this address. " <A href="/" attr:class="underline">"Go home"</A></p>
    }
}

/// One box for everything. Without JavaScript it is a GET form; hydrated, results follow
/// each keystroke (the URL keeps the query, so results are shareable).
#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let results = Resource::new(q, search);
    let navigate = use_navigate();
    let on_input = move |ev| {
        let q = crate::url::encode(&event_target_value(&ev));
        navigate(
            &format!("/search?q={q}"),
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    view! {
        <Title text="Search"/>
        <h1 class="mb-4 text-2xl font-bold">"Search"</h1>
        <form method="get" action="/search" role="search" class="flex gap-2" on:submit=|ev| ev.prevent_default()>
            <label for="q" class="sr-only">"Search songs, artists, albums and people"</label>
            <input id="q" name="q" type="search" value=q on:input=on_input autocomplete="off"
                placeholder="Songs, artists, albums, people"
                class="w-full max-w-md rounded-md border border-zinc-300 px-3 py-2 dark:border-zinc-700 dark:bg-zinc-900"/>
            <button type="submit" class="rounded-md bg-violet-700 px-4 py-2 font-semibold text-white">"Search"</button>
        </form>
        <div aria-live="polite">
            <Transition fallback=|| view! { <p>"Searching…"</p> }>
                {move || Suspend::new(async move {
                    let text = q();
                    match results.await {
                        Ok(r) if text.trim().is_empty() => { let _ = r; view! { <p class="mt-4 text-zinc-600 dark:text-zinc-400">"Type to search; small typos are fine."</p> }.into_any() }
                        Ok(r) if r.songs.is_empty() && r.artists.is_empty() && r.albums.is_empty() && r.users.is_empty() && r.playlists.is_empty() =>
                            view! { <p class="mt-4">{format!("Nothing matches “{text}”.")}</p> }.into_any(),
                        Ok(r) => view! {
                            {(!r.artists.is_empty()).then(|| view! {
                                <section class="mt-6" aria-labelledby="sa-h"><h2 id="sa-h" class="mb-2 text-xl font-semibold">"Artists"</h2>
                                <ArtistGrid artists=r.artists.clone() label="Artists".into()/></section>
                            })}
                            {(!r.songs.is_empty()).then(|| view! {
                                <section class="mt-6" aria-labelledby="ss-h"><h2 id="ss-h" class="mb-2 text-xl font-semibold">"Songs"</h2>
                                <SongList songs=r.songs.clone() label="Songs".into() source=encore::listening::Source::Search/></section>
                            })}
                            {(!r.albums.is_empty()).then(|| view! {
                                <section class="mt-6" aria-labelledby="sal-h"><h2 id="sal-h" class="mb-2 text-xl font-semibold">"Albums"</h2>
                                <AlbumGrid albums=r.albums.clone() label="Albums".into()/></section>
                            })}
                            {(!r.playlists.is_empty()).then(|| view! {
                                <section class="mt-6" aria-labelledby="sp-h"><h2 id="sp-h" class="mb-2 text-xl font-semibold">"Playlists"</h2>
                                <crate::pages::PlaylistList lists=r.playlists.clone() label="Playlists".into()/></section>
                            })}
                            {(!r.users.is_empty()).then(|| view! {
                                <section class="mt-6" aria-labelledby="su-h"><h2 id="su-h" class="mb-2 text-xl font-semibold">"People"</h2>
                                <ul class="flex flex-col gap-2" aria-label="People">
                                    {r.users.clone().into_iter().map(|u| view! {
                                        <li><A href=format!("/u/{}", u.username) attr:class="underline">{u.display_name}</A>
                                            " " <span class="text-sm text-zinc-600 dark:text-zinc-400">{format!("@{}", u.username)}</span></li>
                                    }).collect_view()}
                                </ul></section>
                            })}
                        }.into_any(),
                        Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

//! Home: a greeting, new releases, popular songs and genres.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::{
    components::songs::{AlbumGrid, SongList},
    pages::{GenreLinks, HistoryItem},
    serverfns::{account::get_home, catalog::get_home_catalog, listening::get_recent},
    AuthVersion,
};

#[component]
pub fn HomePage() -> impl IntoView {
    let AuthVersion(version) = expect_context::<AuthVersion>();
    let summary = Resource::new(move || version.get(), |_| get_home());
    let catalog = Resource::new(move || version.get(), |_| get_home_catalog());
    let recent = Resource::new(move || version.get(), |_| get_recent());
    view! {
        <Title text=""/>
        <h1 class="mb-2 text-3xl font-bold">"Encore"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let greeting = match summary.await {
                    Ok(Some(s)) => view! {
                        <p class="text-lg">"Welcome back, " <strong>{s.display_name}</strong> "."</p>
                        <p class="text-sm text-zinc-600 dark:text-zinc-400">
                            {format!("Signed in {} time{} so far.", s.sign_ins, if s.sign_ins == 1 { "" } else { "s" })}
                        </p>
                    }.into_any(),
                    Ok(None) => view! {
                        <p class="text-lg">"Stream music, build playlists, follow the people and artists you love."</p>
                        <p class="mt-4 flex gap-3">
                            <A href="/signup" attr:class="rounded-md bg-violet-700 px-4 py-2 font-semibold text-white hover:bg-violet-800">"Create an account"</A>
                            <A href="/signin" attr:class="rounded-md border border-zinc-300 px-4 py-2 font-semibold dark:border-zinc-700">"Sign in"</A>
                        </p>
                    }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                };
                let recent = recent.await.unwrap_or_default();
                let recent = (!recent.is_empty()).then(|| view! {
                    <section class="mt-8" aria-labelledby="recent-h">
                        <h2 id="recent-h" class="mb-3 text-xl font-semibold">"Recently played"</h2>
                        <ol aria-label="Recently played" class="divide-y divide-zinc-200 dark:divide-zinc-800">
                            {recent.into_iter().map(|e| view! { <HistoryItem entry=e/> }).collect_view()}
                        </ol>
                    </section>
                });
                let sections = match catalog.await {
                    Ok(c) => view! {
                        {recent}
                        <section class="mt-8" aria-labelledby="new-h">
                            <h2 id="new-h" class="mb-3 text-xl font-semibold">"New releases"</h2>
                            <AlbumGrid albums=c.new_releases label="New releases".into()/>
                        </section>
                        <section class="mt-8" aria-labelledby="pop-h">
                            <h2 id="pop-h" class="mb-3 text-xl font-semibold">"Popular"</h2>
                            <SongList songs=c.popular label="Popular songs".into()/>
                        </section>
                        <section class="mt-8" aria-labelledby="gen-h">
                            <h2 id="gen-h" class="mb-3 text-xl font-semibold">"Genres"</h2>
                            <GenreLinks genres=c.genres/>
                        </section>
                    }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                };
                view! { {greeting} {sections} }
            })}
        </Suspense>
    }
}

//! Search and 404.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::serverfns::account::search_users;

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

/// Search: a plain GET form, so it works the same with and without JavaScript.
#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let results = Resource::new(q, |q| async move {
        if q.trim().is_empty() { Ok(vec![]) } else { search_users(q).await }
    });
    view! {
        <Title text="Search"/>
        <h1 class="mb-4 text-2xl font-bold">"Search"</h1>
        <form method="get" action="/search" role="search" class="flex gap-2">
            <label for="q" class="sr-only">"Search"</label>
            <input id="q" name="q" type="search" value=q placeholder="People"
                class="w-full max-w-md rounded-md border border-zinc-300 px-3 py-2 dark:border-zinc-700 dark:bg-zinc-900"/>
            <button type="submit" class="rounded-md bg-violet-700 px-4 py-2 font-semibold text-white">"Search"</button>
        </form>
        <Suspense fallback=|| view! { <p>"Searching…"</p> }>
            {move || Suspend::new(async move {
                match results.await {
                    Ok(list) if list.is_empty() && !q().trim().is_empty() => view! { <p class="mt-4">"No people match."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="mt-4 flex flex-col gap-2" aria-label="People">
                            {list.into_iter().map(|u| view! {
                                <li><A href=format!("/u/{}", u.username) attr:class="underline">{u.display_name}</A>
                                    " " <span class="text-sm text-zinc-600 dark:text-zinc-400">{format!("@{}", u.username)}</span></li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

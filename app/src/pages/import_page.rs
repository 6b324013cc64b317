//! Importing listening history: a plain multipart form (works without JavaScript) and the
//! user's imports with live progress (the page refreshes itself while one is running)
//! and, when done, the report.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    components::form::{BUTTON, CARD, LINK},
    pages::catalog_pages::Problem,
    serverfns::listening::get_imports,
};

fn n(v: i64) -> String {
    encore::catalog::thousands(v.max(0) as u64)
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(|| (), |_| get_imports());
    view! {
        <Title text="Import your history"/>
        <h1 class="mb-2 text-2xl font-bold">"Import your listening history"</h1>
        <p role="alert" class="text-red-700 dark:text-red-400">{move || query.read().get("error")}</p>
        <p role="status" class="text-green-700 dark:text-green-400">
            {move || query.read().get("started").map(|_| "The file is fine and its import has started; follow it below.")}
        </p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => {
                        let busy = d.imports.iter().any(|i| i.status == "queued" || i.status == "running");
                        view! {
                            {busy.then(|| view! { <Meta http_equiv="refresh" content="2"/> })}
                            <section aria-labelledby="how-h" class=format!("{CARD} mb-6 max-w-2xl")>
                                <h2 id="how-h" class="mb-2 text-lg font-semibold">"Upload a file"</h2>
                                <p class="mb-2 text-sm">"In Spotify's privacy settings, ask for your "<strong>"extended streaming history"</strong>
                                    ". Upload the zip you receive as it is, or one of its Streaming_History_Audio_*.json files. The basic account data ("
                                    "StreamingHistory_music_*.json) and the listening-history CSV work too."</p>
                                <p class="mb-3 text-sm">{format!("Up to {} MB. Podcasts, audiobooks and plays in private (incognito) mode are skipped. Songs we do not know are added to the catalog without audio, so your stats stay complete. Importing the same file twice adds nothing.", d.max_mb)}</p>
                                <form method="post" action="/import" enctype="multipart/form-data" class="flex flex-col gap-3">
                                    <label class="flex flex-col gap-1">"History file (JSON, zip or CSV)"
                                        <input type="file" name="file" required accept=".json,.zip,.csv,application/json,application/zip,text/csv"/></label>
                                    <button type="submit" class=BUTTON>"Import"</button>
                                </form>
                            </section>
                            <section aria-labelledby="imports-h">
                                <h2 id="imports-h" class="mb-2 text-lg font-semibold">"Your imports"</h2>
                                {if d.imports.is_empty() {
                                    view! { <p>"None yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul aria-label="Your imports" class="flex flex-col gap-3">
                                            {d.imports.into_iter().map(|i| {
                                                let label = format!("Import of {}", i.file_name);
                                                let state = match i.status.as_str() {
                                                    "queued" => "Waiting to start",
                                                    "running" => "Importing",
                                                    "done" => "Done",
                                                    _ => "Failed",
                                                };
                                                let running = i.status == "queued" || i.status == "running";
                                                view! {
                                                    <li class=CARD aria-label=label>
                                                        <p class="font-semibold">{i.file_name.clone()}" — "{state}</p>
                                                        <p class="text-sm">{format!("{} · {}", i.format.replace('_', " "), i.created_at.format("%Y-%m-%d %H:%M UTC"))}</p>
                                                        {running.then(|| view! {
                                                            <progress max=i.total.to_string() value=i.position.to_string() class="w-full"
                                                                aria-label=format!("Progress of {}", i.file_name)></progress>
                                                            <p class="text-sm">{format!("{} of {} records", n(i.position), n(i.total))}</p>
                                                        })}
                                                        {(!i.message.is_empty()).then(|| view! { <p role="alert">{i.message.clone()}</p> })}
                                                        {(i.status == "done").then(|| view! {
                                                            <dl aria-label="Report" class="mt-2 grid grid-cols-2 gap-x-4 text-sm sm:grid-cols-4">
                                                                <dt>"Read"</dt><dd>{n(i.total)}</dd>
                                                                <dt>"Imported"</dt><dd>{n(i.imported)}</dd>
                                                                <dt>"Matched to the catalog"</dt><dd>{n(i.matched)}</dd>
                                                                <dt>"New catalog entries"</dt><dd>{n(i.created)}</dd>
                                                                <dt>"Already imported"</dt><dd>{n(i.duplicates)}</dd>
                                                                <dt>"Skipped podcasts"</dt><dd>{n(i.skipped_podcast)}</dd>
                                                                <dt>"Skipped audiobooks"</dt><dd>{n(i.skipped_audiobook)}</dd>
                                                                <dt>"Skipped (incognito)"</dt><dd>{n(i.skipped_incognito)}</dd>
                                                                <dt>"Errors"</dt><dd>{n(i.error_count)}</dd>
                                                            </dl>
                                                        })}
                                                        {(!i.errors.is_empty()).then(|| view! {
                                                            <details class="mt-2 text-sm"><summary>"Records with errors"</summary>
                                                                <ul>{i.errors.iter().map(|(rec, m)| view! { <li>{format!("Record {rec}: {m}")}</li> }).collect_view()}</ul>
                                                            </details>
                                                        })}
                                                    </li>
                                                }
                                            }).collect_view()}
                                        </ul>
                                        <p class="mt-4 text-sm"><A href="/stats" attr:class=LINK>"See your stats →"</A></p>
                                    }.into_any()
                                }}
                            </section>
                        }.into_any()
                    }
                    Err(e) => view! { <Problem error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

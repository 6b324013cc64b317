//! Discover (recommendations and generated playlists), a generated playlist, and the
//! admins' comparison of the recommendation variants.

use encore::listening::Source;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::{
    components::{
        form::{CARD, LINK},
        songs::{ArtistLinks, SongList},
    },
    pages::catalog_pages::Problem,
    serverfns::recs::*,
};

#[component]
fn GeneratedPlaylists(lists: Vec<encore::recommend::AutoPlaylistSummary>) -> impl IntoView {
    view! {
        <section aria-labelledby="made-h" class="mb-8">
            <h2 id="made-h" class="mb-2 text-xl font-semibold">"Made for everyone"</h2>
            {if lists.is_empty() {
                view! { <p>"The generated playlists are being prepared."</p> }.into_any()
            } else {
                view! {
                    <ul aria-label="Generated playlists" class="grid grid-cols-2 gap-4 sm:grid-cols-3 md:grid-cols-4 lg:grid-cols-6">
                        {lists.into_iter().map(|l| view! {
                            <li>
                                <A href=format!("/mix/{}", l.slug) attr:class="group block">
                                    <img src=l.cover.clone().unwrap_or_default() alt="" loading="lazy" width="300" height="300"
                                        class="aspect-square w-full rounded-md bg-zinc-200 object-cover group-hover:opacity-90 dark:bg-zinc-800"/>
                                    <span class="mt-1 block truncate font-medium group-hover:underline">{l.title.clone()}</span>
                                    <span class="block text-sm text-zinc-600 dark:text-zinc-400">{encore::catalog::plural(l.count as u64, "song")}</span>
                                </A>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn DiscoverPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_discover());
    view! {
        <Title text="Discover"/>
        <h1 class="mb-4 text-3xl font-bold">"Discover"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => {
                        let personal = match page.variant {
                            None => view! {
                                <p class="mb-6"><A href="/signin?next=%2Fdiscover" attr:class=LINK>"Sign in"</A>" for recommendations from what you listen to."</p>
                            }.into_any(),
                            Some(variant) if page.shelves.is_empty() && page.daily_mix.is_empty() => view! {
                                <p class="mb-6" data-variant=variant.as_str()>"Listen to a few songs and your recommendations will appear here."</p>
                            }.into_any(),
                            Some(variant) => {
                                let v = variant.as_str().to_string();
                                view! {
                                    {page.shelves.into_iter().enumerate().map(|(i, shelf)| {
                                        let id = format!("because-{i}");
                                        let label = format!("Because you listened to {}", shelf.seed.title);
                                        let used = shelf.variant.as_str().to_string();
                                        let (labelled_by, variant_attr, source_id) = (id.clone(), used.clone(), used.clone());
                                        view! {
                                            <section aria-labelledby=labelled_by class="mb-8" data-variant=variant_attr>
                                                <h2 id=id class="text-xl font-semibold">
                                                    "Because you listened to "
                                                    <A href=format!("/song/{}", shelf.seed.id) attr:class=LINK>{shelf.seed.title.clone()}</A>
                                                </h2>
                                                <p class="mb-2 text-sm text-zinc-600 dark:text-zinc-400">
                                                    <ArtistLinks artists=shelf.seed.artists.clone()/>
                                                </p>
                                                <SongList songs=shelf.songs label=label source=Source::Recommendation
                                                    source_id=source_id via_variant=used/>
                                            </section>
                                        }
                                    }).collect_view()}
                                    {(!page.daily_mix.is_empty()).then(|| view! {
                                        <section aria-labelledby="mix-h" class="mb-8">
                                            <h2 id="mix-h" class="text-xl font-semibold">"Your daily mix"</h2>
                                            <p class="mb-2 text-sm text-zinc-600 dark:text-zinc-400">"Songs you love and songs like them; a new mix every day."</p>
                                            <SongList songs=page.daily_mix label="Your daily mix".into() source=Source::Recommendation
                                                source_id=v.clone() via_variant=v.clone()/>
                                        </section>
                                    })}
                                }.into_any()
                            }
                        };
                        view! {
                            {personal}
                            <GeneratedPlaylists lists=page.playlists/>
                        }.into_any()
                    }
                    Err(e) => view! { <Problem error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn MixPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.read().get("slug").unwrap_or_default(),
        get_auto_playlist,
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(list) => view! {
                        <Title text=list.title.clone()/>
                        <p class="text-sm uppercase tracking-wide">"Generated playlist"</p>
                        <h1 class="text-3xl font-bold">{list.title.clone()}</h1>
                        <p class="mb-1 max-w-prose">{list.description.clone()}</p>
                        <p class="mb-4 text-sm text-zinc-600 dark:text-zinc-400">
                            {format!("{} · updated {}", encore::catalog::plural(list.songs.len() as u64, "song"), list.updated_at.format("%Y-%m-%d %H:%M UTC"))}
                        </p>
                        {if list.songs.is_empty() {
                            view! { <p>"Nothing here yet: it fills up as people listen."</p> }.into_any()
                        } else {
                            view! { <SongList songs=list.songs label=list.title source=Source::Other/> }.into_any()
                        }}
                    }.into_any(),
                    Err(e) => view! { <Problem error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn AdminRecsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| admin_variant_stats());
    view! {
        <Title text="Recommendation variants"/>
        <h1 class="mb-2 text-2xl font-bold">"Recommendation variants"</h1>
        <p class="mb-4 max-w-prose text-sm">"Each listener is assigned one variant for good. Impressions: Discover shown with recommendations; clicks: a recommended song opened; plays: plays started from a recommendation. Last 28 days."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(rows) => view! {
                        <div class=format!("{CARD} overflow-x-auto")>
                            <table class="w-full text-left text-sm">
                                <caption class="sr-only">"Impressions, clicks and plays per variant"</caption>
                                <thead><tr>
                                    <th scope="col" class="py-1 pr-3">"Variant"</th><th scope="col" class="pr-3 text-right">"Impressions"</th>
                                    <th scope="col" class="pr-3 text-right">"Clicks"</th><th scope="col" class="pr-3 text-right">"Plays"</th>
                                    <th scope="col" class="pr-3 text-right">"Click rate"</th><th scope="col" class="text-right">"Plays per impression"</th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|r| {
                                        let rate = |n: u64| if r.impressions == 0 { "—".to_string() } else { format!("{:.1}%", 100.0 * n as f64 / r.impressions as f64) };
                                        view! {
                                            <tr class="border-t border-zinc-200 dark:border-zinc-800" data-variant=r.variant.as_str()>
                                                <th scope="row" class="py-1 pr-3 font-medium">{r.variant.label()}</th>
                                                <td class="pr-3 text-right tabular-nums">{r.impressions}</td>
                                                <td class="pr-3 text-right tabular-nums">{r.clicks}</td>
                                                <td class="pr-3 text-right tabular-nums">{r.plays}</td>
                                                <td class="pr-3 text-right tabular-nums">{rate(r.clicks)}</td>
                                                <td class="text-right tabular-nums">{if r.impressions == 0 { "—".to_string() } else { format!("{:.2}", r.plays as f64 / r.impressions as f64) }}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <Problem error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

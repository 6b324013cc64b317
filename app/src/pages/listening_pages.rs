//! History and "Your stats".

use encore::{
    catalog::format_duration,
    listening::{HistoryEntry, StatsRange},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    components::{
        charts::{DailyBars, Heatmap, LabelledBars, ShareBars},
        form::CARD,
        player::use_player,
        songs::ArtistLinks,
    },
    serverfns::listening::{get_history, get_stats},
};

/// A play in a list, with "Resume" where the play stopped early (JavaScript only; without
/// it the link opens the song page).
#[component]
pub fn HistoryItem(entry: HistoryEntry) -> impl IntoView {
    let player = use_player();
    let s = entry.song.clone();
    let resume = entry.resume_ms.filter(|_| s.playable);
    let title = s.title.clone();
    let resume_song = s.clone();
    view! {
        <li class="flex flex-wrap items-center gap-x-3 py-2">
            <time datetime=entry.played_at.to_rfc3339() class="w-36 text-sm tabular-nums text-zinc-600 dark:text-zinc-400">
                {entry.played_at.format("%Y-%m-%d %H:%M").to_string()}
            </time>
            <div class="min-w-0 flex-1">
                <A href=format!("/song/{}", s.id) attr:class="font-medium hover:underline">{title}</A>
                <p class="truncate text-sm text-zinc-600 dark:text-zinc-400"><ArtistLinks artists=s.artists.clone()/></p>
            </div>
            <span class="text-sm tabular-nums">{format!("{} of {}", format_duration(entry.ms_played), format_duration(s.duration_ms))}</span>
            {resume.map(move |ms| {
                let song = resume_song.clone();
                let label = format!("Resume {} at {}", song.title, format_duration(ms));
                view! {
                    <a href=format!("/song/{}", song.id) class="rounded-full border border-violet-700 px-3 py-1 text-sm text-violet-800 hover:bg-violet-50 dark:text-violet-300 dark:hover:bg-violet-950"
                        aria-label=label
                        on:click=move |ev| { ev.prevent_default(); player.resume(song.clone(), ms); }>
                        {format!("Resume at {}", format_duration(ms))}
                    </a>
                }
            })}
        </li>
    }
}

#[component]
pub fn HistoryPage() -> impl IntoView {
    let query = use_query_map();
    let from = move || query.read().get("from");
    let to = move || query.read().get("to");
    let data = Resource::new(move || (from(), to()), |(f, t)| get_history(f, t));
    view! {
        <Title text="History"/>
        <h1 class="mb-2 text-2xl font-bold">"Listening history"</h1>
        <p class="mb-4 text-sm"><A href="/import" attr:class="underline">"Import your history from Spotify →"</A></p>
        <form method="get" action="/history" class="mb-4 flex flex-wrap items-end gap-3 text-sm" aria-label="Filter by date">
            <div class="flex flex-col"><label for="from">"From"</label>
                <input id="from" name="from" type="date" value=move || from().unwrap_or_default() class="rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"/></div>
            <div class="flex flex-col"><label for="to">"To"</label>
                <input id="to" name="to" type="date" value=move || to().unwrap_or_default() class="rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"/></div>
            <button type="submit" class="rounded-md bg-violet-700 px-3 py-1.5 font-semibold text-white">"Filter"</button>
            <A href="/history" attr:class="underline">"Clear"</A>
        </form>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(list) if list.is_empty() => view! { <p>"Nothing played in this period yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <ol aria-label="Plays" class="divide-y divide-zinc-200 dark:divide-zinc-800">
                            {list.into_iter().map(|e| view! { <HistoryItem entry=e/> }).collect_view()}
                        </ol>
                    }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn StatsPage() -> impl IntoView {
    let query = use_query_map();
    let range = move || StatsRange::parse(&query.read().get("range").unwrap_or_default());
    let data = Resource::new(move || range().key().to_string(), get_stats);
    view! {
        <Title text="Your stats"/>
        <h1 class="mb-4 text-2xl font-bold">"Your stats"</h1>
        <nav aria-label="Period" class="mb-4 flex gap-2">
            {[StatsRange::Weeks4, StatsRange::Months6, StatsRange::AllTime].into_iter().map(|r| view! {
                <A href=format!("/stats?range={}", r.key()) attr:class="rounded-full border border-zinc-300 px-3 py-1 text-sm hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
                    attr:aria-current=move || (range() == r).then_some("page")>{r.label()}</A>
            }).collect_view()}
        </nav>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let r = range();
                match data.await {
                    Ok(s) => view! {
                        <p class="mb-4">{format!("{}: {} streams, {} minutes listened.", r.label(), s.total_streams, s.total_minutes)}</p>
                        <div class="grid gap-4 md:grid-cols-3">
                            <section class=CARD aria-labelledby="ts-h">
                                <h2 id="ts-h" class="mb-2 font-semibold">"Top tracks"</h2>
                                <ol class="list-decimal pl-5 text-sm" aria-label="Top tracks">
                                    {s.top_songs.into_iter().map(|t| view! {
                                        <li><A href=format!("/song/{}", t.item.id) attr:class="hover:underline">{t.item.title}</A>
                                            <span class="text-zinc-600 dark:text-zinc-400">{format!(" · {} streams", t.streams)}</span></li>
                                    }).collect_view()}
                                </ol>
                            </section>
                            <section class=CARD aria-labelledby="ta-h">
                                <h2 id="ta-h" class="mb-2 font-semibold">"Top artists"</h2>
                                <ol class="list-decimal pl-5 text-sm" aria-label="Top artists">
                                    {s.top_artists.into_iter().map(|t| view! {
                                        <li><A href=format!("/artist/{}", t.item.id) attr:class="hover:underline">{t.item.name}</A>
                                            <span class="text-zinc-600 dark:text-zinc-400">{format!(" · {} streams", t.streams)}</span></li>
                                    }).collect_view()}
                                </ol>
                            </section>
                            <section class=CARD aria-labelledby="tg-h">
                                <h2 id="tg-h" class="mb-2 font-semibold">"Top genres"</h2>
                                <ol class="list-decimal pl-5 text-sm capitalize" aria-label="Top genres">
                                    {s.top_genres.into_iter().map(|t| view! {
                                        <li>{t.item}<span class="normal-case text-zinc-600 dark:text-zinc-400">{format!(" · {} streams", t.streams)}</span></li>
                                    }).collect_view()}
                                </ol>
                            </section>
                        </div>
                        <section class="mt-6" aria-label="Charts">
                            {view! { <DailyBars id="mpd" title="Minutes per day, last 28 days" unit="minutes" data=s.minutes_per_day/> }.into_any()}
                            {view! { <Heatmap id="heat" title="When you listen (plays by weekday and hour, UTC)" data=s.heatmap/> }.into_any()}
                            {s.features.map(|f| view! { <FeatureSection f=f/> })}
                        </section>
                        <p class="mt-4"><A href="/stats/year" attr:class="underline">"Your year in review →"</A></p>
                    }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The audio-feature profile: bars plus tempo, and what it is computed over.
#[component]
fn FeatureSection(f: encore::listening::FeatureProfile) -> impl IntoView {
    view! {
        <ShareBars id="features" title=format!("Your sound (over {} streams of your {} most played songs)", f.streams, f.songs) data=f.shares/>
        <p class="-mt-4 mb-6 text-sm">{format!("Average tempo: {} BPM.", f.tempo_bpm)}</p>
    }
}

#[component]
pub fn YearPage() -> impl IntoView {
    let query = use_query_map();
    let year = move || query.read().get("year").and_then(|y| y.parse::<i32>().ok());
    let data = Resource::new(year, crate::serverfns::listening::get_year_in_review);
    view! {
        <Title text="Year in review"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(y) => {
                        let (prev, next) = (y.year - 1, y.year + 1);
                        view! {
                            <h1 class="mb-2 text-3xl font-bold">{format!("Your {} in music", y.year)}</h1>
                            <nav aria-label="Years" class="mb-4 flex gap-4 text-sm">
                                <A href=format!("/stats/year?year={prev}") attr:class="underline">{format!("← {prev}")}</A>
                                <A href=format!("/stats/year?year={next}") attr:class="underline">{format!("{next} →")}</A>
                            </nav>
                            {if y.streams == 0 {
                                view! { <p>"No listening recorded in this year."</p> }.into_any()
                            } else {
                                view! {
                                    <p class="mb-4 text-lg">{format!("{} minutes, {} streams, {} different songs by {} artists.", y.minutes, y.streams, y.distinct_songs, y.distinct_artists)}</p>
                                    {y.biggest_day.map(|(d, m)| view! { <p class="mb-4">{format!("Your biggest day: {} ({} minutes).", d.format("%B %-d"), m)}</p> })}
                                    <div class="grid gap-4 md:grid-cols-3">
                                        <section class=CARD aria-labelledby="y-ts"><h2 id="y-ts" class="mb-2 font-semibold">"Top songs"</h2>
                                            <ol class="list-decimal pl-5 text-sm" aria-label="Top songs of the year">{y.top_songs.into_iter().map(|t| view! {
                                                <li><A href=format!("/song/{}", t.item.id) attr:class="hover:underline">{t.item.title}</A><span class="text-zinc-600 dark:text-zinc-400">{format!(" · {}", t.streams)}</span></li>
                                            }).collect_view()}</ol></section>
                                        <section class=CARD aria-labelledby="y-ta"><h2 id="y-ta" class="mb-2 font-semibold">"Top artists"</h2>
                                            <ol class="list-decimal pl-5 text-sm" aria-label="Top artists of the year">{y.top_artists.into_iter().map(|t| view! {
                                                <li><A href=format!("/artist/{}", t.item.id) attr:class="hover:underline">{t.item.name}</A><span class="text-zinc-600 dark:text-zinc-400">{format!(" · {}", t.streams)}</span></li>
                                            }).collect_view()}</ol></section>
                                        <section class=CARD aria-labelledby="y-tg"><h2 id="y-tg" class="mb-2 font-semibold">"Top genres"</h2>
                                            <ol class="list-decimal pl-5 text-sm capitalize" aria-label="Top genres of the year">{y.top_genres.into_iter().map(|t| view! {
                                                <li>{t.item}<span class="normal-case text-zinc-600 dark:text-zinc-400">{format!(" · {}", t.streams)}</span></li>
                                            }).collect_view()}</ol></section>
                                    </div>
                                    <section class="mt-6" aria-label="Charts">
                                        {view! { <LabelledBars id="ymonths" title="Minutes per month" unit="minutes" data=y.minutes_per_month/> }.into_any()}
                                        {y.features.map(|f| view! { <FeatureSection f=f/> })}
                                    </section>
                                }.into_any()
                            }}
                        }.into_any()
                    }
                    Err(crate::error::AppError::Unauthorized) => ().into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

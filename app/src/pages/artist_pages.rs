//! The artist side: asking to link an account to an artist profile, the artist area, the
//! insights dashboard (with the profile editor), and the moderators' queue of claims.

use encore::{artists::DASHBOARD_DAYS, catalog::plural};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use crate::{
    components::{
        charts::{DailyBars, LabelledBars},
        form::{Forbidden, FormError, Saved, BUTTON, CARD, FIELD, LINK},
    },
    error::AppError,
    pages::catalog_pages::Problem,
    serverfns::artists::*,
};

const ARTISTS_ONLY: &str = "Only the artist's linked accounts and admins can see this page.";

/// "Is this you?" on an artist page (signed-in users).
#[component]
pub fn ClaimArtistForm(artist_id: String) -> impl IntoView {
    let claim = ServerAction::<ClaimArtist>::new();
    let r: Signal<_> = claim.value().into();
    view! {
        <details class="mb-4 text-sm">
            <summary class="cursor-pointer">"Is this you? Link your account to this artist"</summary>
            <ActionForm action=claim attr:class="mt-2 flex max-w-md flex-col gap-2">
                <FormError result=r/>
                <input type="hidden" name="artist_id" value=artist_id/>
                <label for="claim-message" class="font-medium">"How can we tell it is you? (optional)"</label>
                <textarea id="claim-message" name="message" rows="3" maxlength="1000" class=FIELD></textarea>
                <button type="submit" class=BUTTON>"Ask to link"</button>
            </ActionForm>
        </details>
        <Saved what="claimed" message="Thanks — a moderator will review your request. Follow it in the artist area."/>
    }
}

#[component]
pub fn ArtistAreaPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_artist_area());
    view! {
        <Title text="Artist area"/>
        <h1 class="mb-4 text-2xl font-bold">"Artist area"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(area) => view! {
                        <section aria-labelledby="mine-h" class="mb-6">
                            <h2 id="mine-h" class="mb-2 text-lg font-semibold">"Your artist profiles"</h2>
                            {if area.artists.is_empty() {
                                view! { <p>"None yet. Open your artist page and use “Is this you?” to ask for a link."</p> }.into_any()
                            } else {
                                view! {
                                    <ul aria-label="Your artist profiles" class="flex flex-col gap-1">
                                        {area.artists.into_iter().map(|a| view! {
                                            <li><A href=format!("/artist/{}", a.id) attr:class=LINK>{a.name.clone()}</A>" · "
                                                <A href=format!("/artist/{}/insights", a.id) attr:class=LINK>"Insights"</A>" · "
                                                <A href=format!("/artist/{}/uploads", a.id) attr:class=LINK>"Uploads"</A>" · "
                                                <A href=format!("/artist/{}/events", a.id) attr:class=LINK>"Live events"</A></li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        </section>
                        <section aria-labelledby="claims-h">
                            <h2 id="claims-h" class="mb-2 text-lg font-semibold">"Your requests"</h2>
                            {if area.claims.is_empty() {
                                view! { <p>"No requests."</p> }.into_any()
                            } else {
                                view! {
                                    <ul aria-label="Your requests" class="flex flex-col gap-1">
                                        {area.claims.into_iter().map(|c| view! {
                                            <li>{format!("{} — {}", c.artist_name, c.status)}
                                                {(!c.note.is_empty()).then(|| format!(" (moderator's note: {})", c.note))}</li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        </section>
                    }.into_any(),
                    Err(e) => view! { <Problem error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ArtistInsightsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let save = ServerAction::<UpdateArtistProfile>::new();
    let save_r: Signal<_> = save.value().into();
    let data = Resource::new(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                query
                    .read()
                    .get("days")
                    .and_then(|d| d.parse().ok())
                    .unwrap_or(28u32),
                save.version().get(),
            )
        },
        |(id, days, _)| get_artist_dashboard(id, days),
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => {
                        let id = d.artist.id.to_string();
                        let image_action = format!("/artist/{id}/image");
                        let period = match d.days { 7 => "7 days", 365 => "12 months", _ => "28 days" };
                        let links_text = d.links.iter().map(|l| format!("{} {}", l.label, l.url)).collect::<Vec<_>>().join("\n");
                        view! {
                            <Title text=format!("Insights · {}", d.artist.name)/>
                            <h1 class="text-2xl font-bold">{format!("Insights: {}", d.artist.name)}</h1>
                            <nav aria-label="Period" class="my-3 flex gap-3 text-sm">
                                {DASHBOARD_DAYS.into_iter().map(|n| {
                                    let label = match n { 7 => "7 days", 365 => "12 months", _ => "28 days" };
                                    let current = n == d.days;
                                    view! {
                                        <a href=format!("/artist/{id}/insights?days={n}") class=LINK
                                            aria-current=if current { "page" } else { "false" }>{label}</a>
                                    }
                                }).collect_view()}
                            </nav>
                            <dl aria-label="Totals" class="mb-6 grid grid-cols-2 gap-3 sm:grid-cols-4">
                                <div class=CARD><dt class="text-sm">"Streams"</dt><dd class="text-2xl font-bold tabular-nums" data-testid="total-streams">{d.streams}</dd></div>
                                <div class=CARD><dt class="text-sm">"Listeners"</dt><dd class="text-2xl font-bold tabular-nums">{d.listeners}</dd></div>
                                <div class=CARD><dt class="text-sm">"Followers"</dt><dd class="text-2xl font-bold tabular-nums">{d.followers}<span class="ml-1 text-sm font-normal">{format!("+{} in {period}", d.new_followers)}</span></dd></div>
                                <div class=CARD><dt class="text-sm">"Saves"</dt><dd class="text-2xl font-bold tabular-nums">{d.saves}</dd></div>
                            </dl>
                            <div class="mb-6"><crate::pages::ArtistTips artist_id=id.clone() days=d.days/></div>
                            <DailyBars id="streams-chart" title="Streams per day" unit="streams" data=d.streams_per_day.clone()/>
                            <DailyBars id="listeners-chart" title="Listeners per day" unit="listeners" data=d.listeners_per_day.clone()/>
                            <LabelledBars id="live-chart" title="Live: streams per hour, last 24 hours (UTC)" unit="streams" data=d.last_24h.clone()/>
                            <section aria-labelledby="songs-h" class="mb-6">
                                <h2 id="songs-h" class="mb-2 text-lg font-semibold">"Songs"</h2>
                                <p class="mb-2 text-sm"><a href=format!("/artist/{id}/insights.csv?days={}", d.days) class=LINK download="">"Download as CSV"</a></p>
                                <div class="overflow-x-auto">
                                <table class="w-full text-left text-sm">
                                    <caption class="sr-only">{format!("Songs over the last {period}")}</caption>
                                    <thead><tr>
                                        <th scope="col" class="py-1 pr-3">"Song"</th><th scope="col" class="pr-3 text-right">"Streams"</th>
                                        <th scope="col" class="pr-3 text-right">"Listeners"</th><th scope="col" class="pr-3 text-right">"Skip rate"</th>
                                        <th scope="col" class="pr-3 text-right">"Completion"</th><th scope="col" class="pr-3 text-right">"Saves"</th>
                                        <th scope="col" class="text-right">"Playlist adds"</th>
                                    </tr></thead>
                                    <tbody>
                                        {d.songs.clone().into_iter().map(|s| {
                                            let (skip, done) = (format!("{:.0}%", s.skip_rate()), format!("{:.0}%", s.completion_rate()));
                                            view! {
                                            <tr class="border-t border-zinc-200 dark:border-zinc-800">
                                                <th scope="row" class="py-1 pr-3 font-normal"><A href=format!("/song/{}", s.song.id) attr:class=LINK>{s.song.title.clone()}</A></th>
                                                <td class="pr-3 text-right tabular-nums">{s.streams}</td>
                                                <td class="pr-3 text-right tabular-nums">{s.listeners}</td>
                                                <td class="pr-3 text-right tabular-nums">{skip}</td>
                                                <td class="pr-3 text-right tabular-nums">{done}</td>
                                                <td class="pr-3 text-right tabular-nums">{s.saves}</td>
                                                <td class="text-right tabular-nums">{s.playlist_adds}</td>
                                            </tr>
                                        }}).collect_view()}
                                    </tbody>
                                </table>
                                </div>
                            </section>
                            <div class="grid gap-4 md:grid-cols-3">
                                {[("Top countries", d.countries.clone()), ("Platforms", d.platforms.clone()), ("Sources", d.sources.clone())].into_iter().map(|(title, rows)| view! {
                                    <section class=CARD>
                                        <h2 class="mb-1 font-semibold">{title}</h2>
                                        {if rows.is_empty() { view! { <p class="text-sm">"No streams in this period."</p> }.into_any() } else { view! {
                                            <ol aria-label=title class="text-sm">
                                                {rows.into_iter().map(|(k, n)| view! { <li>{format!("{k}: {}", plural(n, "play"))}</li> }).collect_view()}
                                            </ol>
                                        }.into_any() }}
                                    </section>
                                }).collect_view()}
                            </div>
                            <section aria-labelledby="fans-h" class="my-6">
                                <h2 id="fans-h" class="mb-1 text-lg font-semibold">"Fans also like"</h2>
                                {if d.fans_also_like.is_empty() {
                                    view! { <p class="text-sm">"Not enough listening yet."</p> }.into_any()
                                } else {
                                    view! { <ul aria-label="Fans also like" class="flex flex-wrap gap-3">
                                        {d.fans_also_like.clone().into_iter().map(|a| view! { <li><A href=format!("/artist/{}", a.id) attr:class=LINK>{a.name.clone()}</A></li> }).collect_view()}
                                    </ul> }.into_any()
                                }}
                            </section>
                            <section aria-labelledby="profile-h" class=CARD>
                                <h2 id="profile-h" class="mb-2 text-lg font-semibold">"Your profile"</h2>
                                <Saved what="profile" message="Profile saved."/>
                                <ActionForm action=save attr:class="flex max-w-xl flex-col gap-2">
                                    <FormError result=save_r/>
                                    <input type="hidden" name="artist_id" value=id.clone()/>
                                    <label for="bio" class="font-medium">"Bio"</label>
                                    <textarea id="bio" name="bio" rows="5" maxlength="2000" class=FIELD>{d.bio.clone()}</textarea>
                                    <label for="links" class="font-medium">"Links (one per line: a label, then the URL)"</label>
                                    <textarea id="links" name="links" rows="3" class=FIELD>{links_text}</textarea>
                                    <button type="submit" class=BUTTON>"Save profile"</button>
                                </ActionForm>
                                <Saved what="image" message="Picture saved."/>
                                <p role="alert" class="text-red-700 dark:text-red-400">{move || query.read().get("error")}</p>
                                <form method="post" action=image_action enctype="multipart/form-data"
                                    class="mt-4 flex max-w-xl flex-col gap-2">
                                    <label for="artist-image" class="font-medium">"Picture (PNG, JPEG or WebP, at least 100×100, up to 5 MB)"</label>
                                    <input id="artist-image" type="file" name="image" required accept="image/png,image/jpeg,image/webp"/>
                                    <button type="submit" class=BUTTON>"Upload picture"</button>
                                </form>
                            </section>
                        }.into_any()
                    }
                    Err(AppError::Forbidden) => view! { <Forbidden reason=ARTISTS_ONLY/> }.into_any(),
                    Err(e) => view! { <Problem error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn AdminClaimsPage() -> impl IntoView {
    let decide = ServerAction::<DecideArtistClaim>::new();
    let r: Signal<_> = decide.value().into();
    let data = Resource::new(move || decide.version().get(), |_| pending_artist_claims());
    view! {
        <Title text="Artist claims"/>
        <h1 class="mb-2 text-2xl font-bold">"Artist claims"</h1>
        <Saved what="decided" message="Decided. The user sees the outcome in their artist area."/>
        <FormError result=r/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(claims) if claims.is_empty() => view! { <p>"No open claims."</p> }.into_any(),
                    Ok(claims) => view! {
                        <ul aria-label="Open claims" class="flex flex-col gap-3">
                            {claims.into_iter().map(|c| {
                                let label = format!("Decide the claim of {} on {}", c.username, c.artist_name);
                                let note_id = format!("note-{}", c.id);
                                let note_for = note_id.clone();
                                view! {
                                    <li class=CARD>
                                        <p><A href=format!("/u/{}", c.username) attr:class=LINK>{c.username.clone()}</A>" asks to be "
                                            <A href=format!("/artist/{}", c.artist_id) attr:class=LINK>{c.artist_name.clone()}</A>
                                            {format!(" ({})", c.created_at.format("%Y-%m-%d %H:%M UTC"))}</p>
                                        {(!c.message.is_empty()).then(|| view! { <p class="text-sm">{format!("“{}”", c.message)}</p> })}
                                        <ActionForm action=decide attr:class="mt-2 flex flex-wrap items-end gap-2" attr:aria-label=label>
                                            <input type="hidden" name="claim_id" value=c.id.to_string()/>
                                            <label for=note_for class="flex flex-col text-sm">"Note (shown to the user)"
                                                <input id=note_id name="note" maxlength="1000" class=FIELD/></label>
                                            <button type="submit" name="decision" value="approve" class=BUTTON>"Approve"</button>
                                            <button type="submit" name="decision" value="reject" class="rounded-md border border-zinc-400 px-4 py-2">"Reject"</button>
                                        </ActionForm>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(AppError::Forbidden) => view! { <Forbidden reason="You do not have permission to see this page."/> }.into_any(),
                    Err(e) => view! { <Problem error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

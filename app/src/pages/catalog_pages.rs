//! Artist, album, song, genre and browse pages.

use encore::{
    catalog::{format_duration, plural, AlbumType},
    listening::Source,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use crate::{
    components::{
        form::{CARD, LINK},
        player::use_player,
        songs::{AlbumGrid, ArtistGrid, ArtistLinks, ExplicitBadge, SongList},
    },
    error::AppError,
    serverfns::catalog::*,
};

fn param(name: &'static str) -> impl Fn() -> String + Clone + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get(name).unwrap_or_default()
}

#[component]
pub(crate) fn Problem(error: AppError) -> impl IntoView {
    let heading = match &error {
        AppError::NotFound => "404 — not found".to_string(),
        other => other.to_string(),
    };
    view! {
        <Title text="Not found"/>
        <h1 class="text-2xl font-bold">{heading}</h1>
        <p class="mt-2"><A href="/" attr:class=LINK>"Go home"</A></p>
    }
}

#[component]
pub fn ArtistPage() -> impl IntoView {
    let id = param("id");
    let follow = ServerAction::<crate::serverfns::social::FollowArtist>::new();
    let data = Resource::new(
        move || (id(), follow.version().get()),
        |(id, _)| get_artist(id),
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => {
                        let a = page.artist.clone();
                        let mut by_type: Vec<(AlbumType, Vec<encore::catalog::Album>)> = vec![];
                        for t in [AlbumType::Album, AlbumType::Ep, AlbumType::Single] {
                            let list: Vec<_> = page.albums.iter().filter(|al| al.album_type == t).cloned().collect();
                            if !list.is_empty() { by_type.push((t, list)); }
                        }
                        view! {
                            <Title text=a.name.clone()/>
                            <header class="mb-6 flex flex-wrap items-end gap-4">
                                <img src=a.image.clone().unwrap_or_default() alt="" width="160" height="160" class="h-32 w-32 rounded-full object-cover sm:h-40 sm:w-40"/>
                                <div>
                                    <p class="text-sm uppercase tracking-wide">{if a.verified { "Verified artist" } else { "Artist" }}</p>
                                    <h1 class="text-3xl font-bold sm:text-4xl">{a.name.clone()}</h1>
                                    <p class="text-sm text-zinc-600 dark:text-zinc-400">
                                        <span data-testid="monthly-listeners">{plural(page.monthly_listeners, "monthly listener")}</span>
                                        {format!(" · {} · {} · ", plural(page.followers.max(0) as u64, "follower"), a.country)}
                                        {a.genres.clone().into_iter().map(|g| view! { <A href=format!("/genre/{g}") attr:class=LINK>{g.clone()}</A>" " }).collect_view()}
                                    </p>
                                </div>
                            </header>
                            {page.following.map(|f| {
                                let aid = a.id.to_string();
                                view! {
                                    <ActionForm action=follow attr:class="mb-4">
                                        <input type="hidden" name="artist_id" value=aid/>
                                        <input type="hidden" name="follow" value=(!f).to_string()/>
                                        <button type="submit" class="rounded-full border border-zinc-400 px-4 py-1.5 text-sm font-semibold">{if f { "Following" } else { "Follow" }}</button>
                                    </ActionForm>
                                }
                            })}
                            {page.following.is_some().then(|| view! { <crate::pages::ClaimArtistForm artist_id=a.id.to_string()/> })}
                            <p class="mb-2 max-w-prose">{a.bio.clone()}</p>
                            {(!a.links.is_empty()).then(|| view! {
                                <ul aria-label="Links" class="mb-6 flex flex-wrap gap-3 text-sm">
                                    {a.links.clone().into_iter().map(|l| view! { <li><a href=l.url rel="external nofollow noopener" class=LINK>{l.label}</a></li> }).collect_view()}
                                </ul>
                            })}
                            <p class="mb-6 text-sm"><A href=format!("/artist/{}/events", a.id) attr:class=LINK>"Live events"</A></p>
                            <section aria-labelledby="top-h" class="mb-8">
                                <h2 id="top-h" class="mb-2 text-xl font-semibold">"Top songs"</h2>
                                <SongList songs=page.top_songs.clone() label="Top songs".into() source=Source::Artist source_id=a.id.to_string()/>
                            </section>
                            {by_type.into_iter().map(|(t, list)| view! {
                                <section class="mb-8" aria-label=t.label()>
                                    <h2 class="mb-2 text-xl font-semibold">{t.label()}</h2>
                                    <AlbumGrid albums=list label=t.label().to_string()/>
                                </section>
                            }).collect_view()}
                        }.into_any()
                    }
                    Err(e) => view! { <Problem error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn AlbumPage() -> impl IntoView {
    let id = param("id");
    let data = Resource::new(id, get_album);
    let player = use_player();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => {
                        let al = page.album.clone();
                        let total: u64 = page.tracks.iter().map(|t| t.duration_ms).sum();
                        let tracks = page.tracks.clone();
                        let first = tracks.iter().find(|t| t.playable).map(|t| t.id);
                        view! {
                            <Title text=al.title.clone()/>
                            <header class="mb-6 flex flex-wrap items-end gap-4">
                                <img src=al.cover.clone().unwrap_or_default() alt=format!("Cover of {}", al.title) width="200" height="200" class="h-40 w-40 rounded-md sm:h-52 sm:w-52"/>
                                <div>
                                    <p class="text-sm uppercase tracking-wide">{match al.album_type { AlbumType::Album => "Album", AlbumType::Ep => "EP", AlbumType::Single => "Single" }}</p>
                                    <h1 class="text-3xl font-bold sm:text-4xl">{al.title.clone()}</h1>
                                    <p class="text-sm text-zinc-600 dark:text-zinc-400">
                                        {al.artist_ids.clone().into_iter().zip(al.artist_names.clone()).map(|(id, n)| view! { <A href=format!("/artist/{id}") attr:class=LINK>{n}</A>" " }).collect_view()}
                                        {format!("· {} · {} song{}, {} · {}", al.release_date.format("%Y"), page.tracks.len(), if page.tracks.len() == 1 { "" } else { "s" }, format_duration(total), al.label)}
                                    </p>
                                    {first.map(|id| view! {
                                        <a href=format!("/song/{id}") class="mt-3 inline-block rounded-full bg-violet-700 px-5 py-2 font-semibold text-white hover:bg-violet-800"
                                            on:click={
                                                let album_id = al.id.to_string();
                                                move |ev| { ev.prevent_default(); player.play_list_from(tracks.clone(), 0, Source::Album, Some(album_id.clone())); }
                                            }>"▶ Play all"</a>
                                    })}
                                    <div class="mt-3 flex flex-wrap items-center gap-2"><crate::pages::LikeButton kind="album" target_id=al.id.to_string() back=format!("/album/{}", al.id)/>
                                        <crate::pages::StartPartyForm kind="album" source_id=al.id.to_string()/></div>
                                </div>
                            </header>
                            {(page.hidden_explicit > 0).then(|| view! {
                                <p role="note" class="mb-2 text-sm">{format!("{} explicit song(s) hidden by your content filter (Settings).", page.hidden_explicit)}</p>
                            })}
                            <SongList songs=page.tracks.clone() label="Tracks".into() show_album=false source=Source::Album source_id=al.id.to_string()/>
                        }.into_any()
                    }
                    Err(e) => view! { <Problem error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn SongPage() -> impl IntoView {
    let id = param("id");
    let data = Resource::new(id, get_song);
    let player = use_player();
    // Native controls are the JavaScript-off player; hydrated, the player bar takes over.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => {
                        let s = page.song.clone();
                        let f = s.features.clone();
                        let row = s.row(page.cover.clone());
                        let playable = row.playable && !page.hidden_by_filter;
                        view! {
                            <Title text=s.title.clone()/>
                            <header class="mb-6 flex flex-wrap items-end gap-4">
                                <img src=page.cover.clone().unwrap_or_default() alt="" width="200" height="200" class="h-40 w-40 rounded-md"/>
                                <div>
                                    <p class="text-sm uppercase tracking-wide">"Song"</p>
                                    <h1 class="text-3xl font-bold">{s.title.clone()}{s.explicit.then(|| view! { <ExplicitBadge/> })}</h1>
                                    <p class="text-zinc-600 dark:text-zinc-400">
                                        <ArtistLinks artists=s.artists.clone()/>" · "
                                        <A href=format!("/album/{}", s.album_id) attr:class=LINK>{s.album_title.clone()}</A>
                                        {format!(" · {}", format_duration(s.duration_ms))}
                                    </p>
                                    <p class="text-sm text-zinc-600 dark:text-zinc-400" data-testid="song-listeners">
                                        {format!("{} in the last 28 days", plural(page.listeners_28d, "listener"))}
                                    </p>
                                </div>
                            </header>
                            {if page.hidden_by_filter {
                                view! { <p role="note">"This song is explicit and your content filter hides explicit songs (Settings)."</p> }.into_any()
                            } else if playable {
                                let r = row.clone();
                                view! {
                                    <div class="mb-6 flex flex-wrap items-center gap-3">
                                        <button type="button" class="rounded-full bg-violet-700 px-5 py-2 font-semibold text-white hover:bg-violet-800"
                                            class:hidden=move || !hydrated.get()
                                            on:click=move |_| player.play_list(vec![r.clone()], 0)>"▶ Play"</button>
                                        <div class:hidden=move || hydrated.get()>
                                            <audio controls preload="none" src=format!("/stream/{}", s.id) aria-label=format!("Play {}", s.title)></audio>
                                            <p class="text-xs">"Sign in to listen."</p>
                                        </div>
                                    </div>
                                }.into_any()
                            } else {
                                view! { <p role="note">"This song has no playable audio."</p> }.into_any()
                            }}
                            <div class="mb-4"><crate::pages::LikeButton kind="song" target_id=s.id.to_string() back=format!("/song/{}", s.id)/></div>
                            <crate::pages::SongActions song_id=s.id.to_string()/>
                            <crate::pages::ReportSongForm song_id=s.id.to_string()/>
                            <crate::pages::CommentSection song_id=s.id.to_string()/>
                            <section aria-labelledby="about-h" class=CARD>
                                <h2 id="about-h" class="mb-2 text-lg font-semibold">"About this song"</h2>
                                <dl class="grid grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-4">
                                    <dt class="font-semibold">"Genres"</dt><dd>{s.genres.join(", ")}</dd>
                                    <dt class="font-semibold">"Track"</dt><dd>{format!("{} (disc {})", s.track_number, s.disc_number)}</dd>
                                    <dt class="font-semibold">"ISRC"</dt><dd>{s.isrc.clone().unwrap_or_else(|| "—".into())}</dd>
                                    <dt class="font-semibold">"Tempo"</dt><dd>{format!("{:.0} BPM, {}/4", f.tempo, f.time_signature)}</dd>
                                    <dt class="font-semibold">"Key"</dt><dd>{format!("{} {}", ["C","C♯","D","D♯","E","F","F♯","G","G♯","A","A♯","B"][f.key as usize % 12], if f.mode == 1 { "major" } else { "minor" })}</dd>
                                    <dt class="font-semibold">"Energy"</dt><dd>{format!("{:.0}%", f.energy * 100.0)}</dd>
                                    <dt class="font-semibold">"Danceability"</dt><dd>{format!("{:.0}%", f.danceability * 100.0)}</dd>
                                    <dt class="font-semibold">"Mood (valence)"</dt><dd>{format!("{:.0}%", f.valence * 100.0)}</dd>
                                </dl>
                            </section>
                        }.into_any()
                    }
                    Err(e) => view! { <Problem error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

const INITIALS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ#";

#[component]
pub fn ArtistsPage() -> impl IntoView {
    let query = use_query_map();
    let initial = move || query.read().get("initial").unwrap_or_else(|| "A".into());
    let after = move || query.read().get("after");
    let data = Resource::new(move || (initial(), after()), |(i, a)| browse_artists(i, a));
    view! {
        <Title text="Artists"/>
        <h1 class="mb-4 text-2xl font-bold">"Artists"</h1>
        <nav aria-label="Artists by letter" class="mb-4 flex flex-wrap gap-1">
            {INITIALS.chars().map(|c| {
                let c = c.to_string();
                let href = format!("/artists?initial={}", crate::url::encode(&c));
                let cc = c.clone();
                view! { <A href=href attr:class="rounded px-2 py-1 hover:bg-zinc-100 dark:hover:bg-zinc-800" attr:aria-current=move || (initial() == cc).then_some("page")>{c}</A> }
            }).collect_view()}
        </nav>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) if page.items.is_empty() => view! { <p>"No artists under this letter."</p> }.into_any(),
                    Ok(page) => {
                        let i = initial();
                        view! {
                            <ArtistGrid artists=page.items label=format!("Artists: {i}")/>
                            {page.next.map(|n| view! {
                                <p class="mt-6"><A href=format!("/artists?initial={}&after={}", crate::url::encode(&i), crate::url::encode(&n)) attr:class=LINK>"Next page →"</A></p>
                            })}
                        }.into_any()
                    }
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn AlbumsPage() -> impl IntoView {
    let query = use_query_map();
    let year = move || {
        query
            .read()
            .get("year")
            .and_then(|y| y.parse::<i32>().ok())
            .unwrap_or(2026)
    };
    let oldest = move || query.read().get("sort").as_deref() == Some("oldest");
    let after = move || query.read().get("after");
    let data = Resource::new(
        move || (year(), oldest(), after()),
        |(y, o, a)| browse_albums(y, o, a),
    );
    let decades: Vec<i32> = (1960..=2020).step_by(10).collect();
    view! {
        <Title text="Albums"/>
        <h1 class="mb-4 text-2xl font-bold">{move || format!("Albums from {}", year())}</h1>
        <nav aria-label="Decades and years" class="mb-4 flex flex-col gap-2">
            <div class="flex flex-wrap gap-1">
                {decades.into_iter().map(|d| view! {
                    <A href=format!("/albums?year={}", (d + 9).min(2026)) attr:class="rounded px-2 py-1 hover:bg-zinc-100 dark:hover:bg-zinc-800">{format!("{d}s")}</A>
                }).collect_view()}
            </div>
            <div class="flex flex-wrap gap-1 text-sm">
                {move || { let d = year() / 10 * 10; (d..=(d + 9).min(2026)).map(|y| view! {
                    <A href=format!("/albums?year={y}") attr:class="rounded px-2 py-1 hover:bg-zinc-100 dark:hover:bg-zinc-800" attr:aria-current=move || (year() == y).then_some("page")>{y}</A>
                }).collect_view() }}
            </div>
            <form method="get" action="/albums" class="flex items-center gap-2 text-sm">
                <input type="hidden" name="year" value=year/>
                <label for="sort">"Sort"</label>
                <select id="sort" name="sort" class="rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900">
                    <option value="newest" selected=move || !oldest()>"Newest first"</option>
                    <option value="oldest" selected=oldest>"Oldest first"</option>
                </select>
                <button type="submit" class="rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700">"Apply"</button>
            </form>
        </nav>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) if page.items.is_empty() => view! { <p>"No albums from this year."</p> }.into_any(),
                    Ok(page) => {
                        let (y, o) = (year(), oldest());
                        view! {
                            <AlbumGrid albums=page.items label=format!("Albums from {y}")/>
                            {page.next.map(|n| view! {
                                <p class="mt-6"><A href=format!("/albums?year={y}&sort={}&after={}", if o { "oldest" } else { "newest" }, crate::url::encode(&n)) attr:class=LINK>"Next page →"</A></p>
                            })}
                        }.into_any()
                    }
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn GenresPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_home_catalog());
    view! {
        <Title text="Genres"/>
        <h1 class="mb-4 text-2xl font-bold">"Genres"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(home) => view! { <GenreLinks genres=home.genres/> }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn GenreLinks(genres: Vec<encore::catalog::GenreCount>) -> impl IntoView {
    view! {
        <ul class="flex flex-wrap gap-2" aria-label="Genres">
            {genres.into_iter().map(|g| view! {
                <li><A href=format!("/genre/{}", crate::url::encode(&g.genre)) attr:class="inline-block rounded-full border border-zinc-300 px-3 py-1 capitalize hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800">
                    {g.genre.clone()}<span class="sr-only">{format!(", {} songs", g.songs)}</span>
                </A></li>
            }).collect_view()}
        </ul>
    }
}

#[component]
pub fn GenrePage() -> impl IntoView {
    let name = param("name");
    let data = Resource::new(name, get_genre);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(g) => view! {
                        <Title text=g.genre.clone()/>
                        <h1 class="mb-4 text-3xl font-bold capitalize">{g.genre.clone()}</h1>
                        <section class="mb-8" aria-labelledby="ga-h">
                            <h2 id="ga-h" class="mb-2 text-xl font-semibold">"Artists"</h2>
                            <ArtistGrid artists=g.artists label="Artists".into()/>
                        </section>
                        <section aria-labelledby="gs-h">
                            <h2 id="gs-h" class="mb-2 text-xl font-semibold">"Popular songs"</h2>
                            <SongList songs=g.songs label="Popular songs".into()/>
                        </section>
                    }.into_any(),
                    Err(e) => view! { <Problem error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

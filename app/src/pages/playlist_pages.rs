//! Playlist, public playlists and Liked Songs pages. Every change is a form (so it works
//! without JavaScript); hydrated, rows can also be dragged.

use encore::{
    catalog::format_duration,
    listening::Source,
    playlists::{PlaylistSummary, Visibility},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use crate::{
    components::{
        form::{Field, FormError, Saved, BUTTON, CARD},
        player::use_player,
        songs::{ArtistLinks, SongList},
    },
    error::AppError,
    serverfns::playlists::*,
};

const SMALL_BTN: &str = "rounded border border-zinc-300 px-2 py-0.5 text-xs hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800";

/// The first song's album cover, or a neutral tile for an empty playlist.
#[component]
pub fn PlaylistCover(cover: Option<String>, class: &'static str) -> impl IntoView {
    match cover {
        Some(src) => view! { <img src=src alt="" width="160" height="160" loading="lazy" class=format!("{class} shrink-0 rounded-md object-cover")/> }.into_any(),
        None => view! { <span aria-hidden="true" class=format!("{class} flex shrink-0 items-center justify-center rounded-md bg-zinc-200 text-2xl text-zinc-500 dark:bg-zinc-800")>"♫"</span> }.into_any(),
    }
}

#[component]
pub fn PlaylistList(lists: Vec<PlaylistSummary>, label: String) -> impl IntoView {
    view! {
        <ul aria-label=label class="divide-y divide-zinc-200 dark:divide-zinc-800">
            {lists.into_iter().map(|p| view! {
                <li class="flex items-center gap-3 py-2">
                    <PlaylistCover cover=p.cover.clone() class="h-12 w-12"/>
                    <div class="min-w-0">
                        <A href=format!("/playlist/{}", p.id) attr:class="block truncate font-medium hover:underline">{p.title}</A>
                        <span class="text-sm text-zinc-600 dark:text-zinc-400">
                            {format!("{} · {} song{} · {}", p.owner_name, p.track_count, if p.track_count == 1 { "" } else { "s" }, p.visibility.as_str())}
                        </span>
                    </div>
                </li>
            }).collect_view()}
        </ul>
    }
}

#[component]
pub fn CreatePlaylistForm() -> impl IntoView {
    let create = ServerAction::<CreatePlaylist>::new();
    let r: Signal<_> = create.value().into();
    view! {
        <ActionForm action=create attr:class="flex flex-col gap-3" attr:novalidate=true>
            <FormError result=r/>
            <Field name="title" label="Title" result=r required=true/>
            <div class="flex flex-col gap-1">
                <label for="f-description" class="text-sm font-medium">"Description (optional)"</label>
                <textarea id="f-description" name="description" rows="2" class="rounded-md border border-zinc-300 px-3 py-2 dark:border-zinc-700 dark:bg-zinc-900"></textarea>
            </div>
            <VisibilitySelect current=Visibility::Public/>
            <button type="submit" class=BUTTON>"Create playlist"</button>
        </ActionForm>
    }
}

#[component]
fn VisibilitySelect(current: Visibility) -> impl IntoView {
    view! {
        <div class="flex flex-col gap-1">
            <label for="f-visibility" class="text-sm font-medium">"Who can see it"</label>
            <select id="f-visibility" name="visibility" class="rounded-md border border-zinc-300 px-3 py-2 dark:border-zinc-700 dark:bg-zinc-900">
                <option value="public" selected=current == Visibility::Public>"Public — listed and searchable"</option>
                <option value="unlisted" selected=current == Visibility::Unlisted>"Unlisted — anyone with the link"</option>
                <option value="private" selected=current == Visibility::Private>"Private — you and people you invite"</option>
            </select>
        </div>
    }
}

#[component]
pub fn PlaylistPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let remove = ServerAction::<RemoveFromPlaylist>::new();
    let mover = ServerAction::<MoveInPlaylist>::new();
    let update = ServerAction::<UpdatePlaylist>::new();
    let delete = ServerAction::<DeletePlaylist>::new();
    let invite = ServerAction::<InviteCollaborator>::new();
    let uninvite = ServerAction::<RemoveCollaborator>::new();
    let save = ServerAction::<SavePlaylist>::new();
    let data = Resource::new(
        move || {
            (
                id(),
                query.read().get("after"),
                remove.version().get(),
                mover.version().get(),
                update.version().get(),
                invite.version().get(),
                uninvite.version().get(),
                save.version().get(),
            )
        },
        |(id, after, ..)| get_playlist(id, after.and_then(|a| a.parse().ok())),
    );
    let player = use_player();
    let dragging = RwSignal::new(None::<String>);
    let move_r: Signal<_> = mover.value().into();
    let remove_r: Signal<_> = remove.value().into();
    let update_r: Signal<_> = update.value().into();
    let invite_r: Signal<_> = invite.value().into();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let page = match data.await {
                    Ok(p) => p,
                    Err(AppError::NotFound) => return view! {
                        <Title text="Not found"/>
                        <h1 class="text-2xl font-bold">"404 — no such playlist"</h1>
                        <p>"It does not exist, or it is private."</p>
                    }.into_any(),
                    Err(e) => return view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                };
                let p = page.playlist.clone();
                let pid = p.id.to_string();
                let version = p.version;
                let rights = page.rights;
                let rows: Vec<_> = page.items.iter().map(|i| i.song.clone()).collect();
                let item_ids: Vec<String> = page.items.iter().map(|i| i.item_id.to_string()).collect();
                let n = page.items.len();
                let has_next = page.next.is_some();
                let items = page.items.clone().into_iter().enumerate().map(|(i, it)| {
                    let iid = it.item_id.to_string();
                    let up = (i > 0).then(|| item_ids[i - 1].clone());
                    let down = if i + 2 < n { Some(item_ids[i + 2].clone()) } else if i + 1 < n && !has_next { Some(String::new()) } else { None };
                    let (pid1, pid2, pid3, iid1, iid2, iid3) = (pid.clone(), pid.clone(), pid.clone(), iid.clone(), iid.clone(), iid.clone());
                    let drop_pid = pid.clone();
                    let drop_target = iid.clone();
                    let drag_id = iid.clone();
                    let rows = rows.clone();
                    let s = it.song.clone();
                    let (title, play_label) = (s.title.clone(), format!("Play {}", s.title));
                    let arrange_label = format!("Arrange {}", s.title);
                    let up_label = format!("Move {} up", s.title);
                    let down_label = format!("Move {} down", s.title);
                    let remove_label = format!("Remove {} from this playlist", s.title);
                    view! {
                        <li class="flex flex-wrap items-center gap-2 py-2" draggable=rights.edit_items.then_some("true")
                            on:dragstart=move |_| dragging.set(Some(drag_id.clone()))
                            on:dragover=move |ev| ev.prevent_default()
                            on:drop=move |ev| {
                                ev.prevent_default();
                                if let Some(src) = dragging.get_untracked() {
                                    if src != drop_target {
                                        mover.dispatch(MoveInPlaylist { id: drop_pid.clone(), item_id: src, before: Some(drop_target.clone()), version });
                                    }
                                }
                                dragging.set(None);
                            }>
                            <span class="w-6 text-right text-sm tabular-nums text-zinc-500">{i + 1}</span>
                            {s.playable.then(|| view! {
                                <a href=format!("/song/{}", s.id) aria-label=play_label
                                    class="rounded-full bg-violet-700 px-2 py-1 text-xs text-white"
                                    on:click={ let pid = pid.clone(); move |ev| { ev.prevent_default(); player.play_list_from(rows.clone(), i, Source::Playlist, Some(pid.clone())); } }>"▶"</a>
                            })}
                            <div class="min-w-0 flex-1">
                                <A href=format!("/song/{}", s.id) attr:class="font-medium hover:underline">{title}</A>
                                <p class="truncate text-sm text-zinc-600 dark:text-zinc-400"><ArtistLinks artists=s.artists.clone()/></p>
                            </div>
                            <span class="text-sm tabular-nums">{format_duration(s.duration_ms)}</span>
                            {rights.edit_items.then(|| view! {
                                <div class="flex gap-1" role="group" aria-label=arrange_label>
                                    {up.map(|b| view! {
                                        <ActionForm action=mover>
                                            <input type="hidden" name="id" value=pid1/><input type="hidden" name="item_id" value=iid1/>
                                            <input type="hidden" name="before" value=b/><input type="hidden" name="version" value=version/>
                                            <button type="submit" class=SMALL_BTN aria-label=up_label>"↑"</button>
                                        </ActionForm>
                                    })}
                                    {down.map(|b| view! {
                                        <ActionForm action=mover>
                                            <input type="hidden" name="id" value=pid2/><input type="hidden" name="item_id" value=iid2/>
                                            <input type="hidden" name="before" value=b/><input type="hidden" name="version" value=version/>
                                            <button type="submit" class=SMALL_BTN aria-label=down_label>"↓"</button>
                                        </ActionForm>
                                    })}
                                    <ActionForm action=remove>
                                        <input type="hidden" name="id" value=pid3/><input type="hidden" name="item_id" value=iid3/>
                                        <button type="submit" class=SMALL_BTN aria-label=remove_label>"Remove"</button>
                                    </ActionForm>
                                </div>
                            })}
                        </li>
                    }
                }).collect_view();
                let pid_save = pid.clone();
                view! {
                    <Title text=p.title.clone()/>
                    <header class="mb-4 flex flex-col gap-4 sm:flex-row sm:items-end">
                        <PlaylistCover cover=p.cover.clone() class="h-40 w-40"/>
                        <div>
                        <p class="text-sm uppercase tracking-wide">{format!("{} playlist", match p.visibility { Visibility::Public => "Public", Visibility::Unlisted => "Unlisted", Visibility::Private => "Private" })}</p>
                        <h1 class="text-3xl font-bold">{p.title.clone()}</h1>
                        <p class="max-w-prose">{p.description.clone()}</p>
                        <p class="text-sm text-zinc-600 dark:text-zinc-400">
                            <A href=format!("/u/{}", p.owner_username) attr:class="underline">{p.owner_name.clone()}</A>
                            {format!(" · {} song{}, {} · version {}", p.track_count, if p.track_count == 1 { "" } else { "s" }, format_duration(p.total_duration_ms.max(0) as u64), p.version)}
                        </p>
                        {(p.visibility == Visibility::Unlisted).then(|| view! {
                            <div class="mt-2 flex items-center gap-2 text-sm">
                                <label for="share-link">"Share link"</label>
                                <input id="share-link" readonly value=format!("/playlist/{}", p.id)
                                    class="w-full max-w-sm rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"/>
                            </div>
                        })}
                        <div class="mt-2 flex flex-wrap items-center gap-2"><LikeButton kind="playlist" target_id=pid.clone() back=format!("/playlist/{pid}")/>
                            <crate::pages::StartPartyForm kind="playlist" source_id=pid.clone()/></div>
                        {rights.save.then(|| view! {
                            <div class="mt-2"><crate::pages::ReportForm target_type="playlist" target_id=pid.clone() summary="Report this playlist".into() back=format!("/playlist/{pid}")/></div>
                            <Saved what="reported" message="Thanks — a moderator will look at your report."/>
                        })}
                        {rights.save.then(|| view! {
                            <ActionForm action=save attr:class="mt-2">
                                <input type="hidden" name="id" value=pid_save/>
                                <input type="hidden" name="saved" value=(!page.saved).to_string()/>
                                <button type="submit" class=SMALL_BTN>{if page.saved { "Remove from your library" } else { "Save to your library" }}</button>
                            </ActionForm>
                        })}
                    </div>
                    </header>
                    <div role="status" aria-live="polite" class="text-sm text-green-700 dark:text-green-400">
                        <Saved what="moved" message="Moved."/><Saved what="removed" message="Removed."/>
                        <Saved what="details" message="Details saved."/><Saved what="invited" message="Collaborator saved."/>
                    </div>
                    <FormError result=move_r/><FormError result=remove_r/>
                    {if n == 0 {
                        view! { <p class="my-4">"No songs yet. Add songs with “+ Playlist” next to any song."</p> }.into_any()
                    } else {
                        view! { <ol aria-label="Playlist songs" class="divide-y divide-zinc-200 dark:divide-zinc-800">{items}</ol> }.into_any()
                    }}
                    {page.next.map(|n| view! {
                        <p class="mt-4"><A href=format!("/playlist/{}?after={n}", p.id) attr:class="underline">"More songs →"</A></p>
                    })}
                    {rights.manage.then(|| {
                        let (pid_u, pid_d, pid_i) = (pid.clone(), pid.clone(), pid.clone());
                        view! {
                            <div class="mt-8 grid gap-4 md:grid-cols-2">
                                <section class=CARD aria-labelledby="edit-h">
                                    <h2 id="edit-h" class="mb-2 text-lg font-semibold">"Edit details"</h2>
                                    <ActionForm action=update attr:class="flex flex-col gap-3" attr:novalidate=true>
                                        <FormError result=update_r/>
                                        <input type="hidden" name="id" value=pid_u/>
                                        <Field name="title" label="Title" value=p.title.clone() result=update_r/>
                                        <div class="flex flex-col gap-1">
                                            <label for="f-desc" class="text-sm font-medium">"Description"</label>
                                            <textarea id="f-desc" name="description" rows="2" class="rounded-md border border-zinc-300 px-3 py-2 dark:border-zinc-700 dark:bg-zinc-900">{p.description.clone()}</textarea>
                                        </div>
                                        <VisibilitySelect current=p.visibility/>
                                        <div class="flex items-center gap-2">
                                            <input id="f-collab" type="checkbox" name="collaborative" value="on" checked=p.collaborative/>
                                            <label for="f-collab">"Editors can add, remove and reorder songs"</label>
                                        </div>
                                        <button type="submit" class=BUTTON>"Save details"</button>
                                    </ActionForm>
                                    <ActionForm action=delete attr:class="mt-4">
                                        <input type="hidden" name="id" value=pid_d/>
                                        <button type="submit" class="rounded-md border border-red-700 px-3 py-1.5 text-sm text-red-800 dark:text-red-300">"Delete playlist"</button>
                                    </ActionForm>
                                </section>
                                <section class=CARD aria-labelledby="collab-h">
                                    <h2 id="collab-h" class="mb-2 text-lg font-semibold">"Collaborators"</h2>
                                    <ul class="mb-3 text-sm" aria-label="Collaborators">
                                        {page.collaborators.clone().into_iter().map(|c| {
                                            let (pid_r, uid) = (pid.clone(), c.user_id.to_string());
                                            view! {
                                                <li class="flex items-center gap-2 py-1">
                                                    <span>{format!("{} (@{}) — {}", c.display_name, c.username, c.role.as_str())}</span>
                                                    <ActionForm action=uninvite>
                                                        <input type="hidden" name="id" value=pid_r/><input type="hidden" name="user_id" value=uid/>
                                                        <button type="submit" class=SMALL_BTN aria-label=format!("Remove {}", c.username)>"Remove"</button>
                                                    </ActionForm>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                    <ActionForm action=invite attr:class="flex flex-col gap-3" attr:novalidate=true>
                                        <FormError result=invite_r/>
                                        <input type="hidden" name="id" value=pid_i/>
                                        <Field name="username" label="Invite by username" result=invite_r/>
                                        <div class="flex flex-col gap-1">
                                            <label for="f-role" class="text-sm font-medium">"Role"</label>
                                            <select id="f-role" name="role" class="rounded-md border border-zinc-300 px-3 py-2 dark:border-zinc-700 dark:bg-zinc-900">
                                                <option value="editor">"Editor"</option>
                                                <option value="viewer">"Viewer"</option>
                                            </select>
                                        </div>
                                        <button type="submit" class=BUTTON>"Invite"</button>
                                    </ActionForm>
                                </section>
                            </div>
                        }
                    })}
                }.into_any()
            })}
        </Suspense>
    }
}

#[component]
pub fn PublicPlaylistsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| public_playlists());
    view! {
        <Title text="Playlists"/>
        <h1 class="mb-4 text-2xl font-bold">"Public playlists"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(l) if l.is_empty() => view! { <p>"No public playlists yet."</p> }.into_any(),
                    Ok(l) => view! { <PlaylistList lists=l label="Public playlists".into()/> }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn LikedSongsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| liked_songs());
    view! {
        <Title text="Liked Songs"/>
        <h1 class="mb-4 text-2xl font-bold">"Liked Songs"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(l) if l.is_empty() => view! { <p>"Songs you like appear here. Use “Like” on a song page."</p> }.into_any(),
                    Ok(l) => view! { <SongList songs=l label="Liked songs".into() source=Source::Playlist/> }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Like and "Add to playlist" on the song page (plain forms).
#[component]
pub fn SongActions(song_id: String) -> impl IntoView {
    let add = ServerAction::<AddToPlaylist>::new();
    let sid = song_id.clone();
    let menu = Resource::new(move || add.version().get(), move |_| song_menu(sid.clone()));
    let add_r: Signal<_> = add.value().into();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let song_id = song_id.clone();
                Suspend::new(async move {
                    let Ok(Some(lists)) = menu.await else { return ().into_any() };
                    let sid2 = song_id.clone();
                    view! {
                        <section class="mb-6 flex flex-wrap items-end gap-4" aria-label="Song actions">
                            {if lists.is_empty() {
                                view! { <p class="text-sm"><A href="/library" attr:class="underline">"Create a playlist"</A>" to add this song to it."</p> }.into_any()
                            } else {
                                view! {
                                    <ActionForm action=add attr:class="flex flex-wrap items-end gap-2">
                                        <input type="hidden" name="song_id" value=sid2/>
                                        <div class="flex flex-col gap-1">
                                            <label for="f-playlist" class="text-sm font-medium">"Add to playlist"</label>
                                            <select id="f-playlist" name="playlist_id" class="rounded-md border border-zinc-300 px-3 py-1.5 dark:border-zinc-700 dark:bg-zinc-900">
                                                {lists.into_iter().map(|p| view! { <option value=p.id.to_string()>{p.title}</option> }).collect_view()}
                                            </select>
                                        </div>
                                        <button type="submit" class=BUTTON>"Add"</button>
                                    </ActionForm>
                                }.into_any()
                            }}
                            <div class="basis-full"><FormError result=add_r/></div>
                        </section>
                    }.into_any()
                })
            }}
        </Suspense>
    }
}

/// "Add to playlist" for any song row, the player and the song page: one button per
/// playlist the user may edit, and a new playlist that starts with the song. Plain forms,
/// so it works without JavaScript; afterwards it goes back to the page it came from.
#[component]
pub fn AddToPlaylistPage() -> impl IntoView {
    let query = use_query_map();
    let song = move || query.read().get("song").unwrap_or_default();
    let back = move || query.read().get("back").unwrap_or_default();
    let add = ServerAction::<AddToPlaylist>::new();
    let create = ServerAction::<CreatePlaylistWith>::new();
    let data = Resource::new(move || (song(), back()), |(s, b)| add_menu(s, Some(b)));
    let add_r: Signal<_> = add.value().into();
    let create_r: Signal<_> = create.value().into();
    view! {
        <Title text="Add to playlist"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (row, lists) = match data.await {
                    Ok(d) => d,
                    Err(AppError::Unauthorized) => return ().into_any(),
                    Err(AppError::NotFound) => return view! { <h1 class="text-2xl font-bold">"404 — no such song"</h1> }.into_any(),
                    Err(e) => return view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                };
                let (sid, back) = (row.id.to_string(), back());
                let (sid2, back2) = (sid.clone(), back.clone());
                let back_link = if back.is_empty() { format!("/song/{sid}") } else { back.clone() };
                view! {
                    <h1 class="mb-1 text-2xl font-bold">"Add to playlist"</h1>
                    <p class="mb-4 text-zinc-600 dark:text-zinc-400">
                        <A href=format!("/song/{sid}") attr:class="font-medium underline">{row.title.clone()}</A>
                        " · " <ArtistLinks artists=row.artists.clone()/>
                    </p>
                    <FormError result=add_r/>
                    {if lists.is_empty() {
                        view! { <p class="mb-4">"You have no playlists you can add to yet."</p> }.into_any()
                    } else {
                        view! {
                            <ul aria-label="Your playlists" class="mb-6 divide-y divide-zinc-200 dark:divide-zinc-800">
                                {lists.into_iter().map(|p| {
                                    let (sid, back) = (sid.clone(), back.clone());
                                    view! {
                                        <li class="flex items-center gap-3 py-2">
                                            <PlaylistCover cover=p.cover.clone() class="h-10 w-10"/>
                                            <span class="min-w-0 flex-1 truncate">{p.title.clone()}
                                                <span class="text-sm text-zinc-600 dark:text-zinc-400">{format!(" · {} songs", p.track_count)}</span></span>
                                            <ActionForm action=add>
                                                <input type="hidden" name="playlist_id" value=p.id.to_string()/>
                                                <input type="hidden" name="song_id" value=sid/>
                                                <input type="hidden" name="back" value=back/>
                                                <button type="submit" class=SMALL_BTN aria-label=format!("Add to {}", p.title)>"Add"</button>
                                            </ActionForm>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    <section class=CARD aria-labelledby="new-with-song">
                        <h2 id="new-with-song" class="mb-2 font-semibold">"New private playlist with this song"</h2>
                        <ActionForm action=create attr:class="flex flex-col gap-3" attr:novalidate=true>
                            <FormError result=create_r/>
                            <input type="hidden" name="song_id" value=sid2/>
                            <input type="hidden" name="back" value=back2/>
                            <Field name="title" label="Title" result=create_r required=true/>
                            <button type="submit" class=BUTTON>"Create and add"</button>
                        </ActionForm>
                    </section>
                    <p class="mt-4"><a href=back_link class="underline">"← Back"</a></p>
                }.into_any()
            })}
        </Suspense>
    }
}

/// "♡ Like" with the number of likes, for a song, album or playlist (a plain form; signed
/// out, just the count).
#[component]
pub fn LikeButton(kind: &'static str, target_id: String, back: String) -> impl IntoView {
    let like = ServerAction::<SetLike>::new();
    let tid = target_id.clone();
    let state = Resource::new(
        move || like.version().get(),
        move |_| get_like_state(kind.to_string(), tid.clone()),
    );
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let (target_id, back) = (target_id.clone(), back.clone());
                Suspend::new(async move {
                    let Ok(s) = state.await else { return ().into_any() };
                    let count = format!("{} like{}", s.count, if s.count == 1 { "" } else { "s" });
                    match s.liked {
                        Some(liked) => view! {
                            <ActionForm action=like attr:class="inline-flex items-center gap-2">
                                <input type="hidden" name="kind" value=kind/>
                                <input type="hidden" name="target_id" value=target_id/>
                                <input type="hidden" name="liked" value=(!liked).to_string()/>
                                <input type="hidden" name="back" value=back/>
                                <button type="submit" class=SMALL_BTN aria-pressed=liked.to_string()>{if liked { "♥ Liked" } else { "♡ Like" }}</button>
                                <span class="text-sm text-zinc-600 dark:text-zinc-400" data-testid="like-count">{count}</span>
                            </ActionForm>
                        }.into_any(),
                        None => view! { <span class="text-sm text-zinc-600 dark:text-zinc-400" data-testid="like-count">{count}</span> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

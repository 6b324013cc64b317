//! Profile, settings and library.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::{
    components::form::{Field, FormError, Saved, BUTTON, CARD},
    pages::{CreatePlaylistForm, PlaylistList},
    serverfns::account::{
        get_app_passwords, get_library, get_listen_token, get_settings, ChangePassword,
        CreateAppPassword, RegenerateListenToken, RevokeAppPassword, UpdatePreferences,
        UpdateProfile,
    },
    serverfns::social::{get_profile_view, BlockUser, FollowUser},
    AuthVersion,
};

#[component]
pub fn ProfilePage() -> impl IntoView {
    let params = use_params_map();
    let username = move || params.read().get("username").unwrap_or_default();
    let follow = ServerAction::<FollowUser>::new();
    let block = ServerAction::<BlockUser>::new();
    let view_data = Resource::new(
        move || (username(), follow.version().get(), block.version().get()),
        |(u, ..)| get_profile_view(u),
    );
    let follow_r: Signal<_> = follow.value().into();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Ok(v) => {
                        let p = v.profile.clone();
                        let rel = v.relation;
                        view! {
                            <Title text=p.display_name.clone()/>
                            <article aria-labelledby="profile-name" class="flex flex-col gap-2">
                                <h1 id="profile-name" class="text-3xl font-bold">{p.display_name.clone()}</h1>
                                <p class="text-zinc-600 dark:text-zinc-400">
                                    {format!("@{} · {}", p.username, p.role.as_str())}
                                    {rel.filter(|r| r.friends()).map(|_| view! { <span class="ml-2 rounded bg-violet-100 px-2 text-sm text-violet-900 dark:bg-violet-900 dark:text-violet-100">"Friends"</span> })}
                                    {rel.filter(|r| r.followed_by && !r.following).map(|_| view! { <span class="ml-2 text-sm">"Follows you"</span> })}
                                </p>
                                <p>{p.bio.clone()}</p>
                                <crate::pages::LiveNow username=p.username.clone()/>
                                <dl class="flex gap-6 text-sm">
                                    <div><dt class="inline font-semibold">"Followers "</dt><dd class="inline">{p.followers}</dd></div>
                                    <div><dt class="inline font-semibold">"Following "</dt><dd class="inline">{p.following}</dd></div>
                                    <div><dt class="inline font-semibold">"Joined "</dt><dd class="inline">{p.joined.format("%B %Y").to_string()}</dd></div>
                                </dl>
                                {rel.map(|r| {
                                    let (u1, u2) = (p.username.clone(), p.username.clone());
                                    view! {
                                        <div class="flex flex-wrap gap-2">
                                            {(!r.blocking).then(|| view! {
                                                <ActionForm action=follow>
                                                    <input type="hidden" name="username" value=u1/>
                                                    <input type="hidden" name="follow" value=(!r.following).to_string()/>
                                                    <button type="submit" class=BUTTON>{if r.following { "Unfollow" } else { "Follow" }}</button>
                                                </ActionForm>
                                            })}
                                            <ActionForm action=block>
                                                <input type="hidden" name="username" value=u2/>
                                                <input type="hidden" name="block" value=(!r.blocking).to_string()/>
                                                <button type="submit" class="rounded-md border border-zinc-400 px-3 py-2 text-sm">{if r.blocking { "Unblock" } else { "Block" }}</button>
                                            </ActionForm>
                                        </div>
                                        <FormError result=follow_r/>
                                    }
                                })}
                                {v.listening.clone().map(|(recent, artists)| view! {
                                    <div class="mt-4 grid gap-4 md:grid-cols-2">
                                        <section class=CARD aria-labelledby="rp-h">
                                            <h2 id="rp-h" class="mb-2 font-semibold">"Recently played"</h2>
                                            {if recent.is_empty() { view! { <p class="text-sm">"Nothing yet."</p> }.into_any() } else {
                                                view! { <ul aria-label="Recently played" class="text-sm">{recent.into_iter().map(|s| view! {
                                                    <li><A href=format!("/song/{}", s.id) attr:class="hover:underline">{s.title.clone()}</A>
                                                        <span class="text-zinc-600 dark:text-zinc-400">{format!(" · {}", s.artists.iter().map(|a| a.name.clone()).collect::<Vec<_>>().join(", "))}</span></li>
                                                }).collect_view()}</ul> }.into_any()
                                            }}
                                        </section>
                                        <section class=CARD aria-labelledby="tal-h">
                                            <h2 id="tal-h" class="mb-2 font-semibold">"Top artists lately"</h2>
                                            <ol aria-label="Top artists lately" class="list-decimal pl-5 text-sm">{artists.into_iter().map(|t| view! {
                                                <li><A href=format!("/artist/{}", t.item.id) attr:class="hover:underline">{t.item.name}</A></li>
                                            }).collect_view()}</ol>
                                        </section>
                                    </div>
                                })}
                                <section class="mt-4" aria-labelledby="pp-h">
                                    <h2 id="pp-h" class="mb-2 font-semibold">"Public playlists"</h2>
                                    {if v.playlists.is_empty() { view! { <p class="text-sm">"None yet."</p> }.into_any() } else {
                                        view! { <PlaylistList lists=v.playlists.clone() label="Public playlists".into()/> }.into_any()
                                    }}
                                </section>
                                <div class="mt-4 grid gap-4 md:grid-cols-2">
                                    <PeopleList label="Followers" people=v.followers.clone()/>
                                    <PeopleList label="Following" people=v.following.clone()/>
                                </div>
                                {(!v.is_me && v.relation.is_some()).then(|| view! {
                                    <div class="mt-4"><crate::pages::ReportForm target_type="user" target_id=v.profile.id.to_string()
                                        summary=format!("Report {}", v.profile.username) back=format!("/u/{}", v.profile.username)/></div>
                                    <crate::components::form::Saved what="reported" message="Thanks — a moderator will look at your report."/>
                                })}
                            </article>
                        }.into_any()
                    }
                    Err(_) => view! {
                        <Title text="Not found"/>
                        <h1 class="text-2xl font-bold">"404 — no such user"</h1>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PeopleList(label: &'static str, people: Vec<encore::model::UserSummary>) -> impl IntoView {
    view! {
        <section class=CARD>
            <h2 class="mb-2 font-semibold">{label}</h2>
            <ul aria-label=label class="text-sm">
                {people.into_iter().map(|u| view! {
                    <li><A href=format!("/u/{}", u.username) attr:class="hover:underline">{u.display_name}</A>
                        <span class="text-zinc-600 dark:text-zinc-400">{format!(" @{}", u.username)}</span></li>
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let AuthVersion(version) = expect_context::<AuthVersion>();
    let profile = ServerAction::<UpdateProfile>::new();
    let prefs = ServerAction::<UpdatePreferences>::new();
    let password = ServerAction::<ChangePassword>::new();
    let add_app = ServerAction::<CreateAppPassword>::new();
    let revoke_app = ServerAction::<RevokeAppPassword>::new();
    let apps = Resource::new(
        move || (add_app.version().get(), revoke_app.version().get()),
        |_| get_app_passwords(),
    );
    let add_app_r: Signal<_> = add_app.value().into();
    let new_token = ServerAction::<RegenerateListenToken>::new();
    let listen_token = Resource::new(move || new_token.version().get(), |_| get_listen_token());
    let settings = Resource::new(
        move || (profile.version().get(), prefs.version().get()),
        |_| get_settings(),
    );
    Effect::new(move |_| {
        if matches!(profile.value().get(), Some(Ok(_))) {
            version.update(|v| *v += 1);
        }
    });
    let profile_r: Signal<_> = profile.value().into();
    let prefs_r: Signal<_> = prefs.value().into();
    let password_r: Signal<_> = password.value().into();
    view! {
        <Title text="Settings"/>
        <h1 class="mb-4 text-2xl font-bold">"Settings"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let s = match settings.await {
                    Ok(s) => s,
                    Err(e) => return view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                };
                let p = s.preferences.clone();
                view! {
                    <div class="grid gap-6 md:grid-cols-2">
                        <section class=CARD aria-labelledby="profile-h">
                            <h2 id="profile-h" class="mb-3 text-lg font-semibold">"Profile"</h2>
                            <ActionForm action=profile attr:class="flex flex-col gap-3" attr:novalidate=true>
                                <FormError result=profile_r/>
                                <Field name="display_name" label="Display name" value=s.user.display_name.clone() result=profile_r/>
                                <div class="flex flex-col gap-1">
                                    <label for="f-bio" class="text-sm font-medium">"Bio"</label>
                                    <textarea id="f-bio" name="bio" rows="3" maxlength="500"
                                        class="rounded-md border border-zinc-300 px-3 py-2 dark:border-zinc-700 dark:bg-zinc-900">{s.user.bio.clone()}</textarea>
                                    <p class="text-sm text-red-700" role="alert">{move || profile_r.get().and_then(|r| r.err()).and_then(|e| e.field("bio"))}</p>
                                </div>
                                <button type="submit" class=BUTTON>"Save profile"</button>
                                <Saved what="profile" message="Profile saved."/>
                            </ActionForm>
                        </section>
                        <section class=CARD aria-labelledby="prefs-h">
                            <h2 id="prefs-h" class="mb-3 text-lg font-semibold">"Listening and privacy"</h2>
                            <ActionForm action=prefs attr:class="flex flex-col gap-3">
                                <FormError result=prefs_r/>
                                <Check name="explicit_filter" label="Hide explicit content" checked=p.explicit_filter/>
                                <Check name="private_session" label="Private session (your listening is not shared)" checked=p.private_session/>
                                <Check name="share_activity" label="Share my activity with followers" checked=p.share_activity/>
                                <Check name="show_listening" label="Show recently played and top artists on my profile" checked=p.show_listening/>
                                <button type="submit" class=BUTTON>"Save preferences"</button>
                                <Saved what="preferences" message="Preferences saved."/>
                            </ActionForm>
                        </section>
                        <section class=CARD aria-labelledby="data-h">
                            <h2 id="data-h" class="mb-3 text-lg font-semibold">"Your data"</h2>
                            <p class="mb-2 text-sm">"Everything Encore stores about you: account, preferences, playlists, likes, follows, listening history and reports."</p>
                            <a href="/account/export.json" download="" rel="external" class="underline">"Download my data (JSON)"</a>
                        </section>
                        <section class=CARD aria-labelledby="pw-h">
                            <h2 id="pw-h" class="mb-3 text-lg font-semibold">"Change password"</h2>
                            <ActionForm action=password attr:class="flex flex-col gap-3" attr:novalidate=true>
                                <FormError result=password_r/>
                                <Field name="current_password" label="Current password" kind="password" autocomplete="current-password" result=password_r/>
                                <Field name="new_password" label="New password" kind="password" autocomplete="new-password" hint="At least 10 characters." result=password_r/>
                                <Field name="confirm" label="Repeat new password" kind="password" autocomplete="new-password" result=password_r/>
                                <button type="submit" class=BUTTON>"Change password"</button>
                                <Saved what="password" message="Password changed. Your other sessions were signed out."/>
                            </ActionForm>
                        </section>
                        <section class=format!("{CARD} md:col-span-2") aria-labelledby="apps-h">
                            <h2 id="apps-h" class="mb-3 text-lg font-semibold">"Apps"</h2>
                            <p class="mb-2 text-sm">"Listen in a Subsonic / OpenSubsonic app (phone or desktop): give it this site's address as the server, your username "
                                <strong>{s.user.username.clone()}</strong>" and an app password from here — never your account password. "
                                "Apps that support API keys take the app password as the key. Revoke a password and its app is signed out."</p>
                            <Saved what="apps" message="App password made: enter it in the app."/>
                            <Saved what="revoked" message="App password revoked."/>
                            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                                {move || Suspend::new(async move {
                                    let list = apps.await.unwrap_or_default();
                                    if list.is_empty() {
                                        return view! { <p class="mb-3 text-sm">"No app passwords yet."</p> }.into_any();
                                    }
                                    view! {
                                        <ul aria-label="App passwords" class="mb-3 flex flex-col gap-2">
                                            {list.into_iter().map(|k| {
                                                let used = k.last_used_at.map_or("never used".to_string(), |t| format!("last used {}", t.format("%Y-%m-%d %H:%M UTC")));
                                                view! {
                                                    <li class="flex flex-wrap items-center gap-3">
                                                        <span class="font-medium">{k.name.clone()}</span>
                                                        <code class="rounded bg-zinc-100 px-2 py-1 dark:bg-zinc-800" aria-label=format!("App password for {}", k.name)>{k.secret.clone()}</code>
                                                        <span class="text-sm text-zinc-600 dark:text-zinc-400">{used}</span>
                                                        <ActionForm action=revoke_app>
                                                            <input type="hidden" name="id" value=k.id.to_string()/>
                                                            <button type="submit" class="underline" aria-label=format!("Revoke {}", k.name)>"Revoke"</button>
                                                        </ActionForm>
                                                    </li>
                                                }
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                })}
                            </Suspense>
                            <ActionForm action=add_app attr:class="flex flex-wrap items-end gap-3" attr:novalidate=true>
                                <FormError result=add_app_r/>
                                <Field name="name" label="App name" hint="e.g. “Phone”." result=add_app_r/>
                                <button type="submit" class=BUTTON>"Make an app password"</button>
                            </ActionForm>
                        </section>
                        <section class=format!("{CARD} md:col-span-2") aria-labelledby="scrobble-h">
                            <h2 id="scrobble-h" class="mb-3 text-lg font-semibold">"Scrobbling (ListenBrainz-compatible)"</h2>
                            <p class="mb-2 text-sm">"Scrobblers in media players and browsers that speak ListenBrainz can send your plays here: set their ListenBrainz server (API) address to this site's address and give them this token. "
                                "Plays of songs Encore does not know are kept too and count in your stats."</p>
                            <Saved what="token" message="New token made; the old one no longer works."/>
                            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                                {move || Suspend::new(async move {
                                    let t = listen_token.await.unwrap_or_default();
                                    view! { <p class="mb-3">"Your token: "<code class="rounded bg-zinc-100 px-2 py-1 dark:bg-zinc-800" aria-label="Your scrobbling token">{t}</code></p> }
                                })}
                            </Suspense>
                            <ActionForm action=new_token>
                                <button type="submit" class="underline">"Make a new token (the old one stops working)"</button>
                            </ActionForm>
                        </section>
                    </div>
                }.into_any()
            })}
        </Suspense>
    }
}

#[component]
fn Check(name: &'static str, label: &'static str, checked: bool) -> impl IntoView {
    let id = format!("f-{name}");
    view! {
        <div class="flex items-center gap-2">
            <input id=id.clone() type="checkbox" name=name value="on" checked=checked class="h-4 w-4"/>
            <label for=id>{label}</label>
        </div>
    }
}

#[component]
pub fn LibraryPage() -> impl IntoView {
    let library = Resource::new(|| (), |_| get_library());
    let lists = Resource::new(|| (), |_| crate::serverfns::playlists::my_playlists());
    view! {
        <Title text="Library"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (me, c) = match library.await {
                    Ok(x) => x,
                    Err(e) => return view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                };
                let (mine, saved) = lists.await.unwrap_or_default();
                view! {
                    <h1 class="mb-4 text-2xl font-bold">{format!("{}'s library", me.display_name)}</h1>
                    <ul class="mb-6 grid grid-cols-2 gap-3 md:grid-cols-5" aria-label="Library">
                        <Stat label="Playlists" n=c.playlists/>
                        <Stat label="Saved playlists" n=c.saved_playlists/>
                        <Stat label="Liked songs" n=c.liked_songs/>
                        <Stat label="Artists followed" n=c.followed_artists/>
                        <Stat label="People followed" n=c.following_users/>
                    </ul>
                    <p class="mb-6"><A href="/collection/tracks" attr:class="font-semibold underline">"♥ Liked Songs"</A>
                        " · " <A href="/playlists" attr:class="underline">"Public playlists"</A></p>
                    <div class="grid gap-6 md:grid-cols-2">
                        <section aria-labelledby="mine-h">
                            <h2 id="mine-h" class="mb-2 text-xl font-semibold">"Your playlists"</h2>
                            {if mine.is_empty() { view! { <p>"None yet."</p> }.into_any() } else { view! { <PlaylistList lists=mine label="Your playlists".into()/> }.into_any() }}
                            <h2 class="mb-2 mt-6 text-xl font-semibold">"Saved playlists"</h2>
                            {if saved.is_empty() { view! { <p>"None yet."</p> }.into_any() } else { view! { <PlaylistList lists=saved label="Saved playlists".into()/> }.into_any() }}
                        </section>
                        <section class=CARD aria-labelledby="new-h">
                            <h2 id="new-h" class="mb-2 text-xl font-semibold">"New playlist"</h2>
                            <CreatePlaylistForm/>
                        </section>
                    </div>
                }.into_any()
            })}
        </Suspense>
    }
}

#[component]
fn Stat(label: &'static str, n: i64) -> impl IntoView {
    view! {
        <li class=CARD><span class="block text-2xl font-bold">{n}</span><span class="text-sm">{label}</span></li>
    }
}

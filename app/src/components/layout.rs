//! The app shell: skip link, header with navigation by role, main landmark, footer with
//! the theme switch.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    components::player::PlayerBar, serverfns::account::SetTheme, serverfns::auth::SignOut,
    AuthVersion, CurrentUser,
};

const NAV_LINK: &str = "rounded-md px-3 py-2 text-sm font-medium hover:bg-zinc-100 dark:hover:bg-zinc-800 aria-[current=page]:bg-zinc-200 dark:aria-[current=page]:bg-zinc-800";

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let CurrentUser(user) = expect_context::<CurrentUser>();
    let AuthVersion(version) = expect_context::<AuthVersion>();
    let sign_out = ServerAction::<SignOut>::new();
    // Unread notifications, refetched on every navigation (one indexed count).
    let pathname = leptos_router::hooks::use_location().pathname;
    let unread = Resource::new(
        move || (version.get(), pathname.get()),
        |_| crate::serverfns::events::unread_notifications(),
    );
    Effect::new(move |_| {
        if sign_out.version().get() > 0 {
            version.update(|v| *v += 1);
        }
    });

    let nav = move || {
        Suspend::new(async move {
            let me = user.await.ok().flatten();
            let unread = unread.await.unwrap_or(0);
            let role_links = me.as_ref().map(|u| {
                view! {
                    {u.role.is_artist().then(|| view! { <A href="/artist" attr:class=NAV_LINK>"Artist"</A> })}
                    {u.role.can_moderate().then(|| view! { <A href="/admin" attr:class=NAV_LINK>"Admin"</A> })}
                }
            });
            let account = match me {
                Some(u) => view! {
                    <div class="flex flex-wrap items-center gap-2">
                        <A href=format!("/u/{}", u.username) attr:class=NAV_LINK>
                            <span class="sr-only">"Your profile: "</span>{u.display_name.clone()}
                        </A>
                        <A href="/feed" attr:class=NAV_LINK>"Feed"</A>
                        <A href="/parties" attr:class=NAV_LINK>"Parties"</A>
                        <A href="/notifications" attr:class=NAV_LINK>
                            "Notifications"
                            {(unread > 0).then(|| view! {
                                <span class="ml-1 rounded-full bg-violet-700 px-1.5 text-xs text-white" data-testid="unread-count">{unread}<span class="sr-only">" unread"</span></span>
                            })}
                        </A>
                        <A href="/history" attr:class=NAV_LINK>"History"</A>
                        <A href="/stats" attr:class=NAV_LINK>"Stats"</A>
                        <A href="/premium" attr:class=NAV_LINK>"Premium"</A>
                        <A href="/settings" attr:class=NAV_LINK>"Settings"</A>
                        <ActionForm action=sign_out>
                            <button type="submit" class=NAV_LINK>"Sign out"</button>
                        </ActionForm>
                    </div>
                }
                .into_any(),
                None => view! {
                    <div class="flex flex-wrap items-center gap-2">
                        <A href="/signin" attr:class=NAV_LINK>"Sign in"</A>
                        <A href="/signup" attr:class="rounded-md bg-violet-700 px-3 py-2 text-sm font-semibold text-white hover:bg-violet-800">"Sign up"</A>
                    </div>
                }
                .into_any(),
            };
            view! {
                <ul class="flex flex-wrap items-center gap-1">
                    <li><A href="/" attr:class=NAV_LINK>"Home"</A></li>
                    <li><A href="/search" attr:class=NAV_LINK>"Search"</A></li>
                    <li><A href="/discover" attr:class=NAV_LINK>"Discover"</A></li>
                    <li><A href="/artists" attr:class=NAV_LINK>"Artists"</A></li>
                    <li><A href="/albums" attr:class=NAV_LINK>"Albums"</A></li>
                    <li><A href="/genres" attr:class=NAV_LINK>"Genres"</A></li>
                    <li><A href="/library" attr:class=NAV_LINK>"Library"</A></li>
                    {role_links.map(|l| view! { <li class="flex gap-1">{l}</li> })}
                </ul>
                {account}
            }
        })
    };

    view! {
        <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-black">
            "Skip to content"
        </a>
        <header class="border-b border-zinc-200 dark:border-zinc-800">
            <div class="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-2 px-4 py-3">
                <a href="/" class="text-xl font-bold tracking-tight text-violet-700 dark:text-violet-400">"Encore"</a>
                <nav aria-label="Main" class="flex flex-1 flex-wrap items-center justify-between gap-2">
                    <Suspense fallback=|| view! { <span class="text-sm">"…"</span> }>{nav}</Suspense>
                </nav>
            </div>
        </header>
        <main id="main" tabindex="-1" class="mx-auto max-w-5xl px-4 py-6 focus:outline-none">
            // Every "Add to playlist" form comes back to its page with ?saved=added.
            <crate::components::form::Saved what="added" message="Added to the playlist."/>
            {children()}
        </main>
        <footer class="mx-auto max-w-5xl border-t border-zinc-200 px-4 pb-32 pt-4 text-sm dark:border-zinc-800">
            <ThemeSwitch/>
        </footer>
        <PlayerBar/>
    }
}

/// Light / dark / system. The cookie is set by the server; with JavaScript on, the class
/// on `<html>` is switched at once.
#[component]
fn ThemeSwitch() -> impl IntoView {
    let set_theme = ServerAction::<SetTheme>::new();
    Effect::new(move |_| {
        if let Some(Ok(theme)) = set_theme.value().get() {
            #[cfg(feature = "hydrate")]
            if let Some(el) = document().document_element() {
                el.set_class_name(theme.as_str());
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = theme;
        }
    });
    view! {
        <ActionForm action=set_theme attr:class="flex flex-wrap items-center gap-2">
            <span id="theme-label">"Theme:"</span>
            <div role="group" aria-labelledby="theme-label" class="flex gap-1">
                {["system", "light", "dark"].into_iter().map(|t| view! {
                    <button type="submit" name="theme" value=t class="rounded border border-zinc-300 px-2 py-1 capitalize hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800">{t}</button>
                }).collect_view()}
            </div>
        </ActionForm>
    }
}

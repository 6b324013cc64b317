//! Encore's Leptos app: the HTML shell, routes, pages, components and server functions.
//! Compiled twice: with `ssr` into the server, and with `hydrate` into the browser's wasm.

// Leptos view types nest deeply on the stats page.
#![recursion_limit = "256"]

pub mod components;
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
pub mod serverfns;
pub mod url;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    ParamSegment, SsrMode, StaticSegment,
};

use crate::components::layout::Layout;
use crate::pages::*;

/// The document around the app. During SSR it reads the theme cookie so the first paint
/// already has the right colours.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let theme = current_theme_class();
    view! {
        <!DOCTYPE html>
        <html lang="en" class=theme>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                // Controls that only work with JavaScript disappear without it.
                <noscript><style>".js-only { display: none !important; }"</style></noscript>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-white text-zinc-900 dark:bg-zinc-950 dark:text-zinc-100">
                <App/>
            </body>
        </html>
    }
}

#[cfg(feature = "ssr")]
fn current_theme_class() -> &'static str {
    use_context::<http::request::Parts>()
        .and_then(|parts| server::cookie(&parts.headers, "theme"))
        .and_then(|v| encore::model::Theme::parse(&v))
        .unwrap_or_default()
        .as_str()
}

#[cfg(not(feature = "ssr"))]
fn current_theme_class() -> &'static str {
    "system"
}

/// Bumped whenever the signed-in user may have changed (sign-in, sign-out, settings), so
/// the navigation refetches who is signed in.
#[derive(Clone, Copy)]
pub struct AuthVersion(pub RwSignal<u32>);

/// The signed-in user (or `None`), loaded once per page and refetched on `AuthVersion`.
#[derive(Clone, Copy)]
pub struct CurrentUser(pub Resource<Result<Option<encore::model::SessionUser>, error::AppError>>);

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let version = RwSignal::new(0u32);
    provide_context(AuthVersion(version));
    let user = Resource::new(move || version.get(), |_| serverfns::auth::current_user());
    provide_context(CurrentUser(user));
    components::player::provide_player();
    // Marks the page as hydrated (browser tests wait for it; harmless otherwise).
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/encore.css"/>
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Title formatter=|t: String| if t.is_empty() { "Encore".to_string() } else { format!("{t} · Encore") }/>
        <Router>
            <Layout>
                <Routes fallback=|| view! { <NotFoundPage/> }>
                    <Route path=StaticSegment("") view=HomePage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("signup") view=SignUpPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("signin") view=SignInPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("search") view=SearchPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("library") view=LibraryPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("settings") view=SettingsPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("admin") view=AdminPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("artist") view=ArtistAreaPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("artist"), ParamSegment("id"), StaticSegment("insights")) view=ArtistInsightsPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("artist"), ParamSegment("id"), StaticSegment("uploads")) view=ArtistUploadsPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("claims")) view=AdminClaimsPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("uploads")) view=AdminUploadsPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("analytics")) view=AnalyticsPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("plans")) view=AdminPlansPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("premium") view=PremiumPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("u"), ParamSegment("username")) view=ProfilePage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("artist"), ParamSegment("id")) view=ArtistPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("album"), ParamSegment("id")) view=AlbumPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("song"), ParamSegment("id")) view=SongPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("genre"), ParamSegment("name")) view=GenrePage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("artists") view=ArtistsPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("albums") view=AlbumsPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("genres") view=GenresPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("history") view=HistoryPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("import") view=ImportPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("discover") view=DiscoverPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("mix"), ParamSegment("slug")) view=MixPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("recommendations")) view=AdminRecsPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("feed") view=FeedPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("reports")) view=QueuePage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("users")) view=AdminUsersPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("audit")) view=AuditPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("reports") view=MyReportsPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("playlist"), ParamSegment("id")) view=PlaylistPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("playlists") view=PublicPlaylistsPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("add-to-playlist") view=AddToPlaylistPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("collection"), StaticSegment("tracks")) view=LikedSongsPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("stats") view=StatsPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("parties") view=PartiesPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("event"), ParamSegment("id")) view=EventPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("artist"), ParamSegment("id"), StaticSegment("events")) view=ArtistEventsPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("notifications") view=NotificationsPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("party"), ParamSegment("id")) view=PartyPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("stats"), StaticSegment("year")) view=YearPage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}

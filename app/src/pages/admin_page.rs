//! Admin panel (moderators and admins) and the artist area.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::{
    components::form::CARD,
    error::AppError,
    serverfns::admin::{get_admin_overview, get_artist_home},
};

#[component]
fn Forbidden() -> impl IntoView {
    view! {
        <Title text="Forbidden"/>
        <h1 class="text-2xl font-bold">"403 — forbidden"</h1>
        <p class="mt-2">"You do not have permission to see this page."</p>
    }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| get_admin_overview());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => view! {
                        <Title text="Admin"/>
                        <h1 class="mb-4 text-2xl font-bold">"Admin"</h1>
                        <p class="mb-4"><A href="/admin/reports" attr:class="font-semibold underline">"Reports queue"</A></p>
                        <section class=CARD aria-labelledby="users-h">
                            <h2 id="users-h" class="mb-2 text-lg font-semibold">"Users"</h2>
                            <ul class="flex flex-wrap gap-4">
                                {o.users_by_role.iter().map(|(r, n)| view! { <li>{format!("{}: {n}", r.as_str())}</li> }).collect_view()}
                                <li>{format!("suspended: {}", o.suspended)}</li>
                            </ul>
                            <div class="mt-4 overflow-x-auto">
                                <table class="w-full text-left text-sm">
                                    <caption class="sr-only">"Newest users"</caption>
                                    <thead><tr><th scope="col">"Username"</th><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Status"</th><th scope="col">"Joined"</th></tr></thead>
                                    <tbody>
                                        {o.recent_users.into_iter().map(|u| view! {
                                            <tr class="border-t border-zinc-200 dark:border-zinc-800">
                                                <td>{u.username}</td><td>{u.email}</td><td>{u.role.as_str()}</td>
                                                <td>{u.status.as_str()}</td><td>{u.created_at.format("%Y-%m-%d").to_string()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        </section>
                    }.into_any(),
                    Err(AppError::Forbidden) => view! { <Forbidden/> }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ArtistHomePage() -> impl IntoView {
    let me = Resource::new(|| (), |_| get_artist_home());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(me) => view! {
                        <Title text="Artist"/>
                        <h1 class="mb-2 text-2xl font-bold">"Artist area"</h1>
                        <p>{format!("Signed in as {} ({}).", me.display_name, me.role.as_str())}</p>
                    }.into_any(),
                    Err(AppError::Forbidden) => view! { <Forbidden/> }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

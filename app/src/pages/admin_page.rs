//! Admin panel (moderators and admins).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::{
    components::form::{Forbidden, CARD},
    error::AppError,
    serverfns::admin::get_admin_overview,
};

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
                        <p class="mb-4 flex flex-wrap gap-4"><A href="/admin/reports" attr:class="font-semibold underline">"Reports queue"</A>
                            <A href="/admin/users" attr:class="font-semibold underline">"Users"</A>
                            <A href="/admin/audit" attr:class="font-semibold underline">"Audit log"</A>
                            <A href="/admin/claims" attr:class="font-semibold underline">"Artist claims"</A>
                            <A href="/admin/uploads" attr:class="font-semibold underline">"Upload review"</A>
                            <A href="/admin/analytics" attr:class="font-semibold underline">"Analytics"</A>
                            <A href="/admin/plans" attr:class="font-semibold underline">"Plans"</A>
                            <A href="/admin/recommendations" attr:class="font-semibold underline">"Recommendations"</A></p>
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
                    Err(AppError::Forbidden) => view! { <Forbidden reason="You do not have permission to see this page."/> }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// User management: search, change role, suspend for a period, reactivate.
#[component]
pub fn AdminUsersPage() -> impl IntoView {
    use crate::{
        components::form::{FormError, Saved, BUTTON},
        serverfns::admin::{admin_users, DeleteUser, ReactivateUser, SetUserRole, SuspendUser},
    };
    use leptos_router::hooks::use_query_map;
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let role = ServerAction::<SetUserRole>::new();
    let suspend = ServerAction::<SuspendUser>::new();
    let reactivate = ServerAction::<ReactivateUser>::new();
    let delete = ServerAction::<DeleteUser>::new();
    let delete_r: Signal<_> = delete.value().into();
    let data = Resource::new(
        move || {
            (
                q(),
                role.version().get(),
                suspend.version().get(),
                reactivate.version().get(),
                delete.version().get(),
            )
        },
        |(q, ..)| admin_users(q),
    );
    let (role_r, suspend_r, react_r): (Signal<_>, Signal<_>, Signal<_>) = (
        role.value().into(),
        suspend.value().into(),
        reactivate.value().into(),
    );
    view! {
        <Title text="Users"/>
        <h1 class="mb-4 text-2xl font-bold">"Users"</h1>
        <form method="get" action="/admin/users" role="search" class="mb-4 flex gap-2">
            <label for="uq" class="sr-only">"Find users by username or email"</label>
            <input id="uq" name="q" type="search" value=q placeholder="Username or email"
                class="w-full max-w-sm rounded-md border border-zinc-300 px-3 py-2 dark:border-zinc-700 dark:bg-zinc-900"/>
            <button type="submit" class=BUTTON>"Find"</button>
        </form>
        <FormError result=role_r/><FormError result=suspend_r/><FormError result=react_r/><FormError result=delete_r/>
        <div role="status"><Saved what="role" message="Role changed."/><Saved what="suspended" message="User suspended and signed out everywhere."/><Saved what="reactivated" message="User reactivated."/><Saved what="deleted" message="Account deleted: removed from PostgreSQL and MongoDB."/></div>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(users) => view! {
                        <ul aria-label="Users" class="flex flex-col gap-3">
                            {users.into_iter().map(|u| {
                                let (id1, id2, id3) = (u.id.to_string(), u.id.to_string(), u.id.to_string());
                                let (q1, q2, q3, q4) = (q(), q(), q(), q());
                                let (id4, confirm_id, confirm_for) = (u.id.to_string(), format!("confirm-{}", u.id), format!("confirm-{}", u.id));
                                let confirm_label = format!("Type {} to confirm", u.username);
                                let suspended = u.status == encore::model::UserStatus::Suspended;
                                view! {
                                    <li class=CARD aria-label=u.username.clone()>
                                        <p class="font-semibold">{format!("{} (@{}) · {}", u.display_name, u.username, u.email)}</p>
                                        <p class="text-sm">{format!("{} · {}{} · joined {}", u.role.as_str(), u.status.as_str(),
                                            u.suspended_until.map(|t| format!(" until {}", t.format("%Y-%m-%d"))).unwrap_or_default(), u.created_at.format("%Y-%m-%d"))}</p>
                                        <div class="mt-2 flex flex-wrap items-end gap-3 text-sm">
                                            <ActionForm action=role attr:class="flex items-end gap-2">
                                                <input type="hidden" name="user_id" value=id1/><input type="hidden" name="q" value=q1/>
                                                <label class="flex flex-col">"Role"
                                                    <select name="role" class="rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900">
                                                        {encore::model::Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == u.role>{r.as_str()}</option> }).collect_view()}
                                                    </select>
                                                </label>
                                                <button type="submit" class="rounded border border-zinc-400 px-2 py-1">"Set role"</button>
                                            </ActionForm>
                                            {if suspended {
                                                view! {
                                                    <ActionForm action=reactivate>
                                                        <input type="hidden" name="user_id" value=id3/><input type="hidden" name="q" value=q3/>
                                                        <button type="submit" class="rounded border border-zinc-400 px-2 py-1">"Reactivate"</button>
                                                    </ActionForm>
                                                }.into_any()
                                            } else {
                                                view! {
                                                    <ActionForm action=suspend attr:class="flex items-end gap-2">
                                                        <input type="hidden" name="user_id" value=id2/><input type="hidden" name="q" value=q2/>
                                                        <label class="flex flex-col">"Days"<input name="days" type="number" min="1" max="3650" value="7" class="w-20 rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"/></label>
                                                        <label class="flex flex-col">"Reason"<input name="note" class="rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"/></label>
                                                        <button type="submit" class="rounded border border-red-700 px-2 py-1 text-red-800 dark:text-red-300">"Suspend"</button>
                                                    </ActionForm>
                                                }.into_any()
                                            }}
                                            {(u.role != encore::model::Role::Admin).then(|| view! {
                                                <details>
                                                    <summary class="cursor-pointer text-red-800 dark:text-red-300">"Delete account…"</summary>
                                                    <ActionForm action=delete attr:class="mt-2 flex items-end gap-2">
                                                        <input type="hidden" name="user_id" value=id4/><input type="hidden" name="q" value=q4/>
                                                        <label for=confirm_for class="flex flex-col">{confirm_label}
                                                            <input id=confirm_id name="confirm" autocomplete="off" class="rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"/></label>
                                                        <button type="submit" class="rounded bg-red-700 px-2 py-1 font-semibold text-white">"Delete for good"</button>
                                                    </ActionForm>
                                                </details>
                                            })}
                                        </div>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(AppError::Forbidden) => view! { <Forbidden reason="You do not have permission to see this page."/> }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    use crate::serverfns::admin::audit_log;
    use leptos_router::hooks::use_query_map;
    let query = use_query_map();
    let action = move || query.read().get("action").unwrap_or_default();
    let data = Resource::new(
        move || {
            (
                action(),
                query
                    .read()
                    .get("before")
                    .and_then(|b| b.parse::<i64>().ok()),
            )
        },
        |(a, before)| audit_log(Some(a), before),
    );
    view! {
        <Title text="Audit log"/>
        <h1 class="mb-4 text-2xl font-bold">"Audit log"</h1>
        <form method="get" action="/admin/audit" class="mb-4 flex items-end gap-2 text-sm">
            <label class="flex flex-col">"Action"
                <select name="action" class="rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900">
                    {[("", "All"), ("user.", "Users"), ("report.", "Reports"), ("comment.", "Comments")].into_iter().map(|(v, l)| {
                        view! { <option value=v selected=move || action() == v>{l}</option> }
                    }).collect_view()}
                </select>
            </label>
            <button type="submit" class="rounded border border-zinc-400 px-2 py-1">"Filter"</button>
        </form>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(rows) if rows.is_empty() => view! { <p>"Nothing logged."</p> }.into_any(),
                    Ok(rows) => {
                        let next = (rows.len() as i64 >= encore::model::AUDIT_PAGE).then(|| rows.last().map(|r| r.id)).flatten();
                        view! {
                            <div class="overflow-x-auto">
                            <table class="w-full text-left text-sm">
                                <caption class="sr-only">"Audit entries, newest first"</caption>
                                <thead><tr><th scope="col" class="py-1 pr-3">"When"</th><th scope="col" class="pr-3">"Who"</th><th scope="col" class="pr-3">"Action"</th><th scope="col" class="pr-3">"Target"</th><th scope="col">"Details"</th></tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|r| view! {
                                        <tr class="border-t border-zinc-200 align-top dark:border-zinc-800">
                                            <td class="py-1 pr-3 whitespace-nowrap tabular-nums">{r.created_at.format("%Y-%m-%d %H:%M:%S").to_string()}</td>
                                            <td class="pr-3">{r.actor.unwrap_or_else(|| "—".into())}</td>
                                            <td class="pr-3 font-mono">{r.action}</td>
                                            <td class="pr-3 break-all">{format!("{} {}", r.target_type.unwrap_or_default(), r.target_id.unwrap_or_default())}</td>
                                            <td class="break-all font-mono text-xs">{r.details}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                            {next.map(|n| view! { <p class="mt-4"><a class="underline" href=format!("/admin/audit?action={}&before={n}", crate::url::encode(&action()))>"Older →"</a></p> })}
                        }.into_any()
                    }
                    Err(AppError::Forbidden) => view! { <Forbidden reason="You do not have permission to see this page."/> }.into_any(),
                    Err(AppError::Unauthorized) => ().into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

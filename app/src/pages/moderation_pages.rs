//! The moderation queue, "my reports", and the report form on song pages.

use encore::model::REPORT_REASONS;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    components::form::{FormError, Saved, BUTTON, CARD},
    error::AppError,
    serverfns::moderation::*,
};

#[component]
pub fn ReportSongForm(song_id: String) -> impl IntoView {
    let back = format!("/song/{song_id}");
    view! {
        <ReportForm target_type="song" target_id=song_id summary="Report this song".into() back=back/>
        <Saved what="reported" message="Thanks — a moderator will look at your report. See “My reports” for the outcome."/>
    }
}

/// "Report" as a disclosure with a plain form (works without JavaScript); the reporter
/// comes back to `back`.
#[component]
pub fn ReportForm(
    target_type: &'static str,
    target_id: String,
    summary: String,
    back: String,
) -> impl IntoView {
    let report = ServerAction::<FileReport>::new();
    let r: Signal<_> = report.value().into();
    let (reason_id, details_id) = (
        format!("reason-{target_id}"),
        format!("details-{target_id}"),
    );
    view! {
        <details class="text-sm">
            <summary class="cursor-pointer">{summary}</summary>
            <ActionForm action=report attr:class="mt-2 flex max-w-md flex-col gap-2">
                <FormError result=r/>
                <input type="hidden" name="target_type" value=target_type/>
                <input type="hidden" name="target_id" value=target_id/>
                <input type="hidden" name="back" value=back/>
                <label for=reason_id.clone() class="font-medium">"Reason"</label>
                <select id=reason_id name="reason" class="rounded-md border border-zinc-300 px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900">
                    {REPORT_REASONS.iter().map(|r| view! { <option value=*r>{*r}</option> }).collect_view()}
                </select>
                <label for=details_id.clone() class="font-medium">"Details (optional)"</label>
                <textarea id=details_id name="details" rows="2" maxlength="2000" class="rounded-md border border-zinc-300 px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"></textarea>
                <button type="submit" class=BUTTON>"Send report"</button>
            </ActionForm>
        </details>
    }
}

#[component]
pub fn QueuePage() -> impl IntoView {
    let query = use_query_map();
    let act = ServerAction::<ActOnReport>::new();
    let data = Resource::new(
        move || (query.read().get("reason"), act.version().get()),
        |(r, _)| get_queue(r),
    );
    let act_r: Signal<_> = act.value().into();
    view! {
        <Title text="Reports"/>
        <h1 class="mb-4 text-2xl font-bold">"Reports queue"</h1>
        <form method="get" action="/admin/reports" class="mb-4 flex items-center gap-2 text-sm">
            <label for="q-reason">"Reason"</label>
            <select id="q-reason" name="reason" class="rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900">
                <option value="">"All"</option>
                {REPORT_REASONS.iter().map(|r| view! { <option value=*r selected=move || query.read().get("reason").as_deref() == Some(*r)>{*r}</option> }).collect_view()}
            </select>
            <button type="submit" class="rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700">"Filter"</button>
        </form>
        <FormError result=act_r/>
        <Saved what="done" message="Done. The reporter can see the outcome."/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(list) if list.is_empty() => view! { <p>"The queue is empty."</p> }.into_any(),
                    Ok(list) => view! {
                        <ol aria-label="Open reports" class="flex flex-col gap-3">
                            {list.into_iter().map(|r| {
                                let rid = r.id.to_string();
                                let label = r.target_label.clone();
                                let form_label = format!("Act on the report about {label}");
                                view! {
                                    <li class=CARD>
                                        <p class="font-semibold">
                                            {format!("{} · {}: ", r.reason, r.target_type)}
                                            {match r.target_link.clone() {
                                                Some(href) => view! { <A href=href attr:class="underline">{label.clone()}</A> }.into_any(),
                                                None => label.clone().into_any(),
                                            }}
                                        </p>
                                        <p class="text-sm">{format!("Reported by {} on {}", r.reporter.clone().unwrap_or_else(|| "a deleted user".into()), r.created_at.format("%Y-%m-%d %H:%M"))}</p>
                                        <p class="text-sm">{r.details.clone()}</p>
                                        <ActionForm action=act attr:class="mt-2 flex flex-wrap items-end gap-2" attr:aria-label=form_label>
                                            <input type="hidden" name="report_id" value=rid/>
                                            <div class="flex flex-col gap-1 text-sm">
                                                <label for=format!("act-{}", r.id)>"Action"</label>
                                                <select id=format!("act-{}", r.id) name="action" class="rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900">
                                                    <option value="dismiss">"Dismiss"</option>
                                                    {(r.target_type == "song").then(|| view! {
                                                        <option value="take_down">"Take down"</option>
                                                        <option value="mark_explicit">"Mark explicit"</option>
                                                    })}
                                                    {(r.target_type == "comment").then(|| view! {
                                                        <option value="hide_comment">"Hide comment"</option>
                                                    })}
                                                    {(r.target_type != "song").then(|| view! {
                                                        <option value="warn">"Warn the user"</option>
                                                        <option value="suspend_1">"Suspend the user for 1 day"</option>
                                                        <option value="suspend_7">"Suspend the user for 7 days"</option>
                                                        <option value="suspend_30">"Suspend the user for 30 days"</option>
                                                    })}
                                                </select>
                                            </div>
                                            <div class="flex flex-1 flex-col gap-1 text-sm">
                                                <label for=format!("note-{}", r.id)>"Note (shown to the reporter)"</label>
                                                <input id=format!("note-{}", r.id) name="note" class="rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"/>
                                            </div>
                                            <button type="submit" class=BUTTON>"Apply"</button>
                                        </ActionForm>
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                    }.into_any(),
                    Err(AppError::Forbidden) => view! {
                        <h2 class="text-xl font-bold">"403 — forbidden"</h2>
                        <p>"Only moderators and admins work the queue."</p>
                    }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn MyReportsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| my_reports());
    let warnings = Resource::new(|| (), |_| my_warnings());
    view! {
        <Title text="My reports"/>
        <h1 class="mb-4 text-2xl font-bold">"My reports"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match warnings.await {
                    Ok(list) if !list.is_empty() => view! {
                        <section aria-labelledby="warn-h" class="mb-6 rounded-md border border-amber-400 p-3">
                            <h2 id="warn-h" class="mb-1 text-lg font-semibold">"Warnings on your account"</h2>
                            <ul aria-label="Warnings on your account" class="text-sm">
                                {list.into_iter().map(|w| view! {
                                    <li>{format!("{} — {}", w.created_at.format("%Y-%m-%d"), if w.note.is_empty() { "A moderator warned you about your content.".to_string() } else { w.note.clone() })}</li>
                                }).collect_view()}
                            </ul>
                        </section>
                    }.into_any(),
                    _ => ().into_any(),
                }
            })}
        </Suspense>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(list) if list.is_empty() => view! { <p>"You have not reported anything."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul aria-label="My reports" class="divide-y divide-zinc-200 dark:divide-zinc-800">
                            {list.into_iter().map(|r| view! {
                                <li class="py-2">
                                    <span class="font-medium">{r.target_label}</span>
                                    {format!(" · {} · {}", r.reason, r.status)}
                                    {r.resolution_note.filter(|n| !n.is_empty()).map(|n| view! { <p class="text-sm">{format!("Moderator's note: {n}")}</p> })}
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

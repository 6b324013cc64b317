//! Platform analytics for admins.

use encore::{analytics::ANALYTICS_DAYS, catalog::plural};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    components::{
        charts::DailyBars,
        form::{CARD, LINK},
    },
    error::AppError,
    pages::catalog_pages::Problem,
    serverfns::admin::get_analytics,
};

#[component]
fn Stat(label: &'static str, value: String) -> impl IntoView {
    view! {
        <div class=CARD><dt class="text-sm">{label}</dt><dd class="text-2xl font-bold tabular-nums">{value}</dd></div>
    }
}

#[component]
pub fn AnalyticsPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            query
                .read()
                .get("days")
                .and_then(|d| d.parse().ok())
                .unwrap_or(28u32)
        },
        get_analytics,
    );
    view! {
        <Title text="Analytics"/>
        <h1 class="mb-2 text-2xl font-bold">"Platform analytics"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(a) => {
                        let money = encore::billing::euros(a.mrr_cents);
                        view! {
                            <nav aria-label="Period" class="mb-3 flex gap-3 text-sm">
                                {ANALYTICS_DAYS.into_iter().map(|n| view! {
                                    <a href=format!("/admin/analytics?days={n}") class=LINK
                                        aria-current=if n == a.days { "page" } else { "false" }>{format!("{n} days")}</a>
                                }).collect_view()}
                                <a href=format!("/admin/analytics.csv?days={}", a.days) class=LINK download="">"Download as CSV"</a>
                            </nav>
                            <dl aria-label="Totals" class="mb-6 grid grid-cols-2 gap-3 sm:grid-cols-4">
                                <Stat label="Active today (DAU)" value=a.dau.to_string()/>
                                <Stat label="Active 7 days (WAU)" value=a.wau.to_string()/>
                                <Stat label="Active 28 days (MAU)" value=a.mau.to_string()/>
                                <Stat label="Accounts" value=a.users.to_string()/>
                                <Stat label="Streams in the period" value=a.streams.to_string()/>
                                <Stat label="Sign-ups in the period" value=a.signups.to_string()/>
                                <Stat label="Paying subscribers" value=format!("{} ({:.1}%)", a.subscribers, a.conversion_pct)/>
                                <Stat label="MRR" value=money/>
                                <Stat label="Cancellations (churn)" value=format!("{} ({:.1}%)", a.canceled, a.churn_pct)/>
                                <Stat label="Open reports" value=a.reports_open.to_string()/>
                                <Stat label="Reports closed" value=a.reports_closed.to_string()/>
                                <Stat label="Median time to action" value=a.median_hours_to_action.map_or("—".to_string(), |h| format!("{h:.1} h"))/>
                            </dl>
                            <div class="mb-6"><crate::pages::AdminTips days=a.days/></div>
                            <DailyBars id="active-chart" title="Active listeners per day" unit="listeners" data=a.active_per_day.clone()/>
                            <DailyBars id="streams-chart" title="Streams per day" unit="streams" data=a.streams_per_day.clone()/>
                            <DailyBars id="signups-chart" title="Sign-ups per day" unit="sign-ups" data=a.signups_per_day.clone()/>
                            <div class="grid gap-4 md:grid-cols-2">
                                <section class=CARD aria-labelledby="ts-h">
                                    <h2 id="ts-h" class="mb-1 font-semibold">"Top songs, last 7 days"</h2>
                                    <ol aria-label="Top songs, last 7 days" class="list-decimal pl-5 text-sm">
                                        {a.top_songs.clone().into_iter().map(|(s, n)| view! {
                                            <li><A href=format!("/song/{}", s.id) attr:class=LINK>{s.title.clone()}</A>{format!(" — {}", plural(n, "stream"))}</li>
                                        }).collect_view()}
                                    </ol>
                                </section>
                                <section class=CARD aria-labelledby="ta-h">
                                    <h2 id="ta-h" class="mb-1 font-semibold">"Top artists, last 7 days"</h2>
                                    <ol aria-label="Top artists, last 7 days" class="list-decimal pl-5 text-sm">
                                        {a.top_artists.clone().into_iter().map(|(ar, n)| view! {
                                            <li><A href=format!("/artist/{}", ar.id) attr:class=LINK>{ar.name.clone()}</A>{format!(" — {}", plural(n, "stream"))}</li>
                                        }).collect_view()}
                                    </ol>
                                </section>
                                <section class=CARD aria-labelledby="plans-h">
                                    <h2 id="plans-h" class="mb-1 font-semibold">"Subscriptions by plan"</h2>
                                    {if a.plan_mix.is_empty() { view! { <p class="text-sm">"No subscriptions yet."</p> }.into_any() } else { view! {
                                        <ul class="text-sm">{a.plan_mix.clone().into_iter().map(|(p, n)| view! { <li>{format!("{p}: {n}")}</li> }).collect_view()}</ul>
                                    }.into_any() }}
                                </section>
                                <section class=CARD aria-labelledby="var-h">
                                    <h2 id="var-h" class="mb-1 font-semibold">"Recommendation variants"</h2>
                                    <ul class="text-sm">
                                        {a.variants.clone().into_iter().map(|v| view! {
                                            <li>{format!("{}: {} impressions, {} clicks, {} plays", v.variant.label(), v.impressions, v.clicks, v.plays)}</li>
                                        }).collect_view()}
                                    </ul>
                                    <p class="mt-1 text-sm"><A href="/admin/recommendations" attr:class=LINK>"Compare the variants"</A></p>
                                </section>
                            </div>
                        }.into_any()
                    }
                    Err(AppError::Forbidden) => view! {
                        <h2 class="text-xl font-bold">"403 — forbidden"</h2>
                        <p>"Platform analytics are for admins."</p>
                    }.into_any(),
                    Err(e) => view! { <Problem error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

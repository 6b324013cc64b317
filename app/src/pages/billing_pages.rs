//! Premium (plans, upgrade, downgrade, cancel — test-mode payments) and the admins' plan
//! editor.

use encore::billing::Plan;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    components::form::{FormError, Saved, BUTTON, CARD, FIELD},
    error::AppError,
    pages::catalog_pages::Problem,
    serverfns::billing::*,
};

fn features(p: &Plan) -> Vec<String> {
    let mut f = vec![match p.skips_per_hour {
        Some(n) => format!("{n} skips an hour"),
        None => "Unlimited skips".into(),
    }];
    f.push(format!("{} audio quality", p.audio_quality));
    if p.max_members > 1 {
        f.push(format!("Up to {} accounts", p.max_members));
    }
    f.push(if p.ads {
        "With ads".into()
    } else {
        "No ads".into()
    });
    if p.offline {
        f.push("Offline listening".into());
    }
    f
}

#[component]
pub fn PremiumPage() -> impl IntoView {
    let sub = ServerAction::<Subscribe>::new();
    let cancel = ServerAction::<CancelSubscription>::new();
    let add = ServerAction::<AddFamilyMember>::new();
    let remove = ServerAction::<RemoveFamilyMember>::new();
    let leave = ServerAction::<LeaveFamily>::new();
    let sub_r: Signal<_> = sub.value().into();
    let cancel_r: Signal<_> = cancel.value().into();
    let add_r: Signal<_> = add.value().into();
    let remove_r: Signal<_> = remove.value().into();
    let leave_r: Signal<_> = leave.value().into();
    let add_error = move || {
        add.value()
            .get()
            .and_then(|r| r.err())
            .and_then(|e| e.field("username"))
    };
    let card_error = move || {
        sub.value()
            .get()
            .and_then(|r| r.err())
            .and_then(|e| e.field("card").or_else(|| e.field("plan")))
    };
    let data = Resource::new(
        move || {
            (
                sub.version().get(),
                cancel.version().get(),
                add.version().get(),
                remove.version().get(),
                leave.version().get(),
            )
        },
        |_| get_plans(),
    );
    view! {
        <Title text="Premium"/>
        <h1 class="mb-2 text-3xl font-bold">"Plans"</h1>
        <p class="mb-4 rounded-md border border-amber-400 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100" role="note">
            <strong>"Test mode: "</strong>"no real payments. Card 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined."
        </p>
        <Saved what="subscribed" message="Payment received — your new plan is active."/>
        <Saved what="canceled" message="Cancelled. Your plan runs until the end of the paid period, then you are on Free."/>
        <Saved what="family_added" message="Added to your family plan."/>
        <Saved what="family_removed" message="Removed from your family plan."/>
        <Saved what="family_left" message="You left the family plan."/>
        <FormError result=sub_r/>
        <FormError result=cancel_r/>
        <FormError result=add_r/>
        <FormError result=remove_r/>
        <FormError result=leave_r/>
        <p role="alert" class="text-sm text-red-700 dark:text-red-400">{card_error}</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => {
                        let mine = page.mine.clone();
                        let status = match (&mine.family_owner, &mine.period_end, mine.canceled) {
                            (Some(owner), _, _) => format!("You are on {}'s {} plan.", owner, mine.plan.name),
                            (None, Some(end), true) => format!("You are on {} until {} (cancelled).", mine.plan.name, end.format("%Y-%m-%d")),
                            (None, Some(end), false) => format!("You are on {}; it renews on {}.", mine.plan.name, end.format("%Y-%m-%d")),
                            (None, None, _) => format!("You are on {}.", mine.plan.name),
                        };
                        let family = page.family.clone().map(|f| view! { <FamilySection family=f add remove leave add_error=Signal::derive(add_error)/> });
                        let request_id = page.request_id.to_string();
                        view! {
                            <p class="mb-4 text-lg" data-testid="my-plan">{status}</p>
                            {family}
                            <ul aria-label="Plans" class="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
                                {page.plans.into_iter().map(|p| {
                                    let current = p.code == mine.plan.code && !mine.canceled;
                                    let card_id = format!("card-{}", p.code);
                                    let card_for = card_id.clone();
                                    let label = format!("Choose {}", p.name);
                                    let form_label = label.clone();
                                    let rid = request_id.clone();
                                    view! {
                                        <li class=CARD aria-label=p.name.clone()>
                                            <h2 class="text-xl font-semibold">{p.name.clone()}</h2>
                                            <p class="mb-2 text-lg">{p.price_label()}</p>
                                            <ul class="mb-3 list-disc pl-5 text-sm">{features(&p).into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul>
                                            {if current {
                                                view! { <p class="font-semibold">"Your plan"</p> }.into_any()
                                            } else if p.is_free() {
                                                view! { <p class="text-sm">"Cancel a paid plan to come back to Free."</p> }.into_any()
                                            } else {
                                                view! {
                                                    <ActionForm action=sub attr:class="flex flex-col gap-2" attr:aria-label=form_label>
                                                        <input type="hidden" name="plan" value=p.code.clone()/>
                                                        <input type="hidden" name="request_id" value=rid/>
                                                        <label for=card_for class="text-sm font-medium">"Card number (test mode)"</label>
                                                        <input id=card_id name="card" inputmode="numeric" autocomplete="off" value="4242 4242 4242 4242" class=FIELD/>
                                                        <button type="submit" class=BUTTON>{label}</button>
                                                    </ActionForm>
                                                }.into_any()
                                            }}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            {(mine.period_end.is_some() && !mine.canceled && mine.family_owner.is_none()).then(|| view! {
                                <ActionForm action=cancel attr:class="mt-6">
                                    <button type="submit" class="rounded-md border border-zinc-400 px-4 py-2">"Cancel subscription"</button>
                                </ActionForm>
                            })}
                        }.into_any()
                    }
                    Err(e) => view! { <Problem error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The accounts on a family plan: the owner adds and removes them, a member can leave.
#[component]
fn FamilySection(
    family: encore::billing::Family,
    add: ServerAction<AddFamilyMember>,
    remove: ServerAction<RemoveFamilyMember>,
    leave: ServerAction<LeaveFamily>,
    add_error: Signal<Option<String>>,
) -> impl IntoView {
    let others = (family.max_members - 1).max(0);
    let count = format!(
        "{} of {} places taken, besides {}.",
        family.members.len(),
        others,
        family.owner
    );
    let room = (family.members.len() as i32) < others;
    let mine = family.mine;
    view! {
        <section aria-labelledby="family-h" class=format!("{CARD} mb-6")>
            <h2 id="family-h" class="mb-1 text-xl font-semibold">"Family"</h2>
            <p class="mb-2 text-sm">{count}</p>
            <ul aria-label="Family members" class="mb-3 flex flex-col gap-1">
                {family.members.into_iter().map(|m| {
                    let label = format!("Remove {}", m.username);
                    view! {
                        <li class="flex items-center justify-between gap-2">
                            <a href=format!("/u/{}", m.username) class="underline">{m.display_name.clone()}" (@"{m.username.clone()}")"</a>
                            {mine.then(|| view! {
                                <ActionForm action=remove>
                                    <input type="hidden" name="member" value=m.id.to_string()/>
                                    <button type="submit" class="rounded-md border border-zinc-400 px-2 py-1 text-sm" aria-label=label>"Remove"</button>
                                </ActionForm>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {if mine {
                view! {
                    {room.then(|| view! {
                        <ActionForm action=add attr:class="flex flex-wrap items-end gap-2" attr:aria-label="Add to your family">
                            <div class="flex flex-col">
                                <label for="family-username" class="text-sm font-medium">"Username"</label>
                                <input id="family-username" name="username" required autocomplete="off" class=FIELD aria-describedby="family-error"/>
                            </div>
                            <button type="submit" class=BUTTON>"Add"</button>
                        </ActionForm>
                    })}
                    <p id="family-error" role="alert" class="text-sm text-red-700 dark:text-red-400">{move || add_error.get()}</p>
                }.into_any()
            } else {
                view! {
                    <ActionForm action=leave>
                        <button type="submit" class="rounded-md border border-zinc-400 px-4 py-2">"Leave this family"</button>
                    </ActionForm>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn AdminPlansPage() -> impl IntoView {
    let save = ServerAction::<UpdatePlan>::new();
    let r: Signal<_> = save.value().into();
    let field_errors = move || {
        save.value().get().and_then(|r| r.err()).map(|e| {
            ["name", "price", "skips_per_hour", "audio_quality"]
                .into_iter()
                .filter_map(|f| e.field(f))
                .collect::<Vec<_>>()
                .join(" ")
        })
    };
    let data = Resource::new(move || save.version().get(), |_| admin_plans());
    view! {
        <Title text="Plans"/>
        <h1 class="mb-2 text-2xl font-bold">"Plans"</h1>
        <Saved what="plan" message="Plan saved."/>
        <FormError result=r/>
        <p role="alert" class="text-sm text-red-700 dark:text-red-400">{field_errors}</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(plans) => view! {
                        <ul aria-label="Plans" class="grid gap-4 md:grid-cols-2">
                            {plans.into_iter().map(|p| {
                                let id = |f: &str| format!("{f}-{}", p.code);
                                let (n, pr, sk, aq, ac) = (id("name"), id("price"), id("skips"), id("quality"), id("active"));
                                let (n2, pr2, sk2, aq2, ac2) = (n.clone(), pr.clone(), sk.clone(), aq.clone(), ac.clone());
                                let (form_label, save_label, name) = (format!("Edit the {} plan", p.name), format!("Save {}", p.name), p.name.clone());
                                view! {
                                    <li class=CARD>
                                        <ActionForm action=save attr:class="flex flex-col gap-2" attr:aria-label=form_label>
                                            <input type="hidden" name="code" value=p.code.clone()/>
                                            <label for=n2 class="text-sm font-medium">"Name"</label>
                                            <input id=n name="name" value=name class=FIELD/>
                                            <label for=pr2 class="text-sm font-medium">{format!("Price ({} per {})", p.currency, p.billing_period)}</label>
                                            <input id=pr name="price" value=format!("{}.{:02}", p.price_cents / 100, p.price_cents % 100) class=FIELD/>
                                            <label for=sk2 class="text-sm font-medium">"Skips per hour (empty: unlimited)"</label>
                                            <input id=sk name="skips_per_hour" value=p.skips_per_hour.map(|s| s.to_string()).unwrap_or_default() class=FIELD/>
                                            <label for=aq2 class="text-sm font-medium">"Audio quality"</label>
                                            <select id=aq name="audio_quality" class=FIELD>
                                                {["low", "normal", "high", "lossless"].into_iter().map(|q| view! { <option value=q selected=q == p.audio_quality>{q}</option> }).collect_view()}
                                            </select>
                                            <label for=ac2 class="flex items-center gap-2 text-sm">
                                                <input id=ac type="checkbox" name="active" value="on" checked=p.active/>"Offered to listeners"
                                            </label>
                                            <button type="submit" class=BUTTON>{save_label}</button>
                                        </ActionForm>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(AppError::Forbidden) => view! { <h2 class="text-xl font-bold">"403 — forbidden"</h2><p>"Plans are edited by admins."</p> }.into_any(),
                    Err(e) => view! { <Problem error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

//! Tips: the form in a live event's party, the artist's tips on the insights page, and
//! the admins' list (with refunds) on the analytics page. Test-mode payments only.

use encore::{billing::euros, party::TipSummary};
use leptos::prelude::*;

use crate::{
    components::form::{FormError, Saved, BUTTON, CARD, FIELD},
    serverfns::tips::*,
};

fn when(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// "Tip {artist}" in a live event's party.
#[component]
pub fn TipForm(
    artist_id: String,
    artist_name: String,
    party_id: String,
    request_id: String,
    /// The page's action, so a tip refreshes the party page (its chat shows the tip).
    send: ServerAction<SendTip>,
) -> impl IntoView {
    let r: Signal<Option<Result<(), crate::error::AppError>>> = send.value().into();
    let err = move |f: &'static str| move || r.get().and_then(|r| r.err()).and_then(|e| e.field(f));
    view! {
        <section class=CARD aria-labelledby="tip-h">
            <h2 id="tip-h" class="mb-1 font-semibold">{format!("Tip {artist_name}")}</h2>
            <p class="mb-2 text-xs text-amber-800 dark:text-amber-300">"Test mode — no money moves: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined."</p>
            <Saved what="tipped" message="Thank you! Your tip is on its way to the artist."/>
            <ActionForm action=send attr:class="flex max-w-md flex-col gap-1">
                <FormError result=r/>
                <input type="hidden" name="artist_id" value=artist_id/>
                <input type="hidden" name="party_id" value=party_id/>
                <input type="hidden" name="request_id" value=request_id/>
                <label for="tip-amount" class="text-sm font-medium">"Amount (€1–€500)"</label>
                <input id="tip-amount" name="amount" inputmode="decimal" required class=FIELD value="5"/>
                <p role="alert" class="text-sm text-red-700 dark:text-red-400">{err("amount")}</p>
                <label for="tip-message" class="text-sm font-medium">"Message (shown in the chat, optional)"</label>
                <input id="tip-message" name="message" maxlength="200" class=FIELD/>
                <p role="alert" class="text-sm text-red-700 dark:text-red-400">{err("message")}</p>
                <label for="tip-card" class="text-sm font-medium">"Card number"</label>
                <input id="tip-card" name="card" autocomplete="off" required class=FIELD/>
                <p role="alert" class="text-sm text-red-700 dark:text-red-400">{err("card")}</p>
                <button type="submit" class=BUTTON>"Send tip"</button>
            </ActionForm>
        </section>
    }
}

fn tip_table(s: &TipSummary, refund: Option<ServerAction<RefundTip>>) -> impl IntoView {
    let rows = s.recent.clone().into_iter().map(|t| {
        let label = format!("Refund the {} tip from {}", euros(t.amount_cents), t.from_username.clone().unwrap_or_default());
        view! {
            <tr class="border-t border-zinc-200 dark:border-zinc-800">
                <td class="py-1 pr-2">{when(t.at_ms)}</td>
                <td class="pr-2">{t.from_username.clone().unwrap_or_else(|| "(deleted account)".into())}</td>
                <td class="pr-2">{t.artist_name.clone()}</td>
                <td class="pr-2 text-right tabular-nums">{euros(t.amount_cents)}</td>
                <td class="pr-2 break-words">{t.message.clone()}</td>
                <td>{if t.refunded { view! { <span>"refunded"</span> }.into_any() } else { match refund {
                    Some(a) => view! {
                        <ActionForm action=a><input type="hidden" name="tip_id" value=t.id.to_string()/>
                            <button type="submit" class="rounded border border-zinc-300 px-2 py-0.5 text-xs dark:border-zinc-700" aria-label=label>"Refund"</button></ActionForm>
                    }.into_any(),
                    None => view! { <span>"paid"</span> }.into_any(),
                } }}</td>
            </tr>
        }
    }).collect_view();
    view! {
        <p data-testid="tips-total">{format!("{} from {} tip{} in the last {} days", euros(s.paid_cents), s.paid_count, if s.paid_count == 1 { "" } else { "s" }, s.days)}
            {(s.refunded_cents > 0).then(|| format!(" ({} refunded)", euros(s.refunded_cents)))}</p>
        {(!s.recent.is_empty()).then(|| view! {
            <div class="overflow-x-auto"><table class="mt-2 w-full text-left text-sm">
                <caption class="sr-only">"Recent tips"</caption>
                <thead><tr><th scope="col">"When"</th><th scope="col">"From"</th><th scope="col">"Artist"</th><th scope="col" class="text-right">"Amount"</th><th scope="col">"Message"</th><th scope="col">"Status"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table></div>
        })}
    }
}

/// The artist's tips on the insights page.
#[component]
pub fn ArtistTips(artist_id: String, days: u32) -> impl IntoView {
    let data = Resource::new(
        move || (artist_id.clone(), days),
        |(a, d)| artist_tips(a, d),
    );
    view! {
        <section class=CARD aria-labelledby="tips-h">
            <h2 id="tips-h" class="mb-2 text-lg font-semibold">"Tips"</h2>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(s) => tip_table(&s, None).into_any(),
                        Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// All tips, with refunds, on the admins' analytics page.
#[component]
pub fn AdminTips(days: u32) -> impl IntoView {
    let refund = ServerAction::<RefundTip>::new();
    let data = Resource::new(move || (days, refund.version().get()), |(d, _)| all_tips(d));
    let r: Signal<_> = refund.value().into();
    view! {
        <section id="tips" class=CARD aria-labelledby="atips-h">
            <h2 id="atips-h" class="mb-2 text-lg font-semibold">"Tips"</h2>
            <Saved what="refunded" message="Refunded (and written to the audit log)."/>
            <FormError result=r/>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(s) => tip_table(&s, Some(refund)).into_any(),
                        Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

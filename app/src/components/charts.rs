//! Server-rendered SVG charts, each with the same numbers as an accessible table.

use chrono::NaiveDate;
use leptos::prelude::*;

/// Bars for values by day; `unit` names the value ("minutes").
#[component]
pub fn DailyBars(
    id: &'static str,
    title: &'static str,
    unit: &'static str,
    data: Vec<(NaiveDate, u64)>,
) -> impl IntoView {
    let max = data.iter().map(|d| d.1).max().unwrap_or(0).max(1) as f64;
    let n = data.len().max(1) as f64;
    let (w, h) = (560.0, 160.0);
    let bw = w / n;
    let total: u64 = data.iter().map(|d| d.1).sum();
    let bars = data
        .iter()
        .enumerate()
        .map(|(i, (day, v))| {
            let bh = (*v as f64 / max) * (h - 20.0);
            view! {
                <rect x=format!("{:.1}", i as f64 * bw + 1.0) y=format!("{:.1}", h - bh) width=format!("{:.1}", (bw - 2.0).max(1.0)) height=format!("{:.1}", bh)
                    class="fill-violet-600 dark:fill-violet-400"><title>{format!("{day}: {v} {unit}")}</title></rect>
            }
        })
        .collect_view();
    let rows = data.clone();
    view! {
        <figure class="mb-6">
            <figcaption id=id class="mb-2 font-semibold">{format!("{title} ({total} {unit} in all)")}</figcaption>
            <svg viewBox=format!("0 0 {w} {h}") role="img" aria-labelledby=id class="h-40 w-full max-w-2xl">
                <line x1="0" y1=h x2=w y2=h class="stroke-zinc-400" stroke-width="1"/>
                {bars}
            </svg>
            <details class="mt-1 text-sm">
                <summary>"Show as a table"</summary>
                <table class="mt-1">
                    <caption class="sr-only">{title}</caption>
                    <thead><tr><th scope="col" class="pr-4 text-left">"Day"</th><th scope="col" class="text-right">{unit}</th></tr></thead>
                    <tbody>{rows.into_iter().map(|(d, v)| view! { <tr><td class="pr-4">{d.to_string()}</td><td class="text-right tabular-nums">{v}</td></tr> }).collect_view()}</tbody>
                </table>
            </details>
        </figure>
    }
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Plays by weekday and hour.
#[component]
pub fn Heatmap(id: &'static str, title: &'static str, data: Vec<[u64; 24]>) -> impl IntoView {
    let max = data
        .iter()
        .flat_map(|r| r.iter())
        .copied()
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let cell = 20.0;
    let (left, top) = (36.0, 16.0);
    let cells = data
        .iter()
        .enumerate()
        .flat_map(|(d, row)| {
            row.iter().enumerate().map(move |(h, v)| {
                let opacity = if *v == 0 { 0.06 } else { 0.2 + 0.8 * (*v as f64 / max) };
                view! {
                    <rect x=format!("{}", left + h as f64 * cell) y=format!("{}", top + d as f64 * cell) width="18" height="18" rx="3"
                        class="fill-violet-600 dark:fill-violet-400" fill-opacity=format!("{opacity:.2}")>
                        <title>{format!("{} {h:02}:00 — {v} plays", DAYS[d])}</title>
                    </rect>
                }
            })
        })
        .collect_view();
    let labels = DAYS
        .iter()
        .enumerate()
        .map(|(d, name)| view! { <text x="0" y=format!("{}", top + d as f64 * cell + 14.0) font-size="11" class="fill-current">{*name}</text> })
        .collect_view();
    let hours = (0..24)
        .step_by(3)
        .map(|h| view! { <text x=format!("{}", left + h as f64 * cell) y="11" font-size="10" class="fill-current">{format!("{h:02}")}</text> })
        .collect_view();
    let rows = data.clone();
    view! {
        <figure class="mb-6 overflow-x-auto">
            <figcaption id=id class="mb-2 font-semibold">{title}</figcaption>
            <svg viewBox=format!("0 0 {} {}", left + 24.0 * cell, top + 7.0 * cell) role="img" aria-labelledby=id class="w-full max-w-2xl min-w-[32rem]">
                {labels}{hours}{cells}
            </svg>
            <details class="mt-1 text-sm">
                <summary>"Show as a table"</summary>
                <table class="mt-1 text-xs">
                    <caption class="sr-only">{title}</caption>
                    <thead><tr><th scope="col">"Day"</th>{(0..24).map(|h| view! { <th scope="col" class="px-1">{format!("{h:02}")}</th> }).collect_view()}</tr></thead>
                    <tbody>{rows.into_iter().enumerate().map(|(d, r)| view! {
                        <tr><th scope="row" class="pr-2 text-left">{DAYS[d]}</th>{r.iter().map(|v| view! { <td class="px-1 text-right tabular-nums">{*v}</td> }).collect_view()}</tr>
                    }).collect_view()}</tbody>
                </table>
            </details>
        </figure>
    }
}

/// Horizontal bars for shares between 0 and 1 (audio features), with a table.
#[component]
pub fn ShareBars(id: &'static str, title: String, data: Vec<(String, f64)>) -> impl IntoView {
    let (w, row) = (560.0, 22.0);
    let label_w = 140.0;
    let h = row * data.len() as f64;
    let bars = data
        .iter()
        .enumerate()
        .map(|(i, (name, v))| {
            let y = i as f64 * row;
            let bw = (w - label_w - 50.0) * v.clamp(0.0, 1.0);
            view! {
                <text x="0" y=format!("{:.1}", y + 15.0) class="fill-current text-[12px] capitalize">{name.clone()}</text>
                <rect x=label_w y=format!("{:.1}", y + 4.0) width=format!("{bw:.1}") height="14" class="fill-violet-600 dark:fill-violet-400"/>
                <text x=format!("{:.1}", label_w + bw + 6.0) y=format!("{:.1}", y + 15.0) class="fill-current text-[12px]">{format!("{:.0}%", v * 100.0)}</text>
            }
        })
        .collect_view();
    let rows = data.clone();
    let caption = title.clone();
    view! {
        <figure class="mb-6">
            <figcaption id=id class="mb-2 font-semibold">{title}</figcaption>
            <svg viewBox=format!("0 0 {w} {h}") role="img" aria-labelledby=id class="w-full max-w-2xl">{bars}</svg>
            <details class="mt-1 text-sm">
                <summary>"Show as a table"</summary>
                <table class="mt-1">
                    <caption class="sr-only">{caption}</caption>
                    <thead><tr><th scope="col" class="pr-4 text-left">"Feature"</th><th scope="col" class="text-right">"Share"</th></tr></thead>
                    <tbody>{rows.into_iter().map(|(k, v)| view! { <tr><td class="pr-4 capitalize">{k}</td><td class="text-right tabular-nums">{format!("{:.0}%", v * 100.0)}</td></tr> }).collect_view()}</tbody>
                </table>
            </details>
        </figure>
    }
}

/// Bars for labelled values (e.g. minutes per month), with a table.
#[component]
pub fn LabelledBars(
    id: &'static str,
    title: &'static str,
    unit: &'static str,
    data: Vec<(String, u64)>,
) -> impl IntoView {
    let max = data.iter().map(|d| d.1).max().unwrap_or(0).max(1) as f64;
    let n = data.len().max(1) as f64;
    let (w, h) = (560.0, 180.0);
    let bw = w / n;
    let bars = data
        .iter()
        .enumerate()
        .map(|(i, (label, v))| {
            let bh = (*v as f64 / max) * (h - 40.0);
            let x = i as f64 * bw;
            view! {
                <rect x=format!("{:.1}", x + 2.0) y=format!("{:.1}", h - 20.0 - bh) width=format!("{:.1}", (bw - 4.0).max(1.0)) height=format!("{bh:.1}")
                    class="fill-violet-600 dark:fill-violet-400"><title>{format!("{label}: {v} {unit}")}</title></rect>
                <text x=format!("{:.1}", x + bw / 2.0) y=format!("{:.1}", h - 5.0) text-anchor="middle" class="fill-current text-[11px]">{label.clone()}</text>
            }
        })
        .collect_view();
    let rows = data.clone();
    view! {
        <figure class="mb-6">
            <figcaption id=id class="mb-2 font-semibold">{title}</figcaption>
            <svg viewBox=format!("0 0 {w} {h}") role="img" aria-labelledby=id class="w-full max-w-2xl">{bars}</svg>
            <details class="mt-1 text-sm">
                <summary>"Show as a table"</summary>
                <table class="mt-1">
                    <caption class="sr-only">{title}</caption>
                    <thead><tr><th scope="col" class="pr-4 text-left">""</th><th scope="col" class="text-right">{unit}</th></tr></thead>
                    <tbody>{rows.into_iter().map(|(k, v)| view! { <tr><td class="pr-4">{k}</td><td class="text-right tabular-nums">{v}</td></tr> }).collect_view()}</tbody>
                </table>
            </details>
        </figure>
    }
}

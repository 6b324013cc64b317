//! Form building blocks: labelled inputs with their field error, and a form-level alert.
//! Errors come from the action's value, which Leptos also fills from the URL after a
//! JavaScript-off form post, so both paths show the same messages.

use leptos::prelude::*;

use crate::error::AppError;

pub type ActionResult<T> = Signal<Option<Result<T, AppError>>>;

/// A labelled input. `describedby` links the error text for screen readers.
#[component]
pub fn Field<T: Clone + Send + Sync + 'static>(
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] value: String,
    #[prop(optional)] hint: &'static str,
    #[prop(default = false)] required: bool,
    result: ActionResult<T>,
) -> impl IntoView {
    let id = format!("f-{name}");
    let err_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let error = move || {
        result
            .get()
            .and_then(|r| r.err())
            .and_then(|e| e.field(name))
    };
    let described = {
        let err_id = err_id.clone();
        let hint_id = hint_id.clone();
        move || {
            let mut ids = vec![];
            if !hint.is_empty() {
                ids.push(hint_id.clone());
            }
            if error().is_some() {
                ids.push(err_id.clone());
            }
            ids.join(" ")
        }
    };
    view! {
        <div class="flex flex-col gap-1">
            <label for=id.clone() class="text-sm font-medium">{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                value=value
                required=required
                aria-invalid=move || if error().is_some() { "true" } else { "false" }
                aria-describedby=described
                class="rounded-md border border-zinc-300 bg-white px-3 py-2 text-base dark:border-zinc-700 dark:bg-zinc-900 aria-[invalid=true]:border-red-600"
            />
            {(!hint.is_empty()).then(|| view! { <p id=hint_id class="text-xs text-zinc-600 dark:text-zinc-400">{hint}</p> })}
            <p id=err_id class="text-sm text-red-700 dark:text-red-400" role="alert">{error}</p>
        </div>
    }
}

/// The form-level message: anything not tied to one field (rate limits, suspensions…),
/// and the message of `field` for forms that show no field of their own.
#[component]
pub fn FormError<T: Clone + Send + Sync + 'static>(
    result: ActionResult<T>,
    #[prop(optional)] field: &'static str,
) -> impl IntoView {
    let msg = move || {
        result
            .get()
            .and_then(|r| r.err())
            .and_then(|e| e.form_message().or_else(|| e.field(field)))
    };
    view! {
        <div role="alert" aria-live="assertive">
            {move || msg().map(|m| view! {
                <p class="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">{m}</p>
            })}
        </div>
    }
}

/// A confirmation after a successful save. The server function redirects to
/// `?saved=<what>`, which works the same with and without JavaScript.
#[component]
pub fn Saved(what: &'static str, message: &'static str) -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    view! {
        <p role="status" class="text-sm text-green-700 dark:text-green-400">
            {move || (query.read().get("saved").as_deref() == Some(what)).then_some(message)}
        </p>
    }
}

pub const BUTTON: &str = "inline-flex items-center justify-center rounded-md bg-violet-700 px-4 py-2 font-semibold text-white hover:bg-violet-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-violet-500 disabled:opacity-60";
pub const CARD: &str = "rounded-lg border border-zinc-200 p-4 dark:border-zinc-800";
/// An inline text link.
pub const LINK: &str = "underline hover:text-violet-700 dark:hover:text-violet-400";
/// A compact input, select or textarea.
pub const FIELD: &str =
    "rounded-md border border-zinc-300 px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900";

/// A whole page refused with 403 (the server set the status), saying who may see it.
#[component]
pub fn Forbidden(#[prop(into)] reason: String) -> impl IntoView {
    view! {
        <leptos_meta::Title text="Forbidden"/>
        <h1 class="text-2xl font-bold">"403 — forbidden"</h1>
        <p class="mt-2">{reason}</p>
    }
}

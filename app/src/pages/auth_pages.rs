//! Sign up and sign in.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    components::form::{Field, FormError, BUTTON},
    serverfns::auth::{SignIn, SignUp},
    AuthVersion,
};

/// Bumps the auth version once an action succeeded so the navigation reloads the user.
fn refresh_user_on_success(value: Signal<Option<Result<(), crate::error::AppError>>>) {
    let AuthVersion(version) = expect_context::<AuthVersion>();
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(_))) {
            version.update(|v| *v += 1);
        }
    });
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let result: Signal<_> = action.value().into();
    refresh_user_on_success(result);
    view! {
        <Title text="Sign up"/>
        <section class="mx-auto max-w-md" aria-labelledby="signup-heading">
            <h1 id="signup-heading" class="mb-4 text-2xl font-bold">"Create your Encore account"</h1>
            <ActionForm action=action attr:class="flex flex-col gap-4" attr:novalidate=true>
                <FormError result=result/>
                <Field name="username" label="Username" autocomplete="username" required=true
                    hint="3–30 characters: letters, digits and underscores." result=result/>
                <Field name="email" label="Email" kind="email" autocomplete="email" required=true result=result/>
                <Field name="display_name" label="Display name (optional)" autocomplete="nickname" result=result/>
                <Field name="password" label="Password" kind="password" autocomplete="new-password" required=true
                    hint="At least 10 characters." result=result/>
                <Field name="confirm" label="Repeat password" kind="password" autocomplete="new-password" required=true result=result/>
                <button type="submit" class=BUTTON disabled=move || action.pending().get()>"Sign up"</button>
            </ActionForm>
            <p class="mt-4 text-sm">"Already have an account? " <A href="/signin" attr:class="underline">"Sign in"</A></p>
        </section>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let result: Signal<_> = action.value().into();
    refresh_user_on_success(result);
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".to_string());
    view! {
        <Title text="Sign in"/>
        <section class="mx-auto max-w-md" aria-labelledby="signin-heading">
            <h1 id="signin-heading" class="mb-4 text-2xl font-bold">"Sign in to Encore"</h1>
            {move || (next() != "/").then(|| view! {
                <p role="status" class="mb-4 rounded-md bg-violet-50 px-3 py-2 text-sm dark:bg-violet-950">"Sign in to see that page."</p>
            })}
            <ActionForm action=action attr:class="flex flex-col gap-4" attr:novalidate=true>
                <FormError result=result/>
                <input type="hidden" name="next" value=next/>
                <Field name="username" label="Username" autocomplete="username" required=true result=result/>
                <Field name="password" label="Password" kind="password" autocomplete="current-password" required=true result=result/>
                <button type="submit" class=BUTTON disabled=move || action.pending().get()>"Sign in"</button>
            </ActionForm>
            <p class="mt-4 text-sm">"New to Encore? " <A href="/signup" attr:class="underline">"Create an account"</A></p>
        </section>
    }
}

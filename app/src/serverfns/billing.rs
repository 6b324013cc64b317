//! Plans and subscriptions (test-mode payments), and the player's skip check.

use encore::billing::{Plan, PlansPage};
use leptos::prelude::*;

use crate::error::AppError;

#[server(endpoint = "billing/plans")]
pub async fn get_plans() -> Result<PlansPage, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/premium").await?;
    Ok(encore::service::billing::plans_page(&ctx()?.repos, &me).await?)
}

/// `request_id` comes from the form (a UUID made when the page was rendered), so a
/// resubmitted form cannot pay twice.
#[server(endpoint = "billing/subscribe")]
pub async fn subscribe(plan: String, card: String, request_id: String) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let key = uuid::Uuid::parse_str(&request_id).map_err(|_| {
        AppError::Invalid(encore::FieldErrors::single(
            "card",
            "Reload the page and try again.",
        ))
    })?;
    encore::service::billing::subscribe(
        &ctx()?.repos,
        &encore::service::billing::TestMode,
        &me,
        &plan,
        &card,
        key,
    )
    .await?;
    leptos_axum::redirect("/premium?saved=subscribed");
    Ok(())
}

#[server(endpoint = "billing/cancel")]
pub async fn cancel_subscription() -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    encore::service::billing::cancel(&ctx()?.repos, &me).await?;
    leptos_axum::redirect("/premium?saved=canceled");
    Ok(())
}

#[server(endpoint = "billing/family_add")]
pub async fn add_family_member(username: String) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    encore::service::billing::add_family_member(&ctx()?.repos, &me, &username).await?;
    leptos_axum::redirect("/premium?saved=family_added");
    Ok(())
}

#[server(endpoint = "billing/family_remove")]
pub async fn remove_family_member(member: String) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let member = uuid::Uuid::parse_str(&member).map_err(|_| AppError::NotFound)?;
    encore::service::billing::remove_family_member(&ctx()?.repos, &me, member).await?;
    leptos_axum::redirect("/premium?saved=family_removed");
    Ok(())
}

#[server(endpoint = "billing/family_leave")]
pub async fn leave_family() -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    encore::service::billing::leave_family(&ctx()?.repos, &me).await?;
    leptos_axum::redirect("/premium?saved=family_left");
    Ok(())
}

/// Asked by the player before a skip: `Ok(None)` unlimited, `Ok(Some(n))` skips left.
#[server(endpoint = "billing/skip")]
pub async fn request_skip() -> Result<Option<i32>, AppError> {
    use crate::server::*;
    let me = require_user().await?;
    Ok(encore::service::billing::request_skip(&ctx()?.repos, &me).await?)
}

#[server(endpoint = "admin/plans")]
pub async fn admin_plans() -> Result<Vec<Plan>, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/admin/plans").await?;
    encore::service::billing::all_plans(&ctx()?.repos, &me)
        .await
        .map_err(|e| forbidden_status(e.into()))
}

#[server(endpoint = "admin/update_plan")]
#[allow(clippy::too_many_arguments)]
pub async fn update_plan(
    code: String,
    name: String,
    price: String,
    skips_per_hour: String,
    audio_quality: String,
    active: Option<String>,
) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    encore::service::billing::update_plan(
        &ctx()?.repos,
        &me,
        &code,
        &name,
        &price,
        &skips_per_hour,
        &audio_quality,
        active.is_some(),
    )
    .await
    .map_err(|e| forbidden_status(e.into()))?;
    leptos_axum::redirect("/admin/plans?saved=plan");
    Ok(())
}

//! Admin panel data. The role check lives in the service; this only maps the status.

use encore::model::AdminOverview;
use leptos::prelude::*;

use crate::error::AppError;

#[server(endpoint = "admin/overview")]
pub async fn get_admin_overview() -> Result<AdminOverview, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/admin").await?;
    encore::service::admin::overview(&ctx()?.repos, &me)
        .await
        .map_err(|e| forbidden_status(e.into()))
}

#[server(endpoint = "admin/users")]
pub async fn admin_users(q: String) -> Result<Vec<encore::model::User>, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/admin/users").await?;
    encore::service::admin::search_users(&ctx()?.repos, &me, &q)
        .await
        .map_err(|e| forbidden_status(e.into()))
}

#[cfg(feature = "ssr")]
fn user_id(s: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}

#[server(endpoint = "admin/set_role")]
pub async fn set_user_role(
    user_id: String,
    role: String,
    q: Option<String>,
) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let role = encore::model::Role::parse(&role)
        .ok_or_else(|| AppError::Invalid(encore::FieldErrors::single("role", "Pick a role.")))?;
    encore::service::admin::set_role(&ctx()?.repos, &me, self::user_id(&user_id)?, role)
        .await
        .map_err(|e| forbidden_status(e.into()))?;
    leptos_axum::redirect(&format!(
        "/admin/users?saved=role&q={}",
        crate::url::encode(&q.unwrap_or_default())
    ));
    Ok(())
}

#[server(endpoint = "admin/suspend")]
pub async fn suspend_user(
    user_id: String,
    days: i64,
    note: String,
    q: Option<String>,
) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    encore::service::admin::suspend(&ctx()?.repos, &me, self::user_id(&user_id)?, days, &note)
        .await
        .map_err(|e| forbidden_status(e.into()))?;
    leptos_axum::redirect(&format!(
        "/admin/users?saved=suspended&q={}",
        crate::url::encode(&q.unwrap_or_default())
    ));
    Ok(())
}

#[server(endpoint = "admin/reactivate")]
pub async fn reactivate_user(user_id: String, q: Option<String>) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    encore::service::admin::reactivate(&ctx()?.repos, &me, self::user_id(&user_id)?)
        .await
        .map_err(|e| forbidden_status(e.into()))?;
    leptos_axum::redirect(&format!(
        "/admin/users?saved=reactivated&q={}",
        crate::url::encode(&q.unwrap_or_default())
    ));
    Ok(())
}

#[server(endpoint = "admin/delete_user")]
pub async fn delete_user(
    user_id: String,
    confirm: String,
    q: Option<String>,
) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    encore::service::admin::delete_account(&ctx()?.repos, &me, self::user_id(&user_id)?, &confirm)
        .await
        .map_err(|e| forbidden_status(e.into()))?;
    leptos_axum::redirect(&format!(
        "/admin/users?saved=deleted&q={}",
        crate::url::encode(&q.unwrap_or_default())
    ));
    Ok(())
}

/// The audit log, newest first, optionally one action prefix (e.g. "user." or "report.").
#[server(endpoint = "admin/audit")]
pub async fn audit_log(
    action: Option<String>,
    before: Option<i64>,
) -> Result<Vec<encore::model::AuditEntry>, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/admin/audit").await?;
    encore::service::admin::audit_log(
        &ctx()?.repos,
        &me,
        action.as_deref().filter(|a| !a.is_empty()),
        before,
    )
    .await
    .map_err(|e| forbidden_status(e.into()))
}

#[server(endpoint = "admin/analytics")]
pub async fn get_analytics(days: u32) -> Result<encore::analytics::PlatformAnalytics, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/admin/analytics").await?;
    encore::service::analytics::analytics(&ctx()?.repos, &me, days)
        .await
        .map_err(|e| forbidden_status(e.into()))
}

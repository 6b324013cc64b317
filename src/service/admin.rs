//! Admin panel services. Every function takes the acting user and checks the role here,
//! not only in the UI, and every change is written to the audit log.

use chrono::{Duration, Utc};
use uuid::Uuid;

use crate::{
    model::{AdminOverview, Role, SessionUser, User},
    repo::Repos,
    service::{require_admin, require_moderator},
    Error, Result,
};

pub async fn overview(repos: &Repos, actor: &SessionUser) -> Result<AdminOverview> {
    require_moderator(actor)?;
    repos.accounts.overview().await
}

/// Users whose username or email starts with `q` (admins only).
pub async fn search_users(repos: &Repos, actor: &SessionUser, q: &str) -> Result<Vec<User>> {
    require_admin(actor)?;
    repos.accounts.admin_search(q.trim(), 50).await
}

pub async fn set_role(repos: &Repos, actor: &SessionUser, user: Uuid, role: Role) -> Result<()> {
    require_admin(actor)?;
    if user == actor.id {
        return Err(Error::Conflict("You cannot change your own role.".into()));
    }
    repos.accounts.set_role(user, role).await?;
    repos
        .accounts
        .audit(
            Some(actor.id),
            "user.set_role",
            "user",
            &user.to_string(),
            serde_json::json!({"role": role.as_str()}),
        )
        .await
}

/// Suspends a user for `days` and ends all their sessions at once (moderators and admins;
/// admins cannot be suspended by moderators).
pub async fn suspend(
    repos: &Repos,
    actor: &SessionUser,
    user: Uuid,
    days: i64,
    note: &str,
) -> Result<()> {
    require_moderator(actor)?;
    if !(1..=3650).contains(&days) {
        return Err(Error::field("days", "Suspend for 1 to 3,650 days."));
    }
    if user == actor.id {
        return Err(Error::Conflict("You cannot suspend yourself.".into()));
    }
    let target = repos
        .accounts
        .find_by_id(user)
        .await?
        .ok_or(Error::NotFound)?;
    if target.role == Role::Admin && !actor.role.is_admin() {
        return Err(Error::Forbidden);
    }
    let until = Utc::now() + Duration::days(days);
    repos.accounts.set_status(user, true, Some(until)).await?;
    let ended = repos.accounts.end_sessions(user).await?;
    repos
        .accounts
        .audit(
            Some(actor.id),
            "user.suspend",
            "user",
            &user.to_string(),
            serde_json::json!({"days": days, "note": note.trim(), "sessions_ended": ended}),
        )
        .await
}

pub async fn reactivate(repos: &Repos, actor: &SessionUser, user: Uuid) -> Result<()> {
    require_moderator(actor)?;
    repos
        .accounts
        .find_by_id(user)
        .await?
        .ok_or(Error::NotFound)?;
    repos.accounts.set_status(user, false, None).await?;
    repos
        .accounts
        .audit(
            Some(actor.id),
            "user.reactivate",
            "user",
            &user.to_string(),
            serde_json::json!({}),
        )
        .await
}

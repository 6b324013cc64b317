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

/// Deletes an account (admins; not yourself, not another admin — demote first). The user
/// is signed out and blocked from signing in at once; the purge itself runs now and is
/// retried by a job until it has finished (`purge_pending`). `confirm` must repeat the
/// username.
pub async fn delete_account(
    repos: &Repos,
    actor: &SessionUser,
    user: Uuid,
    confirm: &str,
) -> Result<()> {
    require_admin(actor)?;
    if user == actor.id {
        return Err(Error::Conflict(
            "You cannot delete your own account here.".into(),
        ));
    }
    let target = repos
        .accounts
        .find_by_id(user)
        .await?
        .ok_or(Error::NotFound)?;
    if target.role == Role::Admin {
        return Err(Error::Conflict(
            "Remove the admin role before deleting this account.".into(),
        ));
    }
    if crate::validate::normalize_username(confirm) != target.username {
        return Err(Error::field("confirm", "Type the username to confirm."));
    }
    sqlx::query("insert into account_purges (user_id, username, requested_by) values ($1, $2, $3) on conflict do nothing")
        .bind(user)
        .bind(&target.username)
        .bind(actor.id)
        .execute(&repos.pg)
        .await?;
    repos.accounts.set_status(user, true, None).await?;
    repos.accounts.end_sessions(user).await?;
    repos
        .accounts
        .audit(
            Some(actor.id),
            "user.delete",
            "user",
            &user.to_string(),
            serde_json::json!({}),
        )
        .await?;
    purge_one(repos, user).await
}

/// Finishes every requested purge that has not finished (after a crash, or on another
/// instance). Returns how many finished.
pub async fn purge_pending(repos: &Repos) -> Result<usize> {
    let pending: Vec<Uuid> = sqlx::query_scalar(
        "select user_id from account_purges where finished_at is null order by requested_at",
    )
    .fetch_all(&repos.pg)
    .await?;
    for id in &pending {
        purge_one(repos, *id).await?;
    }
    Ok(pending.len())
}

/// Every step is idempotent, MongoDB before PostgreSQL (the playlist ids come from there).
async fn purge_one(repos: &Repos, user: Uuid) -> Result<()> {
    for playlist in repos.playlists.owned_ids(user).await? {
        repos.playlists.delete_items(playlist).await?;
    }
    repos.playlists.forget_adder(user).await?;
    repos.listening.purge_user(user).await?;
    repos.activity.purge_user(user).await?;
    // Cascades to preferences, sessions, follows, blocks, playlists, collaborators, saves,
    // likes and comments; reports, moderation and audit rows keep only a null actor.
    sqlx::query("delete from users where id = $1")
        .bind(user)
        .execute(&repos.pg)
        .await?;
    // The record keeps only the (now meaningless) id, so a repeated request stays a no-op.
    sqlx::query("update account_purges set finished_at = now(), username = '' where user_id = $1 and finished_at is null")
        .bind(user)
        .execute(&repos.pg)
        .await?;
    Ok(())
}

/// The audit log for admins: newest first, `AUDIT_PAGE` at a time (entries with ids below
/// `before`), optionally only actions starting with `action`.
pub async fn audit_log(
    repos: &Repos,
    actor: &SessionUser,
    action: Option<&str>,
    before: Option<i64>,
) -> Result<Vec<crate::model::AuditEntry>> {
    require_admin(actor)?;
    let rows: Vec<(
        i64,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        serde_json::Value,
        chrono::DateTime<Utc>,
    )> = sqlx::query_as(
        "select a.id, u.username, a.action, a.target_type, a.target_id, a.details, a.created_at
         from audit_log a left join users u on u.id = a.actor_id
         where ($1::text is null or a.action like $1 || '%') and ($2::bigint is null or a.id < $2)
         order by a.id desc limit $3",
    )
    .bind(action)
    .bind(before)
    .bind(crate::model::AUDIT_PAGE)
    .fetch_all(&repos.pg)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, actor, action, target_type, target_id, details, created_at)| {
                crate::model::AuditEntry {
                    id,
                    actor,
                    action,
                    target_type,
                    target_id,
                    details: details.to_string(),
                    created_at,
                }
            },
        )
        .collect())
}

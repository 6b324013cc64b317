//! Sign-up, sign-in, sign-out and "who is signed in".

use encore::model::SessionUser;
use leptos::prelude::*;

use crate::error::AppError;

#[server(endpoint = "auth/current_user")]
pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
    crate::server::session_user().await
}

#[server(endpoint = "auth/sign_up")]
pub async fn sign_up(
    username: String,
    email: String,
    display_name: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::server::*;
    let new =
        encore::validate::NewAccount::parse(&username, &email, &display_name, &password, &confirm)
            .map_err(AppError::Invalid)?;
    let ctx = ctx()?;
    let user = ctx.auth.sign_up(new).await?;
    start_session(&ctx, &user, 0).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server(endpoint = "auth/sign_in")]
pub async fn sign_in(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::server::*;
    let ctx = ctx()?;
    let ip = client_ip().await;
    let signed = ctx.auth.sign_in(&username, &password, &ip).await?;
    start_session(&ctx, &signed.user, signed.session_epoch).await?;
    leptos_axum::redirect(&safe_next(next.as_deref().unwrap_or("/")));
    Ok(())
}

/// Cycles the session id (no fixation), stores the user and indexes the session.
#[cfg(feature = "ssr")]
async fn start_session(
    sctx: &crate::server::ServerContext,
    user: &encore::model::User,
    epoch: i32,
) -> Result<(), AppError> {
    use crate::server::*;
    let session = session().await?;
    session.cycle_id().await?;
    session.insert(SESSION_USER, user.id).await?;
    session.insert(SESSION_EPOCH, epoch).await?;
    // The id exists only once the session is saved; save now so it can be indexed.
    session.save().await?;
    if let Some(id) = session.id() {
        sctx.repos
            .accounts
            .record_session(&id.to_string(), user.id, &client_ip().await, &user_agent())
            .await?;
    }
    Ok(())
}

#[server(endpoint = "auth/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::*;
    let session = session().await?;
    if let Some(id) = session.id() {
        ctx()?
            .repos
            .accounts
            .forget_session(&id.to_string())
            .await?;
    }
    // Deletes the record from the store: the old cookie is worthless from now on.
    session.flush().await?;
    leptos_axum::redirect("/");
    Ok(())
}

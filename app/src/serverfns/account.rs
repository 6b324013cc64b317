//! Profile, settings, password and theme.

use encore::model::{SessionUser, Settings, Theme};
use leptos::prelude::*;

use crate::error::AppError;

#[server(endpoint = "account/settings")]
pub async fn get_settings() -> Result<Settings, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/settings").await?;
    let ctx = ctx()?;
    let user = ctx
        .repos
        .accounts
        .find_by_id(me.id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let preferences = ctx.repos.accounts.preferences(me.id).await?;
    Ok(Settings { user, preferences })
}

#[server(endpoint = "account/update_profile")]
pub async fn update_profile(display_name: String, bio: String) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let mut errors = encore::FieldErrors::default();
    let display_name = display_name.trim().to_string();
    let bio = bio.trim().to_string();
    encore::validate::display_name(&mut errors, &display_name);
    encore::validate::bio(&mut errors, &bio);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    ctx()?
        .repos
        .accounts
        .update_profile(me.id, &display_name, &bio)
        .await?;
    leptos_axum::redirect("/settings?saved=profile");
    Ok(())
}

/// Checkboxes are absent from a form post when unticked, hence the options.
#[server(endpoint = "account/update_preferences")]
pub async fn update_preferences(
    explicit_filter: Option<String>,
    private_session: Option<String>,
    share_activity: Option<String>,
    show_listening: Option<String>,
) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let ctx = ctx()?;
    let mut prefs = ctx.repos.accounts.preferences(me.id).await?;
    prefs.explicit_filter = explicit_filter.is_some();
    prefs.private_session = private_session.is_some();
    prefs.share_activity = share_activity.is_some();
    prefs.show_listening = show_listening.is_some();
    ctx.repos.accounts.update_preferences(me.id, &prefs).await?;
    leptos_axum::redirect("/settings?saved=preferences");
    Ok(())
}

#[server(endpoint = "account/change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let ctx = ctx()?;
    let epoch = ctx
        .auth
        .change_password(me.id, &current_password, &new_password, &confirm)
        .await?;
    // Keep this session alive; every other session of the user is now invalid.
    let session = session().await?;
    session.cycle_id().await?;
    session.insert(SESSION_EPOCH, epoch).await?;
    leptos_axum::redirect("/settings?saved=password");
    Ok(())
}

/// Stores the theme in a cookie (works signed out) and in the preferences when signed in.
#[server(endpoint = "account/set_theme")]
pub async fn set_theme(theme: String) -> Result<Theme, AppError> {
    use crate::server::*;
    let theme = Theme::parse(&theme).ok_or_else(|| {
        AppError::Invalid(encore::FieldErrors::single(
            "theme",
            "Pick light, dark or system.",
        ))
    })?;
    append_header(
        http::header::SET_COOKIE,
        &format!(
            "theme={}; Path=/; Max-Age=31536000; SameSite=Lax",
            theme.as_str()
        ),
    );
    if let Some(me) = session_user().await? {
        ctx()?.repos.accounts.set_theme(me.id, theme).await?;
    }
    Ok(theme)
}

/// What the home page shows a signed-in user.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HomeSummary {
    pub display_name: String,
    pub sign_ins: i64,
}

#[server(endpoint = "account/home")]
pub async fn get_home() -> Result<Option<HomeSummary>, AppError> {
    use crate::server::*;
    let Some(me) = session_user().await? else {
        return Ok(None);
    };
    // The count lives in MongoDB; if it is unreachable the page still renders.
    let sign_ins = ctx()?
        .repos
        .activity
        .sign_ins(me.id)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "activity unavailable");
            0
        });
    Ok(Some(HomeSummary {
        display_name: me.display_name,
        sign_ins,
    }))
}

#[server(endpoint = "account/library")]
pub async fn get_library() -> Result<(SessionUser, encore::model::LibraryCounts), AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/library").await?;
    let counts = ctx()?.repos.accounts.library_counts(me.id).await?;
    Ok((me, counts))
}

/// The signed-in user's app passwords (Subsonic apps).
#[server(endpoint = "account/app_passwords")]
pub async fn get_app_passwords() -> Result<Vec<encore::model::AppPassword>, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/settings").await?;
    Ok(encore::service::apps::list(&ctx()?.repos, &me).await?)
}

#[server(endpoint = "account/create_app_password")]
pub async fn create_app_password(name: String) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    encore::service::apps::create(&ctx()?.repos, &me, &name).await?;
    leptos_axum::redirect("/settings?saved=apps#apps-h");
    Ok(())
}

#[server(endpoint = "account/revoke_app_password")]
pub async fn revoke_app_password(id: String) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let id = uuid::Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    encore::service::apps::revoke(&ctx()?.repos, &me, id).await?;
    leptos_axum::redirect("/settings?saved=revoked#apps-h");
    Ok(())
}

/// The signed-in user's ListenBrainz-compatible scrobbling token (made on first use).
#[server(endpoint = "account/listen_token")]
pub async fn get_listen_token() -> Result<String, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/settings").await?;
    Ok(encore::service::listenbrainz::token(&ctx()?.repos, &me).await?)
}

#[server(endpoint = "account/regenerate_listen_token")]
pub async fn regenerate_listen_token() -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    encore::service::listenbrainz::regenerate(&ctx()?.repos, &me).await?;
    leptos_axum::redirect("/settings?saved=token#scrobble-h");
    Ok(())
}

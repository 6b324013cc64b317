//! Admin panel data. The role check lives in the service; this only maps the status.

use encore::model::{AdminOverview, SessionUser};
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

/// The artist area: artists (and admins) only.
#[server(endpoint = "artist/home")]
pub async fn get_artist_home() -> Result<SessionUser, AppError> {
    use crate::server::*;
    let me = require_user_or_redirect("/artist").await?;
    encore::service::require_artist(&me).map_err(|e| forbidden_status(e.into()))?;
    Ok(me)
}

//! Admin panel services. Every function takes the acting user and checks the role here,
//! not only in the UI.

use crate::{
    model::{AdminOverview, SessionUser},
    repo::Repos,
    service::require_moderator,
    Result,
};

pub async fn overview(repos: &Repos, actor: &SessionUser) -> Result<AdminOverview> {
    require_moderator(actor)?;
    repos.accounts.overview().await
}

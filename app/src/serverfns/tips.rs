//! Tips to artists (test-mode payments). Rules in `encore::service::tips`.

use encore::party::TipSummary;
use leptos::prelude::*;

use crate::error::AppError;

#[cfg(feature = "ssr")]
fn id(s: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(s.trim()).map_err(|_| AppError::NotFound)
}

/// A tip during a live event's party; `request_id` comes from the rendered form.
#[server(endpoint = "tips/send")]
pub async fn send_tip(
    artist_id: String,
    party_id: String,
    amount: String,
    message: String,
    card: String,
    request_id: String,
) -> Result<(), AppError> {
    use crate::server::*;
    use encore::service::tips::{tip, TipForm};
    let me = require_user().await?;
    let pid = self::id(&party_id)?;
    let key = uuid::Uuid::parse_str(&request_id).map_err(|_| {
        AppError::Invalid(encore::FieldErrors::single(
            "card",
            "Reload the page and try again.",
        ))
    })?;
    tip(
        &ctx()?.repos,
        &encore::service::billing::TestMode,
        &me,
        TipForm {
            artist_id: self::id(&artist_id)?,
            party_id: Some(pid),
            amount: &amount,
            message: &message,
            card: &card,
            idempotency_key: key,
        },
    )
    .await?;
    leptos_axum::redirect(&format!("/party/{pid}?saved=tipped#chat"));
    Ok(())
}

#[server(endpoint = "tips/refund")]
pub async fn refund_tip(tip_id: String) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    encore::service::tips::refund(
        &ctx()?.repos,
        &encore::service::billing::TestMode,
        &me,
        self::id(&tip_id)?,
    )
    .await
    .map_err(|e| forbidden_status(e.into()))?;
    leptos_axum::redirect("/admin/analytics?saved=refunded#tips");
    Ok(())
}

#[server(endpoint = "tips/artist")]
pub async fn artist_tips(artist_id: String, days: u32) -> Result<TipSummary, AppError> {
    use crate::server::*;
    let me = require_user().await?;
    Ok(encore::service::tips::of_artist(&ctx()?.repos, &me, self::id(&artist_id)?, days).await?)
}

#[server(endpoint = "tips/all")]
pub async fn all_tips(days: u32) -> Result<TipSummary, AppError> {
    use crate::server::*;
    let me = require_user().await?;
    Ok(encore::service::tips::all(&ctx()?.repos, &me, days).await?)
}

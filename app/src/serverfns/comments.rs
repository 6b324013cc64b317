//! Comments on songs. Authorship and moderator rights are checked in the service.

use encore::model::CommentPage;
use leptos::prelude::*;

use crate::error::AppError;

#[cfg(feature = "ssr")]
fn id(s: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(s.trim()).map_err(|_| AppError::NotFound)
}

#[server(endpoint = "comments/list")]
pub async fn get_comments(
    song_id: String,
    before: Option<String>,
) -> Result<CommentPage, AppError> {
    use crate::server::*;
    let me = session_user().await?;
    let before = before
        .and_then(|b| chrono::DateTime::parse_from_rfc3339(&b).ok())
        .map(|t| t.to_utc());
    Ok(
        encore::service::comments::list(&ctx()?.repos, me.as_ref(), self::id(&song_id)?, before)
            .await?,
    )
}

#[server(endpoint = "comments/post")]
pub async fn post_comment(song_id: String, body: String) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let sid = self::id(&song_id)?;
    let cid = encore::service::comments::post(&ctx()?.repos, &me, sid, &body).await?;
    leptos_axum::redirect(&format!("/song/{sid}?saved=commented#comment-{cid}"));
    Ok(())
}

#[server(endpoint = "comments/edit")]
pub async fn edit_comment(comment_id: String, body: String) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let cid = self::id(&comment_id)?;
    let sid = encore::service::comments::edit(&ctx()?.repos, &me, cid, &body).await?;
    leptos_axum::redirect(&format!("/song/{sid}?saved=comment-edited#comment-{cid}"));
    Ok(())
}

#[server(endpoint = "comments/delete")]
pub async fn delete_comment(comment_id: String) -> Result<(), AppError> {
    use crate::server::*;
    let me = require_user().await?;
    let sid = encore::service::comments::delete(&ctx()?.repos, &me, self::id(&comment_id)?).await?;
    leptos_axum::redirect(&format!("/song/{sid}?saved=comment-deleted#comments"));
    Ok(())
}

//! "Download my data": everything Encore stores about the signed-in user, as JSON. The
//! user is always the session's; there is no id to tamper with.

use serde_json::{json, Value};

use crate::{model::SessionUser, repo::Repos, Error, Result};

pub async fn export_user_data(repos: &Repos, me: &SessionUser) -> Result<Value> {
    let user = repos
        .accounts
        .find_by_id(me.id)
        .await?
        .ok_or(Error::NotFound)?;
    let prefs = repos.accounts.preferences(me.id).await?;
    let mut playlists = vec![];
    for p in repos.playlists.library(me.id).await? {
        let items = repos.playlists.items(p.id, None, 10_000).await?;
        playlists.push(json!({
            "id": p.id, "title": p.title, "visibility": p.visibility.as_str(),
            "songs": items.iter().map(|i| json!({"song_id": i.song_id, "added_at": i.added_at})).collect::<Vec<_>>(),
        }));
    }
    let liked = repos.accounts.liked_song_ids(me.id, 100_000).await?;
    let following = repos.accounts.follow_list(me.id, false, 100_000).await?;
    let followers = repos.accounts.follow_list(me.id, true, 100_000).await?;
    let history = crate::service::listening::history(repos, me, None, None, 10_000).await?;
    let reports = crate::service::moderation::my_reports(repos, me).await?;
    Ok(json!({
        "exported_at": chrono::Utc::now(),
        "account": user,
        "preferences": prefs,
        "playlists": playlists,
        "liked_songs": liked,
        "following": following,
        "followers": followers,
        "listening_history": history.iter().map(|h| json!({
            "event_id": h.event_id, "song_id": h.song.id, "title": h.song.title, "played_at": h.played_at, "ms_played": h.ms_played,
        })).collect::<Vec<_>>(),
        "reports": reports,
    }))
}

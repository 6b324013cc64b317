//! Playlist rules: who may see and change what, and the order of the two-store writes.
//!
//! Cross-store order (no distributed transactions): creating writes the PostgreSQL row
//! only; adding/removing writes the MongoDB item first, then adjusts the PostgreSQL
//! counts; deleting removes the PostgreSQL row first (cascading collaborators and saves),
//! then the items. A crash in between leaves at worst a count off by one or orphaned
//! items — a playlist still reads correctly (items come from MongoDB, a row without items
//! is empty) — and [`reconcile`] repairs both. Item positions are reserved in PostgreSQL
//! (the playlist's position bounds) before the MongoDB write, so the bounds always cover
//! every stored item and reads can ask MongoDB for bounded windows.

use uuid::Uuid;

use crate::{
    catalog::SongStatus, error::FieldErrors, model::SessionUser, playlists::*, repo::Repos, Error,
    Result,
};

pub const PAGE: i64 = 100;

/// What `user` may do with `p`; `None` when they may not even see it.
pub async fn rights(
    repos: &Repos,
    p: &Playlist,
    user: Option<&SessionUser>,
) -> Result<Option<PlaylistRights>> {
    let owner = user.is_some_and(|u| u.id == p.owner_id);
    let role = match user {
        Some(u) if !owner => repos.playlists.role_of(p.id, u.id).await?,
        _ => None,
    };
    let visible = owner || role.is_some() || p.visibility != Visibility::Private;
    if !visible {
        return Ok(None);
    }
    Ok(Some(PlaylistRights {
        edit_items: owner || (p.collaborative && role == Some(CollabRole::Editor)),
        manage: owner,
        save: user.is_some() && !owner && p.visibility != Visibility::Private,
    }))
}

/// Loads a playlist the user may see; others get `NotFound` (existence is not revealed).
pub(crate) async fn visible(
    repos: &Repos,
    id: Uuid,
    user: Option<&SessionUser>,
) -> Result<(Playlist, PlaylistRights)> {
    let p = repos.playlists.get(id).await?.ok_or(Error::NotFound)?;
    let r = rights(repos, &p, user).await?.ok_or(Error::NotFound)?;
    Ok((p, r))
}

fn check_meta(title: &str, description: &str) -> Result<(String, String)> {
    let mut e = FieldErrors::default();
    let title = title.trim().to_string();
    let description = description.trim().to_string();
    let n = title.chars().count();
    if n == 0 || n > 100 {
        e.add("title", "Playlist titles are 1 to 100 characters long.");
    }
    if description.chars().count() > 1000 {
        e.add("description", "Descriptions are at most 1,000 characters.");
    }
    if e.is_empty() {
        Ok((title, description))
    } else {
        Err(e.into())
    }
}

pub async fn create(
    repos: &Repos,
    user: &SessionUser,
    title: &str,
    description: &str,
    visibility: Visibility,
) -> Result<Uuid> {
    let (title, description) = check_meta(title, description)?;
    repos
        .playlists
        .insert(user.id, &title, &description, visibility)
        .await
}

pub async fn page(
    repos: &Repos,
    id: Uuid,
    user: Option<&SessionUser>,
    after: Option<f64>,
) -> Result<PlaylistPage> {
    let (playlist, rights) = visible(repos, id, user).await?;
    let docs = repos.playlists.items(id, after, PAGE + 1).await?;
    let more = docs.len() as i64 > PAGE;
    let docs: Vec<_> = docs.into_iter().take(PAGE as usize).collect();
    let ids: Vec<Uuid> = docs.iter().map(|d| d.song_id).collect();
    let rows: std::collections::HashMap<Uuid, _> = repos
        .catalog
        .song_rows(&ids)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let next = if more {
        docs.last().map(|d| d.pos)
    } else {
        None
    };
    let items = docs
        .into_iter()
        .filter_map(|d| {
            Some(PlaylistItem {
                item_id: d.item_id,
                song: rows.get(&d.song_id)?.clone(),
                added_by: d.added_by,
                added_at: d.added_at,
            })
        })
        .collect();
    let collaborators = if rights.manage {
        repos.playlists.collaborators(id).await?
    } else {
        vec![]
    };
    let saved = match user {
        Some(u) => repos.playlists.is_saved(u.id, id).await?,
        None => false,
    };
    Ok(PlaylistPage {
        playlist,
        items,
        next,
        rights,
        collaborators,
        saved,
    })
}

pub async fn update(
    repos: &Repos,
    user: &SessionUser,
    id: Uuid,
    title: &str,
    description: &str,
    visibility: Visibility,
    collaborative: bool,
) -> Result<()> {
    let (p, r) = visible(repos, id, Some(user)).await?;
    if !r.manage {
        return Err(Error::Forbidden);
    }
    let (title, description) = check_meta(title, description)?;
    repos
        .playlists
        .update_meta(p.id, &title, &description, visibility, collaborative)
        .await
}

pub async fn delete(repos: &Repos, user: &SessionUser, id: Uuid) -> Result<()> {
    let (_, r) = visible(repos, id, Some(user)).await?;
    if !r.manage {
        return Err(Error::Forbidden);
    }
    repos.playlists.delete(id).await?;
    repos.playlists.delete_items(id).await?;
    Ok(())
}

async fn editable(repos: &Repos, user: &SessionUser, id: Uuid) -> Result<Playlist> {
    let (p, r) = visible(repos, id, Some(user)).await?;
    if !r.edit_items {
        return Err(Error::Forbidden);
    }
    Ok(p)
}

/// Adds a published song; a song already there gets a clear message.
pub async fn add_song(repos: &Repos, user: &SessionUser, id: Uuid, song_id: Uuid) -> Result<i64> {
    let p = editable(repos, user, id).await?;
    let (song, _) = repos.catalog.song(song_id).await?.ok_or(Error::NotFound)?;
    if song.status != SongStatus::Published {
        return Err(Error::NotFound);
    }
    let ms = song.duration_ms as i64;
    repos.playlists.add_item(id, song_id, ms, user.id).await?;
    let v = repos.playlists.bump(id, 1, ms).await?;
    // Songs are appended, so the first song only changes when there was none (or its cover
    // was never set); looking the first item up costs a read of the whole playlist on
    // SecantusDB.
    if p.cover.is_none() {
        refresh_cover(repos, id).await?;
    }
    Ok(v)
}

/// A playlist's cover is its first song's album cover: set after every change that can
/// move the first song (idempotent, and redone by the reconciler after a crash).
pub async fn refresh_cover(repos: &Repos, id: Uuid) -> Result<bool> {
    let cover = match repos.playlists.first_item(id).await? {
        Some(first) => repos
            .catalog
            .song(first.song_id)
            .await?
            .and_then(|(_, cover)| cover),
        None => None,
    };
    repos.playlists.set_cover(id, cover.as_deref()).await
}

pub async fn remove_item(repos: &Repos, user: &SessionUser, id: Uuid, item: Uuid) -> Result<i64> {
    editable(repos, user, id).await?;
    match repos.playlists.remove_item(id, item).await? {
        Some(ms) => {
            let v = repos.playlists.bump(id, -1, -ms).await?;
            refresh_cover(repos, id).await?;
            Ok(v)
        }
        // Already gone (a concurrent remove, or a retry): nothing to undo.
        None => Err(Error::Conflict(
            "That song was already removed from this playlist.".into(),
        )),
    }
}

/// Moves `item` before `before` (or to the end) if the playlist is still at
/// `expected_version`; otherwise the move is refused and the user told what happened.
pub async fn move_item(
    repos: &Repos,
    user: &SessionUser,
    id: Uuid,
    item: Uuid,
    before: Option<Uuid>,
    expected_version: i64,
) -> Result<i64> {
    editable(repos, user, id).await?;
    let version = match repos.playlists.claim_version(id, expected_version).await? {
        Ok(v) => v,
        Err(current) => {
            return Err(Error::Conflict(format!(
                "Someone changed this playlist while you were editing (your version {expected_version}, now {current}). \
                 Nothing was moved; here is the latest order."
            )))
        }
    };
    if !repos.playlists.move_before(id, item, before).await? {
        return Err(Error::Conflict(
            "That song is no longer in this playlist.".into(),
        ));
    }
    refresh_cover(repos, id).await?;
    Ok(version)
}

pub async fn set_collaborator(
    repos: &Repos,
    user: &SessionUser,
    id: Uuid,
    username: &str,
    role: CollabRole,
) -> Result<()> {
    let (p, r) = visible(repos, id, Some(user)).await?;
    if !r.manage {
        return Err(Error::Forbidden);
    }
    let uname = crate::validate::normalize_username(username);
    let target = repos
        .accounts
        .credentials_by_username(&uname)
        .await?
        .map(|c| c.user)
        .ok_or_else(|| Error::field("username", "There is no user with that name."))?;
    if target.id == p.owner_id {
        return Err(Error::field("username", "You own this playlist already."));
    }
    if repos
        .accounts
        .blocked_either_way(p.owner_id, target.id)
        .await?
    {
        return Err(Error::field("username", "You cannot invite this user."));
    }
    repos
        .playlists
        .set_collaborator(id, target.id, role, user.id)
        .await
}

pub async fn remove_collaborator(
    repos: &Repos,
    user: &SessionUser,
    id: Uuid,
    collaborator: Uuid,
) -> Result<()> {
    let (_, r) = visible(repos, id, Some(user)).await?;
    // The owner removes anyone; a collaborator may leave.
    if !r.manage && collaborator != user.id {
        return Err(Error::Forbidden);
    }
    repos
        .playlists
        .remove_collaborator(id, collaborator)
        .await?;
    Ok(())
}

pub async fn set_saved(repos: &Repos, user: &SessionUser, id: Uuid, saved: bool) -> Result<()> {
    let (_, r) = visible(repos, id, Some(user)).await?;
    if saved && !r.save {
        return Err(Error::Forbidden);
    }
    repos.playlists.set_saved(user.id, id, saved).await
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    pub playlists: usize,
    pub counts_fixed: usize,
    pub orphan_playlists: usize,
    pub orphan_items: u64,
}

/// Recounts one playlist's items and duration from MongoDB, makes sure its position
/// bounds cover every stored item, and resets its cover; `true` when the counts were wrong.
pub async fn reconcile_one(repos: &Repos, id: Uuid) -> Result<bool> {
    if let Some((lo, hi)) = repos.playlists.stored_bounds(id).await? {
        repos.playlists.widen(id, lo, hi).await?;
    }
    let (n, ms) = repos.playlists.tally(id).await?;
    let fixed = repos.playlists.set_counts(id, n, ms).await?;
    refresh_cover(repos, id).await?;
    Ok(fixed)
}

/// Repairs what a crash between the two stores can leave: wrong counts and items of
/// deleted playlists. Idempotent.
pub async fn reconcile(repos: &Repos) -> Result<ReconcileReport> {
    let mut report = ReconcileReport::default();
    for id in repos.playlists.all_ids().await? {
        report.playlists += 1;
        if reconcile_one(repos, id).await? {
            report.counts_fixed += 1;
        }
    }
    for id in repos.playlists.item_playlist_ids().await? {
        if !repos.playlists.exists(id).await? {
            report.orphan_playlists += 1;
            report.orphan_items += repos.playlists.delete_items(id).await?;
        }
    }
    Ok(report)
}

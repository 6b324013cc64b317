//! Artists upload songs (one, or several as an album); a moderator approves or rejects
//! each. Files are checked by content before anything is stored (see `crate::upload`);
//! the song documents wait in MongoDB as `pending` (invisible to listeners, the search
//! index and charts) with a row in PostgreSQL's `uploads` queue. An approval publishes the
//! song and creates its album on the first approved track — every step idempotent, so a
//! retry after a crash converges; a rejection removes the song document and keeps the row
//! (with the reason) for the artist.

use std::path::Path;

use chrono::Utc;
use uuid::Uuid;

use crate::{
    artists::{Upload, UploadPage},
    catalog::{
        Album, AlbumType, ArtistCredit, ArtistRole, AudioFeatures, AudioFile, Song, SongStatus,
    },
    error::FieldErrors,
    model::SessionUser,
    repo::{catalog::validate_song, uploads::NewUploadRow, Repos},
    service::{artists::managed_artist, require_moderator},
    upload::{check_cover, probe_audio, Probed, Received},
    Error, Result,
};

/// At most this many files in one upload (an album).
pub const MAX_FILES: usize = 30;

/// The form fields sent with the files.
#[derive(Clone, Debug, Default)]
pub struct UploadForm {
    /// For a single file: the song title (else from the tags or the file name).
    pub title: String,
    /// The album (or single/EP) name; for a single file it defaults to the song title.
    pub album_title: String,
    pub genre: String,
    pub explicit: bool,
}

/// The upload page: the artist, the form's choices and the artist's uploads.
pub async fn page(
    repos: &Repos,
    user: &SessionUser,
    artist: Uuid,
    max_bytes: u64,
) -> Result<UploadPage> {
    let a = managed_artist(repos, user, artist).await?;
    let mut uploads = repos.uploads.of_artist(artist).await?;
    for u in &mut uploads {
        u.artist_name = a.name.clone();
    }
    Ok(UploadPage {
        artist: a.summary(),
        genres: crate::catalog_gen::genre_names(),
        max_mb: max_bytes / (1024 * 1024),
        uploads,
    })
}

/// Checks who may upload before a byte is read.
pub async fn may_upload(repos: &Repos, user: &SessionUser, artist: Uuid) -> Result<()> {
    managed_artist(repos, user, artist).await.map(|_| ())
}

fn album_type_for(n: usize) -> AlbumType {
    match n {
        1 => AlbumType::Single,
        2..=6 => AlbumType::Ep,
        _ => AlbumType::Album,
    }
}

fn type_name(t: AlbumType) -> &'static str {
    match t {
        AlbumType::Album => "album",
        AlbumType::Ep => "ep",
        AlbumType::Single => "single",
    }
}

/// The file name without its extension, as a fallback title.
fn title_from_name(name: &str) -> String {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let t: String = stem.replace(['_'], " ").trim().chars().take(200).collect();
    if t.is_empty() {
        "Untitled".into()
    } else {
        t
    }
}

/// Stores an upload: every file probed and every field checked first (one bad file
/// refuses the whole upload, naming it), then the files kept by content hash, the songs
/// written as pending and the queue rows inserted. Returns the new song ids.
pub async fn submit(
    repos: &Repos,
    data_dir: &Path,
    user: &SessionUser,
    artist_id: Uuid,
    form: UploadForm,
    files: Vec<Received>,
    cover: Option<Received>,
) -> Result<Vec<Uuid>> {
    let artist = managed_artist(repos, user, artist_id).await?;
    let mut e = FieldErrors::default();
    if files.is_empty() {
        e.add("file", "Choose at least one audio file.");
    }
    if files.len() > MAX_FILES {
        e.add(
            "file",
            format!("Upload at most {MAX_FILES} files at a time."),
        );
    }
    let title = form.title.trim();
    let album_title = form.album_title.trim();
    if title.chars().count() > 200 {
        e.add("title", "Song titles are at most 200 characters.");
    }
    if album_title.chars().count() > 200 {
        e.add("album_title", "Album titles are at most 200 characters.");
    }
    let genre = form.genre.trim().to_lowercase();
    if !crate::catalog_gen::genre_names().contains(&genre) {
        e.add("genre", "Pick a genre from the list.");
    }
    if !e.is_empty() {
        return Err(e.into());
    }

    // Probe every file (blocking work off the async threads); the first bad one refuses all.
    let mut probed: Vec<(Received, Probed)> = Vec::with_capacity(files.len());
    for f in files {
        let (f, p) = tokio::task::spawn_blocking(move || {
            let p = probe_audio(f.path(), &f.original_name);
            (f, p)
        })
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
        probed.push((f, p?));
    }
    let cover = match cover {
        Some(c) => {
            let (c, ext) = tokio::task::spawn_blocking(move || {
                let ext = check_cover(c.path(), &c.original_name);
                (c, ext)
            })
            .await
            .map_err(|e| Error::Internal(e.to_string()))?;
            Some((c, ext?))
        }
        None => None,
    };

    let n = probed.len();
    let album_type = album_type_for(n);
    let single_title = |p: &Probed, f: &Received| {
        if n == 1 && !title.is_empty() {
            title.to_string()
        } else {
            p.tags
                .title
                .clone()
                .unwrap_or_else(|| title_from_name(&f.original_name))
        }
    };
    let first_title = single_title(&probed[0].1, &probed[0].0);
    let album_title = if !album_title.is_empty() {
        album_title.to_string()
    } else if n == 1 {
        first_title.clone()
    } else if let Some(a) = probed[0].1.tags.album.clone() {
        a
    } else {
        return Err(
            FieldErrors::single("album_title", "Name the album these songs belong to.").into(),
        );
    };
    let album_id = Uuid::new_v4();
    let batch_id = Uuid::new_v4();
    let mut songs = Vec::with_capacity(n);
    for (i, (f, p)) in probed.iter().enumerate() {
        let song = Song {
            id: Uuid::new_v4(),
            title: single_title(p, f),
            artists: vec![ArtistCredit {
                id: artist.id,
                name: artist.name.clone(),
                role: ArtistRole::Primary,
            }],
            album_id,
            album_title: album_title.clone(),
            track_number: i as u32 + 1,
            disc_number: 1,
            duration_ms: p.duration_ms,
            genres: vec![genre.clone()],
            explicit: form.explicit,
            // A malformed ISRC tag is dropped rather than refusing the song.
            isrc: p.tags.isrc.clone().filter(|s| crate::validate::isrc(s)),
            popularity: 0,
            features: AudioFeatures::default(),
            audio: Some(AudioFile {
                file: format!("{}.{}", f.sha256, p.ext),
                mime: p.mime.into(),
                bitrate: p.bitrate as i64,
                sample_rate: i64::from(p.sample_rate),
                size: f.size as i64,
            }),
            status: SongStatus::Pending,
            play_count: 0,
            like_count: 0,
        };
        validate_song(&song)?;
        songs.push(song);
    }

    // Everything checked: keep the files, then write.
    let cover_url = match cover {
        Some((c, ext)) => {
            let name = c.keep_as(&data_dir.join("covers"), ext)?;
            format!("/media/covers/{name}")
        }
        None => {
            let svg = crate::catalog_gen::cover_svg(
                &album_title,
                &artist.name,
                album_id.as_u128() as u64,
            );
            tokio::fs::create_dir_all(data_dir.join("covers"))
                .await
                .map_err(|e| Error::Internal(e.to_string()))?;
            tokio::fs::write(data_dir.join("covers").join(format!("{album_id}.svg")), svg)
                .await
                .map_err(|e| Error::Internal(e.to_string()))?;
            format!("/media/covers/{album_id}.svg")
        }
    };
    let mut meta = Vec::with_capacity(n);
    for (f, p) in probed {
        let original = f.original_name.clone();
        let size = f.size;
        let file = f.keep_as(&data_dir.join("audio"), p.ext)?;
        meta.push((original, file, p.codec, size));
    }
    let docs: Vec<(Song, Option<String>)> = songs
        .iter()
        .map(|s| (s.clone(), Some(cover_url.clone())))
        .collect();
    repos.catalog.insert_songs(&docs).await?;
    let ids: Vec<Uuid> = songs.iter().map(|s| s.id).collect();
    let written = async {
        let mut tx = repos.uploads.begin().await?;
        for (s, (original, file, codec, size)) in songs.iter().zip(&meta) {
            repos
                .uploads
                .insert(
                    &mut tx,
                    &NewUploadRow {
                        id: s.id,
                        artist_id,
                        uploader_id: user.id,
                        batch_id,
                        album_id,
                        album_title: &album_title,
                        album_type: type_name(album_type),
                        title: &s.title,
                        original_name: original,
                        file,
                        codec,
                        size_bytes: *size as i64,
                        duration_ms: s.duration_ms as i64,
                    },
                )
                .await?;
        }
        sqlx::query("insert into audit_log (actor_id, action, target_type, target_id, details) values ($1, 'upload.submitted', 'artist', $2, $3)")
            .bind(user.id)
            .bind(artist_id.to_string())
            .bind(sqlx::types::Json(serde_json::json!({"songs": ids, "album": album_title})))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok::<_, Error>(())
    }
    .await;
    if let Err(err) = written {
        // No queue row, no song: take the pending documents back out.
        if let Err(e) = repos.catalog.delete_songs(&ids).await {
            tracing::error!(error = %e, "removing songs of a failed upload");
        }
        return Err(err);
    }
    Ok(ids)
}

/// The review queue (moderators and admins), oldest first, with artist names.
pub async fn pending(repos: &Repos, moderator: &SessionUser) -> Result<Vec<Upload>> {
    require_moderator(moderator)?;
    let mut rows = repos.uploads.pending().await?;
    let ids: Vec<Uuid> = rows.iter().map(|u| u.artist_id).collect();
    let names = repos.catalog.artist_names(&ids).await?;
    for u in &mut rows {
        u.artist_name = names.get(&u.artist_id).cloned().unwrap_or_default();
    }
    Ok(rows)
}

/// Approves a pending upload: the song is published and its album created (or its track
/// count refreshed), then the queue row is closed with an audit entry.
pub async fn approve(repos: &Repos, moderator: &SessionUser, id: Uuid) -> Result<()> {
    require_moderator(moderator)?;
    let up = repos.uploads.get(id).await?.ok_or(Error::NotFound)?;
    if up.status != "pending" {
        return Err(Error::Conflict("This upload was already reviewed.".into()));
    }
    let (song, cover) = repos.catalog.song(id).await?.ok_or(Error::NotFound)?;
    repos
        .catalog
        .set_song_status(id, SongStatus::Published)
        .await?;
    let album_type = match up.album_type.as_str() {
        "album" => AlbumType::Album,
        "ep" => AlbumType::Ep,
        _ => AlbumType::Single,
    };
    repos
        .catalog
        .ensure_album(&Album {
            id: up.album_id,
            title: up.album_title.clone(),
            artist_ids: song.artists.iter().map(|a| a.id).collect(),
            artist_names: song.artists.iter().map(|a| a.name.clone()).collect(),
            album_type,
            release_date: Utc::now().date_naive(),
            label: "Self-released".into(),
            genres: song.genres.clone(),
            cover,
            track_count: 0,
            duration_ms: 0,
            popularity: 0,
        })
        .await?;
    if !repos.uploads.decide(id, moderator.id, true, "").await? {
        return Err(Error::Conflict("This upload was already reviewed.".into()));
    }
    // New releases on the home page (after the decision, which a retry cannot pass twice).
    if let Some(album) = repos.catalog.album(up.album_id).await? {
        repos.catalog.chart_published(&album, &song).await?;
    }
    Ok(())
}

/// Rejects a pending upload with a reason the artist sees; the song document goes away.
pub async fn reject(repos: &Repos, moderator: &SessionUser, id: Uuid, reason: &str) -> Result<()> {
    require_moderator(moderator)?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(FieldErrors::single(
            "reason",
            "Tell the artist why, in at most 1,000 characters.",
        )
        .into());
    }
    if !repos
        .uploads
        .decide(id, moderator.id, false, reason)
        .await?
    {
        return match repos.uploads.get(id).await? {
            Some(_) => Err(Error::Conflict("This upload was already reviewed.".into())),
            None => Err(Error::NotFound),
        };
    }
    repos.catalog.delete_songs(&[id]).await
}

/// Who may hear a song: anyone when published; while pending, moderators and the
/// credited artists' linked accounts (to review it, or to check their upload).
pub async fn may_hear(repos: &Repos, user: &SessionUser, song: &Song) -> Result<bool> {
    Ok(match song.status {
        SongStatus::Published => true,
        SongStatus::Pending => {
            if user.role.can_moderate() {
                true
            } else {
                let mut ok = false;
                for a in &song.artists {
                    if repos.artists.is_member(user.id, a.id).await? {
                        ok = true;
                        break;
                    }
                }
                ok
            }
        }
        SongStatus::TakenDown => false,
    })
}

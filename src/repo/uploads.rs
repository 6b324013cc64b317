//! The upload review queue and the artists' upload records (PostgreSQL).

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::{artists::Upload, Result};

#[derive(Clone)]
pub struct UploadRepo {
    pool: PgPool,
}

/// A row to insert (the song document is written to MongoDB first).
pub struct NewUploadRow<'a> {
    pub id: Uuid,
    pub artist_id: Uuid,
    pub uploader_id: Uuid,
    pub batch_id: Uuid,
    pub album_id: Uuid,
    pub album_title: &'a str,
    pub album_type: &'a str,
    pub title: &'a str,
    pub original_name: &'a str,
    pub file: &'a str,
    pub codec: &'a str,
    pub size_bytes: i64,
    pub duration_ms: i64,
}

type Row = (
    Uuid,
    Uuid,
    Option<String>,
    Uuid,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

const SELECT: &str = "select p.id, p.artist_id, u.username, p.album_id, p.album_title, p.album_type, p.title,
    p.original_name, p.codec, p.size_bytes, p.duration_ms, p.status, p.reason, p.created_at, p.decided_at
    from uploads p left join users u on u.id = p.uploader_id";

fn upload(r: Row) -> Upload {
    Upload {
        id: r.0,
        artist_id: r.1,
        artist_name: String::new(),
        uploader: r.2.unwrap_or_else(|| "(deleted account)".into()),
        album_id: r.3,
        album_title: r.4,
        album_type: r.5,
        title: r.6,
        original_name: r.7,
        codec: r.8,
        size_bytes: r.9,
        duration_ms: r.10,
        status: r.11,
        reason: r.12,
        created_at: r.13,
        decided_at: r.14,
    }
}

impl UploadRepo {
    pub fn new(pool: PgPool) -> Self {
        UploadRepo { pool }
    }

    pub async fn insert(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        r: &NewUploadRow<'_>,
    ) -> Result<()> {
        sqlx::query(
            "insert into uploads (id, artist_id, uploader_id, batch_id, album_id, album_title, album_type, title, original_name, file, codec, size_bytes, duration_ms)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(r.id)
        .bind(r.artist_id)
        .bind(r.uploader_id)
        .bind(r.batch_id)
        .bind(r.album_id)
        .bind(r.album_title)
        .bind(r.album_type)
        .bind(r.title)
        .bind(r.original_name)
        .bind(r.file)
        .bind(r.codec)
        .bind(r.size_bytes)
        .bind(r.duration_ms)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub async fn get(&self, id: Uuid) -> Result<Option<Upload>> {
        let r: Option<Row> = sqlx::query_as(&format!("{SELECT} where p.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(upload))
    }

    /// The artist's uploads, newest first.
    pub async fn of_artist(&self, artist: Uuid) -> Result<Vec<Upload>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SELECT} where p.artist_id = $1 order by p.created_at desc, p.title limit 200"
        ))
        .bind(artist)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(upload).collect())
    }

    /// The review queue, oldest first.
    pub async fn pending(&self) -> Result<Vec<Upload>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SELECT} where p.status = 'pending' order by p.created_at, p.title limit 100"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(upload).collect())
    }

    /// Marks a pending upload decided, with the audit entry, in one transaction. False when
    /// it was not pending (any more).
    pub async fn decide(&self, id: Uuid, by: Uuid, approve: bool, reason: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query(
            "update uploads set status = $2, decided_by = $3, decided_at = now(), reason = $4
             where id = $1 and status = 'pending'",
        )
        .bind(id)
        .bind(if approve { "approved" } else { "rejected" })
        .bind(by)
        .bind(reason)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        sqlx::query("insert into audit_log (actor_id, action, target_type, target_id, details) values ($1, $2, 'song', $3, $4)")
            .bind(by)
            .bind(if approve { "upload.approved" } else { "upload.rejected" })
            .bind(id.to_string())
            .bind(sqlx::types::Json(serde_json::json!({"reason": reason})))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn begin(&self) -> Result<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }
}

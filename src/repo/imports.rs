//! The import queue in PostgreSQL: one row per uploaded history file, claimed by one job
//! run at a time (a lease, so any instance may run it and a crashed run is taken over),
//! with the resume point and the report's counters.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{listening::HistoryImport, Result};

#[derive(Clone)]
pub struct ImportRepo {
    pool: PgPool,
}

/// What the job needs of a claimed import.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub stored_file: String,
    pub file_name: String,
    pub position: i64,
}

/// One batch's additions to the report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub imported: i64,
    pub matched: i64,
    pub created: i64,
    pub duplicates: i64,
    pub skipped_podcast: i64,
    pub skipped_audiobook: i64,
    pub skipped_incognito: i64,
    pub errors: Vec<(i64, String)>,
    /// Albums whose track count and length the end of the import recounts.
    pub albums: Vec<Uuid>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    file_name: String,
    format: String,
    status: String,
    total: i64,
    position: i64,
    imported: i64,
    matched: i64,
    created: i64,
    duplicates: i64,
    skipped_podcast: i64,
    skipped_audiobook: i64,
    skipped_incognito: i64,
    error_count: i64,
    errors: sqlx::types::Json<Vec<(i64, String)>>,
    message: String,
    created_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
}

const SELECT: &str =
    "select id, file_name, format, status, total, position, imported, matched, created,
    duplicates, skipped_podcast, skipped_audiobook, skipped_incognito, error_count, errors, message,
    created_at, finished_at from imports";

fn row(r: Row) -> HistoryImport {
    HistoryImport {
        id: r.id,
        file_name: r.file_name,
        format: r.format,
        status: r.status,
        total: r.total,
        position: r.position,
        imported: r.imported,
        matched: r.matched,
        created: r.created,
        duplicates: r.duplicates,
        skipped_podcast: r.skipped_podcast,
        skipped_audiobook: r.skipped_audiobook,
        skipped_incognito: r.skipped_incognito,
        error_count: r.error_count,
        errors: r.errors.0,
        message: r.message,
        created_at: r.created_at,
        finished_at: r.finished_at,
    }
}

/// How many errors a report keeps (the count covers all).
pub const KEEP_ERRORS: usize = 100;

impl ImportRepo {
    pub fn new(pool: PgPool) -> Self {
        ImportRepo { pool }
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert(
        &self,
        id: Uuid,
        user: Option<Uuid>,
        requested_by: Option<Uuid>,
        file_name: &str,
        stored_file: &str,
        size: i64,
        format: &str,
        total: i64,
        parse_errors: &[(i64, String)],
        parse_error_count: i64,
    ) -> Result<()> {
        sqlx::query(
            "insert into imports (id, user_id, requested_by, file_name, stored_file, size_bytes, format, total, errors, error_count)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id)
        .bind(user)
        .bind(requested_by)
        .bind(file_name)
        .bind(stored_file)
        .bind(size)
        .bind(format)
        .bind(total)
        .bind(sqlx::types::Json(parse_errors))
        .bind(parse_error_count)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn get(&self, id: Uuid) -> Result<Option<HistoryImport>> {
        let r: Option<Row> = sqlx::query_as(&format!("{SELECT} where id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(row))
    }

    pub async fn of_user(&self, user: Uuid) -> Result<Vec<HistoryImport>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SELECT} where user_id = $1 order by created_at desc limit 20"
        ))
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(row).collect())
    }

    /// Whether an import is being worked on now (a running one whose lease holds).
    pub async fn any_running(&self) -> Result<bool> {
        Ok(sqlx::query_scalar(
            "select exists (select 1 from imports where status = 'running' and lease_until > now())",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// Takes the oldest queued import, or a running one whose lease ran out (its run
    /// crashed), for `lease_secs`.
    pub async fn claim(&self, lease_secs: i64, only: Option<Uuid>) -> Result<Option<Claimed>> {
        let r: Option<(Uuid, Option<Uuid>, String, String, i64)> = sqlx::query_as(
            "update imports set status = 'running', lease_until = now() + make_interval(secs => $1),
                started_at = coalesce(started_at, now())
             where id = (select id from imports
                         where (status = 'queued' or (status = 'running' and lease_until < now()))
                           and ($2::uuid is null or id = $2)
                         order by created_at limit 1 for update skip locked)
             returning id, user_id, stored_file, file_name, position",
        )
        .bind(lease_secs as f64)
        .bind(only)
        .fetch_optional(&self.pool)
        .await?;
        Ok(
            r.map(|(id, user_id, stored_file, file_name, position)| Claimed {
                id,
                user_id,
                stored_file,
                file_name,
                position,
            }),
        )
    }

    /// Records a processed batch and moves the resume point, renewing the lease.
    pub async fn advance(&self, id: Uuid, position: i64, t: &Tally, lease_secs: i64) -> Result<()> {
        sqlx::query(
            "update imports set position = $2, imported = imported + $3, matched = matched + $4,
                created = created + $5, duplicates = duplicates + $6, skipped_podcast = skipped_podcast + $7,
                skipped_audiobook = skipped_audiobook + $8, skipped_incognito = skipped_incognito + $9,
                error_count = error_count + $10,
                errors = case when jsonb_array_length(errors) >= $11 then errors
                              else errors || $12 end,
                lease_until = now() + make_interval(secs => $13),
                recount_albums = case when cardinality($14::uuid[]) = 0 then recount_albums
                    else array(select distinct unnest(recount_albums || $14::uuid[])) end
             where id = $1",
        )
        .bind(id)
        .bind(position)
        .bind(t.imported)
        .bind(t.matched)
        .bind(t.created)
        .bind(t.duplicates)
        .bind(t.skipped_podcast)
        .bind(t.skipped_audiobook)
        .bind(t.skipped_incognito)
        .bind(t.errors.len() as i64)
        .bind(KEEP_ERRORS as i32)
        .bind(sqlx::types::Json(&t.errors[..t.errors.len().min(KEEP_ERRORS)]))
        .bind(lease_secs as f64)
        .bind(&t.albums)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The albums the import's batches so far asked to recount.
    pub async fn albums_to_recount(&self, id: Uuid) -> Result<Vec<Uuid>> {
        Ok(
            sqlx::query_scalar("select recount_albums from imports where id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .unwrap_or_default(),
        )
    }

    pub async fn finish(&self, id: Uuid, status: &str, message: &str) -> Result<()> {
        sqlx::query(
            "update imports set status = $2, message = $3, finished_at = now(), lease_until = null where id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(message)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Usernames to ids (a platform import names its users).
    pub async fn user_ids(
        &self,
        names: &[String],
    ) -> Result<std::collections::HashMap<String, Uuid>> {
        let rows: Vec<(String, Uuid)> =
            sqlx::query_as("select username, id from users where username = any($1)")
                .bind(names)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().collect())
    }
}

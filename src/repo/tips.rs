//! Tips to artists (PostgreSQL).

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    party::{Tip, TipSummary},
    Result,
};

#[derive(Clone)]
pub struct TipRepo {
    pool: PgPool,
}

pub struct NewTip<'a> {
    pub user_id: Uuid,
    pub artist_id: Uuid,
    pub artist_name: &'a str,
    pub party_id: Option<Uuid>,
    pub amount_cents: i64,
    pub message: &'a str,
    pub provider: &'a str,
    pub provider_ref: &'a str,
    pub idempotency_key: Uuid,
}

type Row = (
    Uuid,
    Option<String>,
    Uuid,
    String,
    i32,
    String,
    bool,
    DateTime<Utc>,
);

const SELECT: &str =
    "select t.id, u.username, t.artist_id, t.artist_name, t.amount_cents, t.message,
    t.status = 'refunded', t.created_at from tips t left join users u on u.id = t.user_id";

fn tip(r: Row) -> Tip {
    Tip {
        id: r.0,
        from_username: r.1,
        artist_id: r.2,
        artist_name: r.3,
        amount_cents: i64::from(r.4),
        message: r.5,
        refunded: r.6,
        at_ms: r.7.timestamp_millis(),
    }
}

impl TipRepo {
    pub fn new(pool: PgPool) -> Self {
        TipRepo { pool }
    }

    /// Records a paid tip once per idempotency key; returns (its id, whether it is new).
    pub async fn insert(&self, t: &NewTip<'_>) -> Result<(Uuid, bool)> {
        let new: Option<Uuid> = sqlx::query_scalar(
            "insert into tips (id, user_id, artist_id, artist_name, party_id, amount_cents, message, provider, provider_ref, idempotency_key)
             values (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9)
             on conflict (idempotency_key) do nothing returning id",
        )
        .bind(t.user_id)
        .bind(t.artist_id)
        .bind(t.artist_name)
        .bind(t.party_id)
        .bind(t.amount_cents as i32)
        .bind(t.message)
        .bind(t.provider)
        .bind(t.provider_ref)
        .bind(t.idempotency_key)
        .fetch_optional(&self.pool)
        .await?;
        match new {
            Some(id) => Ok((id, true)),
            None => Ok((
                sqlx::query_scalar("select id from tips where idempotency_key = $1")
                    .bind(t.idempotency_key)
                    .fetch_one(&self.pool)
                    .await?,
                false,
            )),
        }
    }

    /// The tip's provider reference, when it is paid (not yet refunded).
    pub async fn paid_ref(&self, id: Uuid) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("select provider_ref from tips where id = $1 and status = 'paid'")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Marks a paid tip refunded (`false` when it was not paid).
    pub async fn refund(&self, id: Uuid, by: Uuid) -> Result<bool> {
        Ok(sqlx::query(
            "update tips set status = 'refunded', refunded_at = now(), refunded_by = $2
             where id = $1 and status = 'paid'",
        )
        .bind(id)
        .bind(by)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Tips of the last `days` (of one artist, or all).
    pub async fn summary(
        &self,
        artist: Option<Uuid>,
        days: u32,
        recent: i64,
    ) -> Result<TipSummary> {
        let (paid_cents, paid_count, refunded_cents): (i64, i64, i64) = sqlx::query_as(
            "select coalesce(sum(amount_cents) filter (where status = 'paid'), 0)::bigint,
                    count(*) filter (where status = 'paid'),
                    coalesce(sum(amount_cents) filter (where status = 'refunded'), 0)::bigint
             from tips where ($1::uuid is null or artist_id = $1) and created_at > now() - make_interval(days => $2)",
        )
        .bind(artist)
        .bind(days as i32)
        .fetch_one(&self.pool)
        .await?;
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SELECT} where ($1::uuid is null or t.artist_id = $1) and t.created_at > now() - make_interval(days => $2)
             order by t.created_at desc limit $3"
        ))
        .bind(artist)
        .bind(days as i32)
        .bind(recent)
        .fetch_all(&self.pool)
        .await?;
        Ok(TipSummary {
            days,
            paid_cents,
            paid_count,
            refunded_cents,
            recent: rows.into_iter().map(tip).collect(),
        })
    }
}

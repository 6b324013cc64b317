//! Platform-wide numbers from PostgreSQL: sign-ups, subscriptions, moderation throughput.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

use crate::Result;

#[derive(Clone)]
pub struct PlatformRepo {
    pool: PgPool,
}

/// Subscription numbers at a moment and over a period.
pub struct SubscriptionNumbers {
    pub subscribers: i64,
    pub canceled: i64,
    pub active_at_start: i64,
    pub mrr_cents: i64,
    pub plan_mix: Vec<(String, i64)>,
}

impl PlatformRepo {
    pub fn new(pool: PgPool) -> Self {
        PlatformRepo { pool }
    }

    pub async fn users(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("select count(*) from users")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Sign-ups per UTC day from `since`.
    pub async fn signups_since(&self, since: DateTime<Utc>) -> Result<Vec<(NaiveDate, i64)>> {
        Ok(sqlx::query_as(
            "select (created_at at time zone 'UTC')::date, count(*) from users where created_at >= $1 group by 1",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Paying subscriptions now (active, price > 0; past-due ones pay nothing), cancellations since
    /// `since`, and those active when the period started.
    pub async fn subscriptions(&self, since: DateTime<Utc>) -> Result<SubscriptionNumbers> {
        let (subscribers, mrr_cents): (i64, i64) = sqlx::query_as(
            "select count(*), coalesce(sum(case when p.billing_period = 'year' then p.price_cents / 12 else p.price_cents end), 0)::bigint
             from user_subscriptions s join subscription_plans p on p.id = s.plan_id
             where s.status = 'active' and p.price_cents > 0",
        )
        .fetch_one(&self.pool)
        .await?;
        let (canceled, active_at_start): (i64, i64) = sqlx::query_as(
            "select count(*) filter (where s.canceled_at >= $1),
                    count(*) filter (where s.started_at < $1 and (s.canceled_at is null or s.canceled_at >= $1))
             from user_subscriptions s join subscription_plans p on p.id = s.plan_id where p.price_cents > 0",
        )
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        let plan_mix = sqlx::query_as(
            "select p.name, count(*) from user_subscriptions s join subscription_plans p on p.id = s.plan_id
             where s.status = 'active' group by p.name order by 2 desc",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(SubscriptionNumbers {
            subscribers,
            canceled,
            active_at_start,
            mrr_cents,
            plan_mix,
        })
    }

    /// (open reports, reports closed since `since`, median hours from report to action).
    pub async fn moderation(&self, since: DateTime<Utc>) -> Result<(i64, i64, Option<f64>)> {
        Ok(sqlx::query_as(
            "select count(*) filter (where status = 'open'),
                    count(*) filter (where resolved_at >= $1),
                    (percentile_cont(0.5) within group (order by extract(epoch from resolved_at - created_at) / 3600.0)
                        filter (where resolved_at >= $1))::float8
             from reports",
        )
        .bind(since)
        .fetch_one(&self.pool)
        .await?)
    }
}

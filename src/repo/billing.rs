//! Plans, subscriptions, payments and the skip log (PostgreSQL).

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgPool};
use uuid::Uuid;

use crate::{
    billing::{FamilyMember, Plan},
    Error, Result,
};

#[derive(Clone)]
pub struct BillingRepo {
    pool: PgPool,
}

#[derive(FromRow)]
struct PlanRow {
    id: Uuid,
    code: String,
    name: String,
    price_cents: i32,
    currency: String,
    billing_period: String,
    skips_per_hour: Option<i32>,
    audio_quality: String,
    max_members: i32,
    ads: bool,
    offline: bool,
    active: bool,
}

impl From<PlanRow> for Plan {
    fn from(r: PlanRow) -> Self {
        Plan {
            id: r.id,
            code: r.code,
            name: r.name,
            price_cents: r.price_cents,
            currency: r.currency,
            billing_period: r.billing_period,
            skips_per_hour: r.skips_per_hour,
            audio_quality: r.audio_quality,
            max_members: r.max_members,
            ads: r.ads,
            offline: r.offline,
            active: r.active,
        }
    }
}

const PLAN_COLUMNS: &str = "p.id, p.code, p.name, p.price_cents, p.currency, p.billing_period,
    p.skips_per_hour, p.audio_quality, p.max_members, p.ads, p.offline, p.active";

/// A payment to record with a new subscription.
pub struct NewPayment<'a> {
    pub provider: &'a str,
    pub provider_ref: &'a str,
    pub idempotency_key: Uuid,
}

/// Records a payment; `false` when its idempotency key was used before.
async fn insert_payment(
    db: impl sqlx::PgExecutor<'_>,
    user: Uuid,
    sub: Option<Uuid>,
    plan: &Plan,
    p: &NewPayment<'_>,
    status: &str,
) -> Result<bool> {
    let r = sqlx::query(
        "insert into payments (id, user_id, subscription_id, plan_id, amount_cents, currency, provider, provider_ref, status, idempotency_key)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict (idempotency_key) do nothing",
    )
    .bind(Uuid::new_v4())
    .bind(user)
    .bind(sub)
    .bind(plan.id)
    .bind(plan.price_cents)
    .bind(&plan.currency)
    .bind(p.provider)
    .bind(p.provider_ref)
    .bind(status)
    .bind(p.idempotency_key)
    .execute(db)
    .await?;
    Ok(r.rows_affected() > 0)
}

impl BillingRepo {
    pub fn new(pool: PgPool) -> Self {
        BillingRepo { pool }
    }

    /// Every plan (cheapest first); `active_only` for the listeners' page.
    pub async fn plans(&self, active_only: bool) -> Result<Vec<Plan>> {
        let rows: Vec<PlanRow> = sqlx::query_as(&format!(
            "select {PLAN_COLUMNS} from subscription_plans p where p.active or not $1 order by p.price_cents, p.name"
        ))
        .bind(active_only)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub async fn plan(&self, code: &str) -> Result<Option<Plan>> {
        let row: Option<PlanRow> = sqlx::query_as(&format!(
            "select {PLAN_COLUMNS} from subscription_plans p where p.code = $1"
        ))
        .bind(code)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Into::into))
    }

    /// The user's current paid plan: an active subscription, or a cancelled one whose paid
    /// period has not ended; a past-due one (declined renewal) gives nothing until paid.
    /// (plan, period end, cancelled)
    pub async fn current(&self, user: Uuid) -> Result<Option<(Plan, DateTime<Utc>, bool)>> {
        #[derive(FromRow)]
        struct Current {
            #[sqlx(flatten)]
            plan: PlanRow,
            current_period_end: DateTime<Utc>,
            status: String,
        }
        let row: Option<Current> = sqlx::query_as(&format!(
            "select {PLAN_COLUMNS}, s.current_period_end, s.status from user_subscriptions s
             join subscription_plans p on p.id = s.plan_id
             where s.user_id = $1 and (s.status = 'active' or (s.status = 'canceled' and s.current_period_end > now()))
             order by (s.status = 'canceled'), s.started_at desc limit 1"
        ))
        .bind(user)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| (r.plan.into(), r.current_period_end, r.status == "canceled")))
    }

    /// The family `member` belongs to: its owner's id and username.
    pub async fn family_of(&self, member: Uuid) -> Result<Option<(Uuid, String)>> {
        Ok(sqlx::query_as(
            "select f.owner_id, u.username from family_members f join users u on u.id = f.owner_id
              where f.member_id = $1",
        )
        .bind(member)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The members of `owner`'s family, oldest first.
    pub async fn family_members(&self, owner: Uuid) -> Result<Vec<FamilyMember>> {
        let rows: Vec<(Uuid, String, String)> = sqlx::query_as(
            "select u.id, u.username, u.display_name from family_members f
               join users u on u.id = f.member_id
              where f.owner_id = $1 order by f.added_at, u.username",
        )
        .bind(owner)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, username, display_name)| FamilyMember {
                id,
                username,
                display_name,
            })
            .collect())
    }

    /// Adds `member` to `owner`'s family if it has fewer than `max_others` members (the
    /// owner's row is locked, so two adds at once cannot pass the limit together), with
    /// an audit entry in the same transaction. Errors: the account is already in a family,
    /// owns one with members, or the family is full.
    pub async fn add_family_member(
        &self,
        owner: Uuid,
        member: Uuid,
        max_others: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("select 1 from users where id = $1 for update")
            .bind(owner)
            .execute(&mut *tx)
            .await?;
        let (members, member_owns, in_family, owner_in_family): (i64, bool, bool, bool) =
            sqlx::query_as(
                "select (select count(*) from family_members where owner_id = $1),
                        exists (select 1 from family_members where owner_id = $2),
                        exists (select 1 from family_members where member_id = $2),
                        exists (select 1 from family_members where member_id = $1)",
            )
            .bind(owner)
            .bind(member)
            .fetch_one(&mut *tx)
            .await?;
        let refuse = |m: &str| Err(crate::FieldErrors::single("username", m).into());
        if owner_in_family {
            return refuse(
                "You are in someone else's family; leave it before adding people to yours.",
            );
        }
        if in_family {
            return refuse("That account is already in a family.");
        }
        if member_owns {
            return refuse("That account has a family of its own.");
        }
        if members >= max_others {
            return refuse(&format!(
                "Your family is full: {max_others} people besides you. Remove someone first."
            ));
        }
        sqlx::query("insert into family_members (owner_id, member_id) values ($1, $2)")
            .bind(owner)
            .bind(member)
            .execute(&mut *tx)
            .await?;
        audit_in(&mut tx, owner, "family.member_added", member).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends a membership (by the owner, or the member leaving); `false` if there was none.
    /// Audited by `actor`.
    pub async fn remove_family_member(
        &self,
        actor: Uuid,
        owner: Uuid,
        member: Uuid,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let r = sqlx::query("delete from family_members where owner_id = $1 and member_id = $2")
            .bind(owner)
            .bind(member)
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        audit_in(&mut tx, actor, "family.member_removed", member).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records a declined payment (nothing else changes).
    pub async fn declined(&self, user: Uuid, plan: &Plan, p: &NewPayment<'_>) -> Result<()> {
        insert_payment(&self.pool, user, None, plan, p, "declined").await?;
        Ok(())
    }

    /// Starts a subscription after a successful payment, in one transaction: the payment
    /// (its idempotency key makes a resubmitted form a `Conflict`), the end of any current
    /// subscription, and the new one.
    pub async fn subscribe(&self, user: Uuid, plan: &Plan, p: &NewPayment<'_>) -> Result<Uuid> {
        let mut tx = self.pool.begin().await?;
        let sub = Uuid::new_v4();
        if !insert_payment(&mut *tx, user, None, plan, p, "succeeded").await? {
            return Err(Error::Conflict("This payment was already made.".into()));
        }
        sqlx::query(
            "update user_subscriptions set status = 'canceled', canceled_at = now(), current_period_end = greatest(started_at + interval '1 second', least(current_period_end, now()))
             where user_id = $1 and (status in ('active', 'past_due') or (status = 'canceled' and current_period_end > now()))",
        )
        .bind(user)
        .execute(&mut *tx)
        .await?;
        let period = if plan.billing_period == "year" {
            "1 year"
        } else {
            "1 month"
        };
        sqlx::query(&format!(
            "insert into user_subscriptions (id, user_id, plan_id, status, current_period_end, provider, provider_ref)
             values ($1, $2, $3, 'active', now() + interval '{period}', $4, $5)"
        ))
        .bind(sub)
        .bind(user)
        .bind(plan.id)
        .bind(p.provider)
        .bind(p.provider_ref)
        .execute(&mut *tx)
        .await?;
        sqlx::query("update payments set subscription_id = $1 where idempotency_key = $2")
            .bind(sub)
            .bind(p.idempotency_key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(sub)
    }

    /// Subscriptions whose paid period has ended and that are still active or cancelled:
    /// (id, user, plan code, period end, status).
    pub async fn due(&self) -> Result<Vec<(Uuid, Uuid, String, DateTime<Utc>, String)>> {
        Ok(sqlx::query_as(
            "select s.id, s.user_id, p.code, s.current_period_end, s.status from user_subscriptions s
             join subscription_plans p on p.id = s.plan_id
             where s.status in ('active', 'canceled') and s.current_period_end <= now()
             order by s.current_period_end limit 500",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// A cancelled subscription whose period ended becomes expired.
    pub async fn expire(&self, sub: Uuid) -> Result<bool> {
        let r = sqlx::query("update user_subscriptions set status = 'expired' where id = $1 and status = 'canceled'")
            .bind(sub)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    /// Renews one period after a successful charge, in one transaction guarded by the
    /// period end it renews (and the payment's idempotency key): a retry or a second
    /// instance renews nothing twice. `false` when it was already renewed.
    pub async fn renew(
        &self,
        sub: Uuid,
        user: Uuid,
        plan: &Plan,
        old_end: DateTime<Utc>,
        p: &NewPayment<'_>,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        if !insert_payment(&mut *tx, user, Some(sub), plan, p, "succeeded").await? {
            return Ok(false);
        }
        let period = if plan.billing_period == "year" {
            "1 year"
        } else {
            "1 month"
        };
        let r = sqlx::query(&format!(
            "update user_subscriptions set current_period_end = current_period_end + interval '{period}'
             where id = $1 and status = 'active' and current_period_end = $2"
        ))
        .bind(sub)
        .bind(old_end)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    /// A renewal was declined: the subscription is past due (the user is on Free until
    /// they choose a plan again).
    pub async fn mark_past_due(&self, sub: Uuid, old_end: DateTime<Utc>) -> Result<bool> {
        let r = sqlx::query(
            "update user_subscriptions set status = 'past_due' where id = $1 and status = 'active' and current_period_end = $2",
        )
        .bind(sub)
        .bind(old_end)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() > 0)
    }

    /// Cancels the active subscription (it runs to the end of its paid period); `false`
    /// when there was none.
    pub async fn cancel(&self, user: Uuid) -> Result<bool> {
        let r = sqlx::query(
            "update user_subscriptions set status = 'canceled', canceled_at = now()
             where user_id = $1 and status in ('active', 'past_due')",
        )
        .bind(user)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() > 0)
    }

    /// Admins edit a plan's price and features.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_plan(
        &self,
        code: &str,
        name: &str,
        price_cents: i32,
        skips_per_hour: Option<i32>,
        audio_quality: &str,
        active: bool,
    ) -> Result<bool> {
        let r = sqlx::query(
            "update subscription_plans set name = $2, price_cents = $3, skips_per_hour = $4, audio_quality = $5, active = $6
             where code = $1",
        )
        .bind(code)
        .bind(name)
        .bind(price_cents)
        .bind(skips_per_hour)
        .bind(audio_quality)
        .bind(active)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() > 0)
    }

    /// Counts the user's skips in the last hour and, when under `limit`, logs one more in
    /// the same statement (concurrent skips cannot both take the last one: the user's
    /// rows are locked). Returns skips left after this one, or `None` when refused.
    pub async fn take_skip(&self, user: Uuid, limit: i32) -> Result<Option<i32>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("select 1 from users where id = $1 for update")
            .bind(user)
            .execute(&mut *tx)
            .await?;
        let used: i64 = sqlx::query_scalar(
            "select count(*) from skip_log where user_id = $1 and at > now() - interval '1 hour'",
        )
        .bind(user)
        .fetch_one(&mut *tx)
        .await?;
        if used >= i64::from(limit) {
            return Ok(None);
        }
        sqlx::query("insert into skip_log (user_id) values ($1)")
            .bind(user)
            .execute(&mut *tx)
            .await?;
        sqlx::query("delete from skip_log where user_id = $1 and at < now() - interval '1 day'")
            .bind(user)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(limit - used as i32 - 1))
    }
}

async fn audit_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    actor: Uuid,
    action: &str,
    member: Uuid,
) -> Result<()> {
    sqlx::query(
        "insert into audit_log (actor_id, action, target_type, target_id, details) values ($1, $2, 'user', $3, '{}'::jsonb)",
    )
    .bind(actor)
    .bind(action)
    .bind(member.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

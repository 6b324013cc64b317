//! Subscriptions: plans edited by admins; listeners upgrade, downgrade and cancel; payments
//! go through a [`PaymentProvider`]. The only provider here is [`TestMode`] — clearly
//! labelled in the UI, no money moves. Free-tier limits (skips per hour) are enforced by
//! the server: the player asks before every skip.

use std::{future::Future, pin::Pin};

use uuid::Uuid;

use crate::{
    billing::*,
    error::FieldErrors,
    model::SessionUser,
    repo::{billing::NewPayment, Repos},
    Error, Result,
};

/// What a provider is asked to charge.
pub struct Charge<'a> {
    pub user: Uuid,
    pub amount_cents: i64,
    /// What the statement says (a plan's name, "Tip to …").
    pub description: &'a str,
    /// Card details as typed (a real provider would get a token from its own form).
    pub card: &'a str,
    pub idempotency_key: Uuid,
}

pub enum ChargeOutcome {
    Paid { reference: String },
    Declined { reference: String, reason: String },
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A payment provider. Implementations must be idempotent per `idempotency_key`.
pub trait PaymentProvider: Send + Sync {
    fn name(&self) -> &'static str;
    fn charge<'a>(&'a self, c: &'a Charge<'a>) -> BoxFuture<'a, Result<ChargeOutcome>>;
    /// Gives a paid charge back (idempotent per reference).
    fn refund<'a>(&'a self, reference: &'a str) -> BoxFuture<'a, Result<()>>;
}

/// The test-mode provider: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined,
/// anything else is refused as not a test card. No network, no money.
pub struct TestMode;

pub const TEST_CARD_OK: &str = "4242 4242 4242 4242";
pub const TEST_CARD_DECLINED: &str = "4000 0000 0000 0002";

impl PaymentProvider for TestMode {
    fn name(&self) -> &'static str {
        "test"
    }

    fn refund<'a>(&'a self, reference: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if reference.starts_with("test_") {
                Ok(())
            } else {
                Err(Error::Internal(format!(
                    "not a test-mode payment: {reference}"
                )))
            }
        })
    }

    fn charge<'a>(&'a self, c: &'a Charge<'a>) -> BoxFuture<'a, Result<ChargeOutcome>> {
        Box::pin(async move {
            let digits: String = c
                .card
                .chars()
                .filter(|ch| !ch.is_whitespace() && *ch != '-')
                .collect();
            let reference = format!("test_{}", c.idempotency_key.simple());
            match digits.as_str() {
                // A renewal charges the payment method saved with the subscription.
                "4242424242424242" => Ok(ChargeOutcome::Paid { reference }),
                saved if saved.starts_with("saved:") => Ok(ChargeOutcome::Paid { reference }),
                "4000000000000002" => Ok(ChargeOutcome::Declined {
                    reference,
                    reason: "The card was declined (test card 4000 0000 0000 0002).".into(),
                }),
                _ => Err(FieldErrors::single(
                    "card",
                    format!(
                        "Test mode: use {TEST_CARD_OK} (pays) or {TEST_CARD_DECLINED} (declined)."
                    ),
                )
                .into()),
            }
        })
    }
}

async fn free_plan(repos: &Repos) -> Result<Plan> {
    repos
        .billing
        .plan("free")
        .await?
        .ok_or_else(|| Error::Internal("the free plan is missing".into()))
}

/// The user's plan now: their own subscription, else the family plan of an account that
/// added them (while that account is on a plan with members), else Free.
pub async fn my_plan(repos: &Repos, user: &SessionUser) -> Result<MyPlan> {
    Ok(plan_and_family_owner(repos, user).await?.0)
}

/// `my_plan`, with the id of the family owner whose plan it is (if it is one).
async fn plan_and_family_owner(
    repos: &Repos,
    user: &SessionUser,
) -> Result<(MyPlan, Option<Uuid>)> {
    if let Some((plan, end, canceled)) = repos.billing.current(user.id).await? {
        let mine = MyPlan {
            plan,
            period_end: Some(end),
            canceled,
            family_owner: None,
        };
        return Ok((mine, None));
    }
    if let Some((owner, owner_name)) = repos.billing.family_of(user.id).await? {
        if let Some((plan, end, canceled)) = repos.billing.current(owner).await? {
            if plan.max_members > 1 {
                let theirs = MyPlan {
                    plan,
                    period_end: Some(end),
                    canceled,
                    family_owner: Some(owner_name),
                };
                return Ok((theirs, Some(owner)));
            }
        }
    }
    let free = MyPlan {
        plan: free_plan(repos).await?,
        period_end: None,
        canceled: false,
        family_owner: None,
    };
    Ok((free, None))
}

pub async fn plans_page(repos: &Repos, user: &SessionUser) -> Result<PlansPage> {
    let (mine, owner_id) = plan_and_family_owner(repos, user).await?;
    // A member sees the owner's family; a subscriber of a plan with members, their own.
    let family = match (owner_id, mine.family_owner.clone()) {
        (Some(owner_id), Some(owner)) => Some(Family {
            owner,
            members: repos.billing.family_members(owner_id).await?,
            max_members: mine.plan.max_members,
            mine: false,
        }),
        _ if mine.plan.max_members > 1 => Some(Family {
            owner: user.username.clone(),
            members: repos.billing.family_members(user.id).await?,
            max_members: mine.plan.max_members,
            mine: true,
        }),
        _ => None,
    };
    Ok(PlansPage {
        plans: repos.billing.plans(true).await?,
        mine,
        family,
        request_id: Uuid::new_v4(),
    })
}

/// The owner of a plan with members adds an account by username.
pub async fn add_family_member(repos: &Repos, owner: &SessionUser, username: &str) -> Result<()> {
    let mine = my_plan(repos, owner).await?;
    if mine.family_owner.is_some() || mine.plan.max_members <= 1 {
        return Err(Error::Forbidden);
    }
    let username = username.trim().trim_start_matches('@');
    let refuse = |m: &str| Err(FieldErrors::single("username", m).into());
    if username.is_empty() {
        return refuse("Type the username of the person to add.");
    }
    let Some(member) = repos.accounts.profile_by_username(username).await? else {
        return refuse("There is no account with that username.");
    };
    if member.id == owner.id {
        return refuse("You are in your family already.");
    }
    repos
        .billing
        .add_family_member(owner.id, member.id, i64::from(mine.plan.max_members - 1))
        .await
}

/// The owner removes a member.
pub async fn remove_family_member(repos: &Repos, owner: &SessionUser, member: Uuid) -> Result<()> {
    if !repos
        .billing
        .remove_family_member(owner.id, owner.id, member)
        .await?
    {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// A member leaves the family they are in.
pub async fn leave_family(repos: &Repos, member: &SessionUser) -> Result<()> {
    let Some((owner, _)) = repos.billing.family_of(member.id).await? else {
        return Err(Error::NotFound);
    };
    repos
        .billing
        .remove_family_member(member.id, owner, member.id)
        .await?;
    Ok(())
}

/// Upgrades or downgrades to a paid plan: charge first, then (one transaction) the
/// payment, the end of the current subscription and the new one. A declined card changes
/// nothing but a declined-payment record; a resubmitted form is refused.
pub async fn subscribe(
    repos: &Repos,
    provider: &dyn PaymentProvider,
    user: &SessionUser,
    plan_code: &str,
    card: &str,
    idempotency_key: Uuid,
) -> Result<()> {
    let plan = repos
        .billing
        .plan(plan_code)
        .await?
        .filter(|p| p.active)
        .ok_or(Error::NotFound)?;
    if plan.is_free() {
        return Err(Error::field(
            "plan",
            "To go back to Free, cancel your subscription.",
        ));
    }
    let mine = my_plan(repos, user).await?;
    if mine.plan.code == plan.code && !mine.canceled {
        return Err(Error::Conflict(format!(
            "You are already on {}.",
            plan.name
        )));
    }
    let charge = Charge {
        user: user.id,
        amount_cents: i64::from(plan.price_cents),
        description: &plan.name,
        card,
        idempotency_key,
    };
    match provider.charge(&charge).await? {
        ChargeOutcome::Declined { reference, reason } => {
            let p = NewPayment {
                provider: provider.name(),
                provider_ref: &reference,
                idempotency_key,
            };
            repos.billing.declined(user.id, &plan, &p).await?;
            Err(Error::field("card", reason))
        }
        ChargeOutcome::Paid { reference } => {
            let p = NewPayment {
                provider: provider.name(),
                provider_ref: &reference,
                idempotency_key,
            };
            let sub = repos.billing.subscribe(user.id, &plan, &p).await?;
            repos
                .accounts
                .audit(
                    Some(user.id),
                    "subscription.started",
                    "user",
                    &user.id.to_string(),
                    serde_json::json!({"plan": plan.code, "subscription": sub, "amount_cents": plan.price_cents}),
                )
                .await
        }
    }
}

/// Cancels: the plan runs to the end of the paid period, then the user is on Free.
pub async fn cancel(repos: &Repos, user: &SessionUser) -> Result<()> {
    if !repos.billing.cancel(user.id).await? {
        return Err(Error::Conflict(
            "You have no subscription to cancel.".into(),
        ));
    }
    repos
        .accounts
        .audit(
            Some(user.id),
            "subscription.canceled",
            "user",
            &user.id.to_string(),
            serde_json::json!({}),
        )
        .await
}

/// Admins edit a plan; every change is audited.
#[allow(clippy::too_many_arguments)]
pub async fn update_plan(
    repos: &Repos,
    admin: &SessionUser,
    code: &str,
    name: &str,
    price: &str,
    skips_per_hour: &str,
    audio_quality: &str,
    active: bool,
) -> Result<()> {
    if !admin.role.is_admin() {
        return Err(Error::Forbidden);
    }
    let mut e = FieldErrors::default();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        e.add("name", "Plan names are 1 to 60 characters.");
    }
    let price_cents = match price.trim().replace(',', ".").parse::<f64>() {
        Ok(p) if (0.0..=1000.0).contains(&p) => (p * 100.0).round() as i32,
        _ => {
            e.add("price", "A price between 0 and 1000, like 10.99.");
            0
        }
    };
    let skips = match skips_per_hour.trim() {
        "" => None,
        s => match s.parse::<i32>() {
            Ok(n) if (0..=1000).contains(&n) => Some(n),
            _ => {
                e.add("skips_per_hour", "Empty for unlimited, or 0 to 1000.");
                None
            }
        },
    };
    if !["low", "normal", "high", "lossless"].contains(&audio_quality) {
        e.add("audio_quality", "Pick an audio quality.");
    }
    if code == "free" && price_cents != 0 {
        e.add("price", "The Free plan costs nothing.");
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    if !repos
        .billing
        .update_plan(
            code,
            name,
            price_cents,
            skips,
            audio_quality,
            active || code == "free",
        )
        .await?
    {
        return Err(Error::NotFound);
    }
    repos
        .accounts
        .audit(
            Some(admin.id),
            "plan.updated",
            "plan",
            code,
            serde_json::json!({"name": name, "price_cents": price_cents, "skips_per_hour": skips, "audio_quality": audio_quality, "active": active}),
        )
        .await
}

/// The player asks before a skip. `Ok(None)`: unlimited; `Ok(Some(n))`: allowed, `n` left
/// this hour; `RateLimited` with the reason when the plan's hourly skips are used up.
pub async fn request_skip(repos: &Repos, user: &SessionUser) -> Result<Option<i32>> {
    let mine = my_plan(repos, user).await?;
    let Some(limit) = mine.plan.skips_per_hour else {
        return Ok(None);
    };
    match repos.billing.take_skip(user.id, limit).await? {
        Some(left) => Ok(Some(left)),
        None => Err(Error::RateLimited(format!(
            "{} listeners can skip {limit} songs an hour. Upgrade to Premium for unlimited skips.",
            mine.plan.name
        ))),
    }
}

pub async fn all_plans(repos: &Repos, admin: &SessionUser) -> Result<Vec<Plan>> {
    if !admin.role.is_admin() {
        return Err(Error::Forbidden);
    }
    repos.billing.plans(false).await
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct RenewReport {
    pub renewed: usize,
    pub past_due: usize,
    pub expired: usize,
}

/// Renews every subscription whose paid period ended (charging the saved payment method),
/// marks declined renewals past due, and expires cancelled ones. Safe to run again and
/// on several instances: each renewal's idempotency key is derived from the subscription
/// and the period it renews, and the update is guarded by that period's end.
pub async fn renew_due(repos: &Repos, provider: &dyn PaymentProvider) -> Result<RenewReport> {
    let mut report = RenewReport::default();
    for (sub, user, code, end, status) in repos.billing.due().await? {
        if status == "canceled" {
            if repos.billing.expire(sub).await? {
                report.expired += 1;
            }
            continue;
        }
        let Some(plan) = repos.billing.plan(&code).await? else {
            continue;
        };
        let end_ms = end.timestamp_millis() as u64 as u128;
        let key = Uuid::from_u128(sub.as_u128() ^ (end_ms << 64 | end_ms));
        let card = format!("saved:{sub}");
        let charge = Charge {
            user,
            amount_cents: i64::from(plan.price_cents),
            description: &plan.name,
            card: &card,
            idempotency_key: key,
        };
        match provider.charge(&charge).await? {
            ChargeOutcome::Paid { reference } => {
                let p = NewPayment {
                    provider: provider.name(),
                    provider_ref: &reference,
                    idempotency_key: key,
                };
                if repos.billing.renew(sub, user, &plan, end, &p).await? {
                    report.renewed += 1;
                    repos
                        .accounts
                        .audit(
                            None,
                            "subscription.renewed",
                            "user",
                            &user.to_string(),
                            serde_json::json!({"subscription": sub, "plan": plan.code}),
                        )
                        .await?;
                }
            }
            ChargeOutcome::Declined { .. } => {
                if repos.billing.mark_past_due(sub, end).await? {
                    report.past_due += 1;
                }
            }
        }
    }
    Ok(report)
}

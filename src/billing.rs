//! Plans and subscriptions: what pages show.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub price_cents: i32,
    pub currency: String,
    /// month or year
    pub billing_period: String,
    /// `None`: unlimited.
    pub skips_per_hour: Option<i32>,
    pub audio_quality: String,
    pub max_members: i32,
    pub ads: bool,
    pub offline: bool,
    pub active: bool,
}

impl Plan {
    pub fn is_free(&self) -> bool {
        self.price_cents == 0
    }
    /// "€10.99 / month", "Free".
    pub fn price_label(&self) -> String {
        if self.is_free() {
            return "Free".into();
        }
        let sym = if self.currency == "EUR" {
            "€".to_string()
        } else {
            format!("{} ", self.currency)
        };
        format!(
            "{sym}{}.{:02} / {}",
            self.price_cents / 100,
            self.price_cents % 100,
            self.billing_period
        )
    }
}

/// The plan a user has now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MyPlan {
    pub plan: Plan,
    /// The paid period's end (renewal, or the end after a cancellation); `None` on Free.
    pub period_end: Option<DateTime<Utc>>,
    pub canceled: bool,
    /// Set when the plan is another account's family plan: that account's username.
    pub family_owner: Option<String>,
}

/// A family plan's accounts, as its owner or a member sees them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Family {
    pub owner: String,
    pub members: Vec<FamilyMember>,
    /// Accounts in all, the owner included (the plan's `max_members`).
    pub max_members: i32,
    /// Whether the viewer is the owner (who adds and removes members).
    pub mine: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FamilyMember {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlansPage {
    pub plans: Vec<Plan>,
    pub mine: MyPlan,
    /// The family the viewer owns (on a plan with members) or belongs to.
    pub family: Option<Family>,
    /// A fresh idempotency key for this page's payment forms.
    pub request_id: Uuid,
}

/// An amount in euro cents as shown to people: 500 → "€5.00".
pub fn euros(cents: i64) -> String {
    format!("€{}.{:02}", cents / 100, cents % 100)
}

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
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlansPage {
    pub plans: Vec<Plan>,
    pub mine: MyPlan,
    /// A fresh idempotency key for this page's payment forms.
    pub request_id: Uuid,
}

/// An amount in euro cents as shown to people: 500 → "€5.00".
pub fn euros(cents: i64) -> String {
    format!("€{}.{:02}", cents / 100, cents % 100)
}

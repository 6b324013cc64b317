//! Tips to artists: listeners pay through the same [`PaymentProvider`] as subscriptions
//! (test mode here); a tip during a live event shows in its party chat; linked artist
//! accounts see their tips, admins see all and refund. Every tip and refund is audited.

use uuid::Uuid;

use super::billing::{Charge, ChargeOutcome, PaymentProvider};
use crate::{
    billing::euros,
    error::FieldErrors,
    model::SessionUser,
    party::TipSummary,
    repo::{tips::NewTip, Repos},
    Error, Result,
};

pub struct TipForm<'a> {
    pub artist_id: Uuid,
    pub party_id: Option<Uuid>,
    /// Euros as typed: "5", "5.5", "5,50".
    pub amount: &'a str,
    pub message: &'a str,
    pub card: &'a str,
    /// From the form, so a double submit charges once.
    pub idempotency_key: Uuid,
}

/// "5", "5.5", "5,50" → 500, 550, 550 (None when not an amount with at most 2 decimals).
pub fn parse_euros(s: &str) -> Option<i64> {
    let s = s.trim().trim_start_matches('€').replace(',', ".");
    let (whole, frac) = match s.split_once('.') {
        Some((_, "")) => return None,
        Some(p) => p,
        None => (s.as_str(), ""),
    };
    if whole.is_empty()
        || whole.len() > 6
        || frac.len() > 2
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let cents = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse::<i64>().ok()?
    };
    Some(whole.parse::<i64>().ok()? * 100 + cents)
}

pub async fn tip(
    repos: &Repos,
    provider: &dyn PaymentProvider,
    me: &SessionUser,
    f: TipForm<'_>,
) -> Result<Uuid> {
    let mut e = FieldErrors::default();
    let amount = parse_euros(f.amount).filter(|c| (100..=50_000).contains(c));
    if amount.is_none() {
        e.add("amount", "Tips are €1 to €500.");
    }
    let message = f.message.trim();
    if message.chars().count() > 200 {
        e.add("message", "Messages are at most 200 characters.");
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    let amount = amount.expect("checked");
    let artist = repos
        .catalog
        .artist(f.artist_id)
        .await?
        .ok_or(Error::NotFound)?;
    // A tip in a party goes to the artist of its live event, from a member.
    let party = match f.party_id {
        Some(p) => {
            let (artist_id, _) = repos
                .events
                .artist_of_party(p)
                .await?
                .ok_or(Error::NotFound)?;
            let member = repos.parties.membership(p, me.id).await?;
            if artist_id != artist.id || !member.is_some_and(|m| !m.removed) {
                return Err(Error::Forbidden);
            }
            Some(p)
        }
        None => None,
    };
    let description = format!("Tip to {}", artist.name);
    let charge = Charge {
        user: me.id,
        amount_cents: amount,
        description: &description,
        card: f.card,
        idempotency_key: f.idempotency_key,
    };
    let reference = match provider.charge(&charge).await? {
        ChargeOutcome::Declined { reason, .. } => return Err(Error::field("card", reason)),
        ChargeOutcome::Paid { reference } => reference,
    };
    let (id, new) = repos
        .tips
        .insert(&NewTip {
            user_id: me.id,
            artist_id: artist.id,
            artist_name: &artist.name,
            party_id: party,
            amount_cents: amount,
            message,
            provider: provider.name(),
            provider_ref: &reference,
            idempotency_key: f.idempotency_key,
        })
        .await?;
    if new {
        repos
            .accounts
            .audit(
                Some(me.id),
                "tip.paid",
                "artist",
                &artist.id.to_string(),
                serde_json::json!({"tip": id, "amount_cents": amount, "party": party}),
            )
            .await?;
        if let Some(p) = party {
            let body = if message.is_empty() {
                format!("tipped {}", euros(amount))
            } else {
                format!("tipped {}: {message}", euros(amount))
            };
            // Shown in the chat unless the tipper is muted there (the tip stands).
            repos
                .parties
                .post_message(p, me.id, "tip", &body, 0)
                .await?;
        }
    }
    Ok(id)
}

/// Admins refund a paid tip (through the provider), audited.
pub async fn refund(
    repos: &Repos,
    provider: &dyn PaymentProvider,
    admin: &SessionUser,
    id: Uuid,
) -> Result<()> {
    super::require_admin(admin)?;
    let Some(reference) = repos.tips.paid_ref(id).await? else {
        return Err(Error::Conflict(
            "This tip is not paid (already refunded?).".into(),
        ));
    };
    provider.refund(&reference).await?;
    if repos.tips.refund(id, admin.id).await? {
        repos
            .accounts
            .audit(
                Some(admin.id),
                "tip.refunded",
                "tip",
                &id.to_string(),
                serde_json::json!({"provider_ref": reference}),
            )
            .await?;
    }
    Ok(())
}

/// An artist's tips (linked accounts and admins).
pub async fn of_artist(
    repos: &Repos,
    me: &SessionUser,
    artist: Uuid,
    days: u32,
) -> Result<TipSummary> {
    super::artists::may_manage(repos, me, artist).await?;
    repos
        .tips
        .summary(Some(artist), days.clamp(1, 366), 20)
        .await
}

/// All tips (admins).
pub async fn all(repos: &Repos, admin: &SessionUser, days: u32) -> Result<TipSummary> {
    super::require_admin(admin)?;
    repos.tips.summary(None, days.clamp(1, 366), 50).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_parse_as_euros_with_at_most_two_decimals() {
        use super::parse_euros as p;
        assert_eq!(p("5"), Some(500));
        assert_eq!(p("5.5"), Some(550));
        assert_eq!(p("€5,05"), Some(505));
        assert_eq!(p(" 12.00 "), Some(1200));
        for bad in ["", "-5", "5.555", "five", "1e3", ".5", "5.", "1 000"] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }
}

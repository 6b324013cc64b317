//! Sign-up, sign-in (with throttling), password changes and first-admin creation.

use uuid::Uuid;

use crate::{
    error::FieldErrors,
    model::{Role, User, UserStatus},
    repo::Repos,
    service::password,
    validate::{self, NewAccount},
    Error, Result,
};

/// Sign-in throttling limits; shared state lives in PostgreSQL so that every app
/// instance sees the same counts.
#[derive(Clone, Debug)]
pub struct Throttle {
    pub window_secs: i64,
    pub max_per_account: i64,
    pub max_per_ip: i64,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle {
            window_secs: 15 * 60,
            max_per_account: 5,
            max_per_ip: 30,
        }
    }
}

#[derive(Clone)]
pub struct AuthService {
    repos: Repos,
    throttle: Throttle,
}

/// A successful sign-in: the user and the epoch to store in the session.
pub struct SignedIn {
    pub user: User,
    pub session_epoch: i32,
}

impl AuthService {
    pub fn new(repos: Repos, throttle: Throttle) -> Self {
        AuthService { repos, throttle }
    }

    pub async fn sign_up(&self, new: NewAccount) -> Result<User> {
        self.create(new, Role::Listener).await
    }

    async fn create(&self, new: NewAccount, role: Role) -> Result<User> {
        let hash = password::hash(new.password.clone()).await?;
        let user = self.repos.accounts.insert_user(&new, &hash, role).await?;
        tracing::info!(user_id = %user.id, role = role.as_str(), "account created");
        Ok(user)
    }

    /// Creates an admin account (CLI), or promotes an existing user with that username.
    pub async fn create_admin(&self, new: NewAccount) -> Result<User> {
        if let Some(c) = self
            .repos
            .accounts
            .credentials_by_username(&new.username)
            .await?
        {
            self.repos.accounts.set_role(c.user.id, Role::Admin).await?;
            self.repos
                .accounts
                .audit(
                    None,
                    "user.promote_admin",
                    "user",
                    &c.user.id.to_string(),
                    serde_json::json!({"via": "cli"}),
                )
                .await?;
            return Ok(User {
                role: Role::Admin,
                ..c.user
            });
        }
        let user = self.create(new, Role::Admin).await?;
        self.repos
            .accounts
            .audit(
                None,
                "user.create_admin",
                "user",
                &user.id.to_string(),
                serde_json::json!({"via": "cli"}),
            )
            .await?;
        Ok(user)
    }

    pub async fn sign_in(
        &self,
        username_raw: &str,
        password_raw: &str,
        ip: &str,
    ) -> Result<SignedIn> {
        let username = validate::normalize_username(username_raw);
        let mut errors = FieldErrors::default();
        if username.is_empty() {
            errors.add("username", "Enter your username.");
        }
        if password_raw.is_empty() {
            errors.add("password", "Enter your password.");
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let t = &self.throttle;
        let (by_account, by_ip) = self
            .repos
            .accounts
            .recent_failures(&username, ip, t.window_secs)
            .await?;
        if by_account >= t.max_per_account || by_ip >= t.max_per_ip {
            let minutes = (t.window_secs + 59) / 60;
            return Err(Error::RateLimited(format!(
                "Too many failed sign-in attempts. Wait {minutes} minutes and try again."
            )));
        }
        let creds = self
            .repos
            .accounts
            .credentials_by_username(&username)
            .await?;
        let ok = password::verify(
            password_raw.to_string(),
            creds.as_ref().map(|c| c.password_hash.clone()),
        )
        .await?;
        self.repos
            .accounts
            .record_attempt(&username, ip, ok)
            .await?;
        let creds = match (ok, creds) {
            (true, Some(c)) => c,
            _ => {
                return Err(Error::field("password", "Wrong username or password."));
            }
        };
        // A suspension that ran out ends at the next sign-in.
        let mut creds = creds;
        if creds.user.status == UserStatus::Suspended
            && creds
                .user
                .suspended_until
                .is_some_and(|t| t <= chrono::Utc::now())
        {
            self.repos
                .accounts
                .set_status(creds.user.id, false, None)
                .await?;
            creds.user.status = UserStatus::Active;
        }
        if creds.user.status == UserStatus::Suspended {
            let until = creds
                .user
                .suspended_until
                .map(|t| format!(" until {}", t.format("%Y-%m-%d %H:%M UTC")))
                .unwrap_or_default();
            return Err(Error::Conflict(format!(
                "This account is suspended{until}."
            )));
        }
        self.repos.accounts.touch_sign_in(creds.user.id).await?;
        // Activity counters are best-effort: a MongoDB outage must not block sign-in.
        if let Err(e) = self.repos.activity.record_sign_in(creds.user.id).await {
            tracing::warn!(error = %e, "could not record sign-in activity");
        }
        Ok(SignedIn {
            user: creds.user,
            session_epoch: creds.session_epoch,
        })
    }

    /// Changes the password after checking the current one; returns the new session epoch
    /// (every other session of the user ends).
    pub async fn change_password(
        &self,
        user_id: Uuid,
        current: &str,
        new: &str,
        confirm: &str,
    ) -> Result<i32> {
        let mut errors = FieldErrors::default();
        validate::password(&mut errors, "new_password", new);
        if new != confirm {
            errors.add("confirm", "The passwords do not match.");
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let hash = self.repos.accounts.password_hash(user_id).await?;
        if !password::verify(current.to_string(), Some(hash)).await? {
            return Err(Error::field(
                "current_password",
                "Your current password is not right.",
            ));
        }
        let new_hash = password::hash(new.to_string()).await?;
        let epoch = self.repos.accounts.set_password(user_id, &new_hash).await?;
        self.repos
            .accounts
            .audit(
                Some(user_id),
                "user.change_password",
                "user",
                &user_id.to_string(),
                serde_json::json!({}),
            )
            .await?;
        Ok(epoch)
    }
}

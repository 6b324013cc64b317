//! Integration tests against real PostgreSQL and a real MongoDB-protocol server. Every
//! test gets a freshly migrated database of its own in each store.
//! Needs TEST_DATABASE_URL (a server's `postgres` database) and TEST_MONGODB_URI;
//! `make test` starts both.

mod accounts;
mod analytics;
mod apps;
mod artists;
mod auth;
mod billing;
mod catalog;
mod comments;
mod imports;
mod listening;
mod moderation;
mod mongo;
mod parties;
mod playlists;
mod recommend;
mod social;
mod uploads;

use encore::{repo::Repos, validate::NewAccount};
use uuid::Uuid;

pub struct TestApp {
    pub repos: Repos,
}

impl TestApp {
    pub async fn init() -> TestApp {
        let admin_url = std::env::var("TEST_DATABASE_URL")
            .expect("TEST_DATABASE_URL must point at a PostgreSQL server (run `make test`)");
        let mongo_uri = std::env::var("TEST_MONGODB_URI")
            .expect("TEST_MONGODB_URI must point at a MongoDB-protocol server (run `make test`)");
        let name = format!("t_{}", Uuid::new_v4().simple());
        let admin = sqlx::PgPool::connect(&admin_url)
            .await
            .expect("connect admin");
        sqlx::query(&format!("create database {name}"))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        let base = admin_url.rsplit_once('/').unwrap().0;
        let pg = encore::db::pg_pool(&format!("{base}/{name}"), 8).unwrap();
        encore::db::migrate(&pg).await.unwrap();
        let mongo = encore::db::mongo_database(&mongo_uri, &name).await.unwrap();
        let ingest = encore::db::mongo_ingest_database(&mongo_uri, &name)
            .await
            .unwrap();
        encore::db::ensure_mongo_schema(&mongo).await.unwrap();
        TestApp {
            repos: Repos::new(pg, mongo, ingest),
        }
    }

    pub fn auth(&self) -> encore::service::auth::AuthService {
        encore::service::auth::AuthService::new(self.repos.clone(), Default::default())
    }

    pub fn auth_with(
        &self,
        throttle: encore::service::auth::Throttle,
    ) -> encore::service::auth::AuthService {
        encore::service::auth::AuthService::new(self.repos.clone(), throttle)
    }

    /// Signs up a listener with password "correct horse battery".
    pub async fn user(&self, username: &str) -> encore::model::User {
        self.auth().sign_up(account(username)).await.unwrap()
    }

    /// Signs up a user and gives them `role` (moderators, admins, artists).
    pub async fn user_with_role(
        &self,
        username: &str,
        role: encore::model::Role,
    ) -> encore::model::SessionUser {
        let u = self.user(username).await;
        self.repos.accounts.set_role(u.id, role).await.unwrap();
        encore::model::SessionUser {
            role,
            ..u.session_user()
        }
    }
}

/// The first `n` published songs of the newest albums of a generated catalog.
pub async fn songs(app: &TestApp, n: usize) -> Vec<encore::catalog::SongRow> {
    let home = app.repos.catalog.home().await.unwrap();
    let mut out = vec![];
    for a in &home.new_releases {
        out.extend(app.repos.catalog.album_tracks(a.id).await.unwrap());
    }
    out.truncate(n);
    assert_eq!(out.len(), n, "the test catalog is too small");
    out
}

pub const PASSWORD: &str = "correct horse battery";

pub fn account(username: &str) -> NewAccount {
    NewAccount::parse(
        username,
        &format!("{username}@example.com"),
        "",
        PASSWORD,
        PASSWORD,
    )
    .unwrap()
}

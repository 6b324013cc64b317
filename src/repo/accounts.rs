//! Users, preferences, sessions index and sign-in attempts (PostgreSQL).

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgPool};
use uuid::Uuid;

use crate::{
    model::{
        AdminOverview, AppPassword, LibraryCounts, LikeKind, Preferences, PublicProfile, Role,
        Theme, User, UserStatus, UserSummary,
    },
    validate::NewAccount,
    Error, Result,
};

#[derive(Clone)]
pub struct AccountRepo {
    pool: PgPool,
}

#[derive(FromRow)]
struct UserRow {
    id: Uuid,
    username: String,
    email: String,
    display_name: String,
    bio: String,
    avatar_url: Option<String>,
    role: String,
    status: String,
    suspended_until: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    last_sign_in_at: Option<DateTime<Utc>>,
}

const USER_COLUMNS: &str = "id, username, email, display_name, bio, avatar_url, role, status, \
     suspended_until, created_at, last_sign_in_at";

/// [`USER_COLUMNS`] of a joined table alias.
fn user_columns_of(alias: &str) -> String {
    USER_COLUMNS
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            username: r.username,
            email: r.email,
            display_name: r.display_name,
            bio: r.bio,
            avatar_url: r.avatar_url,
            role: Role::parse(&r.role).unwrap_or(Role::Listener),
            status: UserStatus::parse(&r.status).unwrap_or(UserStatus::Suspended),
            suspended_until: r.suspended_until,
            created_at: r.created_at,
            last_sign_in_at: r.last_sign_in_at,
        }
    }
}

/// What sign-in needs to know about an account.
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
    pub session_epoch: i32,
}

/// What each request needs to know about its session's user.
pub struct SessionState {
    pub user: User,
    pub session_epoch: i32,
}

#[derive(FromRow)]
struct PrefsRow {
    explicit_filter: bool,
    private_session: bool,
    share_activity: bool,
    show_listening: bool,
    theme: String,
}

impl AccountRepo {
    pub fn new(pool: PgPool) -> Self {
        AccountRepo { pool }
    }

    /// Inserts the user and their default preferences in one transaction.
    pub async fn insert_user(
        &self,
        new: &NewAccount,
        password_hash: &str,
        role: Role,
    ) -> Result<User> {
        let mut tx = self.pool.begin().await?;
        let row: Result<UserRow> = sqlx::query_as(&format!(
            "insert into users (id, username, email, password_hash, display_name, role)
             values ($1, $2, $3, $4, $5, $6) returning {USER_COLUMNS}"
        ))
        .bind(Uuid::new_v4())
        .bind(&new.username)
        .bind(&new.email)
        .bind(password_hash)
        .bind(&new.display_name)
        .bind(role.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(Error::from);
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                return Err(match e.unique_violation() {
                    Some("users_username_key") => {
                        Error::field("username", "That username is taken. Try another one.")
                    }
                    Some("users_email_key") => Error::field(
                        "email",
                        "An account with that email already exists. Sign in instead?",
                    ),
                    _ => e,
                })
            }
        };
        sqlx::query("insert into user_preferences (user_id) values ($1)")
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.into())
    }

    pub async fn credentials_by_username(&self, username: &str) -> Result<Option<Credentials>> {
        #[derive(FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: String,
            session_epoch: i32,
        }
        let row: Option<Row> = sqlx::query_as(&format!(
            "select {USER_COLUMNS}, password_hash, session_epoch from users where username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| Credentials {
            user: r.user.into(),
            password_hash: r.password_hash,
            session_epoch: r.session_epoch,
        }))
    }

    pub async fn password_hash(&self, id: Uuid) -> Result<String> {
        sqlx::query_scalar("select password_hash from users where id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(Error::NotFound)
    }

    pub async fn session_state(&self, id: Uuid) -> Result<Option<SessionState>> {
        #[derive(FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            session_epoch: i32,
        }
        let row: Option<Row> = sqlx::query_as(&format!(
            "select {USER_COLUMNS}, session_epoch from users where id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| SessionState {
            user: r.user.into(),
            session_epoch: r.session_epoch,
        }))
    }

    pub async fn find_by_id(&self, id: Uuid) -> Result<Option<User>> {
        let row: Option<UserRow> =
            sqlx::query_as(&format!("select {USER_COLUMNS} from users where id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(Into::into))
    }

    pub async fn profile_by_username(&self, username: &str) -> Result<Option<PublicProfile>> {
        #[derive(FromRow)]
        struct Row {
            id: Uuid,
            username: String,
            display_name: String,
            bio: String,
            avatar_url: Option<String>,
            role: String,
            created_at: DateTime<Utc>,
            followers: i64,
            following: i64,
        }
        let row: Option<Row> = sqlx::query_as(
            "select u.id, u.username, u.display_name, u.bio, u.avatar_url, u.role, u.created_at,
                    (select count(*) from user_follows f where f.followee_id = u.id) as followers,
                    (select count(*) from user_follows f where f.follower_id = u.id) as following
             from users u where u.username = $1 and u.status = 'active'",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| PublicProfile {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            bio: r.bio,
            avatar_url: r.avatar_url,
            role: Role::parse(&r.role).unwrap_or(Role::Listener),
            joined: r.created_at,
            followers: r.followers,
            following: r.following,
        }))
    }

    pub async fn update_profile(&self, id: Uuid, display_name: &str, bio: &str) -> Result<()> {
        let n = sqlx::query("update users set display_name = $2, bio = $3 where id = $1")
            .bind(id)
            .bind(display_name)
            .bind(bio)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(Error::NotFound);
        }
        Ok(())
    }

    pub async fn preferences(&self, id: Uuid) -> Result<Preferences> {
        let row: Option<PrefsRow> = sqlx::query_as(
            "select explicit_filter, private_session, share_activity, show_listening, theme
             from user_preferences where user_id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .map(|r| Preferences {
                explicit_filter: r.explicit_filter,
                private_session: r.private_session,
                share_activity: r.share_activity,
                show_listening: r.show_listening,
                theme: Theme::parse(&r.theme).unwrap_or_default(),
            })
            .unwrap_or(Preferences {
                share_activity: true,
                show_listening: true,
                ..Default::default()
            }))
    }

    pub async fn update_preferences(&self, id: Uuid, p: &Preferences) -> Result<()> {
        sqlx::query(
            "insert into user_preferences (user_id, explicit_filter, private_session, share_activity, show_listening, theme)
             values ($1, $2, $3, $4, $5, $6)
             on conflict (user_id) do update set explicit_filter = excluded.explicit_filter,
               private_session = excluded.private_session, share_activity = excluded.share_activity,
               show_listening = excluded.show_listening, theme = excluded.theme",
        )
        .bind(id)
        .bind(p.explicit_filter)
        .bind(p.private_session)
        .bind(p.share_activity)
        .bind(p.show_listening)
        .bind(p.theme.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn set_theme(&self, id: Uuid, theme: Theme) -> Result<()> {
        sqlx::query(
            "insert into user_preferences (user_id, theme) values ($1, $2)
             on conflict (user_id) do update set theme = excluded.theme",
        )
        .bind(id)
        .bind(theme.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Stores a new hash and bumps the session epoch, which ends every other session.
    pub async fn set_password(&self, id: Uuid, hash: &str) -> Result<i32> {
        sqlx::query_scalar(
            "update users set password_hash = $2, session_epoch = session_epoch + 1
             where id = $1 returning session_epoch",
        )
        .bind(id)
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::NotFound)
    }

    pub async fn set_role(&self, id: Uuid, role: Role) -> Result<()> {
        let n = sqlx::query("update users set role = $2 where id = $1")
            .bind(id)
            .bind(role.as_str())
            .execute(&self.pool)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(Error::NotFound);
        }
        Ok(())
    }

    pub async fn touch_sign_in(&self, id: Uuid) -> Result<()> {
        sqlx::query("update users set last_sign_in_at = now() where id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn count_users(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("select count(*) from users")
            .fetch_one(&self.pool)
            .await?)
    }

    // --- sign-in throttling -------------------------------------------------------------

    /// Failed attempts within `window_secs` for this account (since its last success) and
    /// for this IP.
    pub async fn recent_failures(
        &self,
        username_key: &str,
        ip: &str,
        window_secs: i64,
    ) -> Result<(i64, i64)> {
        let row: (i64, i64) = sqlx::query_as(
            "select
               (select count(*) from login_attempts where username_key = $1 and not success
                  and created_at > now() - make_interval(secs => $3)
                  and created_at > coalesce((select max(created_at) from login_attempts
                                             where username_key = $1 and success), '-infinity')),
               (select count(*) from login_attempts where ip = $2 and not success
                  and created_at > now() - make_interval(secs => $3))",
        )
        .bind(username_key)
        .bind(ip)
        .bind(window_secs as f64)
        .fetch_one(&self.pool)
        .await?;
        Ok(row)
    }

    pub async fn record_attempt(&self, username_key: &str, ip: &str, success: bool) -> Result<()> {
        sqlx::query("insert into login_attempts (username_key, ip, success) values ($1, $2, $3)")
            .bind(username_key)
            .bind(ip)
            .bind(success)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes attempt records older than a day (background job).
    pub async fn prune_attempts(&self) -> Result<u64> {
        Ok(
            sqlx::query("delete from login_attempts where created_at < now() - interval '1 day'")
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    // --- session index --------------------------------------------------------------------

    pub async fn record_session(
        &self,
        session_id: &str,
        user_id: Uuid,
        ip: &str,
        user_agent: &str,
    ) -> Result<()> {
        sqlx::query(
            "insert into user_sessions (session_id, user_id, ip, user_agent) values ($1, $2, $3, $4)
             on conflict (session_id) do update set user_id = excluded.user_id",
        )
        .bind(session_id)
        .bind(user_id)
        .bind(ip)
        .bind(user_agent.chars().take(300).collect::<String>())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn forget_session(&self, session_id: &str) -> Result<()> {
        sqlx::query("delete from user_sessions where session_id = $1")
            .bind(session_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn library_counts(&self, id: Uuid) -> Result<LibraryCounts> {
        let r: (i64, i64, i64, i64, i64) = sqlx::query_as(
            "select (select count(*) from playlists where owner_id = $1),
                    (select count(*) from saved_playlists where user_id = $1),
                    (select count(*) from favorites where user_id = $1 and target_type = 'song'),
                    (select count(*) from artist_follows where user_id = $1),
                    (select count(*) from user_follows where follower_id = $1)",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        Ok(LibraryCounts {
            playlists: r.0,
            saved_playlists: r.1,
            liked_songs: r.2,
            followed_artists: r.3,
            following_users: r.4,
        })
    }

    /// Active users whose username starts with `prefix` (uses the unique username index).
    pub async fn search_users(&self, prefix: &str, limit: i64) -> Result<Vec<UserSummary>> {
        let escaped = prefix
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "select username, display_name, role from users
             where username like $1 || '%' and status = 'active' order by username limit $2",
        )
        .bind(escaped)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(UserSummary::from_row).collect())
    }

    pub async fn artist_follower_count(&self, artist_id: Uuid) -> Result<i64> {
        Ok(
            sqlx::query_scalar("select count(*) from artist_follows where artist_id = $1")
                .bind(artist_id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Likes a song (idempotent) or takes the like back.
    pub async fn set_song_like(&self, user: Uuid, song: Uuid, liked: bool) -> Result<()> {
        self.set_like(user, LikeKind::Song, song, liked).await
    }

    /// Likes a song, album or playlist (idempotent) or takes the like back. The caller
    /// checks that the target exists and may be seen.
    pub async fn set_like(
        &self,
        user: Uuid,
        kind: LikeKind,
        target: Uuid,
        liked: bool,
    ) -> Result<()> {
        let q = if liked {
            "insert into favorites (user_id, target_type, target_id) values ($1, $2, $3) on conflict do nothing"
        } else {
            "delete from favorites where user_id = $1 and target_type = $2 and target_id = $3"
        };
        sqlx::query(q)
            .bind(user)
            .bind(kind.as_str())
            .bind(target)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn likes(&self, user: Uuid, kind: LikeKind, target: Uuid) -> Result<bool> {
        Ok(sqlx::query_scalar::<_, i32>(
            "select 1 from favorites where user_id = $1 and target_type = $2 and target_id = $3",
        )
        .bind(user)
        .bind(kind.as_str())
        .bind(target)
        .fetch_optional(&self.pool)
        .await?
        .is_some())
    }

    /// How many users like it (counted from the likes themselves, so always right).
    pub async fn like_count(&self, kind: LikeKind, target: Uuid) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "select count(*) from favorites where target_type = $1 and target_id = $2",
        )
        .bind(kind.as_str())
        .bind(target)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Liked songs, most recent first.
    /// The user's liked albums (newest like first) and followed artists.
    pub async fn starred(&self, user: Uuid, limit: i64) -> Result<(Vec<Uuid>, Vec<Uuid>)> {
        let albums = sqlx::query_scalar(
            "select target_id from favorites where user_id = $1 and target_type = 'album' order by created_at desc limit $2",
        )
        .bind(user)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let artists = sqlx::query_scalar(
            "select artist_id from artist_follows where user_id = $1 order by created_at desc limit $2",
        )
        .bind(user)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok((albums, artists))
    }

    pub async fn liked_song_ids(&self, user: Uuid, limit: i64) -> Result<Vec<Uuid>> {
        Ok(sqlx::query_scalar(
            "select target_id from favorites where user_id = $1 and target_type = 'song' order by created_at desc limit $2",
        )
        .bind(user)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn set_user_follow(
        &self,
        follower: Uuid,
        followee: Uuid,
        follow: bool,
    ) -> Result<()> {
        toggle_pair(
            &self.pool,
            follow,
            "insert into user_follows (follower_id, followee_id) values ($1, $2) on conflict do nothing",
            "delete from user_follows where follower_id = $1 and followee_id = $2",
            (follower, followee),
        )
        .await
    }

    pub async fn set_artist_follow(&self, user: Uuid, artist: Uuid, follow: bool) -> Result<()> {
        toggle_pair(
            &self.pool,
            follow,
            "insert into artist_follows (user_id, artist_id) values ($1, $2) on conflict do nothing",
            "delete from artist_follows where user_id = $1 and artist_id = $2",
            (user, artist),
        )
        .await
    }

    pub async fn follows_artist(&self, user: Uuid, artist: Uuid) -> Result<bool> {
        pair_exists(
            &self.pool,
            "select 1 from artist_follows where user_id = $1 and artist_id = $2",
            (user, artist),
        )
        .await
    }

    /// Blocks (removing follows both ways, in one transaction) or unblocks.
    pub async fn set_block(&self, blocker: Uuid, blocked: Uuid, block: bool) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        if block {
            sqlx::query("insert into blocks (blocker_id, blocked_id) values ($1, $2) on conflict do nothing")
                .bind(blocker)
                .bind(blocked)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "delete from user_follows where (follower_id = $1 and followee_id = $2) or (follower_id = $2 and followee_id = $1)",
            )
            .bind(blocker)
            .bind(blocked)
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query("delete from blocks where blocker_id = $1 and blocked_id = $2")
                .bind(blocker)
                .bind(blocked)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn relation(&self, me: Uuid, other: Uuid) -> Result<crate::model::Relation> {
        let (following, followed_by, blocking): (bool, bool, bool) = sqlx::query_as(
            "select exists(select 1 from user_follows where follower_id = $1 and followee_id = $2),
                    exists(select 1 from user_follows where follower_id = $2 and followee_id = $1),
                    exists(select 1 from blocks where blocker_id = $1 and blocked_id = $2)",
        )
        .bind(me)
        .bind(other)
        .fetch_one(&self.pool)
        .await?;
        Ok(crate::model::Relation {
            following,
            followed_by,
            blocking,
        })
    }

    /// Followers (`followers = true`) or followees of a user, newest first.
    pub async fn follow_list(
        &self,
        user: Uuid,
        followers: bool,
        limit: i64,
    ) -> Result<Vec<UserSummary>> {
        let sql = if followers {
            "select u.username, u.display_name, u.role from user_follows f join users u on u.id = f.follower_id
             where f.followee_id = $1 and u.status = 'active' order by f.created_at desc limit $2"
        } else {
            "select u.username, u.display_name, u.role from user_follows f join users u on u.id = f.followee_id
             where f.follower_id = $1 and u.status = 'active' order by f.created_at desc limit $2"
        };
        let rows: Vec<(String, String, String)> = sqlx::query_as(sql)
            .bind(user)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(UserSummary::from_row).collect())
    }

    /// Whether either user blocks the other.
    pub async fn blocked_either_way(&self, a: Uuid, b: Uuid) -> Result<bool> {
        Ok(sqlx::query_scalar(
            "select exists(select 1 from blocks where (blocker_id = $1 and blocked_id = $2) or (blocker_id = $2 and blocked_id = $1))",
        )
        .bind(a)
        .bind(b)
        .fetch_one(&self.pool)
        .await?)
    }

    // --- admin --------------------------------------------------------------------------

    pub async fn overview(&self) -> Result<AdminOverview> {
        let by_role: Vec<(String, i64)> =
            sqlx::query_as("select role, count(*) from users group by role order by role")
                .fetch_all(&self.pool)
                .await?;
        let suspended: i64 =
            sqlx::query_scalar("select count(*) from users where status = 'suspended'")
                .fetch_one(&self.pool)
                .await?;
        let recent: Vec<UserRow> = sqlx::query_as(&format!(
            "select {USER_COLUMNS} from users order by created_at desc limit 20"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(AdminOverview {
            users_by_role: by_role
                .into_iter()
                .filter_map(|(r, n)| Role::parse(&r).map(|r| (r, n)))
                .collect(),
            suspended,
            recent_users: recent.into_iter().map(Into::into).collect(),
        })
    }

    /// Users whose username or email starts with `q`, newest first.
    pub async fn admin_search(&self, q: &str, limit: i64) -> Result<Vec<User>> {
        let prefix = format!(
            "{}%",
            q.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let rows: Vec<UserRow> = sqlx::query_as(&format!(
            "select {USER_COLUMNS} from users where username like $1 or lower(email) like $1 order by created_at desc limit $2"
        ))
        .bind(prefix)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub async fn set_status(
        &self,
        id: Uuid,
        suspended: bool,
        until: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let n = sqlx::query("update users set status = $2, suspended_until = $3 where id = $1")
            .bind(id)
            .bind(if suspended { "suspended" } else { "active" })
            .bind(until)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(Error::NotFound);
        }
        Ok(())
    }

    /// Deletes every stored session of the user (they are signed out everywhere).
    pub async fn end_sessions(&self, id: Uuid) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query(
            "delete from tower_sessions.session where id in (select session_id from user_sessions where user_id = $1)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query("delete from user_sessions where user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        // Sessions not in the index still carry the old epoch: bump it.
        sqlx::query("update users set session_epoch = session_epoch + 1 where id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    pub async fn audit(
        &self,
        actor: Option<Uuid>,
        action: &str,
        target_type: &str,
        target_id: &str,
        details: serde_json::Value,
    ) -> Result<()> {
        sqlx::query(
            "insert into audit_log (actor_id, action, target_type, target_id, details) values ($1, $2, $3, $4, $5)",
        )
        .bind(actor)
        .bind(action)
        .bind(target_type)
        .bind(target_id)
        .bind(sqlx::types::Json(details))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // ---- App passwords (Subsonic clients) ----

    /// Stores a new app password unless the user already has `max`.
    pub async fn add_app_password(
        &self,
        user_id: Uuid,
        name: &str,
        secret: &str,
        max: i64,
    ) -> Result<Option<Uuid>> {
        let id = Uuid::new_v4();
        let r = sqlx::query(
            "insert into app_passwords (id, user_id, name, secret)
             select $1, $2, $3, $4
             where (select count(*) from app_passwords where user_id = $2) < $5",
        )
        .bind(id)
        .bind(user_id)
        .bind(name)
        .bind(secret)
        .bind(max)
        .execute(&self.pool)
        .await?;
        Ok((r.rows_affected() == 1).then_some(id))
    }

    pub async fn app_passwords(&self, user_id: Uuid) -> Result<Vec<AppPassword>> {
        let rows: Vec<(Uuid, String, String, DateTime<Utc>, Option<DateTime<Utc>>)> =
            sqlx::query_as(
                "select id, name, secret, created_at, last_used_at from app_passwords
                 where user_id = $1 order by created_at",
            )
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, secret, created_at, last_used_at)| AppPassword {
                id,
                name,
                secret,
                created_at,
                last_used_at,
            })
            .collect())
    }

    /// Revokes the user's own app password (another user's id changes nothing).
    pub async fn revoke_app_password(&self, user_id: Uuid, id: Uuid) -> Result<bool> {
        let r = sqlx::query("delete from app_passwords where id = $1 and user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// The account an API key (an app password) belongs to.
    pub async fn user_by_app_password(&self, secret: &str) -> Result<Option<(User, Uuid)>> {
        #[derive(FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            key_id: Uuid,
        }
        let row: Option<Row> = sqlx::query_as(&format!(
            "select {}, k.id as key_id from app_passwords k join users u on u.id = k.user_id
             where k.secret = $1",
            user_columns_of("u")
        ))
        .bind(secret)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| (r.user.into(), r.key_id)))
    }

    /// An account by (case-insensitive) username with its app passwords.
    pub async fn user_with_app_passwords(
        &self,
        username: &str,
    ) -> Result<Option<(User, Vec<(Uuid, String)>)>> {
        let user: Option<UserRow> = sqlx::query_as(&format!(
            "select {USER_COLUMNS} from users where username = $1"
        ))
        // Stored lower-case (`validate::normalize_username`): the unique index answers,
        // where `lower(username)` read all 100,000 users of the benchmark (20 ms a call).
        .bind(crate::validate::normalize_username(username))
        .fetch_optional(&self.pool)
        .await?;
        let Some(user) = user else { return Ok(None) };
        let keys: Vec<(Uuid, String)> =
            sqlx::query_as("select id, secret from app_passwords where user_id = $1")
                .bind(user.id)
                .fetch_all(&self.pool)
                .await?;
        Ok(Some((user.into(), keys)))
    }

    pub async fn app_password_used(&self, id: Uuid) -> Result<()> {
        sqlx::query(
            "update app_passwords set last_used_at = now() where id = $1
               and (last_used_at is null or last_used_at < now() - interval '1 minute')",
        )
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // ---- Play queues (Subsonic savePlayQueue / getPlayQueue) ----

    pub async fn save_play_queue(
        &self,
        user_id: Uuid,
        song_ids: &[Uuid],
        current: Option<Uuid>,
        position_ms: i64,
        changed_by: &str,
    ) -> Result<()> {
        sqlx::query(
            "insert into play_queues (user_id, song_ids, current, position_ms, changed_by, changed_at)
             values ($1, $2, $3, $4, $5, now())
             on conflict (user_id) do update set song_ids = excluded.song_ids, current = excluded.current,
               position_ms = excluded.position_ms, changed_by = excluded.changed_by, changed_at = now()",
        )
        .bind(user_id)
        .bind(song_ids)
        .bind(current)
        .bind(position_ms)
        .bind(changed_by)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// (songs, current, position ms, changed by, changed at).
    #[allow(clippy::type_complexity)]
    pub async fn play_queue(
        &self,
        user_id: Uuid,
    ) -> Result<Option<(Vec<Uuid>, Option<Uuid>, i64, String, DateTime<Utc>)>> {
        Ok(sqlx::query_as(
            "select song_ids, current, position_ms, changed_by, changed_at from play_queues where user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    // ---- ListenBrainz tokens, now playing, API rate limits ----

    /// The user's scrobbling token, made on first use (`fresh` is used then).
    pub async fn listen_token(&self, user_id: Uuid, fresh: &str) -> Result<String> {
        sqlx::query("insert into listen_tokens (user_id, token) values ($1, $2) on conflict (user_id) do nothing")
            .bind(user_id)
            .bind(fresh)
            .execute(&self.pool)
            .await?;
        Ok(
            sqlx::query_scalar("select token from listen_tokens where user_id = $1")
                .bind(user_id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Replaces the user's token (the old one stops working at once).
    pub async fn replace_listen_token(&self, user_id: Uuid, token: &str) -> Result<()> {
        sqlx::query(
            "insert into listen_tokens (user_id, token) values ($1, $2)
             on conflict (user_id) do update set token = excluded.token, created_at = now()",
        )
        .bind(user_id)
        .bind(token)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn user_by_listen_token(&self, token: &str) -> Result<Option<User>> {
        let row: Option<UserRow> = sqlx::query_as(&format!(
            "select {} from listen_tokens t join users u on u.id = t.user_id where t.token = $1",
            user_columns_of("u")
        ))
        .bind(token)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Into::into))
    }

    pub async fn set_now_playing(
        &self,
        user_id: Uuid,
        artist: &str,
        track: &str,
        release: Option<&str>,
        secs: i64,
    ) -> Result<()> {
        sqlx::query(
            "insert into now_playing (user_id, artist, track, release, started_at, expires_at)
             values ($1, $2, $3, $4, now(), now() + make_interval(secs => $5))
             on conflict (user_id) do update set artist = excluded.artist, track = excluded.track,
               release = excluded.release, started_at = now(), expires_at = excluded.expires_at",
        )
        .bind(user_id)
        .bind(artist)
        .bind(track)
        .bind(release)
        .bind(secs as f64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// (artist, track, release) the user is playing now, if it has not run out.
    pub async fn now_playing(
        &self,
        user_id: Uuid,
    ) -> Result<Option<(String, String, Option<String>)>> {
        Ok(sqlx::query_as(
            "select artist, track, release from now_playing where user_id = $1 and expires_at > now()",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Counts a request against `key` in fixed windows of `window_secs`; returns (hits in
    /// this window including this one, seconds until the window resets). One statement,
    /// so concurrent requests on any instance count exactly.
    pub async fn rate_hit(&self, key: &str, window_secs: i64) -> Result<(i64, i64)> {
        let (hits, reset): (i32, f64) = sqlx::query_as(
            "insert into api_rate (key, window_start, hits) values ($1, now(), 1)
             on conflict (key) do update set
               hits = case when api_rate.window_start + make_interval(secs => $2) <= now() then 1
                           else api_rate.hits + 1 end,
               window_start = case when api_rate.window_start + make_interval(secs => $2) <= now()
                                   then now() else api_rate.window_start end
             returning hits, extract(epoch from (window_start + make_interval(secs => $2) - now()))::float8",
        )
        .bind(key)
        .bind(window_secs as f64)
        .fetch_one(&self.pool)
        .await?;
        Ok((hits as i64, reset.ceil().max(0.0) as i64))
    }
}

/// Adds (idempotently) or removes the row that links a pair of ids: likes, follows, saves.
pub(crate) async fn toggle_pair(
    pool: &PgPool,
    on: bool,
    insert: &str,
    delete: &str,
    (a, b): (Uuid, Uuid),
) -> Result<()> {
    sqlx::query(if on { insert } else { delete })
        .bind(a)
        .bind(b)
        .execute(pool)
        .await?;
    Ok(())
}

/// Whether the row linking a pair of ids exists (`select` is the inner query).
pub(crate) async fn pair_exists(pool: &PgPool, select: &str, (a, b): (Uuid, Uuid)) -> Result<bool> {
    Ok(sqlx::query_scalar(&format!("select exists({select})"))
        .bind(a)
        .bind(b)
        .fetch_one(pool)
        .await?)
}

//! Artist claims and memberships (PostgreSQL; artist documents are in MongoDB under the
//! same UUIDs).

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgPool};
use uuid::Uuid;

use crate::{artists::ArtistClaim, Error, Result};

#[derive(Clone)]
pub struct ArtistRepo {
    pool: PgPool,
}

#[derive(FromRow)]
struct ClaimRow {
    id: Uuid,
    user_id: Uuid,
    username: String,
    artist_id: Uuid,
    message: String,
    status: String,
    note: String,
    created_at: DateTime<Utc>,
}

impl ClaimRow {
    fn claim(self, artist_name: String) -> ArtistClaim {
        ArtistClaim {
            id: self.id,
            user_id: self.user_id,
            username: self.username,
            artist_id: self.artist_id,
            artist_name,
            message: self.message,
            status: self.status,
            note: self.note,
            created_at: self.created_at,
        }
    }
}

const SELECT: &str =
    "select c.id, c.user_id, u.username, c.artist_id, c.message, c.status, c.note, c.created_at
    from artist_claims c join users u on u.id = c.user_id";

impl ArtistRepo {
    pub fn new(pool: PgPool) -> Self {
        ArtistRepo { pool }
    }

    /// A new pending claim; `Conflict` when the user already has one open for the artist.
    pub async fn insert_claim(&self, user: Uuid, artist: Uuid, message: &str) -> Result<Uuid> {
        let id = Uuid::new_v4();
        let r = sqlx::query(
            "insert into artist_claims (id, user_id, artist_id, message) values ($1, $2, $3, $4) on conflict do nothing",
        )
        .bind(id)
        .bind(user)
        .bind(artist)
        .bind(message)
        .execute(&self.pool)
        .await?;
        if r.rows_affected() == 0 {
            return Err(Error::Conflict(
                "You already asked to link this artist; a moderator will look at it.".into(),
            ));
        }
        Ok(id)
    }

    /// The user's claims, newest first.
    pub async fn claims_of(&self, user: Uuid) -> Result<Vec<ArtistClaimRow>> {
        let rows: Vec<ClaimRow> = sqlx::query_as(&format!(
            "{SELECT} where c.user_id = $1 order by c.created_at desc limit 50"
        ))
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(ArtistClaimRow).collect())
    }

    /// Pending claims, oldest first.
    pub async fn pending(&self) -> Result<Vec<ArtistClaimRow>> {
        let rows: Vec<ClaimRow> = sqlx::query_as(&format!(
            "{SELECT} where c.status = 'pending' order by c.created_at limit 100"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(ArtistClaimRow).collect())
    }

    /// Decides a pending claim; on approval links the account (and makes a listener an
    /// artist) in the same transaction. `None` when the claim is not pending (any more).
    pub async fn decide(
        &self,
        claim: Uuid,
        by: Uuid,
        approve: bool,
        note: &str,
    ) -> Result<Option<(Uuid, Uuid)>> {
        let mut tx = self.pool.begin().await?;
        let row: Option<(Uuid, Uuid)> = sqlx::query_as(
            "update artist_claims set status = $2, decided_by = $3, decided_at = now(), note = $4
             where id = $1 and status = 'pending' returning user_id, artist_id",
        )
        .bind(claim)
        .bind(if approve { "approved" } else { "rejected" })
        .bind(by)
        .bind(note)
        .fetch_optional(&mut *tx)
        .await?;
        if let (Some((user, artist)), true) = (row, approve) {
            sqlx::query("insert into artist_members (user_id, artist_id) values ($1, $2) on conflict do nothing")
                .bind(user)
                .bind(artist)
                .execute(&mut *tx)
                .await?;
            sqlx::query("update users set role = 'artist' where id = $1 and role = 'listener'")
                .bind(user)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(row)
    }

    pub async fn is_member(&self, user: Uuid, artist: Uuid) -> Result<bool> {
        Ok(sqlx::query_scalar(
            "select exists (select 1 from artist_members where user_id = $1 and artist_id = $2)",
        )
        .bind(user)
        .bind(artist)
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn artists_of(&self, user: Uuid) -> Result<Vec<Uuid>> {
        Ok(sqlx::query_scalar(
            "select artist_id from artist_members where user_id = $1 order by created_at",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?)
    }

    /// (followers now, followers gained since `since`).
    pub async fn followers(&self, artist: Uuid, since: DateTime<Utc>) -> Result<(i64, i64)> {
        Ok(sqlx::query_as(
            "select count(*), count(*) filter (where created_at >= $2) from artist_follows where artist_id = $1",
        )
        .bind(artist)
        .bind(since)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Likes of each of `songs` since `since`.
    pub async fn saves_since(
        &self,
        songs: &[Uuid],
        since: DateTime<Utc>,
    ) -> Result<std::collections::HashMap<Uuid, u64>> {
        let rows: Vec<(Uuid, i64)> = sqlx::query_as(
            "select target_id, count(*) from favorites where target_type = 'song' and target_id = any($1)
             and created_at >= $2 group by target_id",
        )
        .bind(songs)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(s, n)| (s, n as u64)).collect())
    }
}

/// A claim row before its artist name is known.
pub struct ArtistClaimRow(ClaimRow);

impl ArtistClaimRow {
    pub fn artist_id(&self) -> Uuid {
        self.0.artist_id
    }
    pub fn with_name(self, artist_name: String) -> ArtistClaim {
        self.0.claim(artist_name)
    }
}

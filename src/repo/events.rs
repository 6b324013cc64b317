//! Scheduled live events, RSVPs and in-app notifications (PostgreSQL).

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    party::{LiveEvent, Notification},
    Result,
};

#[derive(Clone)]
pub struct EventRepo {
    pool: PgPool,
}

pub struct NewEvent<'a> {
    pub id: Uuid,
    pub artist_id: Uuid,
    pub artist_name: &'a str,
    pub album_id: Uuid,
    pub cover: Option<&'a str>,
    pub created_by: Uuid,
    pub title: &'a str,
    pub description: &'a str,
    pub starts_at: DateTime<Utc>,
}

type Row = (
    Uuid,
    Uuid,
    String,
    Uuid,
    Option<String>,
    String,
    String,
    DateTime<Utc>,
    Option<Uuid>,
    bool,
    i64,
);

const SELECT: &str =
    "select e.id, e.artist_id, e.artist_name, e.album_id, e.cover, e.title, e.description,
    e.starts_at, e.party_id, coalesce(p.ended_at is not null, false),
    (select count(*) from event_rsvps r where r.event_id = e.id)
    from live_events e left join parties p on p.id = e.party_id";

fn event(r: Row) -> LiveEvent {
    LiveEvent {
        id: r.0,
        artist_id: r.1,
        artist_name: r.2,
        album_id: r.3,
        cover: r.4,
        title: r.5,
        description: r.6,
        starts_at_ms: r.7.timestamp_millis(),
        party_id: r.8,
        ended: r.9,
        rsvps: r.10,
    }
}

impl EventRepo {
    pub fn new(pool: PgPool) -> Self {
        EventRepo { pool }
    }

    pub async fn create(&self, e: &NewEvent<'_>) -> Result<()> {
        sqlx::query(
            "insert into live_events (id, artist_id, artist_name, album_id, cover, created_by, title, description, starts_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(e.id)
        .bind(e.artist_id)
        .bind(e.artist_name)
        .bind(e.album_id)
        .bind(e.cover)
        .bind(e.created_by)
        .bind(e.title)
        .bind(e.description)
        .bind(e.starts_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn get(&self, id: Uuid) -> Result<Option<LiveEvent>> {
        let r: Option<Row> = sqlx::query_as(&format!("{SELECT} where e.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(event))
    }

    /// An artist's events: upcoming and live first (soonest first), then past ones.
    pub async fn of_artist(&self, artist: Uuid, limit: i64) -> Result<Vec<LiveEvent>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SELECT} where e.artist_id = $1
             order by coalesce(p.ended_at is not null, false), e.starts_at limit $2"
        ))
        .bind(artist)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(event).collect())
    }

    pub async fn set_rsvp(&self, event: Uuid, user: Uuid, going: bool) -> Result<()> {
        let sql = if going {
            "insert into event_rsvps (event_id, user_id) values ($1, $2) on conflict do nothing"
        } else {
            "delete from event_rsvps where event_id = $1 and user_id = $2"
        };
        sqlx::query(sql)
            .bind(event)
            .bind(user)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn rsvped(&self, event: Uuid, user: Uuid) -> Result<bool> {
        Ok(sqlx::query_scalar(
            "select exists(select 1 from event_rsvps where event_id = $1 and user_id = $2)",
        )
        .bind(event)
        .bind(user)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Up to 100 attendees: (display name, username), earliest first.
    pub async fn attendees(&self, event: Uuid) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "select u.display_name, u.username from event_rsvps r join users u on u.id = r.user_id
             where r.event_id = $1 and u.status = 'active' order by r.created_at limit 100",
        )
        .bind(event)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Links the event to its party (once: `false` when it was already live) and, in the
    /// same transaction, notifies the artist's followers and everyone who RSVPed.
    pub async fn go_live(&self, event: Uuid, party: Uuid, message: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let artist: Option<Uuid> = sqlx::query_scalar(
            "update live_events set party_id = $2 where id = $1 and party_id is null returning artist_id",
        )
        .bind(event)
        .bind(party)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(artist) = artist else {
            return Ok(false);
        };
        sqlx::query(
            "insert into notifications (user_id, message, link)
             select user_id, $3, $4 from (
               select user_id from artist_follows where artist_id = $1
               union select user_id from event_rsvps where event_id = $2) who",
        )
        .bind(artist)
        .bind(event)
        .bind(message)
        .bind(format!("/party/{party}"))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// How many people were ever "here" in a party.
    pub async fn listened(&self, party: Uuid) -> Result<i64> {
        Ok(
            sqlx::query_scalar("select count(*) from party_listeners where party_id = $1")
                .bind(party)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// The user's newest notifications.
    pub async fn notifications(&self, user: Uuid, limit: i64) -> Result<Vec<Notification>> {
        let rows: Vec<(i64, String, String, DateTime<Utc>, bool)> = sqlx::query_as(
            "select id, message, link, created_at, read_at is not null from notifications
             where user_id = $1 order by id desc limit $2",
        )
        .bind(user)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Notification {
                id: r.0,
                message: r.1,
                link: r.2,
                at_ms: r.3.timestamp_millis(),
                read: r.4,
            })
            .collect())
    }

    pub async fn unread(&self, user: Uuid) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "select count(*) from notifications where user_id = $1 and read_at is null",
        )
        .bind(user)
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn mark_read(&self, user: Uuid) -> Result<()> {
        sqlx::query(
            "update notifications set read_at = now() where user_id = $1 and read_at is null",
        )
        .bind(user)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The artist of the live event a party belongs to.
    pub async fn artist_of_party(&self, party: Uuid) -> Result<Option<(Uuid, String)>> {
        Ok(
            sqlx::query_as("select artist_id, artist_name from live_events where party_id = $1")
                .bind(party)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}

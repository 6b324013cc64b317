//! Listening parties in PostgreSQL: the state, members and chat, and the NOTIFY that
//! carries every change to all app instances (sent inside the changing transaction, so
//! PostgreSQL delivers it only once the change is committed).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::{
    party::{ChatMessage, PartyEvent, PartyMember, PartyState, PartySummary, PRESENCE_SECS},
    Result,
};

/// Listeners here now: members whose socket refreshed their presence lately.
const HERE_COUNT: &str = "select count(*) from party_members where party_id = $1 and not removed
     and last_seen > now() - make_interval(secs => $2)";

/// The channel every app instance LISTENs on.
pub const CHANNEL: &str = "encore_party";

#[derive(Clone)]
pub struct PartyRepo {
    pool: PgPool,
}

/// A party row with its host.
#[derive(Clone, Debug)]
pub struct PartyRow {
    pub id: Uuid,
    pub title: String,
    pub host_id: Uuid,
    pub host_username: String,
    pub host_name: String,
    pub host_role: String,
    pub song_ids: Vec<Uuid>,
    pub durations_ms: Vec<u64>,
    pub state: PartyState,
    pub slow_mode_secs: u32,
}

/// A member's standing in a party.
#[derive(Clone, Copy, Debug, Default)]
pub struct Membership {
    pub muted: bool,
    pub removed: bool,
}

pub struct NewParty<'a> {
    pub id: Uuid,
    pub host_id: Uuid,
    pub title: &'a str,
    pub source_kind: &'a str,
    pub source_id: Uuid,
    pub song_ids: &'a [Uuid],
    pub durations_ms: &'a [u64],
}

type StateRow = (
    i32,
    i64,
    bool,
    DateTime<Utc>,
    i64,
    Uuid,
    Option<DateTime<Utc>>,
);

fn state_of(r: StateRow) -> PartyState {
    PartyState {
        track_index: r.0.max(0) as usize,
        position_ms: r.1.max(0) as u64,
        playing: r.2,
        updated_at_ms: r.3.timestamp_millis(),
        version: r.4,
        controller_id: r.5,
        ended: r.6.is_some(),
    }
}

type MessageRow = (i64, Uuid, String, String, String, String, DateTime<Utc>);

fn message_of(r: MessageRow) -> ChatMessage {
    ChatMessage {
        id: r.0,
        user_id: r.1,
        username: r.2,
        display_name: r.3,
        kind: r.4,
        body: r.5,
        at_ms: r.6.timestamp_millis(),
    }
}

/// Sends `event` for `party` to every instance once `tx` commits.
async fn notify(tx: &mut Transaction<'_, Postgres>, party: Uuid, event: &PartyEvent) -> Result<()> {
    send(tx, serde_json::json!({ "party": party, "event": event })).await
}

/// One `pg_notify` on [`CHANNEL`] (delivered when `tx` commits).
async fn send(tx: &mut Transaction<'_, Postgres>, payload: serde_json::Value) -> Result<()> {
    let payload = payload.to_string();
    sqlx::query("select pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl PartyRepo {
    pub fn new(pool: PgPool) -> Self {
        PartyRepo { pool }
    }

    /// Creates a party with its host as the first member.
    pub async fn create(&self, p: &NewParty<'_>) -> Result<()> {
        let durations: Vec<i64> = p.durations_ms.iter().map(|d| *d as i64).collect();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "insert into parties (id, host_id, controller_id, title, source_kind, source_id, song_ids, durations_ms)
             values ($1, $2, $2, $3, $4, $5, $6, $7)",
        )
        .bind(p.id)
        .bind(p.host_id)
        .bind(p.title)
        .bind(p.source_kind)
        .bind(p.source_id)
        .bind(p.song_ids)
        .bind(&durations)
        .execute(&mut *tx)
        .await?;
        sqlx::query("insert into party_members (party_id, user_id) values ($1, $2)")
            .bind(p.id)
            .bind(p.host_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn get(&self, id: Uuid) -> Result<Option<PartyRow>> {
        type Row = (
            Uuid,
            String,
            Uuid,
            String,
            String,
            String,
            Vec<Uuid>,
            Vec<i64>,
            i32,
            i64,
            bool,
            DateTime<Utc>,
            i64,
            Uuid,
            Option<DateTime<Utc>>,
            i32,
        );
        let r: Option<Row> = sqlx::query_as(
            "select p.id, p.title, p.host_id, u.username, u.display_name, u.role, p.song_ids, p.durations_ms,
                    p.track_index, p.position_ms, p.playing, p.updated_at, p.version, p.controller_id, p.ended_at,
                    p.slow_mode_secs
             from parties p join users u on u.id = p.host_id where p.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.map(|r| PartyRow {
            id: r.0,
            title: r.1,
            host_id: r.2,
            host_username: r.3,
            host_name: r.4,
            host_role: r.5,
            song_ids: r.6,
            durations_ms: r.7.into_iter().map(|d| d.max(0) as u64).collect(),
            state: state_of((r.8, r.9, r.10, r.11, r.12, r.13, r.14)),
            slow_mode_secs: r.15.max(0) as u32,
        }))
    }

    /// Changes the state under a row lock: `change` gets the current state and the
    /// database's clock (ms) and returns the new state, or an error that changes nothing.
    /// The new state goes out to every instance.
    pub async fn change_state(
        &self,
        id: Uuid,
        change: impl FnOnce(&PartyState, &[u64], i64) -> Result<PartyState>,
    ) -> Result<PartyState> {
        let mut tx = self.pool.begin().await?;
        let row: Option<(i32, i64, bool, DateTime<Utc>, i64, Uuid, Option<DateTime<Utc>>, Vec<i64>, DateTime<Utc>)> =
            sqlx::query_as(
                "select track_index, position_ms, playing, updated_at, version, controller_id, ended_at, durations_ms, now()
                 from parties where id = $1 for update",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(r) = row else {
            return Err(crate::Error::NotFound);
        };
        let now = r.8;
        let durations: Vec<u64> = r.7.iter().map(|d| (*d).max(0) as u64).collect();
        let old = state_of((r.0, r.1, r.2, r.3, r.4, r.5, r.6));
        let new = change(&old, &durations, now.timestamp_millis())?;
        let updated: StateRow = sqlx::query_as(
            "update parties set track_index = $2, position_ms = $3, playing = $4, controller_id = $5,
                    updated_at = $6, version = version + 1,
                    ended_at = case when $7 then coalesce(ended_at, $6) else null end
             where id = $1
             returning track_index, position_ms, playing, updated_at, version, controller_id, ended_at",
        )
        .bind(id)
        .bind(new.track_index as i32)
        .bind(new.position_ms as i64)
        .bind(new.playing)
        .bind(new.controller_id)
        .bind(now)
        .bind(new.ended)
        .fetch_one(&mut *tx)
        .await?;
        let state = state_of(updated);
        notify(
            &mut tx,
            id,
            &PartyEvent::State {
                state,
                server_now_ms: now.timestamp_millis(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(state)
    }

    pub async fn set_slow_mode(&self, id: Uuid, secs: u32) -> Result<()> {
        sqlx::query("update parties set slow_mode_secs = $2 where id = $1")
            .bind(id)
            .bind(secs as i32)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Adds `user` as a member (again: a member who left comes back; a removed one does
    /// not). Returns their standing.
    pub async fn join(&self, party: Uuid, user: Uuid) -> Result<Membership> {
        sqlx::query(
            "insert into party_members (party_id, user_id) values ($1, $2) on conflict do nothing",
        )
        .bind(party)
        .bind(user)
        .execute(&self.pool)
        .await?;
        Ok(self.membership(party, user).await?.unwrap_or_default())
    }

    pub async fn membership(&self, party: Uuid, user: Uuid) -> Result<Option<Membership>> {
        let r: Option<(bool, bool)> = sqlx::query_as(
            "select muted, removed from party_members where party_id = $1 and user_id = $2",
        )
        .bind(party)
        .bind(user)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.map(|(muted, removed)| Membership { muted, removed }))
    }

    /// Leaves (the membership row goes; the chat stays).
    pub async fn leave(&self, party: Uuid, user: Uuid) -> Result<()> {
        sqlx::query("delete from party_members where party_id = $1 and user_id = $2 and not removed and not muted")
            .bind(party)
            .bind(user)
            .execute(&self.pool)
            .await?;
        // Muted or removed members keep their row (so leaving and coming back does not
        // lift it) but are no longer "here".
        sqlx::query(
            "update party_members set last_seen = null where party_id = $1 and user_id = $2",
        )
        .bind(party)
        .bind(user)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Mutes / unmutes or removes a member and tells everyone's socket.
    pub async fn set_member(&self, party: Uuid, user: Uuid, m: Membership) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query(
            "insert into party_members (party_id, user_id, muted, removed) values ($1, $2, $3, $4)
             on conflict (party_id, user_id) do update set muted = $3, removed = $4",
        )
        .bind(party)
        .bind(user)
        .bind(m.muted)
        .bind(m.removed)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        notify(
            &mut tx,
            party,
            &PartyEvent::Member {
                user_id: user,
                muted: m.muted,
                removed: m.removed,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Marks `user` as here (each open socket calls this periodically) and returns the
    /// listener count; `announce` tells every instance that the count changed (each
    /// instance then pushes the new count to its sockets at most once a second, so 500
    /// listeners arriving at once do not make 500 × 500 messages).
    pub async fn touch(&self, party: Uuid, user: Uuid, here: bool, announce: bool) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "update party_members set last_seen = case when $3 then now() else null end
             where party_id = $1 and user_id = $2",
        )
        .bind(party)
        .bind(user)
        .bind(here)
        .execute(&mut *tx)
        .await?;
        if here {
            // Remembered for "how many listened" after the party.
            sqlx::query(
                "insert into party_listeners (party_id, user_id) values ($1, $2) on conflict do nothing",
            )
            .bind(party)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        }
        let count: i64 = sqlx::query_scalar(HERE_COUNT)
            .bind(party)
            .bind(PRESENCE_SECS as f64)
            .fetch_one(&mut *tx)
            .await?;
        if announce {
            send(
                &mut tx,
                serde_json::json!({ "party": party, "presence": true }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(count)
    }

    pub async fn listener_count(&self, party: Uuid) -> Result<i64> {
        Ok(sqlx::query_scalar(HERE_COUNT)
            .bind(party)
            .bind(PRESENCE_SECS as f64)
            .fetch_one(&self.pool)
            .await?)
    }

    /// Members (not removed), those here first.
    pub async fn members(&self, party: Uuid) -> Result<Vec<PartyMember>> {
        let rows: Vec<(Uuid, String, String, bool, bool)> = sqlx::query_as(
            "select u.id, u.username, u.display_name, m.muted,
                    coalesce(m.last_seen > now() - make_interval(secs => $2), false)
             from party_members m join users u on u.id = m.user_id
             where m.party_id = $1 and not m.removed
             order by 5 desc, m.joined_at limit 200",
        )
        .bind(party)
        .bind(PRESENCE_SECS as f64)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| PartyMember {
                user_id: r.0,
                username: r.1,
                display_name: r.2,
                muted: r.3,
                here: r.4,
            })
            .collect())
    }

    /// Stores a message unless the party's slow mode holds the sender back (`None`), and
    /// sends it to every instance.
    pub async fn post_message(
        &self,
        party: Uuid,
        user: Uuid,
        kind: &str,
        body: &str,
        slow_mode_secs: u32,
    ) -> Result<Option<ChatMessage>> {
        let mut tx = self.pool.begin().await?;
        let ok = sqlx::query(
            "update party_members set last_message_at = now()
             where party_id = $1 and user_id = $2 and not muted and not removed
               and (last_message_at is null or last_message_at + make_interval(secs => $3) <= now())",
        )
        .bind(party)
        .bind(user)
        .bind(slow_mode_secs as f64)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if ok == 0 {
            return Ok(None);
        }
        let r: MessageRow = sqlx::query_as(
            "with m as (insert into party_messages (party_id, user_id, kind, body) values ($1, $2, $3, $4)
                        returning id, user_id, kind, body, created_at)
             select m.id, m.user_id, u.username, u.display_name, m.kind, m.body, m.created_at
             from m join users u on u.id = m.user_id",
        )
        .bind(party)
        .bind(user)
        .bind(kind)
        .bind(body)
        .fetch_one(&mut *tx)
        .await?;
        let message = message_of(r);
        notify(
            &mut tx,
            party,
            &PartyEvent::Chat {
                message: message.clone(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(message))
    }

    /// The last `limit` messages, oldest first, leaving out deleted ones and those of
    /// people `viewer` blocks or is blocked by.
    pub async fn recent_messages(
        &self,
        party: Uuid,
        viewer: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<ChatMessage>> {
        let mut rows: Vec<MessageRow> = sqlx::query_as(
            "select m.id, m.user_id, u.username, u.display_name, m.kind, m.body, m.created_at
             from party_messages m join users u on u.id = m.user_id
             where m.party_id = $1 and m.deleted_at is null
               and not exists (select 1 from blocks b where
                   (b.blocker_id = $2 and b.blocked_id = m.user_id) or (b.blocker_id = m.user_id and b.blocked_id = $2))
             order by m.id desc limit $3",
        )
        .bind(party)
        .bind(viewer.unwrap_or(Uuid::nil()))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.reverse();
        Ok(rows.into_iter().map(message_of).collect())
    }

    /// The author of a message in `party` (for the delete rule).
    pub async fn message_author(&self, party: Uuid, id: i64) -> Result<Option<Uuid>> {
        Ok(sqlx::query_scalar(
            "select user_id from party_messages where party_id = $1 and id = $2 and deleted_at is null",
        )
        .bind(party)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn delete_message(&self, party: Uuid, id: i64, by: Uuid) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "update party_messages set deleted_at = now(), deleted_by = $3
             where party_id = $1 and id = $2 and deleted_at is null",
        )
        .bind(party)
        .bind(id)
        .bind(by)
        .execute(&mut *tx)
        .await?;
        notify(&mut tx, party, &PartyEvent::Deleted { id }).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Everyone `user` blocks or is blocked by (their chat is filtered out both ways).
    pub async fn blocked_either_way(&self, user: Uuid) -> Result<HashSet<Uuid>> {
        let rows: Vec<Uuid> = sqlx::query_scalar(
            "select blocked_id from blocks where blocker_id = $1
             union select blocker_id from blocks where blocked_id = $1",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// Live parties, most listeners first; of one host when `host` is given.
    pub async fn live(&self, host: Option<Uuid>, limit: i64) -> Result<Vec<PartySummary>> {
        let rows: Vec<(Uuid, String, String, String, i64)> = sqlx::query_as(
            "select p.id, p.title, u.username, u.display_name,
                    (select count(*) from party_members m where m.party_id = p.id and not m.removed
                       and m.last_seen > now() - make_interval(secs => $3))
             from parties p join users u on u.id = p.host_id
             where p.ended_at is null and ($1::uuid is null or p.host_id = $1)
             order by 5 desc, p.created_at desc limit $2",
        )
        .bind(host)
        .bind(limit)
        .bind(PRESENCE_SECS as f64)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| PartySummary {
                id: r.0,
                title: r.1,
                host_username: r.2,
                host_name: r.3,
                listeners: r.4,
            })
            .collect())
    }
}

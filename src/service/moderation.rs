//! Reports and moderation. Listeners report; moderators and admins work the queue. Every
//! action is checked here (not only hidden in the UI) and lands in the audit log.

use uuid::Uuid;

use crate::{
    catalog::SongStatus,
    error::FieldErrors,
    model::{Report, SessionUser, REPORT_REASONS},
    repo::Repos,
    service::require_moderator,
    Error, Result,
};

/// What can be reported, and how the reporter is told they already did.
const TARGETS: [(&str, &str); 4] = [
    (
        "song",
        "You already reported this song; a moderator will look at it.",
    ),
    (
        "comment",
        "You already reported this comment; a moderator will look at it.",
    ),
    (
        "playlist",
        "You already reported this playlist; a moderator will look at it.",
    ),
    (
        "user",
        "You already reported this user; a moderator will look at it.",
    ),
];

/// Files a report about a song.
pub async fn report_song(
    repos: &Repos,
    me: &SessionUser,
    song: Uuid,
    reason: &str,
    details: &str,
) -> Result<Uuid> {
    report(repos, me, "song", song, reason, details).await
}

/// Files a report about a song, comment, playlist or user the reporter can see. One open
/// report per reporter and target.
pub async fn report(
    repos: &Repos,
    me: &SessionUser,
    target_type: &str,
    target: Uuid,
    reason: &str,
    details: &str,
) -> Result<Uuid> {
    let (_, already) = TARGETS
        .iter()
        .find(|(t, _)| *t == target_type)
        .ok_or(Error::NotFound)?;
    let mut e = FieldErrors::default();
    if !REPORT_REASONS.contains(&reason) {
        e.add("reason", "Pick a reason.");
    }
    if details.chars().count() > 2000 {
        e.add("details", "Details are at most 2,000 characters.");
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    let exists = match target_type {
        "song" => repos.catalog.song(target).await?.is_some(),
        "comment" => {
            sqlx::query_scalar::<_, i32>("select 1 from comments where id = $1 and not hidden")
                .bind(target)
                .fetch_optional(&repos.pg)
                .await?
                .is_some()
        }
        "playlist" => crate::service::playlists::visible(repos, target, Some(me))
            .await
            .is_ok(),
        _ => sqlx::query_scalar::<_, i32>("select 1 from users where id = $1")
            .bind(target)
            .fetch_optional(&repos.pg)
            .await?
            .is_some(),
    };
    if !exists || (target_type == "user" && target == me.id) {
        return Err(Error::NotFound);
    }
    let id = Uuid::new_v4();
    let r = sqlx::query("insert into reports (id, reporter_id, target_type, target_id, reason, details) values ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(me.id)
        .bind(target_type)
        .bind(target)
        .bind(reason)
        .bind(details.trim())
        .execute(&repos.pg)
        .await
        .map_err(Error::from);
    match r {
        Ok(_) => Ok(id),
        Err(e) if e.unique_violation() == Some("reports_one_open_per_reporter") => {
            Err(Error::Conflict((*already).into()))
        }
        Err(e) => Err(e),
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    reporter: Option<String>,
    target_type: String,
    target_id: Uuid,
    reason: String,
    details: String,
    status: String,
    resolution_note: Option<String>,
    created_at: chrono::DateTime<chrono::Utc>,
    resolved_at: Option<chrono::DateTime<chrono::Utc>>,
}

const SELECT: &str = "select r.id, u.username as reporter, r.target_type, r.target_id, r.reason, r.details, r.status,
    r.resolution_note, r.created_at, r.resolved_at from reports r left join users u on u.id = r.reporter_id";

async fn labelled(repos: &Repos, rows: Vec<Row>) -> Result<Vec<Report>> {
    use std::collections::HashMap;
    let ids = |t: &str| -> Vec<Uuid> {
        rows.iter()
            .filter(|r| r.target_type == t)
            .map(|r| r.target_id)
            .collect()
    };
    // (label, link) per target id.
    let mut labels: HashMap<Uuid, (String, Option<String>)> = HashMap::new();
    for s in repos.catalog.song_rows(&ids("song")).await? {
        labels.insert(s.id, (s.title, Some(format!("/song/{}", s.id))));
    }
    let comments: Vec<(Uuid, Uuid, String, String)> = sqlx::query_as(
        "select c.id, c.song_id, c.body, u.username from comments c join users u on u.id = c.author_id where c.id = any($1)",
    )
    .bind(ids("comment"))
    .fetch_all(&repos.pg)
    .await?;
    for (id, song, body, author) in comments {
        let short: String = body.chars().take(80).collect();
        let more = if body.chars().count() > 80 { "…" } else { "" };
        labels.insert(
            id,
            (
                format!("“{short}{more}” by {author}"),
                Some(format!("/song/{song}#comment-{id}")),
            ),
        );
    }
    let playlists: Vec<(Uuid, String)> =
        sqlx::query_as("select id, title from playlists where id = any($1)")
            .bind(ids("playlist"))
            .fetch_all(&repos.pg)
            .await?;
    for (id, title) in playlists {
        labels.insert(id, (title, Some(format!("/playlist/{id}"))));
    }
    let users: Vec<(Uuid, String)> =
        sqlx::query_as("select id, username from users where id = any($1)")
            .bind(ids("user"))
            .fetch_all(&repos.pg)
            .await?;
    for (id, username) in users {
        labels.insert(id, (username.clone(), Some(format!("/u/{username}"))));
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let (target_label, target_link) = labels
                .get(&r.target_id)
                .cloned()
                .unwrap_or_else(|| (format!("{} {} (gone)", r.target_type, r.target_id), None));
            Report {
                target_label,
                target_link,
                id: r.id,
                reporter: r.reporter,
                target_type: r.target_type,
                target_id: r.target_id,
                reason: r.reason,
                details: r.details,
                status: r.status,
                resolution_note: r.resolution_note,
                created_at: r.created_at,
                resolved_at: r.resolved_at,
            }
        })
        .collect())
}

/// The queue: open reports, oldest first (optionally one reason only).
pub async fn queue(
    repos: &Repos,
    actor: &SessionUser,
    reason: Option<&str>,
) -> Result<Vec<Report>> {
    require_moderator(actor)?;
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} where r.status = 'open' and ($1::text is null or r.reason = $1) order by r.created_at limit 200"
    ))
    .bind(reason)
    .fetch_all(&repos.pg)
    .await?;
    labelled(repos, rows).await
}

/// The reporter's own reports with their outcomes.
pub async fn my_reports(repos: &Repos, me: &SessionUser) -> Result<Vec<Report>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} where r.reporter_id = $1 order by r.created_at desc limit 100"
    ))
    .bind(me.id)
    .fetch_all(&repos.pg)
    .await?;
    labelled(repos, rows).await
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Dismiss,
    TakeDown,
    MarkExplicit,
    HideComment,
    /// Warns the user behind the reported thing (the user, a comment's author, a
    /// playlist's owner).
    Warn,
    /// Suspends that user for this many days.
    Suspend(i64),
}

impl Action {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "dismiss" => Some(Action::Dismiss),
            "take_down" => Some(Action::TakeDown),
            "mark_explicit" => Some(Action::MarkExplicit),
            "hide_comment" => Some(Action::HideComment),
            "warn" => Some(Action::Warn),
            _ => match s.strip_prefix("suspend_")?.parse() {
                Ok(d) if (1..=365).contains(&d) => Some(Action::Suspend(d)),
                _ => None,
            },
        }
    }
    fn as_str(self) -> &'static str {
        match self {
            Action::Dismiss => "dismiss",
            Action::TakeDown => "take_down",
            Action::MarkExplicit => "mark_explicit",
            Action::HideComment => "hide_comment",
            Action::Warn => "warn",
            Action::Suspend(_) => "suspend",
        }
    }
}

/// The account behind a reported thing, when there is one.
async fn offender(repos: &Repos, target_type: &str, target_id: Uuid) -> Result<Option<Uuid>> {
    let q = match target_type {
        "user" => return Ok(Some(target_id)),
        "comment" => "select author_id from comments where id = $1",
        "playlist" => "select owner_id from playlists where id = $1",
        _ => return Ok(None),
    };
    Ok(sqlx::query_scalar(q)
        .bind(target_id)
        .fetch_optional(&repos.pg)
        .await?)
}

/// The warnings moderators gave the user, newest first.
pub async fn my_warnings(repos: &Repos, me: &SessionUser) -> Result<Vec<crate::model::Warning>> {
    let rows: Vec<(String, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
        "select note, created_at from user_warnings where user_id = $1 order by created_at desc limit 50",
    )
    .bind(me.id)
    .fetch_all(&repos.pg)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(note, created_at)| crate::model::Warning { note, created_at })
        .collect())
}

/// Acts on an open report. The catalog change comes first (idempotent, so a retry after
/// a crash is safe), then the report, the moderation record and the audit entry in one
/// PostgreSQL transaction.
pub async fn act(
    repos: &Repos,
    actor: &SessionUser,
    report: Uuid,
    action: Action,
    note: &str,
) -> Result<()> {
    require_moderator(actor)?;
    if note.chars().count() > 2000 {
        return Err(Error::field("note", "Notes are at most 2,000 characters."));
    }
    let (target_type, target_id, status): (String, Uuid, String) =
        sqlx::query_as("select target_type, target_id, status from reports where id = $1")
            .bind(report)
            .fetch_optional(&repos.pg)
            .await?
            .ok_or(Error::NotFound)?;
    if status != "open" {
        return Err(Error::Conflict("This report was already handled.".into()));
    }
    match (action, target_type.as_str()) {
        (Action::TakeDown, "song") => {
            let before = repos.catalog.song(target_id).await?;
            repos
                .catalog
                .set_song_status(target_id, SongStatus::TakenDown)
                .await?;
            // The home page's cached lists must not keep showing it (counted out once:
            // only if it was published until now).
            if let Some((song, _)) = before.filter(|(s, _)| s.status == SongStatus::Published) {
                repos.catalog.chart_unpublished(&song).await?;
            }
        }
        (Action::MarkExplicit, "song") => {
            repos.catalog.set_explicit(target_id, true).await?;
        }
        (Action::HideComment, "comment") => {
            sqlx::query("update comments set hidden = true where id = $1")
                .bind(target_id)
                .execute(&repos.pg)
                .await?;
        }
        (Action::Suspend(days), t) => {
            let Some(user) = offender(repos, t, target_id).await? else {
                return Err(Error::field(
                    "action",
                    "There is no account behind this report to suspend.",
                ));
            };
            crate::service::admin::suspend(repos, actor, user, days, note).await?;
        }
        (Action::Warn, t) if offender(repos, t, target_id).await?.is_some() => {}
        (Action::Dismiss, _) => {}
        _ => {
            return Err(Error::field(
                "action",
                "That action does not apply to this report.",
            ))
        }
    }
    let mut tx = repos.pg.begin().await?;
    let new_status = if action == Action::Dismiss {
        "dismissed"
    } else {
        "actioned"
    };
    let n = sqlx::query(
        "update reports set status = $2, resolved_by = $3, resolved_at = now(), resolution_note = $4 where id = $1 and status = 'open'",
    )
    .bind(report)
    .bind(new_status)
    .bind(actor.id)
    .bind(note.trim())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(Error::Conflict("This report was already handled.".into()));
    }
    if action == Action::Warn {
        if let Some(user) = offender(repos, &target_type, target_id).await? {
            sqlx::query("insert into user_warnings (id, user_id, report_id, moderator_id, note) values ($1, $2, $3, $4, $5)")
                .bind(Uuid::new_v4())
                .bind(user)
                .bind(report)
                .bind(actor.id)
                .bind(note.trim())
                .execute(&mut *tx)
                .await?;
        }
    }
    sqlx::query(
        "insert into moderation_actions (id, moderator_id, report_id, target_type, target_id, action, note) values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(Uuid::new_v4())
    .bind(actor.id)
    .bind(report)
    .bind(&target_type)
    .bind(target_id)
    .bind(action.as_str())
    .bind(note.trim())
    .execute(&mut *tx)
    .await?;
    sqlx::query("insert into audit_log (actor_id, action, target_type, target_id, details) values ($1, $2, $3, $4, $5)")
        .bind(actor.id)
        .bind(format!("report.{}", action.as_str()))
        .bind(&target_type)
        .bind(target_id.to_string())
        .bind(sqlx::types::Json(serde_json::json!({"report": report, "note": note.trim()})))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

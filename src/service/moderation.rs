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

/// Files a report about a song. One open report per reporter and target.
pub async fn report_song(
    repos: &Repos,
    me: &SessionUser,
    song: Uuid,
    reason: &str,
    details: &str,
) -> Result<Uuid> {
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
    repos.catalog.song(song).await?.ok_or(Error::NotFound)?;
    let id = Uuid::new_v4();
    let r = sqlx::query("insert into reports (id, reporter_id, target_type, target_id, reason, details) values ($1, $2, 'song', $3, $4, $5)")
        .bind(id)
        .bind(me.id)
        .bind(song)
        .bind(reason)
        .bind(details.trim())
        .execute(&repos.pg)
        .await
        .map_err(Error::from);
    match r {
        Ok(_) => Ok(id),
        Err(e) if e.unique_violation() == Some("reports_one_open_per_reporter") => Err(
            Error::Conflict("You already reported this song; a moderator will look at it.".into()),
        ),
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
    let songs: Vec<Uuid> = rows
        .iter()
        .filter(|r| r.target_type == "song")
        .map(|r| r.target_id)
        .collect();
    let titles: std::collections::HashMap<Uuid, String> = repos
        .catalog
        .song_rows(&songs)
        .await?
        .into_iter()
        .map(|s| (s.id, s.title))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| Report {
            target_label: titles
                .get(&r.target_id)
                .cloned()
                .unwrap_or_else(|| format!("{} {}", r.target_type, r.target_id)),
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
}

impl Action {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "dismiss" => Some(Action::Dismiss),
            "take_down" => Some(Action::TakeDown),
            "mark_explicit" => Some(Action::MarkExplicit),
            _ => None,
        }
    }
    fn as_str(self) -> &'static str {
        match self {
            Action::Dismiss => "dismiss",
            Action::TakeDown => "take_down",
            Action::MarkExplicit => "mark_explicit",
        }
    }
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
            repos
                .catalog
                .set_song_status(target_id, SongStatus::TakenDown)
                .await?;
            // The home page's cached lists must not keep showing it.
            repos.catalog.refresh_charts().await?;
        }
        (Action::MarkExplicit, "song") => {
            repos.catalog.set_explicit(target_id, true).await?;
        }
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

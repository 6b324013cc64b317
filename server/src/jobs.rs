//! Background jobs. Each is `run_once` plus a loop; a PostgreSQL advisory lock makes sure
//! only one app instance runs a job at a time.

use std::time::Duration;

use encore::repo::Repos;

const CLEANUP_LOCK: i64 = 0x656e_636f_7265_0001;
/// Most play events one aggregation batch counts per month.
const AGGREGATE_BATCH: i64 = 2_000;
const AGGREGATE_LOCK: i64 = 0x656e_636f_7265_0002;
const RECONCILE_LOCK: i64 = 0x656e_636f_7265_0003;
const PURGE_LOCK: i64 = 0x656e_636f_7265_0004;
const RECS_LOCK: i64 = 0x656e_636f_7265_0005;
const RENEW_LOCK: i64 = 0x656e_636f_7265_0006;

/// Runs `job` while holding a PostgreSQL advisory lock (for one transaction), so only one
/// instance runs it at a time. `None` when another instance holds the lock.
async fn exclusively<T, F>(repos: &Repos, lock: i64, job: F) -> encore::Result<Option<T>>
where
    F: std::future::Future<Output = encore::Result<T>>,
{
    let mut tx = repos.pg.begin().await?;
    let got: bool = sqlx::query_scalar("select pg_try_advisory_xact_lock($1)")
        .bind(lock)
        .fetch_one(&mut *tx)
        .await?;
    if !got {
        return Ok(None);
    }
    let out = job.await?;
    tx.commit().await?;
    Ok(Some(out))
}

/// A job's timer. A pass that overran (a slow or unreachable database) is followed by
/// one more after a full period, not by a burst of the ticks it missed.
fn every(period: Duration) -> tokio::time::Interval {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick
}

/// Deletes expired sessions and old sign-in attempts. Returns rows removed, or `None`
/// when another instance holds the lock.
pub async fn cleanup_once(repos: &Repos) -> encore::Result<Option<u64>> {
    let mut tx = repos.pg.begin().await?;
    let got: bool = sqlx::query_scalar("select pg_try_advisory_xact_lock($1)")
        .bind(CLEANUP_LOCK)
        .fetch_one(&mut *tx)
        .await?;
    if !got {
        return Ok(None);
    }
    let sessions = sqlx::query("delete from tower_sessions.session where expiry_date < now()")
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query("delete from user_sessions us where not exists (select 1 from tower_sessions.session s where s.id = us.session_id) and us.created_at < now() - interval '1 hour'")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let attempts = repos.accounts.prune_attempts().await?;
    Ok(Some(sessions + attempts))
}

pub fn spawn_cleanup(repos: Repos) {
    tokio::spawn(async move {
        let mut tick = every(Duration::from_secs(600));
        loop {
            tick.tick().await;
            match cleanup_once(&repos).await {
                Ok(Some(n)) => tracing::debug!(removed = n, "cleanup"),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "cleanup failed; will retry"),
            }
        }
    });
}

/// Keeps this instance's search index in step with the catalog: every 2 s it applies the
/// catalog change log (or reads the whole catalog when that is due; see `search.rs`).
pub fn spawn_search_refresh(repos: Repos, index: encore::search::SearchIndex) {
    tokio::spawn(async move {
        let mut tick = every(Duration::from_secs(2));
        loop {
            tick.tick().await;
            let started = std::time::Instant::now();
            match index.refresh(&repos.catalog).await {
                Ok(encore::search::Refreshed::UpToDate) => {}
                Ok(done) => tracing::info!(
                    ?done,
                    ms = started.elapsed().as_millis() as u64,
                    "search index updated"
                ),
                Err(e) => tracing::warn!(error = %e, "search index update failed; will retry"),
            }
        }
    });
}

/// Folds new play events into the counters: every 500 ms the months where plays may be
/// waiting (live plays: visible within about a second; see `aggregate_months`), every
/// minute all months. The advisory lock (held for the run's PostgreSQL transaction)
/// keeps it to one instance at a time. Returns events counted, or `None` without the lock.
pub async fn aggregate_once(repos: &Repos, recent: bool) -> encore::Result<Option<usize>> {
    exclusively(repos, AGGREGATE_LOCK, async {
        let mut total = 0;
        loop {
            // Asked again before every batch: a pass that began before an import
            // started would otherwise go on counting the import as it is stored.
            let importing = repos.imports.any_running().await?;
            let n = repos
                .listening
                .aggregate_months(AGGREGATE_BATCH, recent, importing)
                .await?;
            total += n;
            // Only a full batch means more are waiting now. Under steady ingestion a
            // pass always finds the few plays that arrived during the one before; going
            // on until none were found kept SecantusDB busy with tiny batches, each
            // paying a pass's dozen queries, and held up play reports' inserts.
            if (n as i64) < AGGREGATE_BATCH {
                return Ok(total);
            }
        }
    })
    .await
}

/// Stores listens queued by `POST /1/submit-listens` (every 200 ms, any instance; rows
/// are claimed with `skip locked`, so instances share the work).
pub fn spawn_listen_queue(repos: Repos) {
    tokio::spawn(async move {
        let mut tick = every(Duration::from_millis(200));
        loop {
            tick.tick().await;
            loop {
                match encore::service::listenbrainz::drain(&repos, None, 10).await {
                    Ok(0) => break,
                    Ok(n) => tracing::debug!(rows = n, "queued listens stored"),
                    Err(e) => {
                        tracing::warn!(error = %e, "storing queued listens failed; will retry");
                        break;
                    }
                }
            }
        }
    });
}

pub fn spawn_aggregator(repos: Repos) {
    tokio::spawn(async move {
        let mut tick = every(Duration::from_millis(500));
        for pass in 0u64.. {
            tick.tick().await;
            let started = std::time::Instant::now();
            match aggregate_once(&repos, pass % 120 != 0).await {
                Ok(Some(n)) if n > 0 => tracing::debug!(
                    events = n,
                    ms = started.elapsed().as_millis() as u64,
                    "play events aggregated"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "aggregation failed; will retry"),
            }
        }
    });
}

/// Repairs playlist counts and orphaned items (see `service::playlists::reconcile`), on
/// one instance at a time. `None` when another instance holds the lock.
pub async fn reconcile_playlists_once(
    repos: &Repos,
) -> encore::Result<Option<encore::service::playlists::ReconcileReport>> {
    exclusively(
        repos,
        RECONCILE_LOCK,
        encore::service::playlists::reconcile(repos),
    )
    .await
}

pub fn spawn_reconciler(repos: Repos) {
    tokio::spawn(async move {
        let mut tick = every(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match reconcile_playlists_once(&repos).await {
                Ok(Some(r)) => tracing::info!(?r, "playlists reconciled"),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "playlist reconcile failed; will retry"),
            }
        }
    });
}

/// Finishes account purges that were requested but not finished (a crash, or another
/// instance). `None` when another instance holds the lock.
pub async fn purge_accounts_once(repos: &Repos) -> encore::Result<Option<usize>> {
    exclusively(
        repos,
        PURGE_LOCK,
        encore::service::admin::purge_pending(repos),
    )
    .await
}

pub fn spawn_purger(repos: Repos) {
    tokio::spawn(async move {
        let mut tick = every(Duration::from_secs(60));
        loop {
            tick.tick().await;
            match purge_accounts_once(&repos).await {
                Ok(Some(n)) if n > 0 => tracing::info!(n, "account purges finished"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "account purge failed; will retry"),
            }
        }
    });
}

/// Recomputes recommendations and generated playlists (see `service::recommend`), on one
/// instance at a time. `None` when another instance holds the lock.
pub async fn refresh_recs_once(
    repos: &Repos,
) -> encore::Result<Option<encore::service::recommend::RefreshReport>> {
    exclusively(repos, RECS_LOCK, encore::service::recommend::refresh(repos)).await
}

/// Runs [`refresh_recs_once`] at start and then every `every_secs` (0: never).
pub fn spawn_recs(repos: Repos, every_secs: u64) {
    if every_secs == 0 {
        return;
    }
    tokio::spawn(async move {
        let mut tick = every(Duration::from_secs(every_secs));
        loop {
            tick.tick().await;
            let started = std::time::Instant::now();
            match refresh_recs_once(&repos).await {
                Ok(Some(r)) => tracing::info!(
                    ?r,
                    ms = started.elapsed().as_millis() as u64,
                    "recommendations refreshed"
                ),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "recommendation refresh failed; will retry"),
            }
        }
    });
}

/// Renews subscriptions at the end of their period (test-mode payments), every ten
/// minutes, on one instance at a time.
pub fn spawn_renewals(repos: Repos) {
    tokio::spawn(async move {
        let mut tick = every(Duration::from_secs(600));
        loop {
            tick.tick().await;
            let r = exclusively(
                &repos,
                RENEW_LOCK,
                encore::service::billing::renew_due(&repos, &encore::service::billing::TestMode),
            )
            .await;
            match r {
                Ok(Some(r)) if r != Default::default() => {
                    tracing::info!(?r, "subscriptions renewed")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "renewals failed; will retry"),
            }
        }
    });
}

/// Works through queued history imports (any instance: each import is claimed under a
/// lease, so a crashed run is taken over when its lease runs out).
pub fn spawn_imports(repos: Repos, data_dir: std::path::PathBuf) {
    tokio::spawn(async move {
        let mut tick = every(Duration::from_secs(2));
        loop {
            tick.tick().await;
            let run = encore::service::imports::run_next(
                &repos,
                &data_dir,
                None,
                encore::service::imports::BATCH,
                None,
                &|_, _| {},
            )
            .await;
            match run {
                Ok(Some(id)) => tracing::info!(import = %id, "history import finished"),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "history import failed; it resumes when its lease runs out")
                }
            }
        }
    });
}

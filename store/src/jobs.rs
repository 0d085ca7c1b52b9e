//! Background jobs as rows: any instance may run any job, and the database
//! decides who does.
//!
//! A job is `queued` until an instance claims it, `running` while its owner
//! holds a lease (renewed by heartbeats), and ends `succeeded`, `failed` or
//! `cancelled`. Every change is one conditional UPDATE whose row count says
//! whether it happened, which both SQLite and PostgreSQL make atomic:
//!
//! - a claim takes a queued job, or a running one whose lease has expired
//!   (its instance died), and two instances claiming at once cannot both
//!   succeed: the second UPDATE finds the row no longer claimable;
//! - heartbeats, progress and the end of a job all require `owner = me` and
//!   `state = 'running'`, so an instance that lost its lease (paused, cut off
//!   from the database) can never overwrite what the instance that took over
//!   wrote. The result of a job is stored in the same transaction as the
//!   UPDATE that ends it, and rolled back when that UPDATE finds nothing.
//!
//! Leases compare the instances' clocks (Unix seconds); instances on several
//! machines need their clocks in step (NTP) to well within a lease.

use std::fmt;

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use super::{audit, now, Db};

pub mod allocations;

/// What a job computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Groups, then dates for every review: a new draft plan.
    Matching,
    /// Consultants' days by need: a new allocation version.
    Allocation,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Matching => "matching",
            JobKind::Allocation => "allocation",
        }
    }
    pub fn parse(s: &str) -> Option<JobKind> {
        match s {
            "matching" => Some(JobKind::Matching),
            "allocation" => Some(JobKind::Allocation),
            _ => None,
        }
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<JobState> {
        [
            JobState::Queued,
            JobState::Running,
            JobState::Succeeded,
            JobState::Failed,
            JobState::Cancelled,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
    /// Succeeded, failed or cancelled: nothing more happens to the job.
    pub fn is_final(self) -> bool {
        !matches!(self, JobState::Queued | JobState::Running)
    }
}

/// One job as stored.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Job {
    pub id: i64,
    pub year_id: i64,
    pub kind: JobKind,
    pub state: JobState,
    /// Steps done of `progress_total` in the current phase (matching: the
    /// components of the compatibility graph solved so far).
    pub progress_done: i64,
    pub progress_total: i64,
    /// What the job is doing, or how it ended (the reason of a failure).
    pub message: String,
    /// The instance running it (or that ran it last).
    pub owner: Option<String>,
    /// Unix seconds: the owner must renew its lease by then, or another
    /// instance takes the job over.
    pub lease_until: Option<i64>,
    /// How many times an instance started it (a take-over counts).
    pub attempts: i64,
    /// The SIM asked to cancel it; the owner stops at its next heartbeat.
    pub cancel_requested: bool,
    /// `plans.id` (matching) or `allocations.id` (allocation) of the result.
    pub result_id: Option<i64>,
    /// The version of that plan or allocation.
    pub result_version: Option<i64>,
    pub created_by: Option<i64>,
    /// Unix seconds.
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

const COLUMNS: &str = "j.id, j.year_id, j.kind, j.state, j.progress_done, j.progress_total, \
     j.message, j.owner, j.lease_until, j.attempts, j.cancel_requested, j.result_id, \
     CASE WHEN j.kind = 'matching' \
          THEN (SELECT p.version FROM plans p WHERE p.id = j.result_id) \
          ELSE (SELECT a.version FROM allocations a WHERE a.id = j.result_id) END, \
     j.created_by, j.created_at, j.started_at, j.finished_at";

fn from_row(row: &sqlx::any::AnyRow) -> anyhow::Result<Job> {
    let kind: String = row.try_get(2)?;
    let state: String = row.try_get(3)?;
    let cancel: i64 = row.try_get(10)?;
    Ok(Job {
        id: row.try_get(0)?,
        year_id: row.try_get(1)?,
        kind: JobKind::parse(&kind).ok_or_else(|| anyhow::anyhow!("job kind {kind:?}"))?,
        state: JobState::parse(&state).ok_or_else(|| anyhow::anyhow!("job state {state:?}"))?,
        progress_done: row.try_get(4)?,
        progress_total: row.try_get(5)?,
        message: row.try_get(6)?,
        owner: row.try_get(7)?,
        lease_until: row.try_get(8)?,
        attempts: row.try_get(9)?,
        cancel_requested: cancel != 0,
        result_id: row.try_get(11)?,
        result_version: row.try_get(12)?,
        created_by: row.try_get(13)?,
        created_at: row.try_get(14)?,
        started_at: row.try_get(15)?,
        finished_at: row.try_get(16)?,
    })
}

async fn get_with<'c, E>(exec: E, id: i64) -> anyhow::Result<Option<Job>>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM jobs j WHERE j.id = $1"))
        .bind(id)
        .fetch_optional(exec)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// One job, or None.
pub async fn get(db: &Db, id: i64) -> anyhow::Result<Option<Job>> {
    get_with(&db.read, id).await
}

/// The year's jobs, newest first (at most `limit`).
pub async fn list(db: &Db, year_id: i64, limit: i64) -> anyhow::Result<Vec<Job>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM jobs j WHERE j.year_id = $1 ORDER BY j.id DESC LIMIT $2"
    ))
    .bind(year_id)
    .bind(limit)
    .fetch_all(&db.read)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The queued or running job of this kind for the year, if any.
pub async fn active(db: &Db, year_id: i64, kind: JobKind) -> anyhow::Result<Option<Job>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM jobs j WHERE j.year_id = $1 AND j.kind = $2 \
         AND j.state IN ('queued', 'running') ORDER BY j.id LIMIT 1"
    ))
    .bind(year_id)
    .bind(kind.as_str())
    .fetch_optional(&db.read)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// What `enqueue` did.
#[derive(Debug, Clone, PartialEq)]
pub enum Enqueued {
    New(Job),
    /// A job of the kind is already queued or running for the year: this one.
    Busy(Job),
}

/// Queues a job, unless one of the same kind is already queued or running
/// for the year. The check and a unique index (migration 0003) together
/// make sure that two instances enqueueing at once leave one job.
pub async fn enqueue(
    db: &Db,
    year_id: i64,
    kind: JobKind,
    user_id: Option<i64>,
) -> anyhow::Result<Enqueued> {
    if let Some(job) = active(db, year_id, kind).await? {
        return Ok(Enqueued::Busy(job));
    }
    let mut tx = db.begin_write().await?;
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO jobs (year_id, kind, state, message, created_by, created_at) \
         VALUES ($1, $2, 'queued', 'waiting for an instance to start it', $3, $4) RETURNING id",
    )
    .bind(year_id)
    .bind(kind.as_str())
    .bind(user_id)
    .bind(now())
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(sqlx::Error::Database(e)) if e.kind() == sqlx::error::ErrorKind::UniqueViolation => {
            // Another instance queued one between our check and this insert.
            drop(tx);
            return match active(db, year_id, kind).await? {
                Some(job) => Ok(Enqueued::Busy(job)),
                None => anyhow::bail!(
                    "a {kind} job of year {year_id} was in the way and is gone; try again"
                ),
            };
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &mut tx,
        user_id,
        "job.enqueue",
        &format!("job {id}"),
        &format!("{kind} for year {year_id}"),
    )
    .await?;
    let job = get_with(&mut *tx, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("job {id} vanished"))?;
    tx.commit().await?;
    Ok(Enqueued::New(job))
}

/// Runs an UPDATE of job `id` whose row count says whether it took (the
/// job was still claimable, or still ours), and records `action` in the
/// audit log in the same transaction only when it did.
async fn audited<'q>(
    conn: &mut AnyConnection,
    update: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    id: i64,
    action: &str,
    detail: &str,
) -> anyhow::Result<bool> {
    if update.execute(&mut *conn).await?.rows_affected() != 1 {
        return Ok(false);
    }
    audit::record(conn, None, action, &format!("job {id}"), detail).await?;
    Ok(true)
}

/// How a claiming instance runs jobs.
#[derive(Debug, Clone, Copy)]
pub struct ClaimRules {
    /// Seconds a lease lasts without a heartbeat.
    pub lease_seconds: i64,
    /// Starts a job may have; past them a job whose instances keep dying fails.
    pub max_attempts: i64,
}

/// Claims the oldest claimable job for `owner`: a queued one, or a running
/// one whose lease has expired. None when there is nothing to do.
pub async fn claim(db: &Db, owner: &str, rules: ClaimRules) -> anyhow::Result<Option<Job>> {
    let t = now();
    // Candidates are read without a lock; the UPDATE below decides. A few,
    // so that losing a race for the first still finds work.
    let rows = sqlx::query(
        "SELECT id, state, owner, attempts FROM jobs \
         WHERE cancel_requested = 0 AND attempts < $1 \
         AND (state = 'queued' OR (state = 'running' AND lease_until < $2)) \
         ORDER BY id LIMIT 4",
    )
    .bind(rules.max_attempts)
    .bind(t)
    .fetch_all(&db.read)
    .await?;
    for row in rows {
        let id: i64 = row.try_get(0)?;
        let state: String = row.try_get(1)?;
        let previous: Option<String> = row.try_get(2)?;
        let attempts: i64 = row.try_get(3)?;
        let message = match (&previous, state.as_str()) {
            (Some(p), "running") => format!(
                "taken over by {owner}: the lease of {p} expired (attempt {})",
                attempts + 1
            ),
            _ => format!("started by {owner}"),
        };
        let mut tx = db.begin_write().await?;
        // `attempts = $7` makes this claim fail if anyone claimed the job
        // since we read it (every claim counts up), which keeps the audit
        // line's "taken over from" exact; the state and lease conditions
        // alone already make the claim exclusive.
        let claimed = sqlx::query(
            "UPDATE jobs SET state = 'running', owner = $1, lease_until = $2, \
             attempts = attempts + 1, started_at = COALESCE(started_at, $3), message = $4, \
             progress_done = 0, progress_total = 0 \
             WHERE id = $5 AND cancel_requested = 0 AND attempts < $6 AND attempts = $7 \
             AND (state = 'queued' OR (state = 'running' AND lease_until < $3))",
        )
        .bind(owner)
        .bind(t + rules.lease_seconds)
        .bind(t)
        .bind(&message)
        .bind(id)
        .bind(rules.max_attempts)
        .bind(attempts);
        if !audited(&mut tx, claimed, id, "job.claim", &message).await? {
            continue;
        }
        let job = get_with(&mut *tx, id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("job {id} vanished"))?;
        tx.commit().await?;
        return Ok(Some(job));
    }
    Ok(None)
}

/// Ends jobs nobody can run any more: running jobs whose lease expired and
/// which were asked to cancel (cancelled), or which used up their attempts
/// (failed: their instances keep dying on them). Returns how many.
pub async fn sweep(db: &Db, rules: ClaimRules) -> anyhow::Result<usize> {
    let t = now();
    let mut tx = db.begin_write().await?;
    let cancelled: Vec<i64> = sqlx::query_scalar(
        "UPDATE jobs SET state = 'cancelled', finished_at = $1, \
         message = 'cancelled; the instance running it had stopped' \
         WHERE state = 'running' AND lease_until < $1 AND cancel_requested = 1 RETURNING id",
    )
    .bind(t)
    .fetch_all(&mut *tx)
    .await?;
    let failed: Vec<i64> = sqlx::query_scalar(
        "UPDATE jobs SET state = 'failed', finished_at = $1, message = $2 \
         WHERE attempts >= $3 \
         AND (state = 'queued' OR (state = 'running' AND lease_until < $1)) RETURNING id",
    )
    .bind(t)
    .bind(format!(
        "gave up after {} attempts: every instance that started it stopped before it finished \
         (did the instance run out of memory or crash?)",
        rules.max_attempts
    ))
    .bind(rules.max_attempts)
    .fetch_all(&mut *tx)
    .await?;
    for id in &cancelled {
        audit::record(
            &mut tx,
            None,
            "job.cancelled",
            &format!("job {id}"),
            "lease expired",
        )
        .await?;
    }
    for id in &failed {
        audit::record(
            &mut tx,
            None,
            "job.failed",
            &format!("job {id}"),
            "attempts used up",
        )
        .await?;
    }
    tx.commit().await?;
    Ok(cancelled.len() + failed.len())
}

/// What the owner reports with a heartbeat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    pub done: i64,
    pub total: i64,
    pub message: String,
}

/// What a heartbeat found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beat {
    /// The lease is renewed.
    Alive,
    /// The lease is renewed, and the SIM asked to cancel.
    CancelRequested,
    /// The job is no longer ours (taken over after our lease expired, or
    /// ended): stop and store nothing.
    Lost,
}

/// Renews the lease while `owner` still runs the job, recording progress.
pub async fn heartbeat(
    db: &Db,
    id: i64,
    owner: &str,
    lease_seconds: i64,
    progress: &Progress,
) -> anyhow::Result<Beat> {
    let cancel: Option<i64> = sqlx::query_scalar(
        "UPDATE jobs SET lease_until = $1, progress_done = $2, progress_total = $3, message = $4 \
         WHERE id = $5 AND owner = $6 AND state = 'running' RETURNING cancel_requested",
    )
    .bind(now() + lease_seconds)
    .bind(progress.done)
    .bind(progress.total)
    .bind(&progress.message)
    .bind(id)
    .bind(owner)
    .fetch_optional(&db.write)
    .await?;
    Ok(match cancel {
        None => Beat::Lost,
        Some(0) => Beat::Alive,
        Some(_) => Beat::CancelRequested,
    })
}

/// Marks the job succeeded with its result, inside the transaction that
/// stored the result. False when the job is no longer ours to end (taken
/// over, or cancelled): the caller must then roll the transaction back.
pub async fn succeed(
    conn: &mut AnyConnection,
    id: i64,
    owner: &str,
    result_id: i64,
    message: &str,
) -> anyhow::Result<bool> {
    let ended = sqlx::query(
        "UPDATE jobs SET state = 'succeeded', result_id = $1, finished_at = $2, message = $3, \
         progress_done = progress_total \
         WHERE id = $4 AND owner = $5 AND state = 'running' AND cancel_requested = 0",
    )
    .bind(result_id)
    .bind(now())
    .bind(message)
    .bind(id)
    .bind(owner);
    audited(conn, ended, id, "job.succeeded", message).await
}

/// Ends a running job of ours as `failed` or `cancelled`; false when it is
/// no longer ours.
pub async fn end(
    db: &Db,
    id: i64,
    owner: &str,
    state: JobState,
    message: &str,
) -> anyhow::Result<bool> {
    anyhow::ensure!(
        matches!(state, JobState::Failed | JobState::Cancelled),
        "end() is for failed or cancelled, not {}",
        state.as_str()
    );
    let mut tx = db.begin_write().await?;
    let ended = sqlx::query(
        "UPDATE jobs SET state = $1, finished_at = $2, message = $3 \
         WHERE id = $4 AND owner = $5 AND state = 'running'",
    )
    .bind(state.as_str())
    .bind(now())
    .bind(message)
    .bind(id)
    .bind(owner);
    let action = format!("job.{}", state.as_str());
    if !audited(&mut tx, ended, id, &action, message).await? {
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// Gives a running job back to the queue (an instance shutting down), so
/// that another instance starts it at once instead of waiting for the lease
/// to expire. The start it had does not count as an attempt.
pub async fn release(db: &Db, id: i64, owner: &str) -> anyhow::Result<bool> {
    let mut tx = db.begin_write().await?;
    let released = sqlx::query(
        "UPDATE jobs SET state = 'queued', owner = NULL, lease_until = NULL, \
         attempts = attempts - 1, progress_done = 0, progress_total = 0, message = $1 \
         WHERE id = $2 AND owner = $3 AND state = 'running' AND cancel_requested = 0",
    )
    .bind(format!(
        "{owner} shut down while running it; waiting for another instance"
    ))
    .bind(id)
    .bind(owner);
    if !audited(&mut tx, released, id, "job.release", owner).await? {
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// What a cancellation request did.
#[derive(Debug, Clone, PartialEq)]
pub enum Cancel {
    /// It was queued: now cancelled.
    Cancelled(Job),
    /// It is running: its owner stops at its next heartbeat.
    Requested(Job),
    /// It had already ended.
    Finished(Job),
    NotFound,
}

/// The SIM asks to cancel a job.
pub async fn request_cancel(db: &Db, id: i64, user_id: i64) -> anyhow::Result<Cancel> {
    // A queued job may be claimed (or a released one re-queued) between the
    // two UPDATEs; a few rounds settle it.
    for _ in 0..4 {
        let mut tx = db.begin_write().await?;
        let t = now();
        let queued = sqlx::query(
            "UPDATE jobs SET state = 'cancelled', cancel_requested = 1, finished_at = $1, \
             message = 'cancelled before it started' WHERE id = $2 AND state = 'queued'",
        )
        .bind(t)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let running = if queued == 1 {
            0
        } else {
            sqlx::query("UPDATE jobs SET cancel_requested = 1 WHERE id = $1 AND state = 'running'")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        };
        let Some(job) = get_with(&mut *tx, id).await? else {
            return Ok(Cancel::NotFound);
        };
        if queued == 1 || running == 1 {
            let (action, detail) = if queued == 1 {
                ("job.cancelled", "before it started")
            } else {
                ("job.cancel_request", "while running")
            };
            audit::record(&mut tx, Some(user_id), action, &format!("job {id}"), detail).await?;
            tx.commit().await?;
            return Ok(if queued == 1 {
                Cancel::Cancelled(job)
            } else {
                Cancel::Requested(job)
            });
        }
        if job.state.is_final() {
            return Ok(Cancel::Finished(job));
        }
    }
    anyhow::bail!("job {id} kept changing state; try again")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rows;

    const RULES: ClaimRules = ClaimRules {
        lease_seconds: 30,
        max_attempts: 3,
    };

    fn new(e: Enqueued) -> Job {
        match e {
            Enqueued::New(j) => j,
            Enqueued::Busy(j) => panic!("busy with {}", j.id),
        }
    }

    /// Makes a job's lease expire, as if its instance died a while ago.
    async fn expire(db: &Db, id: i64) {
        sqlx::query("UPDATE jobs SET lease_until = $1 WHERE id = $2")
            .bind(now() - 5)
            .bind(id)
            .execute(&db.write)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn one_active_job_per_kind_and_year() {
        let db = test_rows::memory().await;
        let y = test_rows::year(&db).await;
        let a = new(enqueue(&db, y, JobKind::Matching, None).await.unwrap());
        assert_eq!((a.state, a.attempts), (JobState::Queued, 0));
        match enqueue(&db, y, JobKind::Matching, None).await.unwrap() {
            Enqueued::Busy(j) => assert_eq!(j.id, a.id),
            other => panic!("{other:?}"),
        }
        // Another kind is independent.
        new(enqueue(&db, y, JobKind::Allocation, None).await.unwrap());
        // The index refuses a second active row even past the check.
        let raw = sqlx::query(
            "INSERT INTO jobs (year_id, kind, state, created_at) VALUES ($1, 'matching', 'queued', 0)",
        )
        .bind(y)
        .execute(&db.write)
        .await;
        assert!(raw.is_err());
        // Once it ends, a new one may be queued.
        assert!(matches!(
            request_cancel(&db, a.id, 1).await.unwrap(),
            Cancel::Cancelled(_)
        ));
        new(enqueue(&db, y, JobKind::Matching, None).await.unwrap());
    }

    #[tokio::test]
    async fn a_claim_is_exclusive_until_the_lease_expires() {
        let db = test_rows::memory().await;
        let y = test_rows::year(&db).await;
        let job = new(enqueue(&db, y, JobKind::Matching, None).await.unwrap());
        let a = claim(&db, "a", RULES).await.unwrap().unwrap();
        assert_eq!((a.id, a.state, a.attempts), (job.id, JobState::Running, 1));
        assert_eq!(a.owner.as_deref(), Some("a"));
        assert!(claim(&db, "b", RULES).await.unwrap().is_none());
        let p = Progress {
            done: 1,
            total: 4,
            message: "working".into(),
        };
        assert_eq!(
            heartbeat(&db, job.id, "a", 30, &p).await.unwrap(),
            Beat::Alive
        );
        assert_eq!(
            heartbeat(&db, job.id, "b", 30, &p).await.unwrap(),
            Beat::Lost
        );

        expire(&db, job.id).await;
        let b = claim(&db, "b", RULES).await.unwrap().unwrap();
        assert_eq!((b.attempts, b.owner.as_deref()), (2, Some("b")));
        assert!(b.message.contains("lease of a expired"), "{}", b.message);
        // The zombie finds out at its next heartbeat and cannot end the job.
        assert_eq!(
            heartbeat(&db, job.id, "a", 30, &p).await.unwrap(),
            Beat::Lost
        );
        assert!(!end(&db, job.id, "a", JobState::Failed, "x").await.unwrap());
        let mut tx = db.begin_write().await.unwrap();
        assert!(!succeed(&mut tx, job.id, "a", 99, "x").await.unwrap());
        drop(tx);
        let mut tx = db.begin_write().await.unwrap();
        assert!(succeed(&mut tx, job.id, "b", 7, "done").await.unwrap());
        tx.commit().await.unwrap();
        let done = get(&db, job.id).await.unwrap().unwrap();
        assert_eq!((done.state, done.result_id), (JobState::Succeeded, Some(7)));
        assert!(done.finished_at.is_some());
        assert!(!release(&db, job.id, "b").await.unwrap());
    }

    #[tokio::test]
    async fn cancelling_a_running_job_is_seen_at_the_heartbeat() {
        let db = test_rows::memory().await;
        let y = test_rows::year(&db).await;
        let job = new(enqueue(&db, y, JobKind::Allocation, None).await.unwrap());
        claim(&db, "a", RULES).await.unwrap().unwrap();
        assert!(matches!(
            request_cancel(&db, job.id, 1).await.unwrap(),
            Cancel::Requested(j) if j.cancel_requested
        ));
        let p = Progress::default();
        assert_eq!(
            heartbeat(&db, job.id, "a", 30, &p).await.unwrap(),
            Beat::CancelRequested
        );
        // A result arriving now is refused.
        let mut tx = db.begin_write().await.unwrap();
        assert!(!succeed(&mut tx, job.id, "a", 1, "x").await.unwrap());
        drop(tx);
        assert!(end(&db, job.id, "a", JobState::Cancelled, "cancelled")
            .await
            .unwrap());
        assert!(matches!(
            request_cancel(&db, job.id, 1).await.unwrap(),
            Cancel::Finished(j) if j.state == JobState::Cancelled
        ));
        assert_eq!(request_cancel(&db, 999, 1).await.unwrap(), Cancel::NotFound);
    }

    #[tokio::test]
    async fn dead_instances_use_up_attempts_and_the_sweep_ends_the_job() {
        let db = test_rows::memory().await;
        let y = test_rows::year(&db).await;
        let job = new(enqueue(&db, y, JobKind::Matching, None).await.unwrap());
        for i in 1..=3 {
            let j = claim(&db, &format!("i{i}"), RULES).await.unwrap().unwrap();
            assert_eq!(j.attempts, i);
            expire(&db, job.id).await;
        }
        assert!(claim(&db, "i4", RULES).await.unwrap().is_none());
        assert_eq!(sweep(&db, RULES).await.unwrap(), 1);
        let j = get(&db, job.id).await.unwrap().unwrap();
        assert_eq!(j.state, JobState::Failed);
        assert!(j.message.contains("3 attempts"), "{}", j.message);

        // A cancel requested while its instance was dead ends at the sweep.
        let job = new(enqueue(&db, y, JobKind::Matching, None).await.unwrap());
        claim(&db, "x", RULES).await.unwrap().unwrap();
        request_cancel(&db, job.id, 1).await.unwrap();
        expire(&db, job.id).await;
        assert!(claim(&db, "y", RULES).await.unwrap().is_none());
        assert_eq!(sweep(&db, RULES).await.unwrap(), 1);
        assert_eq!(
            get(&db, job.id).await.unwrap().unwrap().state,
            JobState::Cancelled
        );
    }

    #[tokio::test]
    async fn a_released_job_is_claimed_again_without_using_an_attempt() {
        let db = test_rows::memory().await;
        let y = test_rows::year(&db).await;
        let job = new(enqueue(&db, y, JobKind::Matching, None).await.unwrap());
        claim(&db, "a", RULES).await.unwrap().unwrap();
        assert!(release(&db, job.id, "a").await.unwrap());
        let j = get(&db, job.id).await.unwrap().unwrap();
        assert_eq!((j.state, j.attempts, j.owner), (JobState::Queued, 0, None));
        let b = claim(&db, "b", RULES).await.unwrap().unwrap();
        assert_eq!(b.attempts, 1);
        let audit: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit WHERE action LIKE 'job.%' AND object = $1",
        )
        .bind(format!("job {}", job.id))
        .fetch_one(&db.read)
        .await
        .unwrap();
        assert_eq!(audit, 4, "enqueue, claim, release, claim");
    }
}

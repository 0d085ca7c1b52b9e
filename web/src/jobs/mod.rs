//! Background jobs: the matching (groups, then dates) and the allocation of
//! consultants' days, run by whichever instance of the service claims them.
//!
//! Jobs are rows (`store::jobs`). Each instance runs one [`Worker`]: a task
//! that looks for work every half second (at once when this instance queues
//! a job, through [`wake`]), claims one job at a time, computes on a
//! blocking thread and, once a second, renews its lease, reports progress
//! and learns of a cancel request in one UPDATE. A failed, cancelled or lost
//! job stores nothing, so the last good plan or allocation stays the latest.
//!
//! Several instances on one PostgreSQL database share the work; a job whose
//! instance died is taken over once its lease expires, and a job that has
//! made its instances die `max_attempts` times is failed rather than retried
//! for ever. SQLite is one file on one machine: several processes there
//! coordinate the same way, but running instances on several machines
//! needs PostgreSQL.
//!
//! On shutdown a worker stops claiming and gives its running job back to
//! the queue, so that another instance starts it at once. The solver's
//! thread cannot be killed: it stops at its next checkpoint (the grouping
//! checks after each component), and the process exits once it has.

pub mod allocation;
pub mod control;
pub mod matching;
pub mod problem;
pub mod run;

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use store::jobs::{self as job_rows, ClaimRules};
use store::Db;

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Names this instance in job rows; unique per running process.
    pub instance_id: String,
    /// A lease lasts this long without a heartbeat; another instance takes
    /// the job over after it expires.
    pub lease: Duration,
    /// How often to look for work when idle.
    pub poll: Duration,
    /// Starts a job may have before it is failed.
    pub max_attempts: i64,
}

impl WorkerConfig {
    pub const DEFAULT_LEASE_SECONDS: u64 = 30;
    pub const DEFAULT_MAX_ATTEMPTS: i64 = 3;

    pub fn new(instance_id: impl Into<String>) -> WorkerConfig {
        WorkerConfig {
            instance_id: instance_id.into(),
            lease: Duration::from_secs(Self::DEFAULT_LEASE_SECONDS),
            poll: Duration::from_millis(500),
            max_attempts: Self::DEFAULT_MAX_ATTEMPTS,
        }
    }

    /// Whole seconds, at least 2: lease times are stored in seconds, and a
    /// lease must outlast a few heartbeats.
    pub fn lease_seconds(&self) -> i64 {
        i64::try_from(self.lease.as_secs())
            .unwrap_or(i64::MAX)
            .max(2)
    }

    /// Heartbeats every third of the lease, and at least once a second so
    /// that progress and cancel requests show quickly.
    pub fn beat_interval(&self) -> Duration {
        let third = Duration::from_secs(self.lease_seconds() as u64) / 3;
        third.min(Duration::from_secs(1))
    }

    fn claim_rules(&self) -> ClaimRules {
        ClaimRules {
            lease_seconds: self.lease_seconds(),
            max_attempts: self.max_attempts,
        }
    }
}

/// Wakes the idle workers of this process (a job was just queued here).
static WAKE: LazyLock<Notify> = LazyLock::new(Notify::new);

/// Tells this process's workers that there is work; others find it by polling.
pub fn wake() {
    WAKE.notify_waiters();
}

/// Queues a job through `app::jobs::start` (the API and the SIM's pages
/// both start jobs here) and wakes this process's workers.
pub async fn start(
    db: &Db,
    year: &app::SimYear,
    kind: job_rows::JobKind,
) -> app::AppResult<job_rows::Job> {
    let job = app::jobs::start(db, year, kind).await?;
    wake();
    Ok(job)
}

/// A running worker; [`Worker::shutdown`] stops it.
pub struct Worker {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Worker {
    /// Starts the worker task on the current runtime.
    pub fn start(db: Db, config: WorkerConfig) -> Worker {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(work(db, config, stopped));
        Worker { stop, task }
    }

    /// Stops claiming, gives a running job back to the queue and returns
    /// once the worker task has ended.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(%e, "the job worker ended abnormally");
        }
    }
}

async fn work(db: Db, cfg: WorkerConfig, mut stop: watch::Receiver<bool>) {
    tracing::info!(instance = %cfg.instance_id, lease_seconds = cfg.lease_seconds(), "job worker started");
    // Ending abandoned jobs is rarely needed; doing it every poll would
    // take SQLite's write lock twice a second for nothing.
    let sweep_every =
        Duration::from_secs(cfg.lease_seconds() as u64 / 2).max(Duration::from_secs(1));
    let mut last_sweep: Option<Instant> = None;
    while !stopping(&stop) {
        if last_sweep.is_none_or(|t| t.elapsed() >= sweep_every) {
            last_sweep = Some(Instant::now());
            match job_rows::sweep(&db, cfg.claim_rules()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(jobs = n, "ended abandoned jobs"),
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "sweeping abandoned jobs"),
            }
        }
        let woken = WAKE.notified();
        match job_rows::claim(&db, &cfg.instance_id, cfg.claim_rules()).await {
            Ok(Some(job)) => {
                tracing::info!(job = job.id, kind = %job.kind, year = job.year_id, attempt = job.attempts, "job claimed");
                let started = Instant::now();
                let ended = run::run(&db, &cfg, &job, &mut stop).await;
                tracing::info!(
                    job = job.id,
                    ?ended,
                    seconds = started.elapsed().as_secs_f64(),
                    "job ended"
                );
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "looking for jobs"),
        }
        tokio::select! {
            _ = tokio::time::sleep(cfg.poll) => {}
            _ = woken => {}
            _ = stop.changed() => {}
        }
    }
    tracing::info!(instance = %cfg.instance_id, "job worker stopped");
}

/// Asked to stop, or the [`Worker`] was dropped without being shut down.
fn stopping(stop: &watch::Receiver<bool>) -> bool {
    *stop.borrow() || stop.has_changed().is_err()
}

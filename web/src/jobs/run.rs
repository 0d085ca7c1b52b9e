//! Running one claimed job: read its inputs, compute on a blocking thread
//! while this task keeps the lease, then store the result and end the job in
//! one transaction, or record why not.

use std::sync::Arc;
use std::time::Duration;

use optimiser::allocate::Allocation;
use optimiser::triads::Plan;
use tokio::sync::watch;

use super::control::{run_stoppable, Control, Halt};
use super::{allocation, matching, problem, WorkerConfig};
use store::jobs::{self, Beat, Job, JobKind, JobState};
use store::{plans, years, Db};

/// What a job computed, ready to store.
enum Output {
    Plan(Box<Plan>),
    Allocation(Box<Allocation>),
}

/// How a run ended, for the worker's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    Succeeded,
    Failed(String),
    /// The SIM cancelled it.
    Cancelled,
    /// Another instance took it over (our lease expired) or it ended
    /// elsewhere: nothing stored.
    Lost,
    /// This instance is shutting down: the job went back to the queue.
    Released,
}

/// Runs a job this instance has claimed, to its end.
pub async fn run(
    db: &Db,
    cfg: &WorkerConfig,
    job: &Job,
    shutdown: &mut watch::Receiver<bool>,
) -> Ended {
    let ctl = Arc::new(Control::default());
    ctl.phase("reading the year's inputs", 0);
    let work = match prepare(db, job, ctl.clone()).await {
        Ok(w) => w,
        Err(e) => return fail(db, cfg, job, &format!("{e:#}")).await,
    };
    let mut solving = tokio::task::spawn_blocking(work);
    let mut beat = tokio::time::interval(cfg.beat_interval());
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut stop_reason: Option<Ended> = None;
    let result = loop {
        tokio::select! {
            r = &mut solving => break r,
            _ = beat.tick(), if stop_reason.is_none() => {
                match jobs::heartbeat(db, job.id, &cfg.instance_id, cfg.lease_seconds(), &ctl.snapshot()).await {
                    Ok(Beat::Alive) => {}
                    Ok(Beat::CancelRequested) => {
                        ctl.stop();
                        let _ = end(db, cfg, job, JobState::Cancelled,
                            "cancelled by the School Improvement Manager; nothing was stored").await;
                        stop_reason = Some(Ended::Cancelled);
                    }
                    Ok(Beat::Lost) => {
                        ctl.stop();
                        stop_reason = Some(Ended::Lost);
                    }
                    // The database may be back before the lease runs out;
                    // if not, the next beat finds the job lost.
                    Err(e) => tracing::warn!(job = job.id, error = %format!("{e:#}"), "heartbeat failed"),
                }
            }
            _ = shutdown.changed(), if stop_reason.is_none() => {
                ctl.stop();
                match jobs::release(db, job.id, &cfg.instance_id).await {
                    Ok(_) => {}
                    Err(e) => tracing::warn!(job = job.id, error = %format!("{e:#}"),
                        "could not release the job; another instance takes it when the lease expires"),
                }
                // The solver's thread stops at its next checkpoint; the
                // result, if any, is not ours to store any more.
                return Ended::Released;
            }
        }
    };
    if let Some(reason) = stop_reason {
        return reason;
    }
    match result {
        Ok(Ok(Ok((output, summary)))) => save(db, cfg, job, output, &summary).await,
        Ok(Ok(Err(e))) => fail(db, cfg, job, &format!("{e:#}")).await,
        Ok(Err(Halt::Panicked(m))) => {
            fail(
                db,
                cfg,
                job,
                &format!("the optimiser stopped on a defect ({m}); please report it"),
            )
            .await
        }
        Ok(Err(Halt::Stopped)) => Ended::Lost,
        Err(e) => {
            fail(
                db,
                cfg,
                job,
                &format!("the job's thread ended abnormally: {e}"),
            )
            .await
        }
    }
}

type Work = Box<dyn FnOnce() -> Result<anyhow::Result<(Output, String)>, Halt> + Send>;

/// Reads the inputs (async, from the database) and returns the CPU work.
async fn prepare(db: &Db, job: &Job, ctl: Arc<Control>) -> anyhow::Result<Work> {
    let Some(year) = years::load(db, job.year_id).await? else {
        anyhow::bail!("programme year {} no longer exists", job.year_id);
    };
    Ok(match job.kind {
        JobKind::Matching => {
            let input = problem::matching(db, &year).await?;
            Box::new(move || {
                run_stoppable(|| {
                    matching::compute(&input, &ctl).map(|(p, s)| (Output::Plan(Box::new(p)), s))
                })
            })
        }
        JobKind::Allocation => {
            let (input, notes) = problem::allocation(db, &year).await?;
            Box::new(move || {
                run_stoppable(|| {
                    allocation::compute(&input, &notes, &ctl)
                        .map(|(a, s)| (Output::Allocation(Box::new(a)), s))
                })
            })
        }
    })
}

/// Stores the result and ends the job in one transaction; rolls back (and
/// stores nothing) when the job is no longer ours.
async fn save(db: &Db, cfg: &WorkerConfig, job: &Job, output: Output, summary: &str) -> Ended {
    let attempt = async {
        let mut tx = db.begin_write().await?;
        let result_id = match &output {
            Output::Plan(plan) => {
                plans::insert_draft(&mut tx, job.year_id, plan, Some(job.id), job.created_by)
                    .await?
                    .0
            }
            Output::Allocation(a) => {
                jobs::allocations::insert(&mut tx, job.year_id, a, Some(job.id), job.created_by)
                    .await?
                    .0
            }
        };
        if jobs::succeed(&mut tx, job.id, &cfg.instance_id, result_id, summary).await? {
            tx.commit().await?;
            Ok(true)
        } else {
            // Dropping the transaction rolls the result back.
            Ok::<bool, anyhow::Error>(false)
        }
    };
    match attempt.await {
        Ok(true) => Ended::Succeeded,
        Ok(false) => Ended::Lost,
        Err(e) => fail(db, cfg, job, &format!("storing the result: {e:#}")).await,
    }
}

async fn fail(db: &Db, cfg: &WorkerConfig, job: &Job, message: &str) -> Ended {
    match end(db, cfg, job, JobState::Failed, message).await {
        true => Ended::Failed(message.to_string()),
        false => Ended::Lost,
    }
}

/// Ends the job if it is still ours; a database error is retried a few
/// times, then left to the lease (another instance takes the job over).
async fn end(db: &Db, cfg: &WorkerConfig, job: &Job, state: JobState, message: &str) -> bool {
    for wait in [0u64, 1, 3] {
        tokio::time::sleep(Duration::from_secs(wait)).await;
        match jobs::end(db, job.id, &cfg.instance_id, state, message).await {
            Ok(ours) => return ours,
            Err(e) => {
                tracing::warn!(job = job.id, error = %format!("{e:#}"), "could not end the job")
            }
        }
    }
    false
}

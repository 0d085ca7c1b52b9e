//! The SIM's background jobs (matching, allocation): start one, list, read
//! and cancel them; the allocations they store and a consultant's own days.
//! The worker that runs them is the web service's; starting a job here only
//! queues it.

use optimiser::allocate::{Assignment, ConsultantLoad};
use serde::Serialize;
use store::jobs::allocations::{self, AllocationVersion};
use store::jobs::{self, Cancel, Enqueued, Job, JobKind};
use store::{inputs, Db};

use crate::caller::{year_or_404, Caller, Role, SimYear};
use crate::error::{AppError, AppResult};

/// The most jobs a year's list returns, newest first.
const LIST_LIMIT: i64 = 200;

/// The inputs a kind of job cannot run without.
pub fn required_inputs(kind: JobKind) -> &'static [&'static str] {
    match kind {
        JobKind::Matching => &["schools"],
        JobKind::Allocation => &["schools", "consultants"],
    }
}

async fn missing_inputs(db: &Db, year_id: i64, kind: JobKind) -> AppResult<Vec<&'static str>> {
    let list = inputs::list(db, year_id).await?;
    Ok(required_inputs(kind)
        .iter()
        .copied()
        .filter(|k| !list.iter().any(|i| i.kind == *k && i.version.is_some()))
        .collect())
}

/// Queues a job of the kind for the year: refused while an input it needs
/// is missing (`missing_input`) or while one of the kind is already queued
/// or running (`conflict`, naming it). A matching job stores a new draft
/// plan, an allocation job a new allocation; a job that fails or is
/// cancelled stores nothing.
pub async fn start(db: &Db, year: &SimYear, kind: JobKind) -> AppResult<Job> {
    let year_id = year.year.id;
    let missing = missing_inputs(db, year_id, kind).await?;
    if !missing.is_empty() {
        return Err(AppError::missing_input(format!(
            "a {kind} job needs these inputs uploaded first: {}",
            missing.join(", ")
        )));
    }
    match jobs::enqueue(db, year_id, kind, Some(year.caller.user_id)).await? {
        Enqueued::New(job) => Ok(job),
        Enqueued::Busy(job) => Err(AppError::conflict(format!(
            "{} job {} is already {} for this year; wait for it or cancel it",
            job.kind,
            job.id,
            job.state.as_str()
        ))),
    }
}

/// The year's jobs, newest first (the latest 200).
pub async fn list(db: &Db, year: &SimYear) -> AppResult<Vec<Job>> {
    Ok(jobs::list(db, year.year.id, LIST_LIMIT).await?)
}

/// One job, for the SIM.
pub async fn get(db: &Db, caller: &Caller, id: i64) -> AppResult<Job> {
    caller.require_sim()?;
    jobs::get(db, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no job {id}")))
}

/// One job of a year, for the SIM; a job of another year is not found.
pub async fn of_year(db: &Db, caller: &Caller, year_id: i64, id: i64) -> AppResult<Job> {
    caller.require_sim()?;
    jobs::get(db, id)
        .await?
        .filter(|j| j.year_id == year_id)
        .ok_or_else(|| AppError::not_found(format!("no job {id} in this year")))
}

/// Cancels a job: a queued one at once, a running one at its next
/// heartbeat (`state` and `cancel_requested` say which). Refused for a job
/// that has already ended.
pub async fn cancel(db: &Db, caller: &Caller, id: i64) -> AppResult<Job> {
    caller.require_sim()?;
    match jobs::request_cancel(db, id, caller.user_id).await? {
        Cancel::Cancelled(job) | Cancel::Requested(job) => Ok(job),
        Cancel::Finished(job) => Err(AppError::conflict(format!(
            "job {id} has already ended ({})",
            job.state.as_str()
        ))),
        Cancel::NotFound => Err(AppError::not_found(format!("no job {id}"))),
    }
}

/// The year's latest allocation of consultants' days, whole (404 before the
/// first).
pub async fn latest_allocation(db: &Db, year: &SimYear) -> AppResult<AllocationVersion> {
    allocations::latest(db, year.year.id)
        .await?
        .ok_or_else(|| AppError::not_found("no allocation for this year yet"))
}

/// A consultant's part of the latest allocation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MyAllocation {
    pub allocation_version: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// My days: school, area, days.
    #[schema(value_type = Vec<Object>)]
    pub assignments: Vec<Assignment>,
    /// My load: days available and allocated, schools, travel.
    #[schema(value_type = Option<Object>)]
    pub load: Option<ConsultantLoad>,
}

/// A consultant's own days in the year's latest allocation (their id in the
/// year's consultants). The role is checked before the year, so that nobody
/// else learns which years exist.
pub async fn my_allocation(db: &Db, caller: &Caller, year_id: i64) -> AppResult<MyAllocation> {
    let id = match (caller.role, caller.ext_id.as_deref()) {
        (Role::Consultant, Some(id)) => id.to_string(),
        _ => return Err(AppError::forbidden("only consultants have allocated days")),
    };
    year_or_404(db, year_id).await?;
    let latest = allocations::latest(db, year_id)
        .await?
        .ok_or_else(|| AppError::not_found("no allocation for this year yet"))?;
    Ok(MyAllocation {
        allocation_version: latest.version,
        created_at: latest.created_at,
        assignments: latest
            .allocation
            .allocations
            .into_iter()
            .filter(|a| a.consultant == id)
            .collect(),
        load: latest
            .allocation
            .consultants
            .into_iter()
            .find(|c| c.id == id),
    })
}

//! The SIM's background jobs (matching, allocation) and the allocations they
//! store; a consultant's own days.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use optimiser::allocate::{Assignment, ConsultantLoad};
use serde::{Deserialize, Serialize};

use crate::api::availability::year_or_404;
use crate::auth::{Caller, Role};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::AppState;
use store::jobs::allocations::{self, AllocationVersion};
use store::jobs::{self, Cancel, Enqueued, Job, JobKind};
use store::{inputs, Db};

/// The most jobs a year's list returns, newest first.
const LIST_LIMIT: i64 = 200;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        start_job,
        list_jobs,
        get_job,
        cancel_job,
        latest_allocation,
        my_allocation
    ),
    components(schemas(Job, JobKind, store::jobs::JobState, StartJob, MyAllocation))
)]
pub struct Doc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/years/{year}/jobs", post(start_job).get(list_jobs))
        .route("/jobs/{id}", get(get_job))
        .route("/jobs/{id}/cancel", post(cancel_job))
        .route("/years/{year}/allocations/latest", get(latest_allocation))
        .route("/years/{year}/my/allocation", get(my_allocation))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartJob {
    /// `matching` (groups, then dates: a new draft plan) or `allocation`
    /// (consultants' days: a new allocation version).
    pub kind: JobKind,
}

/// The inputs a kind of job cannot run without.
fn required_inputs(kind: JobKind) -> &'static [&'static str] {
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

/// Start a job for the year. It runs in the background on whichever
/// instance claims it; follow it with `GET /api/jobs/{id}`. A matching job
/// stores a new draft plan, an allocation job a new allocation; a job that
/// fails or is cancelled stores nothing.
#[utoipa::path(post, path = "/api/years/{year}/jobs", tag = "jobs",
    params(("year" = i64, Path, description = "Programme year id")),
    request_body = StartJob,
    responses(
        (status = 202, description = "Queued", body = Job),
        (status = 400, description = "Not a kind of job", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the SIM", body = ErrorBody),
        (status = 404, description = "No such year", body = ErrorBody),
        (status = 409, description = "A job of this kind is already queued or running for the year (code `conflict`, the message names it), or an input it needs is missing (code `missing_input`)", body = ErrorBody),
    ))]
pub async fn start_job(
    State(state): State<AppState>,
    caller: Caller,
    Path(year_id): Path<i64>,
    req: Result<Json<StartJob>, JsonRejection>,
) -> AppResult<(StatusCode, Json<Job>)> {
    caller.require_sim()?;
    year_or_404(&state, year_id).await?;
    let Json(req) = req.map_err(|e| AppError::bad_request(e.body_text()))?;
    let missing = missing_inputs(&state.db, year_id, req.kind).await?;
    if !missing.is_empty() {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "missing_input",
            format!(
                "a {} job needs these inputs uploaded first: {}",
                req.kind,
                missing.join(", ")
            ),
        ));
    }
    match jobs::enqueue(&state.db, year_id, req.kind, Some(caller.user_id)).await? {
        Enqueued::New(job) => {
            crate::jobs::wake();
            Ok((StatusCode::ACCEPTED, Json(job)))
        }
        Enqueued::Busy(job) => Err(AppError::conflict(format!(
            "{} job {} is already {} for this year; wait for it or cancel it",
            job.kind,
            job.id,
            job.state.as_str()
        ))),
    }
}

/// The year's jobs, newest first (the latest 200).
#[utoipa::path(get, path = "/api/years/{year}/jobs", tag = "jobs",
    params(("year" = i64, Path, description = "Programme year id")),
    responses(
        (status = 200, body = Vec<Job>),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the SIM", body = ErrorBody),
        (status = 404, description = "No such year", body = ErrorBody),
    ))]
pub async fn list_jobs(
    State(state): State<AppState>,
    caller: Caller,
    Path(year_id): Path<i64>,
) -> AppResult<Json<Vec<Job>>> {
    caller.require_sim()?;
    year_or_404(&state, year_id).await?;
    Ok(Json(jobs::list(&state.db, year_id, LIST_LIMIT).await?))
}

async fn job_or_404(state: &AppState, id: i64) -> AppResult<Job> {
    jobs::get(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no job {id}")))
}

/// One job: its state, progress, message (what it is doing, or why it
/// failed) and, once succeeded, the plan or allocation it stored.
#[utoipa::path(get, path = "/api/jobs/{id}", tag = "jobs",
    params(("id" = i64, Path, description = "Job id")),
    responses(
        (status = 200, body = Job),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the SIM", body = ErrorBody),
        (status = 404, description = "No such job", body = ErrorBody),
    ))]
pub async fn get_job(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> AppResult<Json<Job>> {
    caller.require_sim()?;
    Ok(Json(job_or_404(&state, id).await?))
}

/// Cancel a job. A queued job is cancelled at once; a running one stops
/// within about a second (its instance checks at every heartbeat) and stores
/// nothing. The grouping stops after the components it is solving; other
/// steps finish their computation in the background and drop the result.
#[utoipa::path(post, path = "/api/jobs/{id}/cancel", tag = "jobs",
    params(("id" = i64, Path, description = "Job id")),
    responses(
        (status = 200, description = "Cancelled (queued) or asked to stop (running): `state` and `cancel_requested` say which", body = Job),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the SIM", body = ErrorBody),
        (status = 404, description = "No such job", body = ErrorBody),
        (status = 409, description = "The job has already ended", body = ErrorBody),
    ))]
pub async fn cancel_job(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> AppResult<Json<Job>> {
    caller.require_sim()?;
    match jobs::request_cancel(&state.db, id, caller.user_id).await? {
        Cancel::Cancelled(job) | Cancel::Requested(job) => Ok(Json(job)),
        Cancel::Finished(job) => Err(AppError::conflict(format!(
            "job {id} has already ended ({})",
            job.state.as_str()
        ))),
        Cancel::NotFound => Err(AppError::not_found(format!("no job {id}"))),
    }
}

/// The year's latest allocation of consultants' days, whole: every
/// assignment, per-school need, tier and shortfall reasons, consultants'
/// loads and cost.
#[utoipa::path(get, path = "/api/years/{year}/allocations/latest", tag = "jobs",
    params(("year" = i64, Path, description = "Programme year id")),
    responses(
        (status = 200, body = AllocationVersion),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the SIM (consultants: GET /api/years/{year}/my/allocation)", body = ErrorBody),
        (status = 404, description = "No such year, or no allocation yet", body = ErrorBody),
    ))]
pub async fn latest_allocation(
    State(state): State<AppState>,
    caller: Caller,
    Path(year_id): Path<i64>,
) -> AppResult<Json<AllocationVersion>> {
    caller.require_sim()?;
    year_or_404(&state, year_id).await?;
    allocations::latest(&state.db, year_id)
        .await?
        .map(Json)
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

/// My days in the year's latest allocation: for consultants (their id in
/// the year's consultants), who see only their own assignments.
#[utoipa::path(get, path = "/api/years/{year}/my/allocation", tag = "consultant",
    params(("year" = i64, Path, description = "Programme year id")),
    responses(
        (status = 200, body = MyAllocation),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not a consultant", body = ErrorBody),
        (status = 404, description = "No such year, or no allocation yet", body = ErrorBody),
    ))]
pub async fn my_allocation(
    State(state): State<AppState>,
    caller: Caller,
    Path(year_id): Path<i64>,
) -> AppResult<Json<MyAllocation>> {
    let id = match (caller.role, caller.ext_id.as_deref()) {
        (Role::Consultant, Some(id)) => id.to_string(),
        _ => return Err(AppError::forbidden("only consultants have allocated days")),
    };
    year_or_404(&state, year_id).await?;
    let latest = allocations::latest(&state.db, year_id)
        .await?
        .ok_or_else(|| AppError::not_found("no allocation for this year yet"))?;
    Ok(Json(MyAllocation {
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
    }))
}

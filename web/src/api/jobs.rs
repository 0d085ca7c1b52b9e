//! The SIM's background jobs (matching, allocation) and the allocations they
//! store; a consultant's own days. Adapters over `app::jobs`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::doc::{SimOnly, SimOnlyOrNoYear, Unsigned, YearPath};
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Body, Signed, SimYear};
use crate::AppState;
use app::jobs::{self, MyAllocation};
use store::jobs::allocations::AllocationVersion;
use store::jobs::{Job, JobKind};

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

/// Start a job for the year. It runs in the background on whichever
/// instance claims it; follow it with `GET /api/jobs/{id}`. A matching job
/// stores a new draft plan, an allocation job a new allocation; a job that
/// fails or is cancelled stores nothing.
#[utoipa::path(post, path = "/api/years/{year}/jobs", tag = "jobs",
    params(YearPath),
    request_body = StartJob,
    responses(
        (status = 202, description = "Queued", body = Job),
        (status = 400, description = "Not a kind of job", body = ErrorBody),
        SimOnlyOrNoYear,
        (status = 409, description = "A job of this kind is already queued or running for the year (code `conflict`, the message names it), or an input it needs is missing (code `missing_input`)", body = ErrorBody),
    ))]
pub async fn start_job(
    State(state): State<AppState>,
    year: SimYear,
    Body(req): Body<StartJob>,
) -> AppResult<(StatusCode, Json<Job>)> {
    let job = crate::jobs::start(&state.db, &year, req.kind).await?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// The year's jobs, newest first (the latest 200).
#[utoipa::path(get, path = "/api/years/{year}/jobs", tag = "jobs",
    params(YearPath),
    responses(
        (status = 200, body = Vec<Job>),
        SimOnlyOrNoYear,
    ))]
pub async fn list_jobs(State(state): State<AppState>, year: SimYear) -> AppResult<Json<Vec<Job>>> {
    Ok(Json(jobs::list(&state.db, &year).await?))
}

/// One job: its state, progress, message (what it is doing, or why it
/// failed) and, once succeeded, the plan or allocation it stored.
#[utoipa::path(get, path = "/api/jobs/{id}", tag = "jobs",
    params(("id" = i64, Path, description = "Job id")),
    responses(
        (status = 200, body = Job),
        SimOnly,
        (status = 404, description = "No such job", body = ErrorBody),
    ))]
pub async fn get_job(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<i64>,
) -> AppResult<Json<Job>> {
    Ok(Json(jobs::get(&state.db, &caller, id).await?))
}

/// Cancel a job. A queued job is cancelled at once; a running one stops
/// within about a second (its instance checks at every heartbeat) and stores
/// nothing. The grouping stops after the components it is solving; other
/// steps finish their computation in the background and drop the result.
#[utoipa::path(post, path = "/api/jobs/{id}/cancel", tag = "jobs",
    params(("id" = i64, Path, description = "Job id")),
    responses(
        (status = 200, description = "Cancelled (queued) or asked to stop (running): `state` and `cancel_requested` say which", body = Job),
        SimOnly,
        (status = 404, description = "No such job", body = ErrorBody),
        (status = 409, description = "The job has already ended", body = ErrorBody),
    ))]
pub async fn cancel_job(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<i64>,
) -> AppResult<Json<Job>> {
    Ok(Json(jobs::cancel(&state.db, &caller, id).await?))
}

/// The year's latest allocation of consultants' days, whole: every
/// assignment, per-school need, tier and shortfall reasons, consultants'
/// loads and cost.
#[utoipa::path(get, path = "/api/years/{year}/allocations/latest", tag = "jobs",
    params(YearPath),
    responses(
        (status = 200, body = AllocationVersion),
        Unsigned,
        (status = 403, description = "Not the SIM (consultants: GET /api/years/{year}/my/allocation)", body = ErrorBody),
        (status = 404, description = "No such year, or no allocation yet", body = ErrorBody),
    ))]
pub async fn latest_allocation(
    State(state): State<AppState>,
    year: SimYear,
) -> AppResult<Json<AllocationVersion>> {
    Ok(Json(jobs::latest_allocation(&state.db, &year).await?))
}

/// My days in the year's latest allocation: for consultants (their id in
/// the year's consultants), who see only their own assignments.
#[utoipa::path(get, path = "/api/years/{year}/my/allocation", tag = "consultant",
    params(YearPath),
    responses(
        (status = 200, body = MyAllocation),
        Unsigned,
        (status = 403, description = "Not a consultant", body = ErrorBody),
        (status = 404, description = "No such year, or no allocation yet", body = ErrorBody),
    ))]
pub async fn my_allocation(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(year_id): Path<i64>,
) -> AppResult<Json<MyAllocation>> {
    Ok(Json(
        jobs::my_allocation(&state.db, &caller, year_id).await?,
    ))
}

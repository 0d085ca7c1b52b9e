//! The SIM follows the write-ups: where each review's write-up stands and
//! which are overdue.

use axum::extract::State;
use axum::Json;

use crate::api::doc::{SimOnly, SimOnlyOrNoYear, YearPath};
use crate::error::AppResult;
use crate::extract::SimYear;
use crate::AppState;
use app::head::status::{self, EstimatesInAggregate, WriteupStatusList};

/// Where each write-up stands, for the SIM.
///
/// One entry per review of the published plan: host, lead, dates, status
/// (`none`, `draft`, `submitted`) and whether it is overdue (the review's
/// last day plus `[writeups] due_days` of the year's rules, 14 by default,
/// passed without a submission). It names schools and leads, never the
/// write-ups' content.
#[utoipa::path(get, path = "/api/years/{year}/writeups/status", tag = "writeup",
    params(YearPath),
    responses(
        (status = 200, body = WriteupStatusList),
        SimOnly,
        (status = 404, description = "No such year, or no published plan", body = crate::error::ErrorBody),
        (status = 409, description = "The year's rules have a malformed [writeups] table", body = crate::error::ErrorBody),
    ))]
pub async fn writeup_status(
    State(state): State<AppState>,
    sy: SimYear,
) -> AppResult<Json<WriteupStatusList>> {
    Ok(Json(status::writeup_status(&state.db, &sy).await?))
}

/// The estimates of the write-ups the SIM may not read in full, counted
/// together (never by school) and only over five schools or more.
///
/// Estimates attached to a school are what its head chose not to share; in
/// aggregate over enough schools the programme still learns where schools
/// stand.
#[utoipa::path(get, path = "/api/years/{year}/writeups/estimates", tag = "writeup",
    params(YearPath),
    responses(
        (status = 200, body = EstimatesInAggregate),
        SimOnlyOrNoYear,
    ))]
pub async fn estimates(
    State(state): State<AppState>,
    sy: SimYear,
) -> AppResult<Json<EstimatesInAggregate>> {
    Ok(Json(status::estimates_in_aggregate(&state.db, &sy).await?))
}

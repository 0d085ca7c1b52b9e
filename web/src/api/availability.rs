//! A person's own availability for a year: read it, replace it.

use axum::extract::{Path, State};
use axum::Json;

use crate::api::doc::{RefusedOrMissing, YearPath};
use crate::api::Created;
use crate::error::AppResult;
use crate::extract::{Signed, Unchecked};
use crate::AppState;
use app::availability::{self, AvailabilityRequest, AvailabilitySaved};
use store::availability::Submission;

// The role is checked before the year (see `app::availability`), so these
// take the caller and the year's id rather than a checked year.

/// My latest availability for the year (404 before the first submission).
#[utoipa::path(get, path = "/api/years/{year}/availability", tag = "availability",
    params(YearPath),
    responses((status = 200, body = Submission), RefusedOrMissing))]
pub async fn get_own(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(year_id): Path<i64>,
) -> AppResult<Json<Submission>> {
    Ok(Json(
        availability::get_own(&state.db, &caller, year_id).await?,
    ))
}

/// Replace my availability for the year: stored as a new version, the
/// earlier ones kept. Refused after the deadline.
#[utoipa::path(put, path = "/api/years/{year}/availability", tag = "availability",
    params(YearPath),
    request_body = AvailabilityRequest,
    responses(
        (status = 201, body = AvailabilitySaved),
        (status = 400, description = "A date outside the window, on a blackout or twice", body = crate::error::ErrorBody),
        RefusedOrMissing,
        (status = 409, description = "The deadline has passed", body = crate::error::ErrorBody),
    ))]
pub async fn put_own(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(year_id): Path<i64>,
    Unchecked(req): Unchecked<AvailabilityRequest>,
) -> AppResult<Created<AvailabilitySaved>> {
    let saved = availability::submit(&state.db, &caller, year_id, req).await?;
    Ok(Created(saved))
}

//! A person's own availability for a year: read it, replace it.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::auth::{Caller, Role};
use crate::error::{AppError, AppResult};
use crate::AppState;
use store::availability::{self, DateLevel, Submission};
use store::years::{self, Year};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityRequest {
    /// Every date the person can take part; dates not listed are unavailable.
    pub dates: Vec<DateLevel>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AvailabilitySaved {
    pub version: i64,
    pub dates: usize,
}

/// Heads and advisers take part in reviews; only they give availability.
fn may_give_availability(caller: &Caller) -> AppResult<()> {
    match caller.role {
        Role::Head | Role::Adviser => Ok(()),
        _ => Err(AppError::forbidden(
            "only heads and advisers give availability",
        )),
    }
}

pub async fn year_or_404(state: &AppState, year_id: i64) -> AppResult<Year> {
    years::load(&state.db, year_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no programme year {year_id}")))
}

/// My latest availability for the year (404 before the first submission).
#[utoipa::path(get, path = "/api/years/{year}/availability", tag = "availability",
    params(("year" = i64, Path, description = "Programme year id")),
    responses(
        (status = 200, body = Submission),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
    ))]
pub async fn get_own(
    State(state): State<AppState>,
    caller: Caller,
    Path(year_id): Path<i64>,
) -> AppResult<Json<Submission>> {
    may_give_availability(&caller)?;
    year_or_404(&state, year_id).await?;
    availability::current(&state.db, year_id, caller.user_id)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::not_found("no availability submitted yet"))
}

/// Replace my availability for the year: stored as a new version, the
/// earlier ones kept. Refused after the deadline.
#[utoipa::path(put, path = "/api/years/{year}/availability", tag = "availability",
    params(("year" = i64, Path, description = "Programme year id")),
    request_body = AvailabilityRequest,
    responses(
        (status = 201, body = AvailabilitySaved),
        (status = 400, description = "A date outside the window, on a blackout or twice", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "The deadline has passed", body = crate::error::ErrorBody),
    ))]
pub async fn put_own(
    State(state): State<AppState>,
    caller: Caller,
    Path(year_id): Path<i64>,
    req: Result<Json<AvailabilityRequest>, JsonRejection>,
) -> AppResult<(StatusCode, Json<AvailabilitySaved>)> {
    may_give_availability(&caller)?;
    // Read only once the role is known to give availability.
    let Json(req) = req.map_err(|e| AppError::bad_request(e.body_text()))?;
    let year = year_or_404(&state, year_id).await?;
    if !year.open_for_availability(years::today()) {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "too_late",
            format!("availability closed on {}", year.deadline),
        ));
    }
    availability::check(&year, caller.urn.as_deref(), &req.dates).map_err(AppError::bad_request)?;
    let version = availability::submit(&state.db, year_id, caller.user_id, &req.dates).await?;
    Ok((
        StatusCode::CREATED,
        Json(AvailabilitySaved {
            version,
            dates: req.dates.len(),
        }),
    ))
}

//! A head's choices for their school: focus areas and schools to avoid.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

use super::body;
use super::school::{own_school, year_schools};
use crate::api::availability::year_or_404;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::AppState;
use store::choices::{self, Choices, Saved};
use store::years;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChoicesSaved {
    pub version: i64,
}

/// My school's latest choices (404 before the first save).
#[utoipa::path(get, path = "/api/years/{year}/my/choices", tag = "head",
    params(("year" = i64, Path, description = "Programme year id")),
    responses(
        (status = 200, body = Saved),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "Not a head", body = crate::error::ErrorBody),
        (status = 404, description = "No such year, or no choices saved yet", body = crate::error::ErrorBody),
    ))]
pub async fn get_choices(
    State(state): State<AppState>,
    caller: Caller,
    Path(year_id): Path<i64>,
) -> AppResult<Json<Saved>> {
    let urn = caller.require_head()?;
    year_or_404(&state, year_id).await?;
    choices::current(&state.db, year_id, urn)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::not_found("no choices saved yet"))
}

/// Replace my school's focus areas and requests not to be grouped with named
/// schools.
///
/// Each avoided school must be one of the year's schools, not my own, with
/// a reason. Stored as a new version, the earlier ones kept; the grouping
/// reads the latest. Refused after the availability deadline.
#[utoipa::path(put, path = "/api/years/{year}/my/choices", tag = "head",
    params(("year" = i64, Path, description = "Programme year id")),
    request_body = Choices,
    responses(
        (status = 201, body = ChoicesSaved),
        (status = 400, description = "An unknown focus area, an avoided URN that is not a school of the year or is your own, a missing reason; the message names it", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "Not a head", body = crate::error::ErrorBody),
        (status = 404, description = "No such year, or your school is not among its schools", body = crate::error::ErrorBody),
        (status = 409, description = "The deadline has passed (code too_late), or the year's schools are not loaded", body = crate::error::ErrorBody),
    ))]
pub async fn put_choices(
    State(state): State<AppState>,
    caller: Caller,
    Path(year_id): Path<i64>,
    req: Result<Json<Choices>, JsonRejection>,
) -> AppResult<(StatusCode, Json<ChoicesSaved>)> {
    let urn = caller.require_head()?;
    let year = year_or_404(&state, year_id).await?;
    let req = body(req)?;
    if !year.open_for_availability(years::today()) {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "too_late",
            format!("choices closed on {}", year.deadline),
        ));
    }
    let schools = year_schools(&state, year_id).await?;
    own_school(&schools, year_id, urn)?;
    choices::check(&req, urn, &schools).map_err(AppError::bad_request)?;
    let version = choices::save(&state.db, year_id, urn, caller.user_id, &req).await?;
    Ok((StatusCode::CREATED, Json(ChoicesSaved { version })))
}

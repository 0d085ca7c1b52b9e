//! A head's choices for their school: focus areas and schools to avoid.

use axum::extract::State;
use axum::Json;

use crate::api::doc::{HeadsOnly, YearPath};
use crate::api::Created;
use crate::error::AppResult;
use crate::extract::{Body, HeadYear};
use crate::AppState;
use app::head::choices::{self, ChoicesSaved};
use store::choices::{Choices, Saved};

/// My school's latest choices (404 before the first save).
#[utoipa::path(get, path = "/api/years/{year}/my/choices", tag = "head",
    params(YearPath),
    responses(
        (status = 200, body = Saved),
        HeadsOnly,
        (status = 404, description = "No such year, or no choices saved yet", body = crate::error::ErrorBody),
    ))]
pub async fn get_choices(State(state): State<AppState>, hy: HeadYear) -> AppResult<Json<Saved>> {
    Ok(Json(choices::get(&state.db, &hy).await?))
}

/// Replace my school's focus areas and requests not to be grouped with named
/// schools.
///
/// Each avoided school must be one of the year's schools, not my own, with
/// a reason. Stored as a new version, the earlier ones kept; the grouping
/// reads the latest. Refused after the availability deadline.
#[utoipa::path(put, path = "/api/years/{year}/my/choices", tag = "head",
    params(YearPath),
    request_body = Choices,
    responses(
        (status = 201, body = ChoicesSaved),
        (status = 400, description = "An unknown focus area, an avoided URN that is not a school of the year or is your own, a missing reason; the message names it", body = crate::error::ErrorBody),
        HeadsOnly,
        (status = 404, description = "No such year, or your school is not among its schools", body = crate::error::ErrorBody),
        (status = 409, description = "The deadline has passed (code too_late), or the year's schools are not loaded", body = crate::error::ErrorBody),
    ))]
pub async fn put_choices(
    State(state): State<AppState>,
    hy: HeadYear,
    Body(req): Body<Choices>,
) -> AppResult<Created<ChoicesSaved>> {
    Ok(Created(choices::save(&state.db, &hy, &req).await?))
}

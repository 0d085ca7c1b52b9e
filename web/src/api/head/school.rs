//! A head's own school for the year: what the council holds about it, where
//! their availability and choices stand.

use axum::extract::State;
use axum::Json;

use crate::api::doc::{HeadsOnly, YearPath};
use crate::error::AppResult;
use crate::extract::HeadYear;
use crate::AppState;
use app::head::school::{self, MySchool};

/// My school for the year, with my availability and choices.
#[utoipa::path(get, path = "/api/years/{year}/my/school", tag = "head",
    params(YearPath),
    responses(
        (status = 200, body = MySchool),
        HeadsOnly,
        (status = 404, description = "No such year, or the school is not among its schools", body = crate::error::ErrorBody),
        (status = 409, description = "The year's schools are not loaded yet", body = crate::error::ErrorBody),
    ))]
pub async fn my_school(State(state): State<AppState>, hy: HeadYear) -> AppResult<Json<MySchool>> {
    Ok(Json(school::my_school(&state.db, &hy).await?))
}

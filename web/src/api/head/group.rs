//! After publication: a head's group (schools, reviews, dates, their own
//! roles) and an adviser's groups.

use axum::extract::{Path, State};
use axum::Json;

use crate::api::doc::{HeadsOnly, Unsigned, YearPath};
use crate::error::AppResult;
use crate::extract::{HeadYear, Signed};
use crate::AppState;
use app::head::group::{self, GroupView, MyAssignments};

/// My group in the published plan.
///
/// Its schools, reviews and dates, adviser, and my roles (hosting, leading
/// at one school, reviewing at another). 404 before publication, or where
/// my school is in no group (with the reason).
#[utoipa::path(get, path = "/api/years/{year}/my/group", tag = "head",
    params(YearPath),
    responses(
        (status = 200, body = GroupView),
        HeadsOnly,
        (status = 404, description = "No such year, the plan is not published yet, or the school is in no group (the message gives the reason)", body = crate::error::ErrorBody),
    ))]
pub async fn my_group(State(state): State<AppState>, hy: HeadYear) -> AppResult<Json<GroupView>> {
    Ok(Json(group::my_group(&state.db, &hy).await?))
}

/// The groups I advise in the published plan, with their reviews and dates.
///
/// For advisers (their id in the year's advisers); an adviser with no group
/// gets an empty list.
#[utoipa::path(get, path = "/api/years/{year}/my/assignments", tag = "adviser",
    params(YearPath),
    responses(
        (status = 200, body = MyAssignments),
        Unsigned,
        (status = 403, description = "Not an adviser", body = crate::error::ErrorBody),
        (status = 404, description = "No such year, or the plan is not published yet", body = crate::error::ErrorBody),
    ))]
pub async fn my_assignments(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(year_id): Path<i64>,
) -> AppResult<Json<MyAssignments>> {
    Ok(Json(
        group::my_assignments(&state.db, &caller, year_id).await?,
    ))
}

//! A head's own school for the year: what the council holds about it, where
//! their availability and choices stand.

use axum::extract::{Path, State};
use axum::Json;
use chrono::NaiveDate;
use optimiser::model::School;
use serde::Serialize;

use crate::api::availability::year_or_404;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::AppState;
use store::{availability, choices, inputs, years};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SchoolInfo {
    pub urn: String,
    pub name: String,
    pub la_name: String,
    /// GIAS phase of education.
    pub phase: String,
    pub establishment_type: String,
    pub trust: Option<String>,
    pub postcode: Option<String>,
    pub pupils: Option<u32>,
    pub fsm_percent: Option<f64>,
    /// Latest Ofsted grade, where inspected.
    pub ofsted: Option<String>,
}

impl From<&School> for SchoolInfo {
    fn from(s: &School) -> SchoolInfo {
        SchoolInfo {
            urn: s.urn.to_string(),
            name: s.name.clone(),
            la_name: s.la_name.clone(),
            phase: s.phase.gias_name().to_string(),
            establishment_type: s.establishment_type.clone(),
            trust: s.trust.clone(),
            postcode: s.postcode.clone(),
            pupils: s.pupils,
            fsm_percent: s.fsm_percent,
            ofsted: s.ofsted.map(|g| g.gias_name().to_string()),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AvailabilityState {
    pub version: i64,
    pub submitted_at: i64,
    /// How many dates were offered.
    pub dates: usize,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MySchool {
    pub year_id: i64,
    pub school: SchoolInfo,
    /// Last day (inclusive) availability and choices may change.
    #[schema(value_type = String, format = Date)]
    pub deadline: NaiveDate,
    /// Whether availability and choices may still change today.
    pub open: bool,
    /// The latest availability, None before the first submission.
    pub availability: Option<AvailabilityState>,
    /// The latest focus areas and avoid requests, None before the first save.
    pub choices: Option<choices::Saved>,
}

/// The year's schools: 409 where they are not loaded yet.
pub async fn year_schools(state: &AppState, year_id: i64) -> AppResult<Vec<School>> {
    inputs::latest::<Vec<School>>(&state.db, year_id, "schools")
        .await?
        .map(|s| s.data)
        .ok_or_else(|| {
            AppError::conflict(format!(
                "the schools of year {year_id} are not loaded yet; ask the School Improvement Manager"
            ))
        })
}

/// The head's school among the year's schools, or 404.
pub fn own_school<'s>(schools: &'s [School], year_id: i64, urn: &str) -> AppResult<&'s School> {
    schools
        .iter()
        .find(|s| s.urn.to_string() == urn)
        .ok_or_else(|| {
            AppError::not_found(format!(
                "your school (URN {urn}) is not among the schools of year {year_id}"
            ))
        })
}

/// My school for the year, with my availability and choices.
#[utoipa::path(get, path = "/api/years/{year}/my/school", tag = "head",
    params(("year" = i64, Path, description = "Programme year id")),
    responses(
        (status = 200, body = MySchool),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "Not a head", body = crate::error::ErrorBody),
        (status = 404, description = "No such year, or the school is not among its schools", body = crate::error::ErrorBody),
        (status = 409, description = "The year's schools are not loaded yet", body = crate::error::ErrorBody),
    ))]
pub async fn my_school(
    State(state): State<AppState>,
    caller: Caller,
    Path(year_id): Path<i64>,
) -> AppResult<Json<MySchool>> {
    let urn = caller.require_head()?;
    let year = year_or_404(&state, year_id).await?;
    let schools = year_schools(&state, year_id).await?;
    let school = own_school(&schools, year_id, urn)?;
    let availability = availability::current(&state.db, year_id, caller.user_id)
        .await?
        .map(|s| AvailabilityState {
            version: s.version,
            submitted_at: s.submitted_at,
            dates: s.dates.len(),
        });
    Ok(Json(MySchool {
        year_id,
        school: SchoolInfo::from(school),
        deadline: year.deadline,
        open: year.open_for_availability(years::today()),
        availability,
        choices: choices::current(&state.db, year_id, urn).await?,
    }))
}

//! A head's choices for their school: focus areas and schools to avoid.

use serde::Serialize;
use store::choices::{self, Choices, Saved};
use store::{years, Db};

use super::school::{own_school, year_schools};
use crate::caller::HeadYear;
use crate::error::{AppError, AppResult};
use crate::text;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChoicesSaved {
    pub version: i64,
}

/// My school's latest choices (404 before the first save).
pub async fn get(db: &Db, hy: &HeadYear) -> AppResult<Saved> {
    choices::current(db, hy.year.id, &hy.urn)
        .await?
        .ok_or_else(|| AppError::not_found("no choices saved yet"))
}

/// Replace my school's focus areas and requests not to be grouped with
/// named schools: each avoided school one of the year's, not my own, with a
/// reason. A new version, the earlier ones kept; refused after the deadline.
pub async fn save(db: &Db, hy: &HeadYear, req: &Choices) -> AppResult<ChoicesSaved> {
    let year = &hy.year;
    if !year.open_for_availability(years::today()) {
        return Err(AppError::too_late(format!(
            "choices closed on {}",
            year.deadline
        )));
    }
    let schools = year_schools(db, year.id).await?;
    own_school(&schools, year.id, &hy.urn)?;
    for a in &req.avoid {
        text::check_line("Reason", &a.reason)?;
    }
    choices::check(req, &hy.urn, &schools).map_err(AppError::bad_request)?;
    let version = choices::save(db, year.id, &hy.urn, hy.caller.user_id, req).await?;
    Ok(ChoicesSaved { version })
}

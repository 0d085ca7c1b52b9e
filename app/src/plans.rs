//! Plan versions: the SIM lists, reads and publishes them.

use serde::Serialize;
use store::plans::{self, PlanListing, PlanVersion, Publishing};
use store::Db;

use crate::caller::SimYear;
use crate::error::{AppError, AppResult, Kind, Problem};

/// A plan version of the year, or the 404 that names it.
pub async fn plan_or_404(db: &Db, year_id: i64, version: i64) -> AppResult<PlanVersion> {
    plans::get(db, year_id, version)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no plan version {version} in year {year_id}")))
}

/// Every plan version of the year.
pub async fn list(db: &Db, year: &SimYear) -> AppResult<Vec<PlanListing>> {
    Ok(plans::list_versions(db, year.year.id).await?)
}

/// One plan version.
pub async fn get(db: &Db, year: &SimYear, version: i64) -> AppResult<PlanVersion> {
    plan_or_404(db, year.year.id, version).await
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Published {
    pub version: i64,
    pub status: String,
    /// Whether the plan was checked against the year's inputs (false only
    /// where no schools are uploaded to check it with).
    pub checked: bool,
}

/// Publishes a draft; the plan published before is withdrawn. The plan is
/// checked once more against every rule with the year's current inputs
/// (and, if dated, the calendar and everyone's latest availability); an
/// invalid plan is refused with every violation listed.
pub async fn publish(db: &Db, year: &SimYear, version: i64) -> AppResult<Published> {
    let year_id = year.year.id;
    // What the SIM replaces: publishing is a compare-and-set on it.
    let expected = plans::published_version(db, year_id).await?;
    let plan = plan_or_404(db, year_id, version).await?;
    if plan.status != "draft" {
        return Err(not_a_draft(version, Some(&plan.status)));
    }
    let violations = plans::violations(db, &year.year, &plan.plan).await?;
    if let Some(v) = violations.as_ref().filter(|v| !v.is_empty()) {
        return Err(AppError::invalid(
            Kind::Unprocessable,
            "invalid_plan",
            format!(
                "plan version {version} breaks {} rule(s) with the year's current inputs; it was not published",
                v.len()
            ),
            v.iter().map(Problem::message).collect(),
        ));
    }
    match plans::publish_replacing(db, year_id, version, year.caller.user_id, expected).await? {
        Publishing::Published => Ok(Published {
            version,
            status: "published".into(),
            checked: violations.is_some(),
        }),
        Publishing::NotDraft(status) => Err(not_a_draft(version, status.as_deref())),
        Publishing::Overtaken(now) => Err(AppError::conflict(match now {
            Some(winner) => format!(
                "plan version {winner} was published while version {version} was being checked, \
                 so version {version} was not published; compare the two and publish again \
                 if version {version} should replace it"
            ),
            None => format!(
                "the published plan changed while version {version} was being checked, \
                 so version {version} was not published; publish it again"
            ),
        })),
    }
}

/// Why a version that is not a draft cannot be published, in words.
fn not_a_draft(version: i64, status: Option<&str>) -> AppError {
    AppError::conflict(match status {
        Some("published") => format!("plan version {version} is already published"),
        Some("withdrawn") => format!(
            "plan version {version} was withdrawn when another plan was published; \
             only a draft can be published"
        ),
        Some(other) => format!("plan version {version} is {other}; only a draft can be published"),
        None => format!("there is no plan version {version} in this year"),
    })
}

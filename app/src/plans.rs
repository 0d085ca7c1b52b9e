//! Plan versions: the SIM lists, reads and publishes them.

use serde::Serialize;
use store::plans::{self, PlanListing, PlanVersion};
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
    let plan = plan_or_404(db, year_id, version).await?;
    let not_draft = || {
        AppError::conflict(format!(
            "plan version {version} is {}, not a draft",
            plan.status
        ))
    };
    if plan.status != "draft" {
        return Err(not_draft());
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
    // The draft may have been published meanwhile; the update is conditional.
    if !plans::publish(db, year_id, version, year.caller.user_id).await? {
        return Err(not_draft());
    }
    Ok(Published {
        version,
        status: "published".into(),
        checked: violations.is_some(),
    })
}

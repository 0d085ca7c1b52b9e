//! Plan versions: the SIM lists, reads and publishes them, and downloads a
//! version as one Excel workbook or as the year's report (one HTML file),
//! and the year's allocation as CSV.

use optimiser::allocate::Allocation;
use optimiser::model::{Adviser, Headteacher, School};
use serde::Serialize;
use store::inputs;
use store::jobs::allocations;
use store::plans::{self, PlanListing, PlanVersion, Publishing};
use store::Db;

use crate::caller::SimYear;
use crate::error::{AppError, AppResult, Kind, Problem};

mod check;
mod diff;
pub use check::{
    check, check_plan, recipients, worth, CheckInput, CheckItem, PlanCheck, PlanNames, Severity,
};
pub use diff::{comparisons, diff, Comparison, PlanDiff};

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
    let events = store::feeds::plan_events(db, year_id, &plan.plan).await?;
    match plans::publish_recording(db, year_id, version, year.caller.user_id, expected, &events)
        .await?
    {
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

/// What to know before publishing a version: the check and what changed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BeforePublishing {
    pub check: PlanCheck,
    /// Against the published plan and the version before, where they exist.
    pub changes: Vec<Comparison>,
}

/// The check of a version and its differences, as the plan page shows them.
pub async fn before_publishing(
    db: &Db,
    year: &SimYear,
    version: i64,
) -> AppResult<BeforePublishing> {
    Ok(BeforePublishing {
        check: check(db, year, version).await?,
        changes: comparisons(db, year, version).await?,
    })
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

/// A file for the SIM to download: its name (safe to put in a header), its
/// media type and its bytes.
#[derive(Debug, Clone)]
pub struct Download {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The media type of an Excel workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file name from a year's name and what the file is: letters, digits,
/// `-`, `_` and `.` only (a year named `2026/27 "pilot"` gives
/// `peer-review-2026-27-pilot-...`), so that it is safe in a
/// `Content-Disposition` header and on any disc.
pub fn file_name(year: &str, what: &str) -> String {
    let mut out = String::new();
    for c in format!("peer-review {year} {what}").chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches(['-', '.']).to_string()
}

/// The year's inputs that name things: schools, heads, advisers.
struct Names {
    schools: Vec<School>,
    heads: Vec<Headteacher>,
    advisers: Vec<Adviser>,
}

async fn names(db: &Db, year_id: i64) -> AppResult<Names> {
    Ok(Names {
        schools: inputs::latest_or_default(db, year_id, "schools").await?,
        heads: inputs::latest_or_default(db, year_id, "heads").await?,
        advisers: inputs::latest_or_default(db, year_id, "advisers").await?,
    })
}

async fn latest_allocation(db: &Db, year_id: i64) -> AppResult<Option<Allocation>> {
    Ok(allocations::latest(db, year_id)
        .await?
        .map(|a| a.allocation))
}

/// The year's latest allocation, or the 404 that says to run one first.
async fn allocation_or_404(db: &Db, year_id: i64) -> AppResult<Allocation> {
    latest_allocation(db, year_id)
        .await?
        .ok_or_else(|| AppError::not_found("no allocation yet: run the allocation first"))
}

/// One Excel workbook of a plan version: groups, reviews with their dates
/// and people, schools left out with their reasons, advisers and their
/// cost, and the year's latest allocation of consultants where there is one.
/// Schools, heads, advisers and consultants by name.
pub async fn workbook(db: &Db, year: &SimYear, version: i64) -> AppResult<Download> {
    let pv = plan_or_404(db, year.year.id, version).await?;
    let names = names(db, year.year.id).await?;
    let allocation = latest_allocation(db, year.year.id).await?;
    let bytes = formats::workbook::plan_workbook(&formats::workbook::PlanBook {
        plan: &pv.plan,
        schools: &names.schools,
        heads: &names.heads,
        advisers: &names.advisers,
        allocation: allocation.as_ref(),
    })
    .map_err(|e| AppError::internal("writing the workbook", e))?;
    Ok(Download {
        file_name: file_name(&year.year.name, &format!("plan {version}.xlsx")),
        content_type: XLSX,
        bytes,
    })
}

/// The year's report of a plan version: one self-contained HTML file (map,
/// groups, reviews, schools left out, advisers and the latest allocation)
/// that opens offline and prints.
pub async fn report(db: &Db, year: &SimYear, version: i64) -> AppResult<Download> {
    let y = &year.year;
    let pv = plan_or_404(db, y.id, version).await?;
    let names = names(db, y.id).await?;
    let allocation = latest_allocation(db, y.id).await?;
    let availability = inputs::year_availability(db, y.id).await?;
    let title = format!(
        "{}, plan version {version}",
        report::title(&names.schools, &y.name)
    );
    let html = report::report_html(&report::Report {
        title: &title,
        plan: &pv.plan,
        preferred_share: report::preferred_share(&pv.plan, &availability),
        schools: &names.schools,
        advisers: &names.advisers,
        allocation: allocation.as_ref(),
    })
    .map_err(|e| AppError::internal("writing the report", e))?;
    Ok(Download {
        file_name: file_name(&y.name, &format!("plan {version} report.html")),
        content_type: "text/html; charset=utf-8",
        bytes: html.into_bytes(),
    })
}

/// The year's latest allocation of consultants' days as CSV: who goes to
/// which school, for what and for how many days; a 404 before the first
/// allocation.
pub async fn allocation_csv(db: &Db, year: &SimYear) -> AppResult<Download> {
    let a = allocation_or_404(db, year.year.id).await?;
    let text = formats::export::allocation_csv(&a)?;
    Ok(Download {
        file_name: file_name(&year.year.name, formats::export::ALLOCATION_CSV),
        content_type: "text/csv; charset=utf-8",
        bytes: text.into_bytes(),
    })
}

/// The year's latest allocation as its own workbook: by consultant and by
/// school in order of need; a 404 before the first allocation.
pub async fn allocation_xlsx(db: &Db, year: &SimYear) -> AppResult<Download> {
    let a = allocation_or_404(db, year.year.id).await?;
    let bytes = formats::workbook::allocation_workbook(&a)
        .map_err(|e| AppError::internal("writing the allocation workbook", e))?;
    Ok(Download {
        file_name: file_name(&year.year.name, "allocation.xlsx"),
        content_type: XLSX,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn file_names_are_safe_in_a_header() {
        assert_eq!(
            file_name("2026-27", "plan 3.xlsx"),
            "peer-review-2026-27-plan-3.xlsx"
        );
        assert_eq!(
            file_name("2026/27 \"pilot\"\r\n", "plan 1 report.html"),
            "peer-review-2026-27-pilot-plan-1-report.html"
        );
        assert_eq!(
            file_name("Année ☃", "allocation.csv"),
            "peer-review-ann-e-allocation.csv"
        );
    }
}

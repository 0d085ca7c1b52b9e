//! The SIM follows the write-ups: where each review's write-up stands and
//! which are overdue.

use axum::extract::{Path, State};
use axum::Json;
use chrono::NaiveDate;
use serde::Serialize;

use super::published_or_404;
use crate::api::availability::year_or_404;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::AppState;
use store::writeups::{self, review_days, Directory, SchoolRef, WriteupRules};
use store::years;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReviewStatus {
    pub group_id: String,
    pub host: SchoolRef,
    pub lead: SchoolRef,
    /// The days of the review; empty where it is not dated.
    #[schema(value_type = Vec<String>)]
    pub dates: Vec<NaiveDate>,
    /// `none` (nothing saved), `draft` or `submitted`.
    pub status: String,
    pub latest_version: Option<i64>,
    /// Unix seconds.
    pub last_saved_at: Option<i64>,
    pub first_submitted_at: Option<i64>,
    /// The review's last day plus the year's `[writeups] due_days`; None
    /// where the review is not dated.
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<NaiveDate>,
    /// Due date passed without a submission.
    pub overdue: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WriteupStatusList {
    pub plan_version: i64,
    /// Days after a review by which its write-up is due (rules `[writeups] due_days`, 14 by default).
    pub due_days: u32,
    #[schema(value_type = String, format = Date)]
    pub today: NaiveDate,
    pub reviews: Vec<ReviewStatus>,
    pub submitted: usize,
    pub overdue: usize,
}

/// The status of every review's write-up on `today`.
fn statuses(
    plan: &store::plans::PlanVersion,
    dir: &Directory,
    progress: &std::collections::BTreeMap<String, writeups::Progress>,
    rules: WriteupRules,
    today: NaiveDate,
) -> Vec<ReviewStatus> {
    let mut out = Vec::new();
    for t in &plan.plan.triads {
        for r in &t.reviews {
            let p = progress.get(&r.host.to_string());
            let dates = review_days(r);
            let due = dates.last().map(|&d| rules.due(d));
            let status = p.map_or("none", |p| p.status.as_str());
            out.push(ReviewStatus {
                group_id: t.id.clone(),
                host: dir.school(r.host),
                lead: dir.school(r.lead),
                dates,
                status: status.to_string(),
                latest_version: p.map(|p| p.latest_version),
                last_saved_at: p.map(|p| p.last_saved_at),
                first_submitted_at: p.and_then(|p| p.first_submitted_at),
                due,
                overdue: status != "submitted" && due.is_some_and(|d| today > d),
            });
        }
    }
    out
}

/// Where each write-up stands, for the SIM.
///
/// One entry per review of the published plan: host, lead, dates, status
/// (`none`, `draft`, `submitted`) and whether it is overdue (the review's
/// last day plus `[writeups] due_days` of the year's rules, 14 by default,
/// passed without a submission). It names schools and leads, never the
/// write-ups' content.
#[utoipa::path(get, path = "/api/years/{year}/writeups/status", tag = "writeup",
    params(("year" = i64, Path, description = "Programme year id")),
    responses(
        (status = 200, body = WriteupStatusList),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "Not the SIM", body = crate::error::ErrorBody),
        (status = 404, description = "No such year, or no published plan", body = crate::error::ErrorBody),
        (status = 409, description = "The year's rules have a malformed [writeups] table", body = crate::error::ErrorBody),
    ))]
pub async fn writeup_status(
    State(state): State<AppState>,
    caller: Caller,
    Path(year_id): Path<i64>,
) -> AppResult<Json<WriteupStatusList>> {
    caller.require_sim()?;
    let year = year_or_404(&state, year_id).await?;
    let rules = WriteupRules::from_toml(&year.rules)
        .map_err(|e| AppError::conflict(format!("the rules of year {year_id}: {e}")))?;
    let plan = published_or_404(&state, year_id).await?;
    let dir = Directory::load(&state.db, year_id).await?;
    let progress = writeups::progress(&state.db, year_id).await?;
    let today = years::today();
    let reviews = statuses(&plan, &dir, &progress, rules, today);
    Ok(Json(WriteupStatusList {
        plan_version: plan.version,
        due_days: rules.due_days,
        today,
        submitted: reviews.iter().filter(|r| r.status == "submitted").count(),
        overdue: reviews.iter().filter(|r| r.overdue).count(),
        reviews,
    }))
}

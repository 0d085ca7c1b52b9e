//! The SIM follows the write-ups: where each review's write-up stands and
//! which are overdue.

use chrono::NaiveDate;
use serde::Serialize;
use store::writeups::{self, review_days, Directory, SchoolRef, WriteupRules};
use store::{years, Db};

use super::published_or_404;
use crate::caller::SimYear;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

/// Where each write-up stands, for the SIM: one entry per review of the
/// published plan, naming schools and leads, never the write-ups' content.
pub async fn writeup_status(db: &Db, sy: &SimYear) -> AppResult<WriteupStatusList> {
    let year_id = sy.year.id;
    let rules = WriteupRules::from_toml(&sy.year.rules)
        .map_err(|e| AppError::conflict(format!("the rules of year {year_id}: {e}")))?;
    let plan = published_or_404(db, year_id).await?;
    let dir = Directory::load(db, year_id).await?;
    let progress = writeups::progress(db, year_id).await?;
    let today = years::today();
    let reviews = statuses(&plan, &dir, &progress, rules, today);
    Ok(WriteupStatusList {
        plan_version: plan.version,
        due_days: rules.due_days,
        today,
        submitted: reviews.iter().filter(|r| r.status == "submitted").count(),
        overdue: reviews.iter().filter(|r| r.overdue).count(),
        reviews,
    })
}

/// The fewest schools whose estimates are shown together, so that no one
/// school's grade can be read off the counts.
pub const MIN_SCHOOLS_IN_AGGREGATE: usize = 5;

/// How many schools got each estimate in one area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AreaCounts {
    /// The area, as the write-up form names it.
    pub area: String,
    pub outstanding: usize,
    pub good: usize,
    pub requires_improvement: usize,
    pub inadequate: usize,
    pub not_estimated: usize,
}

/// The estimates of the write-ups the SIM may not read in full, only as
/// counts over all those schools together, and only where there are at
/// least `MIN_SCHOOLS_IN_AGGREGATE` of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EstimatesInAggregate {
    /// Schools with a submitted write-up whose head has not let the SIM read it in full.
    pub schools: usize,
    /// Whether `areas` is given (enough schools).
    pub shown: bool,
    /// One entry per area; empty where not shown.
    pub areas: Vec<AreaCounts>,
    /// What the counts are, in a sentence.
    pub note: String,
}

/// The areas of the estimates, as the write-up form labels them.
pub const ESTIMATE_AREAS: [&str; 3] = [
    "Leadership at all levels",
    "Quality of provision and outcomes",
    "Provision for disadvantaged pupils and pupils with SEND",
];

/// Counts of the estimates over the schools in `estimates` (one per school).
pub fn aggregate(estimates: &[writeups::Estimates]) -> EstimatesInAggregate {
    let schools = estimates.len();
    if schools < MIN_SCHOOLS_IN_AGGREGATE {
        return EstimatesInAggregate {
            schools,
            shown: false,
            areas: Vec::new(),
            note: format!(
                "{schools} submitted write-up{} not shared with you in full; estimates are \
                 shown only over {MIN_SCHOOLS_IN_AGGREGATE} or more schools, so that no \
                 school's grade can be told",
                if schools == 1 { " is" } else { "s are" }
            ),
        };
    }
    let areas = ESTIMATE_AREAS
        .iter()
        .enumerate()
        .map(|(i, &area)| {
            let mut c = AreaCounts {
                area: area.to_string(),
                outstanding: 0,
                good: 0,
                requires_improvement: 0,
                inadequate: 0,
                not_estimated: 0,
            };
            for e in estimates {
                match e.named()[i].1 {
                    Some(1) => c.outstanding += 1,
                    Some(2) => c.good += 1,
                    Some(3) => c.requires_improvement += 1,
                    Some(4) => c.inadequate += 1,
                    _ => c.not_estimated += 1,
                }
            }
            c
        })
        .collect();
    EstimatesInAggregate {
        schools,
        shown: true,
        areas,
        note: format!(
            "Estimates of the {schools} submitted write-ups not shared with you in full, \
             counted together: no count says which school it is"
        ),
    }
}

/// The estimates in aggregate, for the SIM.
pub async fn estimates_in_aggregate(db: &Db, sy: &SimYear) -> AppResult<EstimatesInAggregate> {
    let estimates = writeups::estimates_without_consent(db, sy.year.id).await?;
    Ok(aggregate(&estimates))
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::writeups::Estimates;

    fn graded(g: u8) -> Estimates {
        Estimates {
            leadership: Some(g),
            provision_and_outcomes: None,
            disadvantaged_and_send: Some(1),
        }
    }

    #[test]
    fn fewer_than_five_schools_show_no_estimate() {
        let four: Vec<_> = (1..=4).map(graded).collect();
        let a = aggregate(&four);
        assert!(!a.shown && a.areas.is_empty(), "{a:?}");
        assert!(
            a.note.contains("4 submitted write-ups are not shared"),
            "{}",
            a.note
        );
        let mut five = four;
        five.push(graded(4));
        let a = aggregate(&five);
        assert!(a.shown);
        let l = &a.areas[0];
        assert_eq!(
            (
                l.outstanding,
                l.good,
                l.requires_improvement,
                l.inadequate,
                l.not_estimated
            ),
            (1, 1, 1, 2, 0)
        );
        assert_eq!(a.areas[1].not_estimated, 5);
        assert_eq!(a.areas[2].outstanding, 5);
    }
}

//! After publication: a head's group (schools, reviews, dates, their own
//! roles) and an adviser's groups.

use chrono::NaiveDate;
use optimiser::triads::plan::{Review, Triad};
use serde::Serialize;
use store::writeups::{review_days, AdviserRef, Directory, SchoolRef};
use store::Db;

use super::published_or_404;
use crate::caller::{year_or_404, Caller, HeadYear, Role};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    pub host: SchoolRef,
    pub lead: SchoolRef,
    /// Every visiting head, the lead first.
    pub reviewers: Vec<SchoolRef>,
    pub days: u32,
    /// The days of the review; empty until it is dated.
    #[schema(value_type = Vec<String>)]
    pub dates: Vec<NaiveDate>,
    /// Why it could not be dated, where it could not, in sentences that
    /// name the people.
    pub unscheduled_reason: Option<String>,
}

/// The names a reason may mention: the year's schools and advisers.
pub fn names(dir: &Directory) -> report::words::Names {
    report::words::Names::new(dir.schools.clone(), dir.advisers.clone())
}

impl ReviewView {
    fn new(dir: &Directory, r: &Review) -> ReviewView {
        ReviewView {
            host: dir.school(r.host),
            lead: dir.school(r.lead),
            reviewers: r.reviewers.iter().map(|&u| dir.school(u)).collect(),
            days: r.days,
            dates: review_days(r),
            unscheduled_reason: report::words::review_undated(r, &names(dir)),
        }
    }
}

/// One part the head plays in the group's reviews.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyRole {
    /// `hosting` (their own school's review), `leading` (leads the review at
    /// `at` and writes it up) or `reviewing` (visits `at` as a reviewer).
    pub role: String,
    pub at: SchoolRef,
    #[schema(value_type = Vec<String>)]
    pub dates: Vec<NaiveDate>,
    /// In words, e.g. "leading the review at Riverside Primary".
    pub description: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupView {
    /// Version of the published plan this comes from.
    pub plan_version: i64,
    pub group_id: String,
    /// `nursery`, `primary`, `secondary` or `special_and_ap`.
    pub phase: String,
    /// In rotation order: each school's review is led by the next one.
    pub schools: Vec<SchoolRef>,
    pub adviser: Option<AdviserRef>,
    /// Why the group has no adviser, where it has none.
    pub adviser_reason: Option<String>,
    pub reviews: Vec<ReviewView>,
    /// Empty for an adviser's view.
    pub my_roles: Vec<MyRole>,
}

impl GroupView {
    fn new(plan_version: i64, dir: &Directory, t: &Triad) -> GroupView {
        GroupView {
            plan_version,
            group_id: t.id.clone(),
            phase: t.phase.key().to_string(),
            schools: t.schools.iter().map(|&u| dir.school(u)).collect(),
            adviser: t.adviser.as_deref().map(|a| dir.adviser(a)),
            adviser_reason: t.adviser_reason.clone(),
            reviews: t.reviews.iter().map(|r| ReviewView::new(dir, r)).collect(),
            my_roles: Vec::new(),
        }
    }
}

/// The parts a school plays in its group's reviews, hosting first.
fn roles_of(dir: &Directory, t: &Triad, me: optimiser::model::Urn) -> Vec<MyRole> {
    let mut out = Vec::new();
    for r in &t.reviews {
        let (role, verb) = if r.host == me {
            ("hosting", "hosting the review of your school")
        } else if r.lead == me {
            ("leading", "leading the review at")
        } else if r.reviewers.contains(&me) {
            ("reviewing", "reviewing at")
        } else {
            continue;
        };
        let at = dir.school(r.host);
        let description = if role == "hosting" {
            verb.to_string()
        } else {
            format!("{verb} {}", at.name.as_deref().unwrap_or(&at.urn))
        };
        out.push(MyRole {
            role: role.to_string(),
            at,
            dates: review_days(r),
            description,
        });
    }
    out.sort_by_key(|r| r.role != "hosting");
    out
}

/// Where a head's school stands in the published plan.
#[derive(Debug, Clone)]
pub enum MyPlace {
    /// Nothing is published yet.
    NotPublished,
    /// In a group.
    Group(Box<GroupView>),
    /// Left out by the published plan: why, and what the SIM can do, in
    /// sentences.
    LeftOut { why: String, remedy: String },
    /// Published, but the school was not among the plan's schools.
    NotInPlan,
}

/// My school's place in the published plan: its group, or why it has none.
pub async fn my_place(db: &Db, hy: &HeadYear) -> AppResult<MyPlace> {
    let year_id = hy.year.id;
    let Some(plan) = store::plans::latest(db, year_id, "published").await? else {
        return Ok(MyPlace::NotPublished);
    };
    let Ok(me) = hy.urn.parse::<optimiser::model::Urn>() else {
        return Ok(MyPlace::NotInPlan);
    };
    let dir = Directory::load(db, year_id).await?;
    if let Some(group) = plan.plan.triads.iter().find(|t| t.schools.contains(&me)) {
        let mut view = GroupView::new(plan.version, &dir, group);
        view.my_roles = roles_of(&dir, group, me);
        return Ok(MyPlace::Group(Box::new(view)));
    }
    Ok(match plan.plan.unplaced.iter().find(|u| u.urn == me) {
        Some(u) => MyPlace::LeftOut {
            why: report::words::unplaced(u, &names(&dir)),
            remedy: report::words::left_out_remedy(u.why.as_ref()).to_string(),
        },
        None => MyPlace::NotInPlan,
    })
}

/// My group in the published plan: its schools, reviews and dates, adviser,
/// and my roles. 404 before publication, or where my school is in no group
/// (with the reason).
pub async fn my_group(db: &Db, hy: &HeadYear) -> AppResult<GroupView> {
    match my_place(db, hy).await? {
        MyPlace::Group(g) => Ok(*g),
        MyPlace::NotPublished => Err(AppError::not_found(
            "the groups of this year are not published yet",
        )),
        MyPlace::LeftOut { why, .. } => Err(AppError::not_found(format!(
            "your school is in no group this year. {why}"
        ))),
        MyPlace::NotInPlan => Err(AppError::not_found(
            "your school is not part of the published plan",
        )),
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyAssignments {
    pub plan_version: i64,
    /// The groups the adviser supports, with every review and its dates.
    pub groups: Vec<GroupView>,
}

/// The groups I advise in the published plan, with their reviews and dates;
/// an adviser with no group gets an empty list. The role is checked before
/// the year, so that nobody else learns which years exist.
pub async fn my_assignments(db: &Db, caller: &Caller, year_id: i64) -> AppResult<MyAssignments> {
    let id = match (caller.role, caller.ext_id.as_deref()) {
        (Role::Adviser, Some(id)) => id,
        _ => {
            return Err(AppError::forbidden(
                "only advisers have assignments to groups",
            ))
        }
    };
    year_or_404(db, year_id).await?;
    let plan = published_or_404(db, year_id).await?;
    let dir = Directory::load(db, year_id).await?;
    let groups = plan
        .plan
        .triads
        .iter()
        .filter(|t| t.adviser.as_deref() == Some(id))
        .map(|t| GroupView::new(plan.version, &dir, t))
        .collect();
    Ok(MyAssignments {
        plan_version: plan.version,
        groups,
    })
}

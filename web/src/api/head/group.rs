//! After publication: a head's group (schools, reviews, dates, their own
//! roles) and an adviser's groups.

use axum::extract::{Path, State};
use axum::Json;
use chrono::NaiveDate;
use optimiser::triads::plan::{Review, Triad};
use serde::Serialize;

use super::{published_or_404, urn};
use crate::api::availability::year_or_404;
use crate::auth::{Caller, Role};
use crate::error::{AppError, AppResult};
use crate::AppState;
use store::writeups::{review_days, AdviserRef, Directory, SchoolRef};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    pub host: SchoolRef,
    pub lead: SchoolRef,
    /// Every visiting head, the lead first.
    pub reviewers: Vec<SchoolRef>,
    pub days: u32,
    /// The days of the review; empty until it is dated.
    #[schema(value_type = Vec<String>)]
    pub dates: Vec<NaiveDate>,
    /// Why it could not be dated, where it could not.
    pub unscheduled_reason: Option<String>,
}

impl ReviewView {
    fn new(dir: &Directory, r: &Review) -> ReviewView {
        ReviewView {
            host: dir.school(r.host),
            lead: dir.school(r.lead),
            reviewers: r.reviewers.iter().map(|&u| dir.school(u)).collect(),
            days: r.days,
            dates: review_days(r),
            unscheduled_reason: r.unscheduled_reason.clone(),
        }
    }
}

/// One part the head plays in the group's reviews.
#[derive(Debug, Serialize, utoipa::ToSchema)]
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
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

/// My group in the published plan.
///
/// Its schools, reviews and dates, adviser, and my roles (hosting, leading
/// at one school, reviewing at another). 404 before publication, or where
/// my school is in no group (with the reason).
#[utoipa::path(get, path = "/api/years/{year}/my/group", tag = "head",
    params(("year" = i64, Path, description = "Programme year id")),
    responses(
        (status = 200, body = GroupView),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "Not a head", body = crate::error::ErrorBody),
        (status = 404, description = "No such year, the plan is not published yet, or the school is in no group (the message gives the reason)", body = crate::error::ErrorBody),
    ))]
pub async fn my_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(year_id): Path<i64>,
) -> AppResult<Json<GroupView>> {
    let mine = caller.require_head()?;
    year_or_404(&state, year_id).await?;
    let plan = published_or_404(&state, year_id).await?;
    let me = urn(mine);
    let group = me.and_then(|me| plan.plan.triads.iter().find(|t| t.schools.contains(&me)));
    let Some(group) = group else {
        let reason = me.and_then(|me| plan.plan.unplaced.iter().find(|u| u.urn == me));
        return Err(AppError::not_found(match reason {
            Some(u) => format!("your school is in no group this year: {}", u.reason),
            None => format!("your school (URN {mine}) is not part of the published plan"),
        }));
    };
    let dir = Directory::load(&state.db, year_id).await?;
    let mut view = GroupView::new(plan.version, &dir, group);
    if let Some(me) = me {
        view.my_roles = roles_of(&dir, group, me);
    }
    Ok(Json(view))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MyAssignments {
    pub plan_version: i64,
    /// The groups the adviser supports, with every review and its dates.
    pub groups: Vec<GroupView>,
}

/// The groups I advise in the published plan, with their reviews and dates.
///
/// For advisers (their id in the year's advisers); an adviser with no group
/// gets an empty list.
#[utoipa::path(get, path = "/api/years/{year}/my/assignments", tag = "adviser",
    params(("year" = i64, Path, description = "Programme year id")),
    responses(
        (status = 200, body = MyAssignments),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "Not an adviser", body = crate::error::ErrorBody),
        (status = 404, description = "No such year, or the plan is not published yet", body = crate::error::ErrorBody),
    ))]
pub async fn my_assignments(
    State(state): State<AppState>,
    caller: Caller,
    Path(year_id): Path<i64>,
) -> AppResult<Json<MyAssignments>> {
    let id = match (caller.role, caller.ext_id.as_deref()) {
        (Role::Adviser, Some(id)) => id,
        _ => {
            return Err(AppError::forbidden(
                "only advisers have assignments to groups",
            ))
        }
    };
    year_or_404(&state, year_id).await?;
    let plan = published_or_404(&state, year_id).await?;
    let dir = Directory::load(&state.db, year_id).await?;
    let groups = plan
        .plan
        .triads
        .iter()
        .filter(|t| t.adviser.as_deref() == Some(id))
        .map(|t| GroupView::new(plan.version, &dir, t))
        .collect();
    Ok(Json(MyAssignments {
        plan_version: plan.version,
        groups,
    }))
}

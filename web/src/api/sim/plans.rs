//! Plan versions: the SIM lists, reads and publishes them and downloads
//! their spreadsheets (CSV, and one Excel workbook); calendars go to the SIM and, of the published plan,
//! to each head and adviser for their own.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use chrono::{TimeZone, Utc};
use optimiser::model::School;

use super::problems::SimResult;
use crate::api::doc::{PlanPath, Refused, RefusedOrMissing, Unsigned, YearPath};
use crate::auth::{Caller, Role};
use crate::download::{attachment, download};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::{Signed, SimYear};
use crate::AppState;
use app::caller::year_or_404;
use app::feeds::uid_domain;
use app::plans::Published;
use formats::export;
use formats::ics::{adviser_file, calendars, IcsOptions};
use store::inputs;
use store::plans::{self, PlanListing, PlanVersion};

async fn plan_or_404(state: &AppState, year_id: i64, version: i64) -> AppResult<PlanVersion> {
    Ok(app::plans::plan_or_404(&state.db, year_id, version).await?)
}

/// Every plan version of the year, newest first, with its figures.
#[utoipa::path(get, path = "/api/years/{year}/plans", tag = "sim",
    params(YearPath),
    responses((status = 200, body = Vec<PlanListing>), RefusedOrMissing))]
pub async fn list(
    State(state): State<AppState>,
    year: SimYear,
) -> AppResult<Json<Vec<PlanListing>>> {
    Ok(Json(app::plans::list(&state.db, &year).await?))
}

/// One plan version in full: groups, reviews, advisers, every school left
/// out with its reason, the diagnosis and the figures.
#[utoipa::path(get, path = "/api/years/{year}/plans/{version}", tag = "sim",
    params(PlanPath),
    responses((status = 200, body = PlanVersion), RefusedOrMissing))]
pub async fn get(
    State(state): State<AppState>,
    year: SimYear,
    Path((_, version)): Path<(i64, i64)>,
) -> AppResult<Json<PlanVersion>> {
    Ok(Json(app::plans::get(&state.db, &year, version).await?))
}

/// What to know before publishing a version: warnings and information
/// (reviews without dates, schools left out, availability returns, assumed
/// distances, groups without an adviser, the budget, the deadline), who
/// will be told what, what the plan is worth in km, gaps and dates, and
/// what changed against the published plan and the version before.
#[utoipa::path(get, path = "/api/years/{year}/plans/{version}/check", tag = "sim",
    params(PlanPath),
    responses((status = 200, body = app::plans::BeforePublishing), RefusedOrMissing))]
pub async fn check(
    State(state): State<AppState>,
    year: SimYear,
    Path((_, version)): Path<(i64, i64)>,
) -> AppResult<Json<app::plans::BeforePublishing>> {
    Ok(Json(
        app::plans::before_publishing(&state.db, &year, version).await?,
    ))
}

/// Publish a draft; the plan published before is withdrawn. The plan is
/// checked once more against every rule with the year's current inputs
/// (and, if dated, the calendar and everyone's latest availability); an
/// invalid plan is refused with every violation listed.
#[utoipa::path(post, path = "/api/years/{year}/plans/{version}/publish", tag = "sim",
    params(PlanPath),
    responses(
        (status = 200, body = Published),
        RefusedOrMissing,
        (status = 409, description = "The version is not a draft, or another version was published while it was being checked (the message names it)", body = ErrorBody),
        (status = 422, description = "The plan breaks rules with the current inputs; each violation listed", body = super::problems::ProblemsBody),
    ))]
pub async fn publish(
    State(state): State<AppState>,
    year: SimYear,
    Path((_, version)): Path<(i64, i64)>,
) -> SimResult<Json<Published>> {
    Ok(Json(app::plans::publish(&state.db, &year, version).await?))
}

/// The year's schools (names for spreadsheets and calendars), or none.
async fn schools(state: &AppState, year_id: i64) -> AppResult<Vec<School>> {
    Ok(inputs::latest_or_default::<Vec<School>>(&state.db, year_id, "schools").await?)
}

/// A spreadsheet of a plan version: groups.csv, reviews.csv, unplaced.csv,
/// ledger.csv, advisers.csv, score.csv, schedule.csv (every review with
/// its dates or the reason it has none), or allocation.csv (the year's
/// latest allocation of consultants' days: who goes to which school, for
/// what, how many days). Each starts with a UTF-8 byte-order mark, so that
/// Excel reads accented names.
#[utoipa::path(get, path = "/api/years/{year}/plans/{version}/csv/{name}", tag = "sim",
    params(
        PlanPath,
        ("name" = String, Path, description = "groups.csv, reviews.csv, unplaced.csv, ledger.csv, advisers.csv, score.csv, schedule.csv or allocation.csv"),
    ),
    responses(
        (status = 200, description = "The CSV file", content_type = "text/csv", body = String),
        Refused,
        (status = 404, description = "No such year, version or file, or no allocation yet", body = ErrorBody),
    ))]
pub async fn csv(
    State(state): State<AppState>,
    year: SimYear,
    Path((_, version, name)): Path<(i64, i64, String)>,
) -> AppResult<Response> {
    let year_id = year.year.id;
    if name == export::ALLOCATION_CSV {
        plan_or_404(&state, year_id, version).await?;
        let file = app::plans::allocation_csv(&state.db, &year).await?;
        return Ok(download(file));
    }
    let plan = plan_or_404(&state, year_id, version).await?;
    let schools = schools(&state, year_id).await?;
    let text = export::plan_csv(&name, &plan.plan, &schools)?.ok_or_else(|| {
        AppError::not_found(format!(
            "no spreadsheet {name:?}: one of {}",
            export::PLAN_CSVS.join(", ")
        ))
    })?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        &format!("plan-{version}-{name}"),
        text,
    ))
}

/// The plan version as one Excel workbook: sheets of groups, reviews with
/// their dates and people, schools left out with their reasons, advisers
/// and their cost, and the year's latest allocation of consultants where
/// there is one. Schools, heads, advisers and consultants by name; header
/// rows frozen; dates as dates; every name written as text.
#[utoipa::path(get, path = "/api/years/{year}/plans/{version}/xlsx", tag = "sim",
    params(PlanPath),
    responses(
        (status = 200, description = "The workbook (.xlsx)", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        Refused,
        (status = 404, description = "No such year or version", body = ErrorBody),
    ))]
pub async fn xlsx(
    State(state): State<AppState>,
    year: SimYear,
    Path((_, version)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let file = app::plans::workbook(&state.db, &year, version).await?;
    Ok(download(file))
}

/// Whether the caller may have this calendar of this plan: the SIM any; a
/// head their own and their school's, and an adviser their own, of the
/// published plan only (drafts are the SIM's).
fn may_read_calendar(caller: &Caller, plan: &PlanVersion, file: &str) -> AppResult<()> {
    let own = match caller.role {
        Role::Sim => return Ok(()),
        Role::Head => caller
            .urn
            .as_ref()
            .is_some_and(|u| file == format!("head-{u}.ics") || file == format!("school-{u}.ics")),
        Role::Adviser => caller
            .ext_id
            .as_ref()
            .is_some_and(|id| file == adviser_file(id)),
        Role::Consultant => false,
    };
    if !own {
        return Err(AppError::forbidden(
            "you may download only your own calendar",
        ));
    }
    if plan.status != "published" {
        return Err(AppError::forbidden(
            "calendars are yours once the plan is published",
        ));
    }
    Ok(())
}

/// A calendar (RFC 5545) of a plan version: `head-<URN>.ics`,
/// `school-<URN>.ics` or `adviser-<id>.ics`. Entries the previously
/// published plan had and this one drops come as cancellations. The SIM may
/// have any file of any version; a head their own and their school's, an
/// adviser their own, of the published plan.
#[utoipa::path(get, path = "/api/years/{year}/plans/{version}/ics/{file}", tag = "sim",
    params(
        PlanPath,
        ("file" = String, Path, description = "head-<URN>.ics, school-<URN>.ics or adviser-<id>.ics"),
    ),
    responses(
        (status = 200, description = "The calendar", content_type = "text/calendar", body = String),
        Unsigned,
        (status = 403, description = "Not your calendar, or not the published plan", body = ErrorBody),
        (status = 404, description = "No such year or version, or no dated review in that calendar", body = ErrorBody),
    ))]
pub async fn ics(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path((year_id, version, file)): Path<(i64, i64, String)>,
) -> AppResult<Response> {
    year_or_404(&state.db, year_id).await?;
    let plan = plan_or_404(&state, year_id, version).await?;
    may_read_calendar(&caller, &plan, &file)?;
    let previous = plans::published_before(&state.db, year_id, version).await?;
    let at = plan.published_at.unwrap_or(plan.created_at);
    let opts = IcsOptions {
        domain: uid_domain(&state.config.base_url),
        stamp: Utc
            .timestamp_opt(at, 0)
            .single()
            .ok_or_else(|| AppError::internal("plan time", at))?,
        names: schools(&state, year_id)
            .await?
            .into_iter()
            .map(|s| (s.urn, s.name))
            .collect::<HashMap<_, _>>(),
    };
    let text = calendars(&plan.plan, previous.as_ref().map(|p| &p.plan), &opts)
        .into_iter()
        .find(|(name, _)| *name == file)
        .map(|(_, text)| text)
        .ok_or_else(|| AppError::not_found(format!("{file}: no dated review in this calendar")))?;
    Ok(attachment("text/calendar; charset=utf-8", &file, text))
}

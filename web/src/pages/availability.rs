//! `/years/{year}/availability`: a head's (or adviser's) calendar of the
//! window. Checked by `app::availability::check` and saved by
//! `store::availability::submit`, as the API does; each save is a new version.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use chrono::NaiveDate;
use optimiser::schedule::Level;
use serde::Deserialize;

use super::calendar::{self, Grid, LEVELS};
use super::{render, render_with, see_other, Layout, PageResult, Viewer};
use crate::auth::{Caller, Role};
use crate::error::AppError;
use crate::AppState;
use app::caller::year_or_404;
use store::availability::{self, DateLevel, Submission};
use store::years::{self, Year};

#[derive(Template)]
#[template(path = "pages/availability.html")]
struct AvailabilityPage {
    layout: Layout,
    year_id: i64,
    year_name: String,
    deadline: String,
    open: bool,
    grid: Grid,
    levels: [&'static str; 3],
    saved: Option<String>,
    error: Option<String>,
    /// Each refused day: its cell's id and the sentence shown beside it.
    day_errors: Vec<(String, String)>,
    current: Option<String>,
    /// The groups and dates are published: a change now moves reviews.
    published: bool,
}

#[derive(Deserialize)]
pub struct ShowQuery {
    /// Set by the redirect after a save: show the confirmation.
    saved: Option<i64>,
}

fn may_give_availability(caller: &Caller) -> PageResult<()> {
    match caller.role {
        Role::Head | Role::Adviser => Ok(()),
        _ => Err(AppError::forbidden(
            "only heads and external advisers give availability; you can follow everyone's returns on the year's dashboard",
        )
        .into()),
    }
}

/// "Tuesday 12 January 2027".
pub fn long_date(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

/// "12 January 2027 at 14:05" from Unix seconds, in the council's time
/// (GMT or BST, as a clock in England shows it).
pub fn when(seconds: i64) -> String {
    store::years::local_time(seconds)
        .map(|t| t.format("%-d %B %Y at %H:%M").to_string())
        .unwrap_or_default()
}

fn describe(s: &Submission) -> String {
    format!(
        "Version {} saved {}: {}.",
        s.version,
        when(s.submitted_at),
        calendar::summary(&s.dates)
    )
}

fn levels_of(dates: &[DateLevel]) -> BTreeMap<NaiveDate, Level> {
    dates.iter().map(|d| (d.date, d.level)).collect()
}

fn page(
    caller: &Caller,
    year: &Year,
    current: Option<&Submission>,
    shown: &[DateLevel],
) -> AvailabilityPage {
    AvailabilityPage {
        layout: Layout::new(format!("Availability, {}", year.name), Some(caller)),
        year_id: year.id,
        year_name: year.name.clone(),
        deadline: long_date(year.deadline),
        open: year.open_for_availability(years::today()),
        grid: calendar::grid(&year.calendar, caller.urn.as_deref(), &levels_of(shown)),
        levels: LEVELS,
        saved: None,
        error: None,
        day_errors: Vec::new(),
        current: current.map(describe),
        published: false,
    }
}

pub async fn show(
    State(state): State<AppState>,
    Viewer(caller): Viewer,
    Path(year_id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> PageResult<Response> {
    may_give_availability(&caller)?;
    let year = year_or_404(&state.db, year_id).await?;
    let current = availability::current(&state.db, year_id, caller.user_id).await?;
    let shown = current
        .as_ref()
        .map(|s| s.dates.clone())
        .unwrap_or_default();
    let mut p = page(&caller, &year, current.as_ref(), &shown);
    p.published = store::plans::latest(&state.db, year_id, "published")
        .await?
        .is_some();
    if let (Some(_), Some(c)) = (q.saved, &current) {
        p.saved = Some(format!(
            "Your availability is saved as version {}, with {}.",
            c.version,
            calendar::summary(&c.dates)
        ));
    }
    render(&p)
}

pub async fn save(
    State(state): State<AppState>,
    Viewer(caller): Viewer,
    Path(year_id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    may_give_availability(&caller)?;
    let year = year_or_404(&state.db, year_id).await?;
    let current = availability::current(&state.db, year_id, caller.user_id).await?;
    let refuse = |shown: &[DateLevel], message: String| {
        let mut p = page(&caller, &year, current.as_ref(), shown);
        p.error = Some(message);
        render_with(StatusCode::BAD_REQUEST, &p)
    };
    if !year.open_for_availability(years::today()) {
        let shown = current
            .as_ref()
            .map(|s| s.dates.clone())
            .unwrap_or_default();
        return refuse(
            &shown,
            format!(
                "Availability closed on {}; ask the School Improvement Manager if your dates have changed.",
                long_date(year.deadline)
            ),
        );
    }
    let dates = match calendar::parse_form(&fields) {
        Ok(d) => d,
        Err(e) => return refuse(&[], e),
    };
    let problems = app::availability::problems(&year, caller.urn.as_deref(), &dates);
    if !problems.is_empty() {
        // What was chosen stays chosen; each refused day says why beside it.
        let mut p = page(&caller, &year, current.as_ref(), &dates);
        let said: BTreeMap<NaiveDate, String> = problems
            .iter()
            .map(|q| (q.date, format!("{} {}.", long_date(q.date), q.why)))
            .collect();
        let placed = p.grid.mark(&said);
        let (marked, off_grid): (Vec<_>, Vec<_>) =
            said.into_iter().partition(|(d, _)| placed.contains(d));
        p.error = Some(match (marked.len(), off_grid.is_empty()) {
            (1, true) => "One day cannot be offered. It is marked below.".to_string(),
            (n, true) => format!("{n} days cannot be offered. They are marked below."),
            _ => off_grid
                .into_iter()
                .map(|(_, e)| e)
                .collect::<Vec<_>>()
                .join(" "),
        });
        p.day_errors = marked
            .into_iter()
            .map(|(d, e)| (format!("cell-{d}"), e))
            .collect();
        return render_with(StatusCode::BAD_REQUEST, &p);
    }
    let version = availability::submit(&state.db, year_id, caller.user_id, &dates).await?;
    Ok(see_other(&format!(
        "/years/{year_id}/availability?saved={version}#saved"
    )))
}

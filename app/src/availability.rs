//! A person's own availability for a year: read it, replace it.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};
use optimiser::schedule::Calendar;
use serde::{Deserialize, Serialize};
use store::availability::{self, DateLevel, Submission};
use store::years::{self, Year};
use store::Db;

use crate::caller::{year_or_404, Caller, Role};
use crate::error::{AppError, AppResult};
use crate::head::school::{own_school, year_schools};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityRequest {
    /// Every date the person can take part; dates not listed are unavailable.
    pub dates: Vec<DateLevel>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AvailabilitySaved {
    pub version: i64,
    pub dates: usize,
}

/// Why a day of the calendar cannot be offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed<'c> {
    OutsideWindow,
    Weekend,
    Holiday,
    /// Blacked out for everyone, with the calendar's reason.
    ForEveryone(&'c str),
    /// Blacked out for the head's own school, with the reason.
    ForSchool(&'c str),
}

/// Whether `date` is closed to the head of `urn` (an adviser: None), and
/// why: the one rule the API, the calendar page and its locked days share.
pub fn closed<'c>(cal: &'c Calendar, urn: Option<&str>, date: NaiveDate) -> Option<Closed<'c>> {
    if date < cal.first || date > cal.last {
        return Some(Closed::OutsideWindow);
    }
    if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        return Some(Closed::Weekend);
    }
    if !cal.half_terms.is_empty()
        && !cal
            .half_terms
            .iter()
            .any(|h| h.first <= date && date <= h.last)
    {
        return Some(Closed::Holiday);
    }
    if let Some(b) = cal.blackouts.iter().find(|b| b.covers(date)) {
        return Some(Closed::ForEveryone(&b.reason));
    }
    cal.school_blackouts
        .iter()
        .find(|b| {
            urn == Some(b.urn.to_string().as_str())
                && b.first <= date
                && date <= b.last.unwrap_or(b.first)
        })
        .map(|b| Closed::ForSchool(&b.reason))
}

/// One refused entry of a submission: its place (1-based), its date and
/// what is wrong, as a sentence's predicate ("is a weekend day").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateProblem {
    pub entry: usize,
    pub date: NaiveDate,
    pub why: String,
}

/// Every refused entry of a submission, in order. `urn` is the head's
/// school, whose own blackout days are refused too.
pub fn problems(year: &Year, urn: Option<&str>, dates: &[DateLevel]) -> Vec<DateProblem> {
    let cal = &year.calendar;
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, d) in dates.iter().enumerate() {
        let why = match closed(cal, urn, d.date) {
            Some(Closed::OutsideWindow) => Some(format!(
                "is outside the programme window {} to {}",
                cal.first, cal.last
            )),
            Some(Closed::Weekend) => Some("is a weekend day".to_string()),
            Some(Closed::Holiday) => Some("is in a school holiday".to_string()),
            Some(Closed::ForEveryone(r)) => Some(format!("is blacked out for everyone{}", said(r))),
            Some(Closed::ForSchool(r)) => {
                Some(format!("is blacked out for your school{}", said(r)))
            }
            None if !seen.insert(d.date) => Some("is listed twice".to_string()),
            None => None,
        };
        if let Some(why) = why {
            out.push(DateProblem {
                entry: i + 1,
                date: d.date,
                why,
            });
        }
    }
    out
}

/// A blackout's reason in brackets, where it has one.
fn said(reason: &str) -> String {
    match reason.trim() {
        "" => String::new(),
        r => format!(" ({r})"),
    }
}

/// Checks a submission against the year's calendar. The message names the
/// first refused entry (1-based) and its date.
pub fn check(year: &Year, urn: Option<&str>, dates: &[DateLevel]) -> Result<(), String> {
    match problems(year, urn, dates).first() {
        Some(p) => Err(format!("dates[{}]: {} {}", p.entry, p.date, p.why)),
        None => Ok(()),
    }
}

/// Heads and advisers take part in reviews; only they give availability.
/// Checked before the year, so that nobody else learns which years exist.
fn may_give_availability(caller: &Caller) -> AppResult<()> {
    match caller.role {
        Role::Head | Role::Adviser => Ok(()),
        _ => Err(AppError::forbidden(
            "only heads and advisers give availability",
        )),
    }
}

/// My latest availability for the year (404 before the first submission).
pub async fn get_own(db: &Db, caller: &Caller, year_id: i64) -> AppResult<Submission> {
    may_give_availability(caller)?;
    year_or_404(db, year_id).await?;
    availability::current(db, year_id, caller.user_id)
        .await?
        .ok_or_else(|| AppError::not_found("no availability submitted yet"))
}

/// Replace my availability for the year: a new version, the earlier ones
/// kept. Refused after the deadline, and for a head whose school is not
/// among the year's schools (their dates would count for nobody). `req` is
/// looked at only once the caller is known to give availability.
pub async fn submit(
    db: &Db,
    caller: &Caller,
    year_id: i64,
    req: AppResult<AvailabilityRequest>,
) -> AppResult<AvailabilitySaved> {
    may_give_availability(caller)?;
    let req = req?;
    let year = year_or_404(db, year_id).await?;
    if !year.open_for_availability(years::today()) {
        return Err(AppError::too_late(format!(
            "availability closed on {}",
            year.deadline
        )));
    }
    if caller.role == Role::Head {
        let urn = caller.require_head()?;
        own_school(&year_schools(db, year_id).await?, year_id, urn)?;
    }
    check(&year, caller.urn.as_deref(), &req.dates).map_err(AppError::bad_request)?;
    let version = availability::submit(db, year_id, caller.user_id, &req.dates).await?;
    Ok(AvailabilitySaved {
        version,
        dates: req.dates.len(),
    })
}

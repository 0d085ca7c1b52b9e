//! A person's own availability for a year: read it, replace it.

use std::collections::BTreeSet;

use chrono::{Datelike, Weekday};
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

/// Checks a submission against the year's calendar. `urn` is the head's
/// school, whose own blackout days are refused too. The message names the
/// entry (1-based) and the date.
pub fn check(year: &Year, urn: Option<&str>, dates: &[DateLevel]) -> Result<(), String> {
    let cal = &year.calendar;
    let mut seen = BTreeSet::new();
    for (i, d) in dates.iter().enumerate() {
        let at = format!("dates[{}]: {}", i + 1, d.date);
        if d.date < cal.first || d.date > cal.last {
            return Err(format!(
                "{at} is outside the programme window {} to {}",
                cal.first, cal.last
            ));
        }
        if matches!(d.date.weekday(), Weekday::Sat | Weekday::Sun) {
            return Err(format!("{at} is a weekend day"));
        }
        if !cal.half_terms.is_empty()
            && !cal
                .half_terms
                .iter()
                .any(|h| h.first <= d.date && d.date <= h.last)
        {
            return Err(format!("{at} is in a school holiday"));
        }
        if let Some(b) = cal.blackouts.iter().find(|b| b.covers(d.date)) {
            return Err(format!("{at} is blacked out for everyone ({})", b.reason));
        }
        if let Some(b) = cal.school_blackouts.iter().find(|b| {
            urn == Some(b.urn.to_string().as_str())
                && b.first <= d.date
                && d.date <= b.last.unwrap_or(b.first)
        }) {
            return Err(format!(
                "{at} is blacked out for your school ({})",
                b.reason
            ));
        }
        if !seen.insert(d.date) {
            return Err(format!("{at} is listed twice"));
        }
    }
    Ok(())
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

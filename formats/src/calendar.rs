//! The calendar file (`calendar.toml`): the programme's window, half-terms
//! and blackouts.

use std::path::Path;

use anyhow::{bail, Result};
use chrono::NaiveDate;
use optimiser::schedule::Calendar;

use crate::inputs::{parse_toml, read_toml};

/// Reads and checks a calendar file; an error names the line, column and value.
pub fn read_calendar(path: &Path) -> Result<Calendar> {
    let cal: Calendar = read_toml(path)?;
    cal.check()
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(cal)
}

/// Parses and checks a calendar file's text. TOML dates may be written bare
/// (`2026-09-02`) or quoted; both become the same date.
pub fn parse_calendar(text: &str) -> Result<Calendar, String> {
    let cal: Calendar = parse_toml("calendar", text).map_err(|e| e.to_string())?;
    cal.check()?;
    Ok(cal)
}

/// The calendar when none is given: every weekday from 1 September of the
/// programme year to 31 July after.
pub fn default_calendar(year: i32) -> Result<Calendar> {
    let first = NaiveDate::from_ymd_opt(year, 9, 1);
    let last = NaiveDate::from_ymd_opt(year + 1, 7, 31);
    let (Some(first), Some(last)) = (first, last) else {
        bail!("the plan's year {year} is out of range");
    };
    Ok(Calendar {
        first,
        last,
        half_terms: Vec::new(),
        blackouts: Vec::new(),
        school_blackouts: Vec::new(),
    })
}

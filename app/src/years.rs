//! Programme years: the SIM creates them and changes their rules; anyone
//! signed in lists them.

use serde::Serialize;
use store::years::{self, NewYear, Year, YearSummary};
use store::Db;

use crate::caller::{year_or_404, Caller, SimYear};
use crate::error::{AppError, AppResult};
use crate::text;

/// The longest window a year may have. A year is one school year of peer
/// reviews; a window typed a year or more too long (2026 to 2028) would run
/// every step over dates nobody meant and fill pages with empty weeks.
pub const MAX_WINDOW_MONTHS: u32 = 18;

/// Everything a file or form could get wrong in a new year, in one message
/// that names the field.
pub fn check_new_year(new: &NewYear) -> AppResult<()> {
    fn bad(message: String) -> AppError {
        AppError::bad_request(message)
    }
    if new.name.trim().is_empty() {
        return Err(bad("name: give the year a name, such as 2026-27".into()));
    }
    text::check_line("name", &new.name)?;
    new.calendar
        .check()
        .map_err(|e| bad(format!("calendar: {e}")))?;
    let (first, last) = (new.calendar.first, new.calendar.last);
    let limit = first.checked_add_months(chrono::Months::new(MAX_WINDOW_MONTHS));
    if limit.is_none_or(|limit| last > limit) {
        return Err(bad(format!(
            "calendar.last: {last} is more than {MAX_WINDOW_MONTHS} months after the first \
             day ({first}); a programme year's window is at most {MAX_WINDOW_MONTHS} months"
        )));
    }
    if new.deadline > last {
        return Err(bad(format!(
            "deadline: {} is after the last day of the window ({last})",
            new.deadline
        )));
    }
    years::parse_rules(&new.rules).map_err(|e| bad(format!("rules: {e}")))?;
    Ok(())
}

/// Creates a checked year, its rules as rules version 1.
pub async fn create(db: &Db, caller: &Caller, new: &NewYear) -> AppResult<Year> {
    caller.require_sim()?;
    check_new_year(new)?;
    if years::name_taken(db, &new.name).await? {
        return Err(AppError::conflict(format!(
            "a year named {:?} exists already",
            new.name.trim()
        )));
    }
    let id = years::create(db, new, caller.user_id).await?;
    year_or_404(db, id).await
}

/// Every programme year, the latest first (anyone signed in).
pub async fn list(db: &Db, _caller: &Caller) -> AppResult<Vec<YearSummary>> {
    Ok(years::list(db).await?)
}

/// One year with its calendar and current rules.
pub fn get(year: &SimYear) -> Year {
    year.year.clone()
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RulesSaved {
    /// The rules' version; every earlier one is kept as input kind `rules`.
    pub version: i64,
}

/// Replaces the year's rules with the checked text; the earlier text stays
/// as an earlier version of input kind `rules`.
pub async fn put_rules(db: &Db, year: &SimYear, body: &[u8]) -> AppResult<RulesSaved> {
    let text = std::str::from_utf8(body)
        .map_err(|_| AppError::bad_request("rules: the text is not UTF-8"))?;
    years::parse_rules(text).map_err(|e| AppError::bad_request(format!("rules: {e}")))?;
    let version = years::set_rules(db, year.year.id, text, year.caller.user_id).await?;
    Ok(RulesSaved { version })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn year(first: &str, last: &str) -> NewYear {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let calendar = serde_json::from_value(serde_json::json!({
            "first": first, "last": last, "half_term": [], "blackout": [],
        }))
        .unwrap();
        NewYear {
            name: "2026-27".into(),
            calendar,
            deadline: d(first),
            rules: String::new(),
        }
    }

    #[test]
    fn the_window_is_at_most_eighteen_months() {
        assert!(check_new_year(&year("2026-09-01", "2027-07-20")).is_ok());
        assert!(check_new_year(&year("2026-09-01", "2028-03-01")).is_ok());
        let e = check_new_year(&year("2026-09-01", "2028-03-02")).unwrap_err();
        assert!(
            e.message.starts_with("calendar.last: 2028-03-02"),
            "{}",
            e.message
        );
        assert!(e.message.contains("18 months"), "{}", e.message);
    }

    #[test]
    fn the_deadline_is_within_the_window() {
        let mut late = year("2026-09-01", "2027-07-20");
        late.deadline = "2027-08-01".parse().unwrap();
        let e = check_new_year(&late).unwrap_err();
        assert!(e.message.contains("deadline"), "{}", e.message);
    }

    #[test]
    fn a_name_with_control_characters_is_refused() {
        let mut y = year("2026-09-01", "2027-07-20");
        y.name = "2026\r27".into();
        let e = check_new_year(&y).unwrap_err();
        assert!(e.message.starts_with("name:"), "{}", e.message);
    }
}

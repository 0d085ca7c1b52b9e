//! The availability calendar as a grid: weeks as rows, Monday to Sunday as
//! columns, each day of the window either open (with the level the person
//! gave) or locked with the reason. Pure, so the rules are tested here; the
//! same `app::availability::check` refuses a locked day sent anyway.

use std::collections::{BTreeMap, BTreeSet};

use app::availability::{closed, Closed};
use chrono::{Datelike, Duration, NaiveDate};
use optimiser::schedule::{Calendar, Level};

use store::availability::DateLevel;

/// The three choices of a day; "unavailable" is the absence of a date.
pub const LEVELS: [&str; 3] = ["unavailable", "possible", "preferred"];

/// Form fields of the days are named `day-YYYY-MM-DD`.
pub const FIELD_PREFIX: &str = "day-";

pub struct Grid {
    pub weeks: Vec<Week>,
}

pub struct Week {
    /// "Week of 4 January 2027", for the row header.
    pub label: String,
    /// Monday to Sunday; None before the window opens or after it closes.
    pub days: Vec<Option<Day>>,
}

pub struct Day {
    /// `YYYY-MM-DD`.
    pub iso: String,
    /// "12 Jan", in the cell.
    pub short: String,
    /// "Tuesday 12 January 2027", for labels and screen readers.
    pub long: String,
    pub weekend: bool,
    /// Why nobody may offer the day; None for an open day.
    pub locked: Option<String>,
    /// `unavailable`, `possible` or `preferred`.
    pub level: &'static str,
    /// Why a save refused this day, shown beside it.
    pub error: Option<String>,
}

impl Day {
    pub fn field(&self) -> String {
        format!("{FIELD_PREFIX}{}", self.iso)
    }
}

pub fn level_name(level: Level) -> &'static str {
    match level {
        Level::Possible => "possible",
        Level::Preferred => "preferred",
    }
}

/// Why `date` is not open to offer, for the head of `urn` (None: open),
/// as the locked cell shows it; `app::availability::check` refuses the same.
pub fn lock_reason(cal: &Calendar, urn: Option<&str>, date: NaiveDate) -> Option<String> {
    Some(match closed(cal, urn, date)? {
        Closed::OutsideWindow => "Outside the programme".into(),
        Closed::Weekend => "Weekend".into(),
        Closed::Holiday => "School holiday".into(),
        Closed::ForEveryone(r) => or_default(r, "Closed for everyone"),
        Closed::ForSchool(r) => format!("Your school: {}", or_default(r, "blacked out")),
    })
}

fn or_default(reason: &str, default: &str) -> String {
    if reason.trim().is_empty() {
        default.to_string()
    } else {
        reason.trim().to_string()
    }
}

/// The grid of the calendar's window with the levels given (dates missing
/// from `levels` are unavailable).
pub fn grid(cal: &Calendar, urn: Option<&str>, levels: &BTreeMap<NaiveDate, Level>) -> Grid {
    let mut weeks = Vec::new();
    let mut monday = cal.first - Duration::days(cal.first.weekday().num_days_from_monday() as i64);
    while monday <= cal.last {
        let days = (0..7)
            .map(|i| {
                let date = monday + Duration::days(i);
                (cal.first <= date && date <= cal.last).then(|| {
                    let locked = lock_reason(cal, urn, date);
                    Day {
                        iso: date.to_string(),
                        short: date.format("%-d %b").to_string(),
                        long: date.format("%A %-d %B %Y").to_string(),
                        weekend: i >= 5,
                        level: match (&locked, levels.get(&date)) {
                            (None, Some(l)) => level_name(*l),
                            _ => "unavailable",
                        },
                        locked,
                        error: None,
                    }
                })
            })
            .collect();
        weeks.push(Week {
            label: format!("Week of {}", monday.format("%-d %B %Y")),
            days,
        });
        monday += Duration::days(7);
    }
    Grid { weeks }
}

impl Grid {
    /// Puts each refusal beside its day; the days it found on the grid
    /// (one outside the window has none, and is for the summary alone).
    pub fn mark(&mut self, errors: &BTreeMap<NaiveDate, String>) -> BTreeSet<NaiveDate> {
        let mut placed = BTreeSet::new();
        for day in self
            .weeks
            .iter_mut()
            .flat_map(|w| w.days.iter_mut().flatten())
        {
            let Ok(date) = day.iso.parse::<NaiveDate>() else {
                continue;
            };
            if let Some(e) = errors.get(&date) {
                day.error = Some(e.clone());
                placed.insert(date);
            }
        }
        placed
    }
}

/// The dates of a submitted calendar form: every `day-YYYY-MM-DD` field
/// whose level is possible or preferred. Other fields (the CSRF token) are
/// ignored; a malformed day field is an error naming it.
pub fn parse_form(fields: &[(String, String)]) -> Result<Vec<DateLevel>, String> {
    let mut out = Vec::new();
    for (name, value) in fields {
        let Some(iso) = name.strip_prefix(FIELD_PREFIX) else {
            continue;
        };
        let date: NaiveDate = iso
            .parse()
            .map_err(|_| format!("{iso:?} is not a date (YYYY-MM-DD)"))?;
        let level = match value.as_str() {
            "unavailable" => continue,
            "possible" => Level::Possible,
            "preferred" => Level::Preferred,
            other => {
                return Err(format!(
                    "{date}: {other:?} is not possible, preferred or unavailable"
                ))
            }
        };
        out.push(DateLevel { date, level });
    }
    Ok(out)
}

/// "12 dates: 4 preferred, 8 possible".
pub fn summary(dates: &[DateLevel]) -> String {
    let preferred = dates.iter().filter(|d| d.level == Level::Preferred).count();
    let n = dates.len();
    format!(
        "{n} date{}: {preferred} preferred, {} possible",
        if n == 1 { "" } else { "s" },
        n - preferred
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::form_fields;
    use optimiser::schedule::{Blackout, HalfTerm, SchoolBlackout};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn calendar() -> Calendar {
        Calendar {
            // A Wednesday to a Tuesday: partial first and last weeks.
            first: d("2027-01-06"),
            last: d("2027-02-23"),
            half_terms: vec![
                HalfTerm {
                    name: "Spring 1".into(),
                    first: d("2027-01-06"),
                    last: d("2027-02-12"),
                },
                HalfTerm {
                    name: "Spring 2".into(),
                    first: d("2027-02-22"),
                    last: d("2027-03-26"),
                },
            ],
            blackouts: vec![Blackout {
                first: d("2027-01-18"),
                last: Some(d("2027-01-19")),
                reason: "INSET".into(),
            }],
            school_blackouts: vec![SchoolBlackout {
                urn: "900001".parse().unwrap(),
                first: d("2027-01-27"),
                last: None,
                reason: "Governors".into(),
            }],
        }
    }

    fn day<'g>(g: &'g Grid, iso: &str) -> &'g Day {
        g.weeks
            .iter()
            .flat_map(|w| w.days.iter().flatten())
            .find(|d| d.iso == iso)
            .unwrap()
    }

    #[test]
    fn weeks_run_monday_to_sunday_over_the_window() {
        let g = grid(&calendar(), None, &BTreeMap::new());
        // 4 Jan to 28 Feb: eight weeks.
        assert_eq!(g.weeks.len(), 8);
        assert!(g.weeks.iter().all(|w| w.days.len() == 7));
        assert_eq!(g.weeks[0].label, "Week of 4 January 2027");
        assert!(g.weeks[0].days[0].is_none() && g.weeks[0].days[1].is_none());
        assert_eq!(g.weeks[0].days[2].as_ref().unwrap().iso, "2027-01-06");
        assert!(g.weeks[7].days[2].is_none());
        assert_eq!(day(&g, "2027-01-06").long, "Wednesday 6 January 2027");
    }

    #[test]
    fn locks_weekends_holidays_and_blackouts_with_reasons() {
        let cal = calendar();
        let g = grid(&cal, Some("900001"), &BTreeMap::new());
        let reason = |iso: &str| day(&g, iso).locked.clone();
        assert_eq!(reason("2027-01-09").as_deref(), Some("Weekend"));
        assert_eq!(reason("2027-02-15").as_deref(), Some("School holiday"));
        assert_eq!(reason("2027-01-19").as_deref(), Some("INSET"));
        assert_eq!(
            reason("2027-01-27").as_deref(),
            Some("Your school: Governors")
        );
        assert_eq!(reason("2027-01-07"), None);
        // Another school's blackout is not this head's.
        let other = grid(&cal, Some("900002"), &BTreeMap::new());
        assert_eq!(day(&other, "2027-01-27").locked, None);
        // Every day the grid leaves open passes the application's check, every
        // locked one fails it.
        let year = store::years::Year {
            id: 1,
            name: "2026".into(),
            calendar: cal.clone(),
            deadline: d("2026-12-18"),
            rules: String::new(),
        };
        for dd in g.weeks.iter().flat_map(|w| w.days.iter().flatten()) {
            let one = [DateLevel {
                date: dd.iso.parse().unwrap(),
                level: Level::Possible,
            }];
            let checked = app::availability::check(&year, Some("900001"), &one);
            assert_eq!(checked.is_ok(), dd.locked.is_none(), "{}", dd.iso);
        }
    }

    #[test]
    fn shows_the_levels_given_on_open_days_only() {
        let levels = BTreeMap::from([
            (d("2027-01-07"), Level::Preferred),
            (d("2027-01-08"), Level::Possible),
            (d("2027-01-09"), Level::Possible),
        ]);
        let g = grid(&calendar(), None, &levels);
        assert_eq!(day(&g, "2027-01-07").level, "preferred");
        assert_eq!(day(&g, "2027-01-08").level, "possible");
        assert_eq!(day(&g, "2027-01-11").level, "unavailable");
        // A Saturday stays unavailable whatever was stored.
        assert_eq!(day(&g, "2027-01-09").level, "unavailable");
    }

    #[test]
    fn parses_the_form_and_names_bad_fields() {
        let got = parse_form(&form_fields(&[
            ("csrf", "x"),
            ("day-2027-01-07", "preferred"),
            ("day-2027-01-08", "unavailable"),
            ("day-2027-01-11", "possible"),
        ]))
        .unwrap();
        assert_eq!(
            got,
            vec![
                DateLevel {
                    date: d("2027-01-07"),
                    level: Level::Preferred
                },
                DateLevel {
                    date: d("2027-01-11"),
                    level: Level::Possible
                },
            ]
        );
        assert_eq!(summary(&got), "2 dates: 1 preferred, 1 possible");
        assert!(parse_form(&form_fields(&[("day-2027-13-01", "possible")]))
            .unwrap_err()
            .contains("2027-13-01"));
        assert!(parse_form(&form_fields(&[("day-2027-01-07", "maybe")]))
            .unwrap_err()
            .contains("2027-01-07: \"maybe\""));
    }
}

//! An English school year as a SIM would first write it: the window, the
//! usual half-terms, England's bank holidays and SATs week. Councils set
//! their own term dates, so these are approximations for the SIM to edit;
//! the bank holidays follow the statutory rules and are exact (bar the
//! one-off extra days a government adds, such as a coronation).

use chrono::{Datelike, Days, NaiveDate, Weekday};
use optimiser::calendar::{Blackout, Calendar, HalfTerm};

/// Easter Sunday of a year (the Gregorian computus, the "anonymous" or
/// Meeus/Jones/Butcher algorithm).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    ymd(year, month as u32, day as u32)
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    // Callers pass real calendar dates of years chrono holds.
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

fn plus(d: NaiveDate, days: u64) -> NaiveDate {
    d.checked_add_days(Days::new(days)).unwrap_or(d)
}

fn minus(d: NaiveDate, days: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(days)).unwrap_or(d)
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The first `weekday` on or after `d`.
fn on_or_after(d: NaiveDate, weekday: Weekday) -> NaiveDate {
    let ahead = (7 + weekday.num_days_from_monday() - d.weekday().num_days_from_monday()) % 7;
    plus(d, ahead.into())
}

/// The last `weekday` on or before `d`.
fn on_or_before(d: NaiveDate, weekday: Weekday) -> NaiveDate {
    let back = (7 + d.weekday().num_days_from_monday() - weekday.num_days_from_monday()) % 7;
    minus(d, back.into())
}

fn last_weekday_on_or_before(d: NaiveDate) -> NaiveDate {
    let mut d = d;
    while is_weekend(d) {
        d = minus(d, 1);
    }
    d
}

fn first_weekday_on_or_after(d: NaiveDate) -> NaiveDate {
    let mut d = d;
    while is_weekend(d) {
        d = plus(d, 1);
    }
    d
}

/// England's bank holidays of a calendar year, each with its name, in date
/// order. A holiday on a weekend moves to the next weekday not already a
/// holiday (the "substitute day"), which is how Christmas on a Saturday
/// makes Boxing Day's substitute a Tuesday.
pub fn bank_holidays(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let easter = easter_sunday(year);
    let mut out = vec![
        (first_weekday_on_or_after(ymd(year, 1, 1)), "New Year's Day"),
        (minus(easter, 2), "Good Friday"),
        (plus(easter, 1), "Easter Monday"),
        (
            on_or_after(ymd(year, 5, 1), Weekday::Mon),
            "Early May bank holiday",
        ),
        (
            on_or_before(ymd(year, 5, 31), Weekday::Mon),
            "Spring bank holiday",
        ),
        (
            on_or_before(ymd(year, 8, 31), Weekday::Mon),
            "Summer bank holiday",
        ),
    ];
    let mut taken: Vec<NaiveDate> = Vec::new();
    for (day, name) in [(25, "Christmas Day"), (26, "Boxing Day")] {
        let mut d = ymd(year, 12, day);
        while is_weekend(d) || taken.contains(&d) {
            d = plus(d, 1);
        }
        taken.push(d);
        out.push((d, name));
    }
    out.sort_by_key(|(d, _)| *d);
    out
}

/// SATs week: the key stage 2 tests take the second full week (Monday to
/// Friday) of May.
pub fn sats_week(year: i32) -> (NaiveDate, NaiveDate) {
    let first_monday = on_or_after(ymd(year, 5, 1), Weekday::Mon);
    let monday = plus(first_monday, 7);
    (monday, plus(monday, 4))
}

/// The school year a SIM is most likely setting up on `today`: the one that
/// starts next September, or this September while it is still summer.
pub fn next_start_year(today: NaiveDate) -> i32 {
    if today.month() >= 9 {
        today.year() + 1
    } else {
        today.year()
    }
}

/// A proposed year starting in September of `start`: its name ("2027-28"),
/// calendar (six half-terms, bank holidays and SATs week as blackouts) and
/// availability deadline (the last weekday of September, three or four
/// weeks into term: enough time to answer, early enough to match before
/// the first reviews).
pub fn proposal(start: i32) -> (String, Calendar, NaiveDate) {
    let next = start + 1;
    let easter = easter_sunday(next);
    let autumn_first = first_weekday_on_or_after(ymd(start, 9, 2));
    let october_break = on_or_before(ymd(start, 10, 31), Weekday::Mon);
    let christmas_break = on_or_before(ymd(start, 12, 22), Weekday::Fri);
    let spring_first = first_weekday_on_or_after(ymd(next, 1, 4));
    let february_break = on_or_after(ymd(next, 2, 12), Weekday::Mon);
    let spring_bank = on_or_before(ymd(next, 5, 31), Weekday::Mon);
    let half_terms = vec![
        half_term("Autumn 1", autumn_first, minus(october_break, 3)),
        half_term("Autumn 2", plus(october_break, 7), christmas_break),
        half_term("Spring 1", spring_first, minus(february_break, 3)),
        // Schools break for Easter the day before Good Friday and come back
        // two weeks after Easter Monday.
        half_term("Spring 2", plus(february_break, 7), minus(easter, 3)),
        half_term("Summer 1", plus(easter, 15), minus(spring_bank, 3)),
        half_term(
            "Summer 2",
            plus(spring_bank, 7),
            last_weekday_on_or_before(ymd(next, 7, 22)),
        ),
    ];
    let first = autumn_first;
    let last = half_terms[5].last;
    let mut blackouts: Vec<Blackout> = [start, next]
        .into_iter()
        .flat_map(bank_holidays)
        .filter(|(d, _)| first <= *d && *d <= last)
        .map(|(d, name)| Blackout {
            first: d,
            last: None,
            reason: name.to_string(),
        })
        .collect();
    let (sats_first, sats_last) = sats_week(next);
    blackouts.push(Blackout {
        first: sats_first,
        last: Some(sats_last),
        reason: "SATs week".into(),
    });
    blackouts.sort_by_key(|b| b.first);
    let calendar = Calendar {
        first,
        last,
        half_terms,
        blackouts,
        school_blackouts: Vec::new(),
    };
    let deadline = last_weekday_on_or_before(ymd(start, 9, 30));
    (format!("{start}-{:02}", next % 100), calendar, deadline)
}

fn half_term(name: &str, first: NaiveDate, last: NaiveDate) -> HalfTerm {
    HalfTerm {
        name: name.into(),
        first,
        last,
    }
}

/// The school days a calendar gives, per half-term in date order and in all.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolDays {
    pub periods: Vec<(String, usize)>,
    pub total: usize,
}

pub fn school_days(calendar: &Calendar) -> SchoolDays {
    let days = optimiser::calendar::Days::new(calendar);
    let mut periods: Vec<(String, usize)> = days.periods.iter().map(|p| (p.clone(), 0)).collect();
    for p in &days.period {
        periods[*p].1 += 1;
    }
    SchoolDays {
        periods,
        total: days.days.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn easter_by_the_computus() {
        assert_eq!(easter_sunday(2024), d("2024-03-31"));
        assert_eq!(easter_sunday(2025), d("2025-04-20"));
        assert_eq!(easter_sunday(2027), d("2027-03-28"));
        assert_eq!(easter_sunday(2028), d("2028-04-16"));
        assert_eq!(easter_sunday(2038), d("2038-04-25"));
        assert_eq!(easter_sunday(2008), d("2008-03-23"));
    }

    #[test]
    fn bank_holidays_with_substitute_days() {
        // 2027: Christmas on a Saturday, Boxing Day on a Sunday.
        let days: Vec<(NaiveDate, &str)> = bank_holidays(2027);
        assert_eq!(
            days,
            vec![
                (d("2027-01-01"), "New Year's Day"),
                (d("2027-03-26"), "Good Friday"),
                (d("2027-03-29"), "Easter Monday"),
                (d("2027-05-03"), "Early May bank holiday"),
                (d("2027-05-31"), "Spring bank holiday"),
                (d("2027-08-30"), "Summer bank holiday"),
                (d("2027-12-27"), "Christmas Day"),
                (d("2027-12-28"), "Boxing Day"),
            ]
        );
        // 2028: New Year's Day on a Saturday; Christmas on a Monday.
        let days = bank_holidays(2028);
        assert_eq!(days[0], (d("2028-01-03"), "New Year's Day"));
        assert_eq!(days[1], (d("2028-04-14"), "Good Friday"));
        assert_eq!(days[2], (d("2028-04-17"), "Easter Monday"));
        assert_eq!(days[3], (d("2028-05-01"), "Early May bank holiday"));
        assert_eq!(days[4], (d("2028-05-29"), "Spring bank holiday"));
        assert_eq!(days[6], (d("2028-12-25"), "Christmas Day"));
        assert_eq!(days[7], (d("2028-12-26"), "Boxing Day"));
        // 2026: Boxing Day on a Saturday moves to Monday the 28th.
        let days = bank_holidays(2026);
        assert_eq!(days[6], (d("2026-12-25"), "Christmas Day"));
        assert_eq!(days[7], (d("2026-12-28"), "Boxing Day"));
    }

    #[test]
    fn the_2027_28_proposal() {
        let (name, cal, deadline) = proposal(2027);
        assert_eq!(name, "2027-28");
        assert!(cal.check().is_ok());
        assert_eq!(cal.first, d("2027-09-02"));
        assert_eq!(cal.last, d("2028-07-21"));
        assert_eq!(deadline, d("2027-09-30"));
        let names: Vec<&str> = cal.half_terms.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(
            names,
            ["Autumn 1", "Autumn 2", "Spring 1", "Spring 2", "Summer 1", "Summer 2"]
        );
        // October half-term is the week of the last Monday of October.
        assert_eq!(cal.half_terms[0].last, d("2027-10-22"));
        assert_eq!(cal.half_terms[1].first, d("2027-11-01"));
        assert_eq!(cal.half_terms[1].last, d("2027-12-17"));
        // Easter 2028 is 16 April.
        assert_eq!(cal.half_terms[3].last, d("2028-04-13"));
        assert_eq!(cal.half_terms[4].first, d("2028-05-01"));
        let blackouts: Vec<(NaiveDate, &str)> = cal
            .blackouts
            .iter()
            .map(|b| (b.first, b.reason.as_str()))
            .collect();
        assert_eq!(
            blackouts,
            vec![
                (d("2027-12-27"), "Christmas Day"),
                (d("2027-12-28"), "Boxing Day"),
                (d("2028-01-03"), "New Year's Day"),
                (d("2028-04-14"), "Good Friday"),
                (d("2028-04-17"), "Easter Monday"),
                (d("2028-05-01"), "Early May bank holiday"),
                (d("2028-05-08"), "SATs week"),
                (d("2028-05-29"), "Spring bank holiday"),
            ]
        );
        assert_eq!(cal.blackouts[6].last, Some(d("2028-05-12")));
    }

    #[test]
    fn next_year_from_today() {
        assert_eq!(next_start_year(d("2026-12-03")), 2027);
        assert_eq!(next_start_year(d("2027-06-15")), 2027);
        assert_eq!(next_start_year(d("2027-09-01")), 2028);
    }

    #[test]
    fn school_days_count_weekdays_of_half_terms_less_blackouts() {
        let (_, cal, _) = proposal(2027);
        let days = school_days(&cal);
        // Summer 1: 1 May to 26 May 2028 is 20 weekdays, less the early
        // May bank holiday and the five days of SATs week.
        assert_eq!(days.periods[4], ("Summer 1".to_string(), 14));
        assert_eq!(days.total, days.periods.iter().map(|p| p.1).sum::<usize>());
        // Autumn 1: 2 September to 22 October 2027.
        assert_eq!(days.periods[0].1, 37);
    }
}

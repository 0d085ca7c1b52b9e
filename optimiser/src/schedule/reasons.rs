//! Why a review has no date, naming the people and the numbers.

use super::instance::Instance;
use super::rules::ScheduleRules;
use super::{describe, ScheduleProblem};
use crate::calendar::Person;
use crate::model::Urn;
use crate::triads::{Blocker, Undated, Who};

fn who(p: &Person) -> Who {
    match p {
        Person::Head(u) => Who::Head(*u),
        Person::Adviser(a) => Who::Adviser(a.clone()),
    }
}

/// Most dates listed in one reason; the rest are counted.
const MAX_LISTED: usize = 4;

/// A review with no feasible start at all.
pub(crate) fn no_common_date(
    inst: &Instance,
    problem: &ScheduleProblem,
    item: usize,
) -> (String, Undated) {
    let it = &inst.items[item];
    let cal = &problem.calendar;
    let heads: Vec<Urn> = it
        .people
        .iter()
        .filter_map(|p| match p {
            Person::Head(u) => Some(*u),
            Person::Adviser(_) => None,
        })
        .collect();
    let adviser = it.people.iter().find_map(|p| match p {
        Person::Adviser(a) => Some(a.as_str()),
        Person::Head(_) => None,
    });
    let heads_list = heads
        .iter()
        .map(|u| u.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let who = match adviser {
        Some(a) => format!("the heads of {heads_list} and adviser {a}"),
        None => format!("the heads of {heads_list}"),
    };
    let offered: Vec<String> = it
        .people
        .iter()
        .map(|p| {
            let n = inst.offered(p);
            let name = match p {
                Person::Head(u) => u.to_string(),
                Person::Adviser(a) => a.clone(),
            };
            format!("{name} offered {n}")
        })
        .collect();
    let length = if it.len > 1 {
        format!(" {} consecutive school days", it.len)
    } else {
        " date".to_string()
    };
    let text = format!(
        "review at {}: {who} share no{length} between {} and {} (school days outside blackouts: {}); {}",
        it.host,
        cal.first,
        cal.last,
        inst.days.days.len(),
        offered.join(", ")
    );
    let data = Undated::NoCommonDate {
        offered: it
            .people
            .iter()
            .map(|p| (self::who(p), inst.offered(p)))
            .collect(),
        days: it.len,
        first: cal.first,
        last: cal.last,
    };
    (text, data)
}

/// A review whose every feasible start is taken by the rules and the other
/// reviews' dates in the solution (`chosen[i]` is item i's start day).
pub(crate) fn all_dates_taken(
    inst: &Instance,
    rules: &ScheduleRules,
    item: usize,
    chosen: &[Option<usize>],
) -> (String, Undated) {
    let it = &inst.items[item];
    let mut why: Vec<String> = Vec::new();
    let mut dates = Vec::new();
    for s in &it.starts {
        let date = inst.days.days[s.day];
        let (text, b) = blocker(inst, rules, item, s.day, chosen);
        why.push(format!("{date} ({text})"));
        dates.push((date, b));
    }
    let n = why.len();
    let listed = if n > MAX_LISTED {
        format!(
            "{}; and {} more",
            why[..MAX_LISTED].join("; "),
            n - MAX_LISTED
        )
    } else {
        why.join("; ")
    };
    (
        format!(
            "review at {}: all {n} dates its people share are taken by other reviews or the rules: {listed}",
            it.host
        ),
        Undated::DatesTaken { dates },
    )
}

/// What stops item `item` from starting on `day` given the others' dates.
fn blocker(
    inst: &Instance,
    rules: &ScheduleRules,
    item: usize,
    day: usize,
    chosen: &[Option<usize>],
) -> (String, Blocker) {
    let it = &inst.items[item];
    let span = day..day + it.len;
    let cap = rules.max_days_per_half_term as usize;
    for p in &it.people {
        for (j, other) in inst.items.iter().enumerate() {
            let Some(d) = chosen[j] else { continue };
            if j == item || !other.people.contains(p) {
                continue;
            }
            if span.start < d + other.len && d < span.end {
                return (
                    format!(
                        "{} is at the review at {} that day",
                        describe(p),
                        other.host
                    ),
                    Blocker::OtherReview {
                        who: who(p),
                        host: other.host,
                    },
                );
            }
        }
        let period = inst.days.period[day];
        let used: usize = inst
            .items
            .iter()
            .enumerate()
            .filter(|(j, o)| *j != item && o.people.contains(p))
            .filter_map(|(j, o)| chosen[j].map(|d| (d, o.len)))
            .map(|(d, len)| {
                (d..d + len)
                    .filter(|x| inst.days.period[*x] == period)
                    .count()
            })
            .sum();
        if used + it.len > cap {
            return (
                format!(
                    "{} already has {used} review days in {}, at most {cap}",
                    describe(p),
                    inst.days.periods[period]
                ),
                Blocker::HalfTermFull {
                    who: who(p),
                    used,
                    cap,
                    half_term: inst.days.periods[period].clone(),
                },
            );
        }
    }
    let gap = i64::from(rules.min_days_between_group_reviews);
    let date = inst.days.days[day];
    for (j, other) in inst.items.iter().enumerate() {
        let Some(d) = chosen[j] else { continue };
        if j != item && other.triad == it.triad {
            let apart = (inst.days.days[d] - date).num_days().abs();
            if apart < gap {
                return (
                    format!(
                        "the group's review at {} is {apart} days away, at least {gap} needed",
                        other.host
                    ),
                    Blocker::GroupReviewClose {
                        host: other.host,
                        apart,
                        gap,
                    },
                );
            }
        }
    }
    (
        "left free at the solver's time limit".to_string(),
        Blocker::TimeLimit,
    )
}

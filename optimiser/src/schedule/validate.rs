//! The one check of a dated plan: every date inside the window on school
//! days outside blackouts, everyone available, no one double-booked, the
//! burden and spacing rules; and, given the schools and advisers, the groups
//! and advisers again (`triads::validate`).

use std::collections::{BTreeMap, HashMap};

use super::instance::Instance;
use super::{describe, review_heads, ScheduleProblem};
use crate::calendar::Days;
use crate::calendar::Person;
use crate::triads::{self, AdviserPresence, Plan, TriadProblem, Violation};

pub fn validate(plan: &Plan, problem: &ScheduleProblem) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut fail = |rule: &'static str, message: String| out.push(Violation { rule, message });
    if let Err(e) = problem.calendar.check() {
        fail("calendar", e);
        return out;
    }
    let inst = Instance {
        days: Days::new(&problem.calendar),
        availability: &problem.availability,
        items: Vec::new(),
    };
    let mut busy: HashMap<(Person, chrono::NaiveDate), String> = HashMap::new();
    let mut burden: BTreeMap<(Person, usize), u32> = BTreeMap::new();
    let one_review = problem.triad_rules.adviser_presence == AdviserPresence::OneReview;
    for t in &plan.triads {
        let mut starts: Vec<(chrono::NaiveDate, crate::model::Urn)> = Vec::new();
        if one_review && t.adviser.is_some() && t.reviews.iter().all(|r| r.adviser.is_none()) {
            fail(
                "adviser presence",
                format!(
                    "group {}: its adviser attends none of its reviews, at least one needed",
                    t.id
                ),
            );
        }
        for r in &t.reviews {
            let at = format!("group {}: review at {}", t.id, r.host);
            if r.adviser.is_some() && r.adviser != t.adviser {
                fail(
                    "adviser presence",
                    format!(
                        "{at}: attended by adviser {}, not the group's",
                        r.adviser.as_deref().unwrap_or_default()
                    ),
                );
            }
            let Some(start) = r.start else {
                if r.unscheduled_reason.is_none() || !r.dates.is_empty() {
                    fail("schedule", format!("{at} has no date and no reason"));
                }
                continue;
            };
            if r.unscheduled_reason.is_some() {
                fail("schedule", format!("{at} is dated and has a reason"));
            }
            let Some(&first) = inst.days.index.get(&start) else {
                fail(
                    "calendar",
                    format!("{at} starts on {start}, not a school day of the window"),
                );
                continue;
            };
            let expect = inst
                .days
                .span(first, r.days.max(1) as usize)
                .map(|s| inst.days.days[s].to_vec());
            if expect.as_ref() != Some(&r.dates) {
                fail(
                    "calendar",
                    format!(
                        "{at}: dates {:?} are not {} consecutive school days from {start}",
                        r.dates, r.days
                    ),
                );
                continue;
            }
            starts.push((start, r.host));
            let mut people: Vec<Person> = review_heads(r.host, &r.reviewers)
                .into_iter()
                .map(Person::Head)
                .collect();
            // Under "every_review" the group's adviser comes to every review
            // whatever the review says; under "one_review" to those naming them.
            let attends = if one_review { &r.adviser } else { &t.adviser };
            if let Some(a) = attends {
                people.push(Person::Adviser(a.clone()));
            }
            for (k, d) in r.dates.iter().enumerate() {
                let day = first + k;
                for p in &people {
                    if inst.level(p, day).is_none() {
                        fail(
                            "availability",
                            format!("{at}: {} is not available on {d}", describe(p)),
                        );
                    }
                    if let Some(other) = busy.insert((p.clone(), *d), at.clone()) {
                        fail(
                            "double booking",
                            format!("{} is at two reviews on {d}: {other} and {at}", describe(p)),
                        );
                    }
                    *burden
                        .entry((p.clone(), inst.days.period[day]))
                        .or_default() += 1;
                }
            }
        }
        starts.sort();
        let gap = i64::from(problem.rules.min_days_between_group_reviews);
        for w in starts.windows(2) {
            let apart = (w[1].0 - w[0].0).num_days();
            if apart < gap {
                fail("spacing", format!("group {}: reviews at {} and {} are {apart} days apart, at least {gap} needed", t.id, w[0].1, w[1].1));
            }
        }
    }
    let cap = problem.rules.max_days_per_half_term;
    for ((p, period), n) in burden {
        if n > cap {
            fail(
                "burden",
                format!(
                    "{} has {n} review days in {}, at most {cap}",
                    describe(&p),
                    inst.days.periods[period]
                ),
            );
        }
    }
    out.extend(groups_and_advisers(plan, problem));
    out
}

/// The grouping rules, where the schools (and, for a plan with advisers, the
/// advisers) are known.
fn groups_and_advisers(plan: &Plan, problem: &ScheduleProblem) -> Vec<Violation> {
    let has_advisers = plan.triads.iter().any(|t| t.adviser.is_some());
    if problem.schools.is_empty() || (has_advisers && problem.advisers.is_empty()) {
        return Vec::new();
    }
    let in_plan: std::collections::HashSet<_> = plan
        .triads
        .iter()
        .flat_map(|t| t.schools.iter().copied())
        .chain(plan.unplaced.iter().map(|u| u.urn))
        .collect();
    let tp = TriadProblem {
        year: plan.year,
        schools: problem
            .schools
            .iter()
            .filter(|s| in_plan.contains(&s.urn))
            .cloned()
            .collect(),
        advisers: problem.advisers.clone(),
        rules: problem.triad_rules.clone(),
        ..TriadProblem::default()
    };
    triads::validate(plan, &tp)
}

//! What relaxing one rule would gain: for each rule, the reviews of this
//! plan's groups (with their advisers) that could be dated under the
//! relaxed rule and not under the rule as set, group by group and exactly
//! for each group alone (`crate::dating`). Limits shared between groups (an
//! adviser's one review a day and days per half-term across groups) are
//! left aside, so each figure is the most the relaxation could gain.

use crate::calendar::{Days, Person};
use crate::dating::{self, Bits, DatingRules, DayGrid};
use crate::triads::{AdviserPresence, Plan, Triad};

use super::ScheduleProblem;

/// One line per rule whose relaxation would date more reviews.
pub(crate) fn relaxations(problem: &ScheduleProblem, plan: &Plan, days: &Days) -> Vec<String> {
    let rules = &problem.rules;
    let review_days = plan
        .triads
        .iter()
        .flat_map(|t| t.reviews.iter().map(|r| r.days))
        .max()
        .unwrap_or(1)
        .max(1);
    let base = rules.dating(review_days);
    let presence = problem.triad_rules.adviser_presence;
    let total = |d: DatingRules, presence: AdviserPresence| -> Option<usize> {
        let grid = DayGrid::new(days, d)?;
        Some(
            plan.triads
                .iter()
                .map(|t| datable(&grid, days, problem, t, presence))
                .sum(),
        )
    };
    let Some(now) = total(base, presence) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut offer = |what: String, gained: Option<usize>| {
        if let Some(g) = gained.filter(|&g| g > now) {
            out.push(format!(
                "{what}: {} more review{} dated",
                g - now,
                if g - now == 1 { "" } else { "s" }
            ));
        }
    };
    if presence == AdviserPresence::EveryReview && plan.triads.iter().any(|t| t.adviser.is_some()) {
        offer(
            "advisers at one review per group".into(),
            total(base, AdviserPresence::OneReview),
        );
    }
    if base.min_days_between_group_reviews > 1 {
        let fewer = base.min_days_between_group_reviews.div_ceil(2);
        offer(
            format!(
                "a group's reviews {fewer} days apart instead of {}",
                base.min_days_between_group_reviews
            ),
            total(
                DatingRules {
                    min_days_between_group_reviews: fewer,
                    ..base
                },
                presence,
            ),
        );
    }
    offer(
        format!(
            "{} review days per person per half-term instead of {}",
            base.max_days_per_half_term + 1,
            base.max_days_per_half_term
        ),
        total(
            DatingRules {
                max_days_per_half_term: base.max_days_per_half_term + 1,
                ..base
            },
            presence,
        ),
    );
    out
}

/// The most reviews of the group that can be dated, with its adviser as
/// `presence` asks. A person who offered nothing can come on no day.
pub(crate) fn datable(
    grid: &DayGrid,
    days: &Days,
    problem: &ScheduleProblem,
    t: &Triad,
    presence: AdviserPresence,
) -> usize {
    let k = t.schools.len();
    if !(3..=4).contains(&k) {
        return 0;
    }
    let starts = |p: &Person| {
        grid.free_days(days, &problem.availability, p)
            .map(|f| grid.starts(&f))
            .unwrap_or_default()
    };
    let heads: Vec<Bits> = t
        .schools
        .iter()
        .map(|u| starts(&Person::Head(*u)))
        .collect();
    let needs = dating::rotation_needs(grid.days, &heads);
    let Some(adviser) = &t.adviser else {
        return dating::max_dated(grid, &needs);
    };
    let adv = starts(&Person::Adviser(adviser.clone()));
    let with = |on: &dyn Fn(usize) -> bool| dating::with_adviser(&needs, &adv, on);
    match presence {
        AdviserPresence::EveryReview => dating::max_dated(grid, &with(&|_| true)),
        AdviserPresence::OneReview => (0..k)
            .map(|r| dating::max_dated(grid, &with(&|i| i == r)))
            .max()
            .unwrap_or(0),
    }
}

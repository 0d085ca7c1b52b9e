//! One component's MIP, solved by HiGHS through good_lp; HiGHS is reached
//! directly for its options and the dual bound, which good_lp hides.

use std::collections::BTreeMap;

use chrono::Datelike;
use good_lp::{variable, Expression, ProblemVariables, SolverModel, Variable};
use highs::HighsSolutionStatus;

use super::instance::{Instance, Item};
use super::rules::ScheduleRules;
use super::ScheduleError;
use crate::calendar::Person;

/// The chosen start (index into the item's `starts`) per item of the
/// component, and the groups (plan indices) whose adviser is let go.
pub(crate) struct Solved {
    pub choice: Vec<Option<usize>>,
    pub released: Vec<usize>,
    pub objective: f64,
    pub bound: f64,
    pub optimal: bool,
    pub variables: usize,
}

/// Points of one start: what dating the review there costs beyond nothing.
pub(crate) fn start_cost(rules: &ScheduleRules, possible: u32, moved: bool) -> f64 {
    let w = &rules.weights;
    w.possible_day * f64::from(possible) + if moved { w.moved } else { 0.0 }
}

/// Points of leaving a review undated.
pub(crate) fn undated_cost(rules: &ScheduleRules, item: &Item) -> f64 {
    let w = &rules.weights;
    w.unscheduled + if item.previous_works { w.moved } else { 0.0 }
}

pub(crate) fn solve(
    inst: &Instance,
    items: &[usize],
    rules: &ScheduleRules,
) -> Result<Solved, ScheduleError> {
    // Every review undated: the objective's constant (a review leaving a
    // published date that still works pays `moved` too); each start saves
    // that and costs its own points.
    let base: f64 = items
        .iter()
        .map(|&i| undated_cost(rules, &inst.items[i]))
        .sum();
    let mut vars = ProblemVariables::new();
    // (local item, start index, variable)
    let mut y: Vec<(usize, usize, Variable)> = Vec::new();
    let mut objective = Expression::default();
    for (li, &i) in items.iter().enumerate() {
        let item = &inst.items[i];
        for (si, s) in item.starts.iter().enumerate() {
            let v = vars.add(variable().binary());
            objective.add_mul(
                start_cost(rules, s.possible, s.moved) - undated_cost(rules, item),
                v,
            );
            y.push((li, si, v));
        }
    }
    // Per group with a releasable adviser: 1 where the adviser is let go.
    let mut release: BTreeMap<usize, Variable> = BTreeMap::new();
    for &i in items {
        let item = &inst.items[i];
        if item.releasable && !release.contains_key(&item.triad) {
            let v = vars.add(variable().binary());
            objective.add_mul(rules.weights.adviser_released, v);
            release.insert(item.triad, v);
        }
    }
    if y.is_empty() {
        return Ok(Solved {
            choice: vec![None; items.len()],
            released: Vec::new(),
            objective: base,
            bound: base,
            optimal: true,
            variables: 0,
        });
    }
    let constraints = constraints(inst, items, rules, &y, &release);
    let columns = y.len() + release.len();
    let mut model = vars.minimise(objective).using(good_lp::highs);
    for c in constraints {
        model.add_constraint(c);
    }
    let fail = |m: String| ScheduleError::Solver(m);
    let run =
        crate::highs_run::solve_repeatably(model, rules.time_limit_seconds, rules.mip_rel_gap)
            .map_err(fail)?;
    let (solved, optimal) = (run.solved, run.optimal);
    let mut choice = vec![None; items.len()];
    let mut released = Vec::new();
    let mut objective = base;
    if solved.primal_solution_status() == HighsSolutionStatus::Feasible {
        let cols = crate::highs_run::solution_columns(&solved, columns).map_err(fail)?;
        for (k, &(li, si, _)) in y.iter().enumerate() {
            if cols[k] > 0.5 {
                choice[li] = Some(si);
                let item = &inst.items[items[li]];
                let s = &item.starts[si];
                objective += start_cost(rules, s.possible, s.moved) - undated_cost(rules, item);
            }
        }
        // Variables were added in order: the starts, then the releases.
        for (k, &group) in release.keys().enumerate() {
            if cols[y.len() + k] > 0.5 {
                released.push(group);
                objective += rules.weights.adviser_released;
            }
        }
    }
    let dual = solved
        .double_info_value(c"mip_dual_bound")
        .unwrap_or(f64::NAN);
    // Without a finite dual bound, every review dated at no cost is a bound.
    let bound = if optimal {
        objective
    } else if dual.is_finite() {
        (dual + base).min(objective)
    } else {
        0.0
    };
    Ok(Solved {
        choice,
        released,
        objective,
        bound: bound.max(0.0),
        optimal,
        variables: columns,
    })
}

fn constraints(
    inst: &Instance,
    items: &[usize],
    rules: &ScheduleRules,
    y: &[(usize, usize, Variable)],
    release: &BTreeMap<usize, Variable>,
) -> Vec<good_lp::Constraint> {
    let mut out = Vec::new();
    // Per item, its starts with the adviser and on the heads' dates alone.
    let mut per_item: Vec<[Vec<Variable>; 2]> = vec![Default::default(); items.len()];
    let mut per_day: BTreeMap<(&Person, usize), Vec<Variable>> = BTreeMap::new();
    let mut per_period: BTreeMap<(&Person, usize), Vec<(f64, Variable)>> = BTreeMap::new();
    // Group -> (calendar day number of the start, item, variable).
    let mut per_group: BTreeMap<usize, Vec<(i64, usize, Variable)>> = BTreeMap::new();
    for &(li, si, v) in y {
        let item = &inst.items[items[li]];
        let s = &item.starts[si];
        per_item[li][usize::from(!s.adviser)].push(v);
        let mut in_period: BTreeMap<usize, f64> = BTreeMap::new();
        for d in s.day..s.day + item.len {
            *in_period.entry(inst.days.period[d]).or_default() += 1.0;
            for p in item.people_at(s) {
                per_day.entry((p, d)).or_default().push(v);
            }
        }
        for p in item.people_at(s) {
            for (&period, &n) in &in_period {
                per_period.entry((p, period)).or_default().push((n, v));
            }
        }
        let date = inst.days.days[s.day].num_days_from_ce();
        per_group
            .entry(item.triad)
            .or_default()
            .push((i64::from(date), li, v));
    }
    for (li, [with, without]) in per_item.into_iter().enumerate() {
        let item = &inst.items[items[li]];
        match release.get(&item.triad).filter(|_| item.releasable) {
            // One start at most: with the adviser while they stay, on the
            // heads' dates alone once they go.
            Some(&r) => {
                out.push((sum(with.iter().map(|v| (1.0, *v))) + r).leq(1.0));
                out.push((sum(without.iter().map(|v| (1.0, *v))) - r).leq(0.0));
            }
            None => {
                let all: Vec<Variable> = with.into_iter().chain(without).collect();
                if all.len() > 1 {
                    out.push(sum(all.iter().map(|v| (1.0, *v))).leq(1.0));
                }
            }
        }
    }
    for vs in per_day.into_values().filter(|v| v.len() > 1) {
        out.push(sum(vs.iter().map(|v| (1.0, *v))).leq(1.0));
    }
    let cap = f64::from(rules.max_days_per_half_term);
    for vs in per_period.into_values() {
        // Only where the person could be asked for more than the cap.
        let most: f64 = vs.iter().map(|(n, _)| *n).sum();
        if most > cap {
            out.push(sum(vs.iter().copied()).leq(cap));
        }
    }
    // Two starts of one group closer than the gap: each such pair lies in
    // the window beginning at the earlier start, so one "at most one" row
    // per window covers every pair (and is tighter than pairwise rows).
    let gap = i64::from(rules.min_days_between_group_reviews);
    if gap > 0 {
        for mut vs in per_group.into_values() {
            vs.sort_by_key(|(d, li, _)| (*d, *li));
            let mut starts: Vec<i64> = vs.iter().map(|(d, _, _)| *d).collect();
            starts.dedup();
            for t in starts {
                let window: Vec<&(i64, usize, Variable)> = vs
                    .iter()
                    .filter(|(d, _, _)| *d >= t && *d < t + gap)
                    .collect();
                let first = window.first().map(|w| w.1);
                if window.iter().any(|w| Some(w.1) != first) {
                    out.push(sum(window.iter().map(|w| (1.0, w.2))).leq(1.0));
                }
            }
        }
    }
    out
}

fn sum(terms: impl Iterator<Item = (f64, Variable)>) -> Expression {
    let mut e = Expression::default();
    for (c, v) in terms {
        e.add_mul(c, v);
    }
    e
}

//! The integer programme, one per independent part, solved with HiGHS.
//!
//! Variables of a part:
//! * `x[arc]` whole days, 0 ..= min(consultant's days, school's entitlement);
//! * `u[need]` days of a need counted at its priority weight, at most its
//!   share; days beyond the share count at the overflow weight, so
//!   coverage = T(tier) * (overflow * days + (P(priority) - overflow) * u);
//! * `y[school, consultant]` binary, 1 iff the consultant works at the school:
//!   min_days * y <= days there <= cap * y;
//! * `e[school]` >= number of consultants - preferred maximum, >= 0;
//! * `z[tier]` for tiers 1 and 2: at most every entitled school's
//!   allocated / attainable ratio in the part (max-min fairness).
//!
//! Maximise coverage + fairness + continuity minus the consultant, travel and
//! cost penalties, subject to consultants' days, schools' entitlements and
//! the budget (weights and units in `rules::Weights`).
//! For a fixed allocation the best u, y, e, z are exactly the posed terms, so
//! HiGHS's dual bound is a bound on the posed problem; the sum over parts is a
//! bound on the whole because parts share nothing.
//!
//! A part with more than `direct_mip_max_arcs` arcs (a national run's big
//! regions) is solved in two steps instead: its LP relaxation, whose optimum
//! is the part's bound, and then exact MIPs over only the arcs that LP uses,
//! which fall apart into many small independent groups. Restricting arcs only
//! removes choices, so the result is feasible for the posed problem, and the
//! reported gap measures how much that restriction (and the groups' own
//! fairness terms standing in for the part's) can have cost.

use std::collections::BTreeMap;
use std::time::Instant;

use good_lp::{variable, Expression, ProblemVariables, SolverModel, Variable};
use highs::HighsSolutionStatus;
use petgraph::unionfind::UnionFind;
use rayon::prelude::*;

use super::eligibility::{Graph, Part};
use super::need::Needs;
use super::{AllocateError, AllocationProblem};

/// Days per arc, with the solver's figures.
#[derive(Debug, Clone)]
pub(crate) struct Solved {
    /// Parallel to `Graph::arcs`.
    pub days: Vec<u32>,
    /// Sum of the parts' dual bounds (upper bounds, maximising).
    pub bound: f64,
    pub optimal: bool,
    pub time_limited: bool,
}

struct PartResult {
    days: Vec<(usize, u32)>,
    bound: f64,
    optimal: bool,
    time_limited: bool,
}

pub(crate) fn solve(
    problem: &AllocationProblem,
    needs: &Needs,
    graph: &Graph,
    start: Instant,
) -> Result<Solved, AllocateError> {
    let coef = coefficients(problem, needs, graph);
    // Largest parts first so that the long solves start at once.
    let mut order: Vec<usize> = (0..graph.parts.len()).collect();
    order.sort_by_key(|&p| (std::cmp::Reverse(graph.parts[p].arcs.len()), p));
    let results: Vec<(usize, Result<PartResult, AllocateError>)> = order
        .par_iter()
        .map(|&p| (p, solve_part(problem, needs, graph, &coef, p, start)))
        .collect();
    let mut days = vec![0u32; graph.arcs.len()];
    let mut by_part: BTreeMap<usize, PartResult> = BTreeMap::new();
    for (p, r) in results {
        by_part.insert(p, r?);
    }
    let mut bound = 0.0;
    let mut optimal = true;
    let mut time_limited = false;
    // Summed in part order so the float sum is the same on every run.
    for r in by_part.values() {
        for &(a, d) in &r.days {
            days[a] = d;
        }
        bound += r.bound;
        optimal &= r.optimal;
        time_limited |= r.time_limited;
    }
    Ok(Solved {
        days,
        bound,
        optimal,
        time_limited,
    })
}

/// Coverage and penalty coefficients shared by the model and the report.
pub(crate) struct Coefficients {
    /// Per day on an arc: overflow coverage + continuity - travel - cost.
    pub per_day: Vec<f64>,
    /// Per need, per covered day within the share, on top of `per_day`.
    pub within_share: Vec<f64>,
}

pub(crate) fn coefficients(
    problem: &AllocationProblem,
    needs: &Needs,
    graph: &Graph,
) -> Coefficients {
    let w = &problem.rules.weights;
    let per_day = graph
        .arcs
        .iter()
        .map(|a| {
            let tier = needs.schools[a.school].tier;
            let c = &problem.consultants[a.consultant];
            let mut v = w.tier(tier) * w.overflow;
            if a.same_area_last_year {
                v += w.continuity_same_area;
            }
            if a.same_school_last_year {
                v += w.continuity_same_school;
            }
            v - w.travel_per_km * a.km - w.cost_per_pound * c.day_rate
        })
        .collect();
    let within_share = needs
        .areas
        .iter()
        .map(|n| {
            let tier = needs.schools[n.school].tier;
            (w.tier(tier) * (w.priority(n.priority) - w.overflow)).max(0.0)
        })
        .collect();
    Coefficients {
        per_day,
        within_share,
    }
}

fn solve_part(
    problem: &AllocationProblem,
    needs: &Needs,
    graph: &Graph,
    coef: &Coefficients,
    p: usize,
    start: Instant,
) -> Result<PartResult, AllocateError> {
    let part: &Part = &graph.parts[p];
    let left = || (problem.rules.time_limit_seconds - start.elapsed().as_secs_f64()).max(0.01);
    // The full MIP of a national part does not reach a first good solution in
    // minutes; its LP relaxation takes seconds and its support is small.
    if part.arcs.len() <= problem.rules.direct_mip_max_arcs {
        let how = How {
            relax: false,
            budget: problem.rules.budget,
            time_limit: left(),
        };
        let r = run(problem, needs, graph, coef, &part.arcs, &how, p)?;
        let bound = match r.bound {
            Some(b) => b,
            None => trivial_bound(problem, needs, graph, part, coef),
        };
        return Ok(PartResult {
            days: r.days(&part.arcs),
            bound,
            optimal: r.optimal,
            time_limited: r.time_limited,
        });
    }

    // The LP relaxation's optimum bounds the MIP's.
    let how = How {
        relax: true,
        budget: problem.rules.budget,
        time_limit: left(),
    };
    let lp = run(problem, needs, graph, coef, &part.arcs, &how, p)?;
    let bound = match (lp.optimal, lp.solution.is_some()) {
        (true, true) => lp.objective,
        _ => trivial_bound(problem, needs, graph, part, coef),
    };
    let Some(values) = &lp.solution else {
        return Ok(PartResult {
            days: vec![],
            bound,
            optimal: false,
            time_limited: true,
        });
    };
    let support: Vec<usize> = part
        .arcs
        .iter()
        .zip(values)
        .filter(|(_, &v)| v > 1e-6)
        .map(|(&a, _)| a)
        .collect();
    // The arcs the LP uses fall apart into many small groups.
    let groups = connected(problem, graph, &support);
    let results: Vec<Result<SubResult, AllocateError>> = groups
        .par_iter()
        .map(|arcs| {
            // Each group may spend what the LP spent on it: together no more
            // than the LP, which kept to the budget.
            let budget = problem.rules.budget.map(|_| {
                arcs.iter()
                    .map(|&a| {
                        // part.arcs is in arc order, as eligibility::split builds it.
                        let k = part.arcs.binary_search(&a).map_or(0.0, |k| values[k]);
                        problem.consultants[graph.arcs[a].consultant].day_rate * k
                    })
                    .sum::<f64>()
            });
            let how = How {
                relax: false,
                budget,
                time_limit: left(),
            };
            run(problem, needs, graph, coef, arcs, &how, p)
        })
        .collect();
    let mut days = Vec::new();
    let mut time_limited = lp.time_limited;
    for (arcs, r) in groups.iter().zip(results) {
        let r = r?;
        time_limited |= r.time_limited;
        days.extend(r.days(arcs));
    }
    Ok(PartResult {
        days,
        bound,
        optimal: false,
        time_limited,
    })
}

/// Arcs grouped by the connected parts of the graph they form.
fn connected(problem: &AllocationProblem, graph: &Graph, arcs: &[usize]) -> Vec<Vec<usize>> {
    let ns = problem.schools.len();
    let mut uf = UnionFind::<usize>::new(ns + problem.consultants.len());
    for &ai in arcs {
        let a = &graph.arcs[ai];
        uf.union(a.school, ns + a.consultant);
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut first_of_root: BTreeMap<usize, usize> = BTreeMap::new();
    for &ai in arcs {
        let root = uf.find(graph.arcs[ai].school);
        let key = *first_of_root.entry(root).or_insert(ai);
        groups.entry(key).or_default().push(ai);
    }
    groups.into_values().collect()
}

/// One HiGHS solve over a set of arcs.
struct SubResult {
    /// x per arc, in the order given, when the solver has a solution.
    solution: Option<Vec<f64>>,
    objective: f64,
    /// The solver's bound, where it gave a finite one.
    bound: Option<f64>,
    optimal: bool,
    time_limited: bool,
}

impl SubResult {
    fn days(&self, arcs: &[usize]) -> Vec<(usize, u32)> {
        let Some(values) = &self.solution else {
            return vec![];
        };
        arcs.iter()
            .zip(values)
            .filter(|(_, v)| v.round() >= 1.0)
            .map(|(&a, v)| (a, v.round() as u32))
            .collect()
    }
}

/// How to solve one model.
struct How {
    /// Every variable continuous: the LP relaxation.
    relax: bool,
    /// Most the model's arcs may cost, pounds.
    budget: Option<f64>,
    time_limit: f64,
}

/// Builds the model of the module comment over `arcs` and solves it.
fn run(
    problem: &AllocationProblem,
    needs: &Needs,
    graph: &Graph,
    coef: &Coefficients,
    arcs: &[usize],
    how: &How,
    p: usize,
) -> Result<SubResult, AllocateError> {
    let (relax, time_limit) = (how.relax, how.time_limit);
    let rules = &problem.rules;
    let w = &rules.weights;
    let fail = |message: String| AllocateError::Solver { part: p, message };
    let whole = |def: good_lp::VariableDefinition| if relax { def } else { def.integer() };

    let mut vars = ProblemVariables::new();
    let mut objective = Expression::with_capacity(arcs.len() * 2);
    let mut constraints = Vec::new();

    // x, grouped as the constraints need them.
    let mut x: Vec<(usize, Variable)> = Vec::with_capacity(arcs.len());
    let mut by_consultant: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut by_school: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut by_need: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut by_pair: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for (k, &ai) in arcs.iter().enumerate() {
        let a = &graph.arcs[ai];
        let v = vars.add(whole(
            variable()
                .min(0)
                .max(upper(problem, needs, graph, ai) as f64),
        ));
        objective.add_mul(coef.per_day[ai], v);
        x.push((ai, v));
        by_consultant.entry(a.consultant).or_default().push(k);
        by_school.entry(a.school).or_default().push(k);
        by_need.entry(a.need).or_default().push(k);
        by_pair.entry((a.school, a.consultant)).or_default().push(k);
    }
    let sum = |ks: &[usize]| -> Expression {
        let mut e = Expression::with_capacity(ks.len());
        for &k in ks {
            e.add_mul(1.0, x[k].1);
        }
        e
    };
    let most = |ks: &[usize]| -> u64 {
        ks.iter()
            .map(|&k| upper(problem, needs, graph, x[k].0))
            .sum()
    };

    // Consultants' days and schools' entitlements, where arcs could exceed them.
    for (&c, ks) in &by_consultant {
        let cap = problem.consultants[c].days_available;
        if most(ks) > u64::from(cap) {
            constraints.push(sum(ks).leq(cap));
        }
    }
    for (&s, ks) in &by_school {
        let e = needs.schools[s].entitlement;
        if most(ks) > u64::from(e) {
            constraints.push(sum(ks).leq(e));
        }
    }
    // Coverage within each need's share.
    for (&n, ks) in &by_need {
        let share = needs.areas[n].share;
        if share == 0 || coef.within_share[n] <= 0.0 {
            continue;
        }
        let u = vars.add(variable().min(0).max(share));
        objective.add_mul(coef.within_share[n], u);
        constraints.push(Expression::from(u).leq(sum(ks)));
    }
    // Deployments: y per (school, consultant), the minimum stay, the count.
    let mut y_by_school: BTreeMap<usize, Vec<Variable>> = BTreeMap::new();
    for (&(s, c), ks) in &by_pair {
        let cap = problem.consultants[c]
            .days_available
            .min(needs.schools[s].entitlement);
        let y = vars.add(if relax {
            variable().min(0).max(1)
        } else {
            variable().binary()
        });
        objective.add_mul(-w.consultant_used, y);
        let days = sum(ks);
        constraints.push(days.clone().leq(f64::from(cap) * y));
        constraints.push(days.geq(f64::from(rules.min_days_per_deployment) * y));
        y_by_school.entry(s).or_default().push(y);
    }
    let pref = f64::from(rules.preferred_max_consultants);
    for ys in y_by_school.values() {
        if ys.len() as f64 <= pref || w.extra_consultant <= 0.0 {
            continue;
        }
        let e = vars.add(variable().min(0));
        objective.add_mul(-w.extra_consultant, e);
        let mut count = Expression::with_capacity(ys.len());
        for &y in ys {
            count.add_mul(1.0, y);
        }
        constraints.push(Expression::from(e).geq(count - pref));
    }
    // Fairness: the lowest ratio among the tier-1 (tier-2) schools here.
    for (tier, weight) in [(1u8, w.fairness_tier1), (2, w.fairness_tier2)] {
        let members: Vec<usize> = by_school
            .keys()
            .copied()
            .filter(|&s| needs.schools[s].tier == tier && graph.attainable[s] > 0)
            .collect();
        if members.is_empty() || weight <= 0.0 {
            continue;
        }
        let z = vars.add(variable().min(0).max(1));
        objective.add_mul(weight, z);
        for s in members {
            let att = f64::from(graph.attainable[s]);
            constraints.push((att * z).leq(sum(&by_school[&s])));
        }
    }
    // The budget (only ever with a single part; see eligibility::split).
    if let Some(budget) = how.budget {
        let mut spend = Expression::with_capacity(x.len());
        for &(ai, v) in &x {
            spend.add_mul(problem.consultants[graph.arcs[ai].consultant].day_rate, v);
        }
        constraints.push(spend.leq(budget));
    }

    let columns = vars.len();
    let mut model = vars.maximise(objective).using(good_lp::highs);
    for c in constraints {
        model.add_constraint(c);
    }
    let run =
        crate::highs_run::solve_repeatably(model, time_limit, rules.mip_rel_gap).map_err(fail)?;
    let (solved, optimal, time_limited) = (run.solved, run.optimal, run.limited);
    let objective = solved.objective_value();
    let has_solution = solved.primal_solution_status() == HighsSolutionStatus::Feasible;
    let bound = if relax {
        optimal.then_some(objective)
    } else {
        let dual = solved
            .double_info_value(c"mip_dual_bound")
            .unwrap_or(f64::NAN);
        if dual.is_finite() {
            Some(dual)
        } else {
            (optimal && has_solution).then_some(objective)
        }
    };
    let solution = if has_solution {
        let cols = crate::highs_run::solution_columns(&solved, columns).map_err(fail)?;
        // x were added first, in arc order.
        Some(cols[..arcs.len()].to_vec())
    } else {
        None
    };
    Ok(SubResult {
        solution,
        objective,
        bound,
        optimal,
        time_limited,
    })
}

fn upper(problem: &AllocationProblem, needs: &Needs, graph: &Graph, ai: usize) -> u64 {
    let a = &graph.arcs[ai];
    u64::from(
        problem.consultants[a.consultant]
            .days_available
            .min(needs.schools[a.school].entitlement),
    )
}

/// Every positive term at its largest: coverage of every entitled day at the
/// best rate, full fairness, every continuity bonus.
fn trivial_bound(
    problem: &AllocationProblem,
    needs: &Needs,
    graph: &Graph,
    part: &Part,
    coef: &Coefficients,
) -> f64 {
    let w = &problem.rules.weights;
    let mut best_day: BTreeMap<usize, f64> = BTreeMap::new();
    for &ai in &part.arcs {
        let a = &graph.arcs[ai];
        let v = coef.per_day[ai].max(0.0) + coef.within_share[a.need];
        let e = best_day.entry(a.school).or_insert(0.0);
        *e = e.max(v);
    }
    best_day
        .iter()
        .map(|(&s, &v)| v * f64::from(needs.schools[s].entitlement))
        .sum::<f64>()
        + w.fairness_tier1
        + w.fairness_tier2
}

//! The grouping step end to end: prepare, solve every component in
//! parallel, assign advisers, explain, and check the result.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use super::advisers::{assign_advisers_dated, GroupNeed};
use super::build::{prepare, Prepared};
use super::compat::PairRules;
use super::component::{size_of, Component};
use super::explain::{diagnose, unplaced_reason};
use super::output;
use super::plan::group_number;
use super::plan::{LedgerEntry, Plan, Stats, Triad, Unplaced};
use super::problem::TriadProblem;
use super::regions;
use super::steps::{self, Limits};
use super::validate::{grouping_score, validate, Violation};
use crate::model::{Adviser, School, Urn};

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("rules: {0}")]
    Rules(String),
    #[error("pins: {0}")]
    Pins(String),
    #[error("solver: {0}")]
    Solver(String),
    #[error("the plan breaks rules (a defect, please report it): {}", .0.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Violation>),
}

/// Progress of a run: components done out of all.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// Forms the year's groups. The result has passed [`validate`].
///
/// The steps: check the rules and pins; prepare participants and the
/// compatibility graph; split it into components; solve every component
/// (`steps`, or `regions` for a national one); number the groups and add
/// the pinned ones; give advisers; explain who is left out; the stats; the
/// one check.
pub fn plan(problem: &TriadProblem, progress: Progress) -> Result<Plan, PlanError> {
    let started = Instant::now();
    problem.rules.check().map_err(PlanError::Rules)?;
    check_pins(problem)?;
    let prep = prepare(problem);
    let comps = prep.components(&previous_groups(problem));
    let solved = solve_components(problem, &comps, progress)?;
    let mut found = collect(&prep, &comps, &solved);
    let mut triads = number_groups(problem, &prep, std::mem::take(&mut found.groups));
    let pinned = pinned_groups(problem, &prep);
    let pinned_points: f64 = pinned.iter().map(grouping_score).sum();
    found.objective += pinned_points;
    found.lower_bound += pinned_points;
    triads.extend(pinned);

    let mut adviser_stats = attach_advisers(problem, &prep.rules, &mut triads);
    let (unplaced, diagnosis) = explain(&prep, &found.unplaced, &triads);
    let mut warnings = std::mem::take(&mut adviser_stats.2);
    warnings.extend(pin_warnings(&triads));
    let mut stats = stats(&found, &triads, &prep, comps.len(), &adviser_stats, started);
    if let Some(d) = prep.rules.dating() {
        stats.datable = Some(triads.iter().map(|t| d.datable_now(&t.schools)).sum());
        stats.awaiting_groups = triads
            .iter()
            .filter(|t| t.schools.iter().any(|u| d.is_silent(*u)))
            .count();
        let groups: Vec<Vec<Urn>> = triads.iter().map(|t| t.schools.clone()).collect();
        stats.ready_awaiting = super::bound::ready_awaiting(problem, &groups);
        // Their own small budget: a bound holds whenever its search stops.
        let seconds = super::bound::bound_seconds(problem.rules.time_limit_seconds);
        let over = super::bound::Over::PlacingAsMany(&groups);
        stats.dated_bound = super::bound::dated_bound(problem, seconds, over);
        stats.answered_bound = super::bound::answered_bound(problem, seconds, over);
    }
    stats.seconds = started.elapsed().as_secs_f64();
    let plan = Plan {
        year: problem.year,
        ledger: ledger(&triads),
        cost: adviser_stats.3,
        triads,
        unplaced,
        diagnosis,
        warnings,
        stats,
    };
    let violations = validate(&plan, problem);
    if violations.is_empty() {
        Ok(plan)
    } else {
        Err(PlanError::Invalid(violations))
    }
}

/// The groups of the previous plan that were not pinned: they earn a bonus
/// for staying together.
fn previous_groups(problem: &TriadProblem) -> Vec<Vec<Urn>> {
    problem
        .previous
        .iter()
        .flat_map(|p| {
            p.triads
                .iter()
                .filter(|t| !t.pinned)
                .map(|t| t.schools.clone())
        })
        .collect()
}

/// Solves every component, largest first, in parallel; results in the
/// order of `comps`.
fn solve_components(
    problem: &TriadProblem,
    comps: &[Component],
    progress: Progress,
) -> Result<Vec<(usize, steps::Solved)>, PlanError> {
    let limits = Limits {
        seconds: problem.rules.time_limit_seconds,
        max_proof_columns: 60_000,
    };
    let done = AtomicUsize::new(0);
    let total = comps.len();
    // Largest first, so the long ones start early: each worker takes the
    // next component off one queue (splitting the list between workers
    // would leave one of them with the long tail).
    let mut order: Vec<usize> = (0..comps.len()).collect();
    order.sort_by_key(|&c| std::cmp::Reverse(comps[c].len()));
    let next = AtomicUsize::new(0);
    let workers = rayon::current_num_threads().min(order.len()).max(1);
    let mut solved: Vec<(usize, steps::Solved)> = (0..workers)
        .into_par_iter()
        .map(|_| {
            let mut mine = Vec::new();
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(&c) = order.get(k) else {
                    return Ok(mine);
                };
                let r = if comps[c].len() > problem.rules.region_size {
                    regions::solve_large(&comps[c], limits, problem.rules.region_size)
                } else {
                    steps::solve(&comps[c], limits)
                };
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                match r {
                    // The pools are only for a larger whole; drop them now.
                    Ok(s) => mine.push((
                        c,
                        steps::Solved {
                            pool: Vec::new(),
                            ..s
                        },
                    )),
                    Err(e) => {
                        // The others stop after their current component.
                        next.store(order.len(), Ordering::Relaxed);
                        return Err(e);
                    }
                }
            }
        })
        .collect::<Result<Vec<_>, String>>()
        .map_err(PlanError::Solver)?
        .into_iter()
        .flatten()
        .collect();
    solved.sort_by_key(|(c, _)| *c);
    Ok(solved)
}

/// The components' results together, in participants' terms.
struct Found<'a> {
    /// Members and previous-plan bonus of each group.
    groups: Vec<(Vec<&'a School>, f64)>,
    /// Participants left out.
    unplaced: Vec<usize>,
    objective: f64,
    lower_bound: f64,
    proven: usize,
    columns: usize,
}

fn collect<'a>(
    prep: &Prepared<'a>,
    comps: &[Component],
    solved: &[(usize, steps::Solved)],
) -> Found<'a> {
    let mut found = Found {
        groups: Vec::new(),
        unplaced: Vec::new(),
        objective: 0.0,
        lower_bound: 0.0,
        proven: 0,
        columns: 0,
    };
    for (c, s) in solved {
        let comp = &comps[*c];
        for g in &s.groups {
            let members: Vec<&School> = g[..size_of(g)]
                .iter()
                .map(|&l| prep.participants[comp.nodes[l as usize]])
                .collect();
            found
                .groups
                .push((members, comp.bonus.get(g).copied().unwrap_or(0.0)));
        }
        found
            .unplaced
            .extend(s.unplaced.iter().map(|&l| comp.nodes[l as usize]));
        found.objective += s.objective;
        found.lower_bound += s.lower_bound;
        found.proven += s.proven as usize;
        found.columns += s.columns;
    }
    found
}

/// Every left-out school with its reason, and the diagnosis of the whole
/// (with each group's reason for having no adviser).
fn explain(
    prep: &Prepared,
    unplaced_idx: &[usize],
    triads: &[Triad],
) -> (Vec<Unplaced>, Vec<String>) {
    let mut unplaced: Vec<Unplaced> = unplaced_idx
        .iter()
        .map(|&i| {
            let (reason, why) = unplaced_reason(prep, i);
            Unplaced {
                urn: prep.participants[i].urn,
                reason,
                why: Some(why),
            }
        })
        .collect();
    unplaced.sort_by_key(|u| u.urn);
    let reasons: Vec<(String, String)> = unplaced
        .iter()
        .map(|u| (u.urn.to_string(), u.reason.clone()))
        .collect();
    let mut diagnosis = diagnose(&reasons, prep.participants.len());
    diagnosis.extend(triads.iter().filter_map(|t| {
        let why = t.adviser_reason.as_ref()?;
        Some(super::plan::no_adviser_line(&t.id, why))
    }));
    (unplaced, diagnosis)
}

/// Pinned groups that break a rule: kept, and warned about.
fn pin_warnings(triads: &[Triad]) -> impl Iterator<Item = String> + '_ {
    triads.iter().filter(|t| t.pinned).flat_map(|t| {
        t.flags
            .iter()
            .filter(|f| f.starts_with("it breaks"))
            .map(move |f| format!("pinned group {}: {f}", group_number(&t.id)))
    })
}

fn stats(
    found: &Found,
    triads: &[Triad],
    prep: &Prepared,
    components: usize,
    adviser_stats: &AdviserStats,
    started: Instant,
) -> Stats {
    let (objective, lower_bound) = (found.objective, found.lower_bound);
    Stats {
        objective,
        lower_bound: lower_bound.min(objective),
        gap: if objective.abs() > 1e-12 {
            ((objective - lower_bound) / objective.abs()).max(0.0)
        } else {
            0.0
        },
        seconds: started.elapsed().as_secs_f64(),
        schools: prep.participants.len(),
        placed: triads.iter().map(|t| t.schools.len()).sum(),
        groups: triads.len(),
        groups_of_four: triads.iter().filter(|t| t.schools.len() == 4).count(),
        components,
        components_proven_optimal: found.proven,
        columns: found.columns,
        adviser_objective: adviser_stats.0,
        adviser_lower_bound: adviser_stats.1,
        ..Stats::default()
    }
}

fn check_pins(problem: &TriadProblem) -> Result<(), PlanError> {
    let known: HashSet<Urn> = problem.schools.iter().map(|s| s.urn).collect();
    let mut seen: HashSet<Urn> = HashSet::new();
    let max = if problem.rules.allow_groups_of_four {
        4
    } else {
        3
    };
    for pin in &problem.pins {
        let list: Vec<String> = pin.schools.iter().map(|u| u.to_string()).collect();
        if pin.schools.len() < 3 || pin.schools.len() > max {
            return Err(PlanError::Pins(format!(
                "pinned group {} has {} schools; groups have 3{}",
                list.join(", "),
                pin.schools.len(),
                if max == 4 { " or 4" } else { "" }
            )));
        }
        for u in &pin.schools {
            if !known.contains(u) {
                return Err(PlanError::Pins(format!(
                    "pinned school {u} is not among the schools"
                )));
            }
            if problem.opted_out.contains(u) {
                return Err(PlanError::Pins(format!(
                    "pinned school {u} has opted out: the pin and the opt-out conflict"
                )));
            }
            if !seen.insert(*u) {
                return Err(PlanError::Pins(format!(
                    "school {u} is pinned in two groups"
                )));
            }
        }
    }
    Ok(())
}

/// Stable ids: groups kept from the previous plan keep theirs; the rest are
/// numbered after the previous plan's highest, in order of their first URN.
fn number_groups<'a>(
    problem: &TriadProblem,
    prep: &Prepared<'a>,
    mut groups: Vec<(Vec<&'a School>, f64)>,
) -> Vec<Triad> {
    let previous: HashMap<BTreeSet<Urn>, String> = problem
        .previous
        .iter()
        .flat_map(|p| p.triads.iter())
        .map(|t| (t.schools.iter().copied().collect(), t.id.clone()))
        .collect();
    let mut next = previous
        .values()
        .filter_map(|id| id.trim_start_matches('G').parse::<usize>().ok())
        .max()
        .unwrap_or(0);
    groups.sort_by_key(|(g, _)| g.iter().map(|s| s.urn).min());
    groups
        .into_iter()
        .map(|(members, bonus)| {
            let key: BTreeSet<Urn> = members.iter().map(|s| s.urn).collect();
            let id = match previous.get(&key) {
                Some(id) if bonus > 0.0 => id.clone(),
                _ => {
                    next += 1;
                    format!("G{next:04}")
                }
            };
            output::triad(id, &prep.rules, &members, bonus)
        })
        .collect()
}

fn pinned_groups(problem: &TriadProblem, prep: &Prepared) -> Vec<Triad> {
    let by_urn: HashMap<Urn, &School> = problem.schools.iter().map(|s| (s.urn, s)).collect();
    problem
        .pins
        .iter()
        .enumerate()
        .map(|(k, pin)| {
            let members: Vec<&School> = pin
                .schools
                .iter()
                .filter_map(|u| by_urn.get(u).copied())
                .collect();
            let mut t = output::triad(format!("P{:03}", k + 1), &prep.rules, &members, 0.0);
            t.pinned = true;
            t
        })
        .collect()
}

/// Runs the adviser step on the chosen groups and writes its result into them.
/// Returns (objective, lower bound, warnings, cost ledger).
/// The adviser step's objective, its lower bound, warnings and cost ledger.
type AdviserStats = (f64, f64, Vec<String>, super::plan::CostLedger);

fn attach_advisers(
    problem: &TriadProblem,
    rules: &PairRules,
    triads: &mut [Triad],
) -> AdviserStats {
    let by_urn: HashMap<Urn, &School> = problem.schools.iter().map(|s| (s.urn, s)).collect();
    let mut last_year: HashMap<Urn, Vec<String>> = HashMap::new();
    for past in problem
        .history
        .iter()
        .filter(|p| p.year == problem.year - 1)
    {
        if let Some(a) = &past.adviser {
            for u in &past.schools {
                last_year.entry(*u).or_default().push(a.clone());
            }
        }
    }
    let previous: HashMap<BTreeSet<Urn>, Option<String>> = problem
        .previous
        .iter()
        .flat_map(|p| p.triads.iter())
        .map(|t| (t.schools.iter().copied().collect(), t.adviser.clone()))
        .collect();
    let pinned: HashMap<BTreeSet<Urn>, Option<String>> = problem
        .pins
        .iter()
        .map(|p| (p.schools.iter().copied().collect(), p.adviser.clone()))
        .collect();
    let triads_order: Vec<Vec<Urn>> = triads.iter().map(|t| t.schools.clone()).collect();
    let needs: Vec<GroupNeed> = triads
        .iter()
        .map(|t| {
            let key: BTreeSet<Urn> = t.schools.iter().copied().collect();
            let mut last: Vec<String> = t
                .schools
                .iter()
                .flat_map(|u| last_year.get(u).cloned().unwrap_or_default())
                .collect();
            last.sort();
            last.dedup();
            GroupNeed {
                id: t.id.clone(),
                phase: t.phase,
                schools: t
                    .schools
                    .iter()
                    .filter_map(|u| by_urn.get(u).copied())
                    .collect(),
                last_year_advisers: last,
                pinned_adviser: if t.pinned {
                    pinned.get(&key).cloned().flatten()
                } else {
                    None
                },
                previous_adviser: previous.get(&key).cloned().flatten(),
            }
        })
        .collect();
    // Advisers and dates together: a group gets only an adviser who can
    // come on dates its heads can keep (where heads' dates are known and
    // undated reviews are scored at all: `weights.undated_review = 0` gives
    // the sequential steps, grouping and advisers blind to dates).
    let dated = problem.rules.weights.undated_review > 0.0;
    let fits = |g: usize, adv: &Adviser| match rules.dating() {
        Some(d) if dated => {
            let who = if adv.name.trim().is_empty() {
                &adv.id
            } else {
                &adv.name
            };
            d.adviser_fits(&triads_order[g], &adv.id, who)
        }
        _ => Ok(()),
    };
    let mut result = assign_advisers_dated(&needs, &problem.advisers, &problem.rules, &fits);
    record_last_year(&mut result.ledger, triads, &last_year);
    for (i, t) in triads.iter_mut().enumerate() {
        t.adviser = result.adviser[i].clone();
        t.adviser_reason = result.reason[i].clone();
        t.metrics.adviser_travel_km = result.travel_km[i];
        for (k, v) in &result.score[i] {
            t.score.insert(k.clone(), *v);
        }
    }
    (
        result.objective,
        result.lower_bound,
        result.warnings,
        result.ledger,
    )
}

/// Writes into each adviser's ledger entry the placed schools they advised
/// last year, so that the plan alone says where continuity applies.
fn record_last_year(
    ledger: &mut super::plan::CostLedger,
    triads: &[Triad],
    last_year: &HashMap<Urn, Vec<String>>,
) {
    for entry in &mut ledger.advisers {
        let mut schools: Vec<Urn> = triads
            .iter()
            .flat_map(|t| t.schools.iter().copied())
            .filter(|u| last_year.get(u).is_some_and(|a| a.contains(&entry.id)))
            .collect();
        schools.sort();
        entry.advised_last_year = schools;
    }
}

fn ledger(triads: &[Triad]) -> Vec<LedgerEntry> {
    let mut map: HashMap<Urn, LedgerEntry> = HashMap::new();
    for r in triads.iter().flat_map(|t| t.reviews.iter()) {
        let host = map.entry(r.host).or_insert(LedgerEntry {
            urn: r.host,
            days_given: 0,
            days_received: 0,
            leads: 0,
        });
        host.days_received += r.days * r.reviewers.len() as u32;
        for u in &r.reviewers {
            let e = map.entry(*u).or_insert(LedgerEntry {
                urn: *u,
                days_given: 0,
                days_received: 0,
                leads: 0,
            });
            e.days_given += r.days;
            if *u == r.lead {
                e.leads += 1;
            }
        }
    }
    let mut v: Vec<LedgerEntry> = map.into_values().collect();
    v.sort_by_key(|e| e.urn);
    v
}

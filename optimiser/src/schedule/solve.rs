//! The entry point: re-assign advisers where dates decide, build the model,
//! split it into independent components, solve them in parallel, write the
//! dates and reasons back into the plan, and check the result.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use rayon::prelude::*;

use super::instance::{previous_dates, Instance};
use super::validate::validate;
use super::{mip, reasons, reassign};
use super::{ScheduleError, ScheduleProblem, ScheduleStats, ScheduledPlan};
use crate::calendar::Days;
use crate::calendar::Person;
use crate::model::Urn;

/// Dates every review it can, optimally under the weights (or the best found
/// within the time limit, with its bound). Deterministic for a given input.
pub fn schedule(problem: &ScheduleProblem) -> Result<ScheduledPlan, ScheduleError> {
    let started = Instant::now();
    problem.calendar.check().map_err(ScheduleError::Input)?;
    problem.rules.check().map_err(ScheduleError::Input)?;
    let days = Days::new(&problem.calendar);
    let mut plan = problem.plan.clone();
    for r in plan.triads.iter_mut().flat_map(|t| t.reviews.iter_mut()) {
        r.start = None;
        r.dates.clear();
        r.unscheduled_reason = None;
        r.undated = None;
        r.adviser = None;
        r.adviser_absent = None;
    }
    let mut reassigned = 0;
    if problem.rules.reassign_advisers && !problem.advisers.is_empty() {
        let probe = Instance {
            days: days.clone(),
            availability: &problem.availability,
            items: Vec::new(),
        };
        let notes = reassign::reassign(&mut plan, &probe, problem);
        reassigned = notes.len();
        plan.warnings.extend(notes);
    }
    let prev = previous_dates(problem.previous.as_ref());
    let mut inst = Instance::new(
        &plan,
        days,
        &problem.availability,
        &prev,
        problem.triad_rules.adviser_presence,
    );
    let mut comps = components(&inst);
    comps.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    let solved: Vec<_> = comps
        .par_iter()
        .map(|c| mip::solve(&inst, c, &problem.rules))
        .collect();
    let mut stats = ScheduleStats {
        window_first: Some(problem.calendar.first),
        window_last: Some(problem.calendar.last),
        reviews: inst.items.len(),
        components: comps.len(),
        largest_component: comps.first().map_or(0, Vec::len),
        ..ScheduleStats::default()
    };
    // Per item: index of the chosen start.
    let mut choice: Vec<Option<usize>> = vec![None; inst.items.len()];
    let mut released: Vec<usize> = Vec::new();
    for (c, s) in comps.iter().zip(solved) {
        let s = s?;
        released.extend(s.released);
        stats.objective += s.objective;
        stats.lower_bound += s.bound;
        stats.components_proven_optimal += usize::from(s.optimal);
        stats.variables += s.variables;
        for (&i, ch) in c.iter().zip(s.choice) {
            choice[i] = ch;
        }
    }
    released.sort_unstable();
    let dated_in = |ti: usize| {
        inst.items
            .iter()
            .zip(&choice)
            .filter(|(it, c)| it.triad == ti && c.is_some())
            .count()
    };
    let absent = reassign::release(&mut plan, problem, &released, &dated_in);
    stats.advisers_released = absent.len();
    for (item, ch) in inst.items.iter_mut().zip(choice.iter_mut()) {
        item.settle(absent.get(&item.triad).cloned(), ch);
    }
    if problem.rules.reassign_advisers {
        let cap = problem.rules.max_days_per_half_term;
        let given = reassign::give_on_dates(&mut plan, &mut inst, &choice, problem, cap);
        reassigned += given.len();
        plan.warnings.extend(given);
    }
    let start_day: Vec<Option<usize>> = choice
        .iter()
        .enumerate()
        .map(|(i, c)| c.map(|si| inst.items[i].starts[si].day))
        .collect();
    write_back(&mut plan, problem, &inst, &choice, &start_day, &mut stats);
    stats.advisers_reassigned = reassigned;
    stats.dated = stats.scheduled;
    if let Some(tp) = bound_problem(problem, &plan) {
        let seconds = crate::triads::bound_seconds(problem.rules.time_limit_seconds);
        let groups: Vec<Vec<Urn>> = plan.triads.iter().map(|t| t.schools.clone()).collect();
        let over = crate::triads::Over::PlacingAsMany(&groups);
        // No one has offered a date: no review can be dated, whatever the plan.
        stats.dated_bound = if problem.availability.people.is_empty() {
            Some(0)
        } else {
            crate::triads::dated_bound(&tp, seconds, over)
        };
        stats.ready_awaiting = crate::triads::ready_awaiting(&tp, &groups);
        stats.answered_bound = crate::triads::answered_bound(&tp, seconds, over);
    }
    stats.dated_gap = stats.dated_bound.map(|b| {
        if b == 0 {
            0.0
        } else {
            (b.saturating_sub(stats.dated)) as f64 / b as f64
        }
    });
    stats.relaxations = super::relax::relaxations(problem, &plan, &inst.days);
    // The plan carries them too, so that plan.json, its page and the report
    // say how many reviews are dated and how many could be.
    plan.stats.dated = Some(stats.dated);
    if stats.dated_bound.is_some() {
        plan.stats.dated_bound = stats.dated_bound;
        plan.stats.ready_awaiting = stats.ready_awaiting;
        plan.stats.answered_bound = stats.answered_bound;
    }
    plan.stats.relaxations = stats.relaxations.clone();
    stats.gap = if stats.objective > 1e-9 {
        ((stats.objective - stats.lower_bound) / stats.objective).max(0.0)
    } else {
        0.0
    };
    stats.seconds = started.elapsed().as_secs_f64();
    let violations = validate(&plan, problem);
    if !violations.is_empty() {
        return Err(ScheduleError::Invalid(
            violations.iter().map(|v| v.to_string()).collect(),
        ));
    }
    Ok(ScheduledPlan {
        plan,
        schedule: stats,
    })
}

fn write_back(
    plan: &mut crate::triads::Plan,
    problem: &ScheduleProblem,
    inst: &Instance,
    choice: &[Option<usize>],
    start_day: &[Option<usize>],
    stats: &mut ScheduleStats,
) {
    let previous: HashMap<(String, Urn), (Option<chrono::NaiveDate>, u32)> = problem
        .previous
        .iter()
        .flat_map(|p| p.triads.iter())
        .flat_map(|t| {
            t.reviews
                .iter()
                .map(move |r| ((t.id.clone(), r.host), (r.start, r.sequence)))
        })
        .collect();
    let mut by_period: BTreeMap<String, usize> = BTreeMap::new();
    for (i, item) in inst.items.iter().enumerate() {
        let id = plan.triads[item.triad].id.clone();
        let r = &mut plan.triads[item.triad].reviews[item.review];
        // Who attends: the host and reviewers, and the adviser where the
        // review has them; where not, why.
        r.adviser = item.people.iter().find_map(|p| match p {
            Person::Adviser(a) => Some(a.clone()),
            Person::Head(_) => None,
        });
        r.adviser_absent = item.adviser_absent.clone();
        match (choice[i], start_day[i]) {
            (Some(si), Some(day)) => {
                let s = &item.starts[si];
                r.start = Some(inst.days.days[day]);
                r.dates = inst.days.days[day..day + item.len].to_vec();
                stats.scheduled += 1;
                stats.preferred_person_days += s.preferred as usize;
                stats.person_days += (s.preferred + s.possible) as usize;
                stats.moved += usize::from(item.previous.is_some_and(|p| Some(p) != r.start));
                for d in day..day + item.len {
                    *by_period
                        .entry(inst.days.periods[inst.days.period[d]].clone())
                        .or_default() += item.people.len();
                }
            }
            _ => {
                stats.unscheduled += 1;
                stats.moved += usize::from(item.previous.is_some());
                let silent = silent_heads(inst, item);
                if !silent.is_empty() {
                    stats.awaiting += 1;
                }
                let (text, data) = if !silent.is_empty() {
                    let heads = silent
                        .iter()
                        .filter_map(|p| match p {
                            Person::Head(u) => Some(*u),
                            Person::Adviser(_) => None,
                        })
                        .collect();
                    (
                        format!(
                            "awaiting dates: {} offered no dates yet (no_availability = \"wait\": the group was formed as if they were free)",
                            silent.iter().map(|p| super::describe(p)).collect::<Vec<_>>().join(" and ")
                        ),
                        crate::triads::Undated::AwaitingDates { heads },
                    )
                } else if item.starts.is_empty() {
                    reasons::no_common_date(inst, problem, i)
                } else {
                    reasons::all_dates_taken(inst, &problem.rules, i, start_day)
                };
                r.unscheduled_reason = Some(text);
                r.undated = Some(data);
            }
        }
        if let Some(&(prev_start, seq)) = previous.get(&(id, r.host)) {
            // A date published before (or cancelled before, which bumped the
            // sequence) that changes is a new revision of the calendar entry.
            let published = prev_start.is_some() || seq > 0;
            let changed = published && prev_start != r.start;
            r.sequence = seq + u32::from(changed);
        }
    }
    stats.days_by_period = by_period;
    stats.preferred_share = if stats.person_days > 0 {
        stats.preferred_person_days as f64 / stats.person_days as f64
    } else {
        0.0
    };
}

/// The heads of a review who have offered no dates at all, while others
/// have: "the head of 900001".
fn silent_heads<'a>(inst: &Instance, item: &'a super::instance::Item) -> Vec<&'a Person> {
    if inst.availability.people.is_empty() {
        return Vec::new();
    }
    item.people
        .iter()
        .filter(|p| matches!(p, Person::Head(_)) && !inst.availability.people.contains_key(p))
        .collect()
}

/// The grouping problem whose bounds on dated reviews hold for every
/// grouping of the plan's schools under the grouping rules and this
/// availability. The scope is per LA unless a group of the plan crosses an
/// LA border (then across LAs, which allows more groups and so still
/// bounds). The plan's pinned groups are pinned here too: the SIM may pin a
/// group the rules would not form, and every plan then holds it. None
/// without schools.
fn bound_problem(
    problem: &ScheduleProblem,
    plan: &crate::triads::Plan,
) -> Option<crate::triads::TriadProblem> {
    if problem.schools.is_empty() {
        return None;
    }
    let in_plan: std::collections::HashSet<Urn> = plan
        .triads
        .iter()
        .flat_map(|t| t.schools.iter().copied())
        .chain(plan.unplaced.iter().map(|u| u.urn))
        .collect();
    let schools: Vec<crate::model::School> = problem
        .schools
        .iter()
        .filter(|s| in_plan.contains(&s.urn))
        .cloned()
        .collect();
    let la: HashMap<Urn, u16> = schools.iter().map(|s| (s.urn, s.la_code)).collect();
    let crosses = plan.triads.iter().any(|t| {
        let mut las = t.schools.iter().filter_map(|u| la.get(u));
        let first = las.next();
        las.any(|l| Some(l) != first)
    });
    let mut rules = problem.triad_rules.clone();
    problem.rules.apply_to(&mut rules);
    Some(crate::triads::TriadProblem {
        year: plan.year,
        schools,
        rules,
        scope: if crosses {
            crate::triads::Scope::CrossLa
        } else {
            crate::triads::Scope::PerLa
        },
        availability: Some(crate::triads::KnownDates {
            availability: problem.availability.clone(),
            calendar: problem.calendar.clone(),
        }),
        pins: plan
            .triads
            .iter()
            .filter(|t| t.pinned)
            .map(|t| crate::triads::Pin {
                schools: t.schools.clone(),
                adviser: None,
            })
            .collect(),
        ..crate::triads::TriadProblem::default()
    })
}

/// Connected components of the "shares a person" graph, as sorted item lists.
fn components(inst: &Instance) -> Vec<Vec<usize>> {
    let n = inst.items.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut first_of: HashMap<&Person, usize> = HashMap::new();
    for (i, item) in inst.items.iter().enumerate() {
        for p in &item.people {
            let j = *first_of.entry(p).or_insert(i);
            let (a, b) = (find(&mut parent, i), find(&mut parent, j));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(i);
    }
    groups.into_values().collect()
}

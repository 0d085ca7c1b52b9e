//! Why a need was left short: every cause found, named so the SIM can act.

use std::collections::{BTreeMap, BTreeSet};

use super::eligibility::{qualified, reach, Graph, Reach};
use super::need::Needs;
use super::{AllocationProblem, BusyConsultant, Shortfall, ShortfallReason};
use crate::model::Urn;

/// One list per school (parallel to `problem.schools`).
pub(crate) fn shortfalls(
    problem: &AllocationProblem,
    needs: &Needs,
    graph: &Graph,
    days: &[u32],
    school_days: &[u32],
    need_days: &[u32],
) -> Vec<Vec<Shortfall>> {
    let rules = &problem.rules;
    let mut used = vec![0u32; problem.consultants.len()];
    let mut served: Vec<BTreeSet<Urn>> = vec![BTreeSet::new(); problem.consultants.len()];
    let mut at_school: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut arcs_of_need: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, (a, &d)) in graph.arcs.iter().zip(days).enumerate() {
        arcs_of_need.entry(a.need).or_default().push(i);
        if d > 0 {
            used[a.consultant] += d;
            served[a.consultant].insert(problem.schools[a.school].urn);
            at_school.insert((a.school, a.consultant));
        }
    }
    let spent: f64 = graph
        .arcs
        .iter()
        .zip(days)
        .map(|(a, &d)| problem.consultants[a.consultant].day_rate * f64::from(d))
        .sum();

    let mut out = vec![Vec::new(); problem.schools.len()];
    // Tiers 1 and 2 expect support, so a missing need there is most likely
    // a gap in the SIM's data; a tier-3 school without one simply needs none.
    for (s, sn) in needs.schools.iter().enumerate() {
        if sn.entitlement > 0 && sn.areas.is_empty() && sn.tier <= 2 {
            out[s].push(Shortfall {
                area: None,
                days: sn.entitlement,
                reasons: vec![ShortfallReason::NoNeedRecorded],
            });
        }
    }
    for (n, need) in needs.areas.iter().enumerate() {
        let s = need.school;
        let missing = need.share.saturating_sub(need_days[n]);
        if missing == 0 {
            continue;
        }
        let mut reasons = Vec::new();
        let arcs = arcs_of_need.get(&n).map(Vec::as_slice).unwrap_or(&[]);
        let mut room = needs.schools[s].entitlement.saturating_sub(school_days[s]);
        if room == 0 {
            // Say so, and also why this area could not have had those days.
            reasons.push(ShortfallReason::EntitlementUsedElsewhere);
            room = missing;
        }
        if arcs.is_empty() {
            reasons.push(unreachable(problem, needs, graph, n));
        } else {
            let mut busy = Vec::new();
            let mut short_of_minimum = Vec::new();
            let mut free = Vec::new();
            for &ai in arcs {
                let c = graph.arcs[ai].consultant;
                let consultant = &problem.consultants[c];
                let left = consultant.days_available.saturating_sub(used[c]);
                let already_there = at_school.contains(&(s, c));
                if left == 0 {
                    busy.push(BusyConsultant {
                        id: consultant.id.clone(),
                        used_by: served[c].iter().copied().collect(),
                    });
                } else if !already_there && left.min(room) < rules.min_days_per_deployment {
                    short_of_minimum.push(consultant.id.clone());
                } else {
                    free.push(consultant.id.clone());
                }
            }
            if !busy.is_empty() {
                reasons.push(ShortfallReason::CapacityUsedUp { consultants: busy });
            }
            if !short_of_minimum.is_empty() {
                reasons.push(ShortfallReason::BelowMinimumDeployment {
                    min_days: rules.min_days_per_deployment,
                    consultants: short_of_minimum,
                });
            }
            if !free.is_empty() {
                let cheapest = arcs
                    .iter()
                    .map(|&ai| problem.consultants[graph.arcs[ai].consultant].day_rate)
                    .fold(f64::INFINITY, f64::min);
                match rules.budget {
                    Some(budget) if spent + cheapest > budget + 1e-6 => {
                        reasons.push(ShortfallReason::BudgetSpent { budget, spent });
                    }
                    _ => reasons.push(ShortfallReason::NotChosen { consultants: free }),
                }
            }
        }
        out[s].push(Shortfall {
            area: Some(need.area),
            days: missing,
            reasons,
        });
    }
    out
}

/// Why a need has no arc at all.
fn unreachable(
    problem: &AllocationProblem,
    needs: &Needs,
    graph: &Graph,
    n: usize,
) -> ShortfallReason {
    let rules = &problem.rules;
    let area = needs.areas[n].area;
    let school = &problem.schools[needs.areas[n].school];
    let phase = school.phase_group();
    let mut specialists = 0u32;
    let mut conflicted = 0u32;
    let mut nearest: Option<f64> = None;
    let mut reachable = 0u32;
    let mut no_days = Vec::new();
    for (c, consultant) in problem.consultants.iter().enumerate() {
        if !qualified(consultant, area, phase) {
            continue;
        }
        specialists += 1;
        match reach(consultant, &graph.places[c], school, problem) {
            Reach::Conflict => conflicted += 1,
            Reach::TooFar(d) => {
                if let Some(d) = d {
                    nearest = Some(nearest.map_or(d, |m: f64| m.min(d)));
                }
            }
            Reach::Yes(_) if consultant.days_available == 0 => {
                no_days.push(BusyConsultant {
                    id: consultant.id.clone(),
                    used_by: vec![],
                });
            }
            Reach::Yes(_) => reachable += 1,
        }
    }
    if specialists == 0 {
        return ShortfallReason::NoSpecialist { area, phase };
    }
    if reachable == 0 && !no_days.is_empty() {
        return ShortfallReason::CapacityUsedUp {
            consultants: no_days,
        };
    }
    ShortfallReason::NoneWithinReach {
        area,
        phase,
        max_travel_km: rules.max_travel_km,
        nearest_km: nearest.map(|d| (d * 10.0).round() / 10.0),
        conflicted,
        // Reachable specialists without an arc were cut by the candidate limit.
        not_among_nearest: reachable,
    }
}

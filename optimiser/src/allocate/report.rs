//! From days per arc to the published result: lines, summaries, ledger, stats.

use std::collections::{BTreeMap, BTreeSet};

use super::eligibility::Graph;
use super::mip::{coefficients, Solved};
use super::need::Needs;
use super::{
    explain, Allocation, AllocationProblem, AreaSummary, Assignment, ConsultantLoad, CostLedger,
    ObjectiveTerms, SchoolSummary, Stats, TierCoverage,
};

/// The posed objective of an allocation given as days per arc, term by term.
pub(crate) fn score(
    problem: &AllocationProblem,
    needs: &Needs,
    graph: &Graph,
    days: &[u32],
) -> ObjectiveTerms {
    let w = &problem.rules.weights;
    let coef = coefficients(problem, needs, graph);
    let mut t = ObjectiveTerms::default();
    let mut need_days = vec![0u32; needs.areas.len()];
    let mut school_days = vec![0u32; problem.schools.len()];
    let mut pairs: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for (a, &d) in graph.arcs.iter().zip(days) {
        if d == 0 {
            continue;
        }
        let d = f64::from(d);
        let c = &problem.consultants[a.consultant];
        need_days[a.need] += d as u32;
        school_days[a.school] += d as u32;
        pairs.entry(a.school).or_default().insert(a.consultant);
        t.coverage += w.tier(needs.schools[a.school].tier) * w.overflow * d;
        if a.same_area_last_year {
            t.continuity += w.continuity_same_area * d;
        }
        if a.same_school_last_year {
            t.continuity += w.continuity_same_school * d;
        }
        t.travel -= w.travel_per_km * a.km * d;
        t.cost -= w.cost_per_pound * c.day_rate * d;
    }
    for (n, need) in needs.areas.iter().enumerate() {
        t.coverage += coef.within_share[n] * f64::from(need_days[n].min(need.share));
    }
    let pref = problem.rules.preferred_max_consultants as usize;
    for set in pairs.values() {
        t.consultants -= w.consultant_used * set.len() as f64;
        t.consultants -= w.extra_consultant * set.len().saturating_sub(pref) as f64;
    }
    for part in 0..graph.parts.len() {
        for (tier, weight) in [(1u8, w.fairness_tier1), (2, w.fairness_tier2)] {
            let lowest = graph.parts[part]
                .schools
                .iter()
                .filter(|&&s| needs.schools[s].tier == tier && graph.attainable[s] > 0)
                .map(|&s| f64::from(school_days[s]) / f64::from(graph.attainable[s]))
                .min_by(f64::total_cmp);
            if let Some(r) = lowest {
                t.fairness += weight * r.min(1.0);
            }
        }
    }
    t
}

pub(crate) fn build(
    problem: &AllocationProblem,
    needs: &Needs,
    graph: &Graph,
    solved: &Solved,
) -> Allocation {
    let days = &solved.days;
    let mut allocations: Vec<Assignment> = graph
        .arcs
        .iter()
        .zip(days)
        .filter(|(_, &d)| d > 0)
        .map(|(a, &d)| Assignment {
            urn: problem.schools[a.school].urn,
            consultant: problem.consultants[a.consultant].id.clone(),
            area: a.area,
            days: d,
        })
        .collect();
    allocations.sort();

    let mut school_days = vec![0u32; problem.schools.len()];
    let mut need_days = vec![0u32; needs.areas.len()];
    let mut school_consultants: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); problem.schools.len()];
    let mut loads: Vec<ConsultantLoad> = problem
        .consultants
        .iter()
        .map(|c| ConsultantLoad {
            id: c.id.clone(),
            name: c.name.clone(),
            kind: c.kind,
            available: c.days_available,
            allocated: 0,
            schools: 0,
            cost: 0.0,
            travel_km: 0.0,
        })
        .collect();
    let mut ledger = CostLedger {
        total: 0.0,
        budget: problem.rules.budget,
        days: 0,
        by_kind: BTreeMap::new(),
        by_tier: BTreeMap::new(),
    };
    for (a, &d) in graph.arcs.iter().zip(days) {
        if d == 0 {
            continue;
        }
        let c = &problem.consultants[a.consultant];
        let cost = c.day_rate * f64::from(d);
        school_days[a.school] += d;
        need_days[a.need] += d;
        school_consultants[a.school].insert(a.consultant);
        let load = &mut loads[a.consultant];
        load.allocated += d;
        load.cost += cost;
        load.travel_km += a.km * f64::from(d);
        ledger.total += cost;
        ledger.days += d;
        let k = ledger.by_kind.entry(c.kind).or_default();
        k.days += d;
        k.cost += cost;
        *ledger
            .by_tier
            .entry(needs.schools[a.school].tier.to_string())
            .or_insert(0.0) += cost;
    }
    for set in &school_consultants {
        for &c in set {
            loads[c].schools += 1;
        }
    }

    let shortfalls = explain::shortfalls(problem, needs, graph, days, &school_days, &need_days);
    let schools: Vec<SchoolSummary> = problem
        .schools
        .iter()
        .enumerate()
        .zip(shortfalls)
        .map(|((s, school), shortfalls)| {
            let sn = &needs.schools[s];
            SchoolSummary {
                urn: school.urn,
                name: school.name.clone(),
                phase: school.phase_group(),
                tier: sn.tier,
                tier_source: sn.tier_source,
                entitlement: sn.entitlement,
                allocated: school_days[s],
                consultants: school_consultants[s].len() as u32,
                areas: sn
                    .areas
                    .clone()
                    .map(|n| AreaSummary {
                        area: needs.areas[n].area,
                        priority: needs.areas[n].priority,
                        share: needs.areas[n].share,
                        allocated: need_days[n],
                    })
                    .collect(),
                shortfalls,
            }
        })
        .collect();

    let terms = score(problem, needs, graph, days);
    let objective = terms.total();
    let bound = solved.bound;
    let gap = if bound.abs() > 1e-9 {
        ((bound - objective) / bound.abs()).max(0.0)
    } else {
        0.0
    };
    Allocation {
        allocations,
        stats: Stats {
            objective,
            bound,
            gap,
            seconds: 0.0,
            optimal: solved.optimal,
            time_limited: solved.time_limited,
            parts: graph.parts.len() as u32,
            largest_part_schools: graph
                .parts
                .iter()
                .map(|p| p.schools.len() as u32)
                .max()
                .unwrap_or(0),
            arcs: graph.arcs.len() as u64,
            terms,
            coverage_by_tier: coverage_by_tier(&schools),
            fairness_inversions: fairness_inversions(problem, needs, graph, days, &school_days),
        },
        schools,
        consultants: loads,
        cost: ledger,
        rules: problem.rules.clone(),
    }
}

/// Needs of tier-1 schools left with nothing (though the school has room
/// for a deployment) while a consultant who may serve them gives days in the
/// same area to a tier-3 school. The objective's weights rule this out at
/// the optimum; counting it checks the result, whichever route produced it.
fn fairness_inversions(
    problem: &AllocationProblem,
    needs: &Needs,
    graph: &Graph,
    days: &[u32],
    school_days: &[u32],
) -> u32 {
    let mut need_days = vec![0u32; needs.areas.len()];
    let mut tier3: BTreeSet<(usize, crate::model::NeedArea)> = BTreeSet::new();
    for (a, &d) in graph.arcs.iter().zip(days) {
        need_days[a.need] += d;
        if d > 0 && needs.schools[a.school].tier == 3 {
            tier3.insert((a.consultant, a.area));
        }
    }
    let min = problem.rules.min_days_per_deployment;
    let inverted: BTreeSet<usize> = graph
        .arcs
        .iter()
        .filter(|a| {
            let s = &needs.schools[a.school];
            s.tier == 1
                && need_days[a.need] == 0
                && s.entitlement.saturating_sub(school_days[a.school]) >= min
                && tier3.contains(&(a.consultant, a.area))
        })
        .map(|a| a.need)
        .collect();
    inverted.len() as u32
}

fn coverage_by_tier(schools: &[SchoolSummary]) -> BTreeMap<String, TierCoverage> {
    let mut out: BTreeMap<String, TierCoverage> = BTreeMap::new();
    for s in schools {
        let t = out.entry(s.tier.to_string()).or_insert(TierCoverage {
            min_ratio: 1.0,
            ..Default::default()
        });
        t.schools += 1;
        t.entitlement += u64::from(s.entitlement);
        t.allocated += u64::from(s.allocated);
        if s.entitlement > 0 && !s.areas.is_empty() {
            t.with_need += 1;
            t.demand += u64::from(s.entitlement);
            if s.allocated == 0 {
                t.unserved += 1;
            }
            t.min_ratio = t
                .min_ratio
                .min(f64::from(s.allocated) / f64::from(s.entitlement));
        }
    }
    out
}

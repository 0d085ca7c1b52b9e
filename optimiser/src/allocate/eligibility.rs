//! Who may serve which need, and the independent parts of the problem.
//!
//! An arc (need, consultant) exists when the consultant has the need's area
//! as a specialism, works with the school's phase group, has no conflict with
//! the school (own school or trust) and can reach it:
//!
//! * where the consultant's base (or, failing that, their home school's
//!   location) and the school's location are both known: straight-line
//!   distance at most `max_travel_km`;
//! * otherwise the consultant's local authority must be the school's. A
//!   consultant's LA is their home school's, else that of the school nearest
//!   their base. A consultant with neither base nor home school is the
//!   authority's own (a TIC, say) and may serve every school in the problem.
//!   Travel is then costed at `unknown_distance_km`.
//!
//! `max_candidates_per_need`, when set, keeps only that many nearest arcs per
//! need. Both rules are part of the posed problem, so the bound stays valid.

use std::collections::{HashMap, HashSet};

use petgraph::unionfind::UnionFind;
use rayon::prelude::*;

use super::need::Needs;
use super::AllocationProblem;
use crate::model::{Consultant, Location, NeedArea, PhaseGroup, School, Urn};

#[derive(Debug, Clone)]
pub(crate) struct Arc {
    /// Index into `Needs::areas`.
    pub need: usize,
    pub school: usize,
    pub consultant: usize,
    pub area: NeedArea,
    /// Distance used for the travel term, km.
    pub km: f64,
    /// The consultant gave this school days in this area last year.
    pub same_area_last_year: bool,
    /// The consultant gave this school days (any area) last year.
    pub same_school_last_year: bool,
}

/// Schools and consultants joined by arcs: nothing outside a part competes
/// with anything inside it, so parts are solved independently.
#[derive(Debug, Clone, Default)]
pub(crate) struct Part {
    pub schools: Vec<usize>,
    pub consultants: Vec<usize>,
    pub arcs: Vec<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct Graph {
    /// Sorted by need, then consultant.
    pub arcs: Vec<Arc>,
    pub parts: Vec<Part>,
    /// Most days a school could get were it alone: min(entitlement, days of
    /// every consultant who may serve it). The fairness ratio's denominator.
    pub attainable: Vec<u32>,
    /// Parallel to `problem.consultants`.
    pub places: Vec<Place>,
}

/// Where a consultant works from, and their LA for unknown geography.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    pub base: Option<Location>,
    pub la: Option<u16>,
    /// Neither base nor home school: serves the whole problem.
    pub anywhere: bool,
}

pub(crate) fn places(problem: &AllocationProblem, needs: &Needs) -> Vec<Place> {
    // The nearest school's LA only matters for schools without coordinates.
    let any_unlocated = problem.schools.iter().any(|s| s.location.is_none());
    problem
        .consultants
        .par_iter()
        .map(|c| {
            let home = c
                .home_school
                .and_then(|u| needs.school_index.get(&u))
                .map(|&i| &problem.schools[i]);
            let base = c.base.or(home.and_then(|h| h.location));
            let la = home.map(|h| h.la_code).or_else(|| {
                base.filter(|_| any_unlocated)
                    .and_then(|b| nearest_la(&problem.schools, &b))
            });
            Place {
                base,
                la,
                anywhere: base.is_none() && home.is_none(),
            }
        })
        .collect()
}

fn nearest_la(schools: &[School], at: &Location) -> Option<u16> {
    schools
        .iter()
        .filter_map(|s| Some((s.location?.distance_km(at), s.la_code)))
        .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
        .map(|(_, la)| la)
}

/// How a consultant stands towards a school, ignoring specialism and phase.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Reach {
    /// Within reach; the km to cost travel at.
    Yes(f64),
    /// Beyond reach; the distance where known.
    TooFar(Option<f64>),
    Conflict,
}

pub(crate) fn reach(
    c: &Consultant,
    place: &Place,
    school: &School,
    problem: &AllocationProblem,
) -> Reach {
    if c.conflicts_with(school) {
        return Reach::Conflict;
    }
    let rules = &problem.rules;
    match (place.base, school.location) {
        (Some(b), Some(l)) => {
            let d = b.distance_km(&l);
            if d <= rules.max_travel_km {
                Reach::Yes(d)
            } else {
                Reach::TooFar(Some(d))
            }
        }
        _ if place.anywhere || place.la == Some(school.la_code) => {
            Reach::Yes(rules.unknown_distance_km)
        }
        _ => Reach::TooFar(None),
    }
}

pub(crate) fn qualified(c: &Consultant, area: NeedArea, phase: PhaseGroup) -> bool {
    c.specialisms.contains(&area) && c.phases.contains(&phase)
}

/// Last year's (consultant, school, area) triples: the latest year present.
pub(crate) fn last_year(problem: &AllocationProblem) -> HashSet<(&str, Urn, NeedArea)> {
    let Some(year) = problem.past_allocations.iter().map(|p| p.year).max() else {
        return HashSet::new();
    };
    problem
        .past_allocations
        .iter()
        .filter(|p| p.year == year && p.days > 0)
        .map(|p| (p.consultant.as_str(), p.urn, p.area))
        .collect()
}

pub(crate) fn build(problem: &AllocationProblem, needs: &Needs) -> Graph {
    let rules = &problem.rules;
    let places = places(problem, needs);
    let last = last_year(problem);
    let last_pairs: HashSet<(&str, Urn)> = last.iter().map(|&(c, u, _)| (c, u)).collect();

    // Consultants by (area, phase group), in input order, so that each need
    // scans only the specialists it could use.
    let mut specialists: HashMap<(NeedArea, PhaseGroup), Vec<usize>> = HashMap::new();
    for (i, c) in problem.consultants.iter().enumerate() {
        if c.days_available == 0 {
            continue;
        }
        for &a in &c.specialisms {
            for &p in &c.phases {
                let list = specialists.entry((a, p)).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
    }

    let mut arcs = Vec::new();
    for (n, need) in needs.areas.iter().enumerate() {
        let s = need.school;
        let school = &problem.schools[s];
        if needs.schools[s].entitlement == 0 {
            continue;
        }
        let Some(list) = specialists.get(&(need.area, school.phase_group())) else {
            continue;
        };
        let mut found: Vec<(f64, usize)> = list
            .iter()
            .filter_map(
                |&ci| match reach(&problem.consultants[ci], &places[ci], school, problem) {
                    Reach::Yes(km) => Some((km, ci)),
                    _ => None,
                },
            )
            .collect();
        if let Some(k) = rules.max_candidates_per_need {
            found.sort_by(|a, b| {
                a.0.total_cmp(&b.0).then_with(|| {
                    problem.consultants[a.1]
                        .id
                        .cmp(&problem.consultants[b.1].id)
                })
            });
            found.truncate(k);
            found.sort_by_key(|&(_, ci)| ci);
        }
        for (km, ci) in found {
            let id = problem.consultants[ci].id.as_str();
            arcs.push(Arc {
                need: n,
                school: s,
                consultant: ci,
                area: need.area,
                km,
                same_area_last_year: last.contains(&(id, school.urn, need.area)),
                same_school_last_year: last_pairs.contains(&(id, school.urn)),
            });
        }
    }

    let parts = split(problem, &arcs);
    let attainable = attainable(problem, needs, &arcs);
    Graph {
        arcs,
        parts,
        attainable,
        places,
    }
}

fn attainable(problem: &AllocationProblem, needs: &Needs, arcs: &[Arc]) -> Vec<u32> {
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    let mut supply = vec![0u64; problem.schools.len()];
    for a in arcs {
        if seen.insert((a.school, a.consultant)) {
            supply[a.school] += u64::from(problem.consultants[a.consultant].days_available);
        }
    }
    supply
        .iter()
        .zip(&needs.schools)
        .map(|(&d, s)| d.min(u64::from(s.entitlement)) as u32)
        .collect()
}

/// Connected parts of the school-consultant graph; one part holding every
/// arc when a budget couples them all.
fn split(problem: &AllocationProblem, arcs: &[Arc]) -> Vec<Part> {
    let ns = problem.schools.len();
    let mut uf = UnionFind::<usize>::new(ns + problem.consultants.len());
    for a in arcs {
        uf.union(a.school, ns + a.consultant);
    }
    let one_part = problem.rules.budget.is_some();
    let mut part_of_root: HashMap<usize, usize> = HashMap::new();
    let mut parts: Vec<Part> = Vec::new();
    let mut school_seen = vec![false; ns];
    let mut consultant_seen = vec![false; problem.consultants.len()];
    for (i, a) in arcs.iter().enumerate() {
        let root = if one_part { 0 } else { uf.find(a.school) };
        let p = *part_of_root.entry(root).or_insert_with(|| {
            parts.push(Part::default());
            parts.len() - 1
        });
        let part = &mut parts[p];
        part.arcs.push(i);
        if !school_seen[a.school] {
            school_seen[a.school] = true;
            part.schools.push(a.school);
        }
        if !consultant_seen[a.consultant] {
            consultant_seen[a.consultant] = true;
            part.consultants.push(a.consultant);
        }
    }
    for p in &mut parts {
        p.schools.sort_unstable();
        p.consultants.sort_unstable();
    }
    parts
}

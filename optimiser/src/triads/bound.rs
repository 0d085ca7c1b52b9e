//! A bound on dated reviews: no plan under these rules and availabilities
//! can date more reviews than this.
//!
//! Each school hosts one review, so a plan dates `n − (left out) − Σ_g
//! undated(g)` reviews of its `n` schools, where `undated(g)` is what the
//! heads of group `g` cannot keep (exact for the group alone, as a head is
//! in one group: `crate::dating`). The least of `Σ_g undated(g) + left out`
//! over all plans is a set-partitioning problem on the same compatibility
//! graph: a component with every other term at zero, a left-out school at
//! 1 and an undated review at 1. Its relaxation by column generation (exact
//! pricing, or the floor for any duals where time runs out) is a lower
//! bound `L`, so no plan dates more than `n − ⌈L⌉` of the component's
//! reviews. Heads who have offered nothing count as never available here
//! (their reviews cannot be dated now, whatever the grouping), and advisers'
//! dates are left out, which only raises the bound: it covers every adviser
//! rule.

use std::sync::Arc;

use rayon::prelude::*;

use super::build::prepare;
use super::colgen;
use super::component::{Component, Dating, ScoreWeights};
use super::problem::TriadProblem;
use super::steps::greedy_start;
use crate::model::School;

/// The most reviews any plan of `problem` (its rules, pins and heads'
/// availability) can date, heads' dates alone; None where heads' dates are
/// unknown. Each component's relaxation gets `seconds`.
pub fn dated_bound(problem: &TriadProblem, seconds: f64) -> Option<usize> {
    let prep = prepare(problem);
    let dt = prep.rules.dating()?;
    let comps = prep.components(&[]);
    let free: usize = comps
        .par_iter()
        .map(|c| {
            let silent: Vec<bool> = c
                .nodes
                .iter()
                .map(|&g| dt.is_silent(prep.participants[g].urn))
                .collect();
            component_bound(c, &silent, seconds).unwrap_or(c.len())
        })
        .sum();
    // A pinned group is in every plan; any of its rotations is counted.
    let pinned: usize = problem
        .pins
        .iter()
        .map(|p| {
            let members: Vec<&School> = p
                .schools
                .iter()
                .filter_map(|u| prep.index.get(u).map(|&i| prep.participants[i]))
                .collect();
            let urns: Vec<_> = members.iter().map(|s| s.urn).collect();
            match urns.len() {
                3 => dt.datable_now(&urns),
                4 => {
                    let [a, b, c, d] = [urns[0], urns[1], urns[2], urns[3]];
                    [[a, c, b, d], [a, b, c, d], [a, b, d, c]]
                        .iter()
                        .map(|o| dt.datable_now(o))
                        .max()
                        .unwrap_or(0)
                }
                _ => 0,
            }
        })
        .sum();
    Some(free + pinned)
}

/// The most reviews of the component's schools any plan can date, or None
/// where heads' dates are unknown. `silent[l]`: node `l`'s head offered nothing.
fn component_bound(comp: &Component, silent: &[bool], seconds: f64) -> Option<usize> {
    let dating = comp.dating.as_ref()?;
    let n = comp.len();
    if n < 3 {
        return Some(0);
    }
    let mut c = comp.clone();
    c.weights = ScoreWeights {
        travel_km: 0.0,
        group_of_four: 0.0,
        no_good_school: 0.0,
        unplaced: 1.0,
        ..comp.weights
    };
    for list in &mut c.adj {
        for e in list.iter_mut() {
            e.pts = 0.0;
        }
    }
    c.bonus.clear();
    c.dating = Some(Arc::new(Dating {
        grid: dating.grid.clone(),
        starts: dating
            .starts
            .iter()
            .zip(silent)
            .map(|(s, &quiet)| if quiet { Default::default() } else { *s })
            .collect(),
        points: 1.0,
    }));
    let start: Vec<_> = greedy_start(&c)
        .into_iter()
        .filter_map(|m| Some((m, c.score(&m)?)))
        .collect();
    let lower = match colgen::relaxation(&c, &start, seconds) {
        Ok((l, _)) if l.is_finite() => l.max(0.0),
        // No bound proven: claim only that no more than every review is dated.
        _ => 0.0,
    };
    Some(n.saturating_sub((lower - 1e-6).ceil() as usize))
}

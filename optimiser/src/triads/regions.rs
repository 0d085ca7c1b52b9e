//! Components too large to solve whole (a national graph across authority
//! boundaries) are cut into compact regions by recursive bisection of the
//! map; each region is solved on its own, so their plans together are a plan.
//! Neighbourhoods of the whole are then solved again to mend the seams
//! (schools by a border lost their partners across it). The bound comes from
//! the relaxation of the whole component, started from the regions' groups
//! and priced exactly over every feasible group, across borders too, so it
//! is valid for the problem as posed. Mending and relaxation run side by
//! side; the mending takes the relaxation's duals, once they are known, to
//! choose where to look.

use rayon::prelude::*;

use super::colgen;
use super::component::{left_out, lift, members_of, positions, size_of, Component, Edge, Members};
use super::improve::improve_guided;
use super::steps::{self, Limits, Solved};

/// Splits the nodes into parts of at most `max` schools, cutting across the
/// longer side of each part's extent at its median.
pub(super) fn split(comp: &Component, max: usize) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    let mut stack = vec![(0..comp.len() as u32).collect::<Vec<u32>>()];
    while let Some(mut part) = stack.pop() {
        if part.len() <= max.max(3) {
            out.push(part);
            continue;
        }
        let extent = |f: &dyn Fn(&(f64, f64)) -> f64| {
            let v: Vec<f64> = part.iter().map(|&x| f(&comp.pos[x as usize])).collect();
            v.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                - v.iter().cloned().fold(f64::INFINITY, f64::min)
        };
        let by_east = extent(&|p| p.0) >= extent(&|p| p.1);
        part.sort_by(|&a, &b| {
            let (pa, pb) = (comp.pos[a as usize], comp.pos[b as usize]);
            let (ka, kb) = if by_east { (pa.0, pb.0) } else { (pa.1, pb.1) };
            ka.total_cmp(&kb).then(a.cmp(&b))
        });
        let right = part.split_off(part.len() / 2);
        stack.push(right);
        stack.push(part);
    }
    out.sort_by_key(|p| p.iter().min().copied());
    out
}

impl Component {
    /// The part of this component on the given nodes, in their order.
    pub(super) fn subset(&self, nodes: &[u32]) -> Component {
        let local = positions(nodes);
        let adj = nodes
            .iter()
            .map(|&g| {
                let mut v: Vec<Edge> = self.adj[g as usize]
                    .iter()
                    .filter_map(|e| {
                        Some(Edge {
                            to: *local.get(&e.to)?,
                            ..*e
                        })
                    })
                    .collect();
                v.sort_by_key(|e| e.to);
                v
            })
            .collect();
        let bonus = self
            .bonus
            .iter()
            .filter_map(|(m, b)| {
                let list: Option<Vec<u32>> = m[..size_of(m)]
                    .iter()
                    .map(|x| local.get(x).copied())
                    .collect();
                Some((members_of(&list?), *b))
            })
            .collect();
        Component {
            nodes: nodes.iter().map(|&g| self.nodes[g as usize]).collect(),
            adj,
            good: nodes.iter().map(|&g| self.good[g as usize]).collect(),
            pos: nodes.iter().map(|&g| self.pos[g as usize]).collect(),
            located: nodes.iter().map(|&g| self.located[g as usize]).collect(),
            weights: self.weights,
            bonus,
            dating: self
                .dating
                .as_ref()
                .map(|d| std::sync::Arc::new(d.subset(nodes))),
        }
    }
}

/// The whole component's relaxation may take this many times a component's
/// time limit.
const WHOLE_RELAXATION: f64 = 8.0;

/// Mending the seams between regions may take this many times a
/// component's time limit.
const SEAMS: f64 = 8.0;

/// Solves a large component region by region; the bound covers every group.
pub(super) fn solve_large(
    comp: &Component,
    limits: Limits,
    region_size: usize,
) -> Result<Solved, String> {
    let parts = split(comp, region_size);
    let solved: Vec<(Vec<u32>, Solved)> = parts
        .into_par_iter()
        .map(|p| steps::solve(&comp.subset(&p), limits).map(|s| (p, s)))
        .collect::<Result<_, String>>()?;
    let n = comp.len();
    let mut pi = vec![0.0; n];
    let mut groups: Vec<Members> = Vec::new();
    let mut columns = 0;
    for (part, s) in &solved {
        for (l, &g) in part.iter().enumerate() {
            pi[g as usize] = s.duals.get(l).copied().unwrap_or(0.0);
        }
        groups.extend(s.groups.iter().map(|m| lift(m, part)));
        columns += s.columns;
    }
    // The relaxation of the whole component, started from the regions'
    // plans and every group their relaxations used: groups across borders
    // are priced in.
    let mut pool: Vec<(Members, f64)> = groups
        .iter()
        .filter_map(|m| Some((*m, comp.score(m)?)))
        .collect();
    for (part, s) in &solved {
        pool.extend(s.pool.iter().map(|(m, score)| (lift(m, part), *score)));
    }
    // Schools by a border lost their partners across it: re-solving
    // neighbourhoods of the whole places them and mends the seams. The
    // relaxation needs none of that (its LP runs on one thread), so the
    // two run side by side where a thread is free; the mending chooses its
    // neighbourhoods by the relaxation's duals once they are known.
    let duals = std::sync::OnceLock::new();
    let (whole, groups) = rayon::join(
        || {
            let whole = colgen::relaxation(comp, &pool, limits.seconds * WHOLE_RELAXATION);
            if let Ok((_, pi)) = &whole {
                let _ = duals.set(pi.clone());
            }
            whole
        },
        || {
            let seams = std::time::Instant::now()
                + std::time::Duration::from_secs_f64(limits.seconds * SEAMS);
            improve_guided(comp, groups, seams, &duals, &steps::solve_neighbourhood)
        },
    );
    let (whole, whole_pi) = whole?;
    let unplaced = left_out(n, &groups);
    let objective = colgen::objective_of(comp, &groups);
    let lower_bound = if whole.is_finite() {
        pi = whole_pi;
        whole
    } else {
        let deadline =
            std::time::Instant::now() + std::time::Duration::from_secs_f64(limits.seconds);
        colgen::best_scaled_bound(comp, &pi, deadline)
    }
    .min(objective);
    Ok(Solved {
        groups,
        unplaced,
        objective,
        lower_bound,
        proven: objective - lower_bound <= 1e-6 * objective.abs().max(1.0),
        columns,
        duals: pi,
        pool: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::colgen::tests::{brute, random_component};
    use super::*;

    #[test]
    fn regions_cover_every_node_once_within_the_size() {
        let mut comp = random_component(3, 40, 0.3);
        comp.pos = (0..40)
            .map(|i| ((i * 37 % 40) as f64, (i * 11 % 40) as f64))
            .collect();
        let parts = split(&comp, 7);
        let mut all: Vec<u32> = parts.iter().flatten().copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..40).collect::<Vec<u32>>());
        assert!(parts.iter().all(|p| p.len() <= 7));
    }

    #[test]
    fn a_split_solve_is_a_plan_and_its_bound_holds_for_the_whole() {
        for seed in 0..6 {
            let mut comp = random_component(seed, 11, 0.7);
            comp.pos = (0..11).map(|i| (i as f64, 0.0)).collect();
            let limits = Limits {
                seconds: 10.0,
                max_proof_columns: 10_000,
            };
            let whole = brute(&comp);
            let s = solve_large(&comp, limits, 5).unwrap();
            let placed: usize = s.groups.iter().map(size_of).sum();
            assert_eq!(placed + s.unplaced.len(), 11);
            assert!(s.groups.iter().all(|g| comp.score(g).is_some()));
            assert!(s.objective >= whole - 1e-6, "seed {seed}");
            assert!(
                s.lower_bound <= whole + 1e-6,
                "seed {seed}: bound {} above optimum {whole}",
                s.lower_bound
            );
        }
    }
}

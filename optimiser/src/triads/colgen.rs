//! The relaxation of one component: column generation over every feasible
//! group (a valid lower bound), with the packing, divisibility and
//! subset-row cuts, the bound for any duals, and diving. `steps` puts these
//! together with the integer master (`master`) and local improvement.
//!
//! The model is set partitioning: each school is in exactly one chosen group
//! or is left out (at `unplaced` points). Pricing enumerates triangles and
//! fours of the compatibility graph exactly, so the relaxation's value is a
//! bound for the whole problem as posed, not for a pruned candidate set.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::time::Instant;

use highs::{Col, ColProblem, HighsModelStatus, Model, Row, Sense};
use rayon::prelude::*;

use super::component::{members_of, size_of, Component, Members, Prices, NONE};

const EPS: f64 = 1e-7;

/// The share of a relaxation's time in which it may still add cuts.
const CUTS_UNTIL: f64 = 0.6;

/// Subset-row cuts on three schools: no two chosen groups may each hold two
/// of them, so `Σ_g [|g ∩ S| ≥ 2] x_g ≤ 1`. Valid for every plan; they cut
/// off the fractional "odd cycles" of groups that make the plain relaxation weak.
#[derive(Debug, Clone, Default)]
pub(super) struct Cuts {
    sets: Vec<[u32; 3]>,
    of_node: Vec<Vec<u32>>,
    /// Per cut, the non-negative price a group pays for holding two of its schools.
    penalty: Vec<f64>,
    rows: Vec<Row>,
}

impl Cuts {
    pub(super) fn new(n: usize) -> Cuts {
        Cuts {
            of_node: vec![Vec::new(); n],
            ..Cuts::default()
        }
    }

    fn hits(set: &[u32; 3], m: &Members) -> bool {
        let k = size_of(m);
        set.iter().filter(|x| m[..k].contains(x)).count() >= 2
    }

    /// What a group pays for the cuts it meets twice.
    pub(super) fn price_of(&self, m: &Members) -> f64 {
        if self.sets.is_empty() {
            return 0.0;
        }
        let k = size_of(m);
        let mut total = 0.0;
        for (x, &a) in m[..k].iter().enumerate() {
            for &c in &self.of_node[a as usize] {
                // Count each cut once: at its first member that has a later one.
                let earlier = m[..x]
                    .iter()
                    .any(|&b| self.of_node[b as usize].contains(&c));
                let later = m[x + 1..k]
                    .iter()
                    .any(|&b| self.of_node[b as usize].contains(&c));
                if later && !earlier {
                    total += self.penalty[c as usize];
                }
            }
        }
        total
    }
}

/// The best-reduced-cost group found for each node, and the least reduced
/// cost per member over all groups holding it (capped at 0).
struct Pricing {
    best: Vec<(f64, Members)>,
    node_min: Vec<f64>,
    /// The group behind each `node_min` (none where it is 0).
    argmin: Vec<Members>,
    complete: bool,
}

/// With a `deadline`, enumeration stops there and `complete` is false: the
/// groups found are still good columns, but the node minima prove nothing.
#[allow(clippy::too_many_arguments)]
fn price(
    comp: &Component,
    pi: &[f64],
    cuts: &Cuts,
    four_discount: f64,
    threshold: f64,
    fours: bool,
    deadline: Option<Instant>,
) -> Pricing {
    let n = comp.len();
    let prices = Prices::new(comp, pi);
    let stopped = AtomicBool::new(false);
    let empty = || Pricing {
        best: vec![(0.0, [NONE; 4]); n],
        node_min: vec![0.0; n],
        argmin: vec![[NONE; 4]; n],
        complete: true,
    };
    let mut result = (0..n as u32)
        .into_par_iter()
        .fold(empty, |mut acc, a| {
            if deadline.is_some_and(|d| Instant::now() > d) {
                stopped.store(true, AtomicOrdering::Relaxed);
                return acc;
            }
            // Cut prices only raise a reduced cost, so enumerating without them
            // visits every group that prices out with them.
            // Fours earn the divisibility dual, so enumerate up to that much further.
            let wide = threshold + if fours { four_discount } else { 0.0 };
            comp.enumerate_from(a, &prices, wide, fours, &mut |m, _score, rc| {
                let discount = if size_of(&m) == 4 { four_discount } else { 0.0 };
                let rc = rc - discount + cuts.price_of(&m);
                if rc >= threshold {
                    return;
                }
                let k = size_of(&m);
                for &x in &m[..k] {
                    let x = x as usize;
                    if rc < acc.best[x].0 {
                        acc.best[x] = (rc, m);
                    }
                    if rc / (k as f64) < acc.node_min[x] {
                        acc.node_min[x] = rc / k as f64;
                        acc.argmin[x] = m;
                    }
                }
            });
            acc
        })
        .reduce(empty, |mut a, b| {
            for i in 0..n {
                if b.best[i].0 < a.best[i].0 {
                    a.best[i] = b.best[i];
                }
                if b.node_min[i] < a.node_min[i] {
                    a.node_min[i] = b.node_min[i];
                    a.argmin[i] = b.argmin[i];
                }
            }
            a
        });
    result.complete = !stopped.load(AtomicOrdering::Relaxed);
    result
}

/// A bound over every feasible group of the component for the given duals:
/// every group priced exactly where that ends by `deadline`, else threes
/// exactly and fours through `four_share_floor`.
pub(super) fn bound_for_duals(comp: &Component, pi: &[f64], deadline: Instant) -> f64 {
    let cuts = Cuts::new(comp.len());
    let exact = price(comp, pi, &cuts, 0.0, -EPS, true, Some(deadline));
    let mut node_min = if exact.complete {
        exact.node_min
    } else {
        let mut m = price(comp, pi, &cuts, 0.0, -EPS, false, None).node_min;
        if comp.weights.allow_four {
            for (x, f) in m.iter_mut().zip(four_share_floor(comp, pi)) {
                *x = x.min(f);
            }
        }
        m
    };
    for m in comp.bonus.keys() {
        let k = size_of(m);
        if let Some(s) = comp.score(m) {
            let rc = s - m[..k].iter().map(|&x| pi[x as usize]).sum::<f64>();
            for &x in &m[..k] {
                node_min[x as usize] = node_min[x as usize].min(rc / k as f64);
            }
        }
    }
    node_bound(pi, &node_min, comp.weights.unplaced) - EPS * comp.len() as f64
}

/// The best of `bound_for_duals` over the duals scaled towards zero. Where
/// the column generation stops before it converges, its last duals belong
/// to a restricted master and overprice some schools, which can make their
/// bound far weaker than the relaxation; any duals give a valid bound, and
/// a shrunken copy often a much better one. A few passes of pricing threes.
pub(super) fn best_scaled_bound(comp: &Component, pi: &[f64], deadline: Instant) -> f64 {
    [1.0, 0.95, 0.9, 0.8, 0.65, 0.5, 0.25, 0.0]
        .iter()
        .enumerate()
        .map(|(k, &theta)| {
            let scaled: Vec<f64> = pi.iter().map(|p| p * theta).collect();
            // Exact pricing of fours only for the duals as they are.
            let until = if k == 0 { deadline } else { Instant::now() };
            bound_for_duals(comp, &scaled, until)
        })
        .fold(f64::NEG_INFINITY, f64::max)
}

/// For each school, a floor under `rc/4` of every four holding it, from
/// threes alone: a four's reduced cost is at least its premium (less a
/// no-Good-school point) plus a quarter of its threes' `score - 4/3·duals`;
/// three of those threes hold the school. Enumerating fours exactly can take
/// too long on dense graphs; this floor never does.
fn four_share_floor(comp: &Component, pi: &[f64]) -> Vec<f64> {
    let n = comp.len();
    let mut per_node = vec![f64::INFINITY; n];
    let mut global = f64::INFINITY;
    let prices = Prices::new(comp, pi);
    for a in 0..n as u32 {
        comp.enumerate_from(a, &prices, f64::INFINITY, false, &mut |m, score, _| {
            // Without its undated reviews: a four's own are never negative,
            // but need not be at least its threes'.
            let score = score - comp.undated_points3([m[0], m[1], m[2]]);
            let v = score - 4.0 / 3.0 * m[..3].iter().map(|&x| pi[x as usize]).sum::<f64>();
            global = global.min(v);
            for &x in &m[..3] {
                per_node[x as usize] = per_node[x as usize].min(v);
            }
        });
    }
    let premium = comp.weights.group_of_four - comp.weights.no_good_school;
    per_node
        .into_iter()
        .map(|m| {
            if m.is_finite() {
                (premium + (3.0 * m + global) / 4.0) / 4.0
            } else {
                // No three holds the school, so no four does either.
                f64::INFINITY
            }
        })
        .collect()
}

/// A lower bound valid for any duals: every group's score is shared among
/// its members as `pi_i + rc/k`, so each school pays at least its cheapest
/// share, or the left-out points.
pub(super) fn node_bound(pi: &[f64], node_min: &[f64], unplaced: f64) -> f64 {
    pi.iter()
        .zip(node_min)
        .map(|(p, m)| (p + m.min(0.0)).min(unplaced))
        .sum()
}

/// The least number of fours plus left-out schools of any plan: with
/// n = 3·threes + 4·fours + left out, that number is ≡ n (mod 3), and it is
/// at least the `min_unplaced` schools some plan must leave out.
pub(super) fn divisibility_floor(n: usize, min_unplaced: f64) -> f64 {
    let r = (n % 3) as f64;
    if min_unplaced <= r {
        r
    } else {
        r + 3.0 * ((min_unplaced - r) / 3.0).ceil()
    }
}

pub(super) struct Master {
    model: Option<Model>,
    rows: Vec<Row>,
    pub(super) columns: Vec<(Members, f64)>,
    /// HiGHS's handle of each group column, in the order of `columns`.
    handles: Vec<Col>,
    seen: HashSet<Members>,
    /// The relaxation's value of each group column at the last solve.
    values: Vec<f64>,
    has_packing_row: bool,
    /// The divisibility row, where the component's size is not a multiple of 3.
    div_row: Option<Row>,
    remainder: f64,
    /// The divisibility row's dual: what a group of four earns for meeting it.
    pub(super) four_discount: f64,
    pub(super) cuts: Cuts,
}

impl Master {
    /// One row per school; with `min_unplaced`, one more row saying at least
    /// that many schools are left out (a valid cut from the packing bound).
    ///
    /// A second row counts divisibility: with n = 3·threes + 4·fours + left
    /// out, fours + left out ≡ n (mod 3), so at least `divisibility_floor` of
    /// them. The relaxation ignores this unless told, and it is most of its gap.
    pub(super) fn new(comp: &Component, min_unplaced: f64, remainder: f64) -> Master {
        let mut pb = ColProblem::default();
        let rows: Vec<Row> = (0..comp.len()).map(|_| pb.add_row(1.0..=1.0)).collect();
        let cut = (min_unplaced > 0.0).then(|| pb.add_row(min_unplaced..));
        let div = (remainder > 0.0).then(|| pb.add_row(remainder..));
        for r in &rows {
            let factors: Vec<(Row, f64)> = [Some(*r), cut, div]
                .into_iter()
                .flatten()
                .map(|x| (x, 1.0))
                .collect();
            pb.add_column(comp.weights.unplaced, 0.0..=1.0, factors);
        }
        let mut model = pb.optimise(Sense::Minimise);
        // No time limit inside an LP solve: it would lose the duals the
        // bound needs; column generation keeps its own clock between solves.
        // Setting options on a fresh model cannot fail.
        let _ = crate::highs_run::configure(&mut model, f64::INFINITY);
        Master {
            model: Some(model),
            rows,
            columns: Vec::new(),
            handles: Vec::new(),
            seen: HashSet::new(),
            values: Vec::new(),
            has_packing_row: cut.is_some(),
            div_row: div,
            remainder,
            four_discount: 0.0,
            cuts: Cuts::new(comp.len()),
        }
    }

    pub(super) fn add(&mut self, m: Members, score: f64) -> bool {
        if !self.seen.insert(m) {
            return false;
        }
        let k = size_of(&m);
        let cut_rows = self
            .cuts
            .sets
            .iter()
            .zip(&self.cuts.rows)
            .filter(|(set, _)| Cuts::hits(set, &m))
            .map(|(_, r)| (*r, 1.0));
        let div = self.div_row.filter(|_| k == 4).map(|r| (r, 1.0));
        let factors: Vec<(Row, f64)> = m[..k]
            .iter()
            .map(|&x| (self.rows[x as usize], 1.0))
            .chain(cut_rows)
            .chain(div)
            .collect();
        let Some(model) = self.model.as_mut() else {
            return false;
        };
        self.handles.push(model.add_col(score, 0.0.., factors));
        self.columns.push((m, score));
        true
    }

    /// Adds a subset-row cut over the columns already there.
    fn add_cut(&mut self, set: [u32; 3]) {
        let Some(model) = self.model.as_mut() else {
            return;
        };
        let factors: Vec<(Col, f64)> = self
            .columns
            .iter()
            .zip(&self.handles)
            .filter(|((m, _), _)| Cuts::hits(&set, m))
            .map(|(_, h)| (*h, 1.0))
            .collect();
        let row = model.add_row(..=1.0, factors);
        let id = self.cuts.sets.len() as u32;
        for &x in &set {
            self.cuts.of_node[x as usize].push(id);
        }
        self.cuts.sets.push(set);
        self.cuts.rows.push(row);
        self.cuts.penalty.push(0.0);
    }

    /// Reads the cut prices out of the duals of the last solve.
    fn read_cut_prices(&mut self, duals: &[f64]) {
        let first =
            self.rows.len() + self.has_packing_row as usize + self.div_row.is_some() as usize;
        self.four_discount = match self.div_row {
            Some(_) => duals
                .get(self.rows.len() + self.has_packing_row as usize)
                .copied()
                .unwrap_or(0.0)
                .max(0.0),
            None => 0.0,
        };
        for (k, p) in self.cuts.penalty.iter_mut().enumerate() {
            *p = (-duals.get(first + k).copied().unwrap_or(0.0)).max(0.0);
        }
    }

    /// The three-school sets whose cut the relaxation breaks most, at most `limit`.
    fn violated_cuts(&self, comp: &Component, limit: usize) -> Vec<[u32; 3]> {
        let n = comp.len();
        let mut by_node: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (j, &v) in self.values.iter().enumerate() {
            if v > 1e-6 {
                let m = &self.columns[j].0;
                for &x in &m[..size_of(m)] {
                    by_node[x as usize].push(j);
                }
            }
        }
        let fractional = |x: usize| by_node[x].iter().any(|&j| self.values[j] < 1.0 - 1e-6);
        let known: HashSet<[u32; 3]> = self.cuts.sets.iter().copied().collect();
        let mut found: Vec<(f64, [u32; 3])> = Vec::new();
        let mut tried: HashSet<[u32; 3]> = HashSet::new();
        for a in (0..n).filter(|&a| fractional(a)) {
            // Candidates: schools sharing a fractional group with a.
            let mut near: Vec<u32> = by_node[a]
                .iter()
                .flat_map(|&j| {
                    let m = &self.columns[j].0;
                    m[..size_of(m)].to_vec()
                })
                .filter(|&x| x as usize > a)
                .collect();
            near.sort_unstable();
            near.dedup();
            for (i, &b) in near.iter().enumerate() {
                for &c in &near[i + 1..] {
                    let set = [a as u32, b, c];
                    if known.contains(&set) || !tried.insert(set) {
                        continue;
                    }
                    let mut cols: Vec<usize> = [a, b as usize, c as usize]
                        .iter()
                        .flat_map(|&x| by_node[x].iter().copied())
                        .collect();
                    cols.sort_unstable();
                    cols.dedup();
                    let lhs: f64 = cols
                        .iter()
                        .filter(|&&j| Cuts::hits(&set, &self.columns[j].0))
                        .map(|&j| self.values[j])
                        .sum();
                    if lhs > 1.0 + 1e-3 {
                        found.push((lhs, set));
                    }
                }
            }
        }
        found.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        // Cuts sharing no school are the most useful together.
        let mut used = vec![false; n];
        let mut out = Vec::new();
        for (_, set) in found {
            if out.len() >= limit {
                break;
            }
            if set.iter().all(|&x| !used[x as usize]) {
                set.iter().for_each(|&x| used[x as usize] = true);
                out.push(set);
            }
        }
        out
    }

    /// Forces a group into every later relaxation (for diving).
    fn fix(&mut self, j: usize) {
        if let Some(model) = self.model.as_mut() {
            model.change_column_bounds(self.handles[j], 1.0..);
        }
    }

    /// Solves the relaxation; returns its value and the duals of the rows.
    fn solve(&mut self) -> Result<(f64, Vec<f64>), String> {
        let model = self.model.take().ok_or("the master model was lost")?;
        let solved = model
            .try_solve()
            .map_err(|e| format!("HiGHS failed on the relaxation: {e:?}"))?;
        if solved.status() != HighsModelStatus::Optimal {
            return Err(format!(
                "HiGHS ended the relaxation with status {:?}",
                solved.status()
            ));
        }
        let value = solved.objective_value();
        let solution = solved.get_solution();
        let duals = solution.dual_rows().to_vec();
        // Group columns follow the one left-out column per school.
        self.values = solution.columns()[self.rows.len()..].to_vec();
        self.model = Some(Model::from(solved));
        Ok((value, duals))
    }
}

/// A plan's score: its groups' and the left-out points.
pub(super) fn objective_of(comp: &Component, groups: &[Members]) -> f64 {
    let placed: usize = groups.iter().map(size_of).sum();
    groups.iter().filter_map(|g| comp.score(g)).sum::<f64>()
        + (comp.len() - placed) as f64 * comp.weights.unplaced
}
pub(super) struct Relaxation {
    pub(super) lower_bound: f64,
    pub(super) converged: bool,
    pub(super) pi: Vec<f64>,
    value: f64,
}

/// Column generation until no group prices out, or `budget` seconds since
/// `started` are spent. The bound is valid either way.
#[allow(clippy::too_many_arguments)]
pub(super) fn column_generation(
    comp: &Component,
    master: &mut Master,
    bonus: &[(Members, f64)],
    min_unplaced: f64,
    separate: bool,
    budget: f64,
    started: Instant,
) -> Result<Relaxation, String> {
    let n = comp.len();
    let mut lower_bound = f64::NEG_INFINITY;
    loop {
        let (lp_value, duals) = master.solve()?;
        master.read_cut_prices(&duals);
        let pi = duals[..n].to_vec();
        // The cut's dual: the left-out option costs that much less per school.
        let rho = duals.get(n).copied().unwrap_or(0.0).max(0.0);
        // Fours are many and rarely needed: price them only once threes are
        // exhausted, when the duals are good enough to prune most of them.
        let threes = price(comp, &pi, &master.cuts, 0.0, -EPS, false, None);
        let mut added = add_best(master, comp, &threes.best);
        let mut full = !comp.weights.allow_four;
        let mut pricing = threes;
        if comp.weights.allow_four && added == 0 {
            // Cheap fours first: until the relaxation holds some, the
            // divisibility dual is near the left-out points and every four
            // of a dense graph prices out, too many to enumerate.
            added = extend_support(comp, master, &pi);
        }
        // Cuts before fours: pricing every four is slow on a dense graph,
        // and each round of cuts would need it again to prove its bound.
        // Cuts stop early enough to leave that pricing its time.
        if added == 0 && separate && started.elapsed().as_secs_f64() < CUTS_UNTIL * budget {
            let cuts = master.violated_cuts(comp, n / 3 + 1);
            if !cuts.is_empty() {
                for set in cuts {
                    master.add_cut(set);
                }
                continue;
            }
        }
        if comp.weights.allow_four && added == 0 {
            let deadline = started + std::time::Duration::from_secs_f64(budget.max(0.0));
            pricing = price(
                comp,
                &pi,
                &master.cuts,
                master.four_discount,
                -EPS,
                true,
                Some(deadline),
            );
            added += add_best(master, comp, &pricing.best);
            full = pricing.complete;
        }
        if full {
            let mut node_min = pricing.node_min.clone();
            for (m, s) in bonus {
                let k = size_of(m);
                let discount = if k == 4 { master.four_discount } else { 0.0 };
                let rc = s - m[..k].iter().map(|&x| pi[x as usize]).sum::<f64>() - discount
                    + master.cuts.price_of(m);
                for &x in &m[..k] {
                    node_min[x as usize] = node_min[x as usize].min(rc / k as f64);
                }
            }
            // Groups priced within EPS of zero were not visited: allow for them.
            // Each cut's price is paid back at most once by any plan.
            let slack = EPS * n as f64;
            let cut_prices: f64 = master.cuts.penalty.iter().sum();
            let tau = master.four_discount;
            let bound = rho * min_unplaced + tau * master.remainder - cut_prices
                + node_bound(&pi, &node_min, comp.weights.unplaced - rho - tau);
            lower_bound = lower_bound.max(bound - slack);
        }
        if added == 0 && !full {
            // Pricing fours ran out of time: no proof of convergence, but a
            // bound from threes and the floor under fours still holds.
            return Ok(Relaxation {
                lower_bound: lower_bound.max(best_scaled_bound(comp, &pi, Instant::now())),
                converged: false,
                pi,
                value: lp_value,
            });
        }
        if added == 0 {
            return Ok(Relaxation {
                lower_bound: lower_bound.max(lp_value - EPS * n as f64),
                converged: true,
                pi,
                value: lp_value,
            });
        }
        if started.elapsed().as_secs_f64() > budget {
            if lower_bound == f64::NEG_INFINITY {
                // Out of time before any full pricing: one more pass gives a
                // bound; with no duals at all it is the plain floor of scores.
                let zero = vec![0.0; n];
                let now = Instant::now();
                lower_bound =
                    best_scaled_bound(comp, &pi, now).max(bound_for_duals(comp, &zero, now));
            }
            return Ok(Relaxation {
                lower_bound,
                converged: false,
                pi,
                value: lp_value,
            });
        }
    }
}

/// The fewest schools any plan must leave out, from the relaxation of pure
/// packing (every group free, every left-out school 1). Rounded up, it is a
/// valid cut for the scored problem and closes most of its integrality gap.
pub(super) fn packing_bound(
    comp: &Component,
    start: &[Members],
    budget: f64,
    started: Instant,
) -> Result<f64, String> {
    // Where the start already places everyone, no plan need leave anyone out.
    if start.iter().map(size_of).sum::<usize>() == comp.len() {
        return Ok(0.0);
    }
    let mut packing = comp.counting_unplaced();
    // Leaving schools out is all that counts here.
    packing.dating = None;
    let mut master = Master::new(&packing, 0.0, divisibility_floor(packing.len(), 0.0));
    for g in start {
        master.add(*g, 0.0);
    }
    let lp = column_generation(&packing, &mut master, &[], 0.0, false, budget, started)?;
    // Only a converged relaxation proves the count; otherwise claim nothing.
    Ok(if lp.converged {
        (lp.value - 1e-6).ceil().max(0.0)
    } else {
        0.0
    })
}

/// A fresh master over the same groups, none fixed.
pub(super) fn rebuild(
    comp: &Component,
    min_unplaced: f64,
    remainder: f64,
    first: &[(Members, f64)],
    all: &[(Members, f64)],
) -> Master {
    let mut master = Master::new(comp, min_unplaced, remainder);
    for (m, s) in first.iter().chain(all) {
        master.add(*m, *s);
    }
    master
}

/// Diving: fix the group the relaxation likes most (and every group it
/// already takes whole), price again, and repeat until the relaxation is
/// integral. Set partitioning relaxations are tight enough that this finds
/// plans close to the bound quickly; the bound itself comes from the root.
pub(super) fn dive(
    comp: &Component,
    master: &mut Master,
    budget: f64,
    started: Instant,
) -> Result<Option<Vec<Members>>, String> {
    let mut fixed: HashSet<usize> = HashSet::new();
    loop {
        if started.elapsed().as_secs_f64() > budget {
            return Ok(None);
        }
        let whole: Vec<usize> = (0..master.values.len())
            .filter(|&j| master.values[j] > 1.0 - 1e-6)
            .collect();
        let best = (0..master.values.len())
            .filter(|j| !fixed.contains(j))
            .filter(|&j| master.values[j] > 1e-6 && master.values[j] <= 1.0 - 1e-6)
            .max_by(|&a, &b| {
                master.values[a]
                    .total_cmp(&master.values[b])
                    .then(master.columns[b].1.total_cmp(&master.columns[a].1))
            });
        let Some(best) = best else {
            // Nothing fractional: the relaxation's groups are a plan.
            return Ok(Some(whole.iter().map(|&j| master.columns[j].0).collect()));
        };
        for j in whole.into_iter().chain([best]) {
            if fixed.insert(j) {
                master.fix(j);
            }
        }
        reprice_threes(comp, master, budget, started)?;
    }
}

/// Re-solves the relaxation after a dive step, adding threes until none
/// prices out. Fours and bounds are left to the exact steps: a dive only
/// needs good columns, fast.
fn reprice_threes(
    comp: &Component,
    master: &mut Master,
    budget: f64,
    started: Instant,
) -> Result<(), String> {
    let n = comp.len();
    loop {
        let (_, duals) = master.solve()?;
        master.read_cut_prices(&duals);
        let pricing = price(comp, &duals[..n], &master.cuts, 0.0, -EPS, false, None);
        if add_best(master, comp, &pricing.best) == 0 || started.elapsed().as_secs_f64() > budget {
            return Ok(());
        }
    }
}

/// Adds, per school, the best four that extends a group of three the
/// relaxation uses by one school meeting all three, where it prices out.
fn extend_support(comp: &Component, master: &mut Master, pi: &[f64]) -> usize {
    let mut best: Vec<(f64, Members)> = vec![(-EPS, [NONE; 4]); comp.len()];
    let support: Vec<Members> = master
        .values
        .iter()
        .zip(&master.columns)
        .filter(|(v, (m, _))| **v > 1e-6 && size_of(m) == 3)
        .map(|(_, (m, _))| *m)
        .collect();
    for t in support {
        let [a, b, c, _] = t;
        for e in &comp.adj[a as usize] {
            let d = e.to;
            if d == b || d == c || comp.edge(b, d).is_none() || comp.edge(c, d).is_none() {
                continue;
            }
            let m = members_of(&[a, b, c, d]);
            let Some(score) = comp.score(&m) else {
                continue;
            };
            let rc = score - m.iter().map(|&x| pi[x as usize]).sum::<f64>() - master.four_discount
                + master.cuts.price_of(&m);
            for &x in &m {
                if rc < best[x as usize].0 {
                    best[x as usize] = (rc, m);
                }
            }
        }
    }
    add_best(master, comp, &best)
}

fn add_best(master: &mut Master, comp: &Component, best: &[(f64, Members)]) -> usize {
    let mut added = 0;
    for &(rc, m) in best {
        if rc < -EPS && m[0] != NONE {
            if let Some(s) = comp.score(&m) {
                added += master.add(m, s) as usize;
            }
        }
    }
    added
}

/// The relaxation of the whole component by column generation from the
/// given groups, within `seconds`: its bound (valid even if it does not
/// converge in time, from the last exact pricing) and its duals. It has no
/// packing row: on national graphs that relaxation is slow, and the
/// subset-row cuts separated here come to the same bound without it.
pub(super) fn relaxation(
    comp: &Component,
    start: &[(Members, f64)],
    seconds: f64,
) -> Result<(f64, Vec<f64>), String> {
    let started = Instant::now();
    let mut master = Master::new(comp, 0.0, divisibility_floor(comp.len(), 0.0));
    for (m, s) in start {
        master.add(*m, *s);
    }
    let bonus: Vec<(Members, f64)> = comp
        .bonus
        .keys()
        .filter_map(|m| Some((*m, comp.score(m)?)))
        .collect();
    for (m, s) in &bonus {
        master.add(*m, *s);
    }
    let lp = column_generation(comp, &mut master, &bonus, 0.0, true, seconds, started)?;
    Ok((lp.lower_bound, lp.pi))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::component::tests::{component, weights};
    use super::super::steps::{greedy_start as greedy, solve, Limits};
    use super::*;

    /// Brute force over every partition of a small component.
    pub fn brute(comp: &Component) -> f64 {
        fn go(comp: &Component, free: &mut Vec<bool>, acc: f64, best: &mut f64) {
            let Some(a) = free.iter().position(|&f| f) else {
                *best = best.min(acc);
                return;
            };
            free[a] = false;
            go(comp, free, acc + comp.weights.unplaced, best);
            let n = free.len() as u32;
            for b in a as u32 + 1..n {
                for c in b + 1..n {
                    if !free[b as usize] || !free[c as usize] {
                        continue;
                    }
                    let tri = members_of(&[a as u32, b, c]);
                    if let Some(s) = comp.score(&tri) {
                        free[b as usize] = false;
                        free[c as usize] = false;
                        go(comp, free, acc + s, best);
                        for d in c + 1..n {
                            if !free[d as usize] {
                                continue;
                            }
                            if let Some(s4) = comp.score(&members_of(&[a as u32, b, c, d])) {
                                free[d as usize] = false;
                                go(comp, free, acc + s4, best);
                                free[d as usize] = true;
                            }
                        }
                        free[b as usize] = true;
                        free[c as usize] = true;
                    }
                }
            }
            free[a] = true;
        }
        let mut best = f64::INFINITY;
        go(comp, &mut vec![true; comp.len()], 0.0, &mut best);
        best
    }

    pub fn random_component(seed: u64, n: usize, density: f64) -> Component {
        // A small deterministic generator: no dependency for tests.
        let mut s = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 33) as f64 / (1u64 << 31) as f64
        };
        let pts: Vec<(f64, f64)> = (0..n).map(|_| (next() * 20.0, next() * 20.0)).collect();
        let mut pairs = vec![];
        for a in 0..n {
            for b in a + 1..n {
                if next() < density {
                    let d = ((pts[a].0 - pts[b].0).powi(2) + (pts[a].1 - pts[b].1).powi(2)).sqrt();
                    pairs.push((a as u32, b as u32, d, next() * 5.0));
                }
            }
        }
        component(n, &pairs, weights())
    }

    #[test]
    fn small_components_are_solved_to_the_brute_force_optimum() {
        for seed in 0..12 {
            let n = 7 + (seed as usize % 5);
            let comp = random_component(seed, n, 0.7);
            let solved = solve(
                &comp,
                Limits {
                    seconds: 20.0,
                    max_proof_columns: 100_000,
                },
            )
            .unwrap();
            let best = brute(&comp);
            assert!(
                (solved.objective - best).abs() < 1e-6,
                "seed {seed}: got {} brute force {best}",
                solved.objective
            );
            assert!(solved.proven, "seed {seed} not proven");
            assert!(solved.lower_bound <= best + 1e-6);
        }
    }

    #[test]
    fn the_bound_never_exceeds_the_optimum_for_any_duals() {
        let comp = random_component(99, 9, 0.8);
        let best = brute(&comp);
        for k in 0..20 {
            let pi: Vec<f64> = (0..9)
                .map(|i| ((i * 7 + k * 13) % 23) as f64 * 4.0)
                .collect();
            let p = price(&comp, &pi, &Cuts::new(9), 0.0, f64::INFINITY, true, None);
            assert!(node_bound(&pi, &p.node_min, comp.weights.unplaced) <= best + 1e-6);
        }
    }

    #[test]
    fn divisibility_counts_fours_and_left_out_schools_together() {
        // n = 3·threes + 4·fours + left out, so fours + left out ≡ n (mod 3).
        assert_eq!(divisibility_floor(9, 0.0), 0.0);
        assert_eq!(divisibility_floor(10, 0.0), 1.0);
        assert_eq!(divisibility_floor(9, 1.0), 3.0);
        assert_eq!(divisibility_floor(11, 1.0), 2.0);
        assert_eq!(divisibility_floor(11, 3.0), 5.0);
    }

    #[test]
    fn the_relaxation_of_a_whole_never_exceeds_its_optimum() {
        for seed in 0..8 {
            let comp = random_component(seed, 11, 0.6);
            let plan: Vec<(Members, f64)> = greedy(&comp)
                .into_iter()
                .map(|m| (m, comp.score(&m).unwrap()))
                .collect();
            let (bound, _) = relaxation(&comp, &plan, 5.0).unwrap();
            assert!(bound <= brute(&comp) + 1e-6, "seed {seed}");
            assert!(bound.is_finite());
        }
    }

    #[test]
    fn a_fourth_school_is_placed_rather_than_left_out() {
        let comp = random_component(5, 4, 1.0);
        let solved = solve(
            &comp,
            Limits {
                seconds: 10.0,
                max_proof_columns: 1000,
            },
        )
        .unwrap();
        assert_eq!(solved.groups.len(), 1);
        assert_eq!(size_of(&solved.groups[0]), 4);
        assert!(solved.unplaced.is_empty());
    }
}

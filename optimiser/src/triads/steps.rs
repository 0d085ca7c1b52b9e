//! Solving one component, in the steps ARCHITECTURE.md names ("How a
//! component is solved"): greedy start, packing cut, divisibility cut,
//! column generation with subset-row cuts to a bound, diving, local
//! improvement, integer master, proof. Each step is a function here; the
//! relaxation's machinery is in `colgen`, the integer master in `master`,
//! the neighbourhood search in `improve`.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::colgen::{self, objective_of, Cuts, Master};
use super::component::{add_fourths, left_out, members_of, size_of, Component, Members, Prices};
use super::improve::improve_guided;
use super::master::integer_master;

/// What the caller may spend on one component.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub seconds: f64,
    /// Most groups the proof step may add to the integer master.
    pub max_proof_columns: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Solved {
    /// Chosen groups, local indices.
    pub groups: Vec<Members>,
    pub unplaced: Vec<u32>,
    pub objective: f64,
    pub lower_bound: f64,
    pub proven: bool,
    pub columns: usize,
    /// Final duals: a school's marginal worth, used by the cross-component bound.
    pub duals: Vec<f64>,
    /// The groups the relaxation was solved over, with their scores: a warm
    /// start for a relaxation of a larger whole (see `regions`).
    pub pool: Vec<(Members, f64)>,
}

/// The clock of one component's solve.
#[derive(Clone, Copy)]
struct Clock {
    started: Instant,
    limits: Limits,
}

impl Clock {
    fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// The time left, at least a second (HiGHS needs some to return a plan).
    fn left(&self) -> f64 {
        (self.limits.seconds - self.elapsed()).max(1.0)
    }
}

/// Solves one component as well as the limits allow, from the greedy start.
pub fn solve(comp: &Component, limits: Limits) -> Result<Solved, String> {
    solve_from(comp, greedy_start(comp), limits)
}

/// Solves one component from a known plan (its groups must be feasible and
/// disjoint), never returning a worse one. Where the relaxation's bound
/// shows no plan is better, that is proven at once, before any search:
/// most neighbourhoods of a good plan are settled that way.
pub fn solve_from(comp: &Component, start: Vec<Members>, limits: Limits) -> Result<Solved, String> {
    let clock = Clock {
        started: Instant::now(),
        limits,
    };
    let n = comp.len();
    if n < 3 {
        return Ok(too_small(comp));
    }
    let mut incumbent = start;
    let bonus = bonus_columns(comp);

    let packing = packing_cut(comp, &incumbent, &clock)?;
    let remainder = divisibility_cut(n, packing);
    let mut master = Master::new(comp, packing, remainder);
    for g in &incumbent {
        if let Some(s) = comp.score(g) {
            master.add(*g, s);
        }
    }
    for (m, s) in &bonus {
        master.add(*m, *s);
    }
    let root = column_generation(comp, &mut master, &bonus, packing, &clock)?;
    let mut lower_bound = root.lower_bound;
    let start_value = objective_of(comp, &incumbent);
    if start_value - lower_bound <= 1e-6 * start_value.abs().max(1.0) {
        return Ok(Solved {
            unplaced: left_out(n, &incumbent),
            groups: incumbent,
            objective: start_value,
            lower_bound: start_value,
            proven: true,
            columns: master.columns.len(),
            duals: root.pi,
            pool: master.columns,
        });
    }
    let root_columns = master.columns.clone();
    let root_cuts = master.cuts.clone();
    let root_discount = master.four_discount;

    incumbent = diving(comp, &mut master, incumbent, &clock)?;
    if objective_of(comp, &incumbent) - lower_bound > 1e-6 * lower_bound.abs().max(1.0) {
        incumbent = local_improvement(comp, incumbent, &root.pi, &clock);
    }
    // The integer master works on every group seen, without the dive's
    // fixings, and starts from the incumbent.
    let mut master = colgen::rebuild(comp, packing, remainder, &root_columns, &master.columns);
    for g in &incumbent {
        if let Some(s) = comp.score(g) {
            master.add(*g, s);
        }
    }
    incumbent = integer_master_step(comp, &master.columns, incumbent, packing, remainder, &clock);
    let mut objective = objective_of(comp, &incumbent);

    let mut proven = false;
    if root.converged {
        let root = Root {
            pi: &root.pi,
            cuts: &root_cuts,
            four_discount: root_discount,
        };
        let proof = proof(
            comp,
            &mut master,
            &root,
            incumbent.clone(),
            (objective, lower_bound),
            (packing, remainder),
            &clock,
        );
        if let Some((better, value, exact)) = proof {
            incumbent = better;
            objective = value;
            if exact {
                proven = true;
                lower_bound = lower_bound.max(objective);
            }
        }
    }
    if objective - lower_bound <= 1e-6 * objective.abs().max(1.0) {
        proven = true;
        lower_bound = objective;
    }
    Ok(Solved {
        unplaced: left_out(n, &incumbent),
        groups: incumbent,
        objective,
        lower_bound: lower_bound.min(objective),
        proven,
        columns: master.columns.len(),
        duals: root.pi,
        pool: root_columns,
    })
}

/// Fewer than three schools: nobody can be grouped.
fn too_small(comp: &Component) -> Solved {
    let n = comp.len();
    Solved {
        groups: vec![],
        unplaced: (0..n as u32).collect(),
        objective: n as f64 * comp.weights.unplaced,
        lower_bound: n as f64 * comp.weights.unplaced,
        proven: true,
        columns: 0,
        duals: vec![comp.weights.unplaced; n],
        pool: Vec::new(),
    }
}

/// The groups carried over from a previous plan, with their scores.
fn bonus_columns(comp: &Component) -> Vec<(Members, f64)> {
    comp.bonus
        .keys()
        .filter_map(|m| Some((*m, comp.score(m)?)))
        .collect()
}

/// Step 1, greedy start: a quick plan to start from: hardest schools (fewest partners) first, each
/// with its cheapest two free partners; a school left over joins the cheapest
/// group it fits as a fourth.
pub(super) fn greedy_start(comp: &Component) -> Vec<Members> {
    let n = comp.len();
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by_key(|&a| (comp.adj[a as usize].len(), a));
    let mut used = vec![false; n];
    let mut groups: Vec<Members> = Vec::new();
    for &a in &order {
        if used[a as usize] {
            continue;
        }
        let mut best: Option<(f64, Members)> = None;
        let free: Vec<u32> = comp.adj[a as usize]
            .iter()
            .map(|e| e.to)
            .filter(|&b| !used[b as usize])
            .collect();
        for (i, &b) in free.iter().enumerate() {
            for &c in &free[i + 1..] {
                let m = members_of(&[a, b, c]);
                if let Some(s) = comp.score(&m) {
                    if best.is_none_or(|(bs, _)| s < bs) {
                        best = Some((s, m));
                    }
                }
            }
        }
        if let Some((_, m)) = best {
            for &x in &m[..3] {
                used[x as usize] = true;
            }
            groups.push(m);
        }
    }
    // A school left over joins the group it costs least in, where that is
    // less than leaving it out.
    add_fourths(comp, &mut groups, &mut used, |a, groups| {
        groups
            .iter()
            .enumerate()
            .filter(|(_, g)| size_of(g) == 3)
            .filter_map(|(i, g)| {
                let m = members_of(&[g[0], g[1], g[2], a]);
                let delta = comp.score(&m)? - comp.score(g)?;
                Some((delta, i, m))
            })
            .min_by(|x, y| x.0.total_cmp(&y.0))
            .filter(|&(delta, _, _)| delta < comp.weights.unplaced)
            .map(|(_, i, m)| (i, m))
    });
    groups
}

/// Step 2, packing cut: the fewest schools any plan must leave out (0 where the
/// start places everyone), from a fifth of the time.
fn packing_cut(comp: &Component, start: &[Members], clock: &Clock) -> Result<f64, String> {
    colgen::packing_bound(comp, start, clock.limits.seconds * 0.2, clock.started)
}

/// Step 3, divisibility cut: fours plus left-out schools are at least this many.
fn divisibility_cut(n: usize, packing: f64) -> f64 {
    colgen::divisibility_floor(n, packing)
}

/// Steps 4-6, column generation with subset-row cuts, to the root relaxation's
/// bound, within 60 % of the time.
fn column_generation(
    comp: &Component,
    master: &mut Master,
    bonus: &[(Members, f64)],
    packing: f64,
    clock: &Clock,
) -> Result<colgen::Relaxation, String> {
    colgen::column_generation(
        comp,
        master,
        bonus,
        packing,
        true,
        clock.limits.seconds * 0.6,
        clock.started,
    )
}

/// Step 7a, diving: the relaxation's plan after fixing its favourite groups,
/// where it beats the incumbent; within a fifth of the time.
fn diving(
    comp: &Component,
    master: &mut Master,
    incumbent: Vec<Members>,
    clock: &Clock,
) -> Result<Vec<Members>, String> {
    let until = clock.elapsed() + clock.limits.seconds * 0.2;
    if let Some(dived) = colgen::dive(comp, master, until, clock.started)? {
        if objective_of(comp, &dived) < objective_of(comp, &incumbent) {
            return Ok(dived);
        }
    }
    Ok(incumbent)
}

/// Step 7b, local improvement guided by the root's duals (the gap is where
/// reduced costs are), each neighbourhood solved exactly by `solve_from`.
fn local_improvement(
    comp: &Component,
    incumbent: Vec<Members>,
    pi: &[f64],
    clock: &Clock,
) -> Vec<Members> {
    improve_guided(
        comp,
        incumbent,
        clock.started + Duration::from_secs_f64(clock.limits.seconds * 0.6),
        &OnceLock::from(pi.to_vec()),
        &solve_neighbourhood,
    )
}

/// The exact solve of one neighbourhood that local improvement asks for:
/// its best plan from the groups it holds, with its value; none where the
/// solver fails (the plan then stands without it).
pub(super) fn solve_neighbourhood(
    sub: &Component,
    start: Vec<Members>,
) -> Option<(Vec<Members>, f64)> {
    let limits = Limits {
        seconds: 1.0,
        max_proof_columns: 50_000,
    };
    let s = solve_from(sub, start, limits).ok()?;
    Some((s.groups, s.objective))
}

/// Step 7c, integer master over every group seen, from the incumbent; never
/// worse than it. Optimal over the generated groups only: that proves
/// nothing globally. HiGHS may stop without a plan of its own (a loaded
/// machine, a short limit); the incumbent is then kept, never lost.
fn integer_master_step(
    comp: &Component,
    columns: &[(Members, f64)],
    incumbent: Vec<Members>,
    packing: f64,
    remainder: f64,
    clock: &Clock,
) -> Vec<Members> {
    match integer_master(comp, columns, &incumbent, packing, remainder, clock.left()) {
        Ok((groups, _)) if objective_of(comp, &groups) <= objective_of(comp, &incumbent) => groups,
        _ => incumbent,
    }
}

/// What the proof needs of the root relaxation.
struct Root<'a> {
    pi: &'a [f64],
    cuts: &'a Cuts,
    four_discount: f64,
}

/// Step 8, proof: any better plan uses only groups whose reduced cost is below
/// the gap (the relaxation's value plus the reduced costs of the chosen
/// groups is the plan's score). Where they are few enough, all are added
/// and the integer master re-solved: returns its plan where no worse, its
/// value, and whether HiGHS proved it optimal (then it is the optimum).
/// None where there is no gap, no time, or too many groups.
fn proof(
    comp: &Component,
    master: &mut Master,
    root: &Root,
    incumbent: Vec<Members>,
    (objective, lower_bound): (f64, f64),
    (packing, remainder): (f64, f64),
    clock: &Clock,
) -> Option<(Vec<Members>, f64, bool)> {
    let gap = objective - lower_bound;
    if gap <= 1e-6 || clock.elapsed() >= clock.limits.seconds {
        return None;
    }
    let prices = Prices::new(comp, root.pi);
    let mut extra: Vec<(Members, f64)> = Vec::new();
    let mut too_many = false;
    for a in 0..comp.len() as u32 {
        comp.enumerate_from(
            a,
            &prices,
            gap + 1e-6 + root.four_discount,
            true,
            &mut |m, s, rc| {
                let discount = if size_of(&m) == 4 {
                    root.four_discount
                } else {
                    0.0
                };
                if rc - discount + root.cuts.price_of(&m) >= gap + 1e-6 {
                    return;
                }
                if extra.len() <= clock.limits.max_proof_columns {
                    extra.push((m, s));
                } else {
                    too_many = true;
                }
            },
        );
        // Out of time counts as too many: the proof is skipped.
        if too_many || clock.elapsed() > clock.limits.seconds {
            return None;
        }
    }
    for (m, s) in extra {
        let s = comp.score(&m).unwrap_or(s);
        master.add(m, s);
    }
    let (better, exact) = integer_master(
        comp,
        &master.columns,
        &incumbent,
        packing,
        remainder,
        clock.left(),
    )
    .unwrap_or_else(|_| (incumbent.clone(), false));
    let value = objective_of(comp, &better);
    if value <= objective + 1e-9 {
        Some((better, value, exact))
    } else {
        Some((incumbent, objective, exact))
    }
}

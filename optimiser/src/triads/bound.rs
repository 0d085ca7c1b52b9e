//! A bound on dated reviews: no plan under these rules and availabilities
//! can date more reviews than this.
//!
//! Each school hosts one review, so a plan dates `n − (left out) − Σ_g
//! undated(g)` reviews of its `n` schools, where `undated(g)` is what the
//! heads of group `g` cannot keep (exact for the group alone, as a head is
//! in one group: `crate::dating`). The least of `Σ_g undated(g) + M · left
//! out` over all plans is a set-partitioning problem on the same
//! compatibility graph: a component with every other term at zero, a
//! left-out school at `M` and an undated review at 1. Its relaxation by
//! column generation (exact pricing, or the floor for any duals where time
//! runs out) is a lower bound `L`, so a plan leaving out `k` of the
//! component's schools dates at most `n − ⌈L⌉ + (M − 1)·k` of its reviews.
//! Heads who have offered nothing count as never available here (their
//! reviews cannot be dated now, whatever the grouping), and advisers' dates
//! are left out, which only raises the bound: it covers every adviser rule.
//!
//! Two readings of "every plan":
//! - over every plan at all, leaving out whom it likes: `M = 1`, so that
//!   the bound is `n − ⌈L⌉` whatever `k`;
//! - placing schools first (the rules' `unplaced` is far above any group's
//!   score, so no plan leaves out a school it could place): over the plans
//!   that leave out no more of each component's schools than the plan at
//!   hand, `k` of them, with a left-out school at [`PLACED_FIRST`] as well
//!   as at 1, the least of the two. This is what makes a silent head count
//!   under "wait": such a plan must group them, and every review of their
//!   group waits, where the first reading would leave them out at the cost
//!   of their own review alone.
//!
//! The relaxation has a budget of its own for the whole bound
//! ([`bound_seconds`]): with every cost but the undated reviews at zero its
//! pricing is degenerate, and left to a step's full time limit per
//! component it kept a service job waiting for minutes. Each component
//! first gets a bound that needs no search: every head takes part in three
//! reviews of their group (host once, reviewer twice, in a three or a
//! four), so if head `i` alone can keep only `c_i` of three reviews under
//! the rules, at least `3 − c_i` of their group's reviews go undated.
//! Spread over the group's members (`(3 − c_i)/4`, or `/3` without fours)
//! these are duals no group exceeds, so their sum bounds the relaxation.
//! The column generation then runs while the budget lasts and raises that
//! bound where it can; any of its answers, converged or not, is valid.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::build::prepare;
use super::colgen;
use super::component::{members_of, Component, Dating};
use super::problem::TriadProblem;
use super::steps::greedy_start;
use crate::dating::{max_dated, Need};
use crate::model::{School, Urn};

/// What a left-out school costs the relaxation where the bound is over
/// plans that place every school of the component (see the module text):
/// above the most reviews any group can lose (four), so that the
/// relaxation groups a school wherever a group of the graph can take it.
const PLACED_FIRST: f64 = 10.0;

/// Which plans a bound is over.
#[derive(Clone, Copy)]
pub enum Over<'a> {
    /// Every plan, leaving out whom it likes.
    EveryPlan,
    /// The plans that leave out no more of each component's schools than
    /// these groups (a plan's, pinned ones included) do; a school of a
    /// group the graph would not form counts as left out.
    PlacingAsMany(&'a [Vec<Urn>]),
}

/// Seconds the bound on dated reviews may take in all, for a step whose
/// time limit per component is `time_limit`: a tenth of it, at most 2 s.
pub fn bound_seconds(time_limit: f64) -> f64 {
    (time_limit / 10.0).clamp(0.0, 2.0)
}

/// The most reviews any plan of `problem` (its rules, pins and heads'
/// availability) can date, heads' dates alone, over the plans `over` names;
/// None where heads' dates are unknown. The column generation of all
/// components together stops after `seconds` (0: the bound without search
/// alone); the bound holds whenever it stops.
pub fn dated_bound(problem: &TriadProblem, seconds: f64, over: Over) -> Option<usize> {
    bound(problem, seconds, Silent::NeverAvailable, over)
}

/// Under `no_availability = "wait"`, where some head has offered nothing:
/// the most reviews any plan can date once those heads answer, if they
/// then turn out free on every school day (as grouping assumes of them).
/// It bounds the plan's dated reviews plus the reviews of its awaiting
/// groups that those groups could date then (`Stats::ready_awaiting`), the
/// measure the "wait" policy is optimising; [`dated_bound`] stays the bound
/// on what can be dated today. None under "leave_out", where nobody is
/// silent, or where heads' dates are unknown.
pub fn answered_bound(problem: &TriadProblem, seconds: f64, over: Over) -> Option<usize> {
    if problem.rules.no_availability != super::rules::NoAvailability::Wait {
        return None;
    }
    let prep = prepare(problem);
    let dt = prep.rules.dating()?;
    if !prep.participants.iter().any(|s| dt.is_silent(s.urn)) {
        return None;
    }
    bound(problem, seconds, Silent::AsIfFree, over)
}

/// Under "wait": the reviews of `groups` (each in rotation order) that
/// have a silent head and could be dated once those heads answer, free on
/// every school day. None where no group has a silent head, or heads' dates
/// are unknown.
pub fn ready_awaiting(problem: &TriadProblem, groups: &[Vec<Urn>]) -> Option<usize> {
    if problem.rules.no_availability != super::rules::NoAvailability::Wait {
        return None;
    }
    let prep = prepare(problem);
    let dt = prep.rules.dating()?;
    let awaiting: Vec<&Vec<Urn>> = groups
        .iter()
        .filter(|g| g.iter().any(|u| dt.is_silent(*u)))
        .collect();
    (!awaiting.is_empty()).then(|| awaiting.iter().map(|g| g.len() - dt.undated(g)).sum())
}

/// How the bound counts a head who has offered no dates.
#[derive(Clone, Copy, PartialEq)]
enum Silent {
    /// Never available: nothing of theirs can be dated today.
    NeverAvailable,
    /// Free on every school day, as grouping under "wait" assumes.
    AsIfFree,
}

fn bound(problem: &TriadProblem, seconds: f64, silent_heads: Silent, over: Over) -> Option<usize> {
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds.clamp(0.0, 86_400.0));
    let prep = prepare(problem);
    let dt = prep.rules.dating()?;
    let mut comps = prep.components(&[]);
    // Schools the given groups place in a group of the graph.
    let placed: HashSet<usize> = match over {
        Over::EveryPlan => HashSet::new(),
        Over::PlacingAsMany(groups) => {
            let local: HashMap<usize, (usize, u32)> = comps
                .iter()
                .enumerate()
                .flat_map(|(ci, c)| {
                    c.nodes
                        .iter()
                        .enumerate()
                        .map(move |(l, &g)| (g, (ci, l as u32)))
                })
                .collect();
            groups
                .iter()
                .filter_map(|g| {
                    let at: Vec<(usize, u32)> = g
                        .iter()
                        .map(|u| prep.index.get(u).and_then(|i| local.get(i)).copied())
                        .collect::<Option<_>>()?;
                    let ci = at.first()?.0;
                    let members: Vec<u32> = at.iter().map(|&(_, l)| l).collect();
                    let on_the_graph = at.iter().all(|&(c, _)| c == ci)
                        && (3..=4).contains(&members.len())
                        && comps[ci].score(&members_of(&members)).is_some();
                    on_the_graph.then(|| g.iter().map(|u| prep.index[u]).collect::<Vec<_>>())
                })
                .flatten()
                .collect()
        }
    };
    // Largest first, so that the budget goes where the search gains most.
    comps.sort_by_key(|c| std::cmp::Reverse(c.len()));
    let free: usize = comps
        .par_iter()
        .map(|c| {
            let silent: Vec<bool> = c
                .nodes
                .iter()
                .map(|&g| {
                    silent_heads == Silent::NeverAvailable && dt.is_silent(prep.participants[g].urn)
                })
                .collect();
            let left = deadline.saturating_duration_since(Instant::now());
            let most_left_out = match over {
                Over::EveryPlan => None,
                Over::PlacingAsMany(_) => {
                    Some(c.nodes.iter().filter(|g| !placed.contains(g)).count())
                }
            };
            component_bound(c, &silent, most_left_out, left.as_secs_f64()).unwrap_or(c.len())
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
            let datable = |order: &[Urn]| match silent_heads {
                Silent::NeverAvailable => dt.datable_now(order),
                Silent::AsIfFree => order.len() - dt.undated(order),
            };
            match urns.len() {
                3 => datable(&urns),
                4 => {
                    let [a, b, c, d] = [urns[0], urns[1], urns[2], urns[3]];
                    [[a, c, b, d], [a, b, c, d], [a, b, d, c]]
                        .iter()
                        .map(|o| datable(o))
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
/// where heads' dates are unknown. `silent[l]`: node `l`'s head offered
/// nothing. `most_left_out`: the plans are those leaving out at most this
/// many of the component's schools (None: every plan).
///
/// With a left-out school at `M` in the relaxation (`L_M`), a plan leaving
/// out `k` schools dates at most `n − ⌈L_M⌉ + (M − 1)·k`: at `M = 1` that
/// holds for every plan, and at [`PLACED_FIRST`] it is the tighter one
/// where `k` is small and the relaxation too must leave schools out. The
/// least of those computed holds.
fn component_bound(
    comp: &Component,
    silent: &[bool],
    most_left_out: Option<usize>,
    seconds: f64,
) -> Option<usize> {
    let dating = comp.dating.as_ref()?;
    let n = comp.len();
    if n < 3 {
        return Some(0);
    }
    let mut c = comp.counting_unplaced();
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
    let costs: &[f64] = match most_left_out {
        None => &[1.0],
        Some(0) => &[PLACED_FIRST],
        // Each left-out school the plans may have loosens the second by
        // `M − 1`: worth its search only while that stays well below `n`.
        Some(k) if (PLACED_FIRST - 1.0) * (k as f64) < n as f64 / 2.0 => &[1.0, PLACED_FIRST],
        Some(_) => &[1.0],
    };
    let k = most_left_out.unwrap_or(0);
    let share = seconds / costs.len() as f64;
    costs
        .iter()
        .map(|&m| {
            c.weights.unplaced = m;
            let lower = relaxed_loss(&c, share);
            let slack = (m - 1.0) as usize * k;
            (n + slack).saturating_sub((lower - 1e-6).ceil() as usize)
        })
        .min()
}

/// A lower bound on the component's undated reviews plus its left-out
/// schools at their cost: the relaxation's within `seconds`, never below
/// the bound without search (alone where `seconds` is 0).
fn relaxed_loss(c: &Component, seconds: f64) -> f64 {
    let cheap = heads_alone(c);
    if seconds <= 0.0 {
        return cheap;
    }
    let start: Vec<_> = greedy_start(c)
        .into_iter()
        .filter_map(|m| Some((m, c.score(&m)?)))
        .collect();
    match colgen::relaxation(c, &start, seconds) {
        Ok((l, _)) if l.is_finite() => l.max(cheap),
        // No bound from the relaxation: the one without search holds.
        _ => cheap,
    }
}

/// A lower bound on the undated reviews and left-out schools of every plan
/// of the component (its dating points 1 a review, silent heads already
/// without starts), with no search: each head's `3 − c_i` shared over the
/// largest group's members (see the module text). A left-out school costs
/// at least 1, more than any share, so it bounds that choice too.
pub(super) fn heads_alone(comp: &Component) -> f64 {
    let Some(dating) = comp.dating.as_ref() else {
        return 0.0;
    };
    let size = if comp.weights.allow_four { 4.0 } else { 3.0 };
    dating
        .starts
        .iter()
        .map(|s| {
            let own = Need {
                starts: *s,
                people: 1,
            };
            let kept = max_dated(&dating.grid, &[own; 3]);
            3usize.saturating_sub(kept) as f64 / size
        })
        .sum()
}

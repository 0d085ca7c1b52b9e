//! What organisers do by hand, for comparison in benchmarks: take the schools
//! in turn, group each with its nearest free partner and then the nearest
//! school that may meet both; a school left over joins the nearest group it
//! may join as a fourth.

use super::build::prepare;
use super::component::{add_fourths, members_of, size_of, Component, Members};
use super::problem::TriadProblem;

#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    /// Points under the same scoring as the optimiser (pinned groups aside).
    pub objective: f64,
    pub placed: usize,
    pub groups: usize,
}

fn nearest_free(comp: &Component, a: u32, used: &[bool], also: &[u32]) -> Option<u32> {
    comp.adj[a as usize]
        .iter()
        .filter(|e| !used[e.to as usize])
        .filter(|e| also.iter().all(|&x| comp.edge(x, e.to).is_some()))
        .min_by(|x, y| x.km.total_cmp(&y.km).then(x.to.cmp(&y.to)))
        .map(|e| e.to)
}

pub(crate) fn nearest_neighbour(comp: &Component) -> Vec<Members> {
    let n = comp.len();
    let mut used = vec![false; n];
    let mut groups = Vec::new();
    for a in 0..n as u32 {
        if used[a as usize] {
            continue;
        }
        let Some(b) = nearest_free(comp, a, &used, &[]) else {
            continue;
        };
        used[b as usize] = true;
        match nearest_free(comp, a, &used, &[b]) {
            Some(c) => {
                used[a as usize] = true;
                used[c as usize] = true;
                groups.push(members_of(&[a, b, c]));
            }
            None => used[b as usize] = false,
        }
    }
    // A school left over joins the nearest group it may meet in full.
    add_fourths(comp, &mut groups, &mut used, |a, groups| {
        groups
            .iter()
            .enumerate()
            .filter(|(_, g)| size_of(g) == 3)
            .filter(|(_, g)| g[..3].iter().all(|&x| comp.edge(a, x).is_some()))
            .min_by(|(_, g), (_, h)| {
                let d = |m: &Members| {
                    m[..3]
                        .iter()
                        .filter_map(|&x| comp.edge(a, x))
                        .map(|e| e.km)
                        .sum::<f64>()
                };
                d(g).total_cmp(&d(h))
            })
            .map(|(i, g)| (i, members_of(&[g[0], g[1], g[2], a])))
    });
    groups
}

/// The hand-made grouping of a whole problem, scored like the optimiser's.
pub fn baseline(problem: &TriadProblem) -> Baseline {
    let prep = prepare(problem);
    let comps = prep.components(&[]);
    let mut out = Baseline {
        objective: 0.0,
        placed: 0,
        groups: 0,
    };
    for comp in &comps {
        let groups = nearest_neighbour(comp);
        let placed: usize = groups.iter().map(size_of).sum();
        out.objective += groups.iter().filter_map(|g| comp.score(g)).sum::<f64>()
            + (comp.len() - placed) as f64 * comp.weights.unplaced;
        out.placed += placed;
        out.groups += groups.len();
    }
    out
}

//! From the problem to components: who takes part, which pairs may meet,
//! and the independent parts of the compatibility graph.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use petgraph::unionfind::UnionFind;

use super::compat::{pairs_within, PairRules};
use super::component::{members_of, positions, Component, Dating, Edge, Members, ScoreWeights};
use super::problem::TriadProblem;
use crate::model::{School, Urn};

/// The schools the optimiser places: participants not fixed by a pin.
pub struct Prepared<'a> {
    pub rules: PairRules<'a>,
    /// Participating schools (not opted out), in URN order.
    pub participants: Vec<&'a School>,
    pub index: HashMap<Urn, usize>,
    /// Participants fixed in a pinned group.
    pub pinned: HashSet<usize>,
    /// Compatible pairs among the free participants, both directions, sorted.
    pub adj: Vec<Vec<(usize, f64, f64)>>,
}

pub fn prepare(problem: &TriadProblem) -> Prepared<'_> {
    let rules = PairRules::new(problem);
    let mut participants: Vec<&School> = problem
        .schools
        .iter()
        .filter(|s| !problem.opted_out.contains(&s.urn))
        .collect();
    participants.sort_by_key(|s| s.urn);
    participants.dedup_by_key(|s| s.urn);
    let index: HashMap<Urn, usize> = participants
        .iter()
        .enumerate()
        .map(|(i, s)| (s.urn, i))
        .collect();
    let pinned: HashSet<usize> = problem
        .pins
        .iter()
        .flat_map(|p| p.schools.iter().filter_map(|u| index.get(u).copied()))
        .collect();
    let near = pairs_within(&participants, problem.rules.max_distance_km);
    let adj: Vec<Vec<(usize, f64, f64)>> = (0..participants.len())
        .map(|i| {
            let mut out = Vec::new();
            if pinned.contains(&i) {
                return out;
            }
            let a = participants[i];
            near(i, &mut |j| {
                if j == i || pinned.contains(&j) || rules.check(a, participants[j]).is_err() {
                    return;
                }
                let c = rules.cost(a, participants[j]);
                out.push((j, c.km, c.points));
            });
            out.sort_by_key(|e| e.0);
            out.dedup_by_key(|e| e.0);
            out
        })
        .collect();
    Prepared {
        rules,
        participants,
        index,
        pinned,
        adj,
    }
}

impl Prepared<'_> {
    /// Splits the free participants into independent components.
    pub fn components(&self, previous: &[Vec<Urn>]) -> Vec<Component> {
        let problem = self.rules.problem();
        let n = self.participants.len();
        let mut uf = UnionFind::<usize>::new(n);
        for (i, list) in self.adj.iter().enumerate() {
            for &(j, _, _) in list {
                uf.union(i, j);
            }
        }
        let mut parts: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for i in (0..n).filter(|i| !self.pinned.contains(i)) {
            parts.entry(uf.find(i)).or_default().push(i);
        }
        let w = &problem.rules.weights;
        let weights = ScoreWeights {
            travel_km: w.travel_km,
            group_of_four: w.group_of_four,
            no_good_school: if problem.rules.require_good_school {
                w.no_good_school
            } else {
                0.0
            },
            unplaced: w.unplaced,
            allow_four: problem.rules.allow_groups_of_four,
            unknown_km: problem.rules.unknown_distance_km,
        };
        let mut comps: Vec<Component> = parts
            .into_values()
            .map(|nodes| self.component(nodes, weights))
            .collect();
        self.attach_bonus(&mut comps, previous, w.keep_previous);
        comps
    }

    fn component(&self, nodes: Vec<usize>, weights: ScoreWeights) -> Component {
        let local = positions(&nodes);
        let adj = nodes
            .iter()
            .map(|&g| {
                let mut v: Vec<Edge> = self.adj[g]
                    .iter()
                    .filter_map(|&(j, km, pts)| {
                        Some(Edge {
                            to: *local.get(&j)?,
                            km,
                            pts,
                        })
                    })
                    .collect();
                v.sort_by_key(|e| e.to);
                v
            })
            .collect();
        let good = nodes
            .iter()
            .map(|&g| {
                self.participants[g]
                    .ofsted
                    .is_some_and(|o| o.is_good_or_better())
            })
            .collect();
        let located: Vec<bool> = nodes
            .iter()
            .map(|&g| self.participants[g].location.is_some())
            .collect();
        let pos = self.positions(&nodes);
        let dating = self.rules.dating().map(|d| {
            Arc::new(Dating {
                grid: d.grid.clone(),
                starts: nodes
                    .iter()
                    .map(|&g| d.starts_of(self.participants[g].urn))
                    .collect(),
                points: problem_weights(self).undated_review,
            })
        });
        Component {
            nodes,
            adj,
            good,
            pos,
            located,
            weights,
            bonus: HashMap::new(),
            dating,
        }
    }

    /// Grid positions, with unlocated schools at the middle of their
    /// authority's located schools in the component (they meet only those).
    fn positions(&self, nodes: &[usize]) -> Vec<(f64, f64)> {
        let mut sums: HashMap<u16, (f64, f64, f64)> = HashMap::new();
        for &g in nodes {
            let s = self.participants[g];
            if let Some(l) = s.location {
                let e = sums.entry(s.la_code).or_default();
                *e = (e.0 + l.easting, e.1 + l.northing, e.2 + 1.0);
            }
        }
        nodes
            .iter()
            .map(|&g| {
                let s = self.participants[g];
                match (s.location, sums.get(&s.la_code)) {
                    (Some(l), _) => (l.easting, l.northing),
                    (None, Some(&(e, n, k))) => (e / k, n / k),
                    (None, None) => (0.0, 0.0),
                }
            })
            .collect()
    }

    /// Gives each still-valid group of the previous plan its keep bonus in
    /// the component that holds it.
    fn attach_bonus(&self, comps: &mut [Component], previous: &[Vec<Urn>], bonus: f64) {
        if previous.is_empty() || bonus <= 0.0 {
            return;
        }
        let mut where_is: HashMap<usize, (usize, u32)> = HashMap::new();
        for (c, comp) in comps.iter().enumerate() {
            for (l, &g) in comp.nodes.iter().enumerate() {
                where_is.insert(g, (c, l as u32));
            }
        }
        for group in previous {
            let Some(locs) = group
                .iter()
                .map(|u| self.index.get(u).and_then(|g| where_is.get(g)).copied())
                .collect::<Option<Vec<_>>>()
            else {
                continue;
            };
            let c = locs[0].0;
            if locs.iter().any(|l| l.0 != c) || !(3..=4).contains(&locs.len()) {
                continue;
            }
            let m: Members = members_of(&locs.iter().map(|l| l.1).collect::<Vec<_>>());
            if comps[c].score(&m).is_some() {
                comps[c].bonus.insert(m, bonus);
            }
        }
    }
}

fn problem_weights<'a>(prep: &Prepared<'a>) -> &'a super::rules::Weights {
    &prep.rules.problem().rules.weights
}

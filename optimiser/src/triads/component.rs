//! One connected part of the compatibility graph, in local indices, with
//! the exact score of any group of three or four of its schools.

use std::collections::HashMap;

/// A compatible pair, seen from one end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    pub to: u32,
    /// Km between the two schools (assumed where unknown).
    pub km: f64,
    /// Points of the pair's non-travel terms.
    pub pts: f64,
}

/// The weights a group's score needs, copied out of the rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreWeights {
    pub travel_km: f64,
    pub group_of_four: f64,
    /// 0 unless the rules ask for a Good or Outstanding school in each group.
    pub no_good_school: f64,
    pub unplaced: f64,
    pub allow_four: bool,
    /// The km assumed for a pair with unknown distance (bounds the triangle
    /// inequality where a school has no coordinates).
    pub unknown_km: f64,
}

pub const NONE: u32 = u32::MAX;

/// Members of a group, sorted, padded with `NONE`: cheap to hash and copy.
pub type Members = [u32; 4];

pub fn members_of(list: &[u32]) -> Members {
    let mut m = [NONE; 4];
    m[..list.len()].copy_from_slice(list);
    m[..list.len()].sort_unstable();
    m
}

pub fn size_of(m: &Members) -> usize {
    m.iter().take_while(|&&x| x != NONE).count()
}

#[derive(Debug, Clone)]
pub struct Component {
    /// Index of each local node in the caller's school list.
    pub nodes: Vec<usize>,
    /// Sorted by `to`.
    pub adj: Vec<Vec<Edge>>,
    pub good: Vec<bool>,
    /// Grid position of each school: its own, or where unknown, the middle
    /// of its authority's located schools (for splitting large components).
    pub pos: Vec<(f64, f64)>,
    /// Whether the school's coordinates are known (distances obey the
    /// triangle inequality only between located schools).
    pub located: Vec<bool>,
    pub weights: ScoreWeights,
    /// Groups of the previous plan, with the points keeping each one saves.
    pub bonus: HashMap<Members, f64>,
}

impl Component {
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn edge(&self, a: u32, b: u32) -> Option<&Edge> {
        let list = &self.adj[a as usize];
        list.binary_search_by_key(&b, |e| e.to)
            .ok()
            .map(|i| &list[i])
    }

    /// Neighbours of `a` with a larger index (each group is found once, from its smallest member).
    pub fn higher(&self, a: u32) -> &[Edge] {
        let list = &self.adj[a as usize];
        let start = list.partition_point(|e| e.to <= a);
        &list[start..]
    }

    fn no_good_points(&self, members: &[u32]) -> f64 {
        if self.weights.no_good_school > 0.0 && !members.iter().any(|&m| self.good[m as usize]) {
            self.weights.no_good_school
        } else {
            0.0
        }
    }

    /// Score of a three from its three pairs: each head drives to both others.
    pub fn triad_score(&self, members: [u32; 3], e: [&Edge; 3]) -> f64 {
        let km: f64 = e.iter().map(|x| x.km).sum();
        let pts: f64 = e.iter().map(|x| x.pts).sum();
        self.weights.travel_km * 2.0 * km + pts + self.no_good_points(&members)
    }

    /// Score of a four from its six pairs. With the rotation A→B→C→D, each
    /// head visits the next two, so the two "diagonal" pairs (A,C) and (B,D)
    /// are driven twice; the rotation is chosen to make them the shortest matching.
    /// `e` is ordered ab, ac, ad, bc, bd, cd.
    pub fn quad_score(&self, members: [u32; 4], e: [&Edge; 6]) -> f64 {
        let km: f64 = e.iter().map(|x| x.km).sum();
        let pts: f64 = e.iter().map(|x| x.pts).sum();
        let matching = (e[0].km + e[5].km)
            .min(e[1].km + e[4].km)
            .min(e[2].km + e[3].km);
        self.weights.travel_km * (km + matching)
            + pts
            + self.weights.group_of_four
            + self.no_good_points(&members)
    }

    /// The full score of a group (with any previous-plan bonus), or `None`
    /// where two members may not meet.
    pub fn score(&self, m: &Members) -> Option<f64> {
        let k = size_of(m);
        let base = match k {
            3 => {
                let e = [
                    self.edge(m[0], m[1])?,
                    self.edge(m[0], m[2])?,
                    self.edge(m[1], m[2])?,
                ];
                self.triad_score([m[0], m[1], m[2]], e)
            }
            4 => {
                if !self.weights.allow_four {
                    return None;
                }
                let e = [
                    self.edge(m[0], m[1])?,
                    self.edge(m[0], m[2])?,
                    self.edge(m[0], m[3])?,
                    self.edge(m[1], m[2])?,
                    self.edge(m[1], m[3])?,
                    self.edge(m[2], m[3])?,
                ];
                self.quad_score([m[0], m[1], m[2], m[3]], e)
            }
            _ => return None,
        };
        Some(base - self.bonus.get(m).copied().unwrap_or(0.0))
    }

    /// Visits every feasible group whose reduced cost under duals `pi` is
    /// below `threshold`, as (members, score, reduced cost). Groups of four are
    /// pruned with a bound that never drops one below the threshold.
    /// Previous-plan bonuses are not applied here; callers handle those columns.
    /// With `fours` false only groups of three are visited.
    #[allow(clippy::too_many_arguments)]
    pub fn enumerate_from(
        &self,
        a: u32,
        pi: &[f64],
        pi_max: f64,
        threshold: f64,
        fours: bool,
        visit: &mut impl FnMut(Members, f64, f64),
    ) {
        let ha = self.higher(a);
        let pa = pi[a as usize];
        let w = self.weights.travel_km;
        let four = fours && self.weights.allow_four;
        // A four scores at least its premium plus a quarter of its four
        // threes' scores (less a no-Good-school point it may not pay), and its
        // duals are a third of its threes' duals summed. So a four under the
        // threshold holds a three whose score less 4/3 of its duals is under
        // `extend_below`.
        let extend_below = threshold - self.weights.group_of_four + self.weights.no_good_school;
        const INFLATE: f64 = 4.0 / 3.0;
        for (ib, eab) in ha.iter().enumerate() {
            let b = eab.to;
            let pab = pa + pi[b as usize];
            // Every three holding a and b drives a–b twice and, where both are
            // located, a detour at least as long (triangle inequality; an
            // unknown distance counts as `unknown_km`).
            let detour = if self.located[a as usize] && self.located[b as usize] {
                eab.km.min(2.0 * self.weights.unknown_km)
            } else {
                0.0
            };
            let floor = 2.0 * w * (eab.km + detour) + eab.pts;
            let no_three = floor - pab - pi_max >= threshold;
            let no_four = !four || floor - INFLATE * (pab + pi_max) >= extend_below;
            if no_three && no_four {
                continue;
            }
            let hb = self.higher(b);
            // Common higher neighbours of a and b, by merging two sorted lists.
            let (mut i, mut j) = (ib + 1, 0);
            while i < ha.len() && j < hb.len() {
                let (ea_c, eb_c) = (&ha[i], &hb[j]);
                if ea_c.to < eb_c.to {
                    i += 1;
                    continue;
                }
                if ea_c.to > eb_c.to {
                    j += 1;
                    continue;
                }
                let c = ea_c.to;
                let score = self.triad_score([a, b, c], [eab, ea_c, eb_c]);
                let rc = score - pab - pi[c as usize];
                if rc < threshold {
                    visit([a, b, c, NONE], score, rc);
                }
                if four && score - INFLATE * (pab + pi[c as usize]) < extend_below {
                    self.extend_to_four([a, b, c], pi, extend_below, threshold, visit);
                }
                i += 1;
                j += 1;
            }
        }
    }

    /// A three's score less 4/3 of its duals (see `enumerate_from`), or
    /// `None` if its schools may not meet.
    fn three_inflated_rc(&self, m: [u32; 3], pi: &[f64]) -> Option<f64> {
        let e = [
            self.edge(m[0], m[1])?,
            self.edge(m[0], m[2])?,
            self.edge(m[1], m[2])?,
        ];
        Some(self.triad_score(m, e) - 4.0 / 3.0 * m.iter().map(|&x| pi[x as usize]).sum::<f64>())
    }

    /// Every four made of the three `t` and one school meeting all three,
    /// visited once: from the first of its threes (in member order) that is
    /// under `extend_below`.
    fn extend_to_four(
        &self,
        t: [u32; 3],
        pi: &[f64],
        extend_below: f64,
        threshold: f64,
        visit: &mut impl FnMut(Members, f64, f64),
    ) {
        let [a, b, c] = t;
        for ead in &self.adj[a as usize] {
            let d = ead.to;
            if d == b || d == c || self.edge(b, d).is_none() || self.edge(c, d).is_none() {
                continue;
            }
            let m = members_of(&[a, b, c, d]);
            let subs = [
                [m[0], m[1], m[2]],
                [m[0], m[1], m[3]],
                [m[0], m[2], m[3]],
                [m[1], m[2], m[3]],
            ];
            let earlier = subs.iter().take_while(|s| **s != t).any(|s| {
                self.three_inflated_rc(*s, pi)
                    .is_some_and(|rc| rc < extend_below)
            });
            if earlier {
                continue;
            }
            let Some(score) = self
                .score(&m)
                .map(|s| s + self.bonus.get(&m).copied().unwrap_or(0.0))
            else {
                continue;
            };
            let rc = score - m.iter().map(|&x| pi[x as usize]).sum::<f64>();
            if rc < threshold {
                visit(m, score, rc);
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A component from explicit pairs (km, pts), for tests.
    pub fn component(n: usize, pairs: &[(u32, u32, f64, f64)], w: ScoreWeights) -> Component {
        let mut adj = vec![Vec::new(); n];
        for &(a, b, km, pts) in pairs {
            adj[a as usize].push(Edge { to: b, km, pts });
            adj[b as usize].push(Edge { to: a, km, pts });
        }
        for l in &mut adj {
            l.sort_by_key(|e| e.to);
        }
        Component {
            nodes: (0..n).collect(),
            adj,
            good: vec![true; n],
            pos: vec![(0.0, 0.0); n],
            located: vec![true; n],
            weights: w,
            bonus: HashMap::new(),
        }
    }

    pub fn weights() -> ScoreWeights {
        ScoreWeights {
            travel_km: 1.0,
            group_of_four: 60.0,
            no_good_school: 0.0,
            unplaced: 1000.0,
            allow_four: true,
            unknown_km: 10.0,
        }
    }

    fn complete(n: u32) -> Component {
        let mut pairs = vec![];
        for a in 0..n {
            for b in a + 1..n {
                pairs.push((a, b, 1.0 + (a + b) as f64, 0.5));
            }
        }
        component(n as usize, &pairs, weights())
    }

    #[test]
    fn enumeration_finds_every_group_once_with_its_score() {
        let c = complete(6);
        let pi = vec![0.0; 6];
        let mut seen = HashMap::new();
        for a in 0..6 {
            c.enumerate_from(a, &pi, 0.0, f64::INFINITY, true, &mut |m, s, rc| {
                assert!((s - rc).abs() < 1e-9);
                assert_eq!(c.score(&m), Some(s));
                assert!(seen.insert(m, s).is_none(), "{m:?} twice");
            });
        }
        // C(6,3) + C(6,4)
        assert_eq!(seen.len(), 20 + 15);
    }

    #[test]
    fn pruning_never_drops_a_group_below_the_threshold() {
        let c = complete(7);
        let pi: Vec<f64> = (0..7).map(|i| 20.0 + 7.0 * i as f64).collect();
        let pi_max = pi.iter().cloned().fold(0.0, f64::max);
        let mut found = 0;
        for a in 0..7 {
            c.enumerate_from(a, &pi, pi_max, 0.0, true, &mut |_, _, rc| {
                assert!(rc < 0.0);
                found += 1;
            });
        }
        let mut expected = 0;
        for a in 0..7u32 {
            for b in a + 1..7 {
                for d in b + 1..7 {
                    let m = members_of(&[a, b, d]);
                    if c.score(&m).unwrap() - pi[a as usize] - pi[b as usize] - pi[d as usize] < 0.0
                    {
                        expected += 1;
                    }
                    for e in d + 1..7 {
                        let m = members_of(&[a, b, d, e]);
                        let rc = c.score(&m).unwrap()
                            - [a, b, d, e].iter().map(|&x| pi[x as usize]).sum::<f64>();
                        if rc < 0.0 {
                            expected += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(found, expected);
    }

    #[test]
    fn a_four_drives_its_shortest_matching_twice() {
        let c = complete(4);
        let m = members_of(&[0, 1, 2, 3]);
        // pairs km: 01=2, 02=3, 03=4, 12=4, 13=5, 23=6; matchings 8, 8, 8
        let expected = (2.0 + 3.0 + 4.0 + 4.0 + 5.0 + 6.0) + 8.0 + 6.0 * 0.5 + 60.0;
        assert!((c.score(&m).unwrap() - expected).abs() < 1e-9);
    }
}

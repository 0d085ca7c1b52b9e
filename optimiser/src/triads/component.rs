//! One connected part of the compatibility graph, in local indices, with
//! the exact score of any group of three or four of its schools.

use std::collections::HashMap;
use std::sync::Arc;

use crate::dating::{self, Bits, DayGrid, Need};

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

/// A group of a part, in the indices of the whole: `nodes[l]` is local `l`.
pub fn lift(m: &Members, nodes: &[u32]) -> Members {
    let list: Vec<u32> = m[..size_of(m)].iter().map(|&l| nodes[l as usize]).collect();
    members_of(&list)
}

/// The schools of `0..n` that no group holds.
pub fn left_out(n: usize, groups: &[Members]) -> Vec<u32> {
    let mut placed = vec![false; n];
    for g in groups {
        for &x in &g[..size_of(g)] {
            placed[x as usize] = true;
        }
    }
    (0..n as u32).filter(|&x| !placed[x as usize]).collect()
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
    /// Where heads' dates are known: what scores a group by the reviews its
    /// heads cannot keep.
    pub dating: Option<Arc<Dating>>,
}

/// Heads' dates of a component, for the "undated reviews" term: exact for
/// the group alone (`crate::dating`), and never negative, so every pruning
/// of pricing by the other terms stays a valid lower bound.
#[derive(Debug)]
pub struct Dating {
    pub grid: Arc<DayGrid>,
    /// Per node, the review starts its head can come on.
    pub starts: Vec<Bits>,
    /// Points per undated review.
    pub points: f64,
}

impl Dating {
    /// The same dates for the given nodes, in their order.
    pub fn subset(&self, nodes: &[u32]) -> Dating {
        Dating {
            grid: self.grid.clone(),
            starts: nodes.iter().map(|&g| self.starts[g as usize]).collect(),
            points: self.points,
        }
    }
}

/// Where the rules allow groups of four, each school no group took joins
/// the group of three `fourth` picks for it (its index and the four it
/// makes), if any; schools are taken in order.
pub fn add_fourths(
    comp: &Component,
    groups: &mut [Members],
    used: &mut [bool],
    fourth: impl Fn(u32, &[Members]) -> Option<(usize, Members)>,
) {
    if !comp.weights.allow_four {
        return;
    }
    for a in 0..used.len() as u32 {
        if used[a as usize] {
            continue;
        }
        if let Some((i, m)) = fourth(a, groups) {
            groups[i] = m;
            used[a as usize] = true;
        }
    }
}

/// Each node's place in `nodes`, for renumbering a part of a graph.
pub fn positions<T: Copy + Eq + std::hash::Hash>(nodes: &[T]) -> HashMap<T, u32> {
    nodes
        .iter()
        .enumerate()
        .map(|(l, &g)| (g, l as u32))
        .collect()
}

impl Component {
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// A copy whose groups score only the schools they leave out: no
    /// travel, points or bonuses; its dating is the caller's to set.
    pub fn counting_unplaced(&self) -> Component {
        let mut c = self.clone();
        c.weights = ScoreWeights {
            travel_km: 0.0,
            group_of_four: 0.0,
            no_good_school: 0.0,
            unplaced: 1.0,
            ..self.weights
        };
        for list in &mut c.adj {
            for e in list.iter_mut() {
                e.pts = 0.0;
            }
        }
        c.bonus.clear();
        c
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

    /// Points for the reviews of a three its heads cannot all keep (every
    /// review needs all three heads).
    pub fn undated_points3(&self, m: [u32; 3]) -> f64 {
        let Some(d) = &self.dating else {
            return 0.0;
        };
        let starts = d.starts[m[0] as usize]
            .and(&d.starts[m[1] as usize])
            .and(&d.starts[m[2] as usize]);
        let need = Need {
            starts,
            people: 0b111,
        };
        (3 - dating::max_dated(&d.grid, &[need; 3])) as f64 * d.points
    }

    /// Reviews of a four in rotation `order` its heads cannot all keep.
    fn undated4(&self, d: &Dating, order: [u32; 4]) -> usize {
        let heads = order.map(|x| d.starts[x as usize]);
        let needs = dating::rotation_needs(d.grid.days, &heads);
        4 - dating::max_dated(&d.grid, &needs)
    }

    /// Score of a three from its three pairs: each head drives to both
    /// others; plus its undated reviews.
    pub fn triad_score(&self, members: [u32; 3], e: [&Edge; 3]) -> f64 {
        let km: f64 = e.iter().map(|x| x.km).sum();
        let pts: f64 = e.iter().map(|x| x.pts).sum();
        self.weights.travel_km * 2.0 * km
            + pts
            + self.no_good_points(&members)
            + self.undated_points3(members)
    }

    /// Score of a four from its six pairs. With the rotation A→B→C→D, each
    /// head visits the next two, so the two "diagonal" pairs (A,C) and (B,D)
    /// are driven twice; the rotation is chosen to make them the shortest matching.
    /// `e` is ordered ab, ac, ad, bc, bd, cd. Where heads' dates are known
    /// the rotation also decides which heads meet at each review, so it is
    /// the one with the least doubled travel plus undated reviews' points
    /// (`output::rotation` chooses the same way).
    pub fn quad_score(&self, members: [u32; 4], e: [&Edge; 6]) -> f64 {
        let km: f64 = e.iter().map(|x| x.km).sum();
        let pts: f64 = e.iter().map(|x| x.pts).sum();
        let w = self.weights.travel_km;
        let [a, b, c, d] = members;
        // Rotations by their diagonals: (a,b)+(c,d), (a,c)+(b,d), (a,d)+(b,c).
        let options = [
            ([a, c, b, d], e[0].km + e[5].km),
            ([a, b, c, d], e[1].km + e[4].km),
            ([a, b, d, c], e[2].km + e[3].km),
        ];
        let rotation = match &self.dating {
            None => w * options.iter().map(|o| o.1).fold(f64::INFINITY, f64::min),
            Some(dt) => options
                .iter()
                .map(|(order, diag)| w * diag + self.undated4(dt, *order) as f64 * dt.points)
                .fold(f64::INFINITY, f64::min),
        };
        w * km + rotation + pts + self.weights.group_of_four + self.no_good_points(&members)
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

    /// Visits every feasible group whose reduced cost under `prices` is
    /// below `threshold`, as (members, score, reduced cost), each once from
    /// its smallest member `a`. Pruning never drops a group under the threshold.
    /// Previous-plan bonuses are not applied here; callers handle those columns.
    /// With `fours` false only groups of three are visited.
    pub fn enumerate_from(
        &self,
        a: u32,
        prices: &Prices,
        threshold: f64,
        fours: bool,
        visit: &mut impl FnMut(Members, f64, f64),
    ) {
        let pi = prices.pi;
        let ha = self.higher(a);
        let pa = pi[a as usize];
        let w = self.weights.travel_km;
        let four = fours && self.weights.allow_four;
        // What the six pair terms of a four must stay under (see `Prices`).
        let four_below = threshold - self.weights.group_of_four + 1e-9;
        let mut common: Vec<(u32, f64)> = Vec::new();
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
            let t_ab = prices.three_pair(a, eab);
            let no_three = floor - pab - prices.pi_max >= threshold
                || t_ab + prices.t_min[a as usize] + prices.t_min[b as usize] >= threshold + 1e-9;
            let q_ab = prices.pair(a, eab);
            let no_four = !four
                || q_ab
                    + 2.0 * (prices.q_min[a as usize] + prices.q_min[b as usize])
                    + prices.q_floor
                    >= four_below;
            if no_three && no_four {
                continue;
            }
            let hb = self.higher(b);
            common.clear();
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
                if !no_three {
                    let score = self.triad_score([a, b, c], [eab, ea_c, eb_c]);
                    let rc = score - pab - pi[c as usize];
                    if rc < threshold {
                        visit([a, b, c, NONE], score, rc);
                    }
                }
                if !no_four {
                    common.push((c, prices.pair(a, ea_c) + prices.pair(b, eb_c)));
                }
                i += 1;
                j += 1;
            }
            if !no_four {
                self.fours_holding(a, b, q_ab, &mut common, prices, threshold, visit);
            }
        }
    }

    /// Every four {a, b, c, d} with c, d from `common` (higher common
    /// neighbours of a and b, each with q_ac + q_bc) under the threshold.
    #[allow(clippy::too_many_arguments)]
    fn fours_holding(
        &self,
        a: u32,
        b: u32,
        q_ab: f64,
        common: &mut Vec<(u32, f64)>,
        prices: &Prices,
        threshold: f64,
        visit: &mut impl FnMut(Members, f64, f64),
    ) {
        // The slack covers rounding between this sum and the exact score.
        let below = threshold - self.weights.group_of_four - q_ab + 1e-9;
        let (mut s1, mut s2) = (f64::INFINITY, f64::INFINITY);
        for &(_, s) in common.iter() {
            if s < s1 {
                s2 = s1;
                s1 = s;
            } else if s < s2 {
                s2 = s;
            }
        }
        if s1 + s2 + prices.q_floor >= below {
            return;
        }
        // c needs a partner d: at best the cheapest other, over its cheapest pair.
        common.retain(|&(c, s)| {
            let other = if s <= s1 { s2 } else { s1 };
            s + other + prices.q_min[c as usize] < below
        });
        common.sort_unstable_by(|x, y| x.1.total_cmp(&y.1).then(x.0.cmp(&y.0)));
        for (i, &(c, sc)) in common.iter().enumerate() {
            if 2.0 * sc + prices.q_floor >= below {
                break;
            }
            for &(d, sd) in &common[i + 1..] {
                if sc + sd + prices.q_floor >= below {
                    break;
                }
                let Some(ecd) = self.edge(c, d) else {
                    continue;
                };
                if sc + sd + prices.pair(c, ecd) >= below {
                    continue;
                }
                let m = members_of(&[a, b, c, d]);
                let Some(score) = self
                    .score(&m)
                    .map(|s| s + self.bonus.get(&m).copied().unwrap_or(0.0))
                else {
                    continue;
                };
                let rc = score - m.iter().map(|&x| prices.pi[x as usize]).sum::<f64>();
                if rc < threshold {
                    visit(m, score, rc);
                }
            }
        }
    }
}

/// Duals prepared for pricing. A three's reduced cost is its three pairs'
/// `t_ij = 2·travel·km + pts − (π_i + π_j)/2` summed, plus any
/// no-Good-school points: a pair whose `t` with each end's least `t`
/// reaches the threshold is in no three worth visiting. Local duals prune
/// far more than the largest dual of the component, which on a national
/// graph is worth nothing. A four's reduced cost is likewise its six pairs'
/// `q_ij = travel·km + pts − (π_i + π_j)/3` summed (each school's dual is
/// shared by its three pairs), plus the premium, the doubled matching and
/// any no-Good-school points, none negative. So the pairs alone bound it,
/// which prunes fours far better than their threes do.
pub struct Prices<'a> {
    pub pi: &'a [f64],
    pub pi_max: f64,
    /// Least `q` over each school's pairs.
    q_min: Vec<f64>,
    /// Least `q` over all pairs.
    q_floor: f64,
    /// Least `t` over each school's pairs.
    t_min: Vec<f64>,
    travel_km: f64,
}

impl<'a> Prices<'a> {
    pub fn new(comp: &Component, pi: &'a [f64]) -> Prices<'a> {
        let mut prices = Prices {
            pi,
            pi_max: pi.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
            q_min: vec![f64::INFINITY; comp.len()],
            q_floor: f64::INFINITY,
            t_min: vec![f64::INFINITY; comp.len()],
            travel_km: comp.weights.travel_km,
        };
        let w = comp.weights.travel_km;
        for (a, list) in comp.adj.iter().enumerate() {
            let q = list
                .iter()
                .map(|e| w * e.km + e.pts - (pi[a] + pi[e.to as usize]) / 3.0)
                .fold(f64::INFINITY, f64::min);
            prices.q_min[a] = q;
            prices.q_floor = prices.q_floor.min(q);
            prices.t_min[a] = list
                .iter()
                .map(|e| prices.three_pair(a as u32, e))
                .fold(f64::INFINITY, f64::min);
        }
        prices
    }

    fn three_pair(&self, a: u32, e: &Edge) -> f64 {
        2.0 * self.travel_km * e.km + e.pts - (self.pi[a as usize] + self.pi[e.to as usize]) / 2.0
    }

    fn pair(&self, a: u32, e: &Edge) -> f64 {
        self.travel_km * e.km + e.pts - (self.pi[a as usize] + self.pi[e.to as usize]) / 3.0
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
            dating: None,
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
            c.enumerate_from(
                a,
                &Prices::new(&c, &pi),
                f64::INFINITY,
                true,
                &mut |m, s, rc| {
                    assert!((s - rc).abs() < 1e-9);
                    assert_eq!(c.score(&m), Some(s));
                    assert!(seen.insert(m, s).is_none(), "{m:?} twice");
                },
            );
        }
        // C(6,3) + C(6,4)
        assert_eq!(seen.len(), 20 + 15);
    }

    #[test]
    fn pruning_never_drops_a_group_below_the_threshold() {
        let c = complete(7);
        let pi: Vec<f64> = (0..7).map(|i| 20.0 + 7.0 * i as f64).collect();
        let prices = Prices::new(&c, &pi);
        let mut found = 0;
        for a in 0..7 {
            c.enumerate_from(a, &prices, 0.0, true, &mut |_, _, rc| {
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

    proptest::proptest! {
        /// Pruned enumeration visits exactly the groups a brute force finds
        /// under the threshold, for any duals (the bound rests on it).
        #[test]
        fn pruning_matches_brute_force(
            seed in 0u64..10_000,
            density in 0.3f64..1.0,
            duals in proptest::collection::vec(-20.0f64..160.0, 10),
            quantile in 0.0f64..1.0,
            good in 0u8..2,
            travel in 0.0f64..1.5,
        ) {
            let n = 10;
            let mut c = crate::triads::colgen::tests::random_component(seed, n, density);
            c.weights.no_good_school = 10.0 * good as f64;
            // Little travel makes the pairs' bound tight, where pruning errs first.
            c.weights.travel_km = travel;
            c.good = (0..n).map(|i| i % 3 == 0).collect();
            let prices = Prices::new(&c, &duals);
            let rc_of = |list: &[u32]| {
                let m = members_of(list);
                Some(c.score(&m)? - list.iter().map(|&x| duals[x as usize]).sum::<f64>())
            };
            // A threshold just above some group's reduced cost, so that the
            // groups pruning could wrongly drop sit right at the edge.
            let mut rcs: Vec<f64> = (0u32..1 << n)
                .filter(|m| m.count_ones() == 4 || (m.count_ones() == 3 && good == 1))
                .filter_map(|m| rc_of(&(0..n as u32).filter(|i| m >> i & 1 == 1).collect::<Vec<_>>()))
                .collect();
            rcs.sort_by(f64::total_cmp);
            let threshold = rcs
                .get((quantile * rcs.len() as f64) as usize)
                .map_or(0.0, |r| r + 1e-7);
            let mut found = HashMap::new();
            for a in 0..n as u32 {
                c.enumerate_from(a, &prices, threshold, true, &mut |m, s, rc| {
                    assert!(found.insert(m, (s, rc)).is_none(), "{m:?} twice");
                });
            }
            let mut expected = 0;
            for mask in 0u32..1 << n {
                let k = mask.count_ones();
                if k != 3 && k != 4 {
                    continue;
                }
                let list: Vec<u32> = (0..n as u32).filter(|i| mask >> i & 1 == 1).collect();
                let m = members_of(&list);
                let Some(score) = c.score(&m) else { continue };
                let rc = score - list.iter().map(|&x| duals[x as usize]).sum::<f64>();
                if rc < threshold {
                    expected += 1;
                    let (s, r) = found.get(&m).copied().unwrap_or((f64::NAN, f64::NAN));
                    proptest::prop_assert!((s - score).abs() < 1e-9 && (r - rc).abs() < 1e-9, "{:?} missed", m);
                }
            }
            proptest::prop_assert_eq!(found.len(), expected);
        }
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

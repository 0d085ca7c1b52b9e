//! Whether a group's people can keep its reviews: the most reviews of one
//! group that can be dated, exactly, for the group alone.
//!
//! A review needs a start on which its host, its reviewers and (by the
//! adviser rule) its adviser can come on every day of its span; a group's
//! reviews start at least `min_days_between_group_reviews` calendar days
//! apart (and a person's spans never overlap: one review a day); a person
//! takes part in at most `max_days_per_half_term` review days per half-term.
//! Heads belong to one group, so for heads these rules are the group's
//! alone, and the count here is exact: grouping can put it in a group's
//! score (`triads`), and the bound on dated reviews rests on it.
//!
//! The search: for a fixed order of the reviews in time, placing each on
//! its earliest start that keeps the rules is optimal (exchange argument:
//! if some dating in that order exists, the greedy one starts each review no
//! later, so each next start it needs is still open, and no half-term holds
//! more of its days than the other dating's). So the most reviews that can
//! be dated is the deepest sequence of distinct reviews, in any order, the
//! greedy can place: at most 4 + 12 + 24 + 24 sequences for a four, each a
//! few word operations on day bitsets.

use crate::calendar::{Availability, Days, Person};

/// Words of a day bitset: windows of up to 512 school days.
pub const WORDS: usize = 8;
/// The most school days a window may have.
pub const MAX_DAYS: usize = WORDS * 64;

/// A set of school days (indices into `Days::days`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Bits(pub [u64; WORDS]);

impl Bits {
    pub fn first(n: usize) -> Bits {
        let mut b = Bits::default();
        for i in 0..n.min(MAX_DAYS) {
            b.set(i);
        }
        b
    }

    pub fn set(&mut self, i: usize) {
        if i < MAX_DAYS {
            self.0[i / 64] |= 1 << (i % 64);
        }
    }

    pub fn get(&self, i: usize) -> bool {
        i < MAX_DAYS && self.0[i / 64] >> (i % 64) & 1 == 1
    }

    pub fn and(&self, other: &Bits) -> Bits {
        let mut out = *self;
        for (a, b) in out.0.iter_mut().zip(other.0) {
            *a &= b;
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }

    pub fn count(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    /// The first day at or after `from` in the set.
    pub fn next_from(&self, from: usize) -> Option<usize> {
        if from >= MAX_DAYS {
            return None;
        }
        let mut w = from / 64;
        let mut word = self.0[w] & (!0u64 << (from % 64));
        loop {
            if word != 0 {
                return Some(w * 64 + word.trailing_zeros() as usize);
            }
            w += 1;
            if w == WORDS {
                return None;
            }
            word = self.0[w];
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        let mut next = self.next_from(0);
        std::iter::from_fn(move || {
            let d = next?;
            next = self.next_from(d + 1);
            Some(d)
        })
    }
}

/// The dating rules, as plain numbers (defaults: the `[schedule]` table's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatingRules {
    /// Fewest calendar days between the starts of two reviews of one group.
    pub min_days_between_group_reviews: u32,
    /// Most review days per person per half-term.
    pub max_days_per_half_term: u32,
    /// School days a review takes.
    pub review_days: u32,
}

impl Default for DatingRules {
    fn default() -> Self {
        DatingRules {
            min_days_between_group_reviews: 7,
            max_days_per_half_term: 3,
            review_days: 1,
        }
    }
}

/// The school days of the window with what the search needs of them.
#[derive(Debug, Clone)]
pub struct DayGrid {
    pub rules: DatingRules,
    /// Half-term of each school day.
    period: Vec<usize>,
    /// Per start, the first start a later review of the same group may take.
    next_start: Vec<usize>,
    /// Starts whose span is valid (consecutive school days in one half-term).
    startable: Bits,
    pub days: usize,
}

impl DayGrid {
    /// None where the window has more than `MAX_DAYS` school days.
    pub fn new(days: &Days, rules: DatingRules) -> Option<DayGrid> {
        let n = days.days.len();
        if n > MAX_DAYS {
            return None;
        }
        let len = rules.review_days.max(1) as usize;
        let mut startable = Bits::default();
        for d in 0..n {
            if days.span(d, len).is_some() {
                startable.set(d);
            }
        }
        let gap = rules.min_days_between_group_reviews as i64;
        let mut next_start = vec![n; n];
        let mut j = 0;
        for (i, slot) in next_start.iter_mut().enumerate() {
            j = j.max(i + len);
            while j < n && (days.days[j] - days.days[i]).num_days() < gap {
                j += 1;
            }
            *slot = j.min(n);
        }
        Some(DayGrid {
            rules,
            period: days.period.clone(),
            next_start,
            startable,
            days: n,
        })
    }

    /// The starts on which someone free on `free` can come for a whole review.
    pub fn starts(&self, free: &Bits) -> Bits {
        let len = self.rules.review_days.max(1) as usize;
        let mut out = self.startable.and(free);
        for k in 1..len {
            // Day d + k must be free too.
            let mut shifted = Bits::default();
            for d in free.iter().filter(|&d| d >= k) {
                shifted.set(d - k);
            }
            out = out.and(&shifted);
        }
        out
    }

    /// The school days a person can come on, or None where they offered
    /// nothing. A head is away on their school's blackout days.
    pub fn free_days(&self, days: &Days, availability: &Availability, p: &Person) -> Option<Bits> {
        let offered = availability.people.get(p)?;
        let mut b = Bits::default();
        for d in offered.keys() {
            if let Some(&i) = days.index.get(d) {
                b.set(i);
            }
        }
        if let Person::Head(u) = p {
            if let Some(off) = days.school_off.get(u) {
                for &i in off {
                    b.0[i / 64] &= !(1 << (i % 64));
                }
            }
        }
        Some(b)
    }

    /// Every school day but the head's school's blackouts: how grouping
    /// sees a head who has not answered yet ("wait").
    pub fn all_days(&self, days: &Days, head: Option<crate::model::Urn>) -> Bits {
        let mut b = Bits::first(self.days);
        if let Some(off) = head.and_then(|u| days.school_off.get(&u)) {
            for &i in off {
                b.0[i / 64] &= !(1 << (i % 64));
            }
        }
        b
    }
}

/// One review of a group: the starts all its people can come on, and who
/// its people are (bits of the group's local people: heads 0..4, adviser 4).
#[derive(Debug, Clone, Copy)]
pub struct Need {
    pub starts: Bits,
    pub people: u8,
}

/// The people of each review of a group in rotation order `0..k`: review
/// `i` is hosted by `i` and visited by the next two.
pub fn rotation_people(k: usize) -> impl Iterator<Item = u8> {
    (0..k).map(move |i| (1u8 << i) | (1 << ((i + 1) % k)) | (1 << ((i + 2) % k)))
}

/// The needs of a group's reviews in rotation order, heads only: each
/// review on the starts its three heads (`heads`, the days each can start
/// on, in rotation order) share, out of a grid of `days`.
pub fn rotation_needs(days: usize, heads: &[Bits]) -> Vec<Need> {
    rotation_people(heads.len())
        .map(|people| {
            let mut starts = Bits::first(days);
            for (i, h) in heads.iter().enumerate() {
                if people >> i & 1 == 1 {
                    starts = starts.and(h);
                }
            }
            Need { starts, people }
        })
        .collect()
}

/// `needs` with the adviser (who can start on `adviser`) at the reviews
/// `at` picks by index, the others as they are.
pub fn with_adviser(needs: &[Need], adviser: &Bits, at: &dyn Fn(usize) -> bool) -> Vec<Need> {
    needs
        .iter()
        .enumerate()
        .map(|(i, n)| {
            if at(i) {
                Need {
                    starts: n.starts.and(adviser),
                    people: n.people | 1 << 4,
                }
            } else {
                *n
            }
        })
        .collect()
}

/// The most of `needs` (at most 4) that can be dated together.
pub fn max_dated(grid: &DayGrid, needs: &[Need]) -> usize {
    let k = needs.len();
    if k == 0 {
        return 0;
    }
    // Every review the same: one greedy pass is the answer.
    if needs
        .iter()
        .all(|n| n.starts == needs[0].starts && n.people == needs[0].people)
    {
        return same_reviews(grid, &needs[0], k);
    }
    let mut placed: [(usize, u8); 4] = [(0, 0); 4];
    let mut best = 0;
    deepest(grid, needs, 0, &mut placed, 0, &mut best);
    best
}

/// The starts of a dating of the most reviews, by review (None: undated).
pub fn best_dating(grid: &DayGrid, needs: &[Need]) -> Vec<Option<usize>> {
    let k = needs.len();
    let target = max_dated(grid, needs);
    let mut out = vec![None; k];
    if target == 0 {
        return out;
    }
    let mut order: Vec<usize> = Vec::new();
    let mut used = 0u8;
    if let Some(starts) = find(grid, needs, target, &mut order, &mut used, &mut Vec::new()) {
        for (i, s) in order.iter().zip(starts) {
            out[*i] = Some(s);
        }
    }
    out
}

fn find(
    grid: &DayGrid,
    needs: &[Need],
    target: usize,
    order: &mut Vec<usize>,
    used: &mut u8,
    starts: &mut Vec<usize>,
) -> Option<Vec<usize>> {
    if order.len() == target {
        return Some(starts.clone());
    }
    let placed: Vec<(usize, u8)> = order
        .iter()
        .zip(starts.iter())
        .map(|(&i, &s)| (s, needs[i].people))
        .collect();
    let from = starts.last().map_or(0, |&s| grid.next_start[s]);
    for i in 0..needs.len() {
        if *used >> i & 1 == 1 {
            continue;
        }
        if let Some(s) = earliest(grid, &needs[i], from, &placed) {
            order.push(i);
            starts.push(s);
            *used |= 1 << i;
            if let Some(found) = find(grid, needs, target, order, used, starts) {
                return Some(found);
            }
            order.pop();
            starts.pop();
            *used &= !(1 << i);
        }
    }
    None
}

fn same_reviews(grid: &DayGrid, need: &Need, k: usize) -> usize {
    let mut placed: [(usize, u8); 4] = [(0, 0); 4];
    let mut from = 0;
    for n in 0..k {
        match earliest(grid, need, from, &placed[..n]) {
            Some(s) => {
                placed[n] = (s, need.people);
                from = grid.next_start[s];
            }
            None => return n,
        }
    }
    k
}

fn deepest(
    grid: &DayGrid,
    needs: &[Need],
    used: u8,
    placed: &mut [(usize, u8); 4],
    depth: usize,
    best: &mut usize,
) {
    *best = (*best).max(depth);
    if *best == needs.len() {
        return;
    }
    let from = if depth == 0 {
        0
    } else {
        grid.next_start[placed[depth - 1].0]
    };
    for (i, need) in needs.iter().enumerate() {
        if used >> i & 1 == 1 {
            continue;
        }
        if let Some(s) = earliest(grid, need, from, &placed[..depth]) {
            placed[depth] = (s, need.people);
            deepest(grid, needs, used | 1 << i, placed, depth + 1, best);
            if *best == needs.len() {
                return;
            }
        }
    }
}

/// The earliest start at or after `from` on which the review's people can
/// come and no one of them goes over the half-term limit.
fn earliest(grid: &DayGrid, need: &Need, from: usize, placed: &[(usize, u8)]) -> Option<usize> {
    let len = grid.rules.review_days.max(1);
    let cap = grid.rules.max_days_per_half_term;
    let mut d = from;
    while let Some(s) = need.starts.next_from(d) {
        let p = grid.period[s];
        let over = (0..8).any(|person| {
            if need.people >> person & 1 == 0 {
                return false;
            }
            let before: u32 = placed
                .iter()
                .filter(|(t, people)| people >> person & 1 == 1 && grid.period[*t] == p)
                .count() as u32
                * len;
            before + len > cap
        });
        if !over {
            return Some(s);
        }
        d = s + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Calendar, HalfTerm};
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn grid(gap: u32, cap: u32, len: u32) -> (Days, DayGrid) {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let cal = Calendar {
            first: d(9, 1),
            last: d(12, 18),
            half_terms: vec![
                HalfTerm {
                    name: "Autumn 1".into(),
                    first: d(9, 1),
                    last: d(10, 23),
                },
                HalfTerm {
                    name: "Autumn 2".into(),
                    first: d(11, 2),
                    last: d(12, 18),
                },
            ],
            blackouts: vec![],
            school_blackouts: vec![],
        };
        let days = Days::new(&cal);
        let g = DayGrid::new(
            &days,
            DatingRules {
                min_days_between_group_reviews: gap,
                max_days_per_half_term: cap,
                review_days: len,
            },
        )
        .unwrap();
        (days, g)
    }

    /// Every assignment of a start (or none) to each review, checked rule
    /// by rule: the most reviews dated.
    fn brute(days: &Days, grid: &DayGrid, needs: &[Need]) -> usize {
        let len = grid.rules.review_days.max(1) as usize;
        let n = grid.days;
        let k = needs.len();
        let mut best = 0;
        let mut choice = vec![None; k];
        #[allow(clippy::too_many_arguments)]
        fn go(
            i: usize,
            days: &Days,
            grid: &DayGrid,
            needs: &[Need],
            len: usize,
            n: usize,
            choice: &mut Vec<Option<usize>>,
            best: &mut usize,
        ) {
            if i == needs.len() {
                let dated: Vec<(usize, u8)> = choice
                    .iter()
                    .zip(needs)
                    .filter_map(|(c, nd)| c.map(|s| (s, nd.people)))
                    .collect();
                for (a, x) in dated.iter().enumerate() {
                    for y in &dated[a + 1..] {
                        let gap = (days.days[x.0] - days.days[y.0]).num_days().abs();
                        if gap < grid.rules.min_days_between_group_reviews as i64 {
                            return;
                        }
                        if x.0.abs_diff(y.0) < len && x.1 & y.1 != 0 {
                            return;
                        }
                    }
                }
                for person in 0..8 {
                    for p in 0..days.periods.len() {
                        let used: usize = dated
                            .iter()
                            .filter(|(s, people)| people >> person & 1 == 1 && days.period[*s] == p)
                            .count()
                            * len;
                        if used > grid.rules.max_days_per_half_term as usize {
                            return;
                        }
                    }
                }
                *best = (*best).max(dated.len());
                return;
            }
            choice[i] = None;
            go(i + 1, days, grid, needs, len, n, choice, best);
            for s in needs[i].starts.iter().filter(|&s| s < n) {
                choice[i] = Some(s);
                go(i + 1, days, grid, needs, len, n, choice, best);
            }
            choice[i] = None;
        }
        go(0, days, grid, needs, len, n, &mut choice, &mut best);
        best
    }

    fn sparse(seed: u64, n: usize, per: u64) -> Bits {
        let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        let mut b = Bits::default();
        for d in 0..n {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            if (s >> 33) % 100 < per {
                b.set(d);
            }
        }
        b
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn the_search_agrees_with_brute_force(
            seed in 0u64..10_000,
            k in 3usize..=4,
            gap in 1u32..15,
            cap in 1u32..4,
            len in 1u32..3,
            per in 3u64..12,
            adviser in any::<bool>(),
        ) {
            let (days, g) = grid(gap, cap, len);
            let n = g.days;
            let heads: Vec<Bits> = (0..k).map(|i| g.starts(&sparse(seed * 7 + i as u64, n, per * 3))).collect();
            let adv = g.starts(&sparse(seed * 7 + 5, n, per * 5));
            let needs: Vec<Need> = rotation_people(k)
                .map(|people| {
                    let mut starts = Bits::first(n);
                    for (i, h) in heads.iter().enumerate() {
                        if people >> i & 1 == 1 {
                            starts = starts.and(h);
                        }
                    }
                    let people = if adviser { people | 1 << 4 } else { people };
                    if adviser {
                        starts = starts.and(&adv);
                    }
                    Need { starts, people }
                })
                .collect();
            let fast = max_dated(&g, &needs);
            prop_assert_eq!(fast, brute(&days, &g, &needs));
            let dating = best_dating(&g, &needs);
            prop_assert_eq!(dating.iter().flatten().count(), fast);
        }
    }

    #[test]
    fn three_heads_without_three_dates_a_week_apart_cannot_date_all() {
        let (_, g) = grid(7, 3, 1);
        // Three common days within one week: only one review can be dated.
        let mut b = Bits::default();
        for d in [0, 1, 2] {
            b.set(d);
        }
        let need = Need {
            starts: g.starts(&b),
            people: 0b111,
        };
        assert_eq!(max_dated(&g, &[need; 3]), 1);
        b.set(5);
        b.set(10);
        let need = Need {
            starts: g.starts(&b),
            people: 0b111,
        };
        assert_eq!(max_dated(&g, &[need; 3]), 3);
    }
}

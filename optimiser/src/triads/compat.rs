//! Which pairs of schools may share a group, and what a pair costs.
//!
//! Every hard pair rule lives here, so that the graph the solver searches and
//! the `validate` check can never disagree.

use std::collections::{HashMap, HashSet};

use super::problem::{KnownDates, Scope, TriadProblem};
use super::rules::{NoAvailability, TrustRule};
use crate::calendar::{Days, Person};
use crate::dating::{self, Bits, DatingRules, DayGrid, Need};
use crate::model::{School, Urn};

/// Why two schools may not share a group.
#[derive(Debug, Clone, PartialEq)]
pub enum PairBreak {
    Phase,
    /// Different LAs where the scope is one LA at a time.
    OtherLa,
    /// Different LAs and one of the two has no coordinates.
    UnknownDistanceAcrossLa,
    Distance(f64),
    Trust(String),
    History(i32),
    Excluded(String),
    /// Both heads offered dates and none is common: school days each offered.
    NoCommonDate(u32, u32),
    /// One head offered no dates and `no_availability = "leave_out"`.
    NoAnswer(Urn),
}

impl PairBreak {
    /// A short name of the rule, for diagnoses.
    pub fn rule(&self) -> &'static str {
        match self {
            PairBreak::Phase => "phase",
            PairBreak::OtherLa => "local authority",
            PairBreak::UnknownDistanceAcrossLa => "unknown coordinates",
            PairBreak::Distance(_) => "travel",
            PairBreak::Trust(_) => "trust",
            PairBreak::History(_) => "history",
            PairBreak::Excluded(_) => "exclusion",
            PairBreak::NoCommonDate(..) => "availability",
            PairBreak::NoAnswer(_) => "no dates offered",
        }
    }

    pub fn describe(&self, a: &School, b: &School, max_km: f64) -> String {
        match self {
            PairBreak::Phase => format!(
                "{} ({}) and {} ({}) are of different phases",
                a.name, a.phase, b.name, b.phase
            ),
            PairBreak::OtherLa => format!(
                "{} ({}) and {} ({}) are in different local authorities",
                a.name, a.la_name, b.name, b.la_name
            ),
            PairBreak::UnknownDistanceAcrossLa => format!(
                "{} and {} are in different local authorities and one has no coordinates",
                a.name, b.name
            ),
            PairBreak::Distance(d) => format!(
                "{} and {} are {d:.1} km apart (most {max_km} km)",
                a.name, b.name
            ),
            PairBreak::Trust(t) => format!("{} and {} are both in {t}", a.name, b.name),
            PairBreak::History(y) => {
                format!("{} and {} shared a group in {y}", a.name, b.name)
            }
            PairBreak::Excluded(r) => {
                format!("{} and {} are not to be grouped: {r}", a.name, b.name)
            }
            PairBreak::NoCommonDate(n, m) => format!(
                "the heads of {} and {} share no available date (they offered {n} and {m} school days of the window)",
                a.name, b.name
            ),
            PairBreak::NoAnswer(u) => {
                let who = if *u == a.urn { a } else { b };
                format!(
                    "the head of {} ({u}) has offered no dates yet and no_availability = \"leave_out\"",
                    who.name
                )
            }
        }
    }
}

/// What a compatible pair contributes to a group's score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairCost {
    /// Straight-line km, or the rules' assumed distance where unknown.
    pub km: f64,
    pub known: bool,
    /// Points of the pair's non-travel terms (size, context, trust, dates).
    pub points: f64,
    pub size_gap_pct: f64,
    pub fsm_gap_pts: f64,
    pub same_trust: bool,
    /// School days both heads can come on, where both offered dates.
    pub common_dates: Option<u32>,
    /// Common dates short of `rules.common_dates_wanted` (0 where unknown).
    pub dates_short: u32,
    /// One head has offered dates and the other none yet.
    pub awaiting: bool,
}

fn key(a: Urn, b: Urn) -> (Urn, Urn) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

/// School days of the window, as bits by index into the calendar's days.
#[derive(Debug, Clone, Default)]
struct DaySet {
    bits: Vec<u64>,
}

impl DaySet {
    fn insert(&mut self, day: usize) {
        let (word, bit) = (day / 64, day % 64);
        if self.bits.len() <= word {
            self.bits.resize(word + 1, 0);
        }
        self.bits[word] |= 1 << bit;
    }

    fn len(&self) -> u32 {
        self.bits.iter().map(|w| w.count_ones()).sum()
    }

    fn common(&self, other: &DaySet) -> u32 {
        self.bits
            .iter()
            .zip(&other.bits)
            .map(|(a, b)| (a & b).count_ones())
            .sum()
    }
}

/// Per head who offered dates, the school days they can come on: offered,
/// inside the window and outside every blackout, their school's included.
/// Bit sets, because a national graph checks millions of pairs.
fn head_days(known: &KnownDates) -> HashMap<Urn, DaySet> {
    let days = Days::new(&known.calendar);
    let mut out = HashMap::new();
    for (person, offered) in &known.availability.people {
        let Person::Head(urn) = person else { continue };
        let off = days.school_off.get(urn);
        let mut set = DaySet::default();
        for day in offered.keys().filter_map(|d| days.index.get(d)) {
            if !off.is_some_and(|o| o.contains(day)) {
                set.insert(*day);
            }
        }
        // Kept even when empty: offering no usable date is not offering nothing.
        out.insert(*urn, set);
    }
    out
}

/// What a group's dating needs: the school days and, per head, the starts
/// they can come on (a head who offered nothing: every school day but
/// their school's blackouts, as if free, under `no_availability = "wait"`).
pub struct HeadDating {
    pub grid: std::sync::Arc<DayGrid>,
    starts: HashMap<Urn, Bits>,
    /// Heads who offered nothing.
    silent: HashSet<Urn>,
    /// Per adviser of the problem, the starts they can come on (none where
    /// they offered nothing: dating treats them as never available).
    advisers: HashMap<String, Bits>,
    presence: super::rules::AdviserPresence,
}

impl HeadDating {
    fn new(problem: &TriadProblem, known: &KnownDates) -> Option<HeadDating> {
        let days = Days::new(&known.calendar);
        let rules = DatingRules {
            review_days: problem.rules.review_days,
            ..problem.rules.dating
        };
        let grid = DayGrid::new(&days, rules)?;
        let mut starts = HashMap::new();
        let mut silent = HashSet::new();
        for s in &problem.schools {
            let free = match grid.free_days(&days, &known.availability, &Person::Head(s.urn)) {
                Some(b) => b,
                None => {
                    silent.insert(s.urn);
                    grid.all_days(&days, Some(s.urn))
                }
            };
            starts.insert(s.urn, grid.starts(&free));
        }
        let advisers = problem
            .advisers
            .iter()
            .map(|a| {
                let free = grid
                    .free_days(&days, &known.availability, &Person::Adviser(a.id.clone()))
                    .unwrap_or_default();
                (a.id.clone(), grid.starts(&free))
            })
            .collect();
        Some(HeadDating {
            grid: std::sync::Arc::new(grid),
            starts,
            silent,
            advisers,
            presence: problem.rules.adviser_presence,
        })
    }

    /// The starts the head can come on (every start where unknown).
    pub fn starts_of(&self, head: Urn) -> Bits {
        self.starts
            .get(&head)
            .copied()
            .unwrap_or_else(|| Bits::first(self.grid.days))
    }

    pub fn is_silent(&self, head: Urn) -> bool {
        self.silent.contains(&head)
    }

    /// The needs of a group's reviews, heads only, in rotation order.
    pub fn needs(&self, order: &[Urn]) -> Vec<Need> {
        let starts: Vec<Bits> = order.iter().map(|u| self.starts_of(*u)).collect();
        dating::rotation_needs(self.grid.days, &starts)
    }

    /// The most reviews of a group (rotation order) its heads can keep on
    /// the dates they have offered so far: a head who offered nothing
    /// cannot come on any (their group awaits dates).
    pub fn datable_now(&self, order: &[Urn]) -> usize {
        if order.iter().any(|u| self.is_silent(*u)) {
            return 0;
        }
        dating::max_dated(&self.grid, &self.needs(order))
    }

    /// Reviews of a group in rotation order its heads cannot all keep.
    pub fn undated(&self, order: &[Urn]) -> usize {
        order.len() - dating::max_dated(&self.grid, &self.needs(order))
    }

    /// The most reviews of a group (rotation order) that can be dated with
    /// the adviser present as `adviser_presence` asks: at every review, or
    /// at one (the best one for the dates; None: the adviser can come to
    /// none of a dating of that many). Returns (reviews dated, the review
    /// the adviser attends under "one_review").
    pub fn dated_with_adviser(&self, order: &[Urn], adviser: &str) -> (usize, Option<usize>) {
        let adv = self.advisers.get(adviser).copied().unwrap_or_default();
        let heads = self.needs(order);
        let with = |on: &dyn Fn(usize) -> bool| dating::with_adviser(&heads, &adv, on);
        match self.presence {
            super::rules::AdviserPresence::EveryReview => {
                (dating::max_dated(&self.grid, &with(&|_| true)), None)
            }
            super::rules::AdviserPresence::OneReview => {
                let mut best = (0, None);
                for r in 0..order.len() {
                    let n = dating::max_dated(&self.grid, &with(&|i| i == r));
                    if n > best.0 {
                        best = (n, Some(r));
                    }
                }
                best
            }
        }
    }

    /// Whether the adviser (`adviser`, their id; `who`, as the reason names
    /// them) can come on dates the group's heads can keep: with them the
    /// group dates as many reviews as its heads alone can.
    pub fn adviser_fits(&self, order: &[Urn], adviser: &str, who: &str) -> Result<(), String> {
        let heads = dating::max_dated(&self.grid, &self.needs(order));
        let (with, _) = self.dated_with_adviser(order, adviser);
        if with >= heads {
            return Ok(());
        }
        let presence = match self.presence {
            super::rules::AdviserPresence::EveryReview => "at every review",
            super::rules::AdviserPresence::OneReview => "at one review",
        };
        Err(format!(
            "{who} ({} usable days offered) would leave {with} of the {heads} reviews its heads can keep datable ({presence})",
            self.advisers.get(adviser).map_or(0, Bits::count)
        ))
    }
}

/// The pair rules of one problem, with history, exclusions and heads'
/// available days indexed.
pub struct PairRules<'a> {
    problem: &'a TriadProblem,
    history: HashMap<(Urn, Urn), i32>,
    excluded: HashMap<(Urn, Urn), String>,
    /// Only heads who offered dates; the others are unconstrained.
    days: HashMap<Urn, DaySet>,
    /// Where availability is known (and the window fits `dating::MAX_DAYS`).
    dating: Option<HeadDating>,
}

impl<'a> PairRules<'a> {
    pub fn new(problem: &'a TriadProblem) -> Self {
        let years = problem.rules.history_years as i32;
        let mut history = HashMap::new();
        for past in &problem.history {
            // With history_years = 2 in year Y, groups of Y-1 and Y-2 count.
            if years == 0 || past.year >= problem.year || past.year < problem.year - years {
                continue;
            }
            for (i, &a) in past.schools.iter().enumerate() {
                for &b in &past.schools[i + 1..] {
                    let e = history.entry(key(a, b)).or_insert(past.year);
                    *e = (*e).max(past.year);
                }
            }
        }
        let excluded = problem
            .exclusions
            .iter()
            .map(|x| (key(x.a, x.b), x.reason.clone()))
            .collect();
        let days = problem.availability.as_ref().map(head_days);
        let dating = problem
            .availability
            .as_ref()
            .and_then(|k| HeadDating::new(problem, k));
        PairRules {
            problem,
            history,
            excluded,
            days: days.unwrap_or_default(),
            dating,
        }
    }

    /// Heads' dates for scoring groups by their datable reviews.
    pub fn dating(&self) -> Option<&HeadDating> {
        self.dating.as_ref()
    }

    pub fn problem(&self) -> &'a TriadProblem {
        self.problem
    }

    /// Every hard rule a pair can break, the first one found.
    pub fn check(&self, a: &School, b: &School) -> Result<(), PairBreak> {
        let rules = &self.problem.rules;
        if a.phase_group() != b.phase_group() {
            return Err(PairBreak::Phase);
        }
        let same_la = a.la_code == b.la_code;
        if !same_la && self.problem.scope == Scope::PerLa {
            return Err(PairBreak::OtherLa);
        }
        match a.distance_km(b) {
            Some(d) if d > rules.max_distance_km + 1e-9 => return Err(PairBreak::Distance(d)),
            Some(_) => {}
            None if !same_la => return Err(PairBreak::UnknownDistanceAcrossLa),
            None => {}
        }
        if rules.trust == TrustRule::Forbid && a.same_trust(b) {
            return Err(PairBreak::Trust(a.trust.clone().unwrap_or_default()));
        }
        if let Some(reason) = self.excluded.get(&key(a.urn, b.urn)) {
            return Err(PairBreak::Excluded(reason.clone()));
        }
        if let Some(&y) = self.history.get(&key(a.urn, b.urn)) {
            return Err(PairBreak::History(y));
        }
        if rules.no_availability == NoAvailability::LeaveOut {
            if let Some(d) = &self.dating {
                for s in [a, b] {
                    if d.is_silent(s.urn) {
                        return Err(PairBreak::NoAnswer(s.urn));
                    }
                }
            }
        }
        // Last: the explanations apply the rules in this order.
        if self.common_dates(a.urn, b.urn) == Some(0) {
            let offered = |u| self.offered_days(u).unwrap_or(0);
            return Err(PairBreak::NoCommonDate(offered(a.urn), offered(b.urn)));
        }
        Ok(())
    }

    /// School days of the window both heads can come on, where both offered dates.
    pub fn common_dates(&self, a: Urn, b: Urn) -> Option<u32> {
        Some(self.days.get(&a)?.common(self.days.get(&b)?))
    }

    /// School days of the window the head can come on, where they offered dates.
    pub fn offered_days(&self, head: Urn) -> Option<u32> {
        self.days.get(&head).map(DaySet::len)
    }

    /// The soft terms of a pair; assumes `check` passed.
    pub fn cost(&self, a: &School, b: &School) -> PairCost {
        let rules = &self.problem.rules;
        let w = &rules.weights;
        let (km, known) = match a.distance_km(b) {
            Some(d) => (d, true),
            None => (rules.unknown_distance_km, false),
        };
        let size_gap_pct = match (a.pupils, b.pupils) {
            (Some(p), Some(q)) if p.max(q) > 0 => {
                (p as f64 - q as f64).abs() / p.max(q) as f64 * 100.0
            }
            _ => 0.0,
        };
        let fsm_gap_pts = match (a.fsm_percent, b.fsm_percent) {
            (Some(p), Some(q)) => (p - q).abs(),
            _ => 0.0,
        };
        let same_trust = rules.trust == TrustRule::Penalise && a.same_trust(b);
        let common_dates = self.common_dates(a.urn, b.urn);
        let dates_short = common_dates.map_or(0, |n| rules.common_dates_wanted.saturating_sub(n));
        let awaiting = self
            .dating
            .as_ref()
            .is_some_and(|d| d.is_silent(a.urn) != d.is_silent(b.urn));
        let points = w.size_gap_pct * size_gap_pct
            + w.fsm_gap_pts * fsm_gap_pts
            + if same_trust { w.same_trust } else { 0.0 }
            + w.few_common_dates * f64::from(dates_short)
            + if awaiting { w.awaiting_pair } else { 0.0 };
        PairCost {
            km,
            known,
            points,
            size_gap_pct,
            fsm_gap_pts,
            same_trust,
            common_dates,
            dates_short,
            awaiting,
        }
    }
}

/// Buckets schools by grid cell so that pairs within `max_km` are found
/// without comparing every school with every other.
pub fn pairs_within<'s>(
    schools: &[&'s School],
    max_km: f64,
) -> impl Fn(usize, &mut dyn FnMut(usize)) + 's
where
{
    let cell = (max_km * 1000.0).max(1.0);
    let mut grid: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    let mut by_la: HashMap<u16, Vec<usize>> = HashMap::new();
    let mut unlocated_by_la: HashMap<u16, Vec<usize>> = HashMap::new();
    let coords: Vec<Option<(i64, i64)>> = schools
        .iter()
        .map(|s| {
            s.location.map(|l| {
                (
                    (l.easting / cell).floor() as i64,
                    (l.northing / cell).floor() as i64,
                )
            })
        })
        .collect();
    for (i, s) in schools.iter().enumerate() {
        by_la.entry(s.la_code).or_default().push(i);
        match coords[i] {
            Some(c) => grid.entry(c).or_default().push(i),
            None => unlocated_by_la.entry(s.la_code).or_default().push(i),
        }
    }
    let las: Vec<u16> = schools.iter().map(|s| s.la_code).collect();
    move |i: usize, visit: &mut dyn FnMut(usize)| match coords[i] {
        Some((cx, cy)) => {
            for dx in -1..=1 {
                for dy in -1..=1 {
                    if let Some(v) = grid.get(&(cx + dx, cy + dy)) {
                        v.iter().for_each(|&j| visit(j));
                    }
                }
            }
            // Schools of its LA without coordinates are candidates too.
            if let Some(v) = unlocated_by_la.get(&las[i]) {
                v.iter().for_each(|&j| visit(j));
            }
        }
        None => {
            if let Some(v) = by_la.get(&las[i]) {
                v.iter().for_each(|&j| visit(j));
            }
        }
    }
}

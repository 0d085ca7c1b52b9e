//! Advisers whose dates decide which adviser a group can have. Where a
//! group's adviser shares no date with the heads for some review, another
//! eligible adviser with days (and budget) to spare who does takes over; a
//! group the adviser step left without one gets an adviser whose dates cost
//! none of the reviews the heads alone could have.
//!
//! Every change is made within every adviser rule of the grouping step (kind,
//! phase, conflicts, capacity, budget) and leaves the plan as that step would
//! have written it: the group's adviser terms and travel, its reason and
//! diagnosis line, the cost ledger and the adviser objective.

use std::collections::{BTreeMap, HashMap};

use super::instance::Instance;
use super::{review_heads, ScheduleProblem};
use crate::calendar::{Level, Person};
use crate::model::{Adviser, School, Urn};
use crate::triads::advisers::{
    adviser_can_serve, adviser_score, group_days, no_adviser_score, AdviserScore, GroupNeed,
};
use crate::triads::plan::{no_adviser_line, AdviserLoad, Triad};
use crate::triads::validate::{advisers_of, is_adviser_term, ledger_advisers, sorted};
use crate::triads::{AdviserPresence, Plan, TriadRules};

/// Slack on money comparisons, as in the adviser step.
const MONEY_EPS: f64 = 1e-6;

/// Re-assigns and gives advisers in group-id order; returns one note per change.
pub(crate) fn reassign(plan: &mut Plan, inst: &Instance, problem: &ScheduleProblem) -> Vec<String> {
    let rules = &problem.triad_rules;
    let needs = Needs::new(plan, problem);
    let mut pool = Pool::new(plan, &problem.advisers, rules);
    let mut notes = Vec::new();
    for ti in id_order(plan) {
        let t = &plan.triads[ti];
        // A pinned group's adviser may be the SIM's choice: kept.
        if t.pinned && t.adviser.is_some() {
            continue;
        }
        let Some(need) = needs.of(t) else {
            continue;
        };
        let dates = GroupDates::new(
            inst,
            t,
            problem.rules.min_days_between_group_reviews,
            rules.adviser_presence,
        );
        let Some((choice, note)) = choose(t, &need, &dates, &pool, rules) else {
            continue;
        };
        let days = group_days(t.schools.len(), rules);
        pool.take(t.adviser.as_deref(), choice.adviser, days);
        notes.push(note);
        apply(plan, ti, choice.adviser, choice.score, days);
    }
    if !notes.is_empty() {
        totals(plan);
    }
    notes
}

/// The plan's groups in id order, the order every adviser change goes in.
fn id_order(plan: &Plan) -> Vec<usize> {
    let mut order: Vec<usize> = (0..plan.triads.len()).collect();
    order.sort_by(|&a, &b| plan.triads[a].id.cmp(&plan.triads[b].id));
    order
}

/// What the adviser step knew of each group: its schools, last year's and
/// the published plan's advisers.
struct Needs<'p> {
    by_urn: HashMap<Urn, &'p School>,
    last_year: HashMap<Urn, Vec<String>>,
    previous: HashMap<Vec<Urn>, String>,
}

impl<'p> Needs<'p> {
    fn new(plan: &Plan, problem: &'p ScheduleProblem) -> Self {
        Needs {
            by_urn: problem.schools.iter().map(|s| (s.urn, s)).collect(),
            last_year: ledger_advisers(plan),
            previous: previous_advisers(problem.previous.as_ref()),
        }
    }

    /// None where a school of the group is not among the problem's.
    fn of(&self, t: &Triad) -> Option<GroupNeed<'p>> {
        let members = t
            .schools
            .iter()
            .map(|u| self.by_urn.get(u).copied())
            .collect::<Option<Vec<&School>>>()?;
        Some(GroupNeed {
            id: t.id.clone(),
            phase: t.phase,
            schools: members,
            last_year_advisers: advisers_of(&self.last_year, &t.schools),
            pinned_adviser: None,
            previous_adviser: previous_adviser(t, &self.previous),
        })
    }
}

/// After dating, under "every_review": gives a group without an adviser
/// one who can come on every date its reviews were given, with days to
/// spare in each of those half-terms and on none of those days at another
/// review, within every adviser rule of the grouping step; the dates stay
/// as they are. Only groups whose reviews are all dated: an adviser asked
/// to every review must be free for the ones still to be dated too, which
/// is not known. Adds the adviser to those reviews; returns one note per
/// group given one.
pub(crate) fn give_on_dates(
    plan: &mut Plan,
    inst: &mut Instance,
    choice: &[Option<usize>],
    problem: &ScheduleProblem,
    cap: u32,
) -> Vec<String> {
    let rules = &problem.triad_rules;
    if rules.adviser_presence != AdviserPresence::EveryReview || problem.advisers.is_empty() {
        return Vec::new();
    }
    // Who is at a review on each day, and review days per half-term.
    let mut busy: std::collections::HashSet<(Person, usize)> = Default::default();
    let mut load: HashMap<(Person, usize), u32> = HashMap::new();
    let mut of_group: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
    let mut with_undated: std::collections::HashSet<usize> = Default::default();
    for (i, (item, c)) in inst.items.iter().zip(choice).enumerate() {
        match c {
            Some(si) => {
                let day = item.starts[*si].day;
                for d in day..day + item.len {
                    for p in &item.people {
                        busy.insert((p.clone(), d));
                        *load.entry((p.clone(), inst.days.period[d])).or_default() += 1;
                    }
                }
                of_group.entry(item.triad).or_default().push((i, day));
            }
            None => {
                with_undated.insert(item.triad);
            }
        }
    }
    let needs = Needs::new(plan, problem);
    let mut pool = Pool::new(plan, &problem.advisers, rules);
    let mut notes = Vec::new();
    for ti in id_order(plan) {
        let t = &plan.triads[ti];
        let Some(dated) = of_group.get(&ti) else {
            continue;
        };
        if t.adviser.is_some() || with_undated.contains(&ti) {
            continue;
        }
        let Some(need) = needs.of(t) else {
            continue;
        };
        let days = group_days(t.schools.len(), rules);
        let comes = |a: &Adviser| {
            let who = Person::Adviser(a.id.clone());
            let mut extra: HashMap<usize, u32> = HashMap::new();
            dated.iter().all(|&(i, day)| {
                (day..day + inst.items[i].len).all(|d| {
                    *extra.entry(inst.days.period[d]).or_default() += 1;
                    inst.level(&who, d).is_some() && !busy.contains(&(who.clone(), d))
                })
            }) && extra.iter().all(|(period, n)| {
                load.get(&(who.clone(), *period)).copied().unwrap_or(0) + n <= cap
            })
        };
        let best = pool
            .roster
            .iter()
            .filter(|a| {
                adviser_can_serve(a, t.phase, &need.schools, rules).is_ok()
                    && pool.fits(a, days, None)
                    && comes(a)
            })
            .map(|a| {
                let score = adviser_score(a, &need, rules);
                let points: f64 = score.score.values().sum();
                (*a, score, points)
            })
            // The adviser step's own trade-off: an adviser only where
            // they score better than none.
            .filter(|(_, _, points)| *points < rules.weights.no_adviser)
            .min_by(|x, y| x.2.total_cmp(&y.2).then_with(|| x.0.id.cmp(&y.0.id)));
        let Some((adviser, score, _)) = best else {
            continue;
        };
        let who = Person::Adviser(adviser.id.clone());
        for &(i, day) in dated {
            let span = day..day + inst.items[i].len;
            let preferred = span
                .clone()
                .filter(|&d| inst.level(&who, d) == Some(Level::Preferred))
                .count() as u32;
            for d in span.clone() {
                busy.insert((who.clone(), d));
                *load.entry((who.clone(), inst.days.period[d])).or_default() += 1;
            }
            let item = &mut inst.items[i];
            if let Some(s) = choice[i].and_then(|si| item.starts.get_mut(si)) {
                s.preferred += preferred;
                s.possible += span.len() as u32 - preferred;
            }
            item.people.push(who.clone());
            item.adviser_absent = None;
        }
        notes.push(format!(
            "group {}: adviser {} given to the group, which had none: they can come on every date its reviews were given",
            t.id, adviser.id
        ));
        pool.take(None, adviser, days);
        apply(plan, ti, adviser, score, days);
    }
    if !notes.is_empty() {
        totals(plan);
    }
    notes
}

/// An adviser a group could have instead, and how well their dates fit.
struct Choice<'a> {
    adviser: &'a Adviser,
    coverage: Coverage,
    score: AdviserScore,
    points: f64,
}

/// The most reviews of a group that can be dated together with a given
/// adviser, and the number of feasible starts over its reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Coverage {
    dated: usize,
    starts: usize,
}

/// The adviser the group should have instead of its own (or of none), with
/// the note saying why; `None` where it keeps what it has.
fn choose<'a>(
    t: &Triad,
    need: &GroupNeed,
    dates: &GroupDates,
    pool: &Pool<'a>,
    rules: &TriadRules,
) -> Option<(Choice<'a>, String)> {
    let reviews = t.reviews.len();
    match t.adviser.as_deref() {
        Some(current) => {
            let mine = dates.coverage(Some(current));
            if mine.dated == reviews {
                return None;
            }
            let best = best(t, need, dates, pool, rules, |c| c.dated > mine.dated)?;
            let note = format!(
                "group {}: adviser {current} replaced by {}: {current} shares a date with the heads for {} of {reviews} reviews, {} for {}",
                t.id, best.adviser.id, mine.dated, best.adviser.id, best.coverage.dated
            );
            Some((best, note))
        }
        None => {
            // An adviser must cost none of the reviews the heads could have.
            let heads = dates.coverage(None);
            if heads.dated == 0 {
                return None;
            }
            let best = best(t, need, dates, pool, rules, |c| c.dated == heads.dated)?;
            // The adviser step's own trade-off: an adviser only where they
            // score better than none.
            if best.points >= rules.weights.no_adviser {
                return None;
            }
            let note = format!(
                "group {}: adviser {} given to the group, which had none: {} shares a date with the heads for {} of {reviews} reviews, as many as the heads alone",
                t.id, best.adviser.id, best.adviser.id, best.coverage.dated
            );
            Some((best, note))
        }
    }
}

/// The eligible adviser with room whose dates pass `enough`: most reviews
/// dated, then fewest points (the adviser step's objective), then most
/// starts, then lowest id.
fn best<'a>(
    t: &Triad,
    need: &GroupNeed,
    dates: &GroupDates,
    pool: &Pool<'a>,
    rules: &TriadRules,
    enough: impl Fn(Coverage) -> bool,
) -> Option<Choice<'a>> {
    let days = group_days(t.schools.len(), rules);
    let current = t.adviser.as_deref();
    let mut best: Option<Choice<'a>> = None;
    for &a in &pool.roster {
        if Some(a.id.as_str()) == current
            || adviser_can_serve(a, t.phase, &need.schools, rules).is_err()
            || !pool.fits(a, days, current)
        {
            continue;
        }
        let c = dates.coverage(Some(&a.id));
        if !enough(c) {
            continue;
        }
        let score = adviser_score(a, need, rules);
        let points: f64 = score.score.values().sum();
        let better = best.as_ref().is_none_or(|b| {
            c.dated > b.coverage.dated
                || (c.dated == b.coverage.dated
                    && (points < b.points - 1e-9
                        || ((points - b.points).abs() <= 1e-9 && c.starts > b.coverage.starts)))
        });
        if better {
            best = Some(Choice {
                adviser: a,
                coverage: c,
                score,
                points,
            });
        }
    }
    best
}

/// One group's reviews against the calendar: the starts its heads can all
/// make, found once, then narrowed per adviser tried.
struct GroupDates<'a, 'i> {
    inst: &'a Instance<'i>,
    /// Per review, the start days on which all its heads can come, ascending.
    heads: Vec<Vec<usize>>,
    lens: Vec<usize>,
    /// Fewest calendar days between two starts of the group.
    gap: i64,
    /// Which reviews the adviser attends.
    presence: AdviserPresence,
}

impl<'a, 'i> GroupDates<'a, 'i> {
    fn new(inst: &'a Instance<'i>, t: &Triad, gap: u32, presence: AdviserPresence) -> Self {
        let mut heads = Vec::new();
        let mut lens = Vec::new();
        for r in &t.reviews {
            let people: Vec<Person> = review_heads(r.host, &r.reviewers)
                .into_iter()
                .map(Person::Head)
                .collect();
            let len = r.days.max(1) as usize;
            heads.push(
                inst.starts(&people, len, None)
                    .iter()
                    .map(|s| s.day)
                    .collect(),
            );
            lens.push(len);
        }
        GroupDates {
            inst,
            heads,
            lens,
            gap: i64::from(gap),
            presence,
        }
    }

    /// How well the reviews fit the dates with this adviser (or none): at
    /// every review, or under "one_review" at the one that fits best.
    fn coverage(&self, adviser: Option<&str>) -> Coverage {
        let Some(a) = adviser else {
            return Coverage {
                dated: self.most_together(&self.heads, None, 0),
                starts: self.heads.iter().map(Vec::len).sum(),
            };
        };
        let who = Person::Adviser(a.to_string());
        let comes = |s: usize, len: usize| (s..s + len).all(|d| self.inst.level(&who, d).is_some());
        let with = |at: &dyn Fn(usize) -> bool| -> Coverage {
            let starts: Vec<Vec<usize>> = self
                .heads
                .iter()
                .zip(&self.lens)
                .enumerate()
                .map(|(ri, (v, &len))| {
                    v.iter()
                        .copied()
                        .filter(|&s| !at(ri) || comes(s, len))
                        .collect()
                })
                .collect();
            Coverage {
                dated: self.most_together(&starts, None, 0),
                starts: starts.iter().map(Vec::len).sum(),
            }
        };
        match self.presence {
            AdviserPresence::EveryReview => with(&|_| true),
            AdviserPresence::OneReview => (0..self.heads.len())
                .map(|r| with(&|ri| ri == r))
                .max()
                .unwrap_or(Coverage {
                    dated: 0,
                    starts: 0,
                }),
        }
    }

    /// The most reviews of the group that can be dated together after `last`
    /// (start day and review), among those not in `used`: on feasible starts,
    /// never overlapping (any two share people) and the group's spacing
    /// apart. Each review counted on its own would let one date an adviser
    /// offers "cover" all three. For a fixed order in time the earliest
    /// start that fits is always best, so trying every next review at its
    /// earliest start is exact; a group has at most four reviews. Other
    /// groups' dates and the burden rule are left to the model.
    fn most_together(
        &self,
        starts: &[Vec<usize>],
        last: Option<(usize, usize)>,
        used: u32,
    ) -> usize {
        let days = &self.inst.days.days;
        let mut best = 0;
        for (r, list) in starts.iter().enumerate() {
            if used & (1 << r) != 0 {
                continue;
            }
            let next = list.iter().copied().find(|&s| match last {
                None => true,
                Some((d, q)) => s >= d + self.lens[q] && (days[s] - days[d]).num_days() >= self.gap,
            });
            if let Some(s) = next {
                best = best.max(1 + self.most_together(starts, Some((s, r)), used | 1 << r));
            }
        }
        best
    }
}

/// Lets the advisers of the `released` groups (plan indices) go, as the
/// model chose: each such group's reviews are dated on its heads' dates
/// alone. Writes the group's reason, adviser terms and diagnosis line and
/// the cost ledger as the adviser step would for a group without one.
/// Returns, per released group, why its reviews have no adviser.
pub(crate) fn release(
    plan: &mut Plan,
    problem: &ScheduleProblem,
    released: &[usize],
    dated: &dyn Fn(usize) -> usize,
) -> HashMap<usize, String> {
    let rules = &problem.triad_rules;
    let mut absent = HashMap::new();
    for &ti in released {
        let t = &mut plan.triads[ti];
        let Some(from) = t.adviser.take() else {
            continue;
        };
        let who = problem
            .advisers
            .iter()
            .find(|a| a.id == from && !a.name.trim().is_empty())
            .map_or_else(|| from.clone(), |a| a.name.clone());
        let why = format!(
            "{who} could not come on enough of the dates the group's heads can keep, alongside their other groups' reviews, so {} of its {} reviews are dated without an adviser",
            dated(ti),
            t.reviews.len()
        );
        let line = no_adviser_line(&t.id, &why);
        plan.diagnosis.push(line.clone());
        absent.insert(ti, line);
        t.adviser_reason = Some(why);
        t.score.retain(|k, _| !is_adviser_term(k));
        t.score.extend(no_adviser_score(rules));
        t.metrics.adviser_travel_km = None;
        let days = group_days(t.schools.len(), rules);
        let id = t.id.clone();
        hand_back(&mut plan.cost.advisers, &from, &id, days);
    }
    if !absent.is_empty() {
        totals(plan);
    }
    absent
}

/// The cost ledger's total and the adviser objective, from the groups.
fn totals(plan: &mut Plan) {
    plan.cost.total = plan.cost.advisers.iter().map(|l| l.cost).sum();
    plan.stats.adviser_objective = plan
        .triads
        .iter()
        .flat_map(|t| t.score.iter())
        .filter(|(k, _)| is_adviser_term(k))
        .map(|(_, v)| v)
        .sum();
}

/// Writes the new adviser into the group, its score and the cost ledger.
fn apply(plan: &mut Plan, ti: usize, to: &Adviser, score: AdviserScore, days: u32) {
    let t = &mut plan.triads[ti];
    let from = t.adviser.replace(to.id.clone());
    if let Some(reason) = t.adviser_reason.take() {
        let line = no_adviser_line(&t.id, &reason);
        plan.diagnosis.retain(|d| *d != line);
    }
    t.score.retain(|k, _| !is_adviser_term(k));
    t.score.extend(score.score);
    t.metrics.adviser_travel_km = score.travel_km;
    let group = t.id.clone();
    let loads = &mut plan.cost.advisers;
    if let Some(from) = from {
        hand_back(loads, &from, &group, days);
    }
    let at = match loads.iter().position(|l| l.id == to.id) {
        Some(i) => i,
        None => {
            // The ledger lists the advisers the grouping step knew; a new one
            // joins it in id order.
            let i = loads.partition_point(|l| l.id < to.id);
            loads.insert(i, empty_load(to));
            i
        }
    };
    let l = &mut loads[at];
    l.groups.push(group);
    l.groups.sort();
    l.days += days;
    l.cost = l.day_rate * f64::from(l.days);
}

/// Takes `group` and its days off the adviser's ledger line.
fn hand_back(loads: &mut [AdviserLoad], adviser: &str, group: &str, days: u32) {
    if let Some(l) = loads.iter_mut().find(|l| l.id == adviser) {
        l.groups.retain(|g| g != group);
        l.days = l.days.saturating_sub(days);
        l.cost = l.day_rate * f64::from(l.days);
    }
}

fn empty_load(a: &Adviser) -> AdviserLoad {
    AdviserLoad {
        id: a.id.clone(),
        groups: Vec::new(),
        days: 0,
        capacity_days: a.capacity_days,
        day_rate: a.day_rate,
        cost: 0.0,
        advised_last_year: Vec::new(),
    }
}

/// The advisers, their days taken and the council's money spent.
struct Pool<'a> {
    /// By id, the first listed of an id kept (as the adviser step does).
    roster: Vec<&'a Adviser>,
    load: BTreeMap<String, u32>,
    rate: HashMap<String, f64>,
    spent: f64,
    budget: f64,
}

impl<'a> Pool<'a> {
    fn new(plan: &Plan, advisers: &'a [Adviser], rules: &TriadRules) -> Self {
        let mut roster: Vec<&Adviser> = advisers.iter().collect();
        roster.sort_by(|a, b| a.id.cmp(&b.id));
        roster.dedup_by(|later, kept| later.id == kept.id);
        // Rates of advisers the list no longer has come from the ledger.
        let mut rate: HashMap<String, f64> = plan
            .cost
            .advisers
            .iter()
            .map(|l| (l.id.clone(), l.day_rate))
            .collect();
        rate.extend(roster.iter().map(|a| (a.id.clone(), a.day_rate)));
        let mut pool = Pool {
            roster,
            load: BTreeMap::new(),
            rate,
            spent: 0.0,
            budget: rules.adviser_budget,
        };
        for t in &plan.triads {
            if let Some(a) = &t.adviser {
                let days = group_days(t.schools.len(), rules);
                *pool.load.entry(a.clone()).or_default() += days;
                pool.spent += pool.rate_of(a) * f64::from(days);
            }
        }
        pool
    }

    fn rate_of(&self, id: &str) -> f64 {
        self.rate.get(id).copied().unwrap_or(0.0)
    }

    /// Whether `a` has the days and the budget the money for a group of
    /// `days`, once the group's current adviser (if any) hands it over.
    fn fits(&self, a: &Adviser, days: u32, current: Option<&str>) -> bool {
        let freed = current.map_or(0.0, |c| self.rate_of(c) * f64::from(days));
        let used = self.load.get(&a.id).copied().unwrap_or(0);
        used + days <= a.capacity_days
            && self.spent - freed + a.day_rate * f64::from(days) <= self.budget + MONEY_EPS
    }

    fn take(&mut self, from: Option<&str>, to: &Adviser, days: u32) {
        if let Some(from) = from {
            let l = self.load.entry(from.to_string()).or_default();
            *l = l.saturating_sub(days);
            self.spent -= self.rate_of(from) * f64::from(days);
        }
        *self.load.entry(to.id.clone()).or_default() += days;
        self.spent += to.day_rate * f64::from(days);
    }
}

/// The published plan's adviser of each group, by its sorted schools.
fn previous_advisers(previous: Option<&Plan>) -> HashMap<Vec<Urn>, String> {
    previous
        .map(|p| p.triads.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|t| Some((sorted(&t.schools), t.adviser.clone()?)))
        .collect()
}

/// The adviser the group had in the published plan: its own where its score
/// says so (the grouping step knew), else the one the scheduler's previous
/// plan names.
fn previous_adviser(t: &Triad, previous: &HashMap<Vec<Urn>, String>) -> Option<String> {
    if t.score.contains_key("adviser_previous") {
        return t.adviser.clone();
    }
    previous.get(&sorted(&t.schools)).cloned()
}

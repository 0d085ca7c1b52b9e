//! The one check of a plan against every rule. Tests and the command line
//! both run it; a plan that fails it is never written.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use super::advisers::{adviser_can_serve, adviser_score, group_days, no_adviser_score, GroupNeed};
use super::compat::PairRules;
use super::plan::{Plan, Triad};
use super::problem::TriadProblem;
use crate::model::{School, Urn};

#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub rule: &'static str,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.rule, self.message)
    }
}

/// Score terms that belong to the adviser step rather than the grouping.
pub fn is_adviser_term(term: &str) -> bool {
    term.starts_with("adviser_") || term == "no_adviser"
}

pub fn grouping_score(t: &Triad) -> f64 {
    t.score
        .iter()
        .filter(|(k, _)| !is_adviser_term(k))
        .map(|(_, v)| v)
        .sum()
}

struct Check<'a> {
    problem: &'a TriadProblem,
    rules: PairRules<'a>,
    schools: HashMap<Urn, &'a School>,
    out: Vec<Violation>,
}

impl Check<'_> {
    fn fail(&mut self, rule: &'static str, message: String) {
        self.out.push(Violation { rule, message });
    }
}

pub fn validate(plan: &Plan, problem: &TriadProblem) -> Vec<Violation> {
    let mut c = Check {
        problem,
        rules: PairRules::new(problem),
        schools: problem.schools.iter().map(|s| (s.urn, s)).collect(),
        out: Vec::new(),
    };
    membership(&mut c, plan);
    for t in &plan.triads {
        group_rules(&mut c, t);
        reciprocity(&mut c, t);
    }
    pins(&mut c, plan);
    ledger(&mut c, plan);
    advisers(&mut c, plan);
    adviser_ledger(&mut c, plan);
    adviser_terms(&mut c, plan);
    stats(&mut c, plan);
    c.out
}

fn membership(c: &mut Check, plan: &Plan) {
    let mut seen: HashSet<Urn> = HashSet::new();
    let placed = plan.triads.iter().flat_map(|t| t.schools.iter());
    let left = plan.unplaced.iter().map(|u| &u.urn);
    for u in placed.chain(left) {
        if !c.schools.contains_key(u) {
            c.fail("membership", format!("school {u} is not in the input"));
        } else if c.problem.opted_out.contains(u) {
            c.fail(
                "membership",
                format!("school {u} opted out but appears in the plan"),
            );
        }
        if !seen.insert(*u) {
            c.fail(
                "membership",
                format!("school {u} appears twice in the plan"),
            );
        }
    }
    for s in &c.problem.schools {
        if !c.problem.opted_out.contains(&s.urn) && !seen.contains(&s.urn) {
            c.fail(
                "membership",
                format!("school {} is neither placed nor listed as unplaced", s.urn),
            );
        }
    }
}

fn group_rules(c: &mut Check, t: &Triad) {
    let max = if c.problem.rules.allow_groups_of_four {
        4
    } else {
        3
    };
    if t.schools.len() < 3 || t.schools.len() > max {
        c.fail(
            "group size",
            format!("group {} has {} schools", t.id, t.schools.len()),
        );
    }
    let members: Vec<&School> = t
        .schools
        .iter()
        .filter_map(|u| c.schools.get(u).copied())
        .collect();
    undated_term(c, t);
    if t.pinned {
        return;
    }
    let max_km = c.problem.rules.max_distance_km;
    for (i, a) in members.iter().enumerate() {
        if a.phase_group() != t.phase {
            c.fail(
                "phase",
                format!(
                    "group {} is {} but holds {} ({})",
                    t.id, t.phase, a.name, a.phase
                ),
            );
        }
        for b in &members[i + 1..] {
            if let Err(broken) = c.rules.check(a, b) {
                let msg = format!("group {}: {}", t.id, broken.describe(a, b, max_km));
                c.fail(broken.rule(), msg);
            }
        }
    }
}

/// The group's "undated_reviews" term is its heads' undatable reviews, for
/// its rotation, at `weights.undated_review` each; its "awaiting_dates"
/// term its pairs of a head who offered dates and one who has not, at
/// `weights.awaiting_pair` each. Checked where the
/// problem holds heads' dates (the scheduler checks groups without them).
fn undated_term(c: &mut Check, t: &Triad) {
    let Some(d) = c.rules.dating() else {
        return;
    };
    if !(3..=4).contains(&t.schools.len()) {
        return;
    }
    let undated = d.undated(&t.schools);
    let silent = t.schools.iter().filter(|u| d.is_silent(**u)).count();
    let pairs = silent * (t.schools.len() - silent);
    let w = &c.problem.rules.weights;
    let terms = [
        ("undated_reviews", undated as f64 * w.undated_review),
        ("awaiting_dates", pairs as f64 * w.awaiting_pair),
    ];
    for (term, expected) in terms {
        let got = t.score.get(term).copied().unwrap_or(0.0);
        if (got - expected).abs() > 1e-6 {
            c.fail(
                "undated reviews",
                format!("group {}: {term} term {got}, expected {expected}", t.id),
            );
        }
    }
}

fn reciprocity(c: &mut Check, t: &Triad) {
    let k = t.schools.len();
    let in_group: HashSet<Urn> = t.schools.iter().copied().collect();
    if t.reviews.len() != k {
        c.fail(
            "reciprocity",
            format!(
                "group {} has {} reviews for {k} schools",
                t.id,
                t.reviews.len()
            ),
        );
        return;
    }
    let mut visits: HashMap<Urn, u32> = HashMap::new();
    let mut leads: HashMap<Urn, u32> = HashMap::new();
    for (i, host) in t.schools.iter().enumerate() {
        let Some(r) = t.reviews.iter().find(|r| r.host == *host) else {
            c.fail(
                "reciprocity",
                format!("group {}: school {host} is never reviewed", t.id),
            );
            continue;
        };
        let next = t.schools[(i + 1) % k];
        if r.lead != next {
            c.fail(
                "rotation",
                format!(
                    "group {}: the review at {host} is led by {} instead of {next}",
                    t.id, r.lead
                ),
            );
        }
        let distinct: HashSet<&Urn> = r.reviewers.iter().collect();
        if r.reviewers.len() != 2
            || distinct.len() != 2
            || r.reviewers.first() != Some(&r.lead)
            || r.reviewers.contains(host)
            || !r.reviewers.iter().all(|u| in_group.contains(u))
        {
            c.fail("reciprocity", format!("group {}: the review at {host} must have two other heads of the group, the lead first", t.id));
        }
        if r.days != c.problem.rules.review_days {
            c.fail(
                "reciprocity",
                format!(
                    "group {}: the review at {host} lasts {} days, not {}",
                    t.id, r.days, c.problem.rules.review_days
                ),
            );
        }
        for u in &r.reviewers {
            *visits.entry(*u).or_default() += 1;
        }
        *leads.entry(r.lead).or_default() += 1;
    }
    for u in &t.schools {
        let (v, l) = (
            visits.get(u).copied().unwrap_or(0),
            leads.get(u).copied().unwrap_or(0),
        );
        if v != 2 || l != 1 {
            c.fail(
                "reciprocity",
                format!(
                    "group {}: head of {u} visits {v} reviews and leads {l} (must be 2 and 1)",
                    t.id
                ),
            );
        }
    }
}

fn pins(c: &mut Check, plan: &Plan) {
    for pin in &c.problem.pins {
        let want: HashSet<Urn> = pin.schools.iter().copied().collect();
        let found = plan
            .triads
            .iter()
            .any(|t| t.pinned && t.schools.iter().copied().collect::<HashSet<_>>() == want);
        if !found {
            let list: Vec<String> = pin.schools.iter().map(|u| u.to_string()).collect();
            c.fail(
                "pin",
                format!(
                    "pinned group {} is not in the plan as pinned",
                    list.join(", ")
                ),
            );
        }
    }
}

fn ledger(c: &mut Check, plan: &Plan) {
    let mut given: HashMap<Urn, u32> = HashMap::new();
    let mut received: HashMap<Urn, u32> = HashMap::new();
    for r in plan.triads.iter().flat_map(|t| t.reviews.iter()) {
        *received.entry(r.host).or_default() += r.days * r.reviewers.len() as u32;
        for u in &r.reviewers {
            *given.entry(*u).or_default() += r.days;
        }
    }
    for e in &plan.ledger {
        let (g, r) = (
            given.get(&e.urn).copied().unwrap_or(0),
            received.get(&e.urn).copied().unwrap_or(0),
        );
        if e.days_given != g || e.days_received != r || g != r {
            c.fail(
                "reciprocity",
                format!(
                    "ledger of {}: gives {} and receives {} (reviews say {g} and {r})",
                    e.urn, e.days_given, e.days_received
                ),
            );
        }
    }
    let placed: usize = plan.triads.iter().map(|t| t.schools.len()).sum();
    if plan.ledger.len() != placed {
        c.fail(
            "reciprocity",
            format!(
                "ledger has {} schools, the plan places {placed}",
                plan.ledger.len()
            ),
        );
    }
}

fn advisers(c: &mut Check, plan: &Plan) {
    let by_id: HashMap<&str, _> = c
        .problem
        .advisers
        .iter()
        .map(|a| (a.id.as_str(), a))
        .collect();
    let mut days: HashMap<&str, u32> = HashMap::new();
    let mut cost = 0.0;
    for t in &plan.triads {
        let Some(id) = t.adviser.as_deref() else {
            continue;
        };
        let Some(adviser) = by_id.get(id) else {
            c.fail(
                "adviser",
                format!("group {}: adviser {id} is not in the input", t.id),
            );
            continue;
        };
        let members: Vec<&School> = t
            .schools
            .iter()
            .filter_map(|u| c.schools.get(u).copied())
            .collect();
        if let Err(e) = adviser_can_serve(adviser, t.phase, &members, &c.problem.rules) {
            c.fail("adviser", format!("group {}: {e}", t.id));
        }
        let d = group_days(t.schools.len(), &c.problem.rules);
        *days.entry(id).or_default() += d;
        cost += adviser.day_rate * d as f64;
    }
    for (id, d) in &days {
        if let Some(a) = by_id.get(id) {
            if *d > a.capacity_days {
                c.fail(
                    "adviser capacity",
                    format!("{id} gives {d} days, capacity {}", a.capacity_days),
                );
            }
        }
    }
    if (cost - plan.cost.total).abs() > 1e-6 {
        c.fail(
            "cost",
            format!(
                "the cost ledger says £{:.2}, the groups cost £{cost:.2}",
                plan.cost.total
            ),
        );
    }
    if cost > c.problem.rules.adviser_budget + 1e-6 {
        c.fail(
            "cost",
            format!(
                "advisers cost £{cost:.2}, the budget is £{:.2}",
                c.problem.rules.adviser_budget
            ),
        );
    }
}

/// Every adviser's line of the cost ledger agrees with the groups they advise.
fn adviser_ledger(c: &mut Check, plan: &Plan) {
    let mut expected: HashMap<&str, (Vec<&str>, u32)> = HashMap::new();
    for t in &plan.triads {
        if let Some(id) = t.adviser.as_deref() {
            let e = expected.entry(id).or_default();
            e.0.push(&t.id);
            e.1 += group_days(t.schools.len(), &c.problem.rules);
        }
    }
    let mut listed: HashSet<&str> = HashSet::new();
    for l in &plan.cost.advisers {
        listed.insert(&l.id);
        let (mut groups, days) = expected.remove(l.id.as_str()).unwrap_or_default();
        groups.sort_unstable();
        let mut said: Vec<&str> = l.groups.iter().map(String::as_str).collect();
        said.sort_unstable();
        let cost = l.day_rate * f64::from(days);
        if said != groups || l.days != days || (l.cost - cost).abs() > 1e-6 {
            c.fail(
                "cost",
                format!(
                    "the ledger gives {} groups [{}], {} days, £{:.2}; the plan gives them [{}], {days} days, £{cost:.2}",
                    l.id,
                    said.join(", "),
                    l.days,
                    l.cost,
                    groups.join(", ")
                ),
            );
        }
    }
    let mut missing: Vec<&str> = expected
        .into_keys()
        .filter(|id| !listed.contains(id))
        .collect();
    missing.sort_unstable();
    for id in missing {
        c.fail(
            "cost",
            format!("adviser {id} advises groups but has no line in the ledger"),
        );
    }
}

/// Each group's adviser terms are the ones the adviser step gives its
/// adviser (or its lack of one), so that a plan whose adviser changed after
/// the step (the scheduler re-assigns) cannot keep stale points.
fn adviser_terms(c: &mut Check, plan: &Plan) {
    let rules = &c.problem.rules;
    let mut by_id: HashMap<&str, &crate::model::Adviser> = HashMap::new();
    for a in &c.problem.advisers {
        by_id.entry(a.id.as_str()).or_insert(a);
    }
    let continuity = last_year_advisers(c, plan);
    let previous: Option<HashMap<Vec<Urn>, &str>> = c.problem.previous.as_ref().map(|p| {
        p.triads
            .iter()
            .filter_map(|t| Some((sorted(&t.schools), t.adviser.as_deref()?)))
            .collect()
    });
    let mut total = 0.0;
    for t in &plan.triads {
        let got: BTreeMap<&str, f64> = t
            .score
            .iter()
            .filter(|(k, _)| is_adviser_term(k))
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        total += got.values().sum::<f64>();
        let (mut want, km) = match t.adviser.as_deref() {
            None => (no_adviser_score(rules), None),
            Some(id) => {
                let Some(adviser) = by_id.get(id) else {
                    continue;
                };
                let schools: Vec<&School> = t
                    .schools
                    .iter()
                    .filter_map(|u| c.schools.get(u).copied())
                    .collect();
                let need = GroupNeed {
                    id: t.id.clone(),
                    phase: t.phase,
                    schools,
                    last_year_advisers: continuity
                        .as_ref()
                        .map_or_else(Vec::new, |m| advisers_of(m, &t.schools)),
                    pinned_adviser: None,
                    previous_adviser: previous
                        .as_ref()
                        .and_then(|m| m.get(&sorted(&t.schools)))
                        .map(|a| a.to_string()),
                };
                let s = adviser_score(adviser, &need, rules);
                (s.score, s.travel_km)
            }
        };
        // Without history in the problem or the ledger, or without the
        // previous plan, these two cannot be recomputed; their size can.
        let unknown = [
            (
                "adviser_continuity",
                continuity.is_none(),
                -rules.weights.adviser_continuity,
            ),
            (
                "adviser_previous",
                previous.is_none(),
                -rules.weights.keep_previous / 4.0,
            ),
        ];
        for (term, is_unknown, value) in unknown {
            if is_unknown && got.contains_key(term) {
                want.insert(term.to_string(), value);
            }
        }
        let want: BTreeMap<&str, f64> = want.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let same = want.len() == got.len()
            && want
                .iter()
                .all(|(k, v)| got.get(k).is_some_and(|g| (g - v).abs() <= 1e-6));
        if !same {
            c.fail(
                "adviser score",
                format!("group {}: adviser terms {got:?}, expected {want:?}", t.id),
            );
        }
        let km_same = match (km, t.metrics.adviser_travel_km) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-6,
            (a, b) => a.is_none() && b.is_none(),
        };
        if !km_same {
            c.fail(
                "adviser score",
                format!(
                    "group {}: adviser travel {:?} km, expected {km:?}",
                    t.id, t.metrics.adviser_travel_km
                ),
            );
        }
    }
    let said = plan.stats.adviser_objective;
    if (total - said).abs() > 1e-6 * total.abs().max(1.0) {
        c.fail(
            "stats",
            format!("adviser objective {said} but the groups' adviser terms add to {total}"),
        );
    }
}

/// Per school, the advisers who advised it last year: from the problem's
/// history where it has any, else from the plan's ledger; `None` where
/// neither says anything.
fn last_year_advisers(c: &Check, plan: &Plan) -> Option<HashMap<Urn, Vec<String>>> {
    let mut out: HashMap<Urn, Vec<String>> = HashMap::new();
    if !c.problem.history.is_empty() {
        let year = c.problem.year - 1;
        for past in c.problem.history.iter().filter(|p| p.year == year) {
            let Some(a) = &past.adviser else { continue };
            for u in &past.schools {
                out.entry(*u).or_default().push(a.clone());
            }
        }
        return Some(out);
    }
    let out = ledger_advisers(plan);
    (!out.is_empty()).then_some(out)
}

/// Per school, the advisers the plan's ledger says advised it last year.
pub(crate) fn ledger_advisers(plan: &Plan) -> HashMap<Urn, Vec<String>> {
    let mut out: HashMap<Urn, Vec<String>> = HashMap::new();
    for l in &plan.cost.advisers {
        for u in &l.advised_last_year {
            out.entry(*u).or_default().push(l.id.clone());
        }
    }
    out
}

/// The advisers any of `schools` had last year, each once, sorted.
pub(crate) fn advisers_of(last_year: &HashMap<Urn, Vec<String>>, schools: &[Urn]) -> Vec<String> {
    let mut v: Vec<String> = schools
        .iter()
        .flat_map(|u| last_year.get(u).cloned().unwrap_or_default())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// A group's schools in order, to compare groups whatever their order.
pub(crate) fn sorted(schools: &[Urn]) -> Vec<Urn> {
    let mut v = schools.to_vec();
    v.sort();
    v
}

fn stats(c: &mut Check, plan: &Plan) {
    let w = c.problem.rules.weights.unplaced;
    let objective: f64 =
        plan.triads.iter().map(grouping_score).sum::<f64>() + w * plan.unplaced.len() as f64;
    let s = &plan.stats;
    if (objective - s.objective).abs() > 1e-6 * objective.abs().max(1.0) {
        c.fail(
            "stats",
            format!(
                "objective {} but the groups' scores add to {objective}",
                s.objective
            ),
        );
    }
    if s.lower_bound > s.objective + 1e-6 * s.objective.abs().max(1.0) {
        c.fail(
            "stats",
            format!(
                "lower bound {} above objective {}",
                s.lower_bound, s.objective
            ),
        );
    }
}

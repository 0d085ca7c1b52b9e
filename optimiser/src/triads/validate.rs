//! The one check of a plan against every rule. Tests and the command line
//! both run it; a plan that fails it is never written.

use std::collections::{HashMap, HashSet};
use std::fmt;

use super::advisers::{adviser_can_serve, group_days};
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

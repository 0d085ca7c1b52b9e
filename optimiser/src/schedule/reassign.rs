//! Advisers whose dates decide which adviser a group can have: where a
//! group's adviser shares no date with the heads for some review, another
//! eligible adviser with days (and budget) to spare who does takes over.

use std::collections::{BTreeMap, HashMap};

use super::availability::Person;
use super::instance::Instance;
use super::review_heads;
use crate::model::{Adviser, School, Urn};
use crate::triads::advisers::{adviser_can_serve, group_days};
use crate::triads::plan::{AdviserLoad, Triad};
use crate::triads::{Plan, TriadRules};

/// Re-assigns advisers in group-id order; returns one note per change.
pub(crate) fn reassign(
    plan: &mut Plan,
    inst: &Instance,
    schools: &[School],
    advisers: &[Adviser],
    rules: &TriadRules,
) -> Vec<String> {
    let by_urn: HashMap<Urn, &School> = schools.iter().map(|s| (s.urn, s)).collect();
    let mut roster: Vec<&Adviser> = advisers.iter().collect();
    roster.sort_by(|a, b| a.id.cmp(&b.id));
    let mut load: BTreeMap<String, u32> = BTreeMap::new();
    let mut cost = 0.0;
    let rate: HashMap<&str, f64> = advisers
        .iter()
        .map(|a| (a.id.as_str(), a.day_rate))
        .collect();
    for t in &plan.triads {
        if let Some(a) = &t.adviser {
            let d = group_days(t.schools.len(), rules);
            *load.entry(a.clone()).or_default() += d;
            cost += rate.get(a.as_str()).copied().unwrap_or(0.0) * f64::from(d);
        }
    }
    let mut order: Vec<usize> = (0..plan.triads.len()).collect();
    order.sort_by(|&a, &b| plan.triads[a].id.cmp(&plan.triads[b].id));
    let mut notes = Vec::new();
    for ti in order {
        let t = &plan.triads[ti];
        let Some(current) = t.adviser.clone() else {
            continue;
        };
        if t.pinned {
            continue;
        }
        let mine = coverage(inst, t, Some(&current));
        if mine.0 == t.reviews.len() {
            continue;
        }
        let members: Vec<&School> = t
            .schools
            .iter()
            .filter_map(|u| by_urn.get(u).copied())
            .collect();
        if members.len() != t.schools.len() {
            continue;
        }
        let days = group_days(t.schools.len(), rules);
        let old_cost = rate.get(current.as_str()).copied().unwrap_or(0.0) * f64::from(days);
        let mut best: Option<(&Adviser, (usize, usize))> = None;
        for a in &roster {
            if a.id == current
                || adviser_can_serve(a, t.phase, &members, rules).is_err()
                || load.get(&a.id).copied().unwrap_or(0) + days > a.capacity_days
                || cost - old_cost + a.day_rate * f64::from(days) > rules.adviser_budget + 1e-6
            {
                continue;
            }
            let c = coverage(inst, t, Some(&a.id));
            if c > mine && best.as_ref().is_none_or(|(_, b)| c > *b) {
                best = Some((a, c));
            }
        }
        let Some((a, c)) = best else { continue };
        notes.push(format!(
            "group {}: adviser {current} replaced by {}: {current} shares a date with the heads for {} of {} reviews, {} for {}",
            t.id,
            a.id,
            mine.0,
            t.reviews.len(),
            a.id,
            c.0
        ));
        *load.entry(current.clone()).or_default() -= days;
        *load.entry(a.id.clone()).or_default() += days;
        cost += a.day_rate * f64::from(days) - old_cost;
        let id = t.id.clone();
        plan.triads[ti].adviser = Some(a.id.clone());
        move_load(&mut plan.cost.advisers, &id, &current, &a.id, days);
    }
    if !notes.is_empty() {
        plan.cost.total = plan.cost.advisers.iter().map(|l| l.cost).sum();
    }
    notes
}

/// Reviews of the group that have a feasible start with this adviser, and
/// the number of such starts.
fn coverage(inst: &Instance, t: &Triad, adviser: Option<&String>) -> (usize, usize) {
    let mut dated = 0;
    let mut starts = 0;
    for r in &t.reviews {
        let mut people: Vec<Person> = review_heads(r.host, &r.reviewers)
            .into_iter()
            .map(Person::Head)
            .collect();
        if let Some(a) = adviser {
            people.push(Person::Adviser(a.clone()));
        }
        let n = inst.starts(&people, r.days.max(1) as usize, None).len();
        dated += usize::from(n > 0);
        starts += n;
    }
    (dated, starts)
}

fn move_load(loads: &mut [AdviserLoad], group: &str, from: &str, to: &str, days: u32) {
    for l in loads.iter_mut() {
        if l.id == from {
            l.groups.retain(|g| g != group);
            l.days = l.days.saturating_sub(days);
            l.cost = l.day_rate * f64::from(l.days);
        } else if l.id == to {
            l.groups.push(group.to_string());
            l.groups.sort();
            l.days += days;
            l.cost = l.day_rate * f64::from(l.days);
        }
    }
}

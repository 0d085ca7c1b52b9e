//! Why a school was left out, in the rule's words and numbers, and which
//! rules conflict when the whole input cannot be met.

use std::collections::BTreeMap;

use super::build::Prepared;
use super::compat::PairBreak;
use super::problem::Scope;
use crate::model::School;

type BreakTest = dyn Fn(&PairBreak) -> bool;

/// The reason a free participant was left out.
pub fn unplaced_reason(prep: &Prepared, i: usize) -> String {
    let problem = prep.rules.problem();
    let max_km = problem.rules.max_distance_km;
    let me = prep.participants[i];
    let free = |j: &usize| *j != i && !prep.pinned.contains(j);
    let same_phase: Vec<&School> = (0..prep.participants.len())
        .filter(free)
        .map(|j| prep.participants[j])
        .filter(|s| s.phase_group() == me.phase_group())
        .filter(|s| problem.scope == Scope::CrossLa || s.la_code == me.la_code)
        .collect();
    let where_ = match problem.scope {
        Scope::PerLa => format!(" in {}", me.la_name),
        Scope::CrossLa => String::new(),
    };
    if problem.rules.no_availability == super::rules::NoAvailability::LeaveOut
        && prep.rules.dating().is_some_and(|d| d.is_silent(me.urn))
    {
        return format!(
            "no dates offered: the head of {} ({}) has offered no dates yet, and no_availability = \"leave_out\" keeps the school out until they do",
            me.name, me.urn
        );
    }
    if same_phase.is_empty() {
        return format!(
            "phase: no other participating {} school{where_}",
            me.phase_group()
        );
    }
    // Apply the pair rules one at a time, in the order a SIM thinks of them
    // (and `PairRules::check` tests them), and report the first that leaves
    // fewer than two partners.
    let stages: [(&str, &str, &BreakTest); 5] = [
        ("travel", "within {km} km", &|b| {
            matches!(
                b,
                PairBreak::Distance(_) | PairBreak::UnknownDistanceAcrossLa
            )
        }),
        ("trust", "outside its trust", &|b| {
            matches!(b, PairBreak::Trust(_))
        }),
        (
            "history",
            "it has not been grouped with in the last years",
            &|b| matches!(b, PairBreak::History(_)),
        ),
        ("exclusion", "it is not excluded from", &|b| {
            matches!(b, PairBreak::Excluded(_))
        }),
        (
            "availability",
            "whose head shares an available date with its head",
            &|b| matches!(b, PairBreak::NoCommonDate(..)),
        ),
    ];
    let mut words = vec![format!("same-phase school{where_}")];
    let mut kept: Vec<&School> = same_phase.clone();
    for (k, (rule, label, _)) in stages.iter().enumerate() {
        let before = kept.clone();
        kept.retain(|s| match prep.rules.check(me, s) {
            Ok(()) => true,
            Err(b) => !stages[..=k].iter().any(|(_, _, f)| f(&b)),
        });
        words.push(label.replace("{km}", &format!("{max_km}")));
        if kept.len() < 2 {
            let found = match kept.first() {
                None => "none".to_string(),
                Some(s) => format!("only {}", s.name),
            };
            let offered = match prep.rules.offered_days(me.urn) {
                Some(n) if *rule == "availability" => {
                    format!("; its head offered {n} school days of the window")
                }
                _ => String::new(),
            };
            let nearest = before
                .iter()
                .filter(|s| !kept.iter().any(|k| k.urn == s.urn))
                .filter_map(|s| Some((me.distance_km(s)?, s)))
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(d, s)| format!("; nearest it may not join is {} at {d:.1} km", s.name))
                .unwrap_or_default();
            return format!(
                "{rule}: fewer than two partners ({found}) for a {} {}{offered}{nearest}",
                words[0],
                words[1..].join(", ")
            );
        }
    }
    // Enough partners, but no two of them may meet each other.
    let mut pair_found = false;
    'outer: for (a, x) in kept.iter().enumerate() {
        for y in &kept[a + 1..] {
            if prep.rules.check(x, y).is_ok() {
                pair_found = true;
                break 'outer;
            }
        }
    }
    if !pair_found {
        return format!(
            "no two of its {} possible partners ({}) may be grouped with each other",
            kept.len(),
            kept.iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    format!(
        "group size: its {} possible partners are all needed in other groups; \
         placing it would leave out at least as many schools as it places \
         (groups of four {})",
        kept.len(),
        if problem.rules.allow_groups_of_four {
            "were considered"
        } else {
            "are not allowed"
        }
    )
}

/// Counts, over the schools left out, which rule each reason names, and says
/// what conflicts with what.
pub fn diagnose(reasons: &[(String, String)], total: usize) -> Vec<String> {
    if reasons.is_empty() {
        return vec![];
    }
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, r) in reasons {
        let rule = r.split(':').next().unwrap_or("other");
        *by_rule.entry(rule).or_default() += 1;
    }
    let parts: Vec<String> = by_rule
        .iter()
        .map(|(rule, n)| format!("{n} by the {rule} rule"))
        .collect();
    vec![format!(
        "not every school can be placed: the rules keep out {} of {} schools, {}",
        reasons.len(),
        total,
        parts.join(", ")
    )]
}

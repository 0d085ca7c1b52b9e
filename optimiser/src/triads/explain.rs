//! Why a school was left out, in the rule's words and numbers, and which
//! rules conflict when the whole input cannot be met.

use std::collections::BTreeMap;

use super::build::Prepared;
use super::compat::PairBreak;
use super::plan::{LeftOut, PairRule};
use super::problem::Scope;
use crate::model::School;

type BreakTest = dyn Fn(&PairBreak) -> bool;

/// The reason a free participant was left out, in the rule's words and as
/// data for words with names.
pub fn unplaced_reason(prep: &Prepared, i: usize) -> (String, LeftOut) {
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
        return (
            format!(
                "no dates offered: the head of {} ({}) has offered no dates yet, and this year's rules leave a school out until its head does",
                me.name, me.urn
            ),
            LeftOut::NoDates,
        );
    }
    if same_phase.is_empty() {
        return (
            format!(
                "phase: no other participating {} school{where_}",
                me.phase_group().words()
            ),
            LeftOut::NoSamePhase {
                phase: me.phase_group(),
                la: match problem.scope {
                    Scope::PerLa => Some(me.la_name.clone()),
                    Scope::CrossLa => None,
                },
            },
        );
    }
    // Apply the pair rules one at a time, in the order a SIM thinks of them
    // (and `PairRules::check` tests them), and report the first that leaves
    // fewer than two partners.
    let stages: [(&str, &str, &BreakTest, PairRule); 5] = [
        (
            "travel",
            "within {km} km",
            &|b| {
                matches!(
                    b,
                    PairBreak::Distance(_) | PairBreak::UnknownDistanceAcrossLa
                )
            },
            PairRule::Travel,
        ),
        (
            "trust",
            "outside its trust",
            &|b| matches!(b, PairBreak::Trust(_)),
            PairRule::Trust,
        ),
        (
            "history",
            "it has not been grouped with in the last years",
            &|b| matches!(b, PairBreak::History(_)),
            PairRule::History,
        ),
        (
            "exclusion",
            "it is not excluded from",
            &|b| matches!(b, PairBreak::Excluded(_)),
            PairRule::Exclusion,
        ),
        (
            "availability",
            "whose head shares an available date with its head",
            &|b| matches!(b, PairBreak::NoCommonDate(..)),
            PairRule::Availability,
        ),
    ];
    let mut words = vec![format!("same-phase school{where_}")];
    let mut kept: Vec<&School> = same_phase.clone();
    for (k, (rule, label, _, pair_rule)) in stages.iter().enumerate() {
        let before = kept.clone();
        kept.retain(|s| match prep.rules.check(me, s) {
            Ok(()) => true,
            Err(b) => !stages[..=k].iter().any(|(_, _, f, _)| f(&b)),
        });
        words.push(label.replace("{km}", &format!("{max_km}")));
        if kept.len() < 2 {
            let found = match kept.first() {
                None => "none".to_string(),
                Some(s) => format!("only {}", s.name),
            };
            let offered_days = prep
                .rules
                .offered_days(me.urn)
                .filter(|_| *pair_rule == PairRule::Availability);
            let offered = match offered_days {
                Some(n) => format!("; its head offered {n} school days of the window"),
                None => String::new(),
            };
            let nearest_school = before
                .iter()
                .filter(|s| !kept.iter().any(|k| k.urn == s.urn))
                .filter_map(|s| Some((me.distance_km(s)?, s)))
                .min_by(|a, b| a.0.total_cmp(&b.0));
            let nearest = nearest_school
                .map(|(d, s)| format!("; nearest it may not join is {} at {d:.1} km", s.name))
                .unwrap_or_default();
            return (
                format!(
                    "{rule}: fewer than two partners ({found}) for a {} {}{offered}{nearest}",
                    words[0],
                    words[1..].join(", ")
                ),
                LeftOut::FewPartners {
                    rule: *pair_rule,
                    max_km,
                    only: kept.first().map(|s| s.urn),
                    offered: offered_days,
                    nearest: nearest_school.map(|(d, s)| (s.urn, d)),
                },
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
        return (
            format!(
                "no two of its {} possible partners ({}) may be grouped with each other",
                kept.len(),
                kept.iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            LeftOut::PartnersApart {
                partners: kept.iter().map(|s| s.urn).collect(),
            },
        );
    }
    (
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
        ),
        LeftOut::PartnersTaken {
            partners: kept.len(),
            fours: problem.rules.allow_groups_of_four,
        },
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

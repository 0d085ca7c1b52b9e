//! Property tests over random instances: every plan the optimiser returns
//! keeps every hard rule (checked by `validate`, and again here by hand for
//! the rules that matter most), and its bound never exceeds its objective.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{Datelike, NaiveDate, Weekday};
use proptest::prelude::*;

use super::problem::{Exclusion, KnownDates, Pin, TriadProblem};
use super::rules::{TriadRules, TrustRule};
use super::{plan, validate, Over};
use crate::calendar::{Availability, Calendar, Level, Person};
use crate::model::{
    Adviser, AdviserKind, Location, OfstedGrade, PastTriad, Phase, PhaseGroup, School, Urn,
};

fn school(
    i: u32,
    phase: Phase,
    x: f64,
    y: f64,
    trust: Option<u8>,
    pupils: u32,
    located: bool,
) -> School {
    School {
        urn: Urn(100_000 + i),
        name: format!("School {i}"),
        la_code: 900 + (i % 2) as u16,
        la_name: format!("LA {}", i % 2),
        phase,
        establishment_type: "Community school".into(),
        trust: trust.map(|t| format!("TRUST {t}")),
        location: located.then_some(Location {
            easting: 500_000.0 + x * 1000.0,
            northing: 200_000.0 + y * 1000.0,
        }),
        postcode: None,
        pupils: Some(pupils),
        fsm_percent: Some((pupils % 50) as f64),
        ofsted: Some(if i.is_multiple_of(3) {
            OfstedGrade::RequiresImprovement
        } else {
            OfstedGrade::Good
        }),
        last_inspection: None,
        religious_character: None,
        town: None,
    }
}

/// Eight weeks of school days, no half-terms or blackouts: every weekday of
/// the window counts.
fn eight_weeks() -> Calendar {
    Calendar {
        first: NaiveDate::from_ymd_opt(2026, 9, 7).unwrap(),
        last: NaiveDate::from_ymd_opt(2026, 10, 30).unwrap(),
        half_terms: vec![],
        blackouts: vec![],
        school_blackouts: vec![],
    }
}

fn weekdays(cal: &Calendar) -> Vec<NaiveDate> {
    cal.first
        .iter_days()
        .take_while(|d| *d <= cal.last)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .collect()
}

/// Heads' dates from a seed: a quarter offer nothing (unconstrained); the
/// rest offer some days of one of three fortnights, so that heads of
/// different fortnights share no date and heads of one often share few.
fn random_dates(schools: &[School], next: &mut impl FnMut(u64) -> u64) -> KnownDates {
    let calendar = eight_weeks();
    let days = weekdays(&calendar);
    let mut availability = Availability::default();
    for s in schools {
        let mode = next(4);
        if mode == 0 {
            continue;
        }
        let block = next(3) as usize * 10;
        let head = Person::Head(s.urn);
        // Mark the head as having answered even if every coin below fails.
        availability.people.entry(head.clone()).or_default();
        for d in &days[block..block + 10] {
            if next(3) < mode {
                availability.insert(head.clone(), *d, Level::Possible);
            }
        }
    }
    KnownDates {
        availability,
        calendar,
    }
}

prop_compose! {
    fn instance()(
        n in 3usize..22,
        seed in any::<u64>(),
        cross in any::<bool>(),
        trust in prop_oneof![Just(TrustRule::Forbid), Just(TrustRule::Penalise), Just(TrustRule::Allow)],
        history_years in 0u32..3,
        fours in any::<bool>(),
        budget in prop_oneof![Just(0.0), Just(2000.0)],
        dates in any::<bool>(),
    ) -> TriadProblem {
        let mut s = seed;
        let mut next = move |m: u64| { s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); (s >> 33) % m };
        let schools: Vec<School> = (0..n as u32).map(|i| {
            let phase = [Phase::Primary, Phase::Primary, Phase::Secondary, Phase::NotApplicable][next(4) as usize];
            let trust = (next(3) == 0).then(|| next(3) as u8);
            school(i, phase, next(35) as f64, next(35) as f64, trust, 50 + next(900) as u32, next(8) != 0)
        }).collect();
        let urns: Vec<Urn> = schools.iter().map(|s| s.urn).collect();
        let history = (0..n / 3).map(|k| PastTriad {
            year: 2024 + (k % 2) as i32,
            id: format!("H{k}"),
            schools: (0..3).map(|_| urns[next(n as u64) as usize]).collect::<BTreeSet<_>>().into_iter().collect(),
            adviser: Some(format!("A{}", k % 3)),
        }).collect();
        let exclusions = (0..n / 5).map(|_| Exclusion { a: urns[next(n as u64) as usize], b: urns[next(n as u64) as usize], reason: "asked".into() })
            .filter(|e| e.a != e.b).collect();
        let opted_out = (0..n / 6).map(|_| urns[next(n as u64) as usize]).collect();
        let advisers = (0..3).map(|k| Adviser {
            id: format!("A{k}"),
            name: format!("Adviser {k}"),
            kind: [AdviserKind::LaOfficer, AdviserKind::Tic, AdviserKind::Nle][k],
            phases: vec![PhaseGroup::Primary, PhaseGroup::Secondary, PhaseGroup::SpecialAndAp][..1 + k].to_vec(),
            capacity_days: 6 + 3 * k as u32,
            day_rate: if k == 0 { 0.0 } else { 450.0 },
            base: Some(Location { easting: 510_000.0, northing: 210_000.0 }),
            linked_school: (k == 2).then(|| urns[0]),
            linked_trust: None,
            email: None,
        }).collect();
        let availability = dates.then(|| random_dates(&schools, &mut next));
        TriadProblem {
            year: 2026,
            schools,
            opted_out,
            history,
            advisers,
            pins: vec![],
            exclusions,
            scope: if cross { super::Scope::CrossLa } else { super::Scope::PerLa },
            rules: TriadRules { trust, history_years, allow_groups_of_four: fours, adviser_budget: budget, time_limit_seconds: 20.0, ..TriadRules::default() },
            previous: None,
            availability,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_plan_keeps_every_rule(problem in instance()) {
        let p = plan(&problem, &|_, _| {}).unwrap_or_else(|e| panic!("no plan: {e}"));
        prop_assert!(validate(&p, &problem).is_empty());
        // By hand, independently of validate: each head visits two reviews and leads one.
        for t in &p.triads {
            for u in &t.schools {
                let visits = t.reviews.iter().filter(|r| r.reviewers.contains(u)).count();
                let leads = t.reviews.iter().filter(|r| r.lead == *u).count();
                let hosted = t.reviews.iter().filter(|r| r.host == *u).count();
                prop_assert_eq!((visits, leads, hosted), (2, 1, 1));
            }
        }
        let placed: HashSet<Urn> = p.triads.iter().flat_map(|t| t.schools.iter().copied()).collect();
        for u in &p.unplaced {
            prop_assert!(!placed.contains(&u.urn));
            prop_assert!(!u.reason.is_empty());
        }
        prop_assert!(p.stats.lower_bound <= p.stats.objective + 1e-6);
        prop_assert!(p.cost.total <= problem.rules.adviser_budget + 1e-6);
        check_dates_by_hand(&p, &problem)?;
    }

    #[test]
    fn pins_are_kept_as_pinned(problem in instance()) {
        let free: Vec<Urn> = problem.schools.iter().map(|s| s.urn).filter(|u| !problem.opted_out.contains(u)).take(3).collect();
        prop_assume!(free.len() == 3);
        let mut problem = problem;
        problem.pins = vec![Pin { schools: free.clone(), adviser: None }];
        let p = plan(&problem, &|_, _| {}).unwrap_or_else(|e| panic!("no plan: {e}"));
        let pinned: Vec<_> = p.triads.iter().filter(|t| t.pinned).collect();
        prop_assert_eq!(pinned.len(), 1);
        let got: BTreeSet<Urn> = pinned[0].schools.iter().copied().collect();
        prop_assert_eq!(got, free.into_iter().collect::<BTreeSet<_>>());
    }
}

/// Each head's offered dates inside the window, counted without the
/// optimiser's calendar code; `None` for a head who offered nothing.
fn offered_by_hand(problem: &TriadProblem, urn: Urn) -> Option<BTreeSet<NaiveDate>> {
    let known = problem.availability.as_ref()?;
    let offered = known.availability.people.get(&Person::Head(urn))?;
    let window = weekdays(&known.calendar);
    Some(
        offered
            .keys()
            .filter(|d| window.contains(d))
            .copied()
            .collect(),
    )
}

/// No group holds two heads who both offered dates and share none, and each
/// group pays exactly the points of its pairs' missing common dates.
fn check_dates_by_hand(p: &super::Plan, problem: &TriadProblem) -> Result<(), TestCaseError> {
    let wanted = problem.rules.common_dates_wanted;
    let weight = problem.rules.weights.few_common_dates;
    for t in p.triads.iter().filter(|t| !t.pinned) {
        let mut short = 0;
        for (i, a) in t.schools.iter().enumerate() {
            for b in &t.schools[i + 1..] {
                let (Some(x), Some(y)) =
                    (offered_by_hand(problem, *a), offered_by_hand(problem, *b))
                else {
                    continue;
                };
                let common = x.intersection(&y).count() as u32;
                prop_assert!(
                    common > 0,
                    "group {} holds {a} and {b}, who share no date",
                    t.id
                );
                short += wanted.saturating_sub(common);
            }
        }
        let term = t.score.get("few_common_dates").copied().unwrap_or(0.0);
        prop_assert!(
            (term - weight * f64::from(short)).abs() < 1e-9,
            "group {}: {term}",
            t.id
        );
    }
    Ok(())
}

#[test]
fn a_school_with_no_partner_in_reach_is_told_the_distance() {
    let schools = vec![
        school(1, Phase::Primary, 0.0, 0.0, None, 200, true),
        school(3, Phase::Primary, 1.0, 0.0, None, 210, true),
        school(5, Phase::Primary, 0.0, 1.0, None, 220, true),
        school(7, Phase::Primary, 30.0, 0.0, None, 230, true),
    ];
    let problem = TriadProblem {
        year: 2026,
        schools,
        rules: TriadRules {
            allow_groups_of_four: true,
            ..TriadRules::default()
        },
        ..TriadProblem::default()
    };
    let p = plan(&problem, &|_, _| {}).unwrap();
    assert_eq!(p.unplaced.len(), 1);
    let reason = &p.unplaced[0].reason;
    assert!(reason.starts_with("travel:"), "{reason}");
    assert!(
        reason.contains("within 20 km") && reason.contains("29.0 km"),
        "{reason}"
    );
    assert_eq!(p.stats.gap, 0.0);
}

#[test]
fn the_trust_rule_is_named_when_it_keeps_a_school_out() {
    let schools = vec![
        school(1, Phase::Primary, 0.0, 0.0, Some(1), 200, true),
        school(3, Phase::Primary, 1.0, 0.0, Some(1), 210, true),
        school(5, Phase::Primary, 0.0, 1.0, Some(1), 220, true),
    ];
    let problem = TriadProblem {
        year: 2026,
        schools,
        ..TriadProblem::default()
    };
    let p = plan(&problem, &|_, _| {}).unwrap();
    assert_eq!(p.unplaced.len(), 3);
    assert!(
        p.unplaced.iter().all(|u| u.reason.starts_with("trust:")),
        "{:?}",
        p.unplaced
    );
    assert!(p.diagnosis[0].contains("trust rule"), "{:?}", p.diagnosis);
}

/// Twelve primary schools 3 km apart on a 4 by 3 grid: four groups of three.
fn twelve_in_a_grid() -> TriadProblem {
    let schools: Vec<School> = (0..12)
        .map(|i| {
            let (x, y) = ((i % 4) as f64 * 3.0, (i / 4) as f64 * 3.0);
            school(i * 2, Phase::Primary, x, y, None, 200 + 10 * i, true)
        })
        .collect();
    TriadProblem {
        year: 2026,
        schools,
        ..TriadProblem::default()
    }
}

#[test]
fn the_previous_plan_is_kept_where_still_valid() {
    let mut problem = twelve_in_a_grid();
    let first = plan(&problem, &|_, _| {}).unwrap();
    assert_eq!(first.triads.len(), 4);
    // A whole group leaves: every other group stays as it was.
    problem
        .opted_out
        .extend(first.triads[0].schools.iter().copied());
    problem.previous = Some(first.clone());
    let second = plan(&problem, &|_, _| {}).unwrap();
    assert!(validate(&second, &problem).is_empty());
    for t in first.triads.iter().skip(1) {
        let kept = second
            .triads
            .iter()
            .find(|u| u.id == t.id)
            .expect("kept group");
        assert_eq!(
            kept.schools.iter().collect::<BTreeSet<_>>(),
            t.schools.iter().collect::<BTreeSet<_>>()
        );
        assert!(kept.kept);
    }
}

#[test]
fn one_school_leaving_changes_only_the_groups_it_must() {
    let mut problem = twelve_in_a_grid();
    let first = plan(&problem, &|_, _| {}).unwrap();
    problem.opted_out.insert(first.triads[0].schools[0]);
    problem.previous = Some(first.clone());
    let second = plan(&problem, &|_, _| {}).unwrap();
    // Eleven schools: the two left without a group join two groups as fourths,
    // so exactly one group of the first plan can stay untouched, and does.
    assert!(second.unplaced.is_empty());
    assert_eq!(second.triads.iter().filter(|t| t.kept).count(), 1);
}

/// Six primary schools 1 km apart on a line, all the same size.
fn six_in_a_line() -> TriadProblem {
    let schools = (0..6)
        .map(|i| school(2 * i, Phase::Primary, i as f64, 0.0, None, 300, true))
        .collect();
    TriadProblem {
        year: 2026,
        schools,
        ..TriadProblem::default()
    }
}

/// Every head offers every school day, except the given ones, who offer the
/// given day indices.
fn dates_except(problem: &TriadProblem, special: &[(usize, std::ops::Range<usize>)]) -> KnownDates {
    let calendar = eight_weeks();
    let days = weekdays(&calendar);
    let mut availability = Availability::default();
    for (k, s) in problem.schools.iter().enumerate() {
        let range = special
            .iter()
            .find(|(i, _)| *i == k)
            .map_or(0..days.len(), |(_, r)| r.clone());
        for d in &days[range] {
            availability.insert(Person::Head(s.urn), *d, Level::Preferred);
        }
    }
    KnownDates {
        availability,
        calendar,
    }
}

fn together(p: &super::Plan, a: Urn, b: Urn) -> bool {
    p.triads
        .iter()
        .any(|t| t.schools.contains(&a) && t.schools.contains(&b))
}

#[test]
fn heads_with_no_common_date_are_never_grouped_and_validate_says_so() {
    let mut problem = six_in_a_line();
    // The first two heads offer disjoint fortnights.
    problem.availability = Some(dates_except(&problem, &[(0, 0..10), (1, 10..20)]));
    let (a, b) = (problem.schools[0].urn, problem.schools[1].urn);
    let p = plan(&problem, &|_, _| {}).unwrap();
    assert!(p.unplaced.is_empty());
    assert!(!together(&p, a, b), "{:?}", p.triads);
    assert!(validate(&p, &problem).is_empty());
    // A plan that groups them anyway is caught, under the availability rule.
    let mut bad = p.clone();
    let ta = bad
        .triads
        .iter()
        .position(|t| t.schools.contains(&a))
        .unwrap();
    let tb = bad
        .triads
        .iter()
        .position(|t| t.schools.contains(&b))
        .unwrap();
    let ia = bad.triads[ta].schools.iter().position(|u| *u == a).unwrap();
    let ib = bad.triads[tb].schools.iter().position(|u| *u == b).unwrap();
    let other = bad.triads[ta].schools[(ia + 1) % 3];
    // Swap b with a's neighbour; rotation and ledger stay as they are.
    bad.triads[ta].schools[(ia + 1) % 3] = b;
    bad.triads[tb].schools[ib] = other;
    let v = validate(&bad, &problem);
    let hit = v
        .iter()
        .find(|v| v.rule == "availability")
        .expect("an availability violation");
    assert!(
        hit.message.contains("share no available date"),
        "{}",
        hit.message
    );
    assert!(hit.message.contains("offered 10 and 10"), "{}", hit.message);
}

#[test]
fn a_head_who_offered_nothing_is_unconstrained() {
    let mut problem = six_in_a_line();
    let mut dates = dates_except(&problem, &[(1, 10..20)]);
    // The first head sent nothing at all: they may meet anyone.
    dates
        .availability
        .people
        .remove(&Person::Head(problem.schools[0].urn));
    problem.availability = Some(dates);
    let p = plan(&problem, &|_, _| {}).unwrap();
    // Travel alone decides, as without dates.
    assert!(together(&p, problem.schools[0].urn, problem.schools[1].urn));
    assert!(p
        .triads
        .iter()
        .all(|t| !t.score.contains_key("few_common_dates")));
}

#[test]
fn little_overlap_is_penalised_enough_to_drive_a_little_further() {
    let mut problem = six_in_a_line();
    let (a, b) = (problem.schools[0].urn, problem.schools[1].urn);
    let without = plan(&problem, &|_, _| {}).unwrap();
    assert!(
        together(&without, a, b),
        "nearest neighbours group together"
    );
    // Now they share one date: 5 short of the 6 wanted, 50 points, more than
    // the 12 km of travel that splitting them costs.
    problem.availability = Some(dates_except(&problem, &[(0, 0..20), (1, 19..40)]));
    let with = plan(&problem, &|_, _| {}).unwrap();
    assert!(!together(&with, a, b), "{:?}", with.triads);
    assert!(with
        .triads
        .iter()
        .all(|t| !t.score.contains_key("few_common_dates")));
    assert!(validate(&with, &problem).is_empty());
    assert_eq!(with.stats.gap, 0.0);
    // Pinned together, they pay the term, named, and the group is flagged.
    problem.pins = vec![Pin {
        schools: vec![a, b, problem.schools[2].urn],
        adviser: None,
    }];
    let pinned = plan(&problem, &|_, _| {}).unwrap();
    let t = pinned.triads.iter().find(|t| t.pinned).unwrap();
    assert_eq!(t.score["few_common_dates"], 50.0);
    assert_eq!(t.metrics.fewest_common_dates, Some(1));
    assert!(
        t.flags
            .iter()
            .any(|f| f.contains("share only 1 available dates")),
        "{:?}",
        t.flags
    );
}

#[test]
fn a_school_whose_head_shares_no_date_is_told_the_availability_rule() {
    let mut problem = six_in_a_line();
    problem.schools.truncate(4);
    // Head 0 offers the first fortnight, the other three the rest.
    let mut dates = dates_except(&problem, &[(0, 0..10)]);
    let late = weekdays(&dates.calendar)[10..].to_vec();
    for s in &problem.schools[1..] {
        let mine = dates
            .availability
            .people
            .get_mut(&Person::Head(s.urn))
            .unwrap();
        mine.retain(|d, _| late.contains(d));
    }
    problem.availability = Some(dates);
    let p = plan(&problem, &|_, _| {}).unwrap();
    let out: BTreeMap<Urn, &str> = p
        .unplaced
        .iter()
        .map(|u| (u.urn, u.reason.as_str()))
        .collect();
    let why = out[&problem.schools[0].urn];
    assert!(
        why.starts_with("availability: fewer than two partners (none)"),
        "{why}"
    );
    assert!(
        why.contains("its head offered 10 school days of the window"),
        "{why}"
    );
    assert!(
        p.diagnosis[0].contains("1 by the availability rule"),
        "{:?}",
        p.diagnosis
    );
}

/// Six schools in a line whose heads offer only the first week (five
/// school days): no three reviews a week apart fit, so every group can date
/// just one of its reviews.
#[test]
fn a_group_whose_heads_share_no_three_dates_a_week_apart_never_scores_as_datable() {
    let mut problem = six_in_a_line();
    let all: Vec<(usize, std::ops::Range<usize>)> = (0..6).map(|i| (i, 0..5)).collect();
    problem.availability = Some(dates_except(&problem, &all));
    let p = plan(&problem, &|_, _| {}).unwrap();
    assert!(validate(&p, &problem).is_empty());
    let w = problem.rules.weights.undated_review;
    for t in &p.triads {
        let undated = t.schools.len() - 1;
        assert_eq!(t.score["undated_reviews"], w * undated as f64, "{t:?}");
        assert!(
            t.flags.iter().any(|f| f.contains("only 1 of")),
            "{:?}",
            t.flags
        );
    }
    // No grouping of these schools dates more than one review a group.
    assert_eq!(super::dated_bound(&problem, 5.0, Over::EveryPlan), Some(2));
}

/// Heads who share three dates a week apart: every review is datable and
/// the group pays nothing for dates.
#[test]
fn three_dates_a_week_apart_make_a_datable_group() {
    let mut problem = six_in_a_line();
    problem.schools.truncate(3);
    problem.availability = Some(dates_except(&problem, &[]));
    let p = plan(&problem, &|_, _| {}).unwrap();
    assert_eq!(p.triads.len(), 1);
    assert!(!p.triads[0].score.contains_key("undated_reviews"));
    assert_eq!(super::dated_bound(&problem, 5.0, Over::EveryPlan), Some(3));
}

/// A head who offered nothing: under "wait" grouped as if free, the group
/// flagged as awaiting dates; under "leave_out" left out, with that reason.
#[test]
fn a_silent_head_is_treated_by_the_policy() {
    let mut problem = six_in_a_line();
    let mut dates = dates_except(&problem, &[]);
    let silent = problem.schools[0].urn;
    dates.availability.people.remove(&Person::Head(silent));
    problem.availability = Some(dates);
    let p = plan(&problem, &|_, _| {}).unwrap();
    let t = p
        .triads
        .iter()
        .find(|t| t.schools.contains(&silent))
        .unwrap();
    assert!(
        t.flags.iter().any(|f| f.starts_with("awaiting dates")),
        "{:?}",
        t.flags
    );
    assert!(!t.score.contains_key("undated_reviews"));
    // Nothing a group holding the silent head can be dated now; the best
    // plan leaves that school out and dates a four of the other five.
    assert_eq!(super::dated_bound(&problem, 5.0, Over::EveryPlan), Some(4));
    // Placing schools first, as the plan does: the silent head is grouped,
    // every review of their group waits, and the other three are dated.
    let groups: Vec<Vec<Urn>> = p.triads.iter().map(|t| t.schools.clone()).collect();
    let placing = Over::PlacingAsMany(&groups);
    assert_eq!(super::dated_bound(&problem, 5.0, placing), Some(3));
    assert_eq!(p.stats.dated_bound, Some(3));
    // Once they answer, free: every review of every grouping can be dated,
    // and the awaiting group's are all ready.
    assert_eq!(
        super::answered_bound(&problem, 5.0, Over::EveryPlan),
        Some(6)
    );
    assert_eq!(super::answered_bound(&problem, 5.0, placing), Some(6));
    assert_eq!(p.stats.ready_awaiting, Some(t.schools.len()));

    problem.rules.no_availability = super::NoAvailability::LeaveOut;
    let p = plan(&problem, &|_, _| {}).unwrap();
    assert!(validate(&p, &problem).is_empty());
    let u = p
        .unplaced
        .iter()
        .find(|u| u.urn == silent)
        .expect("left out");
    assert!(u.reason.starts_with("no dates offered"), "{}", u.reason);
}

/// Every grouping of a small instance, with every rotation of its fours:
/// the most reviews any plan dates, by brute force, and by how many schools
/// a plan leaves out, the most such a plan dates (`[k]`: None where no plan
/// leaves out exactly `k`); with `answered`, once the silent heads answer
/// free on every school day.
fn most_dated_by_brute_force(
    problem: &TriadProblem,
    answered: bool,
) -> (usize, Vec<Option<usize>>) {
    let rules = super::compat::PairRules::new(problem);
    let d = rules.dating().unwrap();
    let urns: Vec<Urn> = problem.schools.iter().map(|s| s.urn).collect();
    let by: std::collections::HashMap<Urn, &School> =
        problem.schools.iter().map(|s| (s.urn, s)).collect();
    let ok = |g: &[Urn]| {
        g.iter()
            .enumerate()
            .all(|(i, a)| g[i + 1..].iter().all(|b| rules.check(by[a], by[b]).is_ok()))
    };
    let datable = |g: &[Urn]| {
        if answered {
            g.len() - d.undated(g)
        } else {
            d.datable_now(g)
        }
    };
    /// The best so far: over every plan, and by schools left out.
    struct Best {
        any: usize,
        by_left_out: Vec<Option<usize>>,
    }
    #[allow(clippy::too_many_arguments)]
    fn go(
        free: &mut Vec<bool>,
        urns: &[Urn],
        ok: &dyn Fn(&[Urn]) -> bool,
        d: &dyn Fn(&[Urn]) -> usize,
        acc: usize,
        left_out: usize,
        best: &mut Best,
    ) {
        let Some(a) = free.iter().position(|&f| f) else {
            best.any = best.any.max(acc);
            let at = &mut best.by_left_out[left_out];
            *at = Some(at.unwrap_or(0).max(acc));
            return;
        };
        free[a] = false;
        go(free, urns, ok, d, acc, left_out + 1, best);
        let n = urns.len();
        for b in a + 1..n {
            for c in b + 1..n {
                if !free[b] || !free[c] || !ok(&[urns[a], urns[b], urns[c]]) {
                    continue;
                }
                free[b] = false;
                free[c] = false;
                let g3 = d(&[urns[a], urns[b], urns[c]]);
                go(free, urns, ok, d, acc + g3, left_out, best);
                for e in c + 1..n {
                    if !free[e] || !ok(&[urns[a], urns[b], urns[c], urns[e]]) {
                        continue;
                    }
                    free[e] = false;
                    let [p, q, r, s] = [urns[a], urns[b], urns[c], urns[e]];
                    let g4 = [[p, r, q, s], [p, q, r, s], [p, q, s, r]]
                        .iter()
                        .map(|o| d(o))
                        .max()
                        .unwrap();
                    go(free, urns, ok, d, acc + g4, left_out, best);
                    free[e] = true;
                }
                free[b] = true;
                free[c] = true;
            }
        }
        free[a] = true;
    }
    let mut best = Best {
        any: 0,
        by_left_out: vec![None; urns.len() + 1],
    };
    go(
        &mut vec![true; urns.len()],
        &urns,
        &ok,
        &datable,
        0,
        0,
        &mut best,
    );
    (best.any, best.by_left_out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// The bound on dated reviews holds for every plan (brute force over
    /// every grouping of a small instance), and the plan's own datable
    /// reviews never exceed it.
    #[test]
    fn the_dated_bound_is_at_least_what_brute_force_finds(seed in 0u64..1_000_000, n in 5usize..9) {
        let mut problem = six_in_a_line();
        problem.schools = (0..n as u32)
            .map(|i| school(2 * i, Phase::Primary, (i % 3) as f64, (i / 3) as f64, None, 300, true))
            .collect();
        let calendar = eight_weeks();
        let days = weekdays(&calendar);
        let mut s = seed;
        let mut next = |m: u64| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 33) % m
        };
        let mut availability = Availability::default();
        for sch in &problem.schools {
            if next(8) == 0 {
                continue; // silent
            }
            let per = 10 + next(40);
            for d in &days {
                if next(100) < per {
                    availability.insert(Person::Head(sch.urn), *d, Level::Possible);
                }
            }
        }
        problem.availability = Some(KnownDates { availability, calendar });
        let bound = super::dated_bound(&problem, 10.0, Over::EveryPlan).unwrap();
        let (best, by_left_out) = most_dated_by_brute_force(&problem, false);
        prop_assert!(bound >= best, "bound {bound} below a plan dating {best}");
        // Without search (no budget left) it holds too, and is never tighter.
        let alone = super::dated_bound(&problem, 0.0, Over::EveryPlan).unwrap();
        prop_assert!(alone >= bound, "bound without search {alone} below {bound}");
        let p = plan(&problem, &|_, _| {}).unwrap();
        prop_assert!(validate(&p, &problem).is_empty());
        let rules = super::compat::PairRules::new(&problem);
        let d = rules.dating().unwrap();
        let datable: usize = p.triads.iter().map(|t| d.datable_now(&t.schools)).sum();
        prop_assert!(datable <= bound);
        // Over the plans placing as many schools as this one: it holds for
        // the plan itself and for every plan leaving out no more schools,
        // and is never looser.
        let groups: Vec<Vec<Urn>> = p.triads.iter().map(|t| t.schools.clone()).collect();
        let placing = super::dated_bound(&problem, 10.0, Over::PlacingAsMany(&groups)).unwrap();
        prop_assert!(datable <= placing, "plan dates {datable}, above {placing}");
        prop_assert!(Some(datable) <= p.stats.dated_bound);
        prop_assert!(placing <= bound);
        // (Counting left-out schools over the whole instance is counting
        // them per component where there is one component.)
        let k = p.unplaced.len();
        if k == 0 || super::build::prepare(&problem).components(&[]).len() == 1 {
            let best_placing = by_left_out[..=k].iter().flatten().max().copied();
            let best_placing = best_placing.expect("this plan is one");
            prop_assert!(placing >= best_placing, "bound {placing} below a plan leaving out at most {k} and dating {best_placing}");
        }
        // Under "wait", once the silent heads answer (free): the bound holds
        // over every plan, is never below today's, and covers what the plan
        // dates now plus what its awaiting groups could date then.
        let silent = problem.schools.iter().any(|s| d.is_silent(s.urn));
        let answered = super::answered_bound(&problem, 10.0, Over::EveryPlan);
        prop_assert_eq!(answered.is_some(), silent);
        if let Some(answered) = answered {
            let (best, _) = most_dated_by_brute_force(&problem, true);
            prop_assert!(answered >= best, "answered bound {answered} below a plan dating {best}");
            prop_assert!(answered >= bound);
            let ready = p.stats.ready_awaiting.unwrap_or(0);
            prop_assert!(p.stats.answered_bound.is_some());
            prop_assert!(datable + ready <= answered, "{datable} + {ready} above {answered}");
            let placing = super::answered_bound(&problem, 10.0, Over::PlacingAsMany(&groups)).unwrap();
            prop_assert!(datable + ready <= placing, "{datable} + {ready} above {placing}");
            prop_assert!(placing <= answered);
        }
    }
}

/// Two heads who offered nothing, at the two ends of a line: travel alone
/// puts them in different groups, so both groups wait on them. The
/// `awaiting_pair` term gathers them into one group, whose reviews wait,
/// and the other group's heads can be dated.
#[test]
fn silent_heads_are_gathered_so_that_fewer_heads_wait_on_them() {
    let mut problem = six_in_a_line();
    let mut dates = dates_except(&problem, &[]);
    let silent = [problem.schools[0].urn, problem.schools[5].urn];
    for u in silent {
        dates.availability.people.remove(&Person::Head(u));
    }
    problem.availability = Some(dates);
    let p = plan(&problem, &|_, _| {}).unwrap();
    assert!(validate(&p, &problem).is_empty());
    let waiting: Vec<&super::Triad> = p
        .triads
        .iter()
        .filter(|t| t.schools.iter().any(|u| silent.contains(u)))
        .collect();
    assert_eq!(waiting.len(), 1, "{:?}", p.triads);
    let w = problem.rules.weights.awaiting_pair;
    assert_eq!(waiting[0].score["awaiting_dates"], 2.0 * w);
    assert_eq!(p.stats.awaiting_groups, 1);

    // Without the term, travel decides: both groups wait.
    problem.rules.weights.awaiting_pair = 0.0;
    let p = plan(&problem, &|_, _| {}).unwrap();
    assert!(validate(&p, &problem).is_empty());
    assert_eq!(p.stats.awaiting_groups, 2);
    assert!(p
        .triads
        .iter()
        .all(|t| !t.score.contains_key("awaiting_dates")));
}

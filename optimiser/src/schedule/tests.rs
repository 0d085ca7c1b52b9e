//! Properties of every schedule on random instances (checked here by hand,
//! independently of `validate`), the minimal-change promise, adviser
//! re-assignment and the reasons given for reviews that cannot be dated.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::calendar::Days;
use crate::model::{AdviserKind, Location, Phase, PhaseGroup};
use crate::triads::advisers::{adviser_score, group_days, no_adviser_score, GroupNeed};
use crate::triads::plan::{AdviserLoad, LedgerEntry, Review, Triad};
use crate::triads::validate::is_adviser_term;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn school(i: u32) -> School {
    School {
        urn: Urn(100_000 + i),
        name: format!("School {i}"),
        la_code: 900,
        la_name: "LA".into(),
        phase: Phase::Primary,
        establishment_type: "Community school".into(),
        trust: None,
        location: Some(Location {
            easting: 500_000.0 + f64::from(i) * 100.0,
            northing: 200_000.0,
        }),
        postcode: None,
        pupils: Some(300),
        fsm_percent: Some(20.0),
        ofsted: None,
        last_inspection: None,
        religious_character: None,
        town: None,
    }
}

fn adviser(id: &str) -> Adviser {
    Adviser {
        id: id.into(),
        name: id.into(),
        kind: AdviserKind::LaOfficer,
        phases: vec![PhaseGroup::Primary],
        capacity_days: 30,
        day_rate: 0.0,
        base: None,
        linked_school: None,
        linked_trust: None,
        email: None,
    }
}

/// `groups` triads of schools 3g, 3g+1, 3g+2 in rotation, each review
/// `days` long, with the given advisers.
fn plan(groups: usize, days: u32, advisers: &[Option<&str>]) -> Plan {
    let mut triads = Vec::new();
    let mut ledger = Vec::new();
    for g in 0..groups {
        let urns: Vec<Urn> = (0..3).map(|k| Urn(100_000 + (3 * g + k) as u32)).collect();
        let reviews = Review::rotation(&urns, days);
        for u in &urns {
            ledger.push(LedgerEntry {
                urn: *u,
                days_given: 2 * days,
                days_received: 2 * days,
                leads: 1,
            });
        }
        triads.push(Triad::new(
            format!("G{g:04}"),
            PhaseGroup::Primary,
            urns,
            advisers.get(g).copied().flatten().map(String::from),
            reviews,
        ));
    }
    let mut loads: BTreeMap<String, AdviserLoad> = BTreeMap::new();
    for t in &triads {
        if let Some(a) = &t.adviser {
            let l = loads.entry(a.clone()).or_insert(AdviserLoad {
                id: a.clone(),
                groups: vec![],
                days: 0,
                capacity_days: 30,
                day_rate: 0.0,
                cost: 0.0,
                advised_last_year: vec![],
            });
            l.groups.push(t.id.clone());
            l.days += 3 * days;
        }
    }
    let mut plan = Plan::of_groups(2026, triads, ledger);
    plan.cost.advisers = loads.into_values().collect();
    plan
}

fn calendar() -> Calendar {
    Calendar {
        first: d(2026, 9, 7),
        last: d(2026, 12, 18),
        half_terms: vec![
            HalfTerm {
                name: "Autumn 1".into(),
                first: d(2026, 9, 2),
                last: d(2026, 10, 23),
            },
            HalfTerm {
                name: "Autumn 2".into(),
                first: d(2026, 11, 2),
                last: d(2026, 12, 18),
            },
        ],
        blackouts: vec![Blackout {
            first: d(2026, 11, 9),
            last: Some(d(2026, 11, 13)),
            reason: "test week".into(),
        }],
        school_blackouts: vec![SchoolBlackout {
            urn: Urn(100_000),
            first: d(2026, 9, 7),
            last: Some(d(2026, 9, 30)),
            reason: "inspection".into(),
        }],
    }
}

/// A simple deterministic generator, so that proptest shrinks over seeds.
fn next(s: &mut u64) -> u64 {
    *s = s
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *s >> 33
}

fn availability(plan: &Plan, cal: &Calendar, share: f64, mut seed: u64) -> Availability {
    let days = Days::new(cal);
    let mut people: Vec<Person> = plan
        .triads
        .iter()
        .flat_map(|t| t.schools.iter().map(|u| Person::Head(*u)))
        .collect();
    people.extend(
        plan.triads
            .iter()
            .filter_map(|t| t.adviser.clone())
            .map(Person::Adviser),
    );
    let mut a = Availability::default();
    for p in people {
        for &day in &days.days {
            let r = (next(&mut seed) % 1000) as f64 / 1000.0;
            if r < share {
                let level = if next(&mut seed).is_multiple_of(3) {
                    Level::Preferred
                } else {
                    Level::Possible
                };
                a.insert(p.clone(), day, level);
            }
        }
    }
    a
}

fn load(id: &str) -> AdviserLoad {
    AdviserLoad {
        id: id.into(),
        groups: vec![],
        days: 0,
        capacity_days: 30,
        day_rate: 0.0,
        cost: 0.0,
        advised_last_year: vec![],
    }
}

fn problem(plan: Plan, availability: Availability, rules: ScheduleRules) -> ScheduleProblem {
    let schools = (0..plan.triads.len() as u32 * 3).map(school).collect();
    let mut advisers: Vec<Adviser> = plan.cost.advisers.iter().map(|l| adviser(&l.id)).collect();
    advisers.sort_by(|a, b| a.id.cmp(&b.id));
    let mut p = ScheduleProblem {
        plan,
        schools,
        advisers,
        triad_rules: TriadRules::default(),
        availability,
        calendar: calendar(),
        rules,
        previous: None,
    };
    rescore(&mut p);
    p
}

/// Gives the plan the adviser terms, ledger and adviser objective the
/// grouping step would have given it with these advisers and rules.
fn rescore(p: &mut ScheduleProblem) {
    let rules = &p.triad_rules;
    let mut last_year: HashMap<Urn, Vec<String>> = HashMap::new();
    for l in &p.plan.cost.advisers {
        for u in &l.advised_last_year {
            last_year.entry(*u).or_default().push(l.id.clone());
        }
    }
    for t in &mut p.plan.triads {
        let schools: Vec<&School> = t
            .schools
            .iter()
            .map(|u| p.schools.iter().find(|s| s.urn == *u).unwrap())
            .collect();
        let need = GroupNeed {
            id: t.id.clone(),
            phase: t.phase,
            schools,
            last_year_advisers: t
                .schools
                .iter()
                .flat_map(|u| last_year.get(u).cloned().unwrap_or_default())
                .collect(),
            pinned_adviser: None,
            previous_adviser: None,
        };
        t.score.retain(|k, _| !is_adviser_term(k));
        match &t.adviser {
            Some(id) => {
                let a = p.advisers.iter().find(|a| a.id == *id).unwrap();
                let s = adviser_score(a, &need, rules);
                t.score.extend(s.score);
                t.metrics.adviser_travel_km = s.travel_km;
            }
            None => {
                t.score.extend(no_adviser_score(rules));
                t.metrics.adviser_travel_km = None;
            }
        }
    }
    for l in &mut p.plan.cost.advisers {
        let a = p.advisers.iter().find(|a| a.id == l.id).unwrap();
        l.day_rate = a.day_rate;
        l.capacity_days = a.capacity_days;
        l.days = p
            .plan
            .triads
            .iter()
            .filter(|t| t.adviser.as_ref() == Some(&l.id))
            .map(|t| group_days(t.schools.len(), rules))
            .sum();
        l.cost = l.day_rate * f64::from(l.days);
    }
    p.plan.cost.budget = rules.adviser_budget;
    p.plan.cost.total = p.plan.cost.advisers.iter().map(|l| l.cost).sum();
    p.plan.stats.adviser_objective = adviser_points(&p.plan);
}

fn adviser_points(plan: &Plan) -> f64 {
    plan.triads
        .iter()
        .flat_map(|t| t.score.iter())
        .filter(|(k, _)| is_adviser_term(k))
        .map(|(_, v)| v)
        .sum()
}

fn people_of(t: &Triad, r: &Review) -> Vec<Person> {
    let mut v: Vec<Person> = review_heads(r.host, &r.reviewers)
        .into_iter()
        .map(Person::Head)
        .collect();
    v.extend(t.adviser.clone().map(Person::Adviser));
    v
}

/// The rules checked by hand, without `validate`.
fn check_by_hand(p: &ScheduleProblem, out: &ScheduledPlan) {
    let days = Days::new(&p.calendar);
    let mut busy: HashMap<(Person, NaiveDate), usize> = HashMap::new();
    let mut per_period: HashMap<(Person, usize), u32> = HashMap::new();
    for t in &out.plan.triads {
        let mut starts = vec![];
        for r in &t.reviews {
            let Some(start) = r.start else {
                assert!(r.unscheduled_reason.is_some());
                continue;
            };
            starts.push(start);
            assert_eq!(r.dates.len(), r.days as usize);
            assert_eq!(r.dates[0], start);
            for date in &r.dates {
                assert!(p.calendar.first <= *date && *date <= p.calendar.last);
                assert!(!p.calendar.blackouts.iter().any(|b| b.covers(*date)));
                let i = days.index[date];
                for person in people_of(t, r) {
                    assert!(
                        p.availability.level(&person, *date).is_some(),
                        "{person} on {date}"
                    );
                    if let Person::Head(u) = &person {
                        assert!(!p.calendar.school_blackouts.iter().any(|b| b.urn == *u
                            && b.first <= *date
                            && *date <= b.last.unwrap_or(b.first)));
                    }
                    *busy.entry((person.clone(), *date)).or_default() += 1;
                    *per_period.entry((person, days.period[i])).or_default() += 1;
                }
            }
        }
        starts.sort();
        for w in starts.windows(2) {
            assert!((w[1] - w[0]).num_days() >= i64::from(p.rules.min_days_between_group_reviews));
        }
    }
    assert!(busy.values().all(|n| *n == 1), "someone is double-booked");
    assert!(per_period
        .values()
        .all(|n| *n <= p.rules.max_days_per_half_term));
    let s = &out.schedule;
    assert!(s.lower_bound <= s.objective + 1e-6);
    assert_eq!(s.scheduled + s.unscheduled, s.reviews);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_schedule_keeps_every_rule(
        groups in 1usize..6,
        shared_adviser in any::<bool>(),
        days in 1u32..3,
        share in 0.1f64..0.7,
        seed in any::<u64>(),
        cap in 2u32..5,
        gap in 0u32..15,
    ) {
        let adv: Vec<Option<&str>> = (0..groups)
            .map(|g| Some(if shared_adviser || g % 2 == 0 { "A1" } else { "A2" }))
            .collect();
        let plan = plan(groups, days, &adv);
        let cal = calendar();
        let avail = availability(&plan, &cal, share, seed);
        let rules = ScheduleRules {
            max_days_per_half_term: cap.max(days),
            min_days_between_group_reviews: gap,
            ..ScheduleRules::default()
        };
        let mut p = problem(plan, avail, rules);
        p.triad_rules.review_days = days;
        rescore(&mut p);
        let out = schedule(&p).unwrap();
        prop_assert!(validate(&out.plan, &p).is_empty());
        check_by_hand(&p, &out);
        // No schedule dates more than the bound over every grouping.
        let bound = out.schedule.dated_bound.expect("a bound, the schools being known");
        prop_assert!(out.schedule.dated <= bound, "{} dated, bound {bound}", out.schedule.dated);
        // Deterministic, but for how tight the bounds are: their search
        // stops on the clock (at most `bound_seconds`), and under load it
        // may stop sooner. Wherever it stops the bound holds.
        let again = schedule(&p).unwrap().plan;
        let timed = |mut plan: Plan| {
            plan.stats.dated_bound = None;
            plan.stats.answered_bound = None;
            plan
        };
        prop_assert!(again.stats.dated_bound.is_some_and(|b| b >= out.schedule.dated));
        prop_assert_eq!(timed(again), timed(out.plan.clone()));
    }
}

#[test]
fn heads_with_no_common_date_get_a_reason_with_the_numbers() {
    let plan = plan(1, 1, &[Some("A1")]);
    let mut a = Availability::default();
    // Head 100000 offers Mondays only (its September is blacked out), 100001 Tuesdays, the rest everything.
    for day in Days::new(&calendar()).days {
        use chrono::Datelike;
        let wd = day.weekday().num_days_from_monday();
        if wd == 0 {
            a.insert(Person::Head(Urn(100_000)), day, Level::Possible);
        }
        if wd == 1 {
            a.insert(Person::Head(Urn(100_001)), day, Level::Possible);
        }
        a.insert(Person::Head(Urn(100_002)), day, Level::Preferred);
        a.insert(Person::Adviser("A1".into()), day, Level::Preferred);
    }
    let p = problem(plan, a, ScheduleRules::default());
    let out = schedule(&p).unwrap();
    let r = &out.plan.triads[0].reviews;
    // Every review needs both 100000 and 100001.
    for review in r {
        let why = review.unscheduled_reason.as_deref().unwrap();
        assert!(
            why.contains("share no date between 2026-09-07 and 2026-12-18"),
            "{why}"
        );
        assert!(why.contains("100000 offered 9"), "{why}");
        assert!(why.contains("100001 offered 13"), "{why}");
        assert!(why.contains("adviser A1"), "{why}");
    }
    assert_eq!(out.schedule.unscheduled, 3);
}

#[test]
fn taken_dates_are_explained() {
    // One date for everybody: only one review of the group can have it.
    let plan = plan(1, 1, &[None]);
    let mut a = Availability::default();
    for u in 0..3 {
        a.insert(
            Person::Head(Urn(100_000 + u)),
            d(2026, 10, 6),
            Level::Possible,
        );
    }
    let p = problem(plan, a, ScheduleRules::default());
    let out = schedule(&p).unwrap();
    assert_eq!(out.schedule.scheduled, 1);
    let reasons: Vec<&str> = out.plan.triads[0]
        .reviews
        .iter()
        .filter_map(|r| r.unscheduled_reason.as_deref())
        .collect();
    assert_eq!(reasons.len(), 2);
    for why in reasons {
        assert!(why.contains("2026-10-06 (the head of"), "{why}");
    }
}

#[test]
fn a_changed_availability_moves_only_that_persons_reviews() {
    let adv = [Some("A1"), Some("A2"), Some("A3"), Some("A4")];
    let plan = plan(4, 1, &adv);
    let avail = availability(&plan, &calendar(), 0.5, 11);
    let p = problem(plan, avail, ScheduleRules::default());
    let first = schedule(&p).unwrap();
    // The head of 100004 (group G0001) withdraws the date of one of their reviews.
    let who = Person::Head(Urn(100_004));
    let t = &first.plan.triads[1];
    let r = t
        .reviews
        .iter()
        .find(|r| r.start.is_some())
        .expect("a dated review");
    let date = r.start.unwrap();
    let mut changed = p.availability.clone();
    changed.people.get_mut(&who).unwrap().remove(&date);
    let second_problem = ScheduleProblem {
        availability: changed,
        previous: Some(first.plan.clone()),
        ..p.clone()
    };
    let second = schedule(&second_problem).unwrap();
    let mut moved = 0;
    for (t1, t2) in first.plan.triads.iter().zip(&second.plan.triads) {
        for (r1, r2) in t1.reviews.iter().zip(&t2.reviews) {
            let involved = people_of(t1, r1).contains(&who);
            if r1.start != r2.start {
                moved += 1;
                assert!(
                    involved,
                    "review at {} moved but {who} is not in it",
                    r1.host
                );
                assert_eq!(r2.sequence, r1.sequence + 1);
            } else {
                assert_eq!(r2.sequence, r1.sequence);
            }
        }
    }
    // The review on the withdrawn date had to move; nothing else needed to.
    assert!(moved >= 1);
    assert_eq!(moved, second.schedule.moved);
    let on_date = second.plan.triads[1]
        .reviews
        .iter()
        .find(|x| x.host == r.host)
        .unwrap();
    assert_ne!(on_date.start, Some(date));
}

#[test]
fn an_adviser_without_dates_is_replaced_by_one_with_dates() {
    let mut plan = plan(1, 1, &[Some("A1")]);
    plan.cost.advisers.push(load("A2"));
    let mut avail = availability(&plan, &calendar(), 0.8, 5);
    avail.people.remove(&Person::Adviser("A1".into()));
    for day in Days::new(&calendar()).days {
        avail.insert(Person::Adviser("A2".into()), day, Level::Possible);
    }
    let p = problem(plan, avail, ScheduleRules::default());
    let out = schedule(&p).unwrap();
    assert_eq!(out.plan.triads[0].adviser.as_deref(), Some("A2"));
    assert_eq!(out.schedule.advisers_reassigned, 1);
    assert!(out.plan.warnings[0].contains("adviser A1 replaced by A2"));
    let a2 = ledger_line(&out.plan, "A2");
    assert_eq!(a2.groups, vec!["G0000".to_string()]);
    assert_eq!(out.schedule.scheduled, 3);
    assert!(validate(&out.plan, &p).is_empty());
}

#[test]
fn validate_catches_a_double_booking() {
    let plan = plan(1, 1, &[None]);
    let avail = availability(&plan, &calendar(), 1.0, 1);
    let p = problem(plan, avail, ScheduleRules::default());
    let mut out = schedule(&p).unwrap();
    let date = out.plan.triads[0].reviews[0].start.unwrap();
    let r = &mut out.plan.triads[0].reviews[1];
    r.start = Some(date);
    r.dates = vec![date];
    let v = validate(&out.plan, &p);
    assert!(v.iter().any(|v| v.rule == "double booking"), "{v:?}");
    assert!(v.iter().any(|v| v.rule == "spacing"), "{v:?}");
}

/// The adviser's line of the plan's cost ledger.
fn ledger_line<'a>(plan: &'a Plan, id: &str) -> &'a AdviserLoad {
    plan.cost.advisers.iter().find(|l| l.id == id).unwrap()
}

/// Every school day for these people.
fn every_day(a: &mut Availability, people: &[Person]) {
    for day in Days::new(&calendar()).days {
        for p in people {
            a.insert(p.clone(), day, Level::Possible);
        }
    }
}

fn heads(plan: &Plan) -> Vec<Person> {
    plan.triads
        .iter()
        .flat_map(|t| t.schools.iter().map(|u| Person::Head(*u)))
        .collect()
}

/// One group left without an adviser by the grouping step, and A2 free.
fn group_without_adviser() -> (Plan, Availability) {
    let mut plan = plan(1, 1, &[None]);
    plan.cost.advisers.push(load("A2"));
    let reason = "no adviser competent for primary has capacity left".to_string();
    plan.triads[0].adviser_reason = Some(reason.clone());
    plan.diagnosis
        .push(crate::triads::plan::no_adviser_line("G0000", &reason));
    let mut avail = Availability::default();
    every_day(&mut avail, &heads(&plan));
    (plan, avail)
}

#[test]
fn a_group_without_an_adviser_is_given_one_whose_dates_fit() {
    let (plan, mut avail) = group_without_adviser();
    every_day(&mut avail, &[Person::Adviser("A2".into())]);
    let p = problem(plan, avail, ScheduleRules::default());
    assert_eq!(p.plan.stats.adviser_objective, 500.0);
    let out = schedule(&p).unwrap();
    let t = &out.plan.triads[0];
    assert_eq!(t.adviser.as_deref(), Some("A2"));
    assert_eq!(t.adviser_reason, None);
    assert!(!t.score.contains_key("no_adviser"), "{:?}", t.score);
    assert!(t.score.contains_key("adviser_travel"), "{:?}", t.score);
    assert!(out.plan.diagnosis.is_empty(), "{:?}", out.plan.diagnosis);
    assert_eq!(out.plan.stats.adviser_objective, 0.0);
    assert_eq!(out.schedule.advisers_reassigned, 1);
    assert!(out.plan.warnings[0].contains("adviser A2 given to the group, which had none"));
    let a2 = ledger_line(&out.plan, "A2");
    assert_eq!((a2.groups.clone(), a2.days), (vec!["G0000".to_string()], 3));
    assert_eq!(out.schedule.scheduled, 3);
    // The adviser is on every review's dates.
    let who = Person::Adviser("A2".into());
    assert!(t
        .reviews
        .iter()
        .all(|r| p.availability.level(&who, r.start.unwrap()).is_some()));
    assert!(validate(&out.plan, &p).is_empty());
}

#[test]
fn no_adviser_is_given_whose_dates_or_days_do_not_fit() {
    // A2 offered no dates at all.
    let (plan, avail) = group_without_adviser();
    let p = problem(plan.clone(), avail.clone(), ScheduleRules::default());
    let out = schedule(&p).unwrap();
    assert_eq!(out.plan.triads[0].adviser, None);
    assert_eq!(out.schedule.advisers_reassigned, 0);
    assert_eq!(out.plan.diagnosis.len(), 1);
    // A2 offers one date only: the heads alone could date all three reviews.
    let mut one_date = avail.clone();
    one_date.insert(
        Person::Adviser("A2".into()),
        d(2026, 10, 6),
        Level::Possible,
    );
    let out = schedule(&problem(plan.clone(), one_date, ScheduleRules::default())).unwrap();
    assert_eq!(out.plan.triads[0].adviser, None);
    // A2 has every date but two days left in the year; the group needs three.
    let mut full = avail;
    every_day(&mut full, &[Person::Adviser("A2".into())]);
    let mut p = problem(plan, full, ScheduleRules::default());
    p.advisers.iter_mut().for_each(|a| a.capacity_days = 2);
    assert_eq!(schedule(&p).unwrap().plan.triads[0].adviser, None);
}

#[test]
fn a_reassigned_adviser_brings_their_own_terms_and_ledger_line() {
    let mut plan = plan(1, 1, &[Some("A1")]);
    let mut a2 = load("A2");
    // A2 advised the second school last year: continuity.
    a2.advised_last_year = vec![Urn(100_001)];
    plan.cost.advisers.push(a2);
    let mut avail = Availability::default();
    every_day(&mut avail, &heads(&plan));
    every_day(&mut avail, &[Person::Adviser("A2".into())]);
    let mut p = problem(plan, avail, ScheduleRules::default());
    // A1 is based 10 km away and free; A2 100 km away at £200 a day.
    p.advisers[0].base = Some(Location {
        easting: 500_000.0,
        northing: 210_000.0,
    });
    p.advisers[1].base = Some(Location {
        easting: 600_000.0,
        northing: 200_000.0,
    });
    p.advisers[1].day_rate = 200.0;
    p.triad_rules.adviser_budget = 1000.0;
    rescore(&mut p);
    let before = p.plan.triads[0].score.clone();
    // The undated plan fails only for its missing dates.
    assert!(validate(&p.plan, &p).iter().all(|v| v.rule == "schedule"));
    let out = schedule(&p).unwrap();
    let t = &out.plan.triads[0];
    assert_eq!(t.adviser.as_deref(), Some("A2"));
    // 100 km less 0.1 and 0.2 km to the three schools, at 0.2 points a km;
    // £600 at 0.01 points a pound; 5 points of continuity saved.
    let km = 100.0 + 99.9 + 99.8;
    assert!((t.metrics.adviser_travel_km.unwrap() - km).abs() < 1e-6);
    assert!(
        (t.score["adviser_travel"] - 0.2 * km).abs() < 1e-6,
        "{:?}",
        t.score
    );
    assert!(
        (t.score["adviser_cost"] - 6.0).abs() < 1e-9,
        "{:?}",
        t.score
    );
    assert_eq!(t.score["adviser_continuity"], -5.0);
    let line = |id: &str| out.plan.cost.advisers.iter().find(|l| l.id == id).unwrap();
    assert_eq!((line("A1").days, line("A1").cost), (0, 0.0));
    assert_eq!((line("A2").days, line("A2").cost), (3, 600.0));
    assert_eq!(out.plan.cost.total, 600.0);
    assert!((out.plan.stats.adviser_objective - adviser_points(&out.plan)).abs() < 1e-9);
    assert!(validate(&out.plan, &p).is_empty());
    // The old terms left in place are caught.
    let mut stale = out.plan.clone();
    stale.triads[0].score = before;
    let v = validate(&stale, &p);
    assert!(v.iter().any(|v| v.rule == "adviser score"), "{v:?}");
}

#[test]
fn a_ledger_that_disagrees_with_the_groups_is_caught() {
    let plan = plan(2, 1, &[Some("A1"), Some("A1")]);
    let avail = availability(&plan, &calendar(), 0.5, 3);
    let p = problem(plan, avail, ScheduleRules::default());
    let mut out = schedule(&p).unwrap();
    out.plan.cost.advisers[0].groups.pop();
    let v = validate(&out.plan, &p);
    assert!(
        v.iter()
            .any(|v| v.rule == "cost" && v.message.contains("A1")),
        "{v:?}"
    );
}

#[test]
fn a_published_date_is_not_given_up_to_date_another_review() {
    // One date for everybody: only one review of the group can have it.
    let plan = plan(1, 1, &[None]);
    let mut a = Availability::default();
    let date = d(2026, 10, 6);
    for u in 0..3 {
        a.insert(Person::Head(Urn(100_000 + u)), date, Level::Possible);
    }
    let p = problem(plan, a, ScheduleRules::default());
    let first = schedule(&p).unwrap();
    // Publish the date on another review than the one the solver picks.
    let mut published = first.plan.clone();
    let picked = published.triads[0]
        .reviews
        .iter()
        .position(|r| r.start.is_some())
        .unwrap();
    let other = (picked + 1) % 3;
    for (i, r) in published.triads[0].reviews.iter_mut().enumerate() {
        let on = i == other;
        r.start = on.then_some(date);
        r.dates = if on { vec![date] } else { vec![] };
        r.unscheduled_reason = None;
    }
    let second = schedule(&ScheduleProblem {
        previous: Some(published),
        ..p.clone()
    })
    .unwrap();
    let reviews = &second.plan.triads[0].reviews;
    assert_eq!(reviews[other].start, Some(date));
    assert_eq!(second.schedule.moved, 0);
}

/// A head who offered nothing while others did: their group's reviews stay
/// undated, each saying it awaits that head's dates; the grouping step
/// formed the group as if they were free (`triads` tests).
#[test]
fn a_silent_heads_reviews_await_their_dates() {
    let plan = plan(2, 1, &[None, None]);
    let mut avail = Availability::default();
    let silent = Person::Head(Urn(100_000));
    let people: Vec<Person> = heads(&plan).into_iter().filter(|p| *p != silent).collect();
    every_day(&mut avail, &people);
    let p = problem(plan, avail, ScheduleRules::default());
    let out = schedule(&p).unwrap();
    let g0 = &out.plan.triads[0];
    for r in &g0.reviews {
        let why = r.unscheduled_reason.as_deref().unwrap_or_default();
        assert!(
            why.starts_with("awaiting dates: the head of 100000"),
            "{why}"
        );
    }
    assert!(out.plan.triads[1].reviews.iter().all(|r| r.start.is_some()));
    assert_eq!(out.schedule.awaiting, 3);
    assert_eq!(out.schedule.dated, 3);
    // The plan places every school, and so must the plans the bound is
    // over (placing comes first): the silent head's group waits whatever
    // its other heads, so no plan dates more than these 3. Leaving that
    // school out, a four of the other five could date 4.
    assert_eq!(out.schedule.dated_bound, Some(3));
}

/// An adviser free on one day: at every review only one review is dated;
/// at one review all three are, the adviser at one of them, and the other
/// two say why the adviser is not there.
#[test]
fn an_adviser_at_one_review_lets_the_others_be_dated() {
    let plan = plan(1, 1, &[Some("A1")]);
    let mut avail = Availability::default();
    every_day(&mut avail, &heads(&plan));
    // A school day no school of the group has blacked out.
    let days = Days::new(&calendar());
    let free = (0..days.days.len())
        .find(|d| days.school_off.values().all(|off| !off.contains(d)))
        .unwrap();
    let only = days.days[free];
    avail.insert(Person::Adviser("A1".into()), only, Level::Possible);
    // The adviser kept at any price: letting them go is tested below.
    let mut keep = ScheduleRules::default();
    keep.weights.adviser_released = 1e6;
    let p = problem(plan.clone(), avail.clone(), keep);
    let every = schedule(&p).unwrap();
    assert_eq!(
        every.schedule.dated, 1,
        "{:?}",
        every.plan.triads[0].reviews
    );
    assert!(
        every
            .schedule
            .relaxations
            .iter()
            .any(|l| l == "advisers at one review per group: 2 more reviews dated"),
        "{:?}",
        every.schedule.relaxations
    );
    assert!(every.plan.triads[0]
        .reviews
        .iter()
        .all(|r| r.adviser.as_deref() == Some("A1") && r.adviser_absent.is_none()));

    let mut p = problem(plan, avail, ScheduleRules::default());
    p.triad_rules.adviser_presence = crate::triads::AdviserPresence::OneReview;
    let one = schedule(&p).unwrap();
    assert_eq!(one.schedule.dated, 3);
    assert_eq!(one.plan.stats.dated, Some(3));
    let t = &one.plan.triads[0];
    let with: Vec<&Review> = t.reviews.iter().filter(|r| r.adviser.is_some()).collect();
    assert_eq!(with.len(), 1);
    assert_eq!(with[0].start, Some(only));
    for r in t.reviews.iter().filter(|r| r.adviser.is_none()) {
        let why = r.adviser_absent.as_deref().unwrap();
        assert!(
            why.starts_with("this year's rules ask the adviser of group 0 to one of its reviews")
                && why.contains(&with[0].host.to_string()),
            "{why}"
        );
    }
    assert!(validate(&one.plan, &p).is_empty());
    // The adviser taken off every review breaks the rule.
    let mut broken = one.plan.clone();
    for r in &mut broken.triads[0].reviews {
        r.adviser = None;
    }
    assert!(validate(&broken, &p)
        .iter()
        .any(|v| v.rule == "adviser presence"));
}

/// An adviser free on one day, asked to every review: letting them go
/// dates all three reviews on the heads' dates, worth more than the
/// adviser (`adviser_released`); the group then has no adviser, with why,
/// and the ledger and its adviser terms say so.
#[test]
fn an_adviser_who_cannot_come_is_let_go_so_that_the_reviews_are_dated() {
    let plan = plan(1, 1, &[Some("A1")]);
    let mut avail = Availability::default();
    every_day(&mut avail, &heads(&plan));
    avail.insert(
        Person::Adviser("A1".into()),
        d(2026, 10, 6),
        Level::Possible,
    );
    let p = problem(plan.clone(), avail.clone(), ScheduleRules::default());
    let out = schedule(&p).unwrap();
    assert_eq!(out.schedule.dated, 3);
    assert_eq!(out.schedule.advisers_released, 1);
    let t = &out.plan.triads[0];
    assert_eq!(t.adviser, None);
    assert_eq!(t.score, no_adviser_score(&p.triad_rules));
    let why = t.adviser_reason.as_deref().unwrap();
    assert!(
        why.starts_with("A1 could not come on enough of the dates the group's heads can keep")
            && why.ends_with("so 3 of its 3 reviews are dated without an adviser"),
        "{why}"
    );
    assert!(out
        .plan
        .diagnosis
        .contains(&crate::triads::plan::no_adviser_line("G0000", why)));
    for r in &t.reviews {
        assert_eq!(r.adviser, None);
        assert!(r.adviser_absent.as_deref().unwrap().contains(why));
    }
    let a1 = ledger_line(&out.plan, "A1");
    assert!(a1.groups.is_empty() && a1.days == 0, "{a1:?}");
    assert_eq!(out.plan.stats.adviser_objective, 500.0);
    assert!(validate(&out.plan, &p).is_empty());

    // A pinned group's adviser is the SIM's choice: kept, one review dated.
    let mut pinned = plan;
    pinned.triads[0].pinned = true;
    let p = problem(pinned, avail, ScheduleRules::default());
    let out = schedule(&p).unwrap();
    assert_eq!(out.plan.triads[0].adviser.as_deref(), Some("A1"));
    assert_eq!((out.schedule.dated, out.schedule.advisers_released), (1, 0));
}

/// An adviser who misses one review of three is let go by default, and
/// all three reviews dated: a review that happens is worth more than the
/// adviser's presence. A SIM who weighs the adviser above one review
/// (`adviser_released` above `unscheduled`) keeps them, two reviews dated.
#[test]
fn an_adviser_who_misses_one_review_goes_unless_weighed_above_it() {
    let plan = plan(1, 1, &[Some("A1")]);
    let mut avail = Availability::default();
    every_day(&mut avail, &heads(&plan));
    for day in [d(2026, 10, 6), d(2026, 11, 24)] {
        avail.insert(Person::Adviser("A1".into()), day, Level::Possible);
    }
    let p = problem(plan.clone(), avail.clone(), ScheduleRules::default());
    let out = schedule(&p).unwrap();
    assert_eq!(out.plan.triads[0].adviser, None);
    assert_eq!((out.schedule.dated, out.schedule.advisers_released), (3, 1));
    assert!(validate(&out.plan, &p).is_empty());

    let mut keep = ScheduleRules::default();
    keep.weights.adviser_released = 1500.0;
    let p = problem(plan, avail, keep);
    let out = schedule(&p).unwrap();
    assert_eq!(out.plan.triads[0].adviser.as_deref(), Some("A1"));
    assert_eq!((out.schedule.dated, out.schedule.advisers_released), (2, 0));
    assert!(validate(&out.plan, &p).is_empty());
}

/// One adviser for two groups, with review days for only one of them
/// (two a half-term): one group keeps them, the other's is let go and its
/// reviews dated on the heads' dates, and an adviser free on those dates
/// is then given to it without moving any.
#[test]
fn a_let_go_adviser_leaves_room_for_one_free_on_the_dates() {
    let mut plan = plan(2, 1, &[Some("A1"), Some("A1")]);
    plan.cost.advisers.push(load("A2"));
    let mut avail = Availability::default();
    every_day(&mut avail, &heads(&plan));
    every_day(
        &mut avail,
        &[Person::Adviser("A1".into()), Person::Adviser("A2".into())],
    );
    let rules = ScheduleRules {
        max_days_per_half_term: 2,
        ..ScheduleRules::default()
    };
    let p = problem(plan, avail, rules);
    let out = schedule(&p).unwrap();
    assert_eq!(out.schedule.dated, 6);
    assert_eq!(out.schedule.advisers_released, 1);
    let mut advisers: Vec<Option<&str>> = out
        .plan
        .triads
        .iter()
        .map(|t| t.adviser.as_deref())
        .collect();
    advisers.sort();
    assert_eq!(advisers, vec![Some("A1"), Some("A2")]);
    let given = out
        .plan
        .triads
        .iter()
        .find(|t| t.adviser.as_deref() == Some("A2"))
        .unwrap();
    assert!(given
        .reviews
        .iter()
        .all(|r| r.adviser.as_deref() == Some("A2")));
    assert_eq!(given.adviser_reason, None);
    assert!(out.plan.diagnosis.is_empty(), "{:?}", out.plan.diagnosis);
    assert!(out.plan.warnings.iter().any(|w| w
        .contains("adviser A2 given to the group, which had none: they can come on every date")));
    assert!(validate(&out.plan, &p).is_empty());
}

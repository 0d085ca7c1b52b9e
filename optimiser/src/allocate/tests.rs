//! Known-optimum cases, fairness, shortfall reasons and property tests.

use proptest::prelude::*;

use super::eligibility;
use super::need;
use super::report::score;
use super::*;
use crate::model::{
    Consultant, ConsultantKind, Location, NeedArea, OfstedGrade, Phase, PhaseGroup, School, Urn,
};

fn school(urn: u32, grade: Option<OfstedGrade>, at: Option<(f64, f64)>) -> School {
    School {
        urn: Urn(urn),
        name: format!("School {urn}"),
        la_code: 883,
        la_name: "Thurrock".into(),
        phase: Phase::Primary,
        establishment_type: "Community school".into(),
        trust: None,
        location: at.map(|(e, n)| Location {
            easting: e * 1000.0,
            northing: n * 1000.0,
        }),
        postcode: None,
        pupils: Some(300),
        fsm_percent: None,
        ofsted: grade,
        last_inspection: None,
        religious_character: None,
        town: None,
    }
}

fn consultant(id: &str, areas: &[NeedArea], days: u32, at: Option<(f64, f64)>) -> Consultant {
    Consultant {
        id: id.into(),
        name: format!("Consultant {id}"),
        kind: ConsultantKind::Sle,
        specialisms: areas.to_vec(),
        phases: vec![PhaseGroup::Primary],
        days_available: days,
        home_school: None,
        trust: None,
        base: at.map(|(e, n)| Location {
            easting: e * 1000.0,
            northing: n * 1000.0,
        }),
        day_rate: 400.0,
        email: None,
    }
}

fn need(urn: u32, area: NeedArea, priority: u8) -> NeedEntry {
    NeedEntry {
        urn: Urn(urn),
        area,
        priority,
        note: None,
    }
}

fn days_of(a: &Allocation, urn: u32) -> u32 {
    a.allocations
        .iter()
        .filter(|l| l.urn == Urn(urn))
        .map(|l| l.days)
        .sum()
}

fn solve_valid(p: &AllocationProblem) -> Allocation {
    let a = allocate(p).expect("allocation");
    let v = validate(&a, p);
    assert!(v.is_empty(), "violations: {v:?}");
    a
}

use NeedArea::*;
use OfstedGrade::*;

#[test]
fn one_school_one_consultant_gets_every_day_the_consultant_has() {
    let p = AllocationProblem {
        schools: vec![school(1, Some(Inadequate), Some((0.0, 0.0)))],
        needs: vec![need(1, Maths, 1)],
        consultants: vec![consultant("c1", &[Maths], 10, Some((3.0, 4.0)))],
        ..Default::default()
    };
    let a = solve_valid(&p);
    assert_eq!(a.allocations.len(), 1);
    assert_eq!(a.allocations[0].days, 10);
    // 10 days within the 25-day share at 1000 x 3, fairness 2000 x 10/10,
    // one consultant -5, travel 10 x 5 km x 0.5, cost 10 x 400 x 0.001.
    let w = Weights::default();
    let expected = 10.0 * 1000.0 * 3.0 + w.fairness_tier1 - 5.0 - 25.0 - 4.0;
    assert!(
        (a.stats.objective - expected).abs() < 1e-6,
        "{}",
        a.stats.objective
    );
    assert!(a.stats.bound >= a.stats.objective - 1e-6);
    assert!(a.stats.gap < 1e-4);
    assert_eq!(a.schools[0].shortfalls.len(), 1);
    assert_eq!(a.schools[0].shortfalls[0].days, 15);
}

#[test]
fn scarce_days_go_to_the_school_in_greatest_need() {
    let p = AllocationProblem {
        schools: vec![
            school(1, Some(Good), Some((0.0, 0.0))),
            school(2, Some(Inadequate), Some((20.0, 0.0))),
        ],
        needs: vec![need(1, Maths, 1), need(2, Maths, 3)],
        consultants: vec![consultant("c1", &[Maths], 6, Some((0.0, 0.0)))],
        ..Default::default()
    };
    let a = solve_valid(&p);
    assert_eq!(days_of(&a, 2), 6);
    assert_eq!(days_of(&a, 1), 0);
    let short = &a.schools[0].shortfalls[0];
    assert_eq!(short.days, 4);
    match &short.reasons[..] {
        [ShortfallReason::CapacityUsedUp { consultants }] => {
            assert_eq!(consultants[0].id, "c1");
            assert_eq!(consultants[0].used_by, vec![Urn(2)]);
        }
        other => panic!("unexpected reasons {other:?}"),
    }
}

#[test]
fn two_tier_one_schools_share_a_scarce_consultant_evenly() {
    let p = AllocationProblem {
        schools: vec![
            school(1, Some(Inadequate), Some((0.0, 0.0))),
            school(2, Some(Inadequate), Some((10.0, 0.0))),
        ],
        needs: vec![need(1, Maths, 1), need(2, Maths, 1)],
        consultants: vec![consultant("c1", &[Maths], 10, Some((0.0, 0.0)))],
        ..Default::default()
    };
    let a = solve_valid(&p);
    assert_eq!((days_of(&a, 1), days_of(&a, 2)), (5, 5));
    assert!(a.stats.optimal);
}

#[test]
fn a_third_consultant_only_when_there_is_no_other_way() {
    // Three maths consultants with 6 days each for a 25-day school: two
    // cannot cover the need, so the third is worth its penalty.
    let mk = |days| AllocationProblem {
        schools: vec![school(1, Some(Inadequate), Some((0.0, 0.0)))],
        needs: vec![need(1, Maths, 1)],
        consultants: vec![
            consultant("a", &[Maths], days, Some((1.0, 0.0))),
            consultant("b", &[Maths], days, Some((2.0, 0.0))),
            consultant("c", &[Maths], days, Some((3.0, 0.0))),
        ],
        rules: AllocationRules {
            tier_days: TierDays {
                tier1: 12,
                ..Default::default()
            },
            ..Default::default()
        },
        ..Default::default()
    };
    let a = solve_valid(&mk(6));
    assert_eq!(a.schools[0].consultants, 2, "two of 6 days cover 12");
    let a = solve_valid(&mk(4));
    assert_eq!(a.schools[0].consultants, 3, "4 + 4 < 12 needs a third");
    assert_eq!(days_of(&a, 1), 12);
}

#[test]
fn continuity_keeps_last_years_consultant_all_else_equal() {
    let p = AllocationProblem {
        schools: vec![school(1, Some(RequiresImprovement), Some((0.0, 0.0)))],
        needs: vec![need(1, Maths, 1)],
        consultants: vec![
            consultant("a", &[Maths], 15, Some((5.0, 0.0))),
            consultant("b", &[Maths], 15, Some((5.0, 0.0))),
        ],
        past_allocations: vec![
            PastAllocation {
                year: 2023,
                consultant: "a".into(),
                urn: Urn(1),
                area: Maths,
                days: 5,
            },
            PastAllocation {
                year: 2024,
                consultant: "b".into(),
                urn: Urn(1),
                area: Maths,
                days: 5,
            },
        ],
        ..Default::default()
    };
    let a = solve_valid(&p);
    assert_eq!(a.allocations.len(), 1);
    assert_eq!(a.allocations[0].consultant, "b", "2024 is last year");
    assert!(a.stats.terms.continuity > 0.0);
}

#[test]
fn travel_picks_the_nearer_of_two_equal_consultants() {
    let p = AllocationProblem {
        schools: vec![school(1, Some(RequiresImprovement), Some((0.0, 0.0)))],
        needs: vec![need(1, Maths, 1)],
        consultants: vec![
            consultant("far", &[Maths], 15, Some((20.0, 0.0))),
            consultant("near", &[Maths], 15, Some((2.0, 0.0))),
        ],
        ..Default::default()
    };
    let a = solve_valid(&p);
    assert_eq!(a.allocations[0].consultant, "near");
    assert_eq!(a.consultants[1].travel_km, 30.0);
}

#[test]
fn budget_caps_spending_and_is_named_as_the_cause() {
    let p = AllocationProblem {
        schools: vec![school(1, Some(Inadequate), Some((0.0, 0.0)))],
        needs: vec![need(1, Maths, 1)],
        consultants: vec![consultant("c1", &[Maths], 20, Some((0.0, 0.0)))],
        rules: AllocationRules {
            budget: Some(2_000.0),
            ..Default::default()
        },
        ..Default::default()
    };
    let a = solve_valid(&p);
    assert_eq!(days_of(&a, 1), 5);
    assert!(a.cost.total <= 2_000.0);
    let reasons = &a.schools[0].shortfalls[0].reasons;
    assert!(
        reasons
            .iter()
            .any(|r| matches!(r, ShortfallReason::BudgetSpent { .. })),
        "{reasons:?}"
    );
}

#[test]
fn shortfall_reasons_name_the_cause() {
    let mut own_trust = school(3, Some(Inadequate), Some((0.0, 0.0)));
    own_trust.trust = Some("OAK TRUST".into());
    let mut sle = consultant("trusty", &[Behaviour], 10, Some((0.0, 0.0)));
    sle.trust = Some("Oak Trust".into());
    let p = AllocationProblem {
        schools: vec![
            school(1, Some(Inadequate), Some((0.0, 0.0))),
            school(2, Some(Inadequate), Some((0.0, 0.0))),
            own_trust,
            school(4, Some(RequiresImprovement), Some((0.0, 0.0))),
            school(5, Some(Good), Some((0.0, 0.0))),
        ],
        needs: vec![need(1, Send, 1), need(2, Maths, 1), need(3, Behaviour, 1)],
        consultants: vec![consultant("far", &[Maths], 10, Some((40.0, 0.0))), sle],
        ..Default::default()
    };
    let a = solve_valid(&p);
    let reasons = |urn: u32| -> Vec<ShortfallReason> {
        let s = a.schools.iter().find(|s| s.urn == Urn(urn)).unwrap();
        s.shortfalls
            .iter()
            .flat_map(|f| f.reasons.clone())
            .collect()
    };
    assert_eq!(
        reasons(1),
        vec![ShortfallReason::NoSpecialist {
            area: Send,
            phase: PhaseGroup::Primary
        }]
    );
    match &reasons(2)[..] {
        [ShortfallReason::NoneWithinReach {
            nearest_km: Some(d),
            conflicted: 0,
            ..
        }] => {
            assert_eq!(*d, 40.0)
        }
        other => panic!("{other:?}"),
    }
    match &reasons(3)[..] {
        [ShortfallReason::NoneWithinReach {
            nearest_km: None,
            conflicted: 1,
            ..
        }] => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(reasons(4), vec![ShortfallReason::NoNeedRecorded]);
    assert_eq!(
        reasons(5),
        vec![],
        "a good school with no need is not short"
    );
    let text = reasons(2)[0].to_string();
    assert!(text.contains("maths") && text.contains("40.0 km"), "{text}");
}

#[test]
fn an_area_short_because_the_entitlement_went_elsewhere_also_says_why() {
    // Shares 2 + 2 of a tier-3 school's 4 days; the SEND specialist has no
    // days this year, so maths takes all four.
    let p = AllocationProblem {
        schools: vec![school(1, Some(Good), Some((0.0, 0.0)))],
        needs: vec![need(1, Maths, 1), need(1, Send, 1)],
        consultants: vec![
            consultant("m", &[Maths], 10, Some((0.0, 0.0))),
            consultant("s", &[Send], 0, Some((0.0, 0.0))),
        ],
        ..Default::default()
    };
    let a = solve_valid(&p);
    assert_eq!(days_of(&a, 1), 4);
    let short = &a.schools[0].shortfalls;
    assert_eq!(short.len(), 1);
    assert_eq!(short[0].area, Some(Send));
    assert_eq!(
        short[0].reasons,
        vec![
            ShortfallReason::EntitlementUsedElsewhere,
            ShortfallReason::CapacityUsedUp {
                consultants: vec![BusyConsultant {
                    id: "s".into(),
                    used_by: vec![]
                }]
            },
        ]
    );
}

#[test]
fn too_few_days_left_for_a_deployment_is_named() {
    let p = AllocationProblem {
        schools: vec![school(1, Some(RequiresImprovement), Some((0.0, 0.0)))],
        needs: vec![need(1, Maths, 1)],
        consultants: vec![consultant("m", &[Maths], 1, Some((0.0, 0.0)))],
        ..Default::default()
    };
    let a = solve_valid(&p);
    assert!(a.allocations.is_empty());
    assert_eq!(
        a.schools[0].shortfalls[0].reasons,
        vec![ShortfallReason::BelowMinimumDeployment {
            min_days: 2,
            consultants: vec!["m".into()]
        }]
    );
}

#[test]
fn a_consultant_passed_over_by_the_rules_weights_is_named() {
    // One consultant per school preferred, and a prohibitive charge beyond.
    let mut rules = AllocationRules {
        preferred_max_consultants: 1,
        ..Default::default()
    };
    rules.weights.extra_consultant = 1e6;
    let p = AllocationProblem {
        schools: vec![school(1, Some(RequiresImprovement), Some((0.0, 0.0)))],
        needs: vec![need(1, Maths, 1)],
        consultants: vec![
            consultant("a", &[Maths], 5, Some((1.0, 0.0))),
            consultant("b", &[Maths], 5, Some((2.0, 0.0))),
        ],
        rules,
        ..Default::default()
    };
    let a = solve_valid(&p);
    assert_eq!(a.schools[0].consultants, 1);
    match &a.schools[0].shortfalls[0].reasons[..] {
        [ShortfallReason::CapacityUsedUp { .. }, ShortfallReason::NotChosen { consultants }] => {
            assert_eq!(consultants.len(), 1)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_candidate_limit_is_part_of_the_problem_and_checked() {
    let p = AllocationProblem {
        schools: vec![school(1, Some(Inadequate), Some((0.0, 0.0)))],
        needs: vec![need(1, Maths, 1)],
        consultants: vec![
            consultant("near", &[Maths], 5, Some((1.0, 0.0))),
            consultant("far", &[Maths], 5, Some((9.0, 0.0))),
        ],
        rules: AllocationRules {
            max_candidates_per_need: Some(1),
            ..Default::default()
        },
        ..Default::default()
    };
    let mut a = solve_valid(&p);
    assert_eq!(a.allocations.len(), 1, "only the nearest may serve");
    assert_eq!(a.allocations[0].consultant, "near");
    match &a.schools[0].shortfalls[0].reasons[..] {
        [ShortfallReason::CapacityUsedUp { consultants }] => assert_eq!(consultants[0].id, "near"),
        other => panic!("{other:?}"),
    }
    a.allocations.push(Assignment {
        urn: Urn(1),
        consultant: "far".into(),
        area: Maths,
        days: 2,
    });
    assert!(validate(&a, &p)
        .iter()
        .any(|v| matches!(v, Violation::NotAmongNearest { .. })));
}

#[test]
fn unknown_geography_falls_back_to_the_local_authority() {
    let mut elsewhere = school(2, Some(Inadequate), None);
    elsewhere.la_code = 886;
    let mut home = school(9, Some(Good), Some((100.0, 100.0)));
    home.la_code = 886;
    let mut c = consultant("c", &[Maths], 10, None);
    c.home_school = Some(Urn(9));
    let p = AllocationProblem {
        schools: vec![school(1, Some(Inadequate), None), elsewhere, home],
        needs: vec![need(1, Maths, 1), need(2, Maths, 1)],
        consultants: vec![c],
        ..Default::default()
    };
    let a = solve_valid(&p);
    assert_eq!((days_of(&a, 1), days_of(&a, 2)), (0, 10));
}

#[test]
fn bad_input_is_named() {
    let p = AllocationProblem {
        schools: vec![school(1, None, None)],
        needs: vec![need(7, Maths, 1)],
        ..Default::default()
    };
    let e = allocate(&p).unwrap_err().to_string();
    assert!(e.contains("school 7"), "{e}");
    let p = AllocationProblem {
        schools: vec![school(1, None, None)],
        needs: vec![need(1, Maths, 4)],
        ..Default::default()
    };
    assert!(allocate(&p).unwrap_err().to_string().contains("priority 4"));
    let p = AllocationProblem {
        consultants: vec![consultant("x", &[], 1, None), consultant("x", &[], 1, None)],
        ..Default::default()
    };
    assert!(allocate(&p).unwrap_err().to_string().contains("\"x\""));
}

#[test]
fn validate_catches_every_broken_rule() {
    let mut trust_school = school(2, Some(Inadequate), Some((0.0, 0.0)));
    trust_school.trust = Some("T".into());
    let mut c = consultant("c", &[Maths], 3, Some((0.0, 0.0)));
    c.trust = Some("T".into());
    let p = AllocationProblem {
        schools: vec![school(1, Some(Outstanding), Some((0.0, 0.0))), trust_school],
        needs: vec![need(1, Maths, 1), need(2, Maths, 1), need(2, Send, 1)],
        consultants: vec![c, consultant("far", &[Maths], 3, Some((90.0, 0.0)))],
        ..Default::default()
    };
    let mut a = allocate(&p).unwrap();
    assert!(a.allocations.is_empty());
    let line = |urn, id: &str, area, days| Assignment {
        urn: Urn(urn),
        consultant: id.into(),
        area,
        days,
    };
    a.allocations = vec![
        line(2, "c", Maths, 5),
        line(2, "c", Send, 1),
        line(2, "far", Maths, 1),
        line(1, "far", Maths, 2),
        line(2, "nobody", Maths, 2),
    ];
    let v = validate(&a, &p);
    let has = |f: &dyn Fn(&Violation) -> bool| v.iter().any(f);
    assert!(has(&|x| matches!(x, Violation::Conflict { .. })), "{v:?}");
    assert!(has(&|x| matches!(x, Violation::NoSpecialism { .. })));
    assert!(has(&|x| matches!(
        x,
        Violation::OutOfReach {
            distance_km: Some(_),
            ..
        }
    )));
    assert!(has(&|x| matches!(
        x,
        Violation::OverCapacity { allocated: 6, .. }
    )));
    assert!(has(&|x| matches!(
        x,
        Violation::OverEntitlement { entitlement: 0, .. }
    )));
    assert!(has(&|x| matches!(
        x,
        Violation::BelowMinimumDeployment { days: 1, .. }
    )));
    assert!(has(&|x| matches!(x, Violation::UnknownConsultant { .. })));
    assert!(has(&|x| matches!(x, Violation::SummaryMismatch { .. })));
}

#[test]
fn identical_input_gives_identical_output() {
    let p = random_problem(&Instance::fixed());
    let mut a = allocate(&p).unwrap();
    let mut b = allocate(&p).unwrap();
    a.stats.seconds = 0.0;
    b.stats.seconds = 0.0;
    assert_eq!(a, b);
}

// ---- random instances ----

#[derive(Debug, Clone)]
struct Instance {
    /// (grade 0..=4 where 4 is none, x km, y km, trust 0..=2 where 0 is none)
    schools: Vec<(u8, f64, f64, u8)>,
    /// (school, area 0..3, priority 1..=3)
    needs: Vec<(usize, usize, u8)>,
    /// (areas bitmask 1..8, days, x km, y km, trust 0..=2, rate, also secondary)
    consultants: Vec<(u8, u32, f64, f64, u8, u16, bool)>,
    min_days: u32,
}

impl Instance {
    fn fixed() -> Instance {
        Instance {
            schools: vec![
                (3, 0.0, 0.0, 0),
                (1, 5.0, 5.0, 1),
                (2, 10.0, 0.0, 2),
                (4, 3.0, 8.0, 0),
            ],
            needs: vec![(0, 0, 1), (1, 0, 1), (1, 2, 3), (2, 1, 2), (3, 0, 1)],
            consultants: vec![
                (1, 6, 2.0, 2.0, 1, 300, false),
                (3, 9, 8.0, 1.0, 0, 450, true),
                (6, 4, 30.0, 30.0, 2, 500, false),
            ],
            min_days: 2,
        }
    }
}

const AREAS: [NeedArea; 3] = [Maths, EnglishPhonics, Send];

fn random_problem(i: &Instance) -> AllocationProblem {
    let grades = [
        Some(Outstanding),
        Some(Good),
        Some(RequiresImprovement),
        Some(Inadequate),
        None,
    ];
    let trust = |t: u8| (t > 0).then(|| format!("TRUST {t}"));
    let schools = i
        .schools
        .iter()
        .enumerate()
        .map(|(k, &(g, x, y, t))| {
            let mut s = school(k as u32 + 1, grades[g as usize], Some((x, y)));
            s.trust = trust(t);
            s
        })
        .collect();
    let mut needs: Vec<NeedEntry> = i
        .needs
        .iter()
        .filter(|n| n.0 < i.schools.len())
        .map(|&(s, a, p)| need(s as u32 + 1, AREAS[a], p))
        .collect();
    needs.dedup();
    let consultants = i
        .consultants
        .iter()
        .enumerate()
        .map(|(k, &(mask, days, x, y, t, rate, secondary))| {
            let areas: Vec<NeedArea> = (0..3)
                .filter(|b| mask & (1 << b) != 0)
                .map(|b| AREAS[b])
                .collect();
            let mut c = consultant(&format!("c{k}"), &areas, days, Some((x, y)));
            c.trust = trust(t);
            c.day_rate = f64::from(rate);
            if secondary {
                c.phases.push(PhaseGroup::Secondary);
            }
            c
        })
        .collect();
    AllocationProblem {
        schools,
        needs,
        consultants,
        rules: AllocationRules {
            min_days_per_deployment: i.min_days,
            ..Default::default()
        },
        ..Default::default()
    }
}

fn instance(
    max_schools: usize,
    max_consultants: usize,
    max_days: u32,
) -> impl Strategy<Value = Instance> {
    (
        prop::collection::vec(
            (0u8..5, 0.0..40.0f64, 0.0..40.0f64, 0u8..3),
            1..=max_schools,
        ),
        prop::collection::vec(
            (0usize..max_schools, 0usize..3, 1u8..=3),
            0..=2 * max_schools,
        ),
        prop::collection::vec(
            (
                1u8..8,
                0u32..=max_days,
                0.0..40.0f64,
                0.0..40.0f64,
                0u8..3,
                200u16..700,
                any::<bool>(),
            ),
            1..=max_consultants,
        ),
        1u32..=2,
    )
        .prop_map(|(schools, needs, consultants, min_days)| Instance {
            schools,
            needs,
            consultants,
            min_days,
        })
}

/// A tier-1 school with nothing in an area (and room for a deployment)
/// while a tier-3 school gets days there from a consultant who may serve both.
fn fairness_inversions(p: &AllocationProblem, a: &Allocation) -> Vec<String> {
    let needs = need::assess(p).unwrap();
    let graph = eligibility::build(p, &needs);
    let mut out = Vec::new();
    for arc1 in &graph.arcs {
        let s1 = &a.schools[arc1.school];
        if s1.tier != 1 || s1.entitlement - s1.allocated < p.rules.min_days_per_deployment {
            continue;
        }
        let urn1 = s1.urn;
        let got: u32 = a
            .allocations
            .iter()
            .filter(|l| l.urn == urn1 && l.area == arc1.area)
            .map(|l| l.days)
            .sum();
        if got > 0 {
            continue;
        }
        let id = &p.consultants[arc1.consultant].id;
        for l in &a.allocations {
            let s3 = a.schools.iter().find(|s| s.urn == l.urn).unwrap();
            if s3.tier == 3 && &l.consultant == id && l.area == arc1.area {
                out.push(format!(
                    "{urn1} has no {} while {} gets {} days from {id}",
                    l.area, l.urn, l.days
                ));
            }
        }
    }
    out
}

/// The best objective over every allocation of a tiny instance.
fn brute_force_optimum(p: &AllocationProblem) -> f64 {
    let needs = need::assess(p).unwrap();
    let graph = eligibility::build(p, &needs);
    let ub: Vec<u32> = graph
        .arcs
        .iter()
        .map(|a| {
            p.consultants[a.consultant]
                .days_available
                .min(needs.schools[a.school].entitlement)
        })
        .collect();
    let mut days = vec![0u32; ub.len()];
    let mut best = f64::NEG_INFINITY;
    loop {
        if feasible(p, &needs, &graph, &days) {
            best = best.max(score(p, &needs, &graph, &days).total());
        }
        // Next combination, odometer style.
        let mut k = 0;
        loop {
            if k == days.len() {
                return best;
            }
            if days[k] < ub[k] {
                days[k] += 1;
                break;
            }
            days[k] = 0;
            k += 1;
        }
    }
}

fn feasible(
    p: &AllocationProblem,
    needs: &need::Needs,
    graph: &eligibility::Graph,
    days: &[u32],
) -> bool {
    let mut c = vec![0u32; p.consultants.len()];
    let mut s = vec![0u32; p.schools.len()];
    let mut pair = std::collections::BTreeMap::<(usize, usize), u32>::new();
    for (a, &d) in graph.arcs.iter().zip(days) {
        c[a.consultant] += d;
        s[a.school] += d;
        *pair.entry((a.school, a.consultant)).or_default() += d;
    }
    c.iter()
        .zip(&p.consultants)
        .all(|(&d, k)| d <= k.days_available)
        && s.iter()
            .zip(&needs.schools)
            .all(|(&d, k)| d <= k.entitlement)
        && pair
            .values()
            .all(|&d| d == 0 || d >= p.rules.min_days_per_deployment)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_allocation_keeps_every_hard_rule(i in instance(8, 5, 15)) {
        let p = random_problem(&i);
        let a = allocate(&p).unwrap();
        let v = validate(&a, &p);
        prop_assert!(v.is_empty(), "{:?}", v);
        prop_assert!(a.stats.bound >= a.stats.objective - 1e-6 * a.stats.objective.abs().max(1.0));
        prop_assert!(a.stats.optimal);
        let inv = fairness_inversions(&p, &a);
        prop_assert!(inv.is_empty(), "{:?}", inv);
        prop_assert_eq!(a.stats.fairness_inversions, 0);
        // Every school with an unmet share says why.
        for s in &a.schools {
            for f in &s.shortfalls {
                prop_assert!(!f.reasons.is_empty(), "{:?}", s);
            }
        }
    }

    #[test]
    fn tiny_instances_reach_the_brute_force_optimum(i in instance(2, 2, 4)) {
        let p = random_problem(&i);
        let needs = need::assess(&p).unwrap();
        let graph = eligibility::build(&p, &needs);
        prop_assume!(graph.arcs.len() <= 5);
        let a = allocate(&p).unwrap();
        let best = brute_force_optimum(&p);
        let tol = 1e-4 * best.abs().max(1.0);
        prop_assert!((a.stats.objective - best).abs() <= tol, "solver {} brute force {}", a.stats.objective, best);
        prop_assert!(a.stats.bound >= best - tol, "bound {} below optimum {}", a.stats.bound, best);

        // The two-step route for large parts: valid, never above the
        // optimum, and its LP bound never below it.
        let mut two_step = p.clone();
        two_step.rules.direct_mip_max_arcs = 0;
        let b = allocate(&two_step).unwrap();
        prop_assert!(validate(&b, &two_step).is_empty());
        prop_assert!(b.stats.objective <= best + tol);
        prop_assert!(b.stats.bound >= best - tol, "LP bound {} below optimum {}", b.stats.bound, best);
    }

    #[test]
    fn the_two_step_route_keeps_every_hard_rule(
        i in instance(10, 6, 15),
        budget in prop::option::of(0.0..20_000.0f64),
    ) {
        let mut p = random_problem(&i);
        p.rules.direct_mip_max_arcs = 0;
        p.rules.budget = budget;
        let a = allocate(&p).unwrap();
        let v = validate(&a, &p);
        prop_assert!(v.is_empty(), "{:?}", v);
        prop_assert!(a.stats.bound >= a.stats.objective - 1e-6 * a.stats.objective.abs().max(1.0));
    }
}

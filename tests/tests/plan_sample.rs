//! The grouping step end to end, on the project's sample and, where present,
//! on real authorities from ../shared/data.

use std::path::PathBuf;

use formats::calendar::read_calendar;
use formats::gias::{import_gias_file, ImportOptions, LaSelector};
use formats::inputs::{read_advisers, read_availability, read_history};
use optimiser::model::Urn;
use optimiser::schedule::Person;
use optimiser::triads::{self, KnownDates, Plan, Scope, TriadProblem, TriadRules};
use peer_review::cli::output::PlanFiles;
use peer_review::cli::plan::{run, PlanArgs};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn sample_problem() -> TriadProblem {
    let dir = root().join("data/sample");
    let import = import_gias_file(&dir.join("schools.csv"), &ImportOptions::default()).unwrap();
    TriadProblem {
        year: 2026,
        schools: import.schools,
        history: read_history(&dir.join("history.csv")).unwrap(),
        advisers: read_advisers(&dir.join("advisers.csv")).unwrap(),
        scope: Scope::PerLa,
        rules: TriadRules::default(),
        ..TriadProblem::default()
    }
}

#[test]
fn the_sample_plan_is_valid_proven_optimal_and_explained() {
    let problem = sample_problem();
    let plan = triads::plan(&problem, &|_, _| {}).unwrap();
    assert!(triads::validate(&plan, &problem).is_empty());
    assert_eq!(plan.stats.gap, 0.0, "{:?}", plan.stats);
    assert_eq!(plan.stats.components, plan.stats.components_proven_optimal);
    assert_eq!(plan.stats.placed + plan.unplaced.len(), 56);
    assert!(
        plan.triads.iter().all(|t| t.adviser.is_some()),
        "in-house advisers cover every group"
    );
    assert_eq!(plan.cost.total, 0.0);
    assert!(plan.unplaced.iter().all(|u| u.reason.contains(':')));
    for t in &plan.triads {
        assert!(!t.score.is_empty());
        assert!(t.metrics.max_distance_km.is_none_or(|d| d <= 20.0));
    }
}

#[test]
fn thurrock_is_proven_optimal() {
    let file = root().join("../shared/data/gias-england-state-schools-2022.csv");
    if !file.exists() {
        eprintln!("skipped: {} is absent", file.display());
        return;
    }
    let import = import_gias_file(
        &file,
        &ImportOptions {
            las: vec![LaSelector::Code(883)],
        },
    )
    .unwrap();
    let problem = TriadProblem {
        year: 2026,
        schools: import.schools,
        ..TriadProblem::default()
    };
    let plan = triads::plan(&problem, &|_, _| {}).unwrap();
    assert!(triads::validate(&plan, &problem).is_empty());
    assert_eq!(plan.stats.schools, 56);
    assert_eq!(plan.stats.gap, 0.0, "{:?}", plan.stats);
}

/// `peer-review plan --all` on the sample, with the given availability file.
fn plan_args(dir: &std::path::Path, availability: PathBuf) -> PlanArgs {
    let sample = root().join("data/sample");
    PlanArgs {
        schools: sample.join("schools.csv"),
        las: vec![],
        all: true,
        cross_la: false,
        history: Some(sample.join("history.csv")),
        advisers: Some(sample.join("advisers.csv")),
        rules: None,
        pins: None,
        previous: None,
        availability: Some(availability),
        calendar: Some(sample.join("calendar.toml")),
        year: Some(2026),
        out: dir.join("plan.json"),
        csv: None,
        files: PlanFiles {
            xlsx: None,
            report: None,
            heads: None,
        },
        quiet: true,
    }
}

fn together(plan: &Plan, a: Urn, b: Urn) -> bool {
    plan.triads
        .iter()
        .any(|t| t.schools.contains(&a) && t.schools.contains(&b))
}

#[test]
fn heads_with_no_common_date_are_never_grouped_from_the_command_line() {
    let sample = root().join("data/sample");
    // Two heads the sample groups together when dates are not known.
    let without = triads::plan(&sample_problem(), &|_, _| {}).unwrap();
    let (a, b) = (without.triads[0].schools[0], without.triads[0].schools[1]);
    // b keeps only the dates a did not offer.
    let text = std::fs::read_to_string(sample.join("availability.csv")).unwrap();
    let a_dates: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with(&format!("head:{a},")))
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert!(!a_dates.is_empty());
    let b_prefix = format!("head:{b},");
    let edited: String = text
        .lines()
        .filter(|l| !(l.starts_with(&b_prefix) && a_dates.contains(&l.split(',').nth(1).unwrap())))
        .map(|l| format!("{l}\n"))
        .collect();
    let dir = std::env::temp_dir().join(format!("plan-sample-dates-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let availability = dir.join("availability.csv");
    std::fs::write(&availability, edited).unwrap();
    run(&plan_args(&dir, availability.clone())).unwrap();
    let plan: Plan =
        serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).unwrap()).unwrap();
    let dates = read_availability(&availability).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        dates.people[&Person::Head(b)].len() > 10,
        "b still offers dates"
    );
    assert!(
        !together(&plan, a, b),
        "{a} and {b} share no date but are grouped"
    );
    // The plan written is valid under the availability rule too.
    let problem = TriadProblem {
        availability: Some(KnownDates {
            availability: dates,
            calendar: read_calendar(&sample.join("calendar.toml")).unwrap(),
        }),
        ..sample_problem()
    };
    assert!(triads::validate(&plan, &problem).is_empty());
    assert_eq!(plan.stats.placed + plan.unplaced.len(), 56);
}

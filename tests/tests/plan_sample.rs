//! The grouping step end to end, on the project's sample and, where present,
//! on real authorities from ../shared/data.

use std::path::PathBuf;

use optimiser::triads::{self, Scope, TriadProblem, TriadRules};
use service::gias::{import_gias_file, ImportOptions, LaSelector};
use service::inputs::{read_advisers, read_history};

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

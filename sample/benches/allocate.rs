//! Times the consultant allocation on the sample authority and, where the
//! England GIAS extract is present beside the project, on all of England with
//! a generated pool of 6,000 consultants and generated need.
//!
//! Run with `cargo bench -p sample --bench allocate` (release build).
//! Targets: the sample in under 1 s; England in under 2 minutes, gap reported.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use formats::gias::{import_gias_file, ImportOptions};
use optimiser::allocate::{
    allocate, validate, AllocationProblem, AllocationRules, NeedEntry, SspbEntry,
};
use optimiser::model::{NeedArea, OfstedGrade, PhaseGroup, School};
use peer_review::cli::allocate::{load_problem, AllocateArgs};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sample::synth;

const ENGLAND_CONSULTANTS: usize = 6_000;
const SEED: u64 = 2026;

fn main() -> ExitCode {
    let sample = match sample_problem() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("allocate bench: cannot read the sample: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    if !run("sample authority", &sample) {
        return ExitCode::FAILURE;
    }

    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/gias-england-state-schools-2022.csv");
    if !path.exists() {
        println!("England skipped: {} not found", path.display());
        return ExitCode::SUCCESS;
    }
    let start = Instant::now();
    let schools = match import_gias_file(&path, &ImportOptions::default()) {
        Ok(i) => i.schools,
        Err(e) => {
            eprintln!("allocate bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let consultants = synth::generate_consultant_pool(&schools, ENGLAND_CONSULTANTS, SEED);
    let needs = england_need(&schools, SEED);
    println!(
        "England: {} schools, {} consultants, {} needs (inputs built in {:.2} s)",
        schools.len(),
        consultants.len(),
        needs.len(),
        start.elapsed().as_secs_f64()
    );
    let rules = AllocationRules {
        time_limit_seconds: 100.0,
        ..Default::default()
    };
    let england = AllocationProblem {
        schools,
        needs,
        consultants,
        past_allocations: vec![],
        sspb: Vec::<SspbEntry>::new(),
        rules,
    };
    if run("England", &england) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The project's sample files where present, else the same sample generated.
fn sample_problem() -> anyhow::Result<AllocationProblem> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/sample");
    let file = |name: &str| dir.join(name);
    if file("need.csv").exists() && file("schools.csv").exists() {
        let opt = |p: PathBuf| p.exists().then_some(p);
        return load_problem(&AllocateArgs {
            schools: file("schools.csv"),
            las: vec![],
            need: file("need.csv"),
            consultants: file("consultants.csv"),
            sspb: opt(file("sspb.csv")),
            last_allocations: opt(file("last_allocations.csv")),
            rules: None,
            out: file("unused.json"),
            csv: None,
        });
    }
    let s = synth::generate(&synth::SampleSpec::default());
    Ok(AllocationProblem {
        schools: s.schools,
        needs: s.need,
        consultants: s.consultants,
        past_allocations: s.last_allocations,
        sspb: s
            .sspb
            .into_iter()
            .map(|(urn, category)| SspbEntry { urn, category })
            .collect(),
        rules: AllocationRules::default(),
    })
}

/// Need as a SIM might record it: every inadequate school three areas, every
/// school requiring improvement two or three, a quarter of good and of
/// ungraded schools one.
fn england_need(schools: &[School], seed: u64) -> Vec<NeedEntry> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::new();
    for s in schools {
        let (count, priorities): (usize, &[u8]) = match s.ofsted {
            Some(OfstedGrade::Inadequate) => (3, &[1, 1, 2]),
            Some(OfstedGrade::RequiresImprovement) => (rng.random_range(2..=3), &[1, 2, 3]),
            Some(OfstedGrade::Good) | None if rng.random_bool(0.25) => (1, &[2]),
            _ => (0, &[]),
        };
        let areas: Vec<NeedArea> = NeedArea::ALL
            .into_iter()
            .filter(|a| {
                *a != NeedArea::Eyfs
                    || matches!(s.phase_group(), PhaseGroup::Primary | PhaseGroup::Nursery)
            })
            .collect();
        let mut chosen: Vec<NeedArea> = Vec::new();
        while chosen.len() < count {
            let a = areas[rng.random_range(0..areas.len())];
            if !chosen.contains(&a) {
                chosen.push(a);
            }
        }
        for (a, &p) in chosen.into_iter().zip(priorities) {
            out.push(NeedEntry {
                urn: s.urn,
                area: a,
                priority: p,
                note: None,
            });
        }
    }
    out
}

fn run(label: &str, problem: &AllocationProblem) -> bool {
    let start = Instant::now();
    let a = match allocate(problem) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{label}: allocation failed: {e}");
            return false;
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    let violations = validate(&a, problem);
    let st = &a.stats;
    println!(
        "{label}: {seconds:.2} s, objective {:.1}, bound {:.1}, gap {:.4}%{}, {} fairness inversions, {} parts (largest {} schools), {} arcs, {} lines, {} days, £{:.0}",
        st.objective,
        st.bound,
        100.0 * st.gap,
        if st.time_limited { " (time limit)" } else { "" },
        st.fairness_inversions,
        st.parts,
        st.largest_part_schools,
        st.arcs,
        a.allocations.len(),
        a.cost.days,
        a.cost.total
    );
    for (tier, t) in &st.coverage_by_tier {
        let pct = if t.demand > 0 {
            100.0 * t.allocated as f64 / t.demand as f64
        } else {
            100.0
        };
        println!(
            "  tier {tier}: {} schools, {} with need, {} of {} days ({pct:.1}%), {} with need got nothing, lowest ratio {:.2}",
            t.schools, t.with_need, t.allocated, t.demand, t.unserved, t.min_ratio
        );
    }
    // What the SIM would read first: why a tier-1 school with need got nothing.
    for school in a
        .schools
        .iter()
        .filter(|s| s.tier == 1 && s.allocated == 0 && !s.areas.is_empty())
        .take(3)
    {
        for f in &school.shortfalls {
            let why: Vec<String> = f.reasons.iter().map(|r| r.to_string()).collect();
            let area = f.area.map_or("all areas".to_string(), |a| a.to_string());
            println!(
                "  tier-1 school {} unserved, {area}: {}",
                school.urn,
                why.join("; ")
            );
        }
    }
    if !violations.is_empty() {
        eprintln!(
            "{label}: {} rule violations, first: {}",
            violations.len(),
            violations[0]
        );
        return false;
    }
    true
}

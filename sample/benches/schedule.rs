//! Scheduling benchmarks: `cargo bench -p sample --bench schedule [-- NAME ...]`
//! with NAME among sample, kent, england (default: all three).
//!
//! Every head and adviser offers about 40 % of the window's school days
//! (generated, seeded; a third of them preferred) in the 2026-27 calendar of
//! the sample. Only `schedule::schedule` is timed: grouping and generation
//! are set-up. The sample and Kent are grouped by `triads::plan` (Kent with a
//! 2 s limit per component); all England by simple nearest-neighbour groups
//! per LA and phase, so that set-up stays short, then dated per authority.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use formats::gias::{import_gias_file, ImportOptions};
use optimiser::model::{Adviser, PhaseGroup, School};
use optimiser::schedule::{self, ScheduleProblem, ScheduleRules, ScheduleStats, ScheduledPlan};
use optimiser::triads::plan::{LedgerEntry, Review, Triad};
use optimiser::triads::{plan, Plan, Scope, TriadProblem, TriadRules};
use sample::bench::{
    advisers_for, england_gias_or_skip, la_schools, named_instances, sample_authority, SEED,
};
use sample::synth_schedule::{calendar_2026_27, generate_availability};

const SHARE: f64 = 0.4;
fn problem_for(plan: Plan, schools: Vec<School>, advisers: Vec<Adviser>) -> ScheduleProblem {
    let calendar = calendar_2026_27(&schools, SEED);
    let availability = generate_availability(&schools, &advisers, &calendar, SHARE, SEED + 1);
    ScheduleProblem {
        plan,
        schools,
        advisers,
        triad_rules: TriadRules::default(),
        availability,
        calendar,
        rules: ScheduleRules::default(),
        previous: None,
    }
}

fn timed(p: &ScheduleProblem) -> (ScheduledPlan, f64) {
    let started = Instant::now();
    let out = schedule::schedule(p).expect("a valid schedule");
    (out, started.elapsed().as_secs_f64())
}

fn report(name: &str, s: &ScheduleStats, seconds: f64) {
    println!(
        "{name}: {seconds:.3} s; {} of {} reviews dated ({:.1}%), {:.1}% of person-days on preferred dates; objective {:.1}, lower bound {:.1}, gap {:.3}%; {} components ({} proven optimal), {} start variables; {} advisers re-assigned",
        s.scheduled,
        s.reviews,
        100.0 * s.scheduled as f64 / s.reviews.max(1) as f64,
        s.preferred_share * 100.0,
        s.objective,
        s.lower_bound,
        s.gap * 100.0,
        s.components,
        s.components_proven_optimal,
        s.variables,
        s.advisers_reassigned
    );
}

fn sample() {
    let (schools, advisers, history) = sample_authority();
    let tp = TriadProblem {
        year: 2026,
        schools: schools.clone(),
        history,
        advisers: advisers.clone(),
        ..TriadProblem::default()
    };
    let plan = plan(&tp, &|_, _| {}).expect("sample plan");
    let p = problem_for(plan, schools, advisers);
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let (out, t) = timed(&p);
        times.push(t);
        last = Some(out);
    }
    times.sort_by(f64::total_cmp);
    if let Some(out) = last {
        report("sample (56 schools), median of 5", &out.schedule, times[2]);
    }
}

fn kent(file: &Path) {
    let schools = la_schools(file, 886);
    let advisers = advisers_for(&schools, "KENT");
    let tp = TriadProblem {
        year: 2026,
        schools: schools.clone(),
        advisers: advisers.clone(),
        scope: Scope::PerLa,
        rules: TriadRules {
            time_limit_seconds: 2.0,
            ..TriadRules::default()
        },
        ..TriadProblem::default()
    };
    let plan = plan(&tp, &|_, _| {}).expect("Kent plan");
    let n = schools.len();
    let p = problem_for(plan, schools, advisers);
    let (out, t) = timed(&p);
    report(&format!("Kent (LA 886, {n} schools)"), &out.schedule, t);
}

/// Nearest-neighbour groups of three (a four where one would be left over)
/// along the easting, per phase: quick set-up, not a good grouping.
fn simple_plan(schools: &[School], advisers: &[Adviser]) -> Plan {
    let mut by_phase: BTreeMap<PhaseGroup, Vec<&School>> = BTreeMap::new();
    for s in schools {
        by_phase.entry(s.phase_group()).or_default().push(s);
    }
    let mut triads = Vec::new();
    let mut ledger = Vec::new();
    for (phase, mut list) in by_phase {
        list.sort_by(|a, b| {
            let x = |s: &School| s.location.map_or(0.0, |l| l.easting);
            x(a).total_cmp(&x(b)).then(a.urn.cmp(&b.urn))
        });
        let pool: Vec<&Adviser> = advisers
            .iter()
            .filter(|a| a.phases.contains(&phase))
            .collect();
        let mut sizes = vec![3; list.len() / 3];
        let rest = list.len() % 3;
        for size in sizes.iter_mut().take(rest) {
            *size = 4;
        }
        let mut at = 0;
        for (g, size) in sizes.into_iter().enumerate() {
            let members: Vec<_> = list[at..at + size].iter().map(|s| s.urn).collect();
            at += size;
            let reviews = Review::rotation(&members, 1);
            for u in &members {
                ledger.push(LedgerEntry {
                    urn: *u,
                    days_given: 2,
                    days_received: 2,
                    leads: 1,
                });
            }
            triads.push(Triad::new(
                format!("{}-{g:04}", phase.key()),
                phase,
                members,
                (!pool.is_empty()).then(|| pool[g / 5 % pool.len()].id.clone()),
                reviews,
            ));
        }
    }
    Plan::of_groups(2026, triads, ledger)
}

fn england(file: &Path) {
    let all = import_gias_file(file, &ImportOptions::default())
        .expect("GIAS")
        .schools;
    let mut by_la: BTreeMap<u16, Vec<School>> = BTreeMap::new();
    for s in all {
        by_la.entry(s.la_code).or_default().push(s);
    }
    let mut total = ScheduleStats::default();
    let mut seconds = 0.0;
    let mut slowest = (0.0, 0u16);
    let las = by_la.len();
    for (la, schools) in by_la {
        let advisers = advisers_for(&schools, &format!("LA{la}"));
        let plan = simple_plan(&schools, &advisers);
        let mut p = problem_for(plan, schools, advisers);
        // The groups are synthetic; their adviser ledger is not the point here.
        p.schools.clear();
        p.rules.reassign_advisers = false;
        let (out, t) = timed(&p);
        seconds += t;
        if t > slowest.0 {
            slowest = (t, la);
        }
        let s = &out.schedule;
        total.reviews += s.reviews;
        total.scheduled += s.scheduled;
        total.preferred_person_days += s.preferred_person_days;
        total.person_days += s.person_days;
        total.objective += s.objective;
        total.lower_bound += s.lower_bound;
        total.components += s.components;
        total.components_proven_optimal += s.components_proven_optimal;
        total.variables += s.variables;
    }
    total.preferred_share = total.preferred_person_days as f64 / total.person_days.max(1) as f64;
    total.gap = (total.objective - total.lower_bound) / total.objective.max(1e-9);
    report(
        &format!("all England, {las} authorities one by one"),
        &total,
        seconds,
    );
    println!(
        "all England: slowest authority LA {} in {:.3} s",
        slowest.1, slowest.0
    );
}

fn main() {
    let names = named_instances();
    let wants = |n: &str| names.is_empty() || names.iter().any(|x| x == n);
    if wants("sample") {
        sample();
    }
    let Some(file) = england_gias_or_skip("kent, england: skipped") else {
        return;
    };
    if wants("kent") {
        kent(&file);
    }
    if wants("england") {
        england(&file);
    }
}

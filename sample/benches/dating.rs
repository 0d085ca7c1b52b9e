//! Dating benchmarks: `cargo bench -p sample --bench dating [-- NAME ...]`
//! with NAME among sample, thurrock, kent, england (default: the first three).
//!
//! Availability as busy heads give it (`generate_harsh_availability`,
//! seeded): each head and adviser free on two or three weekdays, away for
//! whole half-terms, 5-60 % of the days, 8 % silent. For each instance,
//! plan and schedule are timed together twice: as one problem (groups
//! scored by the reviews their heads can keep, advisers given only where
//! their dates fit) and as the sequential steps (`undated_review = 0`,
//! `awaiting_pair = 0`:
//! group, then advisers, then dates) on the same input. Printed: dated
//! reviews, the bound on dated reviews over every plan (`dated_bound`),
//! their ratio, the grouping's gap, seconds; and, as "wait" sees it, the
//! dated reviews plus those the awaiting groups could date once their
//! silent heads answer, against the bound on that (`answered_bound`).

use std::path::Path;
use std::time::Instant;

use formats::gias::{import_gias_file, ImportOptions};
use optimiser::model::{Adviser, PastTriad, School};
use optimiser::schedule::{self, ScheduleProblem, ScheduleRules};
use optimiser::triads::{plan, KnownDates, Scope, TriadProblem, TriadRules};
use sample::bench::{
    advisers_for, england_gias_or_skip, la_schools, named_instances, sample_authority, SEED,
};
use sample::synth_schedule::{calendar_2026_27, generate_harsh_availability};

struct Outcome {
    dated: usize,
    reviews: usize,
    bound: Option<usize>,
    grouping_gap: f64,
    seconds: f64,
    awaiting: usize,
    ready: usize,
    answered_bound: Option<usize>,
}

fn run(
    schools: &[School],
    advisers: &[Adviser],
    history: &[PastTriad],
    seconds: f64,
    joint: bool,
) -> Outcome {
    let calendar = calendar_2026_27(schools, SEED);
    let availability = generate_harsh_availability(schools, advisers, &calendar, SEED + 1);
    let srules = ScheduleRules::default();
    let mut rules = TriadRules {
        time_limit_seconds: seconds,
        ..TriadRules::default()
    };
    srules.apply_to(&mut rules);
    if !joint {
        rules.weights.undated_review = 0.0;
        rules.weights.awaiting_pair = 0.0;
    }
    let started = Instant::now();
    let tp = TriadProblem {
        year: 2026,
        schools: schools.to_vec(),
        history: history.to_vec(),
        advisers: advisers.to_vec(),
        scope: Scope::PerLa,
        rules: rules.clone(),
        availability: Some(KnownDates {
            availability: availability.clone(),
            calendar: calendar.clone(),
        }),
        ..TriadProblem::default()
    };
    let grouped = plan(&tp, &|_, _| {}).expect("a plan");
    let grouping_gap = grouped.stats.gap;
    let out = schedule::schedule(&ScheduleProblem {
        plan: grouped,
        schools: schools.to_vec(),
        advisers: advisers.to_vec(),
        triad_rules: rules,
        availability,
        calendar,
        rules: srules,
        previous: None,
    })
    .expect("a schedule");
    Outcome {
        dated: out.schedule.dated,
        reviews: out.schedule.reviews,
        bound: out.schedule.dated_bound,
        grouping_gap,
        seconds: started.elapsed().as_secs_f64(),
        awaiting: out.schedule.awaiting,
        ready: out.schedule.ready_awaiting.unwrap_or(0),
        answered_bound: out.schedule.answered_bound,
    }
}

fn report(
    name: &str,
    schools: &[School],
    advisers: &[Adviser],
    history: &[PastTriad],
    seconds: f64,
) {
    let j = run(schools, advisers, history, seconds, true);
    let s = run(schools, advisers, history, seconds, false);
    let pct = |d: usize, b: Option<usize>| match b {
        Some(b) if b > 0 => format!("{:.1}%", 100.0 * d as f64 / b as f64),
        _ => "-".into(),
    };
    println!(
        "{name}: joint: {} of {} reviews dated, dated_bound {}, {} of bound, grouping gap {:.3}%, {} awaiting a silent head | once they answer: dated + ready {} of answered_bound {}, {} | plan + schedule {:.2} s | sequential: {} dated, {} of bound, {:.2} s",
        j.dated,
        j.reviews,
        j.bound.map_or("-".into(), |b| b.to_string()),
        pct(j.dated, j.bound),
        j.grouping_gap * 100.0,
        j.awaiting,
        j.dated + j.ready,
        j.answered_bound.map_or("-".into(), |b| b.to_string()),
        pct(j.dated + j.ready, j.answered_bound),
        j.seconds,
        s.dated,
        pct(s.dated, j.bound),
        s.seconds
    );
}

fn sample() {
    let (schools, advisers, history) = sample_authority();
    report("sample (56 schools)", &schools, &advisers, &history, 8.0);
}

fn authority(file: &Path, code: u16, name: &str, seconds: f64) {
    let schools = la_schools(file, code);
    let advisers = advisers_for(&schools, name);
    report(
        &format!(
            "{name} (LA {code}, {} schools, {} generated advisers)",
            schools.len(),
            advisers.len()
        ),
        &schools,
        &advisers,
        &[],
        seconds,
    );
}

fn england(file: &Path) {
    let schools = import_gias_file(file, &ImportOptions::default())
        .expect("GIAS")
        .schools;
    let advisers = advisers_for(&schools, "ENG");
    report(
        &format!("all England per LA ({} schools)", schools.len()),
        &schools,
        &advisers,
        &[],
        8.0,
    );
}

fn main() {
    let names = named_instances();
    let want = |n: &str| {
        if names.is_empty() {
            n != "england"
        } else {
            names.iter().any(|x| x == n)
        }
    };
    if want("sample") {
        sample();
    }
    let Some(file) = england_gias_or_skip("skipped the GIAS instances") else {
        return;
    };
    if want("thurrock") {
        authority(&file, 883, "Thurrock", 2.0);
    }
    if want("kent") {
        authority(&file, 886, "Kent", 8.0);
    }
    if want("england") {
        england(&file);
    }
}

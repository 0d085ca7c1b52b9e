//! Triad benchmarks on real authorities: `cargo bench -p sample --bench triads [-- NAME ...]`
//! with NAME among thurrock, kent, england-all, england-cross-la (default: all four).
//! Prints the optimiser's objective, bound, gap and time beside the greedy
//! nearest-neighbour grouping organisers make by hand, and the peak memory.

use std::time::Instant;

use formats::gias::{import_gias_file, ImportOptions, LaSelector};
use optimiser::triads::baseline::baseline;
use optimiser::triads::{plan, Scope, TriadProblem};
use sample::bench::{england_gias_or_skip, named_instances};

fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn run(name: &str, file: &std::path::Path, las: Vec<LaSelector>, scope: Scope) {
    let import = import_gias_file(file, &ImportOptions { las }).expect("GIAS file");
    let problem = TriadProblem {
        year: 2026,
        schools: import.schools,
        scope,
        ..TriadProblem::default()
    };
    let started = Instant::now();
    let p = plan(&problem, &|_, _| {}).expect("a valid plan");
    let seconds = started.elapsed().as_secs_f64();
    let s = &p.stats;
    println!(
        "{name}: {} schools, {seconds:.2} s, objective {:.1}, lower bound {:.1}, gap {:.3}%, placed {}, groups {} ({} of four), components {} ({} proven optimal)",
        s.schools, s.objective, s.lower_bound, s.gap * 100.0, s.placed, s.groups, s.groups_of_four, s.components, s.components_proven_optimal
    );
    let b = baseline(&problem);
    println!(
        "{name}: greedy nearest-neighbour objective {:.1}, placed {}, groups {} ({:+.1}% against the optimiser)",
        b.objective, b.placed, b.groups, (b.objective - s.objective) / s.objective * 100.0
    );
    if let Some(mib) = peak_memory_mib() {
        println!("{name}: peak memory so far {mib:.0} MiB");
    }
}

fn main() {
    let Some(file) = england_gias_or_skip("skipped") else {
        return;
    };
    let wanted = named_instances();
    let want = |n: &str| wanted.is_empty() || wanted.iter().any(|w| w == n);
    if want("thurrock") {
        run("thurrock", &file, vec![LaSelector::Code(883)], Scope::PerLa);
    }
    if want("kent") {
        run("kent", &file, vec![LaSelector::Code(886)], Scope::PerLa);
    }
    if want("england-all") {
        run("england-all", &file, vec![], Scope::PerLa);
    }
    if want("england-cross-la") {
        run("england-cross-la", &file, vec![], Scope::CrossLa);
    }
}

//! Times the GIAS import of the real England extract (22,205 schools), where
//! it is present beside the project in `../shared/data/`.
//!
//! Run with `cargo bench -p sample --bench import`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use formats::gias::{import_gias_file, ImportOptions};

const RUNS: usize = 10;

fn main() -> ExitCode {
    let path = sample::bench::england_gias();
    if !path.exists() {
        println!(
            "import bench skipped: {} not found (the England GIAS extract is not part of the project)",
            path.display()
        );
        return ExitCode::SUCCESS;
    }
    let mut times = Vec::with_capacity(RUNS);
    let mut schools = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let import = match import_gias_file(&path, &ImportOptions::default()) {
            Ok(import) => import,
            Err(e) => {
                eprintln!("import bench failed: {e}");
                return ExitCode::FAILURE;
            }
        };
        times.push(start.elapsed());
        schools = std::hint::black_box(import).schools.len();
    }
    report(&mut times, schools);
    ExitCode::SUCCESS
}

fn report(times: &mut [Duration], schools: usize) {
    times.sort();
    let min = times[0].as_secs_f64();
    let mid = times.len() / 2;
    // Even run counts have two middle values.
    let median = if times.len().is_multiple_of(2) {
        (times[mid - 1] + times[mid]).as_secs_f64() / 2.0
    } else {
        times[mid].as_secs_f64()
    };
    println!(
        "GIAS import of England, {schools} schools, {} runs: min {min:.4} s, median {median:.4} s, {:.0} schools/s (median)",
        times.len(),
        schools as f64 / median
    );
}

//! Solving a good_lp model on HiGHS the way every step here needs it: quiet,
//! one thread and a fixed seed (parts run side by side on rayon's threads,
//! and the same input must give the same plan), within a time limit.

use good_lp::solvers::highs::HighsProblem;
use highs::{HighsModelStatus, SolvedModel};

pub struct Run {
    pub solved: SolvedModel,
    /// HiGHS proved its answer optimal within `mip_rel_gap`.
    pub optimal: bool,
    /// HiGHS stopped at a limit (time, iterations, interrupt, solutions).
    pub limited: bool,
}

/// The HiGHS model of a good_lp problem with every option this module
/// stands for set, for a caller that must add something (a start) before
/// solving. Every HiGHS run of the crate goes through here: HiGHS keeps one
/// task scheduler per thread, and a run asking for another thread count on
/// a thread whose scheduler exists already fails outright.
pub fn prepare(
    model: HighsProblem,
    time_limit: f64,
    mip_rel_gap: f64,
) -> Result<highs::Model, String> {
    let mut model = model.try_into_inner().map_err(|e| e.to_string())?;
    configure(&mut model, time_limit)?;
    model
        .try_set_option("mip_rel_gap", mip_rel_gap)
        .map_err(|e| format!("cannot set a HiGHS option: {e:?}"))?;
    Ok(model)
}

/// Sets on a model built with the highs crate directly (the column
/// generation's warm-started relaxation) what every run here has: quiet,
/// one thread, fixed seed, `time_limit` seconds (infinite: none).
pub fn configure(model: &mut highs::Model, time_limit: f64) -> Result<(), String> {
    model.make_quiet();
    let options = [
        model.try_set_option("time_limit", time_limit),
        model.try_set_option("threads", 1),
        model.try_set_option("random_seed", 0),
    ];
    for o in options {
        o.map_err(|e| format!("cannot set a HiGHS option: {e:?}"))?;
    }
    Ok(())
}

pub fn solve_repeatably(
    model: HighsProblem,
    time_limit: f64,
    mip_rel_gap: f64,
) -> Result<Run, String> {
    let model = prepare(model, time_limit, mip_rel_gap)?;
    let solved = model.try_solve().map_err(|e| format!("{e:?}"))?;
    let status = solved.status();
    let optimal = status == HighsModelStatus::Optimal;
    let limited = matches!(
        status,
        HighsModelStatus::ReachedTimeLimit
            | HighsModelStatus::ReachedIterationLimit
            | HighsModelStatus::ReachedInterrupt
            | HighsModelStatus::ReachedSolutionLimit
    );
    if !(optimal || limited) {
        return Err(format!("HiGHS stopped with status {status:?}"));
    }
    Ok(Run {
        solved,
        optimal,
        limited,
    })
}

/// The values of the solution's columns, which must be the model's
/// `columns`: a different count means the solution is not this model's.
pub fn solution_columns(solved: &SolvedModel, columns: usize) -> Result<Vec<f64>, String> {
    let cols = solved.get_solution().columns().to_vec();
    if cols.len() != columns {
        return Err(format!(
            "expected {columns} columns, HiGHS returned {}",
            cols.len()
        ));
    }
    Ok(cols)
}

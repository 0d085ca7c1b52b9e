//! The integer master: the best plan over a set of generated groups, by
//! HiGHS through `highs_run` (quiet, one thread, fixed seed, time limit),
//! started from a known plan.

use std::collections::HashSet;

use good_lp::solvers::highs::highs;
use good_lp::{constraint, variable, Expression, ProblemVariables, SolverModel, Variable};
use highs::HighsModelStatus;

use super::component::{size_of, Component, Members};

/// Solves the integer master over the given columns, starting from `start`,
/// with at least `min_unplaced` schools left out (the packing cut) and at
/// least `remainder` fours plus left-out schools (the divisibility cut).
/// Returns the chosen groups and whether HiGHS proved them optimal over these columns.
pub(super) fn integer_master(
    comp: &Component,
    columns: &[(Members, f64)],
    start: &[Members],
    min_unplaced: f64,
    remainder: f64,
    seconds: f64,
) -> Result<(Vec<Members>, bool), String> {
    let mut vars = ProblemVariables::new();
    let x: Vec<Variable> = columns
        .iter()
        .map(|_| vars.add(variable().binary()))
        .collect();
    let u: Vec<Variable> = (0..comp.len())
        .map(|_| vars.add(variable().binary()))
        .collect();
    let mut objective = Expression::from(0.0);
    let mut rows: Vec<Expression> = u.iter().map(|&v| Expression::from(v)).collect();
    for (j, (m, score)) in columns.iter().enumerate() {
        objective += *score * x[j];
        for &node in &m[..size_of(m)] {
            rows[node as usize] += x[j];
        }
    }
    for &v in &u {
        objective += comp.weights.unplaced * v;
    }
    let chosen: HashSet<&Members> = start.iter().collect();
    let mut placed = vec![false; comp.len()];
    for g in start {
        for &node in &g[..size_of(g)] {
            placed[node as usize] = true;
        }
    }
    // The start, in the order the columns were added: groups, then left-out.
    let initial: Vec<f64> = columns
        .iter()
        .map(|(m, _)| if chosen.contains(m) { 1.0 } else { 0.0 })
        .chain(placed.iter().map(|&p| if p { 0.0 } else { 1.0 }))
        .collect();
    let left_out: Expression = u.iter().copied().sum();
    let fours: Expression = columns
        .iter()
        .enumerate()
        .filter(|(_, (m, _))| size_of(m) == 4)
        .map(|(j, _)| x[j])
        .sum();
    let mut problem = vars.minimise(objective).using(highs);
    if min_unplaced > 0.0 {
        problem.add_constraint(constraint!(left_out.clone() >= min_unplaced));
    }
    if remainder > 0.0 {
        problem.add_constraint(constraint!(fours + left_out >= remainder));
    }
    for row in rows {
        problem.add_constraint(constraint!(row == 1.0));
    }
    let mut model = crate::highs_run::prepare(problem, seconds.max(0.5), 0.0)?;
    // Feasibility jump looks for a first plan; the start is one already.
    model
        .try_set_option("mip_heuristic_run_feasibility_jump", false)
        .map_err(|e| format!("cannot set a HiGHS option: {e:?}"))?;
    // A start HiGHS rejects only costs time.
    let _ = model.try_set_solution(Some(&initial), None, None, None);
    let solved = model
        .try_solve()
        .map_err(|e| format!("HiGHS failed on the integer master: {e:?}"))?;
    let status = solved.status();
    let proven = status == HighsModelStatus::Optimal;
    let values = solved.get_solution();
    let values = values.columns();
    if values.len() < columns.len() {
        return Err(format!("HiGHS stopped ({status:?}) without a plan"));
    }
    let groups: Vec<Members> = columns
        .iter()
        .enumerate()
        .filter(|(j, _)| values[*j] > 0.5)
        .map(|(_, (m, _))| *m)
        .collect();
    // Stopped by its time limit before it held a plan of its own (a loaded
    // machine), HiGHS can hand back values that are no plan at all; the
    // caller then keeps its incumbent.
    let mut seen = vec![false; comp.len()];
    for g in &groups {
        for &s in &g[..size_of(g)] {
            if std::mem::replace(&mut seen[s as usize], true) {
                return Err(format!(
                    "HiGHS stopped ({status:?}) with overlapping groups"
                ));
            }
        }
    }
    Ok((groups, proven))
}

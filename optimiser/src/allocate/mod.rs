//! Allocation of consultants' days (TICs, SLEs, NLEs) to schools by need.
//!
//! The pipeline: `need` turns Ofsted grades and SSPB categories into tiers,
//! entitlements and per-area shares; `eligibility` finds who may serve
//! which need (specialism, phase, conflicts, reach) and splits the problem
//! into independent parts; `mip` solves each part with HiGHS and reports a
//! valid bound; `explain` says why any need was left short; [`validate`]
//! checks every hard rule on the result.
//!
//! Hard rules: whole days; a consultant's days and a school's entitlement
//! never exceeded; only on a need the school recorded, in one of the
//! consultant's specialisms, for a phase they work with; never at their own
//! school or trust; within reach; at least `min_days_per_deployment` days
//! wherever a consultant is deployed; within the budget where one is set.
//!
//! Objective (maximised, in points, weights in [`Weights`]), in order of
//! weight: need-weighted coverage (tier weight x priority weight per day of
//! a need's share of the entitlement, a lower overflow weight beyond it);
//! fairness (the lowest allocated/attainable ratio among the tier-1, then
//! tier-2, schools that compete for the same consultants); consultants per
//! school (a small charge for each, a larger one beyond the preferred two);
//! continuity with last year; travel (km per day); cost (per pound).

mod eligibility;
mod explain;
mod mip;
mod need;
mod report;
mod rules;
mod types;
mod validate;

#[cfg(test)]
mod tests;

use std::time::Instant;

pub use rules::{AllocationRules, TierDays, Weights};
pub use types::*;
pub use validate::{validate, Violation};

/// Allocates consultants' days to schools. Deterministic for a given input
/// unless the time limit stops the search first (the stats say so).
pub fn allocate(problem: &AllocationProblem) -> Result<Allocation, AllocateError> {
    let start = Instant::now();
    problem.rules.check()?;
    let needs = need::assess(problem)?;
    let graph = eligibility::build(problem, &needs);
    let solved = mip::solve(problem, &needs, &graph, start)?;
    let mut allocation = report::build(problem, &needs, &graph, &solved);
    allocation.stats.seconds = start.elapsed().as_secs_f64();
    Ok(allocation)
}

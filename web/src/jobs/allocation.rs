//! The allocation job's work: consultants' days by need, checked before
//! anything is stored.

use optimiser::allocate::{allocate, validate, Allocation, AllocationProblem};

use super::control::Control;

/// Allocates and checks. The allocator has no progress callback and runs
/// well under a second at an authority's scale: a cancel takes effect when
/// it returns.
pub fn compute(
    problem: &AllocationProblem,
    notes: &[String],
    ctl: &Control,
) -> anyhow::Result<(Allocation, String)> {
    ctl.phase("allocating consultants' days", 0);
    let allocation = allocate(problem).map_err(|e| anyhow::anyhow!("allocation: {e}"))?;
    ctl.checkpoint();
    let broken = validate(&allocation, problem);
    if !broken.is_empty() {
        let list: Vec<String> = broken.iter().map(|v| v.to_string()).collect();
        anyhow::bail!(
            "the allocation breaks {} rule(s), so it was not stored (a defect, please report it): {}",
            list.len(),
            list.join("; ")
        );
    }
    let short = allocation
        .schools
        .iter()
        .filter(|s| !s.shortfalls.is_empty())
        .count();
    let mut summary = format!(
        "{} days in {} lines to {} schools; {} schools with a shortfall; gap {:.2}%",
        allocation.cost.days,
        allocation.allocations.len(),
        allocation
            .schools
            .iter()
            .filter(|s| s.allocated > 0)
            .count(),
        short,
        allocation.stats.gap * 100.0
    );
    if !notes.is_empty() {
        summary += &format!(
            "; {} note(s) on the inputs: {}",
            notes.len(),
            notes.join("; ")
        );
    }
    Ok((allocation, summary))
}

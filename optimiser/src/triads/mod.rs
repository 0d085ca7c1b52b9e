//! Forming the year's groups: reciprocal, like-for-like triads (fours where
//! needed) with their reviews and external advisers.
//!
//! The API: [`plan`] forms the groups of a [`TriadProblem`] under
//! [`TriadRules`]; [`validate`] is the one check of a plan against every
//! rule; [`baseline`] (the module is public for its old path) is the
//! hand-made grouping benchmarks compare against.
//! `plan` (the module) holds the output types, serialised as `plan.json`.
//! Everything else is internal; `schedule` reaches the adviser scoring it
//! reuses through `pub(crate)` paths.

pub(crate) mod advisers;
pub mod baseline;
mod bound;
mod build;
mod colgen;
mod compat;
mod component;
mod explain;
mod improve;
mod master;
mod output;
pub mod plan;
mod problem;
mod regions;
mod rules;
mod solve;
mod steps;
pub(crate) mod validate;

pub use baseline::{baseline, Baseline};
pub use bound::{answered_bound, bound_seconds, dated_bound, ready_awaiting, Over};
pub use plan::{
    group_number, AdviserLoad, Blocker, CostLedger, GroupMetrics, LedgerEntry, LeftOut, PairRule,
    Plan, Review, Stats, Triad, Undated, Unplaced, Who,
};
pub use problem::{Exclusion, KnownDates, Pin, Scope, TriadProblem};
pub use rules::{AdviserPresence, NoAvailability, TriadRules, TrustRule, Weights};
pub use solve::{plan, PlanError, Progress};
pub use validate::{validate, Violation};
#[cfg(test)]
mod tests;

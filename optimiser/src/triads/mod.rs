//! Forming the year's groups: reciprocal, like-for-like triads (fours where
//! needed) with their reviews and external advisers.
//!
//! `solve::plan` is the entry point; `validate::validate` is the one check
//! of a plan against every rule.

pub mod advisers;
pub mod baseline;
pub mod build;
pub mod colgen;
pub mod compat;
pub mod component;
pub mod explain;
pub mod improve;
pub mod output;
pub mod plan;
pub mod problem;
pub mod regions;
pub mod rules;
pub mod solve;
pub mod validate;

pub use plan::Plan;
pub use problem::{Exclusion, KnownDates, Pin, Scope, TriadProblem};
pub use rules::TriadRules;
pub use solve::{plan, PlanError};
pub use validate::{validate, Violation};
#[cfg(test)]
mod tests;

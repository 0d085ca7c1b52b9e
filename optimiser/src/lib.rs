pub mod allocate;
pub mod highs_run;
pub mod model;
pub mod rules_check;
pub mod schedule;
pub mod triads;

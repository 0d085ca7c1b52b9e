pub mod allocate;
pub mod calendar;
pub mod dating;
pub mod highs_run;
pub mod model;
pub mod rules_check;
pub mod schedule;
pub mod triads;

pub mod allocate;
pub mod calendar;
pub mod dating;
pub mod highs_run;
pub mod model;
pub mod schedule;
pub mod triads;

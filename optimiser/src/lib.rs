pub mod allocate;
pub mod model;
pub mod schedule;
pub mod triads;

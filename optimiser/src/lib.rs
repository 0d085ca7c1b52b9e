pub mod allocate;
pub mod model;
pub mod triads;

//! The synthetic sample authority behind `data/sample/` (`synth`) and its
//! calendar and availability (`synth_schedule`). A tool for tests, benches
//! and the sample data; the product binary does not link it.

pub mod bench;
pub mod synth;
pub mod synth_schedule;

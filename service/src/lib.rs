pub mod cli;
pub mod gias;
pub mod ics;
pub mod inputs;
pub mod synth;
pub mod synth_schedule;

pub mod cli;
pub mod gias;
pub mod inputs;
pub mod synth;

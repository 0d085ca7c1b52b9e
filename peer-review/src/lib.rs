//! The `peer-review` command line: one module per subcommand, each a thin
//! layer over the other crates.

pub mod cli;

//! A team's own `plan` binary: the stock command line, plus the handlers in `handlers.rs`.
//!
//! ```text
//! cargo run --example custom_plan -- apply --dir examples/custom_plan/project --scratch
//! ```
//!
//! In a team's repository this is the whole `src/main.rs` of a small crate that depends on
//! `pgplan`; docs/handlers.md walks through it.

use std::process::ExitCode;

use pgplan::Handlers;

mod handlers;

fn main() -> ExitCode {
    let mut registry = Handlers::new();
    handlers::register(&mut registry);
    pgplan::cli::run_with_handlers(registry)
}

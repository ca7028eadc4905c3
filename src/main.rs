//! The `plan` binary: parse the command line, run it, return its exit code. Nothing else.

use std::process::ExitCode;

fn main() -> ExitCode {
    pgplan::cli::run_from_env()
}

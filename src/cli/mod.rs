//! The command line.
use std::process::ExitCode;
/// Runs.
pub fn run_from_env() -> ExitCode { ExitCode::SUCCESS }

//! The `plan` binary: parse the command line, run it, return its exit code. Nothing else.

use std::process::ExitCode;

/// mimalloc rather than the system's malloc: see Cargo.toml for why and what was measured.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    pgplan::cli::run_from_env()
}

//! The `plan` binary: parse the command line, run it, return its exit code. Nothing else.

use std::process::ExitCode;

// The binary's allocator, not the library's: a team embedding pgplan picks its own. Parsing a
// project allocates a syntax tree per statement, and glibc's malloc spent a quarter of
// `plan show`'s time on 10,000 migrations (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    pgplan::cli::run_from_env()
}

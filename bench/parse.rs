//! Times the PostgreSQL parser over a whole project, for bench/parse.sh: loads the project as
//! `plan show` does, then runs the parser on every migration as `plan check` and check-schema
//! read it (`sql::effects_of`: statements, objects created, altered, dropped and used, names
//! resolved through `search_path`).
#![allow(clippy::print_stdout, clippy::print_stderr)]
//!
//! ```text
//! cargo run --release --example parse -- PROJECT_DIR
//! ```
//!
//! Prints one line: `load_ms parse_ms migrations bytes found`, where `load_ms` is loading (read,
//! lex, graph), `parse_ms` the parser alone over every migration's forward SQL and `sql` steps,
//! `bytes` the size of the migration files and `found` the parser's count of statements and objects (so
//! that it is seen to have done the work).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use pgplan::internals;

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: parse PROJECT_DIR");
        return ExitCode::from(2);
    };
    let start = Instant::now();
    let loaded = match internals::load_project(&dir) {
        Ok(loaded) => loaded,
        Err(invalid) => {
            eprintln!("{}", internals::render_unstyled(&invalid));
            return ExitCode::from(2);
        }
    };
    let load = start.elapsed();
    let start = Instant::now();
    let mut found = 0usize;
    for migration in loaded.project().migrations() {
        found += internals::parse_migration(migration);
    }
    let parse = start.elapsed();
    let bytes: u64 = loaded
        .project()
        .migrations()
        .map(|migration| std::fs::metadata(migration.path()).map_or(0, |meta| meta.len()))
        .sum();
    println!(
        "{:.1} {:.1} {} {} {}",
        load.as_secs_f64() * 1000.0,
        parse.as_secs_f64() * 1000.0,
        loaded.project().migrations().len(),
        bytes,
        found
    );
    ExitCode::SUCCESS
}

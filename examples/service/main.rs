//! A service that brings its database up to date at start-up, before it accepts requests: it
//! waits for the database (retrying with backoff), applies its embedded migrations under the
//! advisory lock — so any number of replicas can start at once — then "starts": it prints
//! `ready` and exits. A real service would serve requests there instead.
//!
//! ```text
//! DATABASE_URL=postgresql://app@localhost/app cargo run --example service
//! cargo run --example service -- --verify-only          # refuse to start if not up to date
//! cargo run --example service -- --to 002 --wait 60     # apply 002 and what it needs; wait ≤ 60 s
//! cargo run --example service -- --project some/folder  # read a project folder at run time
//! ```
//!
//! The connection comes from `DATABASE_URL`, else the `PG*` variables, as for `plan`. Logs go
//! to stderr through `tracing`; `RUST_LOG`-style filtering is left out to keep this short.
//!
//! The embedded project: in a service's own crate, `build.rs` writes the list and `main.rs`
//! includes it from `OUT_DIR` (docs/embedding.md). This example lives inside pgplan's own
//! package, whose build script cannot use pgplan, so the same list is checked in as
//! `embedded.rs`, and a test keeps it equal to what the build script would write.

// A service's `main` is where printing belongs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::time::Duration;

use pgplan::embed::EmbeddedFiles;
use pgplan::startup::{Goal, Migrator, Retry, StartupError};

/// The project in examples/service/project, baked into the binary.
static PROJECT: EmbeddedFiles = include!("embedded.rs");

/// What the command line asks for.
struct Options {
    goal: Goal,
    project: Option<String>,
    wait: Duration,
    lock_wait: Option<Duration>,
    environment: Option<String>,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(problem) => {
            eprintln!(
                "{problem}\nusage: service [--verify-only | --to ID] [--project DIR] [--wait SECONDS] [--lock-wait SECONDS] [--env NAME]"
            );
            return ExitCode::from(2);
        }
    };
    match migrate(options) {
        Ok(()) => {
            // Here a real service would start serving.
            println!("ready");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{:?}", miette::Report::new(error));
            ExitCode::FAILURE
        }
    }
}

fn migrate(options: Options) -> Result<(), StartupError> {
    let migrator = match &options.project {
        Some(dir) => Migrator::from_folder(dir)?,
        None => Migrator::embedded(PROJECT)?,
    };
    let mut migrator = migrator
        .with_goal(options.goal)
        .with_retry(Retry::for_up_to(options.wait))
        .with_lock_wait(options.lock_wait);
    if let Some(name) = &options.environment {
        migrator = migrator.with_environment(name);
    }
    migrator.run_from_env()?;
    Ok(())
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        goal: Goal::ApplyAll,
        project: None,
        wait: Duration::from_secs(30),
        lock_wait: None,
        environment: None,
    };
    let seconds = |value: Option<String>, flag: &str| -> Result<Duration, String> {
        value
            .and_then(|text| text.parse::<f64>().ok())
            .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| format!("{flag} takes a number of seconds"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--verify-only" => options.goal = Goal::VerifyOnly,
            "--to" => {
                let target = args.next().ok_or("--to takes a migration ID")?;
                options.goal = Goal::ApplyTo(target);
            }
            "--project" => options.project = Some(args.next().ok_or("--project takes a folder")?),
            "--wait" => options.wait = seconds(args.next(), "--wait")?,
            "--lock-wait" => options.lock_wait = Some(seconds(args.next(), "--lock-wait")?),
            "--env" => options.environment = Some(args.next().ok_or("--env takes a name")?),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(options)
}

//! The command line: clap types, one file per subcommand, rendering and exit codes. The only
//! code that prints. Each subcommand converts its clap arguments into the library's own types at
//! its top and writes to the writers it is given, so tests run it in process.
//!
//! Exit codes: 0 ok; 1 the operation failed; 2 invalid input or usage (clap's own code for usage
//! errors). 101 stays Rust's panic code.

mod accept;
mod apply;
mod args;
mod baseline;
mod check;
mod check_schema;
mod colour;
mod completions;
mod failure;
mod fleet;
mod fleet_check;
mod fleet_lint;
mod fleet_table;
mod global;
mod graph;
mod import_history;
mod lint;
mod lint_sarif;
mod man;
mod new;
mod progress_bar;
mod rollback;
mod schema;
mod show;
mod status;
mod trace;
mod verbose;
mod verify;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::engine::Handlers;

pub(crate) use failure::Failure;
pub(crate) use global::{Format, Global, Verbosity};

use global::{GlobalArgs, Uses};

/// What `plan --version` prints after `plan `: the package version, then the commit and its date
/// that build.rs found (`unknown unknown` when built outside a git checkout).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("PLAN_GIT_COMMIT"),
    " ",
    env!("PLAN_GIT_DATE"),
    ")"
);

/// `plan`: a dependency-graph migration planner for PostgreSQL.
#[derive(Debug, Parser)]
#[command(name = "plan", version = VERSION, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show the ordered plan: each migration's dependencies, rollback, steps and metadata.
    Show(show::ShowArgs),
    /// Print the dependency graph as Graphviz dot or Mermaid.
    Graph(graph::GraphArgs),
    /// Check the project without a database: every dependency its SQL implies (an object one
    /// migration uses that another creates) must be declared; --fix writes the missing ones.
    Check(check::CheckArgs),
    /// Judge which migrations will hurt a database in use: long locks, table rewrites,
    /// changes that break running code (docs/lint.md).
    Lint(lint::LintArgs),
    /// Apply pending migrations (all, or --to ID and its dependencies), each in one transaction
    /// with its ledger row.
    Apply(apply::ApplyArgs),
    /// Show each migration's state in a database: applied, pending, modified, partial, blocked,
    /// skipped, file missing.
    Status(status::StatusArgs),
    /// Roll back a migration and everything applied that depends on it, or the last batch.
    Rollback(rollback::RollbackArgs),
    /// Check prerequisites of pending migrations, objects applied ones created, and drift.
    CheckSchema(check_schema::CheckSchemaArgs),
    /// Accept what apply refuses, recording why in the history: an applied migration changed on
    /// purpose, where a partly applied one goes on, a file renamed after it was applied.
    Accept(accept::AcceptArgs),
    /// On a scratch database, apply each migration, roll each back checking that the schema
    /// is restored, then apply everything again.
    Verify(verify::VerifyArgs),
    /// On a throwaway cluster, run what apply would run and show, per statement, the locks it
    /// takes, the tables it rewrites and whether it blocks reads or writes.
    Trace(trace::TraceArgs),
    /// Record the migrations another runner's tracking table lists as applied, keeping their
    /// times, without running them.
    ImportHistory(import_history::ImportHistoryArgs),
    /// Record a migration and its dependencies as applied without running them, once the
    /// database is seen to hold what they create.
    Baseline(baseline::BaselineArgs),
    /// Create the next migration in the project's own layout.
    New(new::NewArgs),
    /// Print the JSON Schema of plan.yaml, for editors (docs/plan-file.md).
    Schema(schema::SchemaArgs),
    /// Print the completion script for a shell (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsArgs),
    /// Print plan's man page, or a subcommand's; with --out, write them all into a folder.
    Man(man::ManArgs),
}

/// Runs `plan` with the process's arguments and standard streams: the whole `main` of the
/// `plan` binary.
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     pgplan::cli::run_from_env()
/// }
/// ```
pub fn run_from_env() -> ExitCode {
    run_with_handlers(Handlers::new())
}

/// [`run_from_env`], calling `starting` with the subcommand's name (`show`, `apply`, …) once
/// the command line is read and before the subcommand runs: for a binary to tune what depends
/// on the command, as the `plan` binary tunes how its allocator returns memory (src/main.rs).
/// Not called when the command line cannot be parsed, or only asks for help or the version.
pub fn run_from_env_telling(starting: fn(&'static str)) -> ExitCode {
    run_streams(Handlers::new(), starting)
}

/// Runs `plan` with the process's arguments and standard streams, and `handlers` for the
/// `handler` steps of plan.yaml: the `main` of a team's own `plan` binary
/// (examples/custom_plan/main.rs, docs/handlers.md).
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     let mut handlers = pgplan::Handlers::new();
///     handlers.register("noop", |_: &mut pgplan::HandlerContext<'_, '_>| Ok(()));
///     pgplan::cli::run_with_handlers(handlers)
/// }
/// ```
pub fn run_with_handlers(handlers: Handlers) -> ExitCode {
    run_streams(handlers, |_| {})
}

/// Runs `plan` as [`run_with_handlers`] does, calling `starting` as [`run_from_env_telling`]
/// says.
fn run_streams(handlers: Handlers, starting: fn(&'static str)) -> ExitCode {
    // Ctrl-C or SIGTERM while a table lock is held deletes its row before plan ends, so the
    // next run need not wait for it to expire (`db::interrupt`).
    crate::db::interrupt::release_on_interrupt();
    // Buffered: `plan show --format json` on 10,000 migrations writes a quarter of a million
    // lines, and stdout is line-buffered.
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    // Not locked for the whole run: a progress bar's ticker thread draws on stderr too
    // (`progress_bar.rs`), and would wait for the lock forever.
    let code = run_with(
        std::env::args_os(),
        (&handlers, starting),
        &mut stdout,
        &mut std::io::stderr(),
    );
    let _ = stdout.flush();
    ExitCode::from(code)
}

/// Runs `plan` with `args` (the program name first) and `handlers` for `handler` steps, writing
/// to `out` and `err`, calling `starting` with the subcommand's name before it runs; returns the
/// exit code.
pub(crate) fn run_with<I, T>(
    args: I,
    (handlers, starting): (&Handlers, fn(&'static str)),
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) => return failure::report_usage_error(&error, &args, out, err),
    };
    let wants_json = cli.global.wants_json();
    let colour = cli.global.colour();
    let (name, uses) = cli.command.uses();
    starting(name);
    let result = match global::refuse_repeated(&args).and_then(|()| cli.global.resolve(name, uses))
    {
        Ok(global) => {
            // `-q`: errors only. What the subcommand would say goes nowhere, but the JSON that
            // was asked for and the output a subcommand is run for (a graph, a completion
            // script); the failure, if any, is reported below on the real stderr.
            let quiet = global.verbosity == Verbosity::Quiet;
            let (mut no_out, mut no_err) = (std::io::sink(), std::io::sink());
            let out: &mut dyn Write = if quiet && !global.json() && !uses.prints_a_product {
                &mut no_out
            } else {
                &mut *out
            };
            let err: &mut dyn Write = if quiet { &mut no_err } else { &mut *err };
            global.note_ignored(name, err);
            cli.command.run(&global, handlers, out, err)
        }
        Err(failure) => Err(failure),
    };
    match result {
        Ok(()) => 0,
        Err(failure) => {
            if wants_json {
                failure.write_json(out);
            }
            failure.report(err, colour)
        }
    }
}

impl Command {
    /// The subcommand's name and the global options it reads.
    fn uses(&self) -> (&'static str, Uses) {
        let project = |database_url: bool, env: bool, formats| Uses {
            dir: true,
            database_url,
            env,
            formats,
            prints_a_product: false,
        };
        let product = Uses {
            prints_a_product: true,
            ..Uses::NOTHING
        };
        let text_or_json = Uses::TEXT_OR_JSON;
        match self {
            Command::Show(_) => ("show", project(false, true, text_or_json)),
            Command::Graph(_) => (
                "graph",
                Uses {
                    prints_a_product: true,
                    ..project(false, false, &[Format::Dot, Format::Mermaid])
                },
            ),
            Command::Check(_) => ("check", project(false, false, text_or_json)),
            Command::Lint(_) => (
                "lint",
                project(
                    true,
                    true,
                    &[Format::Text, Format::Json, Format::Github, Format::Sarif],
                ),
            ),
            Command::Apply(_) => ("apply", project(true, true, text_or_json)),
            Command::Status(_) => ("status", project(true, true, text_or_json)),
            Command::Rollback(_) => ("rollback", project(true, true, text_or_json)),
            Command::CheckSchema(_) => ("check-schema", project(true, true, text_or_json)),
            Command::Accept(_) => ("accept", project(true, false, text_or_json)),
            Command::Verify(_) => ("verify", project(true, true, text_or_json)),
            Command::Trace(_) => ("trace", project(true, true, text_or_json)),
            Command::ImportHistory(_) => ("import-history", project(true, false, text_or_json)),
            Command::Baseline(_) => ("baseline", project(true, true, text_or_json)),
            Command::New(_) => ("new", project(false, false, text_or_json)),
            Command::Schema(_) => (
                "schema",
                Uses {
                    formats: &[Format::Json],
                    ..product
                },
            ),
            Command::Completions(_) => ("completions", product),
            Command::Man(args) => (
                "man",
                Uses {
                    prints_a_product: args.prints_a_page(),
                    ..Uses::NOTHING
                },
            ),
        }
    }

    /// Runs the subcommand.
    fn run(
        self,
        global: &Global,
        handlers: &Handlers,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<(), Failure> {
        match self {
            Command::Show(args) => show::run(args, global, out),
            Command::Graph(args) => graph::run(args, global, out),
            Command::Check(args) => check::run(args, global, out, err),
            Command::Lint(args) if args.fleet.chosen() => fleet_lint::run(&args, global, out),
            Command::Lint(args) => lint::run(args, global, out),
            Command::Apply(args) => apply::run(args, global, handlers, out, err),
            Command::Status(args) => status::run(args, global, out, err),
            Command::Rollback(args) => rollback::run(args, global, out, err),
            Command::Accept(args) => accept::run(args, global, out, err),
            Command::CheckSchema(args) if args.fleet.chosen() => {
                fleet_check::run(&args, global, out)
            }
            Command::CheckSchema(args) => check_schema::run(args, global, out, err),
            Command::Verify(args) => verify::run(args, global, handlers, out, err),
            Command::Trace(args) => trace::run(args, global, handlers, out, err),
            Command::ImportHistory(args) => import_history::run(args, global, out, err),
            Command::Baseline(args) => baseline::run(args, global, out, err),
            Command::New(args) => new::run(args, global, out, err),
            Command::Schema(args) => schema::run(args, out),
            Command::Completions(args) => completions::run(args, Cli::command(), out),
            Command::Man(args) => man::run(args, Cli::command(), out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// What `starting` was called with, by the test below (the only caller of `run_with` in
    /// these tests that records).
    static STARTED: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

    fn record(name: &'static str) {
        STARTED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(name);
    }

    #[test]
    fn the_binary_is_told_the_subcommand_before_it_runs_and_only_then() {
        let run = |args: &[&str]| {
            let (mut out, mut err) = (Vec::new(), Vec::new());
            run_with(args, (&Handlers::new(), record), &mut out, &mut err)
        };
        assert_eq!(run(&["plan", "schema"]), 0);
        assert_eq!(run(&["plan", "--version"]), 0);
        assert_eq!(run(&["plan", "no-such-command"]), 2);
        let started = STARTED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        assert_eq!(*started, ["schema"]);
    }
}

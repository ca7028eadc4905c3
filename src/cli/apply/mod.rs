//! `plan apply`: applies the pending migrations (of `--to ID` and its dependencies, or all) in
//! plan order, each in one transaction with its ledger row. `--dry-run` shows what would run;
//! `--scratch` applies to a throwaway local cluster and shows the status, with nothing set up;
//! with `--keep` the cluster stays running and its URL and the command that removes it are
//! printed, for the other commands to use.
//!
//! Progress goes to stderr, line by line; the summary goes to stdout. With `--format json`
//! stdout holds one object (`summary::ShownApply`, docs/json.md#plan-apply) and nothing else:
//! the lines that would say the same in text (the backup, the kept cluster, what a real run
//! needs) are its fields.
//!
//! This file holds the arguments and `run`, which picks the mode (scratch, dry run, real, or a
//! fleet of databases: `cli/fleet.rs`) and refuses early what the environment alone forbids. Beside it:
//! - `safeguards`: the confirmation and backup before the first statement of a real apply.
//! - `backup`: taking, verifying, printing and recording a backup (rollback takes it too).
//! - `progress`: running the apply with its progress lines and summary.
//! - `dry_run`: the dry run's listing of what would run, with its SQL.
//! - `summary`: what apply says when it is done, the summary line or the JSON report.

mod backup;
mod dry_run;
mod progress;
mod safeguards;
mod summary;

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;

use super::Failure;
use super::Global;
use super::args::{
    can_confirm, environment_guard_open, environment_phrase, require_backup_dir, resolve_target,
};
use super::status::{status_report, write_status};
use crate::db::cluster::{KeptCluster, shell_quote};
use crate::db::{ClusterOptions, ConnectionSettings, ScratchCluster};
use crate::engine::safeguards::{EnvironmentGuard, OpenedSession};
use crate::engine::{self, ApplyOptions, Execution};
use crate::load::Loaded;
use progress::apply_to;
use safeguards::{ApplyRun, Asked, before_first_statement};
use summary::{RealRun, ShownApply, ShownKept, ShownScratch};

pub(crate) use backup::{ShownBackup, take_backup};

/// Arguments of `plan apply`.
#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    /// Apply only this migration and what it depends on (ID, file name or unique version).
    #[arg(long, value_name = "ID")]
    to: Option<String>,
    /// Show what would run, with its SQL, and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Apply to a throwaway PostgreSQL cluster started from the server binaries on this machine
    /// (PG_BINDIR, pg_config --bindir, /usr/lib/postgresql/*/bin), then show its status.
    #[arg(long, conflicts_with = "database_url")]
    scratch: bool,
    /// With --scratch: leave the cluster running when plan exits, and print its DATABASE_URL
    /// (for the other commands) and the command that stops it and removes its files.
    // clap lets a required argument be missing when it conflicts with one given, so --keep
    // repeats --scratch's conflicts for `--keep --database-url URL` to be refused too.
    #[arg(long, requires = "scratch", conflicts_with_all = ["database_url", "backup_dir"])]
    keep: bool,
    /// Give up waiting for another run's lock after this many seconds (default: wait).
    #[arg(long, value_name = "SECONDS")]
    lock_wait: Option<u64>,
    /// Confirm without asking, for environments that require confirmation.
    #[arg(long)]
    yes: bool,
    /// Before the first statement, take a verified backup into this folder (pg_dump
    /// --format=custom, checked with pg_restore --list; file mode 0600, named after the
    /// database, UTC time and target). Required by an environment with `backup: required`;
    /// asks for a backup in any other. The file holds every row: keep the folder out of the
    /// repository. With --fleet, each target backs up into a folder of its own in DIR, right
    /// before its first migration.
    #[arg(long, value_name = "DIR", conflicts_with = "scratch")]
    backup_dir: Option<PathBuf>,
    /// Apply although applied migrations' files are missing from the project.
    #[arg(long)]
    allow_missing: bool,
    /// In a numbered sequence, apply pending migrations that sort before applied ones.
    #[arg(long)]
    allow_out_of_order: bool,
    #[command(flatten)]
    fleet: super::fleet::FleetChoice,
    #[command(flatten)]
    fleet_apply: super::fleet::FleetApplyArgs,
}

impl ApplyArgs {
    /// The option given that a fleet run does not take, if any.
    fn fleet_refuses(&self) -> Option<&'static str> {
        [("--scratch", self.scratch), ("--dry-run", self.dry_run)]
            .into_iter()
            .find_map(|(option, given)| given.then_some(option))
    }
}

/// An option of one database given with `--fleet` or `--targets`.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{option} cannot be given with --fleet or --targets")]
#[diagnostic(
    code(plan::fleet::usage),
    help(
        "a fleet run applies to the databases it lists, without a dry run or scratch cluster; use `plan status --fleet` to see what is pending"
    )
)]
struct FleetRefused {
    option: &'static str,
}

impl crate::diagnostic::Classified for FleetRefused {
    fn class(&self) -> crate::diagnostic::ErrorClass {
        crate::diagnostic::ErrorClass::InvalidInput
    }
}

/// Runs `plan apply`.
pub(crate) fn run(
    args: ApplyArgs,
    global: &Global,
    handlers: &engine::Handlers,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let loaded = global.load()?;
    let project = loaded.project();
    let env = global.checked_env(project)?;
    let target = resolve_target(project, args.to.as_deref())?;
    super::fleet::check_usage(&args.fleet, Some(&args.fleet_apply), global)?;
    if args.fleet.chosen() {
        if let Some(option) = args.fleet_refuses() {
            return Err(Failure::from(FleetRefused { option }));
        }
        let options = apply_options(&args, target, env.map(str::to_string), global);
        let asked = super::fleet::FleetApply {
            choice: &args.fleet,
            args: &args.fleet_apply,
            yes: args.yes,
            backup_dir: args.backup_dir.clone(),
            options,
            loaded: &loaded,
        };
        return super::fleet::apply(asked, global, handlers, out, err);
    }
    if args.scratch {
        let started = Instant::now();
        let cluster = ScratchCluster::start(&ClusterOptions::socket_only())?;
        let settings = cluster.create_database(SCRATCH_DATABASE)?;
        let _ = writeln!(
            err,
            "started a throwaway PostgreSQL cluster in {} ({} ms); {}",
            cluster.directory().display(),
            started.elapsed().as_millis(),
            if args.keep {
                "--keep leaves it running"
            } else {
                "it is removed when plan exits"
            }
        );
        let options = apply_options(&args, target, env.map(str::to_string), global);
        if global.json() {
            let directory = cluster.directory().display().to_string();
            let shown = apply_json(&loaded, &settings, &options, handlers, global, err, None)
                .and_then(|shown| Ok((shown, status_report(&loaded, &settings, env)?)));
            let kept = args.keep.then(|| cluster.keep());
            return match shown {
                Ok((mut shown, status)) => {
                    shown.scratch = Some(ShownScratch {
                        directory,
                        kept: kept.as_ref().map(|kept| {
                            let url = kept.settings_for(SCRATCH_DATABASE).to_string();
                            ShownKept {
                                database_url: url,
                                stop_command: kept.stop_command().to_string(),
                            }
                        }),
                        status,
                    });
                    shown.write(out);
                    Ok(())
                }
                Err(failure) => {
                    // The error is the one object on stdout: how to reach and remove the kept
                    // cluster goes to stderr, where the person reading the error sees it.
                    if let Some(kept) = &kept {
                        write_kept(kept, err);
                    }
                    Err(failure)
                }
            };
        }
        let shown = apply_to(
            &loaded,
            (&settings, None),
            &options,
            handlers,
            global,
            out,
            err,
        )
        .and_then(|_| {
            let _ = writeln!(out);
            write_status(&loaded, &settings, env, out)
        });
        if args.keep {
            // Kept whether or not the apply succeeded: a failed migration is worth a look.
            write_kept(&cluster.keep(), out);
        }
        return shown;
    }
    let settings = global.settings("apply")?;
    // What --env alone requires is refused before connecting; the ledger, read next, may add
    // the safeguards of the environment the database was migrated in.
    if !args.dry_run {
        let given = EnvironmentGuard::resolve(project, env, &[]);
        let owed = require_backup_dir(&given, args.backup_dir.as_deref(), "apply")?;
        if owed.confirmation_required_by().is_some() {
            can_confirm(&apply_question(&settings, &given), args.yes)?;
        }
    }
    // The connection that reads the ledger here is the one the run goes on with.
    let (guard, opened) = environment_guard_open(project, &settings, env, err)?;
    let options = apply_options(
        &args,
        target,
        guard.environment().map(str::to_string),
        global,
    );
    if args.dry_run {
        let refused = guard
            .check(false)
            .err()
            .map(|mismatch| mismatch.to_string());
        let backup_dir = args
            .backup_dir
            .as_ref()
            .map(|directory| directory.display().to_string());
        let required_by = guard.backup_required_by().map(str::to_string);
        if global.json() {
            let mut shown =
                dry_run::dry_run_report(&loaded, (&settings, Some(opened)), &options, handlers)?;
            shown.real_run = Some(RealRun {
                refused_without_yes: refused,
                backup_dir_required_by: required_by.filter(|_| backup_dir.is_none()),
                backup_dir,
            });
            shown.write(out);
            return Ok(());
        }
        apply_to(
            &loaded,
            (&settings, Some(opened)),
            &options,
            handlers,
            global,
            out,
            err,
        )?;
        if let Some(mismatch) = refused {
            let _ = writeln!(out, "a real run is refused without --yes: {mismatch}");
        }
        match (backup_dir, required_by) {
            (Some(directory), _) => {
                let _ = writeln!(
                    out,
                    "a real run takes a verified backup into {directory} before its first statement"
                );
            }
            (None, Some(environment)) => {
                let _ = writeln!(
                    out,
                    "a real run needs --backup-dir DIR: environment {environment} requires a verified backup before its first statement"
                );
            }
            (None, None) => {}
        }
        return Ok(());
    }
    guard.check(args.yes)?;
    let owed = require_backup_dir(&guard, args.backup_dir.as_deref(), "apply")?;
    let asked = Asked {
        question: owed
            .confirmation_required_by()
            .map(|_| apply_question(&settings, &guard)),
        yes: args.yes,
    };
    let run = ApplyRun {
        loaded: &loaded,
        settings: &settings,
        options: &options,
        handlers,
        format: global.format,
    };
    // A run that owes a confirmation or a backup first connects again afterwards: the
    // connection is not left idle while the operator answers or pg_dump runs.
    let opened = (!owed.owes_anything()).then_some(opened);
    let backup = before_first_statement(&run, &owed, &asked, out, err)?;
    if global.json() {
        let mut shown = apply_json(&loaded, &settings, &options, handlers, global, err, opened)?;
        shown.backup = backup;
        shown.write(out);
        return Ok(());
    }
    apply_to(
        &loaded,
        (&settings, opened),
        &options,
        handlers,
        global,
        out,
        err,
    )
    .map(|_| ())
}

/// Runs the apply in JSON mode and returns its report object for `run` to complete and print.
/// Stdout carries that object alone: what the apply writes there for a person (the lines of a
/// backup the engine takes) goes to stderr.
fn apply_json(
    loaded: &Loaded,
    settings: &ConnectionSettings,
    options: &ApplyOptions,
    handlers: &engine::Handlers,
    global: &Global,
    err: &mut dyn Write,
    opened: Option<OpenedSession>,
) -> Result<ShownApply, Failure> {
    let mut for_a_person = Vec::new();
    let shown = apply_to(
        loaded,
        (settings, opened),
        options,
        handlers,
        global,
        &mut for_a_person,
        err,
    );
    let _ = err.write_all(&for_a_person);
    shown
}

/// The database `--scratch` creates in its cluster and applies to.
const SCRATCH_DATABASE: &str = "plan_scratch";

/// What `--scratch --keep` prints on stdout after the status (on stderr in JSON mode when the
/// apply failed): where the cluster is, the line that points the other commands at it, and the
/// line that stops and removes it.
fn write_kept(kept: &KeptCluster, out: &mut dyn Write) {
    let settings = kept.settings_for(SCRATCH_DATABASE);
    let url = settings.to_string();
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "the cluster keeps running (--keep): files in {}, socket {}, port {}, user {}, database {}",
        kept.directory().display(),
        settings.host(),
        settings.port(),
        settings.user(),
        settings.database()
    );
    let _ = writeln!(out, "DATABASE_URL: {url}");
    let _ = writeln!(out, "use it with the other commands (plan status, ...):");
    let _ = writeln!(out, "  export DATABASE_URL={}", shell_quote(&url));
    let _ = writeln!(out, "stop it and remove its files:");
    let _ = writeln!(out, "  {}", kept.stop_command());
}

/// The library's options for this apply, in `environment`, tracing as `-v` asks.
fn apply_options(
    args: &ApplyArgs,
    target: Option<crate::project::MigrationId>,
    environment: Option<String>,
    global: &Global,
) -> ApplyOptions {
    ApplyOptions {
        target,
        environment,
        mode: if args.dry_run {
            Execution::DryRun
        } else {
            Execution::Live
        },
        lock_wait: args.lock_wait.map(Duration::from_secs),
        // Taken before the apply by `safeguards.rs`, after the operator saw where it goes.
        backup_to: None,
        allow: engine::Allow {
            missing: args.allow_missing,
            out_of_order: args.allow_out_of_order,
        },
        trace: super::verbose::tracing_for(global.verbosity),
        lint: true,
    }
}

/// The confirmation question of an apply.
fn apply_question(settings: &ConnectionSettings, guard: &EnvironmentGuard) -> String {
    format!("apply to {settings} {}", environment_phrase(guard))
}

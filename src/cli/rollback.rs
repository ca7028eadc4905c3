//! `plan rollback ID` and `plan rollback --last-batch`: reverts a migration and every applied
//! migration that depends on it (or the last apply run), in reverse plan order.
//!
//! Before a real rollback, in this order: what `--env` alone requires is refused at once (no
//! `--backup-dir`, or a confirmation with no terminal and no `--yes`); the ledger is read for
//! the environment the database was migrated in, which applies without `--env` and refuses a
//! different `--env` unless `--yes`; the rollback is planned (refusals such as a missing
//! rollback come here); the backup file is reserved, the plan shown and confirmed; the backup
//! is taken, verified and recorded, as `plan apply` does. `--dry-run` prints the plan with each
//! rollback's SQL and changes nothing. With `--format json` stdout holds one object
//! ([`ShownRollback`], docs/json.md#plan-rollback) and nothing else.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Args;
use serde::Serialize;

use super::Failure;
use super::Global;
use super::apply::{ShownBackup, take_backup};
use super::args::{
    can_confirm, confirm, environment_guard, environment_phrase, require_backup_dir,
    resolve_migration,
};
use super::progress_bar::{LockWaitNotice, RunProgress};
use super::verbose::{TracePrinter, tracing_for};
use crate::db::ConnectionSettings;
use crate::engine::rollback::{PlannedRollback, RollbackOptions, RollbackProgress, plan_rollback};
use crate::engine::safeguards::EnvironmentGuard;
use crate::engine::{self, RollbackTarget};
use crate::load::Loaded;
use crate::project::{MigrationId, TransactionMode};

/// Arguments of `plan rollback`.
#[derive(Debug, Args)]
pub(crate) struct RollbackArgs {
    /// The migration to roll back, with everything applied that depends on it.
    #[arg(
        value_name = "ID",
        required_unless_present = "last_batch",
        conflicts_with = "last_batch"
    )]
    id: Option<String>,
    /// Roll back the migrations of the most recent apply run instead.
    #[arg(long)]
    last_batch: bool,
    /// Give up waiting for another run's lock after this many seconds (default: wait).
    #[arg(long, value_name = "SECONDS")]
    lock_wait: Option<u64>,
    /// Confirm without asking; also runs with an --env other than the one the database's
    /// ledger records.
    #[arg(long)]
    yes: bool,
    /// Show what would be rolled back, in order, with the SQL of each rollback, and change
    /// nothing.
    #[arg(long)]
    dry_run: bool,
    /// Before the first statement, take a verified backup into this folder, as `plan apply`
    /// does. Required when the environment (given with --env or recorded in the ledger) has
    /// `backup: required`.
    #[arg(long, value_name = "DIR")]
    backup_dir: Option<PathBuf>,
}

/// Runs `plan rollback`.
pub(crate) fn run(
    args: RollbackArgs,
    global: &Global,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let started = Instant::now();
    let loaded = global.load()?;
    let project = loaded.project();
    let env = global.checked_env(project)?;
    let target = match &args.id {
        Some(written) => RollbackTarget::Migration(resolve_migration(project, written)?),
        None => RollbackTarget::LastBatch,
    };
    let settings = global.settings("rollback")?;
    if !args.dry_run {
        let given = EnvironmentGuard::resolve(project, env, &[]);
        let owed = require_backup_dir(&given, args.backup_dir.as_deref(), "rollback")?;
        if owed.confirmation_required_by().is_some() {
            can_confirm(&question(&target, &settings, &given), args.yes)?;
        }
    }
    let guard = environment_guard(project, &settings, env, err)?;
    if args.dry_run {
        let planned = plan_rollback(&loaded, &settings, &target)?;
        let refused = guard
            .check(false)
            .err()
            .map(|mismatch| mismatch.to_string());
        let required_by = match (&args.backup_dir, guard.backup_required_by()) {
            (None, Some(environment)) => Some(environment.to_string()),
            _ => None,
        };
        if global.json() {
            let mut shown = ShownRollback::new(&settings, guard.environment(), true, started);
            shown.migrations = planned
                .iter()
                .map(|step| ShownRolledBack::would(&loaded, step))
                .collect();
            shown.real_run = Some(RealRun {
                refused_without_yes: refused,
                backup_dir: args
                    .backup_dir
                    .as_ref()
                    .map(|directory| directory.display().to_string()),
                backup_dir_required_by: required_by,
            });
            shown.write(out);
            return Ok(());
        }
        write_dry_run(out, &loaded, &planned, &settings);
        if let Some(mismatch) = refused {
            let _ = writeln!(out, "a real run is refused without --yes: {mismatch}");
        }
        if let Some(environment) = required_by {
            let _ = writeln!(
                out,
                "a real run needs --backup-dir DIR: environment {environment} requires a verified backup before its first statement"
            );
        }
        return Ok(());
    }
    guard.check(args.yes)?;
    let owed = require_backup_dir(&guard, args.backup_dir.as_deref(), "rollback")?;
    let confirmation = owed
        .confirmation_required_by()
        .map(|_| question(&target, &settings, &guard));
    let mut backup = None;
    if owed.owes_anything() {
        if let Some(question) = &confirmation {
            can_confirm(question, args.yes)?;
        }
        // Planned first: a rollback that would be refused is refused before any backup.
        let planned = plan_rollback(&loaded, &settings, &target)?;
        let pending = owed
            .backup_dir()
            .map(|directory| engine::backup::prepare_rollback_backup(&settings, directory, &target))
            .transpose()?;
        if let Some(question) = &confirmation {
            let backup = pending.as_ref().map(|p| p.path());
            confirm(
                question,
                args.yes,
                |stream| write_preview(stream, &planned, &settings, backup),
                err,
            )?;
        }
        if let Some(pending) = pending {
            backup = Some(take_backup(
                project,
                &settings,
                pending,
                (guard.environment(), None),
                global.format,
                out,
                err,
            )?);
        }
    }
    // A bar on a terminal, a line when each rollback starts and ends in a log.
    let mut bar = RunProgress::for_run(global);
    let trace = TracePrinter::new(global.verbosity, global.stderr_is_terminal);
    let mut lock_wait = LockWaitNotice::default();
    let options = RollbackOptions {
        environment: guard.environment(),
        tracing: tracing_for(global.verbosity),
        lock_wait: args.lock_wait.map(Duration::from_secs),
    };
    let report =
        engine::rollback(
            &loaded,
            &settings,
            &target,
            options,
            &mut |progress| match progress {
                RollbackProgress::WaitingForLock { holder, waited } => {
                    if let Some(line) = lock_wait.line(holder, waited) {
                        bar.line(err, &line);
                    }
                }
                RollbackProgress::Starting { id, number, total } => {
                    bar.set_length(total);
                    bar.start(
                        err,
                        &format!("[{number}/{total}]"),
                        &format!("rolling back {id}"),
                    );
                }
                RollbackProgress::RolledBack {
                    id,
                    number,
                    total,
                    duration,
                } => {
                    bar.finish_one(
                        err,
                        &format!(
                            "[{number}/{total}] {id} rolled back in {} ms",
                            duration.as_millis()
                        ),
                    );
                }
                RollbackProgress::Trace(event) => bar.suspend(|| trace.write(err, &event)),
            },
        );
    bar.finish(err);
    let report = report?;
    if global.json() {
        let mut shown = ShownRollback::new(&settings, guard.environment(), false, started);
        shown.migrations = report
            .rolled_back
            .iter()
            .map(|(id, duration)| ShownRolledBack::done(id, *duration))
            .collect();
        shown.backup = backup;
        shown.write(out);
        return Ok(());
    }
    let ids: Vec<String> = report
        .rolled_back
        .iter()
        .map(|(id, _)| id.to_string())
        .collect();
    let _ = writeln!(
        out,
        "rolled back {} migration(s): {}",
        ids.len(),
        ids.join(", ")
    );
    Ok(())
}

/// The report of `plan rollback --format json`: one object, `format` 1 (docs/json.md).
#[derive(Debug, Serialize)]
struct ShownRollback {
    format: u32,
    /// The database, as a URL without the password.
    database: String,
    /// The environment the run was in (`--env`, or the one the ledger records).
    environment: Option<String>,
    dry_run: bool,
    /// In the order they were (or would be) rolled back.
    migrations: Vec<ShownRolledBack>,
    rolled_back: usize,
    would_roll_back: usize,
    backup: Option<ShownBackup>,
    duration_ms: u64,
    /// Dry run only: what a real run would need.
    #[serde(skip_serializing_if = "Option::is_none")]
    real_run: Option<RealRun>,
}

/// One migration of the rollback report.
#[derive(Debug, Serialize)]
struct ShownRolledBack {
    id: String,
    /// `rolled_back` or `would_roll_back`.
    outcome: &'static str,
    /// `rolled_back`: how long it took.
    duration_ms: Option<u64>,
    /// Dry run: what would run.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    would_run: Option<WouldRollBack>,
}

/// What a dry run would run of one rollback.
#[derive(Debug, Serialize)]
struct WouldRollBack {
    /// The rollback file, or `<migration file> (-- DOWN section)`.
    file: String,
    /// `wrapped` (one transaction with the removal of its ledger row) or `outside`.
    transaction: &'static str,
    /// The statement of the rollback it starts at, from 1 (more than 1 when resuming).
    from_statement: usize,
    /// The statements it would send.
    sql: Vec<String>,
}

/// What a real rollback would need, as a dry run sees it.
#[derive(Debug, Serialize)]
struct RealRun {
    refused_without_yes: Option<String>,
    backup_dir: Option<String>,
    backup_dir_required_by: Option<String>,
}

impl ShownRollback {
    fn new(
        settings: &ConnectionSettings,
        environment: Option<&str>,
        dry_run: bool,
        started: Instant,
    ) -> Self {
        ShownRollback {
            format: 1,
            database: settings.to_string(),
            environment: environment.map(str::to_string),
            dry_run,
            migrations: Vec::new(),
            rolled_back: 0,
            would_roll_back: 0,
            backup: None,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            real_run: None,
        }
    }

    /// Counts the migrations and writes the object, pretty-printed, ending with a newline.
    fn write(mut self, out: &mut dyn Write) {
        let count = |outcome: &str| {
            self.migrations
                .iter()
                .filter(|migration| migration.outcome == outcome)
                .count()
        };
        (self.rolled_back, self.would_roll_back) = (count("rolled_back"), count("would_roll_back"));
        let _ = serde_json::to_writer_pretty(&mut *out, &self)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out));
    }
}

impl ShownRolledBack {
    fn done(id: &MigrationId, duration: Duration) -> Self {
        ShownRolledBack {
            id: id.to_string(),
            outcome: "rolled_back",
            duration_ms: Some(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)),
            would_run: None,
        }
    }

    fn would(loaded: &Loaded, step: &PlannedRollback) -> Self {
        let would_run = loaded.project().migration(&step.id).and_then(|migration| {
            let script = loaded.rollback_script(migration)?;
            Some(WouldRollBack {
                file: match migration.rollback() {
                    Some(crate::project::Rollback::File(file)) => file.name().to_string(),
                    _ => format!("{} (-- DOWN section)", migration.file().name()),
                },
                transaction: match script.transaction {
                    TransactionMode::Wrapped => "wrapped",
                    TransactionMode::Outside => "outside",
                },
                from_statement: step.next_statement + 1,
                sql: script
                    .statements
                    .iter()
                    .skip(step.next_statement)
                    .map(|statement| statement.text.clone())
                    .collect(),
            })
        });
        ShownRolledBack {
            id: step.id.to_string(),
            outcome: "would_roll_back",
            duration_ms: None,
            would_run,
        }
    }
}

/// The confirmation question of a rollback.
fn question(
    target: &RollbackTarget,
    settings: &ConnectionSettings,
    guard: &EnvironmentGuard,
) -> String {
    let what = match target {
        RollbackTarget::Migration(id) => format!("roll back {id} and its dependents"),
        RollbackTarget::LastBatch => "roll back the last batch".to_string(),
    };
    format!("{what} on {settings} {}", environment_phrase(guard))
}

/// What will be rolled back, in order, and the backup file, before the question.
fn write_preview(
    err: &mut dyn Write,
    planned: &[PlannedRollback],
    settings: &ConnectionSettings,
    backup: Option<&Path>,
) {
    let mut text = format!("roll back on {settings}, in this order:\n");
    for step in planned {
        text.push_str(&format!("  roll back  {}", step.id));
        if step.next_statement > 0 {
            text.push_str(&format!(
                "  (resuming at statement {} of its rollback)",
                step.next_statement + 1
            ));
        }
        text.push('\n');
    }
    match backup {
        Some(path) => text.push_str(&format!(
            "  backup     {} (taken and verified before the first statement)\n",
            path.display()
        )),
        None => text.push_str("  backup     none\n"),
    }
    let _ = err.write_all(text.as_bytes());
}

/// The dry run: every migration that would be rolled back, in order, with its rollback's SQL.
fn write_dry_run(
    out: &mut dyn Write,
    loaded: &Loaded,
    planned: &[PlannedRollback],
    settings: &ConnectionSettings,
) {
    let mut text = format!(
        "dry run against {settings}: would roll back {} migration(s), in this order\n",
        planned.len()
    );
    for step in planned {
        let Some(migration) = loaded.project().migration(&step.id) else {
            continue;
        };
        let Some(script) = loaded.rollback_script(migration) else {
            continue;
        };
        let file = match migration.rollback() {
            Some(crate::project::Rollback::File(file)) => file.name().to_string(),
            _ => format!("the down section of {}", migration.file().name()),
        };
        let how = match script.transaction {
            TransactionMode::Wrapped => {
                "in one transaction with the removal of its ledger row".to_string()
            }
            TransactionMode::Outside if step.next_statement > 0 => format!(
                "outside a transaction, resuming at statement {} of {}",
                step.next_statement + 1,
                script.statements.len()
            ),
            TransactionMode::Outside => "outside a transaction, statement by statement".to_string(),
        };
        text.push_str(&format!("\n-- {} ({file}), {how}\n", step.id));
        for statement in script.statements.iter().skip(step.next_statement) {
            text.push_str(&statement.text);
            text.push('\n');
        }
    }
    text.push_str("dry run: nothing was changed\n");
    let _ = out.write_all(text.as_bytes());
}

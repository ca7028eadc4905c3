//! `plan rollback ID` and `plan rollback --last-batch`: reverts a migration and every applied
//! migration that depends on it (or the last apply run), in reverse plan order.
//!
//! Before a real rollback, in this order: what `--env` alone requires is refused at once (no
//! `--backup-dir`, or a confirmation with no terminal and no `--yes`); the ledger is read for
//! the environment the database was migrated in, which applies without `--env` and refuses a
//! different `--env` unless `--yes`; the rollback is planned (refusals such as a missing
//! rollback come here); the backup file is reserved, the plan shown and confirmed; the backup
//! is taken, verified and recorded, as `plan apply` does. `--dry-run` prints the plan with each
//! rollback's SQL and changes nothing.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::Failure;
use super::Global;
use super::apply::take_backup;
use super::args::{
    can_confirm, confirm, environment_guard, environment_phrase, require_backup_dir,
    resolve_migration,
};
use super::progress_bar::RunProgress;
use super::verbose::{TracePrinter, tracing_for};
use crate::db::ConnectionSettings;
use crate::engine::rollback::{PlannedRollback, RollbackProgress, plan_rollback};
use crate::engine::safeguards::EnvironmentGuard;
use crate::engine::{self, RollbackTarget};
use crate::load::Loaded;
use crate::project::TransactionMode;

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
        write_dry_run(out, &loaded, &planned, &settings);
        if let Err(mismatch) = guard.check(false) {
            let _ = writeln!(out, "a real run is refused without --yes: {mismatch}");
        }
        if let (None, Some(environment)) = (&args.backup_dir, guard.backup_required_by()) {
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
            write_preview(err, &planned, &settings, pending.as_ref().map(|p| p.path()));
            confirm(question, args.yes, err)?;
        }
        if let Some(pending) = pending {
            take_backup(
                project,
                &settings,
                pending,
                (guard.environment(), None),
                out,
                err,
            )?;
        }
    }
    // A bar on a terminal, a line when each rollback starts and ends in a log.
    let mut bar = RunProgress::for_run(global);
    let trace = TracePrinter::new(global.verbosity, global.stderr_is_terminal);
    let report = engine::rollback(
        &loaded,
        &settings,
        &target,
        (guard.environment(), tracing_for(global.verbosity)),
        &mut |progress| match progress {
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
            _ => format!("the DOWN section of {}", migration.file().name()),
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

//! The production safeguards at start-up, as `engine::safeguards` decides them for `plan apply`:
//! which environment the run is in (a database migrated as production stays production), a
//! verified backup before the first statement where `backup: required` (into the folder given
//! with `Migrator::backup_to`, taken and recorded by `engine::backup` exactly as the CLI takes
//! and records it), and `confirm: true` answered only by an explicit `Migrator::confirmed`.
//!
//! Leaves to others: what is owed (`engine::safeguards`), the dump (`db::backup`), the apply
//! itself and the retry loop (`startup`). Nothing here prints: progress goes to `tracing`.

use std::path::Path;

use crate::db::ConnectionSettings;
use crate::engine::safeguards::{EnvironmentGuard, EnvironmentMismatch, Safeguards};
use crate::engine::{self, ApplyOptions, Execution, Handlers, Progress};

use super::error::StartupError;

/// What the service states about its safeguards: the folder it offers for a backup, and
/// whether its configuration confirms this run (as `plan apply --yes`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stated<'a> {
    /// `Migrator::backup_to`.
    pub(crate) backup_dir: Option<&'a Path>,
    /// `Migrator::confirmed`.
    pub(crate) confirmed: bool,
}

/// What `guard` owes, refused when the service cannot give it: a required backup with no
/// folder, or a confirmation the service did not state.
pub(crate) fn owed<'a>(
    guard: &EnvironmentGuard,
    stated: Stated<'a>,
) -> Result<Safeguards<'a>, StartupError> {
    let owed =
        guard
            .safeguards(stated.backup_dir)
            .map_err(|needed| StartupError::BackupDirNeeded {
                environment: needed.environment,
            })?;
    match owed.confirmation_required_by() {
        Some(environment) if !stated.confirmed => Err(StartupError::ConfirmationNeeded {
            environment: environment.to_string(),
        }),
        _ => Ok(owed),
    }
}

/// Refuses a run whose environment contradicts the ledger's, unless the service confirmed it.
pub(crate) fn check(guard: &EnvironmentGuard, stated: Stated<'_>) -> Result<(), StartupError> {
    guard
        .check(stated.confirmed)
        .map_err(|mismatch| match mismatch {
            EnvironmentMismatch::Other {
                requested,
                recorded,
            } => StartupError::EnvironmentMismatch {
                environment: Some(requested),
                recorded,
            },
            EnvironmentMismatch::Several { recorded } => StartupError::EnvironmentMismatch {
                environment: None,
                recorded,
            },
        })
}

/// The database the backup and the apply are for, and how the apply will run.
pub(crate) struct GuardedApply<'a> {
    pub(crate) loaded: &'a crate::load::Loaded,
    pub(crate) handlers: &'a Handlers,
    pub(crate) settings: &'a ConnectionSettings,
    pub(crate) options: &'a ApplyOptions,
}

/// The backup `owed` demands, before the first statement: only when the plan (read now,
/// without the lock, as a dry run) has work; taken, verified and recorded in the history as
/// `plan apply --backup-dir` does. The confirmation was given when `owed` was built.
pub(crate) fn before_first_statement(
    run: &GuardedApply<'_>,
    owed: &Safeguards<'_>,
) -> Result<(), StartupError> {
    let Some(directory) = owed.backup_dir() else {
        return Ok(());
    };
    let dry_run = ApplyOptions {
        mode: Execution::DryRun,
        ..run.options.clone()
    };
    let mut has_work = false;
    engine::apply_with_handlers(
        run.loaded,
        run.settings,
        &dry_run,
        run.handlers,
        &mut |progress| {
            if let Progress::Planned { plan, .. } = progress {
                has_work = plan.has_work();
            }
        },
    )?;
    if !owed.due(has_work) {
        return Ok(());
    }
    let pending = engine::prepare_backup(run.settings, directory, run.options.target.as_ref())?;
    tracing::info!(
        pg_dump = %pending.pg_dump().display(),
        file = %pending.path().display(),
        "taking a backup"
    );
    let taken = engine::backup::take(pending)?;
    tracing::info!(
        file = %taken.backup.path.display(),
        bytes = taken.backup.bytes,
        entries = taken.backup.entries,
        duration_ms = taken.took.as_millis() as u64,
        restore = %taken.backup.restore_command,
        "backup taken and verified with pg_restore --list"
    );
    let mut said = false;
    engine::record_backup(
        run.loaded.project(),
        run.settings,
        &taken,
        run.options.environment.as_deref(),
        run.options.lock_wait,
        &mut |waiting| {
            if !said {
                said = true;
                tracing::info!(
                    holder = %waiting.holder.map_or_else(
                        || "a session this user cannot see".to_string(),
                        ToString::to_string,
                    ),
                    "another run holds the migration lock; waiting for it to record the backup"
                );
            }
        },
    )?;
    Ok(())
}

//! The production safeguards at start-up, as `engine::safeguards` decides them for `plan apply`:
//! which environment the run is in (a database migrated as production stays production), a
//! verified backup before the first statement where `backup: required` (into the folder given
//! with `Migrator::backup_to`), and `confirm: true` answered only by an explicit
//! `Migrator::confirmed`.
//!
//! Leaves to others: what is owed (`engine::safeguards`), taking the backup (the engine, under
//! the lock, when the plan has work: `ApplyOptions::backup_to`), the apply itself and the retry
//! loop (`startup`). Nothing here prints: progress goes to `tracing`.

use std::path::Path;

use crate::engine::safeguards::{EnvironmentGuard, EnvironmentMismatch, Safeguards};

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

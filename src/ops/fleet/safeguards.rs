//! One fleet target's safeguards, decided as a single-database `plan apply` decides them
//! (`engine::safeguards`), from that target's own ledger: the environment its ledger records
//! is the run's environment there, an `--env` that contradicts it is refused without `--yes`,
//! and what that environment demands (`confirm: true`, `backup: required`) holds for that
//! target. A fleet run cannot stop to ask each target: a confirmation the run did not get
//! before it started (`--yes`, or the answer for `--env`'s environment) refuses the target.
//!
//! Read once per target, before its apply, on one connection without the lock (as a
//! single-database apply reads it before confirming): the ledger rows give both the recorded
//! environments and whether the plan has work, so an up-to-date target costs that one
//! connection and one ledger read, and owes no confirmation and no backup.
//!
//! The backup itself is the engine's (`ApplyOptions::backup_to`): taken under the target's
//! lock, right before its first migration, verified and recorded in its history.

use std::path::{Path, PathBuf};

use miette::Diagnostic;

use crate::db::{DbError, Target};
use crate::engine::safeguards::{EnvironmentGuard, EnvironmentMismatch, recorded_environments};
use crate::engine::{ApplyOptions, Plan};
use crate::load::Loaded;

/// What the whole fleet run was given for the targets' safeguards.
#[derive(Clone, Debug, Default)]
pub(crate) struct FleetSafeguards {
    /// `--backup-dir`: each target with work backs up into a folder of its own in it.
    pub(crate) backup_dir: Option<PathBuf>,
    /// `--yes`: confirms for every target, and lets an `--env` that contradicts a target's
    /// ledger through (that ledger's environment's safeguards still apply).
    pub(crate) yes: bool,
    /// The environment whose confirmation was given before the run started (`--env`'s, asked
    /// on a terminal).
    pub(crate) confirmed: Option<String>,
}

/// What a target may do, its safeguards checked.
#[derive(Debug)]
pub(crate) enum Cleared {
    /// Its ledger says nothing is pending: no apply, no backup, no confirmation.
    UpToDate,
    /// Apply with these options: its environment, and the backup folder it owes, if any.
    Apply(Box<ApplyOptions>),
}

/// Why a target was not applied to before its first statement.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub(crate) enum Held {
    /// Its ledger could not be read (a connection failure is `unreachable`).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Db(#[from] DbError),
    /// A safeguard refused it.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Refused(#[from] TargetRefused),
}

/// A safeguard refused one target of a fleet run; nothing was applied to it.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub(crate) enum TargetRefused {
    /// `--env` (or its absence) contradicts the environment the target's ledger records.
    #[error("{target}: {mismatch}")]
    #[diagnostic(
        code(plan::apply::environment_mismatch),
        help(
            "check that this database belongs in the fleet; to apply to it anyway pass --yes (its recorded environment's confirmation and backup still apply); nothing was applied to it"
        )
    )]
    Mismatch {
        /// The target's name.
        target: String,
        /// What contradicts what.
        mismatch: EnvironmentMismatch,
    },
    /// An environment involved requires a backup, and the run has no `--backup-dir`.
    #[error(
        "{target}: environment {environment} requires a verified backup before apply, and no --backup-dir was given"
    )]
    #[diagnostic(
        code(plan::fleet::backup_required),
        help(
            "run again with --backup-dir DIR: each target backs up into a folder of its own there before its first migration; nothing was applied to it"
        )
    )]
    BackupRequired {
        /// The target's name.
        target: String,
        /// The environment with `backup: required`.
        environment: String,
    },
    /// The target's ledger records an environment with `confirm: true`, and the run was not
    /// confirmed for it.
    #[error(
        "{target}: its ledger records environment {environment}, which requires confirmation, and --yes was not given"
    )]
    #[diagnostic(
        code(plan::fleet::confirmation_required),
        help(
            "a fleet run cannot ask each target: check that this database belongs in the fleet, then run again with --yes (it confirms every target), or with --env {environment} to be asked once; nothing was applied to it"
        )
    )]
    ConfirmationRequired {
        /// The target's name.
        target: String,
        /// The environment with `confirm: true`.
        environment: String,
    },
}

/// Reads the ledger of `database` (the target `name`) and decides what its apply with
/// `options` owes: its environment ([`EnvironmentGuard`]), a confirmation the run must already
/// have, and a backup into `backup_folder` (the target's own folder in `--backup-dir`).
pub(crate) fn clear(
    loaded: &Loaded,
    database: &Target,
    name: &str,
    options: &ApplyOptions,
    given: &FleetSafeguards,
    backup_folder: Option<&Path>,
) -> Result<Cleared, Held> {
    let mut session = database.connect()?;
    let rows = database.ledger().read(&mut session)?;
    session.close()?;
    let guard = EnvironmentGuard::resolve(
        loaded.project(),
        options.environment.as_deref(),
        &recorded_environments(&rows),
    );
    guard
        .check(given.yes)
        .map_err(|mismatch| TargetRefused::Mismatch {
            target: name.to_string(),
            mismatch,
        })?;
    let environment = guard.environment().map(str::to_string);
    // A plan refused here (a modified file, ...) is refused again by the apply, which says so
    // as on one database: only a plan known to have no work ends the target here.
    let plan = Plan::new(
        loaded,
        &rows,
        options.target.as_ref(),
        environment.as_deref(),
        options.allow,
    );
    if plan.is_ok_and(|plan| !plan.has_work()) {
        return Ok(Cleared::UpToDate);
    }
    let owed = guard
        .safeguards(backup_folder)
        .map_err(|needed| TargetRefused::BackupRequired {
            target: name.to_string(),
            environment: needed.environment,
        })?;
    if let Some(environment) = owed.confirmation_required_by()
        && !confirmed(given, environment)
    {
        return Err(Held::Refused(TargetRefused::ConfirmationRequired {
            target: name.to_string(),
            environment: environment.to_string(),
        }));
    }
    Ok(Cleared::Apply(Box::new(ApplyOptions {
        environment,
        backup_to: owed.backup_dir().map(Path::to_path_buf),
        ..options.clone()
    })))
}

/// Whether the run was confirmed for `environment`: `--yes`, or the answer given for it
/// before the run started.
fn confirmed(given: &FleetSafeguards, environment: &str) -> bool {
    given.yes || given.confirmed.as_deref() == Some(environment)
}

/// The folder of each target's backup in `--backup-dir`, in the order of `names`: the target's
/// name with anything but letters, digits, `.`, `-` and `_` made `_`, and `-2`, `-3`, ...
/// added to a name another target already has.
pub(crate) fn backup_folders(names: &[&str]) -> Vec<String> {
    let mut taken = std::collections::BTreeSet::new();
    names
        .iter()
        .map(|name| {
            let mut safe: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            // Never `.`, `..` or a hidden folder.
            if safe.is_empty() || safe.starts_with('.') {
                safe.insert(0, '_');
            }
            let mut folder = safe.clone();
            let mut number = 2;
            while !taken.insert(folder.clone()) {
                folder = format!("{safe}-{number}");
                number += 1;
            }
            folder
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(names: &[&str], expect: &[&str]) {
        assert_eq!(backup_folders(names), expect);
    }

    #[test]
    fn each_target_gets_a_file_safe_folder_of_its_own() {
        check(
            &[
                "db1:5432/tenant_a",
                "db1:5432/tenant_a/s1",
                "/tmp/pg:5432/x",
            ],
            &[
                "db1_5432_tenant_a",
                "db1_5432_tenant_a_s1",
                "_tmp_pg_5432_x",
            ],
        );
        check(
            &["a:1/b c", "a:1/b_c", "a:1/b/c", "a_1_b_c-2"],
            &["a_1_b_c", "a_1_b_c-2", "a_1_b_c-3", "a_1_b_c-2-2"],
        );
        check(
            &["", "..", "db.example.com:5432/x"],
            &["_", "_..", "db.example.com_5432_x"],
        );
    }
}

//! Production safeguards, decided in one place for `plan apply`, `plan rollback` and a
//! service's `startup::Migrator` alike: which environment a run is in (a database migrated as
//! production stays production, whatever `--env` says), whether that environment's `backup:
//! required` demands a verified backup before the first statement, and whether its `confirm:
//! true` demands a confirmation.
//!
//! Decided here, done elsewhere: asking the user and printing are the CLI's (`cli/apply.rs`,
//! `cli/rollback.rs`); a service states its confirmation in code (`Migrator::confirmed`);
//! taking, verifying and recording the backup is `engine::backup`'s, the dump itself
//! `db::backup`'s.

use std::path::Path;

use indexmap::IndexSet;
use miette::Diagnostic;

use crate::db::{ConnectionSettings, DbError, LedgerRow, Session};
use crate::project::{BackupPolicy, Project};

/// The environments a database's migrations were applied in, as its ledger rows record them
/// (`--env` at the time), each once, in the ledger's order (batch, then ID).
pub(crate) fn recorded_environments(rows: &[LedgerRow]) -> Vec<String> {
    let names: IndexSet<&str> = rows
        .iter()
        .filter_map(|row| row.environment.as_deref())
        .collect();
    names.into_iter().map(str::to_string).collect()
}

/// Asks the ledger of the database `settings` points at, without the lock (a read, as a dry
/// run does), which environments it records, as [`recorded_environments`] would list them
/// from its rows; none when it has no ledger yet.
pub(crate) fn read_recorded_environments(
    project: &Project,
    settings: &ConnectionSettings,
) -> Result<Vec<String>, DbError> {
    let (environments, opened) = read_recorded_environments_open(project, settings)?;
    opened.0.close()?;
    Ok(environments)
}

/// [`read_recorded_environments`], keeping the connection open for the run that follows
/// (`run::apply_opened`), which then takes the lock on it instead of connecting again: a
/// connection costs more than anything an up-to-date apply asks the database.
pub(crate) fn read_recorded_environments_open(
    project: &Project,
    settings: &ConnectionSettings,
) -> Result<(Vec<String>, OpenedSession), DbError> {
    let database = super::target::target(project, settings);
    let mut session = database.connect()?;
    let environments = database.ledger().environments(&mut session)?;
    Ok((environments, OpenedSession(session)))
}

/// A plain session (no lock) to the database of a run, opened to read its ledger before the
/// run: the run takes its lock on it. Dropped unused, it closes.
pub(crate) struct OpenedSession(pub(super) Session);

/// Which environment an `apply` or `rollback` runs in, and which safeguards it owes, given
/// `--env` and what the database's ledger records: a database migrated in an environment stays
/// in it. Without `--env`, the one environment the ledger records is used, with its
/// confirmation and backup; an `--env` other than the recorded one is a mismatch, refused
/// unless overridden ([`EnvironmentGuard::check`]), and even then the recorded environment's
/// safeguards still apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EnvironmentGuard {
    environment: Option<String>,
    from_ledger: bool,
    recorded: Vec<String>,
    confirm_by: Option<String>,
    backup_by: Option<String>,
    requested: Option<String>,
}

impl EnvironmentGuard {
    /// The guard for a run with `--env requested` on a database whose ledger records
    /// `recorded` (see [`recorded_environments`]).
    pub(crate) fn resolve(
        project: &Project,
        requested: Option<&str>,
        recorded: &[String],
    ) -> EnvironmentGuard {
        let (environment, from_ledger) = match (requested, recorded) {
            (Some(name), _) => (Some(name.to_string()), false),
            (None, [only]) => (Some(only.clone()), true),
            (None, _) => (None, false),
        };
        // Every environment involved owes its safeguards: the one the run uses, and the ones
        // the database was migrated in (an override with --yes does not lift them).
        let involved: IndexSet<&str> = environment
            .as_deref()
            .into_iter()
            .chain(recorded.iter().map(String::as_str))
            .collect();
        let first_with = |wanted: &dyn Fn(&crate::project::Environment) -> bool| {
            involved
                .iter()
                .find(|name| {
                    project
                        .manifest()
                        .environments()
                        .get(**name)
                        .is_some_and(wanted)
                })
                .map(|name| name.to_string())
        };
        let confirm_by = first_with(&|settings| settings.confirm);
        let backup_by = first_with(&|settings| settings.backup == BackupPolicy::Required);
        EnvironmentGuard {
            environment,
            from_ledger,
            recorded: recorded.to_vec(),
            confirm_by,
            backup_by,
            requested: requested.map(str::to_string),
        }
    }

    /// The environment the run uses (its migrations' environment limits, the ledger rows and
    /// history it writes): `--env`, else the one the ledger records, else none.
    pub(crate) fn environment(&self) -> Option<&str> {
        self.environment.as_deref()
    }

    /// Whether the environment was taken from the ledger rather than `--env`.
    pub(crate) fn taken_from_ledger(&self) -> bool {
        self.from_ledger
    }

    /// The environment whose `confirm: true` makes the run ask first, if any: the run's own,
    /// else one the ledger records.
    #[cfg(test)]
    pub(crate) fn confirmation_required_by(&self) -> Option<&str> {
        self.confirm_by.as_deref()
    }

    /// The environment whose `backup: required` makes the run take a verified backup first,
    /// if any: the run's own, else one the ledger records.
    pub(crate) fn backup_required_by(&self) -> Option<&str> {
        self.backup_by.as_deref()
    }

    /// The environments the ledger records other than the one the run uses.
    pub(crate) fn other_recorded(&self) -> Vec<&str> {
        self.recorded
            .iter()
            .map(String::as_str)
            .filter(|recorded| Some(*recorded) != self.environment.as_deref())
            .collect()
    }

    /// Refuses a run whose `--env` contradicts the ledger (or, without `--env`, a ledger that
    /// records several environments), unless `overridden` (`--yes`: the operator says the
    /// database is the one meant).
    pub(crate) fn check(&self, overridden: bool) -> Result<(), EnvironmentMismatch> {
        if overridden {
            return Ok(());
        }
        let others: Vec<&str> = self
            .recorded
            .iter()
            .map(String::as_str)
            .filter(|recorded| Some(*recorded) != self.requested.as_deref())
            .collect();
        match &self.requested {
            Some(requested) if !others.is_empty() => Err(EnvironmentMismatch::Other {
                requested: requested.clone(),
                recorded: others.join(", "),
            }),
            None if self.recorded.len() > 1 => Err(EnvironmentMismatch::Several {
                recorded: self.recorded.join(", "),
            }),
            _ => Ok(()),
        }
    }
}

/// `--env` contradicts the environment the database's ledger records.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub(crate) enum EnvironmentMismatch {
    /// `--env` names another environment than the ledger's.
    #[error(
        "--env {requested}, but this database's ledger records migrations applied in {recorded}"
    )]
    #[diagnostic(
        code(plan::apply::environment_mismatch),
        help(
            "check that the connection points at the database you meant; to run against it as {requested} anyway, pass --yes ({recorded}'s confirmation and backup still apply); nothing was done"
        )
    )]
    Other {
        /// `--env`.
        requested: String,
        /// The environments the ledger records other than it.
        recorded: String,
    },
    /// No `--env`, and the ledger records several environments: which one is meant is unclear.
    #[error(
        "this database's ledger records migrations applied in several environments ({recorded}), and no --env says which this run is"
    )]
    #[diagnostic(
        code(plan::apply::environment_mismatch),
        help(
            "pass --env NAME, and --yes to run despite the other environments recorded (their confirmation and backup still apply); nothing was done"
        )
    )]
    Several {
        /// The environments the ledger records.
        recorded: String,
    },
}

/// `--env` (or its absence) contradicts the ledger: the arguments are wrong for this database.
impl crate::diagnostic::Classified for EnvironmentMismatch {
    fn class(&self) -> crate::diagnostic::ErrorClass {
        crate::diagnostic::ErrorClass::InvalidInput
    }
}

/// What a real run owes before its first statement, as its [`EnvironmentGuard`] decides: a
/// verified backup into a folder, a confirmation, both or neither. Built by
/// [`EnvironmentGuard::safeguards`], which refuses a required backup with no folder to write it
/// to, so a `Safeguards` never lacks a folder its environment demands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Safeguards<'a> {
    backup_dir: Option<&'a Path>,
    confirm_by: Option<String>,
}

impl<'a> Safeguards<'a> {
    /// The folder to take a verified backup into before the first statement: the one given,
    /// required or not (a backup asked for is taken in any environment).
    pub(crate) fn backup_dir(&self) -> Option<&'a Path> {
        self.backup_dir
    }

    /// The environment whose `confirm: true` makes the run be confirmed first, if any.
    pub(crate) fn confirmation_required_by(&self) -> Option<&str> {
        self.confirm_by.as_deref()
    }

    /// Whether anything is owed before the first statement. When something is, the caller
    /// previews the plan first: see [`Safeguards::due`].
    pub(crate) fn owes_anything(&self) -> bool {
        self.backup_dir.is_some() || self.confirm_by.is_some()
    }

    /// Whether the backup and confirmation are due for a plan that has work (`plan_has_work`)
    /// or none: a run with nothing to apply or roll back has nothing to back up against and
    /// nothing to confirm.
    pub(crate) fn due(&self, plan_has_work: bool) -> bool {
        plan_has_work && self.owes_anything()
    }
}

impl EnvironmentGuard {
    /// What a real run under this guard owes before its first statement, given the folder the
    /// caller offers for a backup (`--backup-dir`, `Migrator::backup_to`). Refuses when an
    /// environment involved requires a backup and no folder is given: nothing may be done.
    pub(crate) fn safeguards<'a>(
        &self,
        backup_dir: Option<&'a Path>,
    ) -> Result<Safeguards<'a>, BackupDirNeeded> {
        if let (Some(environment), None) = (self.backup_required_by(), backup_dir) {
            return Err(BackupDirNeeded {
                environment: environment.to_string(),
            });
        }
        Ok(Safeguards {
            backup_dir,
            confirm_by: self.confirm_by.clone(),
        })
    }
}

/// An environment requires a verified backup (`backup: required`) and no folder was given to
/// write it to. Plain data: the CLI (`plan::cli::backup_dir_needed`) and `startup`
/// (`plan::startup::backup_dir_needed`) each say it in their own terms.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("environment {environment} requires a verified backup, and no folder was given for it")]
pub(crate) struct BackupDirNeeded {
    /// The environment whose `backup: required` demands it.
    pub environment: String,
}
#[cfg(test)]
mod tests {
    use super::*;

    /// What a guard decided: (environment used, from the ledger, confirmation by, backup by,
    /// check without --yes).
    type Guarded = (
        Option<String>,
        bool,
        Option<String>,
        Option<String>,
        Result<(), String>,
    );

    /// The guard for `--env requested` on a database whose ledger records `recorded`, in a
    /// project where production confirms and backs up, staging does neither, and qa only
    /// confirms.
    fn check(requested: Option<&str>, recorded: &[&str]) -> Guarded {
        let guard = guard(requested, recorded);
        assert!(guard.check(true).is_ok(), "--yes overrides any mismatch");
        (
            guard.environment().map(str::to_string),
            guard.taken_from_ledger(),
            guard.confirmation_required_by().map(str::to_string),
            guard.backup_required_by().map(str::to_string),
            guard.check(false).map_err(|mismatch| mismatch.to_string()),
        )
    }

    /// The guard of [`check`]'s project.
    fn guard(requested: Option<&str>, recorded: &[&str]) -> EnvironmentGuard {
        let dir = crate::testing::project_dir(&[
            (
                "plan.yaml",
                "environments:\n  production: {backup: required, confirm: true}\n  staging: {}\n  qa: {confirm: true}\n",
            ),
            ("migrations/001_a.sql", "SELECT 1;\n"),
        ]);
        let loaded = crate::load::load_project(dir.path()).expect("the project loads");
        let recorded: Vec<String> = recorded.iter().map(|name| name.to_string()).collect();
        EnvironmentGuard::resolve(loaded.project(), requested, &recorded)
    }

    /// What a real run owes in [`check`]'s project, offered `backup_dir`: (backup folder,
    /// confirmation by), or the environment whose backup has no folder.
    fn owed(
        requested: Option<&str>,
        recorded: &[&str],
        backup_dir: Option<&str>,
    ) -> Result<(Option<String>, Option<String>), String> {
        guard(requested, recorded)
            .safeguards(backup_dir.map(Path::new))
            .map(|owed| {
                (
                    owed.backup_dir().map(|dir| dir.display().to_string()),
                    owed.confirmation_required_by().map(str::to_string),
                )
            })
            .map_err(|needed| needed.environment)
    }

    fn some(name: &str) -> Option<String> {
        Some(name.to_string())
    }

    #[test]
    fn a_database_migrated_in_production_stays_production_without_env() {
        assert_eq!(
            check(None, &["production"]),
            (
                some("production"),
                true,
                some("production"),
                some("production"),
                Ok(())
            )
        );
    }

    #[test]
    fn no_recorded_environment_leaves_the_run_as_env_says() {
        assert_eq!(check(None, &[]), (None, false, None, None, Ok(())));
        assert_eq!(
            check(Some("qa"), &[]),
            (some("qa"), false, some("qa"), None, Ok(())),
        );
        assert_eq!(
            check(Some("production"), &["production"]),
            (
                some("production"),
                false,
                some("production"),
                some("production"),
                Ok(())
            )
        );
    }

    #[test]
    fn another_env_is_a_mismatch_and_keeps_the_recorded_safeguards() {
        let (environment, from_ledger, confirm, backup, checked) =
            check(Some("staging"), &["production"]);
        assert_eq!(
            (environment, from_ledger, confirm, backup),
            (
                some("staging"),
                false,
                some("production"),
                some("production")
            )
        );
        assert_eq!(
            checked,
            Err(
                "--env staging, but this database's ledger records migrations applied in production"
                    .to_string()
            )
        );
    }

    #[test]
    fn several_recorded_environments_need_env_and_yes() {
        let (environment, _, confirm, backup, checked) = check(None, &["qa", "production"]);
        assert_eq!(
            (environment, confirm, backup),
            (None, some("qa"), some("production"))
        );
        assert!(
            checked.is_err_and(|message| message.contains("several environments (qa, production)"))
        );
        assert!(check(Some("qa"), &["qa", "production"]).4.is_err());
    }

    #[test]
    fn a_required_backup_without_a_folder_is_refused_even_when_only_the_ledger_requires_it() {
        assert_eq!(
            owed(Some("production"), &[], None),
            Err("production".to_string())
        );
        assert_eq!(
            owed(None, &["production"], None),
            Err("production".to_string())
        );
        assert_eq!(
            owed(Some("staging"), &["production"], None),
            Err("production".to_string())
        );
        assert_eq!(
            owed(Some("production"), &[], Some("/backups")),
            Ok((some("/backups"), some("production")))
        );
    }

    #[test]
    fn a_backup_folder_given_is_used_in_any_environment_and_none_is_owed_without_one() {
        assert_eq!(
            owed(Some("staging"), &[], Some("/backups")),
            Ok((some("/backups"), None))
        );
        assert_eq!(owed(Some("staging"), &[], None), Ok((None, None)));
        assert_eq!(owed(Some("qa"), &[], None), Ok((None, some("qa"))));
        assert_eq!(owed(None, &[], None), Ok((None, None)));
    }

    #[test]
    fn safeguards_are_due_only_for_a_plan_with_work() {
        let owed = guard(Some("qa"), &[])
            .safeguards(None)
            .expect("qa needs no backup");
        assert!(owed.owes_anything());
        assert!(owed.due(true));
        assert!(!owed.due(false), "nothing to apply: nothing to confirm");
        let nothing = guard(Some("staging"), &[])
            .safeguards(None)
            .expect("staging needs no backup");
        assert!(!nothing.owes_anything() && !nothing.due(true));
    }
}

//! [`StartupError`]: why a service must not start, as one type it can log and exit on. It
//! wraps the errors of the layers below unchanged (a bad project, a failed migration, the
//! lock timing out), so they render exactly as `plan` renders them, and adds its own: the
//! database never came up, it is not up to date (verify-only), an option names a migration or
//! environment the project does not have, or the production safeguards refuse the run (no
//! backup folder, no confirmation, another environment in the ledger). Codes are
//! `plan::startup::*`.

use std::time::Duration;

use miette::Diagnostic;

use crate::db::DbError;
use crate::diagnostic::InvalidInput;
use crate::engine::ApplyError;
use crate::ops::State;

/// Why start-up failed. Every variant implements [`miette::Diagnostic`]; render it with
/// `miette::Report::new(error)` or log its `Display` and exit.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[non_exhaustive]
pub enum StartupError {
    /// The project has problems. A folder is checked when it is read at start-up; an embedded
    /// project was already checked when the service was built.
    #[error(transparent)]
    #[diagnostic(transparent)]
    InvalidProject(#[from] InvalidInput),

    /// The connection settings are invalid (`DATABASE_URL`, `PG*`), or the server refused the
    /// connection for a reason waiting will not fix (a wrong password, a missing role).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Db(#[from] DbError),

    /// The database did not come up within the retry budget.
    #[error(
        "the database did not come up within {budget:?}: gave up after {attempts} attempt(s) in {waited:.1?}"
    )]
    #[diagnostic(
        code(plan::startup::unreachable),
        help(
            "check that the database is running and reachable from here (host, port, network), or allow more time for it to start (Retry::for_up_to); the last attempt's error is below"
        )
    )]
    Unreachable {
        /// The retry budget.
        budget: Duration,
        /// How many connection attempts were made.
        attempts: u32,
        /// How long was spent.
        waited: Duration,
        /// Why the last attempt failed.
        #[source]
        #[diagnostic_source]
        last: DbError,
    },

    /// Applying failed: the plan was refused (a changed applied file, a missing handler), a
    /// prerequisite is unmet, a migration failed, or the lock was not free in time. Migrations
    /// applied before the failure stay applied.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Apply(#[from] ApplyError),

    /// Verify-only: the database lacks migrations (or holds changed or half-applied ones), and
    /// this service does not migrate by itself.
    #[error(
        "the database {target} is not up to date: {}; this service only verifies, it does not migrate",
        listed(migrations)
    )]
    #[diagnostic(
        code(plan::startup::not_up_to_date),
        help(
            "apply the migrations first (`plan apply`, or a release job running the migrator in apply mode), then start the service again"
        )
    )]
    NotUpToDate {
        /// The database (redacted URL).
        target: String,
        /// Each migration that is not applied as this build has it, in plan order.
        migrations: Vec<OutOfDate>,
    },

    /// `Goal::ApplyTo` names no migration of the project, or several.
    #[error("the target `{written}` is not a migration of this project")]
    #[diagnostic(code(plan::startup::unknown_target), help("{help}"))]
    UnknownTarget {
        /// The target as given.
        written: String,
        /// The closest ID, or the candidates when a version is shared.
        help: String,
    },

    /// The environment given is not one the project knows.
    #[error("the environment `{name}` is not one this project knows")]
    #[diagnostic(code(plan::startup::unknown_environment), help("{help}"))]
    UnknownEnvironment {
        /// The environment as given.
        name: String,
        /// The known environments, or the closest one.
        help: String,
    },

    /// An environment requires a verified backup before its first statement (`backup:
    /// required` in plan.yaml: the migrator's environment, or one the database's ledger
    /// records) and `Migrator::backup_to` gave no folder.
    /// Nothing was applied.
    #[error(
        "environment {environment} requires a verified backup before applying (backup: required in plan.yaml), and the migrator was given no folder to write it to"
    )]
    #[diagnostic(
        code(plan::startup::backup_dir_needed),
        help(
            "call Migrator::backup_to(DIR) with a folder outside the repository, on a disk with room for a pg_dump of the whole database (the file holds every row), or apply with `plan apply --backup-dir DIR`; nothing was done"
        )
    )]
    BackupDirNeeded {
        /// The environment whose `backup: required` demands it.
        environment: String,
    },

    /// An environment requires confirmation (`confirm: true` in plan.yaml: the migrator's, or
    /// one the database's ledger records), and the service did not state it with
    /// `Migrator::confirmed`. Nothing was applied.
    #[error(
        "environment {environment} requires confirmation before applying (confirm: true in plan.yaml), and a service has no one to ask"
    )]
    #[diagnostic(
        code(plan::startup::confirmation_needed),
        help(
            "call Migrator::confirmed() where the service's configuration says this deploy is meant to migrate {environment} (as `plan apply --yes`), or apply with `plan apply` from a terminal; nothing was done"
        )
    )]
    ConfirmationNeeded {
        /// The environment whose `confirm: true` demands it.
        environment: String,
    },

    /// The database's ledger records migrations applied in another environment than the
    /// migrator's (or, with none given, in several), and the service did not state
    /// `Migrator::confirmed`. Nothing was applied.
    #[error("{}", mismatch(environment.as_deref(), recorded))]
    #[diagnostic(
        code(plan::startup::environment_mismatch),
        help(
            "check that the service connects to the database it is meant to; to migrate it as configured anyway, call Migrator::confirmed() (the recorded environments' confirmation and backup still apply); nothing was done"
        )
    )]
    EnvironmentMismatch {
        /// The migrator's environment (`with_environment`), if any.
        environment: Option<String>,
        /// The environments the ledger records other than it.
        recorded: String,
    },
}

impl StartupError {
    /// Whether the service is configured wrongly rather than the run having failed: the
    /// refusals `plan` exits 2 for (a project with problems, an unknown target or
    /// environment, a backup folder or confirmation an environment requires, another
    /// environment in the ledger). Waiting or retrying will not fix these; the configuration
    /// must change. Nothing was applied.
    pub fn is_invalid_configuration(&self) -> bool {
        matches!(
            self,
            StartupError::InvalidProject(_)
                | StartupError::UnknownTarget { .. }
                | StartupError::UnknownEnvironment { .. }
                | StartupError::BackupDirNeeded { .. }
                | StartupError::ConfirmationNeeded { .. }
                | StartupError::EnvironmentMismatch { .. }
        )
    }
}

/// The message of [`StartupError::EnvironmentMismatch`].
fn mismatch(environment: Option<&str>, recorded: &str) -> String {
    match environment {
        Some(environment) => format!(
            "the migrator runs in environment {environment}, but this database's ledger records migrations applied in {recorded}"
        ),
        None => format!(
            "this database's ledger records migrations applied in several environments ({recorded}), and the migrator names none"
        ),
    }
}

/// A bad embedded project, bad settings, an unknown target or environment, or a safeguard the
/// caller did not provide for are invalid input;
/// a database that stays unreachable, a failed apply or an out-of-date database are failures.
impl crate::diagnostic::Classified for StartupError {
    fn class(&self) -> crate::diagnostic::ErrorClass {
        use crate::diagnostic::ErrorClass::{Failed, InvalidInput};
        match self {
            StartupError::Db(error) => crate::diagnostic::Classified::class(error),
            _ if self.is_invalid_configuration() => InvalidInput,
            _ => Failed,
        }
    }
}

/// A migration the database does not have as this build has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutOfDate {
    /// The migration's ID.
    pub id: String,
    /// Its state in the database: pending, modified, partial or blocked.
    pub state: State,
}

fn listed(migrations: &[OutOfDate]) -> String {
    let items: Vec<String> = migrations
        .iter()
        .map(|migration| format!("{} is {}", migration.id, migration.state.name()))
        .collect();
    items.join(", ")
}

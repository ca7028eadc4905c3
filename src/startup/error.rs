//! [`StartupError`]: why a service must not start, as one type it can log and exit on. It
//! wraps the errors of the layers below unchanged (a bad project, a failed migration, the
//! lock timing out), so they render exactly as `plan` renders them, and adds the three of its
//! own: the database never came up, it is not up to date (verify-only), or an option names
//! a migration or environment the project does not have. Codes are `plan::startup::*`.

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

    /// `Mode::ApplyTo` names no migration of the project, or several.
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
}

/// A bad embedded project, bad settings or an unknown target or environment are invalid input;
/// a database that stays unreachable, a failed apply or an out-of-date database are failures.
impl crate::diagnostic::Classified for StartupError {
    fn class(&self) -> crate::diagnostic::ErrorClass {
        use crate::diagnostic::ErrorClass::{Failed, InvalidInput};
        match self {
            StartupError::InvalidProject(_)
            | StartupError::UnknownTarget { .. }
            | StartupError::UnknownEnvironment { .. } => InvalidInput,
            StartupError::Db(error) => crate::diagnostic::Classified::class(error),
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

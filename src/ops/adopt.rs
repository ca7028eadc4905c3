//! What `plan import-history` and `plan baseline` share: both take over a database that
//! something other than `plan` built, without running anything, so both refuse with the same
//! [`AdoptError`], hold the advisory lock the same way (`open_session`) and write the ledger
//! the same way (`record`: one transaction, history action `import` or `baseline`, then a
//! catalog snapshot so that `check-schema` has a reference).
//!
//! These live in a file of their own rather than in one of the two commands so that neither
//! command's file imports the other's. The error keeps one enum for both commands (its codes
//! are a contract).
//! Each command's own work is in `import_history.rs` and `baseline.rs`.

use std::time::Duration;

use miette::Diagnostic;

use crate::db::ledger::Adopted;
use crate::db::{self, DbError, LockWait, Session, SnapshotReason, Target};
use crate::engine::Execution;

/// Why an import or a baseline stopped. Nothing was recorded.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub(crate) enum AdoptError {
    /// Connecting, the lock, the ledger or a catalog query failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Db(#[from] DbError),
    /// No `--from` (or `--from auto`), and no table of a known name.
    #[error("no tracking table to import: the database has no table named {tables}")]
    #[diagnostic(
        code(plan::apply::no_tracking_table),
        help(
            "pass --from SCHEMA.TABLE naming the table your runner records applied migrations in; a database built by hand or by psql is adopted with `plan baseline --to ID` instead"
        )
    )]
    NoTrackingTable {
        /// The names looked for, `a, b or c`.
        tables: String,
    },
    /// No `--from` (or `--from auto`), and several known tracking tables.
    #[error("more than one table could be the tracking table: {tables}")]
    #[diagnostic(
        code(plan::apply::several_tracking_tables),
        help("pass --from with the one to import: --from {choices}")
    )]
    SeveralTrackingTables {
        /// The tables found, each with its tool.
        tables: String,
        /// What to pass to `--from` for each, joined by ` or --from `.
        choices: String,
    },
    /// golang-migrate's table says a migration failed half way (`dirty = true`).
    #[error(
        "{table} is dirty: golang-migrate stopped in the middle of migration {version}, so the database is neither before nor after it; nothing was recorded"
    )]
    #[diagnostic(
        code(plan::apply::dirty_tracking_table),
        help(
            "finish or undo what migration {version} did by hand (or apply the part of it that did not run), then mark the version with `migrate force {version}` (or `migrate force` the version before it if you undid it) and import again"
        )
    )]
    DirtyTable {
        /// The table read.
        table: String,
        /// The version it stopped in.
        version: String,
    },
    /// `--from` names no table.
    #[error("no table `{written}` in the database")]
    #[diagnostic(code(plan::apply::tracking_table_not_found), help("{help}"))]
    TrackingTableNotFound {
        /// The name given.
        written: String,
        /// What to do.
        help: String,
    },
    /// The table's columns match no known shape.
    #[error("{table} is not a tracking table import-history can read: its columns are {columns}")]
    #[diagnostic(
        code(plan::apply::unknown_table_shape),
        help(
            "the shapes known are:\n{shapes}\nif your runner keeps another shape, record its migrations with `plan baseline --to ID` instead"
        )
    )]
    UnknownShape {
        /// The table.
        table: String,
        /// Its columns, in order.
        columns: String,
        /// The known shapes, one per line.
        shapes: String,
    },
    /// Importing would record migrations whose dependencies stay unapplied.
    #[error(
        "{} in {table} {} on migrations it does not record as applied; nothing was recorded",
        crate::diagnostic::counted(gaps.len(), "migration", "migrations"),
        if gaps.len() == 1 { "depends" } else { "depend" }
    )]
    #[diagnostic(
        code(plan::apply::unapplied_dependencies),
        help(
            "apply the missing dependencies with your runner (or check that they really are applied and record them with `plan baseline --to ID`), then import again"
        )
    )]
    UnappliedDependencies {
        /// The table read.
        table: String,
        /// Each migration and the dependency it lacks.
        #[related]
        gaps: Vec<UnappliedDependency>,
    },
    /// Sqitch's registry holds changes of other projects, none of the plan's `%project`.
    #[error(
        "{table} holds changes of other projects only ({projects}), none of project {project} that sqitch.plan names (%project); nothing was recorded"
    )]
    #[diagnostic(
        code(plan::apply::sqitch_other_project),
        help(
            "Sqitch keeps every project deployed to a database in one registry, and plan imports the changes of the plan's %project: if this database was deployed from this plan under another name, set %project back to that name; else point plan at the database this plan was deployed to"
        )
    )]
    OtherSqitchProject {
        /// The table read.
        table: String,
        /// The plan's `%project`.
        project: String,
        /// The projects the registry holds, `a, b`.
        projects: String,
    },
    /// A migration of the baseline does not run in the environment.
    #[error("{id} runs only in {only}, so it cannot be recorded as applied {environment}")]
    #[diagnostic(
        code(plan::apply::baseline_environment),
        help(
            "pass --env with an environment it runs in, or baseline a migration it is not part of"
        )
    )]
    OtherEnvironment {
        /// The migration.
        id: String,
        /// Where it runs.
        only: String,
        /// `without --env`, or `in staging`.
        environment: String,
    },
    /// Objects the baseline's migrations create or need are not in the database.
    #[error(
        "cannot baseline {target}: {} its migrations create or need {} missing from the database; nothing was recorded",
        crate::diagnostic::counted(missing.len(), "object", "objects"),
        if missing.len() == 1 { "is" } else { "are" }
    )]
    #[diagnostic(
        code(plan::apply::baseline_missing),
        help(
            "the database is not what these migrations build: apply the missing parts (or baseline an earlier migration and let `plan apply` run the rest)"
        )
    )]
    MissingObjects {
        /// The migration given to `--to`.
        target: String,
        /// Each missing object with the migration that creates or needs it.
        #[related]
        missing: Vec<MissingForBaseline>,
    },
}

/// Bad input (no such tracking table, an unknown shape, a bad `--from`) or a failed operation.
impl crate::diagnostic::Classified for AdoptError {
    fn class(&self) -> crate::diagnostic::ErrorClass {
        if self.is_invalid_input() {
            crate::diagnostic::ErrorClass::InvalidInput
        } else {
            crate::diagnostic::ErrorClass::Failed
        }
    }
}

impl AdoptError {
    /// Whether the error is about the input (arguments, an unreadable table): exit 2.
    pub(crate) fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            AdoptError::NoTrackingTable { .. }
                | AdoptError::SeveralTrackingTables { .. }
                | AdoptError::TrackingTableNotFound { .. }
                | AdoptError::UnknownShape { .. }
                | AdoptError::OtherSqitchProject { .. }
                | AdoptError::OtherEnvironment { .. }
        )
    }
}

/// A migration to import whose dependency would stay unapplied.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{id} depends on {dependency}, which {table} does not record as applied{how}")]
#[diagnostic(code(plan::apply::unapplied_dependency))]
pub(crate) struct UnappliedDependency {
    /// The migration the table lists.
    pub id: String,
    /// The dependency it lacks.
    pub dependency: String,
    /// The table read.
    pub table: String,
    /// ` (it comes before it in sequence)` for an implied dependency, else empty.
    pub how: String,
}

/// An object missing for a baseline.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("missing: {object} ({relation} {migration})")]
#[diagnostic(code(plan::apply::baseline_missing_object))]
pub(crate) struct MissingForBaseline {
    /// The object, `kind name`.
    pub object: String,
    /// `created by` or `required by`.
    pub relation: &'static str,
    /// The migration.
    pub migration: String,
}

/// A session for reading (dry run) or holding the lock (a real run), waiting for the lock as
/// long as it takes, as `rollback` and `accept` do.
pub(crate) fn open_session(database: &Target, mode: Execution) -> Result<Session, DbError> {
    match mode {
        Execution::DryRun => database.connect(),
        Execution::Live => {
            let mut ignore = |_: &db::LockWaiting<'_>| {};
            let mut wait = LockWait {
                timeout: None,
                poll_interval: Duration::from_millis(200),
                on_wait: &mut ignore,
                keep_waiting: &|| true,
            };
            database.connect_locked(&mut wait)
        }
    }
}

/// Writes `adopted` to the ledger in one transaction, then records a catalog snapshot (the
/// baseline when there is none yet) so that `check-schema` compares with what is there now.
pub(crate) fn record(
    session: &mut Session,
    database: &Target,
    action: db::HistoryAction,
    adopted: &[Adopted<'_>],
    batch: Option<i32>,
) -> Result<(), DbError> {
    let ledger = database.ledger();
    ledger.ensure_all_actions(session)?;
    let written = session.begin().and_then(|mut work| {
        ledger.record_adopted(&mut work, action, adopted)?;
        work.commit()
    });
    written.map_err(|error| {
        session.error(&format!("record migrations in {}", ledger.name()), &error)
    })?;
    let snapshots = database.snapshots();
    snapshots.ensure(session)?;
    let reason = if snapshots.has_any(session)? {
        SnapshotReason::Apply
    } else {
        SnapshotReason::Baseline
    };
    database.record_snapshot(session, reason, batch)
}

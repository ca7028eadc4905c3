//! What an apply tells its caller: the [`Progress`] it reports as it goes, the [`Report`] of
//! what it did, and the [`MigrationFailed`] diagnostic of a migration that failed (with the
//! [`AppliedBefore`] lines of what ran before it). Shared by the run of a plan (`run`), one
//! migration's phases (`phases`, `outside`, `steps`) and rollbacks (`rollback`); producing
//! them is theirs.

use std::path::Path;
use std::time::Duration;

use miette::{Diagnostic, SourceSpan};

use super::lint_gate::{HoldingSession, LintNote};
use super::plan::Plan;
use super::trace::Trace;
use crate::db::{Backup, LockHolder};
use crate::diagnostic::SourceFile;
use crate::project::MigrationId;

/// Progress of an apply, for the caller to show. The library never prints.
#[derive(Debug)]
pub enum Progress<'a> {
    /// Another session holds the lock.
    WaitingForLock {
        /// Who, when visible.
        holder: Option<&'a LockHolder>,
        /// How long we have waited.
        waited: Duration,
    },
    /// Something the run says once about the lock it took: a transaction pooler serves the
    /// connection (so the table lock and no named prepared statements are used), or an expired
    /// table lock was taken over.
    LockNote {
        /// The sentence to show.
        text: &'a str,
    },
    /// A backup the run owes (`ApplyOptions::backup_to`) is being taken, under the lock.
    BackingUp {
        /// The file it goes to.
        file: &'a Path,
        /// The pg_dump taking it.
        pg_dump: &'a Path,
    },
    /// That backup is taken, verified with pg_restore --list, and recorded in the history.
    BackedUp {
        /// The archive.
        backup: &'a Backup,
        /// How long the dump and its check took.
        took: Duration,
    },
    /// The plan is known (dry runs stop after this).
    Planned {
        /// The plan.
        plan: &'a Plan<'a>,
        /// The batch number this run will record.
        batch: i32,
    },
    /// What `plan lint` finds in what will run (plan.yaml `lint.on_apply`), before the first
    /// statement; sent only when there is a finding.
    Linted {
        /// The findings, in plan order.
        notes: &'a [LintNote],
    },
    /// `id` is about to lock `table` so that reads or writes wait, and these sessions have held
    /// a lock on it in a transaction older than `lint.long_transaction`: it will queue behind
    /// them, and every query on the table behind it.
    LongTransactions {
        /// The migration.
        id: &'a MigrationId,
        /// The table, `schema.name`.
        table: &'a str,
        /// The sessions.
        sessions: &'a [HoldingSession],
    },
    /// A migration starts.
    Starting {
        /// The migration.
        id: &'a MigrationId,
    },
    /// plan.yaml `wait_for_replicas`: `id` is committed, and a standby has not replayed it
    /// yet; sent at each poll while one is behind.
    WaitingForReplica {
        /// The migration, committed and recorded.
        id: &'a MigrationId,
        /// The first standby still behind (its `application_name`).
        standby: &'a str,
        /// How many bytes of WAL it is behind the migration's commit.
        behind_bytes: u64,
        /// How long the run has waited.
        waited: Duration,
    },
    /// plan.yaml `wait_for_replicas`, and the server streams to no standby: nothing to wait
    /// for. Sent once per run, only with `plan -v`.
    NoStandbys,
    /// A migration hit the lock timeout and will be retried.
    Retrying {
        /// The migration.
        id: &'a MigrationId,
        /// The attempt about to start (2 for the first retry).
        attempt: u32,
        /// The pause before it.
        pause: Duration,
    },
    /// A step starts.
    Step {
        /// The migration.
        id: &'a MigrationId,
        /// Its number, from 1.
        number: usize,
        /// How many steps the migration has.
        total: usize,
        /// Its kind.
        kind: &'a str,
    },
    /// A handler reported progress.
    Message {
        /// The migration.
        id: &'a MigrationId,
        /// What it said.
        text: &'a str,
    },
    /// A batch step made progress.
    Batch {
        /// The migration.
        id: &'a MigrationId,
        /// Rows affected so far.
        rows: u64,
        /// Batches run so far.
        batches: u64,
        /// Time since the step started.
        elapsed: Duration,
    },
    /// A migration was applied.
    Applied {
        /// The migration.
        id: &'a MigrationId,
        /// How long it took.
        duration: Duration,
    },
    /// A migration was skipped.
    Skipped {
        /// The migration.
        id: &'a MigrationId,
        /// The environments it runs in.
        only: &'a [String],
    },
    /// What the run sends, step by step (`ApplyOptions::trace`); with tracing off, only the
    /// warnings the server sends during a migration's SQL.
    Trace(Trace<'a>),
}

/// What an apply did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The batch number recorded, when anything ran.
    pub batch: Option<i32>,
    /// Migrations applied, in order, with their durations.
    pub applied: Vec<(MigrationId, Duration)>,
    /// Migrations skipped (other environments).
    pub skipped: Vec<MigrationId>,
}

impl Report {
    /// "applied 001_a, 002_b; the database is as it was after 002_b" or "nothing was applied".
    pub fn progress_sentence(&self) -> String {
        match self.applied.last() {
            None => "nothing was applied in this run".to_string(),
            Some((last, _)) => {
                let ids: Vec<&str> = self.applied.iter().map(|(id, _)| id.as_str()).collect();
                format!(
                    "applied before it in this run: {}; the database is as it was after {last}",
                    ids.join(", ")
                )
            }
        }
    }
}

/// A migration that failed, pointing at the statement or step that failed.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("migration {id} failed: {message}")]
#[diagnostic(code(plan::apply::migration_failed), help("{help}"))]
pub struct MigrationFailed {
    /// The migration.
    pub id: String,
    /// The server's message (and SQLSTATE), or the step's failure.
    pub message: String,
    /// The server's detail and hint, what happened to the database, and what ran before.
    pub help: String,
    /// The file holding what failed: the migration, or plan.yaml for a step.
    #[source_code]
    pub file: SourceFile,
    /// Where it failed; `None` for a failure of no line (the ledger, the commit).
    #[label("{label}")]
    pub span: Option<SourceSpan>,
    /// The label text.
    pub label: String,
    /// What the run did before the failure (the help says it in a sentence).
    pub report: Vec<AppliedBefore>,
    /// The SQLSTATE, when the server gave one.
    pub code: Option<String>,
}

/// A line of the partial report carried by a failure (rendered under it).
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{0}")]
#[diagnostic(severity(Advice))]
pub struct AppliedBefore(pub String);

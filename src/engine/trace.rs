//! What an apply or a rollback sends, step by step, for `plan -v`: each [`Trace`] event (a
//! statement sent and finished, a server notice, the advisory lock, the ledger and history
//! writes, a transaction begun and committed), delivered as `Progress::Trace`,
//! `RollbackProgress::Trace` and `VerifyProgress::Trace`. Printing them is the CLI's
//! (`cli/verbose.rs`); the notices themselves are heard by `db::Notices`.
//!
//! Tracing costs nothing when off ([`Tracing::Off`], what every run but `plan -v` asks for):
//! no event is built, no clock read, no line counted. One thing is done either way: after each
//! statement of a migration the notices the server sent during it are taken (a lock of an
//! uncontended mutex), and those of severity `WARNING` are reported even with tracing off —
//! a warning about the user's own SQL is worth seeing at the default verbosity, as psql shows
//! it (the CLI shows them unless `-q`). Notices sent during plan's own statements (the
//! ledger's `CREATE … IF NOT EXISTS` says "already exists, skipping") are forgotten.

use std::time::{Duration, Instant};

use crate::db::{LockKey, Notice, Notices, ResumePoint};
use crate::diagnostic::SourceFile;
use crate::project::{MigrationId, Step, StepKind};

/// Whether a run reports its [`Trace`] events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tracing {
    /// Only the `WARNING` notices the server sends during a migration's SQL.
    Off,
    /// Every statement, notice, lock, ledger and transaction step (`plan -v`).
    On,
}

/// One step of what a run sends to the database, for `plan -v`.
#[derive(Clone, Copy, Debug)]
pub enum Trace<'a> {
    /// A statement of a migration (or of its rollback, or a step's SQL) is sent.
    Sent(Statement<'a>),
    /// That statement finished (or failed: the failure is reported on its own).
    Finished {
        /// The statement.
        statement: Statement<'a>,
        /// How long the server took, round trip included.
        took: Duration,
        /// Rows it affected, when the protocol said.
        rows: Option<u64>,
    },
    /// The server sent a notice during that statement (`RAISE NOTICE`, "… skipping").
    Notice {
        /// The statement it came during.
        statement: Statement<'a>,
        /// What the server said.
        notice: &'a Notice,
    },
    /// The statement raised more notices than are kept; these many were not.
    NoticesDropped {
        /// The statement they came during.
        statement: Statement<'a>,
        /// How many.
        count: usize,
    },
    /// The advisory lock that serialises runs.
    Lock(LockStep<'a>),
    /// A write to plan's ledger or its history.
    Ledger(LedgerStep<'a>),
    /// A transaction plan began or committed for a migration (or its rollback).
    Transaction {
        /// The migration.
        migration: &'a MigrationId,
        /// Begun or committed.
        step: TransactionStep,
    },
}

/// A statement as sent: where it is written and its text.
#[derive(Clone, Copy, Debug)]
pub struct Statement<'a> {
    /// The migration it belongs to.
    pub migration: &'a MigrationId,
    /// The file it is written in, as the project names it (`migrations/003_x.sql`, or
    /// `plan.yaml` for a step).
    pub file: &'a str,
    /// Its first line in that file, from 1; 0 when the statement is not known (a warning
    /// heard during a migration sent as one message, which the server does not say the
    /// statement of: see [`Statement::place`]).
    pub line: usize,
    /// Its SQL, as sent.
    pub sql: &'a str,
    /// How many other migrations (or rollbacks) were sent after this one in the same message:
    /// a warning heard during such a message is one of theirs or this one's, which the server
    /// does not say (0 otherwise).
    pub sent_with: usize,
}

impl<'a> Statement<'a> {
    /// Where it is written: `file:line`, or the file alone when the line is not known.
    pub fn place(&self) -> String {
        match self.line {
            0 => self.file.to_string(),
            line => format!("{}:{line}", self.file),
        }
    }

    /// The statement `sql` of `migration`, whose text starts at byte `offset` of `file`.
    pub(crate) fn at(
        migration: &'a MigrationId,
        file: &'a SourceFile,
        offset: usize,
        sql: &'a str,
    ) -> Self {
        Statement {
            migration,
            file: file.name(),
            line: file.line_of(offset),
            sql,
            sent_with: 0,
        }
    }

    /// A message whose first migration (or rollback) is `migration`, written in `file`, sent
    /// with `others` more after it: what a warning heard during it is known to come from.
    pub(crate) fn message(migration: &'a MigrationId, file: &'a SourceFile, others: usize) -> Self {
        Statement {
            migration,
            file: file.name(),
            line: 0,
            sql: "",
            sent_with: others,
        }
    }

    /// Which migration it belongs to, as a warning says it: the migration, or, for a message
    /// of several, the first and how many were sent after it.
    pub fn whose(&self) -> String {
        match self.sent_with {
            0 => self.migration.to_string(),
            others => format!(
                "{} or one of the {others} sent after it in the same message",
                self.migration
            ),
        }
    }
}

/// The SQL a step of plan.yaml sends (empty for a handler, whose SQL is its own, and a
/// command, which sends none itself).
pub(crate) fn step_sql(step: &Step) -> &str {
    match &step.kind {
        StepKind::Sql { source } => source.text(),
        StepKind::Batch { sql, .. } => sql,
        StepKind::Assert { query, .. } => query,
        StepKind::Handler { .. } | StepKind::Command { .. } => "",
    }
}

/// A step of the advisory lock.
#[derive(Clone, Copy, Debug)]
pub enum LockStep<'a> {
    /// Connecting and trying the lock (polled until free).
    Trying {
        /// The lock.
        key: &'a LockKey,
    },
    /// The lock is held.
    Acquired {
        /// The lock.
        key: &'a LockKey,
        /// Since trying began, connecting included.
        after: Duration,
    },
    /// The lock was released, and the session closed.
    Released {
        /// The lock.
        key: &'a LockKey,
    },
}

/// A write to the ledger or its history.
#[derive(Clone, Copy, Debug)]
pub enum LedgerStep<'a> {
    /// A migration's ledger row recorded as applied, with its history row (one statement, in
    /// the migration's last transaction).
    Applied {
        /// The migration.
        migration: &'a MigrationId,
        /// The batch of this run.
        batch: i32,
    },
    /// How far a migration that commits as it goes got (a no-transaction file's statements,
    /// a phase of steps), recorded in its ledger row.
    Progress {
        /// The migration.
        migration: &'a MigrationId,
        /// Where a rerun would resume.
        at: ResumePoint,
    },
    /// A failed or partial run of a migration or rollback, recorded in the history.
    Failure {
        /// The migration.
        migration: &'a MigrationId,
    },
    /// A rolled-back migration's ledger row removed, with its history row.
    RolledBack {
        /// The migration.
        migration: &'a MigrationId,
    },
    /// How far a rollback run outside a transaction got, recorded in its ledger row.
    RollbackProgress {
        /// The migration.
        migration: &'a MigrationId,
        /// The next statement of its rollback to run, from 0.
        next_statement: usize,
    },
}

/// What happened to a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransactionStep {
    /// `BEGIN`.
    Begin,
    /// `COMMIT`.
    Commit,
}

/// Reports a run's trace as its [`Tracing`] says, taking the notices of its session.
#[derive(Clone, Debug)]
pub(crate) struct Tracer {
    tracing: Tracing,
    notices: Notices,
}

/// A statement being sent: when it was (only read when tracing).
#[must_use = "`Tracer::sent` reports the statement's notices and end"]
pub(crate) struct Sending {
    started: Option<Instant>,
}

impl Tracer {
    /// A tracer for a session whose notices are `notices`.
    pub(crate) fn new(tracing: Tracing, notices: &Notices) -> Tracer {
        Tracer {
            tracing,
            notices: notices.clone(),
        }
    }

    /// Whether every event is reported.
    pub(crate) fn is_on(&self) -> bool {
        self.tracing == Tracing::On
    }

    /// Reports the event `trace` builds, when tracing (it is not built otherwise).
    pub(crate) fn step<'a>(
        &self,
        emit: &mut dyn FnMut(Trace<'_>),
        trace: impl FnOnce() -> Trace<'a>,
    ) {
        if self.is_on() {
            emit(trace());
        }
    }

    /// Before sending the statement `statement` describes: forgets the notices of plan's own
    /// statements before it, and reports it as sent when tracing.
    pub(crate) fn sending<'s>(
        &self,
        statement: impl FnOnce() -> Statement<'s>,
        emit: &mut dyn FnMut(Trace<'_>),
    ) -> Sending {
        self.notices.clear();
        if !self.is_on() {
            return Sending { started: None };
        }
        emit(Trace::Sent(statement()));
        Sending {
            started: Some(Instant::now()),
        }
    }

    /// After the statement: reports the notices the server sent during it (only warnings when
    /// not tracing), then, when tracing, that it finished and the rows it affected.
    pub(crate) fn sent<'s>(
        &self,
        sending: Sending,
        statement: impl Fn() -> Statement<'s>,
        rows: Option<u64>,
        emit: &mut dyn FnMut(Trace<'_>),
    ) {
        let took = sending.started.map(|started| started.elapsed());
        let heard = self.notices.take();
        let shown = heard
            .notices
            .iter()
            .filter(|notice| self.is_on() || notice.is_warning());
        for notice in shown {
            emit(Trace::Notice {
                statement: statement(),
                notice,
            });
        }
        if self.is_on() && heard.dropped > 0 {
            emit(Trace::NoticesDropped {
                statement: statement(),
                count: heard.dropped,
            });
        }
        if let Some(took) = took {
            emit(Trace::Finished {
                statement: statement(),
                took,
                rows,
            });
        }
    }
}

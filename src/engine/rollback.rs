//! Rolling back: a migration and every applied migration that depends on it, or the last
//! batch, in reverse plan order. Each rollback runs in one transaction with the removal of its
//! ledger row (unless its SQL can only run outside a transaction), and is appended to the
//! history. Refuses before touching anything when one of them has no rollback.
//!
//! A rollback that can only run outside a transaction records its progress statement by
//! statement: stopped part-way, its migration stays in the ledger as partially rolled back
//! (`rolling_back`, with the next statement), the next rollback resumes there, and apply
//! refuses it until then. A failed rollback's help says what happened to the database and
//! which rollbacks of the run were already committed. [`plan_rollback`] is the dry run.

use std::time::{Duration, Instant, SystemTime};

use indexmap::IndexSet;
use miette::{Diagnostic, SourceSpan};

use super::failure::join_help;
use super::outcome::{AppliedBefore, MigrationFailed};
use super::rollback_message;
use super::trace::{LedgerStep, LockStep, Statement, Trace, Tracer, Tracing, TransactionStep};
use crate::db::{
    self, ConnectionSettings, DbError, Event, HistoryOutcome, Ledger, LedgerRow, LedgerState,
    LockWait, Session, SnapshotReason, SqlError, Target, TransactionState,
};
use crate::graph::Graph;
use crate::load::Loaded;
use crate::project::{Migration, MigrationId, Project, TransactionMode};
use crate::sql::script::{Script, ScriptStatement};

/// What to roll back.
#[derive(Clone, Debug)]
pub(crate) enum RollbackTarget {
    /// This migration and every applied migration that depends on it.
    Migration(MigrationId),
    /// The migrations of the most recent apply run.
    LastBatch,
}

/// How a rollback runs, beyond what it rolls back.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RollbackOptions<'a> {
    /// The environment the run is in, recorded in the history.
    pub environment: Option<&'a str>,
    /// Whether to report [`Trace`] events (`-v`).
    pub tracing: Tracing,
    /// Give up waiting for another run's lock after this long (`None`: wait).
    pub lock_wait: Option<Duration>,
}

/// What a running rollback reports as it goes, for the command line to show.
#[derive(Debug)]
pub(crate) enum RollbackProgress<'a> {
    /// Another session holds the lock.
    WaitingForLock {
        /// Who, when visible.
        holder: Option<&'a db::LockHolder>,
        /// How long we have waited.
        waited: Duration,
    },
    /// A migration's rollback starts.
    Starting {
        /// The migration.
        id: &'a MigrationId,
        /// Its place in the order, from 1.
        number: usize,
        /// How many will be rolled back.
        total: usize,
    },
    /// A migration's rollback committed with its ledger change.
    RolledBack {
        /// The migration.
        id: &'a MigrationId,
        /// Its place in the order, from 1.
        number: usize,
        /// How many will be rolled back.
        total: usize,
        /// How long it took.
        duration: Duration,
    },
    /// What the rollback sends, step by step (its `Tracing`); with tracing off, only the
    /// warnings the server sends during a rollback's SQL.
    Trace(Trace<'a>),
}

/// What a rollback did.
#[derive(Clone, Debug, Default)]
pub(crate) struct RollbackReport {
    /// Migrations rolled back, in the order they were.
    pub rolled_back: Vec<(MigrationId, Duration)>,
}

/// Why a rollback stopped.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub(crate) enum RollbackError {
    /// Connecting, the lock or the ledger failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Db(#[from] DbError),
    /// The migration is not applied.
    #[error("migration {id} is not applied, so there is nothing to roll back")]
    #[diagnostic(
        code(plan::apply::not_applied),
        help("`plan status` shows what is applied")
    )]
    NotApplied {
        /// The migration.
        id: String,
    },
    /// Nothing has been applied.
    #[error("no migration has been applied, so there is no batch to roll back")]
    #[diagnostic(code(plan::apply::nothing_applied))]
    NothingApplied,
    /// Migrations that would have to be rolled back but cannot be.
    #[error("cannot roll back: {} of the migrations to roll back cannot be: {}", blocked.len(), blocked.join(", "))]
    #[diagnostic(code(plan::apply::no_rollback), help("{help}"))]
    CannotRollBack {
        /// Each one, with why.
        blocked: Vec<String>,
        /// What to do.
        help: String,
    },
    /// A rollback failed; the ones before it were done.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Failed(Box<MigrationFailed>),
}

/// A rollback refused or stopped by the database failed.
impl crate::diagnostic::Classified for RollbackError {
    fn class(&self) -> crate::diagnostic::ErrorClass {
        crate::diagnostic::ErrorClass::Failed
    }
}

/// One migration a rollback reverts, in the order they are reverted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PlannedRollback {
    /// The migration.
    pub id: MigrationId,
    /// The first statement of its rollback to run (0-based): more than 0 when an earlier
    /// rollback, run outside a transaction, stopped part-way and is resumed.
    pub next_statement: usize,
}

/// What a rollback of `target` would revert on the database `settings` points at, in order,
/// reading the ledger without the lock and changing nothing (`plan rollback --dry-run`, and
/// the preview before a confirmation or a backup). Refuses as the rollback itself would: a
/// migration that is not applied, nothing applied, one without a rollback.
pub(crate) fn plan_rollback(
    loaded: &Loaded,
    settings: &ConnectionSettings,
    target: &RollbackTarget,
) -> Result<Vec<PlannedRollback>, RollbackError> {
    let database = super::target::target(loaded.project(), settings);
    let mut session = database.connect()?;
    let rows = database.ledger().read(&mut session)?;
    session.close()?;
    planned(loaded.project(), loaded.graph(), &rows, target)
}

/// Rolls back `target` on the database `settings` points at, reporting progress to `observe`
/// (and what it sends, as `tracing` says). A migration whose earlier rollback stopped part-way
/// resumes at the statement recorded.
pub(crate) fn rollback(
    loaded: &Loaded,
    settings: &ConnectionSettings,
    target: &RollbackTarget,
    options: RollbackOptions<'_>,
    observe: &mut dyn FnMut(RollbackProgress<'_>),
) -> Result<RollbackReport, RollbackError> {
    let RollbackOptions {
        environment,
        tracing,
        lock_wait,
    } = options;
    let (project, graph) = (loaded.project(), loaded.graph());
    let trying = (tracing == Tracing::On).then(|| {
        let key = super::target::target(project, settings).lock_key().clone();
        observe(RollbackProgress::Trace(Trace::Lock(LockStep::Trying {
            key: &key,
        })));
        Instant::now()
    });
    let mut on_wait = |waiting: &db::LockWaiting<'_>| {
        observe(RollbackProgress::WaitingForLock {
            holder: waiting.holder,
            waited: waiting.waited,
        });
    };
    let (database, mut session) = locked_session(project, settings, lock_wait, &mut on_wait)?;
    let key = database.lock_key();
    if let Some(trying) = trying {
        observe(RollbackProgress::Trace(Trace::Lock(LockStep::Acquired {
            key,
            after: trying.elapsed(),
        })));
    }
    let tracer = Tracer::new(tracing, session.notices());
    let ledger = database.ledger();
    session.require_standard_strings()?;
    let rows = ledger.read(&mut session)?;
    let order = planned(project, graph, &rows, target)?;
    let mut report = RollbackReport::default();
    let total = order.len();
    let lock_timeout = project.manifest().lock_timeout();
    // Rollbacks next to each other that may share a message go in one round trip
    // (`rollback_message`); steps before `alone` go statement by statement: after a shared
    // message failed, the rest of its rollbacks (the failed one first) run again on their own.
    let mut alone = 0;
    let mut index = 0;
    while let Some(step) = order.get(index) {
        let Some(migration) = project.migration(&step.id) else {
            index += 1;
            continue;
        };
        let shared = if index >= alone {
            rollback_message::shared_run(
                &session,
                &tracer,
                loaded,
                order[index..]
                    .iter()
                    .map(|step| (&step.id, step.next_statement)),
            )
        } else {
            Vec::new()
        };
        let (started_at, clock) = (SystemTime::now(), Instant::now());
        let result = if shared.len() > 1 {
            let outcome = rollback_message::roll_back_sharing_a_message(
                &mut session,
                (ledger, settings),
                &shared,
                (environment, lock_timeout),
                (&tracer, &mut |trace| {
                    observe(RollbackProgress::Trace(trace))
                }),
            );
            for (step, duration) in order[index..].iter().zip(&outcome.rolled_back) {
                index += 1;
                observe(RollbackProgress::Starting {
                    id: &step.id,
                    number: index,
                    total,
                });
                observe(RollbackProgress::RolledBack {
                    id: &step.id,
                    number: index,
                    total,
                    duration: *duration,
                });
                report.rolled_back.push((step.id.clone(), *duration));
            }
            match outcome.after {
                None => continue,
                Some(rollback_message::After::Alone) => {
                    alone = index + shared.len() - outcome.rolled_back.len();
                    continue;
                }
                Some(rollback_message::After::Stopped(stop)) => {
                    let Some((migration, script)) = shared.get(outcome.rolled_back.len()) else {
                        continue;
                    };
                    observe(RollbackProgress::Starting {
                        id: migration.id(),
                        number: index + 1,
                        total,
                    });
                    (*migration, shared_failure(migration, script, stop))
                }
            }
        } else {
            observe(RollbackProgress::Starting {
                id: &step.id,
                number: index + 1,
                total,
            });
            match roll_back_one(
                &mut session,
                ledger,
                (migration, loaded.rollback_script(migration)),
                step.next_statement,
                (started_at, clock),
                (environment, lock_timeout),
                (&tracer, &mut |trace| {
                    observe(RollbackProgress::Trace(trace))
                }),
            ) {
                Ok(duration) => {
                    index += 1;
                    observe(RollbackProgress::RolledBack {
                        id: &step.id,
                        number: index,
                        total,
                        duration,
                    });
                    report.rolled_back.push((step.id.clone(), duration));
                    continue;
                }
                Err(failure) => (migration, failure),
            }
        };
        let (
            migration,
            RollbackFailure {
                mut failure,
                committed,
            },
        ) = result;
        // The history records every rollback, failed or not (see db/ledger/history.rs). The
        // rollback's own transaction is gone, so the failure goes in one of its own.
        if session.is_open() {
            let event = Event {
                migration_id: migration.id().as_str(),
                action: db::HistoryAction::Rollback,
                outcome: if committed {
                    HistoryOutcome::Partial
                } else {
                    HistoryOutcome::Failed
                },
                checksum: Some(migration.checksum()),
                batch: None,
                started_at,
                duration: clock.elapsed(),
                environment,
                detail: Some(&failure.message),
            };
            if ledger.record_event_alone(&mut session, &event).is_ok() {
                tracer.step(&mut |trace| observe(RollbackProgress::Trace(trace)), || {
                    Trace::Ledger(LedgerStep::Failure {
                        migration: migration.id(),
                    })
                });
            }
        }
        failure.help = join_help(&failure.help, &run_sentence(&report));
        failure.report = report
            .rolled_back
            .iter()
            .map(|(id, _)| AppliedBefore(format!("rolled back {id}")))
            .collect();
        if !report.rolled_back.is_empty() || committed {
            let _ = record_snapshot(&mut session, &database);
        }
        if session.close().is_ok() {
            tracer.step(&mut |trace| observe(RollbackProgress::Trace(trace)), || {
                Trace::Lock(LockStep::Released { key })
            });
        }
        return Err(RollbackError::Failed(failure));
    }
    if !report.rolled_back.is_empty() {
        record_snapshot(&mut session, &database)?;
    }
    session.close()?;
    tracer.step(&mut |trace| observe(RollbackProgress::Trace(trace)), || {
        Trace::Lock(LockStep::Released { key })
    });
    Ok(report)
}

/// What the run did before a failed rollback, for its help: never empty.
fn run_sentence(report: &RollbackReport) -> String {
    if report.rolled_back.is_empty() {
        return "nothing was rolled back before it in this run".to_string();
    }
    let ids: Vec<&str> = report
        .rolled_back
        .iter()
        .map(|(id, _)| id.as_str())
        .collect();
    format!(
        "rolled back before it in this run, each committed with the removal of its ledger row: {}",
        ids.join(", ")
    )
}

/// The migrations `target` rolls back, in order, each with where its rollback starts.
fn planned(
    project: &Project,
    graph: &Graph,
    rows: &[LedgerRow],
    target: &RollbackTarget,
) -> Result<Vec<PlannedRollback>, RollbackError> {
    let order = to_roll_back(graph, rows, target)?;
    check_rollbacks_exist(project, &order)?;
    Ok(order
        .into_iter()
        .map(|id| {
            let next_statement = rows
                .iter()
                .find(|row| row.id == id.as_str())
                .map_or(0, |row| match row.state {
                    LedgerState::RollingBack { next_statement } => next_statement,
                    _ => 0,
                });
            PlannedRollback { id, next_statement }
        })
        .collect())
}

/// Records the catalog after a rollback run, so `check-schema` does not report what the
/// rollback removed as drift.
fn record_snapshot(session: &mut Session, database: &Target) -> Result<(), DbError> {
    database.snapshots().ensure(session)?;
    database.record_snapshot(session, SnapshotReason::Rollback, None)
}

/// A session holding the ledger's advisory lock, for the commands that rewrite the ledger,
/// with the project's [`Target`] on that database.
pub(crate) fn locked_session(
    project: &Project,
    settings: &ConnectionSettings,
    lock_wait: Option<Duration>,
    on_wait: &mut dyn FnMut(&db::LockWaiting<'_>),
) -> Result<(Target, Session), DbError> {
    let database = super::target::target(project, settings);
    let mut wait = LockWait {
        timeout: lock_wait,
        poll_interval: Duration::from_millis(200),
        on_wait,
        keep_waiting: &|| true,
    };
    let session = database.connect_locked(&mut wait)?;
    Ok((database, session))
}

/// The applied migrations to roll back, in the order to roll them back (reverse plan order).
fn to_roll_back(
    graph: &Graph,
    rows: &[LedgerRow],
    target: &RollbackTarget,
) -> Result<Vec<MigrationId>, RollbackError> {
    let applied: IndexSet<&str> = rows.iter().map(|row| row.id.as_str()).collect();
    let mut chosen: Vec<MigrationId> = match target {
        RollbackTarget::Migration(id) => {
            if !applied.contains(id.as_str()) {
                return Err(RollbackError::NotApplied { id: id.to_string() });
            }
            graph
                .dependents_closure(id)
                .into_iter()
                .filter(|dependent| applied.contains(dependent.as_str()))
                .cloned()
                .collect()
        }
        RollbackTarget::LastBatch => {
            let Some(last) = rows.iter().map(|row| row.batch).max() else {
                return Err(RollbackError::NothingApplied);
            };
            let in_batch: IndexSet<&str> = rows
                .iter()
                .filter(|row| row.batch == last)
                .map(|row| row.id.as_str())
                .collect();
            let mut chosen: Vec<MigrationId> = graph
                .order()
                .iter()
                .filter(|id| in_batch.contains(id.as_str()))
                .cloned()
                .collect();
            // Rows of the batch whose file is gone still count: they are refused below.
            for id in in_batch {
                if !chosen.iter().any(|known| known.as_str() == id) {
                    chosen.push(MigrationId::new(id));
                }
            }
            chosen
        }
    };
    chosen.reverse();
    Ok(chosen)
}

fn check_rollbacks_exist(project: &Project, order: &[MigrationId]) -> Result<(), RollbackError> {
    let blocked: Vec<String> = order
        .iter()
        .filter_map(|id| match project.migration(id) {
            None => Some(format!("{id} (its file is missing)")),
            // Whatever rollback it was written with: it runs again whenever it changes, so
            // there is no earlier state of it to go back to.
            Some(migration) if migration.is_repeatable() => Some(format!(
                "{id} (a repeatable migration has no rollback: it runs again whenever its file changes)"
            )),
            Some(migration) if migration.rollback().is_none() => {
                Some(match migration.no_rollback_reason() {
                    Some(reason) => format!("{id} (no rollback: {reason})"),
                    None => format!("{id} (no rollback)"),
                })
            }
            Some(_) => None,
        })
        .collect();
    if blocked.is_empty() {
        Ok(())
    } else {
        Err(RollbackError::CannotRollBack {
            blocked,
            help: if order.iter().any(|id| {
                project
                    .migration(id)
                    .is_some_and(|migration| migration.is_repeatable())
            }) {
                "nothing was rolled back; to undo a repeatable migration, change its file (or write a versioned migration that undoes it) and apply; roll back the versioned migrations alone by naming one (`plan rollback ID`), or restore from a backup".to_string()
            } else {
                "nothing was rolled back; write the missing rollbacks (NNN_name_rollback.sql, rollback-NNN.sql, NNN_name.down.sql or a -- DOWN section), or restore from a backup".to_string()
            },
        })
    }
}

/// A failed rollback of one migration, and whether any of its rollback is committed (a
/// rollback run outside a transaction, stopped part-way in this run or an earlier one).
struct RollbackFailure {
    failure: Box<MigrationFailed>,
    committed: bool,
}

/// Where `migration`'s rollback SQL starts in the file that holds it: its rollback section's
/// offset, 0 in a rollback file of its own.
fn rollback_offset(migration: &Migration) -> usize {
    match migration.rollback() {
        Some(crate::project::Rollback::Section { span }) => span.start,
        _ => 0,
    }
}

/// A failed rollback of `migration`, pointing at `span` of the file that holds its rollback
/// SQL.
fn rollback_failed(
    migration: &Migration,
    message: String,
    span: impl Into<Option<SourceSpan>>,
    code: Option<String>,
    help: String,
) -> Box<MigrationFailed> {
    let file = match migration.rollback() {
        Some(crate::project::Rollback::File(file)) => file.clone(),
        _ => migration.file().clone(),
    };
    Box::new(MigrationFailed {
        id: migration.id().to_string(),
        message,
        help,
        file,
        span: span.into(),
        label: "rolling back failed here".to_string(),
        report: Vec::new(),
        code,
    })
}

/// The failure of a rollback whose `statement` (its `index`, 0-based) ended plan's
/// transaction: what ran may be committed although the ledger still says otherwise, so the
/// help says so instead of "as before".
fn ended_transaction(
    migration: &Migration,
    statement: &ScriptStatement,
    index: usize,
) -> RollbackFailure {
    let offset = rollback_offset(migration);
    RollbackFailure {
        failure: rollback_failed(
            migration,
            "its SQL ended plan's transaction".to_string(),
            SourceSpan::from(offset + statement.span.start..offset + statement.span.end),
            None,
            format!(
                "statement {} of its rollback ended the transaction plan runs it in (a COMMIT or ROLLBACK inside what was sent as one statement): what ran before it may be committed, although the ledger still records {} as it was; check the database before anything else, and split the statement so the COMMIT is a statement of its own, or remove it",
                index + 1,
                migration.id()
            ),
        ),
        committed: true,
    }
}

/// The failure of `migration`'s rollback (`script`) that stopped a shared message in a way
/// running it again must not follow.
fn shared_failure(
    migration: &Migration,
    script: &Script,
    stop: rollback_message::Stop,
) -> RollbackFailure {
    let id = migration.id();
    // Its transaction rolled back, or never committed: the failure as the server said it.
    let not_committed = |error: &SqlError, help: String| RollbackFailure {
        failure: rollback_failed(migration, error.to_string(), None, error.code.clone(), help),
        committed: false,
    };
    match stop {
        rollback_message::Stop::Ended { statement } => match script.statements.get(statement) {
            Some(sql) => ended_transaction(migration, sql, statement),
            None => RollbackFailure {
                failure: rollback_failed(
                    migration,
                    "its SQL ended plan's transaction".to_string(),
                    None,
                    None,
                    format!(
                        "what ran before may be committed, although the ledger still records {id} as it was: check the database before anything else"
                    ),
                ),
                committed: true,
            },
        },
        rollback_message::Stop::NotAgain { error, discarded } => not_committed(
            &error,
            if discarded {
                format!(
                    "its rollback deallocated the statements plan prepares on the session (`DEALLOCATE ALL`), which plan does not run: nothing of it is committed, and {id} is still applied, as before"
                )
            } else {
                format!(
                    "nothing of its rollback is committed: {id} is still applied, as before, and it is not run again (a rollback is not retried); it ran in one message with other rollbacks, so which of its statements was running is not known here: `plan -v rollback` with the same arguments runs it statement by statement and names it"
                )
            },
        ),
        rollback_message::Stop::ConnectionLost { error, ledger_read } => not_committed(
            &error,
            if ledger_read {
                format!(
                    "the connection was lost while its rollback ran, in a transaction: the ledger, read again, still records {id} as applied, so nothing of its rollback is committed"
                )
            } else {
                format!(
                    "the connection was lost while its rollback ran, and the ledger could not be read again: whether {id} is rolled back, `plan status` says"
                )
            },
        ),
    }
}

fn roll_back_one(
    session: &mut Session,
    ledger: &Ledger,
    (migration, script): (&Migration, Option<&Script>),
    resume_at: usize,
    (started_at, clock): (SystemTime, Instant),
    (environment, lock_timeout): (Option<&str>, Duration),
    (tracer, emit): (&Tracer, &mut dyn FnMut(Trace<'_>)),
) -> Result<Duration, RollbackFailure> {
    let id = migration.id();
    let failed = |message: String, span: SourceSpan, code: Option<String>, help: String| {
        rollback_failed(migration, message, span, code, help)
    };
    let untouched = format!("nothing of its rollback ran: {id} is still applied");
    let Some(script) = script else {
        return Err(RollbackFailure {
            failure: failed(
                "it has no rollback".to_string(),
                SourceSpan::from(0..0),
                None,
                untouched,
            ),
            committed: resume_at > 0,
        });
    };
    let offset = rollback_offset(migration);
    let source = match migration.rollback() {
        Some(crate::project::Rollback::File(file)) => file,
        _ => migration.file(),
    };
    let total = script.statements.len();
    // What happened to the database, for the help: a transaction leaves the migration applied;
    // statements outside one are committed up to the failing one (`next`, 0-based).
    let state = |next: usize| match script.transaction {
        TransactionMode::Wrapped => {
            format!("its rollback's transaction was rolled back: {id} is still applied, as before")
        }
        TransactionMode::Outside if next == 0 => format!(
            "its rollback runs outside a transaction, and its first statement did not complete: nothing of it is committed, and {id} is still applied"
        ),
        TransactionMode::Outside if next >= total => format!(
            "every statement of its rollback ran and is committed, but removing its ledger row failed: {id} is recorded as partially rolled back; run `plan rollback {id}` again to finish (no statement runs again)"
        ),
        TransactionMode::Outside => format!(
            "its rollback runs outside a transaction: {} of {total} committed, and {id} is recorded as partially rolled back; fix the cause and run `plan rollback {id}` again to resume at statement {} (`plan apply` refuses {id} until the rollback is finished)",
            if next == 1 {
                "statement 1".to_string()
            } else {
                format!("statements 1 to {next}")
            },
            next + 1
        ),
    };
    let with_state = |help: String, next: usize| join_help(&help, &state(next));
    let committed = |next: usize| script.transaction == TransactionMode::Outside && next > 0;
    // A failure of the session rather than of a statement: nothing in the file to point at.
    let unplaced = |error: SqlError, next: usize| RollbackFailure {
        failure: failed(
            error.to_string(),
            SourceSpan::from(0..0),
            error.code.clone(),
            with_state(String::new(), next),
        ),
        committed: committed(next),
    };
    let at = |statement: &ScriptStatement, error: &SqlError, next: usize| RollbackFailure {
        failure: failed(
            error.to_string(),
            SourceSpan::from(offset + statement.span.start..offset + statement.span.end),
            error.code.clone(),
            with_state(
                [error.detail.clone(), error.hint.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("\n"),
                next,
            ),
        ),
        committed: committed(next),
    };
    let event = |duration: Duration| Event {
        migration_id: id.as_str(),
        action: db::HistoryAction::Rollback,
        outcome: HistoryOutcome::Ok,
        checksum: Some(migration.checksum()),
        batch: None,
        started_at,
        duration,
        environment,
        detail: None,
    };
    let ended =
        |statement: &ScriptStatement, index: usize| ended_transaction(migration, statement, index);
    // A rollback resumed after stopping part-way skips the statements already committed.
    let remaining = script.statements.iter().enumerate().skip(resume_at);
    match script.transaction {
        TransactionMode::Wrapped => {
            // Each rollback starts from the session the run started with, as each migration
            // does, reset before its transaction begins.
            session.reset().map_err(|error| unplaced(error, 0))?;
            let mut work = session.begin().map_err(|error| unplaced(error, 0))?;
            // A rollback blocked by a table lock gives up after lock_timeout instead of
            // waiting forever (it is not retried: the operator is watching a rollback). It
            // keeps the modes of its file's own wrapping BEGIN.
            let transaction = match work.start_with_modes(script.modes.as_deref(), lock_timeout) {
                Ok(transaction) => transaction,
                Err(error) => {
                    work.rollback();
                    return Err(unplaced(error, 0));
                }
            };
            tracer.step(emit, || Trace::Transaction {
                migration: id,
                step: TransactionStep::Begin,
            });
            for (index, statement) in remaining {
                let sending = tracer.sending(
                    || Statement::at(id, source, offset + statement.span.start, &statement.text),
                    emit,
                );
                let outcome = work.run_statement(
                    &statement.text,
                    statement.copy_data.as_deref(),
                    &transaction,
                );
                tracer.sent(
                    sending,
                    || Statement::at(id, source, offset + statement.span.start, &statement.text),
                    None,
                    emit,
                );
                match outcome {
                    Ok(TransactionState::Ours) => {}
                    Ok(TransactionState::Ended) => {
                        work.rollback();
                        return Err(ended(statement, index));
                    }
                    // A COMMIT in the same message, then an error: what came before it is
                    // committed.
                    Err(_) if work.ended_before_error(&transaction) => {
                        work.rollback();
                        return Err(ended(statement, index));
                    }
                    Err(error) => {
                        work.rollback();
                        return Err(at(statement, &error, 0));
                    }
                }
            }
            let duration = clock.elapsed();
            work.restore_identity()
                .and_then(|()| ledger.record_removed(&mut work, id.as_str(), &event(duration)))
                .and_then(|()| work.commit())
                .map_err(|error| unplaced(error, 0))?;
            tracer.step(emit, || {
                Trace::Ledger(LedgerStep::RolledBack { migration: id })
            });
            tracer.step(emit, || Trace::Transaction {
                migration: id,
                step: TransactionStep::Commit,
            });
            Ok(duration)
        }
        TransactionMode::Outside => {
            // As above: a clean session first.
            session
                .reset()
                .map_err(|error| unplaced(error, resume_at))?;
            ledger
                .prepare_rollback_progress(session)
                .map_err(|error| RollbackFailure {
                    failure: failed(
                        error.to_string(),
                        SourceSpan::from(0..0),
                        None,
                        with_state(String::new(), resume_at),
                    ),
                    committed: resume_at > 0,
                })?;
            for (index, statement) in remaining {
                if !statement.outside_transaction {
                    // As in apply: a statement that can run in a transaction runs in one with
                    // its progress record, so it can never run twice.
                    let traced = || {
                        Statement::at(id, source, offset + statement.span.start, &statement.text)
                    };
                    let outcome = session.begin().and_then(|mut work| {
                        let transaction = work.start(lock_timeout)?;
                        let sending = tracer.sending(traced, emit);
                        let outcome = work.run_statement(
                            &statement.text,
                            statement.copy_data.as_deref(),
                            &transaction,
                        );
                        tracer.sent(sending, traced, None, emit);
                        let state = match outcome {
                            Ok(state) => state,
                            Err(_) if work.ended_before_error(&transaction) => {
                                TransactionState::Ended
                            }
                            Err(error) => return Err(error),
                        };
                        if state == TransactionState::Ended {
                            work.rollback();
                            return Ok(state);
                        }
                        work.restore_identity()?;
                        ledger.record_rollback_progress_in(&mut work, id.as_str(), index + 1)?;
                        work.commit().map(|()| state)
                    });
                    match outcome {
                        Ok(TransactionState::Ours) => {
                            tracer.step(emit, || {
                                Trace::Ledger(LedgerStep::RollbackProgress {
                                    migration: id,
                                    next_statement: index + 1,
                                })
                            });
                            continue;
                        }
                        Ok(TransactionState::Ended) => return Err(ended(statement, index)),
                        Err(error) => return Err(at(statement, &error, index)),
                    }
                }
                let sending = tracer.sending(
                    || Statement::at(id, source, offset + statement.span.start, &statement.text),
                    emit,
                );
                let outcome = session.run(&statement.text);
                tracer.sent(
                    sending,
                    || Statement::at(id, source, offset + statement.span.start, &statement.text),
                    None,
                    emit,
                );
                outcome.map_err(|error| at(statement, &error, index))?;
                // Recorded after each statement, as apply does: a rollback killed here resumes
                // after the statements that committed instead of failing on the first of them.
                if let Err(error) = ledger.record_rollback_progress(session, id.as_str(), index + 1)
                {
                    return Err(RollbackFailure {
                        failure: failed(
                            error.to_string(),
                            SourceSpan::from(0..0),
                            None,
                            with_state(String::new(), index + 1),
                        ),
                        committed: true,
                    });
                }
                tracer.step(emit, || {
                    Trace::Ledger(LedgerStep::RollbackProgress {
                        migration: id,
                        next_statement: index + 1,
                    })
                });
            }
            let duration = clock.elapsed();
            session
                .begin()
                .and_then(|mut work| {
                    ledger.record_removed(&mut work, id.as_str(), &event(duration))?;
                    work.commit()
                })
                .map_err(|error| unplaced(error, total))?;
            tracer.step(emit, || {
                Trace::Ledger(LedgerStep::RolledBack { migration: id })
            });
            Ok(duration)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_project;
    use crate::testing::project_dir;

    /// Ledger rows written as `ID BATCH` (applied in that batch) or `ID BATCH rolling_back:N`.
    fn rows(written: &[&str]) -> Vec<LedgerRow> {
        written
            .iter()
            .map(|line| {
                let words: Vec<&str> = line.split_whitespace().collect();
                let state = match words.get(2) {
                    Some(state) => LedgerState::RollingBack {
                        next_statement: state
                            .trim_start_matches("rolling_back:")
                            .parse()
                            .expect("a number"),
                    },
                    None => LedgerState::Applied,
                };
                LedgerRow {
                    id: words[0].to_string(),
                    checksum: String::new(),
                    batch: words[1].parse().expect("a batch number"),
                    state,
                    applied_at: String::new(),
                    duration_ms: 0,
                    applied_by: String::new(),
                    environment: None,
                    completed: Vec::new(),
                }
            })
            .collect()
    }

    /// What rolling back `target` (a migration ID, or `last` for the last batch) would do in
    /// the project of `files` given the ledger `ledger`: the migrations in order (`ID` or
    /// `ID from statement N`), or the error's code and message.
    fn check(files: &[(&str, &str)], ledger: &[&str], target: &str, expect: &str) {
        let dir = project_dir(files);
        let loaded = load_project(dir.path()).expect("the project loads");
        let target = match target {
            "last" => RollbackTarget::LastBatch,
            id => RollbackTarget::Migration(MigrationId::new(id)),
        };
        let shown = match planned(loaded.project(), loaded.graph(), &rows(ledger), &target) {
            Ok(order) => order
                .iter()
                .map(|step| match step.next_statement {
                    0 => step.id.to_string(),
                    next => format!("{} from statement {}", step.id, next + 1),
                })
                .collect::<Vec<_>>()
                .join(", "),
            Err(error) => format!(
                "{}: {error}",
                error
                    .code()
                    .map(|code| code.to_string())
                    .unwrap_or_default()
            ),
        };
        assert_eq!(shown, expect);
    }

    /// 002_b and 003_c depend on 001_a; 004_d on nothing. Each has a rollback but 004_d.
    const PROJECT: &[(&str, &str)] = &[
        (
            "migrations/001_a.sql",
            "-- UP\nCREATE TABLE a (id int);\n-- DOWN\nDROP TABLE a;\n",
        ),
        (
            "migrations/002_b.sql",
            "-- depends: 001_a\n-- UP\nCREATE TABLE b (id int);\n-- DOWN\nDROP TABLE b;\n",
        ),
        (
            "migrations/003_c.sql",
            "-- depends: 001_a\n-- UP\nCREATE TABLE c (id int);\n-- DOWN\nDROP TABLE c;\n",
        ),
        ("migrations/004_d.sql", "CREATE TABLE d (id int);\n"),
    ];

    #[test]
    fn a_migration_rolls_back_after_its_applied_dependents_in_reverse_order() {
        check(
            PROJECT,
            &["001_a 1", "002_b 1", "003_c 2"],
            "001_a",
            "003_c, 002_b, 001_a",
        );
        check(PROJECT, &["001_a 1", "003_c 2"], "001_a", "003_c, 001_a");
        check(PROJECT, &["001_a 1", "002_b 1"], "002_b", "002_b");
    }

    #[test]
    fn the_last_batch_rolls_back_in_reverse_order() {
        check(
            PROJECT,
            &["001_a 1", "002_b 2", "003_c 2"],
            "last",
            "003_c, 002_b",
        );
    }

    #[test]
    fn a_partly_rolled_back_migration_resumes_its_rollback() {
        check(
            PROJECT,
            &["001_a 1", "002_b 2 rolling_back:1"],
            "last",
            "002_b from statement 2",
        );
    }

    #[test]
    fn nothing_to_roll_back_is_refused() {
        check(
            PROJECT,
            &["001_a 1"],
            "002_b",
            "plan::apply::not_applied: migration 002_b is not applied, so there is nothing to roll back",
        );
        check(
            PROJECT,
            &[],
            "last",
            "plan::apply::nothing_applied: no migration has been applied, so there is no batch to roll back",
        );
    }

    #[test]
    fn a_migration_without_a_rollback_or_a_file_stops_the_whole_rollback() {
        check(
            PROJECT,
            &["001_a 1", "004_d 2"],
            "last",
            "plan::apply::no_rollback: cannot roll back: 1 of the migrations to roll back cannot be: 004_d (no rollback)",
        );
        check(
            PROJECT,
            &["001_a 1", "009_gone 2"],
            "last",
            "plan::apply::no_rollback: cannot roll back: 1 of the migrations to roll back cannot be: 009_gone (its file is missing)",
        );
    }

    #[test]
    fn a_repeatable_migration_has_no_rollback_alone_or_in_a_batch() {
        let files = [
            (
                "migrations/001_a.sql",
                "-- UP\nCREATE TABLE a (id int);\n-- DOWN\nDROP TABLE a;\n",
            ),
            (
                "migrations/R__views.sql",
                "-- UP\nCREATE OR REPLACE VIEW v AS SELECT 1;\n-- DOWN\nDROP VIEW v;\n",
            ),
        ];
        let refused = "plan::apply::no_rollback: cannot roll back: 1 of the migrations to roll back cannot be: R__views (a repeatable migration has no rollback: it runs again whenever its file changes)";
        check(&files, &["001_a 1", "R__views 1"], "R__views", refused);
        check(&files, &["001_a 1", "R__views 1"], "last", refused);
        // Outside the sequence, it is not taken along by the last versioned migration.
        check(&files, &["001_a 1", "R__views 1"], "001_a", "001_a");
    }
}

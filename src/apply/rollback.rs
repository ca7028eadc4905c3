//! Rolling back: a migration and every applied migration that depends on it, or the last
//! batch, in reverse plan order. Each rollback runs in one transaction with the removal of its
//! ledger row (unless its SQL can only run outside a transaction), and is appended to the
//! history. Refuses before touching anything when one of them has no rollback.
//!

use std::time::{Duration, Instant, SystemTime};

use indexmap::IndexSet;
use miette::{Diagnostic, SourceSpan};

use super::run::{AppliedBefore, MigrationFailed};
use super::script::{self, ScriptStatement};
use crate::db::{
    self, ConnectionSettings, DbError, Event, Ledger, LedgerRow, LockKey, LockWait, Outcome,
    Session, SnapshotReason, Snapshots, SqlError,
};
use crate::graph::Graph;
use crate::project::{Migration, MigrationId, Project, Transaction};

/// What to roll back.
#[derive(Clone, Debug)]
pub enum RollbackTarget {
    /// This migration and every applied migration that depends on it.
    Migration(MigrationId),
    /// The migrations of the most recent apply run.
    LastBatch,
}

/// What a rollback did.
#[derive(Clone, Debug, Default)]
pub struct RollbackReport {
    /// Migrations rolled back, in the order they were.
    pub rolled_back: Vec<(MigrationId, Duration)>,
}

/// Why a rollback stopped.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum RollbackError {
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
    /// An accept named a migration that is not applied.
    #[error("migration {id} is not applied; only an applied migration's checksum can be accepted")]
    #[diagnostic(code(plan::apply::accept_not_applied))]
    AcceptNotApplied {
        /// The migration.
        id: String,
    },
}

/// Rolls back `target` on the database `settings` points at, reporting each one to `observe`.
pub fn rollback(
    project: &Project,
    graph: &Graph,
    settings: &ConnectionSettings,
    target: &RollbackTarget,
    environment: Option<&str>,
    observe: &mut dyn FnMut(&MigrationId),
) -> Result<RollbackReport, RollbackError> {
    let (ledger, mut session) = locked_session(project, settings)?;
    let rows = ledger.read(&mut session)?;
    let order = to_roll_back(graph, &rows, target)?;
    check_rollbacks_exist(project, &order)?;
    let mut report = RollbackReport::default();
    for id in order {
        let Some(migration) = project.migration(&id) else {
            continue;
        };
        observe(&id);
        let started_at = SystemTime::now();
        let clock = Instant::now();
        match roll_back_one(
            &mut session,
            &ledger,
            migration,
            started_at,
            clock,
            environment,
            project.manifest().lock_timeout(),
        ) {
            Ok(duration) => report.rolled_back.push((id, duration)),
            Err(mut failure) => {
                // The history records every rollback, failed or not (see db/ledger.rs). The
                // rollback's own transaction is gone, so the failure goes in one of its own;
                // a rollback run outside a transaction may have committed statements already.
                if session.is_open() {
                    let outside = matches!(
                        script::prepare_rollback(migration),
                        Some(Ok(script)) if script.transaction == Transaction::Outside
                    );
                    let event = Event {
                        migration_id: id.as_str(),
                        action: db::Action::Rollback,
                        outcome: if outside {
                            Outcome::Partial
                        } else {
                            Outcome::Failed
                        },
                        checksum: Some(migration.checksum()),
                        batch: None,
                        started_at,
                        duration: clock.elapsed(),
                        environment,
                        detail: Some(&failure.message),
                    };
                    let _ = ledger.record_event_alone(&mut session, &event);
                }
                failure.report = report
                    .rolled_back
                    .iter()
                    .map(|(id, _)| AppliedBefore(format!("rolled back {id}")))
                    .collect();
                if !report.rolled_back.is_empty() {
                    let _ = record_snapshot(&mut session, project);
                }
                let _ = session.close();
                return Err(RollbackError::Failed(failure));
            }
        }
    }
    if !report.rolled_back.is_empty() {
        record_snapshot(&mut session, project)?;
    }
    session.close()?;
    Ok(report)
}

/// Records the catalog after a rollback run, so `check-schema` does not report what the
/// rollback removed as drift.
fn record_snapshot(session: &mut Session, project: &Project) -> Result<(), DbError> {
    let table = project.manifest().tracking_table();
    let snapshots = Snapshots::new(&table.schema, &table.table);
    snapshots.ensure(session)?;
    snapshots.record_current(session, SnapshotReason::Rollback, None, &table.table)
}

/// A session holding the ledger's advisory lock, for the commands that rewrite the ledger.
pub(super) fn locked_session(
    project: &Project,
    settings: &ConnectionSettings,
) -> Result<(Ledger, Session), DbError> {
    let table = project.manifest().tracking_table();
    let ledger = Ledger::new(&table.schema, &table.table);
    let key = LockKey::from_name(&ledger.name());
    let mut ignore = |_: &db::LockWaiting<'_>| {};
    let mut wait = LockWait {
        timeout: None,
        poll_interval: Duration::from_millis(200),
        on_wait: &mut ignore,
    };
    let session = Session::connect_locked(settings, &key, &mut wait)?;
    Ok((ledger, session))
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
            Some(migration) if migration.rollback().is_none() => {
                Some(format!("{id} (no rollback)"))
            }
            Some(_) => None,
        })
        .collect();
    if blocked.is_empty() {
        Ok(())
    } else {
        Err(RollbackError::CannotRollBack {
            blocked,
            help: "nothing was rolled back; write the missing rollbacks (NNN_name_rollback.sql, rollback-NNN.sql, NNN_name.down.sql or a -- DOWN section), or restore from a backup".to_string(),
        })
    }
}

fn roll_back_one(
    session: &mut Session,
    ledger: &Ledger,
    migration: &Migration,
    started_at: SystemTime,
    clock: Instant,
    environment: Option<&str>,
    lock_timeout: Duration,
) -> Result<Duration, Box<MigrationFailed>> {
    let failed = |message: String, span: SourceSpan, code: Option<String>, help: String| {
        let file = match migration.rollback() {
            Some(crate::project::Rollback::File(file)) => file.clone(),
            _ => migration.file().clone(),
        };
        Box::new(MigrationFailed {
            id: migration.id().to_string(),
            message,
            help,
            file,
            span: Some(span),
            label: "rolling back failed here".to_string(),
            report: Vec::new(),
            code,
        })
    };
    // A failure of the session rather than of a statement: nothing in the file to point at.
    let unplaced = |error: SqlError| {
        failed(
            error.to_string(),
            SourceSpan::from(0..0),
            error.code.clone(),
            String::new(),
        )
    };
    let script = match script::prepare_rollback(migration) {
        Some(Ok(script)) => script,
        Some(Err(problem)) => {
            return Err(failed(
                problem.to_string(),
                SourceSpan::from(0..0),
                None,
                String::new(),
            ));
        }
        None => {
            return Err(failed(
                "it has no rollback".to_string(),
                SourceSpan::from(0..0),
                None,
                String::new(),
            ));
        }
    };
    let offset = match migration.rollback() {
        Some(crate::project::Rollback::Section { span }) => span.start,
        _ => 0,
    };
    let at = |statement: &ScriptStatement, error: &SqlError| {
        failed(
            error.to_string(),
            SourceSpan::from(offset + statement.span.start..offset + statement.span.end),
            error.code.clone(),
            [error.detail.clone(), error.hint.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("\n"),
        )
    };
    let event = |duration: Duration| Event {
        migration_id: migration.id().as_str(),
        action: db::Action::Rollback,
        outcome: Outcome::Ok,
        checksum: Some(migration.checksum()),
        batch: None,
        started_at,
        duration,
        environment,
        detail: None,
    };
    match script.transaction {
        Transaction::Wrapped => {
            let mut work = session.begin().map_err(unplaced)?;
            // A rollback blocked by a table lock gives up after lock_timeout instead of
            // waiting forever (it is not retried: the operator is watching a rollback).
            if let Err(error) = work.set_lock_timeout(lock_timeout) {
                work.rollback();
                return Err(unplaced(error));
            }
            for statement in &script.statements {
                if let Err(error) = work.run(&statement.text) {
                    work.rollback();
                    return Err(at(statement, &error));
                }
            }
            let duration = clock.elapsed();
            ledger
                .record_removed(&mut work, migration.id().as_str(), &event(duration))
                .and_then(|()| work.commit())
                .map_err(unplaced)?;
            Ok(duration)
        }
        Transaction::Outside => {
            for statement in &script.statements {
                session
                    .run(&statement.text)
                    .map_err(|error| at(statement, &error))?;
            }
            let duration = clock.elapsed();
            session
                .begin()
                .and_then(|mut work| {
                    ledger.record_removed(&mut work, migration.id().as_str(), &event(duration))?;
                    work.commit()
                })
                .map_err(unplaced)?;
            Ok(duration)
        }
    }
}

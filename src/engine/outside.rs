//! The file of a no-transaction migration, run statement by statement: each statement that
//! can run in a transaction runs in one with its progress record; one PostgreSQL refuses in a
//! transaction (`CREATE INDEX CONCURRENTLY`, `VACUUM`, ...) runs alone, its progress recorded
//! right after it, and a concurrent index build that timed out is dropped before its retry.
//! Where this phase falls among the others is `phases`'.

use super::failure::{FailureKind, FailurePoint, Interruption};
use super::outcome::Progress;
use super::record::{statement_progress, written};
use super::runner::{MigrationRun, Runner, check_prerequisites, expected_row};
use super::trace::{LedgerStep, Statement, Trace};
use crate::db::{PartialProgress, ResumePoint, SqlError, TransactionState, quote_identifier};
use crate::sql::script::ScriptStatement;

/// How a statement of a no-transaction file that ran in a transaction of its own ended.
enum StatementOutcome {
    /// It and its progress record committed.
    Done,
    /// It ended plan's transaction itself (and then failed, when there is an error).
    TransactionEnded(Option<SqlError>),
    /// It ran, but its progress record failed, so both were rolled back.
    LedgerFailed(SqlError),
}

impl Runner<'_> {
    /// The file of a no-transaction migration, statement by statement. A statement that can
    /// run in a transaction runs in one together with its progress record, so it runs exactly
    /// once whatever happens to plan; only a statement PostgreSQL refuses in a transaction
    /// (`CREATE INDEX CONCURRENTLY`, `VACUUM`, …) runs outside one, its progress recorded right
    /// after it, so a crash between the two is the one window in which a rerun repeats it.
    pub(crate) fn run_outside_file(
        &mut self,
        run: &mut MigrationRun<'_>,
        resume: ResumePoint,
        finishes: bool,
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Result<(), (FailurePoint, String)> {
        let migration = run.migration;
        let base = migration.up_offset();
        let file = migration.file().clone();
        let at = |error: FailureKind, statement: Option<&ScriptStatement>| {
            (
                FailurePoint {
                    error,
                    file: file.clone(),
                    span: statement.map_or(0..0, |statement| {
                        base + statement.span.start..base + statement.span.end
                    }),
                    text_offset: statement.map(|statement| base + statement.span.start),
                },
                String::new(),
            )
        };
        if resume == ResumePoint::FRESH {
            let checked = self
                .session
                .begin()
                .map_err(|error| at(FailureKind::Sql(error), None))
                .and_then(|mut work| {
                    let checked = check_prerequisites(&mut work, migration)
                        .map_err(|failure| (failure, String::new()));
                    work.rollback();
                    checked
                });
            checked?;
        }
        let lock_timeout = self.lock_timeout;
        let setting = format!("SET lock_timeout = '{}ms'", lock_timeout.as_millis());
        self.session
            .run(&setting)
            .map_err(|error| at(FailureKind::Sql(error), None))?;
        let statements = run.script.statements.clone();
        let tracer = self.tracer.clone();
        let recorded_after = statement_progress(run.script);
        for (index, statement) in statements.iter().enumerate().skip(resume.next_statement) {
            let recorded_before = run.recorded.clone();
            let progress = PartialProgress {
                at: ResumePoint::at_statement(index + 1),
                completed: recorded_after.get(index).map_or(&[], Vec::as_slice),
                replacing: expected_row(recorded_before.as_deref(), run.replaces.as_deref()),
            };
            let traced = || {
                Statement::at(
                    migration.id(),
                    &file,
                    base + statement.span.start,
                    &statement.text,
                )
            };
            if statement.outside_transaction {
                if let Some(index_name) = &statement.concurrent_index {
                    self.drop_invalid_index(index_name)
                        .map_err(|error| at(FailureKind::Sql(error), Some(statement)))?;
                }
                let sending = tracer.sending(traced, &mut |trace| observe(Progress::Trace(trace)));
                let outcome = self.retrying_lock_timeouts(migration, observe, |runner| {
                    // A retried concurrent build first drops what the timed-out one left.
                    if let Some(index_name) = &statement.concurrent_index {
                        runner.drop_invalid_index(index_name)?;
                    }
                    runner.session.run(&statement.text)
                });
                tracer.sent(sending, traced, None, &mut |trace| {
                    observe(Progress::Trace(trace))
                });
                outcome.map_err(|error| at(FailureKind::Sql(error), Some(statement)))?;
                run.committed = true;
                let recorded = self.session.begin().and_then(|mut work| {
                    work.restore_identity()?;
                    self.ledger
                        .record_progress(
                            &mut work,
                            migration.id().as_str(),
                            migration.checksum(),
                            self.batch,
                            &progress,
                            self.environment,
                        )
                        .and_then(written)?;
                    work.commit()
                });
                recorded.map_err(|error| at(FailureKind::Ledger(error), None))?;
                run.recorded = Some(progress.completed.join("\n"));
                tracer.step(&mut |trace| observe(Progress::Trace(trace)), || {
                    recorded_progress(migration, progress.at)
                });
                continue;
            }
            let (ledger, batch, environment) = (self.ledger, self.batch, self.environment);
            let sending = tracer.sending(traced, &mut |trace| observe(Progress::Trace(trace)));
            let state = self.retrying_lock_timeouts(migration, observe, |runner| {
                let mut work = runner.session.begin()?;
                let transaction = work.start(lock_timeout)?;
                let state = match work.run_statement(
                    &statement.text,
                    statement.copy_data.as_deref(),
                    &transaction,
                ) {
                    Ok(state) => state,
                    Err(error) if work.ended_before_error(&transaction) => {
                        work.rollback();
                        return Ok(StatementOutcome::TransactionEnded(Some(error)));
                    }
                    Err(error) => return Err(error),
                };
                if state == TransactionState::Ended {
                    work.rollback();
                    return Ok(StatementOutcome::TransactionEnded(None));
                }
                // A ledger failure here is told apart from the statement's own below.
                let recorded = work.restore_identity().and_then(|()| {
                    ledger
                        .record_progress(
                            &mut work,
                            migration.id().as_str(),
                            migration.checksum(),
                            batch,
                            &progress,
                            environment,
                        )
                        .and_then(written)
                });
                match recorded {
                    Ok(()) => work.commit().map(|()| StatementOutcome::Done),
                    Err(error) => {
                        work.rollback();
                        Ok(StatementOutcome::LedgerFailed(error))
                    }
                }
            });
            tracer.sent(sending, traced, None, &mut |trace| {
                observe(Progress::Trace(trace))
            });
            let state = state.map_err(|error| at(FailureKind::Sql(error), Some(statement)))?;
            match state {
                StatementOutcome::Done => {
                    run.committed = true;
                    run.recorded = Some(progress.completed.join("\n"));
                    tracer.step(&mut |trace| observe(Progress::Trace(trace)), || {
                        recorded_progress(migration, progress.at)
                    });
                }
                StatementOutcome::LedgerFailed(error) => {
                    return Err(at(FailureKind::Ledger(error), None));
                }
                StatementOutcome::TransactionEnded(error) => {
                    return Err(at(
                        FailureKind::TransactionEnded(Interruption::Statement(index), error),
                        Some(statement),
                    ));
                }
            }
        }
        let _ = self.session.run("RESET lock_timeout");
        // The file done, no step yet: the steps, if any, run next.
        self.finish_phase(run, (finishes, 0), observe)
            .map_err(|error| at(FailureKind::Ledger(error), None))
    }

    /// Drops the index a failed `CREATE INDEX CONCURRENTLY` left INVALID, so the retry can build
    /// it. A valid index of that name is left alone (the statement then fails as it should).
    fn drop_invalid_index(
        &mut self,
        (schema, name): &(Option<String>, String),
    ) -> Result<(), SqlError> {
        let qualified = match schema {
            Some(schema) => format!("{}.{}", quote_identifier(schema), quote_identifier(name)),
            None => quote_identifier(name),
        };
        let literal = qualified.replace('\'', "''");
        let invalid = self.session.query_bool(&format!(
            "SELECT coalesce((SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass('{literal}')), false)"
        ))?;
        if invalid {
            self.session
                .run(&format!("DROP INDEX CONCURRENTLY IF EXISTS {qualified}"))?;
        }
        Ok(())
    }
}

/// The trace of a no-transaction file's progress recorded after a statement: the next
/// statement a rerun would start at.
fn recorded_progress(migration: &crate::project::Migration, at: ResumePoint) -> Trace<'_> {
    Trace::Ledger(LedgerStep::Progress {
        migration: migration.id(),
        at,
    })
}

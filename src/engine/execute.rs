//! Running one migration: its file and its steps, split into phases by how they commit.
//!
//! - A **transaction phase** runs the file (when it is transactional) and the steps that can
//!   share its transaction (`sql`, `assert`, `handler`, `batch` with the default `commit:
//!   transaction`) in one transaction, together with the ledger row. A migration whose steps are
//!   all of these kinds is one phase: atomic, as before steps existed.
//! - Work that commits as it goes gets a phase of its own: the file of a no-transaction
//!   migration (statement by statement), a `batch` with `commit: each` (batch by batch), a
//!   `command` (the program commits what it does).
//!
//! After each phase the ledger records how far the migration got (the next statement, the
//! number of steps done), in the same transaction as the phase's last work, so a rerun after a
//! crash resumes at the first phase not done and never repeats committed work.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use miette::SourceSpan;

use super::handler::{HandlerContext, Handlers};
use super::outcome::{MigrationFailed, Progress};
use super::record::{INTERRUPTED_PREFIX, completed_units, statement_progress, written};
use crate::db::{
    self, BlockerWatch, ConnectionSettings, Event, Expected, Ledger, LedgerRow, LedgerState,
    Outcome, PartialProgress, ResumePoint, Session, SqlError, TransactionId, TransactionState,
    Work, quote_identifier,
};
use crate::diagnostic::{SourceFile, to_source_span};
use crate::ops::check_schema::requirement_object;
use crate::project::{BatchCommit, Migration, SqlSource, Step, StepKind, Transaction};
use crate::sql::script::{Script, ScriptStatement};
use crate::sql::{self, StatementKind};

/// Part of a migration that commits as a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// The file (when `with_file`) and steps `first..end` in one transaction.
    Transaction {
        with_file: bool,
        first: usize,
        end: usize,
    },
    /// The file, statement by statement, outside a transaction.
    OutsideFile,
    /// A `batch` step with `commit: each`.
    BatchEach { step: usize },
    /// A `command` step.
    Command { step: usize },
}

impl Phase {
    /// Steps done once this phase is (the ledger's `next_step` after it).
    fn steps_done_after(self) -> usize {
        match self {
            Phase::Transaction { end, .. } => end,
            Phase::OutsideFile => 0,
            Phase::BatchEach { step } | Phase::Command { step } => step + 1,
        }
    }

    /// Whether a migration at `resume` has finished this phase.
    fn is_done(self, resume: ResumePoint) -> bool {
        resume
            .next_step
            .is_some_and(|done| done >= self.steps_done_after())
    }
}

/// The phases of a migration, in order.
fn phases(migration: &Migration, script: &Script) -> Vec<Phase> {
    let mut phases = Vec::new();
    let file_in_transaction = script.transaction == Transaction::Wrapped;
    if !file_in_transaction {
        phases.push(Phase::OutsideFile);
    }
    let mut group_start = 0;
    let mut group_has_file = file_in_transaction;
    for (index, step) in migration.steps().iter().enumerate() {
        let own_phase = match step.kind {
            StepKind::Batch {
                commit: BatchCommit::Each,
                ..
            } => Some(Phase::BatchEach { step: index }),
            StepKind::Command { .. } => Some(Phase::Command { step: index }),
            _ => None,
        };
        if let Some(phase) = own_phase {
            if group_has_file || index > group_start {
                phases.push(Phase::Transaction {
                    with_file: group_has_file,
                    first: group_start,
                    end: index,
                });
            }
            phases.push(phase);
            group_start = index + 1;
            group_has_file = false;
        }
    }
    let steps = migration.steps().len();
    if group_has_file || steps > group_start {
        phases.push(Phase::Transaction {
            with_file: group_has_file,
            first: group_start,
            end: steps,
        });
    }
    phases
}

/// Runs migrations on a locked session.
pub(crate) struct Runner<'a> {
    pub(crate) session: Session,
    pub(crate) ledger: &'a Ledger,
    pub(crate) settings: &'a ConnectionSettings,
    pub(crate) handlers: &'a Handlers,
    pub(crate) project_root: &'a Path,
    pub(crate) batch: i32,
    pub(crate) environment: Option<&'a str>,
    pub(crate) lock_timeout: Duration,
    pub(crate) lock_retries: u32,
}

/// Where a failure happened, before it is turned into a diagnostic.
struct Failure {
    error: FailureKind,
    file: SourceFile,
    /// The failing statement or step, in `file`.
    span: std::ops::Range<usize>,
    /// Offset of the text sent within `file`, to place the server's error position.
    text_offset: Option<usize>,
}

impl Failure {
    /// A failure of a step, pointing at its entry in plan.yaml.
    fn at_step(step: &Step, error: FailureKind) -> Failure {
        Failure {
            error,
            file: step.origin.file.clone(),
            span: step.origin.span.clone(),
            text_offset: None,
        }
    }
}

enum FailureKind {
    Sql(SqlError),
    Assertion(String),
    Unrunnable(String),
    Command(String),
    /// Writing the ledger failed: the ledger's problem, not a line of the migration.
    Ledger(SqlError),
    /// `COMMIT` of the migration's transaction failed (a deferred constraint, say).
    Commit(SqlError),
    /// A `batch` step still affected rows after its `max_batches`.
    RunawayBatch {
        /// The limit.
        max_batches: u64,
        /// Rows affected in all.
        rows: u64,
    },
    /// SQL of the migration ended plan's transaction itself (a `COMMIT` or `ROLLBACK` the
    /// splitter did not see as a statement of its own): what ran may be committed.
    TransactionEnded(Interruption, Option<SqlError>),
}

/// How a statement of a no-transaction file that ran in a transaction of its own ended.
enum StatementOutcome {
    /// It and its progress record committed.
    Done,
    /// It ended plan's transaction itself (and then failed, when there is an error).
    TransactionEnded(Option<SqlError>),
    /// It ran, but its progress record failed, so both were rolled back.
    LedgerFailed(SqlError),
}

/// Where a migration ended plan's transaction, for the ledger and the message.
#[derive(Clone, Copy, Debug)]
enum Interruption {
    /// The file's statement at this index (0-based).
    Statement(usize),
    /// The step at this index (0-based).
    Step(usize),
}

/// A migration's run: what it is, and timing for its ledger and history rows.
struct Run<'m> {
    migration: &'m Migration,
    script: &'m Script,
    started_at: SystemTime,
    clock: Instant,
    /// Whether anything of this migration is committed (now or by an earlier run).
    committed: bool,
    /// What the ledger row records as done (`completed`, newline-separated) as this run last
    /// wrote or read it; `None` while there is no row. Each write expects to find it so.
    recorded: Option<String>,
}

impl Run<'_> {
    /// What the next ledger write expects the row to be.
    fn expected(&self) -> Expected<'_> {
        match &self.recorded {
            None => Expected::NoRow,
            Some(completed) => Expected::Partial(completed),
        }
    }
}

impl Runner<'_> {
    /// Runs `migration` from `resume`, returning how long it took.
    pub(crate) fn run_migration(
        &mut self,
        migration: &Migration,
        script: &Script,
        (resume, recorded): (ResumePoint, Option<String>),
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Duration, Box<MigrationFailed>> {
        let mut run = Run {
            migration,
            started_at: SystemTime::now(),
            clock: Instant::now(),
            committed: resume != ResumePoint::FRESH,
            script,
            recorded,
        };
        self.replay_session_settings(&run, resume)
            .map_err(|error| {
                Box::new(MigrationFailed {
                    id: migration.id().to_string(),
                    message: format!(
                        "cannot restore the session its statements before the resume point set: {error}"
                    ),
                    help: "nothing more of it ran in this run; fix the cause (a role that no longer exists, say) and apply again".to_string(),
                    file: migration.file().clone(),
                    span: None,
                    label: "here".to_string(),
                    report: Vec::new(),
                    code: error.code.clone(),
                })
            })?;
        let phases = phases(migration, run.script);
        let last = phases.len().saturating_sub(1);
        // Each migration leaves the session as the run started it, so the next one starts
        // clean: what it SET (search_path, role, default_transaction_read_only, …) is reset
        // as it finishes, inside its last transaction (try_transaction_phase) or just before
        // the one that records it (finish_phase).
        for (index, phase) in phases.iter().enumerate() {
            if phase.is_done(resume) {
                continue;
            }
            let finishes = index == last;
            let result = match *phase {
                Phase::Transaction {
                    with_file,
                    first,
                    end,
                } => {
                    // A resume point inside this phase (plan.yaml gained a step after the
                    // steps done, so the phases moved): only what is not done runs.
                    let (with_file, first) = match resume.next_step {
                        Some(done) => (false, first.max(done)),
                        None => (with_file, first),
                    };
                    self.run_transaction_phase(
                        &mut run,
                        (with_file, first..end),
                        finishes,
                        resume,
                        observe,
                    )
                }
                Phase::OutsideFile => self.run_outside_file(&mut run, resume, finishes, observe),
                Phase::BatchEach { step } => self.run_batch_each(&mut run, step, finishes, observe),
                Phase::Command { step } => self.run_command(&mut run, step, finishes, observe),
            };
            match result {
                Ok(()) => run.committed = true,
                Err(failure) => return Err(self.fail(&run, failure)),
            }
        }
        Ok(run.clock.elapsed())
    }

    /// One transaction: prerequisites and file (when `with_file`), steps, ledger row. Retried
    /// on lock timeout.
    fn run_transaction_phase(
        &mut self,
        run: &mut Run<'_>,
        (with_file, steps): (bool, std::ops::Range<usize>),
        finishes: bool,
        resume: ResumePoint,
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Result<(), (Failure, String)> {
        let attempts = self.lock_retries + 1;
        let mut attempt = 1;
        loop {
            let last = attempt == attempts;
            // Only the last attempt needs to know who blocks it: that is the one reported.
            let watch = last.then(|| {
                BlockerWatch::start(
                    self.settings,
                    self.session.backend_pid(),
                    watch_interval(self.lock_timeout),
                )
            });
            let result = self.try_transaction_phase(
                run,
                (with_file, steps.clone()),
                finishes,
                resume,
                observe,
            );
            let blockers = watch.map(BlockerWatch::finish).unwrap_or_default();
            let Err(failure) = result else {
                return Ok(());
            };
            let lock_timeout =
                matches!(&failure.error, FailureKind::Sql(error) if error.is_lock_timeout());
            if lock_timeout && !last {
                let pause = backoff(attempt);
                attempt += 1;
                observe(Progress::Retrying {
                    id: run.migration.id(),
                    attempt,
                    pause,
                });
                std::thread::sleep(pause);
                continue;
            }
            let note = if lock_timeout {
                lock_timeout_note(attempts, self.lock_timeout, &blockers)
            } else {
                String::new()
            };
            return Err((failure, note));
        }
    }

    fn try_transaction_phase(
        &mut self,
        run: &mut Run<'_>,
        (with_file, steps): (bool, std::ops::Range<usize>),
        finishes: bool,
        resume: ResumePoint,
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Result<(), Failure> {
        let migration = run.migration;
        let file = migration.file().clone();
        let base = migration.up_offset();
        let sql_failure = |error: SqlError| Failure {
            error: FailureKind::Sql(error),
            file: file.clone(),
            span: 0..0,
            text_offset: None,
        };
        let lock_timeout = self.lock_timeout;
        let mut work = self.session.begin().map_err(sql_failure)?;
        let modes = run.script.modes.as_deref().filter(|_| with_file);
        let transaction = work
            .start_with_modes(modes, lock_timeout)
            .map_err(sql_failure)?;
        if resume == ResumePoint::FRESH && (with_file || steps.start == 0) {
            // The preflight looked before the run; another session may have changed the schema
            // since, so each migration checks its prerequisites again, inside its transaction.
            check_prerequisites(&mut work, migration)?;
        }
        // A phase that finishes its migration also resets the session, inside its transaction
        // (so it commits with the migration), in the message of the migration's last SQL.
        let mut reset_done = false;
        if with_file {
            let statements = run.script.statements.iter().enumerate();
            let last_statement = run.script.statements.len().saturating_sub(1);
            for (index, statement) in statements.skip(resume.next_statement) {
                let at = |error: FailureKind| Failure {
                    error,
                    file: file.clone(),
                    span: base + statement.span.start..base + statement.span.end,
                    text_offset: Some(base + statement.span.start),
                };
                let resets = finishes
                    && steps.is_empty()
                    && index == last_statement
                    && statement.copy_data.is_none();
                let outcome = if resets {
                    reset_done = true;
                    work.run_guarded_then_reset(&statement.text, &transaction)
                } else {
                    work.run_statement(
                        &statement.text,
                        statement.copy_data.as_deref(),
                        &transaction,
                    )
                };
                match outcome {
                    Ok(TransactionState::Ours) => {}
                    Ok(TransactionState::Ended) => {
                        work.rollback();
                        return Err(at(FailureKind::TransactionEnded(
                            Interruption::Statement(index),
                            None,
                        )));
                    }
                    // An error after a COMMIT in the same message: what came before it is
                    // committed, so this is no failure that "left no trace".
                    Err(error) if work.ended_before_error(&transaction) => {
                        work.rollback();
                        return Err(at(FailureKind::TransactionEnded(
                            Interruption::Statement(index),
                            Some(error),
                        )));
                    }
                    Err(error) => {
                        work.rollback();
                        return Err(at(FailureKind::Sql(error)));
                    }
                }
            }
        }
        for index in steps.clone() {
            let step = &migration.steps()[index];
            observe(Progress::Step {
                id: migration.id(),
                number: index + 1,
                total: migration.steps().len(),
                kind: step.kind.name(),
            });
            let resets = finishes && index + 1 == steps.end;
            let outcome = run_transactional_step(
                &mut work,
                &transaction,
                self.handlers,
                self.environment,
                migration,
                (index, step),
                observe,
            )
            .and_then(|()| {
                // Handlers, batches and assertions run SQL plan did not guard statement by
                // statement: prove the transaction is still plan's before going on.
                let checked = if resets {
                    reset_done = true;
                    work.reset_session(&transaction)
                } else {
                    work.check(&transaction)
                };
                match checked {
                    Ok(TransactionState::Ours) => Ok(()),
                    Ok(TransactionState::Ended) => Err(Failure::at_step(
                        step,
                        FailureKind::TransactionEnded(Interruption::Step(index), None),
                    )),
                    Err(error) => Err(Failure::at_step(step, FailureKind::Sql(error))),
                }
            });
            if let Err(mut failure) = outcome {
                // A step that failed after its SQL ended plan's transaction (a handler's
                // COMMIT, then an error) committed what came before: say so.
                if let FailureKind::Sql(error) = &failure.error {
                    if work.ended_before_error(&transaction) {
                        failure.error = FailureKind::TransactionEnded(
                            Interruption::Step(index),
                            Some(error.clone()),
                        );
                    }
                }
                work.rollback();
                return Err(failure);
            }
        }
        let no_span = |error: FailureKind| Failure {
            error,
            file: file.clone(),
            span: 0..0,
            text_offset: None,
        };
        // The ledger row is written as the user plan connected as, whatever role the
        // migration switched to (which might not be allowed to write plan's tables): the reset
        // sees to that, and a phase that does not finish the migration restores just that.
        let prepared = match (finishes, reset_done) {
            (true, false) => work
                .reset_session(&transaction)
                .and_then(|state| match state {
                    TransactionState::Ours => Ok(()),
                    TransactionState::Ended => Err(SqlError::plan(
                        "the transaction plan began is no longer open",
                    )),
                }),
            (true, true) => Ok(()),
            (false, _) => work.restore_identity(),
        };
        if let Err(error) = prepared {
            work.rollback();
            return Err(no_span(FailureKind::Ledger(error)));
        }
        let completed = completed_units(migration, run.script, ResumePoint::after_steps(steps.end));
        let recorded = if finishes {
            record_applied(self.ledger, self.batch, self.environment, &mut work, run)
        } else {
            self.ledger
                .record_progress(
                    &mut work,
                    migration.id().as_str(),
                    migration.checksum(),
                    self.batch,
                    &PartialProgress {
                        at: ResumePoint::after_steps(steps.end),
                        completed: &completed,
                        replacing: run.expected(),
                    },
                    self.environment,
                )
                .and_then(written)
        };
        if let Err(error) = recorded {
            work.rollback();
            return Err(no_span(FailureKind::Ledger(error)));
        }
        if !finishes {
            run.recorded = Some(completed.join("\n"));
        }
        work.commit()
            .map_err(|error| no_span(FailureKind::Commit(error)))
    }

    /// The file of a no-transaction migration, statement by statement. A statement that can
    /// run in a transaction runs in one together with its progress record, so it runs exactly
    /// once whatever happens to plan; only a statement PostgreSQL refuses in a transaction
    /// (`CREATE INDEX CONCURRENTLY`, `VACUUM`, …) runs outside one, its progress recorded right
    /// after it, so a crash between the two is the one window in which a rerun repeats it.
    fn run_outside_file(
        &mut self,
        run: &mut Run<'_>,
        resume: ResumePoint,
        finishes: bool,
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Result<(), (Failure, String)> {
        let migration = run.migration;
        let base = migration.up_offset();
        let file = migration.file().clone();
        let at = |error: FailureKind, statement: Option<&ScriptStatement>| {
            (
                Failure {
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
        let recorded_after = statement_progress(run.script);
        for (index, statement) in statements.iter().enumerate().skip(resume.next_statement) {
            let recorded_before = run.recorded.clone();
            let progress = PartialProgress {
                at: ResumePoint::at_statement(index + 1),
                completed: recorded_after.get(index).map_or(&[], Vec::as_slice),
                replacing: match &recorded_before {
                    None => Expected::NoRow,
                    Some(completed) => Expected::Partial(completed),
                },
            };
            if statement.outside_transaction {
                if let Some(index_name) = &statement.concurrent_index {
                    self.drop_invalid_index(index_name)
                        .map_err(|error| at(FailureKind::Sql(error), Some(statement)))?;
                }
                self.retrying_lock_timeouts(migration, observe, |runner| {
                    // A retried concurrent build first drops what the timed-out one left.
                    if let Some(index_name) = &statement.concurrent_index {
                        runner.drop_invalid_index(index_name)?;
                    }
                    runner.session.run(&statement.text)
                })
                .map_err(|error| at(FailureKind::Sql(error), Some(statement)))?;
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
                continue;
            }
            let (ledger, batch, environment) = (self.ledger, self.batch, self.environment);
            let state = self
                .retrying_lock_timeouts(migration, observe, |runner| {
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
                })
                .map_err(|error| at(FailureKind::Sql(error), Some(statement)))?;
            match state {
                StatementOutcome::Done => {
                    run.committed = true;
                    run.recorded = Some(progress.completed.join("\n"));
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
        self.finish_phase(run, finishes, Phase::OutsideFile)
            .map_err(|error| at(FailureKind::Ledger(error), None))
    }

    /// A `commit: each` batch: each batch commits on its own, so a crash loses at most the batch
    /// in flight, and the statement (which selects only rows not yet done, or it would never
    /// reach zero) carries on from there on a rerun.
    fn run_batch_each(
        &mut self,
        run: &mut Run<'_>,
        index: usize,
        finishes: bool,
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Result<(), (Failure, String)> {
        let migration = run.migration;
        let step = &migration.steps()[index];
        let StepKind::Batch {
            sql,
            pause,
            max_batches,
            ..
        } = &step.kind
        else {
            return Ok(());
        };
        observe(Progress::Step {
            id: migration.id(),
            number: index + 1,
            total: migration.steps().len(),
            kind: "batch (commit: each)",
        });
        let at_step = |error: SqlError| {
            (
                Failure::at_step(step, FailureKind::Sql(error)),
                String::new(),
            )
        };
        let started = Instant::now();
        let (mut rows, mut batches) = (0_u64, 0_u64);
        loop {
            let lock_timeout = self.lock_timeout;
            let affected = self
                .retrying_lock_timeouts(migration, observe, |runner| {
                    let mut work = runner.session.begin()?;
                    work.set_lock_timeout(lock_timeout)?;
                    let affected = work.run_counting(sql)?;
                    work.commit()?;
                    Ok(affected)
                })
                .map_err(at_step)?;
            run.committed = true;
            batches += 1;
            rows += affected;
            observe(Progress::Batch {
                id: migration.id(),
                rows,
                batches,
                elapsed: started.elapsed(),
            });
            if affected == 0 {
                break;
            }
            if batches >= *max_batches {
                return Err((
                    Failure::at_step(
                        step,
                        FailureKind::RunawayBatch {
                            max_batches: *max_batches,
                            rows,
                        },
                    ),
                    String::new(),
                ));
            }
            if let Some(pause) = pause {
                std::thread::sleep(*pause);
            }
        }
        self.finish_phase(run, finishes, Phase::BatchEach { step: index })
            .map_err(at_step)
    }

    /// A `command` step: the program runs with the connection in its environment (never its
    /// arguments), in the project folder; its exit code decides.
    fn run_command(
        &mut self,
        run: &mut Run<'_>,
        index: usize,
        finishes: bool,
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Result<(), (Failure, String)> {
        let migration = run.migration;
        let step = &migration.steps()[index];
        let StepKind::Command { argv, timeout } = &step.kind else {
            return Ok(());
        };
        observe(Progress::Step {
            id: migration.id(),
            number: index + 1,
            total: migration.steps().len(),
            kind: "command",
        });
        let at_step = |message: String| {
            (
                Failure::at_step(step, FailureKind::Command(message)),
                String::new(),
            )
        };
        run_program(
            argv,
            self.project_root,
            self.settings,
            &command_environment(migration, self.environment, index),
            *timeout,
        )
        .map_err(at_step)?;
        self.finish_phase(run, finishes, Phase::Command { step: index })
            .map_err(|error| {
                (
                    Failure::at_step(step, FailureKind::Sql(error)),
                    String::new(),
                )
            })
    }

    /// Runs `attempt` (work that commits on its own), again after a lock timeout (SQLSTATE
    /// 55P03) with backoff, at most `lock_retries` more times.
    fn retrying_lock_timeouts<T>(
        &mut self,
        migration: &Migration,
        observe: &mut dyn FnMut(Progress<'_>),
        mut attempt: impl FnMut(&mut Self) -> Result<T, SqlError>,
    ) -> Result<T, SqlError> {
        let mut tries = 1;
        loop {
            match attempt(self) {
                Err(error) if error.is_lock_timeout() && tries <= self.lock_retries => {
                    let pause = backoff(tries);
                    tries += 1;
                    observe(Progress::Retrying {
                        id: migration.id(),
                        attempt: tries,
                        pause,
                    });
                    std::thread::sleep(pause);
                }
                result => return result,
            }
        }
    }

    /// A migration that resumes in a new session first replays the `SET`s and `RESET`s among
    /// its file's statements already run (`SET search_path`, `SET ROLE`, …), so the rest — the
    /// file's remaining statements, or its steps — runs in the session it would have had in
    /// one run. Settings changed by other means (`set_config` in a query, a function) are not
    /// replayed.
    fn replay_session_settings(
        &mut self,
        run: &Run<'_>,
        resume: ResumePoint,
    ) -> Result<(), SqlError> {
        if resume == ResumePoint::FRESH {
            return Ok(());
        }
        let done = match resume.next_step {
            Some(_) => run.script.statements.len(),
            None => resume.next_statement,
        };
        for statement in run.script.statements.iter().take(done) {
            if statement.sets_session {
                self.session.run(&statement.text)?;
            }
        }
        Ok(())
    }

    /// Records the end of a phase that committed as it went: progress, or the applied row.
    fn finish_phase(
        &mut self,
        run: &mut Run<'_>,
        finishes: bool,
        phase: Phase,
    ) -> Result<(), SqlError> {
        if finishes {
            // The migration is over: the session goes back to how the run started before the
            // transaction that records it begins, so nothing the migration SET (a read-only
            // default, a role) shapes that transaction or the next migration.
            self.session.reset()?;
        }
        let mut work = self.session.begin()?;
        work.restore_identity()?;
        if finishes {
            record_applied(self.ledger, self.batch, self.environment, &mut work, run)?;
            return work.commit();
        }
        let done = phase.steps_done_after();
        let completed = completed_units(run.migration, run.script, ResumePoint::after_steps(done));
        self.ledger
            .record_progress(
                &mut work,
                run.migration.id().as_str(),
                run.migration.checksum(),
                self.batch,
                &PartialProgress {
                    at: ResumePoint::after_steps(done),
                    completed: &completed,
                    replacing: run.expected(),
                },
                self.environment,
            )
            .and_then(written)?;
        work.commit()?;
        run.recorded = Some(completed.join("\n"));
        Ok(())
    }
}

/// Writes the ledger row of a finished migration and its history row, inside `work`.
fn record_applied(
    ledger: &Ledger,
    batch: i32,
    environment: Option<&str>,
    work: &mut Work<'_>,
    run: &Run<'_>,
) -> Result<(), SqlError> {
    let migration = run.migration;
    let duration = run.clock.elapsed();
    let row = LedgerRow {
        id: migration.id().to_string(),
        checksum: migration.checksum().to_string(),
        batch,
        state: LedgerState::Applied,
        applied_at: String::new(),
        duration_ms: 0,
        applied_by: String::new(),
        environment: environment.map(str::to_string),
        completed: Vec::new(),
    };
    let event = Event {
        migration_id: migration.id().as_str(),
        action: db::Action::Apply,
        outcome: Outcome::Ok,
        checksum: Some(migration.checksum()),
        batch: Some(batch),
        started_at: run.started_at,
        duration,
        environment,
        detail: None,
    };
    ledger
        .record_applied(work, &row, &event, run.expected())
        .and_then(written)
}

impl Runner<'_> {
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

    /// Records the failure in the history (and, for a migration that ended plan's
    /// transaction itself, in the ledger) and builds its diagnostic.
    fn fail(&mut self, run: &Run<'_>, (failure, note): (Failure, String)) -> Box<MigrationFailed> {
        let migration = run.migration;
        let (message, code, mut help, label, span) = describe(&failure, self.ledger);
        help = join_help(&help, &note);
        let interrupted = match failure.error {
            FailureKind::TransactionEnded(at, _) => Some(at),
            _ => None,
        };
        // The run stops here: what the migration left on the session (a role, a read-only
        // default) must not keep plan from recording what happened.
        let _ = self.session.reset();
        let state = if let Some(at) = interrupted {
            let recorded = self.record_interrupted(run, at, &message);
            let (what, resume) = match at {
                Interruption::Statement(index) => (
                    format!("statement {}", index + 1),
                    format!("statement:{}", index + 1),
                ),
                Interruption::Step(index) => {
                    (format!("step {}", index + 1), format!("step:{}", index + 1))
                }
            };
            let ledger = match recorded {
                Ok(()) => format!(
                    "plan recorded {id} as interrupted, and will not run it again until told how to go on",
                    id = migration.id()
                ),
                Err(error) => format!(
                    "recording it as interrupted in the ledger failed too ({error}): do not apply again before you have checked the database"
                ),
            };
            format!(
                "{what} ended the transaction plan runs the migration in (a COMMIT or ROLLBACK inside what was sent as one statement), so what ran before it may be committed and the rest of the migration did not run in plan's transaction; {ledger}. Check the database, then either finish the migration by hand and run `plan accept {id} --reason \"...\" --resume-at end`, or undo what it committed and run `plan accept {id} --reason \"...\" --resume-at {resume}` to run it from there (split the statement so the COMMIT is a statement of its own, or remove it)",
                id = migration.id()
            )
        } else if run.committed {
            "part of it commits as it goes (statements outside a transaction, commit: each batches, commands): what finished is committed and recorded, and the next run resumes at the failed part".to_string()
        } else {
            "its transaction was rolled back: it left no trace".to_string()
        };
        help = join_help(&help, &state);
        if self.session.is_open() {
            let event = Event {
                migration_id: migration.id().as_str(),
                action: db::Action::Apply,
                outcome: if run.committed || interrupted.is_some() {
                    Outcome::Partial
                } else {
                    Outcome::Failed
                },
                checksum: Some(migration.checksum()),
                batch: Some(self.batch),
                started_at: run.started_at,
                duration: run.clock.elapsed(),
                environment: self.environment,
                detail: Some(&message),
            };
            let _ = self.ledger.record_event_alone(&mut self.session, &event);
        }
        Box::new(MigrationFailed {
            id: migration.id().to_string(),
            message,
            help,
            file: failure.file,
            span,
            label,
            report: Vec::new(),
            code,
        })
    }

    /// Records a migration that ended plan's transaction as partial and interrupted: the next
    /// apply refuses it until `plan accept --resume-at` says how to go on.
    fn record_interrupted(
        &mut self,
        run: &Run<'_>,
        at: Interruption,
        message: &str,
    ) -> Result<(), SqlError> {
        let (resume_at, place) = match at {
            Interruption::Statement(index) => (
                ResumePoint::at_statement(index),
                format!("statement {}", index + 1),
            ),
            Interruption::Step(index) => (
                ResumePoint::after_steps(index),
                format!("step {}", index + 1),
            ),
        };
        let completed = vec![format!(
            "{INTERRUPTED_PREFIX} {place} ended plan's transaction: {}",
            message.replace('\n', " ")
        )];
        let mut work = self.session.begin()?;
        work.restore_identity()?;
        self.ledger
            .record_progress(
                &mut work,
                run.migration.id().as_str(),
                run.migration.checksum(),
                self.batch,
                &PartialProgress {
                    at: resume_at,
                    completed: &completed,
                    replacing: run.expected(),
                },
                self.environment,
            )
            .and_then(written)?;
        work.commit()
    }
}

/// Fails when a prerequisite of `migration` is missing, pointing at the line that declares it.
fn check_prerequisites(work: &mut Work<'_>, migration: &Migration) -> Result<(), Failure> {
    if migration.requires().is_empty() {
        return Ok(());
    }
    let objects: Vec<_> = migration
        .requires()
        .iter()
        .map(|prerequisite| requirement_object(&prerequisite.requirement))
        .collect();
    let missing = db::missing_objects(work, &objects).map_err(|error| Failure {
        error: FailureKind::Sql(error),
        file: migration.file().clone(),
        span: 0..0,
        text_offset: None,
    })?;
    match migration
        .requires()
        .iter()
        .find(|prerequisite| missing.contains(&requirement_object(&prerequisite.requirement)))
    {
        None => Ok(()),
        Some(prerequisite) => Err(Failure {
            error: FailureKind::Unrunnable(format!(
                "it requires {}, which the database does not have",
                prerequisite.requirement
            )),
            file: prerequisite.origin.file.clone(),
            span: prerequisite.origin.span.clone(),
            text_offset: None,
        }),
    }
}

/// Runs one step that shares the migration's transaction.
fn run_transactional_step(
    work: &mut Work<'_>,
    transaction: &TransactionId,
    handlers: &Handlers,
    environment: Option<&str>,
    migration: &Migration,
    (index, step): (usize, &Step),
    observe: &mut dyn FnMut(Progress<'_>),
) -> Result<(), Failure> {
    let at_step = |error: FailureKind| Failure::at_step(step, error);
    match &step.kind {
        StepKind::Sql { source } => {
            let statements = step_statements(source.text())
                .map_err(|message| at_step(FailureKind::Unrunnable(message)))?;
            for (statement, copy_data) in statements {
                // A file step's errors point at the step in plan.yaml, which names the file.
                let state = work
                    .run_statement(statement, copy_data, transaction)
                    .map_err(|error| match source {
                        SqlSource::Inline(_) | SqlSource::File { .. } => {
                            at_step(FailureKind::Sql(error))
                        }
                    })?;
                if state == TransactionState::Ended {
                    return Err(at_step(FailureKind::TransactionEnded(
                        Interruption::Step(index),
                        None,
                    )));
                }
            }
            Ok(())
        }
        StepKind::Batch {
            sql, max_batches, ..
        } => {
            let started = Instant::now();
            let (mut rows, mut batches) = (0_u64, 0_u64);
            loop {
                let affected = work
                    .run_counting(sql)
                    .map_err(|error| at_step(FailureKind::Sql(error)))?;
                batches += 1;
                rows += affected;
                observe(Progress::Batch {
                    id: migration.id(),
                    rows,
                    batches,
                    elapsed: started.elapsed(),
                });
                if affected == 0 {
                    return Ok(());
                }
                if batches >= *max_batches {
                    return Err(at_step(FailureKind::RunawayBatch {
                        max_batches: *max_batches,
                        rows,
                    }));
                }
            }
        }
        StepKind::Assert { query, message } => {
            let holds = work
                .query_bool(query)
                .map_err(|error| at_step(FailureKind::Sql(error)))?;
            if holds == Some(true) {
                Ok(())
            } else {
                let what = message.clone().unwrap_or_else(|| query.trim().to_string());
                let answer = match holds {
                    Some(_) => "false",
                    None => "NULL",
                };
                Err(at_step(FailureKind::Assertion(format!(
                    "assertion failed: {what} (the query returned {answer})"
                ))))
            }
        }
        StepKind::Handler { name } => {
            let Some(handler) = handlers.get(name) else {
                return Err(at_step(FailureKind::Unrunnable(format!(
                    "no handler named `{name}` is registered in this binary"
                ))));
            };
            let mut context = HandlerContext::new(work, migration.id().as_str(), environment);
            let result = handler.run(&mut context);
            for text in context.take_messages() {
                observe(Progress::Message {
                    id: migration.id(),
                    text: &text,
                });
            }
            result.map_err(|error| match error.sql() {
                Some(sql) => at_step(FailureKind::Sql(sql.clone())),
                None => at_step(FailureKind::Unrunnable(format!(
                    "handler {name} failed: {}",
                    error.message()
                ))),
            })
        }
        StepKind::Command { .. } => Ok(()),
    }
}

/// The statements of a `sql` step, without a wrapping `BEGIN`/`COMMIT` pair.
fn step_statements(text: &str) -> Result<Vec<(&str, Option<&str>)>, String> {
    let statements = sql::split_statements(text).map_err(|error| error.to_string())?;
    let wrapped = statements.len() >= 2
        && statements.first().map(sql::Statement::kind) == Some(StatementKind::Begin)
        && statements.last().map(sql::Statement::kind) == Some(StatementKind::Commit);
    let body = if wrapped {
        &statements[1..statements.len() - 1]
    } else {
        &statements[..]
    };
    body.iter()
        .map(|statement| match statement.kind() {
            StatementKind::Other => Ok((
                &text[statement.span()],
                statement.copy_data_span().map(|span| &text[span]),
            )),
            StatementKind::NoTransaction { reason } => Err(reason.to_string()),
            _ => Err("a step cannot control its migration's transaction".to_string()),
        })
        .collect()
}

/// What a command step gets in its environment besides the connection: what it belongs to.
fn command_environment(
    migration: &Migration,
    environment: Option<&str>,
    index: usize,
) -> Vec<(String, String)> {
    let mut variables = Vec::new();
    variables.push(("PLAN_MIGRATION_ID".to_string(), migration.id().to_string()));
    variables.push(("PLAN_STEP".to_string(), (index + 1).to_string()));
    if let Some(environment) = environment {
        variables.push(("PLAN_ENVIRONMENT".to_string(), environment.to_string()));
    }
    variables
}

/// Runs a program without a shell, connected to exactly the database of `settings` (see
/// `ConnectionSettings::configure_child`: no inherited `PG*` variable reaches it, the password
/// only as `PGPASSWORD`), with `variables` added. `Err` holds why it failed and the tail of its
/// output, scrubbed of the password.
fn run_program(
    argv: &[String],
    directory: &Path,
    settings: &ConnectionSettings,
    variables: &[(String, String)],
    timeout: Option<Duration>,
) -> Result<(), String> {
    let Some((program, arguments)) = argv.split_first() else {
        return Err("the command is empty".to_string());
    };
    let mut command = Command::new(program);
    settings.configure_child(&mut command);
    command
        .args(arguments)
        .current_dir(directory)
        .envs(variables.iter().map(|(name, value)| (name, value)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .map_err(|error| format!("cannot start {program}: {error}"))?;
    // Drain output on threads, so a chatty program cannot block on a full pipe.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut text);
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) => {}
            Err(error) => break Err(format!("cannot wait for {program}: {error}")),
        }
        if timeout.is_some_and(|limit| started.elapsed() >= limit) {
            // The whole process group, so a script's children go too.
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap_or(0)),
                nix::sys::signal::Signal::SIGKILL,
            );
            let _ = child.wait();
            break Err(format!(
                "{program} did not finish within {} s and was killed",
                timeout.unwrap_or_default().as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // The program has the password in its environment and may print it.
    let output = settings.scrub(&format!(
        "{}{}",
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default()
    ));
    let tail: Vec<&str> = output.lines().rev().take(10).collect();
    let tail = tail.into_iter().rev().collect::<Vec<_>>().join("\n");
    match status {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(if tail.is_empty() {
            format!("{program} exited with {status}")
        } else {
            format!("{program} exited with {status}; its last output:\n{tail}")
        }),
        Err(message) => Err(message),
    }
}

/// Message, SQLSTATE, help, label and span (none for failures of no line) of a failure.
fn describe(
    failure: &Failure,
    ledger: &Ledger,
) -> (String, Option<String>, String, String, Option<SourceSpan>) {
    match &failure.error {
        FailureKind::Ledger(error) => (
            format!("cannot record it in the ledger {}: {error}", ledger.name()),
            error.code.clone(),
            join_help(
                &server_help(error),
                "the migration itself ran without error; its work and the ledger row were rolled back together",
            ),
            String::new(),
            None,
        ),
        FailureKind::Commit(error) => (
            format!("its transaction failed to commit: {error}"),
            error.code.clone(),
            join_help(
                &server_help(error),
                "PostgreSQL checks deferred constraints at COMMIT: the data the migration left breaks one",
            ),
            String::new(),
            None,
        ),
        FailureKind::RunawayBatch { max_batches, rows } => (
            format!(
                "the batch step ran {max_batches} batches ({rows} rows) and still affected rows"
            ),
            None,
            "a statement that never reaches zero rows would loop forever: make it select only rows not yet done, or raise the step's `max_batches`".to_string(),
            format!("still affecting rows after {max_batches} batches"),
            Some(to_source_span(&failure.span)),
        ),
        FailureKind::TransactionEnded(_, error) => (
            match error {
                None => "its SQL ended plan's transaction".to_string(),
                Some(error) => {
                    format!("its SQL ended plan's transaction, then failed: {error}")
                }
            },
            error.as_ref().and_then(|error| error.code.clone()),
            error.as_ref().map(server_help).unwrap_or_default(),
            "this ended plan's transaction".to_string(),
            Some(to_source_span(&failure.span)),
        ),
        FailureKind::Sql(error) => {
            let span = match (error.position, failure.text_offset) {
                (Some(position), Some(offset)) => {
                    let statement = &failure.file.text()[failure.span.clone()];
                    match sql::char_position_to_byte(statement, position) {
                        Some(byte) => word_at(failure.file.text(), offset + byte),
                        None => failure.span.clone(),
                    }
                }
                _ => failure.span.clone(),
            };
            (
                error.to_string(),
                error.code.clone(),
                server_help(error),
                error.message.clone(),
                Some(to_source_span(&span)),
            )
        }
        FailureKind::Command(message) => {
            let headline = message.lines().next().unwrap_or_default().to_string();
            (
                headline.clone(),
                None,
                message.lines().skip(1).collect::<Vec<_>>().join("\n"),
                headline,
                Some(to_source_span(&failure.span)),
            )
        }
        FailureKind::Assertion(message) | FailureKind::Unrunnable(message) => (
            message.clone(),
            None,
            String::new(),
            message.clone(),
            Some(to_source_span(&failure.span)),
        ),
    }
}

/// The server's detail, hint and context of `error`, a line each.
fn server_help(error: &SqlError) -> String {
    let mut help = Vec::new();
    if let Some(detail) = &error.detail {
        help.push(format!("detail: {detail}"));
    }
    if let Some(hint) = &error.hint {
        help.push(format!("hint: {hint}"));
    }
    if let Some(context) = &error.context {
        help.push(format!("context: {}", context.replace('\n', " / ")));
    }
    if error.connection_lost {
        help.push("the connection to the server was lost".to_string());
    }
    help.join("\n")
}

/// The word (or single character) starting at `offset`: what the server's position points at.
fn word_at(text: &str, offset: usize) -> std::ops::Range<usize> {
    let offset = offset.min(text.len());
    let rest = &text[offset..];
    let length = rest
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map_or(rest.len(), |(index, _)| index);
    let length = if length == 0 {
        rest.chars().next().map_or(0, char::len_utf8)
    } else {
        length
    };
    offset..offset + length
}

pub(crate) fn join_help(first: &str, second: &str) -> String {
    match (first.is_empty(), second.is_empty()) {
        (true, _) => second.to_string(),
        (_, true) => first.to_string(),
        _ => format!("{first}\n{second}"),
    }
}

fn lock_timeout_note(attempts: u32, lock_timeout: Duration, blockers: &[String]) -> String {
    let tried = format!(
        "gave up after {attempts} attempt(s) of lock_timeout {} ms",
        lock_timeout.as_millis()
    );
    if blockers.is_empty() {
        format!("{tried}; the blocking session had gone when we looked")
    } else {
        format!("{tried}; blocked by {}", blockers.join("; "))
    }
}

/// 250 ms, 500 ms, 1 s, 2 s, then 4 s at most between lock-timeout retries.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250 * 2_u64.pow(attempt.saturating_sub(1).min(4)))
        .min(Duration::from_secs(4))
}

fn watch_interval(lock_timeout: Duration) -> Duration {
    (lock_timeout / 4).clamp(Duration::from_millis(20), Duration::from_millis(500))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::project_dir;

    fn phases_of(plan_yaml: &str, sql: &str) -> Vec<Phase> {
        let dir = project_dir(&[("plan.yaml", plan_yaml), ("migrations/001_x.sql", sql)]);
        let loaded = crate::load::load_project(dir.path()).expect("a valid project");
        let migration = loaded.project().migrations().next().expect("one migration");
        phases(migration, loaded.script(migration))
    }

    #[test]
    fn transactional_steps_share_the_file_transaction() {
        let yaml = "migrations:\n  001_x:\n    steps:\n      - sql: SELECT 1\n      - batch: DELETE FROM t WHERE false\n      - assert: SELECT true\n";
        assert_eq!(
            phases_of(yaml, "CREATE TABLE t (id int);"),
            [Phase::Transaction {
                with_file: true,
                first: 0,
                end: 3
            }]
        );
    }

    #[test]
    fn work_that_commits_as_it_goes_gets_phases_of_its_own() {
        let yaml = "migrations:\n  001_x:\n    steps:\n      - sql: SELECT 1\n      - batch: DELETE FROM t WHERE false\n        commit: each\n      - assert: SELECT true\n      - command: [\"true\"]\n";
        assert_eq!(
            phases_of(yaml, "CREATE TABLE t (id int);"),
            [
                Phase::Transaction {
                    with_file: true,
                    first: 0,
                    end: 1
                },
                Phase::BatchEach { step: 1 },
                Phase::Transaction {
                    with_file: false,
                    first: 2,
                    end: 3
                },
                Phase::Command { step: 3 },
            ]
        );
        assert_eq!(
            phases_of(
                "migrations:\n  001_x:\n    steps:\n      - sql: SELECT 1\n",
                "VACUUM;"
            ),
            [
                Phase::OutsideFile,
                Phase::Transaction {
                    with_file: false,
                    first: 0,
                    end: 1
                }
            ]
        );
    }

    #[test]
    fn resuming_skips_only_finished_phases() {
        let batch = Phase::BatchEach { step: 1 };
        let first = Phase::Transaction {
            with_file: true,
            first: 0,
            end: 1,
        };
        let at = |next_step| ResumePoint {
            next_statement: 0,
            next_step,
        };
        assert!(!first.is_done(ResumePoint::FRESH));
        assert!(first.is_done(at(Some(1))));
        assert!(!batch.is_done(at(Some(1))), "a batch in progress resumes");
        assert!(batch.is_done(at(Some(2))));
        assert!(Phase::OutsideFile.is_done(at(Some(0))));
        assert!(!Phase::OutsideFile.is_done(at(None)));
    }
}

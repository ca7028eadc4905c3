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
//!
//! This file holds the phases of a migration and the transaction phase; `outside` runs a
//! no-transaction file, `steps` each kind of step, `runner` what all phases share (retries,
//! ledger records, failures).

use std::time::{Duration, Instant, SystemTime};

use super::failure::{FailureKind, FailurePoint, Interruption, lock_timeout_note};
use super::outcome::{MigrationFailed, Progress};
use super::record::{completed_units, written};
use super::runner::{
    MigrationRun, Runner, backoff, check_prerequisites, record_applied, watch_interval,
};
use super::steps::batch::Batches;
use super::steps::command;
use super::steps::dispatch::run_transactional_step;
use super::trace::{LedgerStep, Statement, Trace, TransactionStep, step_sql};
use crate::db::{BlockerWatch, PartialProgress, ResumePoint, SqlError, TransactionState};
use crate::project::{BatchCommit, Migration, MigrationId, StepKind, TransactionMode};
use crate::sql::script::Script;

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
    let file_in_transaction = script.transaction == TransactionMode::Wrapped;
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

/// Where a migration's run starts, as the plan found its ledger row.
#[derive(Debug)]
pub(crate) struct Start {
    /// Where it goes on ([`ResumePoint::FRESH`] for a migration not started).
    pub(crate) resume: ResumePoint,
    /// What its partial row records as done (`completed`, newline-separated), if it has one.
    pub(crate) recorded: Option<String>,
    /// For a changed repeatable migration: the checksum of the applied row it replaces.
    pub(crate) replaces: Option<String>,
}

impl Runner<'_> {
    /// Runs `migration` from where `start` says, returning how long it took.
    pub(crate) fn run_migration(
        &mut self,
        migration: &Migration,
        script: &Script,
        start: Start,
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Duration, Box<MigrationFailed>> {
        let Start {
            resume,
            recorded,
            replaces,
        } = start;
        let mut run = MigrationRun {
            migration,
            started_at: SystemTime::now(),
            clock: Instant::now(),
            committed: resume != ResumePoint::FRESH,
            script,
            recorded,
            replaces,
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
                Err(failure) => return Err(self.fail(&run, failure, observe)),
            }
        }
        Ok(run.clock.elapsed())
    }

    /// One transaction: prerequisites and file (when `with_file`), steps, ledger row. Retried
    /// on lock timeout.
    fn run_transaction_phase(
        &mut self,
        run: &mut MigrationRun<'_>,
        (with_file, steps): (bool, std::ops::Range<usize>),
        finishes: bool,
        resume: ResumePoint,
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Result<(), (FailurePoint, String)> {
        let attempts = self.lock_retries + 1;
        let mut attempt = 1;
        let id = run.migration.id();
        // A lock timeout in a message shared with other migrations was this one's first
        // attempt: the pause, then the next.
        if std::mem::take(&mut self.attempts_spent) > 0 && attempts > 1 {
            pause_before_next(id, &mut attempt, observe);
        }
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
            // The first attempt goes as one message where it may, unless it is also the last
            // (no retries): the failure reported is then the other path's, which names the
            // statement that timed out. A message that failed without saying where is run
            // again the other way, which names the statement.
            let one_message = attempt == 1
                && !last
                && self.goes_in_one_message(run, (with_file, &steps), finishes, resume);
            let result = match one_message.then(|| self.try_one_message(run, observe)) {
                Some(Ok(())) => Ok(()),
                Some(Err(Some(failure))) => Err(failure),
                Some(Err(None)) | None => self.try_transaction_phase(
                    run,
                    (with_file, steps.clone()),
                    finishes,
                    resume,
                    observe,
                ),
            };
            let blockers = watch.map(BlockerWatch::finish).unwrap_or_default();
            let Err(failure) = result else {
                return Ok(());
            };
            let lock_timeout =
                matches!(&failure.error, FailureKind::Sql(error) if error.is_lock_timeout());
            if lock_timeout && !last {
                pause_before_next(id, &mut attempt, observe);
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
        run: &mut MigrationRun<'_>,
        (with_file, steps): (bool, std::ops::Range<usize>),
        finishes: bool,
        resume: ResumePoint,
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Result<(), FailurePoint> {
        let migration = run.migration;
        let file = migration.file().clone();
        let base = migration.up_offset();
        let sql_failure = |error: SqlError| FailurePoint {
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
        let tracer = &self.tracer;
        tracer.step(&mut |trace| observe(Progress::Trace(trace)), || {
            Trace::Transaction {
                migration: migration.id(),
                step: TransactionStep::Begin,
            }
        });
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
                let at = |error: FailureKind| FailurePoint {
                    error,
                    file: file.clone(),
                    span: base + statement.span.start..base + statement.span.end,
                    text_offset: Some(base + statement.span.start),
                };
                let resets = finishes
                    && steps.is_empty()
                    && index == last_statement
                    && statement.copy_data.is_none();
                let traced = || {
                    Statement::at(
                        migration.id(),
                        &file,
                        base + statement.span.start,
                        &statement.text,
                    )
                };
                let sending = tracer.sending(traced, &mut |trace| observe(Progress::Trace(trace)));
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
                tracer.sent(sending, traced, None, &mut |trace| {
                    observe(Progress::Trace(trace))
                });
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
            let traced = || {
                Statement::at(
                    migration.id(),
                    &step.origin.file,
                    step.origin.span.start,
                    step_sql(step),
                )
            };
            let sending = tracer.sending(traced, &mut |trace| observe(Progress::Trace(trace)));
            let outcome = run_transactional_step(
                &mut work,
                &transaction,
                self.handlers,
                self.environment,
                migration,
                (index, step),
                observe,
            );
            tracer.sent(sending, traced, None, &mut |trace| {
                observe(Progress::Trace(trace))
            });
            let outcome = outcome.and_then(|()| {
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
                    Ok(TransactionState::Ended) => Err(FailurePoint::at_step(
                        step,
                        FailureKind::TransactionEnded(Interruption::Step(index), None),
                    )),
                    Err(error) => Err(FailurePoint::at_step(step, FailureKind::Sql(error))),
                }
            });
            if let Err(mut failure) = outcome {
                // A step that failed after its SQL ended plan's transaction (a handler's
                // COMMIT, then an error) committed what came before: say so.
                if let FailureKind::Sql(error) = &failure.error
                    && work.ended_before_error(&transaction)
                {
                    failure.error = FailureKind::TransactionEnded(
                        Interruption::Step(index),
                        Some(error.clone()),
                    );
                }
                work.rollback();
                return Err(failure);
            }
        }
        let no_span = |error: FailureKind| FailurePoint {
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
            .map_err(|error| no_span(FailureKind::Commit(error)))?;
        let batch = self.batch;
        let tracer = &self.tracer;
        tracer.step(&mut |trace| observe(Progress::Trace(trace)), || {
            Trace::Ledger(if finishes {
                LedgerStep::Applied {
                    migration: migration.id(),
                    batch,
                }
            } else {
                LedgerStep::Progress {
                    migration: migration.id(),
                    at: ResumePoint::after_steps(steps.end),
                }
            })
        });
        tracer.step(&mut |trace| observe(Progress::Trace(trace)), || {
            Trace::Transaction {
                migration: migration.id(),
                step: TransactionStep::Commit,
            }
        });
        Ok(())
    }

    /// A `commit: each` batch: each batch commits on its own, so a crash loses at most the batch
    /// in flight, and the statement (which selects only rows not yet done, or it would never
    /// reach zero) carries on from there on a rerun.
    fn run_batch_each(
        &mut self,
        run: &mut MigrationRun<'_>,
        index: usize,
        finishes: bool,
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Result<(), (FailurePoint, String)> {
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
                FailurePoint::at_step(step, FailureKind::Sql(error)),
                String::new(),
            )
        };
        let mut batches = Batches::new(*max_batches);
        let tracer = self.tracer.clone();
        let traced = || {
            Statement::at(
                migration.id(),
                &step.origin.file,
                step.origin.span.start,
                sql,
            )
        };
        loop {
            let lock_timeout = self.lock_timeout;
            let sending = tracer.sending(traced, &mut |trace| observe(Progress::Trace(trace)));
            let affected = self.retrying_lock_timeouts(migration, observe, |runner| {
                let mut work = runner.session.begin()?;
                work.set_lock_timeout(lock_timeout)?;
                let affected = work.run_counting(sql)?;
                work.commit()?;
                Ok(affected)
            });
            tracer.sent(
                sending,
                traced,
                affected.as_ref().ok().copied(),
                &mut |trace| observe(Progress::Trace(trace)),
            );
            let affected = affected.map_err(at_step)?;
            run.committed = true;
            let done = batches
                .count(affected, migration.id(), observe)
                .map_err(|error| (FailurePoint::at_step(step, error), String::new()))?;
            if done {
                break;
            }
            if let Some(pause) = pause {
                std::thread::sleep(*pause);
            }
        }
        self.finish_phase(
            run,
            (
                finishes,
                Phase::BatchEach { step: index }.steps_done_after(),
            ),
            observe,
        )
        .map_err(at_step)
    }

    /// A `command` step: the program runs with the connection in its environment (never its
    /// arguments), in the project folder; its exit code decides.
    fn run_command(
        &mut self,
        run: &mut MigrationRun<'_>,
        index: usize,
        finishes: bool,
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Result<(), (FailurePoint, String)> {
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
                FailurePoint::at_step(step, FailureKind::Command(message)),
                String::new(),
            )
        };
        command::run_program(
            argv,
            self.project_root,
            self.settings,
            &command::command_environment(migration, self.environment, index),
            *timeout,
        )
        .map_err(at_step)?;
        self.finish_phase(
            run,
            (finishes, Phase::Command { step: index }.steps_done_after()),
            observe,
        )
        .map_err(|error| {
            (
                FailurePoint::at_step(step, FailureKind::Sql(error)),
                String::new(),
            )
        })
    }
}

/// The pause after a lock-timed-out `attempt` of migration `id` (said as `Progress::Retrying`),
/// counting the next.
fn pause_before_next(id: &MigrationId, attempt: &mut u32, observe: &mut dyn FnMut(Progress<'_>)) {
    let pause = backoff(*attempt);
    *attempt += 1;
    observe(Progress::Retrying {
        id,
        attempt: *attempt,
        pause,
    });
    std::thread::sleep(pause);
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

//! The [`Runner`]: a locked session running migrations, with what every phase of a migration
//! needs: the [`MigrationRun`] of the migration in progress, lock-timeout retries, the replay of a
//! resumed migration's session settings, the ledger records at the end of a phase (progress,
//! or the applied row), the prerequisite check, and the record and diagnostic of a failure.
//! The phases themselves are `phases` (and `outside` for a file run outside a transaction);
//! the steps are `steps`.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use super::failure::{FailureKind, FailurePoint, Interruption, describe, join_help};
use super::outcome::{MigrationFailed, Progress};
use super::prerequisites::requirement_object;
use super::record::{INTERRUPTED_PREFIX, completed_units, written};
use super::steps::handler::Handlers;
use super::trace::{LedgerStep, Trace, Tracer};
use crate::db::{
    self, ConnectionSettings, Event, Expected, HistoryOutcome, Ledger, LedgerRow, LedgerState,
    PartialProgress, ResumePoint, Session, SqlError, Transaction,
};
use crate::project::Migration;
use crate::sql::script::Script;

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
    /// What the run reports of what it sends (`plan -v`).
    pub(crate) tracer: Tracer,
    /// Lock-timed-out attempts the next migration already had in a shared message
    /// (`one_message`): its retries count them.
    pub(crate) attempts_spent: u32,
}

/// A migration's run: what it is, and timing for its ledger and history rows.
pub(crate) struct MigrationRun<'m> {
    /// The migration.
    pub(crate) migration: &'m Migration,
    /// Its SQL, as load prepared it.
    pub(crate) script: &'m Script,
    /// When it started, for its history row.
    pub(crate) started_at: SystemTime,
    /// How long it has run, for its ledger and history rows.
    pub(crate) clock: Instant,
    /// Whether anything of this migration is committed (now or by an earlier run).
    pub(crate) committed: bool,
    /// What the ledger row records as done (`completed`, newline-separated) as this run last
    /// wrote or read it; `None` while there is no partial row. Each write expects to find it so.
    pub(crate) recorded: Option<String>,
    /// For a repeatable migration run again because it changed: the checksum of its applied
    /// row, which this run replaces (until the run writes a partial row of its own).
    pub(crate) replaces: Option<String>,
}

impl<'m> MigrationRun<'m> {
    /// A run of `migration` that starts now, with no row in the ledger.
    pub(crate) fn fresh(migration: &'m Migration, script: &'m Script) -> Self {
        MigrationRun {
            migration,
            script,
            started_at: SystemTime::now(),
            clock: Instant::now(),
            committed: false,
            recorded: None,
            replaces: None,
        }
    }

    /// What the next ledger write expects the row to be.
    pub(crate) fn expected(&self) -> Expected<'_> {
        expected_row(self.recorded.as_deref(), self.replaces.as_deref())
    }
}

/// What a ledger write expects the row to be, given what of the migration a partial row
/// records (`recorded`) and the checksum of an applied row a repeatable run replaces.
pub(crate) fn expected_row<'a>(
    recorded: Option<&'a str>,
    replaces: Option<&'a str>,
) -> Expected<'a> {
    match (recorded, replaces) {
        (Some(completed), _) => Expected::Partial(completed),
        (None, Some(checksum)) => Expected::Applied(checksum),
        (None, None) => Expected::NoRow,
    }
}

impl Runner<'_> {
    /// Runs `attempt` (work that commits on its own), again after a lock timeout (SQLSTATE
    /// 55P03) with backoff, at most `lock_retries` more times.
    pub(crate) fn retrying_lock_timeouts<T>(
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
    pub(crate) fn replay_session_settings(
        &mut self,
        run: &MigrationRun<'_>,
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
    pub(crate) fn finish_phase(
        &mut self,
        run: &mut MigrationRun<'_>,
        (finishes, steps_done): (bool, usize),
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Result<(), SqlError> {
        if finishes {
            // The migration is over: the session goes back to how the run started before the
            // transaction that records it begins, so nothing the migration SET (a read-only
            // default, a role) shapes that transaction or the next migration.
            self.session.reset()?;
        }
        let mut work = self.session.begin()?;
        work.restore_identity()?;
        let id = run.migration.id();
        if finishes {
            record_applied(self.ledger, self.batch, self.environment, &mut work, run)?;
            work.commit()?;
            let batch = self.batch;
            self.tracer
                .step(&mut |trace| observe(Progress::Trace(trace)), || {
                    Trace::Ledger(LedgerStep::Applied {
                        migration: id,
                        batch,
                    })
                });
            return Ok(());
        }
        let done = steps_done;
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
        self.tracer
            .step(&mut |trace| observe(Progress::Trace(trace)), || {
                Trace::Ledger(LedgerStep::Progress {
                    migration: id,
                    at: ResumePoint::after_steps(done),
                })
            });
        Ok(())
    }

    /// Records the failure in the history (and, for a migration that ended plan's
    /// transaction itself, in the ledger) and builds its diagnostic.
    pub(crate) fn fail(
        &mut self,
        run: &MigrationRun<'_>,
        (failure, note): (FailurePoint, String),
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Box<MigrationFailed> {
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
                action: db::HistoryAction::Apply,
                outcome: if run.committed || interrupted.is_some() {
                    HistoryOutcome::Partial
                } else {
                    HistoryOutcome::Failed
                },
                checksum: Some(migration.checksum()),
                batch: Some(self.batch),
                started_at: run.started_at,
                duration: run.clock.elapsed(),
                environment: self.environment,
                detail: Some(&message),
            };
            if self
                .ledger
                .record_event_alone(&mut self.session, &event)
                .is_ok()
            {
                self.tracer
                    .step(&mut |trace| observe(Progress::Trace(trace)), || {
                        Trace::Ledger(LedgerStep::Failure {
                            migration: migration.id(),
                        })
                    });
            }
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
        run: &MigrationRun<'_>,
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

/// Writes the ledger row of a finished migration and its history row, inside `work`.
pub(crate) fn record_applied(
    ledger: &Ledger,
    batch: i32,
    environment: Option<&str>,
    work: &mut Transaction<'_>,
    run: &MigrationRun<'_>,
) -> Result<(), SqlError> {
    with_applied_records(batch, environment, run, |row, event| {
        ledger
            .record_applied(work, row, event, run.expected())
            .and_then(written)
    })
}

/// [`record_applied`] as SQL text, for a migration sent with its ledger row in one message
/// (`Ledger::record_applied_text`).
pub(crate) fn record_applied_text(
    ledger: &Ledger,
    batch: i32,
    environment: Option<&str>,
    run: &MigrationRun<'_>,
) -> db::LedgerWrite {
    with_applied_records(batch, environment, run, |row, event| {
        ledger.record_applied_text(row, event, run.expected(), db::LEDGER_GUARD)
    })
}

/// Calls `write` with the ledger row and the history event of `run`'s migration, finished.
fn with_applied_records<T>(
    batch: i32,
    environment: Option<&str>,
    run: &MigrationRun<'_>,
    write: impl FnOnce(&LedgerRow, &Event<'_>) -> T,
) -> T {
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
    // A repeatable migration run again says what it replaced, for whoever reads the history.
    let detail = run.replaces.as_deref().map(|checksum| {
        format!(
            "repeatable, run again: changed since it was applied with checksum {}",
            super::plan::short(checksum)
        )
    });
    let event = Event {
        migration_id: migration.id().as_str(),
        action: db::HistoryAction::Apply,
        outcome: HistoryOutcome::Ok,
        checksum: Some(migration.checksum()),
        batch: Some(batch),
        started_at: run.started_at,
        duration,
        environment,
        detail: detail.as_deref(),
    };
    write(&row, &event)
}

/// Fails when a prerequisite of `migration` is missing, pointing at the line that declares it.
pub(crate) fn check_prerequisites(
    work: &mut Transaction<'_>,
    migration: &Migration,
) -> Result<(), FailurePoint> {
    if migration.requires().is_empty() {
        return Ok(());
    }
    let objects: Vec<_> = migration
        .requires()
        .iter()
        .map(|prerequisite| requirement_object(&prerequisite.requirement))
        .collect();
    let missing = db::missing_objects(work, &objects).map_err(|error| FailurePoint {
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
        Some(prerequisite) => Err(FailurePoint {
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

/// 250 ms, 500 ms, 1 s, 2 s, then 4 s at most between lock-timeout retries.
pub(crate) fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250 * 2_u64.pow(attempt.saturating_sub(1).min(4)))
        .min(Duration::from_secs(4))
}

/// How often the last attempt looks for who blocks it: a few times per lock timeout.
pub(crate) fn watch_interval(lock_timeout: Duration) -> Duration {
    (lock_timeout / 4).clamp(Duration::from_millis(20), Duration::from_millis(500))
}

//! Running a [`Plan`] against a database: the lock, the ledger, one transaction per migration
//! together with its ledger row, lock-timeout retries, statement-by-statement progress for
//! migrations that run outside a transaction, and the [`Report`] of what was done.
//!
//! What the database sees for a transactional migration, in order: `BEGIN`, `SET LOCAL
//! lock_timeout`, each statement of the file, each step, one statement that writes the ledger
//! row and its history row, `COMMIT`. A failure anywhere rolls all of it back; the failure is
//! then written to the history in a transaction of its own.

use std::time::{Duration, Instant, SystemTime};

use miette::{Diagnostic, SourceSpan};

use super::check::{Unmet, requirement_object, unmet_prerequisites};
use super::plan::{Action, Plan, PlanError};
use super::script::{self, Script, ScriptStatement};
use crate::db::{
    self, BlockerWatch, ConnectionSettings, DbError, Event, Ledger, LedgerRow, LedgerState,
    LockHolder, LockKey, LockWait, Outcome, Session, SnapshotReason, Snapshots, SqlError, Work,
};
use crate::diagnostic::{SourceFile, to_source_span};
use crate::graph::Graph;
use crate::project::{Migration, MigrationId, Project, SqlSource, Step, StepKind, Transaction};
use crate::sql::{self, StatementKind};

/// What to apply, where, and how.
#[derive(Clone, Debug)]
pub struct ApplyOptions {
    /// Apply only this migration and what it depends on.
    pub target: Option<MigrationId>,
    /// The environment (`--env`), for migrations limited to some.
    pub environment: Option<String>,
    /// Run, or only show what would run.
    pub mode: RunMode,
    /// How long to wait for another run's lock; `None` waits as long as it takes.
    pub lock_wait: Option<Duration>,
}

/// Whether an apply changes anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunMode {
    /// Apply the plan.
    Execute,
    /// Read the ledger and report the plan; change nothing.
    DryRun,
}

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
    /// The plan is known (dry runs stop after this).
    Planned {
        /// The plan.
        plan: &'a Plan<'a>,
        /// The batch number this run will record.
        batch: i32,
    },
    /// A migration starts.
    Starting {
        /// The migration.
        id: &'a MigrationId,
    },
    /// A migration hit the lock timeout and will be retried.
    Retrying {
        /// The migration.
        id: &'a MigrationId,
        /// The attempt about to start (2 for the first retry).
        attempt: u32,
        /// The pause before it.
        pause: Duration,
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

/// Why an apply stopped.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum ApplyError {
    /// Connecting, the lock, or the ledger failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Db(#[from] DbError),
    /// The plan cannot start; nothing ran.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Plan(#[from] PlanError),
    /// Prerequisites nothing provides; nothing ran.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Preflight(PreflightFailed),
    /// A migration failed; it left no trace, and the report says what ran before it.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Migration(Box<MigrationFailed>),
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
    /// Where it failed.
    #[label("{label}")]
    pub span: SourceSpan,
    /// The label text.
    pub label: String,
    /// What the run did before the failure (the help says it in a sentence).
    pub report: Vec<AppliedBefore>,
    /// The SQLSTATE, when the server gave one.
    pub code: Option<String>,
}

/// Prerequisites of the plan that nothing provides, found before the first statement.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{} prerequisite(s) of the plan are not met; nothing was applied", unmet.len())]
#[diagnostic(
    code(plan::apply::preflight),
    help(
        "create the missing objects, add the migration that creates them (and depend on it), or fix the requires line"
    )
)]
pub struct PreflightFailed {
    /// Each unmet prerequisite, pointing at the line that declares it.
    #[related]
    pub unmet: Vec<UnmetPrerequisite>,
}

impl PreflightFailed {
    fn new(unmet: Vec<Unmet>) -> Self {
        PreflightFailed {
            unmet: unmet
                .into_iter()
                .map(|unmet| UnmetPrerequisite {
                    span: unmet.origin.source_span(),
                    file: unmet.origin.file.clone(),
                    migration: unmet.migration.to_string(),
                    requirement: unmet.requirement.to_string(),
                })
                .collect(),
        }
    }
}

/// One unmet prerequisite.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error(
    "{migration} requires {requirement}, which nothing before it creates and the database does not have"
)]
#[diagnostic(code(plan::apply::unmet_prerequisite))]
pub struct UnmetPrerequisite {
    /// The migration.
    pub migration: String,
    /// The object.
    pub requirement: String,
    /// Where it is declared.
    #[source_code]
    pub file: SourceFile,
    /// The requires item.
    #[label("required here")]
    pub span: SourceSpan,
}

/// A line of the partial report carried by a failure (rendered under it).
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{0}")]
#[diagnostic(severity(Advice))]
pub struct AppliedBefore(pub String);

/// Applies `project` (or `options.target` and its dependencies) to the database `settings`
/// points at, reporting progress to `observe`.
pub fn apply(
    project: &Project,
    graph: &Graph,
    settings: &ConnectionSettings,
    options: &ApplyOptions,
    observe: &mut dyn FnMut(Progress<'_>),
) -> Result<Report, ApplyError> {
    let table = project.manifest().tracking_table();
    let ledger = Ledger::new(&table.schema, &table.table);
    let key = LockKey::from_name(&ledger.name());
    let mut session = match options.mode {
        RunMode::DryRun => Session::connect(settings)?,
        RunMode::Execute => {
            let mut on_wait = |waiting: &db::LockWaiting<'_>| {
                observe(Progress::WaitingForLock {
                    holder: waiting.holder,
                    waited: waiting.waited,
                });
            };
            let mut wait = LockWait {
                timeout: options.lock_wait,
                poll_interval: Duration::from_millis(200),
                on_wait: &mut on_wait,
            };
            Session::connect_locked(settings, &key, &mut wait)?
        }
    };
    let snapshots = Snapshots::new(&table.schema, &table.table);
    if options.mode == RunMode::Execute {
        ledger.ensure(&mut session)?;
        snapshots.ensure(&mut session)?;
        // What was there before the plan's first apply is the baseline, not drift.
        if !snapshots.has_any(&mut session)? {
            snapshots.record_current(&mut session, SnapshotReason::Baseline, None, &table.table)?;
        }
    }
    let rows = ledger.read(&mut session)?;
    let plan = Plan::new(
        project,
        graph,
        &rows,
        options.target.as_ref(),
        options.environment.as_deref(),
    )?;
    let batch = if ledger.exists(&mut session)? {
        ledger.next_batch(&mut session)?
    } else {
        1
    };
    preflight(&mut session, &plan)?;
    observe(Progress::Planned { plan: &plan, batch });
    let mut report = Report::default();
    if options.mode == RunMode::DryRun {
        session.close()?;
        return Ok(report);
    }
    let mut runner = Runner {
        session,
        ledger: &ledger,
        settings,
        batch,
        environment: options.environment.as_deref(),
        lock_timeout: project.manifest().lock_timeout(),
        lock_retries: project.manifest().lock_retries(),
    };
    for step in plan.steps() {
        let migration = step.migration;
        match &step.action {
            Action::Skip { only } => {
                observe(Progress::Skipped {
                    id: migration.id(),
                    only,
                });
                report.skipped.push(migration.id().clone());
                continue;
            }
            Action::Apply | Action::Resume { .. } => {}
        }
        observe(Progress::Starting { id: migration.id() });
        let resume_at = match step.action {
            Action::Resume { next_statement } => next_statement,
            _ => 0,
        };
        match runner.run_migration(migration, resume_at, observe) {
            Ok(duration) => {
                observe(Progress::Applied {
                    id: migration.id(),
                    duration,
                });
                report.batch = Some(batch);
                report.applied.push((migration.id().clone(), duration));
            }
            Err(mut failure) => {
                failure.help = join_help(&failure.help, &report.progress_sentence());
                if !report.applied.is_empty() {
                    failure.report = report
                        .applied
                        .iter()
                        .map(|(id, duration)| {
                            AppliedBefore(format!("applied {id} ({} ms)", duration.as_millis()))
                        })
                        .collect();
                }
                if !report.applied.is_empty() {
                    let _ = record_snapshot(&mut runner.session, &snapshots, table, batch);
                }
                let _ = runner.session.close();
                return Err(ApplyError::Migration(failure));
            }
        }
    }
    if !report.applied.is_empty() {
        record_snapshot(&mut runner.session, &snapshots, table, batch)?;
    }
    runner.session.close()?;
    Ok(report)
}

/// Records the catalog after a run, for `check-schema`'s drift report.
fn record_snapshot(
    session: &mut Session,
    snapshots: &Snapshots,
    table: &crate::project::TrackingTable,
    batch: i32,
) -> Result<(), DbError> {
    snapshots.record_current(session, SnapshotReason::Apply, Some(batch), &table.table)
}

/// The whole-plan preflight: every prerequisite of what will run is met by what runs before it
/// or by the database as it is, else nothing runs.
fn preflight(session: &mut Session, plan: &Plan<'_>) -> Result<(), ApplyError> {
    let pending: Vec<&Migration> = plan
        .steps()
        .iter()
        .filter(|step| !matches!(step.action, Action::Skip { .. }))
        .map(|step| step.migration)
        .collect();
    if pending
        .iter()
        .all(|migration| migration.requires().is_empty())
    {
        return Ok(());
    }
    let unmet = session
        .begin()
        .and_then(|mut work| {
            let unmet = unmet_prerequisites(&mut work, &pending)?;
            work.rollback();
            Ok(unmet)
        })
        .map_err(|error| session.error("check prerequisites", &error))?;
    if unmet.is_empty() {
        Ok(())
    } else {
        Err(ApplyError::Preflight(PreflightFailed::new(unmet)))
    }
}

/// Runs migrations on a locked session.
struct Runner<'a> {
    session: Session,
    ledger: &'a Ledger,
    settings: &'a ConnectionSettings,
    batch: i32,
    environment: Option<&'a str>,
    lock_timeout: Duration,
    lock_retries: u32,
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

enum FailureKind {
    Sql(SqlError),
    Assertion(String),
    Unrunnable(String),
}

impl Runner<'_> {
    fn run_migration(
        &mut self,
        migration: &Migration,
        resume_at: usize,
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Duration, Box<MigrationFailed>> {
        let script = script::prepare(migration).map_err(|problem| {
            Box::new(MigrationFailed {
                id: migration.id().to_string(),
                message: problem.to_string(),
                help: problem
                    .help()
                    .map(|help| help.to_string())
                    .unwrap_or_default(),
                file: migration.file().clone(),
                span: SourceSpan::from(0..0),
                label: "here".to_string(),
                report: Vec::new(),
                code: None,
            })
        })?;
        match script.transaction {
            Transaction::Wrapped => self.run_wrapped(migration, &script, observe),
            Transaction::Outside => self.run_outside(migration, &script, resume_at, observe),
        }
    }

    /// One transaction: statements, steps, ledger row. Retried on lock timeout.
    fn run_wrapped(
        &mut self,
        migration: &Migration,
        script: &Script,
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Duration, Box<MigrationFailed>> {
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
            let started_at = SystemTime::now();
            let clock = Instant::now();
            let result = self.try_wrapped(migration, script, started_at, clock, observe);
            let blockers = watch.map(BlockerWatch::finish).unwrap_or_default();
            match result {
                Ok(duration) => return Ok(duration),
                Err(failure) => {
                    let lock_timeout = matches!(&failure.error, FailureKind::Sql(error) if error.is_lock_timeout());
                    if lock_timeout && !last {
                        let pause = backoff(attempt);
                        attempt += 1;
                        observe(Progress::Retrying {
                            id: migration.id(),
                            attempt,
                            pause,
                        });
                        std::thread::sleep(pause);
                        continue;
                    }
                    let extra = if lock_timeout {
                        lock_timeout_note(attempts, self.lock_timeout, &blockers)
                    } else {
                        String::new()
                    };
                    return Err(self.fail(migration, failure, started_at, clock.elapsed(), &extra));
                }
            }
        }
    }

    fn try_wrapped(
        &mut self,
        migration: &Migration,
        script: &Script,
        started_at: SystemTime,
        clock: Instant,
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Duration, Failure> {
        let file = migration.file().clone();
        let whole_file = 0..file.text().len();
        let base = migration.up_offset();
        let lock_timeout = self.lock_timeout;
        let mut work = self.session.begin().map_err(|error| Failure {
            error: FailureKind::Sql(error),
            file: file.clone(),
            span: 0..0,
            text_offset: None,
        })?;
        work.set_lock_timeout(lock_timeout)
            .map_err(|error| Failure {
                error: FailureKind::Sql(error),
                file: file.clone(),
                span: 0..0,
                text_offset: None,
            })?;
        // The preflight looked before the run; another session may have changed the schema
        // since, so each migration checks its own prerequisites again, inside its transaction.
        if !migration.requires().is_empty() {
            let objects: Vec<_> = migration
                .requires()
                .iter()
                .map(|prerequisite| requirement_object(&prerequisite.requirement))
                .collect();
            let missing = db::missing_objects(&mut work, &objects).map_err(|error| Failure {
                error: FailureKind::Sql(error),
                file: file.clone(),
                span: 0..0,
                text_offset: None,
            })?;
            if let Some(prerequisite) = migration.requires().iter().find(|prerequisite| {
                missing.contains(&requirement_object(&prerequisite.requirement))
            }) {
                work.rollback();
                return Err(Failure {
                    error: FailureKind::Unrunnable(format!(
                        "it requires {}, which the database does not have",
                        prerequisite.requirement
                    )),
                    file: prerequisite.origin.file.clone(),
                    span: prerequisite.origin.span.clone(),
                    text_offset: None,
                });
            }
        }
        for statement in &script.statements {
            if let Err(error) = work.run(&statement.text) {
                work.rollback();
                return Err(Failure {
                    error: FailureKind::Sql(error),
                    file,
                    span: base + statement.span.start..base + statement.span.end,
                    text_offset: Some(base + statement.span.start),
                });
            }
        }
        for step in migration.steps() {
            if let Err(failure) = run_step(&mut work, migration, step, observe) {
                work.rollback();
                return Err(failure);
            }
        }
        let duration = clock.elapsed();
        let row = LedgerRow {
            id: migration.id().to_string(),
            checksum: migration.checksum().to_string(),
            batch: self.batch,
            state: LedgerState::Applied,
            applied_at: String::new(),
            duration_ms: 0,
            applied_by: String::new(),
            environment: self.environment.map(str::to_string),
        };
        let event = Event {
            migration_id: migration.id().as_str(),
            action: db::Action::Apply,
            outcome: Outcome::Ok,
            checksum: Some(migration.checksum()),
            batch: Some(self.batch),
            started_at,
            duration,
            environment: self.environment,
            detail: None,
        };
        let recorded = self
            .ledger
            .record_applied(&mut work, &row, &event)
            .and_then(|()| work.commit());
        recorded.map_err(|error| Failure {
            error: FailureKind::Sql(error),
            file,
            span: whole_file.start..whole_file.start,
            text_offset: None,
        })?;
        Ok(duration)
    }

    /// Statement by statement, no transaction, progress in the ledger after each statement.
    fn run_outside(
        &mut self,
        migration: &Migration,
        script: &Script,
        resume_at: usize,
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Duration, Box<MigrationFailed>> {
        let started_at = SystemTime::now();
        let clock = Instant::now();
        let base = migration.up_offset();
        let file = migration.file().clone();
        let fail_here =
            |runner: &mut Runner<'_>, error: SqlError, statement: Option<&ScriptStatement>| {
                let failure = Failure {
                    error: FailureKind::Sql(error),
                    file: file.clone(),
                    span: statement.map_or(0..0, |statement| {
                        base + statement.span.start..base + statement.span.end
                    }),
                    text_offset: statement.map(|statement| base + statement.span.start),
                };
                runner.fail(migration, failure, started_at, clock.elapsed(), "")
            };
        let record = |runner: &mut Runner<'_>, next: usize| {
            runner.ledger.record_partial(
                &mut runner.session,
                migration.id().as_str(),
                migration.checksum(),
                runner.batch,
                next,
                runner.environment,
            )
        };
        if let Err(error) = record(self, resume_at) {
            return Err(fail_here(self, error, None));
        }
        let setting = format!("SET lock_timeout = '{}ms'", self.lock_timeout.as_millis());
        if let Err(error) = self.session.run(&setting) {
            return Err(fail_here(self, error, None));
        }
        for (index, statement) in script.statements.iter().enumerate().skip(resume_at) {
            if let Some(index_name) = &statement.concurrent_index {
                if let Err(error) = self.drop_invalid_index(index_name) {
                    return Err(fail_here(self, error, Some(statement)));
                }
            }
            let mut attempt = 1;
            loop {
                match self.session.run(&statement.text) {
                    Ok(()) => break,
                    Err(error) if error.is_lock_timeout() && attempt <= self.lock_retries => {
                        let pause = backoff(attempt);
                        attempt += 1;
                        observe(Progress::Retrying {
                            id: migration.id(),
                            attempt,
                            pause,
                        });
                        std::thread::sleep(pause);
                        if let Some(index_name) = &statement.concurrent_index {
                            if let Err(error) = self.drop_invalid_index(index_name) {
                                return Err(fail_here(self, error, Some(statement)));
                            }
                        }
                    }
                    Err(error) => return Err(fail_here(self, error, Some(statement))),
                }
            }
            if let Err(error) = record(self, index + 1) {
                return Err(fail_here(self, error, Some(statement)));
            }
        }
        let _ = self.session.run("RESET lock_timeout");
        let duration = clock.elapsed();
        let row = LedgerRow {
            id: migration.id().to_string(),
            checksum: migration.checksum().to_string(),
            batch: self.batch,
            state: LedgerState::Applied,
            applied_at: String::new(),
            duration_ms: 0,
            applied_by: String::new(),
            environment: self.environment.map(str::to_string),
        };
        let event = Event {
            migration_id: migration.id().as_str(),
            action: db::Action::Apply,
            outcome: Outcome::Ok,
            checksum: Some(migration.checksum()),
            batch: Some(self.batch),
            started_at,
            duration,
            environment: self.environment,
            detail: None,
        };
        let finished = self.session.begin().and_then(|mut work| {
            self.ledger.record_applied(&mut work, &row, &event)?;
            work.commit()
        });
        if let Err(error) = finished {
            return Err(fail_here(self, error, None));
        }
        Ok(duration)
    }

    /// Drops the index a failed `CREATE INDEX CONCURRENTLY` left INVALID, so the retry can build
    /// it. A valid index of that name is left alone (the statement then fails as it should).
    fn drop_invalid_index(
        &mut self,
        (schema, name): &(Option<String>, String),
    ) -> Result<(), SqlError> {
        let qualified = match schema {
            Some(schema) => format!("{}.{}", quote(schema), quote(name)),
            None => quote(name),
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

    /// Records the failure in the history and builds its diagnostic.
    fn fail(
        &mut self,
        migration: &Migration,
        failure: Failure,
        started_at: SystemTime,
        duration: Duration,
        extra: &str,
    ) -> Box<MigrationFailed> {
        let (message, code, mut help, label, span) = describe(&failure);
        if !extra.is_empty() {
            help = join_help(&help, extra);
        }
        let outside = migration.transaction() == Transaction::Outside
            || script::prepare(migration)
                .is_ok_and(|script| script.transaction == Transaction::Outside);
        let state = if outside {
            "it runs outside a transaction: the statements before the failing one are committed and recorded, and the next run resumes at the failing statement"
        } else {
            "its transaction was rolled back: it left no trace"
        };
        help = join_help(&help, state);
        if self.session.is_open() {
            let detail = message.clone();
            let event = Event {
                migration_id: migration.id().as_str(),
                action: db::Action::Apply,
                outcome: if outside {
                    Outcome::Partial
                } else {
                    Outcome::Failed
                },
                checksum: Some(migration.checksum()),
                batch: Some(self.batch),
                started_at,
                duration,
                environment: self.environment,
                detail: Some(&detail),
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
}

/// Runs one step inside the migration's transaction.
fn run_step(
    work: &mut Work<'_>,
    migration: &Migration,
    step: &Step,
    observe: &mut dyn FnMut(Progress<'_>),
) -> Result<(), Failure> {
    let at_step = |error: FailureKind| Failure {
        error,
        file: step.origin.file.clone(),
        span: step.origin.span.clone(),
        text_offset: None,
    };
    match &step.kind {
        StepKind::Sql { source } => {
            let statements = step_statements(source.text())
                .map_err(|message| at_step(FailureKind::Unrunnable(message)))?;
            for statement in statements {
                work.run(statement).map_err(|error| match source {
                    // Inline SQL lives in plan.yaml: point at the step. A file step points at its
                    // own file would be nicer, but the file is not a SourceFile here.
                    SqlSource::Inline(_) | SqlSource::File { .. } => {
                        at_step(FailureKind::Sql(error))
                    }
                })?;
            }
            Ok(())
        }
        StepKind::Batch { sql, .. } => {
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
        StepKind::Command { .. } | StepKind::Handler { .. } => Err(at_step(
            FailureKind::Unrunnable(format!("{} steps cannot run yet", step.kind.name())),
        )),
    }
}

/// The statements of a `sql` step, without a wrapping `BEGIN`/`COMMIT` pair.
fn step_statements(text: &str) -> Result<Vec<&str>, String> {
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
            StatementKind::Other => Ok(&text[statement.span()]),
            StatementKind::NoTransaction { reason } => Err(reason.to_string()),
            _ => Err("a step cannot control its migration's transaction".to_string()),
        })
        .collect()
}

/// Message, SQLSTATE, help, label and span of a failure.
fn describe(failure: &Failure) -> (String, Option<String>, String, String, SourceSpan) {
    match &failure.error {
        FailureKind::Sql(error) => {
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
                help.join("\n"),
                error.message.clone(),
                to_source_span(&span),
            )
        }
        FailureKind::Assertion(message) | FailureKind::Unrunnable(message) => (
            message.clone(),
            None,
            String::new(),
            message.clone(),
            to_source_span(&failure.span),
        ),
    }
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

fn join_help(first: &str, second: &str) -> String {
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

fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

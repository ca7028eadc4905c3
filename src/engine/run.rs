//! Running a [`Plan`] against a database: the lock, the ledger and its catalog snapshots, the
//! whole-plan preflight, each migration in turn (see `phases` for one migration's phases),
//! and the [`Report`] of what was done or the failure with what ran before it.
//!
//! What the database sees for a transactional migration, in order: `BEGIN`, `SET LOCAL
//! lock_timeout`, each statement of the file, each step, one statement that writes the ledger
//! row and its history row, `COMMIT`. A failure anywhere rolls all of it back; the failure is
//! then written to the history in a transaction of its own.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use miette::{Diagnostic, SourceSpan};

use super::failure::join_help;
use super::lint_gate::{self, LintRefused, lint_what_runs};
use super::one_message::{SHARED_MESSAGE_BYTES, SHARED_MESSAGE_MIGRATIONS};
pub(crate) use super::outcome::{AppliedBefore, MigrationFailed, Progress, Report};
use super::phases::Start;
use super::plan::{Action, Allow, Plan, PlanError, PlanStep};
use super::prerequisites::{Unmet, unmet_prerequisites};
use super::replica_wait::{ReplicaWaiter, ReplicasBehind, WaitFailed};
use super::runner::Runner;
use super::safeguards::OpenedSession;
use super::steps::handler::Handlers;
use super::trace::{LockStep, Trace, Tracer, Tracing};
use crate::db::{
    self, ConnectionSettings, DbError, LockWait, ResumePoint, Session, SnapshotReason, Target,
};
use crate::diagnostic::SourceFile;
use crate::lint::Finding;
use crate::load::Loaded;
use crate::project::{Migration, MigrationId};
use crate::sql::script::Script;

/// What to apply, where, and how.
#[derive(Clone, Debug)]
pub struct ApplyOptions {
    /// Apply only this migration and what it depends on.
    pub target: Option<MigrationId>,
    /// The environment (`--env`), for migrations limited to some.
    pub environment: Option<String>,
    /// Run, or only show what would run.
    pub mode: Execution,
    /// How long to wait for another run's lock; `None` waits as long as it takes.
    pub lock_wait: Option<Duration>,
    /// What to let through that apply refuses by default (missing files, out-of-order).
    pub allow: Allow,
    /// A folder to take a verified backup into before the first statement, under the lock and
    /// only when the plan has work, recorded in the history in the same session: what a
    /// `Migrator` owes (`startup::Migrator::backup_to`). Taken there, replicas starting
    /// together back up once, the one that wins the lock; the others find nothing to do. `plan
    /// apply --backup-dir` takes its backup itself, before the apply, since it shows the file
    /// in the preview it asks the operator to confirm.
    pub backup_to: Option<PathBuf>,
    /// Whether to report each statement, notice, lock and ledger step as `Progress::Trace`
    /// (`plan -v`); off, only the server's warnings are.
    pub trace: Tracing,
    /// Whether plan.yaml's `lint.on_apply` applies: off for the scratch copies `verify` and
    /// `trace` apply to, where every migration must run and no one else uses a table.
    pub lint: bool,
}

/// Whether an apply changes anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Execution {
    /// Apply the plan: a live run that changes the database.
    Live,
    /// Read the ledger and report the plan; change nothing.
    DryRun,
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
    /// `lint.on_apply: error` and an error finding in what would run; nothing ran.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Lint(LintRefused),
    /// plan.yaml `wait_for_replicas`: a standby had not replayed a migration within
    /// `max_lag`; the migration stays committed and recorded.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Replicas(ReplicasBehind),
}

/// An apply that stopped failed, whatever stopped it (its settings were resolved before),
/// except a plan refused for what was asked (a `--to` its environment skips): that is the
/// plan's to say.
impl crate::diagnostic::Classified for ApplyError {
    fn class(&self) -> crate::diagnostic::ErrorClass {
        match self {
            ApplyError::Plan(refused) => crate::diagnostic::Classified::class(refused),
            _ => crate::diagnostic::ErrorClass::Failed,
        }
    }
}

/// Prerequisites of the plan that nothing provides, found before the first statement.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error(
    "{} of the plan {} not met; nothing was applied",
    crate::diagnostic::counted(unmet.len(), "prerequisite", "prerequisites"),
    if unmet.len() == 1 { "is" } else { "are" }
)]
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

/// Applies the loaded project (or `options.target` and its dependencies) to the database
/// `settings` points at, with the Rust handlers that `handler` steps name, reporting progress
/// to `observe`.
pub fn apply_with_handlers(
    loaded: &Loaded,
    settings: &ConnectionSettings,
    options: &ApplyOptions,
    handlers: &Handlers,
    observe: &mut dyn FnMut(Progress<'_>),
) -> Result<Report, ApplyError> {
    apply_opened(loaded, settings, None, options, handlers, observe)
}

/// Applies as [`apply_with_handlers`] does, on `opened` when given: the session that read the
/// ledger before the run (`safeguards::read_recorded_environments_open`), on which the run
/// takes its lock instead of opening another connection. A session opened with other settings
/// than `settings` is closed and a new one opened.
pub(crate) fn apply_opened(
    loaded: &Loaded,
    settings: &ConnectionSettings,
    opened: Option<OpenedSession>,
    options: &ApplyOptions,
    handlers: &Handlers,
    observe: &mut dyn FnMut(Progress<'_>),
) -> Result<Report, ApplyError> {
    let database = super::target::target(loaded.project(), settings);
    let opened = opened
        .map(|OpenedSession(session)| session)
        .filter(|session| database.opened(session));
    apply_while(
        loaded,
        (database, opened),
        settings,
        options,
        handlers,
        observe,
        None,
    )
    .map(|(report, _)| report)
}

/// Applies as [`apply_with_handlers`] does, asking `go_on` (if given) before each migration:
/// once it says no, the run stops there (the migration that is running finishes first; such a
/// run sends each migration in a message of its own), records its snapshot,
/// releases the lock and returns what it did with the migration it stopped before. Asked while
/// waiting for the lock too: a no there ends the wait with `DbError::LockWaitStopped`, nothing
/// done; and a run told to stop takes no backup. A fleet run stops its other targets this way after
/// a failure (`ops::fleet`), and gives each schema of a schema-per-tenant database a `database` of
/// its own (its ledger in that schema); `settings` are the ones `database` connects with. With
/// `opened`, a plain session `database` opened, the run goes on with it (taking the lock on it)
/// instead of connecting.
pub(crate) fn apply_while(
    loaded: &Loaded,
    (database, opened): (Target, Option<Session>),
    settings: &ConnectionSettings,
    options: &ApplyOptions,
    handlers: &Handlers,
    observe: &mut dyn FnMut(Progress<'_>),
    go_on: Option<&dyn Fn() -> bool>,
) -> Result<(Report, Option<MigrationId>), ApplyError> {
    // A run that may be told to stop stops between migrations, so its migrations do not
    // share messages (`Runner::apply_sharing_a_message`): the one running finishes, no more.
    let may_stop = go_on.is_some();
    let go_on = || go_on.is_none_or(|go_on| go_on());
    let mut stopped_before = None;
    let project = loaded.project();
    let (ledger, snapshots) = (database.ledger(), database.snapshots());
    let mut session = match options.mode {
        Execution::DryRun => match opened {
            Some(session) => session,
            None => database.connect()?,
        },
        Execution::Live => {
            let key = database.lock_key();
            let trying = (options.trace == Tracing::On).then(|| {
                observe(Progress::Trace(Trace::Lock(LockStep::Trying { key })));
                Instant::now()
            });
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
                // Told to stop, a run waiting for another's lock has nothing to finish.
                keep_waiting: &go_on,
            };
            let session = match opened {
                Some(session) => database.lock(session, &mut wait)?,
                None => database.connect_locked(&mut wait)?,
            };
            for text in session.lock_notes() {
                observe(Progress::LockNote { text });
            }
            if let Some(trying) = trying {
                observe(Progress::Trace(Trace::Lock(LockStep::Acquired {
                    key,
                    after: trying.elapsed(),
                })));
            }
            session
        }
    };
    let tracer = Tracer::new(options.trace, session.notices());
    session.require_standard_strings()?;
    if let Some(schema) = database.home_schema() {
        session.require_search_path(schema)?;
    }
    let rows = ledger.read(&mut session)?;
    let plan = Plan::new(
        loaded,
        &rows,
        options.target.as_ref(),
        options.environment.as_deref(),
        options.allow,
    )?;
    // Rows read prove the ledger exists: only an empty read leaves it to ask.
    let batch = if !rows.is_empty() || ledger.exists(&mut session)? {
        ledger.next_batch(&mut session)?
    } else {
        1
    };
    plan.check_handlers(handlers)?;
    preflight(&mut session, &plan)?;
    let will_run: Vec<&Migration> = plan
        .steps()
        .iter()
        .filter(|step| !matches!(step.action, Action::Skip { .. }))
        .map(|step| step.migration)
        .collect();
    let findings = if options.lint {
        lint_what_runs(&mut session, loaded, &will_run, database.home_schema())?
    } else {
        Vec::new()
    };
    if !findings.is_empty() {
        observe(Progress::Linted {
            notes: &lint_gate::notes(&findings),
        });
    }
    if let Some(refused) = lint_gate::refusal(loaded, &findings) {
        return Err(ApplyError::Lint(refused));
    }
    observe(Progress::Planned { plan: &plan, batch });
    let mut report = Report::default();
    if options.mode == Execution::DryRun {
        session.close()?;
        return Ok((report, None));
    }
    // Only now, with the plan known to be runnable, does the database change: a plan refused
    // above leaves it untouched. What is there before the plan's first apply is the baseline
    // of check-schema, not drift.
    if plan.has_work() {
        // A ledger created just now has the current shape: only one found is upgraded.
        if !ledger.ensure_created(&mut session)? {
            ledger.upgrade(&mut session)?;
        }
        if !snapshots.ensure_holding_any(&mut session)? {
            database.record_snapshot(&mut session, SnapshotReason::Baseline, None)?;
        }
        // A run told to stop already stops before its first migration below: a backup for
        // it would be a whole dump for nothing.
        if let Some(directory) = &options.backup_to
            && go_on()
        {
            back_up(
                &mut session,
                &database,
                settings,
                directory,
                options,
                observe,
            )?;
        }
    }
    let mut runner = Runner {
        session,
        ledger,
        settings,
        handlers,
        project_root: project.root(),
        batch,
        environment: options.environment.as_deref(),
        lock_timeout: project.manifest().lock_timeout(),
        lock_retries: project.manifest().lock_retries(),
        tracer,
        attempts_spent: 0,
    };
    let mut replicas = ReplicaWaiter::default();
    let steps = plan.steps();
    // Steps before `alone` go on their own: after a shared message failed, the rest of its
    // migrations (the failed one first) run again one message each.
    let mut alone = 0;
    let mut index = 0;
    while let Some(step) = steps.get(index) {
        let start = index;
        index += 1;
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
        for table in lint_gate::locked_tables(&findings, migration) {
            // A warning only: if the catalog cannot be asked, the migration runs as before.
            let sessions = lint_gate::holding_sessions(
                &mut runner.session,
                &table,
                project.manifest().lint.long_transaction,
            )
            .unwrap_or_default();
            if !sessions.is_empty() {
                observe(Progress::LongTransactions {
                    id: migration.id(),
                    table: &table,
                    sessions: &sessions,
                });
            }
        }
        if !go_on() {
            stopped_before = Some(migration.id().clone());
            break;
        }
        // Fresh migrations next to each other that may share a message go in one round trip
        // (each in its own transaction, with its ledger row).
        let shared =
            if start >= alone && !may_stop && project.manifest().wait_for_replicas().is_none() {
                shared_run(&runner, &steps[start..], &findings, loaded)
            } else {
                Vec::new()
            };
        let results = if shared.len() > 1 {
            let (committed, after) = runner.apply_sharing_a_message(&shared, observe);
            index = start + committed.len();
            let mut results: Vec<(&Migration, Result<Duration, Box<MigrationFailed>>)> = shared
                .iter()
                .zip(committed)
                .map(|((migration, _), duration)| (*migration, Ok(duration)))
                .collect();
            match after {
                Some(Ok(lock_timed_out)) => {
                    // The rest of this message's migrations go one message each: the failed
                    // one says what failed and where, and a syntax error further on (which
                    // stops a whole message before anything of it runs) is found by its own.
                    alone = start + shared.len();
                    runner.attempts_spent = u32::from(lock_timed_out);
                }
                Some(Err(failed)) => {
                    if let Some((migration, _)) = shared.get(results.len()) {
                        results.push((*migration, Err(failed)));
                    }
                }
                None => {}
            }
            results
        } else {
            let (resume, recorded) = match &step.action {
                Action::Resume { at, recorded } => (*at, Some(recorded.join("\n"))),
                _ => (ResumePoint::FRESH, None),
            };
            let start = Start {
                resume,
                recorded,
                replaces: step.replaces.clone(),
            };
            observe(Progress::Starting { id: migration.id() });
            let result = runner.run_migration(migration, loaded.script(migration), start, observe);
            vec![(migration, result)]
        };
        for (migration, result) in results {
            if shared.len() > 1 {
                observe(Progress::Starting { id: migration.id() });
            }
            match result {
                Ok(duration) => {
                    observe(Progress::Applied {
                        id: migration.id(),
                        duration,
                    });
                    report.batch = Some(batch);
                    report.applied.push((migration.id().clone(), duration));
                    if let Some(wait) = project.manifest().wait_for_replicas() {
                        let verbose = options.trace == Tracing::On;
                        let waited = replicas.wait(
                            &mut runner.session,
                            wait,
                            migration.id(),
                            verbose,
                            observe,
                        );
                        if let Err(failed) = waited {
                            // The migration is committed: record it for check-schema as any run
                            // that applied something does.
                            end_stopped_run(runner, &database, batch, observe);
                            return Err(match failed {
                                WaitFailed::Db(error) => ApplyError::Db(error),
                                WaitFailed::Behind(behind) => ApplyError::Replicas(behind),
                            });
                        }
                    }
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
                    // Even with nothing applied, part of the failed migration may be committed
                    // (statements outside a transaction, commit: each batches): the snapshot keeps
                    // check-schema from calling that drift.
                    end_stopped_run(runner, &database, batch, observe);
                    return Err(ApplyError::Migration(failure));
                }
            }
        }
    }
    if !report.applied.is_empty() {
        // For check-schema's drift report.
        database.record_snapshot(&mut runner.session, SnapshotReason::Apply, Some(batch))?;
    }
    runner.session.close()?;
    released(&runner.tracer, &database, observe);
    Ok((report, stopped_before))
}

/// Ends a run that stops on a failure: records the catalog snapshot (what is committed is
/// plan's, not drift; a failure to record it does not hide the run's own), closes the session
/// and, if that went well, says the lock is released.
fn end_stopped_run(
    mut runner: Runner<'_>,
    database: &Target,
    batch: i32,
    observe: &mut dyn FnMut(Progress<'_>),
) {
    let _ = database.record_snapshot(&mut runner.session, SnapshotReason::Apply, Some(batch));
    if runner.session.close().is_ok() {
        released(&runner.tracer, database, observe);
    }
}

/// Reports the lock of `database` released, when tracing.
fn released(tracer: &Tracer, database: &Target, observe: &mut dyn FnMut(Progress<'_>)) {
    tracer.step(&mut |trace| observe(Progress::Trace(trace)), || {
        Trace::Lock(LockStep::Released {
            key: database.lock_key(),
        })
    });
}

/// Takes the verified backup `options.backup_to` asks for, holding the lock `session` holds,
/// and records it in the history as `plan apply --backup-dir` records its own.
fn back_up(
    session: &mut Session,
    database: &Target,
    settings: &ConnectionSettings,
    directory: &Path,
    options: &ApplyOptions,
    observe: &mut dyn FnMut(Progress<'_>),
) -> Result<(), DbError> {
    // Replicas waiting for the lock name its holder: say it is backing up, not stuck, while
    // pg_dump runs (the session itself sits idle then).
    const SAYS_BACKING_UP: &str = "SELECT set_config('application_name', \
         left(current_setting('application_name') || ' (taking a backup)', 63), false)";
    session
        .run(SAYS_BACKING_UP)
        .map_err(|error| session.error("name the session as taking a backup", &error))?;
    let label = super::backup::backup_label(options.target.as_ref());
    let pending = db::prepare_backup(session, settings, directory, &label)?;
    observe(Progress::BackingUp {
        file: pending.path(),
        pg_dump: pending.pg_dump(),
    });
    let taken = super::backup::take(pending)?;
    database.ledger().record_backup(
        session,
        &super::backup::history_detail(&taken.backup),
        options.environment.as_deref(),
        taken.started_at,
        taken.took,
    )?;
    session
        .run("RESET application_name")
        .map_err(|error| session.error("restore the session's application_name", &error))?;
    observe(Progress::BackedUp {
        backup: &taken.backup,
        took: taken.took,
    });
    Ok(())
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

/// The fresh migrations at the start of `steps` that may share one message
/// (`Runner::shares_a_message`), with their SQL; fewer than two means none.
fn shared_run<'p>(
    runner: &Runner<'_>,
    steps: &[PlanStep<'p>],
    findings: &[Finding],
    loaded: &'p Loaded,
) -> Vec<(&'p Migration, &'p Script)> {
    let mut shared = Vec::new();
    let mut bytes = 0;
    for step in steps.iter().take(SHARED_MESSAGE_MIGRATIONS) {
        let migration = step.migration;
        let script = loaded.script(migration);
        bytes += script
            .statements
            .iter()
            .map(|statement| statement.text.len())
            .sum::<usize>();
        let fresh = matches!(step.action, Action::Apply) && step.replaces.is_none();
        if !fresh
            || (bytes > SHARED_MESSAGE_BYTES && !shared.is_empty())
            || !lint_gate::locked_tables(findings, migration).is_empty()
            || !runner.shares_a_message(migration, script)
        {
            break;
        }
        shared.push((migration, script));
    }
    shared
}

//! `trace`: runs each migration that apply would run on a scratch copy of the target and
//! observes, after each statement of its file, the relation locks its session newly holds, the
//! relations it rewrote (their `relfilenode` changed) and how long it took. The result is a
//! [`TraceReport`]; what each statement's locks block follows from the conflict table
//! (`db::locks`).
//!
//! The copy is a throwaway cluster holding an empty database, or, when the caller names a
//! database, that database's schema and its ledger's rows (`db::copy_schema`), so the
//! migrations traced are exactly those apply would run there, on the same tables. Nothing is
//! run on the named database; its data is never read (tables are empty on the copy: what is
//! observed is which locks and rewrites, not how long they take on production's rows).
//!
//! How a migration is traced, then applied:
//! - A transactional migration's file runs statement by statement in one transaction on a
//!   session of our own, which reads `pg_locks` and `pg_class` between statements (a backend
//!   sees its own locks, and its own rewrites before they commit); the transaction is then
//!   rolled back, and the migration applied by the engine as `plan apply` applies it (its steps,
//!   its ledger row). Running the migration twice costs a little time on an empty copy, and buys
//!   robustness: the ledger, the steps and every rule of apply stay the engine's alone, so the
//!   copy's state after each migration is the state apply leaves, not one traced by hand.
//! - A no-transaction migration cannot be rolled back: it is traced on a copy of the scratch
//!   database (`CREATE DATABASE … TEMPLATE`), dropped afterwards, statement by statement as
//!   apply runs it: a statement PostgreSQL refuses in a transaction (`CREATE INDEX
//!   CONCURRENTLY`, `VACUUM`) alone, the others each in a transaction of their own. A
//!   statement run alone releases its locks when it ends, before its own session could read
//!   them, so it is watched from a second session that holds `ROW EXCLUSIVE` on every table
//!   while it runs (`db::locks::run_watched`): one that waits for writers (`CREATE INDEX
//!   CONCURRENTLY`) is seen waiting, with the locks it holds then, and let go. One that never
//!   waits is reported with no locks and `observed: false`; its rewrites and time are still
//!   measured.
//!
//! Locks and rewrites of relations the migration itself created are left out: no other session
//! can see such a relation before the migration commits, so they block nobody.
//!
//! Leaves to others: reading locks and relfilenodes (`db::locks`), applying (`engine::run`),
//! showing the report (`cli/trace.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::time::{Duration, Instant};

use miette::{Diagnostic, SourceSpan};

use crate::db::locks::{held_locks, relfilenodes, run_watched};
use crate::db::{
    Blocks, ClusterOptions, ConnectionSettings, DbError, HeldLock, LedgerTables, LockMode,
    RelationFile, ScratchCluster, Session, SqlError, TransactionState, copy_schema,
    quote_identifier,
};
use crate::diagnostic::{SourceFile, to_source_span};
use crate::engine::handler::Handlers;
use crate::engine::plan::Action;
use crate::engine::run::{ApplyError, ApplyOptions, Execution, Progress, apply_with_handlers};
use crate::engine::{Allow, Tracing};
use crate::load::Loaded;
use crate::project::{Migration, MigrationId, TransactionMode};
use crate::sql::script::{Script, ScriptStatement};

/// The scratch database's name on the throwaway cluster.
const SCRATCH: &str = "plan_trace";
/// The copy a no-transaction migration is traced on.
const SCRATCH_COPY: &str = "plan_trace_copy";

/// What to trace.
#[derive(Clone, Debug)]
pub(crate) struct TraceOptions {
    /// Only this migration and what it depends on.
    pub target: Option<MigrationId>,
    /// The environment, for migrations limited to some.
    pub environment: Option<String>,
    /// The database whose schema and ledger the copy starts from; `None` starts empty.
    pub source: Option<ConnectionSettings>,
}

/// Progress of a trace, for the caller to show.
#[derive(Debug)]
pub(crate) enum TraceProgress<'a> {
    /// The scratch database is ready.
    Ready {
        /// How many migrations will be traced.
        migrations: usize,
    },
    /// A migration is being traced and applied.
    Tracing {
        /// The migration.
        id: &'a MigrationId,
    },
    /// A migration was traced and applied.
    Traced {
        /// The migration.
        id: &'a MigrationId,
    },
}

/// What tracing found.
#[derive(Clone, Debug)]
pub(crate) struct TraceReport {
    /// Where the copy's schema came from: `None` when it started empty, else the database
    /// (without its password).
    pub source: Option<String>,
    /// Each migration traced, in plan order.
    pub migrations: Vec<MigrationTrace>,
}

/// One migration, traced.
#[derive(Clone, Debug)]
pub(crate) struct MigrationTrace {
    /// The migration.
    pub id: MigrationId,
    /// How its file runs.
    pub transaction: TransactionMode,
    /// Each statement of its file, in order.
    pub statements: Vec<StatementTrace>,
}

impl MigrationTrace {
    /// What its statements' locks block, the strongest: in a transaction, every lock is held
    /// until the migration commits, so a later statement blocks what an earlier one did.
    pub(crate) fn blocks(&self) -> Blocks {
        self.statements
            .iter()
            .map(|statement| statement.blocks)
            .max()
            .unwrap_or(Blocks::None)
    }
}

/// One statement, traced.
#[derive(Clone, Debug)]
pub(crate) struct StatementTrace {
    /// The migration's file, as diagnostics name it.
    pub file: String,
    /// The 1-based line the statement starts on.
    pub line: usize,
    /// The locks it newly took on relations that existed before the migration, by relation
    /// then mode.
    pub locks: Vec<(String, LockMode)>,
    /// The relations that existed before the migration whose file it replaced.
    pub rewrites: Vec<String>,
    /// What those locks block, held until the transaction ends.
    pub blocks: Blocks,
    /// How long it ran.
    pub took: Duration,
    /// Whether its locks could be read: always, but for a statement run outside a
    /// transaction that never waited for the tables' writers.
    pub observed: bool,
}

/// A statement failed on the scratch copy.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("migration {id} fails on the scratch copy at {location}: {message}")]
#[diagnostic(
    code(plan::trace::statement_failed),
    help(
        "the statement fails on a copy holding the schema it would run on, so apply would fail there too: fix it and trace again"
    )
)]
pub(crate) struct StatementFailed {
    /// The migration.
    pub id: String,
    /// `file:line`.
    pub location: String,
    /// The server's message.
    pub message: String,
    /// The migration's file.
    #[source_code]
    pub file: SourceFile,
    /// The statement.
    #[label("fails here")]
    pub span: SourceSpan,
}

/// Why a trace could not be carried out.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub(crate) enum TraceError {
    /// The scratch cluster, the copy of the schema or a read failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Db(#[from] DbError),
    /// Applying a migration to the copy failed (or apply refused the plan).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Apply(#[from] ApplyError),
    /// A statement of a migration's file failed while it was traced.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Statement(Box<StatementFailed>),
}

/// A plan apply refuses is the plan's to classify; everything else is a failure.
impl crate::diagnostic::Classified for TraceError {
    fn class(&self) -> crate::diagnostic::ErrorClass {
        match self {
            TraceError::Apply(error) => crate::diagnostic::Classified::class(error),
            TraceError::Db(error) => crate::diagnostic::Classified::class(error),
            TraceError::Statement(_) => crate::diagnostic::ErrorClass::Failed,
        }
    }
}

/// Traces what apply would run (all of it, or `options.target` and its dependencies) on a
/// throwaway cluster, with `handlers` for the `handler` steps the engine runs.
pub(crate) fn trace(
    loaded: &Loaded,
    options: &TraceOptions,
    handlers: &Handlers,
    observe: &mut dyn FnMut(TraceProgress<'_>),
) -> Result<TraceReport, TraceError> {
    let project = loaded.project();
    let table = project.manifest().tracking_table();
    let ledger = LedgerTables {
        schema: &table.schema,
        table: &table.table,
    };
    let cluster = ScratchCluster::start(&ClusterOptions::socket_only())?;
    let settings = cluster.create_database(SCRATCH)?;
    if let Some(source) = &options.source {
        copy_schema(source, &settings, ledger)?;
    }
    let apply_options = |target: Option<&MigrationId>, mode: Execution| ApplyOptions {
        target: target.cloned(),
        environment: options.environment.clone(),
        mode,
        lock_wait: None,
        allow: Allow::default(),
        backup_to: None,
        trace: Tracing::Off,
        lint: false,
    };

    // What apply would run on the copy, in order: on a copy of the database, what it would
    // run there.
    let mut order: Vec<MigrationId> = Vec::new();
    apply_with_handlers(
        loaded,
        &settings,
        &apply_options(options.target.as_ref(), Execution::DryRun),
        handlers,
        &mut |progress| {
            if let Progress::Planned { plan, .. } = progress {
                order.extend(
                    plan.steps()
                        .iter()
                        .filter(|step| !matches!(step.action, Action::Skip { .. }))
                        .map(|step| step.migration.id().clone()),
                );
            }
        },
    )?;
    observe(TraceProgress::Ready {
        migrations: order.len(),
    });

    let mut migrations = Vec::with_capacity(order.len());
    for id in &order {
        let Some(migration) = project.migration(id) else {
            continue;
        };
        observe(TraceProgress::Tracing { id });
        let script = loaded.script(migration);
        let run = Traced {
            migration,
            script,
            ledger,
        };
        let statements = match script.transaction {
            TransactionMode::Wrapped => run.in_a_rolled_back_transaction(&settings)?,
            TransactionMode::Outside => {
                cluster.drop_database_if_exists(SCRATCH_COPY)?;
                copy_database(&cluster, SCRATCH, SCRATCH_COPY)?;
                let traced = run.statement_by_statement(&cluster.settings_for(SCRATCH_COPY));
                cluster.drop_database_if_exists(SCRATCH_COPY)?;
                traced?
            }
        };
        apply_with_handlers(
            loaded,
            &settings,
            &apply_options(Some(id), Execution::Live),
            handlers,
            &mut |_| {},
        )?;
        migrations.push(MigrationTrace {
            id: id.clone(),
            transaction: script.transaction,
            statements,
        });
        observe(TraceProgress::Traced { id });
    }
    Ok(TraceReport {
        source: options.source.as_ref().map(ToString::to_string),
        migrations,
    })
}

/// `CREATE DATABASE copy TEMPLATE original` on `cluster` (nobody may be connected to
/// `original`; PostgreSQL waits a few seconds for sessions that are ending).
fn copy_database(cluster: &ScratchCluster, original: &str, copy: &str) -> Result<(), DbError> {
    let mut admin = Session::connect(&cluster.settings_for("postgres"))?;
    let sql = format!(
        "CREATE DATABASE {} TEMPLATE {}",
        quote_identifier(copy),
        quote_identifier(original)
    );
    admin
        .run(&sql)
        .map_err(|error| admin.error(&format!("copy the scratch database to {copy}"), &error))?;
    admin.close()
}

/// A migration being traced.
struct Traced<'a> {
    migration: &'a Migration,
    script: &'a Script,
    ledger: LedgerTables<'a>,
}

/// What the session saw between two statements.
struct Seen {
    locks: BTreeSet<HeldLock>,
    files: Vec<RelationFile>,
}

/// Reading the traced session's locks or relations failed.
fn read_failed(settings: &ConnectionSettings, error: &SqlError) -> DbError {
    DbError::Query {
        action: "read the locks and relations of the traced session".to_string(),
        target: settings.to_string(),
        detail: error.to_string(),
        server_code: error.code.clone(),
    }
}

impl Traced<'_> {
    /// Runs the file in one transaction, reading locks and relfilenodes after each statement,
    /// then rolls it back.
    fn in_a_rolled_back_transaction(
        &self,
        settings: &ConnectionSettings,
    ) -> Result<Vec<StatementTrace>, TraceError> {
        let mut session = Session::connect(settings)?;
        session.require_standard_strings()?;
        let read_error = |error: SqlError| read_failed(settings, &error);
        let mut transaction = session.begin().map_err(read_error)?;
        // No lock_timeout: nothing else runs on the copy.
        let id = transaction
            .start_with_modes(self.script.modes.as_deref(), Duration::ZERO)
            .map_err(|error| self.failed(None, &error))?;
        let read = |transaction: &mut crate::db::Transaction<'_>| -> Result<Seen, DbError> {
            Ok(Seen {
                locks: held_locks(transaction, self.ledger)
                    .map_err(read_error)?
                    .into_iter()
                    .collect(),
                files: relfilenodes(transaction, self.ledger).map_err(read_error)?,
            })
        };
        let mut before = read(&mut transaction)?;
        let existing: BTreeSet<u32> = before.files.iter().map(|file| file.oid).collect();
        let mut traces = Vec::with_capacity(self.script.statements.len());
        for statement in &self.script.statements {
            let started = Instant::now();
            let state = transaction
                .run_statement(&statement.text, statement.copy_data.as_deref(), &id)
                .map_err(|error| self.failed(Some(statement), &error))?;
            let took = started.elapsed();
            if state == TransactionState::Ended {
                return Err(self.failed(
                    Some(statement),
                    &SqlError::plan(
                        "it ends the migration's transaction (COMMIT or ROLLBACK), which apply refuses",
                    ),
                ));
            }
            let after = read(&mut transaction)?;
            traces.push(self.statement(statement, &before, &after, &existing, took, true));
            before = after;
        }
        transaction.rollback();
        session.close()?;
        Ok(traces)
    }

    /// Runs the file as apply runs a no-transaction file: a statement refused in a
    /// transaction alone, the others each in a transaction of their own; relfilenodes read
    /// around each, locks only inside a transaction.
    fn statement_by_statement(
        &self,
        settings: &ConnectionSettings,
    ) -> Result<Vec<StatementTrace>, TraceError> {
        let mut session = Session::connect(settings)?;
        session.require_standard_strings()?;
        let read_error = |error: SqlError| read_failed(settings, &error);
        let files = |session: &mut Session| -> Result<Vec<RelationFile>, DbError> {
            let mut transaction = session.begin().map_err(read_error)?;
            let files = relfilenodes(&mut transaction, self.ledger).map_err(read_error)?;
            transaction.commit().map_err(read_error)?;
            Ok(files)
        };
        let no_locks = || Seen {
            locks: BTreeSet::new(),
            files: Vec::new(),
        };
        // Holds the tables while a statement runs outside a transaction, to see it wait.
        let mut observer = Session::connect(settings)?;
        let mut before_files = files(&mut session)?;
        let existing: BTreeSet<u32> = before_files.iter().map(|file| file.oid).collect();
        let mut traces = Vec::with_capacity(self.script.statements.len());
        for statement in &self.script.statements {
            let before = Seen {
                files: before_files,
                ..no_locks()
            };
            let (took, after, observed) = if statement.outside_transaction {
                let watched =
                    run_watched(&mut session, &mut observer, &statement.text, self.ledger)
                        .map_err(read_error)?;
                watched
                    .outcome
                    .map_err(|error| self.failed(Some(statement), &error))?;
                let after = Seen {
                    locks: watched.locks.iter().flatten().cloned().collect(),
                    files: files(&mut session)?,
                };
                (watched.took, after, watched.locks.is_some())
            } else {
                let mut transaction = session.begin().map_err(read_error)?;
                let id = transaction
                    .start(Duration::ZERO)
                    .map_err(|error| self.failed(None, &error))?;
                let started = Instant::now();
                let state = transaction
                    .run_statement(&statement.text, statement.copy_data.as_deref(), &id)
                    .map_err(|error| self.failed(Some(statement), &error))?;
                let took = started.elapsed();
                let after = if state == TransactionState::Ours {
                    Seen {
                        locks: held_locks(&mut transaction, self.ledger)
                            .map_err(read_error)?
                            .into_iter()
                            .collect(),
                        files: relfilenodes(&mut transaction, self.ledger).map_err(read_error)?,
                    }
                } else {
                    no_locks()
                };
                let observed = state == TransactionState::Ours;
                transaction
                    .commit()
                    .map_err(|error| self.failed(Some(statement), &error))?;
                let after = if observed {
                    after
                } else {
                    Seen {
                        files: files(&mut session)?,
                        ..no_locks()
                    }
                };
                (took, after, observed)
            };
            traces.push(self.statement(statement, &before, &after, &existing, took, observed));
            before_files = after.files;
        }
        observer.close()?;
        session.close()?;
        Ok(traces)
    }

    /// What one statement did, from what was seen before and after it.
    fn statement(
        &self,
        statement: &ScriptStatement,
        before: &Seen,
        after: &Seen,
        existing: &BTreeSet<u32>,
        took: Duration,
        observed: bool,
    ) -> StatementTrace {
        let locks: Vec<(String, LockMode)> = after
            .locks
            .difference(&before.locks)
            .filter(|lock| existing.contains(&lock.oid))
            .map(|lock| (lock.relation.clone(), lock.mode))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let previous: BTreeMap<u32, u32> = before
            .files
            .iter()
            .map(|file| (file.oid, file.filenode))
            .collect();
        let rewrites: Vec<String> = after
            .files
            .iter()
            .filter(|file| existing.contains(&file.oid))
            .filter(|file| {
                previous
                    .get(&file.oid)
                    .is_some_and(|filenode| *filenode != file.filenode)
            })
            .map(|file| file.relation.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let file = self.migration.file();
        StatementTrace {
            file: file.name().to_string(),
            line: file.line_of(self.span(statement).start),
            blocks: Blocks::of(locks.iter().map(|(_, mode)| *mode)),
            locks,
            rewrites,
            took,
            observed,
        }
    }

    /// Where `statement` is in the migration's file.
    fn span(&self, statement: &ScriptStatement) -> Range<usize> {
        let base = self.migration.up_offset();
        base + statement.span.start..base + statement.span.end
    }

    /// `error` at `statement` (or, for one of plan's own statements, at the file's start).
    fn failed(&self, statement: Option<&ScriptStatement>, error: &SqlError) -> TraceError {
        let file = self.migration.file().clone();
        let span = statement.map_or(0..0, |statement| self.span(statement));
        TraceError::Statement(Box::new(StatementFailed {
            id: self.migration.id().to_string(),
            location: file.location(span.start),
            message: error.to_string(),
            span: to_source_span(&span),
            file,
        }))
    }
}

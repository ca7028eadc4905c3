//! [`Migrator`]: a checked project and what to do with it at start-up ([`Goal`]), run against
//! a database: wait for it ([`Retry`]), resolve the environment and its safeguards as `plan
//! apply` does, then apply through the engine or, verify-only, read the ledger. What it did is
//! a [`Started`]. Leaves the retry loop to `retry.rs`, the safeguards the service states to
//! `guard.rs`, progress events to `trace.rs`, its errors to `error.rs`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::{OutOfDate, StartupError};
use super::guard::{self, Stated};
use super::retry::{GaveUp, Retry, is_not_up_yet, until_reachable};
use super::trace::Tracer;
use crate::db::ConnectionSettings;
use crate::engine::outcome::Report;
use crate::engine::run::ApplyError;
use crate::engine::safeguards::{
    EnvironmentGuard, read_recorded_environments, recorded_environments,
};
use crate::engine::{self, ApplyOptions, Execution, Handlers};
use crate::load::{self, Loaded};
use crate::ops;
use crate::ops::status::State;
use crate::project::{MigrationId, Project, ProjectFiles, Resolution};

/// A project ready to be applied at start-up, and how to apply it. Build it with
/// [`Migrator::from_folder`], [`Migrator::from_files`] or [`Migrator::embedded`], adjust it
/// with the `with_*` methods, then call [`Migrator::run`] (or [`Migrator::run_from_env`]).
///
/// ```no_run
/// use std::time::Duration;
/// use pgplan::startup::{Migrator, Goal, Retry};
///
/// # fn main() -> Result<(), pgplan::startup::StartupError> {
/// let outcome = Migrator::from_folder("migrations-project")?
///     .with_goal(Goal::ApplyAll)
///     .with_retry(Retry::for_up_to(Duration::from_secs(60)))
///     .run_from_env()?;
/// # let _ = outcome;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Migrator {
    loaded: Loaded,
    handlers: Handlers,
    goal: Goal,
    environment: Option<String>,
    retry: Retry,
    lock_wait: Option<Duration>,
    backup_dir: Option<PathBuf>,
    confirmed: bool,
}

/// What start-up does to the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Goal {
    /// Apply every pending migration (`plan apply`).
    ApplyAll,
    /// Apply this migration and what it depends on (`plan apply --to ID`): an ID, a file name or
    /// a version only one migration has.
    ApplyTo(String),
    /// Apply nothing; refuse to start unless every migration (of the environment) is applied
    /// as this build has it. For services that must never migrate themselves.
    VerifyOnly,
}

/// What start-up found or did.
///
/// ```no_run
/// use pgplan::startup::{ApplyError, Migrator, Report, Started, StartupError};
///
/// fn log_start(result: Result<Started, StartupError>) {
///     match result {
///         Ok(Started::Applied(Report { applied, .. })) => {
///             for (id, took) in applied {
///                 println!("applied {id} in {took:?}");
///             }
///         }
///         Ok(Started::Verified { applied }) => println!("{applied} migrations, all applied"),
///         Err(StartupError::Apply(ApplyError::Migration(failed))) => {
///             eprintln!("{} failed: {}", failed.id, failed.message);
///         }
///         Err(other) => eprintln!("{other}"),
///     }
/// }
/// # log_start(Migrator::from_folder("project").and_then(|m| m.run_from_env()));
/// ```
#[derive(Clone, Debug)]
pub enum Started {
    /// Migrations were applied: by this process (the report lists them), or already by another
    /// replica or an earlier start (the report is empty).
    Applied(Report),
    /// Verify-only: the database has every migration.
    Verified {
        /// How many migrations are applied.
        applied: usize,
    },
}

/// The `application_name` the migrator's connections use when the settings name none, so that
/// a replica waiting for the lock can say who holds it.
const APPLICATION_NAME: &str = "plan start-up";

impl Migrator {
    /// Reads and checks the project in `dir` (as `plan` does) at run time.
    pub fn from_folder(dir: impl AsRef<Path>) -> Result<Migrator, StartupError> {
        Ok(Migrator::new(load::load_project(dir.as_ref())?))
    }

    /// Reads and checks a project held in memory.
    pub fn from_files(files: &ProjectFiles) -> Result<Migrator, StartupError> {
        Ok(Migrator::new(load::load_project_files(files)?))
    }

    /// Reads a project embedded at compile time by `crate::embed` (the list its build script
    /// wrote, brought in with `include!`). The build already checked it, so this fails only if
    /// the list was written by hand.
    pub fn embedded(files: crate::embed::EmbeddedFiles) -> Result<Migrator, StartupError> {
        Migrator::from_files(&ProjectFiles::from_static(files))
    }

    /// Replaces the goal (default: [`Goal::ApplyAll`]).
    pub fn with_goal(self, goal: Goal) -> Migrator {
        Migrator { goal, ..self }
    }

    /// Sets the environment (`plan apply --env`): migrations limited to others are skipped.
    pub fn with_environment(self, name: &str) -> Migrator {
        Migrator {
            environment: Some(name.to_string()),
            ..self
        }
    }

    /// Replaces how long to wait for the database to come up (default: 30 seconds).
    pub fn with_retry(self, retry: Retry) -> Migrator {
        Migrator { retry, ..self }
    }

    /// Bounds the wait for another replica's lock; `None` (the default) waits as long as the
    /// other replica applies.
    pub fn with_lock_wait(self, limit: Option<Duration>) -> Migrator {
        Migrator {
            lock_wait: limit,
            ..self
        }
    }

    /// Before the first statement of an apply with work to do, takes a verified backup into
    /// `dir`, as `plan apply --backup-dir` does: pg_dump and pg_restore at least as new as the
    /// server, the file (mode 0600) named after the database, the UTC time and the target,
    /// checked with `pg_restore --list`, and recorded in the ledger history. Required by an
    /// environment with `backup: required` (the migrator's, or one the database's ledger
    /// records); taken in any other when given. The file holds every row.
    pub fn backup_to(self, dir: impl AsRef<Path>) -> Migrator {
        Migrator {
            backup_dir: Some(dir.as_ref().to_path_buf()),
            ..self
        }
    }

    /// States that this run is confirmed, as `plan apply --yes` does: an environment with
    /// `confirm: true` refuses to be applied without it (a service has no one to ask), and so
    /// does a database whose ledger records another environment than the migrator's. Call it
    /// only where the service's own configuration says this deploy is meant to migrate that
    /// environment.
    pub fn confirmed(self) -> Migrator {
        Migrator {
            confirmed: true,
            ..self
        }
    }

    /// The Rust handlers that `handler` steps of plan.yaml name.
    pub fn with_handlers(self, handlers: Handlers) -> Migrator {
        Migrator { handlers, ..self }
    }

    /// The project, read-only: its migrations (`Project::migrations`), their IDs and files.
    pub fn project(&self) -> &Project {
        self.loaded.project()
    }

    /// Connects with the settings `plan` uses when given no URL — `DATABASE_URL`, then the
    /// `PG*` variables and `~/.pgpass` — and runs.
    pub fn run_from_env(&self) -> Result<Started, StartupError> {
        let settings = ConnectionSettings::from_process_environment(None)?;
        self.run(&settings)
    }

    /// Waits for the database at `settings` to come up, then applies or verifies as the mode
    /// says. Progress goes to `tracing` (target `pgplan::startup`); nothing is printed.
    pub fn run(&self, settings: &ConnectionSettings) -> Result<Started, StartupError> {
        let span = tracing::info_span!("migrate", database = %settings);
        let _entered = span.enter();
        let environment = self.environment()?;
        let settings = if settings.application_name().is_none() {
            settings.with_application_name(APPLICATION_NAME)
        } else {
            settings.clone()
        };
        match &self.goal {
            Goal::ApplyAll => self.apply(&settings, None, environment),
            Goal::ApplyTo(written) => {
                let target = self.target(written)?;
                self.apply(&settings, Some(target), environment)
            }
            Goal::VerifyOnly => self.verify(&settings, environment),
        }
    }

    fn new(loaded: Loaded) -> Migrator {
        Migrator {
            loaded,
            handlers: Handlers::new(),
            goal: Goal::ApplyAll,
            environment: None,
            retry: Retry::for_up_to(Duration::from_secs(30)),
            lock_wait: None,
            backup_dir: None,
            confirmed: false,
        }
    }

    fn environment(&self) -> Result<Option<&str>, StartupError> {
        let Some(name) = self.environment.as_deref() else {
            return Ok(None);
        };
        self.project()
            .check_environment(name)
            .map(|()| Some(name))
            .map_err(|help| StartupError::UnknownEnvironment {
                name: name.to_string(),
                help,
            })
    }

    fn target(&self, written: &str) -> Result<MigrationId, StartupError> {
        match self.project().resolve(written) {
            Resolution::Found(id) => Ok(id.clone()),
            Resolution::Ambiguous(ids) => Err(StartupError::UnknownTarget {
                written: written.to_string(),
                help: format!(
                    "several migrations have this version: {}; name one by its ID",
                    ids.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
            Resolution::Missing(closest) => Err(StartupError::UnknownTarget {
                written: written.to_string(),
                help: match closest {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => "name a migration by its ID, file name or unique version".to_string(),
                },
            }),
        }
    }

    fn stated(&self) -> Stated<'_> {
        Stated {
            backup_dir: self.backup_dir.as_deref(),
            confirmed: self.confirmed,
        }
    }

    fn apply(
        &self,
        settings: &ConnectionSettings,
        target: Option<MigrationId>,
        environment: Option<&str>,
    ) -> Result<Started, StartupError> {
        // What the migrator's own environment requires is refused before connecting; the
        // ledger, read next, may add the safeguards of the environment the database was
        // migrated in, as for `plan apply`.
        guard::owed(
            &EnvironmentGuard::resolve(self.loaded.project(), environment, &[]),
            self.stated(),
        )?;
        let recorded = until_reachable(
            &self.retry,
            settings,
            |settings| read_recorded_environments(self.loaded.project(), settings),
            is_not_up_yet,
        )
        .map_err(|gave_up| self.gave_up(gave_up))?;
        let guard = EnvironmentGuard::resolve(self.loaded.project(), environment, &recorded);
        if let (true, Some(name)) = (guard.taken_from_ledger(), guard.environment()) {
            tracing::info!(
                environment = name,
                "the ledger records that this database was migrated in this environment; running in it"
            );
        }
        guard::check(&guard, self.stated())?;
        let owed = guard::owed(&guard, self.stated())?;
        // The backup owed is taken by the engine under the lock, when the plan has work: of
        // replicas starting together, only the one that wins the lock backs up.
        let options = ApplyOptions {
            target,
            environment: guard.environment().map(str::to_string),
            mode: Execution::Live,
            lock_wait: self.lock_wait,
            allow: engine::Allow::default(),
            backup_to: owed.backup_dir().map(Path::to_path_buf),
            trace: super::trace::tracing_wanted(),
            lint: true,
        };
        let mut tracer = Tracer::default();
        // A failed attempt to connect changed nothing, so the whole apply is simply tried
        // again; a replica that loses the race for the lock waits inside the attempt.
        let report = until_reachable(
            &self.retry,
            settings,
            |settings| {
                engine::apply_with_handlers(
                    &self.loaded,
                    settings,
                    &options,
                    &self.handlers,
                    &mut |progress| tracer.observe(progress),
                )
            },
            |error| matches!(error, ApplyError::Db(db) if is_not_up_yet(db)),
        )
        .map_err(|gave_up| match gave_up {
            GaveUp::Unreachable {
                attempts,
                waited,
                last: ApplyError::Db(last),
            } => self.unreachable(attempts, waited, last),
            GaveUp::Unreachable { last, .. } | GaveUp::Failed(last) => StartupError::Apply(last),
        })?;
        tracing::info!(applied = report.applied.len(), "the database is up to date");
        Ok(Started::Applied(report))
    }

    fn verify(
        &self,
        settings: &ConnectionSettings,
        environment: Option<&str>,
    ) -> Result<Started, StartupError> {
        let rows = until_reachable(
            &self.retry,
            settings,
            |settings| {
                // Each attempt connects with its own timeout, hence a Target per attempt.
                let database = engine::target(self.project(), settings);
                let mut session = database.connect()?;
                let rows = database.ledger().read(&mut session)?;
                session.close()?;
                Ok(rows)
            },
            is_not_up_yet,
        )
        .map_err(|gave_up| self.gave_up(gave_up))?;
        // The environment as an apply would resolve it: a database migrated as production is
        // checked as production, so that a verifying replica and an applying one agree on
        // what the database must have.
        let recorded = recorded_environments(&rows);
        let guard = EnvironmentGuard::resolve(self.loaded.project(), environment, &recorded);
        let mut applied = 0;
        let mut migrations = Vec::new();
        for line in ops::status(&self.loaded, &rows, guard.environment()) {
            match line.state {
                State::Applied { .. } => applied += 1,
                State::Skipped { .. } => {}
                // A newer build applied it (a rolling deploy, or a rollback of the service):
                // this build has everything it needs.
                State::FileMissing { .. } => tracing::warn!(
                    migration = %line.id,
                    "applied in the database but unknown to this build"
                ),
                state => migrations.push(OutOfDate { id: line.id, state }),
            }
        }
        if migrations.is_empty() {
            tracing::info!(applied, "the database is up to date");
            Ok(Started::Verified { applied })
        } else {
            Err(StartupError::NotUpToDate {
                target: settings.to_string(),
                migrations,
            })
        }
    }

    fn gave_up(&self, gave_up: GaveUp<crate::db::DbError>) -> StartupError {
        match gave_up {
            GaveUp::Unreachable {
                attempts,
                waited,
                last,
            } => self.unreachable(attempts, waited, last),
            GaveUp::Failed(error) => StartupError::Db(error),
        }
    }

    fn unreachable(
        &self,
        attempts: u32,
        waited: Duration,
        last: crate::db::DbError,
    ) -> StartupError {
        StartupError::Unreachable {
            budget: self.retry.budget(),
            attempts,
            waited,
            last,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> ProjectFiles {
        let mut files = ProjectFiles::new();
        for (path, text) in list {
            files.insert(path, text.as_bytes().to_vec());
        }
        files
    }

    fn render(error: &StartupError) -> String {
        let mut text = String::new();
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::none())
            .with_width(100)
            .render_report(&mut text, error)
            .expect("render");
        text
    }

    #[test]
    fn a_project_with_a_cycle_is_refused_with_the_cycle_diagnostic() {
        let error = Migrator::from_files(&files(&[
            (
                "migrations/001_a.sql",
                "-- depends: 002_b\nCREATE TABLE a (id int);",
            ),
            (
                "migrations/002_b.sql",
                "-- depends: 001_a\nCREATE TABLE b (id int);",
            ),
        ]))
        .expect_err("a cycle");
        let shown = render(&error);
        assert!(shown.contains("plan::graph::cycle"), "{shown}");
        assert!(
            shown.contains("1 problem in the embedded project"),
            "{shown}"
        );
    }

    #[test]
    fn an_unknown_target_or_environment_is_refused_before_connecting() {
        let migrator = Migrator::from_files(&files(&[(
            "migrations/001_accounts.sql",
            "CREATE TABLE accounts (id int);",
        )]))
        .expect("a valid project");
        // Nothing listens here: a refusal must come before any connection attempt.
        let settings = ConnectionSettings::for_socket(Path::new("/nonexistent"), 1, "u", "d");
        let migrator = migrator
            .with_goal(Goal::ApplyTo("001_acounts".to_string()))
            .with_retry(Retry::never());
        let error = migrator.run(&settings).expect_err("unknown target");
        assert!(
            render(&error).contains("did you mean `001_accounts`?"),
            "{}",
            render(&error)
        );
        let error = migrator
            .with_goal(Goal::ApplyAll)
            .with_environment("production")
            .run(&settings)
            .expect_err("unknown environment");
        assert!(
            render(&error).contains("plan::startup::unknown_environment"),
            "{}",
            render(&error)
        );
    }

    #[test]
    fn an_environment_s_backup_and_confirmation_are_refused_before_connecting_unless_given() {
        let project = files(&[
            (
                "plan.yaml",
                "environments:\n  production: {backup: required, confirm: true}\n  qa: {confirm: true}\n",
            ),
            (
                "migrations/001_accounts.sql",
                "CREATE TABLE accounts (id int);",
            ),
        ]);
        let migrator = |environment: &str| {
            Migrator::from_files(&project)
                .expect("a valid project")
                .with_retry(Retry::never())
                .with_environment(environment)
        };
        // Nothing listens here: a refusal must come before any connection attempt.
        let settings = ConnectionSettings::for_socket(Path::new("/nonexistent"), 1, "u", "d");
        let check = |migrator: Migrator, expected: &str| {
            let error = migrator.run(&settings).expect_err("refused");
            assert!(error.is_invalid_configuration(), "{error:?}");
            let shown = render(&error);
            assert!(shown.contains(expected), "{expected:?} in {shown}");
        };
        let qa = || migrator("qa");
        check(qa(), "plan::startup::confirmation_needed");
        let production = || migrator("production");
        check(production(), "plan::startup::backup_dir_needed");
        check(production().confirmed(), "plan::startup::backup_dir_needed");
        check(
            production().backup_to("/nonexistent/backups"),
            "plan::startup::confirmation_needed",
        );
        // Given both, the run goes on to connect, and fails there.
        let error = qa()
            .confirmed()
            .run(&settings)
            .expect_err("nothing listens");
        assert!(!error.is_invalid_configuration(), "{error:?}");
    }
}

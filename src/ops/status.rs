//! The state of each migration against a database's ledger: what `plan status` shows. Pure
//! once the ledger rows are read.
//!
//! Also what the ledger says about the database as a whole: the environments its migrations
//! were applied in, and the [`EnvironmentGuard`] that makes a database migrated as production
//! stay production for `apply` and `rollback`, with or without `--env`. Asking the user, and
//! taking the backup, is the CLI's part; which environment's safeguards apply is decided here.

use indexmap::{IndexMap, IndexSet};
use miette::Diagnostic;

use crate::db::{
    ConnectionSettings, DbError, Ledger, LedgerRow, LedgerState, ResumePoint, Session,
};
use crate::engine::plan::{PlanError, check_resumable, short};
use crate::load::Loaded;
use crate::project::{BackupPolicy, Migration, MigrationId, Project};
use crate::sql::script::Script;

/// One migration's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// In the ledger, file unchanged.
    Applied {
        /// When, `YYYY-MM-DD HH:MM:SS UTC`.
        at: String,
        /// How long it took.
        duration_ms: i64,
        /// The apply run.
        batch: i32,
    },
    /// Not applied yet; apply would run it.
    Pending,
    /// Applied, but the file changed since.
    Modified {
        /// Checksum in the ledger (shortened).
        recorded: String,
        /// Checksum of the file now (shortened).
        current: String,
    },
    /// In the ledger, but no file has its ID.
    FileMissing {
        /// When it was applied.
        at: String,
    },
    /// Not applied, and cannot be: a dependency will not run in this environment.
    Blocked {
        /// The dependency in the way.
        by: MigrationId,
    },
    /// Ran partially (outside a transaction); the next run resumes.
    Partial {
        /// The next statement to run (1-based, for people).
        next_statement: usize,
        /// How many statements it has.
        statements: usize,
    },
    /// Its file is applied and some of its steps; the next run resumes at the next step.
    PartialSteps {
        /// The next step to run (1-based, for people).
        next_step: usize,
        /// How many steps it has.
        steps: usize,
    },
    /// Limited to other environments.
    Skipped {
        /// Where it runs.
        only: Vec<String>,
    },
    /// Its SQL ended plan's transaction in an earlier run: apply refuses it until `plan
    /// accept --resume-at` says how to go on.
    Interrupted {
        /// What happened, as the ledger records it.
        detail: String,
    },
    /// Its rollback ran outside a transaction and stopped part-way: the next rollback resumes,
    /// apply refuses it.
    RollingBack {
        /// The rollback statement the next rollback starts at (1-based, for people).
        next_statement: usize,
        /// How many statements the rollback has.
        statements: usize,
    },
}

impl State {
    /// The state's name in JSON and text: applied, pending, modified, file_missing, blocked,
    /// partial, skipped, interrupted, partially_rolled_back.
    pub fn name(&self) -> &'static str {
        match self {
            State::Applied { .. } => "applied",
            State::Pending => "pending",
            State::Modified { .. } => "modified",
            State::FileMissing { .. } => "file_missing",
            State::Blocked { .. } => "blocked",
            State::Partial { .. } | State::PartialSteps { .. } => "partial",
            State::Skipped { .. } => "skipped",
            State::Interrupted { .. } => "interrupted",
            State::RollingBack { .. } => "partially_rolled_back",
        }
    }
}

/// A migration (or ledger row without a file) and its state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationStatus {
    /// The migration's ID.
    pub id: String,
    /// Its state.
    pub state: State,
}

/// The state of a partial migration: where it resumes.
fn partial_state(migration: &Migration, script: &Script, at: ResumePoint) -> State {
    let next_statement = at.next_statement;
    match at.next_step {
        Some(done) => State::PartialSteps {
            next_step: done + 1,
            steps: migration.steps().len(),
        },
        None => State::Partial {
            next_statement: next_statement + 1,
            statements: script.statements.len(),
        },
    }
}

/// The state of every migration, in plan order, followed by ledger rows whose file is gone.
pub fn status(
    loaded: &Loaded,
    rows: &[LedgerRow],
    environment: Option<&str>,
) -> Vec<MigrationStatus> {
    let (project, graph) = (loaded.project(), loaded.graph());
    let recorded: IndexMap<&str, &LedgerRow> =
        rows.iter().map(|row| (row.id.as_str(), row)).collect();
    let mut states: IndexMap<&MigrationId, State> = IndexMap::new();
    for id in graph.order() {
        let Some(migration) = project.migration(id) else {
            continue;
        };
        let state = match recorded.get(id.as_str()) {
            Some(row) => match row.state {
                // A partial migration is judged as apply judges it: by what of it ran.
                LedgerState::Partial(at) if !row.completed.is_empty() => {
                    match check_resumable(migration, loaded.script(migration), row) {
                        Err(PlanError::Interrupted { detail, .. }) => State::Interrupted { detail },
                        Err(_) => State::Modified {
                            recorded: short(&row.checksum),
                            current: short(migration.checksum()),
                        },
                        Ok(()) => partial_state(migration, loaded.script(migration), at),
                    }
                }
                // A changed file is the first thing to know about, partial or not: apply
                // refuses both the same way.
                _ if row.checksum != migration.checksum() => State::Modified {
                    recorded: short(&row.checksum),
                    current: short(migration.checksum()),
                },
                LedgerState::Partial(at) => partial_state(migration, loaded.script(migration), at),
                LedgerState::RollingBack { next_statement } => State::RollingBack {
                    next_statement: next_statement + 1,
                    statements: loaded
                        .rollback_script(migration)
                        .map_or(0, |script| script.statements.len()),
                },
                LedgerState::Applied => State::Applied {
                    at: row.applied_at.clone(),
                    duration_ms: row.duration_ms,
                    batch: row.batch,
                },
            },
            None if !migration.runs_in(environment) => State::Skipped {
                only: migration.environments().unwrap_or_default().to_vec(),
            },
            None => {
                let blocker = graph
                    .dependencies_of(id)
                    .into_iter()
                    .find_map(|(dependency, _)| match states.get(dependency) {
                        Some(State::Skipped { .. }) => Some(dependency.clone()),
                        Some(State::Blocked { by }) => Some(by.clone()),
                        _ => None,
                    });
                match blocker {
                    Some(by) => State::Blocked { by },
                    None => State::Pending,
                }
            }
        };
        states.insert(id, state);
    }
    let mut lines: Vec<MigrationStatus> = states
        .into_iter()
        .map(|(id, state)| MigrationStatus {
            id: id.to_string(),
            state,
        })
        .collect();
    for row in rows {
        if project
            .migration(&MigrationId::new(row.id.clone()))
            .is_none()
        {
            lines.push(MigrationStatus {
                id: row.id.clone(),
                state: State::FileMissing {
                    at: row.applied_at.clone(),
                },
            });
        }
    }
    lines
}

/// The environments a database's migrations were applied in, as its ledger rows record them
/// (`--env` at the time), each once, in the ledger's order (batch, then ID).
pub fn recorded_environments(rows: &[LedgerRow]) -> Vec<String> {
    let names: IndexSet<&str> = rows
        .iter()
        .filter_map(|row| row.environment.as_deref())
        .collect();
    names.into_iter().map(str::to_string).collect()
}

/// Reads the ledger of the database `settings` points at, without the lock (a read, as a dry
/// run does), and returns [`recorded_environments`]; none when it has no ledger yet.
pub fn read_recorded_environments(
    project: &Project,
    settings: &ConnectionSettings,
) -> Result<Vec<String>, DbError> {
    let table = project.manifest().tracking_table();
    let ledger = Ledger::new(&table.schema, &table.table);
    let mut session = Session::connect(settings)?;
    let rows = ledger.read(&mut session)?;
    session.close()?;
    Ok(recorded_environments(&rows))
}

/// Which environment an `apply` or `rollback` runs in, and which safeguards it owes, given
/// `--env` and what the database's ledger records: a database migrated in an environment stays
/// in it. Without `--env`, the one environment the ledger records is used, with its
/// confirmation and backup; an `--env` other than the recorded one is a mismatch, refused
/// unless overridden ([`EnvironmentGuard::check`]), and even then the recorded environment's
/// safeguards still apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvironmentGuard {
    environment: Option<String>,
    from_ledger: bool,
    recorded: Vec<String>,
    confirm_by: Option<String>,
    backup_by: Option<String>,
    requested: Option<String>,
}

impl EnvironmentGuard {
    /// The guard for a run with `--env requested` on a database whose ledger records
    /// `recorded` (see [`recorded_environments`]).
    pub fn resolve(
        project: &Project,
        requested: Option<&str>,
        recorded: &[String],
    ) -> EnvironmentGuard {
        let (environment, from_ledger) = match (requested, recorded) {
            (Some(name), _) => (Some(name.to_string()), false),
            (None, [only]) => (Some(only.clone()), true),
            (None, _) => (None, false),
        };
        // Every environment involved owes its safeguards: the one the run uses, and the ones
        // the database was migrated in (an override with --yes does not lift them).
        let involved: IndexSet<&str> = environment
            .as_deref()
            .into_iter()
            .chain(recorded.iter().map(String::as_str))
            .collect();
        let first_with = |wanted: &dyn Fn(&crate::project::Environment) -> bool| {
            involved
                .iter()
                .find(|name| {
                    project
                        .manifest()
                        .environments()
                        .get(**name)
                        .is_some_and(wanted)
                })
                .map(|name| name.to_string())
        };
        let confirm_by = first_with(&|settings| settings.confirm);
        let backup_by = first_with(&|settings| settings.backup == BackupPolicy::Required);
        EnvironmentGuard {
            environment,
            from_ledger,
            recorded: recorded.to_vec(),
            confirm_by,
            backup_by,
            requested: requested.map(str::to_string),
        }
    }

    /// The environment the run uses (its migrations' environment limits, the ledger rows and
    /// history it writes): `--env`, else the one the ledger records, else none.
    pub fn environment(&self) -> Option<&str> {
        self.environment.as_deref()
    }

    /// Whether the environment was taken from the ledger rather than `--env`.
    pub fn from_ledger(&self) -> bool {
        self.from_ledger
    }

    /// The environment whose `confirm: true` makes the run ask first, if any: the run's own,
    /// else one the ledger records.
    pub fn confirmation_required_by(&self) -> Option<&str> {
        self.confirm_by.as_deref()
    }

    /// The environment whose `backup: required` makes the run take a verified backup first,
    /// if any: the run's own, else one the ledger records.
    pub fn backup_required_by(&self) -> Option<&str> {
        self.backup_by.as_deref()
    }

    /// The environments the ledger records other than the one the run uses.
    pub fn other_recorded(&self) -> Vec<&str> {
        self.recorded
            .iter()
            .map(String::as_str)
            .filter(|recorded| Some(*recorded) != self.environment.as_deref())
            .collect()
    }

    /// The environments the ledger records.
    pub fn recorded(&self) -> &[String] {
        &self.recorded
    }

    /// Refuses a run whose `--env` contradicts the ledger (or, without `--env`, a ledger that
    /// records several environments), unless `overridden` (`--yes`: the operator says the
    /// database is the one meant).
    pub fn check(&self, overridden: bool) -> Result<(), EnvironmentMismatch> {
        if overridden {
            return Ok(());
        }
        let others: Vec<&str> = self
            .recorded
            .iter()
            .map(String::as_str)
            .filter(|recorded| Some(*recorded) != self.requested.as_deref())
            .collect();
        match &self.requested {
            Some(requested) if !others.is_empty() => Err(EnvironmentMismatch::Other {
                requested: requested.clone(),
                recorded: others.join(", "),
            }),
            None if self.recorded.len() > 1 => Err(EnvironmentMismatch::Several {
                recorded: self.recorded.join(", "),
            }),
            _ => Ok(()),
        }
    }
}

/// `--env` contradicts the environment the database's ledger records.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum EnvironmentMismatch {
    /// `--env` names another environment than the ledger's.
    #[error(
        "--env {requested}, but this database's ledger records migrations applied in {recorded}"
    )]
    #[diagnostic(
        code(plan::apply::environment_mismatch),
        help(
            "check that the connection points at the database you meant; to run against it as {requested} anyway, pass --yes ({recorded}'s confirmation and backup still apply); nothing was done"
        )
    )]
    Other {
        /// `--env`.
        requested: String,
        /// The environments the ledger records other than it.
        recorded: String,
    },
    /// No `--env`, and the ledger records several environments: which one is meant is unclear.
    #[error(
        "this database's ledger records migrations applied in several environments ({recorded}), and no --env says which this run is"
    )]
    #[diagnostic(
        code(plan::apply::environment_mismatch),
        help(
            "pass --env NAME, and --yes to run despite the other environments recorded (their confirmation and backup still apply); nothing was done"
        )
    )]
    Several {
        /// The environments the ledger records.
        recorded: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a guard decided: (environment used, from the ledger, confirmation by, backup by,
    /// check without --yes).
    type Guarded = (
        Option<String>,
        bool,
        Option<String>,
        Option<String>,
        Result<(), String>,
    );

    /// The guard for `--env requested` on a database whose ledger records `recorded`, in a
    /// project where production confirms and backs up, staging does neither, and qa only
    /// confirms.
    fn check(requested: Option<&str>, recorded: &[&str]) -> Guarded {
        let dir = crate::testing::project_dir(&[
            (
                "plan.yaml",
                "environments:\n  production: {backup: required, confirm: true}\n  staging: {}\n  qa: {confirm: true}\n",
            ),
            ("migrations/001_a.sql", "SELECT 1;\n"),
        ]);
        let loaded = crate::load::load_project(dir.path()).expect("the project loads");
        let project = loaded.project();
        let recorded: Vec<String> = recorded.iter().map(|name| name.to_string()).collect();
        let guard = EnvironmentGuard::resolve(project, requested, &recorded);
        assert!(guard.check(true).is_ok(), "--yes overrides any mismatch");
        (
            guard.environment().map(str::to_string),
            guard.from_ledger(),
            guard.confirmation_required_by().map(str::to_string),
            guard.backup_required_by().map(str::to_string),
            guard.check(false).map_err(|mismatch| mismatch.to_string()),
        )
    }

    fn some(name: &str) -> Option<String> {
        Some(name.to_string())
    }

    #[test]
    fn a_database_migrated_in_production_stays_production_without_env() {
        assert_eq!(
            check(None, &["production"]),
            (
                some("production"),
                true,
                some("production"),
                some("production"),
                Ok(())
            )
        );
    }

    #[test]
    fn no_recorded_environment_leaves_the_run_as_env_says() {
        assert_eq!(check(None, &[]), (None, false, None, None, Ok(())));
        assert_eq!(
            check(Some("qa"), &[]),
            (some("qa"), false, some("qa"), None, Ok(())),
        );
        assert_eq!(
            check(Some("production"), &["production"]),
            (
                some("production"),
                false,
                some("production"),
                some("production"),
                Ok(())
            )
        );
    }

    #[test]
    fn another_env_is_a_mismatch_and_keeps_the_recorded_safeguards() {
        let (environment, from_ledger, confirm, backup, checked) =
            check(Some("staging"), &["production"]);
        assert_eq!(
            (environment, from_ledger, confirm, backup),
            (
                some("staging"),
                false,
                some("production"),
                some("production")
            )
        );
        assert_eq!(
            checked,
            Err(
                "--env staging, but this database's ledger records migrations applied in production"
                    .to_string()
            )
        );
    }

    #[test]
    fn several_recorded_environments_need_env_and_yes() {
        let (environment, _, confirm, backup, checked) = check(None, &["qa", "production"]);
        assert_eq!(
            (environment, confirm, backup),
            (None, some("qa"), some("production"))
        );
        assert!(
            checked.is_err_and(|message| message.contains("several environments (qa, production)"))
        );
        assert!(check(Some("qa"), &["qa", "production"]).4.is_err());
    }
}

//! The state of each migration against a database's ledger: what `plan status` shows. Pure
//! once the ledger rows are read.
//!
//! Which environment a database was migrated in, and the safeguards that follow from it, are
//! `engine::safeguards`' (`EnvironmentGuard`).

use indexmap::IndexMap;

use crate::db::{LedgerRow, LedgerState};
use crate::engine::plan::{PlanError, check_resumable, short};
use crate::graph::Graph;
use crate::project::{Migration, MigrationId, Project};
use crate::sql::script;

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
fn partial_state(migration: &Migration, next_statement: usize, next_step: Option<usize>) -> State {
    match next_step {
        Some(done) => State::PartialSteps {
            next_step: done + 1,
            steps: migration.steps().len(),
        },
        None => State::Partial {
            next_statement: next_statement + 1,
            statements: script::prepare(migration)
                .map(|script| script.statements.len())
                .unwrap_or_default(),
        },
    }
}

/// The state of every migration, in plan order, followed by ledger rows whose file is gone.
pub fn status(
    project: &Project,
    graph: &Graph,
    rows: &[LedgerRow],
    environment: Option<&str>,
) -> Vec<MigrationStatus> {
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
                LedgerState::Partial {
                    next_statement,
                    next_step,
                } if !row.completed.is_empty() => match check_resumable(migration, row) {
                    Err(PlanError::Interrupted { detail, .. }) => State::Interrupted { detail },
                    Err(_) => State::Modified {
                        recorded: short(&row.checksum),
                        current: short(migration.checksum()),
                    },
                    Ok(()) => partial_state(migration, next_statement, next_step),
                },
                // A changed file is the first thing to know about, partial or not: apply
                // refuses both the same way.
                _ if row.checksum != migration.checksum() => State::Modified {
                    recorded: short(&row.checksum),
                    current: short(migration.checksum()),
                },
                LedgerState::Partial {
                    next_statement,
                    next_step,
                } => partial_state(migration, next_statement, next_step),
                LedgerState::RollingBack { next_statement } => State::RollingBack {
                    next_statement: next_statement + 1,
                    statements: script::prepare_rollback(migration)
                        .and_then(Result::ok)
                        .map(|script| script.statements.len())
                        .unwrap_or_default(),
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

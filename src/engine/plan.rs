//! [`Plan`]: what an apply will do, computed from the project's graph, the ledger, the target
//! and the environment, before anything runs. Pure: the ledger rows are read by the caller.
//!
//! The plan refuses to start when an applied migration's file has changed (the checksum
//! differs), when a migration would run although something it depends on is limited to other
//! environments; [`Plan::check_handlers`] refuses handler steps the binary cannot run.

use indexmap::{IndexMap, IndexSet};
use miette::{Diagnostic, SourceSpan};

use super::record::{INTERRUPTED_PREFIX, completed_units};
use super::steps::handler::Handlers;
use crate::db::{LedgerRow, LedgerState, ResumePoint};
use crate::diagnostic::SourceFile;
use crate::graph::{Graph, Mode};
use crate::load::Loaded;
use crate::project::{Migration, MigrationId, Project, StepKind};
use crate::sql::script::Script;

/// What an apply will do, in order.
#[derive(Debug)]
pub struct Plan<'p> {
    steps: Vec<PlanStep<'p>>,
}

/// One migration of the plan and what happens to it.
#[derive(Debug)]
pub struct PlanStep<'p> {
    /// The migration.
    pub migration: &'p Migration,
    /// What happens to it.
    pub action: Action,
}

/// What happens to a migration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// It runs.
    Apply,
    /// It ran partially (work that commits as it goes) and resumes where it stopped.
    Resume {
        /// Where it goes on.
        at: ResumePoint,
        /// What the ledger records as done, which the run expects to find there when it
        /// records its own progress (see `db::Expected`).
        recorded: Vec<String>,
    },
    /// It is limited to other environments.
    Skip {
        /// The environments it runs in.
        only: Vec<String>,
    },
}

/// Why a plan cannot start. Nothing has run.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum PlanError {
    /// Applied migrations whose files changed since.
    #[error("{} applied migration(s) changed since they were applied: {}", changes.len(), ids(changes))]
    #[diagnostic(
        code(plan::apply::modified),
        help(
            "an applied migration must not change: restore the file, or write a new migration for the change; if the change is deliberate (a comment, a formatting fix), record it with `plan accept ID --reason \"...\"`"
        )
    )]
    Modified {
        /// Each changed migration.
        #[related]
        changes: Vec<ModifiedMigration>,
    },
    /// A migration that would run depends on one limited to other environments.
    #[error(
        "{id} would run in {environment}, but it depends on {dependency}, which runs only in {only}"
    )]
    #[diagnostic(
        code(plan::apply::blocked_by_environment),
        help("limit {id} to the same environments, or lift the limit on {dependency}")
    )]
    BlockedByEnvironment {
        /// The migration that would run.
        id: String,
        /// The dependency that will not.
        dependency: String,
        /// The environment.
        environment: String,
        /// Where the dependency runs.
        only: String,
    },
    /// Pending migrations whose checksum equals an applied migration whose file is gone.
    #[error("{} pending migration(s) look like renamed applied ones: {}", renames.len(), renames.iter().map(|(old, new)| format!("{new} (was {old})")).collect::<Vec<_>>().join(", "))]
    #[diagnostic(
        code(plan::apply::renamed),
        help(
            "the same content was applied under the old name, so applying it again would run it twice; if the file was renamed, record that with `plan accept --renamed OLD NEW --reason \"...\"`; if it really is new work, change it so it differs"
        )
    )]
    Renamed {
        /// Each (old ID, new ID).
        renames: Vec<(String, String)>,
    },
    /// Applied migrations whose files are gone.
    #[error("{} applied migration(s) have no file any more: {}", ids.len(), ids.join(", "))]
    #[diagnostic(
        code(plan::apply::missing_file),
        help(
            "restore the files (an applied migration's file is its record of what ran), or pass --allow-missing to apply the rest anyway"
        )
    )]
    MissingFiles {
        /// The migrations.
        ids: Vec<String>,
    },
    /// In a sequence, pending migrations that sort before applied ones.
    #[error("{} pending migration(s) sort before an applied one: {}", pending.len(), pending.iter().map(|(id, later)| format!("{id} (before applied {later})")).collect::<Vec<_>>().join(", "))]
    #[diagnostic(
        code(plan::apply::out_of_order),
        help(
            "in a numbered sequence each migration follows the one before it, and these were added after later ones ran (a merged branch, say); renumber them after the last applied one, or pass --allow-out-of-order to apply them where they are"
        )
    )]
    OutOfOrder {
        /// Each pending migration and the first applied one after it.
        pending: Vec<(String, String)>,
    },
    /// A migration that ended plan's transaction in an earlier run.
    #[error("migration {id} was interrupted in an earlier run: {detail}")]
    #[diagnostic(
        code(plan::apply::interrupted),
        help(
            "plan cannot know what of it is committed; check the database, then say how to go on: `plan accept {id} --reason \"...\" --resume-at end` when it is complete, or `--resume-at statement:N` / `step:N` to run it from there"
        )
    )]
    Interrupted {
        /// The migration.
        id: String,
        /// What happened.
        detail: String,
    },
    /// A partially applied migration whose completed part changed since it ran.
    #[error("migration {id} is partly applied, and {what} has changed since it ran")]
    #[diagnostic(
        code(plan::apply::changed_before_resume),
        help(
            "resuming would run an edited migration whose first part ran in its old form; restore the file and plan.yaml as they were (only what has not run yet may change), or, if the change is deliberate, say where to go on with `plan accept {id} --reason \"...\" --resume-at statement:N|step:N|end`"
        )
    )]
    ChangedBeforeResume {
        /// The migration.
        id: String,
        /// What changed (`statement 3`, `step 2`, `the file`).
        what: String,
    },
    /// A `handler` step names a handler this binary does not have.
    #[error("migration {id} runs handler `{name}`, which this plan binary does not have")]
    #[diagnostic(code(plan::apply::unknown_handler), help("{help}"))]
    UnknownHandler {
        /// The migration.
        id: String,
        /// The handler name.
        name: String,
        /// Which handlers there are, and how to add one.
        help: String,
        /// plan.yaml.
        #[source_code]
        file: SourceFile,
        /// The step.
        #[label("this step")]
        span: SourceSpan,
    },
    /// A migration whose rollback stopped part-way: it is neither applied nor rolled back.
    #[error(
        "migration {id} is partially rolled back (its rollback stopped before statement {next_statement}), so it cannot be applied"
    )]
    #[diagnostic(
        code(plan::apply::partially_rolled_back),
        help(
            "finish the rollback first: fix what made it fail, then run `plan rollback {id}`, which resumes at statement {next_statement}; nothing was applied"
        )
    )]
    RollingBack {
        /// The migration.
        id: String,
        /// The statement its rollback resumes at (1-based).
        next_statement: usize,
    },
}

/// One changed migration.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{id}: applied with checksum {recorded}, it now has {current}")]
#[diagnostic(code(plan::apply::modified_migration))]
pub struct ModifiedMigration {
    /// The migration.
    pub id: String,
    /// The checksum in the ledger.
    pub recorded: String,
    /// The file's checksum now.
    pub current: String,
    /// The file.
    #[source_code]
    pub file: SourceFile,
    /// Its first line.
    #[label("{what}")]
    pub span: SourceSpan,
    /// What the label says changed: the file, or the file or its plan.yaml entry.
    pub what: &'static str,
}

fn ids(changes: &[ModifiedMigration]) -> String {
    changes
        .iter()
        .map(|change| change.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What an apply lets through that it refuses by default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Allow {
    /// Apply although applied migrations' files are missing (`--allow-missing`).
    pub missing: bool,
    /// In a sequence, apply pending migrations that sort before applied ones
    /// (`--allow-out-of-order`).
    pub out_of_order: bool,
}

impl<'p> Plan<'p> {
    /// Plans an apply of `target` and its dependencies (everything when `None`) in
    /// `environment`, given the ledger's rows.
    pub fn new(
        loaded: &'p Loaded,
        ledger: &[LedgerRow],
        target: Option<&MigrationId>,
        environment: Option<&str>,
        allow: Allow,
    ) -> Result<Plan<'p>, PlanError> {
        let (project, graph) = (loaded.project(), loaded.graph());
        let recorded: IndexMap<&str, &LedgerRow> =
            ledger.iter().map(|row| (row.id.as_str(), row)).collect();
        check_unchanged(project, &recorded)?;
        check_renames_and_missing(project, ledger, allow)?;
        for row in ledger {
            if let (Some(migration), LedgerState::Partial { .. }) = (
                project.migration(&MigrationId::new(row.id.clone())),
                row.state,
            ) {
                check_resumable(migration, loaded.script(migration), row)?;
            }
        }
        let selected: Vec<&MigrationId> = match target {
            Some(target) => graph.closure(target),
            None => graph.order().iter().collect(),
        };
        let mut skipped: IndexSet<&MigrationId> = IndexSet::new();
        let mut steps = Vec::new();
        for id in selected {
            let Some(migration) = project.migration(id) else {
                continue;
            };
            let row = recorded.get(id.as_str());
            let action = match row.map(|row| row.state) {
                Some(LedgerState::Applied) => continue,
                Some(LedgerState::Partial(at)) => Action::Resume {
                    at,
                    recorded: row.map(|row| row.completed.clone()).unwrap_or_default(),
                },
                Some(LedgerState::RollingBack { next_statement }) => {
                    return Err(PlanError::RollingBack {
                        id: id.to_string(),
                        next_statement: next_statement + 1,
                    });
                }
                None if !migration.runs_in(environment) => {
                    skipped.insert(id);
                    Action::Skip {
                        only: migration.environments().unwrap_or_default().to_vec(),
                    }
                }
                None => Action::Apply,
            };
            if !matches!(action, Action::Skip { .. }) {
                check_dependencies_run(migration, graph, &skipped, environment, project)?;
            }
            steps.push(PlanStep { migration, action });
        }
        if *graph.mode() == Mode::Sequence && !allow.out_of_order {
            check_order(graph, &recorded, &steps)?;
        }
        Ok(Plan { steps })
    }

    /// The steps, in order: migrations to apply, resume or skip. Applied ones are not listed.
    pub fn steps(&self) -> &[PlanStep<'p>] {
        &self.steps
    }

    /// Checks that every `handler` step of what will run names a handler in `handlers`, before
    /// anything runs.
    pub fn check_handlers(&self, handlers: &Handlers) -> Result<(), PlanError> {
        for step in &self.steps {
            if matches!(step.action, Action::Skip { .. }) {
                continue;
            }
            for declared in step.migration.steps() {
                let StepKind::Handler { name } = &declared.kind else {
                    continue;
                };
                if handlers.get(name).is_none() {
                    let known: Vec<&str> = handlers.names().collect();
                    let help = if known.is_empty() {
                        "the stock plan binary has no handlers: build your own binary with this handler registered (docs/handlers.md, examples/custom_plan/main.rs)".to_string()
                    } else {
                        format!(
                            "this binary has: {}; register `{name}` in your binary (docs/handlers.md)",
                            known.join(", ")
                        )
                    };
                    return Err(PlanError::UnknownHandler {
                        id: step.migration.id().to_string(),
                        name: name.clone(),
                        help,
                        file: declared.origin.file.clone(),
                        span: declared.origin.source_span(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Whether anything will run.
    pub fn has_work(&self) -> bool {
        self.steps
            .iter()
            .any(|step| !matches!(step.action, Action::Skip { .. }))
    }
}

/// Applied migrations must be unchanged. A partial one is checked by [`check_resumable`]
/// instead: only what of it already ran must be.
fn check_unchanged(
    project: &Project,
    recorded: &IndexMap<&str, &LedgerRow>,
) -> Result<(), PlanError> {
    let changes: Vec<ModifiedMigration> = project
        .migrations()
        .filter_map(|migration| {
            let row = recorded.get(migration.id().as_str())?;
            let resumable_by_proof =
                matches!(row.state, LedgerState::Partial { .. }) && !row.completed.is_empty();
            (!resumable_by_proof && row.checksum != migration.checksum()).then(|| {
                ModifiedMigration {
                    id: migration.id().to_string(),
                    recorded: short(&row.checksum),
                    current: short(migration.checksum()),
                    file: migration.file().clone(),
                    span: SourceSpan::from(0..0),
                    what: if migration.checksum() == migration.file_checksum() {
                        "this file changed"
                    } else {
                        "this file or its plan.yaml entry changed"
                    },
                }
            })
        })
        .collect();
    if changes.is_empty() {
        Ok(())
    } else {
        Err(PlanError::Modified { changes })
    }
}

/// A pending migration with the checksum of an applied one whose file is gone was renamed;
/// any other applied migration without a file stops apply unless allowed.
fn check_renames_and_missing(
    project: &Project,
    ledger: &[LedgerRow],
    allow: Allow,
) -> Result<(), PlanError> {
    let gone: Vec<&LedgerRow> = ledger
        .iter()
        .filter(|row| {
            project
                .migration(&MigrationId::new(row.id.clone()))
                .is_none()
        })
        .collect();
    if gone.is_empty() {
        return Ok(());
    }
    let recorded: IndexSet<&str> = ledger.iter().map(|row| row.id.as_str()).collect();
    let renames: Vec<(String, String)> = project
        .migrations()
        .filter(|migration| !recorded.contains(migration.id().as_str()))
        .filter_map(|migration| {
            let old = gone.iter().find(|row| {
                row.checksum == migration.checksum() || row.checksum == migration.file_checksum()
            })?;
            Some((old.id.clone(), migration.id().to_string()))
        })
        .collect();
    if !renames.is_empty() {
        return Err(PlanError::Renamed { renames });
    }
    if allow.missing {
        return Ok(());
    }
    Err(PlanError::MissingFiles {
        ids: gone.iter().map(|row| row.id.clone()).collect(),
    })
}

/// A partial migration resumes only when what of it already ran is what the project says
/// now, and never after it ended plan's transaction itself.
pub(crate) fn check_resumable(
    migration: &Migration,
    script: &Script,
    row: &LedgerRow,
) -> Result<(), PlanError> {
    if let Some(interrupted) = row
        .completed
        .iter()
        .find(|entry| entry.starts_with(INTERRUPTED_PREFIX))
    {
        return Err(PlanError::Interrupted {
            id: row.id.clone(),
            detail: interrupted
                .trim_start_matches(INTERRUPTED_PREFIX)
                .trim()
                .to_string(),
        });
    }
    // A row from before progress was recorded is covered by the checksum comparison.
    if row.completed.is_empty() {
        return Ok(());
    }
    let LedgerState::Partial(at) = row.state else {
        return Ok(());
    };
    let changed = |what: String| PlanError::ChangedBeforeResume {
        id: row.id.clone(),
        what,
    };
    let expected = completed_units(migration, script, at);
    if expected == row.completed {
        return Ok(());
    }
    let first_difference = expected
        .iter()
        .zip(&row.completed)
        .position(|(now, then)| now != then)
        .unwrap_or(expected.len().min(row.completed.len()));
    let what = match at.next_step {
        None => format!(
            "one of statements 1–{next_statement} of the file",
            next_statement = at.next_statement
        ),
        Some(_) if first_difference == 0 => "the file".to_string(),
        Some(_) => format!("step {} in plan.yaml", first_difference),
    };
    Err(changed(what))
}

/// In a sequence, a pending migration that sorts before an applied one was added late.
fn check_order(
    graph: &Graph,
    recorded: &IndexMap<&str, &LedgerRow>,
    steps: &[PlanStep<'_>],
) -> Result<(), PlanError> {
    let position: IndexMap<&str, usize> = graph
        .order()
        .iter()
        .enumerate()
        .map(|(index, id)| (id.as_str(), index))
        .collect();
    let last_applied = graph
        .order()
        .iter()
        .rev()
        .find(|id| recorded.contains_key(id.as_str()));
    let Some(last_applied) = last_applied else {
        return Ok(());
    };
    let last_position = position.get(last_applied.as_str()).copied().unwrap_or(0);
    let pending: Vec<(String, String)> = steps
        .iter()
        .filter(|step| step.action == Action::Apply)
        .filter_map(|step| {
            let at = *position.get(step.migration.id().as_str())?;
            if at > last_position {
                return None;
            }
            let later = graph.order()[at..]
                .iter()
                .find(|id| recorded.contains_key(id.as_str()))?;
            Some((step.migration.id().to_string(), later.to_string()))
        })
        .collect();
    if pending.is_empty() {
        Ok(())
    } else {
        Err(PlanError::OutOfOrder { pending })
    }
}

/// The first 12 hex digits: enough to tell checksums apart in a message.
pub(crate) fn short(checksum: &str) -> String {
    checksum.chars().take(12).collect()
}

fn check_dependencies_run(
    migration: &Migration,
    graph: &Graph,
    skipped: &IndexSet<&MigrationId>,
    environment: Option<&str>,
    project: &Project,
) -> Result<(), PlanError> {
    for (dependency, _) in graph.dependencies_of(migration.id()) {
        if skipped.contains(dependency) {
            let only = project
                .migration(dependency)
                .and_then(Migration::environments)
                .unwrap_or_default()
                .join(", ");
            return Err(PlanError::BlockedByEnvironment {
                id: migration.id().to_string(),
                dependency: dependency.to_string(),
                environment: match environment {
                    Some(name) => format!("in environment {name}"),
                    None => "without --env".to_string(),
                },
                only,
            });
        }
    }
    Ok(())
}

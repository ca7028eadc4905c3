//! [`Plan`]: what an apply will do, computed from the project's graph, the ledger, the target
//! and the environment, before anything runs. Pure: the ledger rows are read by the caller.
//!
//! The plan refuses to start when an applied migration's file has changed (the checksum
//! differs), when a migration would run although something it depends on is limited to other
//! environments; [`Plan::check_handlers`] refuses handler steps the binary cannot run.

use indexmap::{IndexMap, IndexSet};
use miette::{Diagnostic, SourceSpan};

use super::handler::Handlers;
use crate::db::{LedgerRow, LedgerState};
use crate::diagnostic::SourceFile;
use crate::graph::Graph;
use crate::project::{Migration, MigrationId, Project, StepKind};

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
        /// For a file run outside a transaction: the first statement not yet run (0-based).
        next_statement: usize,
        /// `None` while the file is unfinished; then how many steps are done.
        next_step: Option<usize>,
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
#[error("{id}: applied with checksum {recorded}, the file now has {current}")]
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
    #[label("this file changed")]
    pub span: SourceSpan,
}

fn ids(changes: &[ModifiedMigration]) -> String {
    changes
        .iter()
        .map(|change| change.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl<'p> Plan<'p> {
    /// Plans an apply of `target` and its dependencies (everything when `None`) in
    /// `environment`, given the ledger's rows.
    pub fn new(
        project: &'p Project,
        graph: &Graph,
        ledger: &[LedgerRow],
        target: Option<&MigrationId>,
        environment: Option<&str>,
    ) -> Result<Plan<'p>, PlanError> {
        let recorded: IndexMap<&str, &LedgerRow> =
            ledger.iter().map(|row| (row.id.as_str(), row)).collect();
        check_unchanged(project, &recorded)?;
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
            let action = match recorded.get(id.as_str()).map(|row| row.state) {
                Some(LedgerState::Applied) => continue,
                Some(LedgerState::Partial {
                    next_statement,
                    next_step,
                }) => Action::Resume {
                    next_statement,
                    next_step,
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

fn check_unchanged(
    project: &Project,
    recorded: &IndexMap<&str, &LedgerRow>,
) -> Result<(), PlanError> {
    let changes: Vec<ModifiedMigration> = project
        .migrations()
        .filter_map(|migration| {
            let row = recorded.get(migration.id().as_str())?;
            (row.checksum != migration.checksum()).then(|| ModifiedMigration {
                id: migration.id().to_string(),
                recorded: short(&row.checksum),
                current: short(migration.checksum()),
                file: migration.file().clone(),
                span: SourceSpan::from(0..0),
            })
        })
        .collect();
    if changes.is_empty() {
        Ok(())
    } else {
        Err(PlanError::Modified { changes })
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

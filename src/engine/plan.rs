//! [`Plan`]: what an apply will do, computed from the project's graph, the ledger, the target
//! and the environment, before anything runs. Pure: the ledger rows are read by the caller.
//!
//! The plan refuses to start when an applied migration's file has changed (the checksum
//! differs; a repeatable migration's change is no refusal: it runs again, after the versioned
//! migrations, replacing its ledger row), when a migration would run although something it depends on is limited to other
//! environments; [`Plan::check_handlers`] refuses handler steps the binary cannot run.

use indexmap::{IndexMap, IndexSet};
use miette::{Diagnostic, SourceSpan};

use super::record::{INTERRUPTED_PREFIX, completed_units};
use super::steps::handler::Handlers;
use crate::db::{LedgerRow, LedgerState, ResumePoint};
use crate::diagnostic::SourceFile;
use crate::graph::{Graph, OrderMode};
use crate::infer::DependencyProblem;
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
    /// For a repeatable migration applied before and changed since: the checksum its ledger
    /// row records, which this run replaces. `None` for every other migration.
    pub replaces: Option<String>,
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
    /// What would run uses objects that a migration it does not depend on creates, and that
    /// one would be left out of the run or run after (`plan check` lists them).
    #[error(
        "{} inside what this apply would run: {}",
        crate::diagnostic::counted(problems.len(), "undeclared dependency", "undeclared dependencies"),
        ids.join(", ")
    )]
    #[diagnostic(
        code(plan::apply::undeclared_dependency),
        help(
            "declare each dependency listed above (`plan check --fix` writes them) or fix the order, then apply again; nothing was run"
        )
    )]
    UndeclaredDependency {
        /// Each `user (needs creator)`.
        ids: Vec<String>,
        /// Each problem (`plan::graph::missing_dependency`, `plan::graph::used_before_created`).
        #[related]
        problems: Vec<DependencyProblem>,
    },
    /// A migration that would run conflicts with one applied, or applied before it in this run
    /// (Sqitch's `[!name]`).
    #[error("{id} conflicts with {conflicting}, which {when}")]
    #[diagnostic(
        code(plan::apply::conflict),
        help(
            "the plan says {id} must not be deployed while {conflicting} is: roll {conflicting} back first (`plan rollback {conflicting}`), or remove the conflict from the plan; nothing was run"
        )
    )]
    Conflict {
        /// The migration that would run.
        id: String,
        /// The one it conflicts with.
        conflicting: String,
        /// `is applied` or `this apply would run before it`.
        when: &'static str,
        /// Where the conflict is declared.
        #[source_code]
        file: SourceFile,
        /// The declaration.
        #[label("declared here")]
        span: SourceSpan,
    },
    /// Applied migrations whose files changed since.
    #[error(
        "{} changed since {} applied: {}",
        crate::diagnostic::counted(changes.len(), "applied migration", "applied migrations"),
        if changes.len() == 1 { "it was" } else { "they were" },
        ids(changes)
    )]
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
    /// The migration asked for (`--to`, `Goal::ApplyTo`) is not applied and is limited to
    /// environments this apply is not in: it would be skipped, so the apply would do all but
    /// what was asked.
    #[error("{id} runs only in {only}, so applying it {environment} would skip it")]
    #[diagnostic(
        code(plan::apply::target_environment),
        help(
            "name an environment it runs in: `--env {first}` (a service: `Migrator::with_environment(\"{first}\")`); nothing was applied"
        )
    )]
    TargetInOtherEnvironment {
        /// The target.
        id: String,
        /// The environments it runs in, comma-separated.
        only: String,
        /// The first of them, for the help.
        first: String,
        /// `without --env`, or `in staging`.
        environment: String,
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

/// The project is valid; the database's state (or a handler missing from this binary) refuses
/// the plan: the operation failed. A target the environment skips is the request's own
/// contradiction: invalid input.
impl crate::diagnostic::Classified for PlanError {
    fn class(&self) -> crate::diagnostic::ErrorClass {
        match self {
            PlanError::TargetInOtherEnvironment { .. } | PlanError::UndeclaredDependency { .. } => {
                crate::diagnostic::ErrorClass::InvalidInput
            }
            _ => crate::diagnostic::ErrorClass::Failed,
        }
    }
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
        if let Some(target) = target {
            check_target_runs(project, &recorded, target, environment)?;
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
            let mut replaces = None;
            let action = match row.map(|row| row.state) {
                // A repeatable migration whose file changed since it ran runs again.
                Some(LedgerState::Applied) => match row {
                    Some(row) if is_changed_repeatable(migration, row) => {
                        if !migration.runs_in(environment) {
                            skipped.insert(id);
                            Action::Skip {
                                only: migration.environments().unwrap_or_default().to_vec(),
                            }
                        } else {
                            replaces = Some(row.checksum.clone());
                            Action::Apply
                        }
                    }
                    _ => continue,
                },
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
            steps.push(PlanStep {
                migration,
                action,
                replaces,
            });
        }
        if *graph.mode() == OrderMode::Sequence && !allow.out_of_order {
            check_order(project, graph, &recorded, &steps)?;
        }
        check_conflicts(&recorded, &steps)?;
        check_inferred(loaded, &recorded, &steps)?;
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

/// The migration an apply is asked for runs in its environment, unless it is already in the
/// ledger (applied, or partly: then there is nothing to skip).
fn check_target_runs(
    project: &Project,
    recorded: &IndexMap<&str, &LedgerRow>,
    target: &MigrationId,
    environment: Option<&str>,
) -> Result<(), PlanError> {
    let Some(migration) = project.migration(target) else {
        return Ok(());
    };
    if recorded.contains_key(target.as_str()) || migration.runs_in(environment) {
        return Ok(());
    }
    let only = migration.environments().unwrap_or_default();
    Err(PlanError::TargetInOtherEnvironment {
        id: target.to_string(),
        only: only.join(", "),
        first: only.first().cloned().unwrap_or_default(),
        environment: match environment {
            Some(name) => format!("in {name}"),
            None => "without --env".to_string(),
        },
    })
}

/// Whether `migration` is repeatable and `row` records it applied with another checksum: it
/// runs again (`changed`), where a versioned migration's change is refused.
pub(crate) fn is_changed_repeatable(migration: &Migration, row: &LedgerRow) -> bool {
    migration.is_repeatable()
        && row.state == LedgerState::Applied
        && row.checksum != migration.checksum()
}

/// Applied migrations must be unchanged, but for repeatable ones, which run again. A partial
/// one is checked by [`check_resumable`] instead: only what of it already ran must be.
fn check_unchanged(
    project: &Project,
    recorded: &IndexMap<&str, &LedgerRow>,
) -> Result<(), PlanError> {
    let changes: Vec<ModifiedMigration> = project
        .migrations()
        .filter_map(|migration| {
            let row = recorded.get(migration.id().as_str())?;
            if is_changed_repeatable(migration, row) {
                return None;
            }
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
/// Repeatable migrations are no part of the sequence: one applied does not make the versioned
/// migrations added after it late, and one pending is never late.
fn check_order(
    project: &Project,
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
    let versioned = |id: &MigrationId| {
        project
            .migration(id)
            .is_some_and(|migration| !migration.is_repeatable())
    };
    let last_applied = graph
        .order()
        .iter()
        .rev()
        .find(|id| versioned(id) && recorded.contains_key(id.as_str()));
    let Some(last_applied) = last_applied else {
        return Ok(());
    };
    let last_position = position.get(last_applied.as_str()).copied().unwrap_or(0);
    let pending: Vec<(String, String)> = steps
        .iter()
        .filter(|step| step.action == Action::Apply && !step.migration.is_repeatable())
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

/// Refuses a plan that would run a migration while one it conflicts with is applied, or is
/// applied earlier in the same run.
fn check_conflicts(
    recorded: &IndexMap<&str, &LedgerRow>,
    steps: &[PlanStep<'_>],
) -> Result<(), PlanError> {
    let mut running: IndexSet<&MigrationId> = IndexSet::new();
    for step in steps {
        if matches!(step.action, Action::Skip { .. }) {
            continue;
        }
        for conflict in step.migration.conflicts() {
            let when = if recorded.contains_key(conflict.target.as_str()) {
                "is applied"
            } else if running.contains(&conflict.target) {
                "this apply would run before it"
            } else {
                continue;
            };
            return Err(PlanError::Conflict {
                id: step.migration.id().to_string(),
                conflicting: conflict.target.to_string(),
                when,
                file: conflict.origin.file.clone(),
                span: conflict.origin.source_span(),
            });
        }
        running.insert(step.migration.id());
    }
    Ok(())
}

/// The first 12 hex digits: enough to tell checksums apart in a message.
/// Refuses a plan that would run a migration before (or without) the one creating an object
/// it uses, which it does not declare: `--to` leaves such a creator out. A creator the ledger
/// lists as applied, or that runs earlier in this plan, is fine.
fn check_inferred(
    loaded: &Loaded,
    recorded: &IndexMap<&str, &LedgerRow>,
    steps: &[PlanStep<'_>],
) -> Result<(), PlanError> {
    let running: IndexMap<&MigrationId, usize> = steps
        .iter()
        .filter(|step| !matches!(step.action, Action::Skip { .. }))
        .enumerate()
        .map(|(index, step)| (step.migration.id(), index))
        .collect();
    // Only an edge whose user runs can refuse the plan: with nothing to run (an up-to-date
    // database), the inference, which reads every migration's SQL, is not computed at all.
    if running.is_empty() {
        return Ok(());
    }
    let mut ids = Vec::new();
    let mut problems = Vec::new();
    for edge in loaded.inference().problems() {
        let Some(&user_at) = running.get(&edge.user) else {
            continue;
        };
        let applied = recorded
            .get(edge.creator.as_str())
            .is_some_and(|row| row.state == LedgerState::Applied);
        let runs_before = running
            .get(&edge.creator)
            .is_some_and(|&creator_at| creator_at < user_at);
        if applied || runs_before {
            continue;
        }
        if let Some(problem) = DependencyProblem::of(edge, loaded.project()) {
            ids.push(format!("{} (needs {})", edge.user, edge.creator));
            problems.push(problem);
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(PlanError::UndeclaredDependency { ids, problems })
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::ResumePoint;
    use crate::engine::record::completed_units;
    use crate::load::load_project;
    use crate::testing::project_dir;

    /// A ledger row, written as `ID STATE [FLAG]`: STATE is `applied`, `statement:N` (a file
    /// stopped before statement N, 0-based), `steps:N` (the file and N steps done) or
    /// `rolling_back:N`; FLAG `changed` records another checksum, `proof` records what of it
    /// ran as a run would (`completed`). A row whose ID is not in the project gets checksum
    /// `gone-ID`.
    fn row(loaded: &Loaded, written: &str) -> LedgerRow {
        let words: Vec<&str> = written.split_whitespace().collect();
        let (id, state) = (words[0], words[1]);
        let flag = words.get(2).copied();
        let number = |prefix: &str| state.trim_start_matches(prefix).parse().expect("a number");
        let state = match state {
            "applied" => LedgerState::Applied,
            _ if state.starts_with("statement:") => {
                LedgerState::Partial(ResumePoint::at_statement(number("statement:")))
            }
            _ if state.starts_with("steps:") => {
                LedgerState::Partial(ResumePoint::after_steps(number("steps:")))
            }
            _ if state.starts_with("rolling_back:") => LedgerState::RollingBack {
                next_statement: number("rolling_back:"),
            },
            _ => panic!("unknown state {state}"),
        };
        let migration = loaded.project().migration(&MigrationId::new(id));
        let checksum = match (migration, flag) {
            (None, _) => format!("gone-{id}"),
            (Some(_), Some("changed")) => "0".repeat(64),
            (Some(migration), _) => migration.checksum().to_string(),
        };
        let completed = match (migration, state, flag) {
            (Some(migration), LedgerState::Partial(at), Some("proof")) => {
                completed_units(migration, loaded.script(migration), at)
            }
            _ => Vec::new(),
        };
        LedgerRow {
            id: id.to_string(),
            checksum,
            batch: 1,
            state,
            applied_at: String::new(),
            duration_ms: 0,
            applied_by: String::new(),
            environment: None,
            completed,
        }
    }

    /// The plan as text: a line per migration (`apply ID`, `resume ID at statement N` or
    /// `resume ID after N step(s)`, `skip ID (only ENVIRONMENTS)`), or the error's code and
    /// message.
    fn render(plan: Result<Plan<'_>, PlanError>) -> String {
        match plan {
            Err(error) => format!(
                "{}: {error}",
                error
                    .code()
                    .map(|code| code.to_string())
                    .unwrap_or_default()
            ),
            Ok(plan) => plan
                .steps()
                .iter()
                .map(|step| {
                    let id = step.migration.id();
                    match &step.action {
                        Action::Apply => format!("apply {id}"),
                        Action::Resume { at, .. } => match at.next_step {
                            None => format!("resume {id} at statement {}", at.next_statement),
                            Some(done) => format!("resume {id} after {done} step(s)"),
                        },
                        Action::Skip { only } => format!("skip {id} (only {})", only.join(", ")),
                    }
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// Plans an apply of the project of `files`, in `environment`, given the ledger `rows`
    /// (see [`row`]), letting through what `allow` says, and compares the plan with `expect`.
    fn check_with(
        files: &[(&str, &str)],
        rows: &[&str],
        (environment, allow): (Option<&str>, Allow),
        expect: &str,
    ) {
        let dir = project_dir(files);
        let loaded = load_project(dir.path()).expect("the project loads");
        let rows: Vec<LedgerRow> = rows.iter().map(|written| row(&loaded, written)).collect();
        let plan = Plan::new(&loaded, &rows, None, environment, allow);
        assert_eq!(render(plan), expect);
    }

    fn check(files: &[(&str, &str)], rows: &[&str], expect: &str) {
        check_with(files, rows, (None, Allow::default()), expect);
    }

    const THREE: &[(&str, &str)] = &[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
        ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
    ];

    const NO_TRANSACTION: &[(&str, &str)] = &[(
        "migrations/001_rows.sql",
        "-- plan: no-transaction\nCREATE TABLE k (id int);\nINSERT INTO k VALUES (1);\nINSERT INTO k VALUES (2);\n",
    )];

    #[test]
    fn an_empty_ledger_applies_everything_in_order() {
        check(THREE, &[], "apply 001_a\napply 002_b\napply 003_c");
    }

    #[test]
    fn applied_migrations_are_not_listed() {
        check(THREE, &["001_a applied", "002_b applied"], "apply 003_c");
        check(
            THREE,
            &["001_a applied", "002_b applied", "003_c applied"],
            "",
        );
    }

    #[test]
    fn the_inference_is_computed_only_when_something_runs() {
        // `a` uses a table `b` creates after it: an undeclared dependency only a plan that
        // runs `a` can refuse.
        let files = [
            (
                "migrations/001_a.sql",
                "CREATE VIEW a AS SELECT id FROM b;\n",
            ),
            ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
        ];
        let dir = project_dir(&files);
        let loaded = load_project(dir.path()).expect("the project loads");
        let applied = ["001_a applied", "002_b applied"].map(|written| row(&loaded, written));
        let plan = Plan::new(&loaded, &applied, None, None, Allow::default());
        assert_eq!(render(plan), "");
        assert!(
            !loaded.inferred(),
            "an up-to-date plan read every migration's SQL"
        );
        let plan = Plan::new(&loaded, &[], None, None, Allow::default());
        assert!(render(plan).starts_with("plan::apply::undeclared_dependency"));
        assert!(loaded.inferred());
    }

    #[test]
    fn a_partial_migration_resumes_where_it_stopped() {
        check(
            NO_TRANSACTION,
            &["001_rows statement:2"],
            "resume 001_rows at statement 2",
        );
        check(
            NO_TRANSACTION,
            &["001_rows statement:2 proof"],
            "resume 001_rows at statement 2",
        );
    }

    #[test]
    fn a_partial_migration_whose_run_part_changed_does_not_resume() {
        let edited = [(
            "migrations/001_rows.sql",
            "-- plan: no-transaction\nCREATE TABLE k (id bigint);\nINSERT INTO k VALUES (1);\nINSERT INTO k VALUES (2);\n",
        )];
        let dir = project_dir(NO_TRANSACTION);
        let before = load_project(dir.path()).expect("the project loads");
        let proof = row(&before, "001_rows statement:2 proof");
        let dir = project_dir(&edited);
        let after = load_project(dir.path()).expect("the project loads");
        assert_eq!(
            render(Plan::new(&after, &[proof], None, None, Allow::default())),
            "plan::apply::changed_before_resume: migration 001_rows is partly applied, and one of statements 1–2 of the file has changed since it ran"
        );
    }

    #[test]
    fn a_partial_migration_whose_unrun_part_changed_still_resumes() {
        let dir = project_dir(NO_TRANSACTION);
        let before = load_project(dir.path()).expect("the project loads");
        let proof = row(&before, "001_rows statement:2 proof");
        let edited = [(
            "migrations/001_rows.sql",
            "-- plan: no-transaction\nCREATE TABLE k (id int);\nINSERT INTO k VALUES (1);\nINSERT INTO k VALUES (3);\n",
        )];
        let dir = project_dir(&edited);
        let after = load_project(dir.path()).expect("the project loads");
        assert_eq!(
            render(Plan::new(&after, &[proof], None, None, Allow::default())),
            "resume 001_rows at statement 2"
        );
    }

    /// Plans an apply `--to target` of `files` in `environment` given the ledger `rows`.
    fn check_to(
        files: &[(&str, &str)],
        rows: &[&str],
        (target, environment): (&str, Option<&str>),
        expect: &str,
    ) {
        let dir = project_dir(files);
        let loaded = load_project(dir.path()).expect("the project loads");
        let rows: Vec<LedgerRow> = rows.iter().map(|written| row(&loaded, written)).collect();
        let target = MigrationId::new(target);
        let plan = Plan::new(&loaded, &rows, Some(&target), environment, Allow::default());
        assert_eq!(render(plan), expect);
    }

    const PRODUCTION_LAST: &[(&str, &str)] = &[
        (
            "plan.yaml",
            "environments:\n  production: {}\n  staging: {}\n",
        ),
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_b.sql",
            "-- environment: production\nCREATE TABLE b (id int);\n",
        ),
    ];

    #[test]
    fn issue_13_a_target_limited_to_other_environments_is_refused() {
        check_to(
            PRODUCTION_LAST,
            &[],
            ("002_b", None),
            "plan::apply::target_environment: 002_b runs only in production, so applying it without --env would skip it",
        );
        check_to(
            PRODUCTION_LAST,
            &["001_a applied"],
            ("002_b", Some("staging")),
            "plan::apply::target_environment: 002_b runs only in production, so applying it in staging would skip it",
        );
        let refused = PlanError::TargetInOtherEnvironment {
            id: String::new(),
            only: String::new(),
            first: String::new(),
            environment: String::new(),
        };
        assert_eq!(
            crate::diagnostic::Classified::class(&refused),
            crate::diagnostic::ErrorClass::InvalidInput
        );
    }

    #[test]
    fn issue_13_a_target_in_its_environment_or_already_applied_is_not_refused() {
        check_to(
            PRODUCTION_LAST,
            &[],
            ("002_b", Some("production")),
            "apply 001_a\napply 002_b",
        );
        check_to(
            PRODUCTION_LAST,
            &["001_a applied", "002_b applied"],
            ("002_b", None),
            "",
        );
        check_to(PRODUCTION_LAST, &[], ("001_a", None), "apply 001_a");
    }

    #[test]
    fn a_migration_limited_to_other_environments_is_skipped() {
        let files = [
            (
                "plan.yaml",
                "environments:\n  production: {}\nmigrations:\n  002_b:\n    environments: [production]\n",
            ),
            ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
            ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
        ];
        check(&files, &[], "apply 001_a\nskip 002_b (only production)");
        check_with(
            &files,
            &[],
            (Some("production"), Allow::default()),
            "apply 001_a\napply 002_b",
        );
    }

    #[test]
    fn a_migration_after_one_skipped_in_a_sequence_is_blocked() {
        let files = [
            (
                "plan.yaml",
                "environments:\n  production: {}\nmigrations:\n  001_a:\n    environments: [production]\n",
            ),
            ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
            ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
        ];
        check(
            &files,
            &[],
            // "would run in without --env": the message as it stands (a contract, not changed here).
            "plan::apply::blocked_by_environment: 002_b would run in without --env, but it depends on 001_a, which runs only in production",
        );
    }

    #[test]
    fn an_applied_migration_whose_file_changed_stops_the_plan() {
        check(
            THREE,
            &["001_a applied changed"],
            "plan::apply::modified: 1 applied migration changed since it was applied: 001_a",
        );
    }

    #[test]
    fn a_pending_migration_with_the_checksum_of_a_gone_one_was_renamed() {
        let dir = project_dir(THREE);
        let loaded = load_project(dir.path()).expect("the project loads");
        let mut renamed = row(&loaded, "000_old applied");
        renamed.checksum = row(&loaded, "001_a applied").checksum;
        assert_eq!(
            render(Plan::new(&loaded, &[renamed], None, None, Allow::default())),
            "plan::apply::renamed: 1 pending migration(s) look like renamed applied ones: 001_a (was 000_old)"
        );
    }

    #[test]
    fn an_applied_migration_without_a_file_stops_the_plan_unless_allowed() {
        check(
            THREE,
            &["000_gone applied"],
            "plan::apply::missing_file: 1 applied migration(s) have no file any more: 000_gone",
        );
        let allow = Allow {
            missing: true,
            ..Allow::default()
        };
        check_with(
            THREE,
            &["000_gone applied"],
            (None, allow),
            "apply 001_a\napply 002_b\napply 003_c",
        );
    }

    #[test]
    fn in_a_sequence_a_pending_migration_before_an_applied_one_is_out_of_order() {
        check(
            THREE,
            &["001_a applied", "003_c applied"],
            "plan::apply::out_of_order: 1 pending migration(s) sort before an applied one: 002_b (before applied 003_c)",
        );
        let allow = Allow {
            out_of_order: true,
            ..Allow::default()
        };
        check_with(
            THREE,
            &["001_a applied", "003_c applied"],
            (None, allow),
            "apply 002_b",
        );
    }

    #[test]
    fn a_migration_partly_rolled_back_is_refused() {
        check(
            THREE,
            &["001_a rolling_back:1"],
            "plan::apply::partially_rolled_back: migration 001_a is partially rolled back (its rollback stopped before statement 2), so it cannot be applied",
        );
    }

    /// [`THREE`] and two repeatable migrations, `R__views` depending on 002.
    const WITH_REPEATABLES: &[(&str, &str)] = &[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
        ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
        (
            "migrations/R__views.sql",
            "-- depends: 002\nCREATE OR REPLACE VIEW vb AS SELECT * FROM b;\n",
        ),
        ("migrations/R__grants.sql", "SELECT 'grants';\n"),
    ];

    #[test]
    fn repeatables_run_after_the_versioned_migrations_and_again_only_when_changed() {
        check(
            WITH_REPEATABLES,
            &[],
            "apply 001_a\napply 002_b\napply 003_c\napply R__grants\napply R__views",
        );
        let everything = [
            "001_a applied",
            "002_b applied",
            "003_c applied",
            "R__grants applied",
            "R__views applied",
        ];
        check(WITH_REPEATABLES, &everything, "");
        let mut changed = everything;
        changed[4] = "R__views applied changed";
        check(WITH_REPEATABLES, &changed, "apply R__views");
    }

    #[test]
    fn a_changed_repeatable_replaces_its_row_where_a_changed_versioned_one_is_refused() {
        let dir = project_dir(WITH_REPEATABLES);
        let loaded = load_project(dir.path()).expect("the project loads");
        let rows: Vec<LedgerRow> = ["001_a applied changed", "R__views applied changed"]
            .iter()
            .map(|written| row(&loaded, written))
            .collect();
        assert_eq!(
            render(Plan::new(&loaded, &rows, None, None, Allow::default())),
            "plan::apply::modified: 1 applied migration changed since it was applied: 001_a"
        );
        let plan = Plan::new(&loaded, &rows[1..], None, None, allow_out_of_order())
            .expect("a changed repeatable is no refusal");
        let replaced: Vec<(&str, Option<&str>)> = plan
            .steps()
            .iter()
            .map(|step| (step.migration.id().as_str(), step.replaces.as_deref()))
            .collect();
        let zeros = "0".repeat(64);
        assert_eq!(
            replaced,
            [
                ("001_a", None),
                ("002_b", None),
                ("003_c", None),
                ("R__grants", None),
                ("R__views", Some(zeros.as_str()))
            ]
        );
    }

    fn allow_out_of_order() -> Allow {
        Allow {
            out_of_order: true,
            ..Allow::default()
        }
    }

    #[test]
    fn versioned_migrations_added_after_a_repeatable_ran_are_not_out_of_order() {
        check(
            WITH_REPEATABLES,
            &["001_a applied", "002_b applied", "R__views applied"],
            "apply 003_c\napply R__grants",
        );
    }

    #[test]
    fn to_a_repeatable_runs_what_it_depends_on_and_to_a_versioned_one_no_repeatable() {
        check_to(
            WITH_REPEATABLES,
            &[],
            ("R__views", None),
            "apply 001_a\napply 002_b\napply R__views",
        );
        check_to(
            WITH_REPEATABLES,
            &[],
            ("003_c", None),
            "apply 001_a\napply 002_b\napply 003_c",
        );
    }
}

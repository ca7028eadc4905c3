//! Turning a project into work: loading it with its graph (every input problem reported
//! together), and — with a database — the Plan of steps and its execution.
//!
//! - `adopt`: taking over a database built by another runner or by psql: import its history, baseline.
//! - `backup`: the verified backup before an apply, made ready and recorded in the history.
//! - `check`: prerequisites, what migrations create and drop, drift against the catalog.
//! - `handler`: the Handler trait and registry for steps written in Rust.
//! - `plan`: the Plan: what an apply will do given the ledger, target and environment.
//! - `execute`: running one migration's phases (file, steps) and recording its progress.
//! - `run`: running a Plan: lock, ledger, transactions, retries, the Report.
//! - `status`: each migration's state against the ledger.
//! - `rollback`: rolling back a migration and its dependents, or the last batch; accepting a changed file.
//! - `scaffold`: `plan new`: the next migration file, in the project's own layout.
//! - `script`: a migration's SQL as it will run (wrapped in a transaction or statement by statement).
//! - `verify`: every rollback checked on a scratch database against the catalog before its migration.

pub mod accept;
pub mod adopt;
pub mod backup;
pub mod check;
mod execute;
pub mod handler;
pub mod plan;
pub mod rollback;
pub mod run;
pub mod scaffold;
pub mod script;
pub mod status;
pub mod verify;

pub use accept::{AcceptError, Acceptance, ResumeAt, accept};
pub use adopt::{
    AdoptError, BaselineOptions, BaselineReport, ImportOptions, ImportReport, baseline,
    import_history,
};
pub use backup::{backup_label, prepare_backup, record_backup};
pub use check::{Drift, MissingObject, SchemaReport, Unmet, check_schema, unmet_prerequisites};
pub use handler::{Handler, HandlerContext, HandlerError, Handlers};
pub use plan::{Action, Allow, Plan, PlanError, PlanStep};
pub use rollback::{RollbackError, RollbackReport, RollbackTarget, rollback};
pub use run::{
    ApplyError, ApplyOptions, MigrationFailed, Progress, Report, RunMode, apply,
    apply_with_handlers,
};
pub use status::{MigrationStatus, State, status};
pub use verify::{
    AppliedAgain, MigrationCheck, RollbackCheck, SchemaDifference, Scratch, VerifyError,
    VerifyOptions, VerifyProgress, VerifyReport, verify,
};

use std::path::Path;

use crate::diagnostic::InvalidInput;
use crate::graph::Graph;
use crate::project::{self, Project, ProjectFiles};

/// Reads the project in `dir` and builds its graph. Fails with every problem of the input:
/// those of the files and plan.yaml, and every dependency cycle among what could be read.
pub fn load_project(dir: &Path) -> Result<(Project, Graph), InvalidInput> {
    checked(project::read(dir), &dir.display().to_string())
}

/// [`load_project`] for a project held in memory (one embedded into a binary): the same checks,
/// the same problems.
pub fn load_project_files(files: &ProjectFiles) -> Result<(Project, Graph), InvalidInput> {
    checked(project::read_files(files), project::in_memory_name())
}

/// The graph of what was read, or every problem of the input, named after `what`.
fn checked(reading: project::Reading, what: &str) -> Result<(Project, Graph), InvalidInput> {
    let mut problems: Vec<Box<dyn miette::Diagnostic + Send + Sync>> =
        reading.problems.into_iter().map(project::boxed).collect();
    // SQL that cannot run as written (a stray COMMIT, CREATE INDEX CONCURRENTLY mixed with other
    // statements) is bad input too: found now, before any database is touched.
    for migration in reading.project.migrations() {
        if let Err(problem) = script::prepare(migration) {
            problems.push(Box::new(problem));
        }
        if let Some(Err(problem)) = script::prepare_rollback(migration) {
            problems.push(Box::new(problem));
        }
    }
    match Graph::build(&reading.project) {
        Ok(graph) => {
            problems.extend(
                crate::graph::environment_mismatches(&reading.project, &graph)
                    .into_iter()
                    .map(|mismatch| {
                        Box::new(mismatch) as Box<dyn miette::Diagnostic + Send + Sync>
                    }),
            );
            if problems.is_empty() {
                return Ok((reading.project, graph));
            }
        }
        Err(cycles) => problems.extend(
            cycles
                .into_iter()
                .map(|cycle| Box::new(cycle) as Box<dyn miette::Diagnostic + Send + Sync>),
        ),
    }
    Err(InvalidInput::new(what, problems))
}

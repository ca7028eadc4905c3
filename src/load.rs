//! Loading a project: the folder (or the files embedded in a binary) read, its migrations'
//! SQL checked, and its dependency graph built, with every problem of the input reported
//! together. Every command starts from what this returns; nothing here touches a database.

use std::path::Path;

use crate::diagnostic::InvalidInput;
use crate::graph::Graph;
use crate::project::{self, Project, ProjectFiles};
use crate::sql::script;

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

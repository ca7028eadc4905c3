//! Turning a project into work: loading it with its graph (every input problem reported
//! together), and — with a database — the Plan of steps and its execution.

use std::path::Path;

use crate::diagnostic::InvalidInput;
use crate::graph::Graph;
use crate::project::{self, Project};

/// Reads the project in `dir` and builds its graph. Fails with every problem of the input:
/// those of the files and plan.yaml, and every dependency cycle among what could be read.
pub fn load_project(dir: &Path) -> Result<(Project, Graph), InvalidInput> {
    let reading = project::read(dir);
    let mut problems: Vec<Box<dyn miette::Diagnostic + Send + Sync>> =
        reading.problems.into_iter().map(project::boxed).collect();
    match Graph::build(&reading.project) {
        Ok(graph) if problems.is_empty() => return Ok((reading.project, graph)),
        Ok(_) => {}
        Err(cycles) => problems.extend(
            cycles
                .into_iter()
                .map(|cycle| Box::new(cycle) as Box<dyn miette::Diagnostic + Send + Sync>),
        ),
    }
    Err(InvalidInput::new(&dir.display().to_string(), problems))
}

//! Environments along declared dependencies: a migration that others depend on cannot be
//! limited to fewer environments than they are, or in the environments it lacks its dependents
//! would run without it. Checked when the project is loaded, so `plan show` reports it.
//!
//! Only declared dependencies are checked. In a sequence, the implied edge from a migration
//! limited to some environments to the next one is checked when a plan would cross it
//! (`plan::apply::blocked_by_environment`), since the user never wrote that edge.

use miette::{Diagnostic, SourceSpan};

use super::dag::{EdgeKind, Graph};
use crate::diagnostic::SourceFile;
use crate::project::{Migration, Project};

/// A dependency limited to fewer environments than the migration that depends on it.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error(
    "{dependent} runs in {dependent_environments}, but it depends on {dependency}, which runs only in {dependency_environments}"
)]
#[diagnostic(
    code(plan::graph::environment_mismatch),
    help(
        "limit {dependent} to environments {dependency} also runs in, or widen {dependency}'s environments"
    )
)]
pub(crate) struct EnvironmentMismatch {
    dependent: String,
    dependent_environments: String,
    dependency: String,
    dependency_environments: String,
    #[source_code]
    file: SourceFile,
    #[label("declared here")]
    span: SourceSpan,
}

/// The mismatch is in the project's declarations: invalid input.
impl crate::diagnostic::Classified for EnvironmentMismatch {
    fn class(&self) -> crate::diagnostic::ErrorClass {
        crate::diagnostic::ErrorClass::InvalidInput
    }
}

/// Every declared dependency whose target runs in fewer environments than its dependent.
pub(crate) fn environment_mismatches(project: &Project, graph: &Graph) -> Vec<EnvironmentMismatch> {
    let mut mismatches = Vec::new();
    // Only a dependency limited to some environments can be a mismatch: most projects limit
    // none, and then no edge needs looking at (at 10,000 migrations with declared
    // dependencies, the walk below was 2 ms of every load).
    if project
        .migrations()
        .all(|migration| migration.environments().is_none())
    {
        return mismatches;
    }
    for id in graph.order() {
        let Some(migration) = project.migration(id) else {
            continue;
        };
        for (dependency_id, kind) in graph.dependencies_of(id) {
            if kind != EdgeKind::Declared {
                continue;
            }
            let Some(dependency) = project.migration(dependency_id) else {
                continue;
            };
            let Some(limited) = dependency.environments() else {
                continue;
            };
            let uncovered = match migration.environments() {
                None => true,
                Some(wanted) => wanted.iter().any(|name| !limited.contains(name)),
            };
            if !uncovered {
                continue;
            }
            let Some(declaration) = migration
                .dependencies()
                .unwrap_or_default()
                .iter()
                .find(|declared| &declared.target == dependency_id)
            else {
                continue;
            };
            mismatches.push(EnvironmentMismatch {
                dependent: id.to_string(),
                dependent_environments: describe(migration),
                dependency: dependency_id.to_string(),
                dependency_environments: limited.join(", "),
                file: declaration.origin.file.clone(),
                span: declaration.origin.source_span(),
            });
        }
    }
    mismatches
}

fn describe(migration: &Migration) -> String {
    match migration.environments() {
        None => "every environment".to_string(),
        Some(names) => names.join(", "),
    }
}

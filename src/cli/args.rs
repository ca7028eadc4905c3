//! Argument groups shared by several subcommands, and their conversion into library values.

use std::path::PathBuf;

use clap::Args;
use miette::Diagnostic;

use super::Failure;
use crate::graph::Graph;
use crate::project::{MigrationId, Project, Resolution};

/// Which project folder to read.
#[derive(Debug, Args)]
pub(crate) struct ProjectArgs {
    /// The project folder: holds migrations/ (or plan.yaml's migrations_dir) and plan.yaml.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub(crate) dir: PathBuf,
}

impl ProjectArgs {
    /// Loads the project and its graph; invalid input is exit 2 with every problem listed.
    pub(crate) fn load(&self) -> Result<(Project, Graph), Failure> {
        crate::apply::load_project(&self.dir).map_err(Failure::invalid)
    }
}

/// A command-line argument naming something that does not exist.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub(crate) enum ArgumentProblem {
    /// `--to X` or `rollback X` names no migration.
    #[error("no migration matches `{written}`")]
    #[diagnostic(code(plan::cli::unknown_migration), help("{help}"))]
    UnknownMigration { written: String, help: String },
    /// A version shared by several migrations.
    #[error("`{written}` matches more than one migration: {candidates}")]
    #[diagnostic(
        code(plan::cli::ambiguous_migration),
        help("write the full ID instead")
    )]
    AmbiguousMigration { written: String, candidates: String },
    /// `--env X` names no environment.
    #[error("unknown environment `{name}`")]
    #[diagnostic(code(plan::cli::unknown_environment), help("{help}"))]
    UnknownEnvironment { name: String, help: String },
}

/// Resolves a migration named on the command line.
pub(crate) fn resolve_migration(project: &Project, written: &str) -> Result<MigrationId, Failure> {
    match project.resolve(written) {
        Resolution::Found(id) => Ok(id.clone()),
        Resolution::Ambiguous(ids) => Err(Failure::invalid(ArgumentProblem::AmbiguousMigration {
            written: written.to_string(),
            candidates: ids
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        })),
        Resolution::Missing(closest) => Err(Failure::invalid(ArgumentProblem::UnknownMigration {
            written: written.to_string(),
            help: match closest {
                Some(close) => format!("did you mean `{close}`? `plan show` lists the migrations"),
                None => "`plan show` lists the migrations".to_string(),
            },
        })),
    }
}

/// Checks an environment named with `--env`.
pub(crate) fn check_environment(project: &Project, name: Option<&str>) -> Result<(), Failure> {
    let Some(name) = name else {
        return Ok(());
    };
    project.check_environment(name).map_err(|help| {
        Failure::invalid(ArgumentProblem::UnknownEnvironment {
            name: name.to_string(),
            help,
        })
    })
}

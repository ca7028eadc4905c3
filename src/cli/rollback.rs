//! `plan rollback ID` and `plan rollback --last-batch`: reverts a migration and every applied
//! migration that depends on it (or the last apply run), in reverse plan order.

use std::io::Write;

use clap::Args;

use super::Failure;
use super::args::{ConnectArgs, ProjectArgs, check_environment, confirm, resolve_migration};
use crate::apply::{self, RollbackError, RollbackTarget};

/// Arguments of `plan rollback`.
#[derive(Debug, Args)]
pub(crate) struct RollbackArgs {
    #[command(flatten)]
    project: ProjectArgs,
    #[command(flatten)]
    connect: ConnectArgs,
    /// The migration to roll back, with everything applied that depends on it.
    #[arg(
        value_name = "ID",
        required_unless_present = "last_batch",
        conflicts_with = "last_batch"
    )]
    id: Option<String>,
    /// Roll back the migrations of the most recent apply run instead.
    #[arg(long)]
    last_batch: bool,
    /// The environment; asks for confirmation when plan.yaml says it must.
    #[arg(long, value_name = "NAME")]
    env: Option<String>,
    /// Confirm without asking.
    #[arg(long)]
    yes: bool,
}

/// Runs `plan rollback`.
pub(crate) fn run(
    args: RollbackArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let (project, graph) = args.project.load()?;
    check_environment(&project, args.env.as_deref())?;
    let target = match &args.id {
        Some(written) => RollbackTarget::Migration(resolve_migration(&project, written)?),
        None => RollbackTarget::LastBatch,
    };
    let settings = args.connect.settings("rollback")?;
    let confirmation_required = args
        .env
        .as_deref()
        .and_then(|name| project.manifest().environments().get(name))
        .is_some_and(|environment| environment.confirm);
    if confirmation_required {
        let what = match &target {
            RollbackTarget::Migration(id) => format!("roll back {id} and its dependents"),
            RollbackTarget::LastBatch => "roll back the last batch".to_string(),
        };
        confirm(&format!("{what} on {settings}"), args.yes, err)?;
    }
    let result = apply::rollback(
        &project,
        &graph,
        &settings,
        &target,
        args.env.as_deref(),
        &mut |id| {
            let _ = writeln!(err, "rolling back {id}");
        },
    );
    match result {
        Ok(report) => {
            let ids: Vec<String> = report
                .rolled_back
                .iter()
                .map(|(id, _)| id.to_string())
                .collect();
            let _ = writeln!(
                out,
                "rolled back {} migration(s): {}",
                ids.len(),
                ids.join(", ")
            );
            Ok(())
        }
        Err(error @ RollbackError::NotApplied { .. }) => Err(Failure::failed(error)),
        Err(error) => Err(Failure::failed(error)),
    }
}

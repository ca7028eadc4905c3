//! Runs a step that shares its migration's transaction (`sql`, `batch` with `commit:
//! transaction`, `assert`, `handler`) by its kind, pointing a failure at the step in plan.yaml.
//! Each kind is its own file beside this one; the transaction is the phases' (`phases`).

use super::{assert, batch, handler, sql};
use crate::db::{Transaction, TransactionId};
use crate::engine::failure::FailurePoint;
use crate::engine::outcome::Progress;
use crate::project::{Migration, Step, StepKind};

/// Runs one step that shares the migration's transaction: the step at `index` (0-based) of
/// `migration`, inside `work`. A failure points at the step in plan.yaml.
pub(crate) fn run_transactional_step(
    work: &mut Transaction<'_>,
    transaction: &TransactionId,
    handlers: &handler::Handlers,
    environment: Option<&str>,
    migration: &Migration,
    (index, step): (usize, &Step),
    observe: &mut dyn FnMut(Progress<'_>),
) -> Result<(), FailurePoint> {
    let result = match &step.kind {
        StepKind::Sql { source } => sql::run(work, transaction, source.text(), index),
        StepKind::Batch {
            sql, max_batches, ..
        } => batch::run_in_transaction(work, sql, *max_batches, migration.id(), observe),
        StepKind::Assert { query, message } => assert::run(work, query, message.as_deref()),
        StepKind::Handler { name } => handler::run(
            work,
            handlers,
            name,
            (migration.id().as_str(), environment),
            &mut |text| {
                observe(Progress::Message {
                    id: migration.id(),
                    text,
                });
            },
        ),
        StepKind::Command { .. } => Ok(()),
    };
    result.map_err(|error| FailurePoint::at_step(step, error))
}

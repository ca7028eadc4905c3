//! `sql` steps: SQL written in plan.yaml (or a file it names), run statement by statement in
//! the migration's transaction, each statement guarded so that SQL ending plan's transaction is
//! caught. A wrapping `BEGIN`/`COMMIT` pair is dropped; any other transaction control is
//! refused. The transaction itself is the phases' (`phases`).

use crate::db::{Transaction, TransactionId, TransactionState};
use crate::engine::failure::{FailureKind, Interruption};
use crate::sql::{self, StatementKind};

/// Runs the `sql` step at `index` (0-based), whose SQL is `text`, inside `work`.
pub(crate) fn run(
    work: &mut Transaction<'_>,
    transaction: &TransactionId,
    text: &str,
    index: usize,
) -> Result<(), FailureKind> {
    let statements = step_statements(text).map_err(FailureKind::Unrunnable)?;
    for (statement, copy_data) in statements {
        // A file step's errors point at the step in plan.yaml, which names the file.
        let state = work
            .run_statement(statement, copy_data, transaction)
            .map_err(FailureKind::Sql)?;
        if state == TransactionState::Ended {
            return Err(FailureKind::TransactionEnded(
                Interruption::Step(index),
                None,
            ));
        }
    }
    Ok(())
}

/// The statements of a `sql` step, without a wrapping `BEGIN`/`COMMIT` pair.
fn step_statements(text: &str) -> Result<Vec<(&str, Option<&str>)>, String> {
    let statements = sql::split_statements(text).map_err(|error| error.to_string())?;
    let wrapped = statements.len() >= 2
        && statements.first().map(sql::Statement::kind) == Some(StatementKind::Begin)
        && statements.last().map(sql::Statement::kind) == Some(StatementKind::Commit);
    let body = if wrapped {
        &statements[1..statements.len() - 1]
    } else {
        &statements[..]
    };
    body.iter()
        .map(|statement| match statement.kind() {
            StatementKind::Other => Ok((
                &text[statement.span()],
                statement.copy_data_span().map(|span| &text[span]),
            )),
            StatementKind::NoTransaction { reason } => Err(reason.to_string()),
            _ => Err("a step cannot control its migration's transaction".to_string()),
        })
        .collect()
}

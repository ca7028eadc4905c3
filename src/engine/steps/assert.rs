//! `assert` steps: a query that must return true, run in the migration's transaction, so a
//! failed assertion rolls back what ran before it. Which transaction is the phases'
//! (`phases`).

use crate::db::Transaction;
use crate::engine::failure::FailureKind;

/// Runs an `assert` step: `query` must return true; `message`, when given, says what failed.
pub(crate) fn run(
    work: &mut Transaction<'_>,
    query: &str,
    message: Option<&str>,
) -> Result<(), FailureKind> {
    let holds = work.query_bool(query).map_err(FailureKind::Sql)?;
    if holds == Some(true) {
        return Ok(());
    }
    let what = message.map_or_else(|| query.trim().to_string(), str::to_string);
    let answer = match holds {
        Some(_) => "false",
        None => "NULL",
    };
    Err(FailureKind::Assertion(format!(
        "assertion failed: {what} (the query returned {answer})"
    )))
}

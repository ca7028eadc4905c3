//! What the ledger records of a migration's progress: the `completed` entries that prove what
//! of it ran ([`completed_units`]), the mark of a migration that ended plan's transaction
//! ([`INTERRUPTED_PREFIX`]), and the check that a ledger write found the row as expected
//! ([`written`]). Writing them is the ledger's (`db::Ledger`); deciding when is the phases'.

use crate::db::{Recorded, ResumePoint, SqlError};
use crate::project::Migration;
use crate::sql::script::Script;

/// How a ledger row's `completed` entry marks a migration that ended plan's transaction.
pub(crate) const INTERRUPTED_PREFIX: &str = "interrupted:";

/// What of `migration` is done at a resume point, as the ledger records it
/// ([`crate::db::LedgerRow::completed`]): the statements of the file run so far (their count and a hash
/// chained over them), or, once the file is done, the file and each step done. Recorded with every progress record and recomputed from
/// the project before a resume, so an edit to what already ran is noticed before it can run
/// again.
pub(crate) fn completed_units(
    migration: &Migration,
    script: &Script,
    at: ResumePoint,
) -> Vec<String> {
    let next_statement = at.next_statement;
    match at.next_step {
        // One entry for all statements run, chained, so the record stays the same size however
        // long the file is (it is rewritten after every statement).
        None if next_statement == 0 => Vec::new(),
        None => {
            let chain = statement_chains(script)
                .nth(next_statement)
                .unwrap_or_default();
            vec![format!("statements {next_statement} {chain}")]
        }
        Some(done) => std::iter::once(format!("file {}", script_checksum(script)))
            .chain(
                migration
                    .steps()
                    .iter()
                    .take(done)
                    .map(|step| format!("step {}", step.checksum())),
            )
            .collect(),
    }
}

/// The hash chained over the first N statements of `script`, for N = 0, 1, 2, …: what
/// [`completed_units`] records for a file run statement by statement.
fn statement_chains(script: &Script) -> impl Iterator<Item = String> + '_ {
    std::iter::once(String::new()).chain(script.statements.iter().scan(
        String::new(),
        |chain, statement| {
            *chain =
                crate::project::sha256_hex(format!("{chain}\n{}", statement.checksum()).as_bytes());
            Some(chain.clone())
        },
    ))
}

/// The progress record of a file run statement by statement, after each statement: index
/// `i` holds what the ledger records once statement `i` has run. Computed once per run, as a
/// file of thousands of statements records after every one.
pub(crate) fn statement_progress(script: &Script) -> Vec<Vec<String>> {
    statement_chains(script)
        .enumerate()
        .skip(1)
        .map(|(count, chain)| vec![format!("statements {count} {chain}")])
        .collect()
}

/// SHA-256 of what a script runs: its transaction modes and statements, length-prefixed.
fn script_checksum(script: &Script) -> String {
    let mut text = format!("modes {}\n", script.modes.as_deref().unwrap_or("-"));
    for statement in &script.statements {
        text.push_str(&format!("{}:{}\n", statement.text.len(), statement.text));
    }
    crate::project::sha256_hex(text.as_bytes())
}

/// A ledger write that expected the row as this run left it: not finding it so is an error.
pub(crate) fn written(recorded: Recorded) -> Result<(), SqlError> {
    match recorded {
        Recorded::Written => Ok(()),
        Recorded::NotAsExpected => Err(not_as_expected()),
    }
}

/// The failure of a ledger write that found the row not as this run left it.
pub(crate) fn not_as_expected() -> SqlError {
    SqlError::plan(
        "its row is not as this run left it: another plan run recorded this migration meanwhile (plan's advisory lock was released, by a migration's pg_advisory_unlock_all() for example, or lost behind a pooler in transaction mode)",
    )
}

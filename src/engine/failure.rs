//! A failed migration's failure, from where it happened to what it says: the [`FailurePoint`] the
//! phases and steps return (what failed, and where in which file), and [`describe`], which
//! turns it into the message, SQLSTATE, help and label of its diagnostic. Recording the
//! failure in the ledger and building the `MigrationFailed` is the runner's (`runner`).

use std::time::Duration;

use miette::SourceSpan;

use crate::db::{Ledger, SqlError};
use crate::diagnostic::{SourceFile, to_source_span};
use crate::project::Step;
use crate::sql;

/// Where a failure happened, before it is turned into a diagnostic.
pub(crate) struct FailurePoint {
    pub(crate) error: FailureKind,
    pub(crate) file: SourceFile,
    /// The failing statement or step, in `file`.
    pub(crate) span: std::ops::Range<usize>,
    /// Offset of the text sent within `file`, to place the server's error position.
    pub(crate) text_offset: Option<usize>,
}

impl FailurePoint {
    /// A failure of a step, pointing at its entry in plan.yaml.
    pub(crate) fn at_step(step: &Step, error: FailureKind) -> FailurePoint {
        FailurePoint {
            error,
            file: step.origin.file.clone(),
            span: step.origin.span.clone(),
            text_offset: None,
        }
    }
}

/// What failed.
pub(crate) enum FailureKind {
    /// A statement (of the file or a step) failed on the server.
    Sql(SqlError),
    /// An `assert` step's query did not return true.
    Assertion(String),
    /// What plan cannot run as declared (a handler not registered, a prerequisite missing, a
    /// step that controls the transaction).
    Unrunnable(String),
    /// A `command` step failed: the headline, then its output.
    Command(String),
    /// Writing the ledger failed: the ledger's problem, not a line of the migration.
    Ledger(SqlError),
    /// `COMMIT` of the migration's transaction failed (a deferred constraint, say).
    Commit(SqlError),
    /// A `batch` step still affected rows after its `max_batches`.
    RunawayBatch {
        /// The limit.
        max_batches: u64,
        /// Rows affected in all.
        rows: u64,
    },
    /// SQL of the migration ended plan's transaction itself (a `COMMIT` or `ROLLBACK` the
    /// splitter did not see as a statement of its own): what ran may be committed.
    TransactionEnded(Interruption, Option<SqlError>),
}

/// Where a migration ended plan's transaction, for the ledger and the message.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Interruption {
    /// The file's statement at this index (0-based).
    Statement(usize),
    /// The step at this index (0-based).
    Step(usize),
}

/// Message, SQLSTATE, help, label and span (none for failures of no line) of a failure.
pub(crate) fn describe(
    failure: &FailurePoint,
    ledger: &Ledger,
) -> (String, Option<String>, String, String, Option<SourceSpan>) {
    match &failure.error {
        FailureKind::Ledger(error) => (
            format!("cannot record it in the ledger {}: {error}", ledger.name()),
            error.code.clone(),
            join_help(
                &server_help(error),
                "the migration itself ran without error; its work and the ledger row were rolled back together",
            ),
            String::new(),
            None,
        ),
        FailureKind::Commit(error) => (
            format!("its transaction failed to commit: {error}"),
            error.code.clone(),
            join_help(
                &server_help(error),
                "PostgreSQL checks deferred constraints at COMMIT: the data the migration left breaks one",
            ),
            String::new(),
            None,
        ),
        FailureKind::RunawayBatch { max_batches, rows } => (
            format!(
                "the batch step ran {max_batches} batches ({rows} rows) and still affected rows"
            ),
            None,
            "a statement that never reaches zero rows would loop forever: make it select only rows not yet done, or raise the step's `max_batches`".to_string(),
            format!("still affecting rows after {max_batches} batches"),
            Some(to_source_span(&failure.span)),
        ),
        FailureKind::TransactionEnded(_, error) => (
            match error {
                None => "its SQL ended plan's transaction".to_string(),
                Some(error) => {
                    format!("its SQL ended plan's transaction, then failed: {error}")
                }
            },
            error.as_ref().and_then(|error| error.code.clone()),
            error.as_ref().map(server_help).unwrap_or_default(),
            "this ended plan's transaction".to_string(),
            Some(to_source_span(&failure.span)),
        ),
        // A failure of the whole migration (the connection lost while it was sent as one
        // message, which does not say during which statement) points at no line.
        FailureKind::Sql(error) if failure.span.is_empty() && failure.text_offset.is_none() => (
            error.to_string(),
            error.code.clone(),
            server_help(error),
            error.message.clone(),
            None,
        ),
        FailureKind::Sql(error) => {
            let span = match (error.position, failure.text_offset) {
                (Some(position), Some(offset)) => {
                    let statement = &failure.file.text()[failure.span.clone()];
                    match sql::char_position_to_byte(statement, position) {
                        Some(byte) => word_at(failure.file.text(), offset + byte),
                        None => failure.span.clone(),
                    }
                }
                _ => failure.span.clone(),
            };
            (
                error.to_string(),
                error.code.clone(),
                server_help(error),
                error.message.clone(),
                Some(to_source_span(&span)),
            )
        }
        FailureKind::Command(message) => {
            let headline = message.lines().next().unwrap_or_default().to_string();
            (
                headline.clone(),
                None,
                message.lines().skip(1).collect::<Vec<_>>().join("\n"),
                headline,
                Some(to_source_span(&failure.span)),
            )
        }
        FailureKind::Assertion(message) | FailureKind::Unrunnable(message) => (
            message.clone(),
            None,
            String::new(),
            message.clone(),
            Some(to_source_span(&failure.span)),
        ),
    }
}

/// The server's detail, hint and context of `error`, a line each.
fn server_help(error: &SqlError) -> String {
    let mut help = Vec::new();
    if let Some(detail) = &error.detail {
        help.push(format!("detail: {detail}"));
    }
    if let Some(hint) = &error.hint {
        help.push(format!("hint: {hint}"));
    }
    if let Some(context) = &error.context {
        help.push(format!("context: {}", context.replace('\n', " / ")));
    }
    if error.connection_lost {
        help.push("the connection to the server was lost".to_string());
    }
    help.join("\n")
}

/// The word (or single character) starting at `offset`: what the server's position points at.
fn word_at(text: &str, offset: usize) -> std::ops::Range<usize> {
    let offset = offset.min(text.len());
    let rest = &text[offset..];
    let length = rest
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map_or(rest.len(), |(index, _)| index);
    let length = if length == 0 {
        rest.chars().next().map_or(0, char::len_utf8)
    } else {
        length
    };
    offset..offset + length
}

/// Two parts of a help, one per line; an empty part adds nothing.
pub(crate) fn join_help(first: &str, second: &str) -> String {
    match (first.is_empty(), second.is_empty()) {
        (true, _) => second.to_string(),
        (_, true) => first.to_string(),
        _ => format!("{first}\n{second}"),
    }
}

/// What the help of a migration that gave up on a lock adds: the attempts, and who blocked it.
pub(crate) fn lock_timeout_note(
    attempts: u32,
    lock_timeout: Duration,
    blockers: &[String],
) -> String {
    let tried = format!(
        "gave up after {attempts} attempt(s) of lock_timeout {} ms",
        lock_timeout.as_millis()
    );
    if blockers.is_empty() {
        format!("{tried}; the blocking session had gone when we looked")
    } else {
        format!("{tried}; blocked by {}", blockers.join("; "))
    }
}

//! A migration's transaction sent as one simple-query message ([`Session::apply_in_one_message`]):
//! `BEGIN`, the lock timeout, the migration's statements, the proof that the transaction is
//! still plan's, the session reset, the ledger and history rows and `COMMIT`, in one round trip
//! instead of one per statement.
//!
//! Owns: the message's layout, its guards, and telling from a failure what happened
//! ([`MessageFailure`]). Leaves to others: whether a migration may go this way and what a
//! failure means for the run (`engine::phases`), the ledger's SQL (`ledger`).
//!
//! What a message cannot do is look at an answer before going on, so every check plan makes
//! between statements on the other path is made by the server: a guard is a statement that
//! fails, with a message holding its own text, when what it checks does not hold, and the
//! failure skips the rest of the message (the `COMMIT` with it). Three guards: the transaction
//! open after the migration's SQL is the one plan began (its first statements set a token with
//! `SET LOCAL`, which lives as long as that transaction: SQL that ended it, a `COMMIT` hidden
//! where the splitter saw one statement, lets the next ones run in another, without it); the
//! server process is the one holding the advisory lock; the ledger row was as this run left it.
//! The first two are one query, with the lookups of what the migration left on the session
//! (`reset::RESIDUE`); it and the ledger write are prepared once per session: planning them
//! in every message cost the server more than running them.
//!
//! Before each statement the message sets a session-level marker to its index. A failure rolls the
//! transaction back, and the marker with it, so after a failure it holds something only if SQL of
//! the migration committed part of it: then it names the statement that did. The server parses the
//! whole message before running any of it, so a syntax error anywhere runs nothing; its position,
//! counted from the message's start, is taken back to the statement it falls in.

use std::fmt::Write as _;
use std::time::Duration;

use postgres::SimpleQueryMessage;

use super::connection::Session;
use super::reset::{RESIDUE, cleanup_sql};
use super::results::SqlError;
use crate::db::ledger::LedgerWrite;
use crate::db::quote::write_parameters;

/// What the guard of the ledger write says when the row was not as this run left it.
pub const LEDGER_GUARD: &str = "plan guard: ledger row not as expected";
/// What the transaction guard says when the migration's SQL ended plan's transaction.
const TRANSACTION_GUARD: &str = "plan guard: transaction ended";
/// What the session guard says when another server process answers than the one holding the
/// advisory lock.
const SESSION_GUARD: &str = "plan guard: server process changed";

/// A migration's transaction, as one message.
#[derive(Debug)]
pub struct OneMessage<'a> {
    /// The modes of the file's own `BEGIN` (`ISOLATION LEVEL SERIALIZABLE`, …).
    pub modes: Option<&'a str>,
    /// `lock_timeout` for the transaction.
    pub lock_timeout: Duration,
    /// The migration's statements, in order.
    pub statements: &'a [&'a str],
    /// The ledger and history write with its guard ([`LEDGER_GUARD`]):
    /// `Ledger::record_applied_text`.
    pub ledger_write: &'a LedgerWrite,
}

/// How a migration sent as one message failed.
#[derive(Debug)]
pub enum MessageFailure {
    /// Nothing of it is committed. `statement`: the statement the server's error position
    /// falls in, the error's position then counted from that statement's start, as the
    /// statement-by-statement path reports it.
    RolledBack {
        /// The server's error.
        error: SqlError,
        /// The statement it points into.
        statement: Option<usize>,
    },
    /// Statement `statement` ended plan's transaction: what ran before it is committed.
    /// `error`: the error that then stopped the message, `None` when plan's guard found it.
    Ended {
        /// Its index.
        statement: usize,
        /// The error after it, if not the guard.
        error: Option<SqlError>,
    },
    /// The ledger row was not as this run left it (another run recorded the migration):
    /// nothing is committed.
    LedgerNotAsExpected,
    /// The connection was lost: whether the message committed, only the ledger can tell.
    ConnectionLost(SqlError),
}

/// The message's text, and where each statement starts in it (in characters, as the server
/// counts error positions).
struct Layout {
    text: String,
    /// Each statement's first character, 0-based, then the message's length.
    starts: Vec<usize>,
}

impl Session {
    /// Whether a migration may go as one message on this session: not with the table lock,
    /// whose lease is read `FOR SHARE` and checked before every commit by plan itself.
    pub fn sends_in_one_message(&self) -> bool {
        self.lease.is_none()
    }

    /// Runs `message`'s migration, with its ledger row, in one round trip (two when the
    /// migration left something on the session that a reset does not undo: a role, temporary
    /// objects, cursors). See the module comment for what is checked and how.
    pub fn apply_in_one_message(&mut self, message: &OneMessage<'_>) -> Result<(), MessageFailure> {
        let statements = self.prepared_statements(message.ledger_write)?;
        let layout = layout(message, &statements, &self.reset_sql);
        let sent = self.connection.client().simple_query(&layout.text);
        let messages = match sent {
            Ok(messages) => messages,
            Err(error) => return Err(self.failed(&SqlError::from_postgres(&error), &layout)),
        };
        // The guard's row is there unless the server read the migration's SQL differently
        // from plan's splitter (an open quote or comment reaching into plan's own statements):
        // then what ran is not what plan sent, and the marker says where it went astray.
        let Some(residue) = residue_row(&messages) else {
            let astray = SqlError::plan(
                "the server read the migration's SQL differently from plan (a quote or comment left open reached into the statements plan sends after it)",
            );
            return Err(self.failed(&astray, &layout));
        };
        if let Some(cleanup) = cleanup_sql(&residue, &self.identity) {
            // After the commit, at session level: what the migration left goes as the reset
            // on the other path would have undone it within the transaction. (These statements
            // cannot fail on a live session; a connection lost here is reported as lost, and
            // the ledger, committed with the migration, tells what happened.)
            self.connection
                .client()
                .batch_execute(&cleanup)
                .map_err(|error| MessageFailure::ConnectionLost(SqlError::from_postgres(&error)))?;
        }
        Ok(())
    }

    /// The guard and ledger write as the message sends them. On a session of its own server
    /// process: the `EXECUTE` of statements prepared once per session with SQL's `PREPARE`
    /// (parsed and planned again in every message otherwise, which cost the server more than
    /// running them: the guard's catalog lookups take a tenth of a millisecond to plan); where
    /// a pooler may serve the next message elsewhere, the statements with their values written
    /// in.
    fn prepared_statements(&mut self, write: &LedgerWrite) -> Result<Sent, MessageFailure> {
        if !self.keeps_statements {
            return Ok(Sent {
                token: INLINE_TOKEN.to_string(),
                guard: guard_sql(INLINE_TOKEN, None),
                ledger_write: write_parameters(&write.sql, &write.values),
            });
        }
        let prepared = match &self.ledger_statement {
            Some(prepared) if prepared.ledger_sql == write.sql => prepared.clone(),
            _ => {
                // New names each time: statements prepared before may still exist (a failed
                // message), and plan's names are left out of what a migration left.
                self.ledger_statements += 1;
                let number = self.ledger_statements;
                let prepared = PreparedStatements {
                    ledger_sql: write.sql.clone(),
                    ledger_write: format!("plan_ledger_write_{number}"),
                    guard: format!("plan_guard_{number}"),
                    token: format!("{}.{number}.{}", self.backend_pid(), token_salt()),
                };
                let types = vec!["text"; write.values.len()].join(", ");
                let sql = format!(
                    "PREPARE {ledger}({types}) AS {write_sql};\nPREPARE {guard} AS {guard_sql}",
                    ledger = prepared.ledger_write,
                    write_sql = write.sql,
                    guard = prepared.guard,
                    guard_sql = guard_sql(&prepared.token, Some(self.backend_pid())),
                );
                self.connection
                    .client()
                    .batch_execute(&sql)
                    .map_err(|error| MessageFailure::RolledBack {
                        error: SqlError::from_postgres(&error),
                        statement: None,
                    })?;
                self.ledger_statement = Some(prepared.clone());
                prepared
            }
        };
        Ok(Sent {
            guard: format!("EXECUTE {}", prepared.guard),
            ledger_write: format!(
                "EXECUTE {}({})",
                prepared.ledger_write,
                write.values.join(", ")
            ),
            token: prepared.token,
        })
    }

    /// What a failed message did: rolls back what is left of it and reads the marker.
    fn failed(&mut self, error: &SqlError, layout: &Layout) -> MessageFailure {
        // The migration may have deallocated the prepared ledger write: prepare it again.
        self.ledger_statement = None;
        if error.connection_lost {
            return MessageFailure::ConnectionLost(error.clone());
        }
        // What the migration's SQL said before it failed is kept for the run to show; what
        // the ROLLBACK says (a warning when the failure left no transaction open) is not.
        let said = self.notices.take();
        let marker = self
            .connection
            .client()
            .simple_query(
                "ROLLBACK; SELECT pg_catalog.current_setting('plan.statement', true), \
                 pg_catalog.set_config('plan.statement', '', false)",
            )
            .map(|messages| {
                super::results::last_row(&messages)
                    .and_then(|row| row.first().cloned().flatten())
                    .unwrap_or_default()
            });
        self.notices.forget_since(said);
        let marker = match marker {
            Ok(marker) => marker,
            Err(lost) => return MessageFailure::ConnectionLost(SqlError::from_postgres(&lost)),
        };
        if let Ok(statement) = marker.parse::<usize>() {
            let ours = error.message.contains(TRANSACTION_GUARD);
            return MessageFailure::Ended {
                statement: statement.min(layout.starts.len().saturating_sub(2)),
                error: (!ours).then(|| error.clone()),
            };
        }
        if error.message.contains(LEDGER_GUARD) {
            return MessageFailure::LedgerNotAsExpected;
        }
        if error.message.contains(SESSION_GUARD) {
            return MessageFailure::RolledBack {
                error: SqlError::plan(format!(
                    "the server process serving this session changed (pid {}): a transaction pooler serves the connection, where the advisory lock does not hold; nothing of this migration ran. Set `lock: table` in plan.yaml (docs/poolers.md)",
                    self.backend_pid()
                )),
                statement: None,
            };
        }
        let mut error = error.clone();
        let statement = error.position.and_then(|position| {
            let (index, start) = statement_at(&layout.starts, position)?;
            error.position = Some(position - start);
            Some(index)
        });
        MessageFailure::RolledBack { error, statement }
    }
}

/// The message for `message`, with `sent`'s guard and ledger write.
fn layout(message: &OneMessage<'_>, sent: &Sent, reset_sql: &str) -> Layout {
    let mut text = String::from("BEGIN;\n");
    if let Some(modes) = message.modes {
        let _ = writeln!(text, "SET TRANSACTION {modes};");
    }
    // `SET LOCAL`, not a query: a statement with no plan to make costs the server a few
    // microseconds. The token lives as long as the transaction plan began; the guard finds it
    // gone if the migration's SQL ended that transaction.
    let _ = writeln!(
        text,
        "SET LOCAL lock_timeout = '{}ms'; SET LOCAL plan.transaction = '{}';",
        message.lock_timeout.as_millis(),
        sent.token,
    );
    let mut starts = Vec::with_capacity(message.statements.len() + 1);
    let mut length = text.chars().count();
    for (index, statement) in message.statements.iter().enumerate() {
        let marker = format!("SET plan.statement = '{index}';\n");
        length += marker.chars().count();
        text.push_str(&marker);
        starts.push(length);
        text.push_str(statement);
        // The newline ends a trailing `--` comment.
        text.push_str("\n;");
        length += statement.chars().count() + 2;
    }
    starts.push(length);
    let _ = write!(
        text,
        "{guard};\n\
         {reset_sql}UNLISTEN *;\n\
         SET LOCAL SESSION AUTHORIZATION DEFAULT; SET LOCAL ROLE NONE;\n\
         {ledger};\n\
         COMMIT",
        guard = sent.guard,
        ledger = sent.ledger_write,
    );
    Layout { text, starts }
}

/// The guard query: its first column, `plan_residue`, says `ours` while the transaction is the
/// one that set `token` (and fails otherwise), then [`RESIDUE`]'s columns; on a session of
/// its own server process, `session_pid` is checked too.
fn guard_sql(token: &str, session_pid: Option<i32>) -> String {
    let session = session_pid.map_or_else(String::new, |pid| {
        format!(
            ", CASE WHEN pg_catalog.pg_backend_pid() = {pid} THEN NULL \
             ELSE ('{SESSION_GUARD} ' || pg_catalog.pg_backend_pid())::int END"
        )
    });
    format!(
        "SELECT CASE WHEN pg_catalog.current_setting('plan.transaction', true) = '{token}' \
                   THEN 'ours' \
                   ELSE ('{TRANSACTION_GUARD} ' || pg_catalog.txid_current())::int::text END \
                AS plan_residue, {RESIDUE}{session}"
    )
}

/// The token of a message written in full (no prepared statements): a pooler's sessions
/// share no state plan could compare it with, and the transaction's own setting is all
/// the guard needs.
const INLINE_TOKEN: &str = "plan";

/// Some bits that differ between runs, so the token a transaction sets is not one a
/// migration would write by accident.
fn token_salt() -> u64 {
    use std::hash::BuildHasher as _;
    std::collections::hash_map::RandomState::new().hash_one(std::process::id())
}

/// The statements a session prepared for its messages.
#[derive(Clone, Debug)]
pub(super) struct PreparedStatements {
    /// The ledger write's SQL they were prepared for.
    ledger_sql: String,
    /// The name of the prepared ledger write.
    ledger_write: String,
    /// The name of the prepared guard.
    guard: String,
    /// What the message's transaction sets and the guard looks for.
    token: String,
}

/// The parts of a message plan writes around the migration's statements.
struct Sent {
    /// The value of `plan.transaction` the guard expects.
    token: String,
    /// The guard query, or its `EXECUTE`.
    guard: String,
    /// The ledger write, or its `EXECUTE`.
    ledger_write: String,
}

/// The statement whose text (or the separator after it) holds the 1-based character
/// `position`, and where it starts; `None` for a position in plan's own parts.
fn statement_at(starts: &[usize], position: usize) -> Option<(usize, usize)> {
    let index = starts.windows(2).position(|bounds| {
        let (start, next) = (bounds[0], bounds[1]);
        position > start && position <= next
    })?;
    Some((index, starts[index]))
}

/// The residue row ([`RESIDUE`] after the guard's column), if the server sent it.
fn residue_row(messages: &[SimpleQueryMessage]) -> Option<Vec<Option<String>>> {
    messages.iter().find_map(|message| match message {
        SimpleQueryMessage::Row(row)
            if row.columns().first().map(|column| column.name()) == Some("plan_residue") =>
        {
            Some(
                (0..row.len())
                    .map(|index| row.get(index).map(str::to_string))
                    .collect(),
            )
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message<'a>(statements: &'a [&'a str], ledger_write: &'a LedgerWrite) -> OneMessage<'a> {
        OneMessage {
            modes: None,
            lock_timeout: Duration::from_secs(5),
            statements,
            ledger_write,
        }
    }

    #[test]
    fn each_statement_starts_where_the_layout_says() {
        let statements = ["CREATE TABLE é (id int)", "SELECT 'ü'"];
        let write = LedgerWrite {
            sql: "SELECT 1".to_string(),
            values: Vec::new(),
        };
        let sent = Sent {
            token: "7.1.42".to_string(),
            guard: guard_sql("7.1.42", Some(7)),
            ledger_write: "SELECT 1".to_string(),
        };
        let built = layout(&message(&statements, &write), &sent, "RESET ALL;\n");
        let chars: Vec<char> = built.text.chars().collect();
        for (index, statement) in statements.iter().enumerate() {
            let start = built.starts[index];
            let found: String = chars[start..start + statement.chars().count()]
                .iter()
                .collect();
            assert_eq!(&found, statement);
        }
        assert!(built.text.starts_with("BEGIN;\n"));
        assert!(built.text.ends_with("COMMIT"));
        assert!(built.text.contains("pg_backend_pid() = 7"));
        assert!(
            built
                .text
                .contains("SET LOCAL plan.transaction = '7.1.42';")
        );
        assert!(
            built
                .text
                .contains("current_setting('plan.transaction', true) = '7.1.42'")
        );
    }

    #[test]
    fn a_position_is_taken_back_to_its_statement() {
        let starts = [10, 40, 70];
        assert_eq!(statement_at(&starts, 11), Some((0, 10)));
        assert_eq!(statement_at(&starts, 40), Some((0, 10)));
        assert_eq!(statement_at(&starts, 41), Some((1, 40)));
        assert_eq!(statement_at(&starts, 70), Some((1, 40)));
        assert_eq!(statement_at(&starts, 5), None);
        assert_eq!(statement_at(&starts, 71), None);
    }
}

//! Migrations sent as one simple-query message ([`Session::apply_in_one_message`]), each in its
//! own transaction: `BEGIN`, the begin statement (lock timeout, a token, the start time, all
//! local to the transaction), the migration's statements, the reset of role and session
//! authorization, the ledger and history rows with the guard, the reset of the settings and
//! `COMMIT`; one migration or several, in one round trip instead of one per statement.
//!
//! Owns: the message's layout, its guards, and telling from a failure what happened
//! ([`MessageFailure`], [`MessageOutcome`]). Leaves to others: whether a migration may go this
//! way and what a failure means for the run (`engine::one_message`), the ledger's SQL
//! (`ledger`).
//!
//! What a message cannot do is look at an answer before going on, so every check plan makes
//! between statements on the other path is made by the server: a guard fails, with a message
//! holding its own text, when what it checks does not hold, and the failure skips the rest of
//! the message (the `COMMIT` with it, and the migrations after it). The guard is a column of the
//! ledger write ([`GUARD_SLOT`]), so it runs after the migration's statements: the transaction
//! open is the one plan began (the token set by the begin statement lives as long as that
//! transaction: SQL that ended it, a `COMMIT` hidden where the splitter saw one statement, lets
//! the next ones run in another, without it), the server process is the one holding the
//! advisory lock, and the migration left nothing on the session that only the other path cleans
//! up ([`RESIDUE_LOOKUPS`]); the write itself checks that the ledger row was as this run left
//! it. The begin statement and the write are prepared once per session: planning the guard's
//! catalog lookups in every message cost the server more than running them.
//!
//! Before each statement the message sets a session-level marker to its index. A failure rolls the
//! transaction back, and the marker with it, so after a failure it holds something only if SQL of
//! the migration committed part of it: then it names the statement that did. Each migration's
//! transaction also sets, as it commits, a marker saying how many of the message's migrations
//! are committed. The server parses the whole message before running any of it, so a syntax
//! error anywhere runs nothing; its position, counted from the message's start, is taken back to
//! the statement it falls in.

use std::time::Duration;

use postgres::SimpleQueryMessage;

use super::connection::Session;
use super::prepared::PreparedStatements;
use super::reset::{NOT_PLANS_STATEMENT, RESIDUE_LOOKUPS};
use super::results::SqlError;
use crate::db::ledger::{GUARD_SLOT, LedgerWrite};
use crate::db::quote::write_parameters;

/// What the guard of the ledger write says when the row was not as this run left it.
pub const LEDGER_GUARD: &str = "plan guard: ledger row not as expected";
/// What the transaction guard says when the migration's SQL ended plan's transaction.
const TRANSACTION_GUARD: &str = "plan guard: transaction ended";
/// What the session guard says when another server process answers than the one holding the
/// advisory lock.
const SESSION_GUARD: &str = "plan guard: server process changed";
/// What the residue guard says when the migration left something on the session that only
/// the other path cleans up after it (a role, temporary objects, held cursors, prepared
/// statements): the migration is rolled back and goes the other way.
const RESIDUE_GUARD: &str = "plan guard: session state left";
/// The column of the ledger write's row, its duration in milliseconds.
const LEDGER_COLUMN: &str = "plan_duration_ms";

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
    /// `Ledger::record_applied_text`, whose start and duration are what the message's begin
    /// statement set (`plan.started`).
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
    /// The migration deallocated the statements plan prepared on the session (`DEALLOCATE
    /// ALL` where plan's check of its text does not see it, in a `DO` block say): nothing is
    /// committed, and the migration is refused, as the other path refuses it.
    DiscardedSession(SqlError),
}

/// What a message of one or more migrations did: the first `committed.len()` are committed
/// (with how long each took, as the server timed it); `failure` is the next one's, if the
/// message stopped there (the ones after it did not run).
#[derive(Debug)]
pub struct MessageOutcome {
    /// The committed migrations' durations, in order.
    pub committed: Vec<Duration>,
    /// Why the migration after them failed.
    pub failure: Option<MessageFailure>,
}

/// The message's text, and where each migration's statements start in it (in characters, as
/// the server counts error positions).
struct Layout {
    text: String,
    /// Per migration: each statement's first character, 0-based, then the end of the last.
    starts: Vec<Vec<usize>>,
    /// What the message's markers hold before the index they say (`plan.statement`,
    /// `plan.committed`).
    tag: String,
}

impl Session {
    /// Whether a migration may go as one message on this session: not with the table lock,
    /// whose lease is read `FOR SHARE` and checked before every commit by plan itself.
    pub fn sends_in_one_message(&self) -> bool {
        self.lease.is_none()
    }

    /// Whether several migrations may go in one message on this session: only on a session of
    /// its own server process (the statements they execute are prepared on it).
    pub fn sends_several_in_one_message(&self) -> bool {
        self.keeps_statements && self.lease.is_none()
    }

    /// Runs `messages`' migrations, each in its own transaction with its ledger row, in one
    /// round trip. The server stops at the first error, so the migrations after a failed one
    /// do not run. See the module comment for what is checked and how.
    pub fn apply_in_one_message(&mut self, messages: &[OneMessage<'_>]) -> MessageOutcome {
        let Some(first) = messages.first() else {
            return MessageOutcome {
                committed: Vec::new(),
                failure: None,
            };
        };
        let sent = match self.prepared_statements(first) {
            Ok(sent) => sent,
            Err(failure) => {
                return MessageOutcome {
                    committed: Vec::new(),
                    failure: Some(failure),
                };
            }
        };
        self.messages_sent += 1;
        // The markers' values carry a tag of this message's own: a value the setting had
        // before (a default from `ALTER DATABASE … SET`, the role or the connection's options,
        // or one a migration set) is not one of them.
        let tag = format!("{}.{:016x}:", self.messages_sent, token_salt());
        let layout = layout(messages, &sent, &self.reset_sql, tag);
        let answer = self.connection.client().simple_query(&layout.text);
        let answer = match answer {
            Ok(answer) => answer,
            Err(error) => return self.failed(&SqlError::from_postgres(&error), &layout),
        };
        // One row of the guarded ledger write per migration, unless the server read a
        // migration's SQL differently from plan's splitter (an open quote or comment reaching
        // into plan's own statements): then what ran is not what plan sent.
        let durations = rows(&answer, LEDGER_COLUMN);
        if durations.len() != messages.len() {
            let astray = SqlError::plan(
                "the server read the migration's SQL differently from plan (a quote or comment left open reached into the statements plan sends after it)",
            );
            return self.failed(&astray, &layout);
        }
        MessageOutcome {
            committed: durations
                .iter()
                .map(|row| {
                    let millis = row.first().cloned().flatten().unwrap_or_default();
                    Duration::from_millis(millis.parse().unwrap_or(0))
                })
                .collect(),
            failure: None,
        }
    }

    /// The parts plan writes around each migration's statements. On a session of its own
    /// server process: the `EXECUTE` of statements prepared once per session with SQL's
    /// `PREPARE` (parsed and planned again in every message otherwise, which cost the server
    /// more than running them: the guard's catalog lookups take a tenth of a millisecond to
    /// plan); where a pooler may serve the next message elsewhere, the statements in full.
    fn prepared_statements(&mut self, message: &OneMessage<'_>) -> Result<Sent, MessageFailure> {
        let write = message.ledger_write;
        let lock_timeout = message.lock_timeout.as_millis();
        if !self.keeps_statements {
            let guard = guard_sql(INLINE_TOKEN, None);
            return Ok(Sent {
                begin: begin_sql(INLINE_TOKEN, lock_timeout),
                ledger_write: Box::new(move |write: &LedgerWrite| {
                    write_parameters(&guarded(&write.sql, &guard), &write.values)
                }),
            });
        }
        let prepared = match &self.ledger_statement {
            Some(prepared)
                if prepared.ledger_sql == write.sql && prepared.lock_timeout == lock_timeout =>
            {
                prepared.clone()
            }
            _ => {
                // New names each time: statements prepared before may still exist (a failed
                // message), and plan's names are left out of what a migration left.
                self.ledger_statements += 1;
                let number = self.ledger_statements;
                let prepared = PreparedStatements {
                    ledger_sql: write.sql.clone(),
                    lock_timeout,
                    ledger_write: format!("plan_ledger_write_{number}"),
                    begin: format!("plan_begin_{number}"),
                };
                let token = format!("{}.{number}.{}", self.backend_pid(), token_salt());
                let types = vec!["text"; write.values.len()].join(", ");
                // The statements prepared for another ledger write (a run mixing fresh and
                // changed migrations) go: a session keeps one set.
                let replaced = self
                    .ledger_statement
                    .as_ref()
                    .map_or_else(String::new, |old| {
                        format!(
                            "DEALLOCATE {}; DEALLOCATE {};\n",
                            old.ledger_write, old.begin
                        )
                    });
                let guard = guard_sql(&token, Some(self.backend_pid()));
                let sql = format!(
                    "{replaced}PREPARE {ledger}({types}) AS {write_sql};\n\
                     PREPARE {begin} AS {begin_sql}",
                    ledger = prepared.ledger_write,
                    write_sql = guarded(&write.sql, &guard),
                    begin = prepared.begin,
                    begin_sql = begin_sql(&token, lock_timeout),
                );
                if let Err(error) = self.connection.client().batch_execute(&sql) {
                    return Err(MessageFailure::RolledBack {
                        error: SqlError::from_postgres(&error),
                        statement: None,
                    });
                }
                self.ledger_statement = Some(prepared.clone());
                prepared
            }
        };
        let ledger_write = prepared.ledger_write.clone();
        Ok(Sent {
            begin: format!("EXECUTE {}", prepared.begin),
            ledger_write: Box::new(move |write: &LedgerWrite| {
                format!("EXECUTE {ledger_write}({})", write.values.join(", "))
            }),
        })
    }

    /// What a failed message did: rolls back what is left of it, reads the markers (how
    /// many of its migrations committed; the statement of the next one that ended its
    /// transaction, if one did) and deallocates what the failed migration prepared (a
    /// `PREPARE` outlives its transaction's rollback).
    fn failed(&mut self, error: &SqlError, layout: &Layout) -> MessageOutcome {
        // The migration may have deallocated the prepared statements: prepare them again.
        self.ledger_statement = None;
        let outcome = |committed: usize, failure: MessageFailure| MessageOutcome {
            committed: vec![Duration::ZERO; committed],
            failure: Some(failure),
        };
        if error.connection_lost {
            return outcome(0, MessageFailure::ConnectionLost(error.clone()));
        }
        // What the migration's SQL said before it failed is kept for the run to show; what
        // the ROLLBACK says (a warning when the failure left no transaction open) is not.
        let said = self.notices.take();
        let markers = self
            .connection
            .client()
            .simple_query(&format!(
                "ROLLBACK; SELECT pg_catalog.current_setting('plan.statement', true), \
                 pg_catalog.current_setting('plan.committed', true), \
                 pg_catalog.set_config('plan.statement', '', false), \
                 pg_catalog.set_config('plan.committed', '', false), \
                 (SELECT string_agg('DEALLOCATE ' || quote_ident(name), '; ') \
                  FROM pg_catalog.pg_prepared_statements \
                  WHERE from_sql AND {NOT_PLANS_STATEMENT})"
            ))
            .map(|messages| super::results::last_row(&messages).unwrap_or_default());
        self.notices.forget_since(said);
        let markers = match markers {
            Ok(markers) => markers,
            Err(lost) => {
                return outcome(
                    0,
                    MessageFailure::ConnectionLost(SqlError::from_postgres(&lost)),
                );
            }
        };
        let column = |index: usize| markers.get(index).cloned().flatten().unwrap_or_default();
        if let Some(deallocate) = markers.get(4).cloned().flatten()
            && let Err(lost) = self.connection.client().batch_execute(&deallocate)
        {
            return outcome(
                0,
                MessageFailure::ConnectionLost(SqlError::from_postgres(&lost)),
            );
        }
        // `plan.committed` is set, with the message's tag, by each migration's transaction
        // as it commits: the failed migration is the one after the last that did.
        let marked = |value: String| {
            value
                .strip_prefix(&layout.tag)
                .and_then(|index| index.parse::<usize>().ok())
        };
        let committed = marked(column(1)).map_or(0, |index| index + 1);
        let empty = Vec::new();
        let starts = layout.starts.get(committed).unwrap_or(&empty);
        if let Some(statement) = marked(column(0)) {
            let ours = error.message.contains(TRANSACTION_GUARD);
            return outcome(
                committed,
                MessageFailure::Ended {
                    statement: statement.min(starts.len().saturating_sub(2)),
                    error: (!ours).then(|| error.clone()),
                },
            );
        }
        if error.message.contains(LEDGER_GUARD) {
            return outcome(committed, MessageFailure::LedgerNotAsExpected);
        }
        // Plan's own prepared statements gone: the migration deallocated them, and with them
        // those of the protocol plan keeps for its own queries, which are prepared again.
        if error.code.as_deref() == Some("26000") && error.message.contains("\"plan_") {
            self.prepared.clear();
            let error = SqlError::plan(format!(
                "the migration deallocated the statements plan prepared on its session ({}): it ran `DEALLOCATE ALL` (or `DISCARD`) where plan cannot see it; nothing of it is committed",
                error.message
            ));
            return outcome(committed, MessageFailure::DiscardedSession(error));
        }
        if error.message.contains(SESSION_GUARD) {
            let error = SqlError::plan(format!(
                "the server process serving this session changed (pid {}): a transaction pooler serves the connection, where the advisory lock does not hold; nothing of this migration ran. Set `lock: table` in plan.yaml (docs/poolers.md)",
                self.backend_pid()
            ));
            return outcome(
                committed,
                MessageFailure::RolledBack {
                    error,
                    statement: None,
                },
            );
        }
        let mut error = error.clone();
        let statement = error.position.and_then(|position| {
            let (index, start) = statement_at(starts, position)?;
            error.position = Some(position - start);
            Some(index)
        });
        outcome(committed, MessageFailure::RolledBack { error, statement })
    }
}

/// The message for `messages`, with `sent`'s statements around each one's SQL.
fn layout(messages: &[OneMessage<'_>], sent: &Sent, reset_sql: &str, tag: String) -> Layout {
    let mut text = String::new();
    let mut length = 0;
    let mut all_starts = Vec::with_capacity(messages.len());
    let push = |text: &mut String, length: &mut usize, part: &str| {
        text.push_str(part);
        *length += part.chars().count();
    };
    for (migration, message) in messages.iter().enumerate() {
        push(&mut text, &mut length, "BEGIN;\n");
        if let Some(modes) = message.modes {
            push(
                &mut text,
                &mut length,
                &format!("SET TRANSACTION {modes};\n"),
            );
        }
        // The token lives as long as the transaction plan began: the guard finds it gone if
        // the migration's SQL ended that transaction.
        push(&mut text, &mut length, &format!("{};\n", sent.begin));
        let mut starts = Vec::with_capacity(message.statements.len() + 1);
        for (index, statement) in message.statements.iter().enumerate() {
            push(
                &mut text,
                &mut length,
                &format!("SET plan.statement = '{tag}{index}';\n"),
            );
            starts.push(length);
            push(&mut text, &mut length, statement);
            // The newline ends a trailing `--` comment.
            push(&mut text, &mut length, "\n;");
        }
        starts.push(length);
        all_starts.push(starts);
        // The role and session authorization are reset before the ledger write, which runs
        // as the session started (and the session stays so for the next migration); the
        // settings after it, which reads what the begin statement set: the write is prepared
        // (names resolved when it was), and a setting that makes it fail (a tiny
        // `statement_timeout`) rolls the migration back, to go the other way.
        let tail = format!(
            "RESET SESSION AUTHORIZATION; RESET ROLE;\n{ledger};\n{reset_sql}UNLISTEN *;\n\
             SET plan.committed = '{tag}{migration}';\nCOMMIT;\n",
            ledger = (sent.ledger_write)(message.ledger_write),
        );
        push(&mut text, &mut length, &tail);
    }
    Layout {
        text,
        starts: all_starts,
        tag,
    }
}

/// What begins each migration's transaction after `BEGIN`: its lock timeout, the token the
/// guard looks for and the migration's start (`plan.started`, as epoch seconds, which the
/// ledger write reads), all transaction-local.
fn begin_sql(token: &str, lock_timeout_ms: u128) -> String {
    format!(
        "SELECT pg_catalog.set_config('lock_timeout', '{lock_timeout_ms}ms', true), \
         pg_catalog.set_config('plan.transaction', '{token}', true), \
         pg_catalog.set_config('plan.started', \
             (extract(epoch FROM pg_catalog.clock_timestamp()))::text, true)"
    )
}

/// The guard: a query for one value, which the ledger write selects (`ledger::GUARD_SLOT`), so
/// it runs after the migration's statements in the same statement as the write. It is `ours`
/// only if the transaction is the one that set `token`, the migration left no temporary
/// objects, held cursors or prepared statements ([`RESIDUE_LOOKUPS`]), and
/// `standard_conforming_strings` is still on (the server read the whole message with it on:
/// SQL that turned it off, under a name plan's check of the text does not see, had its later
/// strings read otherwise than the other path reads them); on a session of its own server
/// process, `session_pid` is checked too. Anything else fails with the guard's message, which
/// rolls the migration back. (The role and session authorization need no check: the message
/// resets them just before the write.)
fn guard_sql(token: &str, session_pid: Option<i32>) -> String {
    let session = session_pid.map_or_else(String::new, |pid| {
        format!(
            "WHEN pg_catalog.pg_backend_pid() <> {pid} \
             THEN ('{SESSION_GUARD} ' || pg_catalog.pg_backend_pid())::int::text "
        )
    });
    format!(
        "SELECT CASE WHEN pg_catalog.current_setting('plan.transaction', true) \
                       IS DISTINCT FROM '{token}' \
                     THEN ('{TRANSACTION_GUARD} ' || pg_catalog.txid_current())::int::text \
                     {session}\
                     WHEN residue.temporary OR residue.cursors OR residue.prepared \
                       OR pg_catalog.current_setting('standard_conforming_strings') <> 'on' \
                     THEN ('{RESIDUE_GUARD} ' || pg_catalog.txid_current())::int::text \
                     ELSE 'ours' END \
         FROM (SELECT {RESIDUE_LOOKUPS}) AS residue",
    )
}

/// `write_sql` with `guard`'s value as a column of its result, after the duration.
fn guarded(write_sql: &str, guard: &str) -> String {
    write_sql.replacen(GUARD_SLOT, &format!(", ({guard}) AS plan_guard"), 1)
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

/// The parts of a message plan writes around each migration's statements.
struct Sent {
    /// After `BEGIN`: [`begin_sql`], or its `EXECUTE`.
    begin: String,
    /// The ledger write of a migration, or its `EXECUTE`.
    ledger_write: Box<dyn Fn(&LedgerWrite) -> String>,
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

/// The rows whose first column is `column`, in order.
fn rows(messages: &[SimpleQueryMessage], column: &str) -> Vec<Vec<Option<String>>> {
    messages
        .iter()
        .filter_map(|message| match message {
            SimpleQueryMessage::Row(row)
                if row.columns().first().map(|found| found.name()) == Some(column) =>
            {
                Some(
                    (0..row.len())
                        .map(|index| row.get(index).map(str::to_string))
                        .collect(),
                )
            }
            _ => None,
        })
        .collect()
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
        let first = ["CREATE TABLE é (id int)", "SELECT 'ü'"];
        let second = ["CREATE TABLE ß (id int)"];
        let write = LedgerWrite {
            sql: format!("SELECT 1 AS plan_duration_ms{GUARD_SLOT}"),
            values: Vec::new(),
        };
        let guard = guard_sql("7.1.42", Some(7));
        let sent = Sent {
            begin: begin_sql("7.1.42", 5000),
            ledger_write: Box::new(move |write: &LedgerWrite| guarded(&write.sql, &guard)),
        };
        let built = layout(
            &[message(&first, &write), message(&second, &write)],
            &sent,
            "RESET ALL;\n",
            "3:".to_string(),
        );
        let chars: Vec<char> = built.text.chars().collect();
        for (migration, statements) in [&first[..], &second[..]].iter().enumerate() {
            for (index, statement) in statements.iter().enumerate() {
                let start = built.starts[migration][index];
                let found: String = chars[start..start + statement.chars().count()]
                    .iter()
                    .collect();
                assert_eq!(&found, statement);
            }
        }
        assert!(built.text.starts_with("BEGIN;\n"));
        assert!(built.text.ends_with("COMMIT;\n"));
        assert_eq!(built.text.matches("BEGIN;").count(), 2);
        assert!(built.text.contains("SET plan.committed = '3:0';"));
        assert!(built.text.contains("SET plan.committed = '3:1';"));
        assert!(built.text.contains("pg_backend_pid() <> 7"));
        assert!(built.text.contains("'plan.transaction', '7.1.42', true"));
        assert!(built.text.contains("IS DISTINCT FROM '7.1.42'"));
        assert!(built.text.contains("'5000ms'"));
        assert_eq!(built.text.matches("AS plan_guard").count(), 2);
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

//! Rollbacks sent several to a message (`db::session::message`), as apply sends fresh
//! migrations (`one_message`): each rollback in its own transaction, its ledger row removed and
//! its history row written by the guarded write, up to
//! [`SHARED_MESSAGE_MIGRATIONS`] of them in one round trip instead of one round trip per
//! statement. What a message cannot do (look at an answer between statements, resume a
//! rollback stopped part-way, run a statement outside a transaction) goes statement by
//! statement (`rollback`).
//!
//! Owns: which rollbacks may share a message ([`shared_run`]) and what a shared message's
//! outcome means for the run ([`roll_back_sharing_a_message`]).

use std::time::{Duration, SystemTime};

use super::one_message::{SHARED_MESSAGE_BYTES, SHARED_MESSAGE_MIGRATIONS, fits_one_message};
use super::trace::{Statement, Trace, Tracer};
use crate::db::{
    self, ConnectionSettings, Event, HistoryOutcome, Ledger, MessageFailure, OneMessage, Session,
    SqlError,
};
use crate::load::Loaded;
use crate::project::{Migration, MigrationId, Rollback, TransactionMode};
use crate::sql::script::Script;

/// The rollbacks at the start of `steps` (each migration with the first statement of its
/// rollback to run) that may share one message, with their SQL; fewer than two means none.
/// Each is a whole rollback (not one resumed part-way), in a transaction of its own, whose
/// statements fit one message (`one_message::fits_one_message`), of a migration without steps;
/// the session is one of its own server process (the message's statements are prepared on it)
/// and `plan -v` is off (it shows each statement as it is sent).
pub(super) fn shared_run<'p, 's>(
    session: &Session,
    tracer: &Tracer,
    loaded: &'p Loaded,
    steps: impl IntoIterator<Item = (&'s MigrationId, usize)>,
) -> Vec<(&'p Migration, &'p Script)> {
    if tracer.is_on() || !session.sends_several_in_one_message() {
        return Vec::new();
    }
    let mut shared = Vec::new();
    let mut bytes = 0;
    for (id, next_statement) in steps.into_iter().take(SHARED_MESSAGE_MIGRATIONS) {
        let Some(migration) = loaded.project().migration(id) else {
            break;
        };
        let Some(script) = loaded.rollback_script(migration) else {
            break;
        };
        bytes += script
            .statements
            .iter()
            .map(|statement| statement.text.len())
            .sum::<usize>();
        if next_statement != 0
            || !migration.steps().is_empty()
            || script.transaction != TransactionMode::Wrapped
            || !fits_one_message(script)
            || (bytes > SHARED_MESSAGE_BYTES && !shared.is_empty())
        {
            break;
        }
        shared.push((migration, script));
    }
    shared
}

/// What became of a message of rollbacks.
pub(super) struct Shared {
    /// How long each rolled-back one took (the first ones of the message, in order), as the
    /// server timed it; zero where the answer was lost to a failure after them.
    pub(super) rolled_back: Vec<Duration>,
    /// What became of the next one, if the message stopped there.
    pub(super) after: Option<After>,
}

/// What a shared message's failure means for the rollback it stopped at.
pub(super) enum After {
    /// Nothing of it is committed and its error says nothing about the run: it and the rest of
    /// the message's go statement by statement, which runs it again and says what failed and
    /// where.
    Alone,
    /// It failed in a way running it again must not follow.
    Stopped(Stop),
}

/// How a rollback in a shared message failed that must not run again.
pub(super) enum Stop {
    /// Its statement `statement` (0-based) ended plan's transaction: part of it may be
    /// committed.
    Ended {
        /// The statement.
        statement: usize,
    },
    /// Nothing of it is committed, and running it again would undo what stopped it: it was
    /// cancelled or timed out (`pg_cancel_backend`, `statement_timeout`: the operator's or the
    /// server's stop), waited `lock_timeout` for a lock (a rollback is not retried: the queue
    /// behind its lock would form twice), or deallocated the statements plan prepared on the
    /// session. Which statement it was running is not known: its marker was rolled back with
    /// it.
    NotAgain {
        /// The error.
        error: SqlError,
        /// Whether it deallocated plan's statements.
        discarded: bool,
    },
    /// The connection is lost. `ledger_read`: the ledger, read on a new connection, still
    /// records it as applied (nothing of its rollback is committed); `false` when it could not
    /// be read.
    ConnectionLost {
        /// The error.
        error: SqlError,
        /// Whether the ledger could be read again.
        ledger_read: bool,
    },
}

/// Rolls back `rollbacks` ([`shared_run`]), each in its own transaction with the removal of
/// its ledger row and its history row, in one round trip; the server stops at the first that
/// fails.
pub(super) fn roll_back_sharing_a_message(
    session: &mut Session,
    (ledger, settings): (&Ledger, &ConnectionSettings),
    rollbacks: &[(&Migration, &Script)],
    (environment, lock_timeout): (Option<&str>, Duration),
    (tracer, emit): (&Tracer, &mut dyn FnMut(Trace<'_>)),
) -> Shared {
    let Some((first, _)) = rollbacks.first() else {
        return Shared {
            rolled_back: Vec::new(),
            after: None,
        };
    };
    let writes: Vec<db::LedgerWrite> = rollbacks
        .iter()
        .map(|(migration, _)| {
            let event = Event {
                migration_id: migration.id().as_str(),
                action: db::HistoryAction::Rollback,
                outcome: HistoryOutcome::Ok,
                checksum: Some(migration.checksum()),
                batch: None,
                // Not used: the message times each rollback on the server.
                started_at: SystemTime::UNIX_EPOCH,
                duration: Duration::ZERO,
                environment,
                detail: None,
            };
            ledger.record_removed_text(&event, db::LEDGER_GUARD)
        })
        .collect();
    let statements: Vec<Vec<&str>> = rollbacks
        .iter()
        .map(|(_, script)| {
            script
                .statements
                .iter()
                .map(|statement| statement.text.as_str())
                .collect()
        })
        .collect();
    let messages: Vec<OneMessage<'_>> = rollbacks
        .iter()
        .zip(&statements)
        .zip(&writes)
        .map(|(((_, script), statements), ledger_write)| OneMessage {
            modes: script.modes.as_deref(),
            lock_timeout,
            statements,
            ledger_write,
        })
        .collect();
    // Each rollback starts from the session the run started with, as on the other path: the
    // message resets it after each of its rollbacks, this before the first.
    if session.reset().is_err() {
        return Shared {
            rolled_back: Vec::new(),
            after: Some(After::Alone),
        };
    }
    // Warnings the server sends during the message are shown as on the other path, with the
    // message's rollbacks: which one raised them, the server does not say.
    let file = match first.rollback() {
        Some(Rollback::File(file)) => file,
        _ => first.file(),
    };
    let heard_in = || Statement::message(first.id(), file, rollbacks.len() - 1);
    let sending = tracer.sending(heard_in, emit);
    let outcome = session.apply_in_one_message(&messages);
    tracer.sent(sending, heard_in, None, emit);
    let mut rolled_back = outcome.committed;
    let Some(failure) = outcome.failure else {
        return Shared {
            rolled_back,
            after: None,
        };
    };
    let mut ledger_read = true;
    match &failure {
        // The answer is lost with the connection: the ledger, read on a new one, tells which
        // rollbacks of the message committed (their rows are gone).
        MessageFailure::ConnectionLost(_) => {
            let removed = removed_first(ledger, settings, rollbacks);
            ledger_read = removed.is_some();
            rolled_back = removed.unwrap_or_default();
        }
        // The durations were in the answer the failure replaced: the history has them.
        _ if !rolled_back.is_empty() => read_durations(session, ledger, &mut rolled_back),
        _ => {}
    }
    if rolled_back.len() >= rollbacks.len() {
        return Shared {
            rolled_back,
            after: None,
        };
    }
    let after = match failure {
        MessageFailure::Ended { statement, .. } => After::Stopped(Stop::Ended { statement }),
        MessageFailure::ConnectionLost(error) => {
            After::Stopped(Stop::ConnectionLost { error, ledger_read })
        }
        MessageFailure::RolledBack { error, .. }
            if error.is_lock_timeout() || error.is_cancel() =>
        {
            After::Stopped(Stop::NotAgain {
                error,
                discarded: false,
            })
        }
        MessageFailure::DiscardedSession(error) => After::Stopped(Stop::NotAgain {
            error,
            discarded: true,
        }),
        MessageFailure::RolledBack { .. } | MessageFailure::LedgerNotAsExpected => After::Alone,
    };
    Shared {
        rolled_back,
        after: Some(after),
    }
}

/// The rollbacks of `rollbacks`, from the first, whose ledger rows are gone, read on a new
/// connection, with their durations from the history; `None` when the ledger cannot be read.
fn removed_first(
    ledger: &Ledger,
    settings: &ConnectionSettings,
    rollbacks: &[(&Migration, &Script)],
) -> Option<Vec<Duration>> {
    let mut session = Session::connect(settings).ok()?;
    let rows = ledger.read(&mut session).ok()?;
    let removed = rollbacks
        .iter()
        .take_while(|(migration, _)| !rows.iter().any(|row| row.id == migration.id().as_str()))
        .count();
    let mut durations = vec![Duration::ZERO; removed];
    read_durations(&mut session, ledger, &mut durations);
    let _ = session.close();
    Some(durations)
}

/// The durations of the last `durations.len()` rollbacks the history records, oldest first,
/// in place of those lost with a failed message's answer (left as they are when it cannot be
/// read).
fn read_durations(session: &mut Session, ledger: &Ledger, durations: &mut [Duration]) {
    let Ok(rows) = ledger.history(session, durations.len()) else {
        return;
    };
    let done = rows
        .iter()
        .filter(|row| row.action == "rollback" && row.outcome == "ok");
    if done.clone().count() == durations.len() {
        for (duration, row) in durations.iter_mut().zip(done) {
            *duration = Duration::from_millis(row.duration_ms);
        }
    }
}

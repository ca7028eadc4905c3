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

use miette::SourceSpan;

use super::one_message::{SHARED_MESSAGE_BYTES, SHARED_MESSAGE_MIGRATIONS, fits_one_message};
use super::rollback::{PlannedRollback, RollbackFailure, ended_transaction, rollback_failed};
use super::trace::Tracer;
use crate::db::{
    self, ConnectionSettings, Event, HistoryOutcome, Ledger, MessageFailure, OneMessage, Session,
};
use crate::load::Loaded;
use crate::project::{Migration, TransactionMode};
use crate::sql::script::Script;

/// The rollbacks at the start of `steps` that may share one message, with their SQL; fewer
/// than two means none. Each is a whole rollback (not one resumed part-way), in a transaction
/// of its own, whose statements fit one message (`one_message::fits_one_message`), of a
/// migration without steps; the session is one of its own server process (the message's
/// statements are prepared on it) and `plan -v` is off (it shows each statement as it is sent).
pub(super) fn shared_run<'p>(
    session: &Session,
    tracer: &Tracer,
    loaded: &'p Loaded,
    steps: &[PlannedRollback],
) -> Vec<(&'p Migration, &'p Script)> {
    if tracer.is_on() || !session.sends_several_in_one_message() {
        return Vec::new();
    }
    let mut shared = Vec::new();
    let mut bytes = 0;
    for step in steps.iter().take(SHARED_MESSAGE_MIGRATIONS) {
        let Some(migration) = loaded.project().migration(&step.id) else {
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
        if step.next_statement != 0
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
    /// Nothing of it is committed: it and the rest of the message's go statement by statement,
    /// which runs it again and says what failed and where (or, a lock gone, rolls it back).
    Alone,
    /// It failed in a way running it again must not follow: its SQL ended plan's transaction
    /// (part of it may be committed), or the connection is lost.
    Failed(RollbackFailure),
}

/// Rolls back `rollbacks` ([`shared_run`]), each in its own transaction with the removal of
/// its ledger row and its history row, in one round trip; the server stops at the first that
/// fails.
pub(super) fn roll_back_sharing_a_message(
    session: &mut Session,
    (ledger, settings): (&Ledger, &ConnectionSettings),
    rollbacks: &[(&Migration, &Script)],
    (environment, lock_timeout): (Option<&str>, Duration),
) -> Shared {
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
    let outcome = session.apply_in_one_message(&messages);
    let mut rolled_back = outcome.committed;
    let Some(failure) = outcome.failure else {
        return Shared {
            rolled_back,
            after: None,
        };
    };
    // The answer is lost with the connection: the ledger, read on a new one, tells which
    // rollbacks of the message committed (their rows are gone).
    let mut ledger_read = true;
    if let MessageFailure::ConnectionLost(_) = &failure {
        let removed = removed_first(ledger, settings, rollbacks);
        ledger_read = removed.is_some();
        rolled_back = vec![Duration::ZERO; removed.unwrap_or(0)];
    }
    let Some((migration, script)) = rollbacks.get(rolled_back.len()) else {
        return Shared {
            rolled_back,
            after: None,
        };
    };
    let after = match failure {
        MessageFailure::Ended { statement, .. } => {
            let failure = match script.statements.get(statement) {
                Some(sql) => ended_transaction(migration, sql, statement),
                None => RollbackFailure {
                    failure: rollback_failed(
                        migration,
                        "its SQL ended plan's transaction".to_string(),
                        SourceSpan::from(0..0),
                        None,
                        format!(
                            "what ran before may be committed, although the ledger still records {} as it was: check the database before anything else",
                            migration.id()
                        ),
                    ),
                    committed: true,
                },
            };
            After::Failed(failure)
        }
        MessageFailure::ConnectionLost(error) => After::Failed(RollbackFailure {
            failure: rollback_failed(
                migration,
                error.to_string(),
                SourceSpan::from(0..0),
                error.code.clone(),
                if ledger_read {
                    format!(
                        "the connection was lost while its rollback ran, in a transaction: the ledger, read again, still records {} as applied, so nothing of its rollback is committed",
                        migration.id()
                    )
                } else {
                    format!(
                        "the connection was lost while its rollback ran, and the ledger could not be read again: whether {} is rolled back, `plan status` says",
                        migration.id()
                    )
                },
            ),
            committed: false,
        }),
        MessageFailure::RolledBack { .. }
        | MessageFailure::LedgerNotAsExpected
        | MessageFailure::DiscardedSession(_) => After::Alone,
    };
    Shared {
        rolled_back,
        after: Some(after),
    }
}

/// How many of `rollbacks`, from the first, have no ledger row any more, read on a new
/// connection; `None` when it cannot be read.
fn removed_first(
    ledger: &Ledger,
    settings: &ConnectionSettings,
    rollbacks: &[(&Migration, &Script)],
) -> Option<usize> {
    let mut session = Session::connect(settings).ok()?;
    let rows = ledger.read(&mut session).ok()?;
    let _ = session.close();
    Some(
        rollbacks
            .iter()
            .take_while(|(migration, _)| !rows.iter().any(|row| row.id == migration.id().as_str()))
            .count(),
    )
}

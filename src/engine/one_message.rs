//! A migration's transaction phase sent as one message (`db::session::message`): its
//! statements, its ledger and history rows and the guards, in one round trip, where nothing
//! needs plan to look at an answer between statements. The other path (`phases`) runs
//! everything else, and also names the failing statement of a message that failed without
//! an error position.
//!
//! Owns: which phases may go this way ([`Runner::goes_in_one_message`]) and what a failed
//! message means for the run ([`Runner::try_one_message`]).

use std::ops::Range;

use super::failure::{FailureKind, FailurePoint, Interruption};
use super::outcome::{MigrationFailed, Progress};
use super::record::not_as_expected;
use super::runner::{MigrationRun, Runner, record_applied_text};
use super::trace::Statement;
use std::time::Duration;

use crate::db::{MessageFailure, OneMessage, ResumePoint, Session};
use crate::project::Migration;
use crate::sql::script::Script;

/// The most migrations one message holds, and the most SQL: enough to take the round trips
/// out of a long run, few enough that a failure or Ctrl-C is not far behind.
pub(crate) const SHARED_MESSAGE_MIGRATIONS: usize = 64;
pub(crate) const SHARED_MESSAGE_BYTES: usize = 1 << 20;

/// Whether `script`'s statements may go in one message ([`Runner::goes_in_one_message`] says
/// why each condition): all inside a transaction, no COPY data, none that changes
/// `standard_conforming_strings` or raises its own notices. Said of a rollback's script too
/// (`rollback_message`).
pub(crate) fn fits_one_message(script: &Script) -> bool {
    script.statements.iter().all(|statement| {
        statement.copy_data.is_none()
            && !statement.outside_transaction
            && !mentions(&statement.text, &["standard_conforming_strings", "raise"])
    })
}

impl Runner<'_> {
    /// Whether this transaction phase may go as one message: the whole migration's file and
    /// nothing else (no steps, no prerequisites to look up, nothing to resume), statements
    /// that run inside a transaction without COPY data, no `plan -v` (which shows each
    /// statement as it is sent), and a session whose lock the server can check (not the
    /// table lock). A file that changes `standard_conforming_strings` goes the other way: the
    /// server reads a whole message before running any of it, so its later strings would be
    /// read with the setting it started with. So does one that raises its own notices
    /// (`RAISE`): a warning is shown with the line of the statement that raised it, which
    /// only the other path knows.
    pub(crate) fn goes_in_one_message(
        &self,
        run: &MigrationRun<'_>,
        (with_file, steps): (bool, &Range<usize>),
        finishes: bool,
        resume: ResumePoint,
    ) -> bool {
        with_file
            && steps.is_empty()
            && finishes
            && resume == ResumePoint::FRESH
            && run.migration.requires().is_empty()
            && !self.tracer.is_on()
            && self.session.sends_in_one_message()
            && fits_one_message(run.script)
    }

    /// Runs the phase as one message. `Err(None)`: it failed with nothing committed and no
    /// statement to point at (an error the server gave no position for, such as a unique
    /// violation): the caller runs it the other way, which names the statement (what the
    /// migration did outside any transaction, `nextval` say, then happens again). A lock
    /// timeout is returned as the attempt's failure, to be retried.
    pub(crate) fn try_one_message(
        &mut self,
        run: &MigrationRun<'_>,
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Result<(), Option<FailurePoint>> {
        let migration = run.migration;
        let statements: Vec<&str> = run
            .script
            .statements
            .iter()
            .map(|statement| statement.text.as_str())
            .collect();
        let ledger_write = record_applied_text(self.ledger, self.batch, self.environment, run);
        let message = OneMessage {
            modes: run.script.modes.as_deref(),
            lock_timeout: self.lock_timeout,
            statements: &statements,
            ledger_write: &ledger_write,
        };
        let base = migration.up_offset();
        // Warnings the server sends are shown as on the other path; with more than one
        // statement, which one raised them is not known (line 0: the file alone).
        let statements_sent = &run.script.statements;
        let heard_in = || {
            let first = statements_sent.first();
            let mut statement = Statement::at(
                migration.id(),
                migration.file(),
                base + first.map_or(0, |statement| statement.span.start),
                first.map_or("", |statement| statement.text.as_str()),
            );
            if statements_sent.len() != 1 {
                statement.line = 0;
            }
            statement
        };
        let sending = self
            .tracer
            .sending(heard_in, &mut |trace| observe(Progress::Trace(trace)));
        let outcome = self
            .session
            .apply_in_one_message(std::slice::from_ref(&message));
        self.tracer.sent(sending, heard_in, None, &mut |trace| {
            observe(Progress::Trace(trace))
        });
        match outcome.failure {
            None => Ok(()),
            Some(failure) => Err(failure_point(run, failure)),
        }
    }

    /// Whether `migration` may share a message with the migrations next to it
    /// ([`Runner::apply_sharing_a_message`]): it goes in one message
    /// ([`Runner::goes_in_one_message`]) as a whole, fresh, on a session of its own server
    /// process, and a lock timeout would be retried (with no retries, the one attempt goes the
    /// other way).
    pub(crate) fn shares_a_message(&self, migration: &Migration, script: &Script) -> bool {
        let run = MigrationRun::fresh(migration, script);
        self.lock_retries > 0
            && migration.steps().is_empty()
            && self.session.sends_several_in_one_message()
            && self.goes_in_one_message(&run, (true, &(0..0)), true, ResumePoint::FRESH)
    }

    /// Applies `migrations` (each one [`Runner::shares_a_message`]), each in its own
    /// transaction with its ledger row, in one round trip: the server stops at the first that
    /// fails. Returns how long each committed one took, and what became of the one after them
    /// when the message stopped there: `Ok(lock_timed_out)` when nothing of it is committed
    /// (the caller runs it again on its own, which says what failed and where, and retries a
    /// lock timeout counting this attempt), its failure when it ended its own transaction,
    /// found its ledger row not as expected, or the outcome is not known.
    pub(crate) fn apply_sharing_a_message(
        &mut self,
        migrations: &[(&Migration, &Script)],
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> (Vec<Duration>, Option<Result<bool, Box<MigrationFailed>>>) {
        let Some((first, _)) = migrations.first() else {
            return (Vec::new(), None);
        };
        let runs: Vec<MigrationRun<'_>> = migrations
            .iter()
            .map(|(migration, script)| MigrationRun::fresh(migration, script))
            .collect();
        let statements: Vec<Vec<&str>> = runs
            .iter()
            .map(|run| {
                run.script
                    .statements
                    .iter()
                    .map(|statement| statement.text.as_str())
                    .collect()
            })
            .collect();
        let writes: Vec<_> = runs
            .iter()
            .map(|run| record_applied_text(self.ledger, self.batch, self.environment, run))
            .collect();
        let messages: Vec<OneMessage<'_>> = runs
            .iter()
            .zip(&statements)
            .zip(&writes)
            .map(|((run, statements), ledger_write)| OneMessage {
                modes: run.script.modes.as_deref(),
                lock_timeout: self.lock_timeout,
                statements,
                ledger_write,
            })
            .collect();
        // Warnings the server sends during the message are shown as on the other path, with
        // the message's migrations: which one raised them, the server does not say.
        let heard_in = || Statement::message(first.id(), first.file(), migrations.len() - 1);
        let sending = self
            .tracer
            .sending(heard_in, &mut |trace| observe(Progress::Trace(trace)));
        let outcome = self.session.apply_in_one_message(&messages);
        self.tracer.sent(sending, heard_in, None, &mut |trace| {
            observe(Progress::Trace(trace))
        });
        let mut committed = outcome.committed;
        if let Some(MessageFailure::ConnectionLost(_)) = &outcome.failure {
            // The server's answer is lost with the connection: the ledger, read on a new one,
            // tells which migrations of the message committed.
            let recorded = self.recorded_by_this_run(&runs);
            committed = vec![Duration::ZERO; recorded];
        } else if outcome.failure.is_some() && !committed.is_empty() {
            // The durations were in the answer the failure replaced: the ledger has them.
            let rows = self.ledger.read(&mut self.session).unwrap_or_default();
            for (run, duration) in runs.iter().zip(committed.iter_mut()) {
                let recorded = rows
                    .iter()
                    .find(|row| row.id == run.migration.id().as_str());
                if let Some(row) = recorded {
                    *duration = Duration::from_millis(u64::try_from(row.duration_ms).unwrap_or(0));
                }
            }
        }
        let next = outcome.failure.map(|failure| {
            let Some(run) = runs.get(committed.len()) else {
                return Ok(false);
            };
            match failure_point(run, failure) {
                // Ended its own transaction (part of it is committed), the outcome is not known
                // (the connection is lost), or it was cancelled or timed out (an operator's
                // `pg_cancel_backend` or the server's `statement_timeout`, which running it again
                // would undo): that is the migration's failure.
                Some(point)
                    if matches!(&point.error, FailureKind::TransactionEnded(..))
                        || matches!(&point.error, FailureKind::Sql(error)
                            if error.connection_lost || error.is_cancel())
                        || matches!(&point.error, FailureKind::Ledger(_)) =>
                {
                    Err(self.fail(run, (point, String::new()), observe))
                }
                // Nothing of it is committed: on its own, it fails again where it fails (and
                // says where), or goes (a lock timeout gone, this attempt counted).
                Some(point) => {
                    Ok(matches!(&point.error, FailureKind::Sql(error) if error.is_lock_timeout()))
                }
                None => Ok(false),
            }
        });
        (committed, next)
    }
}

impl Runner<'_> {
    /// How many of `runs`, from the first, the ledger shows recorded by this run's batch, read
    /// on a new connection; 0 when it cannot be read (the failure is then the first one's,
    /// and the next run reads the ledger as always).
    fn recorded_by_this_run(&self, runs: &[MigrationRun<'_>]) -> usize {
        let Ok(mut session) = Session::connect(self.settings) else {
            return 0;
        };
        let rows = self.ledger.read(&mut session).unwrap_or_default();
        let _ = session.close();
        runs.iter()
            .take_while(|run| {
                rows.iter().any(|row| {
                    row.id == run.migration.id().as_str()
                        && row.batch == self.batch
                        && row.checksum == run.migration.checksum()
                })
            })
            .count()
    }
}

/// What a failed message means for `run`: `None` when nothing of it is committed and no
/// statement is known (the other path names it), where it failed otherwise.
fn failure_point(run: &MigrationRun<'_>, failure: MessageFailure) -> Option<FailurePoint> {
    let migration = run.migration;
    let base = migration.up_offset();
    let at = |index: usize, error: FailureKind| {
        let span = run.script.statements.get(index).map_or(0..0, |statement| {
            base + statement.span.start..base + statement.span.end
        });
        FailurePoint {
            error,
            file: migration.file().clone(),
            text_offset: Some(span.start),
            span,
        }
    };
    let whole = |error: FailureKind| FailurePoint {
        error,
        file: migration.file().clone(),
        span: 0..0,
        text_offset: None,
    };
    match failure {
        MessageFailure::RolledBack {
            error,
            statement: Some(index),
        } => Some(at(index, FailureKind::Sql(error))),
        // A lock timeout is this attempt's failure: the next attempt, after the pause, goes
        // the other way. A cancel is the migration's (`apply_sharing_a_message`).
        MessageFailure::RolledBack {
            error,
            statement: None,
        } if error.is_lock_timeout() || error.is_cancel() => Some(whole(FailureKind::Sql(error))),
        MessageFailure::RolledBack {
            statement: None, ..
        } => None,
        MessageFailure::Ended { statement, error } => Some(at(
            statement,
            FailureKind::TransactionEnded(Interruption::Statement(statement), error),
        )),
        MessageFailure::LedgerNotAsExpected => Some(whole(FailureKind::Ledger(not_as_expected()))),
        MessageFailure::ConnectionLost(error) | MessageFailure::DiscardedSession(error) => {
            Some(whole(FailureKind::Sql(error)))
        }
    }
}

/// Whether `text` holds any of `words` (lowercase ASCII), in any case.
fn mentions(text: &str, words: &[&str]) -> bool {
    let lower = text.to_ascii_lowercase();
    words.iter().any(|word| lower.contains(word))
}

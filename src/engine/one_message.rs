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
use super::outcome::Progress;
use super::record::not_as_expected;
use super::runner::{MigrationRun, Runner, record_applied_text};
use super::trace::Statement;
use crate::db::{MessageFailure, OneMessage, ResumePoint};

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
            && run.script.statements.iter().all(|statement| {
                statement.copy_data.is_none()
                    && !statement.outside_transaction
                    && !mentions(&statement.text, &["standard_conforming_strings", "raise"])
            })
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
        let sent = self.session.apply_in_one_message(&message);
        self.tracer.sent(sending, heard_in, None, &mut |trace| {
            observe(Progress::Trace(trace))
        });
        match sent {
            Ok(()) => Ok(()),
            Err(MessageFailure::RolledBack {
                error,
                statement: Some(index),
            }) => Err(Some(at(index, FailureKind::Sql(error)))),
            // A lock timeout is this attempt's failure: the next attempt, after the pause,
            // goes the other way.
            Err(MessageFailure::RolledBack {
                error,
                statement: None,
            }) if error.is_lock_timeout() => Err(Some(whole(FailureKind::Sql(error)))),
            Err(MessageFailure::RolledBack {
                statement: None, ..
            }) => Err(None),
            Err(MessageFailure::Ended { statement, error }) => Err(Some(at(
                statement,
                FailureKind::TransactionEnded(Interruption::Statement(statement), error),
            ))),
            Err(MessageFailure::LedgerNotAsExpected) => {
                Err(Some(whole(FailureKind::Ledger(not_as_expected()))))
            }
            Err(MessageFailure::ConnectionLost(error)) => Err(Some(whole(FailureKind::Sql(error)))),
        }
    }
}

/// Whether `text` holds any of `words` (lowercase ASCII), in any case.
fn mentions(text: &str, words: &[&str]) -> bool {
    let lower = text.to_ascii_lowercase();
    words.iter().any(|word| lower.contains(word))
}

//! The ledger's append-only history: what a row records ([`HistoryAction`], [`HistoryOutcome`],
//! [`Event`]), appending one, reading the last ones back ([`HistoryRow`]), the next batch number
//! (from the history, so it is never reused) and a verified backup's row. Writes that change
//! the tracking table and append their history row in the same statement live in `progress`
//! and `writes`, with the SQL built here.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::tables::Ledger;
use crate::db::error::DbError;
use crate::db::session::{Session, SqlError, Transaction};

/// What a history row records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryAction {
    /// An apply.
    Apply,
    /// A rollback.
    Rollback,
    /// A changed file accepted with `plan accept`.
    Accept,
    /// A verified backup taken before an apply (no migration: `migration_id` is empty).
    Backup,
    /// A migration recorded from another runner's tracking table (`plan import-history`).
    Import,
    /// A migration recorded as applied without running it (`plan baseline`).
    Baseline,
}

/// How it ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryOutcome {
    /// Done.
    Ok,
    /// Failed; rolled back as far as it was transactional.
    Failed,
    /// Stopped part-way (statements outside a transaction).
    Partial,
}

/// One history row to append.
#[derive(Clone, Debug)]
pub struct Event<'a> {
    /// The migration.
    pub migration_id: &'a str,
    /// What happened.
    pub action: HistoryAction,
    /// How it ended.
    pub outcome: HistoryOutcome,
    /// The file's checksum at the time.
    pub checksum: Option<&'a str>,
    /// The apply run.
    pub batch: Option<i32>,
    /// When it started.
    pub started_at: SystemTime,
    /// How long it took.
    pub duration: Duration,
    /// The environment named with `--env`.
    pub environment: Option<&'a str>,
    /// A note: the error, the reason given for accepting a changed file.
    pub detail: Option<&'a str>,
}

/// A row of the history, as read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryRow {
    /// The migration.
    pub migration_id: String,
    /// `apply`, `rollback`, `accept` or `backup`.
    pub action: String,
    /// `ok`, `failed` or `partial`.
    pub outcome: String,
    /// The checksum recorded.
    pub checksum: Option<String>,
    /// The batch.
    pub batch: Option<i32>,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// The note.
    pub detail: Option<String>,
}

impl HistoryAction {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            HistoryAction::Apply => "apply",
            HistoryAction::Rollback => "rollback",
            HistoryAction::Accept => "accept",
            HistoryAction::Backup => "backup",
            HistoryAction::Import => "import",
            HistoryAction::Baseline => "baseline",
        }
    }
}

impl HistoryOutcome {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            HistoryOutcome::Ok => "ok",
            HistoryOutcome::Failed => "failed",
            HistoryOutcome::Partial => "partial",
        }
    }
}

impl Ledger {
    /// The last rows of the history, newest last.
    pub fn history(&self, session: &mut Session, limit: usize) -> Result<Vec<HistoryRow>, DbError> {
        if !self.exists(session)? {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT migration_id, action, outcome, checksum, batch::text, duration_ms::text, detail FROM (
                 SELECT * FROM {} ORDER BY event DESC LIMIT {limit}) AS recent
             ORDER BY event",
            self.history_sql()
        );
        let rows = session
            .query_texts(&sql, &[])
            .map_err(|error| session.error("read the ledger history", &error))?;
        Ok(rows
            .into_iter()
            .map(|columns| {
                let mut columns = columns.into_iter();
                let mut next = || columns.next().flatten();
                HistoryRow {
                    migration_id: next().unwrap_or_default(),
                    action: next().unwrap_or_default(),
                    outcome: next().unwrap_or_default(),
                    checksum: next(),
                    batch: next().and_then(|batch| batch.parse().ok()),
                    duration_ms: next().and_then(|ms| ms.parse().ok()).unwrap_or(0),
                    detail: next(),
                }
            })
            .collect())
    }

    /// The number of the next apply run: one more than any batch ever recorded, so a batch
    /// number is never reused even after rollbacks.
    pub fn next_batch(&self, session: &mut Session) -> Result<i32, DbError> {
        let sql = format!(
            "SELECT (coalesce(max(batch), 0) + 1)::text FROM {}",
            self.history_sql()
        );
        let rows = session
            .query_texts(&sql, &[])
            .map_err(|error| session.error("read the last batch", &error))?;
        Ok(rows
            .first()
            .and_then(|row| row.first().cloned().flatten())
            .and_then(|batch| batch.parse().ok())
            .unwrap_or(1))
    }

    /// Appends `event` to the history.
    pub fn record_event(
        &self,
        work: &mut Transaction<'_>,
        event: &Event<'_>,
    ) -> Result<(), SqlError> {
        let sql = self.history_insert(1);
        let event_parameters = EventParameters::of(event);
        work.execute(&sql, &event_parameters.as_slice()).map(drop)
    }

    /// Appends `event` in a transaction of its own: for failures, whose own transaction was
    /// rolled back.
    pub fn record_event_alone(
        &self,
        session: &mut Session,
        event: &Event<'_>,
    ) -> Result<(), SqlError> {
        let mut work = session.begin()?;
        self.record_event(&mut work, event)?;
        work.commit()
    }

    /// [`Ledger::history_insert`] as `INSERT INTO history ... SELECT`, for a caller to add
    /// `FROM` (so that the history row is written only when what it follows was).
    pub(super) fn history_select(&self, first: usize) -> String {
        self.history_select_of(parameters(first).each_ref().map(String::as_str))
    }

    /// [`Ledger::history_select`] with `values` (SQL, in the order of [`EventParameters`])
    /// in place of its parameters.
    pub(super) fn history_select_of(&self, values: [&str; 9]) -> String {
        self.history_insert_of(values)
            .replacen("VALUES (", "SELECT ", 1)
            .trim_end()
            .trim_end_matches(')')
            .to_string()
    }

    /// `INSERT INTO history ... SELECT` of `values` (SQL: id, action, outcome, checksum, batch,
    /// environment, detail), its start and finish from the `started_at` and `duration_ms`
    /// columns of what the caller adds `FROM`: a write that timed itself on the server
    /// (`progress::SERVER_STARTED`).
    pub(super) fn history_timed_select_of(
        &self,
        [id, action, outcome, checksum, batch, environment, detail]: [&str; 7],
    ) -> String {
        format!(
            "INSERT INTO {history} (migration_id, action, outcome, checksum, batch, started_at, finished_at, duration_ms, environment, detail)
             SELECT {id}, {action}, {outcome}, {checksum}, {batch}::text::int, started_at,
                    started_at + duration_ms * interval '1 millisecond', duration_ms, {environment}, {detail}",
            history = self.history_sql(),
        )
    }

    /// `INSERT INTO history ...` taking its nine parameters from `$first` on.
    pub(super) fn history_insert(&self, first: usize) -> String {
        self.history_insert_of(parameters(first).each_ref().map(String::as_str))
    }

    /// `INSERT INTO history ...` of `values` (SQL, in the order of [`EventParameters`]).
    fn history_insert_of(
        &self,
        [
            id,
            action,
            outcome,
            checksum,
            batch,
            started,
            duration,
            environment,
            detail,
        ]: [&str; 9],
    ) -> String {
        format!(
            "INSERT INTO {history} (migration_id, action, outcome, checksum, batch, started_at, finished_at, duration_ms, environment, detail)
             VALUES ({id}, {action}, {outcome}, {checksum}, {batch}::text::int, to_timestamp({started}::text::float8),
                     to_timestamp({started}::text::float8) + ({duration}::text::bigint * interval '1 millisecond'), {duration}::text::bigint, {environment}, {detail})",
            history = self.history_sql(),
        )
    }

    /// Records a verified backup in the history: action `backup`, no migration, no batch (the
    /// batch number of the next run is one more than the largest recorded, so a backup must not
    /// hold one), `detail` naming the file. Creates the ledger when missing, so call it with
    /// the lock held, as [`Ledger::ensure`] says; a history created before `backup` was an
    /// action is widened first.
    pub fn record_backup(
        &self,
        session: &mut Session,
        detail: &str,
        environment: Option<&str>,
        started_at: SystemTime,
        duration: Duration,
    ) -> Result<(), DbError> {
        self.ensure(session)?;
        self.allow_backup_action(session)?;
        let event = Event {
            migration_id: "",
            action: HistoryAction::Backup,
            outcome: HistoryOutcome::Ok,
            checksum: None,
            batch: None,
            started_at,
            duration,
            environment,
            detail: Some(detail),
        };
        self.record_event_alone(session, &event)
            .map_err(|error| session.error("record the backup in the ledger history", &error))
    }
}

/// An event's parameters as text, in `history_insert` order.
pub(super) struct EventParameters<'a> {
    id: &'a str,
    action: &'static str,
    outcome: &'static str,
    checksum: Option<&'a str>,
    batch: Option<String>,
    started: String,
    duration: String,
    environment: Option<&'a str>,
    detail: Option<&'a str>,
}

impl<'a> EventParameters<'a> {
    pub(super) fn of(event: &Event<'a>) -> Self {
        EventParameters {
            id: event.migration_id,
            action: event.action.as_str(),
            outcome: event.outcome.as_str(),
            checksum: event.checksum,
            batch: event.batch.map(|batch| batch.to_string()),
            started: epoch_seconds(event.started_at),
            duration: millis(event.duration),
            environment: event.environment,
            detail: event.detail,
        }
    }

    pub(super) fn as_slice(&self) -> Vec<Option<&str>> {
        vec![
            Some(self.id),
            Some(self.action),
            Some(self.outcome),
            self.checksum,
            self.batch.as_deref(),
            Some(&self.started),
            Some(&self.duration),
            self.environment,
            self.detail,
        ]
    }
}

/// `$first` to `$first + 8`: the parameters of a history event.
fn parameters(first: usize) -> [String; 9] {
    std::array::from_fn(|offset| format!("${}", first + offset))
}

pub(super) fn epoch_seconds(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    format!("{}.{:06}", since.as_secs(), since.subsec_micros())
}

pub(super) fn millis(duration: Duration) -> String {
    duration.as_millis().to_string()
}

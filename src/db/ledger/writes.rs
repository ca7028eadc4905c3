//! The tracking table's writes outside an apply, each with its history row in the same
//! transaction: a rollback's removal, `plan accept`'s new checksum, rename and finish, and
//! migrations adopted from elsewhere ([`Adopted`], for `plan import-history` and `plan
//! baseline`). An apply's own writes are `progress`'s job.

use super::history::{Event, EventParameters, HistoryAction};
use super::progress::{LedgerWrite, SERVER_DURATION_MS, SERVER_STARTED, timed_duration_select};
use super::tables::Ledger;
use crate::db::quote::{Written, quote_literal};
use crate::db::session::{SqlError, Transaction};

/// A migration applied by other means than `plan apply` (another runner, psql), to record
/// as applied with [`Ledger::record_adopted`].
#[derive(Clone, Debug, serde::Serialize)]
pub struct Adopted<'a> {
    /// The migration.
    pub id: &'a str,
    /// The file's checksum now (the other runner kept none `plan` can use).
    pub checksum: &'a str,
    /// The batch it is recorded in.
    pub batch: i32,
    /// When it was applied, as a timestamp PostgreSQL reads (`2024-01-20T10:00:00.000000Z`);
    /// `None` records the time of this transaction.
    pub applied_at: Option<&'a str>,
    /// How long it took, when the other runner measured it.
    pub duration_ms: i64,
    /// The environment named with `--env`, if any.
    pub environment: Option<&'a str>,
    /// Where the record comes from, for the history.
    pub detail: &'a str,
}

impl Ledger {
    /// Renames a migration's row (a file renamed after it was applied, `plan accept
    /// --renamed`), recording the migration's checksum under its new name, and appends
    /// `event`. Returns how many rows changed (0 or 1).
    pub fn record_rename(
        &self,
        work: &mut Transaction<'_>,
        (old, new): (&str, &str),
        checksum: &str,
        event: &Event<'_>,
    ) -> Result<u64, SqlError> {
        let updated = work.execute(
            &format!(
                "UPDATE {} SET id = $2, checksum = $3 WHERE id = $1",
                self.table_sql()
            ),
            &[Some(old), Some(new), Some(checksum)],
        )?;
        self.record_event(work, event)?;
        Ok(updated)
    }

    /// Marks a migration applied without changing anything else (`plan accept --resume-at
    /// end` of a partial migration) and appends `event`.
    pub fn record_finished(
        &self,
        work: &mut Transaction<'_>,
        id: &str,
        checksum: &str,
        event: &Event<'_>,
    ) -> Result<u64, SqlError> {
        let updated = work.execute(
            &format!(
                "UPDATE {} SET state = 'applied', checksum = $2, next_statement = NULL,
                     next_step = NULL, completed = NULL WHERE id = $1",
                self.table_sql()
            ),
            &[Some(id), Some(checksum)],
        )?;
        self.record_event(work, event)?;
        Ok(updated)
    }

    /// Removes a migration's row (rollback) and appends `event`.
    pub fn record_removed(
        &self,
        work: &mut Transaction<'_>,
        id: &str,
        event: &Event<'_>,
    ) -> Result<(), SqlError> {
        let sql = format!(
            "WITH removed AS (DELETE FROM {table} WHERE id = $1) {history_insert}",
            table = self.table_sql(),
            history_insert = self.history_insert(2),
        );
        let mut parameters: Vec<Option<&str>> = vec![Some(id)];
        let event_parameters = EventParameters::of(event);
        parameters.extend(event_parameters.as_slice());
        work.execute(&sql, &parameters).map(drop)
    }

    /// [`Ledger::record_removed`] as SQL text with its values written in, for a rollback sent
    /// with its ledger write in one message (`Session::apply_in_one_message`), where nothing
    /// can be looked at before the `COMMIT` that follows: the row goes only if it is an applied
    /// one (a partial row's rollback goes the other way), the history row with it, and the
    /// write fails, with an error whose message holds `guard`, unless exactly one row went.
    /// The event's start and duration are the server's, as the message timed the rollback
    /// (`progress::SERVER_STARTED`); its outcome is `ok` (a failed rollback is recorded by the
    /// run, in a transaction of its own).
    pub fn record_removed_text(&self, event: &Event<'_>, guard: &str) -> LedgerWrite {
        let sql = format!(
            "WITH timed AS (
                 DELETE FROM {table} WHERE id = $1 AND state = 'applied'
                 RETURNING {SERVER_STARTED} AS started_at, {SERVER_DURATION_MS} AS duration_ms),
             history AS ({history_insert} FROM timed RETURNING duration_ms)
             {duration}",
            table = self.table_sql(),
            history_insert = self.history_timed_select_of([
                "$1",
                &quote_literal(event.action.as_str()),
                &quote_literal(event.outcome.as_str()),
                "$2",
                "$3",
                "$4",
                "NULL",
            ]),
            duration = timed_duration_select(guard),
        );
        let batch = event.batch.map(|batch| batch.to_string());
        let values = [
            Written::Value(Some(event.migration_id)),
            Written::Value(event.checksum),
            Written::Value(batch.as_deref()),
            Written::Value(event.environment),
        ]
        .into_iter()
        .map(Written::to_sql)
        .collect();
        LedgerWrite { sql, values }
    }

    /// Replaces a migration's recorded checksum (an accepted change) and appends `event`.
    pub fn record_checksum(
        &self,
        work: &mut Transaction<'_>,
        id: &str,
        checksum: &str,
        event: &Event<'_>,
    ) -> Result<u64, SqlError> {
        let updated = work.execute(
            &format!(
                "UPDATE {} SET checksum = $2 WHERE id = $1",
                self.table_sql()
            ),
            &[Some(id), Some(checksum)],
        )?;
        self.record_event(work, event)?;
        Ok(updated)
    }

    /// Records `adopted` migrations as applied (keeping their times) and appends one history
    /// row each with `action` (`Import` or `Baseline`), in one statement inside `work`.
    /// A migration the ledger already holds is left as it is and gets no history row.
    /// Returns how many were recorded.
    pub fn record_adopted(
        &self,
        work: &mut Transaction<'_>,
        action: HistoryAction,
        adopted: &[Adopted<'_>],
    ) -> Result<u64, SqlError> {
        // One JSON parameter rather than one statement per migration: an import of a thousand
        // rows is one round trip.
        let json = serde_json::to_string(adopted)
            .map_err(|error| SqlError::plan(format!("encode the migrations to record: {error}")))?;
        let sql = format!(
            "WITH adopted AS (
                 SELECT * FROM json_to_recordset($1::text::json) AS adopted(
                     id text, checksum text, batch int, applied_at timestamptz, duration_ms bigint,
                     environment text, detail text)),
             recorded AS (
                 INSERT INTO {table} (id, checksum, batch, state, applied_at, duration_ms, environment)
                 SELECT id, checksum, batch, 'applied', coalesce(applied_at, now()), duration_ms, environment
                 FROM adopted
                 ON CONFLICT (id) DO NOTHING
                 RETURNING id)
             INSERT INTO {history} (migration_id, action, outcome, checksum, batch, started_at, finished_at, duration_ms, environment, detail)
             SELECT adopted.id, $2, 'ok', adopted.checksum, adopted.batch, coalesce(adopted.applied_at, now()),
                    coalesce(adopted.applied_at, now()) + adopted.duration_ms * interval '1 millisecond',
                    adopted.duration_ms, adopted.environment, adopted.detail
             FROM adopted JOIN recorded ON recorded.id = adopted.id",
            table = self.table_sql(),
            history = self.history_sql(),
        );
        work.execute(&sql, &[Some(&json), Some(action.as_str())])
    }
}

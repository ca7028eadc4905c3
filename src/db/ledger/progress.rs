//! Recording how far a migration got, committed with the work it describes: applied
//! ([`Ledger::record_applied`]), partly applied ([`Ledger::record_progress`]), a rollback run
//! outside a transaction part-way ([`Ledger::record_rollback_progress`]). The apply writes are
//! compare-and-set: each names the row it expects ([`Expected`]) and says whether it found it
//! ([`Recorded`]). The history SQL comes from `history`; widening an older ledger from `upgrade`.

use super::history::{Event, EventParameters, epoch_seconds, millis};
use super::rows::{LedgerRow, ResumePoint};
use super::tables::Ledger;
use crate::db::error::DbError;
use crate::db::quote::{Written, quote_literal};
use crate::db::session::{Session, SqlError, Transaction};

/// The migration's start, as epoch seconds, for the ledger write of a message: `plan.started`,
/// set by the message (`db::session::message`) as the migration's transaction begins (a
/// message holding several migrations has one statement time for all of them).
pub(super) const STARTED_EPOCH: &str = "pg_catalog.current_setting('plan.started')";
/// Where, in the select list of a ledger write for a message, the message adds its guard's
/// column (`db::session::message`): the write and the guard are one statement.
pub(crate) const GUARD_SLOT: &str = "/*guard*/";

/// The migration's duration in whole milliseconds so far, as a `bigint`, from
/// [`STARTED_EPOCH`]. Truncated, as plan's own clock is (`Duration::as_millis`): rounded up, the
/// history's `finished_at` (start plus duration) could fall after the next migration's start.
macro_rules! server_duration_ms {
    () => {
        "pg_catalog.floor((extract(epoch FROM pg_catalog.clock_timestamp()) \
         - pg_catalog.current_setting('plan.started')::numeric) * 1000)::bigint"
    };
}
/// `server_duration_ms!` as text, for a parameter of the general ledger write of a message.
pub(super) const DURATION_MS: &str = concat!(server_duration_ms!(), "::text");
/// The start and duration of a write that times itself on the server ([`Ledger::record_fresh_text`],
/// `Ledger::record_removed_text`), for its first part to return as `started_at` and
/// `duration_ms`, which its history row and its answer then read ([`timed_duration_select`]).
/// Each is computed once, in the statement the write prepared: passed as `EXECUTE`'s
/// parameters, the server parsed and planned these expressions again for every migration,
/// about 30 µs a migration in a replay of 2,000 (docs/performance.md).
pub(super) const SERVER_STARTED: &str =
    "pg_catalog.to_timestamp(pg_catalog.current_setting('plan.started')::float8)";
/// See [`SERVER_STARTED`].
pub(super) const SERVER_DURATION_MS: &str = server_duration_ms!();

/// The last part of a ledger write for a message: the duration (`$5`) when exactly one history
/// row followed the ledger row, the failure `guard` says otherwise, and the slot of the
/// message's own guard ([`GUARD_SLOT`]).
pub(super) fn duration_select(guard: &str) -> String {
    format!(
        "SELECT CASE WHEN count(*) = 1 THEN $5::text
                     ELSE ({guard} || ' ' || pg_catalog.txid_current())::int::text END
                AS plan_duration_ms{GUARD_SLOT}
         FROM history",
        guard = quote_literal(guard),
    )
}

/// [`duration_select`] of a write that timed itself ([`SERVER_STARTED`]): the duration its
/// history row (`history AS (… RETURNING duration_ms)`) recorded.
pub(super) fn timed_duration_select(guard: &str) -> String {
    format!(
        "SELECT CASE WHEN count(*) = 1 THEN max(duration_ms)::text
                     ELSE ({guard} || ' ' || pg_catalog.txid_current())::int::text END
                AS plan_duration_ms{GUARD_SLOT}
         FROM history",
        guard = quote_literal(guard),
    )
}

/// Where a partial migration resumes and what of it is done, as the ledger records it.
#[derive(Clone, Copy, Debug)]
pub struct PartialProgress<'a> {
    /// Where it resumes.
    pub at: ResumePoint,
    /// What is done, as [`LedgerRow::completed`] describes.
    pub completed: &'a [String],
    /// What the writer believes the row holds now; the write happens only if it does.
    pub replacing: Expected<'a>,
}

impl Ledger {
    /// Records `row` as applied (replacing a partial row, or the applied row of a repeatable
    /// migration run again) and appends `event`, in one statement inside the migration's
    /// transaction.
    pub fn record_applied(
        &self,
        work: &mut Transaction<'_>,
        row: &LedgerRow,
        event: &Event<'_>,
        expected: Expected<'_>,
    ) -> Result<Recorded, SqlError> {
        let sql = format!(
            "WITH {applied}
             {history_insert} FROM applied",
            applied = self.applied_cte(),
            history_insert = self.history_select(7),
        );
        let started = epoch_seconds(event.started_at);
        let duration = millis(event.duration);
        let batch = row.batch.to_string();
        let mut parameters: Vec<Option<&str>> = vec![
            Some(&row.id),
            Some(&row.checksum),
            Some(&batch),
            Some(&started),
            Some(&duration),
            row.environment.as_deref(),
        ];
        let event_parameters = EventParameters::of(event);
        parameters.extend(event_parameters.as_slice());
        parameters.extend(expected.parameters());
        work.execute(&sql, &parameters).map(Recorded::from_rows)
    }

    /// [`Ledger::record_applied`] as SQL text with its values written in, for a migration sent
    /// with its ledger row in one message (`Session::apply_in_one_message`), where nothing can
    /// be looked at before the `COMMIT` that follows: it fails, with an error whose message
    /// holds `guard`, unless it wrote the row as expected. The duration is the server's, from
    /// the start of the message to this statement (`statement_timestamp()` is when the server
    /// received the message): the migration ran in between.
    pub fn record_applied_text(
        &self,
        row: &LedgerRow,
        event: &Event<'_>,
        expected: Expected<'_>,
        guard: &str,
    ) -> LedgerWrite {
        let fresh = matches!(expected, Expected::NoRow)
            && event.migration_id == row.id
            && event.checksum == Some(row.checksum.as_str())
            && event.batch == Some(row.batch)
            && event.environment == row.environment.as_deref()
            && event.detail.is_none();
        if fresh {
            return self.record_fresh_text(row, event, guard);
        }
        // The row's duration is the value the write returns: a message holding several
        // migrations reports each one's as the server timed it.
        let sql = format!(
            "WITH {applied},
             history AS ({history_insert} FROM applied RETURNING 1)
             {duration}",
            applied = self.applied_cte(),
            history_insert = self.history_select(7),
            duration = duration_select(guard),
        );
        let batch = row.batch.to_string();
        // Both from the server: the message sets the migration's start as its transaction
        // begins (`db::STARTED_EPOCH`).
        let started = Written::Expression(STARTED_EPOCH);
        let duration = Written::Expression(DURATION_MS);
        let mut values: Vec<String> = [
            Written::Value(Some(&row.id)),
            Written::Value(Some(&row.checksum)),
            Written::Value(Some(&batch)),
            started,
            duration,
            Written::Value(row.environment.as_deref()),
        ]
        .into_iter()
        .map(Written::to_sql)
        .collect();
        let event_parameters = EventParameters::of(event);
        let event_values = event_parameters.as_slice();
        values.extend(event_values.iter().enumerate().map(|(index, value)| {
            // The event's start and duration (its sixth and seventh values) are the server's.
            match index {
                5 => started.to_sql(),
                6 => duration.to_sql(),
                _ => Written::Value(*value).to_sql(),
            }
        }));
        values.extend(
            expected
                .parameters()
                .map(|value| Written::Value(value).to_sql()),
        );
        LedgerWrite { sql, values }
    }

    /// [`Ledger::record_applied_text`] of a migration with no row yet, whose history event
    /// says what its row says: plain inserts (a row written meanwhile by another run fails the
    /// write, as a unique violation, which the other path then reports as such), each value
    /// passed once. Half the server's work of the general write, which a fresh apply of many
    /// migrations pays for each one.
    fn record_fresh_text(&self, row: &LedgerRow, event: &Event<'_>, guard: &str) -> LedgerWrite {
        let (action, outcome) = (
            quote_literal(event.action.as_str()),
            quote_literal(event.outcome.as_str()),
        );
        let built_for = format!("{action} {outcome} {guard}");
        let sql = match self.fresh_write.get() {
            Some((key, sql)) if *key == built_for => sql.clone(),
            _ => {
                let sql = self.fresh_write_sql(&action, &outcome, guard);
                // The first kind asked for is kept: a run asks for one kind only.
                let _ = self.fresh_write.set((built_for, sql.clone()));
                sql
            }
        };
        let batch = row.batch.to_string();
        let values = [
            Written::Value(Some(&row.id)),
            Written::Value(Some(&row.checksum)),
            Written::Value(Some(&batch)),
            Written::Value(row.environment.as_deref()),
        ]
        .into_iter()
        .map(Written::to_sql)
        .collect();
        LedgerWrite { sql, values }
    }

    /// The SQL of [`Ledger::record_fresh_text`] for history `action` and `outcome` (as SQL
    /// literals) and `guard`: the row's values are `$1` to `$4` (id, checksum, batch,
    /// environment), its start and duration the server's ([`SERVER_STARTED`]).
    fn fresh_write_sql(&self, action: &str, outcome: &str, guard: &str) -> String {
        format!(
            "WITH timed AS (
                 INSERT INTO {table} (id, checksum, batch, state, applied_at, duration_ms, environment)
                 VALUES ($1, $2, $3::text::int, 'applied', {SERVER_STARTED}, {SERVER_DURATION_MS}, $4)
                 RETURNING applied_at AS started_at, duration_ms),
             history AS ({history_insert} FROM timed RETURNING duration_ms)
             {duration}",
            table = self.table_sql(),
            history_insert = self.history_timed_select_of([
                "$1", action, outcome, "$2", "$3", "$4", "NULL"
            ]),
            duration = timed_duration_select(guard),
        )
    }

    /// `applied AS (INSERT … RETURNING 1)`: the ledger row of an applied migration, written
    /// only where the row is as expected (parameters `$1` to `$6`, and `$16`, `$17`).
    fn applied_cte(&self) -> String {
        format!(
            "applied AS (
                 INSERT INTO {table} AS ledger (id, checksum, batch, state, next_statement, applied_at, duration_ms, environment)
                 VALUES ($1, $2, $3::text::int, 'applied', NULL, to_timestamp($4::text::float8), $5::text::bigint, $6)
                 ON CONFLICT (id) DO UPDATE SET checksum = excluded.checksum, batch = excluded.batch,
                     state = 'applied', next_statement = NULL, next_step = NULL, completed = NULL,
                     applied_at = excluded.applied_at,
                     duration_ms = excluded.duration_ms, applied_by = current_user,
                     environment = excluded.environment
                 WHERE {as_expected}
                 RETURNING 1)",
            table = self.table_sql(),
            as_expected = as_expected(16),
        )
    }

    /// Records a migration's progress inside `work`, committed with the work it describes:
    /// `progress` says where it resumes and what is done.
    pub fn record_progress(
        &self,
        work: &mut Transaction<'_>,
        id: &str,
        checksum: &str,
        batch: i32,
        progress: &PartialProgress<'_>,
        environment: Option<&str>,
    ) -> Result<Recorded, SqlError> {
        let sql = format!(
            "INSERT INTO {} AS ledger (id, checksum, batch, state, next_statement, next_step, environment, completed)
             VALUES ($1, $2, $3::text::int, 'partial', $4::text::int, $5::text::int, $6, $7)
             ON CONFLICT (id) DO UPDATE SET next_statement = excluded.next_statement,
                 next_step = excluded.next_step, checksum = excluded.checksum, batch = excluded.batch,
                 state = 'partial', completed = excluded.completed
             WHERE {as_expected}",
            self.table_sql(),
            as_expected = as_expected(8),
        );
        let batch = batch.to_string();
        let next = progress.at.next_statement.to_string();
        let step = progress.at.next_step.map(|step| step.to_string());
        let completed = progress.completed.join("\n");
        let mut parameters = vec![
            Some(id),
            Some(checksum),
            Some(batch.as_str()),
            Some(next.as_str()),
            step.as_deref(),
            environment,
            Some(completed.as_str()),
        ];
        parameters.extend(progress.replacing.parameters());
        work.execute(&sql, &parameters).map(Recorded::from_rows)
    }

    /// Records that the rollback of `id`, run outside a transaction, has committed every
    /// statement before `next_statement` (0-based): its row stays, in state `rolling_back`, so
    /// that the next rollback resumes there and apply refuses it. Commits on its own, like the
    /// statements it describes; a ledger created before this state existed is widened first.
    pub fn record_rollback_progress(
        &self,
        session: &mut Session,
        id: &str,
        next_statement: usize,
    ) -> Result<(), DbError> {
        self.allow_rolling_back_state(session)?;
        let result = session.begin().and_then(|mut work| {
            self.record_rollback_progress_in(&mut work, id, next_statement)?;
            work.commit()
        });
        result
            .map_err(|error| session.error("record the rollback's progress in the ledger", &error))
    }

    /// [`Ledger::record_rollback_progress`] inside `work`, committed with the rollback
    /// statement it follows. Call [`Ledger::record_rollback_progress`] (or
    /// [`Ledger::prepare_rollback_progress`]) once first on a ledger that may be older.
    pub fn record_rollback_progress_in(
        &self,
        work: &mut Transaction<'_>,
        id: &str,
        next_statement: usize,
    ) -> Result<(), SqlError> {
        let sql = format!(
            "UPDATE {} SET state = 'rolling_back', next_statement = $2::text::int, next_step = NULL
             WHERE id = $1",
            self.table_sql()
        );
        let next = next_statement.to_string();
        work.execute(&sql, &[Some(id), Some(&next)]).map(drop)
    }
}

/// What a run expects the ledger row it is about to write over to be: nothing, a partial
/// row whose `completed` is this run's own last record (or what it read before it resumed),
/// or, for a repeatable migration run again, its applied row with the checksum it had.
/// The write happens only when the row is as expected, so two runs that both believe they own
/// a migration (plan's advisory lock released by a migration's `pg_advisory_unlock_all()`, or
/// lost behind a pooler) cannot both record it: the second one's transaction finds the first
/// one's row and writes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected<'a> {
    /// No row: the migration has not started.
    NoRow,
    /// A partial row recording this (`completed`, newline-separated).
    Partial(&'a str),
    /// An applied row with this checksum: a repeatable migration whose file changed since.
    Applied(&'a str),
}

impl<'a> Expected<'a> {
    /// The two parameters of [`as_expected`]: the partial row's `completed`, the applied
    /// row's checksum.
    pub(super) fn parameters(self) -> [Option<&'a str>; 2] {
        match self {
            Expected::NoRow => [None, None],
            Expected::Partial(completed) => [Some(completed), None],
            Expected::Applied(checksum) => [None, Some(checksum)],
        }
    }
}

/// A ledger write for a message that carries no parameters: its SQL with `$1` … `$N`, and the
/// SQL of each value (a literal, `NULL` or an expression), for `EXECUTE` of the statement
/// prepared from that SQL or for writing the values in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerWrite {
    /// The statement, with its parameters as `$N` (text).
    pub sql: String,
    /// Each parameter's SQL, in order.
    pub values: Vec<String>,
}

/// Whether a write that expected a ledger row to be as [`Expected`] says found it so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// It did, and the write happened.
    Written,
    /// The row was not as expected (another run recorded the migration meanwhile): nothing
    /// was written.
    NotAsExpected,
}

impl Recorded {
    pub(super) fn from_rows(rows: u64) -> Recorded {
        if rows == 0 {
            Recorded::NotAsExpected
        } else {
            Recorded::Written
        }
    }
}

/// The `ON CONFLICT … WHERE` condition of a write that expects the existing row to be as
/// [`Expected`] says, taking its two parameters from `$first` on ([`Expected::parameters`]):
/// both NULL means no row was expected, so any existing one fails.
fn as_expected(first: usize) -> String {
    let (partial, applied) = (format!("${first}"), format!("${}", first + 1));
    format!(
        "((ledger.state = 'partial' AND {partial}::text IS NOT NULL AND coalesce(ledger.completed, '') = {partial}::text)
          OR (ledger.state = 'applied' AND {applied}::text IS NOT NULL AND ledger.checksum = {applied}::text))"
    )
}

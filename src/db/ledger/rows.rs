//! The tracking table's rows as plan reads them: [`LedgerRow`], how far its migration got
//! ([`LedgerState`], [`ResumePoint`]), and [`Ledger::read`]. Writing rows is left to
//! `progress` (apply) and `writes` (accept, rollback, adoption).

use super::tables::Ledger;
use crate::calendar::Civil;
use crate::db::error::DbError;
use crate::db::session::Session;

/// One row of the tracking table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerRow {
    /// The migration's ID.
    pub id: String,
    /// SHA-256 of the file when it was applied (or last accepted).
    pub checksum: String,
    /// The apply run that applied it.
    pub batch: i32,
    /// Applied, or partially applied.
    pub state: LedgerState,
    /// When it was applied, as `YYYY-MM-DD HH:MM:SS UTC`.
    pub applied_at: String,
    /// How long it took.
    pub duration_ms: i64,
    /// The database user that applied it.
    pub applied_by: String,
    /// The environment named with `--env`, if any.
    pub environment: Option<String>,
    /// For a partial migration: what of it is done, in order (`statements <count> <sha256
    /// chained over them>`, or `file <sha256>` then `step <sha256>` per step done), so a resume can prove that
    /// what ran is what the project still says; an entry `interrupted: ...` marks a migration
    /// that ended plan's transaction itself and needs a person to say how to go on. Empty for
    /// applied migrations and for rows written before plan recorded it.
    pub completed: Vec<String>,
}

/// How far a migration got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerState {
    /// Applied completely.
    Applied,
    /// A migration stopped part-way through work that commits as it goes (statements outside
    /// a transaction, `commit: each` batches, commands); the next run resumes where it stopped.
    Partial(ResumePoint),
    /// A rollback run outside a transaction stopped part-way: the statements of the rollback
    /// before `next_statement` are committed, and the migration is neither applied nor rolled
    /// back. The next `plan rollback` resumes at `next_statement`; apply refuses it.
    RollingBack {
        /// The first statement of the rollback not yet run (0-based).
        next_statement: usize,
    },
}

/// Where a partly applied migration goes on: the one definition the ledger, the plan, the run
/// and the commands share (the ledger's `next_statement` and `next_step` columns).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResumePoint {
    /// For a file run outside a transaction, statement by statement: the first statement of
    /// the file not yet run (0-based). 0 once the file is done (`next_step` is then `Some`).
    pub next_statement: usize,
    /// `None` while the file itself is unfinished; then how many of the migration's steps are
    /// done, which is the index of the next step to run.
    pub next_step: Option<usize>,
}

impl ResumePoint {
    /// A migration nothing of which has run.
    pub const FRESH: ResumePoint = ResumePoint {
        next_statement: 0,
        next_step: None,
    };

    /// The file run up to (not including) statement `next_statement`, no step done.
    pub fn at_statement(next_statement: usize) -> ResumePoint {
        ResumePoint {
            next_statement,
            next_step: None,
        }
    }

    /// The file done, and the first `done` steps.
    pub fn after_steps(done: usize) -> ResumePoint {
        ResumePoint {
            next_statement: 0,
            next_step: Some(done),
        }
    }
}

impl Ledger {
    /// Every row of the tracking table, by batch then ID; empty when it does not exist yet.
    pub fn read(&self, session: &mut Session) -> Result<Vec<LedgerRow>, DbError> {
        if !self.exists(session)? {
            return Ok(Vec::new());
        }
        let sql = format!(
            // Ordered by the table's columns: the bare `batch` would be the text one above,
            // which sorts batch 10 before batch 2 (and costs a text sort).
            "SELECT {columns} FROM {table} AS ledger ORDER BY ledger.batch, ledger.id",
            columns = ledger_columns(self.has_completed_column(session)?),
            table = self.table_sql(),
        );
        let mut rows = Vec::new();
        session
            .query_each_row(&sql, |columns| rows.push(ledger_row_of(columns)))
            .map_err(|error| session.error("read the ledger", &error))?;
        Ok(rows)
    }

    /// The environments the tracking table records (`--env` of the runs that applied its
    /// migrations), each once, in the order [`Ledger::read`]'s rows first name them; empty
    /// when it does not exist yet. The server keeps one row per environment: a run asks this
    /// before its lock and reads every row again under it, and at 10,000 rows reading them
    /// all twice cost an up-to-date apply 15–20 ms.
    pub fn environments(&self, session: &mut Session) -> Result<Vec<String>, DbError> {
        if !self.exists(session)? {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT environment FROM (
                 SELECT DISTINCT ON (ledger.environment) ledger.environment, ledger.batch, ledger.id
                 FROM {table} AS ledger WHERE ledger.environment IS NOT NULL
                 ORDER BY ledger.environment, ledger.batch, ledger.id) AS first
             ORDER BY first.batch, first.id",
            table = self.table_sql(),
        );
        let mut environments = Vec::new();
        session
            .query_each_row(&sql, |columns| {
                if let Some(Some(environment)) = columns.next() {
                    environments.push(environment.to_string());
                }
            })
            .map_err(|error| session.error("read the ledger", &error))?;
        Ok(environments)
    }
}

/// The columns [`ledger_row`] reads, in its order, each as text; `completed` is `NULL` when the
/// ledger has no such column (one from an earlier version, until `upgrade`). `applied_at` is
/// read as whole seconds since the epoch and written as UTC here: `to_char` on the server was a
/// third of the query's time at 10,000 rows.
pub(crate) fn ledger_columns(completed: bool) -> String {
    format!(
        "id, checksum, batch::text, state, next_statement::text, next_step::text,
         floor(date_part('epoch', applied_at))::bigint::text, duration_ms::text, applied_by,
         environment, {}",
        if completed { "completed" } else { "NULL::text" }
    )
}

/// `seconds` since the epoch as `YYYY-MM-DD HH:MM:SS UTC`, as the server's
/// `to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"')` writes it, for years 1 to
/// 9999 (a ledger's times are its runs').
pub(crate) fn utc_text(seconds: i64) -> String {
    let civil = Civil::at(seconds);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        civil.year, civil.month, civil.day, civil.hour, civil.minute, civil.second
    )
}

/// A row of [`Ledger::read`]'s columns, in its order: `id, checksum, batch, state,
/// next_statement, next_step, applied_at, duration_ms, applied_by, environment, completed`, all
/// as text (also read so by `status --fleet`, which reads many schemas' ledgers in one query).
pub(crate) fn ledger_row(columns: Vec<Option<String>>) -> LedgerRow {
    ledger_row_of(&mut columns.iter().map(Option::as_deref))
}

/// [`ledger_row`] from borrowed columns.
fn ledger_row_of(columns: &mut dyn Iterator<Item = Option<&str>>) -> LedgerRow {
    let mut next = || columns.next().flatten().map(str::to_string);
    let id = next().unwrap_or_default();
    let checksum = next().unwrap_or_default();
    let batch = next()
        .and_then(|batch| batch.parse().ok())
        .unwrap_or_default();
    let state = next().unwrap_or_default();
    let next_statement = next().and_then(|value| value.parse().ok()).unwrap_or(0);
    let next_step = next().and_then(|value| value.parse().ok());
    LedgerRow {
        id,
        checksum,
        batch,
        state: match state.as_str() {
            "partial" => LedgerState::Partial(ResumePoint {
                next_statement,
                next_step,
            }),
            "rolling_back" => LedgerState::RollingBack { next_statement },
            _ => LedgerState::Applied,
        },
        applied_at: next()
            .and_then(|seconds| seconds.parse().ok())
            .map(utc_text)
            .unwrap_or_default(),
        duration_ms: next()
            .and_then(|value| value.parse().ok())
            .unwrap_or_default(),
        applied_by: next().unwrap_or_default(),
        environment: next(),
        completed: next()
            .map(|text| {
                text.lines()
                    .filter(|line| !line.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_read_as_the_server_writes_them_in_utc() {
        // As PostgreSQL 15 wrote it with to_char for the same row.
        assert_eq!(utc_text(1_796_605_185), "2026-12-07 00:59:45 UTC");
        assert_eq!(utc_text(-1), "1969-12-31 23:59:59 UTC");
    }
}

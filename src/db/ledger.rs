//! The [`Ledger`]: the tracking table (one row per applied or partially applied migration) and
//! its append-only history (one row per apply, rollback or accepted checksum, failed or not,
//! and one per verified backup taken before an apply).
//!
//! Both live in the schema named by plan.yaml's `tracking_table` (`plan.migrations` by default,
//! with `plan.migrations_history` beside it), away from the `schema_migrations` tables that
//! home-made runners keep. The history refuses UPDATE and DELETE through a trigger, so it stays
//! an audit trail. Writes that belong to a migration go through its [`Transaction`], so the migration
//! and its row commit together.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::error::DbError;
use super::quote::quote_identifier;
use super::session::{Session, SqlError, Transaction};

/// The tracking table and its history.
#[derive(Clone, Debug)]
pub struct Ledger {
    schema: String,
    table: String,
}

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
    /// The note.
    pub detail: Option<String>,
}

impl HistoryAction {
    fn as_str(self) -> &'static str {
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
    fn as_str(self) -> &'static str {
        match self {
            HistoryOutcome::Ok => "ok",
            HistoryOutcome::Failed => "failed",
            HistoryOutcome::Partial => "partial",
        }
    }
}

impl Ledger {
    /// The ledger in `schema.table`; names are used exactly (already case-folded by the reader).
    pub fn new(schema: &str, table: &str) -> Ledger {
        Ledger {
            schema: schema.to_string(),
            table: table.to_string(),
        }
    }

    /// `schema.table`, as the user wrote it, for messages and the lock key.
    pub fn name(&self) -> String {
        format!("{}.{}", self.schema, self.table)
    }

    fn table_sql(&self) -> String {
        format!(
            "{}.{}",
            quote_identifier(&self.schema),
            quote_identifier(&self.table)
        )
    }

    fn history_sql(&self) -> String {
        format!(
            "{}.{}",
            quote_identifier(&self.schema),
            quote_identifier(&format!("{}_history", self.table))
        )
    }

    /// Whether the tracking table exists.
    pub fn exists(&self, session: &mut Session) -> Result<bool, DbError> {
        let sql = format!(
            "SELECT to_regclass('{}') IS NOT NULL",
            self.table_sql().replace('\'', "''")
        );
        session
            .query_bool(&sql)
            .map_err(|error| session.error("look for the ledger table", &error))
    }

    /// Creates the schema, tables and history trigger when missing. Call with the lock held:
    /// two sessions creating the same table at once can fail on PostgreSQL's catalog.
    pub fn ensure(&self, session: &mut Session) -> Result<(), DbError> {
        if self.exists(session)? {
            return Ok(());
        }
        let guard = quote_identifier(&format!("{}_history_append_only", self.table));
        let sql = format!(
            "BEGIN;
CREATE SCHEMA IF NOT EXISTS {schema};
CREATE TABLE IF NOT EXISTS {table} (
    id text PRIMARY KEY,
    checksum text NOT NULL,
    batch integer NOT NULL,
    state text NOT NULL DEFAULT 'applied' CHECK (state IN ({states})),
    next_statement integer,
    next_step integer,
    applied_at timestamptz NOT NULL DEFAULT now(),
    duration_ms bigint NOT NULL DEFAULT 0,
    applied_by text NOT NULL DEFAULT current_user,
    environment text,
    completed text
);
CREATE TABLE IF NOT EXISTS {history} (
    event bigserial PRIMARY KEY,
    migration_id text NOT NULL,
    action text NOT NULL CHECK (action IN ({actions})),
    outcome text NOT NULL CHECK (outcome IN ('ok', 'failed', 'partial')),
    checksum text,
    batch integer,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    duration_ms bigint NOT NULL,
    db_user text NOT NULL DEFAULT current_user,
    environment text,
    detail text
);
CREATE OR REPLACE FUNCTION {schema}.{guard}() RETURNS trigger LANGUAGE plpgsql AS $plan$
BEGIN
    RAISE EXCEPTION 'the plan history is append-only';
END
$plan$;
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {history}
    FOR EACH ROW EXECUTE FUNCTION {schema}.{guard}();
{truncate_guards}
COMMIT;",
            truncate_guards = self.truncate_guards_sql(),
            schema = quote_identifier(&self.schema),
            table = self.table_sql(),
            history = self.history_sql(),
            actions = HISTORY_ACTIONS,
            states = LEDGER_STATES,
        );
        session.run(&sql).map_err(|error| {
            let _ = session.run("ROLLBACK");
            session.error(&format!("create the ledger {}", self.name()), &error)
        })
    }

    /// Brings a ledger created by an earlier version of plan up to this one's shape: the
    /// `completed` column (progress of a partial migration, proven before a resume) and the
    /// triggers that refuse TRUNCATE. One catalog query when there is nothing to do. Call with
    /// the lock held, as [`Ledger::ensure`] says.
    pub fn upgrade(&self, session: &mut Session) -> Result<(), DbError> {
        let table = self.table_sql().replace('\'', "''");
        let history = self.history_sql().replace('\'', "''");
        let sql = format!(
            "SELECT (EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass('{table}')
                                 AND attname = 'completed' AND NOT attisdropped))::text,
                    (SELECT count(*) FROM pg_trigger
                     WHERE tgname = 'refuse_truncate'
                       AND tgrelid IN (to_regclass('{table}'), to_regclass('{history}')))::text"
        );
        let rows = session
            .query_texts(&sql, &[])
            .map_err(|error| session.error("read the ledger's shape", &error))?;
        let row = rows.into_iter().next().unwrap_or_default();
        let has_completed = row.first().cloned().flatten().as_deref() == Some("true");
        let truncate_guards = row.get(1).cloned().flatten().as_deref() == Some("2");
        if has_completed && truncate_guards {
            return Ok(());
        }
        let mut sql = String::from("BEGIN;\n");
        if !has_completed {
            sql.push_str(&format!(
                "ALTER TABLE {} ADD COLUMN IF NOT EXISTS completed text;\n",
                self.table_sql()
            ));
        }
        if !truncate_guards {
            for table in [self.table_sql(), self.history_sql()] {
                sql.push_str(&format!(
                    "DROP TRIGGER IF EXISTS refuse_truncate ON {table};\n"
                ));
            }
            sql.push_str(&self.truncate_guards_sql());
        }
        sql.push_str("COMMIT;");
        session.run(&sql).map_err(|error| {
            let _ = session.run("ROLLBACK");
            session.error(&format!("upgrade the ledger {}", self.name()), &error)
        })
    }

    /// Triggers that refuse TRUNCATE on the tracking table and its history: a migration that
    /// truncates them would erase what plan knows (UPDATE and DELETE of the tracking table
    /// stay allowed: plan itself needs them).
    fn truncate_guards_sql(&self) -> String {
        let function = format!(
            "{}.{}",
            quote_identifier(&self.schema),
            quote_identifier(&format!("{}_refuse_truncate", self.table))
        );
        format!(
            "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $plan$
BEGIN
    RAISE EXCEPTION 'plan''s ledger % cannot be truncated', TG_TABLE_NAME
        USING HINT = 'the ledger and its history are plan''s record of what ran; roll migrations back with plan rollback';
END
$plan$;
CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON {history}
    FOR EACH STATEMENT EXECUTE FUNCTION {function}();
",
            table = self.table_sql(),
            history = self.history_sql(),
        )
    }

    /// Every row of the tracking table, by batch then ID; empty when it does not exist yet.
    pub fn read(&self, session: &mut Session) -> Result<Vec<LedgerRow>, DbError> {
        if !self.exists(session)? {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, checksum, batch::text, state, next_statement::text, next_step::text,
                    to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"'),
                    duration_ms::text, applied_by, environment, {completed}
             FROM {table} ORDER BY batch, id",
            table = self.table_sql(),
            // A ledger from an earlier version has no `completed` column until `upgrade`.
            completed = if self.has_completed_column(session)? {
                "completed"
            } else {
                "NULL::text"
            },
        );
        let rows = session
            .query_texts(&sql, &[])
            .map_err(|error| session.error("read the ledger", &error))?;
        Ok(rows.into_iter().map(ledger_row).collect())
    }

    fn has_completed_column(&self, session: &mut Session) -> Result<bool, DbError> {
        let sql = format!(
            "SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass('{}')
                            AND attname = 'completed' AND NOT attisdropped)",
            self.table_sql().replace('\'', "''")
        );
        session
            .query_bool(&sql)
            .map_err(|error| session.error("read the ledger's shape", &error))
    }

    /// The last rows of the history, newest last.
    pub fn history(&self, session: &mut Session, limit: usize) -> Result<Vec<HistoryRow>, DbError> {
        if !self.exists(session)? {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT migration_id, action, outcome, checksum, batch::text, detail FROM (
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

    /// Records `row` as applied (replacing a partial row) and appends `event`, in one
    /// statement inside the migration's transaction.
    pub fn record_applied(
        &self,
        work: &mut Transaction<'_>,
        row: &LedgerRow,
        event: &Event<'_>,
        expected: Expected<'_>,
    ) -> Result<Recorded, SqlError> {
        let sql = format!(
            "WITH applied AS (
                 INSERT INTO {table} AS ledger (id, checksum, batch, state, next_statement, applied_at, duration_ms, environment)
                 VALUES ($1, $2, $3::text::int, 'applied', NULL, to_timestamp($4::text::float8), $5::text::bigint, $6)
                 ON CONFLICT (id) DO UPDATE SET checksum = excluded.checksum, batch = excluded.batch,
                     state = 'applied', next_statement = NULL, next_step = NULL, completed = NULL,
                     applied_at = excluded.applied_at,
                     duration_ms = excluded.duration_ms, applied_by = current_user,
                     environment = excluded.environment
                 WHERE {as_expected}
                 RETURNING 1)
             {history_insert} FROM applied",
            table = self.table_sql(),
            as_expected = AS_EXPECTED.replace("$expected", "$16"),
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
        parameters.push(expected.parameter());
        work.execute(&sql, &parameters).map(Recorded::from_rows)
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
            as_expected = AS_EXPECTED.replace("$expected", "$8"),
        );
        let batch = batch.to_string();
        let next = progress.at.next_statement.to_string();
        let step = progress.at.next_step.map(|step| step.to_string());
        let completed = progress.completed.join("\n");
        work.execute(
            &sql,
            &[
                Some(id),
                Some(checksum),
                Some(&batch),
                Some(&next),
                step.as_deref(),
                environment,
                Some(&completed),
                progress.replacing.parameter(),
            ],
        )
        .map(Recorded::from_rows)
    }

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

    /// Replaces the history's `action` CHECK constraint of a ledger created by an earlier
    /// version, whose list lacks `backup`. A no-op on a ledger created by this one.
    fn allow_backup_action(&self, session: &mut Session) -> Result<(), DbError> {
        self.widen_check(
            session,
            &Widening {
                table: self.history_sql(),
                column: "action",
                needed: "backup",
                list: HISTORY_ACTIONS,
                constraint: format!("{}_history_action_check", self.table),
                doing: "allow backups in the ledger history",
            },
        )
    }

    /// Replaces a CHECK (`column` IN (...)) constraint of a ledger created by an earlier
    /// version when its list lacks `needed`, by one with today's list. A no-op otherwise.
    fn widen_check(&self, session: &mut Session, widening: &Widening<'_>) -> Result<(), DbError> {
        let Widening {
            table,
            column,
            needed,
            list,
            constraint,
            doing,
        } = widening;
        let literal = table.replace('\'', "''");
        let rows = session
            .query_texts(
                &format!(
                    "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint
                     WHERE conrelid = to_regclass('{literal}') AND contype = 'c'
                       AND pg_get_constraintdef(oid) LIKE '%{column}%'"
                ),
                &[],
            )
            .map_err(|error| session.error("read the ledger's constraints", &error))?;
        let outdated: Vec<String> = rows
            .into_iter()
            .filter_map(|row| {
                let mut columns = row.into_iter();
                let name = columns.next().flatten()?;
                let definition = columns.next().flatten()?;
                (!definition.contains(&format!("'{needed}'"))).then_some(name)
            })
            .collect();
        if outdated.is_empty() {
            return Ok(());
        }
        let drops: Vec<String> = outdated
            .iter()
            .map(|name| format!("DROP CONSTRAINT {}", quote_identifier(name)))
            .collect();
        let sql = format!(
            "ALTER TABLE {table} {drops}, ADD CONSTRAINT {name} CHECK ({column} IN ({list}))",
            drops = drops.join(", "),
            name = quote_identifier(constraint),
        );
        session
            .run(&sql)
            .map_err(|error| session.error(doing, &error))
    }

    /// Creates the ledger when missing and widens the history's action list of a ledger
    /// created by an earlier version, so that `import` and `baseline` rows fit. Call with the
    /// lock held, as [`Ledger::ensure`] says.
    pub fn ensure_all_actions(&self, session: &mut Session) -> Result<(), DbError> {
        self.ensure(session)?;
        self.allow_backup_action(session)
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
    fn history_select(&self, first: usize) -> String {
        self.history_insert(first)
            .replacen("VALUES (", "SELECT ", 1)
            .trim_end()
            .trim_end_matches(')')
            .to_string()
    }

    /// `INSERT INTO history ...` taking its eight parameters from `$first` on.
    fn history_insert(&self, first: usize) -> String {
        let p = |offset: usize| format!("${}", first + offset);
        format!(
            "INSERT INTO {history} (migration_id, action, outcome, checksum, batch, started_at, finished_at, duration_ms, environment, detail)
             VALUES ({0}, {1}, {2}, {3}, {4}::text::int, to_timestamp({5}::text::float8),
                     to_timestamp({5}::text::float8) + ({6}::text::bigint * interval '1 millisecond'), {6}::text::bigint, {7}, {8})",
            p(0),
            p(1),
            p(2),
            p(3),
            p(4),
            p(5),
            p(6),
            p(7),
            p(8),
            history = self.history_sql(),
        )
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

    /// Widens a ledger created by an earlier version so it can record a rollback's progress.
    /// Call with the lock held, as [`Ledger::ensure`] says.
    pub fn prepare_rollback_progress(&self, session: &mut Session) -> Result<(), DbError> {
        self.allow_rolling_back_state(session)
    }

    /// Replaces the tracking table's `state` CHECK constraint of a ledger created by an earlier
    /// version, whose list lacks `rolling_back`. A no-op on a ledger created by this one.
    fn allow_rolling_back_state(&self, session: &mut Session) -> Result<(), DbError> {
        self.widen_check(
            session,
            &Widening {
                table: self.table_sql(),
                column: "state",
                needed: "rolling_back",
                list: LEDGER_STATES,
                constraint: format!("{}_state_check", self.table),
                doing: "allow partial rollbacks in the ledger",
            },
        )
    }
}

/// Every state the tracking table accepts, as the SQL list of its CHECK constraint.
const LEDGER_STATES: &str = "'applied', 'partial', 'rolling_back'";

/// A CHECK constraint of an older ledger to widen: see `Ledger::widen_check`.
struct Widening<'a> {
    /// The table, quoted.
    table: String,
    /// The checked column.
    column: &'a str,
    /// The value an older list lacks.
    needed: &'a str,
    /// Today's list, as SQL.
    list: &'a str,
    /// The constraint's name.
    constraint: String,
    /// What is being done, for the error.
    doing: &'a str,
}

/// What a run expects the ledger row it is about to write over to be: nothing, or a partial
/// row whose `completed` is this run's own last record (or what it read before it resumed).
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
}

impl<'a> Expected<'a> {
    fn parameter(self) -> Option<&'a str> {
        match self {
            Expected::NoRow => None,
            Expected::Partial(completed) => Some(completed),
        }
    }
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
    fn from_rows(rows: u64) -> Recorded {
        if rows == 0 {
            Recorded::NotAsExpected
        } else {
            Recorded::Written
        }
    }
}

/// The `ON CONFLICT … WHERE` condition of a write that expects the existing row to be as
/// `$expected` says ([`Expected`]): NULL means no row was expected, so any existing one fails.
const AS_EXPECTED: &str = "ledger.state = 'partial' AND $expected::text IS NOT NULL AND coalesce(ledger.completed, '') = $expected";

/// Every action the history accepts, as the SQL list of its CHECK constraint.
const HISTORY_ACTIONS: &str = "'apply', 'rollback', 'accept', 'backup', 'baseline', 'import'";

/// An event's parameters as text, in `history_insert` order.
struct EventParameters<'a> {
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
    fn of(event: &Event<'a>) -> Self {
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

    fn as_slice(&self) -> Vec<Option<&str>> {
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

fn ledger_row(columns: Vec<Option<String>>) -> LedgerRow {
    let mut columns = columns.into_iter();
    let mut next = || columns.next().flatten();
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
        applied_at: next().unwrap_or_default(),
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

fn epoch_seconds(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    format!("{}.{:06}", since.as_secs(), since.subsec_micros())
}

fn millis(duration: Duration) -> String {
    duration.as_millis().to_string()
}

//! The [`Ledger`] handle: where its two tables live (the tracking table and its history, in
//! the schema plan.yaml's `tracking_table` names), whether they exist, and creating them with
//! the triggers that keep the history append-only and both tables from being truncated.
//! Reading rows, writing them and upgrading an older ledger are the sibling files' jobs.

use crate::db::error::DbError;
use crate::db::lock::LockKey;
use crate::db::quote::quote_identifier;
use crate::db::session::Session;

/// The tracking table and its history.
#[derive(Clone, Debug)]
pub struct Ledger {
    pub(super) schema: String,
    pub(super) table: String,
    /// The SQL of the last fresh ledger write (`progress`), with what it was built for: a run
    /// applying many fresh migrations asks for the same text for each one, and building it
    /// (about a kilobyte of formatting) cost a few microseconds every time.
    pub(super) fresh_write: std::sync::OnceLock<(String, String)>,
}

impl Ledger {
    /// The ledger in `schema.table`; names are used exactly (already case-folded by the reader).
    pub fn new(schema: &str, table: &str) -> Ledger {
        Ledger {
            schema: schema.to_string(),
            table: table.to_string(),
            fresh_write: std::sync::OnceLock::new(),
        }
    }

    /// `schema.table`, as the user wrote it, for messages and the lock key.
    pub fn name(&self) -> String {
        format!("{}.{}", self.schema, self.table)
    }

    pub(super) fn table_sql(&self) -> String {
        format!(
            "{}.{}",
            quote_identifier(&self.schema),
            quote_identifier(&self.table)
        )
    }

    pub(super) fn history_sql(&self) -> String {
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
        self.ensure_created(session).map(drop)
    }

    /// [`Ledger::ensure`], saying whether it created the ledger just now: a ledger created
    /// here has the current shape, so the caller need not ask whether it needs
    /// [`Ledger::upgrade`].
    pub fn ensure_created(&self, session: &mut Session) -> Result<bool, DbError> {
        if self.exists(session)? {
            return Ok(false);
        }
        let guard = quote_identifier(&format!("{}_history_append_only", self.table));
        let sql = format!(
            "BEGIN;
SELECT pg_advisory_xact_lock({creation});
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
            creation = LockKey::for_schema_creation(&self.schema).value(),
            schema = quote_identifier(&self.schema),
            table = self.table_sql(),
            history = self.history_sql(),
            actions = HISTORY_ACTIONS,
            states = LEDGER_STATES,
        );
        session.run(&sql).map_err(|error| {
            let _ = session.run("ROLLBACK");
            session.error(&format!("create the ledger {}", self.name()), &error)
        })?;
        Ok(true)
    }

    /// Triggers that refuse TRUNCATE on the tracking table and its history: a migration that
    /// truncates them would erase what plan knows (UPDATE and DELETE of the tracking table
    /// stay allowed: plan itself needs them).
    pub(super) fn truncate_guards_sql(&self) -> String {
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
}

/// Every state the tracking table accepts, as the SQL list of its CHECK constraint.
pub(super) const LEDGER_STATES: &str = "'applied', 'partial', 'rolling_back'";

/// Every action the history accepts, as the SQL list of its CHECK constraint.
pub(super) const HISTORY_ACTIONS: &str =
    "'apply', 'rollback', 'accept', 'backup', 'baseline', 'import'";

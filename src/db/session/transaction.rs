//! [`Transaction`], a transaction on a [`Session`] ([`Session::begin`]): running SQL and
//! statements with their parameters, and the guarded messages that prove the transaction plan
//! began is still the one open ([`TransactionId`], [`TransactionState`]) and reset the session
//! with the migration's last work. The session itself is `connection`'s.

use std::time::Duration;

use indexmap::IndexMap;

use super::connection::Session;
use super::reset::{Identity, RESIDUE, cleanup_sql};
use super::results::{SqlError, last_row, row_texts};
use crate::db::table_lock::LeaseCheck;

/// A transaction on a [`Session`]: rolled back unless committed.
pub struct Transaction<'a> {
    transaction: postgres::Transaction<'a>,
    prepared: &'a mut IndexMap<String, postgres::Statement>,
    reset_sql: &'a str,
    identity: &'a Identity,
    /// Whether the role in effect is known to be the session's own user, so that
    /// [`Transaction::restore_identity`] can skip a round trip. Forgotten after any SQL that could
    /// have changed it.
    identity_known: bool,
    /// Whether statements prepared here may be kept for the next transactions (not behind a
    /// transaction pooler, where the next transaction may run on another server connection).
    keeps_statements: bool,
    /// With the table lock: checked before committing.
    lease: Option<&'a LeaseCheck>,
    /// With the advisory lock: the server process that holds it, which every transaction
    /// checks it runs on (a transaction pooler the probe missed would move it elsewhere).
    session_pid: Option<i32>,
}

/// The ID of a transaction plan began, to prove later that it is still the one open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionId(String);

/// Whether a guarded message also resets the session.
#[derive(Clone, Copy)]
enum Reset {
    Yes,
    No,
}

/// Whether the transaction plan began is still the one open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransactionState {
    /// It is.
    Ours,
    /// SQL of the migration ended it (`COMMIT`, `ROLLBACK`): what ran before may be
    /// committed, and what runs now is outside it.
    Ended,
}

impl Session {
    /// Starts a transaction.
    pub fn begin(&mut self) -> Result<Transaction<'_>, SqlError> {
        let session_pid = self.keeps_statements.then(|| self.backend_pid());
        let transaction = self
            .connection
            .client()
            .transaction()
            .map_err(|error| SqlError::from_postgres(&error))?;
        Ok(Transaction {
            transaction,
            prepared: &mut self.prepared,
            reset_sql: &self.reset_sql,
            identity: &self.identity,
            identity_known: false,
            keeps_statements: self.keeps_statements,
            lease: self.lease.as_ref(),
            session_pid,
        })
    }
}

impl Transaction<'_> {
    /// Runs SQL (one or more statements) in the transaction.
    pub fn run(&mut self, sql: &str) -> Result<(), SqlError> {
        self.identity_known = false;
        self.transaction
            .batch_execute(sql)
            .map_err(|error| SqlError::from_postgres(&error))
    }

    /// Runs one statement and returns how many rows it affected.
    pub fn run_counting(&mut self, sql: &str) -> Result<u64, SqlError> {
        self.identity_known = false;
        self.transaction
            .execute(sql, &[])
            .map_err(|error| SqlError::from_postgres(&error))
    }

    /// Runs a query returning one boolean.
    pub fn query_bool(&mut self, sql: &str) -> Result<Option<bool>, SqlError> {
        let row = self
            .transaction
            .query_one(sql, &[])
            .map_err(|error| SqlError::from_postgres(&error))?;
        row.try_get(0)
            .map_err(|error| SqlError::from_postgres(&error))
    }

    /// Runs a statement with text parameters (NULL for `None`), returning rows affected.
    /// The statement is prepared once per session and reused: only statements that return no
    /// rows come here, so a schema change between uses cannot change a result type. Behind a
    /// transaction pooler it is prepared each time instead, and closed before the transaction
    /// ends (the next one may run on another server connection).
    pub fn execute(&mut self, sql: &str, parameters: &[Option<&str>]) -> Result<u64, SqlError> {
        let parameters: Vec<&(dyn postgres::types::ToSql + Sync)> = parameters
            .iter()
            .map(|parameter| parameter as &(dyn postgres::types::ToSql + Sync))
            .collect();
        if !self.keeps_statements {
            return self
                .transaction
                .execute(sql, &parameters)
                .map_err(|error| SqlError::from_postgres(&error));
        }
        let statement = match self.prepared.get(sql) {
            Some(statement) => statement.clone(),
            None => {
                let statement = self
                    .transaction
                    .prepare(sql)
                    .map_err(|error| SqlError::from_postgres(&error))?;
                self.prepared.insert(sql.to_string(), statement.clone());
                statement
            }
        };
        self.transaction
            .execute(&statement, &parameters)
            .map_err(|error| SqlError::from_postgres(&error))
    }

    /// Runs a query with text parameters, returning every row as optional texts.
    pub fn query_texts(
        &mut self,
        sql: &str,
        parameters: &[Option<&str>],
    ) -> Result<Vec<Vec<Option<String>>>, SqlError> {
        let parameters: Vec<&(dyn postgres::types::ToSql + Sync)> = parameters
            .iter()
            .map(|parameter| parameter as &(dyn postgres::types::ToSql + Sync))
            .collect();
        let rows = self
            .transaction
            .query(sql, &parameters)
            .map_err(|error| SqlError::from_postgres(&error))?;
        rows.iter().map(row_texts).collect()
    }

    /// Sets `lock_timeout` for the rest of the transaction and returns the transaction's ID
    /// (assigning one), which [`Transaction::run_guarded`] checks to prove the transaction is still
    /// this one. One round trip.
    pub fn start(&mut self, lock_timeout: Duration) -> Result<TransactionId, SqlError> {
        self.start_with("", lock_timeout)
    }

    /// [`Transaction::start`] for a transaction that runs a file wrapped in its own `BEGIN` with modes
    /// (`ISOLATION LEVEL SERIALIZABLE`, `DEFERRABLE`, …): `SET TRANSACTION` with those modes
    /// comes first, as PostgreSQL requires, in the same round trip.
    pub fn start_with_modes(
        &mut self,
        modes: Option<&str>,
        lock_timeout: Duration,
    ) -> Result<TransactionId, SqlError> {
        match modes {
            Some(modes) => self.start_with(&format!("SET TRANSACTION {modes};\n"), lock_timeout),
            None => self.start_with("", lock_timeout),
        }
    }

    fn start_with(
        &mut self,
        prefix: &str,
        lock_timeout: Duration,
    ) -> Result<TransactionId, SqlError> {
        let text = format!(
            "{prefix}SELECT pg_catalog.set_config('lock_timeout', '{}ms', true), \
             pg_catalog.txid_current()::text, current_user::text, \
             pg_catalog.pg_backend_pid()::text",
            lock_timeout.as_millis()
        );
        let messages = self
            .transaction
            .simple_query(&text)
            .map_err(|error| SqlError::from_postgres(&error))?;
        let row = last_row(&messages).unwrap_or_default();
        let column = |index: usize| row.get(index).cloned().flatten();
        if let Some(expected) = self.session_pid
            && column(3) != Some(expected.to_string())
        {
            return Err(SqlError::plan(format!(
                "the server process serving this session changed (pid {expected}, now {}): a transaction pooler serves the connection, where the advisory lock does not hold; nothing of this transaction ran. Set `lock: table` in plan.yaml (docs/poolers.md)",
                column(3).unwrap_or_default()
            )));
        }
        self.identity_known = column(2).as_deref() == Some(self.identity.current_user.as_str());
        Ok(TransactionId(column(1).unwrap_or_default()))
    }

    /// Runs SQL the migration wrote, then, in the same message, asks which transaction is
    /// open. SQL that ended the transaction itself (a `COMMIT` inside what the splitter took
    /// for one statement) leaves another transaction, or none, open afterwards:
    /// [`TransactionState::Ended`] then says so, and the caller must not record the migration
    /// as if it had run atomically.
    pub fn run_guarded(
        &mut self,
        sql: &str,
        id: &TransactionId,
    ) -> Result<TransactionState, SqlError> {
        self.guarded(sql, id, Reset::No)
    }

    /// [`Transaction::run_guarded`] for the last SQL of a migration, followed in the same message by
    /// the [`Session::reset`]: it commits with the migration, so the next migration's `BEGIN`
    /// already sees the session the run started with (a leaked
    /// `default_transaction_read_only` or isolation level would otherwise shape it), and plan's
    /// ledger row that follows is written as the user plan connected as.
    pub fn run_guarded_then_reset(
        &mut self,
        sql: &str,
        id: &TransactionId,
    ) -> Result<TransactionState, SqlError> {
        self.guarded(sql, id, Reset::Yes)
    }

    /// [`Transaction::run_guarded_then_reset`] with no SQL of the migration's: the reset, and the
    /// proof that the transaction is still plan's.
    pub fn reset_session(&mut self, id: &TransactionId) -> Result<TransactionState, SqlError> {
        self.guarded("", id, Reset::Yes)
    }

    fn guarded(
        &mut self,
        sql: &str,
        id: &TransactionId,
        reset: Reset,
    ) -> Result<TransactionState, SqlError> {
        // Inside a transaction, a LISTEN of this transaction takes effect only at commit, so
        // no query can see it yet: UNLISTEN * is always sent, cancelling it.
        let (reset_sql, unlisten, residue) = match reset {
            Reset::Yes => (self.reset_sql, "UNLISTEN *;\n", RESIDUE),
            Reset::No => ("", "", "current_user::text"),
        };
        // The newline ends a trailing `--` comment; the statement's own text comes first, so
        // the server's error positions still count from its start.
        let text = format!(
            "{sql}\n;{reset_sql}{unlisten}SELECT pg_catalog.txid_current_if_assigned()::text, {residue}"
        );
        self.identity_known = false;
        let messages = self
            .transaction
            .simple_query(&text)
            .map_err(|error| SqlError::from_postgres(&error))?;
        let row = last_row(&messages).unwrap_or_default();
        if row.first().cloned().flatten().as_deref() != Some(id.0.as_str()) {
            return Ok(TransactionState::Ended);
        }
        let current_user = row.get(1).cloned().flatten();
        self.identity_known = current_user.as_deref() == Some(self.identity.current_user.as_str());
        if let Reset::Yes = reset
            && let Some(cleanup) = cleanup_sql(&row, self.identity)
        {
            self.run(&cleanup)?;
            self.identity_known = true;
        }
        Ok(TransactionState::Ours)
    }

    /// Runs one statement of a migration: [`Transaction::run_guarded`], or, for `COPY … FROM stdin`
    /// with `copy_data`, the COPY protocol with that data. A COPY is sent alone through the
    /// extended protocol, which refuses more than one statement, so it cannot end the
    /// transaction.
    pub fn run_statement(
        &mut self,
        sql: &str,
        copy_data: Option<&str>,
        id: &TransactionId,
    ) -> Result<TransactionState, SqlError> {
        let Some(data) = copy_data else {
            return self.run_guarded(sql, id);
        };
        let mut writer = self
            .transaction
            .copy_in(sql)
            .map_err(|error| SqlError::from_postgres(&error))?;
        // An I/O error here means the server ended the COPY (bad data): `finish` reports why.
        let written = std::io::Write::write_all(&mut writer, data.as_bytes());
        let finished = writer
            .finish()
            .map_err(|error| SqlError::from_postgres(&error));
        match (finished, written) {
            (Ok(_), Ok(())) => Ok(TransactionState::Ours),
            (Err(error), _) => Err(error),
            (Ok(_), Err(error)) => Err(SqlError::plan(format!(
                "cannot send the COPY data: {error}"
            ))),
        }
    }

    /// After an error: whether the SQL that failed had first ended plan's transaction `id` (a
    /// `COMMIT` earlier in the same message, then an error), so that what ran before the
    /// error is committed although the message failed. Inside plan's transaction an error
    /// leaves it aborted, and any query then fails (SQLSTATE 25P02); outside it, a query
    /// answers. `false` when the connection is gone (nothing can be told).
    pub fn ended_before_error(&mut self, id: &TransactionId) -> bool {
        match self
            .transaction
            .simple_query("SELECT pg_catalog.txid_current_if_assigned()::text")
        {
            Err(_) => false,
            Ok(messages) => {
                last_row(&messages).and_then(|row| row.first().cloned().flatten())
                    != Some(id.0.clone())
            }
        }
    }

    /// Whether the transaction open now is still `id` (for work that ran without
    /// [`Transaction::run_guarded`], such as handlers).
    pub fn check(&mut self, id: &TransactionId) -> Result<TransactionState, SqlError> {
        self.run_guarded("", id)
    }

    /// Back to the user the session connected as for the rest of this transaction, whatever
    /// `SET ROLE` or `SET SESSION AUTHORIZATION` a migration ran, so that plan's own writes
    /// that follow run with plan's privileges. `LOCAL`: once the transaction ends, the
    /// session's identity is what the migration left (a file run statement by statement may
    /// rely on it), until [`Session::reset`] before the next migration.
    pub fn restore_identity(&mut self) -> Result<(), SqlError> {
        if self.identity_known {
            return Ok(());
        }
        self.run("SET LOCAL SESSION AUTHORIZATION DEFAULT; SET LOCAL ROLE NONE")?;
        self.identity_known = true;
        Ok(())
    }

    /// Sets `lock_timeout` for the rest of the transaction.
    pub fn set_lock_timeout(&mut self, timeout: Duration) -> Result<(), SqlError> {
        self.run(&format!(
            "SET LOCAL lock_timeout = '{}ms'",
            timeout.as_millis()
        ))
    }

    /// Commits. With the table lock, first checks in the transaction that the run still holds
    /// it, and rolls back instead if it does not (`db::table_lock`'s module comment says why
    /// this keeps a migration from being committed beside another run's).
    pub fn commit(mut self) -> Result<(), SqlError> {
        if let Some(lease) = self.lease {
            self.restore_identity()?;
            if let Err(lost) = lease.verify(&mut self.transaction) {
                let _ = self.transaction.rollback();
                return Err(SqlError::plan(lost));
            }
        }
        self.transaction
            .commit()
            .map_err(|error| SqlError::from_postgres(&error))
    }

    /// Rolls back. An error here means the connection is gone, which rolls back too.
    pub fn rollback(self) {
        let _ = self.transaction.rollback();
    }
}

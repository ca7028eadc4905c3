//! [`Session`]: one connection to the target database, optionally holding the advisory lock,
//! through which `apply` runs migrations. [`Work`] is a transaction on it. Keeps `postgres`
//! types inside `db`: callers see SQL text in, [`SqlError`] or counts out.
//!
//! A session sets `client_connection_check_interval` (PostgreSQL 14+) so that, if the `plan`
//! process is killed mid-statement, the server notices the dead client within a second and
//! rolls the migration back, instead of finishing a long statement and holding the lock.

use std::fmt;
use std::time::Duration;

use indexmap::IndexMap;
use postgres::Client;
use postgres::error::SqlState;

use super::connect::ConnectionSettings;
use super::error::{DbError, describe_postgres_error, server_code_of};
use super::lock::{AdvisoryLock, LockKey, LockWait};

/// A connection to the target database.
pub struct Session {
    connection: Connection,
    target: String,
    backend_pid: i32,
    /// Statements `Work::execute` prepared, by their text: the ledger's writes run once per
    /// migration, and parsing and planning them each time was most of plan's overhead over
    /// psql in bench/apply.sh.
    prepared: IndexMap<String, postgres::Statement>,
    /// What resets the session to how it started (see [`Session::reset`]).
    reset_sql: String,
    /// The user the session connected as, which plan's own writes run as.
    user: String,
}

enum Connection {
    Locked(AdvisoryLock),
    Plain(Client),
}

/// A transaction on a [`Session`]: rolled back unless committed.
pub struct Work<'a> {
    transaction: postgres::Transaction<'a>,
    prepared: &'a mut IndexMap<String, postgres::Statement>,
    reset_sql: &'a str,
    user: &'a str,
    /// Whether the role in effect is known to be the session's own user, so that
    /// [`Work::restore_identity`] can skip a round trip. Forgotten after any SQL that could
    /// have changed it.
    identity_known: bool,
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

/// An error the server (or the connection) reported while running SQL, with what PostgreSQL
/// says about it, so that `apply` can point at the file, line and column.
#[derive(Debug, Clone)]
pub struct SqlError {
    /// SQLSTATE, when the server answered.
    pub code: Option<String>,
    /// The server's message, or the connection failure.
    pub message: String,
    /// The server's DETAIL.
    pub detail: Option<String>,
    /// The server's HINT.
    pub hint: Option<String>,
    /// The server's CONTEXT (for errors inside functions).
    pub context: Option<String>,
    /// 1-based character position in the statement text sent, when the server gave one.
    pub position: Option<usize>,
    /// Whether the connection itself is gone (terminated backend, network), so nothing more
    /// can be done on this session.
    pub connection_lost: bool,
}

impl SqlError {
    /// Whether the error is a lock timeout (SQLSTATE 55P03), the one error worth retrying.
    pub fn is_lock_timeout(&self) -> bool {
        self.code.as_deref() == Some(SqlState::LOCK_NOT_AVAILABLE.code())
    }

    fn from_postgres(error: &postgres::Error) -> Self {
        match error.as_db_error() {
            Some(server) => SqlError {
                code: Some(server.code().code().to_string()),
                message: server.message().to_string(),
                detail: server.detail().map(str::to_string),
                hint: server.hint().map(str::to_string),
                context: server.where_().map(str::to_string),
                position: match server.position() {
                    Some(postgres::error::ErrorPosition::Original(position)) => {
                        usize::try_from(*position).ok()
                    }
                    _ => None,
                },
                connection_lost: error.is_closed()
                    || server.code() == &SqlState::ADMIN_SHUTDOWN
                    || server.code() == &SqlState::CRASH_SHUTDOWN,
            },
            None => SqlError {
                code: server_code_of(error),
                message: describe_postgres_error(error, None),
                detail: None,
                hint: None,
                context: None,
                position: None,
                connection_lost: error.is_closed(),
            },
        }
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)?;
        if let Some(code) = &self.code {
            write!(formatter, " (SQLSTATE {code})")?;
        }
        Ok(())
    }
}

impl Session {
    /// Connects with `settings`, without the lock: for reading (status).
    pub fn connect(settings: &ConnectionSettings) -> Result<Session, DbError> {
        let client = settings.connect()?;
        Session::start(Connection::Plain(client), settings.to_string())
    }

    /// Connects with `settings` and takes the advisory lock `key`, polling as `wait` says.
    pub fn connect_locked(
        settings: &ConnectionSettings,
        key: &LockKey,
        wait: &mut LockWait<'_>,
    ) -> Result<Session, DbError> {
        let lock = AdvisoryLock::connect_and_acquire(settings, key, wait)?;
        Session::start(Connection::Locked(lock), settings.to_string())
    }

    fn start(mut connection: Connection, target: String) -> Result<Session, DbError> {
        let client = connection.client();
        let (backend_pid, user): (i32, String) = client
            .query_one("SELECT pg_backend_pid(), current_user::text", &[])
            .and_then(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .map_err(|error| query_error(&error, "read the backend pid", &target))?;
        // PostgreSQL 14 and later only; older servers simply keep the old behaviour.
        let checks_connection = client.batch_execute(CHECK_CONNECTION).is_ok();
        let mut reset_sql = String::from(RESET_SESSION);
        if checks_connection {
            reset_sql.push_str(CHECK_CONNECTION);
            reset_sql.push(';');
        }
        Ok(Session {
            connection,
            target,
            backend_pid,
            prepared: IndexMap::new(),
            reset_sql,
            user,
        })
    }

    /// The redacted target, for messages.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The server process serving this session.
    pub fn backend_pid(&self) -> i32 {
        self.backend_pid
    }

    /// Starts a transaction.
    pub fn begin(&mut self) -> Result<Work<'_>, SqlError> {
        let transaction = self
            .connection
            .client()
            .transaction()
            .map_err(|error| SqlError::from_postgres(&error))?;
        Ok(Work {
            transaction,
            prepared: &mut self.prepared,
            reset_sql: &self.reset_sql,
            user: &self.user,
            identity_known: false,
        })
    }

    /// Runs SQL outside any transaction (each statement commits on its own).
    pub fn run(&mut self, sql: &str) -> Result<(), SqlError> {
        self.connection
            .client()
            .batch_execute(sql)
            .map_err(|error| SqlError::from_postgres(&error))
    }

    /// Runs a query returning one boolean, outside a transaction.
    pub fn query_bool(&mut self, sql: &str) -> Result<bool, SqlError> {
        let row = self
            .connection
            .client()
            .query_one(sql, &[])
            .map_err(|error| SqlError::from_postgres(&error))?;
        row.try_get(0)
            .map_err(|error| SqlError::from_postgres(&error))
    }

    /// Runs a query with text parameters, returning every row as optional texts.
    pub fn query_texts(
        &mut self,
        sql: &str,
        parameters: &[&str],
    ) -> Result<Vec<Vec<Option<String>>>, SqlError> {
        let parameters: Vec<&(dyn postgres::types::ToSql + Sync)> = parameters
            .iter()
            .map(|parameter| parameter as &(dyn postgres::types::ToSql + Sync))
            .collect();
        let rows = self
            .connection
            .client()
            .query(sql, &parameters)
            .map_err(|error| SqlError::from_postgres(&error))?;
        rows.iter().map(row_texts).collect()
    }

    /// Puts the session back to the state it started in, so that one migration's session
    /// changes (`SET search_path`, `SET ROLE`, `SET SESSION AUTHORIZATION`,
    /// `session_replication_role`, custom settings, temporary tables, its own prepared
    /// statements, cursors, `LISTEN`) never reach the next one. `DISCARD ALL` would do most of
    /// this, but it also releases advisory locks — the run's lock among them — so each part is
    /// reset on its own. Advisory locks a migration took itself are left as they are. One
    /// round trip (two when the migration left prepared statements). A migration whose last
    /// work is a transaction gets the same reset inside it instead
    /// ([`Work::run_guarded_then_reset`]), without the round trip.
    pub fn reset(&mut self) -> Result<(), SqlError> {
        let text = format!("{}{DEALLOCATE_PREPARED_BY_SQL}", self.reset_sql);
        let client = self.connection.client();
        let messages = client
            .simple_query(&text)
            .map_err(|error| SqlError::from_postgres(&error))?;
        if let Some(deallocate) = last_row(&messages).and_then(|row| row.first().cloned().flatten())
        {
            client
                .batch_execute(&deallocate)
                .map_err(|error| SqlError::from_postgres(&error))?;
        }
        Ok(())
    }

    /// Whether the connection is still open.
    pub fn is_open(&mut self) -> bool {
        !self.connection.client().is_closed()
    }

    /// Wraps an error of this session into a [`DbError`] naming `action`.
    pub fn error(&self, action: &str, error: &SqlError) -> DbError {
        DbError::Query {
            action: action.to_string(),
            target: self.target.clone(),
            detail: error.to_string(),
            server_code: error.code.clone(),
        }
    }

    /// Ends the session, releasing the lock if it holds it.
    pub fn close(self) -> Result<(), DbError> {
        match self.connection {
            Connection::Locked(lock) => lock.release().map(drop),
            Connection::Plain(_) => Ok(()),
        }
    }
}

impl Connection {
    fn client(&mut self) -> &mut Client {
        match self {
            Connection::Locked(lock) => lock.client(),
            Connection::Plain(client) => client,
        }
    }
}

impl Work<'_> {
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
    /// rows come here, so a schema change between uses cannot change a result type.
    pub fn execute(&mut self, sql: &str, parameters: &[Option<&str>]) -> Result<u64, SqlError> {
        let parameters: Vec<&(dyn postgres::types::ToSql + Sync)> = parameters
            .iter()
            .map(|parameter| parameter as &(dyn postgres::types::ToSql + Sync))
            .collect();
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
    /// (assigning one), which [`Work::run_guarded`] checks to prove the transaction is still
    /// this one. One round trip.
    pub fn start(&mut self, lock_timeout: Duration) -> Result<TransactionId, SqlError> {
        self.start_with("", lock_timeout)
    }

    /// [`Work::start`] for a transaction that runs a file wrapped in its own `BEGIN` with modes
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
             pg_catalog.txid_current()::text, current_user::text",
            lock_timeout.as_millis()
        );
        let messages = self
            .transaction
            .simple_query(&text)
            .map_err(|error| SqlError::from_postgres(&error))?;
        let row = last_row(&messages).unwrap_or_default();
        let column = |index: usize| row.get(index).cloned().flatten();
        self.identity_known = column(2).as_deref() == Some(self.user);
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

    /// [`Work::run_guarded`] for the last SQL of a migration, followed in the same message by
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

    /// [`Work::run_guarded_then_reset`] with no SQL of the migration's: the reset, and the
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
        let (reset_sql, deallocate) = match reset {
            Reset::Yes => (self.reset_sql, DEALLOCATE_PREPARED_BY_SQL),
            Reset::No => ("", "NULL::text"),
        };
        // The newline ends a trailing `--` comment; the statement's own text comes first, so
        // the server's error positions still count from its start.
        let text = format!(
            "{sql}\n;{reset_sql}SELECT pg_catalog.txid_current_if_assigned()::text, \
             current_user::text, ({deallocate})"
        );
        self.identity_known = false;
        let messages = self
            .transaction
            .simple_query(&text)
            .map_err(|error| SqlError::from_postgres(&error))?;
        let row = last_row(&messages).unwrap_or_default();
        let column = |index: usize| row.get(index).cloned().flatten();
        if column(0).as_deref() != Some(id.0.as_str()) {
            return Ok(TransactionState::Ended);
        }
        let user = column(1);
        if let Some(deallocate) = column(2) {
            self.run(&deallocate)?;
        }
        self.identity_known = user.as_deref() == Some(self.user);
        Ok(TransactionState::Ours)
    }

    /// Runs one statement of a migration: [`Work::run_guarded`], or, for `COPY … FROM stdin`
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
            (Ok(_), Err(error)) => Err(SqlError {
                code: None,
                message: format!("cannot send the COPY data: {error}"),
                detail: None,
                hint: None,
                context: None,
                position: None,
                connection_lost: false,
            }),
        }
    }

    /// Whether the transaction open now is still `id` (for work that ran without
    /// [`Work::run_guarded`], such as handlers).
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

    /// Commits.
    pub fn commit(self) -> Result<(), SqlError> {
        self.transaction
            .commit()
            .map_err(|error| SqlError::from_postgres(&error))
    }

    /// Rolls back. An error here means the connection is gone, which rolls back too.
    pub fn rollback(self) {
        let _ = self.transaction.rollback();
    }
}

/// Resets what a migration may have changed on the session, as [`Session::reset`] says; each
/// of these may also run inside a transaction.
const RESET_SESSION: &str = "RESET SESSION AUTHORIZATION; RESET ROLE; RESET ALL; DISCARD TEMP; \
     DISCARD SEQUENCES; UNLISTEN *; CLOSE ALL;\n";

/// Lets the server notice a dead client within a second (PostgreSQL 14 and later), so a
/// killed `plan` does not leave a long statement running with the lock held.
const CHECK_CONNECTION: &str = "SET client_connection_check_interval = '1s'";

/// `DEALLOCATE` of each statement a migration prepared with `PREPARE` (plan's own, prepared
/// through the protocol, are not `from_sql`), as one SQL text, or NULL when there are none.
const DEALLOCATE_PREPARED_BY_SQL: &str = "SELECT string_agg('DEALLOCATE ' || quote_ident(name), '; ') \
     FROM pg_catalog.pg_prepared_statements WHERE from_sql";

/// The columns of the last row among `messages`, as texts.
fn last_row(messages: &[postgres::SimpleQueryMessage]) -> Option<Vec<Option<String>>> {
    messages.iter().rev().find_map(|message| match message {
        postgres::SimpleQueryMessage::Row(row) => Some(
            (0..row.len())
                .map(|index| row.get(index).map(str::to_string))
                .collect(),
        ),
        _ => None,
    })
}

/// Every column of a row as text; columns must be selected as text (`::text`).
fn row_texts(row: &postgres::Row) -> Result<Vec<Option<String>>, SqlError> {
    (0..row.len())
        .map(|index| {
            row.try_get::<_, Option<String>>(index)
                .map_err(|error| SqlError::from_postgres(&error))
        })
        .collect()
}

fn query_error(error: &postgres::Error, action: &str, target: &str) -> DbError {
    DbError::Query {
        action: action.to_string(),
        target: target.to_string(),
        detail: describe_postgres_error(error, None),
        server_code: server_code_of(error),
    }
}

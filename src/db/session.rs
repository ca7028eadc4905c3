//! [`Session`]: one connection to the target database, optionally holding the advisory lock,
//! through which `apply` runs migrations. [`Transaction`] is a transaction on it. Keeps `postgres`
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
    /// Statements `Transaction::execute` prepared, by their text: the ledger's writes run once per
    /// migration, and parsing and planning them each time was most of plan's overhead over
    /// psql in bench/apply.sh.
    prepared: IndexMap<String, postgres::Statement>,
    /// What resets the session's settings to how it started (see [`Session::reset`]).
    reset_sql: String,
    /// Who the session is as it started: its `current_user`, which plan's own writes run as,
    /// and its `session_user`.
    identity: Identity,
    /// Whether the server's `standard_conforming_strings` is on as the session started.
    standard_strings: bool,
}

/// A session's `current_user` and `session_user` as it started.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Identity {
    current_user: String,
    session_user: String,
}

enum Connection {
    Locked(AdvisoryLock),
    Plain(Client),
}

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
    /// A failure plan itself found, with no server error behind it.
    pub fn plan(message: impl Into<String>) -> Self {
        SqlError {
            code: None,
            message: message.into(),
            detail: None,
            hint: None,
            context: None,
            position: None,
            connection_lost: false,
        }
    }

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
        let (backend_pid, identity, standard_strings) = client
            .query_one(
                "SELECT pg_backend_pid(), current_user::text, session_user::text, \
                 current_setting('standard_conforming_strings')",
                &[],
            )
            .and_then(|row| {
                Ok((
                    row.try_get::<_, i32>(0)?,
                    Identity {
                        current_user: row.try_get(1)?,
                        session_user: row.try_get(2)?,
                    },
                    row.try_get::<_, String>(3)? == "on",
                ))
            })
            .map_err(|error| query_error(&error, "read the backend pid", &target))?;
        // PostgreSQL 14 and later only; older servers simply keep the old behaviour.
        let checks_connection = client.batch_execute(CHECK_CONNECTION).is_ok();
        let mut reset_sql = String::from(RESET_SETTINGS);
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
            identity,
            standard_strings,
        })
    }

    /// Fails unless the server reads `'...'` strings as plan's splitter does
    /// (`standard_conforming_strings = on`, its default since PostgreSQL 9.1): commands that
    /// run migrations call it before anything runs.
    pub fn require_standard_strings(&self) -> Result<(), DbError> {
        if self.standard_strings {
            Ok(())
        } else {
            Err(DbError::StandardStringsOff {
                target: self.target.clone(),
            })
        }
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
    pub fn begin(&mut self) -> Result<Transaction<'_>, SqlError> {
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
    /// `session_replication_role`, `default_transaction_read_only`, custom settings, temporary
    /// objects, its own prepared statements, cursors it kept open, `LISTEN`) never reach the
    /// next one. `DISCARD ALL` would do all of this, but it also releases advisory locks — the
    /// run's lock among them — and its parts each cost a statement, so settings are reset
    /// with `RESET ALL` and the rest is asked about in the same message and reset only when a
    /// migration left some. Advisory locks a migration took itself are left as they are, and
    /// so are the values `currval` and `lastval` remember. One round trip, two when there was
    /// more than settings to reset. A migration whose last work is a transaction gets the same
    /// reset inside it instead ([`Transaction::run_guarded_then_reset`]), without the round trip.
    pub fn reset(&mut self) -> Result<(), SqlError> {
        let text = format!("{}SELECT NULL::text, {RESIDUE}", self.reset_sql);
        let client = self.connection.client();
        let messages = client
            .simple_query(&text)
            .map_err(|error| SqlError::from_postgres(&error))?;
        let row = last_row(&messages).unwrap_or_default();
        if let Some(cleanup) = cleanup_sql(&row, &self.identity) {
            client
                .batch_execute(&cleanup)
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
             pg_catalog.txid_current()::text, current_user::text",
            lock_timeout.as_millis()
        );
        let messages = self
            .transaction
            .simple_query(&text)
            .map_err(|error| SqlError::from_postgres(&error))?;
        let row = last_row(&messages).unwrap_or_default();
        let column = |index: usize| row.get(index).cloned().flatten();
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
        if let Reset::Yes = reset {
            if let Some(cleanup) = cleanup_sql(&row, self.identity) {
                self.run(&cleanup)?;
                self.identity_known = true;
            }
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

/// Resets every setting a migration may have changed to the session's default (which keeps
/// what the connection's `options` set). Role and session authorization are not among the
/// settings `RESET ALL` resets: [`RESIDUE`] asks about them.
const RESET_SETTINGS: &str = "RESET ALL;\n";

/// Lets the server notice a dead client within a second (PostgreSQL 14 and later), so a
/// killed `plan` does not leave a long statement running with the lock held.
const CHECK_CONNECTION: &str = "SET client_connection_check_interval = '1s'";

/// What else a migration may have left on the session, as columns 1 to 6 of a query whose
/// column 0 is the transaction's ID: `current_user`, `session_user`, whether temporary objects
/// exist (every object depends on its schema, and `pg_depend` is indexed by what is depended
/// on, so this is an index lookup however large the catalog), whether it listens, whether it
/// kept cursors open (`WITH HOLD`), and the `DEALLOCATE`
/// of the statements it prepared with `PREPARE` (plan's own, prepared through the protocol, are
/// not `from_sql`). Cheap lookups, asked in the same message as the reset; [`cleanup_sql`]
/// turns the answer into what is left to do, which is usually nothing.
const RESIDUE: &str = "current_user::text, session_user::text, \
     EXISTS (SELECT FROM pg_catalog.pg_depend \
             WHERE refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass \
               AND refobjid = pg_catalog.pg_my_temp_schema())::text, \
     EXISTS (SELECT FROM pg_catalog.pg_listening_channels())::text, \
     EXISTS (SELECT FROM pg_catalog.pg_cursors WHERE is_holdable)::text, \
     (SELECT string_agg('DEALLOCATE ' || quote_ident(name), '; ') \
      FROM pg_catalog.pg_prepared_statements WHERE from_sql)";

/// The statements that undo what [`RESIDUE`]'s answer `row` says a migration left, or `None`
/// when it left nothing but settings.
fn cleanup_sql(row: &[Option<String>], identity: &Identity) -> Option<String> {
    let column = |index: usize| row.get(index).cloned().flatten();
    let yes = |index: usize| column(index).as_deref() == Some("true");
    let mut cleanup = Vec::new();
    if column(1).as_deref() != Some(identity.current_user.as_str())
        || column(2).as_deref() != Some(identity.session_user.as_str())
    {
        cleanup.push("RESET SESSION AUTHORIZATION; RESET ROLE".to_string());
    }
    if yes(3) {
        cleanup.push("DISCARD TEMP".to_string());
    }
    if yes(4) {
        cleanup.push("UNLISTEN *".to_string());
    }
    if yes(5) {
        cleanup.push("CLOSE ALL".to_string());
    }
    if let Some(deallocate) = column(6) {
        cleanup.push(deallocate);
    }
    (!cleanup.is_empty()).then(|| cleanup.join("; "))
}

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

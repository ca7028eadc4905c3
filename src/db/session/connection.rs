//! [`Session`]: one connection to the target database, plain or holding the advisory lock, with
//! what it knows about itself as it started (backend pid, identity, `standard_conforming_strings`),
//! running SQL outside a transaction and resetting itself between migrations, and the
//! [`Notices`] the server sends on it. Transactions on it are `transaction`'s; what the reset
//! undoes is `reset`'s.

use indexmap::IndexMap;
use postgres::Client;

use super::reset::{CHECK_CONNECTION, Identity, RESET_SETTINGS, RESIDUE, cleanup_sql};
use super::results::{SqlError, last_row, row_texts};
use crate::db::connect::ConnectionSettings;
use crate::db::error::{DbError, describe_postgres_error, server_code_of};
use crate::db::lock::{AdvisoryLock, LockKey, LockWait};
use crate::db::notices::Notices;

/// A connection to the target database.
pub struct Session {
    pub(super) connection: Connection,
    target: String,
    backend_pid: i32,
    /// Statements `Transaction::execute` prepared, by their text: the ledger's writes run once per
    /// migration, and parsing and planning them each time was most of plan's overhead over
    /// psql in bench/apply.sh.
    pub(super) prepared: IndexMap<String, postgres::Statement>,
    /// What resets the session's settings to how it started (see [`Session::reset`]).
    pub(super) reset_sql: String,
    /// Who the session is as it started: its `current_user`, which plan's own writes run as,
    /// and its `session_user`.
    pub(super) identity: Identity,
    /// Whether the server's `standard_conforming_strings` is on as the session started.
    standard_strings: bool,
    /// What the server said besides results, until the engine takes it after a statement.
    notices: Notices,
}

pub(super) enum Connection {
    Locked(AdvisoryLock),
    Plain(Client),
}

impl Session {
    /// Connects with `settings`, without the lock: for reading (status).
    pub fn connect(settings: &ConnectionSettings) -> Result<Session, DbError> {
        let notices = Notices::default();
        let client = settings.connect_hearing(&notices)?;
        Session::start(Connection::Plain(client), settings.to_string(), notices)
    }

    /// Connects with `settings` and takes the advisory lock `key`, polling as `wait` says.
    pub fn connect_locked(
        settings: &ConnectionSettings,
        key: &LockKey,
        wait: &mut LockWait<'_>,
    ) -> Result<Session, DbError> {
        let notices = Notices::default();
        let client = settings.connect_hearing(&notices)?;
        let lock = AdvisoryLock::acquire(client, &settings.to_string(), key, wait)?;
        Session::start(Connection::Locked(lock), settings.to_string(), notices)
    }

    fn start(
        mut connection: Connection,
        target: String,
        notices: Notices,
    ) -> Result<Session, DbError> {
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
            notices,
        })
    }

    /// The notices the server sent on this session and nobody took yet. A clone shares them,
    /// so the engine can take them while a `Transaction` borrows the session.
    pub(crate) fn notices(&self) -> &Notices {
        &self.notices
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
    /// reset inside it instead (`Transaction::run_guarded_then_reset`), without the round trip.
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
    pub(super) fn client(&mut self) -> &mut Client {
        match self {
            Connection::Locked(lock) => lock.client(),
            Connection::Plain(client) => client,
        }
    }
}

fn query_error(error: &postgres::Error, action: &str, target: &str) -> DbError {
    DbError::Query {
        action: action.to_string(),
        target: target.to_string(),
        detail: describe_postgres_error(error, None),
        server_code: server_code_of(error),
    }
}

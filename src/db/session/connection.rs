//! [`Session`]: one connection to the target database, plain or holding the run's lock (the
//! advisory lock, or the table lock: plan.yaml's `lock:`, and always the table lock behind a
//! transaction pooler), with what it knows about itself as it started (backend pid, identity,
//! `standard_conforming_strings`), running SQL outside a transaction and resetting itself
//! between migrations, and the [`Notices`] the server sends on it. Transactions on it are
//! `transaction`'s; what the reset undoes is `reset`'s.
//!
//! Queries outside a transaction go through the unnamed statement, parsed, bound and run in
//! one message: behind a transaction pooler, the named statement the `postgres` crate prepares
//! for a query would be parsed on one server connection and run on another.

use std::time::Instant;

use indexmap::IndexMap;
use postgres::Client;
use postgres::types::{ToSql, Type};

use super::reset::{CHECK_CONNECTION, Identity, RESET_SETTINGS, RESIDUE, cleanup_sql};
use super::results::{SqlError, last_row, row_texts};
use crate::db::connect::ConnectionSettings;
use crate::db::error::{DbError, describe_postgres_error, server_code_of};
use crate::db::lock::{AdvisoryLock, LockKey, LockWait, lock_holder};
use crate::db::notices::Notices;
use crate::db::pooler::intermediary;
use crate::db::quote::quote_identifier;
use crate::db::run_lock::RunLock;
use crate::db::table_lock::{LeaseCheck, LockTable, TableLock, live_holder};

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
    pub(super) notices: Notices,
    /// Whether `Transaction::execute` may keep statements prepared across transactions: only
    /// on a connection known to be its own server session (not behind a transaction pooler).
    pub(super) keeps_statements: bool,
    /// With the table lock: what each transaction checks before it commits.
    pub(super) lease: Option<LeaseCheck>,
    /// What the run should be told about the lock it took (a pooler found, a lock taken over).
    lock_notes: Vec<String>,
    /// The ledger write a migration sent as one message executes, as prepared on this
    /// session (its SQL and its name), and how many were prepared (`message`).
    pub(super) ledger_statement: Option<super::prepared::PreparedStatements>,
    pub(super) ledger_statements: usize,
    /// How many messages of migrations this session sent (`message`), to tag their markers.
    pub(super) messages_sent: usize,
}

pub(super) enum Connection {
    Locked(AdvisoryLock),
    /// Holding the table lock, whose heartbeat has a connection of its own.
    Leased(Client, TableLock),
    Plain(Client),
}

impl Session {
    /// Connects with `settings`, without the lock: for reading (status).
    pub fn connect(settings: &ConnectionSettings) -> Result<Session, DbError> {
        let notices = Notices::default();
        let client = settings.connect_hearing(&notices)?;
        Session::start(
            Connection::Plain(client),
            settings.to_string(),
            notices,
            false,
        )
    }

    /// Connects with `settings` and takes the run's lock, polling as `wait` says: the advisory
    /// lock `key`, or with `RunLock::Table` the row of `table`. Behind a transaction pooler,
    /// where the advisory lock would not hold, it takes the table lock whatever `lock` says,
    /// and says so in [`Session::lock_notes`].
    pub(crate) fn connect_locked(
        settings: &ConnectionSettings,
        key: &LockKey,
        lock: RunLock,
        table: &LockTable,
        wait: &mut LockWait<'_>,
    ) -> Result<Session, DbError> {
        let notices = Notices::default();
        let client = settings.connect_hearing(&notices)?;
        let target = settings.to_string();
        let locked = take_lock(client, settings, &target, key, lock, table, wait)?;
        let session = Session::start(locked.connection, target, notices, locked.pooled)?;
        Ok(session.holding(locked.pooled, locked.lock, locked.lease, locked.notes))
    }

    /// This session, opened with `settings` by [`Session::connect`], now holding the run's lock
    /// as [`Session::connect_locked`] takes it: a run that first read the ledger on a plain
    /// session (the environments it was migrated in) goes on with the same connection instead of
    /// opening another. A session that already holds a lock is returned as it is.
    pub(crate) fn lock(
        mut self,
        settings: &ConnectionSettings,
        key: &LockKey,
        lock: RunLock,
        table: &LockTable,
        wait: &mut LockWait<'_>,
    ) -> Result<Session, DbError> {
        let client = match self.connection {
            Connection::Plain(client) => client,
            held => {
                self.connection = held;
                return Ok(self);
            }
        };
        let locked = take_lock(client, settings, &self.target, key, lock, table, wait)?;
        self.connection = locked.connection;
        if locked.pooled {
            // As `start` leaves it behind a pooler: no connection check in the reset, which
            // would stay on whichever server connection ran it.
            self.reset_sql = String::from(RESET_SETTINGS);
        }
        Ok(self.holding(locked.pooled, locked.lock, locked.lease, locked.notes))
    }

    /// This session with what taking `lock` found: `lease` for the table lock, `notes` for the
    /// run, and prepared statements kept across transactions only with the advisory lock on a
    /// connection the probe found direct (`pooled` false).
    fn holding(
        mut self,
        pooled: bool,
        lock: RunLock,
        lease: Option<LeaseCheck>,
        notes: Vec<String>,
    ) -> Session {
        self.lease = lease;
        // Statements are kept prepared across transactions only with the advisory lock on a
        // connection the probe found direct: with `lock: table`, which is what plan.yaml
        // should say wherever a pooler may serve some runs, a pooler the probe missed must not
        // break the run either.
        self.keeps_statements = !pooled && lock == RunLock::Advisory;
        self.lock_notes = notes;
        self
    }

    fn start(
        mut connection: Connection,
        target: String,
        notices: Notices,
        pooled: bool,
    ) -> Result<Session, DbError> {
        let client = connection.client();
        let messages = client
            .simple_query(
                "SELECT pg_backend_pid()::text, current_user::text, session_user::text, \
                 current_setting('standard_conforming_strings')",
            )
            .map_err(|error| query_error(&error, "read the backend pid", &target))?;
        let row = last_row(&messages).unwrap_or_default();
        let column = |index: usize| row.get(index).cloned().flatten().unwrap_or_default();
        let backend_pid = column(0).parse().unwrap_or(0);
        let identity = Identity {
            current_user: column(1),
            session_user: column(2),
        };
        let standard_strings = column(3) == "on";
        // PostgreSQL 14 and later only; older servers simply keep the old behaviour. Behind a
        // transaction pooler the setting would stay on whichever server connection ran it.
        let checks_connection = !pooled && client.batch_execute(CHECK_CONNECTION).is_ok();
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
            keeps_statements: false,
            lease: None,
            lock_notes: Vec::new(),
            ledger_statement: None,
            ledger_statements: 0,
            messages_sent: 0,
        })
    }

    /// What the run should say about the lock it took: that a transaction pooler was found
    /// (so the table lock and no named prepared statements are used), that an expired table
    /// lock was taken over. Empty for a plain session and usually for a locked one.
    pub fn lock_notes(&self) -> &[String] {
        &self.lock_notes
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

    /// Fails unless the server's `search_path` is `schema` alone, as a schema target's
    /// connection sets it at start-up (`-c search_path="schema"`): commands that run a schema
    /// target's migrations call it before anything runs, since a pooler that drops start-up
    /// options would leave the server's default (`"$user", public`) and the migrations would
    /// land there.
    pub(crate) fn require_search_path(&mut self, schema: &str) -> Result<(), DbError> {
        let rows = self
            .query_texts("SELECT current_setting('search_path')", &[])
            .map_err(|error| self.error("read the search_path", &error))?;
        let found = rows
            .into_iter()
            .next()
            .and_then(|row| row.into_iter().next().flatten())
            .unwrap_or_default();
        if found == quote_identifier(schema) {
            Ok(())
        } else {
            Err(DbError::SearchPathNotSet {
                target: self.target.clone(),
                schema: schema.to_string(),
                found,
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

    /// Runs SQL outside any transaction as one simple-query message (each statement commits
    /// on its own), returning the last row any of its statements answered, as texts: work
    /// and the question that follows it in one round trip.
    pub fn run_then_last_row(&mut self, sql: &str) -> Result<Vec<Option<String>>, SqlError> {
        let messages = self
            .connection
            .client()
            .simple_query(sql)
            .map_err(|error| SqlError::from_postgres(&error))?;
        Ok(super::results::last_row(&messages).unwrap_or_default())
    }

    /// Runs one query without parameters as a simple-query message, outside a transaction,
    /// handing each row's columns (as the server's texts) to `each`, borrowed: unlike
    /// [`Session::query_texts`], no row is first copied into owned texts (reading 10,000 ledger
    /// rows took about 3 ms less).
    pub fn query_each_row(
        &mut self,
        sql: &str,
        mut each: impl FnMut(&mut dyn Iterator<Item = Option<&str>>),
    ) -> Result<(), SqlError> {
        let messages = self
            .connection
            .client()
            .simple_query(sql)
            .map_err(|error| SqlError::from_postgres(&error))?;
        for message in &messages {
            if let postgres::SimpleQueryMessage::Row(row) = message {
                let mut columns = (0..row.len()).map(|index| row.get(index));
                each(&mut columns);
            }
        }
        Ok(())
    }

    /// Runs a query returning one boolean, outside a transaction.
    pub fn query_bool(&mut self, sql: &str) -> Result<bool, SqlError> {
        let row = self
            .connection
            .client()
            .query_typed_one(sql, &[])
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
        // `unknown`: the server infers each parameter's type from the query, as it does for
        // a prepared statement.
        let parameters: Vec<(&(dyn ToSql + Sync), Type)> = parameters
            .iter()
            .map(|parameter| (parameter as &(dyn ToSql + Sync), Type::UNKNOWN))
            .collect();
        let rows = self
            .connection
            .client()
            .query_typed(sql, &parameters)
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
            Connection::Leased(_, lock) => lock.release(),
            Connection::Plain(_) => Ok(()),
        }
    }
}

impl Connection {
    pub(super) fn client(&mut self) -> &mut Client {
        match self {
            Connection::Locked(lock) => lock.client(),
            Connection::Leased(client, _) | Connection::Plain(client) => client,
        }
    }
}

/// A connection holding the run's lock, and what taking it found.
struct Locked {
    connection: Connection,
    /// Whether a pooler or proxy stands between plan and the server.
    pooled: bool,
    /// The lock taken: plan.yaml's, or the table lock behind a pooler.
    lock: RunLock,
    /// With the table lock: what each transaction checks before it commits.
    lease: Option<LeaseCheck>,
    notes: Vec<String>,
}

/// Takes the run's lock on `client` (opened with `settings`): the advisory lock `key`, or with
/// `RunLock::Table` the row of `table`; behind a transaction pooler, where the advisory lock
/// would not hold, the table lock whatever `lock` says, with a note saying so.
fn take_lock(
    mut client: Client,
    settings: &ConnectionSettings,
    target: &str,
    key: &LockKey,
    lock: RunLock,
    table: &LockTable,
    wait: &mut LockWait<'_>,
) -> Result<Locked, DbError> {
    let between = intermediary(&mut client, settings)?;
    let pooled = between.is_some();
    let mut notes = Vec::new();
    let lock = match (between, lock) {
        (Some(why), RunLock::Advisory) => {
            notes.push(format!(
                "a pooler or proxy stands between plan and the server ({why}): using the table lock `{}` instead of the advisory lock, and no named prepared statements",
                table.name()
            ));
            RunLock::POOLED
        }
        (Some(why), table_lock) => {
            notes.push(format!(
                "a pooler or proxy stands between plan and the server ({why}): using the table lock `{}` and no named prepared statements",
                table.name()
            ));
            table_lock
        }
        (None, lock) => lock,
    };
    let (connection, lease) = match lock {
        RunLock::Advisory => {
            let lock = advisory_lock_clear_of_table_lock(client, target, key, table, wait)?;
            (Connection::Locked(lock), None)
        }
        RunLock::Table { expire_after } => {
            let lock = TableLock::acquire(settings, table, key, expire_after, wait)?;
            notes.extend(lock.takeover().map(str::to_string));
            wait_while_advisory_lock_held(&mut client, target, key, wait)?;
            let lease = lock.lease_check();
            (Connection::Leased(client, lock), Some(lease))
        }
    };
    Ok(Locked {
        connection,
        pooled,
        lock,
        lease,
        notes,
    })
}

/// Takes the advisory lock and makes sure no run holds a live table lock row on the same
/// ledger (a run that reached the database through a pooler, or with `lock: table` in its
/// plan.yaml): if one does, lets the advisory lock go and waits for the row to end. Together
/// with [`wait_while_advisory_lock_held`] the two locks keep each other out: each run takes
/// its own lock first and then looks for the other, so of two runs arriving together at least
/// one sees the other's; the row's holder waits with its row held and its heartbeat running,
/// the advisory holder gives way, so neither starves the other.
fn advisory_lock_clear_of_table_lock(
    mut client: Client,
    target: &str,
    key: &LockKey,
    table: &LockTable,
    wait: &mut LockWait<'_>,
) -> Result<AdvisoryLock, DbError> {
    let started = Instant::now();
    loop {
        let mut lock = AdvisoryLock::acquire(client, target, key, wait)?;
        let Some(holder) = live_holder(lock.client(), table, target)? else {
            return Ok(lock);
        };
        client = lock.release()?;
        wait.wait_once(started, key, &table.lock_name(), Some(holder))?;
    }
}

/// With the table lock taken: waits until no session holds the advisory lock `key` (a run
/// that connected directly with plan.yaml's default lock), see
/// [`advisory_lock_clear_of_table_lock`].
fn wait_while_advisory_lock_held(
    client: &mut Client,
    target: &str,
    key: &LockKey,
    wait: &mut LockWait<'_>,
) -> Result<(), DbError> {
    let started = Instant::now();
    while let Some(holder) = lock_holder(client, key, target)? {
        wait.wait_once(started, key, &key.to_string(), Some(holder))?;
    }
    Ok(())
}

fn query_error(error: &postgres::Error, action: &str, target: &str) -> DbError {
    DbError::Query {
        action: action.to_string(),
        target: target.to_string(),
        detail: describe_postgres_error(error, None),
        server_code: server_code_of(error),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::db::cluster::{ClusterOptions, ScratchCluster};

    /// Whether the server process `pid` holds an advisory lock, asked on `client`.
    fn holds_advisory_lock(client: &mut Client, pid: i32) -> bool {
        client
            .query_one(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = $1",
                &[&pid],
            )
            .map(|row| row.get::<_, i64>(0) > 0)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    #[test]
    fn a_plain_session_takes_the_lock_on_its_own_connection() {
        let cluster = ScratchCluster::start(&ClusterOptions::socket_only())
            .unwrap_or_else(|error| panic!("could not start a scratch cluster: {error}"));
        let settings = cluster
            .create_database("session_lock")
            .unwrap_or_else(|error| panic!("{error}"));
        let mut observer = settings.connect().unwrap_or_else(|error| panic!("{error}"));
        let key = LockKey::from_name("plan.migrations");
        let table = LockTable::for_ledger("plan", "migrations");
        let mut on_wait = |_: &crate::db::lock::LockWaiting<'_>| {};
        let mut wait = LockWait {
            timeout: Some(Duration::from_secs(30)),
            poll_interval: Duration::from_millis(50),
            on_wait: &mut on_wait,
            keep_waiting: &|| true,
        };
        let plain = Session::connect(&settings).unwrap_or_else(|error| panic!("{error}"));
        let pid = plain.backend_pid();
        assert!(!holds_advisory_lock(&mut observer, pid));
        let mut locked = plain
            .lock(&settings, &key, RunLock::Advisory, &table, &mut wait)
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(
            locked.backend_pid(),
            pid,
            "the lock was taken on another connection"
        );
        assert!(holds_advisory_lock(&mut observer, pid));
        assert!(locked.keeps_statements && locked.lock_notes().is_empty());
        locked
            .run("SELECT 1")
            .unwrap_or_else(|error| panic!("{error}"));
        locked.close().unwrap_or_else(|error| panic!("{error}"));
        assert!(!holds_advisory_lock(&mut observer, pid));
    }
}

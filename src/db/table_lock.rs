//! [`TableLock`]: the lock that keeps runs on one database apart where a session advisory lock
//! does not hold (plan.yaml `lock: table`, and behind a transaction pooler such as PgBouncer):
//! a row in a table beside the ledger (`<schema>.<ledger table>_lock`) naming its owner, with an
//! expiry that a heartbeat renews, so that a killed runner's lock is taken over once it expires
//! instead of staying held for ever (Liquibase's stale DATABASECHANGELOGLOCK).
//!
//! Owns: creating the table, taking the row with one atomic statement, reporting its holder
//! while waiting, the heartbeat thread (a connection of its own, so a long migration never
//! lets the lock expire), releasing the row, and the [`LeaseCheck`] a transaction makes before
//! it commits. Leaves to others: when to use it (`session::connection`), what to print while
//! waiting (`cli`, through `LockWait::on_wait`).
//!
//! Every time is the server's (`clock_timestamp()`), never the clients': runners on machines
//! whose clocks disagree still agree on when a lock expires.
//!
//! What an expired lock still guarantees: a run whose heartbeat stopped (a frozen process, a
//! lost network) while it held the lock may find it taken over. Each of its transactions then
//! fails before it commits, because [`LeaseCheck`] reads the row `FOR SHARE` in that same
//! transaction and finds another owner; and once a transaction has read the row as its own, a
//! takeover waits for it to end (the takeover updates that row). So a migration and its ledger
//! row, committed together, are never committed by a run that no longer holds the lock. What
//! runs outside a transaction (`CREATE INDEX CONCURRENTLY`, a file run statement by statement)
//! has no such check.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use postgres::Client;
use postgres::types::{ToSql, Type};

use crate::db::connect::ConnectionSettings;
use crate::db::error::{DbError, describe_postgres_error, server_code_of};
use crate::db::holder::{Lease, LockHolder};
use crate::db::interrupt::{Release, on_interrupt};
use crate::db::lock::{LockKey, LockWait};
use crate::db::quote::quote_identifier;

/// Where the lock row lives and which row it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LockTable {
    schema: String,
    table: String,
    /// The row's key: the ledger's qualified name, so that two ledgers in one schema never
    /// share a lock.
    ledger: String,
}

/// Holds the lock row until released or dropped; a thread renews it meanwhile.
pub(crate) struct TableLock {
    table: LockTable,
    owner: String,
    target: String,
    /// What the run was told when it took the lock (a takeover of an expired one), once.
    takeover: Option<String>,
    heartbeat: Option<Heartbeat>,
    /// Deletes the row if the process is interrupted (Ctrl-C, SIGTERM) while it holds it, so
    /// the next run need not wait for it to expire (`db::interrupt`). Declared after the
    /// heartbeat: dropped after it, once the row is gone the ordinary way.
    _on_interrupt: Release,
}

/// The heartbeat thread: renews the row every third of `expire_after` and deletes it when
/// told to stop (or when the lock is dropped).
struct Heartbeat {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<Result<(), String>>,
    lost: Arc<AtomicBool>,
}

/// What a transaction on a session holding the table lock checks before it commits: that the
/// row is still its owner's, read `FOR SHARE` so that no takeover can happen until it ends.
#[derive(Clone, Debug)]
pub(crate) struct LeaseCheck {
    select: String,
    ledger: String,
    owner: String,
    name: String,
}

impl LockTable {
    /// The lock of the ledger `schema.table`: the row keyed by the ledger's name in
    /// `schema.<table>_lock`, beside the ledger's other tables (whose names all start with the
    /// ledger's, so the catalog snapshots leave it out with them).
    pub(crate) fn for_ledger(schema: &str, table: &str) -> LockTable {
        LockTable {
            schema: schema.to_string(),
            table: format!("{table}_lock"),
            ledger: format!("{schema}.{table}"),
        }
    }

    fn qualified(&self) -> String {
        format!(
            "{}.{}",
            quote_identifier(&self.schema),
            quote_identifier(&self.table)
        )
    }

    /// The lock, for messages: the table and the row.
    pub(crate) fn lock_name(&self) -> String {
        format!("`{}` (row `{}`)", self.name(), self.ledger)
    }

    /// `schema.table`, for messages.
    pub(crate) fn name(&self) -> String {
        format!("{}.{}", self.schema, self.table)
    }
}

impl TableLock {
    /// Creates the lock table if missing and takes the row, over a connection of its own
    /// opened with `settings`, polling until it is free (or expired) or `wait.timeout` passes.
    /// A transaction-level advisory lock on the schema's creation key
    /// (`LockKey::for_schema_creation`, which the ledger's creation takes too) serialises its
    /// creation among runners that arrive together (a transaction pooler keeps it); not `key`
    /// itself, which a run holding the advisory lock may hold for as long as it runs.
    /// `key` names the lock in `on_wait`'s reports.
    pub(crate) fn acquire(
        settings: &ConnectionSettings,
        table: &LockTable,
        key: &LockKey,
        expire_after: Duration,
        wait: &mut LockWait<'_>,
    ) -> Result<TableLock, DbError> {
        let target = settings.to_string();
        let settings = settings.with_application_name("plan (table lock)");
        let mut client = settings.connect()?;
        let creation = LockKey::for_schema_creation(&table.schema);
        create_table(&mut client, table, &creation, &target)?;
        let owner = owner_name();
        let interval = interval_text(expire_after);
        let started = Instant::now();
        let lock_name = table.lock_name();
        loop {
            if let Some(previous) = try_take(&mut client, table, &owner, &interval, &target)? {
                let takeover = previous.map(|(holder, expired_at)| {
                    format!(
                        "took over the table lock {lock_name}: its holder ({holder}) stopped renewing it, and it expired at {expired_at}"
                    )
                });
                let on_interrupt = {
                    let (settings, table, owner) = (
                        settings.with_connect_timeout(Duration::from_secs(3)),
                        table.clone(),
                        owner.clone(),
                    );
                    on_interrupt(move || {
                        let _ = delete_row(&mut None, &settings, &table, &owner);
                    })
                };
                let heartbeat = Heartbeat::start(
                    client,
                    settings,
                    table.clone(),
                    owner.clone(),
                    interval,
                    expire_after / 3,
                );
                return Ok(TableLock {
                    table: table.clone(),
                    owner,
                    target,
                    takeover,
                    heartbeat: Some(heartbeat),
                    _on_interrupt: on_interrupt,
                });
            }
            let holder = read_holder(&mut client, table, &target)?;
            wait.wait_once(started, key, &lock_name, holder)?;
        }
    }

    /// What a transaction must check before it commits (see the module comment).
    pub(crate) fn lease_check(&self) -> LeaseCheck {
        LeaseCheck {
            select: format!(
                "SELECT owner FROM {} WHERE ledger = $1 FOR SHARE",
                self.table.qualified()
            ),
            ledger: self.table.ledger.clone(),
            owner: self.owner.clone(),
            name: self.table.name(),
        }
    }

    /// The line to say once the lock is taken, if it was taken over from an expired holder.
    pub(crate) fn takeover(&self) -> Option<&str> {
        self.takeover.as_deref()
    }

    /// Stops the heartbeat and deletes the row. Errors if the row was no longer this run's
    /// (it expired and another run took it over) or could not be deleted.
    pub(crate) fn release(mut self) -> Result<(), DbError> {
        let Some(heartbeat) = self.heartbeat.take() else {
            return Ok(());
        };
        heartbeat.stop().map_err(|detail| DbError::Query {
            action: format!("release the table lock `{}`", self.table.name()),
            target: self.target.clone(),
            detail,
            server_code: None,
        })
    }
}

impl fmt::Debug for TableLock {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("TableLock")
            .field("table", &self.table)
            .field("owner", &self.owner)
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl Drop for TableLock {
    fn drop(&mut self) {
        if let Some(heartbeat) = self.heartbeat.take() {
            // Best effort: a row left behind expires after `expire_after`.
            let _ = heartbeat.stop();
        }
    }
}

impl Heartbeat {
    fn start(
        client: Client,
        settings: ConnectionSettings,
        table: LockTable,
        owner: String,
        interval: String,
        every: Duration,
    ) -> Heartbeat {
        let (stop, stopped) = mpsc::channel();
        let lost = Arc::new(AtomicBool::new(false));
        let thread = {
            let lost = Arc::clone(&lost);
            thread::spawn(move || {
                let mut client = Some(client);
                loop {
                    match stopped.recv_timeout(every) {
                        Err(RecvTimeoutError::Timeout) => {}
                        Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                            return delete_row(&mut client, &settings, &table, &owner);
                        }
                    }
                    if lost.load(Ordering::Relaxed) {
                        continue;
                    }
                    // A heartbeat that fails (the connection dropped, the pooler restarted)
                    // reconnects at the next one: the lock lasts `expire_after`, three beats.
                    match renew(&mut client, &settings, &table, &owner, &interval) {
                        Ok(true) => {}
                        Ok(false) => lost.store(true, Ordering::Relaxed),
                        Err(()) => client = None,
                    }
                }
            })
        };
        Heartbeat { stop, thread, lost }
    }

    /// Stops the thread, which deletes the row; the error says why it could not.
    fn stop(self) -> Result<(), String> {
        let _ = self.stop.send(());
        let deleted = self
            .thread
            .join()
            .unwrap_or_else(|_| Err("the heartbeat thread panicked".to_string()));
        if self.lost.load(Ordering::Relaxed) {
            return Err(LOST.to_string());
        }
        deleted
    }
}

const LOST: &str = "the lock had expired and another run took it over (this run's heartbeat could not renew it in time); every transaction this run committed checked first that it still held the lock, but check `plan status`";

/// A random-enough run ID, the process ID and the host: who holds the lock, and nothing secret.
fn owner_name() -> String {
    use std::hash::{BuildHasher, Hasher};
    // `RandomState` is seeded from the operating system's randomness, once per process.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos()),
    );
    let run = hasher.finish();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "an unknown host".to_string());
    format!("run {run:016x}, pid {} on {host}", std::process::id())
}

/// `expire_after` as a PostgreSQL interval.
fn interval_text(expire_after: Duration) -> String {
    format!("{} milliseconds", expire_after.as_millis())
}

fn create_table(
    client: &mut Client,
    table: &LockTable,
    key: &LockKey,
    target: &str,
) -> Result<(), DbError> {
    let sql = format!(
        "BEGIN;
         SELECT pg_advisory_xact_lock({key});
         CREATE SCHEMA IF NOT EXISTS {schema};
         CREATE TABLE IF NOT EXISTS {table} (
             ledger text PRIMARY KEY,
             owner text NOT NULL,
             acquired_at timestamptz NOT NULL,
             heartbeat_at timestamptz NOT NULL,
             expires_at timestamptz NOT NULL
         );
         COMMIT;",
        key = key.value(),
        schema = quote_identifier(&table.schema),
        table = table.qualified(),
    );
    // Engines whose advisory locks are no-ops (CockroachDB) can still race on the creation:
    // the loser sees a duplicate and finds the table there on the next attempt.
    let mut attempts = 0;
    loop {
        match client.batch_execute(&sql) {
            Ok(()) => return Ok(()),
            Err(error) => {
                let _ = client.batch_execute("ROLLBACK");
                let duplicate = matches!(
                    server_code_of(&error).as_deref(),
                    Some("23505" | "42P07" | "42P06")
                );
                attempts += 1;
                if !duplicate || attempts >= 3 {
                    return Err(query_error(&error, "create the lock table", target));
                }
            }
        }
    }
}

/// Takes the row if it is free or expired, in one statement. `None`: someone else holds it;
/// `Some(None)`: taken, it was free; `Some(Some((owner, expired_at)))`: taken over from an
/// expired holder.
#[allow(clippy::type_complexity)]
fn try_take(
    client: &mut Client,
    table: &LockTable,
    owner: &str,
    interval: &str,
    target: &str,
) -> Result<Option<Option<(String, String)>>, DbError> {
    // The CTE reads the row as it was before the statement (for the takeover message); the
    // ON CONFLICT … WHERE decides, on the row's latest version, whether it may be taken.
    let sql = format!(
        "WITH previous AS (SELECT owner, expires_at FROM {table} WHERE ledger = $1)
         INSERT INTO {table} AS held (ledger, owner, acquired_at, heartbeat_at, expires_at)
         VALUES ($1, $2, clock_timestamp(), clock_timestamp(), clock_timestamp() + $3::text::interval)
         ON CONFLICT (ledger) DO UPDATE
            SET owner = excluded.owner, acquired_at = excluded.acquired_at,
                heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at
          WHERE held.expires_at < clock_timestamp()
         RETURNING (SELECT owner FROM previous), (SELECT expires_at::text FROM previous)",
        table = table.qualified(),
    );
    let rows = query(client, &sql, &[&table.ledger, owner, interval])
        .map_err(|error| query_error(&error, "take the table lock", target))?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let previous_owner: Option<String> = row.get(0);
    let expired_at: Option<String> = row.get(1);
    Ok(Some(previous_owner.zip(expired_at)))
}

/// The run holding the row, if a live (unexpired) one exists: what a run taking the advisory
/// lock must wait for, so that the two locks keep each other out (`session::connection`).
/// `None` too where the lock table does not exist: no run ever took the table lock there.
pub(crate) fn live_holder(
    client: &mut Client,
    table: &LockTable,
    target: &str,
) -> Result<Option<LockHolder>, DbError> {
    let exists = query(
        client,
        "SELECT to_regclass($1) IS NOT NULL",
        &[&table.qualified()],
    )
    .map_err(|error| query_error(&error, "look for the lock table", target))?
    .first()
    .is_some_and(|row| row.get::<_, bool>(0));
    if !exists {
        return Ok(None);
    }
    holder(client, table, "AND expires_at > clock_timestamp()", target)
}

fn read_holder(
    client: &mut Client,
    table: &LockTable,
    target: &str,
) -> Result<Option<LockHolder>, DbError> {
    holder(client, table, "", target)
}

/// The row's holder, the row filtered by `condition` (SQL after `WHERE ledger = $1`).
fn holder(
    client: &mut Client,
    table: &LockTable,
    condition: &str,
    target: &str,
) -> Result<Option<LockHolder>, DbError> {
    let sql = format!(
        "SELECT owner, acquired_at::text, heartbeat_at::text, expires_at::text,
                extract(epoch FROM clock_timestamp() - acquired_at)::float8
         FROM {} WHERE ledger = $1 {condition}",
        table.qualified()
    );
    let rows = query(client, &sql, &[&table.ledger])
        .map_err(|error| query_error(&error, "look up the table lock's holder", target))?;
    Ok(rows.first().map(|row| LockHolder {
        pid: 0,
        application_name: None,
        user: None,
        client_address: None,
        state: None,
        session_age: row
            .get::<_, Option<f64>>(4)
            .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
            .map(Duration::from_secs_f64),
        query_age: None,
        lease: Some(Lease {
            owner: row.get(0),
            acquired_at: row.get(1),
            heartbeat_at: row.get(2),
            expires_at: row.get(3),
        }),
    }))
}

/// Renews the row; `Ok(false)` when it is no longer ours; `Err` when the connection failed
/// (it is dropped, to be reopened next time).
fn renew(
    client: &mut Option<Client>,
    settings: &ConnectionSettings,
    table: &LockTable,
    owner: &str,
    interval: &str,
) -> Result<bool, ()> {
    if client.is_none() {
        *client = settings.connect().ok();
    }
    let Some(connection) = client.as_mut() else {
        return Err(());
    };
    let sql = format!(
        "UPDATE {} SET heartbeat_at = clock_timestamp(),
                       expires_at = clock_timestamp() + $3::text::interval
         WHERE ledger = $1 AND owner = $2",
        table.qualified()
    );
    match execute(connection, &sql, &[&table.ledger, owner, interval]) {
        Ok(updated) => Ok(updated == 1),
        Err(_) => Err(()),
    }
}

fn delete_row(
    client: &mut Option<Client>,
    settings: &ConnectionSettings,
    table: &LockTable,
    owner: &str,
) -> Result<(), String> {
    if client.as_mut().is_none_or(|client| client.is_closed()) {
        *client = Some(settings.connect().map_err(|error| error.to_string())?);
    }
    let Some(connection) = client.as_mut() else {
        return Err("no connection to delete the lock row on".to_string());
    };
    let sql = format!(
        "DELETE FROM {} WHERE ledger = $1 AND owner = $2",
        table.qualified()
    );
    match execute(connection, &sql, &[&table.ledger, owner]) {
        Ok(1) => Ok(()),
        Ok(_) => Err(LOST.to_string()),
        Err(error) => Err(describe_postgres_error(&error, None)),
    }
}

/// A query with text parameters through the unnamed statement (one message, so a transaction
/// pooler sends it to one server connection, and nothing is left prepared there).
fn query(
    client: &mut Client,
    sql: &str,
    parameters: &[&str],
) -> Result<Vec<postgres::Row>, postgres::Error> {
    let typed: Vec<(&(dyn ToSql + Sync), Type)> = parameters
        .iter()
        .map(|parameter| (parameter as &(dyn ToSql + Sync), Type::TEXT))
        .collect();
    client.query_typed(sql, &typed)
}

fn execute(client: &mut Client, sql: &str, parameters: &[&str]) -> Result<u64, postgres::Error> {
    let typed: Vec<(&(dyn ToSql + Sync), Type)> = parameters
        .iter()
        .map(|parameter| (parameter as &(dyn ToSql + Sync), Type::TEXT))
        .collect();
    client.execute_typed(sql, &typed)
}

impl LeaseCheck {
    /// Runs in `transaction` just before it commits: reads the lock row `FOR SHARE` and
    /// says, as an error message, why the transaction must not commit if it is not ours.
    pub(crate) fn verify(&self, transaction: &mut postgres::Transaction<'_>) -> Result<(), String> {
        let parameter: &(dyn ToSql + Sync) = &self.ledger;
        let rows = transaction
            .query_typed(&self.select, &[(parameter, Type::TEXT)])
            .map_err(|error| describe_postgres_error(&error, None))?;
        let owner: Option<String> = rows.first().and_then(|row| row.get(0));
        if owner.as_deref() == Some(self.owner.as_str()) {
            return Ok(());
        }
        let now = owner.map_or_else(
            || "nobody holds it now".to_string(),
            |owner| format!("{owner} holds it now"),
        );
        Err(format!(
            "this run no longer holds the table lock `{}` ({now}): its heartbeat could not renew it before it expired, so the transaction was rolled back rather than committed beside another run",
            self.name
        ))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The lock table and row for the ledger `schema.table`, as `table (row)`.
    fn check(schema: &str, table: &str, expect: &str) {
        let lock = LockTable::for_ledger(schema, table);
        assert_eq!(format!("{} ({})", lock.qualified(), lock.ledger), expect);
    }

    #[test]
    fn the_lock_table_sits_beside_the_ledger_and_starts_with_its_name() {
        check(
            "plan",
            "migrations",
            "\"plan\".\"migrations_lock\" (plan.migrations)",
        );
        check("Odd", "a\"b", "\"Odd\".\"a\"\"b_lock\" (Odd.a\"b)");
    }

    #[test]
    fn owners_name_a_run_a_process_and_a_host_and_differ_between_runs() {
        let (first, second) = (owner_name(), owner_name());
        assert!(first.starts_with("run "), "{first}");
        assert!(first.contains(&format!(", pid {} on ", std::process::id())));
        assert_ne!(first, second);
        assert_eq!(interval_text(Duration::from_secs(60)), "60000 milliseconds");
    }
}

//! The session-level advisory lock that serialises runs against one database: `LockKey` (a
//! stable key derived from a name), `AdvisoryLock` (a connection holding the lock, released on
//! drop), and finding its `LockHolder` (`db::holder`: who holds it, for "waiting for …"
//! messages).
//!
//! Owns: taking the lock by polling `pg_try_advisory_lock`, reporting the holder while waiting,
//! the optional timeout, and unlocking. Leaves to others: what to print while waiting (`cli`,
//! through the `LockWait::on_wait` callback) and what to run while holding the lock (`apply`).
//!
//! Why polling instead of `pg_advisory_lock`: a session blocked in `pg_advisory_lock` is an open
//! transaction, and `CREATE INDEX CONCURRENTLY` in the holder's session waits for every open
//! transaction to end, so the holder would wait for the waiter that waits for the holder.
//! `pg_try_advisory_lock` returns at once, so between attempts the waiter holds no transaction.

use std::fmt;
use std::thread;
use std::time::{Duration, Instant};

use postgres::Client;
use postgres::types::Type;
use sha2::{Digest, Sha256};

use crate::db::connect::ConnectionSettings;
use crate::db::error::{DbError, describe_postgres_error, server_code_of};
use crate::db::holder::LockHolder;

/// The 64-bit advisory-lock key for a name: the first 8 bytes of SHA-256(name), big-endian.
/// Stable across runs, machines and Rust versions (unlike `std`'s randomised hasher), and
/// computable in SQL: `('x' || left(encode(sha256(convert_to(name, 'UTF8')), 'hex'), 16))
/// ::bit(64)::bigint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockKey {
    name: String,
    value: i64,
}

/// One report while waiting for the lock, given to `LockWait::on_wait`.
#[derive(Debug, Clone, PartialEq)]
pub struct LockWaiting<'a> {
    /// The lock being waited for.
    pub key: &'a LockKey,
    /// The holder, if it could be seen (it may also have just released the lock).
    pub holder: Option<&'a LockHolder>,
    /// How long we have waited so far.
    pub waited: Duration,
}

/// How to wait for the lock.
pub struct LockWait<'a> {
    /// Give up after this long with `DbError::LockTimeout`; `None` waits for ever.
    pub timeout: Option<Duration>,
    /// Time between attempts; 100–250 ms keeps the wait short without loading the server.
    pub poll_interval: Duration,
    /// Called after every failed attempt, with the current holder. It decides itself whether
    /// to print (e.g. only the first time and when the holder changes).
    pub on_wait: &'a mut dyn FnMut(&LockWaiting<'_>),
    /// Asked after every failed attempt: `false` gives the wait up at once with
    /// `DbError::LockWaitStopped` (a fleet run stopping its targets after a failure elsewhere,
    /// which must not wait for ever on a lock another run holds). `&|| true` waits as `timeout`
    /// says.
    pub keep_waiting: &'a dyn Fn() -> bool,
}

/// A connection holding the advisory lock. Dropping it unlocks (if the connection still
/// works); the lock also ends with the session if the connection is lost, so a crash never
/// leaves it held.
pub struct AdvisoryLock {
    /// Always `Some` until `release` takes it; an `Option` only so `release` can move it out
    /// of a type that implements `Drop`.
    client: Option<Client>,
    key: LockKey,
    target: String,
}

impl LockKey {
    /// Derives the key from a name, e.g. the ledger table's qualified name.
    pub fn from_name(name: &str) -> LockKey {
        let digest = Sha256::digest(name.as_bytes());
        let mut first_bytes = [0_u8; 8];
        first_bytes.copy_from_slice(&digest[..8]);
        LockKey {
            name: name.to_string(),
            value: i64::from_be_bytes(first_bytes),
        }
    }

    /// The name the key was derived from.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key every creation of plan's tables in `schema` takes as a transaction-level lock:
    /// `CREATE SCHEMA IF NOT EXISTS` run by two sessions at once fails in one of them on the
    /// catalog's unique index, and the ledger (created under the run's lock) and the table
    /// lock's table (created before any lock is held) may both create the schema.
    pub(crate) fn for_schema_creation(schema: &str) -> LockKey {
        LockKey::from_name(&format!("plan: create in schema {schema}"))
    }

    /// The bigint passed to `pg_try_advisory_lock`.
    pub fn value(&self) -> i64 {
        self.value
    }
}

impl fmt::Display for LockKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "`{}` (key {})", self.name, self.value)
    }
}

impl LockWait<'_> {
    /// One round of waiting for a lock held by `holder`, since `started`: refused once the
    /// timeout has passed or `keep_waiting` says no more, else said (`on_wait`) and slept until
    /// the next try. Shared by the advisory lock and the table lock (`table_lock.rs`).
    pub(crate) fn wait_once(
        &mut self,
        started: Instant,
        key: &LockKey,
        lock_name: &str,
        holder: Option<LockHolder>,
    ) -> Result<(), DbError> {
        let waited = started.elapsed();
        if let Some(timeout) = self.timeout
            && waited >= timeout
        {
            return Err(DbError::LockTimeout {
                lock_name: lock_name.to_string(),
                waited,
                holder: holder.map(Box::new),
            });
        }
        if !(self.keep_waiting)() {
            return Err(DbError::LockWaitStopped {
                lock_name: lock_name.to_string(),
            });
        }
        (self.on_wait)(&LockWaiting {
            key,
            holder: holder.as_ref(),
            waited,
        });
        let mut pause = self.poll_interval;
        if let Some(timeout) = self.timeout {
            pause = pause.min(timeout.saturating_sub(started.elapsed()));
        }
        thread::sleep(pause);
        Ok(())
    }
}

impl AdvisoryLock {
    /// Takes the lock on `client`'s session, polling until it is free or the timeout passes.
    /// `target` names the database in errors (the redacted `ConnectionSettings` display).
    ///
    /// On error the connection is dropped with the error; it never holds the lock then.
    pub fn acquire(
        mut client: Client,
        target: &str,
        key: &LockKey,
        wait: &mut LockWait<'_>,
    ) -> Result<AdvisoryLock, DbError> {
        let started = Instant::now();
        loop {
            let acquired: bool = client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&key.value])
                .map_err(|error| query_error(&error, "try the advisory lock", target))?
                .try_get(0)
                .map_err(|error| query_error(&error, "read the advisory lock result", target))?;
            if acquired {
                return Ok(AdvisoryLock {
                    client: Some(client),
                    key: key.clone(),
                    target: target.to_string(),
                });
            }
            let holder = lock_holder(&mut client, key, target)?;
            wait.wait_once(started, key, &key.to_string(), holder)?;
        }
    }

    /// Opens a connection with `settings` and takes the lock on it, as [`AdvisoryLock::acquire`].
    pub fn connect_and_acquire(
        settings: &ConnectionSettings,
        key: &LockKey,
        wait: &mut LockWait<'_>,
    ) -> Result<AdvisoryLock, DbError> {
        let client = settings.connect()?;
        AdvisoryLock::acquire(client, &settings.to_string(), key, wait)
    }

    /// The connection, for running statements while holding the lock.
    pub fn client(&mut self) -> &mut Client {
        self.client
            .as_mut()
            .expect("the client is only taken by release, which consumes the lock")
    }

    /// The key being held.
    pub fn key(&self) -> &LockKey {
        &self.key
    }

    /// Unlocks and hands the connection back. Errors if the server says the lock was not
    /// held, which would mean someone unlocked it behind our back.
    pub fn release(mut self) -> Result<Client, DbError> {
        let mut client = self.take_client();
        unlock(&mut client, &self.key, &self.target)?;
        Ok(client)
    }

    fn take_client(&mut self) -> Client {
        self.client
            .take()
            .expect("the client is only taken by release, which consumes the lock")
    }
}

impl fmt::Debug for AdvisoryLock {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("AdvisoryLock")
            .field("key", &self.key)
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl Drop for AdvisoryLock {
    fn drop(&mut self) {
        if let Some(client) = self.client.as_mut().filter(|client| !client.is_closed()) {
            // Best effort: if this fails the lock still ends with the session, which closes
            // right after this (the client is dropped with us).
            let _ = unlock(client, &self.key, &self.target);
        }
    }
}

fn unlock(client: &mut Client, key: &LockKey, target: &str) -> Result<(), DbError> {
    let released: bool = client
        .query_one("SELECT pg_advisory_unlock($1)", &[&key.value])
        .map_err(|error| query_error(&error, "release the advisory lock", target))?
        .try_get(0)
        .map_err(|error| query_error(&error, "read the advisory unlock result", target))?;
    if released {
        Ok(())
    } else {
        Err(DbError::Query {
            action: format!("release the advisory lock {key}"),
            target: target.to_string(),
            detail: "the session did not hold it any more: SQL of a migration released it (pg_advisory_unlock_all(), say), so another run could have started meanwhile; what this run applied is recorded (each ledger write checked that no other run had recorded the migration), but check `plan status`".to_string(),
            server_code: None,
        })
    }
}

/// Finds the session holding `key` in the current database, if it is visible. Asked through
/// the unnamed statement, so that a run holding the table lock behind a transaction pooler can
/// ask too (`session::connection`: the two locks keep each other out).
pub(crate) fn lock_holder(
    client: &mut Client,
    key: &LockKey,
    target: &str,
) -> Result<Option<LockHolder>, DbError> {
    // A bigint advisory key is stored as classid = high 32 bits, objid = low 32 bits,
    // objsubid = 1 (objsubid = 2 is the two-int4 form).
    let bits = key.value as u64;
    let high = i64::from((bits >> 32) as u32);
    let low = i64::from(bits as u32);
    let rows = client
        .query_typed(
            "SELECT l.pid, a.application_name, a.usename::text, host(a.client_addr), a.state, \
                    extract(epoch FROM clock_timestamp() - a.backend_start)::float8, \
                    extract(epoch FROM clock_timestamp() - a.query_start)::float8 \
             FROM pg_locks l \
             LEFT JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted \
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
               AND l.classid::text::bigint = $1 AND l.objid::text::bigint = $2 \
               AND l.objsubid = 1 \
             LIMIT 1",
            &[(&high, Type::INT8), (&low, Type::INT8)],
        )
        .map_err(|error| query_error(&error, "look up the advisory lock holder", target))?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let Some(pid) = row.get::<_, Option<i32>>(0) else {
        return Ok(None);
    };
    let seconds = |index: usize| -> Option<Duration> {
        row.get::<_, Option<f64>>(index)
            .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
            .map(Duration::from_secs_f64)
    };
    Ok(Some(LockHolder {
        pid,
        application_name: row.get(1),
        user: row.get(2),
        client_address: row.get(3),
        state: row.get(4),
        session_age: seconds(5),
        query_age: seconds(6),
        lease: None,
    }))
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

    /// Renders a key as `name → value`, so tests compare text.
    fn check(name: &str) -> String {
        let key = LockKey::from_name(name);
        format!("{} → {}", key.name(), key.value())
    }

    #[test]
    fn keys_are_the_first_eight_bytes_of_sha256_big_endian() {
        // Values from Python: struct.unpack('>q', hashlib.sha256(name).digest()[:8]).
        assert_eq!(check("plan_ledger"), "plan_ledger → -8411443222903498595");
        assert_eq!(
            check("public.plan_ledger"),
            "public.plan_ledger → 1811551874062077871"
        );
        assert_eq!(check(""), " → -2039914840885289964");
    }
}

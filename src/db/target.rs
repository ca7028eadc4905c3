//! [`Target`]: one database plan works on, and where plan keeps its state in it. The connection
//! settings, the ledger (the tracking table and its history), the catalog snapshots beside it
//! and the advisory-lock key derived from the ledger's name, built once together so that every
//! operation on that database finds the same trio, whichever command or service runs it.
//!
//! Owns: deriving the ledger, snapshots and lock key from the tracking table's schema and name,
//! and connecting to the database with or without the lock. Leaves to others: where the
//! tracking table's name comes from (plan.yaml, read by `project`; `engine::target` builds a
//! Target from a project), what a ledger or snapshot read or write does (`ledger/`,
//! `snapshots.rs`), and how the lock is taken and waited for (`lock.rs`).

use crate::db::catalog::CatalogScope;
use crate::db::connect::ConnectionSettings;
use crate::db::error::DbError;
use crate::db::ledger::Ledger;
use crate::db::lock::{LockKey, LockWait};
use crate::db::run_lock::RunLock;
use crate::db::session::Session;
use crate::db::snapshots::{SnapshotReason, Snapshots};
use crate::db::table_lock::LockTable;

/// One database and where plan keeps its state in it.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    settings: ConnectionSettings,
    /// The tracking table's schema and name, exactly as the reader case-folded them: the
    /// catalog queries leave plan's own tables out by these.
    schema: String,
    table: String,
    ledger: Ledger,
    snapshots: Snapshots,
    /// Derived from the ledger's name, so every run against the same ledger takes the same
    /// lock, whichever version of plan runs it.
    lock_key: LockKey,
    /// Which lock a run takes (plan.yaml `lock:`), and where the table lock's row is.
    lock: RunLock,
    lock_table: LockTable,
}

impl Target {
    /// The database `settings` points at, with plan's ledger in `schema.table` (names used
    /// exactly, already case-folded by the reader).
    pub(crate) fn new(settings: ConnectionSettings, schema: &str, table: &str) -> Target {
        let ledger = Ledger::new(schema, table);
        let lock_key = LockKey::from_name(&ledger.name());
        Target {
            settings,
            schema: schema.to_string(),
            table: table.to_string(),
            snapshots: Snapshots::new(schema, table, CatalogScope::Database),
            ledger,
            lock_key,
            lock: RunLock::Advisory,
            lock_table: LockTable::for_ledger(schema, table),
        }
    }

    /// This target with its catalog snapshots confined to the ledger's schema (a tenant
    /// schema with its own ledger: [`CatalogScope::LedgerSchema`]).
    pub(crate) fn confined_to_ledger_schema(self) -> Target {
        Target {
            snapshots: Snapshots::new(&self.schema, &self.table, CatalogScope::LedgerSchema),
            ..self
        }
    }

    /// The schema the migrations run in when it is not the database's default: a tenant
    /// schema with its own ledger, whose connection sets `search_path` to it (so its
    /// unqualified names are its own). `None` for a database.
    pub(crate) fn home_schema(&self) -> Option<&str> {
        (self.snapshots.scope() == CatalogScope::LedgerSchema).then_some(self.schema.as_str())
    }

    /// This target with `lock` as the lock runs take (plan.yaml `lock:`; the advisory lock
    /// unless set).
    pub(crate) fn with_lock(self, lock: RunLock) -> Target {
        Target { lock, ..self }
    }

    /// The tracking table and its history.
    pub(crate) fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The catalog snapshots kept beside the tracking table.
    pub(crate) fn snapshots(&self) -> &Snapshots {
        &self.snapshots
    }

    /// The tracking table's schema (which also holds its history and snapshots).
    pub(crate) fn ledger_schema(&self) -> &str {
        &self.schema
    }

    /// The tracking table's name, without its schema.
    pub(crate) fn ledger_table(&self) -> &str {
        &self.table
    }

    /// The advisory lock that serialises runs on this database.
    pub(crate) fn lock_key(&self) -> &LockKey {
        &self.lock_key
    }

    /// Connects without the lock: for reading.
    pub(crate) fn connect(&self) -> Result<Session, DbError> {
        Session::connect(&self.settings)
    }

    /// Connects and takes the run's lock (the advisory lock, or the table lock with `lock:
    /// table` or behind a transaction pooler), polling as `wait` says: for writing the ledger.
    pub(crate) fn connect_locked(&self, wait: &mut LockWait<'_>) -> Result<Session, DbError> {
        Session::connect_locked(
            &self.settings,
            &self.lock_key,
            self.lock,
            &self.lock_table,
            wait,
        )
    }

    /// Takes the run's lock on `session`, a plain session this target opened
    /// ([`Target::connect`]), as [`Target::connect_locked`] takes it on a new one.
    pub(crate) fn lock(
        &self,
        session: Session,
        wait: &mut LockWait<'_>,
    ) -> Result<Session, DbError> {
        session.lock(
            &self.settings,
            &self.lock_key,
            self.lock,
            &self.lock_table,
            wait,
        )
    }

    /// Whether `session` was opened with this target's settings.
    pub(crate) fn opened(&self, session: &Session) -> bool {
        session.target() == self.settings.to_string()
    }

    /// Records the catalog as it is now in the snapshot table (which must exist, see
    /// [`Snapshots::ensure`]), leaving plan's own tables out.
    pub(crate) fn record_snapshot(
        &self,
        session: &mut Session,
        reason: SnapshotReason,
        batch: Option<i32>,
    ) -> Result<(), DbError> {
        self.snapshots
            .record_current(session, reason, batch, &self.table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> ConnectionSettings {
        ConnectionSettings::for_tcp("localhost", 5433, "app", "app")
    }

    /// Builds a Target for `schema.table` and renders what is derived from the names.
    fn check(schema: &str, table: &str, expect: &str) {
        let target = Target::new(settings(), schema, table);
        let shown = format!(
            "ledger {} | lock {} | in {}.{}",
            target.ledger().name(),
            target.lock_key,
            target.ledger_schema(),
            target.ledger_table(),
        );
        assert_eq!(shown, expect);
    }

    #[test]
    fn the_lock_key_is_derived_from_the_ledger_name_as_before() {
        check(
            "public",
            "plan_ledger",
            "ledger public.plan_ledger | lock `public.plan_ledger` (key 1811551874062077871) \
             | in public.plan_ledger",
        );
        for (schema, table) in [("plan", "migrations"), ("Odd \"Schema\"", "my.table")] {
            let target = Target::new(settings(), schema, table);
            let ledger = Ledger::new(schema, table);
            assert_eq!(target.lock_key, LockKey::from_name(&ledger.name()));
        }
    }

    #[test]
    fn names_are_kept_unquoted_as_the_reader_gave_them() {
        // Quoting is for SQL text only (`Ledger`, `Snapshots`): the ledger's name, the lock
        // key and the names the catalog queries leave out are the names as written.
        check(
            "Odd \"Schema\"",
            "my.table",
            "ledger Odd \"Schema\".my.table | lock `Odd \"Schema\".my.table` (key 3625303588986877666) \
             | in Odd \"Schema\".my.table",
        );
    }

    #[test]
    fn the_settings_are_the_ones_given() {
        let target = Target::new(settings(), "plan", "migrations");
        assert_eq!(target.settings, settings());
    }
}

//! The only code that speaks to PostgreSQL: connection settings, throwaway clusters, the
//! advisory lock, the ledger, catalog snapshots, backups. `postgres` and `openssl` types stay
//! behind this door: `apply` runs SQL through a `Session` and gets `SqlError`s back.
//!
//! Codemap:
//! - [`connect`]: `ConnectionSettings`, resolved from a URL, a connection service, `PG*`
//!   variables and `~/.pgpass` as libpq does; sslmode semantics; a connect timeout over the
//!   whole handshake; `configure_child`, the one way a child process is pointed at the same
//!   database; the password kept out of every message (`scrub` for what children print).
//! - [`lock`]: `AdvisoryLock`, the session-level lock that serialises runs, taken by polling
//!   and reporting its `LockHolder` while waiting.
//! - [`table_lock`]: `TableLock`, the lock row beside the ledger with an expiry a heartbeat
//!   renews (plan.yaml `lock: table`, and behind a transaction pooler); [`run_lock`]:
//!   `RunLock`, which of the two a run takes.
//! - [`replicas`]: the streaming standbys in `pg_stat_replication` and how far each is
//!   behind a WAL position (plan.yaml `wait_for_replicas`).
//! - [`pooler`]: whether a pooler or proxy (PgBouncer) stands between plan and the server.
//! - [`locks`]: table-level `LockMode`s and their conflicts, what a set of them `Blocks`, and
//!   for `plan trace` the relation locks and `relfilenode`s a session sees.
//! - [`holder`]: `LockHolder`, who holds the lock: plain data, shown while waiting and in
//!   `DbError::LockTimeout` (a leaf, so that `error` does not depend on `lock`).
//! - [`cluster`]: `ScratchCluster`, a throwaway server in a temporary directory, for
//!   `plan apply --scratch` and the tests; cleaned up even if the process is killed.
//! - [`session`]: `Session`, a connection (holding the lock when applying) that runs SQL and
//!   reports server errors as `SqlError`; `Transaction`, a transaction on it.
//! - [`backup`]: the verified pg_dump taken before a production apply.
//! - [`schema_copy`]: a database's schema and its ledger's rows copied into a scratch
//!   database with pg_dump and pg_restore, for `plan trace`.
//! - [`blockers`]: `BlockerWatch`, who blocks a session, seen from a second connection.
//! - [`catalog`]: `Catalog`, a one-query snapshot of every schema object with a hash of its
//!   definition; prerequisite checks through information_schema.
//! - [`snapshots`]: catalog snapshots recorded beside the ledger (baseline, after each run).
//! - [`ledger`]: `Ledger`, the tracking table and its append-only history.
//! - [`target`]: `Target`, one database and where plan keeps its state in it: its settings,
//!   ledger, snapshots and lock key, built once from the tracking table's schema and name.
//! - [`notices`]: `Notice`, what the server says besides results (`RAISE NOTICE`, "…
//!   skipping"), heard per connection into `Notices` and taken after each statement.
//! - [`error`]: `DbError`, the one error type of this layer, codes `plan::db::*`.
//! - `quote`: [`quote_identifier`], for the few names that cannot be bind parameters.

pub(crate) mod backup;
pub(crate) mod blockers;
pub(crate) mod catalog;
pub(crate) mod cluster;
pub(crate) mod connect;
pub(crate) mod error;
pub(crate) mod holder;
pub(crate) mod interrupt;
pub(crate) mod ledger;
pub(crate) mod lock;
pub(crate) mod locks;
pub(crate) mod notices;
pub(crate) mod pooler;
mod quote;
pub(crate) mod replicas;
pub(crate) mod run_lock;
pub(crate) mod schema_copy;
pub(crate) mod session;
pub(crate) mod snapshots;
pub(crate) mod table_lock;
pub(crate) mod table_stats;
pub(crate) mod target;

pub(crate) use backup::{Backup, PendingBackup, prepare_backup};
pub(crate) use blockers::BlockerWatch;
pub(crate) use catalog::{Catalog, CatalogDiff, CatalogObject, missing_objects};
pub(crate) use cluster::{ClusterOptions, ScratchCluster};
pub(crate) use connect::ConnectionSettings;
pub(crate) use error::DbError;
pub(crate) use holder::LockHolder;
pub(crate) use ledger::{
    Event, Expected, HistoryAction, HistoryOutcome, Ledger, LedgerRow, LedgerState, LedgerWrite,
    PartialProgress, Recorded, ResumePoint, ledger_columns, ledger_row,
};
pub(crate) use lock::{LockKey, LockWait, LockWaiting};
pub(crate) use locks::{Blocks, HeldLock, LedgerTables, LockMode, RelationFile};
pub(crate) use notices::{Notice, Notices};
pub(crate) use quote::quote_identifier;
pub(crate) use run_lock::RunLock;
pub(crate) use schema_copy::copy_schema;
pub(crate) use session::{
    LEDGER_GUARD, MessageFailure, OneMessage, Session, SqlError, Transaction, TransactionId,
    TransactionState,
};
pub(crate) use snapshots::{ChangeKind, SnapshotReason};
pub(crate) use target::Target;

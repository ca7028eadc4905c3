//! [`RunLock`]: which lock keeps two runs on one database apart, as plan.yaml's `lock:` chose
//! it. Taking it is `session::connection`'s (which also picks the table lock behind a
//! transaction pooler, whatever this says); the locks themselves are `lock` and `table_lock`.

use std::time::Duration;

/// Which lock keeps two runs on one database apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RunLock {
    /// PostgreSQL's session advisory lock (the default).
    Advisory,
    /// A lock row beside the ledger, renewed by a heartbeat, that expires `expire_after` after
    /// its holder stopped renewing it.
    Table {
        /// How long a holder that stopped renewing keeps the lock.
        expire_after: Duration,
    },
}

impl RunLock {
    /// The table lock a run falls back to behind a pooler or proxy when plan.yaml chose the
    /// advisory lock: plan.yaml's default expiry.
    pub(crate) const POOLED: RunLock = RunLock::Table {
        expire_after: Duration::from_secs(60),
    };
}

//! The backup before an apply, in the project's terms: getting it ready against the target
//! database (tools checked, file reserved and named after the apply's target) and recording
//! the verified archive in the ledger history under the lock.
//!
//! The dump itself lives in `db::backup`; deciding when a backup is needed, and in which
//! order backup, confirmation and apply happen, is the CLI's (`cli/apply.rs`). `run.rs` knows
//! nothing of backups: the backup is taken on a session of its own, before `apply` takes the
//! lock, since pg_dump reads one consistent snapshot whatever else runs.

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::db::{
    self, Backup, ConnectionSettings, DbError, Ledger, LockKey, LockWait, PendingBackup, Session,
};
use crate::project::{MigrationId, Project};

/// The label a backup's file name carries for an apply of `target`: its ID, or `all`.
pub fn backup_label(target: Option<&MigrationId>) -> String {
    target.map_or_else(|| "all".to_string(), ToString::to_string)
}

/// Connects to the database `settings` points at and gets its backup ready in `directory`:
/// pg_dump and pg_restore found and at least as new as the server, the folder created, the
/// file reserved. Nothing is dumped yet: see [`PendingBackup::take`].
pub fn prepare_backup(
    settings: &ConnectionSettings,
    directory: &Path,
    target: Option<&MigrationId>,
) -> Result<PendingBackup, DbError> {
    let mut session = Session::connect(settings)?;
    let pending = db::prepare_backup(&mut session, settings, directory, &backup_label(target))?;
    session.close()?;
    Ok(pending)
}

/// Appends the verified `backup` to the project's ledger history (creating the ledger when
/// this is the first apply), holding the apply lock as every ledger write does. `on_wait` is
/// told while another run holds the lock; `lock_wait` bounds the wait as for apply.
pub fn record_backup(
    project: &Project,
    settings: &ConnectionSettings,
    backup: &Backup,
    environment: Option<&str>,
    lock_wait: Option<Duration>,
    taken: (SystemTime, Duration),
    on_wait: &mut dyn FnMut(&db::LockWaiting<'_>),
) -> Result<(), DbError> {
    let table = project.manifest().tracking_table();
    let ledger = Ledger::new(&table.schema, &table.table);
    let key = LockKey::from_name(&ledger.name());
    let mut wait = LockWait {
        timeout: lock_wait,
        poll_interval: Duration::from_millis(200),
        on_wait,
    };
    let mut session = Session::connect_locked(settings, &key, &mut wait)?;
    let detail = format!(
        "{} ({} bytes, {} archive entries, verified with pg_restore --list)",
        backup.path.display(),
        backup.bytes,
        backup.entries
    );
    let (started_at, duration) = taken;
    ledger.record_backup(&mut session, &detail, environment, started_at, duration)?;
    session.close()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_is_labelled_with_the_target_or_all() {
        assert_eq!(backup_label(None), "all");
        assert_eq!(
            backup_label(Some(&MigrationId::new("003_users"))),
            "003_users"
        );
    }
}

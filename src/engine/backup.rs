//! The backup before an apply or a rollback, in the project's terms: getting it ready
//! against the target database (tools checked, file reserved and named after the run's
//! target), taking it (timed), and recording the verified archive in the ledger history under
//! the lock. The CLI and `startup::Migrator` both go through here, so a backup is the same
//! file and the same history row whoever takes it.
//!
//! The dump itself lives in `db::backup`; whether a backup is owed is `engine::safeguards`'
//! call. `plan apply` and `plan rollback` take theirs before the run, on a session of their
//! own, after showing the operator where it goes (`cli/apply/`, `cli/rollback.rs`); a
//! `Migrator`'s is taken by `run.rs` under the lock when the plan has work
//! (`ApplyOptions::backup_to`), so that replicas starting together back up once.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use crate::db::{self, Backup, ConnectionSettings, DbError, LockWait, PendingBackup, Session};
use crate::engine::rollback::RollbackTarget;
use crate::project::{MigrationId, Project};

/// A backup taken and verified, with when its dump started and how long it took (what the
/// history records).
#[derive(Clone, Debug)]
pub(crate) struct TakenBackup {
    /// The verified archive.
    pub backup: Backup,
    /// When pg_dump started.
    pub started_at: SystemTime,
    /// How long the dump and its verification took.
    pub took: Duration,
}

/// The label a backup's file name carries for an apply of `target`: its ID, or `all`.
pub(crate) fn backup_label(target: Option<&MigrationId>) -> String {
    target.map_or_else(|| "all".to_string(), ToString::to_string)
}

/// Connects to the database `settings` points at and gets its backup ready in `directory`:
/// pg_dump and pg_restore found and at least as new as the server, the folder created, the
/// file reserved. Nothing is dumped yet: see [`PendingBackup::take`].
pub(crate) fn prepare_backup(
    settings: &ConnectionSettings,
    directory: &Path,
    target: Option<&MigrationId>,
) -> Result<PendingBackup, DbError> {
    let mut session = Session::connect(settings)?;
    let pending = db::prepare_backup(&mut session, settings, directory, &backup_label(target))?;
    session.close()?;
    Ok(pending)
}

/// The label a backup's file name carries for a rollback of `target`: `rollback-ID`, or
/// `rollback-last-batch`, so that it is told apart from the backups taken before applies, and a
/// rollback right after an apply does not collide with the apply's file name.
pub(crate) fn rollback_backup_label(target: &RollbackTarget) -> String {
    match target {
        RollbackTarget::Migration(id) => format!("rollback-{id}"),
        RollbackTarget::LastBatch => "rollback-last-batch".to_string(),
    }
}

/// As [`prepare_backup`], for the backup before a rollback of `target`
/// ([`rollback_backup_label`]).
pub(crate) fn prepare_rollback_backup(
    settings: &ConnectionSettings,
    directory: &Path,
    target: &RollbackTarget,
) -> Result<PendingBackup, DbError> {
    let mut session = Session::connect(settings)?;
    let pending = db::prepare_backup(
        &mut session,
        settings,
        directory,
        &rollback_backup_label(target),
    )?;
    session.close()?;
    Ok(pending)
}

/// Takes the prepared backup (pg_dump, then pg_restore --list) and times it. Nothing is
/// recorded yet: see [`record_backup`].
pub(crate) fn take(pending: PendingBackup) -> Result<TakenBackup, DbError> {
    let started_at = SystemTime::now();
    let clock = Instant::now();
    let backup = pending.take()?;
    Ok(TakenBackup {
        backup,
        started_at,
        took: clock.elapsed(),
    })
}

/// What the history records of a verified backup: the file, its size and its entries.
pub(crate) fn history_detail(backup: &Backup) -> String {
    format!(
        "{} ({} bytes, {} archive entries, verified with pg_restore --list)",
        backup.path.display(),
        backup.bytes,
        backup.entries
    )
}

/// Appends the verified backup `taken` to the project's ledger history (creating the ledger when
/// this is the first apply), holding the apply lock as every ledger write does. `on_wait` is
/// told while another run holds the lock; `lock_wait` bounds the wait as for apply.
pub(crate) fn record_backup(
    project: &Project,
    settings: &ConnectionSettings,
    taken: &TakenBackup,
    environment: Option<&str>,
    lock_wait: Option<Duration>,
    on_wait: &mut dyn FnMut(&db::LockWaiting<'_>),
) -> Result<(), DbError> {
    let database = super::target::target(project, settings);
    let mut wait = LockWait {
        timeout: lock_wait,
        poll_interval: Duration::from_millis(200),
        on_wait,
        keep_waiting: &|| true,
    };
    let mut session = database.connect_locked(&mut wait)?;
    database.ledger().record_backup(
        &mut session,
        &history_detail(&taken.backup),
        environment,
        taken.started_at,
        taken.took,
    )?;
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

    #[test]
    fn a_rollback_backup_is_labelled_apart_from_an_apply_backup() {
        assert_eq!(
            rollback_backup_label(&RollbackTarget::Migration(MigrationId::new("003_users"))),
            "rollback-003_users"
        );
        assert_eq!(
            rollback_backup_label(&RollbackTarget::LastBatch),
            "rollback-last-batch"
        );
    }
}

//! Taking the backup a run owes before its first statement: dumped, verified, printed with its
//! restore command, recorded in the history. Shared by `plan apply` and `plan rollback`; when a
//! backup is owed, and where it goes, is decided before (`safeguards.rs`, `engine::safeguards`).

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::cli::Failure;
use crate::db::{Backup, ConnectionSettings, PendingBackup};
use crate::engine;
use crate::project::Project;

/// Says a backup is being taken, with which pg_dump and into which file.
pub(super) fn write_taking(err: &mut dyn Write, pg_dump: &Path, file: &Path) {
    let _ = writeln!(
        err,
        "taking a backup with {} into {} ...",
        pg_dump.display(),
        file.display()
    );
}

/// Shows a verified backup and how to restore it.
pub(super) fn write_taken(out: &mut dyn Write, backup: &Backup, took: Duration) {
    let _ = writeln!(
        out,
        "backup: {} ({} bytes, {} archive entries, verified with pg_restore --list, {} ms)",
        backup.path.display(),
        backup.bytes,
        backup.entries,
        took.as_millis()
    );
    let _ = writeln!(out, "to restore it: {}", backup.restore_command);
}

/// Takes the prepared backup, verifies it, prints it with its restore command, and records it
/// in the ledger history (holding the lock; `lock_wait` bounds the wait) for a run in
/// `environment`. Shared by apply and rollback: the same backup, the same record.
pub(crate) fn take_backup(
    project: &Project,
    settings: &ConnectionSettings,
    pending: PendingBackup,
    (environment, lock_wait): (Option<&str>, Option<Duration>),
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    write_taking(err, pending.pg_dump(), pending.path());
    let taken = engine::backup::take(pending)?;
    write_taken(out, &taken.backup, taken.took);
    // Printed now, not with the summary: if the run is killed, the path is still on screen.
    let _ = out.flush();
    let mut last_said: Option<Duration> = None;
    engine::record_backup(
        project,
        settings,
        &taken,
        environment,
        lock_wait,
        &mut |waiting| {
            // Polled every 200 ms: a line at first, then one every ten seconds.
            let due = last_said.is_none_or(|said| waiting.waited >= said + Duration::from_secs(10));
            if due {
                last_said = Some(waiting.waited);
                let who = waiting.holder.map_or_else(
                    || "a session this user cannot see".to_string(),
                    ToString::to_string,
                );
                let _ = writeln!(
                    err,
                    "waiting for the lock held by {who} to record the backup ({:.0} s so far)",
                    waiting.waited.as_secs_f64()
                );
            }
        },
    )
    .map_err(Failure::from)
}

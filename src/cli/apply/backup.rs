//! Taking the backup a run owes before its first statement: dumped, verified, printed with its
//! restore command, recorded in the history. Shared by `plan apply` and `plan rollback`; when a
//! backup is owed, and where it goes, is decided before (`safeguards.rs`, `engine::safeguards`).

use std::io::Write;
use std::time::Duration;

use crate::cli::Failure;
use crate::db::{ConnectionSettings, PendingBackup};
use crate::engine;
use crate::project::Project;

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
    let _ = writeln!(
        err,
        "taking a backup with {} into {} ...",
        pending.pg_dump().display(),
        pending.path().display()
    );
    let taken = engine::backup::take(pending)?;
    let (backup, took) = (&taken.backup, taken.took);
    let _ = writeln!(
        out,
        "backup: {} ({} bytes, {} archive entries, verified with pg_restore --list, {} ms)",
        backup.path.display(),
        backup.bytes,
        backup.entries,
        took.as_millis()
    );
    let _ = writeln!(out, "to restore it: {}", backup.restore_command);
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

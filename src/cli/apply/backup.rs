//! Taking the backup a run owes before its first statement: dumped, verified, printed with its
//! restore command, recorded in the history. Shared by `plan apply` and `plan rollback`; when a
//! backup is owed, and where it goes, is decided before (`safeguards.rs`, `engine::safeguards`).
//! In JSON mode the lines go to stderr (stdout holds the one object) and the backup comes back
//! as [`ShownBackup`], the object's `backup` field (docs/json.md).

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use crate::cli::{Failure, Format};
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

/// A verified backup as the JSON reports of apply and rollback show it (`backup`).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ShownBackup {
    /// The archive.
    path: String,
    /// Its size.
    bytes: u64,
    /// The entries `pg_restore --list` found in it.
    archive_entries: usize,
    /// How long the dump and its check took.
    took_ms: u64,
    /// The command that restores it.
    restore_command: String,
}

impl ShownBackup {
    fn of(backup: &Backup, took: Duration) -> Self {
        ShownBackup {
            path: backup.path.display().to_string(),
            bytes: backup.bytes,
            archive_entries: backup.entries,
            took_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
            restore_command: backup.restore_command.clone(),
        }
    }
}

/// Takes the prepared backup, verifies it, prints it with its restore command (on `out` in
/// text; on `err` in JSON, whose stdout is the one object), and records it in the ledger history
/// (holding the lock; `lock_wait` bounds the wait) for a run in `environment`. Shared by apply
/// and rollback: the same backup, the same record. Returns it for the JSON report.
pub(crate) fn take_backup(
    project: &Project,
    settings: &ConnectionSettings,
    pending: PendingBackup,
    (environment, lock_wait): (Option<&str>, Option<Duration>),
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ShownBackup, Failure> {
    write_taking(err, pending.pg_dump(), pending.path());
    let taken = engine::backup::take(pending)?;
    let lines: &mut dyn Write = match format {
        Format::Json => &mut *err,
        _ => &mut *out,
    };
    write_taken(lines, &taken.backup, taken.took);
    // Printed now, not with the summary: if the run is killed, the path is still on screen.
    let _ = lines.flush();
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
    .map_err(Failure::from)?;
    Ok(ShownBackup::of(&taken.backup, taken.took))
}

//! An apply's [`Progress`] as `tracing` events, the way a service logs: one line per migration
//! started and applied at INFO, steps and batches at DEBUG, and the wait for another replica's
//! lock at INFO once when it starts and then every 10 seconds (the apply polls the lock five
//! times a second, which is not worth a line each).

use std::time::Duration;

use crate::engine::trace::{Trace, Tracing};
use crate::engine::{Action, Progress};

/// How often a replica waiting for the lock says it is still waiting.
const WAIT_REPORT_EVERY: Duration = Duration::from_secs(10);

/// Turns progress into events; keeps what it needs to thin out the lock-wait reports.
#[derive(Default)]
pub(crate) struct Tracer {
    last_wait_report: Option<Duration>,
}

impl Tracer {
    /// Emits the events for one piece of progress.
    pub(crate) fn observe(&mut self, progress: Progress<'_>) {
        match progress {
            Progress::BackingUp { file, pg_dump } => tracing::info!(
                pg_dump = %pg_dump.display(),
                file = %file.display(),
                "taking a backup"
            ),
            Progress::BackedUp { backup, took } => tracing::info!(
                file = %backup.path.display(),
                bytes = backup.bytes,
                entries = backup.entries,
                duration_ms = took.as_millis() as u64,
                restore = %backup.restore_command,
                "backup taken and verified with pg_restore --list"
            ),
            Progress::LockNote { text } => tracing::info!("{text}"),
            Progress::WaitingForLock { holder, waited } => {
                let due = match self.last_wait_report {
                    None => true,
                    Some(last) => waited.saturating_sub(last) >= WAIT_REPORT_EVERY,
                };
                if due {
                    self.last_wait_report = Some(waited);
                    let holder = holder.map_or_else(
                        || "a session this user cannot see".to_string(),
                        ToString::to_string,
                    );
                    tracing::info!(
                        %holder,
                        waited_s = waited.as_secs(),
                        "another run holds the migration lock; waiting for it to finish"
                    );
                }
            }
            Progress::Planned { plan, batch } => {
                let pending = plan
                    .steps()
                    .iter()
                    .filter(|step| !matches!(step.action, Action::Skip { .. }))
                    .count();
                if plan.has_work() {
                    tracing::info!(pending, batch, "migrations to apply");
                } else {
                    tracing::info!("no migration to apply");
                }
            }
            Progress::Linted { notes } => {
                for note in notes {
                    tracing::warn!(
                        rule = note.rule,
                        severity = note.severity,
                        migration = %note.migration,
                        at = %note.location,
                        "{}",
                        note.message
                    );
                }
            }
            Progress::LongTransactions {
                id,
                table,
                sessions,
            } => {
                for session in sessions {
                    tracing::warn!(
                        migration = %id,
                        table,
                        pid = session.pid,
                        application = %session.application,
                        state = %session.state,
                        age = %session.age,
                        "a long transaction holds a lock on a table this migration will lock; it will wait behind it"
                    );
                }
            }
            Progress::Starting { id } => tracing::info!(migration = %id, "applying"),
            Progress::WaitingForReplica {
                id,
                standby,
                behind_bytes,
                waited,
            } => tracing::debug!(
                migration = %id,
                standby,
                behind_bytes,
                waited_ms = u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
                "waiting for a standby to replay the migration"
            ),
            Progress::NoStandbys => tracing::debug!(
                "wait_for_replicas: the server streams to no standby; nothing to wait for"
            ),
            Progress::Retrying { id, attempt, pause } => tracing::warn!(
                migration = %id,
                attempt,
                pause_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
                "a lock timeout rolled the migration back; retrying"
            ),
            Progress::Step {
                id,
                number,
                total,
                kind,
            } => tracing::debug!(migration = %id, step = number, of = total, kind, "step"),
            Progress::Message { id, text } => tracing::info!(migration = %id, "{text}"),
            Progress::Batch {
                id,
                rows,
                batches,
                elapsed,
            } => tracing::debug!(
                migration = %id,
                rows,
                batches,
                elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
                "batch"
            ),
            Progress::Applied { id, duration } => tracing::info!(
                migration = %id,
                duration_ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
                "applied"
            ),
            Progress::Skipped { id, only } => tracing::debug!(
                migration = %id,
                only = %only.join(", "),
                "skipped: limited to other environments"
            ),
            Progress::Trace(trace) => trace_event(&trace),
        }
    }
}

/// Whether the apply should report what it sends: only when TRACE events are wanted, since
/// building them costs a little for every statement.
pub(crate) fn tracing_wanted() -> Tracing {
    if tracing::enabled!(tracing::Level::TRACE) {
        Tracing::On
    } else {
        Tracing::Off
    }
}

/// One step of what the apply sends: the server's warnings at WARN (they come even when
/// tracing is off), its other notices at DEBUG, everything else at TRACE.
fn trace_event(trace: &Trace<'_>) {
    match trace {
        Trace::Notice { statement, notice } if notice.is_warning() => tracing::warn!(
            migration = %statement.whose(),
            at = %format_args!("{}:{}", statement.file, statement.line),
            "{}",
            notice.message
        ),
        Trace::Notice { statement, notice } => tracing::debug!(
            migration = %statement.whose(),
            at = %format_args!("{}:{}", statement.file, statement.line),
            severity = %notice.severity,
            "{}",
            notice.message
        ),
        Trace::Sent(statement) => tracing::trace!(
            migration = %statement.migration,
            at = %format_args!("{}:{}", statement.file, statement.line),
            sql = statement.sql,
            "statement sent"
        ),
        Trace::Finished {
            statement,
            took,
            rows,
        } => tracing::trace!(
            migration = %statement.migration,
            duration_ms = u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
            rows,
            "statement finished"
        ),
        other => tracing::trace!(step = ?other, "step"),
    }
}

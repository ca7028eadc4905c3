//! A running apply as the user sees it: a progress line per migration and step on stderr (one
//! line rewritten in place on a terminal, plain lines in a log), the lock waits, and the summary
//! on stdout. What a dry run lists is `dry_run.rs`'s.

use std::io::Write;
use std::time::{Duration, Instant};

use super::backup::{write_taken, write_taking};
use super::dry_run::write_dry_run;
use crate::cli::{Failure, Global};
use crate::db::ConnectionSettings;
use crate::engine::{self, Action, ApplyError, ApplyOptions, Execution, PlanError, Progress};
use crate::load::Loaded;

/// Applies as `options` say, writing progress to `err` as it goes and the summary to `out`.
pub(super) fn apply_to(
    loaded: &Loaded,
    settings: &ConnectionSettings,
    options: &ApplyOptions,
    handlers: &engine::Handlers,
    global: &Global,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let started = Instant::now();
    let terminal = global.stderr_is_terminal;
    let mut printer = ProgressPrinter {
        err,
        out,
        loaded,
        terminal,
        total: 0,
        done: 0,
        last_batch_line: None,
        lock_said_at: None,
        dry_run: options.mode == Execution::DryRun,
        target: settings.to_string(),
    };
    let result =
        engine::apply_with_handlers(loaded, settings, options, handlers, &mut |progress| {
            printer.show(progress);
        });
    match result {
        Ok(report) => super::summary::write_summary(
            printer.out,
            &report,
            loaded,
            settings,
            options,
            started,
            global,
        ),
        Err(ApplyError::Plan(problem @ PlanError::UnknownHandler { .. })) => {
            Err(Failure::from(problem))
        }
        Err(error) => Err(Failure::from(error)),
    }
}

/// Writes progress lines as an apply goes.
struct ProgressPrinter<'a> {
    err: &'a mut dyn Write,
    out: &'a mut dyn Write,
    loaded: &'a Loaded,
    terminal: bool,
    total: usize,
    done: usize,
    last_batch_line: Option<Instant>,
    /// When the last "waiting for the lock" line was written (time waited then).
    lock_said_at: Option<Duration>,
    dry_run: bool,
    target: String,
}

impl ProgressPrinter<'_> {
    fn show(&mut self, progress: Progress<'_>) {
        match progress {
            // `plan apply` takes its backup before the apply (`backup.rs`); these come only
            // when the options ask the engine for one, and read as `take_backup`'s lines do.
            Progress::BackingUp { file, pg_dump } => write_taking(self.err, pg_dump, file),
            Progress::BackedUp { backup, took } => write_taken(self.out, backup, took),
            Progress::WaitingForLock { holder, waited } => {
                // Polled every 200 ms: say it at once, then every ten seconds.
                let due = self
                    .lock_said_at
                    .is_none_or(|said| waited >= said + Duration::from_secs(10));
                if !due {
                    return;
                }
                self.lock_said_at = Some(waited);
                let who = holder.map_or_else(
                    || "a session this user cannot see".to_string(),
                    ToString::to_string,
                );
                let _ = writeln!(
                    self.err,
                    "waiting for the lock held by {who} ({:.0} s so far)",
                    waited.as_secs_f64()
                );
            }
            Progress::Planned { plan, batch } => {
                self.total = plan
                    .steps()
                    .iter()
                    .filter(|step| !matches!(step.action, Action::Skip { .. }))
                    .count();
                if self.dry_run {
                    write_dry_run(self.out, self.loaded, plan, batch, &self.target);
                }
            }
            Progress::Starting { id } => {
                self.done += 1;
                self.last_batch_line = None;
                if self.terminal {
                    let _ = write!(self.err, "[{}/{}] {id} ...", self.done, self.total);
                    let _ = self.err.flush();
                }
            }
            Progress::Step {
                id,
                number,
                total,
                kind,
            } => {
                if !self.terminal {
                    let _ = writeln!(self.err, "{id}: step {number} of {total}: {kind}");
                }
            }
            Progress::Message { id, text } => {
                let _ = writeln!(self.err, "{id}: {text}");
            }
            Progress::Retrying { id, attempt, pause } => {
                // Only a terminal has an unfinished `[n/m] id ...` line to end first; in a log
                // the newline would leave a blank line before every retry.
                let end_of_line = if self.terminal { "\n" } else { "" };
                let _ = writeln!(
                    self.err,
                    "{end_of_line}{id}: lock timeout; retrying (attempt {attempt}) in {} ms",
                    pause.as_millis()
                );
            }
            Progress::Batch {
                id,
                rows,
                batches,
                elapsed,
            } => {
                let due = self
                    .last_batch_line
                    .is_none_or(|last| last.elapsed() >= Duration::from_secs(1));
                if due {
                    self.last_batch_line = Some(Instant::now());
                    let rate = rows as f64 / elapsed.as_secs_f64().max(0.001);
                    let line = format!(
                        "{id}: batch step: {rows} rows in {batches} batches ({rate:.0} rows/s)"
                    );
                    if self.terminal {
                        let _ = write!(self.err, "\r\x1b[2K[{}/{}] {line}", self.done, self.total);
                    } else {
                        let _ = writeln!(self.err, "{line}");
                    }
                }
            }
            Progress::Applied { id, duration } => {
                if self.terminal {
                    let _ = writeln!(
                        self.err,
                        "\r\x1b[2K[{}/{}] {id} applied in {} ms",
                        self.done,
                        self.total,
                        duration.as_millis()
                    );
                } else {
                    let _ = writeln!(
                        self.err,
                        "[{}/{}] {id} applied in {} ms",
                        self.done,
                        self.total,
                        duration.as_millis()
                    );
                }
            }
            Progress::Skipped { id, only } => {
                let _ = writeln!(
                    self.err,
                    "      {id} skipped: runs only in {}",
                    only.join(", ")
                );
            }
        }
    }
}

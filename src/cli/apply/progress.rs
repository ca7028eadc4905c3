//! A running apply as the user sees it: on stderr a progress bar on a terminal, or a line when
//! each migration starts and one when it ends (`progress_bar.rs` decides which), the steps,
//! batch steps and lock waits; the summary on stdout. What a dry run lists is `dry_run.rs`'s.

use std::io::Write;
use std::time::{Duration, Instant};

use super::backup::{write_taken, write_taking};
use super::dry_run::write_dry_run;
use super::summary::{ShownApply, apply_report, write_text_summary};
use crate::cli::progress_bar::{LockWaitNotice, RunProgress};
use crate::cli::verbose::TracePrinter;
use crate::cli::{Failure, Global};
use crate::db::ConnectionSettings;
use crate::diagnostic::counted;
use crate::engine::safeguards::OpenedSession;
use crate::engine::{self, Action, ApplyError, ApplyOptions, Execution, PlanError, Progress};
use crate::load::Loaded;

/// Applies as `options` say, writing progress to `err` as it goes and, in text, the summary to
/// `out`; returns the report that `--format json` prints. With `opened` (the connection that
/// read the ledger for the environment guard) the run goes on with it instead of connecting.
pub(super) fn apply_to(
    loaded: &Loaded,
    (settings, opened): (&ConnectionSettings, Option<OpenedSession>),
    options: &ApplyOptions,
    handlers: &engine::Handlers,
    global: &Global,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ShownApply, Failure> {
    let started = Instant::now();
    let mut printer = ProgressPrinter {
        err,
        out,
        loaded,
        bar: RunProgress::for_run(global),
        total: 0,
        done: 0,
        last_batch_line: None,
        lock_wait: LockWaitNotice::default(),
        dry_run: options.mode == Execution::DryRun,
        target: settings.to_string(),
        trace: TracePrinter::new(global.verbosity, global.stderr_is_terminal),
    };
    let result = engine::apply_opened(
        loaded,
        settings,
        opened,
        options,
        handlers,
        &mut |progress| {
            printer.show(progress);
        },
    );
    // The bar is off the terminal before the summary or the error is written.
    printer.bar.finish(printer.err);
    match result {
        Ok(report) => {
            if !global.json() {
                write_text_summary(printer.out, &report, options, started);
            }
            Ok(apply_report(&report, loaded, settings, options, started))
        }
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
    /// The bar on a terminal, or the start and end lines.
    bar: RunProgress,
    total: usize,
    done: usize,
    last_batch_line: Option<Instant>,
    /// The "waiting for the lock" lines.
    lock_wait: LockWaitNotice,
    dry_run: bool,
    target: String,
    /// What `-v` adds (`cli/verbose.rs`).
    trace: TracePrinter,
}

impl ProgressPrinter<'_> {
    fn show(&mut self, progress: Progress<'_>) {
        match progress {
            // `plan apply` takes its backup before the apply (`backup.rs`); these come only
            // when the options ask the engine for one, and read as `take_backup`'s lines do.
            Progress::BackingUp { file, pg_dump } => {
                self.bar.suspend(|| write_taking(self.err, pg_dump, file));
            }
            Progress::BackedUp { backup, took } => {
                self.bar.suspend(|| write_taken(self.out, backup, took));
            }
            Progress::WaitingForLock { holder, waited } => {
                if let Some(line) = self.lock_wait.line(holder, waited) {
                    self.bar.line(self.err, &line);
                }
            }
            Progress::LockNote { text } => self.bar.line(self.err, text),
            Progress::WaitingForReplica {
                id,
                standby,
                behind_bytes,
                waited,
            } => {
                // As a batch step's lines: a log gets one a second at most.
                let due = self.bar.is_drawn()
                    || self
                        .last_batch_line
                        .is_none_or(|last| last.elapsed() >= Duration::from_secs(1));
                if due {
                    self.last_batch_line = Some(Instant::now());
                    let line = format!(
                        "{id}: waiting for standby {standby} to replay it ({behind_bytes} bytes behind, {} ms so far)",
                        waited.as_millis()
                    );
                    if self.bar.is_drawn() {
                        self.bar.status(line);
                    } else {
                        let _ = writeln!(self.err, "{line}");
                    }
                }
            }
            Progress::NoStandbys => self.bar.line(
                self.err,
                "wait_for_replicas: the server streams to no standby (pg_stat_replication is empty); nothing to wait for",
            ),
            Progress::Planned { plan, batch } => {
                self.total = plan
                    .steps()
                    .iter()
                    .filter(|step| !matches!(step.action, Action::Skip { .. }))
                    .count();
                self.bar.set_length(self.total);
                if self.dry_run {
                    write_dry_run(self.out, self.loaded, plan, batch, &self.target);
                }
            }
            Progress::Starting { id } => {
                self.done += 1;
                self.last_batch_line = None;
                let count = self.count();
                self.bar.start(self.err, &count, &format!("applying {id}"));
            }
            Progress::Step {
                id,
                number,
                total,
                kind,
            } => {
                let line = format!("{id}: step {number} of {total}: {kind}");
                if self.bar.is_drawn() {
                    self.bar.status(line);
                } else {
                    let _ = writeln!(self.err, "{line}");
                }
            }
            Progress::Message { id, text } => {
                self.bar.line(self.err, &format!("{id}: {text}"));
            }
            Progress::Retrying { id, attempt, pause } => {
                self.bar.line(
                    self.err,
                    &format!(
                        "{id}: lock timeout; retrying (attempt {attempt}) in {} ms",
                        pause.as_millis()
                    ),
                );
            }
            Progress::Batch {
                id,
                rows,
                batches,
                elapsed,
            } => {
                // A log gets a line a second at most; the bar shows every batch (it redraws at
                // its own pace).
                let due = self.bar.is_drawn()
                    || self
                        .last_batch_line
                        .is_none_or(|last| last.elapsed() >= Duration::from_secs(1));
                if due {
                    self.last_batch_line = Some(Instant::now());
                    let rate = rows as f64 / elapsed.as_secs_f64().max(0.001);
                    let line = format!(
                        "{id}: batch step: {rows} rows in {batches} batches ({rate:.0} rows/s)"
                    );
                    if self.bar.is_drawn() {
                        self.bar.status(line);
                    } else {
                        let _ = writeln!(self.err, "{line}");
                    }
                }
            }
            Progress::Applied { id, duration } => {
                let count = self.count();
                self.bar.finish_one(
                    self.err,
                    &format!("{count} {id} applied in {} ms", duration.as_millis()),
                );
            }
            Progress::Skipped { id, only } => {
                self.bar.line(
                    self.err,
                    &format!("      {id} skipped: runs only in {}", only.join(", ")),
                );
            }
            Progress::Linted { notes } => {
                let mut lines = vec![format!(
                    "plan lint: {} in what will run (plan lint shows each with the safe way):",
                    counted(notes.len(), "finding", "findings")
                )];
                lines.extend(notes.iter().map(|note| {
                    format!(
                        "  {}: {} at {}: {} [{}]",
                        note.severity, note.migration, note.location, note.message, note.rule
                    )
                }));
                self.bar.line(self.err, &lines.join("\n"));
            }
            Progress::LongTransactions {
                id,
                table,
                sessions,
            } => {
                let mut lines = vec![format!(
                    "{id} will lock {table}; these sessions have held a lock on it in a long transaction, so it will wait behind them (and every query on {table} behind it):"
                )];
                lines.extend(sessions.iter().map(|session| {
                    format!(
                        "  pid {} ({}), {}, transaction open {}: {}",
                        session.pid,
                        if session.application.is_empty() {
                            "no application name"
                        } else {
                            session.application.as_str()
                        },
                        session.state,
                        session.age,
                        session.query.replace('\n', " ")
                    )
                }));
                self.bar.line(self.err, &lines.join("\n"));
            }
            Progress::Trace(trace) => self.bar.suspend(|| self.trace.write(self.err, &trace)),
        }
    }

    /// `[n/m]`: the migration running, of those that run.
    fn count(&self) -> String {
        format!("[{}/{}]", self.done, self.total)
    }
}

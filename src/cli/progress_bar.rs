//! How a long run (apply, rollback, verify) shows where it is. On a terminal: one progress bar
//! on stderr, redrawn in place, with how many of how many, what is running (the migration, its
//! step or batch step), the time elapsed and an estimate of the time left, while the lines
//! that must stay (each migration's end, lock waits, retries) are printed above it. Anywhere
//! else (a `TERM=dumb` terminal too), or with `-v` (whose lines, one by one, a bar redrawn in
//! place would fight), plain lines: one when each migration starts and one when it ends, so
//! that a CI log shows what is running during a long migration. With `-q`, nothing (stderr is
//! then a sink, and no bar is drawn on the real terminal either).

use std::io::Write;
use std::time::Duration;

use indicatif::{FormattedDuration, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use super::{Global, Verbosity};

/// How often the bar is redrawn while nothing happens: the elapsed time and the spinner keep
/// moving during a long statement, so a run that is working does not look stuck.
const TICK: Duration = Duration::from_millis(200);

/// The bar's line: spinner, `[n/m]`, the share finished, elapsed, time left, what is running.
const TEMPLATE: &str =
    "{spinner} {prefix} [{bar:20}] {elapsed_precise} (eta {time_left}) {wide_msg}";

/// The progress of one run: a bar on a terminal at normal verbosity, plain lines otherwise
/// (see the module doc). Dropping it clears the bar.
pub(crate) struct RunProgress {
    /// Whether a bar is drawn (else everything is written as lines).
    drawn: bool,
    /// How many units the whole run has, for the share finished and the estimate.
    length: u64,
    /// The bar, from the first item that starts.
    bar: Option<ProgressBar>,
    /// The start line of the item running, left on the terminal if the run ends before it does.
    running: Option<String>,
}

/// Whether a run draws a bar: only on a terminal, and only at normal verbosity.
fn draws_bar(stderr_is_terminal: bool, verbosity: Verbosity) -> bool {
    stderr_is_terminal && verbosity == Verbosity::Normal
}

impl RunProgress {
    /// The progress of a run with `global`'s options; how many units it has (the migrations,
    /// or one per apply and rollback) is set once known ([`Self::set_length`]).
    pub(crate) fn for_run(global: &Global) -> RunProgress {
        RunProgress {
            // indicatif draws nothing on a dumb terminal (TERM unset or `dumb`): lines then.
            drawn: draws_bar(global.stderr_is_terminal, global.verbosity)
                && !ProgressDrawTarget::stderr().is_hidden(),
            length: 0,
            bar: None,
            running: None,
        }
    }

    /// Whether a bar is drawn: otherwise what runs is told in lines.
    pub(crate) fn is_drawn(&self) -> bool {
        self.drawn
    }

    /// Sets how many units the run has, once it is known.
    pub(crate) fn set_length(&mut self, length: usize) {
        self.length = length as u64;
        if let Some(bar) = &self.bar {
            bar.set_length(self.length);
        }
    }

    /// An item starts: `count` (`[2/5]`, or empty) and `what` (`applying 002_x`) become the
    /// bar's, or are written as the line `[2/5] applying 002_x`.
    pub(crate) fn start(&mut self, err: &mut dyn Write, count: &str, what: &str) {
        let line = match count {
            "" => what.to_string(),
            _ => format!("{count} {what}"),
        };
        if !self.drawn {
            let _ = writeln!(err, "{line}");
            return;
        }
        match &self.bar {
            // The message first: for a moment the count is the last item's, not the message.
            Some(bar) => {
                bar.set_message(what.to_string());
                bar.set_prefix(count.to_string());
            }
            None => self.bar = Some(new_bar(self.length, count, what)),
        }
        self.running = Some(line);
    }

    /// What the running item is doing now (a step, a batch step), shown in the bar; nothing
    /// without one, where the caller writes its own line if it wants one.
    pub(crate) fn status(&self, message: String) {
        if let Some(bar) = &self.bar {
            bar.set_message(message);
        }
    }

    /// The running item ended: one more unit done, and `line` (`[2/5] 002_x applied in 12 ms`)
    /// left above the bar, or written.
    pub(crate) fn finish_one(&mut self, err: &mut dyn Write, line: &str) {
        self.running = None;
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
        self.line(err, line);
    }

    /// Writes `text` as a line of its own, above the bar when one is drawn.
    pub(crate) fn line(&self, err: &mut dyn Write, text: &str) {
        self.suspend(|| {
            let _ = writeln!(err, "{text}");
        });
    }

    /// Runs `write` with the bar taken off the terminal, then draws it again: for output that
    /// must not be overwritten (stdout shares the terminal too).
    pub(crate) fn suspend<R>(&self, write: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// The run is over: the bar is cleared, and an item that started and did not end (the run
    /// failed during it) is left as its start line, so the error below reads as it does in a
    /// log.
    pub(crate) fn finish(&mut self, err: &mut dyn Write) {
        if let Some(line) = self.running.take() {
            self.line(err, &line);
        }
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Clears the bar when a run ends by an early return.
impl Drop for RunProgress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// A bar of `length` units on stderr showing `count` and `what`, ticking on its own.
fn new_bar(length: u64, count: &str, what: &str) -> ProgressBar {
    // Everything set before the first tick draws it.
    let bar = ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::stderr())
        .with_style(style())
        .with_prefix(count.to_string())
        .with_message(what.to_string());
    bar.enable_steady_tick(TICK);
    bar
}

/// The bar's look: plain ASCII, and no estimate until one unit has finished (before that any
/// figure would be made up).
fn style() -> ProgressStyle {
    let base =
        ProgressStyle::with_template(TEMPLATE).unwrap_or_else(|_| ProgressStyle::default_bar());
    base.progress_chars("=> ").tick_chars("-\\|/ ").with_key(
        "time_left",
        |state: &ProgressState, out: &mut dyn std::fmt::Write| {
            let _ = match state.pos() {
                0 => out.write_str("?"),
                _ => write!(out, "{}", FormattedDuration(state.eta())),
            };
        },
    )
}

/// Says that a run waits for another run's lock: at once, then every ten seconds (the engine
/// reports the wait every 200 ms).
#[derive(Debug, Default)]
pub(crate) struct LockWaitNotice {
    /// How long the run had waited when it last said so.
    said_at: Option<Duration>,
}

impl LockWaitNotice {
    /// The line to print now that the run has waited `waited` for `holder`'s lock, if one is due.
    pub(crate) fn line(
        &mut self,
        holder: Option<&crate::db::LockHolder>,
        waited: Duration,
    ) -> Option<String> {
        let due = self
            .said_at
            .is_none_or(|said| waited >= said + Duration::from_secs(10));
        if !due {
            return None;
        }
        self.said_at = Some(waited);
        let who = holder.map_or_else(
            || "a session this user cannot see".to_string(),
            ToString::to_string,
        );
        Some(format!(
            "waiting for the lock held by {who} ({:.0} s so far)",
            waited.as_secs_f64()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `draws_bar(terminal, verbosity)` is `expect`.
    fn check(terminal: bool, verbosity: Verbosity, expect: bool) {
        assert_eq!(
            draws_bar(terminal, verbosity),
            expect,
            "terminal={terminal} {verbosity:?}"
        );
    }

    #[test]
    fn a_bar_only_on_a_terminal_at_normal_verbosity() {
        check(true, Verbosity::Normal, true);
        check(false, Verbosity::Normal, false);
        check(true, Verbosity::Quiet, false);
        check(true, Verbosity::Verbose, false);
        check(true, Verbosity::VeryVerbose, false);
    }

    #[test]
    fn without_a_bar_each_item_is_a_start_line_and_an_end_line() {
        let mut progress = RunProgress {
            drawn: false,
            length: 2,
            bar: None,
            running: None,
        };
        let mut err = Vec::new();
        progress.start(&mut err, "[1/2]", "applying 001_a");
        progress.status("001_a: step 1 of 2: sql".to_string());
        progress.finish_one(&mut err, "[1/2] 001_a applied in 3 ms");
        progress.start(&mut err, "[2/2]", "applying 002_b");
        progress.finish(&mut err);
        assert_eq!(
            String::from_utf8_lossy(&err),
            "[1/2] applying 001_a\n[1/2] 001_a applied in 3 ms\n[2/2] applying 002_b\n"
        );
    }
}

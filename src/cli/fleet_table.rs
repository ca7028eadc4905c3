//! What a fleet run shows on a terminal: a live table of the targets running, one row each
//! (spinner, target, time elapsed, what it is doing), redrawn in place; when a target ends,
//! its row leaves the table and a line saying how it ended stays above it, so the screen keeps
//! every target's outcome and the table never holds more rows than run at once. Off a terminal
//! (or with `-v`), `fleet.rs` writes a line per event instead.

use std::time::Duration;

use indexmap::IndexMap;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Global, Verbosity};
use crate::ops::fleet::{FleetEvent, Happened};

/// How often the rows are redrawn while nothing happens, so elapsed times keep moving.
const TICK: Duration = Duration::from_millis(200);

/// A row: spinner, target, elapsed, what it is doing.
const ROW: &str = "{spinner} {prefix:<32} {elapsed:>4} {wide_msg}";

/// The live table of the targets running.
pub(crate) struct FleetTable {
    table: MultiProgress,
    rows: IndexMap<String, ProgressBar>,
}

impl FleetTable {
    /// A table when `global` runs on a terminal at normal verbosity (indicatif draws nothing
    /// on a dumb one); `None` when events are to be written as lines.
    pub(crate) fn on_terminal(global: &Global) -> Option<FleetTable> {
        let drawn = global.stderr_is_terminal
            && global.verbosity == Verbosity::Normal
            && !ProgressDrawTarget::stderr().is_hidden();
        drawn.then(|| FleetTable {
            table: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            rows: IndexMap::new(),
        })
    }

    /// Shows what happened on one target.
    pub(crate) fn show(&mut self, event: &FleetEvent) {
        let row = self.row(&event.target);
        match &event.what {
            Happened::Started => row.set_message("connecting"),
            Happened::WaitingForLock => row.set_message("waiting for another run's lock"),
            // A sentence too long for a row, and worth keeping: a line above the table.
            Happened::LockNote(text) => {
                let _ = self.table.println(format!("{}: {text}", event.target));
            }
            Happened::BackingUp(_) => row.set_message("taking a backup"),
            Happened::BackedUp(..) => row.set_message("backup verified"),
            Happened::Applying(id) => row.set_message(format!("applying {id}")),
            Happened::Applied(id, duration) => {
                row.set_message(format!("applied {id} ({} ms)", duration.as_millis()));
            }
            Happened::Ended(outcome) => {
                let line = format!(
                    "{}: {} ({} s)",
                    event.target,
                    outcome.name().replace('_', " "),
                    row.elapsed().as_secs()
                );
                row.finish_and_clear();
                self.table.remove(&row);
                self.rows.shift_remove(&event.target);
                let _ = self.table.println(line);
            }
        }
    }

    /// The row of `target`, added on its first event.
    fn row(&mut self, target: &str) -> ProgressBar {
        if let Some(row) = self.rows.get(target) {
            return row.clone();
        }
        let row = self.table.add(ProgressBar::new_spinner());
        if let Ok(style) = ProgressStyle::with_template(ROW) {
            row.set_style(style);
        }
        row.set_prefix(target.to_string());
        row.enable_steady_tick(TICK);
        self.rows.insert(target.to_string(), row.clone());
        row
    }
}

impl Drop for FleetTable {
    fn drop(&mut self) {
        for row in self.rows.values() {
            row.finish_and_clear();
        }
        let _ = self.table.clear();
    }
}

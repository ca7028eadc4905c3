//! What `-v` and `-vv` add on stderr: the engine's [`Trace`] of an apply, a rollback or a
//! verify, one line per event. Which events a run builds is [`tracing_for`]'s to say (none
//! below `-v`, so a normal run pays nothing); how each reads is [`TracePrinter`]'s. The
//! progress lines themselves are `apply/progress.rs`'s, `rollback.rs`'s and `verify.rs`'s,
//! which hand this module their `Trace` events.
//!
//! ```text
//! lock: trying advisory lock `public.plan_ledger` (key 1811551874062077871)
//! lock: acquired advisory lock `public.plan_ledger` (key 1811551874062077871) after 3 ms
//! transaction: begin for 003_x
//!   -> migrations/003_x.sql:12  DROP TABLE IF EXISTS x;
//!   notice: table "x" does not exist, skipping
//!      0.4 ms
//!   -> migrations/003_x.sql:13  CREATE INDEX idx ON t (c);
//!      12 ms
//! ledger: recorded 003_x as applied (batch 4), with its history row
//! transaction: commit for 003_x
//! lock: released advisory lock `public.plan_ledger` (key 1811551874062077871)
//! ```
//!
//! `-v` shows a statement's first line, `-vv` its whole SQL, indented. At the default
//! verbosity only the server's `WARNING`s are shown (with the file, line and migration they
//! came from): a warning is about the user's SQL, psql shows it, and a demanding user wants it
//! without asking; plain notices ("… skipping") are noise there. `-q` shows none of this. No
//! connection string is part of any event, so no password can be.

use std::io::Write;
use std::time::Duration;

use super::Verbosity;
use crate::engine::trace::{LedgerStep, LockStep, Statement, TransactionStep};
use crate::engine::{Trace, Tracing};

/// Whether a run at `verbosity` should build its trace: only at `-v` and `-vv`.
pub(crate) fn tracing_for(verbosity: Verbosity) -> Tracing {
    if verbosity >= Verbosity::Verbose {
        Tracing::On
    } else {
        Tracing::Off
    }
}

/// Writes trace events as a verbosity says.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TracePrinter {
    verbosity: Verbosity,
    /// On a terminal, the line being written may be an unfinished progress line (`[1/3] 003_x
    /// ...`), which is cleared first so the event starts a line of its own.
    terminal: bool,
}

impl TracePrinter {
    /// A printer for `verbosity`; `terminal` when stderr is one.
    pub(crate) fn new(verbosity: Verbosity, terminal: bool) -> TracePrinter {
        TracePrinter {
            verbosity,
            terminal,
        }
    }

    /// Writes `trace` to `err`, if this verbosity shows it.
    pub(crate) fn write(&self, err: &mut dyn Write, trace: &Trace<'_>) {
        let Some(text) = self.text(trace) else {
            return;
        };
        let clear = if self.terminal { "\r\x1b[2K" } else { "" };
        let _ = write!(err, "{clear}{text}");
    }

    /// The lines `trace` reads as at this verbosity, each ending in a newline; `None` when
    /// this verbosity does not show it.
    fn text(&self, trace: &Trace<'_>) -> Option<String> {
        match self.verbosity {
            Verbosity::Quiet => None,
            Verbosity::Normal => match trace {
                Trace::Notice { statement, notice } if notice.is_warning() => Some(format!(
                    "warning: {} ({}, {})\n{}",
                    notice.message,
                    statement.place(),
                    statement.whose(),
                    details(notice.detail.as_deref(), notice.hint.as_deref(), "  "),
                )),
                _ => None,
            },
            Verbosity::Verbose | Verbosity::VeryVerbose => Some(self.verbose(trace)),
        }
    }

    /// `trace` at `-v` or `-vv`.
    fn verbose(&self, trace: &Trace<'_>) -> String {
        match trace {
            Trace::Sent(statement) => self.sent(statement),
            Trace::Finished { took, rows, .. } => match rows {
                Some(rows) => format!("     {}, {rows} rows\n", milliseconds(*took)),
                None => format!("     {}\n", milliseconds(*took)),
            },
            Trace::Notice { notice, .. } => format!(
                "  {}: {}\n{}",
                notice.severity.to_lowercase(),
                notice.message,
                details(notice.detail.as_deref(), notice.hint.as_deref(), "    ")
            ),
            Trace::NoticesDropped { count, .. } => {
                format!("  ({count} more notices during this statement, not shown)\n")
            }
            Trace::Lock(LockStep::Trying { key }) => {
                format!("lock: trying advisory lock {key}\n")
            }
            Trace::Lock(LockStep::Acquired { key, after }) => format!(
                "lock: acquired advisory lock {key} after {} ms\n",
                after.as_millis()
            ),
            Trace::Lock(LockStep::Released { key }) => {
                format!("lock: released advisory lock {key}\n")
            }
            Trace::Ledger(step) => format!("ledger: {}\n", ledger(step)),
            Trace::Transaction { migration, step } => {
                let what = match step {
                    TransactionStep::Begin => "begin",
                    TransactionStep::Commit => "commit",
                };
                format!("transaction: {what} for {migration}\n")
            }
        }
    }

    /// A statement sent: its place and first line at `-v`, its place and whole SQL at `-vv`.
    fn sent(&self, statement: &Statement<'_>) -> String {
        let place = format!("  -> {}", statement.place());
        let mut lines = statement.sql.lines().map(str::trim_end);
        if self.verbosity == Verbosity::VeryVerbose {
            let mut text = format!("{place}\n");
            // Leading and trailing blank lines say nothing; the ones inside are kept.
            let sql = statement.sql.trim_matches(|ch| ch == '\n' || ch == '\r');
            for line in sql.lines() {
                text.push_str(format!("       {line}").trim_end());
                text.push('\n');
            }
            return text;
        }
        match lines.find(|line| !line.trim().is_empty()) {
            None => format!("{place}\n"),
            Some(first) => {
                let more = if lines.any(|line| !line.trim().is_empty()) {
                    " ..."
                } else {
                    ""
                };
                format!("{place}  {}{more}\n", first.trim())
            }
        }
    }
}

/// A ledger write, as `ledger: …` says it.
fn ledger(step: &LedgerStep<'_>) -> String {
    match step {
        LedgerStep::Applied { migration, batch } => {
            format!("recorded {migration} as applied (batch {batch}), with its history row")
        }
        LedgerStep::Progress { migration, at } => match at.next_step {
            None => format!(
                "recorded {migration}'s progress: statement {} is next",
                at.next_statement + 1
            ),
            Some(0) => format!("recorded {migration}'s progress: its file is done"),
            Some(done) => format!("recorded {migration}'s progress: {done} step(s) done"),
        },
        LedgerStep::Failure { migration } => {
            format!("recorded the failure of {migration} in the history")
        }
        LedgerStep::RolledBack { migration } => {
            format!("removed {migration}'s row, with its history row")
        }
        LedgerStep::RollbackProgress {
            migration,
            next_statement,
        } => format!(
            "recorded {migration}'s rollback progress: statement {} is next",
            next_statement + 1
        ),
    }
}

/// `12 ms`, or `0.4 ms` under 10 ms, where whole milliseconds would mostly read `0 ms`.
fn milliseconds(took: Duration) -> String {
    let millis = took.as_secs_f64() * 1000.0;
    if millis < 10.0 {
        format!("{millis:.1} ms")
    } else {
        format!("{} ms", took.as_millis())
    }
}

/// A notice's detail and hint, each on a line of its own under it.
fn details(detail: Option<&str>, hint: Option<&str>, indent: &str) -> String {
    let mut text = String::new();
    if let Some(detail) = detail {
        text.push_str(&format!("{indent}detail: {detail}\n"));
    }
    if let Some(hint) = hint {
        text.push_str(&format!("{indent}hint: {hint}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{LockKey, Notice, ResumePoint};
    use crate::project::MigrationId;

    /// What `trace` prints at `verbosity`, off a terminal.
    fn check(trace: Trace<'_>, verbosity: Verbosity, expect: &str) {
        let mut written = Vec::new();
        TracePrinter::new(verbosity, false).write(&mut written, &trace);
        assert_eq!(String::from_utf8_lossy(&written), expect, "{trace:?}");
    }

    fn id() -> MigrationId {
        MigrationId::new("003_x")
    }

    fn statement<'a>(id: &'a MigrationId, sql: &'a str) -> Statement<'a> {
        Statement {
            migration: id,
            file: "migrations/003_x.sql",
            line: 12,
            sql,
            sent_with: 0,
        }
    }

    fn notice(severity: &str, message: &str) -> Notice {
        Notice {
            severity: severity.to_string(),
            message: message.to_string(),
            detail: None,
            hint: None,
        }
    }

    #[test]
    fn a_statement_shows_its_place_and_first_line_at_v_and_its_whole_sql_at_vv() {
        let id = id();
        let sql = "CREATE INDEX CONCURRENTLY idx\n    ON t (c)";
        let sent = || Trace::Sent(statement(&id, sql));
        check(
            sent(),
            Verbosity::Verbose,
            "  -> migrations/003_x.sql:12  CREATE INDEX CONCURRENTLY idx ...\n",
        );
        check(
            sent(),
            Verbosity::VeryVerbose,
            "  -> migrations/003_x.sql:12\n       CREATE INDEX CONCURRENTLY idx\n           ON t (c)\n",
        );
        check(sent(), Verbosity::Normal, "");
        check(sent(), Verbosity::Quiet, "");
        check(
            Trace::Sent(statement(&id, "\n  SELECT 1  \n")),
            Verbosity::Verbose,
            "  -> migrations/003_x.sql:12  SELECT 1\n",
        );
    }

    #[test]
    fn a_finished_statement_shows_its_time_and_rows_when_known() {
        let id = id();
        let finished = |rows| Trace::Finished {
            statement: statement(&id, "UPDATE t SET c = 1"),
            took: Duration::from_millis(12),
            rows,
        };
        check(
            finished(Some(1200)),
            Verbosity::Verbose,
            "     12 ms, 1200 rows\n",
        );
        check(finished(None), Verbosity::Verbose, "     12 ms\n");
        let quick = Trace::Finished {
            statement: statement(&id, "SELECT 1"),
            took: Duration::from_micros(420),
            rows: None,
        };
        check(quick, Verbosity::Verbose, "     0.4 ms\n");
        check(finished(None), Verbosity::Normal, "");
    }

    #[test]
    fn notices_show_at_v_and_warnings_at_every_verbosity_but_quiet() {
        let id = id();
        let skipping = notice("NOTICE", "table \"x\" does not exist, skipping");
        let shown = || Trace::Notice {
            statement: statement(&id, "DROP TABLE IF EXISTS x"),
            notice: &skipping,
        };
        check(
            shown(),
            Verbosity::Verbose,
            "  notice: table \"x\" does not exist, skipping\n",
        );
        check(shown(), Verbosity::Normal, "");
        let mut careful = notice("WARNING", "there is no transaction in progress");
        careful.hint = Some("look again".to_string());
        let warning = || Trace::Notice {
            statement: statement(&id, "COMMIT"),
            notice: &careful,
        };
        check(
            warning(),
            Verbosity::Normal,
            "warning: there is no transaction in progress (migrations/003_x.sql:12, 003_x)\n  hint: look again\n",
        );
        check(
            warning(),
            Verbosity::Verbose,
            "  warning: there is no transaction in progress\n    hint: look again\n",
        );
        check(warning(), Verbosity::Quiet, "");
    }

    #[test]
    fn lock_ledger_and_transaction_steps_read_as_one_line_each() {
        let id = id();
        let key = LockKey::from_name("public.plan_ledger");
        let lock = "`public.plan_ledger` (key 1811551874062077871)";
        check(
            Trace::Lock(LockStep::Acquired {
                key: &key,
                after: Duration::from_millis(3),
            }),
            Verbosity::Verbose,
            &format!("lock: acquired advisory lock {lock} after 3 ms\n"),
        );
        check(
            Trace::Lock(LockStep::Released { key: &key }),
            Verbosity::Verbose,
            &format!("lock: released advisory lock {lock}\n"),
        );
        check(
            Trace::Ledger(LedgerStep::Applied {
                migration: &id,
                batch: 4,
            }),
            Verbosity::Verbose,
            "ledger: recorded 003_x as applied (batch 4), with its history row\n",
        );
        check(
            Trace::Ledger(LedgerStep::Progress {
                migration: &id,
                at: ResumePoint::at_statement(2),
            }),
            Verbosity::Verbose,
            "ledger: recorded 003_x's progress: statement 3 is next\n",
        );
        check(
            Trace::Transaction {
                migration: &id,
                step: TransactionStep::Commit,
            },
            Verbosity::Verbose,
            "transaction: commit for 003_x\n",
        );
        check(
            Trace::Lock(LockStep::Released { key: &key }),
            Verbosity::Normal,
            "",
        );
    }
}

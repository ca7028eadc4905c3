//! `plan verify`: applies the plan to a scratch database one migration at a time, rolls the
//! migrations back one by one in reverse order checking that each rollback gives back the
//! schema from before its migration, then applies everything again. Exit 0 when every rollback
//! restores the schema, 1 otherwise (the report says which and what differs; what a rollback
//! leaves behind is reported against it alone, not against the rollbacks run after it).
//!
//! The scratch database is a throwaway local cluster unless `--database-url` names a server,
//! on which a temporary database is created and dropped. `DATABASE_URL` and the `PG*`
//! variables are deliberately not enough to pick a server: verify creates databases, so it
//! only does so where it was told to on the command line.

use std::io::Write;

use clap::Args;
use serde::Serialize;

use super::Failure;
use super::args::resolve_target;
use super::progress_bar::RunProgress;
use super::verbose::{TracePrinter, tracing_for};
use super::{Format, Global};
use crate::diagnostic::{Classified, ErrorClass};
use crate::ops::{
    self, AppliedAgain, RollbackCheck, SchemaDifference, Scratch, ScratchKind, VerifyOptions,
    VerifyProgress, VerifyReport,
};

/// Arguments of `plan verify`.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// Verify only this migration and what it depends on.
    #[arg(long, value_name = "ID")]
    to: Option<String>,
}

/// The findings, as a failure (exit 1) after they are printed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error(
    "verify found {0} migration(s) whose rollback does not restore the schema, or could not check it"
)]
#[diagnostic(
    code(plan::cli::verify_findings),
    help(
        "the report above names each migration and what differs: fix its rollback so that it undoes exactly what the migration does, then run plan verify again"
    )
)]
struct Findings(usize);

/// Findings are what the check is for: the operation ran and failed.
impl Classified for Findings {
    fn class(&self) -> ErrorClass {
        ErrorClass::Failed
    }
}

/// Runs `plan verify`.
pub(crate) fn run(
    args: VerifyArgs,
    global: &Global,
    handlers: &crate::engine::Handlers,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let loaded = global.load()?;
    let project = loaded.project();
    let env = global.checked_env(project)?;
    let target = resolve_target(project, args.to.as_deref())?;
    // Only `--database-url` names a server to verify on: DATABASE_URL is where migrations
    // are applied for real, and verify never goes there unless told so on its command line.
    let scratch = match global.database_url() {
        None => Scratch::ThrowawayCluster,
        Some(_) => Scratch::TemporaryDatabase(global.settings("verify")?),
    };
    let options = VerifyOptions {
        target,
        environment: env.map(str::to_string),
        scratch,
        trace: tracing_for(global.verbosity),
    };
    // A bar on a terminal, a line when each apply and rollback starts and ends in a log. The
    // bar counts every apply, every rollback and the apply again.
    let mut bar = RunProgress::for_run(global);
    let trace = TracePrinter::new(global.verbosity, global.stderr_is_terminal);
    let mut total = 0;
    let mut applied = 0;
    let mut rolled_back = 0;
    let report = ops::verify(
        &loaded,
        &options,
        handlers,
        &mut |progress| match progress {
            VerifyProgress::Ready {
                database,
                migrations,
            } => {
                total = migrations;
                bar.set_length(2 * migrations + 1);
                bar.line(
                    err,
                    &format!("verifying {migrations} migration(s) on {database}"),
                );
            }
            VerifyProgress::Applying { id } => {
                applied += 1;
                bar.start(
                    err,
                    &format!("[{applied}/{total}]"),
                    &format!("applying {id}"),
                );
            }
            VerifyProgress::Applied { id, took } => {
                bar.finish_one(
                    err,
                    &format!(
                        "[{applied}/{total}] {id} applied in {} ms",
                        took.as_millis()
                    ),
                );
            }
            VerifyProgress::RollingBack { id } => {
                let count = format!("[{}/{total}]", rolled_back + 1);
                bar.start(err, &count, &format!("rolling back {id}"));
            }
            VerifyProgress::RolledBack { id, check, took } => {
                rolled_back += 1;
                let took = took.as_millis();
                let outcome = match check {
                    RollbackCheck::Restored => format!("rolled back in {took} ms: schema restored"),
                    RollbackCheck::NotRestored(_) => {
                        format!("rolled back in {took} ms: schema NOT restored")
                    }
                    RollbackCheck::NoRollback => "has no rollback: stopping here".to_string(),
                    RollbackCheck::Failed { .. } => {
                        format!("rollback failed after {took} ms: stopping here")
                    }
                    RollbackCheck::NotVerified { .. } => "not verified".to_string(),
                };
                bar.finish_one(err, &format!("[{rolled_back}/{total}] {id} {outcome}"));
            }
            VerifyProgress::ApplyingAgain => {
                bar.start(err, "", "applying everything again");
            }
            VerifyProgress::AppliedAgain => {
                bar.finish_one(err, "applied everything again");
            }
            VerifyProgress::Trace(event) => bar.suspend(|| trace.write(err, &event)),
        },
    );
    bar.finish(err);
    let report = report?;
    let shown = ShownVerify::new(&report);
    let _ = match global.format {
        Format::Json => serde_json::to_writer_pretty(&mut *out, &shown)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out)),
        _ => out.write_all(shown.to_text().as_bytes()),
    };
    if report.is_clean() {
        Ok(())
    } else {
        let problems =
            report.problems().count() + usize::from(report.applied_again != AppliedAgain::Same);
        Err(Failure::from(Findings(problems)).after_report())
    }
}

/// The report as shown, text or JSON (`format` 1).
#[derive(Debug, Serialize)]
struct ShownVerify {
    format: u32,
    /// The scratch database, for people.
    database: String,
    /// Its URL, without a password (gone by the time this is printed).
    database_url: String,
    /// `throwaway_cluster` or `temporary_database`.
    scratch: &'static str,
    clean: bool,
    migrations: Vec<ShownMigration>,
    skipped: Vec<ShownSkipped>,
    applied_again: ShownAppliedAgain,
    #[serde(skip_serializing_if = "Option::is_none")]
    leftover: Option<String>,
}

#[derive(Debug, Serialize)]
struct ShownMigration {
    id: String,
    /// `restored`, `not_restored`, `no_rollback`, `failed` or `not_verified`.
    rollback: &'static str,
    #[serde(flatten)]
    difference: ShownDifference,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

#[derive(Debug, Default, Serialize)]
struct ShownDifference {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    left_behind: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    missing: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    changed: Vec<String>,
}

#[derive(Debug, Serialize)]
struct ShownSkipped {
    id: String,
    runs_only_in: Vec<String>,
}

#[derive(Debug, Serialize)]
struct ShownAppliedAgain {
    /// `same`, `differs` or `failed`.
    outcome: &'static str,
    #[serde(flatten)]
    difference: ShownDifference,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

impl ShownDifference {
    fn of(difference: &SchemaDifference) -> Self {
        ShownDifference {
            left_behind: difference.left_behind.clone(),
            missing: difference.missing.clone(),
            changed: difference.changed.clone(),
        }
    }

    fn write_text(&self, text: &mut String, indent: &str) {
        for (what, keys) in [
            ("left behind", &self.left_behind),
            ("missing", &self.missing),
            ("changed", &self.changed),
        ] {
            for key in keys {
                text.push_str(&format!("{indent}{what}: {key}\n"));
            }
        }
    }
}

impl ShownVerify {
    fn new(report: &VerifyReport) -> Self {
        let migrations = report
            .migrations
            .iter()
            .map(|check| {
                let (rollback, difference, message) = match &check.rollback {
                    RollbackCheck::Restored => ("restored", ShownDifference::default(), None),
                    RollbackCheck::NotRestored(difference) => (
                        "not_restored",
                        ShownDifference::of(difference),
                        None,
                    ),
                    RollbackCheck::NoRollback => (
                        "no_rollback",
                        ShownDifference::default(),
                        Some(
                            "no rollback: the walk stops here, so the migrations before it are not verified"
                                .to_string(),
                        ),
                    ),
                    RollbackCheck::Failed { message } => (
                        "failed",
                        ShownDifference::default(),
                        Some(message.clone()),
                    ),
                    RollbackCheck::NotVerified { stopped_at } => (
                        "not_verified",
                        ShownDifference::default(),
                        Some(format!(
                            "not rolled back: the walk stopped at {stopped_at}"
                        )),
                    ),
                };
                ShownMigration {
                    id: check.id.to_string(),
                    rollback,
                    difference,
                    message,
                }
            })
            .collect();
        let applied_again = match &report.applied_again {
            AppliedAgain::Same => ShownAppliedAgain {
                outcome: "same",
                difference: ShownDifference::default(),
                message: None,
            },
            AppliedAgain::Differs(difference) => ShownAppliedAgain {
                outcome: "differs",
                difference: ShownDifference::of(difference),
                message: None,
            },
            AppliedAgain::Failed { message } => ShownAppliedAgain {
                outcome: "failed",
                difference: ShownDifference::default(),
                message: Some(message.clone()),
            },
        };
        ShownVerify {
            format: 1,
            database: report.database.clone(),
            database_url: report.database_url.clone(),
            scratch: match report.scratch {
                ScratchKind::ThrowawayCluster => "throwaway_cluster",
                ScratchKind::TemporaryDatabase => "temporary_database",
            },
            clean: report.is_clean(),
            migrations,
            skipped: report
                .skipped
                .iter()
                .map(|(id, only)| ShownSkipped {
                    id: id.to_string(),
                    runs_only_in: only.clone(),
                })
                .collect(),
            applied_again,
            leftover: report.leftover.clone(),
        }
    }

    fn to_text(&self) -> String {
        let mut text = format!(
            "verified on {}: each migration applied, rolled back in reverse order, then all applied again\n",
            self.database
        );
        let width = self
            .migrations
            .iter()
            .map(|migration| migration.id.len())
            .chain(self.skipped.iter().map(|skipped| skipped.id.len()))
            .max()
            .unwrap_or(0);
        for migration in &self.migrations {
            let outcome = match migration.rollback {
                "restored" => "rollback restores the schema",
                "not_restored" => "rollback does NOT restore the schema",
                "no_rollback" => "no rollback",
                "failed" => "rollback failed",
                _ => "not verified",
            };
            text.push_str(&format!("  {:width$}  {outcome}\n", migration.id));
            migration.difference.write_text(&mut text, "      ");
            if let Some(message) = &migration.message {
                text.push_str(&format!("      {message}\n"));
            }
        }
        for skipped in &self.skipped {
            text.push_str(&format!(
                "  {:width$}  skipped: runs only in {}\n",
                skipped.id,
                skipped.runs_only_in.join(", ")
            ));
        }
        match self.applied_again.outcome {
            "same" => text.push_str(
                "applied again after the rollbacks: the same objects as the first time\n",
            ),
            "differs" => {
                text.push_str(
                    "applied again after the rollbacks: NOT the same objects as the first time\n",
                );
                self.applied_again
                    .difference
                    .write_text(&mut text, "      ");
            }
            _ => text.push_str(&format!(
                "applying again after the rollbacks failed: {}\n",
                self.applied_again.message.as_deref().unwrap_or_default()
            )),
        }
        if let Some(leftover) = &self.leftover {
            text.push_str(&format!("warning: {leftover}\n"));
        }
        let verified = self
            .migrations
            .iter()
            .filter(|migration| migration.rollback == "restored")
            .count();
        if self.clean {
            text.push_str(&format!(
                "clean: every rollback restores the schema ({verified} of {})\n",
                self.migrations.len()
            ));
        } else {
            let bad: Vec<&str> = self
                .migrations
                .iter()
                .filter(|migration| migration.rollback != "restored")
                .map(|migration| migration.id.as_str())
                .collect();
            text.push_str(&format!(
                "not clean: {verified} of {} rollbacks restore the schema; see {}\n",
                self.migrations.len(),
                if bad.is_empty() {
                    "applying again".to_string()
                } else {
                    bad.join(", ")
                }
            ));
        }
        text
    }
}

//! `plan trace`: runs what apply would run on a throwaway cluster, statement by statement, and
//! prints for each statement the locks it took, the relations it rewrote, what ordinary
//! traffic those locks block, and how long it ran (docs/trace.md). Exit 0 when every
//! migration ran on the copy, 1 when one failed there (named with file:line), 2 on invalid
//! input.
//!
//! Without a database (no `--database-url`, `DATABASE_URL` or `PG*` variable naming a server
//! or database) the copy starts empty and every migration of the plan (or the `--to` closure)
//! is traced; with one, the copy holds that database's schema and ledger, and only the
//! migrations pending there are traced. Nothing is run on that database.

use std::io::Write;

use clap::Args;
use serde::Serialize;

use super::Failure;
use super::args::resolve_target;
use super::progress_bar::RunProgress;
use super::{Format, Global};
use crate::ops::{self, TraceOptions, TraceProgress, TraceReport};
use crate::project::TransactionMode;

/// Arguments of `plan trace`.
#[derive(Debug, Args)]
pub(crate) struct TraceArgs {
    /// Trace only this migration and what it depends on.
    #[arg(long, value_name = "ID")]
    to: Option<String>,
}

/// Runs `plan trace`.
pub(crate) fn run(
    args: TraceArgs,
    global: &Global,
    handlers: &crate::engine::Handlers,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let loaded = global.load()?;
    let project = loaded.project();
    let env = global.checked_env(project)?;
    let target = resolve_target(project, args.to.as_deref())?;
    let source = if global.names_a_database() {
        Some(global.settings("trace")?)
    } else {
        None
    };
    let options = TraceOptions {
        target,
        environment: env.map(str::to_string),
        source,
    };
    let mut bar = RunProgress::for_run(global);
    let mut total = 0;
    let mut done = 0;
    let report = ops::trace(
        &loaded,
        &options,
        handlers,
        &mut |progress| match progress {
            TraceProgress::Ready { migrations } => {
                total = migrations;
                bar.set_length(migrations);
                bar.line(
                    err,
                    &format!("tracing {migrations} migration(s) on a throwaway cluster"),
                );
            }
            TraceProgress::Tracing { id } => {
                bar.start(
                    err,
                    &format!("[{}/{total}]", done + 1),
                    &format!("tracing {id}"),
                );
            }
            TraceProgress::Traced { id } => {
                done += 1;
                bar.finish_one(err, &format!("[{done}/{total}] {id} traced"));
            }
        },
    );
    bar.finish(err);
    let shown = ShownTrace::new(&report?);
    let _ = match global.format {
        Format::Json => serde_json::to_writer_pretty(&mut *out, &shown)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out)),
        _ => out.write_all(shown.to_text().as_bytes()),
    };
    Ok(())
}

/// The report as shown, text or JSON (`format` 1, docs/json.md).
#[derive(Debug, Serialize)]
struct ShownTrace {
    format: u32,
    /// `empty` (every migration traced from an empty database) or `database` (the schema and
    /// ledger of the database named, only its pending migrations traced).
    schema_from: &'static str,
    migrations: Vec<ShownMigration>,
}

#[derive(Debug, Serialize)]
struct ShownMigration {
    id: String,
    /// `true` when its file runs in one transaction, as the locks are then held until its end.
    transaction: bool,
    /// The strongest of its statements' `blocks`.
    blocks: &'static str,
    statements: Vec<ShownStatement>,
}

#[derive(Debug, Serialize)]
struct ShownStatement {
    file: String,
    line: usize,
    locks: Vec<ShownLock>,
    rewrites: Vec<String>,
    /// `none`, `writes` or `reads_and_writes`.
    blocks: &'static str,
    ms: u128,
    /// `false` for a statement run outside a transaction that never waited for writers, whose
    /// locks ended with it unseen.
    observed: bool,
}

#[derive(Debug, Serialize)]
struct ShownLock {
    relation: String,
    mode: &'static str,
}

impl ShownTrace {
    fn new(report: &TraceReport) -> Self {
        ShownTrace {
            format: 1,
            schema_from: if report.source.is_some() {
                "database"
            } else {
                "empty"
            },
            migrations: report
                .migrations
                .iter()
                .map(|migration| ShownMigration {
                    id: migration.id.to_string(),
                    transaction: migration.transaction == TransactionMode::Wrapped,
                    blocks: migration.blocks().as_str(),
                    statements: migration
                        .statements
                        .iter()
                        .map(|statement| ShownStatement {
                            file: statement.file.clone(),
                            line: statement.line,
                            locks: statement
                                .locks
                                .iter()
                                .map(|(relation, mode)| ShownLock {
                                    relation: relation.clone(),
                                    mode: mode.as_str(),
                                })
                                .collect(),
                            rewrites: statement.rewrites.clone(),
                            blocks: statement.blocks.as_str(),
                            ms: statement.took.as_millis(),
                            observed: statement.observed,
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    fn to_text(&self) -> String {
        let mut text = match self.schema_from {
            "database" => format!(
                "traced {} pending migration(s) on a throwaway copy of the database's schema (no rows)\n",
                self.migrations.len()
            ),
            _ => format!(
                "traced {} migration(s) on a throwaway cluster, from an empty database\n",
                self.migrations.len()
            ),
        };
        for migration in &self.migrations {
            text.push_str(&format!(
                "{}  {}\n",
                migration.id,
                match (migration.transaction, migration.blocks) {
                    (true, "reads_and_writes") => "blocks reads and writes until it commits",
                    (true, "writes") => "blocks writes until it commits",
                    (true, _) => "blocks nothing",
                    (false, _) => "no transaction: each statement commits on its own",
                }
            ));
            if migration.statements.is_empty() {
                text.push_str("  no statements\n");
            }
            for statement in &migration.statements {
                let blocks = match statement.blocks {
                    "reads_and_writes" => "blocks reads and writes",
                    "writes" => "blocks writes",
                    _ => "blocks nothing",
                };
                let blocks = if statement.observed {
                    blocks
                } else {
                    "locks not observed (ran outside a transaction without waiting)"
                };
                text.push_str(&format!(
                    "  {}:{}  {blocks}  {} ms\n",
                    statement.file, statement.line, statement.ms
                ));
                for lock in &statement.locks {
                    text.push_str(&format!("      {} on {}\n", lock.mode, lock.relation));
                }
                for relation in &statement.rewrites {
                    text.push_str(&format!("      rewrites {relation}\n"));
                }
            }
        }
        text
    }
}

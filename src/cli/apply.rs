//! `plan apply`: applies the pending migrations (of `--to ID` and its dependencies, or all) in
//! plan order, each in one transaction with its ledger row. `--dry-run` shows what would run;
//! `--scratch` applies to a throwaway local cluster and shows the status, with nothing set up.
//!
//! Progress goes to stderr, line by line; the summary goes to stdout.

use std::io::Write;
use std::time::{Duration, Instant};

use clap::Args;

use super::Failure;
use super::args::{ConnectArgs, ProjectArgs, check_environment, confirm, resolve_migration};
use super::status::{StatusFormat, write_status};
use crate::apply::{
    self, Action, ApplyError, ApplyOptions, Plan, PlanError, Progress, RunMode, script,
};
use crate::db::{ClusterOptions, ConnectionSettings, ScratchCluster};
use crate::project::{Migration, Project, SqlSource, StepKind};

/// Arguments of `plan apply`.
#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    #[command(flatten)]
    project: ProjectArgs,
    #[command(flatten)]
    connect: ConnectArgs,
    /// Apply only this migration and what it depends on (ID, file name or unique version).
    #[arg(long, value_name = "ID")]
    to: Option<String>,
    /// Show what would run, with its SQL, and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// The environment: migrations limited to other environments are skipped.
    #[arg(long, value_name = "NAME")]
    env: Option<String>,
    /// Apply to a throwaway PostgreSQL cluster started from the server binaries on this machine
    /// (PG_BINDIR, pg_config --bindir, /usr/lib/postgresql/*/bin), then show its status.
    #[arg(long, conflicts_with = "database_url")]
    scratch: bool,
    /// Give up waiting for another run's lock after this many seconds (default: wait).
    #[arg(long, value_name = "SECONDS")]
    lock_wait: Option<u64>,
    /// Confirm without asking, for environments that require confirmation.
    #[arg(long)]
    yes: bool,
}

/// Runs `plan apply`.
pub(crate) fn run(
    args: ApplyArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let (project, graph) = args.project.load()?;
    check_environment(&project, args.env.as_deref())?;
    let target = args
        .to
        .as_deref()
        .map(|written| resolve_migration(&project, written))
        .transpose()?;
    let options = ApplyOptions {
        target,
        environment: args.env.clone(),
        mode: if args.dry_run {
            RunMode::DryRun
        } else {
            RunMode::Execute
        },
        lock_wait: args.lock_wait.map(Duration::from_secs),
    };
    if let Some(environment) = args
        .env
        .as_deref()
        .and_then(|name| project.manifest().environments().get(name))
    {
        if environment.backup == crate::project::BackupPolicy::Required
            && !args.dry_run
            && !args.scratch
        {
            return Err(Failure::failed(
                super::args::ArgumentProblem::BackupUnsupported {
                    environment: args.env.clone().unwrap_or_default(),
                },
            ));
        }
        if environment.confirm && !args.dry_run && !args.scratch {
            confirm(
                &format!(
                    "apply to {} in environment {}",
                    args.connect.settings("apply")?,
                    args.env.as_deref().unwrap_or_default()
                ),
                args.yes,
                err,
            )?;
        }
    }
    if args.scratch {
        let started = Instant::now();
        let cluster =
            ScratchCluster::start(&ClusterOptions::socket_only()).map_err(Failure::failed)?;
        let settings = cluster
            .create_database("plan_scratch")
            .map_err(Failure::failed)?;
        let _ = writeln!(
            err,
            "started a throwaway PostgreSQL cluster in {} ({} ms); it is removed when plan exits",
            cluster.directory().display(),
            started.elapsed().as_millis()
        );
        apply_to(&project, &graph, &settings, &options, out, err)?;
        let _ = writeln!(out);
        return write_status(
            &project,
            &graph,
            &settings,
            args.env.as_deref(),
            StatusFormat::Text,
            out,
        );
    }
    let settings = args.connect.settings("apply")?;
    apply_to(&project, &graph, &settings, &options, out, err)
}

fn apply_to(
    project: &Project,
    graph: &crate::graph::Graph,
    settings: &ConnectionSettings,
    options: &ApplyOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let started = Instant::now();
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut printer = ProgressPrinter {
        err,
        out,
        project,
        terminal,
        total: 0,
        done: 0,
        last_batch_line: None,
        dry_run: options.mode == RunMode::DryRun,
        target: settings.to_string(),
    };
    let result = apply::apply(project, graph, settings, options, &mut |progress| {
        printer.show(progress);
    });
    match result {
        Ok(report) => {
            let summary = match (options.mode, report.applied.len(), report.batch) {
                (RunMode::DryRun, _, _) => "dry run: nothing was changed".to_string(),
                (_, 0, _) => "nothing to apply: the database is up to date".to_string(),
                (_, count, batch) => format!(
                    "applied {count} migration{} in batch {} ({} ms)",
                    if count == 1 { "" } else { "s" },
                    batch.unwrap_or_default(),
                    started.elapsed().as_millis()
                ),
            };
            let skipped = if report.skipped.is_empty() {
                String::new()
            } else {
                format!("; skipped {}", report.skipped.len())
            };
            let _ = writeln!(printer.out, "{summary}{skipped}");
            Ok(())
        }
        Err(ApplyError::Plan(problem @ PlanError::UnsupportedStep { .. })) => {
            Err(Failure::failed(problem))
        }
        Err(error) => Err(Failure::failed(error)),
    }
}

/// Writes progress lines as an apply goes.
struct ProgressPrinter<'a> {
    err: &'a mut dyn Write,
    out: &'a mut dyn Write,
    project: &'a Project,
    terminal: bool,
    total: usize,
    done: usize,
    last_batch_line: Option<Instant>,
    dry_run: bool,
    target: String,
}

impl ProgressPrinter<'_> {
    fn show(&mut self, progress: Progress<'_>) {
        match progress {
            Progress::WaitingForLock { holder, waited } => {
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
                    write_dry_run(self.out, self.project, plan, batch, &self.target);
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

/// The dry run: every migration that would run, in order, with its SQL.
fn write_dry_run(
    out: &mut dyn Write,
    project: &Project,
    plan: &Plan<'_>,
    batch: i32,
    target: &str,
) {
    let mut text = format!("dry run against {target}: batch {batch} would run\n");
    if !plan.has_work() {
        text.push_str("nothing: the database is up to date\n");
    }
    for step in plan.steps() {
        let migration = step.migration;
        match &step.action {
            Action::Skip { only } => {
                text.push_str(&format!(
                    "\n-- {}: skipped, runs only in {}\n",
                    migration.id(),
                    only.join(", ")
                ));
            }
            Action::Apply => write_migration_sql(&mut text, migration, 0),
            Action::Resume { next_statement } => {
                write_migration_sql(&mut text, migration, *next_statement)
            }
        }
    }
    let _ = project;
    let _ = out.write_all(text.as_bytes());
}

fn write_migration_sql(text: &mut String, migration: &Migration, from: usize) {
    let Ok(script) = script::prepare(migration) else {
        return;
    };
    let how = match script.transaction {
        crate::project::Transaction::Wrapped => {
            "in one transaction with its ledger row".to_string()
        }
        crate::project::Transaction::Outside if from > 0 => format!(
            "outside a transaction, resuming at statement {} of {}",
            from + 1,
            script.statements.len()
        ),
        crate::project::Transaction::Outside => {
            "outside a transaction, statement by statement".to_string()
        }
    };
    text.push_str(&format!(
        "\n-- {} ({}), {how}\n",
        migration.id(),
        migration.file().name()
    ));
    for statement in script.statements.iter().skip(from) {
        text.push_str(&statement.text);
        text.push('\n');
    }
    for (index, step) in migration.steps().iter().enumerate() {
        text.push_str(&format!("-- step {}: {}\n", index + 1, step.kind.name()));
        match &step.kind {
            StepKind::Sql { source } => {
                if let SqlSource::File { path, .. } = source {
                    text.push_str(&format!("-- from {}\n", path.display()));
                }
                text.push_str(source.text().trim_end());
                text.push('\n');
            }
            StepKind::Batch { sql, .. } => {
                text.push_str("-- repeated until it affects no rows:\n");
                text.push_str(sql.trim_end());
                text.push('\n');
            }
            StepKind::Assert { query, message } => {
                if let Some(message) = message {
                    text.push_str(&format!("-- must return true: {message}\n"));
                }
                text.push_str(query.trim_end());
                text.push('\n');
            }
            StepKind::Command { argv, .. } => {
                text.push_str(&format!("-- runs: {}\n", argv.join(" ")));
            }
            StepKind::Handler { name } => {
                text.push_str(&format!("-- runs handler {name}\n"));
            }
        }
    }
}

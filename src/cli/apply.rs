//! `plan apply`: applies the pending migrations (of `--to ID` and its dependencies, or all) in
//! plan order, each in one transaction with its ledger row. `--dry-run` shows what would run;
//! `--scratch` applies to a throwaway local cluster and shows the status, with nothing set up.
//!
//! Progress goes to stderr, line by line; the summary goes to stdout.
//!
//! Before the first statement of a real apply, in this order: an environment with
//! `confirm: true` refuses at once when there is no terminal to ask and no `--yes`; the ledger
//! is read for the environments the database was migrated in (`engine::safeguards`, which decides:
//! without `--env` the recorded one is used, with its safeguards; another `--env` is refused
//! unless `--yes`); the plan is
//! read (a dry run, without the lock); if it has work, pg_dump and pg_restore are checked and the
//! backup file reserved (`--backup-dir`, which `backup: required` makes mandatory); the plan
//! and the backup file are shown and confirmed; the backup is taken, verified, recorded in the
//! history, and its restore command printed. Only then does `apply` take the lock and run.
//! Confirming before dumping keeps the time between the backup and the first statement short:
//! whatever is written in between is not in the backup.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Args;

use super::Failure;
use super::args::{
    ConnectArgs, ProjectArgs, can_confirm, check_environment, confirm, environment_guard,
    environment_phrase, require_backup_dir, resolve_migration,
};
use super::status::{StatusFormat, write_status};
use crate::db::{ClusterOptions, ConnectionSettings, PendingBackup, ScratchCluster};
use crate::engine::safeguards::{EnvironmentGuard, Safeguards};
use crate::engine::{self, Action, ApplyError, ApplyOptions, Execution, Plan, PlanError, Progress};
use crate::load::Loaded;
use crate::project::{Migration, Project, SqlSource, StepKind};
use crate::sql::script::Script;

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
    /// Before the first statement, take a verified backup into this folder (pg_dump
    /// --format=custom, checked with pg_restore --list; file mode 0600, named after the
    /// database, UTC time and target). Required by an environment with `backup: required`;
    /// asks for a backup in any other. The file holds every row: keep the folder out of the
    /// repository.
    #[arg(long, value_name = "DIR", conflicts_with = "scratch")]
    backup_dir: Option<PathBuf>,
    /// Apply although applied migrations' files are missing from the project.
    #[arg(long)]
    allow_missing: bool,
    /// In a numbered sequence, apply pending migrations that sort before applied ones.
    #[arg(long)]
    allow_out_of_order: bool,
}

/// Runs `plan apply`.
pub(crate) fn run(
    args: ApplyArgs,
    handlers: &engine::Handlers,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let loaded = args.project.load()?;
    let project = loaded.project();
    check_environment(project, args.env.as_deref())?;
    let target = args
        .to
        .as_deref()
        .map(|written| resolve_migration(project, written))
        .transpose()?;
    if args.scratch {
        let started = Instant::now();
        let cluster = ScratchCluster::start(&ClusterOptions::socket_only())?;
        let settings = cluster.create_database("plan_scratch")?;
        let _ = writeln!(
            err,
            "started a throwaway PostgreSQL cluster in {} ({} ms); it is removed when plan exits",
            cluster.directory().display(),
            started.elapsed().as_millis()
        );
        let options = apply_options(&args, target, args.env.clone());
        apply_to(&loaded, &settings, &options, handlers, out, err)?;
        let _ = writeln!(out);
        return write_status(
            &loaded,
            &settings,
            args.env.as_deref(),
            StatusFormat::Text,
            out,
        );
    }
    let settings = args.connect.settings("apply")?;
    // What --env alone requires is refused before connecting; the ledger, read next, may add
    // the safeguards of the environment the database was migrated in.
    if !args.dry_run {
        let given = EnvironmentGuard::resolve(project, args.env.as_deref(), &[]);
        let owed = require_backup_dir(&given, args.backup_dir.as_deref(), "apply")?;
        if owed.confirmation_required_by().is_some() {
            can_confirm(&apply_question(&settings, &given), args.yes)?;
        }
    }
    let guard = environment_guard(project, &settings, args.env.as_deref(), err)?;
    let options = apply_options(&args, target, guard.environment().map(str::to_string));
    if args.dry_run {
        apply_to(&loaded, &settings, &options, handlers, out, err)?;
        if let Err(mismatch) = guard.check(false) {
            let _ = writeln!(out, "a real run is refused without --yes: {mismatch}");
        }
        match (&args.backup_dir, guard.backup_required_by()) {
            (Some(directory), _) => {
                let _ = writeln!(
                    out,
                    "a real run takes a verified backup into {} before its first statement",
                    directory.display()
                );
            }
            (None, Some(environment)) => {
                let _ = writeln!(
                    out,
                    "a real run needs --backup-dir DIR: environment {environment} requires a verified backup before its first statement"
                );
            }
            (None, None) => {}
        }
        return Ok(());
    }
    guard.check(args.yes)?;
    let owed = require_backup_dir(&guard, args.backup_dir.as_deref(), "apply")?;
    let asked = Asked {
        question: owed
            .confirmation_required_by()
            .map(|_| apply_question(&settings, &guard)),
        yes: args.yes,
    };
    let run = ApplyRun {
        loaded: &loaded,
        settings: &settings,
        options: &options,
        handlers,
    };
    before_first_statement(&run, &owed, &asked, out, err)?;
    apply_to(&loaded, &settings, &options, handlers, out, err)
}

/// The library's options for this apply, in `environment`.
fn apply_options(
    args: &ApplyArgs,
    target: Option<crate::project::MigrationId>,
    environment: Option<String>,
) -> ApplyOptions {
    ApplyOptions {
        target,
        environment,
        mode: if args.dry_run {
            Execution::DryRun
        } else {
            Execution::Live
        },
        lock_wait: args.lock_wait.map(Duration::from_secs),
        allow: engine::Allow {
            missing: args.allow_missing,
            out_of_order: args.allow_out_of_order,
        },
    }
}

/// The confirmation question of an apply.
fn apply_question(settings: &ConnectionSettings, guard: &EnvironmentGuard) -> String {
    format!("apply to {settings} {}", environment_phrase(guard))
}

/// The apply about to run.
struct ApplyRun<'a> {
    loaded: &'a Loaded,
    settings: &'a ConnectionSettings,
    options: &'a ApplyOptions,
    handlers: &'a engine::Handlers,
}

/// How the user confirms, when the safeguards ask for it.
struct Asked {
    /// Ask this question (the environment says `confirm: true`).
    question: Option<String>,
    /// `--yes`.
    yes: bool,
}

/// The plan as previewed before confirming: each migration's ID and what happens to it.
struct Preview {
    batch: i32,
    steps: Vec<(String, Action)>,
}

/// Confirmation and backup, as `owed` decides, in the order the top of this file gives.
/// Nothing here changes the database except the history row recording the backup (and the
/// ledger tables, when this is the first apply): no migration runs until it returns.
fn before_first_statement(
    run: &ApplyRun<'_>,
    owed: &Safeguards<'_>,
    asked: &Asked,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let (settings, options) = (run.settings, run.options);
    if !owed.owes_anything() {
        return Ok(());
    }
    if let Some(question) = &asked.question {
        can_confirm(question, asked.yes)?;
    }
    let preview = preview(run)?;
    let has_work = preview
        .steps
        .iter()
        .any(|(_, action)| !matches!(action, Action::Skip { .. }));
    if !owed.due(has_work) {
        // apply says "nothing to apply"; there is nothing to back up against or to confirm.
        return Ok(());
    }
    let pending = owed
        .backup_dir()
        .map(|directory| engine::prepare_backup(settings, directory, options.target.as_ref()))
        .transpose()?;
    if let Some(question) = &asked.question {
        write_preview(err, &preview, settings, pending.as_ref().map(|p| p.path()));
        confirm(question, asked.yes, err)?;
    }
    let Some(pending) = pending else {
        return Ok(());
    };
    take_backup(
        run.loaded.project(),
        settings,
        pending,
        (options.environment.as_deref(), options.lock_wait),
        out,
        err,
    )
}

/// Takes the prepared backup, verifies it, prints it with its restore command, and records it
/// in the ledger history (holding the lock; `lock_wait` bounds the wait) for a run in
/// `environment`. Shared by apply and rollback: the same backup, the same record.
pub(crate) fn take_backup(
    project: &Project,
    settings: &ConnectionSettings,
    pending: PendingBackup,
    (environment, lock_wait): (Option<&str>, Option<Duration>),
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let _ = writeln!(
        err,
        "taking a backup with {} into {} ...",
        pending.pg_dump().display(),
        pending.path().display()
    );
    let taken = engine::backup::take(pending)?;
    let (backup, took) = (&taken.backup, taken.took);
    let _ = writeln!(
        out,
        "backup: {} ({} bytes, {} archive entries, verified with pg_restore --list, {} ms)",
        backup.path.display(),
        backup.bytes,
        backup.entries,
        took.as_millis()
    );
    let _ = writeln!(out, "to restore it: {}", backup.restore_command);
    // Printed now, not with the summary: if the run is killed, the path is still on screen.
    let _ = out.flush();
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
    .map_err(Failure::from)
}

/// The plan as a dry run sees it now, without the lock (the real run reads it again under the
/// lock, and its progress says what it really does).
fn preview(run: &ApplyRun<'_>) -> Result<Preview, Failure> {
    let dry_run = ApplyOptions {
        mode: Execution::DryRun,
        ..run.options.clone()
    };
    let mut preview = Preview {
        batch: 0,
        steps: Vec::new(),
    };
    let mut observe = |progress: Progress<'_>| {
        if let Progress::Planned { plan, batch } = progress {
            preview.batch = batch;
            preview.steps = plan
                .steps()
                .iter()
                .map(|step| (step.migration.id().to_string(), step.action.clone()))
                .collect();
        }
    };
    engine::apply_with_handlers(
        run.loaded,
        run.settings,
        &dry_run,
        run.handlers,
        &mut observe,
    )?;
    Ok(preview)
}

/// What will run, what will be skipped, and the backup file, before the question.
fn write_preview(
    err: &mut dyn Write,
    preview: &Preview,
    settings: &ConnectionSettings,
    backup: Option<&Path>,
) {
    let mut text = format!("apply to {settings}, batch {}:\n", preview.batch);
    let width = preview
        .steps
        .iter()
        .map(|(id, _)| id.len())
        .max()
        .unwrap_or(0);
    for (id, action) in &preview.steps {
        let what = match action {
            Action::Apply => "run   ".to_string(),
            Action::Resume { .. } => "resume".to_string(),
            Action::Skip { .. } => "skip  ".to_string(),
        };
        let note = match action {
            Action::Skip { only } => format!("  (runs only in {})", only.join(", ")),
            Action::Resume { .. } => "  (stopped part-way in an earlier run)".to_string(),
            Action::Apply => String::new(),
        };
        let line = format!("  {what}  {id:width$}{note}");
        text.push_str(line.trim_end());
        text.push('\n');
    }
    match backup {
        Some(path) => text.push_str(&format!(
            "  backup  {} (taken and verified before the first statement)\n",
            path.display()
        )),
        None => text.push_str("  backup  none\n"),
    }
    let _ = err.write_all(text.as_bytes());
}

fn apply_to(
    loaded: &Loaded,
    settings: &ConnectionSettings,
    options: &ApplyOptions,
    handlers: &engine::Handlers,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let started = Instant::now();
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
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
        Ok(report) => {
            let summary = match (options.mode, report.applied.len(), report.batch) {
                (Execution::DryRun, _, _) => "dry run: nothing was changed".to_string(),
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

/// The dry run: every migration that would run, in order, with its SQL.
fn write_dry_run(out: &mut dyn Write, loaded: &Loaded, plan: &Plan<'_>, batch: i32, target: &str) {
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
            Action::Apply => write_migration_sql(&mut text, migration, loaded.script(migration), 0),
            Action::Resume { at, .. } => write_migration_sql(
                &mut text,
                migration,
                loaded.script(migration),
                at.next_statement,
            ),
        }
    }
    let _ = out.write_all(text.as_bytes());
}

fn write_migration_sql(text: &mut String, migration: &Migration, script: &Script, from: usize) {
    let how = match script.transaction {
        crate::project::TransactionMode::Wrapped => {
            "in one transaction with its ledger row".to_string()
        }
        crate::project::TransactionMode::Outside if from > 0 => format!(
            "outside a transaction, resuming at statement {} of {}",
            from + 1,
            script.statements.len()
        ),
        crate::project::TransactionMode::Outside => {
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

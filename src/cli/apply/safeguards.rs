//! What a real `plan apply` does before its first statement, in this order: an environment with
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
//!
//! The first two steps are `run`'s (in `mod.rs`); this file holds the rest up to the backup,
//! which `backup.rs` takes.

use std::io::Write;
use std::path::Path;

use super::backup::{ShownBackup, take_backup};
use crate::cli::args::{can_confirm, confirm};
use crate::cli::{Failure, Format};
use crate::db::ConnectionSettings;
use crate::engine::safeguards::Safeguards;
use crate::engine::{self, Action, ApplyOptions, Execution, Progress};
use crate::load::Loaded;

/// The apply about to run.
pub(super) struct ApplyRun<'a> {
    pub(super) loaded: &'a Loaded,
    pub(super) settings: &'a ConnectionSettings,
    pub(super) options: &'a ApplyOptions,
    pub(super) handlers: &'a engine::Handlers,
    /// The output format: in JSON the backup's lines go to stderr.
    pub(super) format: Format,
}

/// How the user confirms, when the safeguards ask for it.
pub(super) struct Asked {
    /// Ask this question (the environment says `confirm: true`).
    pub(super) question: Option<String>,
    /// `--yes`.
    pub(super) yes: bool,
}

/// The plan as previewed before confirming: each migration's ID and what happens to it.
struct Preview {
    batch: i32,
    steps: Vec<(String, Action)>,
}

/// Confirmation and backup, as `owed` decides, in the order the top of this file gives.
/// Nothing here changes the database except the history row recording the backup (and the
/// ledger tables, when this is the first apply): no migration runs until it returns. Returns
/// the backup taken, if any.
pub(super) fn before_first_statement(
    run: &ApplyRun<'_>,
    owed: &Safeguards<'_>,
    asked: &Asked,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Option<ShownBackup>, Failure> {
    let (settings, options) = (run.settings, run.options);
    if !owed.owes_anything() {
        return Ok(None);
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
        return Ok(None);
    }
    let pending = owed
        .backup_dir()
        .map(|directory| engine::prepare_backup(settings, directory, options.target.as_ref()))
        .transpose()?;
    if let Some(question) = &asked.question {
        let backup = pending.as_ref().map(|p| p.path());
        confirm(
            question,
            asked.yes,
            |stream| write_preview(stream, &preview, settings, backup),
            err,
        )?;
    }
    let Some(pending) = pending else {
        return Ok(None);
    };
    take_backup(
        run.loaded.project(),
        settings,
        pending,
        (options.environment.as_deref(), options.lock_wait),
        run.format,
        out,
        err,
    )
    .map(Some)
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

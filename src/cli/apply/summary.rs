//! What `plan apply` says when it is done: the summary line in text, the report object in JSON
//! ([`ShownApply`], docs/json.md#plan-apply). The object is built here from the engine's report
//! and returned to `run` (`mod.rs`), which adds what only it knows (the backup taken before the
//! apply, the scratch cluster) before printing it; the dry run builds its own (`dry_run.rs`),
//! from the plan.

use std::io::Write;
use std::time::Instant;

use serde::Serialize;

use super::backup::ShownBackup;
use crate::cli::status::ShownStatus;
use crate::db::ConnectionSettings;
use crate::engine::outcome::Report;
use crate::engine::{ApplyOptions, Execution};
use crate::load::Loaded;

/// The report of `plan apply --format json`: one object, `format` 1.
#[derive(Debug, Serialize)]
pub(super) struct ShownApply {
    format: u32,
    /// The database, as a URL without the password.
    database: String,
    /// The environment the run was in (`--env`, or the one the ledger records).
    environment: Option<String>,
    dry_run: bool,
    /// The batch recorded (`null` when nothing ran); in a dry run, the batch a real run records.
    batch: Option<i32>,
    /// In plan order.
    migrations: Vec<ShownMigration>,
    applied: usize,
    skipped: usize,
    /// Dry run: how many would run.
    would_apply: usize,
    /// The backup taken before the first statement.
    pub(super) backup: Option<ShownBackup>,
    duration_ms: u64,
    /// Dry run only: what a real run would need.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) real_run: Option<RealRun>,
    /// `--scratch` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) scratch: Option<ShownScratch>,
}

/// One migration of the report.
#[derive(Debug, Serialize)]
pub(super) struct ShownMigration {
    pub(super) id: String,
    /// `applied`, `skipped`, `would_apply` or `would_resume`.
    pub(super) outcome: String,
    /// `applied`: how long it took.
    pub(super) duration_ms: Option<u64>,
    /// `skipped`: the environments it runs in.
    pub(super) runs_only_in: Option<Vec<String>>,
    /// Dry run, `would_apply` / `would_resume`: what would run.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub(super) would_run: Option<WouldRun>,
}

/// What a dry run would run of one migration.
#[derive(Debug, Serialize)]
pub(super) struct WouldRun {
    /// The migration file, relative to the project folder.
    pub(super) file: String,
    /// `wrapped` (one transaction with its ledger row) or `outside`.
    pub(super) transaction: String,
    /// The statement it starts at, from 1 (more than 1 when resuming).
    pub(super) from_statement: usize,
    /// The statements it would send, from `from_statement` on.
    pub(super) sql: Vec<String>,
    /// Its steps, in order.
    pub(super) steps: Vec<ShownStep>,
}

/// A step of plan.yaml, as a dry run shows it.
#[derive(Debug, Serialize)]
pub(super) struct ShownStep {
    /// `sql`, `batch`, `assert`, `command` or `handler`.
    pub(super) kind: String,
    /// The SQL, the query, the command line or the handler's name.
    pub(super) text: String,
}

/// What a real run would need, as a dry run sees it.
#[derive(Debug, Serialize)]
pub(super) struct RealRun {
    /// Why a real run is refused without `--yes`, if it is.
    pub(super) refused_without_yes: Option<String>,
    /// `--backup-dir`: where a real run takes its backup.
    pub(super) backup_dir: Option<String>,
    /// The environment requiring a backup, when a real run needs `--backup-dir` it lacks.
    pub(super) backup_dir_required_by: Option<String>,
}

/// The throwaway cluster of `--scratch`.
#[derive(Debug, Serialize)]
pub(super) struct ShownScratch {
    /// Its folder (removed when plan exits, unless kept).
    pub(super) directory: String,
    /// `--keep`: how to use it and remove it; `null` without.
    pub(super) kept: Option<ShownKept>,
    /// What `plan status --format json` prints for the scratch database.
    pub(super) status: ShownStatus,
}

/// A cluster `--keep` leaves running.
#[derive(Debug, Serialize)]
pub(super) struct ShownKept {
    /// Its DATABASE_URL (it has no password).
    pub(super) database_url: String,
    /// The shell command that stops it and removes its files.
    pub(super) stop_command: String,
}

impl ShownApply {
    /// A report with no migrations yet, for `settings` and `options`.
    pub(super) fn new(settings: &ConnectionSettings, options: &ApplyOptions) -> Self {
        ShownApply {
            format: 1,
            database: settings.to_string(),
            environment: options.environment.clone(),
            dry_run: options.mode == Execution::DryRun,
            batch: None,
            migrations: Vec::new(),
            applied: 0,
            skipped: 0,
            would_apply: 0,
            backup: None,
            duration_ms: 0,
            real_run: None,
            scratch: None,
        }
    }

    /// Adds `migrations` (in plan order) and counts them; `batch` as [`ShownApply::batch`] says.
    pub(super) fn with_migrations(
        mut self,
        migrations: Vec<ShownMigration>,
        batch: Option<i32>,
        started: Instant,
    ) -> Self {
        let count = |outcome: &[&str]| {
            migrations
                .iter()
                .filter(|migration| outcome.contains(&migration.outcome.as_str()))
                .count()
        };
        self.applied = count(&["applied"]);
        self.skipped = count(&["skipped"]);
        self.would_apply = count(&["would_apply", "would_resume"]);
        self.migrations = migrations;
        self.batch = batch;
        self.duration_ms = millis(started);
        self
    }

    /// Writes the object, pretty-printed, ending with a newline.
    pub(super) fn write(&self, out: &mut dyn Write) {
        let _ = serde_json::to_writer_pretty(&mut *out, self)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out));
    }
}

/// Milliseconds since `started`.
pub(super) fn millis(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The report of a finished apply, as `--format json` prints it.
pub(super) fn apply_report(
    report: &Report,
    loaded: &Loaded,
    settings: &ConnectionSettings,
    options: &ApplyOptions,
    started: Instant,
) -> ShownApply {
    ShownApply::new(settings, options).with_migrations(
        shown_migrations(report, loaded),
        report.batch,
        started,
    )
}

/// The summary line a finished apply prints in text.
pub(super) fn write_text_summary(
    out: &mut dyn Write,
    report: &Report,
    options: &ApplyOptions,
    started: Instant,
) {
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
    let _ = writeln!(out, "{summary}{skipped}");
}

/// The report's migrations in plan order: applied with their durations, skipped with where
/// they run.
fn shown_migrations(report: &Report, loaded: &Loaded) -> Vec<ShownMigration> {
    // Looked up by id: a scan of the applied list per migration was quadratic (a tenth of a
    // second of a 10,000-migration apply).
    let applied: std::collections::BTreeMap<_, _> = report
        .applied
        .iter()
        .map(|(done, duration)| (done, duration))
        .collect();
    let skipped: std::collections::BTreeSet<_> = report.skipped.iter().collect();
    loaded
        .graph()
        .order()
        .iter()
        .filter_map(|id| {
            if let Some(duration) = applied.get(id) {
                return Some(ShownMigration {
                    id: id.to_string(),
                    outcome: "applied".to_string(),
                    duration_ms: Some(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)),
                    runs_only_in: None,
                    would_run: None,
                });
            }
            skipped.contains(id).then(|| ShownMigration {
                id: id.to_string(),
                outcome: "skipped".to_string(),
                duration_ms: None,
                runs_only_in: loaded
                    .project()
                    .migration(id)
                    .and_then(|migration| migration.environments())
                    .map(<[String]>::to_vec),
                would_run: None,
            })
        })
        .collect()
}

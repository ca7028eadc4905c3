//! A fleet run: the plan applied to each target with the engine's single-database apply
//! (`engine::apply_while`: one connection, the target's own advisory lock and ledger, so each
//! target resumes on its own), the canary group first and the rest only if every canary ended
//! up to date, at most `parallel` targets at once. After a failure with `on_error: stop` no
//! target is started and those running stop before their next migration; with `continue`
//! every target runs. Progress goes to the caller as [`FleetEvent`]s, from the calling thread.
//!
//! Before a target's apply its own ledger is read for its safeguards (`safeguards`): the
//! environment it records, the confirmation and backup that environment demands. The backup
//! (`--backup-dir`) is the engine's, taken under the target's lock right before its first
//! migration into the target's own folder.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::report::{FailedAt, FleetReport, Outcome, TargetBackup, TargetReport};
use super::safeguards::{Cleared, FleetSafeguards, Held, backup_folders, clear};
use super::targets::FleetTarget;
use super::workers::each_index;
use crate::db::DbError;
use crate::engine::{self, ApplyError, ApplyOptions, Handlers, Progress};
use crate::load::Loaded;
use crate::project::{MigrationId, OnError, Project};

/// How a fleet run goes.
#[derive(Clone, Debug)]
pub(crate) struct FleetOptions {
    /// The fleet's name (or the targets file), for the report.
    pub(crate) name: String,
    /// How many targets, from the first, run before the others.
    pub(crate) canary: usize,
    /// How many targets run at once.
    pub(crate) parallel: usize,
    /// What a failure does to the targets not yet done.
    pub(crate) on_error: OnError,
    /// How each target is applied (each target's own ledger may set its environment).
    pub(crate) apply: ApplyOptions,
    /// `--backup-dir`, `--yes` and the confirmation given before the run.
    pub(crate) safeguards: FleetSafeguards,
}

/// Something that happened on one target, for progress lines.
#[derive(Clone, Debug)]
pub(crate) struct FleetEvent {
    /// `host:port/db`.
    pub(crate) target: String,
    /// What happened.
    pub(crate) what: Happened,
}

/// What happened on a target.
#[derive(Clone, Debug)]
pub(crate) enum Happened {
    /// Its run started.
    Started,
    /// Another run holds its lock.
    WaitingForLock,
    /// What a run on one database says of the lock it took: a pooler found between plan and
    /// the server (so the table lock and no named prepared statements), an expired table lock
    /// taken over.
    LockNote(String),
    /// Its backup is being taken into this file, before its first migration.
    BackingUp(PathBuf),
    /// Its backup is taken and verified.
    BackedUp(PathBuf, Duration),
    /// A migration started.
    Applying(String),
    /// A migration was applied.
    Applied(String, Duration),
    /// Its run ended.
    Ended(Outcome),
}

/// Applies `loaded` to every target of `targets` as `options` says, reporting each event to
/// `observe`, and returns what happened to each.
pub(crate) fn apply_fleet(
    loaded: &Loaded,
    targets: &[FleetTarget],
    options: &FleetOptions,
    handlers: &Handlers,
    observe: &mut dyn FnMut(&FleetEvent),
) -> FleetReport {
    let canary = options.canary.min(targets.len());
    let results: Mutex<Vec<Option<TargetReport>>> = Mutex::new(vec![None; targets.len()]);
    let halted = AtomicBool::new(false);
    let canary_failed = AtomicBool::new(false);
    let (sender, receiver) = mpsc::channel::<FleetEvent>();
    let names: Vec<&str> = targets.iter().map(|target| target.name.as_str()).collect();
    let folders: Vec<Option<PathBuf>> = match &options.safeguards.backup_dir {
        Some(directory) => backup_folders(&names)
            .into_iter()
            .map(|folder| Some(directory.join(folder)))
            .collect(),
        None => vec![None; targets.len()],
    };
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let sender = sender;
            let one = |index: usize| {
                let target = &targets[index];
                let report = apply_one(
                    loaded,
                    Place {
                        target,
                        canary: index < canary,
                        backup_folder: folders[index].as_deref(),
                    },
                    options,
                    handlers,
                    &halted,
                    &sender,
                );
                if !report.outcome.is_up_to_date() {
                    if index < canary {
                        canary_failed.store(true, Ordering::SeqCst);
                    }
                    if options.on_error == OnError::Stop {
                        halted.store(true, Ordering::SeqCst);
                    }
                }
                // Said once the others are told to stop: whoever reads `ended: failed` knows
                // no target starts another migration after it.
                let _ = sender.send(FleetEvent {
                    target: target.name.clone(),
                    what: Happened::Ended(report.outcome),
                });
                if let Ok(mut results) = results.lock() {
                    results[index] = Some(report);
                }
            };
            let stopped = || halted.load(Ordering::SeqCst);
            each_index(0..canary, options.parallel, &stopped, &one);
            if !canary_failed.load(Ordering::SeqCst) {
                each_index(canary..targets.len(), options.parallel, &stopped, &one);
            }
        });
        // The workers' sender is dropped when they are done, which ends this loop.
        for event in &receiver {
            observe(&event);
        }
    });
    let canary_failed = canary_failed.load(Ordering::SeqCst);
    let results = results.into_inner().unwrap_or_default();
    FleetReport {
        fleet: options.name.clone(),
        targets: targets
            .iter()
            .zip(results)
            .enumerate()
            .map(|(index, (target, result))| {
                result.unwrap_or_else(|| {
                    let outcome = if canary_failed && index >= canary {
                        Outcome::SkippedAfterCanaryFailure
                    } else {
                        Outcome::NotReached
                    };
                    TargetReport::not_started(&target.name, index < canary, outcome)
                })
            })
            .collect(),
    }
}

/// One target of the run and where it stands in it.
struct Place<'a> {
    target: &'a FleetTarget,
    /// Whether it is in the canary group.
    canary: bool,
    /// Its own folder in `--backup-dir`.
    backup_folder: Option<&'a Path>,
}

/// Applies the plan to one target, its safeguards checked first, stopping before its next
/// migration once `halted`.
fn apply_one(
    loaded: &Loaded,
    place: Place<'_>,
    options: &FleetOptions,
    handlers: &Handlers,
    halted: &AtomicBool,
    sender: &mpsc::Sender<FleetEvent>,
) -> TargetReport {
    let Place {
        target,
        canary,
        backup_folder,
    } = place;
    let send = |what: Happened| {
        let _ = sender.send(FleetEvent {
            target: target.name.clone(),
            what,
        });
    };
    send(Happened::Started);
    if let Some(error) = &target.unreachable {
        let mut report = TargetReport::not_started(&target.name, canary, Outcome::Unreachable);
        report.error = Some(error.clone());
        return report;
    }
    let started = Instant::now();
    let database = target.plan_target(loaded.project());
    let mut report = TargetReport::not_started(&target.name, canary, Outcome::UpToDate);
    let cleared = clear(
        loaded,
        &database,
        &target.name,
        &options.apply,
        &options.safeguards,
        backup_folder,
    );
    let apply_options = match cleared {
        Ok(Cleared::Apply(apply_options)) => apply_options,
        Ok(Cleared::UpToDate) => {
            report.elapsed = started.elapsed();
            return report;
        }
        Err(Held::Db(DbError::Connect { detail, .. })) => {
            report.elapsed = started.elapsed();
            report.outcome = Outcome::Unreachable;
            report.error = Some(detail);
            return report;
        }
        Err(held) => {
            report.elapsed = started.elapsed();
            report.outcome = Outcome::Failed;
            report.failed = Some(FailedAt::of(&held, held.to_string()));
            return report;
        }
    };
    let mut waiting_said = false;
    // What was applied, whatever the run's end: a failure carries it only as sentences.
    let mut applied = Vec::new();
    let mut backup = None;
    let mut observe = |progress: Progress<'_>| match progress {
        Progress::WaitingForLock { .. } if !waiting_said => {
            waiting_said = true;
            send(Happened::WaitingForLock);
        }
        Progress::LockNote { text } => send(Happened::LockNote(text.to_string())),
        Progress::BackingUp { file, .. } => send(Happened::BackingUp(file.to_path_buf())),
        Progress::BackedUp {
            backup: taken,
            took,
        } => {
            backup = Some(TargetBackup::of(taken, took));
            send(Happened::BackedUp(taken.path.clone(), took));
        }
        Progress::Starting { id } => send(Happened::Applying(id.to_string())),
        Progress::Applied { id, duration } => {
            applied.push(id.to_string());
            send(Happened::Applied(id.to_string(), duration));
        }
        _ => {}
    };
    let go_on = || !halted.load(Ordering::SeqCst);
    let result = engine::apply_while(
        loaded,
        (database, None),
        &target.settings,
        &apply_options,
        handlers,
        &mut observe,
        Some(&go_on),
    );
    report.elapsed = started.elapsed();
    report.applied = applied;
    report.backup = backup;
    match result {
        Ok((_, stopped_before)) => {
            report.outcome = match (&stopped_before, report.applied.is_empty()) {
                (Some(_), _) => Outcome::Stopped,
                (None, true) => Outcome::UpToDate,
                (None, false) => Outcome::Applied,
            };
            report.stopped_before = stopped_before.map(|id| id.to_string());
        }
        Err(ApplyError::Db(DbError::Connect { detail, .. })) => {
            report.outcome = Outcome::Unreachable;
            report.error = Some(detail);
        }
        // Told to stop while another run held its lock: nothing was done, as `stopped` says.
        Err(ApplyError::Db(DbError::LockWaitStopped { .. })) => {
            report.outcome = Outcome::Stopped;
        }
        Err(error) => {
            report.outcome = Outcome::Failed;
            report.failed = Some(failed_at(&error, loaded.project()));
        }
    }
    report
}

/// Where `error` happened and what it says. A standby that lagged after a migration committed
/// (`plan::apply::replica_lag`) fails at that migration, which stays `committed`.
fn failed_at(error: &ApplyError, project: &Project) -> FailedAt {
    match error {
        ApplyError::Migration(failed) => FailedAt {
            migration: Some(failed.id.clone()),
            file: Some(failed.file.name().to_string()),
            line: failed.span.map(|span| failed.file.line_of(span.offset())),
            committed: false,
            ..FailedAt::of(error, failed.message.clone())
        }
        .with_sqlstate(failed.code.clone()),
        ApplyError::Replicas(behind) => FailedAt {
            file: project
                .migration(&MigrationId::new(&behind.migration))
                .map(|migration| migration.file().name().to_string()),
            migration: Some(behind.migration.clone()),
            committed: true,
            ..FailedAt::of(error, error.to_string())
        },
        ApplyError::Db(db) => FailedAt::of(error, error.to_string())
            .with_sqlstate(db.server_code().map(str::to_string)),
        other => FailedAt::of(other, other.to_string()),
    }
}

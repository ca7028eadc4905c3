//! The fleet side of `plan apply` and `plan status` (docs/fleets.md): `--fleet NAME` or
//! `--targets FILE` chooses the databases, `--parallel`, `--canary` and `--continue-on-error`
//! override plan.yaml. Progress goes to stderr one line per event (no live table, on a terminal
//! or not); the report goes to stdout, as text or as one JSON object. Exit 0 when every target
//! ended up to date, 1 otherwise (`status --fleet` exits 0 unless `--exit-code`).
//!
//! What `--env` alone demands is settled before any target runs: a required backup needs
//! `--backup-dir` (exit 2 without), a confirmation is asked once for the whole fleet. What each
//! target's own ledger demands is the worker's (`ops::fleet::safeguards`).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use miette::Diagnostic;

use super::args::confirm;
use super::fleet_table::FleetTable;
use super::{Failure, Global};
use crate::db::connect::LocalMachine;
use crate::diagnostic::{Classified, ErrorClass};
use crate::engine::safeguards::EnvironmentGuard;
use crate::engine::{ApplyOptions, Handlers};
use crate::load::Loaded;
use crate::ops::fleet::TargetsProblem;
use crate::ops::fleet::{
    FleetEvent, FleetOptions, FleetSafeguards, FleetTarget, Happened, apply_fleet, file_targets,
    fleet_status, fleet_targets,
};
use crate::project::{Fleet, OnError};

/// Which databases: a fleet of plan.yaml or a file. Shared by `apply` and `status`.
#[derive(Debug, Args)]
pub(crate) struct FleetChoice {
    /// Run over every database of plan.yaml's fleet NAME (`fleets:`, docs/fleets.md) instead
    /// of one database.
    #[arg(long, value_name = "NAME", conflicts_with = "targets")]
    pub(crate) fleet: Option<String>,
    /// Run over the databases listed in FILE, one connection string per line (`${VAR}`
    /// expanded; blank lines and # comments skipped).
    #[arg(long, value_name = "FILE")]
    pub(crate) targets: Option<PathBuf>,
    /// With --fleet or --targets: at most N databases at once (default: the fleet's
    /// `parallel`, else 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) parallel: Option<u32>,
}

impl FleetChoice {
    /// Whether a fleet was asked for.
    pub(crate) fn chosen(&self) -> bool {
        self.fleet.is_some() || self.targets.is_some()
    }
}

/// What apply adds for a fleet.
#[derive(Debug, Args)]
pub(crate) struct FleetApplyArgs {
    /// With --fleet or --targets: run the first N databases first, and the rest only if all of
    /// them end up to date (default: the fleet's `canary`, else 0).
    #[arg(long, value_name = "N")]
    pub(crate) canary: Option<usize>,
    /// With --fleet or --targets: after a failure, go on with the other databases (default:
    /// the fleet's `on_error`, else stop).
    #[arg(long)]
    pub(crate) continue_on_error: bool,
}

/// A fleet run or status that left a target not up to date: exit 1 after the report.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{count} of {total} targets did not end up to date")]
#[diagnostic(
    code(plan::fleet::not_up_to_date),
    help(
        "the report above says what happened to each; run the same command again to go on: targets already up to date are only read"
    )
)]
struct FleetNotUpToDate {
    count: usize,
    total: usize,
}

impl Classified for FleetNotUpToDate {
    fn class(&self) -> ErrorClass {
        ErrorClass::Failed
    }
}

/// A fleet option that cannot be used as given.
#[derive(Debug, thiserror::Error, Diagnostic)]
enum FleetUsage {
    /// A fleet option without --fleet or --targets, or with --database-url.
    #[error("{option} {problem}")]
    #[diagnostic(code(plan::fleet::usage), help("{help}"))]
    Misplaced {
        option: &'static str,
        problem: &'static str,
        help: &'static str,
    },
    /// `--env`'s environment requires a backup, and no `--backup-dir` was given.
    #[error(
        "environment {environment} requires a verified backup of each target before apply, and no --backup-dir was given"
    )]
    #[diagnostic(
        code(plan::fleet::backup_required),
        help(
            "add --backup-dir DIR: each target backs up into a folder of its own there, right before its first migration; nothing was done"
        )
    )]
    BackupRequired { environment: String },
}

impl Classified for FleetUsage {
    fn class(&self) -> ErrorClass {
        ErrorClass::InvalidInput
    }
}

/// Refuses fleet-only options given without a fleet, and `--database-url` given with one.
pub(crate) fn check_usage(
    choice: &FleetChoice,
    apply: Option<&FleetApplyArgs>,
    global: &Global,
) -> Result<(), Failure> {
    let misplaced = |option| {
        Failure::from(FleetUsage::Misplaced {
            option,
            problem: "applies only to a fleet",
            help: "add --fleet NAME or --targets FILE",
        })
    };
    if choice.chosen() {
        if global.database_url().is_some() {
            return Err(Failure::from(FleetUsage::Misplaced {
                option: "--database-url",
                problem: "cannot be given with --fleet or --targets",
                help: "list the database in the fleet or the targets file",
            }));
        }
        return Ok(());
    }
    if choice.parallel.is_some() {
        return Err(misplaced("--parallel"));
    }
    match apply {
        Some(apply) if apply.canary.is_some() => Err(misplaced("--canary")),
        Some(apply) if apply.continue_on_error => Err(misplaced("--continue-on-error")),
        _ => Ok(()),
    }
}

/// The fleet's name for the report, its settings when plan.yaml declares it, and its targets.
pub(crate) fn targets_of<'a>(
    choice: &FleetChoice,
    loaded: &'a Loaded,
) -> Result<(String, Option<&'a Fleet>, Vec<FleetTarget>), Failure> {
    if let Some(name) = &choice.fleet {
        let fleets = loaded.project().manifest().fleets();
        let Some(fleet) = fleets.get(name) else {
            let help = if fleets.is_empty() {
                "declare it under `fleets:` in plan.yaml (docs/fleets.md), or list the databases in a file for --targets".to_string()
            } else {
                format!(
                    "plan.yaml's fleets: {}",
                    fleets.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            };
            return Err(Failure::from(TargetsProblem::UnknownFleet {
                name: name.clone(),
                help,
            }));
        };
        let targets = fleet_targets(name, fleet, &LocalMachine, parallel(choice, Some(fleet)))?;
        return Ok((name.clone(), Some(fleet), targets));
    }
    let path = choice.targets.clone().unwrap_or_default();
    let targets = file_targets(&path, &LocalMachine)?;
    Ok((path.display().to_string(), None, targets))
}

/// What `plan apply` asks of a fleet run.
pub(crate) struct FleetApply<'a> {
    /// Which databases.
    pub(crate) choice: &'a FleetChoice,
    /// The fleet options given.
    pub(crate) args: &'a FleetApplyArgs,
    /// `--yes`.
    pub(crate) yes: bool,
    /// `--backup-dir`: a folder per target in it.
    pub(crate) backup_dir: Option<PathBuf>,
    /// How each target is applied.
    pub(crate) options: ApplyOptions,
    /// The project.
    pub(crate) loaded: &'a Loaded,
}

/// Runs `plan apply --fleet NAME` / `--targets FILE`.
pub(crate) fn apply(
    asked: FleetApply<'_>,
    global: &Global,
    handlers: &Handlers,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let FleetApply {
        choice,
        args: fleet_args,
        yes,
        backup_dir,
        options,
        loaded,
    } = asked;
    let (name, fleet, targets) = targets_of(choice, loaded)?;
    let given = EnvironmentGuard::resolve(loaded.project(), options.environment.as_deref(), &[]);
    // What --env alone requires, before any target runs; what each target's ledger records is
    // checked on that target (`ops::fleet::safeguards`).
    let owed = given.safeguards(backup_dir.as_deref()).map_err(|needed| {
        Failure::from(FleetUsage::BackupRequired {
            environment: needed.environment,
        })
    })?;
    let confirmed = match owed.confirmation_required_by() {
        Some(environment) => {
            let question = format!(
                "apply to the {} targets of {name} in environment {environment}",
                targets.len()
            );
            confirm(
                &question,
                yes,
                |stream| write_preview(stream, &targets),
                err,
            )?;
            Some(environment.to_string())
        }
        None => None,
    };
    let options = FleetOptions {
        name,
        canary: fleet_args
            .canary
            .or(fleet.map(|fleet| fleet.canary))
            .unwrap_or(0),
        parallel: parallel(choice, fleet),
        on_error: if fleet_args.continue_on_error {
            OnError::Continue
        } else {
            fleet.map_or(OnError::Stop, |fleet| fleet.on_error)
        },
        apply: options,
        safeguards: FleetSafeguards {
            backup_dir,
            yes,
            confirmed,
        },
    };
    let _ = writeln!(
        err,
        "applying to {} targets of {}: canary {}, {} at once, on error {}",
        targets.len(),
        options.name,
        options.canary,
        options.parallel,
        match options.on_error {
            OnError::Stop => "stop",
            OnError::Continue => "continue",
        }
    );
    // On a terminal a live table of the targets running; else a line per event.
    let mut table = FleetTable::on_terminal(global);
    let report = apply_fleet(
        loaded,
        &targets,
        &options,
        handlers,
        &mut |event| match table.as_mut() {
            Some(table) => table.show(event),
            None => write_event(event, err),
        },
    );
    drop(table);
    if global.json() {
        let _ = writeln!(out, "{}", report.to_json());
    } else {
        let _ = out.write_all(report.to_text().as_bytes());
    }
    if report.all_up_to_date() {
        Ok(())
    } else {
        let count = report
            .targets
            .iter()
            .filter(|target| !target.outcome.is_up_to_date())
            .count();
        Err(Failure::from(FleetNotUpToDate {
            count,
            total: report.targets.len(),
        })
        .after_report())
    }
}

/// Runs `plan status --fleet NAME` / `--targets FILE`.
pub(crate) fn status(
    choice: &FleetChoice,
    exit_code: bool,
    loaded: &Loaded,
    global: &Global,
    environment: Option<&str>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let (name, fleet, targets) = targets_of(choice, loaded)?;
    let status = fleet_status(
        loaded,
        &name,
        &targets,
        environment,
        parallel(choice, fleet),
    );
    if global.json() {
        let _ = writeln!(out, "{}", status.to_json());
    } else {
        let _ = out.write_all(status.to_text().as_bytes());
    }
    if exit_code && !status.all_up_to_date() {
        let count = status
            .targets
            .iter()
            .filter(|target| target.state != "up_to_date")
            .count();
        return Err(Failure::from(FleetNotUpToDate {
            count,
            total: status.targets.len(),
        })
        .after_report());
    }
    Ok(())
}

/// `--parallel`, else the fleet's, else 1.
pub(crate) fn parallel(choice: &FleetChoice, fleet: Option<&Fleet>) -> usize {
    choice
        .parallel
        .and_then(|n| usize::try_from(n).ok())
        .or(fleet.map(|fleet| fleet.parallel))
        .unwrap_or(1)
        .max(1)
}

/// The targets a fleet-wide confirmation is about, before its question.
fn write_preview(stream: &mut dyn Write, targets: &[FleetTarget]) {
    for target in targets {
        let _ = writeln!(stream, "  {}", target.name);
    }
}

/// One progress line on stderr.
fn write_event(event: &FleetEvent, err: &mut dyn Write) {
    let said = match &event.what {
        Happened::Started => "started".to_string(),
        Happened::WaitingForLock => "waiting for another run's lock".to_string(),
        Happened::LockNote(text) => text.clone(),
        Happened::BackingUp(file) => format!("taking a backup into {}", file.display()),
        Happened::BackedUp(file, took) => format!(
            "backup verified: {} ({} ms)",
            file.display(),
            took.as_millis()
        ),
        Happened::Applying(id) => format!("applying {id}"),
        Happened::Applied(id, duration) => {
            format!("applied {id} ({} ms)", duration.as_millis())
        }
        Happened::Ended(outcome) => format!("ended: {}", outcome.name().replace('_', " ")),
    };
    let _ = writeln!(err, "{}: {said}", event.target);
}

//! `plan status`: each migration's state against a database's ledger, as text or JSON. Exits 0
//! whatever the states: it reports, it does not judge; with `--exit-code` (as `dbmate status
//! --exit-code`) it exits 1 when a migration of the environment is not applied as its file says
//! (`State::is_settled` decides), for CI. The JSON shape is in docs/json.md.

use std::fmt::Write as _;
use std::io::Write;

use clap::Args;
use miette::Diagnostic;
use serde::Serialize;

use super::Failure;
use super::{Format, Global};
use crate::db::{ConnectionSettings, LedgerRow, Target};
use crate::diagnostic::{Classified, ErrorClass};
use crate::engine;
use crate::load::{Loaded, cache, load_project_stamped};
use crate::ops::status::{CACHE_KIND, ProjectDigest, status_of_digest};
use crate::ops::{MigrationStatus, State, status};

/// Arguments of `plan status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Exit 1 when any migration is pending, changed (a repeatable one to run again),
    /// modified, partial, interrupted, partially rolled back, blocked, or applied with its
    /// file missing; 0 when every one is applied (or, limited
    /// to other environments, skipped). For CI.
    #[arg(long)]
    exit_code: bool,
    #[command(flatten)]
    fleet: super::fleet::FleetChoice,
}

/// `plan status --exit-code` found migrations that are not applied as their files say.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{count} not applied: {states}")]
#[diagnostic(
    code(plan::cli::not_up_to_date),
    help(
        "--exit-code exits 1 until every migration of the environment is applied; the states above say what each needs (`plan apply` runs the pending ones)"
    )
)]
struct NotUpToDate {
    /// How many migrations are not settled, `1 migration` or `3 migrations`.
    count: String,
    /// How many of each state, `2 pending, 1 modified`.
    states: String,
}

/// The database's state is what the check is for: the operation ran and failed.
impl Classified for NotUpToDate {
    fn class(&self) -> ErrorClass {
        ErrorClass::Failed
    }
}

impl NotUpToDate {
    /// The unsettled migrations of `lines`, if any.
    fn of(lines: &[MigrationStatus]) -> Option<NotUpToDate> {
        // In the order of the summary line above (STATES, then any other, `interrupted`, as it
        // comes), whatever the order of the migrations.
        let mut counts: indexmap::IndexMap<&'static str, usize> =
            STATES.iter().map(|state| (*state, 0)).collect();
        for line in lines.iter().filter(|line| !line.state.is_settled()) {
            *counts.entry(line.state.name()).or_default() += 1;
        }
        counts.retain(|_, count| *count > 0);
        (!counts.is_empty()).then(|| NotUpToDate {
            count: crate::diagnostic::counted(counts.values().sum(), "migration", "migrations"),
            states: counts
                .iter()
                .map(|(state, count)| format!("{count} {}", state.replace('_', " ")))
                .collect::<Vec<_>>()
                .join(", "),
        })
    }
}

/// Runs `plan status`.
pub(crate) fn run(
    args: StatusArgs,
    global: &Global,
    out: &mut dyn Write,
    _err: &mut dyn Write,
) -> Result<(), Failure> {
    let lines = if args.fleet.chosen() {
        let loaded = global.load()?;
        let env = global.checked_env(loaded.project())?;
        super::fleet::check_usage(&args.fleet, None, global)?;
        return super::fleet::status(&args.fleet, args.exit_code, &loaded, global, env, out);
    } else {
        let (shown, lines) = cached_status(global, &args.fleet)?;
        write_shown(&shown, global.format, out);
        // Not freed: the process ends with the command, and freeing every migration and state
        // one by one is work nobody waits for (as in `plan show`).
        std::mem::forget(shown);
        lines
    };
    let outcome = match NotUpToDate::of(&lines) {
        Some(unsettled) if args.exit_code => Err(Failure::from(unsettled).after_report()),
        _ => Ok(()),
    };
    std::mem::forget(lines);
    outcome
}

/// Every migration's state at the database the global options name, from the project cache's
/// digest of the folder when it holds (`load::cache`): over an unchanged folder, each file is
/// looked at, not read. A folder that changed, a ledger row that needs a migration's SQL, an
/// `--env` the digest does not know: the project is loaded, as it always was, and its digest
/// kept for the next run.
fn cached_status(
    global: &Global,
    fleet: &super::fleet::FleetChoice,
) -> Result<(ShownStatus, Vec<MigrationStatus>), Failure> {
    let entry = cache::Entry::of(global.dir(), CACHE_KIND, &[]);
    let opened = entry.as_ref().and_then(cache::Entry::open);
    let digest = opened
        .as_ref()
        .and_then(|opened| ProjectDigest::decode(opened.kept()))
        .filter(|digest| {
            global
                .env()
                .is_none_or(|name| digest.environments.iter().any(|known| known == name))
        });
    // The folder is looked at before any database is: a folder changed since may no longer
    // load, and bad input is reported with the database untouched, not even connected to.
    if let (Some(opened), Some(digest)) = (opened, digest)
        && opened.holds()
    {
        super::fleet::check_usage(fleet, None, global)?;
        let settings = global.settings("status")?;
        let rows = read_ledger(&engine::ledger_target(&settings, &digest.tracking))?;
        let env = global.env();
        // Not freed, here and below: as in `run`.
        std::mem::forget(opened);
        if let Some(lines) = status_of_digest(&digest, &rows, env) {
            let shown = ShownStatus::new(&settings.to_string(), env, &lines);
            std::mem::forget((digest, rows));
            return Ok((shown, lines));
        }
        // A row needs a migration's SQL to be judged: the project after all, with the rows
        // already read (the folder is the one the digest was made from).
        return judged(global.load()?, rows, &settings, global);
    }
    let loaded = match &entry {
        Some(entry) => {
            let (loaded, stamps) = load_project_stamped(global.dir())?;
            entry.write(&stamps, &ProjectDigest::of(&loaded).encode());
            loaded
        }
        None => global.load()?,
    };
    global.checked_env(loaded.project())?;
    super::fleet::check_usage(fleet, None, global)?;
    let settings = global.settings("status")?;
    let rows = read_ledger(&engine::target(loaded.project(), &settings))?;
    judged(loaded, rows, &settings, global)
}

/// Every migration of `loaded` judged against `rows`, read at `settings`. Neither is freed: as
/// in `run`.
fn judged(
    loaded: Loaded,
    rows: Vec<LedgerRow>,
    settings: &ConnectionSettings,
    global: &Global,
) -> Result<(ShownStatus, Vec<MigrationStatus>), Failure> {
    let env = global.checked_env(loaded.project())?;
    let lines = status(&loaded, &rows, env);
    let shown = ShownStatus::new(&settings.to_string(), env, &lines);
    std::mem::forget((loaded, rows));
    Ok((shown, lines))
}

/// The ledger's rows at `database`.
fn read_ledger(database: &Target) -> Result<Vec<LedgerRow>, Failure> {
    let mut session = database.connect()?;
    let rows = database.ledger().read(&mut session)?;
    let _ = session.close();
    Ok(rows)
}

/// Reads the ledger at `settings` and writes every migration's state as text.
pub(crate) fn write_status(
    loaded: &Loaded,
    settings: &ConnectionSettings,
    environment: Option<&str>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    show_status(loaded, settings, environment, Format::Text, out).map(|_| ())
}

/// Reads the ledger at `settings`: every migration's state, as `plan status --format json`
/// prints it (for `apply --scratch` to embed in its own report).
pub(crate) fn status_report(
    loaded: &Loaded,
    settings: &ConnectionSettings,
    environment: Option<&str>,
) -> Result<ShownStatus, Failure> {
    read_status(loaded, settings, environment).map(|(shown, _)| shown)
}

/// The states of the migrations at `settings`, as shown and as derived.
fn read_status(
    loaded: &Loaded,
    settings: &ConnectionSettings,
    environment: Option<&str>,
) -> Result<(ShownStatus, Vec<MigrationStatus>), Failure> {
    let rows = read_ledger(&engine::target(loaded.project(), settings))?;
    let lines = status(loaded, &rows, environment);
    let shown = ShownStatus::new(&settings.to_string(), environment, &lines);
    Ok((shown, lines))
}

/// Writes every migration's state in `format`, returning the report and the states it wrote.
fn show_status(
    loaded: &Loaded,
    settings: &ConnectionSettings,
    environment: Option<&str>,
    format: Format,
    out: &mut dyn Write,
) -> Result<(ShownStatus, Vec<MigrationStatus>), Failure> {
    let (shown, lines) = read_status(loaded, settings, environment)?;
    write_shown(&shown, format, out);
    Ok((shown, lines))
}

/// Writes `shown` in `format`. A closed pipe (`plan status | head`) is not a failure worth
/// reporting.
fn write_shown(shown: &ShownStatus, format: Format, out: &mut dyn Write) {
    let _ = match format {
        Format::Json => serde_json::to_writer_pretty(&mut *out, shown)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out)),
        _ => out.write_all(shown.to_text().as_bytes()),
    };
}

/// The report of `plan status --format json` (docs/json.md#plan-status).
#[derive(Debug, Serialize)]
pub(crate) struct ShownStatus {
    format: u32,
    database: String,
    environment: Option<String>,
    counts: indexmap::IndexMap<&'static str, usize>,
    migrations: Vec<ShownState>,
}

#[derive(Debug, Serialize)]
struct ShownState {
    id: String,
    /// `repeatable` for a repeatable migration; absent for a versioned one, so that the
    /// shape of a project without repeatable migrations is unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    applied_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    batch: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recorded_checksum: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_checksum: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blocked_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_statement: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    statements: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_step: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    steps: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    environments: Option<Vec<String>>,
    detail: String,
}

const STATES: [&str; 8] = [
    "applied",
    "pending",
    "modified",
    "partial",
    "blocked",
    "skipped",
    "file_missing",
    "partially_rolled_back",
];

impl ShownStatus {
    fn new(database: &str, environment: Option<&str>, lines: &[MigrationStatus]) -> Self {
        let mut counts: indexmap::IndexMap<&'static str, usize> =
            STATES.iter().map(|state| (*state, 0)).collect();
        let migrations = lines
            .iter()
            .map(|line| {
                *counts.entry(line.state.name()).or_default() += 1;
                ShownState::new(line)
            })
            .collect();
        ShownStatus {
            format: 1,
            database: database.to_string(),
            environment: environment.map(str::to_string),
            counts,
            migrations,
        }
    }

    fn to_text(&self) -> String {
        let summary: Vec<String> = self
            .counts
            .iter()
            .filter(|(state, count)| **count > 0 || **state == "applied" || **state == "pending")
            .map(|(state, count)| format!("{count} {}", state.replace('_', " ")))
            .collect();
        let mut text = format!("status of {}: {}\n", self.database, summary.join(", "));
        let width = self
            .migrations
            .iter()
            .map(|migration| migration.id.len())
            .max()
            .unwrap_or(0);
        // At least 12 wide, as before `partially rolled back`, so other outputs keep their shape.
        let state_width = self
            .migrations
            .iter()
            .map(|migration| migration.state.len())
            .max()
            .unwrap_or(0)
            .max(12);
        for migration in &self.migrations {
            // Written into `text` directly (`fmt::Write` on a String cannot fail), a state
            // copied only when it has a `_` to replace: one line per migration, thousands.
            let state: std::borrow::Cow<'_, str> = if migration.state.contains('_') {
                migration.state.replace('_', " ").into()
            } else {
                migration.state.into()
            };
            let _ = writeln!(
                text,
                "  {:<width$}  {:<state_width$} {}",
                migration.id, state, migration.detail
            );
        }
        text
    }
}

impl ShownState {
    fn new(line: &MigrationStatus) -> Self {
        let mut shown = ShownState {
            id: line.id.clone(),
            kind: line.repeatable.then_some("repeatable"),
            state: line.state.name(),
            applied_at: None,
            duration_ms: None,
            batch: None,
            recorded_checksum: None,
            current_checksum: None,
            blocked_by: None,
            next_statement: None,
            statements: None,
            next_step: None,
            steps: None,
            environments: None,
            detail: String::new(),
        };
        match &line.state {
            State::Applied {
                at,
                duration_ms,
                batch,
            } => {
                shown.detail = format!("{at}, {duration_ms} ms, batch {batch}");
                shown.applied_at = Some(at.clone());
                shown.duration_ms = Some(*duration_ms);
                shown.batch = Some(*batch);
            }
            State::Pending => {}
            State::Changed {
                recorded,
                current,
                at,
                batch,
            } => {
                shown.detail = format!(
                    "changed since it was applied {at} in batch {batch} (checksum {recorded} → {current}): the next apply runs it again"
                );
                shown.applied_at = Some(at.clone());
                shown.batch = Some(*batch);
                shown.recorded_checksum = Some(recorded.clone());
                shown.current_checksum = Some(current.clone());
            }
            State::Modified { recorded, current } => {
                shown.detail =
                    format!("file changed since it was applied (checksum {recorded} → {current})");
                shown.recorded_checksum = Some(recorded.clone());
                shown.current_checksum = Some(current.clone());
            }
            State::FileMissing { at } => {
                shown.detail = format!("applied {at}, but no file has this ID");
                shown.applied_at = Some(at.clone());
            }
            State::Blocked { by } => {
                shown.detail = format!("depends on {by}, which does not run in this environment");
                shown.blocked_by = Some(by.to_string());
            }
            State::Partial {
                next_statement,
                statements,
            } => {
                shown.detail = format!(
                    "stopped part-way: the next run resumes at statement {next_statement} of {statements}"
                );
                shown.next_statement = Some(*next_statement);
                shown.statements = Some(*statements);
            }
            State::PartialSteps { next_step, steps } => {
                shown.detail = format!(
                    "stopped part-way: its file and {} of its {steps} steps are done; the next run resumes at step {next_step}",
                    next_step - 1
                );
                shown.next_step = Some(*next_step);
                shown.steps = Some(*steps);
            }
            State::Skipped { only } => {
                shown.detail = format!("runs only in {}", only.join(", "));
                shown.environments = Some(only.clone());
            }
            State::Interrupted { detail } => {
                shown.detail = format!(
                    "{detail}; apply refuses it until `plan accept ID --reason \"...\" --resume-at …` says how to go on"
                );
            }
            State::RollingBack {
                next_statement,
                statements,
            } => {
                shown.detail = format!(
                    "its rollback stopped part-way: next statement {next_statement} of {statements}; `plan rollback` resumes there, apply refuses it until then"
                );
                shown.next_statement = Some(*next_statement);
                shown.statements = Some(*statements);
            }
        }
        if line.repeatable {
            // Said in the text too: `changed` and running again are a repeatable's own.
            shown.detail = if shown.detail.is_empty() {
                "repeatable".to_string()
            } else {
                format!("repeatable: {}", shown.detail)
            };
        }
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `--exit-code` says of migrations in `states` (in plan order): `none` when it
    /// exits 0, else its message.
    fn check(states: &[State], expect: &str) {
        let lines: Vec<MigrationStatus> = states
            .iter()
            .enumerate()
            .map(|(index, state)| MigrationStatus {
                id: format!("{index:03}_m"),
                repeatable: false,
                state: state.clone(),
            })
            .collect();
        let said = NotUpToDate::of(&lines).map_or("none".to_string(), |error| error.to_string());
        assert_eq!(said, expect);
    }

    fn applied() -> State {
        State::Applied {
            at: String::new(),
            duration_ms: 0,
            batch: 1,
        }
    }

    #[test]
    fn issue_13_exit_code_counts_every_unsettled_state_in_summary_order() {
        let skipped = State::Skipped {
            only: vec!["production".to_string()],
        };
        check(&[applied(), skipped.clone()], "none");
        check(&[], "none");
        check(
            &[
                State::Interrupted {
                    detail: String::new(),
                },
                State::Pending,
                applied(),
                State::FileMissing { at: String::new() },
                State::Pending,
                skipped,
            ],
            "4 migrations not applied: 2 pending, 1 file missing, 1 interrupted",
        );
    }
}

//! Arguments and checks several subcommands share: naming a migration or an environment,
//! confirming, and the environment's safeguards. The global options (`--dir`,
//! `--database-url`, …) are `global.rs`'s.

use std::path::Path;

use miette::Diagnostic;

use super::Failure;
use crate::db::ConnectionSettings;
use crate::diagnostic::{Classified, ErrorClass};
use crate::engine::safeguards::{
    EnvironmentGuard, OpenedSession, Safeguards, read_recorded_environments,
    read_recorded_environments_open,
};
use crate::project::{MigrationId, Project, Resolution};

/// A command-line argument naming something that does not exist.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub(crate) enum ArgumentProblem {
    /// `--to X` or `rollback X` names no migration.
    #[error("no migration matches `{written}`")]
    #[diagnostic(code(plan::cli::unknown_migration), help("{help}"))]
    UnknownMigration { written: String, help: String },
    /// A version shared by several migrations.
    #[error("`{written}` matches more than one migration: {candidates}")]
    #[diagnostic(
        code(plan::cli::ambiguous_migration),
        help("write the full ID instead")
    )]
    AmbiguousMigration { written: String, candidates: String },
    /// `--env X` names no environment.
    #[error("unknown environment `{name}`")]
    #[diagnostic(code(plan::cli::unknown_environment), help("{help}"))]
    UnknownEnvironment { name: String, help: String },
    /// A confirmation is needed and no terminal can give it.
    #[error("{question}: confirmation needed, and there is no terminal to ask")]
    #[diagnostic(
        code(plan::cli::confirmation_needed),
        help("run it on a terminal, or pass --yes to confirm in automation")
    )]
    ConfirmationNeeded { question: String },
    /// The environment requires a backup and `--backup-dir` does not say where.
    #[error(
        "environment {environment} requires a verified backup before {command} (backup: required in plan.yaml), and --backup-dir does not say where to write it"
    )]
    #[diagnostic(
        code(plan::cli::backup_dir_needed),
        help(
            "pass --backup-dir DIR: a folder outside the repository, on a disk with room for a pg_dump of the whole database (the file holds every row); nothing was done"
        )
    )]
    BackupDirNeeded {
        environment: String,
        command: &'static str,
    },
    /// The user answered no.
    #[error("not confirmed; nothing was done")]
    #[diagnostic(code(plan::cli::not_confirmed))]
    NotConfirmed,
}

/// Every argument problem is invalid input, except a "no" at the prompt: the run was refused
/// by the person at the terminal, which is a failure (exit 1), not a usage error.
impl Classified for ArgumentProblem {
    fn class(&self) -> ErrorClass {
        match self {
            ArgumentProblem::NotConfirmed => ErrorClass::Failed,
            _ => ErrorClass::InvalidInput,
        }
    }
}

/// Resolves a migration named on the command line.
pub(crate) fn resolve_migration(project: &Project, written: &str) -> Result<MigrationId, Failure> {
    match project.resolve(written) {
        Resolution::Found(id) => Ok(id.clone()),
        Resolution::Ambiguous(ids) => Err(Failure::from(ArgumentProblem::AmbiguousMigration {
            written: written.to_string(),
            candidates: ids
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        })),
        Resolution::Missing(closest) => Err(Failure::from(ArgumentProblem::UnknownMigration {
            written: written.to_string(),
            help: match closest {
                Some(close) => format!("did you mean `{close}`? `plan show` lists the migrations"),
                None => "`plan show` lists the migrations".to_string(),
            },
        })),
    }
}

/// Resolves `--to`, when it is given.
pub(crate) fn resolve_target(
    project: &Project,
    written: Option<&str>,
) -> Result<Option<MigrationId>, Failure> {
    written
        .map(|written| resolve_migration(project, written))
        .transpose()
}

/// Checks an environment named with `--env`.
pub(crate) fn check_environment(project: &Project, name: Option<&str>) -> Result<(), Failure> {
    let Some(name) = name else {
        return Ok(());
    };
    project.check_environment(name).map_err(|help| {
        Failure::from(ArgumentProblem::UnknownEnvironment {
            name: name.to_string(),
            help,
        })
    })
}

/// Whether `question` can be confirmed: `--yes` was given, or standard input is a terminal to
/// ask on. Checked before anything slow, so that a run that would be refused is refused at once.
pub(crate) fn can_confirm(question: &str, yes: bool) -> Result<(), Failure> {
    if yes || std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        Ok(())
    } else {
        Err(Failure::from(ArgumentProblem::ConfirmationNeeded {
            question: question.to_string(),
        }))
    }
}

/// Asks for confirmation on a terminal, after `preview` (what is about to be done); without a
/// terminal, `--yes` must be given. With `--yes`, the preview goes to `err` like any progress.
/// When asking, the preview and the question go to the process's stderr whatever `err` is: `-q`
/// silences progress, never a question the run waits on.
pub(crate) fn confirm(
    question: &str,
    yes: bool,
    preview: impl FnOnce(&mut dyn std::io::Write),
    err: &mut dyn std::io::Write,
) -> Result<(), Failure> {
    can_confirm(question, yes)?;
    if yes {
        preview(err);
        return Ok(());
    }
    use std::io::Write as _;
    let mut terminal = std::io::stderr();
    preview(&mut terminal);
    let _ = write!(terminal, "{question} [y/N] ");
    let _ = terminal.flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(Failure::from(ArgumentProblem::NotConfirmed))
    }
}

/// The environment an `apply` or `rollback` runs in and the safeguards it owes, from `--env`
/// and the environments the database's ledger records (read without the lock). When the
/// environment comes from the ledger, says so on `err`: the run behaves as with `--env`.
pub(crate) fn environment_guard(
    project: &Project,
    settings: &ConnectionSettings,
    requested: Option<&str>,
    err: &mut dyn std::io::Write,
) -> Result<EnvironmentGuard, Failure> {
    let recorded = read_recorded_environments(project, settings)?;
    Ok(announced_guard(project, requested, &recorded, err))
}

/// [`environment_guard`], keeping the connection that read the ledger open for the run that
/// follows (`engine::apply_opened`).
pub(crate) fn environment_guard_open(
    project: &Project,
    settings: &ConnectionSettings,
    requested: Option<&str>,
    err: &mut dyn std::io::Write,
) -> Result<(EnvironmentGuard, OpenedSession), Failure> {
    let (recorded, opened) = read_recorded_environments_open(project, settings)?;
    Ok((announced_guard(project, requested, &recorded, err), opened))
}

/// The guard of a run with `--env requested` on a database whose ledger records `recorded`,
/// saying on `err` when the environment was taken from the ledger.
fn announced_guard(
    project: &Project,
    requested: Option<&str>,
    recorded: &[String],
    err: &mut dyn std::io::Write,
) -> EnvironmentGuard {
    let guard = EnvironmentGuard::resolve(project, requested, recorded);
    if let (true, Some(name)) = (guard.taken_from_ledger(), guard.environment()) {
        let _ = writeln!(
            err,
            "the ledger records that this database was migrated in environment {name}: running as --env {name}"
        );
    }
    guard
}

/// What `guard` owes before the first statement of `command` (`engine::safeguards`
/// decides), refused at once (exit 2) when it requires a verified backup and `--backup-dir`
/// does not say where.
pub(crate) fn require_backup_dir<'a>(
    guard: &EnvironmentGuard,
    backup_dir: Option<&'a Path>,
    command: &'static str,
) -> Result<Safeguards<'a>, Failure> {
    guard.safeguards(backup_dir).map_err(|needed| {
        Failure::from(ArgumentProblem::BackupDirNeeded {
            environment: needed.environment,
            command,
        })
    })
}

/// `in environment NAME` for a confirmation question, naming what the ledger records when the
/// run is not in it.
pub(crate) fn environment_phrase(guard: &EnvironmentGuard) -> String {
    let others = guard.other_recorded();
    let recorded = if others.is_empty() {
        String::new()
    } else {
        format!(" (its ledger records {})", others.join(", "))
    };
    match guard.environment() {
        Some(name) => format!("in environment {name}{recorded}"),
        None => format!("without an environment{recorded}"),
    }
}

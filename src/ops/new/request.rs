//! What `plan new` is asked ([`NewMigration`], [`Depends`], [`RollbackChoice`], today's date
//! from [`utc_date`]), what it answers ([`Scaffold`], [`NewFile`]) and why it refuses
//! ([`ScaffoldError`]). Deciding the files is `scaffold`'s job; writing them `write`'s.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use miette::Diagnostic;

use super::layout::Layout;
use crate::diagnostic::InvalidInput;
use crate::project::MigrationId;

/// What to create.
#[derive(Clone, Debug)]
pub(crate) struct NewMigration {
    /// The name after the number: a word (`add_user_avatar`).
    pub name: String,
    /// What it depends on.
    pub depends: Depends,
    /// Whether it gets a rollback.
    pub rollback: RollbackChoice,
    /// Today's date (`YYYY-MM-DD`), for a project whose headers carry one.
    pub today: String,
}

/// The dependencies of a new migration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Depends {
    /// The current leaves of the graph (nothing in a sequence project, which stays one).
    Leaves,
    /// These migrations.
    These(Vec<MigrationId>),
    /// None, declared (`-- Depends: none`): a new root.
    Nothing,
}

/// Whether a new migration gets a rollback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RollbackChoice {
    /// When every migration of the project has one.
    AsTheProjectDoes,
    /// Yes (`--rollback`).
    Always,
    /// No (`--no-rollback`).
    Never,
}

/// The files of a new migration, not written yet.
#[derive(Clone, Debug)]
pub(crate) struct Scaffold {
    /// The new migration's ID.
    pub id: MigrationId,
    /// The layout followed.
    pub layout: Layout,
    /// Each file to create, the migration first.
    pub files: Vec<NewFile>,
    /// The dependencies written in its header; `None` when it has no dependency line (a
    /// sequence project, where it simply follows the last migration).
    pub dependencies: Option<Vec<MigrationId>>,
    /// The environments it is limited to, because a dependency is.
    pub environments: Option<Vec<String>>,
}

/// One file to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NewFile {
    /// Where, inside the project's migrations folder.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

/// Why `plan new` created nothing.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub(crate) enum ScaffoldError {
    /// The name cannot be part of a migration file name.
    #[error("`{name}` cannot name a migration: {reason}")]
    #[diagnostic(
        code(plan::apply::invalid_migration_name),
        help(
            "write one word of letters, digits, `_` or `-`, starting with a letter (`add_user_avatar`); the number is added for you"
        )
    )]
    InvalidName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Dependencies declared in a project that is a sequence because nothing declares any.
    #[error(
        "this project is a sequence (no migration declares dependencies), and a dependency line would make it a graph in which the migrations before it no longer depend on each other"
    )]
    #[diagnostic(
        code(plan::apply::sequence_project),
        help(
            "leave out --depends: the new migration follows the last one; or set `order: sequential` in plan.yaml, which keeps the sequence and adds declared dependencies to it"
        )
    )]
    SequenceProject,
    /// The dependencies share no environment.
    #[error("the dependencies run in no common environment: {dependencies}")]
    #[diagnostic(
        code(plan::apply::no_common_environment),
        help("depend on migrations that run in at least one common environment")
    )]
    NoCommonEnvironment {
        /// Each dependency with where it runs.
        dependencies: String,
    },
    /// A file could not be written.
    #[error("could not create {path}: {reason}")]
    #[diagnostic(
        code(plan::apply::scaffold_write),
        help(
            "nothing was left behind; check the folder's permissions, or move the existing file away"
        )
    )]
    Write {
        /// The file.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// The project no longer loads with the new files; they were removed.
    #[error("the new migration would make the project invalid, so it was not created")]
    #[diagnostic(
        code(plan::apply::scaffold_rejected),
        help("the problems are listed above")
    )]
    Rejected {
        /// Every problem of the project with the new files.
        #[related]
        problems: Vec<InvalidInput>,
    },
}

/// A file that could not be written is a failure; every other refusal is about the input.
impl crate::diagnostic::Classified for ScaffoldError {
    fn class(&self) -> crate::diagnostic::ErrorClass {
        match self {
            ScaffoldError::Write { .. } => crate::diagnostic::ErrorClass::Failed,
            _ => crate::diagnostic::ErrorClass::InvalidInput,
        }
    }
}

/// Today's date in UTC, `YYYY-MM-DD`.
pub(crate) fn utc_date(now: SystemTime) -> String {
    let days = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() / 86_400);
    // Howard Hinnant's civil_from_days, for days since 1970-01-01 (never negative here).
    let days = days + 719_468;
    let era = days / 146_097;
    let day_of_era = days % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil_dates_in_utc() {
        let at = |seconds: u64| utc_date(UNIX_EPOCH + std::time::Duration::from_secs(seconds));
        assert_eq!(at(0), "1970-01-01");
        assert_eq!(at(951_782_400), "2000-02-29");
        assert_eq!(at(1_768_867_200), "2026-01-20");
    }
}

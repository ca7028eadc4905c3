//! What `plan new` is asked ([`NewMigration`], [`Depends`], [`RollbackChoice`], the clock as
//! a [`UtcNow`]), what it answers ([`Scaffold`], [`Followed`], [`NewFile`]) and why it refuses
//! ([`ScaffoldError`]). Deciding the files is `scaffold`'s job; writing them `write`'s.

use std::path::PathBuf;

use miette::Diagnostic;

use super::clock::UtcNow;
use super::layout::PlanStyle;
use crate::diagnostic::InvalidInput;
use crate::project::MigrationId;
use crate::project::layout::Layout;

/// What to create.
#[derive(Clone, Debug)]
pub(crate) struct NewMigration {
    /// The name after the number: a word (`add_user_avatar`).
    pub name: String,
    /// What it depends on.
    pub depends: Depends,
    /// Whether it gets a rollback.
    pub rollback: RollbackChoice,
    /// The clock: the date of a project whose headers carry one, the version of a tool's
    /// layout that writes times.
    pub now: UtcNow,
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
    pub layout: Followed,
    /// Each file to create, the migration first.
    pub files: Vec<NewFile>,
    /// The dependencies written in its header; `None` when it has no dependency line (a
    /// sequence project, where it simply follows the last migration).
    pub dependencies: Option<Vec<MigrationId>>,
    /// The environments it is limited to, because a dependency is.
    pub environments: Option<Vec<String>>,
    /// What the user should know about how it was written (a clock behind the folder).
    pub notes: Vec<String>,
}

/// The layout a new migration follows.
#[derive(Clone, Debug)]
pub(crate) enum Followed {
    /// One of plan's own file styles.
    Plan(PlanStyle),
    /// Another tool's layout, with how its versions are written.
    Tool {
        /// The tool.
        tool: Layout,
        /// Its versions (`sequential versions of 5 digits`).
        versions: String,
    },
}

impl Followed {
    /// For `plan new`'s output: plan's file style, or the tool's name and its versions.
    pub(crate) fn describe(&self) -> String {
        match self {
            Followed::Plan(style) => style.describe().to_string(),
            Followed::Tool { tool, versions } => format!("{tool}, {versions}"),
        }
    }
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
    /// A Sqitch project: its changes are named in `sqitch.plan`, which plan does not write.
    #[error(
        "plan new does not write Sqitch changes: a change is a line of sqitch.plan and three scripts"
    )]
    #[diagnostic(
        code(plan::apply::sqitch_new),
        help(
            "add the change with Sqitch's own command, `sqitch add NAME -n 'what it does'`; plan reads it from sqitch.plan"
        )
    )]
    SqitchAdd,
    /// A rollback asked for in a layout that has none.
    #[error(
        "{tool}'s layout has no rollbacks: it keeps one migration.sql per migration and nothing that undoes it"
    )]
    #[diagnostic(
        code(plan::apply::no_rollback_in_layout),
        help("leave out --rollback; to undo a change, write a new migration that reverses it")
    )]
    NoRollbackInLayout {
        /// The tool.
        tool: &'static str,
    },
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

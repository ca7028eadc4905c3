//! What a Sqitch plan file says, as read: [`SqitchPlan`] with its changes, tags and references,
//! and [`SqitchProblem`], one thing Sqitch would refuse in it. Reading lives in `plan.rs`.

use std::ops::Range;

/// A `sqitch.plan` read whole: its pragmas, changes and tags in plan order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SqitchPlan {
    /// `%project=`. Sqitch refuses a plan without one (`Missing %project pragma`), so a plan
    /// read without problems always has it.
    pub(crate) project: String,
    /// `%uri=`, when given.
    pub(crate) uri: Option<String>,
    /// Every change, in plan order (the order Sqitch deploys them).
    pub(crate) changes: Vec<SqitchChange>,
    /// Every tag, in plan order.
    pub(crate) tags: Vec<SqitchTag>,
}

/// One change line: `name [deps] 2024-01-01T00:00:00Z Planner <email> # note`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SqitchChange {
    /// Unique in the plan, and stable as the plan grows: the name for a change's first
    /// instance, `name~2`, `name~3`, … for each rework after it. (Sqitch's own `name@tag`
    /// names an instance as of a tag, which moves to another instance when the change is
    /// reworked again; plan resolves it as Sqitch does, but records by this ID.)
    pub(crate) id: String,
    /// The name as written; a reworked change has the same name several times.
    pub(crate) name: String,
    /// The script path under deploy/, revert/ and verify/, without the extension: the name, or
    /// `name@tag` for an earlier instance of a reworked change. May hold `/` (a subfolder).
    pub(crate) script_stem: String,
    /// For an earlier instance of a reworked change, the tags Sqitch tries as its script
    /// suffix, in Sqitch's order: the first whose `deploy/name@tag.sql` exists wins, else the
    /// first (`_path_segments` in lib/App/Sqitch/Plan/Change.pm). Empty when not reworked.
    pub(crate) rework_tags: Vec<String>,
    /// `[a b]`: changes or tags that must be deployed first.
    pub(crate) requires: Vec<SqitchReference>,
    /// `[!c]`: changes that must not be deployed.
    pub(crate) conflicts: Vec<SqitchReference>,
    /// The planning time as written (`2024-01-01T00:00:00Z`, always UTC).
    pub(crate) planned_at: String,
    /// `Name <email>`.
    pub(crate) planner: String,
    /// The note after `#`, trimmed, with `\n`, `\r` and `\\` unescaped as Sqitch does.
    pub(crate) note: String,
    /// The change line, without its line break.
    pub(crate) span: Range<usize>,
}

/// One entry of a change's `[...]`: `change`, `change@tag`, `@tag`, `project:change`, or a
/// change ID (40 hex digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SqitchReference {
    /// `project:` when written; `None` means this plan's project.
    pub(crate) project: Option<String>,
    /// The change named, if any.
    pub(crate) change: Option<String>,
    /// The tag named (without `@`), if any.
    pub(crate) tag: Option<String>,
    /// A change ID written instead of a name; never resolved here (Sqitch skips it too).
    pub(crate) id: Option<String>,
    /// The entry in the plan file (with its `!` for a conflict).
    pub(crate) span: Range<usize>,
    /// The index into [`SqitchPlan::changes`] this names, for a reference to this project.
    pub(crate) resolved: Option<usize>,
}

/// One tag line: `@name 2024-01-01T00:00:00Z Planner <email> # note`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SqitchTag {
    /// The name, without `@`.
    pub(crate) name: String,
    /// The index into [`SqitchPlan::changes`] of the change it follows (which it tags).
    pub(crate) after: usize,
    /// The tag line, without its line break.
    pub(crate) span: Range<usize>,
    /// The planning time as written.
    pub(crate) planned_at: String,
    /// `Name <email>`.
    pub(crate) planner: String,
    /// The note after `#`, unescaped.
    pub(crate) note: String,
}

/// One thing in a plan file that Sqitch refuses, where it is, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SqitchProblem {
    /// Which rule.
    pub(crate) kind: SqitchProblemKind,
    /// A lowercase phrase naming the thing (`change "users" requires "roles", which ...`).
    pub(crate) message: String,
    /// The offending text in the plan file, in bytes.
    pub(crate) span: Range<usize>,
    /// What to do next.
    pub(crate) help: String,
}

/// The rules a plan file can break, each one Sqitch enforces (lib/App/Sqitch/Plan.pm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SqitchProblemKind {
    /// A line among the leading pragmas that is not `%name=value`.
    InvalidPragma,
    /// `%project=` with a name Sqitch does not allow.
    InvalidProject,
    /// No `%project=` pragma.
    MissingProject,
    /// A change or tag name that breaks Sqitch's name rule, or none at all.
    InvalidName,
    /// `HEAD` or `ROOT`.
    ReservedName,
    /// A name starting with 40 hex digits, which Sqitch would take for a change ID.
    IdLikeName,
    /// A tag name with `/`.
    TagWithSlash,
    /// Text that does not fit the line's shape (an unclosed `[`, words before the timestamp).
    MalformedLine,
    /// A timestamp that is not a real UTC time.
    BadTimestamp,
    /// No `YYYY-MM-DDTHH:MM:SSZ` timestamp.
    MissingTimestamp,
    /// No `Name <email>` planner.
    MissingPlanner,
    /// A tag before any change.
    TagWithoutChange,
    /// A tag with `[...]`.
    TagWithDependencies,
    /// A change name repeated with no tag in between.
    DuplicateChange,
    /// A tag name repeated.
    DuplicateTag,
    /// An entry of `[...]` that is not a reference.
    BadDependency,
    /// The same entry twice in one `[...]`.
    DuplicateDependency,
    /// A required change or tag that the plan does not have before the change.
    UnknownRequirement,
    /// A required change planned after the change requiring it.
    RequirementPlannedLater,
    /// A change requiring itself.
    SelfRequirement,
    /// A conflict naming a change or tag this plan does not have at all.
    UnknownConflict,
}

impl SqitchProblem {
    /// A problem of `kind` at `span`.
    pub(crate) fn new(
        kind: SqitchProblemKind,
        message: impl Into<String>,
        span: Range<usize>,
        help: impl Into<String>,
    ) -> SqitchProblem {
        SqitchProblem {
            kind,
            message: message.into(),
            span,
            help: help.into(),
        }
    }
}

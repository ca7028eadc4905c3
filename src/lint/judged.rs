//! What a rule is asked about ([`Judged`]: an action and what is known around it), what it
//! answers ([`Hit`]), and how bad a finding is ([`Severity`]): the vocabulary `rules/` shares
//! with the walk in `lint/mod.rs`.

use crate::sql::actions::Action;

/// How bad a finding is: `--fail-on` compares with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    Warning,
    Error,
}

impl Severity {
    /// Its name, as `--fail-on` and the outputs spell it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What a rule is asked about: one action, and what is known around it.
pub(crate) struct Judged<'a> {
    /// The action.
    pub action: &'a Action,
    /// Whether the table it changes is new: created earlier in the same migration, so that no
    /// one else can be using it.
    pub new_table: bool,
    /// Whether the table it changes is partitioned (`PARTITION BY` in an earlier migration, or
    /// the database says so).
    pub partitioned: bool,
    /// A column's type before the statement, when earlier statements say it.
    pub previous_type: Option<&'a str>,
    /// With a database: every volatile function (`pg_proc.provolatile = 'v'`), by (schema,
    /// name).
    pub volatile_functions: Option<&'a [(String, String)]>,
}

/// What a rule found.
pub(crate) struct Hit {
    pub message: String,
    pub help: &'static str,
    pub lock: Option<&'static str>,
}

//! Which databases a fleet run goes to: plan.yaml's `fleets: NAME: databases:` list or a
//! `--targets FILE` (one connection string per line), `${VAR}` expanded from the environment,
//! each string resolved as `--database-url` is (the `PG*` variables, the service file and
//! `.pgpass` fill in what it leaves out), and each target named `host:port/db` — a name that
//! never holds a user or a password, for progress lines and the report.

use std::path::Path;

use miette::Diagnostic;

use crate::db::connect::Machine;
use crate::db::{ConnectionSettings, DbError};
use crate::diagnostic::{Classified, ErrorClass};
use crate::project::Fleet;

/// One database of a fleet.
#[derive(Clone, Debug)]
pub(crate) struct FleetTarget {
    /// `host:port/db`, without user or password.
    pub(crate) name: String,
    /// How to reach it.
    pub(crate) settings: ConnectionSettings,
}

/// A fleet's list of targets that cannot be read: exit 2, nothing run.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub(crate) enum TargetsProblem {
    /// `--fleet NAME` names no fleet of plan.yaml.
    #[error("plan.yaml has no fleet `{name}`")]
    #[diagnostic(code(plan::fleet::unknown), help("{help}"))]
    UnknownFleet {
        /// The name asked for.
        name: String,
        /// The fleets there are, or how to declare one.
        help: String,
    },
    /// The `--targets` file cannot be read.
    #[error("cannot read the targets file {path}: {reason}")]
    #[diagnostic(
        code(plan::fleet::targets_file),
        help(
            "give a file with one connection string per line (blank lines and # comments are skipped)"
        )
    )]
    Unreadable {
        /// The file.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// A `${VAR}` that the environment does not set.
    #[error("{place} uses ${{{variable}}}, which is not set")]
    #[diagnostic(
        code(plan::fleet::unset_variable),
        help("set {variable} in the environment, or write the value in place")
    )]
    UnsetVariable {
        /// Which database of which list.
        place: String,
        /// The variable's name.
        variable: String,
    },
    /// A `${` without its `}`.
    #[error("{place} has a `${{` without its closing `}}`")]
    #[diagnostic(
        code(plan::fleet::unset_variable),
        help("write environment variables as ${{NAME}}")
    )]
    Unclosed {
        /// Which database of which list.
        place: String,
    },
    /// A connection string that does not resolve (its text is not shown: it may hold a password).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Settings(DbError),
    /// A list with no target in it.
    #[error("{what} lists no database")]
    #[diagnostic(code(plan::fleet::empty), help("give one connection string per line"))]
    Empty {
        /// The file or fleet.
        what: String,
    },
}

/// All of them are in the input: nothing was run.
impl Classified for TargetsProblem {
    fn class(&self) -> ErrorClass {
        ErrorClass::InvalidInput
    }
}

/// The targets of plan.yaml's fleet `name`, resolved on `machine`, in the order listed.
pub(crate) fn fleet_targets(
    name: &str,
    fleet: &Fleet,
    machine: &dyn Machine,
) -> Result<Vec<FleetTarget>, TargetsProblem> {
    let place = |index: usize| format!("fleet `{name}`, database {}", index + 1);
    fleet
        .databases
        .iter()
        .enumerate()
        .map(|(index, written)| resolve(written, &place(index), machine))
        .collect()
}

/// The targets of a `--targets` file: one connection string per line, blank lines and lines
/// starting with `#` skipped.
pub(crate) fn file_targets(
    path: &Path,
    machine: &dyn Machine,
) -> Result<Vec<FleetTarget>, TargetsProblem> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| TargetsProblem::Unreadable {
        path: shown.clone(),
        reason: error.to_string(),
    })?;
    let targets = text
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let line = line.trim();
            !line.is_empty() && !line.starts_with('#')
        })
        .map(|(number, line)| {
            resolve(
                line.trim(),
                &format!("{shown} line {}", number + 1),
                machine,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    if targets.is_empty() {
        return Err(TargetsProblem::Empty { what: shown });
    }
    Ok(targets)
}

/// One connection string, expanded and resolved; `place` says where it was written.
fn resolve(
    written: &str,
    place: &str,
    machine: &dyn Machine,
) -> Result<FleetTarget, TargetsProblem> {
    let expanded = expand(written, place, &|name| machine.var(name))?;
    let settings = ConnectionSettings::resolve(Some(&expanded), machine).map_err(|error| {
        TargetsProblem::Settings(match error {
            // Said of the list, not of `--database-url`.
            DbError::InvalidUrl { problem, .. } => DbError::InvalidUrl {
                origin: place.to_string(),
                problem,
            },
            other => other,
        })
    })?;
    Ok(FleetTarget {
        name: target_name(&settings),
        settings,
    })
}

/// `host:port/db`: where the target is, with no user or password. A Unix socket's host is its
/// directory.
pub(crate) fn target_name(settings: &ConnectionSettings) -> String {
    format!(
        "{}:{}/{}",
        settings.host(),
        settings.port(),
        settings.database()
    )
}

/// `text` with each `${NAME}` replaced by `var(NAME)`; `$` not followed by `{` stays as it is.
fn expand(
    text: &str,
    place: &str,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<String, TargetsProblem> {
    let mut expanded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        expanded.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(TargetsProblem::Unclosed {
                place: place.to_string(),
            });
        };
        let name = &after[..end];
        let value = var(name).ok_or_else(|| TargetsProblem::UnsetVariable {
            place: place.to_string(),
            variable: name.to_string(),
        })?;
        expanded.push_str(&value);
        rest = &after[end + 1..];
    }
    expanded.push_str(rest);
    Ok(expanded)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `expand` makes of `text` with `A=alpha`, `EMPTY=` set, or its error.
    fn check(text: &str, expect: &str) {
        let var = |name: &str| match name {
            "A" => Some("alpha".to_string()),
            "EMPTY" => Some(String::new()),
            _ => None,
        };
        let said = match expand(text, "line 1", &var) {
            Ok(expanded) => expanded,
            Err(problem) => problem.to_string(),
        };
        assert_eq!(said, expect);
    }

    #[test]
    fn variables_expand_and_an_unset_one_is_named() {
        check(
            "postgresql://${A}@h/${A}_db",
            "postgresql://alpha@h/alpha_db",
        );
        check("x${EMPTY}y", "xy");
        check("cost $5 and $A", "cost $5 and $A");
        check("${MISSING}", "line 1 uses ${MISSING}, which is not set");
        check("${A", "line 1 has a `${` without its closing `}`");
    }

    #[test]
    fn a_target_is_named_without_its_user_or_password() {
        let settings =
            ConnectionSettings::for_tcp("db1", 5433, "app", "tenant_a").with_password("secret");
        assert_eq!(target_name(&settings), "db1:5433/tenant_a");
    }
}

//! `plan check-schema --fleet NAME`: the single-database check-schema (`ops::check_schema`) at
//! every target, `parallel` connections at a time, each target checked where its ledger is (a
//! schema target's own `<schema>.plan_migrations`). Each target ends `ok`, `with_problems` (its
//! unmet prerequisites, missing objects and drift, one [`SchemaProblem`] each), `unreachable`,
//! or `failed` (connected, but the check could not finish: a ledger it may not read). Nothing
//! is locked or written.

use std::sync::Mutex;

use serde::Serialize;

use super::report::{count_each, fleet_json, name_width, summary_line};
use super::targets::FleetTarget;
use super::workers::each_index;
use crate::db::DbError;
use crate::load::Loaded;
use crate::ops::check_schema::{SchemaReport, check_schema_at};

/// How one target's check ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CheckOutcome {
    /// Nothing to report.
    Ok,
    /// At least one problem.
    WithProblems,
    /// The connection failed.
    Unreachable,
    /// Connected, but the check could not finish.
    Failed,
}

impl CheckOutcome {
    /// Every outcome, in the order the totals list them.
    const ALL: [CheckOutcome; 4] = [
        CheckOutcome::Ok,
        CheckOutcome::WithProblems,
        CheckOutcome::Unreachable,
        CheckOutcome::Failed,
    ];

    /// The name in JSON.
    fn name(self) -> &'static str {
        match self {
            CheckOutcome::Ok => "ok",
            CheckOutcome::WithProblems => "with_problems",
            CheckOutcome::Unreachable => "unreachable",
            CheckOutcome::Failed => "failed",
        }
    }
}

/// One problem check-schema found at a target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct SchemaProblem {
    /// `unmet_prerequisite`, `missing_object`, `added`, `dropped` or `altered`.
    pub(crate) kind: &'static str,
    /// The object, `table public.accounts`.
    pub(crate) object: String,
    /// The migration concerned: the one that needs the prerequisite, or that created the
    /// object; absent for an object no migration created.
    pub(crate) migration: Option<String>,
    /// The sentence the text report prints.
    pub(crate) message: String,
}

/// One target's part of the report.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct TargetCheck {
    /// `host:port/db[/schema]`.
    pub(crate) target: String,
    /// How its check ended.
    pub(crate) outcome: CheckOutcome,
    /// What it found, in the order the single-database report lists them.
    pub(crate) problems: Vec<SchemaProblem>,
    /// Why it is unreachable or failed, without secrets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
}

/// Every target's check, in list order.
#[derive(Clone, Debug)]
pub(crate) struct FleetCheck {
    /// The fleet's name, or the targets file.
    pub(crate) fleet: String,
    /// Each target.
    pub(crate) targets: Vec<TargetCheck>,
}

/// Checks each target, `parallel` at a time.
pub(crate) fn check_fleet(
    loaded: &Loaded,
    fleet: &str,
    targets: &[FleetTarget],
    environment: Option<&str>,
    parallel: usize,
) -> FleetCheck {
    let results: Mutex<Vec<Option<TargetCheck>>> = Mutex::new(vec![None; targets.len()]);
    each_index(0..targets.len(), parallel, &|| false, &|index| {
        let checked = check_one(loaded, &targets[index], environment);
        if let Ok(mut results) = results.lock() {
            results[index] = Some(checked);
        }
    });
    FleetCheck {
        fleet: fleet.to_string(),
        targets: results
            .into_inner()
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect(),
    }
}

/// One target's check; a connection that fails is `unreachable`, anything else `failed`.
fn check_one(loaded: &Loaded, target: &FleetTarget, environment: Option<&str>) -> TargetCheck {
    let ended = |outcome, error| TargetCheck {
        target: target.name.clone(),
        outcome,
        problems: Vec::new(),
        error: Some(error),
    };
    if let Some(error) = &target.unreachable {
        return ended(CheckOutcome::Unreachable, error.clone());
    }
    let database = target.plan_target(loaded.project());
    match check_schema_at(loaded.project(), loaded.graph(), &database, environment) {
        Ok(report) => {
            let problems = problems(&report);
            TargetCheck {
                target: target.name.clone(),
                outcome: if problems.is_empty() {
                    CheckOutcome::Ok
                } else {
                    CheckOutcome::WithProblems
                },
                problems,
                error: None,
            }
        }
        Err(DbError::Connect { detail, .. }) => ended(CheckOutcome::Unreachable, detail),
        Err(other) => ended(CheckOutcome::Failed, other.to_string()),
    }
}

/// The findings of one target's report, each a problem. Unverifiable objects (gone after
/// code the parser cannot read) are not findings on one database either.
fn problems(report: &SchemaReport) -> Vec<SchemaProblem> {
    let mut problems: Vec<SchemaProblem> = report
        .unmet
        .iter()
        .map(|unmet| SchemaProblem {
            kind: "unmet_prerequisite",
            object: unmet.requirement.to_string(),
            migration: Some(unmet.migration.to_string()),
            message: format!(
                "{} requires {} ({}): nothing before it in the plan creates it, and the database does not have it",
                unmet.migration,
                unmet.requirement,
                unmet.origin.location()
            ),
        })
        .collect();
    problems.extend(report.missing.iter().map(|missing| SchemaProblem {
        kind: "missing_object",
        object: missing.object.clone(),
        migration: Some(missing.migration.to_string()),
        message: format!(
            "missing: {} (created by {})",
            missing.object, missing.migration
        ),
    }));
    let Some(drift) = &report.drift else {
        return problems;
    };
    let added = drift.added.iter().map(|object| (object, None));
    let dropped = drift
        .dropped
        .iter()
        .map(|(object, by)| (object, by.as_ref()));
    let altered = drift
        .altered
        .iter()
        .map(|(object, by)| (object, by.as_ref()));
    for (kind, sign, changes) in [
        ("added", "+", added.collect::<Vec<_>>()),
        ("dropped", "-", dropped.collect()),
        ("altered", "~", altered.collect()),
    ] {
        for (object, by) in changes {
            let created = by
                .map(|id| format!(", created by {id}"))
                .unwrap_or_default();
            problems.push(SchemaProblem {
                kind,
                object: object.clone(),
                migration: by.map(ToString::to_string),
                message: format!("{sign} {object} ({kind} outside the plan{created})"),
            });
        }
    }
    problems
}

impl FleetCheck {
    /// Whether every target is clean.
    pub(crate) fn all_ok(&self) -> bool {
        self.targets
            .iter()
            .all(|target| target.outcome == CheckOutcome::Ok)
    }

    /// How many targets ended each way, every outcome listed.
    pub(crate) fn totals(&self) -> indexmap::IndexMap<&'static str, usize> {
        count_each(
            &CheckOutcome::ALL,
            self.targets.iter().map(|target| target.outcome),
            |outcome| outcome.name(),
        )
    }

    /// The JSON object (docs/json.md#plan-check-schema---fleet), pretty-printed.
    pub(crate) fn to_json(&self) -> String {
        fleet_json(&self.fleet, &self.targets, self.totals())
    }

    /// The text report: a summary line, then a line per target with its problems under it.
    pub(crate) fn to_text(&self) -> String {
        let mut text = summary_line(&self.fleet, self.targets.len(), &self.totals());
        let width = name_width(self.targets.iter().map(|target| target.target.as_str()));
        for target in &self.targets {
            let said = match target.outcome {
                CheckOutcome::Ok => "ok".to_string(),
                CheckOutcome::WithProblems => {
                    crate::diagnostic::counted(target.problems.len(), "problem", "problems")
                }
                CheckOutcome::Unreachable => format!(
                    "unreachable  {}",
                    target.error.as_deref().unwrap_or_default()
                ),
                CheckOutcome::Failed => {
                    format!("failed  {}", target.error.as_deref().unwrap_or_default())
                }
            };
            text.push_str(format!("  {:<width$}  {said}", target.target).trim_end());
            text.push('\n');
            for problem in &target.problems {
                text.push_str(&format!("      {}\n", problem.message));
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text report of `targets`.
    fn check(targets: Vec<TargetCheck>, expect: &str) {
        let report = FleetCheck {
            fleet: "tenants".to_string(),
            targets,
        };
        assert_eq!(report.to_text(), expect);
    }

    fn target(name: &str, outcome: CheckOutcome, problems: &[&str]) -> TargetCheck {
        TargetCheck {
            target: name.to_string(),
            outcome,
            problems: problems
                .iter()
                .map(|message| SchemaProblem {
                    kind: "missing_object",
                    object: "table public.t".to_string(),
                    migration: None,
                    message: message.to_string(),
                })
                .collect(),
            error: (outcome == CheckOutcome::Unreachable).then(|| "refused".to_string()),
        }
    }

    #[test]
    fn a_line_per_target_with_its_problems_under_it() {
        check(
            vec![
                target("db:1/a", CheckOutcome::Ok, &[]),
                target(
                    "db:1/bb",
                    CheckOutcome::WithProblems,
                    &[
                        "missing: table public.t (created by 001_t)",
                        "+ table public.x (added outside the plan)",
                    ],
                ),
                target("db:2/c", CheckOutcome::Unreachable, &[]),
            ],
            "fleet tenants: 3 targets: 1 ok, 1 with problems, 1 unreachable\n\
             \x20 db:1/a   ok\n\
             \x20 db:1/bb  2 problems\n\
             \x20     missing: table public.t (created by 001_t)\n\
             \x20     + table public.x (added outside the plan)\n\
             \x20 db:2/c   unreachable  refused\n",
        );
    }

    #[test]
    fn only_every_target_ok_is_success() {
        let report = |outcome| FleetCheck {
            fleet: "f".to_string(),
            targets: vec![
                target("a", CheckOutcome::Ok, &[]),
                target("b", outcome, &[]),
            ],
        };
        assert!(report(CheckOutcome::Ok).all_ok());
        assert!(!report(CheckOutcome::Unreachable).all_ok());
        assert!(!report(CheckOutcome::Failed).all_ok());
        assert_eq!(report(CheckOutcome::Ok).totals().len(), 4);
    }
}

//! `plan lint --fleet NAME`: the single-database lint with a database (`ops::lint`) at every
//! target, `parallel` connections at a time: what apply would run there (every migration with
//! `--all`, as on one database), judged with that target's table sizes and functions, so a rule
//! that depends on a table's size can fire at one target and not at another. Each target's
//! ledger is read where it keeps it (a schema target's own `<schema>.plan_migrations`). Nothing
//! is locked or written; the CLI applies `-- plan:allow` comments and prints the findings.

use std::sync::Mutex;

use super::targets::FleetTarget;
use super::workers::each_index;
use crate::db::DbError;
use crate::lint::Finding;
use crate::load::Loaded;
use crate::ops::lint::{Selection, lint_at};
use crate::project::Migration;

/// What linting one target gave.
#[derive(Clone, Debug)]
pub(crate) enum TargetLinted {
    /// Its findings (before `-- plan:allow` comments) and how many migrations were judged.
    Linted {
        /// The findings, in plan order.
        findings: Vec<Finding>,
        /// How many migrations were judged there (its pending ones, or every one with `--all`).
        judged: usize,
    },
    /// The connection failed: the error, without secrets.
    Unreachable(String),
    /// Connected, but its ledger or catalog could not be read.
    Failed(String),
}

/// One target and what linting it gave.
#[derive(Clone, Debug)]
pub(crate) struct TargetLint {
    /// `host:port/db[/schema]`.
    pub(crate) target: String,
    /// What linting it gave.
    pub(crate) linted: TargetLinted,
}

/// What `lint --fleet` asks of each target.
pub(crate) struct FleetLintRequest<'a> {
    /// The migrations to judge, in plan order (the plan, or `--to`'s closure).
    pub(crate) migrations: &'a [&'a Migration],
    /// `--env`: which migrations run there.
    pub(crate) environment: Option<&'a str>,
    /// Pending ones only, or every one (`--all`).
    pub(crate) selection: Selection,
    /// At most this many targets at once.
    pub(crate) parallel: usize,
}

/// Lints each target against its own catalog, in list order.
pub(crate) fn lint_fleet(
    loaded: &Loaded,
    targets: &[FleetTarget],
    request: &FleetLintRequest<'_>,
) -> Vec<TargetLint> {
    let results: Mutex<Vec<Option<TargetLint>>> = Mutex::new(vec![None; targets.len()]);
    each_index(0..targets.len(), request.parallel, &|| false, &|index| {
        let target = &targets[index];
        let linted = lint_one(loaded, target, request);
        if let Ok(mut results) = results.lock() {
            results[index] = Some(TargetLint {
                target: target.name.clone(),
                linted,
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}

/// One target's findings; a connection that fails is `Unreachable`, anything else `Failed`.
fn lint_one(loaded: &Loaded, target: &FleetTarget, request: &FleetLintRequest<'_>) -> TargetLinted {
    if let Some(error) = &target.unreachable {
        return TargetLinted::Unreachable(error.clone());
    }
    let database = target.plan_target(loaded.project());
    match lint_at(
        loaded,
        &database,
        request.migrations,
        request.environment,
        request.selection,
    ) {
        Ok((findings, judged)) => TargetLinted::Linted { findings, judged },
        Err(DbError::Connect { detail, .. }) => TargetLinted::Unreachable(detail),
        Err(other) => TargetLinted::Failed(other.to_string()),
    }
}

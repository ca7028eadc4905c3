//! `plan check-schema --fleet NAME` / `--targets FILE` (docs/fleets.md#plan-check-schema---fleet):
//! the targets chosen as `apply --fleet` chooses them, each checked (`ops::fleet::check`), the
//! report on stdout as text or one JSON object. Exit 0 when every target is clean, 1 when any
//! has a problem, is unreachable or could not be checked, as `plan check-schema` exits 1 with
//! findings (and with the same `plan::cli::schema_findings` after the report).

use std::io::Write;

use super::check_schema::{CheckSchemaArgs, Findings};
use super::fleet::{check_usage, parallel, targets_of};
use super::{Failure, Global};
use crate::ops::fleet::check_fleet;

/// Runs `plan check-schema --fleet NAME` / `--targets FILE`.
pub(crate) fn run(
    args: &CheckSchemaArgs,
    global: &Global,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let choice = &args.fleet;
    check_usage(choice, None, global)?;
    let loaded = &global.load()?;
    let environment = global.checked_env(loaded.project())?;
    let (name, fleet, targets) = targets_of(choice, loaded)?;
    let checked = check_fleet(
        loaded,
        &name,
        &targets,
        environment,
        parallel(choice, fleet),
    );
    if global.json() {
        let _ = writeln!(out, "{}", checked.to_json());
    } else {
        let _ = out.write_all(checked.to_text().as_bytes());
    }
    if checked.all_ok() {
        return Ok(());
    }
    let failing = checked
        .targets
        .iter()
        .filter(|target| !target.problems.is_empty() || target.error.is_some())
        .count();
    Err(Failure::from(Findings(format!(
        "check-schema: {failing} of {} targets not clean",
        checked.targets.len()
    )))
    .after_report())
}

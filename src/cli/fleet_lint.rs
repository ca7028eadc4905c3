//! `plan lint --fleet NAME` / `--targets FILE` (docs/fleets.md#plan-lint---fleet): each target's
//! pending migrations (every one with `--all`) judged against that target's catalog
//! (`ops::fleet::lint`), `-- plan:allow` comments applied as on one database. Text: a summary
//! line, a line per target, then the findings once per group of targets that have exactly the
//! same ones (the same rule, migration, place, severity and message: a message that quotes a
//! table's size differs where the sizes differ). JSON: every target with its findings in full.
//! Exit 0 when no target has a finding at or above `--fail-on` and every target was linted, 1
//! otherwise (`plan::lint::findings`), 2 on invalid input; `--format github` and `sarif` are
//! for one database.

use std::io::Write;

use miette::Diagnostic;
use serde::Serialize;

use super::fleet::{check_usage, parallel, targets_of};
use super::lint::{Findings, LintArgs, ShownAllowed, ShownFinding, plural, rendered, selected};
use super::{Failure, Format, Global};
use crate::diagnostic::{Classified, ErrorClass};
use crate::lint::allow::{Allowing, Allows};
use crate::lint::{Finding, Severity};
use crate::ops::fleet::report::{name_width, summary_line};
use crate::ops::fleet::{FleetLintRequest, TargetLint, TargetLinted, lint_fleet};
use crate::ops::lint::Selection;

/// `--format github` or `sarif` with a fleet: both are for one database's files.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("--format {format} cannot be given with --fleet or --targets")]
#[diagnostic(
    code(plan::fleet::usage),
    help("use --format text or json with a fleet, or lint one database with --database-url")
)]
struct FormatRefused {
    format: &'static str,
}

impl Classified for FormatRefused {
    fn class(&self) -> ErrorClass {
        ErrorClass::InvalidInput
    }
}

/// How one target's lint ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Outcome {
    /// No finding (allowed ones aside).
    Clean,
    /// At least one finding.
    WithFindings,
    /// The connection failed.
    Unreachable,
    /// Connected, but the ledger or catalog could not be read.
    Failed,
}

impl Outcome {
    /// Every outcome, in the order the totals list them.
    const ALL: [Outcome; 4] = [
        Outcome::Clean,
        Outcome::WithFindings,
        Outcome::Unreachable,
        Outcome::Failed,
    ];

    /// The name in JSON and, `_` read as a space, in the text.
    fn name(self) -> &'static str {
        match self {
            Outcome::Clean => "clean",
            Outcome::WithFindings => "with_findings",
            Outcome::Unreachable => "unreachable",
            Outcome::Failed => "failed",
        }
    }
}

/// One target as the report shows it.
#[derive(Debug, Serialize)]
struct ShownTarget {
    target: String,
    outcome: Outcome,
    /// How many migrations were judged there.
    judged: usize,
    findings: Vec<ShownFinding>,
    allowed: Vec<ShownAllowed>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// The findings themselves, for the text's diagnostics.
    #[serde(skip)]
    raw: Vec<Finding>,
}

/// `plan lint --fleet --format json` (docs/json.md#plan-lint---fleet).
#[derive(Debug, Serialize)]
struct ShownFleetLint {
    format: u32,
    fleet: String,
    targets: Vec<ShownTarget>,
    totals: indexmap::IndexMap<&'static str, usize>,
}

/// Runs `plan lint --fleet NAME` / `--targets FILE`.
pub(crate) fn run(args: &LintArgs, global: &Global, out: &mut dyn Write) -> Result<(), Failure> {
    check_usage(&args.fleet, None, global)?;
    match global.format {
        Format::Github => return Err(Failure::from(FormatRefused { format: "github" })),
        Format::Sarif => return Err(Failure::from(FormatRefused { format: "sarif" })),
        _ => {}
    }
    let loaded = global.load()?;
    let environment = global.checked_env(loaded.project())?;
    let (migrations, allows) = selected(args, &loaded)?;
    let (name, fleet, targets) = targets_of(&args.fleet, &loaded)?;
    let request = FleetLintRequest {
        migrations: &migrations,
        environment,
        selection: if args.all {
            Selection::All
        } else {
            Selection::Pending
        },
        parallel: parallel(&args.fleet, fleet),
    };
    let linted = lint_fleet(&loaded, &targets, &request);
    let shown: Vec<ShownTarget> = linted
        .into_iter()
        .map(|target| shown_target(target, &allows))
        .collect();
    let report = ShownFleetLint {
        format: 1,
        fleet: name,
        totals: totals(&shown),
        targets: shown,
    };
    let _ = match global.format {
        Format::Json => serde_json::to_writer_pretty(&mut *out, &report)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out)),
        _ => out.write_all(text(&report).as_bytes()),
    };
    let fail_on = args.fail_on.severity();
    let failing = report
        .targets
        .iter()
        .filter(|target| {
            target.error.is_some() || target.findings.iter().any(|f| f.severity >= fail_on)
        })
        .count();
    if failing == 0 {
        return Ok(());
    }
    Err(Failure::from(Findings(format!(
        "{failing} of {} targets have findings at or above --fail-on {} or could not be linted",
        report.targets.len(),
        fail_on.name()
    )))
    .after_report())
}

/// A target's findings with the allow comments applied.
fn shown_target(target: TargetLint, allows: &Allows) -> ShownTarget {
    let mut shown = ShownTarget {
        target: target.target,
        outcome: Outcome::Clean,
        judged: 0,
        findings: Vec::new(),
        allowed: Vec::new(),
        error: None,
        raw: Vec::new(),
    };
    match target.linted {
        TargetLinted::Linted { findings, judged } => {
            let Allowing { findings, allowed } = allows.apply(findings);
            shown.judged = judged;
            shown.findings = findings.iter().map(ShownFinding::new).collect();
            shown.allowed = allowed.iter().map(ShownAllowed::new).collect();
            if !findings.is_empty() {
                shown.outcome = Outcome::WithFindings;
            }
            shown.raw = findings;
        }
        TargetLinted::Unreachable(error) => {
            shown.outcome = Outcome::Unreachable;
            shown.error = Some(error);
        }
        TargetLinted::Failed(error) => {
            shown.outcome = Outcome::Failed;
            shown.error = Some(error);
        }
    }
    shown
}

/// How many targets ended each way, every outcome listed.
fn totals(targets: &[ShownTarget]) -> indexmap::IndexMap<&'static str, usize> {
    Outcome::ALL
        .iter()
        .map(|outcome| {
            let count = targets
                .iter()
                .filter(|target| target.outcome == *outcome)
                .count();
            (outcome.name(), count)
        })
        .collect()
}

/// The summary line, a line per target, then each group's findings as diagnostics.
fn text(report: &ShownFleetLint) -> String {
    let mut text = summary_line(&report.fleet, report.targets.len(), &report.totals);
    let width = name_width(report.targets.iter().map(|target| target.target.as_str()));
    // The targets with findings, grouped by identical findings, in the order first met.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (index, target) in report.targets.iter().enumerate() {
        if target.findings.is_empty() {
            continue;
        }
        match groups
            .iter_mut()
            .find(|group| report.targets[group[0]].findings == target.findings)
        {
            Some(group) => group.push(index),
            None => groups.push(vec![index]),
        }
    }
    for (index, target) in report.targets.iter().enumerate() {
        let judged = plural(target.judged, "migration");
        let said = match target.outcome {
            Outcome::Clean => format!("clean  {judged} judged"),
            Outcome::WithFindings => {
                let same = groups
                    .iter()
                    .find(|group| group.contains(&index))
                    .and_then(|group| group.first())
                    .filter(|first| **first != index)
                    .map(|first| format!("; the same as {}", report.targets[*first].target))
                    .unwrap_or_default();
                format!("{}  {judged} judged{same}", counts(&target.findings))
            }
            Outcome::Unreachable => format!(
                "unreachable  {}",
                target.error.as_deref().unwrap_or_default()
            ),
            Outcome::Failed => format!("failed  {}", target.error.as_deref().unwrap_or_default()),
        };
        text.push_str(format!("  {:<width$}  {said}", target.target).trim_end());
        text.push('\n');
    }
    for group in &groups {
        let names: Vec<&str> = group
            .iter()
            .map(|index| report.targets[*index].target.as_str())
            .collect();
        text.push_str(&format!("\nfindings at {}:\n\n", names.join(", ")));
        text.push_str(&rendered(&report.targets[group[0]].raw, false));
    }
    text
}

/// `2 findings (1 error, 1 warning)`.
fn counts(findings: &[ShownFinding]) -> String {
    let errors = findings
        .iter()
        .filter(|finding| finding.severity == Severity::Error)
        .count();
    format!(
        "{} ({}, {})",
        plural(findings.len(), "finding"),
        plural(errors, "error"),
        plural(findings.len() - errors, "warning")
    )
}

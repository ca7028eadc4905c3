//! `plan lint [--to ID] [--fail-on warning|error]`: which migrations will hurt a database in
//! use (`crate::lint`), each finding a diagnostic at its file and line. Exit 0 when no finding
//! reaches `--fail-on` (default `warning`), 1 when one does, 2 on invalid input. `--format json`
//! prints one object (docs/json.md#plan-lint), `--format github` workflow annotations,
//! `--format sarif` SARIF 2.1.0 (`lint_sarif.rs`). `-- plan:allow` comments
//! (`crate::lint::allow`) are read first: a bad one is invalid input and nothing is linted. With
//! `--fleet NAME` or `--targets FILE`, every target of the fleet: `fleet_lint.rs`, which
//! `cli/mod.rs` runs instead, with this file's selection, findings and rendering.

use std::io::Write;

use clap::{Args, ValueEnum};
use miette::{Diagnostic, LabeledSpan, SourceCode};
use serde::Serialize;

use super::Failure;
use super::args::resolve_target;
use super::lint_sarif::sarif;
use super::{Format, Global};
use crate::diagnostic::{Classified, ErrorClass, InvalidInput, RenderStyle, render_styled};
use crate::lint::allow::{AllowProblem, Allowed, Allowing, Allows};
use crate::lint::{Finding, Severity, lint};
use crate::load::Loaded;
use crate::ops::lint::{Selection, lint_against};
use crate::project::Migration;

/// Arguments of `plan lint`.
#[derive(Debug, Args)]
pub(crate) struct LintArgs {
    /// Only this migration and the migrations it depends on.
    #[arg(long, value_name = "ID")]
    to: Option<String>,
    /// With a database: every migration, not only what apply would run there.
    #[arg(long)]
    pub(super) all: bool,
    /// The least severe finding that makes lint exit 1.
    #[arg(long, value_enum, default_value_t = FailOn::Warning, value_name = "SEVERITY")]
    pub(super) fail_on: FailOn,
    /// Lint each target of a fleet against its own catalog (docs/fleets.md).
    #[command(flatten)]
    pub(super) fleet: super::fleet::FleetChoice,
}

/// `--fail-on`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(super) enum FailOn {
    Warning,
    Error,
}

impl FailOn {
    pub(super) fn severity(self) -> Severity {
        match self {
            FailOn::Warning => Severity::Warning,
            FailOn::Error => Severity::Error,
        }
    }
}

/// Some finding reached `--fail-on`: the lint failed (exit 1), after its report.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{0}")]
#[diagnostic(code(plan::lint::findings))]
pub(super) struct Findings(pub(super) String);

impl Classified for Findings {
    fn class(&self) -> ErrorClass {
        ErrorClass::Failed
    }
}

/// Runs `plan lint`.
pub(crate) fn run(args: LintArgs, global: &Global, out: &mut dyn Write) -> Result<(), Failure> {
    super::fleet::check_usage(&args.fleet, None, global)?;
    let loaded = global.load()?;
    let project = loaded.project();
    let (migrations, allows) = selected(&args, &loaded)?;
    let (findings, database) = if global.names_a_database() {
        let settings = global.settings("lint")?;
        let environment = global.checked_env(project)?;
        let selection = if args.all {
            Selection::All
        } else {
            Selection::Pending
        };
        let (findings, _) = lint_against(&loaded, &settings, &migrations, environment, selection)?;
        (findings, Some(settings.to_string()))
    } else {
        (lint(&loaded, &migrations, None), None)
    };
    let Allowing { findings, allowed } = allows.apply(findings);
    let shown = ShownLint::new(&findings, &allowed, database);
    let _ = match global.format {
        Format::Json => serde_json::to_writer_pretty(&mut *out, &shown)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out)),
        Format::Github => out.write_all(github(&shown).as_bytes()),
        Format::Sarif => out.write_all(sarif(&findings).as_bytes()),
        // Plain: the report goes to stdout, which is often a file or a CI log.
        _ => out.write_all(text(&findings, &shown, false).as_bytes()),
    };
    let failing = findings
        .iter()
        .filter(|finding| finding.severity >= args.fail_on.severity())
        .count();
    if failing == 0 {
        return Ok(());
    }
    Err(Failure::from(Findings(format!(
        "{failing} of {} at or above --fail-on {}",
        plural(findings.len(), "finding"),
        args.fail_on.severity().name()
    )))
    .after_report())
}

/// The migrations `--to` selects (every one without it), in plan order, and their allow
/// comments; a bad allow comment is invalid input.
pub(super) fn selected<'a>(
    args: &LintArgs,
    loaded: &'a Loaded,
) -> Result<(Vec<&'a Migration>, Allows), Failure> {
    let project = loaded.project();
    let graph = loaded.graph();
    let target = resolve_target(project, args.to.as_deref())?;
    let selected = match &target {
        Some(target) => graph.closure(target),
        None => graph.order().iter().collect(),
    };
    let migrations: Vec<&Migration> = selected
        .into_iter()
        .filter_map(|id| project.migration(id))
        .collect();
    let allows = Allows::read(&migrations)
        .map_err(|problems| invalid_allows(&project.root().display().to_string(), problems))?;
    Ok((migrations, allows))
}

/// The allow comments of `project` that lint cannot use, as one invalid input (exit 2).
fn invalid_allows(project: &str, problems: Vec<AllowProblem>) -> InvalidInput {
    InvalidInput::new(
        project,
        problems
            .into_iter()
            .map(|problem| Box::new(problem) as Box<dyn Diagnostic + Send + Sync>)
            .collect(),
    )
}

/// `plan lint --format json` (docs/json.md#plan-lint).
#[derive(Debug, Serialize)]
struct ShownLint {
    format: u32,
    /// The database the findings were judged against (no password), `null` offline.
    database: Option<String>,
    findings: Vec<ShownFinding>,
    /// The findings `-- plan:allow` comments set aside, for a reviewer.
    allowed: Vec<ShownAllowed>,
}

#[derive(Debug, Serialize)]
pub(super) struct ShownAllowed {
    rule: &'static str,
    migration: String,
    file: String,
    line: usize,
    reason: String,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
pub(super) struct ShownFinding {
    rule: &'static str,
    pub(super) severity: Severity,
    migration: String,
    file: String,
    line: usize,
    column: usize,
    message: String,
    help: String,
    table: Option<String>,
    estimated_rows: Option<u64>,
    size_bytes: Option<u64>,
    lock: Option<&'static str>,
}

impl ShownLint {
    fn new(findings: &[Finding], allowed: &[Allowed], database: Option<String>) -> Self {
        ShownLint {
            format: 1,
            database,
            findings: findings.iter().map(ShownFinding::new).collect(),
            allowed: allowed.iter().map(ShownAllowed::new).collect(),
        }
    }
}

impl ShownFinding {
    /// A finding as JSON shows it.
    pub(super) fn new(finding: &Finding) -> Self {
        ShownFinding {
            rule: finding.rule.name(),
            severity: finding.severity,
            migration: finding.migration.to_string(),
            file: finding.file.name().to_string(),
            line: finding.line(),
            column: finding.column(),
            message: finding.message.clone(),
            help: finding.help.clone(),
            table: finding.table.clone(),
            estimated_rows: finding.estimated_rows,
            size_bytes: finding.size_bytes,
            lock: finding.lock,
        }
    }
}

impl ShownAllowed {
    /// An allowed finding as JSON shows it.
    pub(super) fn new(allowed: &Allowed) -> Self {
        ShownAllowed {
            rule: allowed.finding.rule.name(),
            migration: allowed.finding.migration.to_string(),
            file: allowed.finding.file.name().to_string(),
            line: allowed.finding.line(),
            reason: allowed.reason.clone(),
        }
    }
}

/// Each finding as a diagnostic at its file and line, then a count.
fn text(findings: &[Finding], shown: &ShownLint, colour: bool) -> String {
    let mut text = rendered(findings, colour);
    let errors = shown
        .findings
        .iter()
        .filter(|finding| finding.severity == Severity::Error)
        .count();
    // Allowed findings are not findings; the count says they exist, JSON lists them.
    let allowed = match shown.allowed.len() {
        0 => String::new(),
        count => format!(" ({count} allowed by `plan:allow` comments)"),
    };
    if findings.is_empty() {
        text.push_str(&format!("no findings{allowed}\n"));
    } else {
        text.push_str(&format!(
            "{}: {} error{}, {} warning{}{allowed}\n",
            plural(findings.len(), "finding"),
            errors,
            if errors == 1 { "" } else { "s" },
            findings.len() - errors,
            if findings.len() - errors == 1 {
                ""
            } else {
                "s"
            },
        ));
    }
    text
}

/// Each finding as a diagnostic at its file and line.
pub(super) fn rendered(findings: &[Finding], colour: bool) -> String {
    let mut text = String::new();
    for finding in findings {
        let style = RenderStyle {
            colour,
            wrap: false,
        };
        text.push_str(&render_styled(&Shown(finding), style));
        text.push('\n');
    }
    text
}

/// GitHub Actions workflow commands, one per finding (`::error file=…,line=…,col=…,title=…::…`).
fn github(shown: &ShownLint) -> String {
    let escape_data = |text: &str| {
        text.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let escape_property = |text: &str| escape_data(text).replace(':', "%3A").replace(',', "%2C");
    shown
        .findings
        .iter()
        .map(|finding| {
            format!(
                "::{} file={},line={},col={},title={}::{}\n",
                finding.severity.name(),
                escape_property(&finding.file),
                finding.line,
                finding.column,
                escape_property(finding.rule),
                escape_data(&format!("{} ({})", finding.message, finding.help)),
            )
        })
        .collect()
}

/// `1 finding`, `2 findings`.
pub(super) fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// A finding as miette renders it: its rule as the code, its clause labelled.
struct Shown<'a>(&'a Finding);

impl std::fmt::Debug for Shown<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0.message)
    }
}

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}: {}", self.0.migration, self.0.message)
    }
}

impl std::error::Error for Shown<'_> {}

impl Diagnostic for Shown<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        Some(Box::new(self.0.rule.name()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.0.severity {
            Severity::Warning => miette::Severity::Warning,
            Severity::Error => miette::Severity::Error,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        Some(Box::new(&self.0.help))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.0.file)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let rows = self
            .0
            .estimated_rows
            .map(|rows| format!(" (about {rows} rows)"))
            .unwrap_or_default();
        let label = match (&self.0.table, self.0.lock) {
            (Some(table), Some(lock)) => format!("{lock} on {table}{rows}"),
            (Some(table), None) => table.clone(),
            (None, Some(lock)) => lock.to_string(),
            (None, None) => "here".to_string(),
        };
        let span = self.0.span.clone();
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(label),
            span.start,
            span.end.saturating_sub(span.start),
        ))))
    }
}

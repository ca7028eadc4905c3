//! `plan check [--fix]`: offline, every problem of the project that needs no database: what
//! loading refuses (exit 2), then the dependencies the SQL implies and no header declares
//! (`plan::graph::missing_dependency`) and uses before creation
//! (`plan::graph::used_before_created`): exit 1 when any, 0 when none. Statements plan could
//! not read are listed as notes, never as failures. `--fix` writes the missing `-- depends:`
//! lines and says what it wrote. With `--format json`, one object ([`ShownCheck`],
//! docs/json.md#plan-check).

use std::io::Write;

use clap::Args;
use miette::Diagnostic;
use serde::Serialize;

use super::Failure;
use super::{Format, Global};
use crate::diagnostic::{Classified, ErrorClass, counted};
use crate::infer::DependencyProblem;
use crate::load::Loaded;
use crate::ops::check::{self, Fixed};

/// Arguments of `plan check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Write each missing dependency into the migration's header (or plan.yaml, where the
    /// migration declares its dependencies there), in the project's own style, and nothing
    /// else. A migration that uses an object a later one creates cannot be fixed so (a
    /// dependency would point backwards): it is still reported. Run it before the migration is
    /// applied: the file's checksum changes.
    #[arg(long)]
    fix: bool,
}

/// The problems, as one failure (exit 1) listing them.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{summary}")]
#[diagnostic(
    code(plan::check::problems),
    help(
        "`plan check --fix` writes the missing dependencies; an object used before it is created needs the migrations changed"
    )
)]
struct Problems {
    summary: String,
    #[related]
    problems: Vec<DependencyProblem>,
}

/// The check ran and found problems: it failed.
impl Classified for Problems {
    fn class(&self) -> ErrorClass {
        ErrorClass::Failed
    }
}

/// Runs `plan check`.
pub(crate) fn run(
    args: CheckArgs,
    global: &Global,
    out: &mut dyn Write,
    _err: &mut dyn Write,
) -> Result<(), Failure> {
    let mut loaded = global.load()?;
    let mut fixed = Vec::new();
    if args.fix {
        fixed = check::fix(&loaded)?;
        if !fixed.is_empty() {
            // What was written is read again, as every later command will read it.
            loaded = global.load()?;
        }
    }
    let problems = check::check(&loaded);
    let shown = ShownCheck::new(&loaded, &problems, &fixed);
    let _ = match global.format {
        Format::Json => serde_json::to_writer_pretty(&mut *out, &shown)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out)),
        _ => out.write_all(shown.to_text().as_bytes()),
    };
    if problems.is_empty() {
        return Ok(());
    }
    let summary = format!(
        "{} in {}",
        counted(problems.len(), "dependency problem", "dependency problems"),
        global.dir().display()
    );
    let failure = Failure::from(Problems { summary, problems });
    Err(if global.json() {
        failure.after_report()
    } else {
        failure
    })
}

/// `plan check`'s report: the stable JSON shape, also the source of the text form.
#[derive(Debug, Serialize)]
struct ShownCheck {
    /// Version of this JSON shape; bumped only on incompatible change.
    format: u32,
    project: String,
    migrations: usize,
    clean: bool,
    problems: Vec<ShownProblem>,
    opaque: Vec<ShownOpaque>,
    fixed: Vec<ShownFixed>,
}

#[derive(Debug, Serialize)]
struct ShownProblem {
    code: &'static str,
    migration: String,
    object: String,
    created_by: String,
    file: String,
    line: usize,
    /// The declaration that fixes it; `null` for a use before creation.
    fix: Option<String>,
}

#[derive(Debug, Serialize)]
struct ShownOpaque {
    migration: String,
    file: String,
    line: usize,
    reason: String,
}

#[derive(Debug, Serialize)]
struct ShownFixed {
    migration: String,
    file: String,
    added: String,
}

impl ShownCheck {
    fn new(loaded: &Loaded, problems: &[DependencyProblem], fixed: &[Fixed]) -> Self {
        let line = |origin: &crate::diagnostic::Origin| origin.file.line_of(origin.span.start);
        let edges = loaded.inference().problems();
        ShownCheck {
            format: 1,
            project: loaded.project().root().display().to_string(),
            migrations: loaded.project().migrations().len(),
            clean: problems.is_empty(),
            problems: edges
                .zip(problems)
                .map(|(edge, problem)| {
                    let (code, fix) = match problem {
                        DependencyProblem::Missing { line, .. } => {
                            ("plan::graph::missing_dependency", Some(line.clone()))
                        }
                        DependencyProblem::UsedBeforeCreated { .. } => {
                            ("plan::graph::used_before_created", None)
                        }
                    };
                    ShownProblem {
                        code,
                        migration: edge.user.to_string(),
                        object: edge.object.to_string(),
                        created_by: edge.creator.to_string(),
                        file: edge.at.file.name().to_string(),
                        line: line(&edge.at),
                        fix,
                    }
                })
                .collect(),
            opaque: loaded
                .inference()
                .opaque
                .iter()
                .map(|opaque| ShownOpaque {
                    migration: opaque.migration.to_string(),
                    file: opaque.at.file.name().to_string(),
                    line: line(&opaque.at),
                    reason: opaque.reason.clone(),
                })
                .collect(),
            fixed: fixed
                .iter()
                .map(|fixed| ShownFixed {
                    migration: fixed.migration.to_string(),
                    file: fixed.file.clone(),
                    added: fixed.added.clone(),
                })
                .collect(),
        }
    }

    fn to_text(&self) -> String {
        let mut text = String::new();
        for fixed in &self.fixed {
            text.push_str(&format!(
                "fixed {}: added `{}` to {}\n",
                fixed.migration, fixed.added, fixed.file
            ));
        }
        for opaque in &self.opaque {
            text.push_str(&format!(
                "note: {}:{}: {} could not be read ({}); no dependency is inferred from it\n",
                opaque.file, opaque.line, opaque.migration, opaque.reason
            ));
        }
        if self.clean {
            text.push_str(&format!(
                "checked {}: every dependency the SQL implies is declared\n",
                counted(self.migrations, "migration", "migrations")
            ));
        }
        text
    }
}

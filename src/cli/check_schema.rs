//! `plan check-schema`: prerequisites of pending migrations, objects applied migrations created
//! that are now missing, and drift since the last recorded catalog snapshot. Exit 0 when clean,
//! 1 with findings. The JSON shape is documented in docs/check-schema.md. With `--fleet NAME` or
//! `--targets FILE`, every target of the fleet: `fleet_check.rs`, which `cli/mod.rs` runs instead.

use std::io::Write;

use clap::Args;
use serde::Serialize;

use super::Failure;
use super::{Format, Global};
use crate::diagnostic::{Classified, ErrorClass};
use crate::ops::{SchemaReport, check_schema};

/// Arguments of `plan check-schema`.
#[derive(Debug, Args)]
pub(crate) struct CheckSchemaArgs {
    #[command(flatten)]
    pub(super) fleet: super::fleet::FleetChoice,
}

/// The findings, as a failure (exit 1) after they are printed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{0}")]
#[diagnostic(
    code(plan::cli::schema_findings),
    help("the findings are listed above; `plan check-schema --format json` gives them to scripts")
)]
pub(super) struct Findings(pub(super) String);

/// Findings are what the check is for: the operation ran and failed.
impl Classified for Findings {
    fn class(&self) -> ErrorClass {
        ErrorClass::Failed
    }
}

/// Runs `plan check-schema`.
pub(crate) fn run(
    args: CheckSchemaArgs,
    global: &Global,
    out: &mut dyn Write,
    _err: &mut dyn Write,
) -> Result<(), Failure> {
    super::fleet::check_usage(&args.fleet, None, global)?;
    let loaded = global.load()?;
    let (project, graph) = (loaded.project(), loaded.graph());
    let env = global.checked_env(project)?;
    let settings = global.settings("check-schema")?;
    let report = check_schema(project, graph, &settings, env)?;
    let shown = ShownReport::new(&settings.to_string(), &report);
    let _ = match global.format {
        Format::Json => serde_json::to_writer_pretty(&mut *out, &shown)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out)),
        _ => out.write_all(shown.to_text().as_bytes()),
    };
    if report.is_clean() {
        Ok(())
    } else {
        Err(Failure::from(Findings(format!(
            "check-schema found {} problem(s)",
            shown.findings
        )))
        .after_report())
    }
}

#[derive(Debug, Serialize)]
struct ShownReport {
    format: u32,
    database: String,
    clean: bool,
    findings: usize,
    catalog_queries: usize,
    unmet_prerequisites: Vec<ShownUnmet>,
    missing_objects: Vec<ShownMissing>,
    unverifiable_objects: Vec<ShownUnverifiable>,
    drift: Option<ShownDrift>,
}

#[derive(Debug, Serialize)]
struct ShownUnmet {
    migration: String,
    requires: String,
    declared_at: String,
}

#[derive(Debug, Serialize)]
struct ShownMissing {
    object: String,
    created_by: String,
}

#[derive(Debug, Serialize)]
struct ShownUnverifiable {
    object: String,
    created_by: String,
    opaque_in: String,
    reason: String,
}

#[derive(Debug, Serialize)]
struct ShownDrift {
    since: Option<String>,
    added: Vec<ShownChange>,
    dropped: Vec<ShownChange>,
    altered: Vec<ShownChange>,
}

#[derive(Debug, Serialize)]
struct ShownChange {
    object: String,
    created_by: Option<String>,
}

impl ShownReport {
    fn new(database: &str, report: &SchemaReport) -> Self {
        let drift = report.drift.as_ref().map(|drift| ShownDrift {
            since: drift.since.clone(),
            added: drift
                .added
                .iter()
                .map(|object| ShownChange {
                    object: object.clone(),
                    created_by: None,
                })
                .collect(),
            dropped: drift
                .dropped
                .iter()
                .map(|(object, by)| ShownChange {
                    object: object.clone(),
                    created_by: by.as_ref().map(ToString::to_string),
                })
                .collect(),
            altered: drift
                .altered
                .iter()
                .map(|(object, by)| ShownChange {
                    object: object.clone(),
                    created_by: by.as_ref().map(ToString::to_string),
                })
                .collect(),
        });
        let drift_count = drift.as_ref().map_or(0, |drift| {
            drift.added.len() + drift.dropped.len() + drift.altered.len()
        });
        ShownReport {
            format: 1,
            database: database.to_string(),
            clean: report.is_clean(),
            findings: report.unmet.len() + report.missing.len() + drift_count,
            catalog_queries: report.catalog_queries,
            unmet_prerequisites: report
                .unmet
                .iter()
                .map(|unmet| ShownUnmet {
                    migration: unmet.migration.to_string(),
                    requires: unmet.requirement.to_string(),
                    declared_at: unmet.origin.location(),
                })
                .collect(),
            missing_objects: report
                .missing
                .iter()
                .map(|missing| ShownMissing {
                    object: missing.object.clone(),
                    created_by: missing.migration.to_string(),
                })
                .collect(),
            unverifiable_objects: report
                .unverifiable
                .iter()
                .map(|object| ShownUnverifiable {
                    object: object.object.clone(),
                    created_by: object.migration.to_string(),
                    opaque_in: object.opaque_in.to_string(),
                    reason: object.reason.clone(),
                })
                .collect(),
            drift,
        }
    }

    fn to_text(&self) -> String {
        let mut text = format!("check-schema of {}\n", self.database);
        text.push_str("\nprerequisites of pending migrations:\n");
        if self.unmet_prerequisites.is_empty() {
            text.push_str("  all met\n");
        }
        for unmet in &self.unmet_prerequisites {
            text.push_str(&format!(
                "  {} requires {} ({}): nothing before it in the plan creates it, and the database does not have it\n",
                unmet.migration, unmet.requires, unmet.declared_at
            ));
        }
        text.push_str("\nobjects created by applied migrations:\n");
        if self.missing_objects.is_empty() && self.unverifiable_objects.is_empty() {
            text.push_str("  all present\n");
        }
        for missing in &self.missing_objects {
            text.push_str(&format!(
                "  missing: {} (created by {})\n",
                missing.object, missing.created_by
            ));
        }
        for object in &self.unverifiable_objects {
            text.push_str(&format!(
                "  unverifiable: {} (created by {}) is not in the database, but {} ran code the parser cannot read after it ({}), which may have dropped or renamed it\n",
                object.object, object.created_by, object.opaque_in, object.reason
            ));
        }
        match &self.drift {
            None => {
                text.push_str("\ndrift: no snapshot recorded yet (one is taken at every apply)\n")
            }
            Some(drift) => {
                text.push_str(&format!(
                    "\ndrift since the last apply or rollback ({}):\n",
                    drift.since.as_deref().unwrap_or("unknown time")
                ));
                let none =
                    drift.added.is_empty() && drift.dropped.is_empty() && drift.altered.is_empty();
                if none {
                    text.push_str("  none\n");
                }
                for (sign, what, changes) in [
                    ("+", "added outside the plan", &drift.added),
                    ("-", "dropped outside the plan", &drift.dropped),
                    ("~", "altered outside the plan", &drift.altered),
                ] {
                    for change in changes {
                        let by = change
                            .created_by
                            .as_ref()
                            .map(|id| format!(", created by {id}"))
                            .unwrap_or_default();
                        text.push_str(&format!("  {sign} {} ({what}{by})\n", change.object));
                    }
                }
            }
        }
        text.push_str(&format!(
            "\n{}; catalog queries: {}\n",
            if self.clean {
                "clean".to_string()
            } else {
                format!("{} finding(s)", self.findings)
            },
            self.catalog_queries
        ));
        text
    }
}

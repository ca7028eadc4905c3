//! `plan baseline --to ID [--env NAME] [--dry-run]`: records ID and everything it depends on as
//! applied without running them, for a database built by hand or by psql, once the catalog
//! shows what they create and need (see `ops::baseline`). Exit 0 when recorded; 1 when objects
//! are missing (listed with the migration that creates or needs each); 2 for bad arguments.
//! With `--format json` the report is one object ([`ShownBaseline`], docs/json.md#plan-baseline).

use std::io::Write;

use clap::Args;
use serde::Serialize;

use super::Failure;
use super::Global;
use super::args::resolve_migration;
use crate::engine::Execution;
use crate::ops::{BaselineOptions, baseline};

/// Arguments of `plan baseline`.
#[derive(Debug, Args)]
pub(crate) struct BaselineArgs {
    /// Record this migration and everything it depends on (ID, file name or unique version).
    #[arg(long, value_name = "ID")]
    to: String,
    /// Check the database and show what would be recorded; record nothing.
    #[arg(long)]
    dry_run: bool,
}

/// Runs `plan baseline`.
pub(crate) fn run(
    args: BaselineArgs,
    global: &Global,
    out: &mut dyn Write,
    _err: &mut dyn Write,
) -> Result<(), Failure> {
    let loaded = global.load()?;
    let (project, graph) = (loaded.project(), loaded.graph());
    let env = global.checked_env(project)?;
    let target = resolve_migration(project, &args.to)?;
    let settings = global.settings("baseline")?;
    let options = BaselineOptions {
        target: target.clone(),
        environment: env.map(str::to_string),
        mode: if args.dry_run {
            Execution::DryRun
        } else {
            Execution::Live
        },
    };
    let report = baseline(project, graph, &settings, &options)?;
    let ids = |list: &[crate::project::MigrationId]| -> Vec<String> {
        list.iter().map(ToString::to_string).collect()
    };
    if global.json() {
        let shown = ShownBaseline {
            format: 1,
            database: settings.to_string(),
            environment: env.map(str::to_string),
            dry_run: args.dry_run,
            target: target.to_string(),
            objects_checked: report.objects_checked,
            catalog_queries: report.catalog_queries,
            recorded: ids(&report.recorded),
            already_recorded: ids(&report.already_recorded),
            batch: report.batch,
        };
        let _ = serde_json::to_writer_pretty(&mut *out, &shown)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out));
        return Ok(());
    }
    let ledger = project.manifest().tracking_table().to_string();
    let mut text = format!(
        "checked {} object(s) that {target} and its dependencies create or need: all present ({} catalog quer{})\n",
        report.objects_checked,
        report.catalog_queries,
        if report.catalog_queries == 1 {
            "y"
        } else {
            "ies"
        }
    );
    let ids = |list: &[crate::project::MigrationId]| ids(list).join(", ");
    if !report.already_recorded.is_empty() {
        text.push_str(&format!(
            "already in {ledger}, left as they are: {}\n",
            ids(&report.already_recorded)
        ));
    }
    text.push_str(
        &match (report.recorded.is_empty(), args.dry_run, report.batch) {
            (true, _, _) => "nothing to record\n".to_string(),
            (false, true, _) => format!(
                "dry run: would record {} as applied; nothing was recorded\n",
                ids(&report.recorded)
            ),
            (false, false, batch) => format!(
                "recorded as applied without running them{}: {}\n",
                batch
                    .map(|batch| format!(" (batch {batch})"))
                    .unwrap_or_default(),
                ids(&report.recorded)
            ),
        },
    );
    let _ = out.write_all(text.as_bytes());
    Ok(())
}

/// The report of `plan baseline --format json`: one object, `format` 1 (docs/json.md).
#[derive(Debug, Serialize)]
struct ShownBaseline {
    format: u32,
    /// The database, as a URL without the password.
    database: String,
    /// `--env`.
    environment: Option<String>,
    dry_run: bool,
    /// The migration `--to` named, as its full ID.
    target: String,
    /// Objects the target and its dependencies create or need, all found present.
    objects_checked: usize,
    /// Catalog queries the check made.
    catalog_queries: usize,
    /// Recorded as applied without running (a dry run: would be), in plan order.
    recorded: Vec<String>,
    /// Already in the ledger, left as they are.
    already_recorded: Vec<String>,
    /// The batch the rows were recorded in; `null` in a dry run or when nothing was recorded.
    batch: Option<i32>,
}

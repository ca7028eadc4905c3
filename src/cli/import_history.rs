//! `plan import-history [--from auto|TOOL|TABLE] [--dry-run]`: records the migrations another
//! runner's tracking table lists as applied, keeping their times, without running them (see
//! `ops::import_history`). Reports rows with no file, files not in the table (after or before
//! what it lists), rolled-back or failed rows and changed checksums on stdout. Exit 0 when recorded (or, with `--dry-run`, when it would be); 1 when refused; 2
//! when the table cannot be found or read. With `--format json` the report is one object
//! ([`ShownImport`], docs/json.md#plan-import-history).

use std::io::Write;

use clap::Args;
use serde::Serialize;

use super::Failure;
use super::Global;
use crate::engine::Execution;
use crate::ops::{ImportOptions, ImportReport, import_history};

/// Arguments of `plan import-history`.
#[derive(Debug, Args)]
pub(crate) struct ImportHistoryArgs {
    /// Where the history is: `auto` (the default: the one known tracking table there is), a
    /// tool (flyway, sqitch, dbmate, goose, golang-migrate, sqlx, node-pg-migrate, prisma,
    /// diesel, morph, seed-000 … seed-004), or a table as SCHEMA.TABLE (a bare name is looked
    /// for through the search_path).
    #[arg(long, value_name = "auto|TOOL|TABLE")]
    from: Option<String>,
    /// Show what would be recorded, and record nothing.
    #[arg(long)]
    dry_run: bool,
}

/// Runs `plan import-history`.
pub(crate) fn run(
    args: ImportHistoryArgs,
    global: &Global,
    out: &mut dyn Write,
    _err: &mut dyn Write,
) -> Result<(), Failure> {
    let loaded = global.load()?;
    let (project, graph) = (loaded.project(), loaded.graph());
    let settings = global.settings("import-history")?;
    let options = ImportOptions {
        from: args.from,
        mode: if args.dry_run {
            Execution::DryRun
        } else {
            Execution::Live
        },
    };
    let report = import_history(project, graph, &settings, &options)?;
    let ledger = project.manifest().tracking_table().to_string();
    if global.json() {
        let shown = ShownImport::new(&settings.to_string(), &report, args.dry_run);
        let _ = serde_json::to_writer_pretty(&mut *out, &shown)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out));
    } else {
        let _ = out.write_all(render(&report, &ledger, args.dry_run).as_bytes());
    }
    Ok(())
}

/// The report of `plan import-history --format json`: one object, `format` 1 (docs/json.md).
#[derive(Debug, Serialize)]
struct ShownImport {
    format: u32,
    /// The database, as a URL without the password.
    database: String,
    dry_run: bool,
    /// The other runner's table, as SCHEMA.TABLE.
    table: String,
    /// The tool whose table it is, as `--from` names it (`flyway`, `seed-000`).
    tool: &'static str,
    /// The runner whose table it is, for people.
    runner: &'static str,
    /// How its rows were read, for people.
    described: &'static str,
    /// Imported (a dry run: would be), in plan order.
    imported: Vec<ShownImported>,
    already_recorded: Vec<String>,
    rolled_back: Vec<String>,
    unmatched: Vec<ShownUnmatched>,
    not_in_table: Vec<String>,
    /// Files the table does not list that sort before one it lists.
    out_of_order: Vec<String>,
    checksum_changes: Vec<ShownChecksumChange>,
    /// Whether the rows were recorded (false in a dry run or when nothing was imported).
    recorded: bool,
}

#[derive(Debug, Serialize)]
struct ShownImported {
    id: String,
    /// The row as the other table has it.
    row: String,
    applied_at: Option<String>,
    batch: i32,
}

#[derive(Debug, Serialize)]
struct ShownUnmatched {
    row: String,
    help: String,
}

#[derive(Debug, Serialize)]
struct ShownChecksumChange {
    id: String,
    recorded: String,
    current: String,
    /// A repeatable migration, recorded so that `plan apply` runs it again.
    rerun: bool,
}

impl ShownImport {
    fn new(database: &str, report: &ImportReport, dry_run: bool) -> Self {
        let ids = |list: &[crate::project::MigrationId]| -> Vec<String> {
            list.iter().map(ToString::to_string).collect()
        };
        ShownImport {
            format: 1,
            database: database.to_string(),
            dry_run,
            table: report.table.clone(),
            tool: report.shape.tool,
            runner: report.shape.runner,
            described: report.shape.described,
            imported: report
                .imported
                .iter()
                .map(|imported| ShownImported {
                    id: imported.id.to_string(),
                    row: imported.written.clone(),
                    applied_at: imported.applied_at.clone(),
                    batch: imported.batch,
                })
                .collect(),
            already_recorded: ids(&report.already_recorded),
            rolled_back: ids(&report.rolled_back),
            unmatched: report
                .unmatched
                .iter()
                .map(|row| ShownUnmatched {
                    row: row.written.clone(),
                    help: row.help.clone(),
                })
                .collect(),
            not_in_table: ids(&report.not_in_table),
            out_of_order: ids(&report.out_of_order),
            checksum_changes: report
                .checksum_changes
                .iter()
                .map(|change| ShownChecksumChange {
                    id: change.id.to_string(),
                    recorded: change.recorded.clone(),
                    current: change.current.clone(),
                    rerun: change.rerun,
                })
                .collect(),
            recorded: report.recorded,
        }
    }
}

fn render(report: &ImportReport, ledger: &str, dry_run: bool) -> String {
    let mut text = format!(
        "{} read as {}: {}\n",
        report.table, report.shape.runner, report.shape.described
    );
    let width = report
        .imported
        .iter()
        .map(|imported| imported.id.as_str().len())
        .max()
        .unwrap_or(0);
    if !report.imported.is_empty() {
        text.push_str(&format!(
            "\n{} into {ledger}:\n",
            if dry_run { "would import" } else { "imported" }
        ));
    }
    for imported in &report.imported {
        text.push_str(&format!(
            "  {:<width$}  applied {}, batch {}  (row: {})\n",
            imported.id.as_str(),
            imported
                .applied_at
                .as_deref()
                .unwrap_or("at an unknown time (recorded as now)"),
            imported.batch,
            imported.written
        ));
    }
    let list = |ids: &[crate::project::MigrationId]| {
        ids.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !report.already_recorded.is_empty() {
        text.push_str(&format!(
            "\nalready in {ledger}, left as they are: {}\n",
            list(&report.already_recorded)
        ));
    }
    if !report.rolled_back.is_empty() {
        text.push_str(&format!(
            "\n{} according to {}, so not imported: {}\n",
            report.shape.skipped,
            report.table,
            list(&report.rolled_back)
        ));
    }
    if !report.unmatched.is_empty() {
        text.push_str(&format!(
            "\nwarning: {} row(s) of {} match no migration file, and were not imported:\n",
            report.unmatched.len(),
            report.table
        ));
        for row in &report.unmatched {
            text.push_str(&format!("  {}: {}\n", row.written, row.help));
        }
    }
    if !report.not_in_table.is_empty() {
        text.push_str(&format!(
            "\nnot in {} (plan apply will run them): {}\n",
            report.table,
            list(&report.not_in_table)
        ));
    }
    if !report.out_of_order.is_empty() {
        text.push_str(&format!(
            "\nwarning: not in {} although they sort before migrations it lists (out of order; plan apply --allow-out-of-order runs them): {}\n",
            report.table,
            list(&report.out_of_order)
        ));
    }
    for change in &report.checksum_changes {
        text.push_str(&format!(
            "\nwarning: {} changed since {} recorded its checksum ({} → {}); {}\n",
            change.id,
            report.table,
            short(&change.recorded),
            short(&change.current),
            if change.rerun {
                "it is repeatable: plan apply will run it again"
            } else {
                "the ledger records the file as it is now"
            }
        ));
    }
    let count = report.imported.len();
    text.push('\n');
    text.push_str(&if count == 0 {
        "nothing to import\n".to_string()
    } else if dry_run {
        format!("dry run: {count} migration(s) would be imported; nothing was recorded\n")
    } else {
        format!(
            "imported {count} migration(s) into {ledger} in one transaction, without running them; a catalog snapshot was recorded for check-schema\n"
        )
    });
    text
}

fn short(checksum: &str) -> String {
    checksum.chars().take(12).collect()
}

//! The import itself: the options and the report, the command's flow (lock, find and read the
//! table, read the ledger, plan, record) and the pure planning of what is recorded: which
//! migrations, in which batches, and what is reported beside them (rows rolled back, rows
//! matching no file, checksums changed, dependencies not applied).
//!
//! Writing the ledger and the catalog snapshot is `adopt.rs`'s, shared with `baseline`.

use indexmap::{IndexMap, IndexSet};

use super::foreign::{ForeignRow, find_table, read_rows};
use super::matching::{match_row, rows_by_id};
use super::shapes::{TABLE_SHAPES, TableShape};
use crate::db::ledger::Adopted;
use crate::db::{self, ConnectionSettings, LedgerRow, LedgerState};
use crate::engine::{self, Execution};
use crate::graph::Graph;
use crate::ops::adopt::{AdoptError, UnappliedDependency, open_session, record};
use crate::project::{MigrationId, Project};

/// What `import-history` should read, and whether to record it.
#[derive(Clone, Debug)]
pub(crate) struct ImportOptions {
    /// The tracking table (`schema.table`, or a name found through the search_path); `None`
    /// looks for the tables the known runners create.
    pub from: Option<String>,
    /// Record, or only report what would be recorded.
    pub mode: Execution,
}

/// What `import-history` found and did.
#[derive(Clone, Debug)]
pub(crate) struct ImportReport {
    /// The table read, `schema.table`.
    pub table: String,
    /// Its shape.
    pub shape: &'static TableShape,
    /// Migrations recorded (or, in a dry run, to record), in plan order.
    pub imported: Vec<ImportedMigration>,
    /// Migrations the table lists that the ledger already holds.
    pub already_recorded: Vec<MigrationId>,
    /// Migrations whose rows say they were rolled back: not applied, not imported.
    pub rolled_back: Vec<MigrationId>,
    /// Rows that match no migration file.
    pub unmatched: Vec<UnmatchedRow>,
    /// Migrations neither in the table nor in the ledger: `plan apply` will run them.
    pub not_in_table: Vec<MigrationId>,
    /// Files whose content differs from the checksum the other runner recorded.
    pub checksum_changes: Vec<ChecksumChange>,
    /// Whether the ledger was written (false for a dry run, or with nothing to import).
    pub recorded: bool,
}

/// One migration imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ImportedMigration {
    /// The migration.
    pub id: MigrationId,
    /// The row as the other runner wrote it.
    pub written: String,
    /// When the other runner applied it, `YYYY-MM-DD HH:MM:SS UTC`; `None` when it did not say.
    pub applied_at: Option<String>,
    /// The batch it is recorded in.
    pub batch: i32,
}

/// A row of the other runner's table that names no migration file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UnmatchedRow {
    /// The row as written.
    pub written: String,
    /// Why, and what might have been meant.
    pub help: String,
}

/// A file that changed since the other runner applied it (seed 004 kept checksums).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChecksumChange {
    /// The migration.
    pub id: MigrationId,
    /// The checksum the other runner recorded.
    pub recorded: String,
    /// The file's checksum now, which is what the ledger records.
    pub current: String,
}

/// Reads another runner's tracking table and records what it lists as applied: see the
/// documentation of `ops::import_history`.
pub(crate) fn import_history(
    project: &Project,
    graph: &Graph,
    settings: &ConnectionSettings,
    options: &ImportOptions,
) -> Result<ImportReport, AdoptError> {
    let tracking = project.manifest().tracking_table();
    let database = engine::target(project, settings);
    let ledger = database.ledger();
    let mut session = open_session(&database, options.mode)?;
    let table = find_table(&mut session, options.from.as_deref(), tracking)?;
    let shape = TableShape::recognise(&table.columns).ok_or_else(|| AdoptError::UnknownShape {
        table: table.name(),
        columns: table.columns.join(", "),
        shapes: TABLE_SHAPES
            .iter()
            .map(|shape| format!("  {}: {}", shape.seed, shape.described))
            .collect::<Vec<_>>()
            .join("\n"),
    })?;
    let rows = read_rows(&mut session, &table, shape)?;
    let ledger_rows = ledger.read(&mut session)?;
    let first_batch = if ledger.exists(&mut session)? {
        ledger.next_batch(&mut session)?
    } else {
        1
    };
    let mut report = plan_import(
        project,
        graph,
        &table.name(),
        shape,
        &rows,
        &ledger_rows,
        first_batch,
    )?;
    if options.mode == Execution::Live && !report.imported.is_empty() {
        let details: Vec<String> = report
            .imported
            .iter()
            .map(|imported| format!("imported from {}: {}", report.table, imported.written))
            .collect();
        let times: IndexMap<&MigrationId, &ForeignRow> = rows_by_id(project, &rows);
        let adopted: Vec<Adopted<'_>> = report
            .imported
            .iter()
            .zip(&details)
            .filter_map(|(imported, detail)| {
                let migration = project.migration(&imported.id)?;
                let row = times.get(&imported.id)?;
                Some(Adopted {
                    id: imported.id.as_str(),
                    checksum: migration.checksum(),
                    batch: imported.batch,
                    applied_at: row.applied_at.as_deref(),
                    duration_ms: row.duration_ms.unwrap_or(0),
                    environment: None,
                    detail,
                })
            })
            .collect();
        let last_batch = report.imported.iter().map(|imported| imported.batch).max();
        record(
            &mut session,
            &database,
            db::HistoryAction::Import,
            &adopted,
            last_batch,
        )?;
        report.recorded = true;
    }
    session.close()?;
    Ok(report)
}

/// What an import records, and what it reports, from the rows read. Pure.
fn plan_import(
    project: &Project,
    graph: &Graph,
    table: &str,
    shape: &'static TableShape,
    rows: &[ForeignRow],
    ledger_rows: &[LedgerRow],
    first_batch: i32,
) -> Result<ImportReport, AdoptError> {
    let mut report = ImportReport {
        table: table.to_string(),
        shape,
        imported: Vec::new(),
        already_recorded: Vec::new(),
        rolled_back: Vec::new(),
        unmatched: Vec::new(),
        not_in_table: Vec::new(),
        checksum_changes: Vec::new(),
        recorded: false,
    };
    for row in rows {
        if let Err(help) = match_row(project, row) {
            report.unmatched.push(UnmatchedRow {
                written: row.written(),
                help,
            });
        }
    }
    let chosen = rows_by_id(project, rows);
    let in_ledger: IndexMap<&str, &LedgerRow> = ledger_rows
        .iter()
        .map(|row| (row.id.as_str(), row))
        .collect();
    let mut to_import: Vec<(&MigrationId, &ForeignRow)> = Vec::new();
    for id in graph.order() {
        match chosen.get(id) {
            None if in_ledger.contains_key(id.as_str()) => {}
            None => report.not_in_table.push(id.clone()),
            Some(row) if row.rolled_back => {
                if !in_ledger.contains_key(id.as_str()) {
                    report.rolled_back.push(id.clone());
                }
            }
            Some(_) if in_ledger.contains_key(id.as_str()) => {
                report.already_recorded.push(id.clone());
            }
            Some(row) => to_import.push((id, row)),
        }
    }

    let importing: IndexSet<&str> = to_import.iter().map(|(id, _)| id.as_str()).collect();
    let mut gaps = Vec::new();
    for (id, _) in &to_import {
        for (dependency, kind) in graph.dependencies_of(id) {
            let applied = importing.contains(dependency.as_str())
                || in_ledger
                    .get(dependency.as_str())
                    .is_some_and(|row| row.state == LedgerState::Applied);
            if !applied {
                gaps.push(UnappliedDependency {
                    id: id.to_string(),
                    dependency: dependency.to_string(),
                    table: table.to_string(),
                    how: match kind {
                        crate::graph::EdgeKind::Sequence => {
                            " (it comes before it in sequence)".to_string()
                        }
                        crate::graph::EdgeKind::Declared => String::new(),
                    },
                });
            }
        }
    }
    if !gaps.is_empty() {
        return Err(AdoptError::UnappliedDependencies {
            table: table.to_string(),
            gaps,
        });
    }

    // Batches: the other runner's own, renumbered from the ledger's next one so that none is
    // reused; without a batch column, one per migration in plan order, so that `plan rollback
    // --last-batch` reverts one migration, as `migrate:down` did.
    let their_batches: Vec<Option<i64>> = {
        let mut batches: Vec<Option<i64>> = to_import.iter().map(|(_, row)| row.batch).collect();
        batches.sort();
        batches.dedup();
        batches
    };
    for (position, (id, row)) in to_import.iter().enumerate() {
        let offset = if shape.batch.is_some() {
            their_batches
                .iter()
                .position(|batch| *batch == row.batch)
                .unwrap_or(0)
        } else {
            position
        };
        report.imported.push(ImportedMigration {
            id: (*id).clone(),
            written: row.written(),
            applied_at: row.shown_time(),
            batch: first_batch.saturating_add(i32::try_from(offset).unwrap_or(i32::MAX)),
        });
        if let (Some(recorded), Some(migration)) = (&row.checksum, project.migration(id)) {
            let recorded = recorded.to_ascii_lowercase();
            // Only a SHA-256 can be compared with ours; another algorithm says nothing. Another
            // runner hashed the file, never plan.yaml, so the file's own checksum is compared.
            let comparable =
                recorded.len() == 64 && recorded.bytes().all(|byte| byte.is_ascii_hexdigit());
            if comparable && recorded != migration.file_checksum() {
                report.checksum_changes.push(ChecksumChange {
                    id: (*id).clone(),
                    recorded,
                    current: migration.file_checksum().to_string(),
                });
            }
        }
    }
    Ok(report)
}

//! The import itself: the options and the report, the command's flow (lock, find and read the
//! table, read the ledger, plan, record) and the pure planning of what is recorded: which
//! migrations, in which batches, with which checksum and history detail, and what is reported
//! beside them (rows rolled back or failed, rows matching no file, files the table does not
//! list, before or after what it lists, checksums changed, dependencies not applied).
//!
//! Writing the ledger and the catalog snapshot is `adopt.rs`'s, shared with `baseline`.

use indexmap::{IndexMap, IndexSet};

use super::foreign::{ForeignRow, Wanted, find_table, read_rows, read_sqitch_registry};
use super::matching::{at_most, match_row, rows_by_id};
use super::shapes::{Rule, TableShape, ToolChecksum};
use super::{checksum, flyway, sqitch};
use crate::db::ledger::Adopted;
use crate::db::{self, ConnectionSettings, LedgerRow, LedgerState};
use crate::engine::{self, Execution};
use crate::graph::Graph;
use crate::ops::adopt::{AdoptError, UnappliedDependency, open_session, record};
use crate::project::migration::Version;
use crate::project::{MigrationId, Project};

/// What `import-history` should read, and whether to record it.
#[derive(Clone, Debug)]
pub(crate) struct ImportOptions {
    /// `auto` (or `None`): the one known tracking table there is; a tool's name (`flyway`):
    /// that tool's table; else a table (`schema.table`, or a name found through the
    /// search_path).
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
    /// Migrations neither in the table nor in the ledger, after every migration it lists:
    /// `plan apply` will run them.
    pub not_in_table: Vec<MigrationId>,
    /// Migrations neither in the table nor in the ledger that sort before one it lists: `plan
    /// apply --allow-out-of-order` runs them (in a numbered sequence plain `apply` refuses).
    pub out_of_order: Vec<MigrationId>,
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
    /// The checksum the ledger records: the migration's now, or for a repeatable migration
    /// changed since the tool ran it, one that cannot match (so that `plan apply` runs it again).
    pub checksum: String,
    /// The history's detail: where it comes from, with the tool's checksum and user.
    pub detail: String,
    /// How long it took, when the tool measured it.
    pub duration_ms: Option<i64>,
    /// When it was applied, as PostgreSQL reads it (`2024-01-20T10:00:00.000000Z`).
    pub applied_at_exact: Option<String>,
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
    /// The file's checksum now, computed the tool's way.
    pub current: String,
    /// A repeatable migration: recorded so that `plan apply` runs it again. A versioned one is
    /// recorded as the file is now.
    pub rerun: bool,
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
    let wanted = Wanted::parse(options.from.as_deref());
    let (table, shape) = find_table(&mut session, wanted, tracking)?;
    let sqitch_project = (shape.tool == "sqitch")
        .then(|| project.sqitch_project())
        .flatten();
    let mut rows = read_rows(&mut session, &table, shape, sqitch_project)?;
    if let Some(dirty) = rows.iter().find(|row| row.dirty) {
        return Err(AdoptError::DirtyTable {
            table: table.name(),
            version: dirty.version.clone().unwrap_or_default(),
        });
    }
    if let Some(name) = sqitch_project {
        let registry = read_sqitch_registry(&mut session, &table, name)?;
        // A registry of other projects only: the plan is not the one deployed here (renamed,
        // or another folder), and "nothing to import" would have `plan apply` run it all.
        if rows.is_empty() && !registry.projects.is_empty() {
            return Err(AdoptError::OtherSqitchProject {
                table: table.name(),
                project: name.to_string(),
                projects: registry.projects.join(", "),
            });
        }
        rows = sqitch::map_instances(project, rows, name, registry.uri.as_deref());
    }
    if shape.reading.baseline.is_some() {
        rows = flyway::expand_baselines(project, rows);
    }
    let rows = match shape.rule {
        Rule::UpTo => up_to(project, &rows),
        Rule::Rows | Rule::LatestDecides => rows,
    };
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
        let adopted: Vec<Adopted<'_>> = report
            .imported
            .iter()
            .map(|imported| Adopted {
                id: imported.id.as_str(),
                checksum: &imported.checksum,
                batch: imported.batch,
                applied_at: imported.applied_at_exact.as_deref(),
                duration_ms: imported.duration_ms.unwrap_or(0),
                environment: None,
                detail: &imported.detail,
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

/// golang-migrate's one row, `version` reached, as one row per migration up to it (each
/// versioned migration whose version is at most that one), in the project's order.
fn up_to(project: &Project, rows: &[ForeignRow]) -> Vec<ForeignRow> {
    let Some(reached) = rows
        .last()
        .and_then(|row| row.version.as_deref())
        .and_then(Version::dotted)
    else {
        return Vec::new();
    };
    project
        .migrations()
        .filter(|migration| !migration.is_repeatable())
        .filter(|migration| {
            migration
                .version()
                .is_some_and(|version| at_most(version, &reached))
        })
        .map(|migration| ForeignRow {
            version: migration
                .version()
                .map(|version| version.as_str().to_string()),
            name: Some(migration.id().to_string()),
            ..ForeignRow::default()
        })
        .collect()
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
        out_of_order: Vec::new(),
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
    let chosen = rows_by_id(project, rows, shape.rule);
    let in_ledger: IndexMap<&str, &LedgerRow> = ledger_rows
        .iter()
        .map(|row| (row.id.as_str(), row))
        .collect();
    let mut to_import: Vec<(&MigrationId, &ForeignRow)> = Vec::new();
    // Files the table does not list, and whether a migration it lists comes after each.
    let mut unlisted: Vec<(&MigrationId, bool)> = Vec::new();
    for id in graph.order() {
        let repeatable = project
            .migration(id)
            .is_some_and(|migration| migration.is_repeatable());
        match chosen.get(id) {
            None if in_ledger.contains_key(id.as_str()) => {}
            None => unlisted.push((id, false)),
            Some(row) if row.rolled_back => {
                if !in_ledger.contains_key(id.as_str()) {
                    report.rolled_back.push(id.clone());
                }
            }
            Some(_) if in_ledger.contains_key(id.as_str()) => {
                report.already_recorded.push(id.clone());
                if !repeatable {
                    unlisted.iter_mut().for_each(|(_, before)| *before = true);
                }
            }
            Some(row) => {
                to_import.push((id, row));
                if !repeatable {
                    unlisted.iter_mut().for_each(|(_, before)| *before = true);
                }
            }
        }
    }
    for (id, before_a_listed_one) in unlisted {
        let repeatable = project
            .migration(id)
            .is_some_and(|migration| migration.is_repeatable());
        if before_a_listed_one && !repeatable {
            report.out_of_order.push(id.clone());
        } else {
            report.not_in_table.push(id.clone());
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
            // A sequence's gap is a file added out of order, reported as such; a declared
            // dependency left unapplied would be recorded wrong.
            if !applied && kind == crate::graph::EdgeKind::Declared {
                gaps.push(UnappliedDependency {
                    id: id.to_string(),
                    dependency: dependency.to_string(),
                    table: table.to_string(),
                    how: String::new(),
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
        let offset = if shape.reading.batch.is_some() {
            their_batches
                .iter()
                .position(|batch| *batch == row.batch)
                .unwrap_or(0)
        } else {
            position
        };
        let Some(migration) = project.migration(id) else {
            continue;
        };
        let change = checksum_change(shape.checksum, migration, row);
        let recorded_checksum = match (&change, &row.checksum) {
            // A checksum that no file has: `plan apply` sees it changed and runs it again.
            (Some(change), Some(theirs)) if change.rerun => format!("{}:{theirs}", shape.tool),
            _ => migration.checksum().to_string(),
        };
        report.imported.push(ImportedMigration {
            id: (*id).clone(),
            written: row.written(),
            applied_at: row.shown_time(),
            batch: first_batch.saturating_add(i32::try_from(offset).unwrap_or(i32::MAX)),
            checksum: recorded_checksum,
            detail: detail(table, shape, row),
            duration_ms: row.duration_ms,
            applied_at_exact: row.applied_at.clone(),
        });
        report.checksum_changes.extend(change);
    }
    Ok(report)
}

/// The history's detail for an imported row: `imported from public.flyway_schema_history:
/// V1__init.sql (flyway checksum -1234, by postgres)`.
fn detail(table: &str, shape: &TableShape, row: &ForeignRow) -> String {
    let mut kept: Vec<String> = row.how.iter().cloned().collect();
    if let Some(theirs) = &row.checksum {
        kept.push(format!("{} checksum {theirs}", shape.tool));
    }
    if let Some(user) = &row.user {
        kept.push(format!("by {user}"));
    }
    let mut detail = format!("imported from {table}: {}", row.written());
    if !kept.is_empty() {
        detail.push_str(&format!(" ({})", kept.join(", ")));
    }
    detail
}

/// The file's change since the tool recorded its checksum, computed the tool's way, if it
/// changed and the tool's checksum says something.
fn checksum_change(
    kind: ToolChecksum,
    migration: &crate::project::Migration,
    row: &ForeignRow,
) -> Option<ChecksumChange> {
    let theirs = row.checksum.as_deref()?;
    let theirs = match kind {
        ToolChecksum::Sha256 | ToolChecksum::Sha384 => theirs.to_ascii_lowercase(),
        _ => theirs.to_string(),
    };
    if !checksum::comparable(kind, &theirs) {
        return None;
    }
    // Another runner hashed the file, never plan.yaml: the file's own checksum is compared.
    let current = match kind {
        ToolChecksum::Sha256 => migration.file_checksum().to_string(),
        _ => checksum::of_file(kind, migration.file().text())?,
    };
    (current != theirs).then(|| ChecksumChange {
        id: migration.id().clone(),
        recorded: theirs,
        current,
        rerun: migration.is_repeatable(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_detail_keeps_the_tools_checksum_and_user() {
        let flyway = TableShape::of_tool("flyway").expect("flyway is known");
        let row = ForeignRow {
            version: Some("1".to_string()),
            name: Some("V1__init.sql".to_string()),
            checksum: Some("-1234".to_string()),
            user: Some("postgres".to_string()),
            ..ForeignRow::default()
        };
        assert_eq!(
            detail("public.flyway_schema_history", flyway, &row),
            "imported from public.flyway_schema_history: V1__init.sql (flyway checksum -1234, by postgres)"
        );
    }
}

//! `plan import-history`: reads the tracking table of another runner (the five shapes our
//! users' runners keep, [`TABLE_SHAPES`]) and records the migrations it lists as applied,
//! keeping their times (and seed 003's batches), without running anything.
//!
//! It holds the advisory lock, writes the ledger in one transaction (history action `import`)
//! and then records a catalog snapshot so that `check-schema` has a reference, as `baseline`
//! does (`adopt.rs`); a refused run changes nothing. The few catalog queries that find and read
//! another runner's table live here, beside the only code that needs them; everything else goes
//! through db/.

use indexmap::{IndexMap, IndexSet};

use super::adopt::{AdoptError, TRACKING_TABLE_NAMES, UnappliedDependency, open_session, record};
use crate::db::ledger::Adopted;
use crate::db::{
    self, ConnectionSettings, DbError, LedgerRow, LedgerState, Session, SqlError, quote_identifier,
};
use crate::engine::{self, Execution};
use crate::graph::Graph;
use crate::project::{MigrationId, Project, Resolution, TrackingTable};

/// A tracking-table shape `import-history` recognises, by the columns it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TableShape {
    /// The seed README that describes the runner (`seed 000`).
    pub seed: &'static str,
    /// Which runner keeps it.
    pub runner: &'static str,
    /// The table as that runner creates it.
    pub described: &'static str,
    /// The column holding a version (`001`), read with the name when the name alone matches
    /// no file.
    version: Option<&'static str>,
    /// The column naming the migration.
    name: &'static str,
    /// When it was applied.
    applied_at: &'static str,
    /// The runner's batch, kept.
    batch: Option<&'static str>,
    /// Set when the runner rolled the migration back: such a row is not applied.
    rolled_back_at: Option<&'static str>,
    /// The runner's checksum of the file (SHA-256 hex), compared with the file now.
    checksum: Option<&'static str>,
    /// How long the migration took.
    duration_ms: Option<&'static str>,
}

/// The shapes known, most specific first: a table is read with the first whose columns it has.
pub(crate) const TABLE_SHAPES: [TableShape; 5] = [
    TableShape {
        seed: "seed 000",
        runner: "seed 000 (run-migration.js up|down)",
        described: "schema_migrations(version, name, applied_at, rolled_back_at)",
        version: Some("version"),
        name: "name",
        applied_at: "applied_at",
        batch: None,
        rolled_back_at: Some("rolled_back_at"),
        checksum: None,
        duration_ms: None,
    },
    TableShape {
        seed: "seed 004",
        runner: "seed 004 (migrations at server start, with checksums)",
        described: "schema_migrations(id, migration_name, applied_at, checksum, execution_time_ms)",
        version: None,
        name: "migration_name",
        applied_at: "applied_at",
        batch: None,
        rolled_back_at: None,
        checksum: Some("checksum"),
        duration_ms: Some("execution_time_ms"),
    },
    TableShape {
        seed: "seed 001",
        runner: "seed 001 (manual tracking beside apply-migration.js)",
        described: "platform.schema_migrations(id, migration_name, applied_at)",
        version: None,
        name: "migration_name",
        applied_at: "applied_at",
        batch: None,
        rolled_back_at: None,
        checksum: None,
        duration_ms: None,
    },
    TableShape {
        seed: "seed 003",
        runner: "seed 003 (npm run migrate, with batches)",
        described: "_migrations(id, name, batch, executed_at)",
        version: None,
        name: "name",
        applied_at: "executed_at",
        batch: Some("batch"),
        rolled_back_at: None,
        checksum: None,
        duration_ms: None,
    },
    TableShape {
        seed: "seed 002",
        runner: "seed 002 (npm run migrate:up)",
        described: "schema_migrations(id, name, executed_at)",
        version: Some("id"),
        name: "name",
        applied_at: "executed_at",
        batch: None,
        rolled_back_at: None,
        checksum: None,
        duration_ms: None,
    },
];

impl TableShape {
    /// The columns a table must have to be read with this shape.
    fn required(&self) -> Vec<&'static str> {
        [
            self.version,
            Some(self.name),
            Some(self.applied_at),
            self.batch,
            self.rolled_back_at,
            self.checksum,
            self.duration_ms,
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The first known shape whose columns are all among `columns`.
    pub(crate) fn recognise(columns: &[String]) -> Option<&'static TableShape> {
        TABLE_SHAPES.iter().find(|shape| {
            shape
                .required()
                .iter()
                .all(|wanted| columns.iter().any(|column| column == wanted))
        })
    }
}

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
/// module documentation.
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

/// Another runner's table: where it is and its columns, in order.
struct ForeignTable {
    schema: String,
    table: String,
    columns: Vec<String>,
}

impl ForeignTable {
    fn name(&self) -> String {
        format!("{}.{}", self.schema, self.table)
    }

    fn from_row(row: Vec<Option<String>>) -> Option<ForeignTable> {
        let mut columns = row.into_iter();
        let schema = columns.next().flatten()?;
        let table = columns.next().flatten()?;
        let names = columns.next().flatten().unwrap_or_default();
        Some(ForeignTable {
            schema,
            table,
            columns: names
                .split('\u{1f}')
                .filter(|name| !name.is_empty())
                .map(str::to_string)
                .collect(),
        })
    }
}

/// One row of another runner's table, every value as text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct ForeignRow {
    version: Option<String>,
    name: Option<String>,
    /// ISO 8601 in UTC with microseconds, as PostgreSQL reads it back exactly.
    applied_at: Option<String>,
    batch: Option<i64>,
    rolled_back: bool,
    checksum: Option<String>,
    duration_ms: Option<i64>,
}

impl ForeignRow {
    /// The row as the user would recognise it: `001 admin_center_schema`, `002_x.sql`.
    fn written(&self) -> String {
        match (&self.version, &self.name) {
            (Some(version), Some(name)) if !name.starts_with(version.as_str()) => {
                format!("{version} {name}")
            }
            (_, Some(name)) => name.clone(),
            (Some(version), None) => version.clone(),
            (None, None) => "(a row without a name)".to_string(),
        }
    }

    /// `YYYY-MM-DD HH:MM:SS UTC`, as `plan status` shows times.
    fn shown_time(&self) -> Option<String> {
        let time = self.applied_at.as_deref()?;
        Some(format!("{} UTC", time.get(..19)?.replace('T', " ")))
    }
}

/// Finds the table to import: `from` through the search_path, or else the one table with a
/// known runner's name (outside the system schemas and the ledger).
fn find_table(
    session: &mut Session,
    from: Option<&str>,
    tracking: &TrackingTable,
) -> Result<ForeignTable, AdoptError> {
    const COLUMNS: &str = "coalesce(string_agg(a.attname::text, chr(31) ORDER BY a.attnum), '')";
    match from {
        Some(written) => {
            let sql = format!(
                "SELECT n.nspname::text, c.relname::text, {COLUMNS}
                 FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                 WHERE c.oid = to_regclass($1)
                 GROUP BY 1, 2"
            );
            let rows = match session.query_texts(&sql, &[written]) {
                Ok(rows) => rows,
                // A name PostgreSQL cannot parse (`a.b.c.d`) is bad input, not a failure.
                Err(error) if is_name_error(&error) => {
                    return Err(AdoptError::TrackingTableNotFound {
                        written: written.to_string(),
                        help: format!("{}; write it as schema.table", error.message),
                    });
                }
                Err(error) => {
                    return Err(session.error("look for the tracking table", &error).into());
                }
            };
            rows.into_iter()
                .next()
                .and_then(ForeignTable::from_row)
                .ok_or_else(|| AdoptError::TrackingTableNotFound {
                    written: written.to_string(),
                    help: "write it as schema.table (an unqualified name is looked for through the search_path)".to_string(),
                })
        }
        None => {
            let sql = format!(
                "SELECT n.nspname::text, c.relname::text, {COLUMNS}
                 FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                 WHERE c.relname = ANY(string_to_array($1, chr(31)))
                   AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                   AND n.nspname NOT LIKE 'pg\\_%'
                   AND NOT (n.nspname = $2 AND c.relname = $3)
                 GROUP BY 1, 2
                 ORDER BY 1, 2"
            );
            let names = TRACKING_TABLE_NAMES.join("\u{1f}");
            let rows = session
                .query_texts(&sql, &[&names, &tracking.schema, &tracking.table])
                .map_err(|error| session.error("look for the tracking table", &error))?;
            let mut found: Vec<ForeignTable> = rows
                .into_iter()
                .filter_map(ForeignTable::from_row)
                .collect();
            match found.len() {
                0 => Err(AdoptError::NoTrackingTable),
                1 => Ok(found.remove(0)),
                _ => Err(AdoptError::SeveralTrackingTables {
                    tables: found
                        .iter()
                        .map(ForeignTable::name)
                        .collect::<Vec<_>>()
                        .join(", "),
                    first: found[0].name(),
                }),
            }
        }
    }
}

/// Whether a lookup failed because the name itself is wrong (SQLSTATE class 42, 3F000), not
/// because the database did.
fn is_name_error(error: &SqlError) -> bool {
    error
        .code
        .as_deref()
        .is_some_and(|code| code.starts_with("42") || code == "3F000")
}

/// Reads every row of `table` as `shape` says, in one query.
fn read_rows(
    session: &mut Session,
    table: &ForeignTable,
    shape: &TableShape,
) -> Result<Vec<ForeignRow>, DbError> {
    let text = |column: Option<&str>| match column {
        Some(column) => format!("{}::text", quote_identifier(column)),
        None => "NULL::text".to_string(),
    };
    let applied_at = quote_identifier(shape.applied_at);
    // Cast to timestamptz: a `timestamp` column (seed 004) holds the server's local time, which
    // is how the session reads it back; the text sent on is UTC with microseconds, exact.
    let sql = format!(
        "SELECT {version}, {name},
                to_char(({applied_at})::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),
                {batch}, {rolled_back}::text, {checksum}, {duration}
         FROM {schema}.{table}
         ORDER BY {applied_at} NULLS FIRST",
        version = text(shape.version),
        name = text(Some(shape.name)),
        batch = text(shape.batch),
        rolled_back = match shape.rolled_back_at {
            Some(column) => format!("({} IS NOT NULL)", quote_identifier(column)),
            None => "false".to_string(),
        },
        checksum = text(shape.checksum),
        duration = text(shape.duration_ms),
        schema = quote_identifier(&table.schema),
        table = quote_identifier(&table.table),
    );
    let rows = session
        .query_texts(&sql, &[])
        .map_err(|error| session.error(&format!("read {}", table.name()), &error))?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut columns = row.into_iter();
            let mut next = || columns.next().flatten();
            let trimmed = |value: Option<String>| {
                value
                    .map(|text| text.trim().to_string())
                    .filter(|text| !text.is_empty())
            };
            ForeignRow {
                version: trimmed(next()),
                name: trimmed(next()),
                applied_at: next(),
                batch: next().and_then(|batch| batch.trim().parse().ok()),
                rolled_back: next().as_deref() == Some("true"),
                checksum: trimmed(next()),
                duration_ms: next().and_then(|duration| duration.trim().parse().ok()),
            }
        })
        .collect())
}

/// The migration a row names: its name (with or without `.sql`), else `version_name`, else
/// its version alone. `Err` carries a help line.
fn match_row<'p>(project: &'p Project, row: &ForeignRow) -> Result<&'p MigrationId, String> {
    let mut candidates: Vec<String> = Vec::new();
    if let Some(name) = &row.name {
        candidates.push(name.clone());
        if let Some(version) = &row.version {
            candidates.push(format!("{version}_{name}"));
        }
    }
    if let Some(version) = &row.version {
        candidates.push(version.clone());
    }
    let mut ambiguous: Option<Vec<&MigrationId>> = None;
    let mut closest: Option<&MigrationId> = None;
    for candidate in &candidates {
        match project.resolve(candidate) {
            Resolution::Found(id) => return Ok(id),
            Resolution::Ambiguous(ids) => {
                ambiguous.get_or_insert(ids);
            }
            Resolution::Missing(close) => {
                closest = closest.or(close);
            }
        }
    }
    Err(match (ambiguous, closest) {
        (Some(ids), _) => format!(
            "it matches more than one file: {}",
            ids.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (None, Some(close)) => format!("no migration file has this name; did you mean {close}?"),
        (None, None) => "no migration file has this name".to_string(),
    })
}

/// The row that decides each migration's state: its latest row that is not rolled back, else
/// its latest row. Rows are in time order.
fn rows_by_id<'p, 'r>(
    project: &'p Project,
    rows: &'r [ForeignRow],
) -> IndexMap<&'p MigrationId, &'r ForeignRow> {
    let mut chosen: IndexMap<&MigrationId, &ForeignRow> = IndexMap::new();
    for row in rows {
        let Ok(id) = match_row(project, row) else {
            continue;
        };
        let replace = match chosen.get(id) {
            None => true,
            Some(kept) => !row.rolled_back || kept.rolled_back,
        };
        if replace {
            chosen.insert(id, row);
        }
    }
    chosen
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

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(names: &str) -> Vec<String> {
        names.split(", ").map(str::to_string).collect()
    }

    /// The runner whose shape `names` is read with, or `unknown`.
    fn check_shape(names: &str) -> &'static str {
        TableShape::recognise(&columns(names)).map_or("unknown", |shape| shape.runner)
    }

    #[test]
    fn each_seed_table_is_read_with_its_own_shape() {
        let seen = [
            "version, name, applied_at, rolled_back_at",
            "id, migration_name, applied_at, checksum, execution_time_ms",
            "id, migration_name, applied_at",
            "id, name, batch, executed_at",
            "id, name, executed_at",
            "id, filename, run_on",
        ]
        .map(check_shape);
        insta::assert_snapshot!(seen.join("\n"), @r"
        seed 000 (run-migration.js up|down)
        seed 004 (migrations at server start, with checksums)
        seed 001 (manual tracking beside apply-migration.js)
        seed 003 (npm run migrate, with batches)
        seed 002 (npm run migrate:up)
        unknown
        ");
    }

    #[test]
    fn a_row_is_written_as_its_runner_wrote_it() {
        let row = |version: Option<&str>, name: Option<&str>| ForeignRow {
            version: version.map(str::to_string),
            name: name.map(str::to_string),
            applied_at: Some("2024-01-20T10:00:00.123456Z".to_string()),
            ..ForeignRow::default()
        };
        assert_eq!(row(Some("001"), Some("admin")).written(), "001 admin");
        assert_eq!(row(Some("001"), Some("001_admin")).written(), "001_admin");
        assert_eq!(row(None, Some("002_x.sql")).written(), "002_x.sql");
        assert_eq!(
            row(None, Some("x")).shown_time().as_deref(),
            Some("2024-01-20 10:00:00 UTC")
        );
    }
}

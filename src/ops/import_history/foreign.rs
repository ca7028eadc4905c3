//! Another runner's tracking table in the database: finding it (the table or tool `--from`
//! names, else the one table with a known tool's name and columns) and reading its rows as its
//! shape says, every value as text. These few catalog queries live here, beside the only code that needs them; the rest of
//! `import-history` goes through db/. Which migration a row names is `matching.rs`'s job.

use super::shapes::{AUTO, TABLE_SHAPES, TableShape, table_names, tables_looked_for};
use crate::db::{DbError, Session, SqlError, quote_identifier};
use crate::ops::adopt::AdoptError;
use crate::project::{MigrationId, TrackingTable};

/// Another runner's table: where it is and its columns, in order.
pub(super) struct ForeignTable {
    pub(super) schema: String,
    pub(super) table: String,
    pub(super) columns: Vec<String>,
}

impl ForeignTable {
    pub(super) fn name(&self) -> String {
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
pub(super) struct ForeignRow {
    pub(super) version: Option<String>,
    pub(super) name: Option<String>,
    /// ISO 8601 in UTC with microseconds, as PostgreSQL reads it back exactly.
    pub(super) applied_at: Option<String>,
    pub(super) batch: Option<i64>,
    pub(super) rolled_back: bool,
    pub(super) checksum: Option<String>,
    pub(super) duration_ms: Option<i64>,
    /// Who applied it (Flyway's `installed_by`, Sqitch's committer).
    pub(super) user: Option<String>,
    /// The tool left the database half migrated (golang-migrate's `dirty`).
    pub(super) dirty: bool,
    /// The row marks a baseline at its version (Flyway's `BASELINE`).
    pub(super) baseline: bool,
    /// The tool's own ID of the migration (Sqitch's `change_id`).
    pub(super) tool_id: Option<String>,
    /// The migration the row stands for, when the import worked it out from more than the
    /// row's name (a version a baseline covers, an instance of a reworked Sqitch change).
    pub(super) instance: Option<MigrationId>,
    /// How `instance` was worked out, for the history's detail.
    pub(super) how: Option<String>,
}

impl ForeignRow {
    /// The row as the user would recognise it: `001 admin_center_schema`, `002_x.sql`, a file
    /// name alone (Flyway's `V1__init.sql`).
    pub(super) fn written(&self) -> String {
        match (&self.version, &self.name) {
            (Some(version), Some(name))
                if !name.starts_with(version.as_str()) && !name.ends_with(".sql") =>
            {
                format!("{version} {name}")
            }
            (_, Some(name)) => name.clone(),
            (Some(version), None) => version.clone(),
            (None, None) => "(a row without a name)".to_string(),
        }
    }

    /// `YYYY-MM-DD HH:MM:SS UTC`, as `plan status` shows times.
    pub(super) fn shown_time(&self) -> Option<String> {
        let time = self.applied_at.as_deref()?;
        Some(format!("{} UTC", time.get(..19)?.replace('T', " ")))
    }
}

/// What `--from` names: every known table (`auto`, or no `--from`), one tool's table, or a
/// table by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Wanted<'a> {
    /// The one known tracking table there is (`--from auto`, or no `--from`).
    Any,
    /// The table of one tool (`--from flyway`).
    Tool(&'static TableShape),
    /// A table by name, `schema.table` or through the search_path.
    Table(&'a str),
}

impl<'a> Wanted<'a> {
    /// What `--from` says: `auto`, a tool's name, or else a table's.
    pub(super) fn parse(from: Option<&'a str>) -> Self {
        match from.map(str::trim) {
            None | Some(AUTO) => Wanted::Any,
            Some(written) => {
                TableShape::of_tool(written).map_or(Wanted::Table(written), Wanted::Tool)
            }
        }
    }
}

/// Finds the table to import and the shape it is read with: the table `--from` names, the
/// table of the tool it names, or else the one known tracking table there is (outside the
/// system schemas and the ledger).
pub(super) fn find_table(
    session: &mut Session,
    wanted: Wanted<'_>,
    tracking: &TrackingTable,
) -> Result<(ForeignTable, &'static TableShape), AdoptError> {
    const COLUMNS: &str = "coalesce(string_agg(a.attname::text, chr(31) ORDER BY a.attnum), '')";
    let written = match wanted {
        Wanted::Table(written) => written,
        Wanted::Any | Wanted::Tool(_) => {
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
            let names = match wanted {
                Wanted::Tool(shape) => shape.table.to_string(),
                _ => table_names().join("\u{1f}"),
            };
            let rows = session
                .query_texts(&sql, &[&names, &tracking.schema, &tracking.table])
                .map_err(|error| session.error("look for the tracking table", &error))?;
            let candidates: Vec<ForeignTable> = rows
                .into_iter()
                .filter_map(ForeignTable::from_row)
                .collect();
            return choose(candidates, wanted);
        }
    };
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
    let table = rows
        .into_iter()
        .next()
        .and_then(ForeignTable::from_row)
        .ok_or_else(|| AdoptError::TrackingTableNotFound {
            written: written.to_string(),
            help: format!(
                "write it as schema.table (an unqualified name is looked for through the search_path), or name a tool: {}",
                TableShape::tool_names()
            ),
        })?;
    let shape = TableShape::recognise(&table.columns, None).ok_or_else(|| unknown_shape(&table))?;
    Ok((table, shape))
}

/// The one table among those of a known name that a shape fits: none, one, or several.
fn choose(
    candidates: Vec<ForeignTable>,
    wanted: Wanted<'_>,
) -> Result<(ForeignTable, &'static TableShape), AdoptError> {
    let mut fitting: Vec<(ForeignTable, &'static TableShape)> = Vec::new();
    let mut misfits: Vec<ForeignTable> = Vec::new();
    for table in candidates {
        let shape = match wanted {
            Wanted::Tool(shape) => shape.fits(&table.columns).then_some(shape),
            _ => TableShape::recognise(&table.columns, Some(&table.table)),
        }
        .filter(|shape| shape.schema.is_none_or(|schema| schema == table.schema));
        match shape {
            Some(shape) => fitting.push((table, shape)),
            // Sqitch's `changes` is a common name: another schema's table of that name is no
            // tracking table, and no problem either.
            None if table.table == "changes" => {}
            None => misfits.push(table),
        }
    }
    match fitting.len() {
        1 => Ok(fitting.remove(0)),
        0 => match (misfits.into_iter().next(), wanted) {
            (Some(table), _) => Err(unknown_shape(&table)),
            (None, Wanted::Tool(shape)) => Err(AdoptError::TrackingTableNotFound {
                written: shape.tool.to_string(),
                help: format!(
                    "{} keeps its history in {}; the database has no such table (pass --from SCHEMA.TABLE if it has another name)",
                    shape.runner, shape.described
                ),
            }),
            (None, _) => Err(AdoptError::NoTrackingTable {
                tables: {
                    let names = tables_looked_for();
                    match names.split_last() {
                        Some((last, rest)) if !rest.is_empty() => {
                            format!("{} or {last}", rest.join(", "))
                        }
                        _ => names.join(""),
                    }
                },
            }),
        },
        _ => Err(AdoptError::SeveralTrackingTables {
            tables: fitting
                .iter()
                .map(|(table, shape)| format!("{} ({})", table.name(), shape.runner))
                .collect::<Vec<_>>()
                .join(", "),
            choices: fitting
                .iter()
                .map(|(table, shape)| match wanted {
                    Wanted::Any
                        if fitting
                            .iter()
                            .filter(|(_, other)| other.tool == shape.tool)
                            .count()
                            == 1 =>
                    {
                        shape.tool.to_string()
                    }
                    _ => table.name(),
                })
                .collect::<Vec<_>>()
                .join(" or --from "),
        }),
    }
}

fn unknown_shape(table: &ForeignTable) -> AdoptError {
    AdoptError::UnknownShape {
        table: table.name(),
        columns: table.columns.join(", "),
        shapes: TABLE_SHAPES
            .iter()
            .map(|shape| format!("  {}: {}", shape.tool, shape.described))
            .collect::<Vec<_>>()
            .join("\n"),
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

/// Reads every row of `table` as `shape` says, in one query, oldest first. `project` limits a
/// Sqitch registry to the rows of that project (sqitch.plan's `%project`).
pub(super) fn read_rows(
    session: &mut Session,
    table: &ForeignTable,
    shape: &TableShape,
    project: Option<&str>,
) -> Result<Vec<ForeignRow>, DbError> {
    let reading = &shape.reading;
    let text = |expression: Option<&str>| match expression {
        Some(expression) => format!("({expression})::text"),
        None => "NULL::text".to_string(),
    };
    // Cast to timestamptz: a `timestamp` column (seed 004, Flyway, goose, Diesel) holds the
    // server's local time, which is how the session reads it back; the text sent on is UTC
    // with microseconds, exact.
    let applied_at = match reading.applied_at {
        Some(expression) => format!(
            "to_char(({expression})::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
        ),
        None => "NULL::text".to_string(),
    };
    let mut conditions: Vec<String> = reading
        .filter
        .iter()
        .map(|filter| format!("({filter})"))
        .collect();
    if let (Some(project), true) = (project, shape.tool == "sqitch") {
        conditions.push(format!("project = {}", quote_literal(project)));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT {version}, {name}, {applied_at}, {batch}, {rolled_back}, {checksum}, {duration},
                {user}, {dirty}, {baseline}, {tool_id}
         FROM {schema}.{table}
         {filter}
         ORDER BY {order}",
        version = text(reading.version),
        name = text(reading.name),
        batch = text(reading.batch),
        rolled_back = text(reading.rolled_back),
        checksum = text(reading.checksum),
        duration = text(reading.duration_ms),
        user = text(reading.user),
        dirty = text(reading.dirty),
        baseline = text(reading.baseline),
        tool_id = text(reading.tool_id),
        order = reading.order,
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
                user: trimmed(next()),
                dirty: next().as_deref() == Some("true"),
                baseline: next().as_deref() == Some("true"),
                tool_id: trimmed(next()),
                instance: None,
                how: None,
            }
        })
        .collect())
}

/// What a Sqitch registry says beside the rows of one project.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct SqitchRegistry {
    /// The URI registered for the project (`sqitch.projects.uri`). Sqitch refuses to deploy a
    /// plan whose `%uri` differs from it (`register_project` in
    /// lib/App/Sqitch/Role/DBIEngine.pm), so it is the plan's `%uri`, which enters every
    /// change ID.
    pub(super) uri: Option<String>,
    /// Every project whose changes the table holds, sorted.
    pub(super) projects: Vec<String>,
}

/// Reads, beside Sqitch's `changes` table, the projects it holds changes of and the URI
/// registered for `project` in `projects` (the registry's table beside it; none if absent).
pub(super) fn read_sqitch_registry(
    session: &mut Session,
    table: &ForeignTable,
    project: &str,
) -> Result<SqitchRegistry, DbError> {
    let schema = quote_identifier(&table.schema);
    let projects_sql = format!(
        "SELECT coalesce(string_agg(DISTINCT project, chr(31) ORDER BY project), '')
         FROM {schema}.{changes}",
        changes = quote_identifier(&table.table),
    );
    let rows = session
        .query_texts(&projects_sql, &[])
        .map_err(|error| session.error(&format!("read {}", table.name()), &error))?;
    let projects: Vec<String> = rows
        .into_iter()
        .next()
        .and_then(|row| row.into_iter().next().flatten())
        .unwrap_or_default()
        .split('\u{1f}')
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect();
    let registry_table = format!("{schema}.projects");
    let exists = session
        .query_texts("SELECT to_regclass($1)::text", &[&registry_table])
        .map_err(|error| session.error("look for the Sqitch registry", &error))?
        .into_iter()
        .next()
        .and_then(|row| row.into_iter().next().flatten())
        .is_some();
    let uri = if exists {
        session
            .query_texts(
                &format!("SELECT uri::text FROM {registry_table} WHERE project = $1"),
                &[project],
            )
            .map_err(|error| session.error(&format!("read {registry_table}"), &error))?
            .into_iter()
            .next()
            .and_then(|row| row.into_iter().next().flatten())
    } else {
        None
    };
    Ok(SqitchRegistry { uri, projects })
}

/// `text` as an SQL string literal.
fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

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

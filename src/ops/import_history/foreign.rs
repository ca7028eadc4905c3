//! Another runner's tracking table in the database: finding it (the name given, else the one
//! table with a known runner's name) and reading its rows as its shape says, every value as
//! text. These few catalog queries live here, beside the only code that needs them; the rest of
//! `import-history` goes through db/. Which migration a row names is `matching.rs`'s job.

use super::shapes::TableShape;
use crate::db::{DbError, Session, SqlError, quote_identifier};
use crate::ops::adopt::{AdoptError, TRACKING_TABLE_NAMES};
use crate::project::TrackingTable;

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
}

impl ForeignRow {
    /// The row as the user would recognise it: `001 admin_center_schema`, `002_x.sql`.
    pub(super) fn written(&self) -> String {
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
    pub(super) fn shown_time(&self) -> Option<String> {
        let time = self.applied_at.as_deref()?;
        Some(format!("{} UTC", time.get(..19)?.replace('T', " ")))
    }
}

/// Finds the table to import: `from` through the search_path, or else the one table with a
/// known runner's name (outside the system schemas and the ledger).
pub(super) fn find_table(
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
pub(super) fn read_rows(
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

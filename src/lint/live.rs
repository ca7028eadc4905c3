//! What a database adds to lint ([`Live`]): each table's estimated rows and size, so that a
//! lock or rewrite on a small table is a warning and on a large one an error (plan.yaml
//! `lint.small_table_rows`), the `rewrite-of-large-table` finding with the table's size, and
//! which functions `pg_proc` says are volatile.

use indexmap::IndexMap;

use super::judged::{Hit, Severity};
use super::rules::Rule;
use crate::db::table_stats::{TableStats, table_stats, volatile_functions};
use crate::db::{DbError, Session};
use crate::sql::QualifiedName;

/// What the database says, read once before linting.
#[derive(Debug, Default)]
pub(crate) struct Live {
    /// Every user table named by the statements read (`Read::table_names`), by (schema, name).
    pub tables: IndexMap<(String, String), TableStats>,
    /// Every volatile function, by (schema, name).
    pub volatile: Vec<(String, String)>,
    /// plan.yaml `lint.small_table_rows`.
    pub small_table_rows: u64,
    /// The schema the migrations run in when it is not `public`: a fleet's schema target,
    /// whose connection sets `search_path` to it, so its unqualified names are its tables.
    pub home: Option<String>,
}

impl Live {
    /// What `session`'s database says about the tables named `table_names` (in whichever
    /// schema: the statements' own, `Read::table_names`), judged against `small_table_rows`.
    pub(crate) fn read(
        session: &mut Session,
        table_names: &[String],
        small_table_rows: u64,
    ) -> Result<Live, DbError> {
        Ok(Live {
            tables: table_stats(session, table_names)?,
            volatile: volatile_functions(session)?,
            small_table_rows,
            home: None,
        })
    }

    /// The table's statistics, when the database has it.
    pub(crate) fn stats(&self, table: &QualifiedName) -> Option<TableStats> {
        let schema = table.schema.as_deref().unwrap_or("public");
        self.tables
            .get(&(schema.to_string(), table.name.clone()))
            .copied()
    }

    /// Whether the database has the table.
    pub(crate) fn has(&self, table: &QualifiedName) -> bool {
        self.stats(table).is_some()
    }

    /// The severity of a finding about `table` by `rule`: for a lock or a rewrite, a warning
    /// below `small_table_rows`, an error from it on or when the rows are not known.
    pub(crate) fn severity(&self, rule: Rule, hit: &Hit, stats: Option<TableStats>) -> Severity {
        if hit.lock.is_none() {
            return rule.severity();
        }
        match stats.and_then(|stats| stats.rows) {
            Some(rows) if rows < self.small_table_rows => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// The `rewrite-of-large-table` finding for a rewrite by `rule` on a table of `stats`,
    /// when the table is not small.
    pub(crate) fn rewrite_of_large_table(&self, rule: Rule, stats: TableStats) -> Option<Hit> {
        if !rule.rewrites() {
            return None;
        }
        let large = stats.rows.is_none_or(|rows| rows >= self.small_table_rows);
        large.then(|| Hit {
            message: format!(
                "this rewrites a table of {} ({}) while holding an AccessExclusiveLock",
                match stats.rows {
                    Some(rows) => format!("about {rows} rows"),
                    None => "unknown rows (never analyzed)".to_string(),
                },
                bytes(stats.bytes)
            ),
            help: "rewrite it online instead (a new column backfilled in batches, or pg_repack), or in a maintenance window",
            lock: Some("AccessExclusiveLock"),
        })
    }
}

/// `1.2 GB`, `340 kB`.
fn bytes(count: u64) -> String {
    let units = ["bytes", "kB", "MB", "GB", "TB"];
    let mut value = count as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{count} bytes")
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

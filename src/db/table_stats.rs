//! What `plan lint` asks a database about its tables and functions: the estimated rows and
//! size of each user table its statements name ([`TableStats`]), and which functions are
//! volatile. One query each.

use indexmap::IndexMap;

use super::error::DbError;
use super::session::Session;

/// A table's size as the catalog estimates it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TableStats {
    /// `pg_class.reltuples`, or, for a table never vacuumed or analyzed (PostgreSQL then
    /// reports -1), the statistics' count of live rows (`pg_stat_user_tables.n_live_tup`);
    /// `None` when neither is known.
    pub rows: Option<u64>,
    /// `pg_class.relpages` times the block size: the table's heap as last vacuumed or
    /// analyzed (an estimate, 0 for a table never analyzed).
    pub bytes: u64,
    /// Whether it is a partitioned table (`relkind = 'p'`).
    pub partitioned: bool,
}

/// Every ordinary and partitioned table (and materialized view) outside the system schemas
/// whose name is one of `names`, in any schema, by (schema, name): what lint asks about is the
/// tables its statements name, and on a database of many tables reading them all cost every
/// apply more than its migration (8–9 ms at 1,000 tables: the statistics are read table by
/// table). Read from `pg_class` and the statistics only: no function that locks a table
/// (`pg_relation_size` would wait behind a session holding ACCESS EXCLUSIVE, with apply's
/// lock_timeout not yet set).
pub(crate) fn table_stats(
    session: &mut Session,
    names: &[String],
) -> Result<IndexMap<(String, String), TableStats>, DbError> {
    if names.is_empty() {
        return Ok(IndexMap::new());
    }
    let sql = "SELECT n.nspname, c.relname, c.reltuples::bigint::text,
                      s.n_live_tup::text,
                      (c.relpages::bigint * current_setting('block_size')::bigint)::text,
                      (c.relkind = 'p')::text
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
                WHERE c.relkind IN ('r', 'p', 'm')
                  AND c.relname = ANY (string_to_array($1, chr(31)))
                  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";
    // Joined by the unit separator, as the other catalog lookups pass lists of names.
    let names = names.join("\u{1f}");
    let rows = session
        .query_texts(sql, &[&names])
        .map_err(|error| session.error("read table sizes", &error))?;
    let number = |text: &Option<String>| text.as_deref().and_then(|text| text.parse::<i64>().ok());
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let [schema, name, tuples, live, bytes, partitioned] = row.as_slice() else {
                return None;
            };
            let (schema, name) = (schema.clone()?, name.clone()?);
            let rows = match number(tuples) {
                Some(tuples) if tuples >= 0 => u64::try_from(tuples).ok(),
                _ => number(live).and_then(|live| u64::try_from(live).ok()),
            };
            let bytes = number(bytes).and_then(|bytes| u64::try_from(bytes).ok());
            Some((
                (schema, name),
                TableStats {
                    rows,
                    bytes: bytes.unwrap_or(0),
                    partitioned: partitioned.as_deref() == Some("true"),
                },
            ))
        })
        .collect())
}

/// The (schema, name) of every volatile function (`provolatile = 'v'`): a few hundred rows,
/// cheaper than reading every migration once more to ask about only the functions their
/// defaults call.
pub(crate) fn volatile_functions(session: &mut Session) -> Result<Vec<(String, String)>, DbError> {
    let sql = "SELECT DISTINCT n.nspname, p.proname
                 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE p.provolatile = 'v'";
    let rows = session
        .query_texts(sql, &[])
        .map_err(|error| session.error("read function volatility", &error))?;
    Ok(rows
        .into_iter()
        .filter_map(|row| match row.as_slice() {
            [Some(schema), Some(name)] => Some((schema.clone(), name.clone())),
            _ => None,
        })
        .collect())
}

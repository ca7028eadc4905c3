//! Reading the ledgers of many schemas of one database over one connection, for `status
//! --fleet` over schema-per-tenant targets: one catalog query says which schemas have a ledger
//! (`<schema>.plan_migrations`) and its shape, then each ledger's rows and its history's last
//! row come back from `UNION ALL` queries of [`SCHEMAS_PER_QUERY`] schemas each. A schema
//! without a ledger yet reads as empty (everything pending), as [`Ledger::read`] says.
//!
//! [`Ledger::read`]: crate::db::Ledger::read

use super::targets::SCHEMA_LEDGER_TABLE;
use crate::db::{DbError, LedgerRow, Session, ledger_columns, ledger_row, quote_identifier};

/// How many schemas one ledger query reads. A `UNION ALL` over every schema of a large fleet
/// in one statement costs the server more than the reading: its planning time grows faster
/// than the branches (1,000 schemas in one statement took seconds; in ten, a third of a
/// second), it locks every table it names until it ends (4 relations a schema, against the
/// shared lock table's `max_locks_per_transaction` slots), and past some thousands of branches
/// it exceeds `max_stack_depth`.
pub(crate) const SCHEMAS_PER_QUERY: usize = 100;

/// What `status` needs of one schema's ledger.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SchemaLedger {
    /// The tracking table's rows, by batch then ID, as [`crate::db::Ledger::read`] returns them.
    pub(crate) rows: Vec<LedgerRow>,
    /// The migration of the history's last row, when that row is a failed apply.
    pub(crate) last_failed: Option<String>,
}

/// The ledgers of `schemas` (in that order) of the database `session` is connected to.
pub(crate) fn read_schema_ledgers(
    session: &mut Session,
    schemas: &[&str],
) -> Result<Vec<SchemaLedger>, DbError> {
    let shapes = ledger_shapes(session, schemas)?;
    let mut read = vec![SchemaLedger::default(); schemas.len()];
    let present: Vec<(usize, bool)> = shapes
        .iter()
        .enumerate()
        .filter_map(|(index, shape)| shape.map(|completed| (index, completed)))
        .collect();
    for chunk in present.chunks(SCHEMAS_PER_QUERY) {
        let branches: Vec<String> = chunk
            .iter()
            .flat_map(|&(index, completed)| branches(index, schemas[index], completed))
            .collect();
        let sql = branches.join("\nUNION ALL\n");
        let rows = session
            .query_texts(&sql, &[])
            .map_err(|error| session.error("read the schemas' ledgers", &error))?;
        // By schema, then its history's last row (0) and its ledger's rows in order (1...).
        let mut rows: Vec<(usize, u64, Vec<Option<String>>)> = rows
            .into_iter()
            .filter_map(|row| {
                let mut columns = row.into_iter();
                let index = columns.next().flatten()?.parse().ok()?;
                let number = columns.next().flatten()?.parse().ok()?;
                Some((index, number, columns.collect()))
            })
            .collect();
        rows.sort_by_key(|(index, number, _)| (*index, *number));
        for (index, number, columns) in rows {
            let Some(ledger) = read.get_mut(index) else {
                continue;
            };
            if number == 0 {
                ledger.last_failed = last_failed(columns);
            } else {
                ledger.rows.push(ledger_row(columns));
            }
        }
    }
    Ok(read)
}

/// For each schema: `None` when it has no ledger, else whether the ledger has the `completed`
/// column (a ledger from an earlier version has none until an apply upgrades it).
fn ledger_shapes(session: &mut Session, schemas: &[&str]) -> Result<Vec<Option<bool>>, DbError> {
    let names = serde_json::to_string(schemas).unwrap_or_else(|_| "[]".to_string());
    let rows = session
        .query_texts(
            "SELECT (listed.position - 1)::text,
                    EXISTS (SELECT FROM pg_attribute WHERE attrelid = ledger.oid
                            AND attname = 'completed' AND NOT attisdropped)::text
             FROM json_array_elements_text($1::text::json) WITH ORDINALITY
                  AS listed (schema, position)
             CROSS JOIN LATERAL (SELECT to_regclass(format('%I.%I', listed.schema, $2::text)) AS oid)
                  AS ledger
             WHERE ledger.oid IS NOT NULL",
            &[&names, SCHEMA_LEDGER_TABLE],
        )
        .map_err(|error| session.error("look for the schemas' ledgers", &error))?;
    let mut shapes = vec![None; schemas.len()];
    for row in rows {
        let mut columns = row.into_iter().map(Option::unwrap_or_default);
        let index: Option<usize> = columns.next().and_then(|text| text.parse().ok());
        let completed = columns.next().is_some_and(|text| text == "true");
        if let Some(shape) = index.and_then(|index| shapes.get_mut(index)) {
            *shape = Some(completed);
        }
    }
    Ok(shapes)
}

/// The two `SELECT`s of one schema, every column text: its ledger's rows (numbered from 1 by
/// batch then ID, in [`ledger_row`]'s columns) and its history's last row (numbered 0:
/// migration, action, outcome). Each starts with the schema's index, then the number.
fn branches(index: usize, schema: &str, completed: bool) -> [String; 2] {
    let table = format!(
        "{}.{}",
        quote_identifier(schema),
        quote_identifier(SCHEMA_LEDGER_TABLE)
    );
    let history = format!(
        "{}.{}",
        quote_identifier(schema),
        quote_identifier(&format!("{SCHEMA_LEDGER_TABLE}_history"))
    );
    let columns = ledger_columns(completed);
    [
        format!(
            "SELECT '{index}', (row_number() OVER (ORDER BY batch, id))::text, {columns}
             FROM {table}"
        ),
        format!(
            "SELECT '{index}', '0', migration_id, action, outcome,
                    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL::text
             FROM (SELECT migration_id, action, outcome FROM {history}
                   ORDER BY event DESC LIMIT 1) AS last"
        ),
    ]
}

/// The migration of a history row (`migration_id, action, outcome`) that is a failed apply.
fn last_failed(columns: Vec<Option<String>>) -> Option<String> {
    let mut columns = columns.into_iter().map(Option::unwrap_or_default);
    let (migration, action, outcome) = (columns.next()?, columns.next()?, columns.next()?);
    (action == "apply" && outcome == "failed").then_some(migration)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(columns: [Option<&str>; 3], expect: Option<&str>) {
        let columns = columns
            .iter()
            .map(|text| text.map(str::to_string))
            .collect();
        assert_eq!(last_failed(columns).as_deref(), expect);
    }

    #[test]
    fn only_a_failed_apply_is_where_the_schema_failed() {
        check(
            [Some("003_invoices"), Some("apply"), Some("failed")],
            Some("003_invoices"),
        );
        check([Some("003_invoices"), Some("apply"), Some("ok")], None);
        check(
            [Some("003_invoices"), Some("rollback"), Some("failed")],
            None,
        );
        check([None, None, None], None);
    }

    #[test]
    fn identifiers_are_quoted_in_both_branches() {
        let [rows, last] = branches(7, "Odd \"name\"", false);
        assert!(rows.starts_with("SELECT '7', (row_number()"), "{rows}");
        assert!(
            rows.contains("FROM \"Odd \"\"name\"\"\".\"plan_migrations\""),
            "{rows}"
        );
        assert!(rows.contains("NULL::text\n"), "{rows}");
        assert!(
            last.contains("FROM \"Odd \"\"name\"\"\".\"plan_migrations_history\""),
            "{last}"
        );
    }
}

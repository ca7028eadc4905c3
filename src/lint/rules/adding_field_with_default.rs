//! `adding-field-with-default`: `ADD COLUMN … DEFAULT` with a volatile default
//! (`clock_timestamp()`, `random()`, `gen_random_uuid()`, a serial's `nextval`) rewrites the
//! whole table under an ACCESS EXCLUSIVE lock. Since PostgreSQL 11 a constant or stable
//! default (`0`, `'x'`, `now()`) is stored once and rewrites nothing.

use super::super::judged::{Hit, Judged};
use crate::sql::actions::Action;

/// Built-in functions whose result changes at every call (`pg_proc.provolatile = 'v'`) that
/// defaults commonly use, for lint without a database. A function not listed is taken as
/// stable, as most are; with a database, `pg_proc` says.
const VOLATILE: &[&str] = &[
    "clock_timestamp",
    "statement_timestamp",
    "timeofday",
    "random",
    "random_normal",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "nextval",
    "txid_current",
    "pg_current_xact_id",
    "setseed",
];

pub(super) fn check(judged: &Judged<'_>) -> Option<Hit> {
    let Action::AddColumn {
        default: Some(default),
        ..
    } = judged.action
    else {
        return None;
    };
    if judged.new_table {
        return None;
    }
    let volatile = default.serial
        || default
            .functions
            .iter()
            .any(|function| match judged.volatile_functions {
                // An unqualified name matches any schema's function of that name.
                Some(volatile) => volatile.iter().any(|(schema, name)| {
                    *name == function.name && function.schema.as_deref().is_none_or(|s| s == schema)
                }),
                None => {
                    function
                        .schema
                        .as_deref()
                        .is_none_or(|schema| schema == "pg_catalog" || schema == "public")
                        && VOLATILE.contains(&function.name.as_str())
                }
            });
    volatile.then(|| Hit {
        message: "a volatile DEFAULT makes ADD COLUMN rewrite the whole table, holding an AccessExclusiveLock".to_string(),
        help: "add the column without a default (or with a constant one), backfill it in batches, then SET DEFAULT",
        lock: Some("AccessExclusiveLock"),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{ORDERS, findings};

    #[test]
    fn a_volatile_default_rewrites_the_table() {
        assert_eq!(
            findings(
                ORDERS,
                "ALTER TABLE orders ADD COLUMN seen timestamptz DEFAULT clock_timestamp();\n"
            ),
            ["adding-field-with-default at 1"]
        );
        assert_eq!(
            findings(ORDERS, "ALTER TABLE orders ADD COLUMN n bigserial;\n"),
            ["adding-field-with-default at 1"]
        );
    }

    #[test]
    fn an_index_on_the_table_first_does_not_make_it_new() {
        assert_eq!(
            findings(
                ORDERS,
                "CREATE INDEX CONCURRENTLY orders_status ON orders (status);\n"
            )
            .len(),
            0
        );
        assert_eq!(
            findings(
                ORDERS,
                "CREATE INDEX orders_status ON orders (status);\nALTER TABLE orders ADD COLUMN seen timestamptz DEFAULT clock_timestamp(), ALTER COLUMN note TYPE varchar(100);\n"
            ),
            [
                "require-concurrent-index-creation at 1",
                "adding-field-with-default at 2"
            ]
        );
    }

    #[test]
    fn a_constant_or_stable_default_does_not() {
        assert!(
            findings(
                ORDERS,
                "ALTER TABLE orders ADD COLUMN seen timestamptz DEFAULT now();\nALTER TABLE orders ADD COLUMN flag bool DEFAULT false;\n"
            )
            .is_empty()
        );
    }
}

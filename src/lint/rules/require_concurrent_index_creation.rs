//! `require-concurrent-index-creation`: `CREATE INDEX` without `CONCURRENTLY` on a table that
//! exists takes a SHARE lock: writes to the table wait until the index is built.

use super::super::judged::{Hit, Judged};
use crate::sql::actions::Action;

pub(super) fn check(judged: &Judged<'_>) -> Option<Hit> {
    match judged.action {
        Action::CreateIndex {
            concurrently: false,
            ..
        } if !judged.new_table => Some(Hit {
            message: "CREATE INDEX without CONCURRENTLY blocks writes to the table while the index builds".to_string(),
            // PostgreSQL refuses CONCURRENTLY on a partitioned table itself.
            help: if judged.partitioned {
                "a partitioned table takes no CREATE INDEX CONCURRENTLY: CREATE INDEX ON ONLY the table (it starts invalid), CREATE INDEX CONCURRENTLY on each partition, then ALTER INDEX … ATTACH PARTITION each"
            } else {
                "use CREATE INDEX CONCURRENTLY, in a migration of its own with `-- plan: no-transaction`"
            },
            lock: Some("ShareLock"),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ORDERS, findings};

    #[test]
    fn an_index_on_an_existing_table_needs_concurrently() {
        assert_eq!(
            findings(ORDERS, "CREATE INDEX orders_status ON orders (status);\n"),
            ["require-concurrent-index-creation at 1"]
        );
    }

    #[test]
    fn a_relation_made_from_a_query_in_the_same_migration_is_new() {
        assert!(
            findings(
                ORDERS,
                "CREATE MATERIALIZED VIEW totals AS SELECT status, count(*) FROM orders GROUP BY status;\nCREATE UNIQUE INDEX totals_status ON totals (status);\nCREATE TABLE copy AS SELECT * FROM orders;\nCREATE INDEX copy_status ON copy (status);\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn an_index_written_in_a_do_block_is_judged_at_the_block() {
        assert_eq!(
            findings(
                ORDERS,
                "DO $$\nBEGIN\n  CREATE INDEX orders_status ON orders (status);\nEND\n$$;\n"
            ),
            ["require-concurrent-index-creation at 1"]
        );
    }

    #[test]
    fn on_a_partitioned_table_the_help_is_the_partition_by_partition_way() {
        let earlier = "CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);\n";
        let dir = crate::testing::project_dir(&[
            ("migrations/001_earlier.sql", earlier),
            (
                "migrations/002_judged.sql",
                "CREATE INDEX events_at ON events (at);\n",
            ),
        ]);
        let loaded = match crate::load::load_project(dir.path()) {
            Ok(loaded) => loaded,
            Err(invalid) => panic!("expected a valid project: {invalid:?}"),
        };
        let migrations: Vec<&crate::project::Migration> = loaded.project().migrations().collect();
        let findings = super::super::super::lint(&loaded, &migrations, None);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].help.contains("ON ONLY"), "{}", findings[0].help);
    }

    #[test]
    fn concurrently_or_a_new_table_is_fine() {
        assert!(
            findings(
                ORDERS,
                "-- plan: no-transaction\nCREATE INDEX CONCURRENTLY orders_status ON orders (status);\n"
            )
            .is_empty()
        );
        assert!(
            findings(
                ORDERS,
                "CREATE TABLE items (id int, order_id int);\nCREATE INDEX items_order ON items (order_id);\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn create_table_if_not_exists_of_a_table_in_use_does_not_make_it_new() {
        // The table exists (an earlier migration made it): the CREATE is a no-op.
        assert_eq!(
            findings(
                ORDERS,
                "CREATE TABLE IF NOT EXISTS orders (id int PRIMARY KEY);\nCREATE INDEX ON orders (status);\n"
            ),
            ["require-concurrent-index-creation at 2"]
        );
        // A table no migration made yet is created by it: new.
        assert!(
            findings(
                ORDERS,
                "CREATE TABLE IF NOT EXISTS fresh (id int);\nCREATE INDEX ON fresh (id);\n"
            )
            .is_empty()
        );
    }
}

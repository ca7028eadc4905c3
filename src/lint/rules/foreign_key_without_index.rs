//! `foreign-key-without-index`: a new foreign key whose referencing columns no index leads
//! with. Every delete or key update on the referenced table then scans the referencing table,
//! under the referenced row's lock. An index created anywhere in the same migration counts.

use super::super::judged::Hit;

/// The finding for a foreign key on `columns`.
pub(crate) fn hit(columns: &[String]) -> Hit {
    Hit {
        message: format!(
            "no index leads with the foreign key's columns ({}): deletes and key updates on the referenced table scan this one",
            columns.join(", ")
        ),
        help: "create an index on those columns (CREATE INDEX CONCURRENTLY on a table in use)",
        lock: None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ORDERS, findings};

    #[test]
    fn a_foreign_key_needs_an_index_leading_with_its_columns() {
        assert_eq!(
            findings(
                ORDERS,
                "CREATE TABLE items (id int PRIMARY KEY, order_id int REFERENCES orders (id));\n"
            ),
            ["foreign-key-without-index at 1"]
        );
        assert!(
            findings(
                ORDERS,
                "CREATE TABLE items (id int PRIMARY KEY, order_id int REFERENCES orders (id));\nCREATE INDEX items_order ON items (order_id, id);\n"
            )
            .is_empty()
        );
    }
}

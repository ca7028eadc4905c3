//! `renaming-table`: renaming a table breaks the code still using its old name.

use super::super::judged::{Hit, Judged};
use crate::sql::actions::Action;

pub(super) fn check(judged: &Judged<'_>) -> Option<Hit> {
    match judged.action {
        Action::RenameTable { .. } if !judged.new_table => Some(Hit {
            message: "renaming a table breaks the code still using its old name".to_string(),
            help: "create the new name as a view of the old table first, or rename in a release where nothing uses the old name",
            lock: None,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ORDERS, findings};

    #[test]
    fn it_fires_on_a_table_in_use_and_not_on_a_new_one() {
        assert_eq!(
            findings(ORDERS, "ALTER TABLE orders RENAME TO purchases;\n"),
            ["renaming-table at 1"]
        );
        assert!(
            findings(
                ORDERS,
                "CREATE TABLE fresh (a int);\nALTER TABLE fresh RENAME TO fresher;\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn a_table_keeps_what_is_known_of_it_under_its_new_name() {
        // Created then renamed in one migration: still new under its new name.
        assert!(
            findings(
                ORDERS,
                "CREATE TABLE fresh (a int, order_id int);\nALTER TABLE fresh RENAME TO fresher;\nCREATE INDEX ON fresher (a);\nALTER TABLE fresher ADD CONSTRAINT fk FOREIGN KEY (order_id) REFERENCES orders (id);\nCREATE INDEX ON fresher (order_id);\n"
            )
            .is_empty()
        );
        // Renamed in use: its columns' types and indexes are still known under the new name.
        assert_eq!(
            findings(
                ORDERS,
                "ALTER TABLE orders RENAME TO purchases;\nALTER TABLE purchases ALTER COLUMN note TYPE varchar(100);\nCREATE TABLE items (purchase_id int REFERENCES purchases (id));\nCREATE INDEX ON items (purchase_id);\n"
            ),
            ["renaming-table at 1"]
        );
    }
}

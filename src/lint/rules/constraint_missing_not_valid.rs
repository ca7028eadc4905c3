//! `constraint-missing-not-valid`: adding a `CHECK` or `FOREIGN KEY` to a table that exists
//! checks every row while holding a lock (ACCESS EXCLUSIVE for a check, SHARE ROW EXCLUSIVE on
//! both tables for a foreign key). `NOT VALID` then `VALIDATE CONSTRAINT` checks them under a
//! lock that lets writes through.

use super::super::judged::{Hit, Judged};
use crate::sql::actions::{Action, AddedConstraint};

pub(super) fn check(judged: &Judged<'_>) -> Option<Hit> {
    let Action::AddConstraint {
        constraint,
        not_valid: false,
        ..
    } = judged.action
    else {
        return None;
    };
    if judged.new_table {
        return None;
    }
    let (what, lock) = match constraint {
        AddedConstraint::Check => ("a CHECK constraint", "AccessExclusiveLock"),
        AddedConstraint::ForeignKey(_) => ("a foreign key", "ShareRowExclusiveLock"),
        _ => return None,
    };
    Some(Hit {
        message: format!("adding {what} without NOT VALID checks every row while holding a {lock}"),
        help: "add it NOT VALID, then VALIDATE CONSTRAINT in a later migration (it takes a SHARE UPDATE EXCLUSIVE lock, which lets reads and writes through)",
        lock: Some(lock),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{ORDERS, findings};

    #[test]
    fn checks_and_foreign_keys_on_existing_tables_need_not_valid() {
        assert_eq!(
            findings(
                ORDERS,
                "ALTER TABLE orders ADD CONSTRAINT positive CHECK (amount > 0);\n"
            ),
            ["constraint-missing-not-valid at 1"]
        );
        let earlier = format!(
            "{ORDERS}CREATE TABLE items (id int, order_id int);\nCREATE INDEX items_order ON items (order_id);\n"
        );
        assert_eq!(
            findings(
                &earlier,
                "ALTER TABLE items ADD CONSTRAINT items_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);\n"
            ),
            ["constraint-missing-not-valid at 1"]
        );
    }

    #[test]
    fn not_valid_or_a_new_table_is_fine() {
        assert!(
            findings(
                ORDERS,
                "ALTER TABLE orders ADD CONSTRAINT positive CHECK (amount > 0) NOT VALID;\n"
            )
            .is_empty()
        );
        assert!(
            findings(
                ORDERS,
                "CREATE TABLE fresh (a int);\nALTER TABLE fresh ADD CONSTRAINT positive CHECK (a > 0);\n"
            )
            .is_empty()
        );
    }
}

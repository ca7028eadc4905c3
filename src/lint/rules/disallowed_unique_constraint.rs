//! `disallowed-unique-constraint`: `ADD UNIQUE (…)` on a table that exists builds its index
//! under an ACCESS EXCLUSIVE lock. `CREATE UNIQUE INDEX CONCURRENTLY` then `ADD UNIQUE USING
//! INDEX` does the same without blocking.

use super::super::judged::{Hit, Judged};
use crate::sql::actions::{Action, AddedConstraint};

pub(super) fn check(judged: &Judged<'_>) -> Option<Hit> {
    match judged.action {
        Action::AddConstraint {
            constraint:
                AddedConstraint::Unique {
                    using_index: false, ..
                },
            ..
        } if !judged.new_table => Some(Hit {
            message: "ADD UNIQUE builds its index while holding an AccessExclusiveLock".to_string(),
            help: "CREATE UNIQUE INDEX CONCURRENTLY first (a migration of its own), then ADD CONSTRAINT … UNIQUE USING INDEX",
            lock: Some("AccessExclusiveLock"),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ORDERS, findings};

    #[test]
    fn add_unique_builds_its_index_under_a_lock() {
        assert_eq!(
            findings(
                ORDERS,
                "ALTER TABLE orders ADD CONSTRAINT orders_note UNIQUE (note);\n"
            ),
            ["disallowed-unique-constraint at 1"]
        );
        let earlier = format!("{ORDERS}CREATE UNIQUE INDEX orders_note_index ON orders (note);\n");
        assert!(
            findings(
                &earlier,
                "ALTER TABLE orders ADD CONSTRAINT orders_note UNIQUE USING INDEX orders_note_index;\n"
            )
            .is_empty()
        );
    }
}

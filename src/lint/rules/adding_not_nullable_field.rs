//! `adding-not-nullable-field`: `ALTER COLUMN … SET NOT NULL` scans the whole table under an
//! ACCESS EXCLUSIVE lock, unless a validated `CHECK (c IS NOT NULL)` already proves it
//! (PostgreSQL 12 and later use one to skip the scan).

use super::super::judged::{Hit, Judged};
use crate::sql::actions::Action;

pub(super) fn check(judged: &Judged<'_>) -> Option<Hit> {
    match judged.action {
        Action::SetNotNull { .. } if !judged.new_table => Some(Hit {
            message: "SET NOT NULL scans the whole table while holding an AccessExclusiveLock"
                .to_string(),
            help: "add CHECK (column IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT it in a later migration, then SET NOT NULL (no scan) and drop the check; allow this rule on the SET NOT NULL with that reason",
            lock: Some("AccessExclusiveLock"),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ORDERS, findings};

    #[test]
    fn set_not_null_on_an_existing_table_scans_it() {
        assert_eq!(
            findings(
                ORDERS,
                "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;\n"
            ),
            ["adding-not-nullable-field at 1"]
        );
        assert!(
            findings(
                ORDERS,
                "CREATE TABLE fresh (a int);\nALTER TABLE fresh ALTER COLUMN a SET NOT NULL;\n"
            )
            .is_empty()
        );
    }
}

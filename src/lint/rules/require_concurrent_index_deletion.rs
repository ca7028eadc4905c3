//! `require-concurrent-index-deletion`: `DROP INDEX` without `CONCURRENTLY` takes an ACCESS
//! EXCLUSIVE lock on the index's table: reads and writes wait.

use super::super::judged::{Hit, Judged};
use crate::sql::actions::Action;

pub(super) fn check(judged: &Judged<'_>) -> Option<Hit> {
    match judged.action {
        Action::DropIndex {
            concurrently: false,
        } => Some(Hit {
            message: "DROP INDEX without CONCURRENTLY blocks reads and writes on its table"
                .to_string(),
            help: "use DROP INDEX CONCURRENTLY, in a migration of its own with `-- plan: no-transaction`",
            lock: Some("AccessExclusiveLock"),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ORDERS, findings};

    #[test]
    fn dropping_an_index_needs_concurrently() {
        let earlier = format!("{ORDERS}CREATE INDEX orders_status ON orders (status);\n");
        assert_eq!(
            findings(&earlier, "DROP INDEX orders_status;\n"),
            ["require-concurrent-index-deletion at 1"]
        );
        assert!(
            findings(
                &earlier,
                "-- plan: no-transaction\nDROP INDEX CONCURRENTLY orders_status;\n"
            )
            .is_empty()
        );
    }
}

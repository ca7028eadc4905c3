//! `prefer-repack`: `VACUUM FULL` and `CLUSTER` rewrite the table under an ACCESS EXCLUSIVE lock
//! for as long as the rewrite takes. pg_repack (or pg_squeeze) does it online.

use super::super::judged::{Hit, Judged};
use crate::sql::actions::Action;

pub(super) fn check(judged: &Judged<'_>) -> Option<Hit> {
    let what = match judged.action {
        Action::VacuumFull { .. } => "VACUUM FULL",
        Action::Cluster { .. } => "CLUSTER",
        _ => return None,
    };
    Some(Hit {
        message: format!("{what} rewrites the table while holding an AccessExclusiveLock"),
        help: "use pg_repack (or pg_squeeze) outside the migration, which rewrites the table online",
        lock: Some("AccessExclusiveLock"),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{ORDERS, findings};

    #[test]
    fn vacuum_full_and_cluster_rewrite_under_a_lock() {
        assert_eq!(
            findings(
                ORDERS,
                "-- plan: no-transaction\nVACUUM FULL orders;\nVACUUM (FULL, ANALYZE) orders;\n"
            ),
            ["prefer-repack at 2", "prefer-repack at 3"]
        );
        assert!(
            findings(
                ORDERS,
                "-- plan: no-transaction\nVACUUM (ANALYZE) orders;\n"
            )
            .is_empty()
        );
    }
}

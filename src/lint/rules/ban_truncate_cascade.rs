//! `ban-truncate-cascade`: `TRUNCATE … CASCADE` also empties every table with a foreign key to
//! the truncated ones, and theirs in turn: more data than the statement names.

use super::super::judged::{Hit, Judged};
use crate::sql::actions::Action;

pub(super) fn check(judged: &Judged<'_>) -> Option<Hit> {
    match judged.action {
        Action::Truncate { cascade: true, .. } => Some(Hit {
            message:
                "TRUNCATE … CASCADE also empties every table that refers to these, transitively"
                    .to_string(),
            help: "name every table to empty, without CASCADE, so that the statement says what it deletes",
            lock: Some("AccessExclusiveLock"),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ORDERS, findings};

    #[test]
    fn truncate_cascade_empties_more_than_it_names() {
        assert_eq!(
            findings(ORDERS, "TRUNCATE orders CASCADE;\n"),
            ["ban-truncate-cascade at 1"]
        );
        assert!(findings(ORDERS, "TRUNCATE orders;\n").is_empty());
    }
}

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
}

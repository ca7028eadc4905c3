//! `renaming-column`: renaming a column breaks the code still reading or writing it by its old name.

use super::super::judged::{Hit, Judged};
use crate::sql::actions::Action;

pub(super) fn check(judged: &Judged<'_>) -> Option<Hit> {
    match judged.action {
        Action::RenameColumn { .. } if !judged.new_table => Some(Hit {
            message:
                "renaming a column breaks the code still reading or writing it by its old name"
                    .to_string(),
            help: "add the new column, write both, switch readers, then drop the old one (or rename in a release where nothing uses the old name)",
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
            findings(
                ORDERS,
                "ALTER TABLE orders RENAME COLUMN status TO state;\n"
            ),
            ["renaming-column at 1"]
        );
        assert!(
            findings(
                ORDERS,
                "CREATE TABLE fresh (a int);\nALTER TABLE fresh RENAME COLUMN a TO b;\n"
            )
            .is_empty()
        );
    }
}

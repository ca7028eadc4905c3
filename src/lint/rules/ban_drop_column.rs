//! `ban-drop-column`: dropping a column breaks the code still reading or writing it.

use super::super::judged::{Hit, Judged};
use crate::sql::actions::Action;

pub(super) fn check(judged: &Judged<'_>) -> Option<Hit> {
    match judged.action {
        Action::DropColumn { .. } if !judged.new_table => Some(Hit {
            message: "dropping a column breaks the code still reading or writing it".to_string(),
            help: "stop using the column in a release first, then drop it",
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
            findings(ORDERS, "ALTER TABLE orders DROP COLUMN note;\n"),
            ["ban-drop-column at 1"]
        );
        assert!(
            findings(
                ORDERS,
                "CREATE TABLE fresh (a int, b int);\nALTER TABLE fresh DROP COLUMN b;\n"
            )
            .is_empty()
        );
    }
}

//! `ban-drop-table`: dropping a table breaks the code still using it, and its data is gone.

use super::super::judged::{Hit, Judged};
use crate::sql::actions::Action;

pub(super) fn check(judged: &Judged<'_>) -> Option<Hit> {
    match judged.action {
        Action::DropTable { .. } if !judged.new_table => Some(Hit {
            message: "dropping a table breaks the code still using it, and its data is gone"
                .to_string(),
            help: "stop using the table in a release first, and keep a copy of its data",
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
            findings(ORDERS, "DROP TABLE orders;\n"),
            ["ban-drop-table at 1"]
        );
        assert!(
            findings(
                ORDERS,
                "CREATE TABLE scratch (a int);\nDROP TABLE scratch;\n"
            )
            .is_empty()
        );
    }
}

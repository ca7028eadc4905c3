//! `adding-required-field`: `ADD COLUMN … NOT NULL` without a `DEFAULT` fails on a table that
//! has rows (each would hold a null).

use super::super::judged::{Hit, Judged};
use crate::sql::actions::Action;

pub(super) fn check(judged: &Judged<'_>) -> Option<Hit> {
    match judged.action {
        Action::AddColumn {
            not_null: true,
            default: None,
            primary_key: false,
            ..
        } if !judged.new_table => Some(Hit {
            message: "ADD COLUMN … NOT NULL without a DEFAULT fails on a table with rows"
                .to_string(),
            help: "give it a DEFAULT, or add it nullable, backfill it, then SET NOT NULL (see adding-not-nullable-field)",
            lock: None,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ORDERS, findings};

    #[test]
    fn a_required_column_without_default_fails_on_rows() {
        assert_eq!(
            findings(
                ORDERS,
                "ALTER TABLE orders ADD COLUMN code text NOT NULL;\n"
            ),
            ["adding-required-field at 1"]
        );
        assert!(
            findings(
                ORDERS,
                "ALTER TABLE orders ADD COLUMN code text NOT NULL DEFAULT '';\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn a_generated_or_identity_column_has_its_values() {
        // NOT NULL is met by the values computed for every row: no failure.
        assert_eq!(
            findings(
                ORDERS,
                "ALTER TABLE orders ADD COLUMN k bigint NOT NULL GENERATED ALWAYS AS IDENTITY;\nALTER TABLE orders ADD COLUMN g numeric NOT NULL GENERATED ALWAYS AS (amount * 2) STORED;\n"
            ),
            [
                "adding-field-with-default at 1",
                "adding-field-with-default at 2"
            ]
        );
    }
}

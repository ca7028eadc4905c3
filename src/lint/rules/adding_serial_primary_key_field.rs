//! `adding-serial-primary-key-field`: a primary key added to a table that exists (`ADD COLUMN id
//! serial PRIMARY KEY`, `ADD PRIMARY KEY (…)`) builds its index under an ACCESS EXCLUSIVE
//! lock. `CREATE UNIQUE INDEX CONCURRENTLY` then `ADD PRIMARY KEY USING INDEX` does not.

use super::super::judged::{Hit, Judged};
use crate::sql::actions::{Action, AddedConstraint};

pub(super) fn check(judged: &Judged<'_>) -> Option<Hit> {
    if judged.new_table {
        return None;
    }
    let adds_key = matches!(
        judged.action,
        Action::AddColumn {
            primary_key: true,
            ..
        } | Action::AddConstraint {
            constraint: AddedConstraint::PrimaryKey {
                using_index: false,
                ..
            },
            ..
        }
    );
    adds_key.then(|| Hit {
        message: "adding a primary key builds its index while holding an AccessExclusiveLock".to_string(),
        help: "CREATE UNIQUE INDEX CONCURRENTLY first (a migration of its own), then ADD CONSTRAINT … PRIMARY KEY USING INDEX",
        lock: Some("AccessExclusiveLock"),
    })
}

#[cfg(test)]
mod tests {
    use super::super::findings;

    const EVENTS: &str = "CREATE TABLE events (payload text, code int NOT NULL);\n";

    #[test]
    fn a_primary_key_added_to_a_table_in_use() {
        assert_eq!(
            findings(EVENTS, "ALTER TABLE events ADD PRIMARY KEY (code);\n"),
            ["adding-serial-primary-key-field at 1"]
        );
        let earlier = format!("{EVENTS}CREATE UNIQUE INDEX events_code ON events (code);\n");
        assert!(
            findings(
                &earlier,
                "ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_code;\n"
            )
            .is_empty()
        );
    }
}

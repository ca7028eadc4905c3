//! The names PostgreSQL gives constraints a statement leaves unnamed ([`chosen_name`]:
//! `t_pkey`, `t_col_key`, `t_col_fkey`, `t_col_check`), and which constraint names one
//! statement makes certain ([`Constraints`]). Pure string rules; the parser feeds them.

/// PostgreSQL's longest name, in bytes (NAMEDATALEN - 1).
const MAX_NAME_BYTES: usize = 63;

/// PostgreSQL's name for an unnamed constraint (`makeObjectName` in
/// src/backend/commands/indexcmds.c): `table_label` or `table_columns_label`, the longer of
/// the two name parts cut first, a byte at a time, until the whole fits in 63 bytes, each cut
/// back to a character boundary. PostgreSQL appends a number to the label (`t_a_key1`) when
/// another relation or constraint in the schema has the name; that is not modelled.
pub(crate) fn chosen_name(table: &str, columns: Option<&str>, label: &str) -> String {
    let mut overhead = label.len() + 1;
    if columns.is_some() {
        overhead += 1;
    }
    let available = MAX_NAME_BYTES - overhead;
    let mut table_bytes = table.len();
    let mut column_bytes = columns.map_or(0, str::len);
    while table_bytes + column_bytes > available {
        if table_bytes > column_bytes {
            table_bytes -= 1;
        } else {
            column_bytes -= 1;
        }
    }
    let mut name = clip(table, table_bytes).to_string();
    if let Some(columns) = columns {
        name.push('_');
        name.push_str(clip(columns, column_bytes));
    }
    name.push('_');
    name.push_str(label);
    name
}

/// A name as PostgreSQL keeps it: cut to 63 bytes at a character boundary
/// (`truncate_identifier`).
pub(crate) fn truncated(mut name: String) -> String {
    let cut = clip(&name, MAX_NAME_BYTES).len();
    name.truncate(cut);
    name
}

/// The first `bytes` bytes of `text`, cut back to a character boundary (`pg_mbcliplen`).
fn clip(text: &str, bytes: usize) -> &str {
    let mut cut = bytes.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

/// What PostgreSQL compares to find a redundant primary key or unique constraint, coarsened:
/// constraints this calls equal may still both be built (one with other options), never the
/// reverse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum IndexKey {
    /// A primary key or unique constraint on these columns.
    Columns(Vec<String>),
    /// An exclusion constraint.
    Exclusion,
    /// A primary key or unique constraint whose columns were not read (`USING INDEX`).
    Unknown,
}

/// A constraint of one statement, as first read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FoundConstraint {
    /// Its name, as given or as PostgreSQL chooses it.
    pub name: String,
    /// Columns whose drop also drops it.
    pub columns: Vec<String>,
    /// For a primary key, unique or exclusion constraint, what its index is on.
    pub index: Option<IndexKey>,
    /// Whether the name is PostgreSQL's choice (the statement gave none).
    pub chosen: bool,
    /// For a foreign key, the table it references (a `DROP TABLE … CASCADE` of it drops
    /// the constraint).
    pub references: Option<super::facts::QualifiedName>,
}

/// The constraints one statement creates on one table, collected before the statement-wide
/// rules of [`Constraints::certain`].
#[derive(Default)]
pub(crate) struct Constraints {
    found: Vec<FoundConstraint>,
}

impl Constraints {
    /// Records a constraint.
    pub(crate) fn add(&mut self, found: FoundConstraint) {
        self.found.push(found);
    }

    /// The constraints whose names are certain. Two rules of PostgreSQL's make a name
    /// uncertain when a statement creates several constraints: a primary key or unique
    /// constraint equal to an earlier one is not built, and gives its name to the earlier one
    /// if that was unnamed (`a int PRIMARY KEY CONSTRAINT u UNIQUE` builds one primary key
    /// named `u`); and an unnamed constraint whose chosen name is taken gets a number
    /// (`t_a_key1`). Every constraint such a rule could touch is left out.
    pub(crate) fn certain(self) -> Vec<FoundConstraint> {
        let redundant = |index: usize, found: &FoundConstraint| {
            let Some(key) = &found.index else {
                return false;
            };
            self.found.iter().enumerate().any(|(other_index, other)| {
                other_index != index
                    && other.index.as_ref().is_some_and(|other_key| {
                        other_key == key
                            || *other_key == IndexKey::Unknown
                            || *key == IndexKey::Unknown
                    })
            })
        };
        let reused = |found: &FoundConstraint| {
            self.found
                .iter()
                .filter(|other| other.name == found.name)
                .count()
                > 1
        };
        self.found
            .iter()
            .enumerate()
            .filter(|(index, found)| !redundant(*index, found) && !reused(found))
            .map(|(_, found)| found.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(table: &str, columns: Option<&str>, label: &str, expect: &str) {
        assert_eq!(chosen_name(table, columns, label), expect);
    }

    #[test]
    fn long_identifiers_are_cut_like_postgresql() {
        let long = "idx_post_aggregates_featured_community_newest_comment_time_necro";
        assert_eq!(
            truncated(long.to_string()),
            "idx_post_aggregates_featured_community_newest_comment_time_necr"
        );
        assert_eq!(truncated("é".repeat(40)), "é".repeat(31));
        assert_eq!(truncated("short".to_string()), "short");
    }

    #[test]
    fn short_names_are_joined() {
        check("t", None, "pkey", "t_pkey");
        check("t", Some("a_b"), "key", "t_a_b_key");
        check("t", Some("c"), "fkey", "t_c_fkey");
    }

    #[test]
    fn chosen_names_are_cut_to_63_bytes_like_postgresql() {
        // From PostgreSQL 15: the longer part is cut first, at a character boundary.
        check(
            "a_table_name_that_is_quite_long_and_goes_on_and_on_for_a_while",
            Some("other_column_name_that_is_also_rather_long"),
            "fkey",
            "a_table_name_that_is_quite_lo_other_column_name_that_is_al_fkey",
        );
        check(
            "ééééééééééééééééééééééééééééééé",
            Some("ççççççççççççççççççç"),
            "key",
            "éééééééééééééé_çççççççççççççç_key",
        );
        check(
            "ééééééééééééééééééééééééééééééé",
            None,
            "pkey",
            "ééééééééééééééééééééééééééééé_pkey",
        );
    }

    #[test]
    fn redundant_and_reused_names_are_uncertain() {
        let found = |name: &str, index: Option<IndexKey>| FoundConstraint {
            name: name.to_string(),
            columns: Vec::new(),
            index,
            chosen: false,
            references: None,
        };
        let mut constraints = Constraints::default();
        constraints.add(found("t_pkey", Some(IndexKey::Columns(vec!["a".into()]))));
        constraints.add(found("foo", Some(IndexKey::Columns(vec!["a".into()]))));
        constraints.add(found("t_b_key", Some(IndexKey::Columns(vec!["b".into()]))));
        constraints.add(found("t_c_check", None));
        constraints.add(found("t_c_check", None));
        let names: Vec<String> = constraints.certain().into_iter().map(|f| f.name).collect();
        assert_eq!(names, ["t_b_key"]);
    }
}

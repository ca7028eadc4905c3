//! `changing-column-type`: `ALTER COLUMN … TYPE` rewrites the table (and its indexes) under an
//! ACCESS EXCLUSIVE lock, unless the new type is binary-coercible from the old one: `varchar`
//! widened or made unbounded, `varchar` to `text`, `numeric` precision raised at the same
//! scale or made unbounded. The old type comes from the migrations before; when they do not
//! say it, the rule fires.

use super::super::judged::{Hit, Judged};
use crate::sql::actions::Action;

pub(super) fn check(judged: &Judged<'_>) -> Option<Hit> {
    let Action::AlterColumnType { type_name, .. } = judged.action else {
        return None;
    };
    if judged.new_table {
        return None;
    }
    if judged
        .previous_type
        .is_some_and(|previous| binary_coercible(previous, type_name))
    {
        return None;
    }
    Some(Hit {
        message: format!(
            "changing the column's type to {type_name} rewrites the table and its indexes while holding an AccessExclusiveLock"
        ),
        help: "add a new column, backfill it in batches, then switch readers and writers to it; or, if the types are binary-coercible, say so with an allow comment",
        lock: Some("AccessExclusiveLock"),
    })
}

/// Whether PostgreSQL changes `from` to `to` without a rewrite (the common cases).
fn binary_coercible(from: &str, to: &str) -> bool {
    // An array (`varchar(50)[]`, `numeric array`): only the same type as written is known to
    // be no change; splitting it as its element type would take `varchar(50)[]` for a varchar.
    if is_array(from) || is_array(to) {
        return from == to;
    }
    let (from_base, from_args) = split(from);
    let (to_base, to_args) = split(to);
    let varchar = |base: &str| matches!(base, "varchar" | "character varying");
    match (from_base, to_base) {
        (from, "text") if varchar(from) || from == "text" => true,
        (from, to) if varchar(from) && varchar(to) => match (from_args.first(), to_args.first()) {
            (_, None) => true,
            (Some(old), Some(new)) => new >= old,
            (None, Some(_)) => false,
        },
        ("numeric" | "decimal", "numeric" | "decimal") => {
            match (from_args.as_slice(), to_args.as_slice()) {
                (_, []) => true,
                ([old_precision, old_scale], [new_precision, new_scale]) => {
                    new_scale == old_scale && new_precision >= old_precision
                }
                ([old_precision], [new_precision]) => new_precision >= old_precision,
                _ => false,
            }
        }
        _ => false,
    }
}

/// Whether a type as written (folded to lowercase) is an array type.
fn is_array(type_name: &str) -> bool {
    type_name.contains('[') || type_name.ends_with(" array")
}

/// `varchar(50)` → (`varchar`, `[50]`); `numeric(10, 2)` → (`numeric`, `[10, 2]`).
fn split(type_name: &str) -> (&str, Vec<u32>) {
    match type_name.split_once('(') {
        Some((base, rest)) => (
            base.trim(),
            rest.trim_end_matches(')')
                .split(',')
                .filter_map(|part| part.trim().parse().ok())
                .collect(),
        ),
        None => (type_name.trim(), Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ORDERS, findings};
    use super::binary_coercible;

    #[test]
    fn a_type_change_rewrites_the_table() {
        assert_eq!(
            findings(ORDERS, "ALTER TABLE orders ALTER COLUMN id TYPE bigint;\n"),
            ["changing-column-type at 1"]
        );
        assert_eq!(
            findings(
                ORDERS,
                "ALTER TABLE orders ALTER COLUMN note TYPE varchar(20);\n"
            ),
            ["changing-column-type at 1"]
        );
    }

    #[test]
    fn binary_coercible_changes_do_not() {
        assert!(
            findings(
                ORDERS,
                "ALTER TABLE orders ALTER COLUMN note TYPE varchar(100);\nALTER TABLE orders ALTER COLUMN amount TYPE numeric(12, 2);\n"
            )
            .is_empty()
        );
        assert!(binary_coercible("varchar(50)", "text"));
        assert!(binary_coercible("character varying(50)", "varchar"));
        assert!(!binary_coercible("int", "bigint"));
        assert!(!binary_coercible("numeric(10, 2)", "numeric(12, 3)"));
    }

    #[test]
    fn an_array_of_a_type_is_judged_as_an_array() {
        // `varchar(50)[]` is no `varchar`: its length changing, or the array becoming
        // text, is no relabelling.
        let earlier = "CREATE TABLE orders (id int, tags varchar(50)[]);\n";
        assert_eq!(
            findings(
                earlier,
                "ALTER TABLE orders ALTER COLUMN tags TYPE varchar(10)[];\n"
            ),
            ["changing-column-type at 1"]
        );
        assert_eq!(
            findings(earlier, "ALTER TABLE orders ALTER COLUMN tags TYPE text;\n"),
            ["changing-column-type at 1"]
        );
        assert!(!binary_coercible("varchar(50)[]", "varchar(10)[]"));
        assert!(!binary_coercible("numeric(10, 2) array", "numeric"));
        assert!(binary_coercible("varchar(50)[]", "varchar(50)[]"));
    }
}

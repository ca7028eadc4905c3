//! The lock each lint rule predicts is the lock `plan trace` observes PostgreSQL 15 take, and
//! the rewrites lint predicts are the ones trace sees (and the safe twins neither predict nor
//! show one): lint's rules are checked against the server, not against our reading of the docs.

use std::collections::BTreeMap;

use crate::support::project::{Run, TestProject, plan_with_env};

/// One statement per migration, on tables 001 creates.
const CASES: &[(&str, &str)] = &[
    (
        "002_index",
        "CREATE INDEX orders_status ON orders (status);",
    ),
    (
        "003_foreign_key",
        "ALTER TABLE items ADD CONSTRAINT items_order FOREIGN KEY (order_id) REFERENCES orders (id);",
    ),
    (
        "004_to_bigint",
        "ALTER TABLE orders ALTER COLUMN amount TYPE bigint;",
    ),
    (
        "005_widen",
        "ALTER TABLE orders ALTER COLUMN note TYPE varchar(100);",
    ),
    (
        "006_volatile_default",
        "ALTER TABLE orders ADD COLUMN seen timestamptz DEFAULT clock_timestamp();",
    ),
    (
        "007_stable_default",
        "ALTER TABLE orders ADD COLUMN noted timestamptz DEFAULT now();",
    ),
    (
        "008_check",
        "ALTER TABLE orders ADD CONSTRAINT positive CHECK (amount > 0);",
    ),
    (
        "009_not_null",
        "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;",
    ),
    (
        "010_unique",
        "ALTER TABLE orders ADD CONSTRAINT orders_note UNIQUE (note);",
    ),
    ("011_drop_index", "DROP INDEX orders_status;"),
];

fn project() -> TestProject {
    let mut files: Vec<(String, String)> = vec![(
        "migrations/001_tables.sql".to_string(),
        "CREATE TABLE orders (id int PRIMARY KEY, status text, amount int, note varchar(50));\nCREATE TABLE items (id int PRIMARY KEY, order_id int);\nCREATE INDEX items_order_id ON items (order_id);\nINSERT INTO orders VALUES (1, 'new', 5, 'x');\n".to_string(),
    )];
    files.extend(
        CASES
            .iter()
            .map(|(id, sql)| (format!("migrations/{id}.sql"), format!("{sql}\n"))),
    );
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    TestProject::new(&borrowed)
}

/// What trace saw of one file's statements: (relation, lock mode) pairs, relations rewritten.
type Observed = (Vec<(String, String)>, Vec<String>);

fn json(run: &Run) -> serde_json::Value {
    match serde_json::from_str(&run.stdout) {
        Ok(value) => value,
        Err(error) => panic!("not JSON ({error}):\n{}", run.transcript()),
    }
}

#[test]
fn each_lock_rule_predicts_the_lock_and_rewrite_postgresql_takes() {
    let project = project();
    let env = [("NO_COLOR", "1")];
    let lint = json(&plan_with_env(
        project.path(),
        &["lint", "--format", "json", "--fail-on", "error"],
        &env,
    ));
    let trace_run = plan_with_env(project.path(), &["trace", "--format", "json"], &env);
    let trace = json(&trace_run.expect_ok());
    // What trace saw, by file: the locks per relation, and the relations rewritten.
    let mut observed: BTreeMap<String, Observed> = BTreeMap::new();
    for migration in trace["migrations"].as_array().into_iter().flatten() {
        for statement in migration["statements"].as_array().into_iter().flatten() {
            let file = statement["file"].as_str().unwrap_or_default().to_string();
            let entry = observed.entry(file).or_default();
            for lock in statement["locks"].as_array().into_iter().flatten() {
                entry.0.push((
                    lock["relation"].as_str().unwrap_or_default().to_string(),
                    lock["mode"].as_str().unwrap_or_default().to_string(),
                ));
            }
            for rewritten in statement["rewrites"].as_array().into_iter().flatten() {
                entry
                    .1
                    .push(rewritten.as_str().unwrap_or_default().to_string());
            }
        }
    }
    let mut predicted_rewrites: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut checked = 0;
    for finding in lint["findings"].as_array().into_iter().flatten() {
        let file = finding["file"].as_str().unwrap_or_default().to_string();
        let rule = finding["rule"].as_str().unwrap_or_default();
        let (Some(lock), Some(table)) = (finding["lock"].as_str(), finding["table"].as_str())
        else {
            continue;
        };
        let Some((locks, rewrites)) = observed.get(&file) else {
            panic!("trace saw nothing of {file}");
        };
        assert!(
            locks
                .iter()
                .any(|(relation, mode)| relation == table && mode == lock),
            "{file}: {rule} predicts {lock} on {table}; trace saw {locks:?}"
        );
        if matches!(rule, "changing-column-type" | "adding-field-with-default") {
            predicted_rewrites
                .entry(file.clone())
                .or_default()
                .push(table.to_string());
            assert!(
                rewrites.iter().any(|relation| relation == table),
                "{file}: {rule} predicts a rewrite of {table}; trace saw {rewrites:?}"
            );
        }
        checked += 1;
    }
    // Every rule with a lock and a table: all but DROP INDEX, whose table lint does not name.
    assert!(checked >= 7, "{checked} predictions checked:\n{lint:#}");
    // The foreign key locks both tables, as PostgreSQL documents.
    let foreign_key = &observed["migrations/003_foreign_key.sql"].0;
    for table in ["public.items", "public.orders"] {
        assert!(
            foreign_key.contains(&(table.to_string(), "ShareRowExclusiveLock".to_string())),
            "{foreign_key:?}"
        );
    }
    // The safe twins: no rewrite predicted, none observed.
    for file in [
        "migrations/005_widen.sql",
        "migrations/007_stable_default.sql",
    ] {
        assert!(!predicted_rewrites.contains_key(file), "{file}");
        assert!(
            observed[file]
                .1
                .iter()
                .all(|relation| relation != "public.orders"),
            "{file}: {:?}",
            observed[file].1
        );
    }
}

#[test]
fn scratch_copies_are_not_refused_by_lint_on_apply() {
    // `lint: {on_apply: error}` guards real databases; trace and verify apply every migration
    // to a throwaway copy and must not be stopped by it.
    let project = TestProject::new(&[
        (
            "plan.yaml",
            "lint:\n  on_apply: error\n  small_table_rows: 0\n",
        ),
        (
            "migrations/001_orders.up.sql",
            "CREATE TABLE orders (id int PRIMARY KEY, status text);\n",
        ),
        ("migrations/001_orders.down.sql", "DROP TABLE orders;\n"),
        (
            "migrations/002_index.up.sql",
            "CREATE INDEX orders_status ON orders (status);\n",
        ),
        (
            "migrations/002_index.down.sql",
            "DROP INDEX orders_status;\n",
        ),
    ]);
    let env = [("NO_COLOR", "1")];
    plan_with_env(project.path(), &["trace"], &env).expect_ok();
    plan_with_env(project.path(), &["verify"], &env).expect_ok();
}

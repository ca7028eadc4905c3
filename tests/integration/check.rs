//! `plan check`: the dependencies a project's SQL implies and its headers do not declare,
//! offline (exit 1 naming the use, the object and its creator), `--fix` writing them in the
//! project's style, uses before creation, opaque statements as notes; no finding for any
//! project that declares its dependencies (every fixture that loads, the worked example,
//! examples/*); and `apply --to` refusing such a plan against a real database, touching
//! nothing.

use std::path::Path;

use crate::support::cluster::test_db;
use crate::support::project::{
    Run, TestProject, crate_root, ledger_exists, plan, plan_with_env, user_objects,
};

const BASE: (&str, &str) = (
    "migrations/001_base.sql",
    "-- depends: none\nCREATE SCHEMA app;\n",
);
const ORDERS: (&str, &str) = (
    "migrations/005_orders.sql",
    "-- depends: 001_base\nCREATE TABLE orders (id int PRIMARY KEY);\nCREATE TYPE mood AS ENUM ('ok');\nCREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql AS $$ SELECT 1::bigint $$;\n",
);

/// 001, 005 (creating `orders`, `mood`, `order_count()`), and 007 declaring only 001 and
/// running `sql` on its fourth line.
fn project_using(sql: &str) -> TestProject {
    TestProject::new(&[
        BASE,
        ORDERS,
        (
            "migrations/007_report.sql",
            &format!("-- Migration: 007_report\n-- depends: 001_base\n\n{sql}"),
        ),
    ])
}

fn check(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["check"];
    all.extend(args);
    plan_with_env(dir, &all, &[("NO_COLOR", "1")])
}

#[test]
fn a_use_of_an_undeclared_creators_table_fails_and_fix_declares_it() {
    let project = project_using("INSERT INTO orders VALUES (1);\n");
    check(project.path(), &[])
        .expect_failed()
        .expect_stderr_has(&[
            "plan::graph::missing_dependency",
            "007_report uses table public.orders, which 005_orders creates",
            "migrations/007_report.sql:4",
            "add `-- depends: 005_orders`",
        ]);
    check(project.path(), &["--fix"])
        .expect_ok()
        .expect_stdout_has(&[
            "fixed 007_report: added `-- depends: 005_orders` to migrations/007_report.sql",
        ]);
    assert_eq!(
        project.read("migrations/007_report.sql"),
        "-- Migration: 007_report\n-- depends: 001_base\n-- depends: 005_orders\n\nINSERT INTO orders VALUES (1);\n",
        "only the missing line is added"
    );
    check(project.path(), &[]).expect_ok();
    plan_with_env(project.path(), &["show", "--to", "007_report"], &[])
        .expect_ok()
        .expect_stdout_has(&["2. 005_orders", "depends on   001_base, 005_orders"]);
}

#[test]
fn views_references_function_calls_types_and_alter_table_are_uses() {
    for sql in [
        "CREATE VIEW recent AS SELECT id FROM orders;\n",
        "CREATE TABLE lines (order_id int REFERENCES orders (id));\n",
        "CREATE VIEW counted AS SELECT order_count();\n",
        "CREATE TABLE moods (m mood);\n",
        "ALTER TABLE orders ADD COLUMN note text;\n",
    ] {
        let project = project_using(sql);
        check(project.path(), &[])
            .expect_failed()
            .expect_stderr_has(&["migrations/007_report.sql:4", "which 005_orders creates"]);
        check(project.path(), &["--fix"]).expect_ok();
        check(project.path(), &[]).expect_ok();
    }
}

#[test]
fn show_marks_an_undeclared_dependency_and_graph_draws_it_dotted() {
    let project = project_using("INSERT INTO orders VALUES (1);\n");
    plan_with_env(project.path(), &["show"], &[])
        .expect_ok()
        .expect_stdout_has(&[
            "depends on   001_base, 005_orders (inferred: uses table public.orders at migrations/007_report.sql:4)",
        ]);
    plan_with_env(project.path(), &["graph"], &[])
        .expect_ok()
        .expect_stdout_has(&["\"005_orders\" -> \"007_report\" [style=dotted"]);
    // With --to, the plan leaves the creator out: said before the list, which looks complete.
    let run = plan_with_env(project.path(), &["show", "--to", "007"], &[]).expect_ok();
    assert!(!run.stdout.contains("\n  2. 005_orders"), "{run:?}");
    run.expect_stdout_has(&["undeclared: 007_report needs 005_orders"]);
    let whole = plan_with_env(project.path(), &["show"], &[]).expect_ok();
    assert!(!whole.stdout.contains("undeclared:"), "{whole:?}");
}

#[test]
fn a_use_before_its_creation_is_an_order_problem_fix_cannot_fix() {
    let project = TestProject::new(&[
        BASE,
        (
            "migrations/002_early.sql",
            "-- depends: 001_base\nINSERT INTO late VALUES (1);\n",
        ),
        (
            "migrations/003_late.sql",
            "-- depends: 001_base\nCREATE TABLE late (id int);\n",
        ),
    ]);
    check(project.path(), &[])
        .expect_failed()
        .expect_stderr_has(&[
            "plan::graph::used_before_created",
            "002_early uses table public.late before 003_late creates it",
        ]);
    let before = project.read("migrations/002_early.sql");
    check(project.path(), &["--fix"])
        .expect_failed()
        .expect_stderr_has(&["plan::graph::used_before_created"]);
    assert_eq!(project.read("migrations/002_early.sql"), before);
}

#[test]
fn an_opaque_do_block_is_a_note_and_nothing_is_guessed_from_it() {
    let project = project_using(
        "DO $$ BEGIN EXECUTE format('INSERT INTO %I VALUES (1)', 'orders'); END $$;\n",
    );
    check(project.path(), &[]).expect_ok().expect_stdout_has(&[
        "note: migrations/007_report.sql:4: 007_report could not be read (dynamic SQL (EXECUTE) in a DO block)",
    ]);
    let json = check(project.path(), &["--format", "json"]).expect_ok();
    let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("one JSON object");
    assert_eq!(value["clean"], true);
    assert_eq!(value["opaque"][0]["migration"], "007_report");
    assert_eq!(value["problems"].as_array().map(Vec::len), Some(0));
}

#[test]
fn fix_writes_plan_yaml_when_the_project_keeps_dependencies_there() {
    let project = TestProject::new(&[
        (
            "plan.yaml",
            "migrations:\n  005_orders:\n    depends_on: [001_base]\n  007_report:\n    depends_on: [001_base]\n",
        ),
        ("migrations/001_base.sql", "CREATE SCHEMA app;\n"),
        (
            "migrations/005_orders.sql",
            "CREATE TABLE orders (id int);\n",
        ),
        (
            "migrations/007_report.sql",
            "INSERT INTO orders VALUES (1);\n",
        ),
    ]);
    check(project.path(), &[]).expect_failed();
    check(project.path(), &["--fix"]).expect_ok();
    assert_eq!(
        project.read("plan.yaml"),
        "migrations:\n  005_orders:\n    depends_on: [001_base]\n  007_report:\n    depends_on: [001_base, 005_orders]\n"
    );
    assert_eq!(
        project.read("migrations/007_report.sql"),
        "INSERT INTO orders VALUES (1);\n"
    );
}

#[test]
fn projects_that_declare_their_dependencies_have_no_finding() {
    let root = crate_root();
    let mut dirs = vec![root.clone()];
    for parent in ["tests/fixtures", "examples"] {
        let mut found: Vec<_> = std::fs::read_dir(root.join(parent))
            .expect("the folder")
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.is_dir())
            .collect();
        found.sort();
        for dir in found {
            let project = dir.join("project");
            dirs.push(if project.is_dir() { project } else { dir });
        }
    }
    let mut checked = 0;
    for dir in dirs {
        if plan_with_env(&dir, &["show"], &[]).code != 0 {
            continue; // a fixture of bad input: check refuses it as show does
        }
        let run = check(&dir, &[]);
        assert_eq!(run.code, 0, "{}:\n{}", dir.display(), run.transcript());
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} projects loaded");
}

#[test]
fn apply_to_a_migration_missing_a_dependency_is_refused_and_touches_nothing() {
    let database = test_db("check_apply_to_refused");
    let project = project_using("INSERT INTO orders VALUES (1);\n");
    for args in [
        &["apply", "--to", "007_report"][..],
        &["apply", "--to", "007_report", "--dry-run"],
    ] {
        plan(&database, project.path(), args)
            .expect_invalid()
            .expect_stderr_has(&[
                "plan::apply::undeclared_dependency",
                "007_report (needs 005_orders)",
                "plan::graph::missing_dependency",
            ]);
    }
    assert_eq!(user_objects(&database), Vec::<String>::new());
    assert!(!ledger_exists(&mut database.client()));
    // Once 005 is applied, the object is there: --to 007 may run.
    plan(&database, project.path(), &["apply", "--to", "005_orders"]).expect_ok();
    plan(&database, project.path(), &["apply", "--to", "007_report"]).expect_ok();
}
